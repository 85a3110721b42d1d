use skillreg_core::bundle::{BundleError, BundleLimits, FileSet};
use skillreg_core::conflict::FolderState;
use skillreg_core::ports::{FolderWrite, InstallFolder, InstallMarker, InstallTarget};
use skillreg_testkit::fixtures::{fixture_path, load_folder, skill_files};

use super::{FolderError, FsInstallTarget, MARKER_FILE, read_skill_folder};

fn folders() -> Vec<InstallFolder> {
    [".claude/skills", ".cursor/skills"]
        .iter()
        .map(|dir| InstallFolder {
            skills_dir: (*dir).to_owned(),
            name: "pdf".parse().unwrap(),
        })
        .collect()
}

fn marker(version: &str, files: &FileSet) -> InstallMarker {
    InstallMarker {
        id: "acme/pdf".parse().unwrap(),
        version: version.parse().unwrap(),
        content_digest: files.content_digest(),
    }
}

async fn install(
    target: &FsInstallTarget,
    files: &FileSet,
    marker: &InstallMarker,
) -> Result<(), skillreg_core::ports::InstallError> {
    let folders = folders();
    let writes: Vec<FolderWrite<'_>> = folders
        .iter()
        .map(|folder| FolderWrite {
            link_to: None,
            folder,
            files,
            marker,
        })
        .collect();
    target.replace_all(&writes).await
}

/// Every entry under `root`, with file contents, to compare whole trees.
fn tree(root: &std::path::Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries {
            let path = entry.unwrap().path();
            let relative = path.strip_prefix(root).unwrap().display().to_string();
            if path.is_dir() {
                out.push((relative + "/", Vec::new()));
                stack.push(path);
            } else {
                out.push((relative, std::fs::read(&path).unwrap()));
            }
        }
    }
    out.sort();
    out
}

#[test]
fn fixture_folders_read_as_their_bundles() {
    for name in [
        "brand-guidelines",
        "claude-api",
        "frontend-design",
        "internal-comms",
    ] {
        let path = fixture_path(name);
        let files = read_skill_folder(&path, &BundleLimits::default()).unwrap();
        assert_eq!(files, load_folder(&path), "{name}");
    }
}

#[cfg(unix)]
#[test]
fn symlinks_and_limits_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("SKILL.md"),
        "---\nname: x\ndescription: y\n---\n",
    )
    .unwrap();
    std::os::unix::fs::symlink("/etc/passwd", dir.path().join("passwd")).unwrap();
    let error = read_skill_folder(dir.path(), &BundleLimits::default()).unwrap_err();
    assert!(
        matches!(error, FolderError::Bundle(BundleError::Symlink(ref p)) if p == "passwd"),
        "{error}"
    );
    std::fs::remove_file(dir.path().join("passwd")).unwrap();
    std::fs::write(dir.path().join("big.bin"), vec![0u8; 2048]).unwrap();
    let limits = BundleLimits {
        max_file_size: 1024,
        ..BundleLimits::default()
    };
    assert!(matches!(
        read_skill_folder(dir.path(), &limits).unwrap_err(),
        FolderError::Bundle(BundleError::FileTooLarge { .. })
    ));
    let file = dir.path().join("SKILL.md");
    assert!(matches!(
        read_skill_folder(&file, &limits).unwrap_err(),
        FolderError::NotAFolder(_)
    ));
}

#[tokio::test]
async fn installs_inspects_and_lists() {
    let home = tempfile::tempdir().unwrap();
    let target = FsInstallTarget::new(home.path());
    let files = skill_files("pdf", "PDF tools", "", &[("scripts/run.py", "print(1)")]);
    assert_eq!(
        target.inspect(&folders()[0]).await.unwrap(),
        FolderState::Absent
    );
    install(&target, &files, &marker("1.0.0", &files))
        .await
        .unwrap();
    let digest = files.content_digest();
    for folder in folders() {
        assert_eq!(
            target.inspect(&folder).await.unwrap(),
            FolderState::Managed {
                id: "acme/pdf".parse().unwrap(),
                recorded: digest,
                actual: digest
            }
        );
        assert!(target.path_of(&folder).join(MARKER_FILE).is_file());
    }
    let listed = target.managed(".claude/skills").await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].1.version, "1.0.0".parse().unwrap());

    // An edit shows as a different actual digest; so does an added symlink.
    let state = || async { target.inspect(&folders()[0]).await.unwrap() };
    let digests = |state: FolderState| match state {
        FolderState::Managed {
            recorded, actual, ..
        } => (recorded, actual),
        other => panic!("{other:?}"),
    };
    let run = target.path_of(&folders()[0]).join("scripts/run.py");
    std::fs::write(&run, "print(2)").unwrap();
    let (recorded, actual) = digests(state().await);
    assert_ne!(recorded, actual);
    std::fs::write(&run, "print(1)").unwrap();
    let (recorded, actual) = digests(state().await);
    assert_eq!(recorded, actual, "undone, the folder matches again");
    let link = target.path_of(&folders()[0]).join("scripts/passwd");
    std::os::unix::fs::symlink("/etc/passwd", &link).unwrap();
    let (recorded, actual) = digests(state().await);
    assert_ne!(recorded, actual, "an added symlink is a change");
    std::fs::remove_file(&link).unwrap();

    // A folder without a marker is not skillreg's.
    let other = home.path().join(".claude/skills/mine");
    std::fs::create_dir_all(&other).unwrap();
    let mine = InstallFolder {
        skills_dir: ".claude/skills".into(),
        name: "mine".parse().unwrap(),
    };
    assert_eq!(target.inspect(&mine).await.unwrap(), FolderState::Unmanaged);

    target.remove(&folders()[0]).await.unwrap();
    assert_eq!(
        target.inspect(&folders()[0]).await.unwrap(),
        FolderState::Absent
    );
    assert!(other.is_dir());
}

