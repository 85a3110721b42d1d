//! What the ClawHub protocol needs of a skill (docs/FORMATS.md, "ClawHub"): owner handles
//! for namespaces, the client's fingerprint of a folder of files, and the zip it installs.
//!
//! The ClawHub CLI names a skill by a slug (the skill's name) and an owner handle (one
//! segment, no `/`). A namespace of several segments travels as its segments joined by
//! [`HANDLE_SEPARATOR`], a character no segment may hold, so the mapping is one to one.

use std::cmp::Ordering;

use icu_collator::CollatorBorrowed;
use icu_collator::options::CollatorOptions;

use crate::bundle::FileSet;
use crate::digest::Digest;
use crate::identity::{IdentityError, Namespace};
use crate::plugin::{PluginError, write_zip};

/// What joins a namespace's segments in an owner handle (`acme/tools` ↔ `acme~tools`).
pub const HANDLE_SEPARATOR: char = '~';

/// The owner handle of `namespace`.
pub fn handle(namespace: &Namespace) -> String {
    namespace
        .segments()
        .collect::<Vec<_>>()
        .join(&HANDLE_SEPARATOR.to_string())
}

/// The namespace an owner handle names (a leading `@` and case are ignored, as the CLI
/// ignores them).
///
/// # Errors
/// [`IdentityError`] when the handle is no namespace.
pub fn namespace_of(handle: &str) -> Result<Namespace, IdentityError> {
    let handle = handle.trim();
    let handle = handle.strip_prefix('@').unwrap_or(handle);
    handle.to_lowercase().replace(HANDLE_SEPARATOR, "/").parse()
}

/// Whether the CLI counts `path` in a folder's fingerprint: it skips every name that starts
/// with `.` and every `node_modules`, at any depth.
pub fn counts_in_fingerprint(path: &str) -> bool {
    path.split('/')
        .all(|segment| !segment.starts_with('.') && segment != "node_modules")
}

/// The CLI's fingerprint of a set of files: the sha256 (hex) of the lines
/// `<path>:<sha256 hex of the file>`, joined by `\n`, the paths ordered as JavaScript's
/// `localeCompare` orders them (ICU collation of the root locale), files the CLI skips left
/// out.
pub fn fingerprint<'a>(files: impl IntoIterator<Item = (&'a str, &'a [u8])>) -> String {
    let mut lines: Vec<(&str, String)> = files
        .into_iter()
        .filter(|(path, _)| counts_in_fingerprint(path))
        .map(|(path, bytes)| (path, Digest::of(bytes).hex()))
        .collect();
    sort_by_path(&mut lines, |line| line.0);
    let payload: Vec<String> = lines
        .iter()
        .map(|(path, hex)| format!("{path}:{hex}"))
        .collect();
    Digest::of(payload.join("\n").as_bytes()).hex()
}

/// The fingerprint of a version's files.
pub fn fingerprint_of(files: &FileSet) -> String {
    fingerprint(
        files
            .files()
            .map(|file| (file.path().as_str(), file.contents())),
    )
}

/// The zip the CLI installs: the skill's files at its root, in the bundle's order, nothing
/// added (so the installed folder's fingerprint is the version's).
///
/// # Errors
/// [`PluginError`] when the zip writer fails.
pub fn skill_zip(files: &FileSet) -> Result<Vec<u8>, PluginError> {
    write_zip(files.files().map(|file| {
        (
            file.path().as_str().to_owned(),
            file.contents(),
            file.executable(),
        )
    }))
}

/// Sorts `items` by their paths as `localeCompare` does (byte order breaks ties, and stands
/// in should the compiled-in collation data ever fail to load).
pub fn sort_by_path<T>(items: &mut [T], path: impl Fn(&T) -> &str) {
    let collator = CollatorBorrowed::try_new(Default::default(), CollatorOptions::default()).ok();
    items.sort_by(|a, b| {
        let (a, b) = (path(a), path(b));
        collator
            .as_ref()
            .map_or(Ordering::Equal, |collator| collator.compare(a, b))
            .then_with(|| a.cmp(b))
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn handles_and_namespaces_map_one_to_one() {
        for (namespace, expected) in [("acme", "acme"), ("acme/tools", "acme~tools")] {
            let ns: Namespace = namespace.parse().unwrap();
            assert_eq!(handle(&ns), expected);
            assert_eq!(namespace_of(expected).unwrap(), ns);
        }
        assert_eq!(namespace_of("@Acme").unwrap().to_string(), "acme");
        assert!(namespace_of("a/../b").is_err());
        assert!(namespace_of("").is_err());
    }

    /// The CLI's own vector: `localeCompare` puts `scripts/run.sh` before `SKILL.md`, where
    /// byte order would not.
    #[test]
    fn the_fingerprint_is_the_clients() {
        let skill = b"---\nname: demo\ndescription: Demo skill\n---\n# Demo v1.0.0\n";
        let script = b"echo hi\n";
        let files: [(&str, &[u8]); 3] = [
            ("SKILL.md", skill),
            ("scripts/run.sh", script),
            (".clawhub/origin.json", b"{}"),
        ];
        assert_eq!(
            fingerprint(files),
            "bdad2fc8ed450bff10d7be7f5d581b9773ad980b0d140397d501ae4348046a84"
        );
    }

    #[test]
    fn paths_sort_as_javascripts_locale_compare() {
        let mut paths = vec![
            "Zeta.md",
            "zeta.md",
            "SKILL.md",
            "scripts/run.sh",
            "f.md",
            "é.md",
            "e.md",
            "B.md",
            "ab.md",
            "a/b.md",
            "A.md",
            "a.md",
            "a.b.md",
            "a-b.md",
            "a_b.md",
            "a b.md",
            "9.md",
            "10.md",
            "_x.md",
        ];
        sort_by_path(&mut paths, |path| path);
        assert_eq!(
            paths,
            [
                "_x.md",
                "10.md",
                "9.md",
                "a b.md",
                "a_b.md",
                "a-b.md",
                "a.b.md",
                "a.md",
                "A.md",
                "a/b.md",
                "ab.md",
                "B.md",
                "e.md",
                "é.md",
                "f.md",
                "scripts/run.sh",
                "SKILL.md",
                "zeta.md",
                "Zeta.md"
            ]
        );
    }

    #[test]
    fn hidden_files_and_node_modules_do_not_count() {
        assert!(counts_in_fingerprint("scripts/run.sh"));
        assert!(!counts_in_fingerprint(".env"));
        assert!(!counts_in_fingerprint("a/.hidden/x"));
        assert!(!counts_in_fingerprint("node_modules/x.js"));
    }
}
