use std::sync::Mutex;

use skillreg_core::ports::InstallTarget as _;
use skillreg_testkit::fakes::{FakeLookup, MemoryInstallTarget};
use skillreg_testkit::fixtures::skill_files;

use super::*;

/// Keeps the warnings.
#[derive(Default)]
struct Kept(Mutex<Vec<String>>);

impl Notes for Kept {
    fn warn(&self, text: String) {
        self.0.lock().unwrap().push(text);
    }
}

fn client(id: &str) -> AgentClient {
    id.parse().unwrap()
}

fn sources(lookups: Vec<FakeLookup>) -> Vec<Source> {
    lookups
        .into_iter()
        .enumerate()
        .map(|(i, lookup)| Source {
            name: format!("source-{i}"),
            lookup: Arc::new(lookup),
            keys: None,
            registry: None,
        })
        .collect()
}

fn installer(target: &Arc<MemoryInstallTarget>) -> Installer {
    Installer {
        target: Arc::clone(target) as Arc<dyn InstallTarget>,
        scope: InstallScope::Project,
        policy: FolderPolicy::Fail,
        allow_signer_change: false,
        allow_risk: false,
        trust: Trust::default(),
        limits: BundleLimits::default(),
        link: false,
        log: None,
    }
}

fn registry() -> FakeLookup {
    FakeLookup::new("registry")
        .with_bundle(
            "acme/pdf",
            "1.0.0",
            &skill_files("pdf", "Fills PDFs", "", &[("v", "1")]),
        )
        .with_bundle(
            "acme/pdf",
            "1.1.0",
            &skill_files("pdf", "Fills PDFs", "", &[("v", "2")]),
        )
}

#[tokio::test]
async fn an_install_writes_every_client_folder_and_says_what_to_lock() {
    let target = Arc::new(MemoryInstallTarget::default());
    let sources = sources(vec![FakeLookup::new("empty"), registry()]);
    let installer = installer(&target);
    // The lock already installs it for codex: the new install keeps that client.
    let mut lock = Lock::default();
    let notes = Kept::default();
    let first = installer
        .install(
            &sources,
            &"pdf".parse().unwrap(),
            &"=1.0.0".parse().unwrap(),
            &[client("codex")],
            &lock,
            &notes,
        )
        .await
        .unwrap();
    lock.upsert(first.entry);
    let installed = installer
        .install(
            &sources,
            &"acme/pdf".parse().unwrap(),
            &VersionReq::Latest,
            &[client("cursor")],
            &lock,
            &notes,
        )
        .await
        .unwrap();
    let entry = &installed.entry;
    assert_eq!(entry.version.to_string(), "1.1.0");
    assert_eq!(
        entry.source, "source-1",
        "the name of the source that answered"
    );
    let clients: Vec<&str> = entry.clients.iter().map(|c| c.id()).collect();
    assert_eq!(clients, ["codex", "cursor"]);
    assert_eq!(installed.plans.len(), 2);
    for folder in folders(&entry.clients, InstallScope::Project, &entry.id) {
        let marker = target.marker(&folder).unwrap();
        assert_eq!(marker.content_digest, entry.content_digest);
    }
    assert!(
        installer
            .is_current(&entry.clients, &entry.id, &entry.content_digest)
            .await
            .unwrap()
    );
    assert!(notes.0.lock().unwrap().is_empty());
}

#[tokio::test]
async fn a_pinned_signer_that_does_not_sign_writes_nothing() {
    let target = Arc::new(MemoryInstallTarget::default());
    let sources = sources(vec![registry()]);
    let installer = installer(&target);
    let mut lock = Lock::default();
    let installed = installer
        .install(
            &sources,
            &"acme/pdf".parse().unwrap(),
            &"=1.0.0".parse().unwrap(),
            &[client("cursor")],
            &lock,
            &Kept::default(),
        )
        .await
        .unwrap();
    let mut pinned = installed.entry.clone();
    pinned.signer = Some("ed25519:0000000000000000".to_owned());
    lock.upsert(pinned);
    let error = installer
        .install(
            &sources,
            &"acme/pdf".parse().unwrap(),
            &VersionReq::Latest,
            &[client("cursor")],
            &lock,
            &Kept::default(),
        )
        .await
        .unwrap_err();
    assert!(matches!(error, InstallFailure::Fetch(_)), "{error}");
    // Still 1.0.0 on disk.
    let folder = &folders(
        &[client("cursor")],
        InstallScope::Project,
        &installed.entry.id,
    )[0];
    assert_eq!(target.marker(folder).unwrap().version.to_string(), "1.0.0");
}

