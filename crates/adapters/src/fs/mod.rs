//! The filesystem side of the client: reading a skill folder into a validated
//! [`FileSet`], and [`FsInstallTarget`], the agent clients' skill folders on disk.
//!
//! Installs are atomic: every folder of an install is first written in full to a staging
//! folder beside it (`.skillreg-stage-<name>-<random>`), then each existing folder is
//! renamed aside (`.skillreg-old-<name>-<random>`) and the staged one renamed into place.
//! A failure at any step undoes the renames already done, in reverse, and removes what was
//! staged; a process killed between the two renames of one folder leaves the old folder
//! aside, and the next look at that folder puts it back. Files are only ever written under
//! a staging folder, at paths the core bundle rules validated.

use std::collections::BTreeSet;
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use async_trait::async_trait;
use skillreg_core::bundle::{
    BundleError, BundleFile, BundleLimits, BundlePath, FileSet, content_digest_of,
    is_ignored_when_packing,
};
use skillreg_core::conflict::FolderState;
use skillreg_core::digest::Digest;
use skillreg_core::ports::{
    FolderWrite, InstallError, InstallFolder, InstallMarker, InstallTarget,
};

#[cfg(test)]
mod tests;

/// The file skillreg writes into each skill folder it installs. Hidden, so it is never
/// part of the skill's content.
pub const MARKER_FILE: &str = ".skillreg.toml";
const STAGE_PREFIX: &str = ".skillreg-stage-";
const OLD_PREFIX: &str = ".skillreg-old-";

/// Why a skill folder could not be read.
#[derive(Debug, thiserror::Error)]
pub enum FolderError {
    /// The path is not a folder.
    #[error("{0} is not a folder")]
    NotAFolder(String),
    /// Something that is neither a file nor a folder.
    #[error("{0} is not a regular file")]
    Special(String),
    /// Reading failed.
    #[error("could not read {path}: {source}")]
    Io {
        /// What.
        path: String,
        /// Why.
        source: io::Error,
    },
    /// The files break a bundle rule.
    #[error(transparent)]
    Bundle(#[from] BundleError),
}

fn io_error(path: &Path) -> impl FnOnce(io::Error) -> FolderError + '_ {
    move |source| FolderError::Io {
        path: path.display().to_string(),
        source,
    }
}

/// Reads a skill folder into a validated [`FileSet`], leaving out what packing leaves out
/// (hidden files, `__pycache__`, `node_modules`, `*.pyc`).
///
/// # Errors
/// [`FolderError`]: symlinks and special files are refused, as is anything breaking the
/// bundle rules.
pub fn read_skill_folder(root: &Path, limits: &BundleLimits) -> Result<FileSet, FolderError> {
    let meta = std::fs::metadata(root).map_err(io_error(root))?;
    if !meta.is_dir() {
        return Err(FolderError::NotAFolder(root.display().to_string()));
    }
    let mut files = Vec::new();
    let mut total: u64 = 0;
    for entry in walk(root)? {
        let (relative, path) = entry;
        let meta = std::fs::symlink_metadata(&path).map_err(io_error(&path))?;
        if meta.file_type().is_symlink() {
            return Err(BundleError::Symlink(relative).into());
        }
        if !meta.is_file() {
            return Err(FolderError::Special(relative));
        }
        if files.len() >= limits.max_files {
            return Err(BundleError::TooManyFiles {
                limit: limits.max_files,
            }
            .into());
        }
        if meta.len() > limits.max_file_size {
            return Err(BundleError::FileTooLarge {
                path: relative,
                size: meta.len(),
                limit: limits.max_file_size,
            }
            .into());
        }
        total += meta.len();
        if total > limits.max_unpacked_size {
            return Err(BundleError::UnpackedTooLarge {
                limit: limits.max_unpacked_size,
            }
            .into());
        }
        let bundle_path: BundlePath = relative.parse()?;
        let contents = std::fs::read(&path).map_err(io_error(&path))?;
        files.push(BundleFile::new(bundle_path, contents, is_executable(&meta)));
    }
    Ok(FileSet::new(files, limits)?)
}

/// Every file and symlink under `root` that packing keeps, as (relative path, full path),
/// sorted. Folders are descended into, never followed through a symlink.
fn walk(root: &Path) -> Result<Vec<(String, PathBuf)>, FolderError> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).map_err(io_error(&dir))? {
            let entry = entry.map_err(io_error(&dir))?;
            let path = entry.path();
            let Ok(relative) = path.strip_prefix(root) else {
                continue;
            };
            let relative = relative
                .to_str()
                .ok_or_else(|| {
                    FolderError::Bundle(BundleError::NotUtf8(relative.display().to_string()))
                })?
                .replace('\\', "/");
            if is_ignored_when_packing(&relative) {
                continue;
            }
            let file_type = entry.file_type().map_err(io_error(&path))?;
            if file_type.is_dir() {
                stack.push(path);
            } else {
                out.push((relative, path));
            }
        }
    }
    out.sort();
    Ok(out)
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

