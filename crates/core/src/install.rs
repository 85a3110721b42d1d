//! Installing a fetched skill into agent clients' folders, and checking installed folders
//! against what a lock file expects (docs/PRODUCT.md, "Resolve and install" and "Reproducible
//! installs"). The decisions per folder are [`crate::conflict::decide_install`]'s; this
//! module runs them over every folder of an install and hands the writes to the
//! [`InstallTarget`] as one atomic change.

use std::fmt;

use crate::conflict::{FolderPolicy, FolderState, InstallDecision, InstallRefusal, decide_install};
use crate::digest::Digest;
use crate::identity::SkillId;
use crate::ports::{FolderWrite, InstallError, InstallFolder, InstallMarker, InstallTarget};
use crate::resolve::FetchedSkill;

/// What an install did (or would do) to one folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FolderPlan {
    /// The folder.
    pub folder: InstallFolder,
    /// What happens there.
    pub decision: InstallDecision,
}

impl FolderPlan {
    /// Whether the folder gets written.
    pub fn writes(&self) -> bool {
        matches!(
            self.decision,
            InstallDecision::Write | InstallDecision::Upgrade { .. } | InstallDecision::Replace(_)
        )
    }
}

/// Why an install wrote nothing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InstallRunError {
    /// A folder is in the way and the policy says to refuse.
    #[error("{}", refusal_message(folder, refusal))]
    Refused {
        /// The folder.
        folder: InstallFolder,
        /// Why.
        refusal: InstallRefusal,
    },
    /// The folders could not be read or written; the previous state is back.
    #[error(transparent)]
    Target(#[from] InstallError),
}

fn refusal_message(folder: &InstallFolder, refusal: &InstallRefusal) -> String {
    let path = format!("{}/{}", folder.skills_dir, folder.name);
    match refusal {
        InstallRefusal::Unmanaged => format!("{path} exists and was not installed by skillreg"),
        InstallRefusal::OtherSkill(id) => format!("{path} holds another skill, `{id}`"),
        InstallRefusal::LocalEdits => {
            format!("{path} has local edits since skillreg installed it")
        }
    }
}

/// The skills folder many agents read (`npx skills` keeps its one copy there).
pub const SHARED_SKILLS_DIR: &str = ".agents/skills";

/// Decides what installing `id` at `content_digest` does to each folder.
///
/// # Errors
/// [`InstallError::Read`] when a folder cannot be inspected.
pub async fn plan_install(
    target: &dyn InstallTarget,
    folders: &[InstallFolder],
    id: &SkillId,
    content_digest: &Digest,
    policy: FolderPolicy,
) -> Result<Vec<FolderPlan>, InstallError> {
    let mut plans = Vec::with_capacity(folders.len());
    for folder in folders {
        let state = target.inspect(folder).await?;
        plans.push(FolderPlan {
            folder: folder.clone(),
            decision: decide_install(&state, id, content_digest, policy),
        });
    }
    Ok(plans)
}

/// Installs a verified skill into `folders`: plans every folder first, refuses before
/// writing anything if one folder is refused, then writes all the folders that need it as
/// one atomic change. Folders already holding this content are left alone (idempotent by
/// digest).
///
/// # Errors
/// [`InstallRunError`]; in every case the folders are as they were.
pub async fn install(
    target: &dyn InstallTarget,
    skill: &FetchedSkill,
    folders: &[InstallFolder],
    policy: FolderPolicy,
    link: bool,
) -> Result<Vec<FolderPlan>, InstallRunError> {
    let plans = plan_install(target, folders, &skill.id, &skill.content_digest, policy).await?;
    if let Some((folder, refusal)) = plans.iter().find_map(|plan| match &plan.decision {
        InstallDecision::Refuse(refusal) => Some((&plan.folder, refusal)),
        _ => None,
    }) {
        return Err(InstallRunError::Refused {
            folder: folder.clone(),
            refusal: refusal.clone(),
        });
    }
    let marker = InstallMarker {
        id: skill.id.clone(),
        version: skill.version.clone(),
        content_digest: skill.content_digest,
    };
    // With `link`, one folder holds the copy (the shared `.agents/skills` when it is one of
    // them) and the others link to it.
    let primary = link
        .then(|| {
            folders
                .iter()
                .find(|f| f.skills_dir == SHARED_SKILLS_DIR)
                .or_else(|| folders.first())
        })
        .flatten();
    let writes: Vec<FolderWrite<'_>> = plans
        .iter()
        .filter(|plan| plan.writes())
        .map(|plan| FolderWrite {
            folder: &plan.folder,
            files: &skill.files,
            marker: &marker,
            link_to: primary.filter(|p| **p != plan.folder),
        })
        .collect();
    if !writes.is_empty() {
        target.replace_all(&writes).await?;
    }
    Ok(plans)
}

