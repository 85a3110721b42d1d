//! Bundles: the validated file set of a skill version, and its archive. One implementation
//! of the rules of docs/FORMATS.md ("Bundle rules"), used when packing a folder, when a
//! registry receives an upload, and when a client extracts a download.

mod archive;

use std::collections::BTreeMap;
use std::str::FromStr;

use sha2::{Digest as _, Sha256};
use unicode_normalization::is_nfc;

pub use archive::{Archive, pack, read_archive};

use crate::digest::{Digest, hex};
use crate::identity::string_forms;

/// Longest path inside a bundle, in bytes.
pub const MAX_PATH_BYTES: usize = 255;
/// Deepest path inside a bundle, in components.
pub const MAX_PATH_DEPTH: usize = 16;
/// The manifest file every bundle has at its root.
pub const SKILL_MD: &str = "SKILL.md";

/// Limits on a bundle (defaults from docs/FORMATS.md; a server may configure its own).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BundleLimits {
    /// Most files.
    pub max_files: usize,
    /// Largest file, in bytes.
    pub max_file_size: u64,
    /// Largest total of all files, in bytes.
    pub max_unpacked_size: u64,
    /// Largest compressed archive, in bytes.
    pub max_archive_size: u64,
}

impl Default for BundleLimits {
    fn default() -> Self {
        BundleLimits {
            max_files: 1000,
            max_file_size: 10 * 1024 * 1024,
            max_unpacked_size: 50 * 1024 * 1024,
            max_archive_size: 20 * 1024 * 1024,
        }
    }
}

/// Why a bundle or an archive was refused. Each hostile case has its own variant.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BundleError {
    /// An empty path (or one that is only `/`).
    #[error("a file has an empty path")]
    EmptyPath,
    /// A path starting with `/`.
    #[error("path `{0}` is absolute; bundle paths are relative")]
    AbsolutePath(String),
    /// A `..` component.
    #[error("path `{0}` contains `..`")]
    ParentComponent(String),
    /// A `.` or empty component (`a/./b`, `a//b`, trailing `/`).
    #[error("path `{0}` has an empty or `.` component")]
    EmptyComponent(String),
    /// A backslash.
    #[error("path `{0}` contains `\\`; use `/`")]
    Backslash(String),
    /// NUL or another control character, or a bidirectional control (shown escaped).
    #[error("path `{0}` contains a control character")]
    ControlCharacter(String),
    /// Not UTF-8 (shown lossily, cut).
    #[error("path `{0}` is not valid UTF-8")]
    NotUtf8(String),
    /// Not in Unicode normalization form C.
    #[error("path `{0}` is not in Unicode NFC form")]
    NotNfc(String),
    /// Longer than [`MAX_PATH_BYTES`].
    #[error("path `{path}` is {len} bytes long; the limit is {MAX_PATH_BYTES}")]
    PathTooLong {
        /// The path (cut, escaped).
        path: String,
        /// Its length.
        len: usize,
    },
    /// Deeper than [`MAX_PATH_DEPTH`].
    #[error("path `{0}` is nested deeper than {MAX_PATH_DEPTH} levels")]
    TooDeep(String),
    /// The same path twice.
    #[error("path `{0}` appears twice")]
    DuplicatePath(String),
    /// Two paths equal ignoring case.
    #[error("paths `{0}` and `{1}` differ only in case")]
    CaseCollision(String, String),
    /// A path that is both a file and a folder (`a` and `a/b`).
    #[error("`{0}` is both a file and a folder")]
    FileFolderClash(String),
    /// A symbolic link.
    #[error("`{0}` is a symbolic link; bundles hold only regular files")]
    Symlink(String),
    /// A hard link.
    #[error("`{0}` is a hard link; bundles hold only regular files")]
    HardLink(String),
    /// A character or block device.
    #[error("`{0}` is a device; bundles hold only regular files")]
    Device(String),
    /// A fifo.
    #[error("`{0}` is a fifo; bundles hold only regular files")]
    Fifo(String),
    /// Any other entry type.
    #[error("`{0}` has an unsupported archive entry type")]
    UnsupportedEntry(String),
    /// More files than allowed.
    #[error("the bundle has more than {limit} files")]
    TooManyFiles {
        /// The limit.
        limit: usize,
    },
    /// A file larger than allowed (checked against the declared size before reading).
    #[error("`{path}` is {size} bytes; the limit is {limit}")]
    FileTooLarge {
        /// The file.
        path: String,
        /// Its size.
        size: u64,
        /// The limit.
        limit: u64,
    },
    /// The files add up to more than allowed.
    #[error("the bundle unpacks to more than {limit} bytes")]
    UnpackedTooLarge {
        /// The limit.
        limit: u64,
    },
    /// The compressed archive is larger than allowed.
    #[error("the archive is {size} bytes; the limit is {limit}")]
    ArchiveTooLarge {
        /// Its size.
        size: u64,
        /// The limit.
        limit: u64,
    },
    /// The gzip or tar stream is damaged or truncated.
    #[error("the archive is damaged or truncated: {0}")]
    CorruptArchive(String),
    /// No `SKILL.md` at the root.
    #[error("the bundle has no SKILL.md at its root")]
    MissingSkillMd,
    /// Packing failed (a path the archive format cannot hold).
    #[error("cannot pack `{path}`: {reason}")]
    Pack {
        /// The file.
        path: String,
        /// Why.
        reason: String,
    },
}

