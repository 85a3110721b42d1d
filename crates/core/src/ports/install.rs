//! Skill folders on disk: the [`InstallTarget`] a client installs into.

use async_trait::async_trait;

use crate::bundle::FileSet;
use crate::conflict::FolderState;
use crate::digest::Digest;
use crate::identity::{SkillId, SkillName};
use crate::version::Version;

/// An install folder's failures.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InstallError {
    /// Writing failed; the previous state was restored.
    #[error("could not write {folder}: {reason}")]
    Write {
        /// The folder.
        folder: String,
        /// Why.
        reason: String,
    },
    /// Reading the folder's state failed.
    #[error("could not read {folder}: {reason}")]
    Read {
        /// The folder.
        folder: String,
        /// Why.
        reason: String,
    },
}

/// The skill folder of one agent client in one scope (`~/.claude/skills/<name>`), as a
/// path relative to the scope's root.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct InstallFolder {
    /// The client folder, relative to the scope root (`.claude/skills`).
    pub skills_dir: String,
    /// The skill's folder name inside it.
    pub name: SkillName,
}

/// What skillreg writes next to an installed skill to know it manages it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstallMarker {
    /// The skill.
    pub id: SkillId,
    /// The version.
    pub version: Version,
    /// Content digest at install time.
    pub content_digest: Digest,
}

/// One folder's new content, for [`InstallTarget::replace_all`].
#[derive(Debug, Clone, Copy)]
pub struct FolderWrite<'a> {
    /// Where.
    pub folder: &'a InstallFolder,
    /// The files.
    pub files: &'a FileSet,
    /// What skillreg records beside them.
    pub marker: &'a InstallMarker,
    /// Written as a link to this folder (one of the same change, or one already holding
    /// the same content) instead of a copy (`install --link`).
    pub link_to: Option<&'a InstallFolder>,
}

/// Agent clients' skill folders on disk.
#[async_trait]
pub trait InstallTarget: Send + Sync + std::fmt::Debug {
    /// What is in a folder now.
    ///
    /// # Errors
    /// [`InstallError::Read`].
    async fn inspect(&self, folder: &InstallFolder) -> Result<FolderState, InstallError>;

    /// Replaces the whole content of every folder in `writes` with its files and marker,
    /// as one change: on any failure every folder MUST hold its previous content again, and
    /// nothing is written outside the folders.
    ///
    /// # Errors
    /// [`InstallError::Write`].
    async fn replace_all(&self, writes: &[FolderWrite<'_>]) -> Result<(), InstallError>;

    /// The folders inside `skills_dir` that carry skillreg's marker.
    ///
    /// # Errors
    /// [`InstallError::Read`].
    async fn managed(
        &self,
        skills_dir: &str,
    ) -> Result<Vec<(InstallFolder, InstallMarker)>, InstallError>;

    /// Removes a folder skillreg manages.
    ///
    /// # Errors
    /// [`InstallError::Write`].
    async fn remove(&self, folder: &InstallFolder) -> Result<(), InstallError>;
}