/// What the marker file holds.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
struct MarkerFile {
    id: String,
    version: String,
    content_digest: String,
}

impl MarkerFile {
    fn render(marker: &InstallMarker) -> String {
        format!(
            "# written by skillreg: this folder is managed; edits show up in `skillreg sync --check`\nid = \"{}\"\nversion = \"{}\"\ncontent_digest = \"{}\"\n",
            marker.id, marker.version, marker.content_digest
        )
    }

    fn parse(text: &str) -> Option<InstallMarker> {
        let file: MarkerFile = toml::from_str(text).ok()?;
        Some(InstallMarker {
            id: file.id.parse().ok()?,
            version: file.version.parse().ok()?,
            content_digest: file.content_digest.parse().ok()?,
        })
    }
}

/// Fails the n-th filesystem change on purpose, to prove an interrupted install leaves the
/// previous state. Only undo steps are exempt.
#[derive(Debug)]
struct Faults {
    fail_at: usize,
    seen: AtomicUsize,
}

/// Agent clients' skill folders under one root (the home folder for the user scope, the
/// project folder for the project scope).
#[derive(Debug, Clone)]
pub struct FsInstallTarget {
    root: PathBuf,
    faults: Option<Arc<Faults>>,
}

impl FsInstallTarget {
    /// Folders under `root`.
    pub fn new(root: impl Into<PathBuf>) -> Self {
        FsInstallTarget {
            root: root.into(),
            faults: None,
        }
    }

    /// The same, failing the `n`-th filesystem change (counting from 0) of its life.
    pub fn failing_at(root: impl Into<PathBuf>, n: usize) -> Self {
        FsInstallTarget {
            root: root.into(),
            faults: Some(Arc::new(Faults {
                fail_at: n,
                seen: AtomicUsize::new(0),
            })),
        }
    }

    /// The root.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Where a folder is on disk.
    pub fn path_of(&self, folder: &InstallFolder) -> PathBuf {
        self.root
            .join(&folder.skills_dir)
            .join(folder.name.as_str())
    }

    /// Counts a filesystem change and fails it when asked to.
    fn step(&self) -> io::Result<()> {
        if let Some(faults) = &self.faults
            && faults.seen.fetch_add(1, Ordering::SeqCst) == faults.fail_at
        {
            return Err(io::Error::other("injected failure"));
        }
        Ok(())
    }

    /// The folder a link leads to, when it is a folder under the root.
    fn linked_folder(&self, link: &Path) -> Option<PathBuf> {
        let real = std::fs::canonicalize(link).ok()?;
        let root = std::fs::canonicalize(&self.root).ok()?;
        (real.starts_with(&root) && real.is_dir()).then_some(real)
    }

    /// Puts back a folder left aside by a process that stopped between the two renames of
    /// an install, and clears leftovers of earlier installs of `name`.
    fn recover(&self, parent: &Path, name: &str) {
        let Ok(entries) = std::fs::read_dir(parent) else {
            return;
        };
        let target = parent.join(name);
        let stage_prefix = format!("{STAGE_PREFIX}{name}-");
        let old_prefix = format!("{OLD_PREFIX}{name}-");
        for entry in entries.flatten() {
            let file_name = entry.file_name();
            let Some(file_name) = file_name.to_str() else {
                continue;
            };
            let path = entry.path();
            if file_name.starts_with(&stage_prefix) {
                remove_tree(&path);
            } else if file_name.starts_with(&old_prefix) {
                if std::fs::symlink_metadata(&target).is_err() {
                    if let Err(error) = std::fs::rename(&path, &target) {
                        tracing::warn!(%error, path = %path.display(), "could not restore a folder left aside");
                    }
                } else {
                    remove_tree(&path);
                }
            }
        }
    }

    fn stage(&self, write: &FolderWrite<'_>) -> io::Result<PathBuf> {
        let parent = self.root.join(&write.folder.skills_dir);
        self.step()?;
        std::fs::create_dir_all(&parent)?;
        let stage = parent.join(format!(
            "{STAGE_PREFIX}{}-{}",
            write.folder.name,
            random_suffix()
        ));
        #[cfg(unix)]
        if let Some(primary) = write.link_to {
            self.step()?;
            std::os::unix::fs::symlink(link_path(write.folder, primary), &stage)?;
            return Ok(stage);
        }
        self.step()?;
        std::fs::create_dir(&stage)?;
        let result = self.fill(&stage, write);
        if result.is_err() {
            remove_tree(&stage);
        }
        result.map(|()| stage)
    }