#[tokio::test]
async fn an_install_failing_at_any_step_leaves_the_previous_state() {
    let home = tempfile::tempdir().unwrap();
    let old = skill_files(
        "pdf",
        "PDF tools",
        "",
        &[("scripts/run.py", "print(1)"), ("a.txt", "a")],
    );
    install(
        &FsInstallTarget::new(home.path()),
        &old,
        &marker("1.0.0", &old),
    )
    .await
    .unwrap();
    let before = tree(home.path());
    let new = skill_files(
        "pdf",
        "PDF tools v2",
        "",
        &[("scripts/run.py", "print(2)"), ("b/c.txt", "c")],
    );
    let mut failures = 0;
    for n in 0.. {
        let target = FsInstallTarget::failing_at(home.path(), n);
        match install(&target, &new, &marker("2.0.0", &new)).await {
            Err(error) => {
                failures += 1;
                assert!(error.to_string().contains("injected failure"), "{error}");
                assert_eq!(
                    tree(home.path()),
                    before,
                    "failure at step {n} changed the folders"
                );
            }
            Ok(()) => break,
        }
    }
    assert!(failures > 8, "every step was tried ({failures})");
    let target = FsInstallTarget::new(home.path());
    for folder in folders() {
        let FolderState::Managed { actual, .. } = target.inspect(&folder).await.unwrap() else {
            panic!()
        };
        assert_eq!(actual, new.content_digest());
        assert!(
            !target.path_of(&folder).join("a.txt").exists(),
            "files of the old version are gone"
        );
    }
    let leftovers: Vec<_> = std::fs::read_dir(home.path().join(".claude/skills"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(leftovers, vec![std::ffi::OsString::from("pdf")]);
}

#[tokio::test]
async fn a_folder_left_aside_by_a_killed_install_comes_back() {
    let home = tempfile::tempdir().unwrap();
    let target = FsInstallTarget::new(home.path());
    let files = skill_files("pdf", "PDF tools", "", &[]);
    install(&target, &files, &marker("1.0.0", &files))
        .await
        .unwrap();
    let path = target.path_of(&folders()[0]);
    let aside = path.with_file_name(".skillreg-old-pdf-123456");
    std::fs::rename(&path, &aside).unwrap();
    std::fs::create_dir(path.with_file_name(".skillreg-stage-pdf-abcdef")).unwrap();
    assert!(matches!(
        target.inspect(&folders()[0]).await.unwrap(),
        FolderState::Managed { .. }
    ));
    assert!(!aside.exists());
    assert!(!path.with_file_name(".skillreg-stage-pdf-abcdef").exists());
}

/// `install --link`: one folder holds the copy, the other is a relative link to it that
/// reads as the same managed folder; removing the link leaves the copy; a link leading out
/// of the root is no folder of skillreg's.
#[cfg(unix)]
#[tokio::test]
async fn a_linked_folder_reads_as_its_copy_and_stays_inside_the_root() {
    let root = tempfile::tempdir().unwrap();
    let target = FsInstallTarget::new(root.path());
    let files = skill_files("pdf", "PDF tools", "", &[("notes.md", "n")]);
    let marker = marker("1.0.0", &files);
    let folders = folders();
    let writes = [
        FolderWrite {
            folder: &folders[0],
            files: &files,
            marker: &marker,
            link_to: None,
        },
        FolderWrite {
            folder: &folders[1],
            files: &files,
            marker: &marker,
            link_to: Some(&folders[0]),
        },
    ];
    target.replace_all(&writes).await.unwrap();
    let link = root.path().join(".cursor/skills/pdf");
    assert_eq!(
        std::fs::read_link(&link).unwrap(),
        std::path::Path::new("../../.claude/skills/pdf")
    );
    let copy = target.inspect(&folders[0]).await.unwrap();
    assert_eq!(target.inspect(&folders[1]).await.unwrap(), copy);
    assert!(matches!(copy, FolderState::Managed { recorded, actual, .. } if recorded == actual));
    assert_eq!(target.managed(".cursor/skills").await.unwrap().len(), 1);

    target.remove(&folders[1]).await.unwrap();
    assert!(
        std::fs::symlink_metadata(&link).is_err(),
        "the link is gone"
    );
    assert!(
        root.path().join(".claude/skills/pdf/SKILL.md").is_file(),
        "the copy stays"
    );

    // A link someone made to a folder outside the root is not followed.
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join(MARKER_FILE), "whatever").unwrap();
    std::os::unix::fs::symlink(outside.path(), &link).unwrap();
    assert_eq!(
        target.inspect(&folders[1]).await.unwrap(),
        FolderState::Unmanaged
    );
}
