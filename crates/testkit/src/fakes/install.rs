//! [`MemoryInstallTarget`]: agent client folders in memory, with failure injection to prove
//! that an interrupted install leaves the previous state intact.

use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard};

use async_trait::async_trait;
use skillreg_core::bundle::FileSet;
use skillreg_core::conflict::FolderState;
use skillreg_core::ports::{
    FolderWrite, InstallError, InstallFolder, InstallMarker, InstallTarget,
};

/// Where a [`MemoryInstallTarget`] fails on purpose.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailPoint {
    /// Never.
    Never,
    /// On the next `replace_all` (nothing of it is written).
    NextReplace,
}

/// What a folder holds.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Folder {
    Managed {
        files: FileSet,
        marker: InstallMarker,
    },
    Unmanaged,
}

/// Skill folders in memory.
#[derive(Debug)]
pub struct MemoryInstallTarget {
    folders: Mutex<BTreeMap<InstallFolder, Folder>>,
    fail: Mutex<FailPoint>,
}

impl Default for MemoryInstallTarget {
    fn default() -> Self {
        MemoryInstallTarget {
            folders: Mutex::default(),
            fail: Mutex::new(FailPoint::Never),
        }
    }
}

impl MemoryInstallTarget {
    fn folders(&self) -> MutexGuard<'_, BTreeMap<InstallFolder, Folder>> {
        self.folders
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Puts a folder skillreg did not write.
    pub fn add_unmanaged(&self, folder: InstallFolder) {
        self.folders().insert(folder, Folder::Unmanaged);
    }

    /// Arms a failure.
    pub fn fail_at(&self, point: FailPoint) {
        *self
            .fail
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = point;
    }

    /// The marker of a managed folder.
    pub fn marker(&self, folder: &InstallFolder) -> Option<InstallMarker> {
        match self.folders().get(folder) {
            Some(Folder::Managed { marker, .. }) => Some(marker.clone()),
            _ => None,
        }
    }

    /// Replaces a managed folder's files behind skillreg's back (a local edit).
    pub fn edit(&self, folder: &InstallFolder, files: FileSet) {
        if let Some(Folder::Managed { files: current, .. }) = self.folders().get_mut(folder) {
            *current = files;
        }
    }
}

#[async_trait]
impl InstallTarget for MemoryInstallTarget {
    async fn inspect(&self, folder: &InstallFolder) -> Result<FolderState, InstallError> {
        Ok(match self.folders().get(folder) {
            None => FolderState::Absent,
            Some(Folder::Unmanaged) => FolderState::Unmanaged,
            Some(Folder::Managed { files, marker }) => FolderState::Managed {
                id: marker.id.clone(),
                recorded: marker.content_digest,
                actual: files.content_digest(),
            },
        })
    }

    async fn replace_all(&self, writes: &[FolderWrite<'_>]) -> Result<(), InstallError> {
        let mut fail = self
            .fail
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if *fail == FailPoint::NextReplace {
            *fail = FailPoint::Never;
            return Err(InstallError::Write {
                folder: writes
                    .first()
                    .map(|w| w.folder.skills_dir.clone())
                    .unwrap_or_default(),
                reason: "injected failure".into(),
            });
        }
        let mut folders = self.folders();
        for write in writes {
            folders.insert(
                write.folder.clone(),
                Folder::Managed {
                    files: write.files.clone(),
                    marker: write.marker.clone(),
                },
            );
        }
        Ok(())
    }

    async fn managed(
        &self,
        skills_dir: &str,
    ) -> Result<Vec<(InstallFolder, InstallMarker)>, InstallError> {
        Ok(self
            .folders()
            .iter()
            .filter(|(folder, _)| folder.skills_dir == skills_dir)
            .filter_map(|(folder, content)| match content {
                Folder::Managed { marker, .. } => Some((folder.clone(), marker.clone())),
                Folder::Unmanaged => None,
            })
            .collect())
    }

    async fn remove(&self, folder: &InstallFolder) -> Result<(), InstallError> {
        self.folders().remove(folder);
        Ok(())
    }
}