/// How an installed folder differs from what a lock expects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Drift {
    /// The folder is not there.
    Missing,
    /// skillreg installed it, and its files were edited since.
    Edited,
    /// It holds other content than the lock says (another version).
    Outdated {
        /// The content digest installed.
        installed: Digest,
    },
    /// A folder skillreg did not install is there.
    Unmanaged,
    /// skillreg installed another skill there.
    OtherSkill(SkillId),
}

impl fmt::Display for Drift {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Drift::Missing => f.write_str("missing"),
            Drift::Edited => f.write_str("edited since install"),
            Drift::Outdated { installed } => {
                write!(f, "holds other content ({installed}) than the lock")
            }
            Drift::Unmanaged => f.write_str("not installed by skillreg"),
            Drift::OtherSkill(id) => write!(f, "holds another skill, `{id}`"),
        }
    }
}

/// Compares a folder with what the lock expects of it (`id` at `content_digest`); `None`
/// when it matches.
pub fn drift(id: &SkillId, content_digest: &Digest, state: &FolderState) -> Option<Drift> {
    match state {
        FolderState::Absent => Some(Drift::Missing),
        FolderState::Unmanaged => Some(Drift::Unmanaged),
        FolderState::Managed { id: installed, .. } if installed.key() != id.key() => {
            Some(Drift::OtherSkill(installed.clone()))
        }
        FolderState::Managed {
            recorded, actual, ..
        } if recorded != actual => Some(Drift::Edited),
        FolderState::Managed { actual, .. } if actual != content_digest => {
            Some(Drift::Outdated { installed: *actual })
        }
        FolderState::Managed { .. } => None,
    }
}

/// Whether uninstalling `id` may remove a folder in `state`: `Ok(true)` to remove,
/// `Ok(false)` when there is nothing to remove.
///
/// # Errors
/// The [`InstallRefusal`] when the folder is not skillreg's install of `id`, or was edited
/// and `force` is not set.
pub fn decide_uninstall(
    id: &SkillId,
    state: &FolderState,
    force: bool,
) -> Result<bool, InstallRefusal> {
    match state {
        FolderState::Absent => Ok(false),
        FolderState::Unmanaged => Err(InstallRefusal::Unmanaged),
        FolderState::Managed { id: installed, .. } if installed.key() != id.key() => {
            Err(InstallRefusal::OtherSkill(installed.clone()))
        }
        FolderState::Managed {
            recorded, actual, ..
        } if recorded != actual && !force => Err(InstallRefusal::LocalEdits),
        FolderState::Managed { .. } => Ok(true),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drift_table() {
        let id: SkillId = "acme/pdf".parse().unwrap();
        let (a, b) = (Digest::of(b"a"), Digest::of(b"b"));
        let managed = |recorded, actual| FolderState::Managed {
            id: id.clone(),
            recorded,
            actual,
        };
        assert_eq!(drift(&id, &a, &managed(a, a)), None);
        assert_eq!(drift(&id, &a, &managed(a, b)), Some(Drift::Edited));
        assert_eq!(
            drift(&id, &a, &managed(b, b)),
            Some(Drift::Outdated { installed: b })
        );
        assert_eq!(drift(&id, &a, &FolderState::Absent), Some(Drift::Missing));
        assert_eq!(
            drift(&id, &a, &FolderState::Unmanaged),
            Some(Drift::Unmanaged)
        );
    }

    #[test]
    fn uninstall_table() {
        let id: SkillId = "acme/pdf".parse().unwrap();
        let other: SkillId = "other/pdf".parse().unwrap();
        let (a, b) = (Digest::of(b"a"), Digest::of(b"b"));
        let managed = |id: &SkillId, recorded, actual| FolderState::Managed {
            id: id.clone(),
            recorded,
            actual,
        };
        assert_eq!(
            decide_uninstall(&id, &FolderState::Absent, false),
            Ok(false)
        );
        assert_eq!(decide_uninstall(&id, &managed(&id, a, a), false), Ok(true));
        assert_eq!(
            decide_uninstall(&id, &managed(&id, a, b), false),
            Err(InstallRefusal::LocalEdits)
        );
        assert_eq!(decide_uninstall(&id, &managed(&id, a, b), true), Ok(true));
        assert_eq!(
            decide_uninstall(&id, &managed(&other, a, a), true),
            Err(InstallRefusal::OtherSkill(other.clone()))
        );
        assert_eq!(
            decide_uninstall(&id, &FolderState::Unmanaged, true),
            Err(InstallRefusal::Unmanaged)
        );
    }
}
