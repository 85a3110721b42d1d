//! Importing with every conflict policy, creator-only overwrite and idempotent retries.

use skillreg_core::conflict::ConflictPolicy;
use skillreg_core::model::EventKind;
use skillreg_core::ports::BlobStore as _;
use skillreg_core::usecases::{ImportOutcome, ImportRequest, RegistryError};
use skillreg_testkit::TestRegistry;
use skillreg_testkit::fixtures::skill_files;

use crate::actor;

fn request(files: skillreg_core::bundle::FileSet, policy: ConflictPolicy) -> ImportRequest {
    ImportRequest {
        namespace: "acme".parse().unwrap(),
        files,
        folder_name: Some("pdf".to_owned()),
        version: None,
        on_conflict: policy,
    }
}

fn v1() -> skillreg_core::bundle::FileSet {
    skill_files(
        "pdf",
        "PDF tools",
        "",
        &[("old.txt", "old"), ("keep.txt", "1")],
    )
}

fn v2() -> skillreg_core::bundle::FileSet {
    skill_files(
        "pdf",
        "PDF tools",
        "",
        &[("new.txt", "new"), ("keep.txt", "2")],
    )
}

#[tokio::test]
async fn first_import_creates_at_0_1_0_and_a_retry_changes_nothing() {
    let t = TestRegistry::new();
    let outcome = t
        .registry
        .import(&actor("alice"), request(v1(), ConflictPolicy::Fail))
        .await
        .unwrap();
    let ImportOutcome::Created {
        skill,
        version,
        renamed: false,
    } = outcome
    else {
        panic!("{outcome:?}")
    };
    assert_eq!(version.version().to_string(), "0.1.0");
    assert_eq!(skill.id.to_string(), "acme/pdf");
    for policy in ConflictPolicy::ALL {
        let retry = t
            .registry
            .import(&actor("alice"), request(v1(), policy))
            .await
            .unwrap();
        assert!(
            matches!(retry, ImportOutcome::Unchanged { .. }),
            "{policy}: {retry:?}"
        );
    }
    assert_eq!(t.store_events().await.len(), 1);
}

#[tokio::test]
async fn fail_reports_a_structured_conflict() {
    let t = TestRegistry::new();
    t.registry
        .import(&actor("alice"), request(v1(), ConflictPolicy::Fail))
        .await
        .unwrap();
    let outcome = t
        .registry
        .import(&actor("alice"), request(v2(), ConflictPolicy::Fail))
        .await
        .unwrap();
    let ImportOutcome::Conflict(conflict) = outcome else {
        panic!("{outcome:?}")
    };
    assert_eq!(conflict.existing_skill_id.to_string(), "acme/pdf");
    assert_eq!(conflict.existing_created_by.as_str(), "alice");
    assert!(conflict.can_overwrite);
}

#[tokio::test]
async fn skip_leaves_the_existing_skill() {
    let t = TestRegistry::new();
    t.registry
        .import(&actor("alice"), request(v1(), ConflictPolicy::Fail))
        .await
        .unwrap();
    let outcome = t
        .registry
        .import(&actor("alice"), request(v2(), ConflictPolicy::Skip))
        .await
        .unwrap();
    assert!(
        matches!(outcome, ImportOutcome::Skipped(ref c) if c.can_overwrite),
        "{outcome:?}"
    );
    assert_eq!(t.store_events().await.len(), 1);
}

#[tokio::test]
async fn overwrite_by_the_creator_keeps_identity_and_replaces_files() {
    let t = TestRegistry::new();
    let ImportOutcome::Created { skill: before, .. } = t
        .registry
        .import(&actor("alice"), request(v1(), ConflictPolicy::Fail))
        .await
        .unwrap()
    else {
        panic!()
    };
    let outcome = t
        .registry
        .import(&actor("alice"), request(v2(), ConflictPolicy::Overwrite))
        .await
        .unwrap();
    let ImportOutcome::Overwritten { skill, version } = outcome else {
        panic!("{outcome:?}")
    };
    assert_eq!(skill, before, "same uid, id, creator and creation time");
    assert_eq!(version.version().to_string(), "0.1.1");
    let files: Vec<String> = version
        .published
        .meta
        .files
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        files,
        ["SKILL.md", "keep.txt", "new.txt"],
        "old.txt is gone"
    );
    let kinds: Vec<EventKind> = t.store_events().await.into_iter().map(|e| e.kind).collect();
    assert_eq!(kinds, [EventKind::SkillCreated, EventKind::SkillUpdated]);
    let retry = t
        .registry
        .import(&actor("alice"), request(v2(), ConflictPolicy::Overwrite))
        .await
        .unwrap();
    assert!(matches!(retry, ImportOutcome::Unchanged { .. }));
}