    fn fill(&self, stage: &Path, write: &FolderWrite<'_>) -> io::Result<()> {
        let mut made: BTreeSet<PathBuf> = BTreeSet::new();
        for file in write.files.files() {
            // A validated bundle path: relative, `/`-separated, no `..`.
            let path = stage.join(file.path().as_str());
            if let Some(dir) = path.parent()
                && dir != stage
                && made.insert(dir.to_path_buf())
            {
                self.step()?;
                std::fs::create_dir_all(dir)?;
            }
            self.step()?;
            write_file(&path, file.contents(), file.mode())?;
        }
        self.step()?;
        write_file(
            &stage.join(MARKER_FILE),
            MarkerFile::render(write.marker).as_bytes(),
            0o644,
        )
    }
}

/// The relative path from `folder`'s place to `primary`'s (both under one root), so the
/// link stays inside the root wherever the root is moved.
fn link_path(folder: &InstallFolder, primary: &InstallFolder) -> PathBuf {
    let mut path = PathBuf::new();
    for _ in folder.skills_dir.split('/').filter(|s| !s.is_empty()) {
        path.push("..");
    }
    path.join(&primary.skills_dir).join(primary.name.as_str())
}

fn random_suffix() -> String {
    let mut bytes = [0u8; 6];
    if getrandom::fill(&mut bytes).is_err() {
        // A clock-free fallback that is still unique within the process.
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        return format!(
            "{}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::SeqCst)
        );
    }
    skillreg_core::digest::hex(&bytes)
}

fn write_file(path: &Path, contents: &[u8], mode: u32) -> io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(mode);
    }
    #[cfg(not(unix))]
    let _ = mode;
    let mut file = options.open(path)?;
    file.write_all(contents)?;
    file.sync_all()
}

fn remove_tree(path: &Path) {
    if let Err(error) = std::fs::remove_dir_all(path)
        && error.kind() != io::ErrorKind::NotFound
    {
        tracing::warn!(%error, path = %path.display(), "could not remove a leftover folder");
    }
}

/// Reads an installed folder's files for its content digest. Lenient: whatever is there
/// counts (a symlink someone added counts as drift), as long as it can be read.
fn installed_digest(folder: &Path) -> Result<Digest, FolderError> {
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    for (relative, path) in walk(folder)? {
        let meta = std::fs::symlink_metadata(&path).map_err(io_error(&path))?;
        let contents = if meta.is_file() {
            std::fs::read(&path).map_err(io_error(&path))?
        } else {
            // Not a regular file: give it content no file can have, so it shows as drift.
            b"\0not a regular file\0".to_vec()
        };
        files.push((relative, contents));
    }
    Ok(content_digest_of(
        files.iter().map(|(p, c)| (p.as_str(), c.as_slice())),
    ))
}

fn write_error(folder: &InstallFolder, error: &io::Error) -> InstallError {
    InstallError::Write {
        folder: format!("{}/{}", folder.skills_dir, folder.name),
        reason: error.to_string(),
    }
}

fn read_error(path: &Path, error: impl ToString) -> InstallError {
    InstallError::Read {
        folder: path.display().to_string(),
        reason: error.to_string(),
    }
}

#[async_trait]
impl InstallTarget for FsInstallTarget {
    async fn inspect(&self, folder: &InstallFolder) -> Result<FolderState, InstallError> {
        let path = self.path_of(folder);
        if let Some(parent) = path.parent() {
            self.recover(parent, folder.name.as_str());
        }
        let meta = match std::fs::symlink_metadata(&path) {
            Ok(meta) => meta,
            Err(error) if error.kind() == io::ErrorKind::NotFound => {
                return Ok(FolderState::Absent);
            }
            Err(error) => return Err(read_error(&path, error)),
        };
        // A link (`install --link`) counts as the folder it leads to, if that is one under
        // the same root; any other link is not skillreg's.
        let path = if meta.file_type().is_symlink() {
            match self.linked_folder(&path) {
                Some(real) => real,
                None => return Ok(FolderState::Unmanaged),
            }
        } else if meta.is_dir() {
            path
        } else {
            return Ok(FolderState::Unmanaged);
        };
        let marker = match std::fs::read_to_string(path.join(MARKER_FILE)) {
            Ok(text) => MarkerFile::parse(&text),
            Err(error) if error.kind() == io::ErrorKind::NotFound => None,
            Err(error) => return Err(read_error(&path, error)),
        };
        let Some(marker) = marker else {
            return Ok(FolderState::Unmanaged);
        };
        let actual = installed_digest(&path).map_err(|e| read_error(&path, e))?;
        Ok(FolderState::Managed {
            id: marker.id,
            recorded: marker.content_digest,
            actual,
        })
    }

