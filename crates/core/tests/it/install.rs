//! The install use case over the in-memory install target: all folders or none.

use skillreg_core::bundle::{FileSet, pack};
use skillreg_core::conflict::{FolderPolicy, FolderState, InstallDecision, InstallRefusal};
use skillreg_core::install::{InstallRunError, install};
use skillreg_core::ports::{InstallFolder, InstallTarget as _};
use skillreg_core::resolve::FetchedSkill;
use skillreg_testkit::fakes::{FailPoint, MemoryInstallTarget};
use skillreg_testkit::fixtures::skill_files;

fn fetched(version: &str, body: &str) -> FetchedSkill {
    let files: FileSet = skill_files("pdf", "PDF tools", "", &[("run.py", body)]);
    let archive = pack(&files).unwrap();
    FetchedSkill {
        id: "acme/pdf".parse().unwrap(),
        version: version.parse().unwrap(),
        archive_digest: *archive.digest(),
        archive: archive.into_bytes(),
        content_digest: files.content_digest(),
        files,
        signer: None,
    }
}

fn folders() -> Vec<InstallFolder> {
    [".claude/skills", ".cursor/skills"]
        .iter()
        .map(|dir| InstallFolder {
            skills_dir: (*dir).to_owned(),
            name: "pdf".parse().unwrap(),
        })
        .collect()
}

#[tokio::test]
async fn install_is_idempotent_by_digest_and_upgrades_in_place() {
    let target = MemoryInstallTarget::default();
    let first = fetched("1.0.0", "print(1)");
    let plans = install(&target, &first, &folders(), FolderPolicy::Fail, false)
        .await
        .unwrap();
    assert!(plans.iter().all(|p| p.decision == InstallDecision::Write));
    let again = install(&target, &first, &folders(), FolderPolicy::Fail, false)
        .await
        .unwrap();
    assert!(again.iter().all(|p| p.decision == InstallDecision::NoOp));
    let second = fetched("1.1.0", "print(2)");
    let upgraded = install(&target, &second, &folders(), FolderPolicy::Fail, false)
        .await
        .unwrap();
    assert!(
        upgraded
            .iter()
            .all(|p| matches!(p.decision, InstallDecision::Upgrade { .. }))
    );
    assert_eq!(
        target.marker(&folders()[0]).unwrap().version,
        "1.1.0".parse().unwrap()
    );
}

#[tokio::test]
async fn one_refused_folder_means_nothing_is_written() {
    let target = MemoryInstallTarget::default();
    target.add_unmanaged(folders()[1].clone());
    let error = install(
        &target,
        &fetched("1.0.0", "x"),
        &folders(),
        FolderPolicy::Fail,
        false,
    )
    .await
    .unwrap_err();
    assert!(matches!(
        error,
        InstallRunError::Refused {
            refusal: InstallRefusal::Unmanaged,
            ..
        }
    ));
    assert!(error.to_string().contains(".cursor/skills/pdf"));
    assert_eq!(
        target.inspect(&folders()[0]).await.unwrap(),
        FolderState::Absent
    );
    let skipped = install(
        &target,
        &fetched("1.0.0", "x"),
        &folders(),
        FolderPolicy::Skip,
        false,
    )
    .await
    .unwrap();
    assert_eq!(skipped[0].decision, InstallDecision::Write);
    assert!(matches!(skipped[1].decision, InstallDecision::Skip(_)));
    assert_eq!(
        target.inspect(&folders()[1]).await.unwrap(),
        FolderState::Unmanaged
    );
}

#[tokio::test]
async fn a_failed_write_leaves_the_previous_install() {
    let target = MemoryInstallTarget::default();
    let first = fetched("1.0.0", "print(1)");
    install(&target, &first, &folders(), FolderPolicy::Fail, false)
        .await
        .unwrap();
    target.fail_at(FailPoint::NextReplace);
    let error = install(
        &target,
        &fetched("2.0.0", "print(2)"),
        &folders(),
        FolderPolicy::Fail,
        false,
    )
    .await
    .unwrap_err();
    assert!(matches!(error, InstallRunError::Target(_)));
    for folder in folders() {
        assert_eq!(target.marker(&folder).unwrap().version, first.version);
    }
}
