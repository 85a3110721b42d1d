//! The audit over real skills and arbitrary bytes.

use proptest::prelude::*;
use skillreg_core::audit::{Verdict, audit, verdict};
use skillreg_core::bundle::{BundleFile, BundleLimits, FileSet};
use skillreg_testkit::fixtures::load_fixture;

/// Well-known clean skills raise nothing a reviewer must look at.
#[test]
fn the_fixture_skills_pass_or_have_only_notes() {
    for name in [
        "brand-guidelines",
        "claude-api",
        "frontend-design",
        "internal-comms",
    ] {
        let findings = audit(&load_fixture(name));
        assert!(
            verdict(&findings) <= Verdict::Review,
            "{name}: {:#?}",
            findings
                .iter()
                .filter(|f| f.severity > skillreg_core::audit::Severity::Info)
                .collect::<Vec<_>>()
        );
    }
}

proptest! {
    /// Any bytes in any file: the audit answers, and the same files give the same findings.
    #[test]
    fn any_bytes_audit_the_same_way_twice(
        script in prop::collection::vec(any::<u8>(), 0..4096),
        text in "\\PC{0,2000}",
    ) {
        let files = FileSet::new(
            [
                BundleFile::new("SKILL.md".parse().unwrap(), format!("---\nname: t\ndescription: d\n---\n{text}").into_bytes(), false),
                BundleFile::new("run.sh".parse().unwrap(), script, true),
                BundleFile::new("notes.md".parse().unwrap(), text.clone().into_bytes(), false),
            ],
            &BundleLimits::default(),
        )
        .unwrap();
        let first = audit(&files);
        prop_assert_eq!(&first, &audit(&files));
        for finding in &first {
            prop_assert!(!finding.code.is_empty() && !finding.remediation.is_empty());
        }
    }
}

/// docs/audit-rules.md lists every rule code, with its severity.
#[test]
fn every_rule_is_documented() {
    let docs = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../docs/audit-rules.md"
    ))
    .unwrap();
    for code in skillreg_core::audit::codes() {
        assert!(
            docs.contains(&format!("| `{code}` |")),
            "{code} is not in docs/audit-rules.md"
        );
    }
    assert!(docs.contains(&format!(
        "`RULES_VERSION`, now {}",
        skillreg_core::audit::RULES_VERSION
    )));
}
