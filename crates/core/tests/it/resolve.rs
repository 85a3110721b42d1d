//! The resolution cascade and the checks made on what it fetches.

use std::sync::Arc;

use skillreg_core::Digest;
use skillreg_core::bundle::BundleLimits;
use skillreg_core::ports::{LookupError, Signer as _, SkillLookup};
use skillreg_core::resolve::{FetchError, FetchPolicy, ResolveError, Resolver, SourceOutcome};
use skillreg_core::signature::VersionStatement;
use skillreg_core::{SkillRef, VersionReq};
use skillreg_testkit::fakes::{FakeLookup, FakeSigner, FakeVerifier};
use skillreg_testkit::fixtures::skill_files;

fn pdf() -> skillreg_core::bundle::FileSet {
    skill_files("pdf", "PDF tools", "", &[("run.py", "print(1)")])
}

fn reference(text: &str) -> SkillRef {
    text.parse().unwrap()
}

fn resolver(sources: Vec<FakeLookup>) -> Resolver {
    Resolver::new(
        sources
            .into_iter()
            .map(|s| Arc::new(s) as Arc<dyn SkillLookup>)
            .collect(),
    )
}

fn policy(limits: &BundleLimits) -> FetchPolicy<'_> {
    FetchPolicy {
        limits,
        verifier: None,
    }
}

#[tokio::test]
async fn the_local_store_is_asked_first() {
    let local = FakeLookup::new("local store").with_bundle("local/pdf", "0.1.0", &pdf());
    let registry = FakeLookup::new("registry A").with_bundle("acme/pdf", "1.0.0", &pdf());
    let spy = registry.clone();
    let resolution = resolver(vec![local, registry])
        .resolve(&reference("pdf"), &VersionReq::Latest)
        .await
        .unwrap();
    assert_eq!(resolution.source, "local store");
    assert_eq!(resolution.skill.id.to_string(), "local/pdf");
    assert!(
        spy.calls().is_empty(),
        "a registry is not asked when the local store has it"
    );
}

#[tokio::test]
async fn a_registry_hit_is_fetched_and_verified() {
    let local = FakeLookup::new("local store");
    let registry = FakeLookup::new("registry A")
        .with_bundle("acme/pdf", "1.0.0", &pdf())
        .with_bundle(
            "acme/pdf-tools",
            "1.0.0",
            &skill_files("pdf-tools", "other", "", &[]),
        );
    let resolver = resolver(vec![local, registry]);
    let resolution = resolver
        .resolve(
            &reference("PDF".to_lowercase().as_str()),
            &VersionReq::Latest,
        )
        .await
        .unwrap();
    assert_eq!(resolution.source, "registry A");
    assert_eq!(
        resolution.skill.id.to_string(),
        "acme/pdf",
        "fuzzy hits are dropped"
    );
    let limits = BundleLimits::default();
    let fetched = resolver
        .fetch_verified(&resolution, &reference("pdf"), &policy(&limits))
        .await
        .unwrap();
    assert_eq!(fetched.content_digest, pdf().content_digest());
    assert_eq!(fetched.version.to_string(), "1.0.0");
    assert!(fetched.signer.is_none());
}

#[tokio::test]
async fn a_plain_name_in_two_namespaces_is_ambiguous() {
    let mut registry = FakeLookup::new("registry A");
    for ns in ["a", "b", "c", "d", "e", "f", "g"] {
        registry = registry.with_bundle(&format!("{ns}/pdf"), "1.0.0", &pdf());
    }
    let error = resolver(vec![registry])
        .resolve(&reference("pdf"), &VersionReq::Latest)
        .await
        .unwrap_err();
    let ResolveError::Ambiguous {
        candidates, more, ..
    } = &error
    else {
        panic!("{error}")
    };
    let listed: Vec<String> = candidates.iter().map(ToString::to_string).collect();
    assert_eq!(listed, ["a/pdf", "b/pdf", "c/pdf", "d/pdf", "e/pdf"]);
    assert_eq!(*more, 2);
    assert!(error.to_string().contains("7 match"), "{error}");
}

#[tokio::test]
async fn a_namespace_qualified_reference_picks_one() {
    let registry = FakeLookup::new("registry A")
        .with_bundle("a/pdf", "1.0.0", &pdf())
        .with_bundle("b/pdf", "2.0.0", &pdf());
    let resolution = resolver(vec![registry])
        .resolve(&reference("b/pdf"), &VersionReq::Latest)
        .await
        .unwrap();
    assert_eq!(resolution.skill.id.to_string(), "b/pdf");
    assert_eq!(resolution.version.version.to_string(), "2.0.0");
}

