//! Loads the fixture skills (`fixtures/skills` in the repository, real skills written
//! elsewhere) into [`FileSet`]s, applying the same leave-out rules as packing a folder.

use std::path::{Path, PathBuf};

use skillreg_core::bundle::{BundleFile, BundleLimits, FileSet, is_ignored_when_packing};

/// The names of the fixture skills.
pub const FIXTURE_SKILLS: [&str; 4] = [
    "brand-guidelines",
    "claude-api",
    "frontend-design",
    "internal-comms",
];

/// The folder holding the fixture skills: `fixtures/skills` from the workspace root.
pub fn fixtures_dir() -> PathBuf {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    workspace.join("fixtures/skills")
}

/// The folder of one fixture skill.
pub fn fixture_path(name: &str) -> PathBuf {
    fixtures_dir().join(name)
}

/// Reads a folder into `(relative path, bytes, executable)` triples, leaving out what
/// packing leaves out, sorted by path.
///
/// # Panics
/// If the folder cannot be read (a broken test setup).
pub fn read_folder(root: &Path) -> Vec<(String, Vec<u8>, bool)> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let entries = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()));
        for entry in entries {
            let entry = entry.unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()));
            let path = entry.path();
            let relative = path
                .strip_prefix(root)
                .unwrap_or_else(|e| panic!("{} is outside {}: {e}", path.display(), root.display()))
                .to_string_lossy()
                .replace('\\', "/");
            if is_ignored_when_packing(&relative) {
                continue;
            }
            let meta = entry
                .metadata()
                .unwrap_or_else(|e| panic!("cannot stat {}: {e}", path.display()));
            if meta.is_dir() {
                stack.push(path);
            } else {
                let bytes = std::fs::read(&path)
                    .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
                out.push((relative, bytes, is_executable(&meta)));
            }
        }
    }
    out.sort();
    out
}

#[cfg(unix)]
fn is_executable(meta: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::PermissionsExt;
    meta.permissions().mode() & 0o111 != 0
}

#[cfg(not(unix))]
fn is_executable(_meta: &std::fs::Metadata) -> bool {
    false
}

/// Reads a folder into a validated [`FileSet`].
///
/// # Panics
/// If the folder cannot be read or is not a valid bundle.
pub fn load_folder(root: &Path) -> FileSet {
    let files = read_folder(root)
        .into_iter()
        .map(|(path, bytes, executable)| {
            let path = path
                .parse()
                .unwrap_or_else(|e| panic!("fixture path {path}: {e}"));
            BundleFile::new(path, bytes, executable)
        });
    FileSet::new(files, &BundleLimits::default())
        .unwrap_or_else(|e| panic!("{}: {e}", root.display()))
}

/// Loads one fixture skill.
///
/// # Panics
/// As [`load_folder`].
pub fn load_fixture(name: &str) -> FileSet {
    load_folder(&fixture_path(name))
}

/// A small valid file set: a SKILL.md for `name` with `description` and `extra`
/// frontmatter lines, plus the given files.
///
/// # Panics
/// If the result is not a valid bundle.
pub fn skill_files(name: &str, description: &str, extra: &str, files: &[(&str, &str)]) -> FileSet {
    let skill_md = format!(
        "---\nname: {name}\ndescription: {description}\n{extra}---\n\n# {name}\n\nInstructions.\n"
    );
    let mut all = vec![BundleFile::new(
        parse_path("SKILL.md"),
        skill_md.into_bytes(),
        false,
    )];
    for (path, contents) in files {
        all.push(BundleFile::new(
            parse_path(path),
            contents.as_bytes().to_vec(),
            false,
        ));
    }
    FileSet::new(all, &BundleLimits::default())
        .unwrap_or_else(|e| panic!("skill_files({name}): {e}"))
}

fn parse_path(path: &str) -> skillreg_core::bundle::BundlePath {
    path.parse()
        .unwrap_or_else(|e| panic!("bad path {path}: {e}"))
}
