use skillreg_core::resolve::{ResolveError, SourceOutcome, SourceReport};

use super::failures::resolve_hint;

fn not_found(reference: &str, outcome: SourceOutcome) -> ResolveError {
    ResolveError::NotFound {
        reference: reference.parse().unwrap(),
        request: skillreg_core::VersionReq::Latest,
        searched: vec![SourceReport {
            source: "registry A".to_owned(),
            outcome,
        }],
    }
}

#[test]
fn each_failed_resolution_says_the_next_command() {
    let hint = |error: &ResolveError| resolve_hint(error).unwrap();
    assert_eq!(
        hint(&not_found("pdf", SourceOutcome::NoMatch)),
        "search with `skillreg search pdf`, or install by full reference: `namespace/pdf`; \
         a private skill shows only to a token that may read it (`skillreg login --token <token>`)"
    );
    assert_eq!(
        hint(&not_found("acme/pdf", SourceOutcome::NoMatch)),
        "search with `skillreg search pdf`; a private skill shows only to a token that may read \
         it (`skillreg login --token <token>`)"
    );
    assert!(
        hint(&not_found(
            "pdf",
            SourceOutcome::Failed("refused".to_owned())
        ))
        .contains("check the registry is reachable")
    );
    let ambiguous = ResolveError::Ambiguous {
        reference: "pdf".parse().unwrap(),
        source_name: "registry A".to_owned(),
        candidates: vec!["a/pdf".parse().unwrap(), "b/pdf".parse().unwrap()],
        more: 0,
    };
    assert_eq!(hint(&ambiguous), "name the namespace, for example `a/pdf`");
    assert!(hint(&ResolveError::NoSources("pdf".parse().unwrap())).contains("REGISTRY_URL"));
}