#[tokio::test]
async fn a_failed_registry_is_not_reported_as_not_found() {
    let local = FakeLookup::new("local store");
    let down = FakeLookup::failing(
        "registry https://skills.example",
        LookupError::Unreachable("connection refused".into()),
    );
    let error = resolver(vec![local, down])
        .resolve(&reference("pdf"), &VersionReq::Latest)
        .await
        .unwrap_err();
    assert!(error.any_source_failed());
    let ResolveError::NotFound { searched, .. } = &error else {
        panic!("{error}")
    };
    assert_eq!(searched[0].outcome, SourceOutcome::NoMatch);
    assert!(
        matches!(&searched[1].outcome, SourceOutcome::Failed(reason) if reason.contains("connection refused"))
    );
    let message = error.to_string();
    assert!(
        message
            .contains("registry https://skills.example: failed (unreachable: connection refused)"),
        "{message}"
    );
    assert!(error.any_source_failed());
}

#[tokio::test]
async fn a_failed_registry_before_a_hit_is_remembered() {
    let down = FakeLookup::failing("registry A", LookupError::Unreachable("timeout".into()));
    let up = FakeLookup::new("registry B").with_bundle("acme/pdf", "1.0.0", &pdf());
    let resolution = resolver(vec![down, up])
        .resolve(&reference("pdf"), &VersionReq::Latest)
        .await
        .unwrap();
    assert_eq!(resolution.source, "registry B");
    assert_eq!(resolution.failed_before.len(), 1);
}

#[tokio::test]
async fn not_found_says_what_was_searched_and_what_versions_exist() {
    let registry = FakeLookup::new("registry A").with_bundle("acme/pdf", "1.0.0", &pdf());
    let error = resolver(vec![FakeLookup::new("local store"), registry])
        .resolve(&reference("pdf"), &"^2".parse().unwrap())
        .await
        .unwrap_err();
    let message = error.to_string();
    assert!(message.contains("`pdf` with version `^2`"), "{message}");
    assert!(message.contains("local store: no match"), "{message}");
    assert!(
        message.contains("registry A: `acme/pdf` has 1.0.0"),
        "{message}"
    );
    let error = resolver(vec![FakeLookup::new("local store")])
        .resolve(&reference("pdf"), &VersionReq::Latest)
        .await
        .unwrap_err();
    assert!(
        matches!(&error, ResolveError::NotFound { .. }) && !error.any_source_failed(),
        "{error}"
    );
    let error = resolver(vec![])
        .resolve(&reference("pdf"), &VersionReq::Latest)
        .await
        .unwrap_err();
    assert!(matches!(error, ResolveError::NoSources(_)));
}

#[tokio::test]
async fn a_bundle_naming_another_skill_is_refused() {
    let impostor = skill_files("evil", "looks like pdf", "", &[]);
    let registry = FakeLookup::new("registry A").with_bundle("acme/pdf", "1.0.0", &impostor);
    let resolver = resolver(vec![registry]);
    let resolution = resolver
        .resolve(&reference("pdf"), &VersionReq::Latest)
        .await
        .unwrap();
    let limits = BundleLimits::default();
    let error = resolver
        .fetch_verified(&resolution, &reference("pdf"), &policy(&limits))
        .await
        .unwrap_err();
    assert!(
        matches!(&error, FetchError::NameMismatch { found, .. } if found == "evil"),
        "{error}"
    );
    assert!(
        error.to_string().starts_with("supply-chain check failed"),
        "{error}"
    );
}

#[tokio::test]
async fn bytes_that_do_not_match_the_digest_are_refused() {
    let honest = FakeLookup::new("registry A").with_bundle("acme/pdf", "1.0.0", &pdf());
    let resolution = resolver(vec![honest])
        .resolve(&reference("pdf"), &VersionReq::Latest)
        .await
        .unwrap();
    let tampering = FakeLookup::new("registry A").with_archive_under(
        resolution.version.archive_digest,
        b"not the archive".to_vec(),
    );
    let limits = BundleLimits::default();
    let error = resolver(vec![tampering])
        .fetch_verified(&resolution, &reference("pdf"), &policy(&limits))
        .await
        .unwrap_err();
    assert!(
        matches!(error, FetchError::DigestMismatch { actual, .. } if actual == Digest::of(b"not the archive"))
    );
}

