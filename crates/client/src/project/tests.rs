use std::path::Path;

use super::*;

const LOCK: &str = r#"version = 1

[[skill]]
id = "acme/pdf-tools"
version = "1.2.0"
source = "default"
archive_digest = "sha256:1111111111111111111111111111111111111111111111111111111111111111"
content_digest = "sha256:2222222222222222222222222222222222222222222222222222222222222222"
signer = "ed25519:abcd"
clients = ["claude-code", "cursor"]

[[skill]]
id = "local/mine"
version = "0.0.0"
source = "adopted"
archive_digest = ""
content_digest = "sha256:3333333333333333333333333333333333333333333333333333333333333333"
clients = ["codex"]
"#;

#[test]
fn a_lock_reads_into_types_and_writes_back_the_same_text() {
    let lock = Lock::parse(LOCK, Path::new("skills.lock")).unwrap();
    assert_eq!(lock.skills.len(), 2);
    let pdf = &lock.skills[0];
    assert_eq!(pdf.id.to_string(), "acme/pdf-tools");
    assert_eq!(pdf.version.to_string(), "1.2.0");
    assert_eq!(pdf.clients.len(), 2);
    assert_eq!(pdf.signer.as_deref(), Some("ed25519:abcd"));
    // Adopted from disk: no archive.
    assert_eq!(lock.skills[1].archive_digest, None);
    assert_eq!(lock.render(), LOCK);
}

#[test]
fn a_malformed_entry_is_an_error_naming_the_file_and_the_entry() {
    for (broken, named) in [
        (LOCK.replace("1.2.0", "one"), "malformed version `one`"),
        (
            LOCK.replace("sha256:2222", "md5:2222"),
            "malformed content_digest",
        ),
        (
            LOCK.replace("\"codex\"", "\"notepad\""),
            "malformed client `notepad`",
        ),
        (
            LOCK.replace("acme/pdf-tools", "Acme Pdf"),
            "names no skill id",
        ),
        (
            LOCK.replace("clients = [\"codex\"]", ""),
            "missing field `clients`",
        ),
    ] {
        let error = Lock::parse(&broken, Path::new("/p/skills.lock")).unwrap_err();
        let text = error.to_string();
        assert!(text.starts_with("/p/skills.lock is not valid"), "{text}");
        assert!(text.contains(named), "{text}");
    }
    let newer = LOCK.replace("version = 1", "version = 2");
    assert!(matches!(
        Lock::parse(&newer, Path::new("skills.lock")),
        Err(ProjectError::UnknownLockVersion { version: 2, .. })
    ));
}

#[test]
fn entries_are_found_by_key_and_kept_sorted() {
    let mut lock = Lock::parse(LOCK, Path::new("skills.lock")).unwrap();
    let plain: SkillRef = "pdf_tools".parse().unwrap();
    assert_eq!(
        lock.for_reference(&plain)
            .map(|e| e.id.to_string())
            .as_deref(),
        Some("acme/pdf-tools")
    );
    let other_namespace: SkillRef = "other/pdf-tools".parse().unwrap();
    assert!(lock.for_reference(&other_namespace).is_none());
    // A request the locked version no longer satisfies: the lock is stale for it.
    assert!(lock.satisfying(&plain, &"^1.1".parse().unwrap()).is_some());
    assert!(lock.satisfying(&plain, &"^2".parse().unwrap()).is_none());

    let mut first = lock.skills[0].clone();
    first.id = "aaa/first".parse().unwrap();
    lock.upsert(first);
    let mut replaced = lock.skills[1].clone();
    replaced.version = "1.3.0".parse().unwrap();
    lock.upsert(replaced);
    let ids: Vec<String> = lock
        .skills
        .iter()
        .map(|e| format!("{}@{}", e.id, e.version))
        .collect();
    assert_eq!(
        ids,
        [
            "aaa/first@1.2.0",
            "acme/pdf-tools@1.3.0",
            "local/mine@0.0.0"
        ]
    );
    assert!(lock.remove(&"acme/pdf_tools".parse().unwrap()).is_some());
    assert_eq!(lock.skills.len(), 2);
}

#[test]
fn project_files_are_empty_until_written_and_written_whole() {
    let dir = tempfile::tempdir().unwrap();
    let project = Project::new(InstallScope::Project, dir.path(), dir.path(), dir.path());
    assert_eq!(project.lock().unwrap(), Lock::default());
    assert_eq!(project.manifest().unwrap(), ProjectManifest::default());
    let lock = Lock::parse(LOCK, Path::new("skills.lock")).unwrap();
    project.save_lock(&lock).unwrap();
    assert_eq!(project.lock().unwrap(), lock);
    let mut manifest = ProjectManifest::default();
    manifest.install.clients.push("cursor".to_owned());
    manifest
        .skills
        .insert("acme/pdf-tools".to_owned(), "^1.2".to_owned());
    project.save_manifest(&manifest).unwrap();
    assert_eq!(project.manifest().unwrap(), manifest);
    // Nothing but the two files is left in the folder.
    let mut names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["skills.lock", "skills.toml"]);
    std::fs::write(&project.manifest_path, "[skills\n").unwrap();
    assert!(matches!(
        project.manifest(),
        Err(ProjectError::Invalid { .. })
    ));
}

#[test]
fn saving_what_a_file_holds_already_leaves_it_alone() {
    use std::os::unix::fs::MetadataExt as _;
    let dir = tempfile::tempdir().unwrap();
    let project = Project::new(InstallScope::Project, dir.path(), dir.path(), dir.path());
    let inode = |path: &Path| std::fs::metadata(path).unwrap().ino();
    let mut lock = Lock::parse(LOCK, Path::new("skills.lock")).unwrap();
    project.save_lock(&lock).unwrap();
    let mut manifest = ProjectManifest::default();
    manifest.skills.insert("acme/pdf-tools".into(), "^1".into());
    project.save_manifest(&manifest).unwrap();
    let (lock_file, manifest_file) = (inode(&project.lock_path), inode(&project.manifest_path));
    // The same content again: not written (a write goes through a new file and a rename).
    project.save_lock(&lock).unwrap();
    project.save_manifest(&manifest).unwrap();
    assert_eq!(inode(&project.lock_path), lock_file);
    assert_eq!(inode(&project.manifest_path), manifest_file);
    // Other content: written.
    lock.skills.pop();
    project.save_lock(&lock).unwrap();
    assert_ne!(inode(&project.lock_path), lock_file);
    assert_eq!(project.lock().unwrap(), lock);
}
