//! The architecture document keeps up with the workspace: every crate folder has its
//! codemap section and every crate has its line in `crates/README.md`.

#![expect(
    clippy::unwrap_used,
    reason = "in tests an unwrap is an assertion with a location"
)]

use std::path::Path;

fn workspace() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
}

fn crate_folders() -> Vec<String> {
    let mut folders: Vec<String> = std::fs::read_dir(workspace().join("crates"))
        .unwrap()
        .map(|entry| entry.unwrap())
        .filter(|entry| entry.path().join("Cargo.toml").is_file())
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .collect();
    folders.sort();
    folders
}

#[test]
fn every_crate_has_a_codemap_section() {
    let architecture = std::fs::read_to_string(workspace().join("docs/ARCHITECTURE.md")).unwrap();
    for folder in crate_folders() {
        let heading = format!("### `crates/{folder}`");
        assert!(
            architecture.contains(&heading),
            "docs/ARCHITECTURE.md has no `{heading}` section"
        );
    }
}

#[test]
fn every_crate_is_listed_in_the_crates_readme() {
    let readme = std::fs::read_to_string(workspace().join("crates/README.md")).unwrap();
    for folder in crate_folders() {
        assert!(
            readme.contains(&format!("`{folder}/`")),
            "crates/README.md does not list `{folder}/`"
        );
    }
}