#[tokio::test]
async fn signatures_are_checked_when_the_policy_asks() {
    let files = pdf();
    let archive = skillreg_core::bundle::pack(&files).unwrap();
    let statement = VersionStatement {
        id: "acme/pdf".parse().unwrap(),
        version: "1.0.0".parse().unwrap(),
        archive_digest: *archive.digest(),
        content_digest: files.content_digest(),
    };
    let signer = FakeSigner::new("ed25519:alice", b"alice-key");
    let good = signer.sign(&statement).unwrap();
    let mut tampered = good.clone();
    tampered.value[0] ^= 1;
    let verifier = FakeVerifier::default().trust("ed25519:alice", b"alice-key");
    let limits = BundleLimits::default();
    let strict = FetchPolicy {
        limits: &limits,
        verifier: Some(&verifier),
    };

    let signed = resolver(vec![FakeLookup::new("r").with_signed_bundle(
        "acme/pdf",
        "1.0.0",
        &files,
        vec![good],
    )]);
    let resolution = signed
        .resolve(&reference("pdf"), &VersionReq::Latest)
        .await
        .unwrap();
    let fetched = signed
        .fetch_verified(&resolution, &reference("pdf"), &strict)
        .await
        .unwrap();
    assert_eq!(fetched.signer.unwrap().key_id, "ed25519:alice");

    let forged = resolver(vec![FakeLookup::new("r").with_signed_bundle(
        "acme/pdf",
        "1.0.0",
        &files,
        vec![tampered],
    )]);
    let resolution = forged
        .resolve(&reference("pdf"), &VersionReq::Latest)
        .await
        .unwrap();
    let error = forged
        .fetch_verified(&resolution, &reference("pdf"), &strict)
        .await
        .unwrap_err();
    assert!(matches!(error, FetchError::BadSignature { .. }), "{error}");

    let unsigned = resolver(vec![
        FakeLookup::new("r").with_bundle("acme/pdf", "1.0.0", &files),
    ]);
    let resolution = unsigned
        .resolve(&reference("pdf"), &VersionReq::Latest)
        .await
        .unwrap();
    let error = unsigned
        .fetch_verified(&resolution, &reference("pdf"), &strict)
        .await
        .unwrap_err();
    assert!(matches!(error, FetchError::Unsigned { .. }), "{error}");
}

#[tokio::test]
async fn remote_text_is_sanitized_in_errors() {
    let nasty = format!("\u{1b}[2Jboom{}", "x".repeat(400));
    let down = FakeLookup::failing("registry A", LookupError::Protocol(nasty));
    let error = resolver(vec![down])
        .resolve(&reference("pdf"), &VersionReq::Latest)
        .await
        .unwrap_err();
    let ResolveError::NotFound { searched, .. } = &error else {
        panic!()
    };
    let SourceOutcome::Failed(reason) = &searched[0].outcome else {
        panic!()
    };
    assert!(!reason.contains('\u{1b}'));
    assert!(reason.chars().count() <= 257, "{}", reason.chars().count());
}

#[tokio::test]
async fn the_store_lookup_serves_the_registry_itself() {
    use skillreg_core::usecases::{BundleInput, PublishRequest, StoreLookup};
    let t = skillreg_testkit::TestRegistry::new();
    for ns in ["acme", "other"] {
        t.registry
            .publish(
                &crate::actor(ns),
                PublishRequest {
                    namespace: ns.parse().unwrap(),
                    bundle: BundleInput::Files(pdf()),
                    version: Some("1.0.0".parse().unwrap()),
                    signatures: Vec::new(),
                },
            )
            .await
            .unwrap();
    }
    let lookup = StoreLookup::new("local store", t.store.clone(), t.blobs.clone());
    let resolver = Resolver::new(vec![Arc::new(lookup)]);
    let error = resolver
        .resolve(&reference("pdf"), &VersionReq::Latest)
        .await
        .unwrap_err();
    assert!(matches!(error, ResolveError::Ambiguous { .. }), "{error}");
    let resolution = resolver
        .resolve(&reference("other/pdf"), &VersionReq::Latest)
        .await
        .unwrap();
    let limits = BundleLimits::default();
    let fetched = resolver
        .fetch_verified(&resolution, &reference("other/pdf"), &policy(&limits))
        .await
        .unwrap();
    assert_eq!(fetched.content_digest, pdf().content_digest());
}

#[tokio::test]
async fn a_scripted_source_that_fails_then_a_fallback() {
    use skillreg_testkit::mocks::MockLookup;
    let mut flaky = MockLookup::new();
    flaky
        .expect_source_name()
        .return_const("registry A".to_owned());
    flaky.expect_find().times(1).returning(|_, _| {
        Err(LookupError::RateLimited {
            retry_after_secs: 30,
        })
    });
    flaky.expect_fetch().never();
    let fallback = FakeLookup::new("registry B").with_bundle("acme/pdf", "1.0.0", &pdf());
    let resolver = Resolver::new(vec![Arc::new(flaky), Arc::new(fallback)]);
    let resolution = resolver
        .resolve(&reference("pdf"), &VersionReq::Latest)
        .await
        .unwrap();
    assert_eq!(resolution.source, "registry B");
    let SourceOutcome::Failed(reason) = &resolution.failed_before[0].outcome else {
        panic!("{:?}", resolution.failed_before)
    };
    assert!(reason.contains("retry after 30 s"), "{reason}");
}