#[tokio::test]
async fn a_member_who_did_not_create_the_skill_never_overwrites() {
    let t = TestRegistry::new();
    t.registry
        .import(&actor("alice"), request(v1(), ConflictPolicy::Fail))
        .await
        .unwrap();
    skillreg_testkit::set_role(
        t.store.as_ref(),
        "acme",
        "bob",
        Some(skillreg_core::model::Role::Member),
    )
    .await
    .unwrap();
    let outcome = t
        .registry
        .import(&actor("bob"), request(v2(), ConflictPolicy::Overwrite))
        .await
        .unwrap();
    let ImportOutcome::Conflict(conflict) = outcome else {
        panic!("{outcome:?}")
    };
    assert!(!conflict.can_overwrite);
    assert_eq!(conflict.existing_created_by.as_str(), "alice");
    assert_eq!(t.store_events().await.len(), 1);
}

#[tokio::test]
async fn rename_picks_the_first_free_name_and_rewrites_the_manifest() {
    let t = TestRegistry::new();
    t.registry
        .import(&actor("alice"), request(v1(), ConflictPolicy::Fail))
        .await
        .unwrap();
    let outcome = t
        .registry
        .import(&actor("alice"), request(v2(), ConflictPolicy::Rename))
        .await
        .unwrap();
    let ImportOutcome::Created {
        skill,
        renamed: true,
        version,
    } = outcome
    else {
        panic!("{outcome:?}")
    };
    assert_eq!(skill.id.to_string(), "acme/pdf-2");
    let third = skill_files("pdf", "PDF tools", "", &[("third.txt", "3")]);
    let outcome = t
        .registry
        .import(&actor("alice"), request(third, ConflictPolicy::Rename))
        .await
        .unwrap();
    assert!(
        matches!(&outcome, ImportOutcome::Created { skill, .. } if skill.id.to_string() == "acme/pdf-3"),
        "{outcome:?}"
    );
    // The stored SKILL.md of the renamed skill names it `pdf-2`, so installs pass the
    // supply-chain check.
    let archive = t
        .blobs
        .get(&version.published.archive_digest)
        .await
        .unwrap()
        .unwrap();
    let files = skillreg_core::bundle::read_archive(&archive, &Default::default()).unwrap();
    let text = String::from_utf8(files.skill_md().contents().to_vec()).unwrap();
    assert!(text.contains("name: pdf-2\n"), "{text}");
    // Retrying the rename import finds its own earlier result.
    let retry = t
        .registry
        .import(&actor("alice"), request(v2(), ConflictPolicy::Rename))
        .await
        .unwrap();
    assert!(
        matches!(&retry, ImportOutcome::Unchanged { skill } if skill.id.to_string() == "acme/pdf-2"),
        "{retry:?}"
    );
}

#[tokio::test]
async fn the_folder_name_must_match() {
    let t = TestRegistry::new();
    let mut req = request(v1(), ConflictPolicy::Fail);
    req.folder_name = Some("other".to_owned());
    let error = t.registry.import(&actor("alice"), req).await.unwrap_err();
    assert!(matches!(error, RegistryError::Manifest(_)), "{error}");
    assert!(t.store_events().await.is_empty());
}

#[tokio::test]
async fn an_explicit_version_that_exists_with_other_content_conflicts() {
    let t = TestRegistry::new();
    let mut first = request(v1(), ConflictPolicy::Fail);
    first.version = Some("1.0.0".parse().unwrap());
    t.registry.import(&actor("alice"), first).await.unwrap();
    let mut second = request(v2(), ConflictPolicy::Overwrite);
    second.version = Some("1.0.0".parse().unwrap());
    let error = t
        .registry
        .import(&actor("alice"), second)
        .await
        .unwrap_err();
    assert!(
        matches!(error, RegistryError::VersionConflict { .. }),
        "{error}"
    );
}