/// A valid path inside a bundle: relative, `/`-separated, UTF-8 NFC, no `..`, no control
/// characters, at most 255 bytes and 16 levels.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct BundlePath(String);

impl BundlePath {
    /// The path as a string.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The number of components (`a/b.md` is 2).
    pub fn depth(&self) -> usize {
        self.0.split('/').count()
    }
}

impl FromStr for BundlePath {
    type Err = BundleError;
    fn from_str(path: &str) -> Result<Self, Self::Err> {
        validate_path(path)?;
        Ok(BundlePath(path.to_owned()))
    }
}

string_forms! { BundlePath => |v| v.0.as_str(); }

/// The one path check, used by [`BundlePath::from_str`] and so by pack and read alike.
fn validate_path(path: &str) -> Result<(), BundleError> {
    let owned = || path.to_owned();
    if path.is_empty() {
        return Err(BundleError::EmptyPath);
    }
    if path.len() > MAX_PATH_BYTES {
        return Err(BundleError::PathTooLong {
            path: shown(path, 64),
            len: path.len(),
        });
    }
    if path.chars().any(is_control) {
        return Err(BundleError::ControlCharacter(shown(path, MAX_PATH_BYTES)));
    }
    if path.contains('\\') {
        return Err(BundleError::Backslash(owned()));
    }
    if path.starts_with('/') {
        return Err(BundleError::AbsolutePath(owned()));
    }
    for component in path.split('/') {
        match component {
            ".." => return Err(BundleError::ParentComponent(owned())),
            "" | "." => return Err(BundleError::EmptyComponent(owned())),
            _ => {}
        }
    }
    if path.split('/').count() > MAX_PATH_DEPTH {
        return Err(BundleError::TooDeep(owned()));
    }
    if !is_nfc(path) {
        return Err(BundleError::NotNfc(owned()));
    }
    Ok(())
}

/// Control characters, and Unicode's bidirectional controls: a name holding U+202E shows
/// `evil\u{202e}txt.sh` as `evilhs.txt`, so it is refused like any other control character.
fn is_control(c: char) -> bool {
    let bidi_control = matches!(c, '\u{061c}' | '\u{200e}' | '\u{200f}')
        || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}');
    c.is_control() || bidi_control
}

/// A path as an error message shows it: at most `max_chars` characters, cut with `…`, control
/// and other invisible characters escaped, since the text may come from a hostile archive and
/// end up on a terminal or in an HTTP body.
fn shown(path: &str, max_chars: usize) -> String {
    let mut out = String::new();
    for (count, c) in path.chars().enumerate() {
        if count == max_chars {
            out.push('…');
            break;
        }
        if is_control(c) {
            out.extend(c.escape_unicode());
        } else {
            out.extend(c.escape_debug());
        }
    }
    out
}

/// Whether packing a folder leaves this relative path out: hidden files and folders,
/// `__pycache__`, `node_modules`, `*.pyc`. Not an error, just not part of the skill.
pub fn is_ignored_when_packing(relative_path: &str) -> bool {
    relative_path.split(['/', '\\']).any(|component| {
        component.starts_with('.') && component != "." && component != ".."
            || component == "__pycache__"
            || component == "node_modules"
    }) || relative_path.ends_with(".pyc")
}

/// One file of a bundle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BundleFile {
    path: BundlePath,
    contents: Vec<u8>,
    executable: bool,
}

impl BundleFile {
    /// A file with its path, bytes, and whether it is executable.
    pub fn new(path: BundlePath, contents: Vec<u8>, executable: bool) -> Self {
        BundleFile {
            path,
            contents,
            executable,
        }
    }

    /// The path.
    pub fn path(&self) -> &BundlePath {
        &self.path
    }

    /// The bytes.
    pub fn contents(&self) -> &[u8] {
        &self.contents
    }

    /// Whether it is executable.
    pub fn executable(&self) -> bool {
        self.executable
    }