#[tokio::test]
async fn a_locked_version_served_with_other_bytes_is_refused() {
    let target = Arc::new(MemoryInstallTarget::default());
    let sources = sources(vec![registry()]);
    let installer = installer(&target);
    let entry = LockEntry {
        id: "acme/pdf".parse().unwrap(),
        version: "1.0.0".parse().unwrap(),
        source: "source-0".to_owned(),
        archive_digest: Some(Digest::of(b"what the lock saw")),
        content_digest: Digest::of(b"content"),
        signer: None,
        clients: vec![client("cursor")],
        profile: None,
        log_index: None,
    };
    assert!(
        !installer
            .is_current(&entry.clients, &entry.id, &entry.content_digest)
            .await
            .unwrap()
    );
    let error = installer
        .restore(&sources, &entry, &entry.clients, &Kept::default())
        .await
        .unwrap_err();
    assert!(
        matches!(error, InstallFailure::ArchiveChanged(_)),
        "{error}"
    );
    let folder = &folders(&entry.clients, InstallScope::Project, &entry.id)[0];
    assert!(target.marker(folder).is_none(), "nothing was written");
    assert_eq!(
        target.inspect(folder).await.unwrap(),
        skillreg_core::conflict::FolderState::Absent
    );

    // With the archive the lock recorded, the same entry is put back.
    let mut right = entry.clone();
    right.archive_digest = None;
    let (fetched, plans) = installer
        .restore(&sources, &right, &right.clients, &Kept::default())
        .await
        .unwrap();
    assert_eq!(fetched.version.to_string(), "1.0.0");
    assert!(plans.iter().all(FolderPlan::writes));
}

#[tokio::test]
async fn a_failed_source_before_the_one_that_answers_is_a_warning() {
    let target = Arc::new(MemoryInstallTarget::default());
    let failing = FakeLookup::failing(
        "mirror",
        skillreg_core::ports::LookupError::Unreachable("connection refused".to_owned()),
    );
    let sources = sources(vec![failing, registry()]);
    let notes = Kept::default();
    installer(&target)
        .fetch(
            &sources,
            &"acme/pdf".parse().unwrap(),
            &VersionReq::Latest,
            None,
            &notes,
        )
        .await
        .unwrap();
    let warnings = notes.0.lock().unwrap();
    assert_eq!(warnings.len(), 1);
    assert!(warnings[0].starts_with("mirror:"), "{warnings:?}");
}

#[tokio::test]
async fn a_comparison_finds_edited_missing_and_extra_folders() {
    let target = Arc::new(MemoryInstallTarget::default());
    let sources = sources(vec![registry().with_bundle(
        "acme/mail",
        "1.0.0",
        &skill_files("mail", "Mails", "", &[]),
    )]);
    let installer = installer(&target);
    let mut lock = Lock::default();
    let pdf = installer
        .install(
            &sources,
            &"acme/pdf".parse().unwrap(),
            &VersionReq::Latest,
            &[client("cursor")],
            &lock,
            &Kept::default(),
        )
        .await
        .unwrap();
    lock.upsert(pdf.entry.clone());
    assert!(installer.compare(&lock).await.unwrap().drift.is_empty());
    // Installed by skillreg, left out of the lock.
    installer
        .install(
            &sources,
            &"acme/mail".parse().unwrap(),
            &VersionReq::Latest,
            &[client("cursor")],
            &Lock::default(),
            &Kept::default(),
        )
        .await
        .unwrap();
    // The lock also says codex, whose folder was never written; cursor's is edited.
    let mut entry = pdf.entry.clone();
    entry.clients.push(client("codex"));
    lock.upsert(entry.clone());
    let cursor = &folders(&[client("cursor")], InstallScope::Project, &entry.id)[0];
    target.edit(cursor, skill_files("pdf", "Changed by hand", "", &[]));

    let comparison = installer.compare(&lock).await.unwrap();
    let mut kinds: Vec<(String, String)> = comparison
        .drift
        .iter()
        .map(|(_, folder, drift)| (folder.skills_dir.clone(), format!("{drift:?}")))
        .collect();
    kinds.sort();
    assert_eq!(kinds.len(), 2, "{kinds:?}");
    assert!(
        kinds
            .iter()
            .any(|(dir, d)| dir.contains("cursor") && d.starts_with("Edited")),
        "{kinds:?}"
    );
    assert!(
        kinds
            .iter()
            .any(|(dir, d)| !dir.contains("cursor") && d.starts_with("Missing")),
        "{kinds:?}"
    );
    let extras: Vec<String> = comparison
        .extras
        .iter()
        .map(|(_, m)| m.id.to_string())
        .collect();
    assert_eq!(extras, ["acme/mail"]);
}

