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

/// Every Rust source file of the workspace's crates, as text.
fn crate_sources() -> Vec<(std::path::PathBuf, String)> {
    let mut files = Vec::new();
    repository_files(&workspace().join("crates"), &mut files);
    files
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "rs"))
        .map(|p| {
            let text = std::fs::read_to_string(&p).unwrap();
            (p, text)
        })
        .collect()
}

/// Whether `name` is a module (a file or folder), or a type, trait or function defined in
/// the sources, or an enum variant.
fn is_defined(name: &str, sources: &[(std::path::PathBuf, String)]) -> bool {
    sources.iter().any(|(path, text)| {
        path.file_stem().is_some_and(|s| s == name)
            || path
                .parent()
                .and_then(|p| p.file_name())
                .is_some_and(|d| d == name)
            || text.lines().any(|line| {
                let line = line.trim_start();
                let line = line.strip_prefix("pub ").unwrap_or(line);
                let line = line
                    .strip_prefix("pub(crate) ")
                    .or_else(|| line.strip_prefix("pub(super) "))
                    .unwrap_or(line);
                [
                    "fn ",
                    "async fn ",
                    "struct ",
                    "enum ",
                    "trait ",
                    "type ",
                    "mod ",
                ]
                .iter()
                .any(|kind| {
                    line.strip_prefix(kind).is_some_and(|rest| {
                        rest.starts_with(name)
                            && !rest[name.len()..]
                                .starts_with(|c: char| c.is_alphanumeric() || c == '_')
                    })
                }) || [" {", "(", ","].iter().any(|end| {
                    line == format!("{name}{end}")
                        || line.starts_with(&format!("{name}{end}"))
                            && name.starts_with(char::is_uppercase)
                })
            })
    })
}

/// The walkthroughs of docs/ARCHITECTURE.md name code that exists: every `a::b` in them is
/// a module or type followed by something defined (a rename that leaves them stale fails).
#[test]
fn the_walkthroughs_name_code_that_exists() {
    let architecture = std::fs::read_to_string(workspace().join("docs/ARCHITECTURE.md")).unwrap();
    let start = architecture.find("## Walkthroughs").unwrap();
    let end = architecture[start..].find("## Decisions").unwrap() + start;
    let walkthroughs = &architecture[start..end];
    let sources = crate_sources();
    let mut checked = 0;
    for span in walkthroughs.split('`').skip(1).step_by(2) {
        let is_path = span.contains("::")
            && span
                .split("::")
                .all(|s| !s.is_empty() && s.chars().all(|c| c.is_alphanumeric() || c == '_'));
        if !is_path {
            continue;
        }
        for segment in span.split("::") {
            assert!(
                is_defined(segment, &sources),
                "docs/ARCHITECTURE.md's walkthroughs name `{span}`, but `{segment}` is not in the code"
            );
        }
        checked += 1;
    }
    assert!(checked >= 20, "only {checked} names checked");
}