    /// Its mode in an archive: 0755 when executable, else 0644.
    pub fn mode(&self) -> u32 {
        if self.executable { 0o755 } else { 0o644 }
    }
}

/// A validated set of files: within limits, no duplicate or case-colliding paths, no path
/// that is both a file and a folder, and exactly one `SKILL.md` at the root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileSet {
    files: BTreeMap<BundlePath, BundleFile>,
}

impl FileSet {
    /// Validates `files` into a set.
    ///
    /// # Errors
    /// The first [`BundleError`] found.
    pub fn new(
        files: impl IntoIterator<Item = BundleFile>,
        limits: &BundleLimits,
    ) -> Result<Self, BundleError> {
        let mut map = BTreeMap::new();
        let mut folded: BTreeMap<String, String> = BTreeMap::new();
        let mut total: u64 = 0;
        for file in files {
            if map.len() == limits.max_files {
                return Err(BundleError::TooManyFiles {
                    limit: limits.max_files,
                });
            }
            let size = file.contents.len() as u64;
            if size > limits.max_file_size {
                return Err(BundleError::FileTooLarge {
                    path: file.path.0.clone(),
                    size,
                    limit: limits.max_file_size,
                });
            }
            total += size;
            if total > limits.max_unpacked_size {
                return Err(BundleError::UnpackedTooLarge {
                    limit: limits.max_unpacked_size,
                });
            }
            let lower = file.path.0.to_lowercase();
            if let Some(other) = folded.get(&lower) {
                return Err(if other == &file.path.0 {
                    BundleError::DuplicatePath(other.clone())
                } else {
                    BundleError::CaseCollision(other.clone(), file.path.0.clone())
                });
            }
            folded.insert(lower, file.path.0.clone());
            map.insert(file.path.clone(), file);
        }
        // A file `a` and a file `a/b` cannot both exist on disk.
        for path in map.keys() {
            let mut prefix = String::new();
            for component in path.0.split('/').take(path.depth() - 1) {
                if !prefix.is_empty() {
                    prefix.push('/');
                }
                prefix.push_str(component);
                if folded.contains_key(&prefix.to_lowercase()) {
                    return Err(BundleError::FileFolderClash(prefix));
                }
            }
        }
        if !map.keys().any(|p| p.0 == SKILL_MD) {
            return Err(BundleError::MissingSkillMd);
        }
        Ok(FileSet { files: map })
    }

    /// The root `SKILL.md`.
    pub fn skill_md(&self) -> &BundleFile {
        match self.files.get(&BundlePath(SKILL_MD.to_owned())) {
            Some(file) => file,
            None => unreachable!("FileSet::new refuses a set without SKILL.md"),
        }
    }

    /// The files, sorted by path.
    pub fn files(&self) -> impl Iterator<Item = &BundleFile> {
        self.files.values()
    }

    /// The paths, sorted.
    pub fn paths(&self) -> impl Iterator<Item = &BundlePath> {
        self.files.keys()
    }

    /// One file by path.
    pub fn get(&self, path: &str) -> Option<&BundleFile> {
        self.files.get(&BundlePath(path.to_owned()))
    }

    /// How many files.
    pub fn len(&self) -> usize {
        self.files.len()
    }

    /// Never true (a set has its SKILL.md); here for the usual pairing with `len`.
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// The total size of the files.
    pub fn unpacked_size(&self) -> u64 {
        self.files.values().map(|f| f.contents.len() as u64).sum()
    }

    /// The ToolHive-compatible content digest (docs/FORMATS.md, frozen): files sorted by path;
    /// for each, `path` + NUL + lowercase hex sha256(content) + `\n` into sha256.
    pub fn content_digest(&self) -> Digest {
        // BTreeMap<BundlePath> orders by the path string, which is byte order for UTF-8.
        content_digest_of(
            self.files
                .values()
                .map(|f| (f.path.0.as_str(), f.contents.as_slice())),
        )
    }
}

/// The content digest of [`FileSet::content_digest`] over any `(path, contents)` pairs, for
/// folders that are not (or no longer) a valid bundle, such as an installed folder someone
/// edited. Sorts by path itself.
pub fn content_digest_of<'a>(files: impl IntoIterator<Item = (&'a str, &'a [u8])>) -> Digest {
    let mut files: Vec<(&str, &[u8])> = files.into_iter().collect();
    files.sort_unstable_by(|a, b| a.0.cmp(b.0));
    let mut hasher = Sha256::new();
    for (path, contents) in files {
        hasher.update(path.as_bytes());
        hasher.update([0]);
        hasher.update(hex(&Sha256::digest(contents)).as_bytes());
        hasher.update(b"\n");
    }
    Digest::from_bytes(hasher.finalize().into())
}

#[cfg(test)]
mod tests;