/// Uninstalling plans before it removes: the locked skill's folders; a folder edited by hand
/// only when forced, and one holding another skill of the same name never (nothing is
/// removed then); a skill not installed plans nothing.
#[tokio::test]
async fn an_uninstall_removes_the_skills_folders_and_refuses_another_skills() {
    let target = Arc::new(MemoryInstallTarget::default());
    let sources = sources(vec![registry().with_bundle(
        "other/pdf",
        "1.0.0",
        &skill_files("pdf", "Other PDFs", "", &[]),
    )]);
    let installer = installer(&target);
    let mut lock = Lock::default();
    let pdf = installer
        .install(
            &sources,
            &"acme/pdf".parse().unwrap(),
            &VersionReq::Latest,
            &[client("cursor"), client("claude-code")],
            &lock,
            &Kept::default(),
        )
        .await
        .unwrap();
    lock.upsert(pdf.entry.clone());
    let both = folders(
        &[client("cursor"), client("claude-code")],
        InstallScope::Project,
        &pdf.entry.id,
    );
    let plan = installer
        .plan_uninstall(&lock, &"pdf".parse().unwrap(), false)
        .await
        .unwrap();
    assert_eq!(plan.id, Some(pdf.entry.id.clone()));
    assert_eq!(plan.folders.len(), 2, "{plan:?}");
    // Edited by hand: refused as a whole unless forced, and nothing is removed.
    target.edit(&both[0], skill_files("pdf", "Changed by hand", "", &[]));
    let refused = installer
        .plan_uninstall(&lock, &"acme/pdf".parse().unwrap(), false)
        .await
        .unwrap_err();
    assert!(
        matches!(
            refused,
            InstallFailure::Install(InstallRunError::Refused { .. })
        ),
        "{refused}"
    );
    assert!(both.iter().all(|folder| target.marker(folder).is_some()));
    let forced = installer
        .plan_uninstall(&lock, &"acme/pdf".parse().unwrap(), true)
        .await
        .unwrap();
    assert_eq!(forced.folders.len(), 2);
    installer.uninstall(&forced).await.unwrap();
    assert!(both.iter().all(|folder| target.marker(folder).is_none()));
    // Another skill of the same name where the locked one was: never removed for it.
    installer
        .install(
            &sources,
            &"other/pdf".parse().unwrap(),
            &VersionReq::Latest,
            &[client("cursor")],
            &Lock::default(),
            &Kept::default(),
        )
        .await
        .unwrap();
    let other = installer
        .plan_uninstall(&lock, &"acme/pdf".parse().unwrap(), true)
        .await
        .unwrap_err();
    assert!(
        matches!(
            other,
            InstallFailure::Install(InstallRunError::Refused { .. })
        ),
        "{other}"
    );
    let nothing = installer
        .plan_uninstall(&Lock::default(), &"acme/nothing".parse().unwrap(), false)
        .await
        .unwrap();
    assert!(nothing.folders.is_empty());
}

#[tokio::test]
async fn a_version_the_audit_marked_needs_risk_allowed_and_a_blocked_one_never_installs() {
    use skillreg_core::audit::Verdict;
    for (verdict, allow_risk, installs) in [
        (Verdict::Warn, false, false),
        (Verdict::Warn, true, true),
        (Verdict::Block, true, false),
        (Verdict::Review, false, true),
    ] {
        let target = Arc::new(MemoryInstallTarget::default());
        let mut installer = installer(&target);
        installer.allow_risk = allow_risk;
        let sources = sources(vec![registry().with_audit("acme/pdf", "1.0.0", verdict)]);
        let result = installer
            .install(
                &sources,
                &"acme/pdf".parse().unwrap(),
                &"=1.0.0".parse().unwrap(),
                &[client("claude-code")],
                &Lock::default(),
                &Kept::default(),
            )
            .await;
        match (installs, result) {
            (true, Ok(_)) => {}
            (false, Err(InstallFailure::Audit { verdict: said, .. })) => {
                assert_eq!(said, verdict);
                let folder = &folders(
                    &[client("claude-code")],
                    InstallScope::Project,
                    &"acme/pdf".parse().unwrap(),
                )[0];
                assert!(target.marker(folder).is_none(), "nothing written");
            }
            (_, other) => panic!("{verdict:?} allow_risk={allow_risk}: {other:?}"),
        }
    }
}
