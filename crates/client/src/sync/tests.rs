use skillreg_core::clients::AgentClient;
use skillreg_core::{SkillRef, VersionReq};

use super::{InstallStep, SyncError, UpdateStep, plan_install, plan_update, wanted};
use crate::project::{Lock, LockEntry, ProjectManifest};

fn manifest(skills: &[(&str, &str)]) -> ProjectManifest {
    ProjectManifest {
        skills: skills
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect(),
        ..ProjectManifest::default()
    }
}

fn entry(id: &str, version: &str, source: &str, clients: &[AgentClient]) -> LockEntry {
    LockEntry {
        id: id.parse().unwrap(),
        version: version.parse().unwrap(),
        source: source.to_owned(),
        archive_digest: None,
        content_digest: skillreg_core::Digest::of(b"x"),
        signer: None,
        clients: clients.to_vec(),
        profile: None,
        log_index: None,
    }
}

fn lock(entries: Vec<LockEntry>) -> Lock {
    let mut lock = Lock::default();
    for entry in entries {
        lock.upsert(entry);
    }
    lock
}

fn client(id: &str) -> AgentClient {
    id.parse().unwrap()
}

fn reference(text: &str) -> SkillRef {
    text.parse().unwrap()
}

#[test]
fn what_the_lock_pins_is_restored_for_its_own_clients_unless_others_are_named() {
    let manifest = manifest(&[("acme/pdf", "^1")]);
    let lock = lock(vec![entry(
        "acme/pdf",
        "1.2.0",
        "registry",
        &[client("codex")],
    )]);
    let steps = plan_install(&manifest, &lock, &[], false).unwrap();
    assert_eq!(
        steps,
        vec![InstallStep::Restore {
            entry: lock.skills[0].clone(),
            clients: vec![client("codex")],
        }]
    );
    let steps = plan_install(&manifest, &lock, &[client("cursor")], false).unwrap();
    assert!(matches!(
        &steps[..],
        [InstallStep::Restore { clients, .. }] if clients == &[client("cursor")]
    ));
}

#[test]
fn a_request_the_lock_no_longer_satisfies_is_resolved_again() {
    let manifest = manifest(&[("acme/pdf", "^2"), ("lint", "latest")]);
    let lock = lock(vec![entry("acme/pdf", "1.2.0", "registry", &[])]);
    let steps = plan_install(&manifest, &lock, &[], false).unwrap();
    assert_eq!(
        steps,
        vec![
            InstallStep::Resolve {
                reference: reference("acme/pdf"),
                request: "^2".parse().unwrap(),
            },
            InstallStep::Resolve {
                reference: reference("lint"),
                request: VersionReq::Latest,
            },
        ]
    );
}

#[test]
fn installing_only_what_is_locked_names_the_first_skill_the_lock_lacks() {
    let manifest = manifest(&[("acme/pdf", "^2")]);
    let lock = lock(vec![entry("acme/pdf", "1.2.0", "registry", &[])]);
    let error = plan_install(&manifest, &lock, &[], true).unwrap_err();
    assert_eq!(
        error,
        SyncError::NotLocked {
            text: "acme/pdf".into(),
            request: Some("^2".into()),
        }
    );
    assert_eq!(
        error.to_string(),
        "skills.lock is out of date: `acme/pdf` (^2) is not locked"
    );
    let oci = manifest_with_oci();
    let error = plan_install(&oci, &Lock::default(), &[], true).unwrap_err();
    assert_eq!(
        error.to_string(),
        "skills.lock is out of date: `oci://reg.example/team/pdf:v1` is not locked"
    );
}

fn manifest_with_oci() -> ProjectManifest {
    manifest(&[("oci://reg.example/team/pdf:v1", "latest")])
}

#[test]
fn an_oci_reference_follows_the_digest_its_repository_is_locked_at() {
    let pinned = entry(
        "team/pdf",
        "1.0.0",
        "oci+reg.example/team/pdf@sha256:abc",
        &[client("claude-code")],
    );
    let other = entry(
        "team/lint",
        "1.0.0",
        "oci+reg.example/team/pdf-extra@sha256:def",
        &[],
    );
    let lock = lock(vec![pinned.clone(), other]);
    let steps = plan_install(&manifest_with_oci(), &lock, &[], false).unwrap();
    assert_eq!(
        steps,
        vec![InstallStep::PullLocked {
            entry: pinned,
            pinned: "oci://reg.example/team/pdf@sha256:abc".into(),
        }]
    );
    let steps = plan_install(&manifest_with_oci(), &Lock::default(), &[], false).unwrap();
    assert_eq!(
        steps,
        vec![InstallStep::Pull {
            text: "oci://reg.example/team/pdf:v1".into()
        }]
    );
}

#[test]
fn an_oci_repository_on_a_registry_with_a_port_keeps_its_port() {
    let manifest = manifest(&[("oci://localhost:5000/team/pdf", "latest")]);
    assert!(matches!(
        &wanted(&manifest).unwrap()[..],
        [super::Wanted::Oci { repository, .. }] if repository == "localhost:5000/team/pdf"
    ));
}

#[test]
fn nothing_asked_and_nothing_locked_is_an_error_and_bad_entries_are_named() {
    assert_eq!(
        plan_install(&manifest(&[]), &Lock::default(), &[], false).unwrap_err(),
        SyncError::NothingToInstall
    );
    let error = plan_install(
        &manifest(&[("Bad Name!", "1")]),
        &Lock::default(),
        &[],
        false,
    )
    .unwrap_err();
    assert!(matches!(&error, SyncError::Reference { text, .. } if text == "Bad Name!"));
    let error =
        plan_install(&manifest(&[("pdf", "~~")]), &Lock::default(), &[], false).unwrap_err();
    assert!(
        matches!(&error, SyncError::Request { text, request, .. } if text == "pdf" && request == "~~")
    );
}

#[test]
fn update_resolves_every_skill_or_the_named_ones_from_what_is_locked() {
    let manifest = manifest(&[
        ("acme/pdf", "^1"),
        ("lint", "latest"),
        ("oci://reg.example/team/x:v1", "latest"),
    ]);
    let lock = lock(vec![entry(
        "acme/pdf",
        "1.2.0",
        "registry",
        &[client("codex")],
    )]);
    let steps = plan_update(&manifest, &lock, &[]).unwrap();
    assert_eq!(
        steps,
        vec![
            UpdateStep::Resolve {
                reference: reference("acme/pdf"),
                request: "^1".parse().unwrap(),
                from: Some("1.2.0".parse().unwrap()),
                clients: Some(vec![client("codex")]),
            },
            UpdateStep::Resolve {
                reference: reference("lint"),
                request: VersionReq::Latest,
                from: None,
                clients: None,
            },
            UpdateStep::Pull {
                text: "oci://reg.example/team/x:v1".into()
            },
        ]
    );
    let named = plan_update(&manifest, &lock, &["pdf".to_owned()]).unwrap();
    assert!(matches!(
        &named[..],
        [UpdateStep::Resolve { reference, .. }] if reference == &self::reference("acme/pdf")
    ));
    let named = plan_update(
        &manifest,
        &lock,
        &["oci://reg.example/team/x:v1".to_owned()],
    )
    .unwrap();
    assert!(matches!(&named[..], [UpdateStep::Pull { .. }]));
    assert!(
        plan_update(&manifest, &lock, &["nothing".to_owned()])
            .unwrap()
            .is_empty()
    );
}
