//! The repository documents itself and stands alone: every crate folder has its codemap
//! section and its line in `crates/README.md`, and nothing reaches outside the repository.

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

/// Every file of the repository (what git would track: no `target/`, no `.git`).
fn repository_files(dir: &Path, found: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let entry = entry.unwrap();
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if entry.file_type().unwrap().is_dir() {
            if !matches!(name.as_str(), "target" | ".git" | "node_modules") {
                repository_files(&path, found);
            }
        } else {
            found.push(path);
        }
    }
}

/// The repository builds and tests alone: no file reads or cites the design folder that sat
/// beside it while the project began, and no comment cites a design document that is not
/// in `docs/`.
#[test]
fn nothing_reaches_outside_the_repository() {
    let beside = ["..", "shared"].join("/");
    let brief_documents =
        ["formats", "product", "testing", "style", "architecture"].map(|d| format!("{d}.md"));
    let mut files = Vec::new();
    repository_files(workspace(), &mut files);
    assert!(files.len() > 100, "{} files", files.len());
    for path in files {
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue; // Binary fixtures.
        };
        let relative = path.strip_prefix(workspace()).unwrap_or(&path);
        if relative.starts_with("fixtures/skills") {
            continue; // Skills as their authors wrote them, links between their own files too.
        }
        let shown = relative.display();
        assert!(
            !text.contains(&beside),
            "{shown} reaches outside the repository"
        );
        for document in &brief_documents {
            for (number, line) in text.lines().enumerate() {
                let cited = line.match_indices(document.as_str()).any(|(at, _)| {
                    // Cited bare; a path to the repository's own `docs/` copy is fine.
                    !line[..at].ends_with('/') && !line[..at].ends_with(char::is_alphanumeric)
                });
                assert!(
                    !cited,
                    "{shown}:{} cites `{document}`, which is not in the repository",
                    number + 1
                );
            }
        }
    }
}