    async fn replace_all(&self, writes: &[FolderWrite<'_>]) -> Result<(), InstallError> {
        let mut staged: Vec<(&FolderWrite<'_>, PathBuf)> = Vec::with_capacity(writes.len());
        for write in writes {
            match self.stage(write) {
                Ok(stage) => staged.push((write, stage)),
                Err(error) => {
                    for (_, stage) in &staged {
                        remove_tree(stage);
                    }
                    return Err(write_error(write.folder, &error));
                }
            }
        }
        // Swap each staged folder in, remembering how to undo it.
        let mut swapped: Vec<(PathBuf, Option<PathBuf>)> = Vec::with_capacity(staged.len());
        let mut failure = None;
        for (write, stage) in &staged {
            let target = self.path_of(write.folder);
            match self.swap_in(&target, stage, write.folder) {
                Ok(backup) => swapped.push((target, backup)),
                Err(error) => {
                    failure = Some(write_error(write.folder, &error));
                    break;
                }
            }
        }
        if let Some(error) = failure {
            for (target, backup) in swapped.iter().rev() {
                undo_swap(target, backup.as_deref());
            }
            for (_, stage) in &staged {
                remove_tree(stage);
            }
            return Err(error);
        }
        for (_, backup) in swapped {
            if let Some(backup) = backup {
                remove_tree(&backup);
            }
        }
        Ok(())
    }

    async fn managed(
        &self,
        skills_dir: &str,
    ) -> Result<Vec<(InstallFolder, InstallMarker)>, InstallError> {
        let dir = self.root.join(skills_dir);
        let entries = match std::fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(error) => return Err(read_error(&dir, error)),
        };
        let mut found = Vec::new();
        for entry in entries {
            let entry = entry.map_err(|e| read_error(&dir, e))?;
            let Some(name) = entry.file_name().to_str().map(str::to_owned) else {
                continue;
            };
            if name.starts_with('.') {
                continue;
            }
            let Ok(text) = std::fs::read_to_string(entry.path().join(MARKER_FILE)) else {
                continue;
            };
            let (Some(marker), Ok(name)) = (MarkerFile::parse(&text), name.parse()) else {
                continue;
            };
            found.push((
                InstallFolder {
                    skills_dir: skills_dir.to_owned(),
                    name,
                },
                marker,
            ));
        }
        found.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(found)
    }

    async fn remove(&self, folder: &InstallFolder) -> Result<(), InstallError> {
        let path = self.path_of(folder);
        let Some(parent) = path.parent() else {
            return Ok(());
        };
        // Rename aside first, so the folder disappears at once and whole.
        let aside = parent.join(format!("{OLD_PREFIX}{}-{}", folder.name, random_suffix()));
        self.step().map_err(|e| write_error(folder, &e))?;
        match std::fs::rename(&path, &aside) {
            Ok(()) => {}
            Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(()),
            Err(error) => return Err(write_error(folder, &error)),
        }
        remove_tree(&aside);
        Ok(())
    }
}

impl FsInstallTarget {
    /// Moves `target` aside (if there) and `stage` into its place; returns where the old
    /// folder went.
    fn swap_in(
        &self,
        target: &Path,
        stage: &Path,
        folder: &InstallFolder,
    ) -> io::Result<Option<PathBuf>> {
        let backup = match std::fs::symlink_metadata(target) {
            Ok(_) => {
                let parent = target.parent().unwrap_or(&self.root);
                let backup =
                    parent.join(format!("{OLD_PREFIX}{}-{}", folder.name, random_suffix()));
                self.step()?;
                std::fs::rename(target, &backup)?;
                Some(backup)
            }
            Err(error) if error.kind() == io::ErrorKind::NotFound => None,
            Err(error) => return Err(error),
        };
        let moved = self.step().and_then(|()| std::fs::rename(stage, target));
        if let Err(error) = moved {
            undo_swap(target, backup.as_deref());
            return Err(error);
        }
        Ok(backup)
    }
}

/// Takes back one swap: the new folder goes, the old one (if any) returns.
fn undo_swap(target: &Path, backup: Option<&Path>) {
    if std::fs::symlink_metadata(target).is_ok()
        && backup.is_none_or(|b| std::fs::symlink_metadata(b).is_ok())
    {
        remove_tree(target);
    }
    if let Some(backup) = backup
        && let Err(error) = std::fs::rename(backup, target)
    {
        tracing::error!(%error, path = %target.display(), "could not put a folder back");
    }
}
