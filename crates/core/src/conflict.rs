//! The conflict policy, as pure decisions: publishing a version, importing a skill, and
//! installing into a folder. Adapters store what these functions decide; they never decide.

use std::fmt;
use std::str::FromStr;

use crate::digest::Digest;
use crate::identity::SkillId;
use crate::model::{SkillRecord, UserId, VersionRecord};

/// What publishing `(skill, version)` should do, given what is stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PublishDecision {
    /// Nothing is stored under that version: write it.
    Create,
    /// The same archive is already stored: succeed without writing.
    Unchanged,
    /// Other bytes are stored under that version: versions are immutable.
    Conflict {
        /// The archive digest already stored.
        existing_archive_digest: Digest,
    },
}

/// Versions are immutable: same archive digest → unchanged, another → conflict.
pub fn decide_publish(
    existing: Option<&VersionRecord>,
    incoming_archive_digest: &Digest,
) -> PublishDecision {
    match existing {
        None => PublishDecision::Create,
        Some(stored) if &stored.published.archive_digest == incoming_archive_digest => {
            PublishDecision::Unchanged
        }
        Some(stored) => PublishDecision::Conflict {
            existing_archive_digest: stored.published.archive_digest,
        },
    }
}

/// What an import does when the name is taken (`--on-conflict`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub enum ConflictPolicy {
    /// Report the conflict and change nothing (the default).
    #[default]
    Fail,
    /// Leave the existing skill alone and report it as skipped.
    Skip,
    /// Publish a new version of the existing skill — only its maintainers may (its
    /// namespace's owners, and its creator while a member; admins too).
    Overwrite,
    /// Import under the first free `name-2`, `name-3`, ...
    Rename,
}

impl ConflictPolicy {
    /// Every policy.
    pub const ALL: [ConflictPolicy; 4] = [
        ConflictPolicy::Fail,
        ConflictPolicy::Skip,
        ConflictPolicy::Overwrite,
        ConflictPolicy::Rename,
    ];

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            ConflictPolicy::Fail => "fail",
            ConflictPolicy::Skip => "skip",
            ConflictPolicy::Overwrite => "overwrite",
            ConflictPolicy::Rename => "rename",
        }
    }
}

impl fmt::Display for ConflictPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An unknown conflict policy name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown conflict policy `{0}`; use fail, skip, overwrite or rename")]
pub struct UnknownPolicy(pub String);

impl FromStr for ConflictPolicy {
    type Err = UnknownPolicy;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        ConflictPolicy::ALL
            .into_iter()
            .find(|policy| policy.as_str() == text)
            .ok_or_else(|| UnknownPolicy(text.to_owned()))
    }
}

/// A name clash, as a structured result (docs/PRODUCT.md): who holds the name and whether the
/// caller could overwrite it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkillConflict {
    /// The skill that holds the name.
    pub existing_skill_id: SkillId,
    /// Who created it.
    pub existing_created_by: UserId,
    /// Whether the caller maintains it (its namespace's owners, its creator while a
    /// member: see [`crate::auth::is_maintainer`]) and so may overwrite it.
    pub can_overwrite: bool,
}

/// A skill that already holds a name an import wants.
#[derive(Debug, Clone, Copy)]
pub struct Occupant<'a> {
    /// The skill.
    pub skill: &'a SkillRecord,
    /// The content digest of its newest version, if it has one.
    pub latest_content_digest: Option<&'a Digest>,
    /// Whether the caller maintains it ([`crate::auth::is_maintainer`]).
    pub maintained_by_actor: bool,
}

/// One step of an import: what to do with the name being tried.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImportStep {
    /// The name is free: create a new skill.
    Create,
    /// The caller already imported exactly this content here: nothing to do (a retried
    /// import changes nothing).
    Unchanged,
    /// Publish a new version of the existing skill, keeping its id, creator and creation
    /// time.
    Overwrite,
    /// Leave the existing skill alone.
    Skip(SkillConflict),
    /// Stop and report the conflict.
    Conflict(SkillConflict),
    /// Try the next rename candidate.
    TryNextName,
}

/// Decides one import step for the name being tried, given who holds it.
///
/// Invariants (property-tested): a caller who does not maintain the skill never gets
/// [`ImportStep::Overwrite`]; the same content from a maintainer is always
/// [`ImportStep::Unchanged`].
pub fn decide_import(
    occupant: Option<Occupant<'_>>,
    incoming_content_digest: &Digest,
    policy: ConflictPolicy,
) -> ImportStep {
    let Some(occupant) = occupant else {
        return ImportStep::Create;
    };
    let maintainer = occupant.maintained_by_actor;
    if maintainer && occupant.latest_content_digest == Some(incoming_content_digest) {
        return ImportStep::Unchanged;
    }
    let conflict = SkillConflict {
        existing_skill_id: occupant.skill.id.clone(),
        existing_created_by: occupant.skill.created_by.clone(),
        can_overwrite: maintainer,
    };
    match policy {
        ConflictPolicy::Fail => ImportStep::Conflict(conflict),
        ConflictPolicy::Skip => ImportStep::Skip(conflict),
        ConflictPolicy::Overwrite if maintainer => ImportStep::Overwrite,
        ConflictPolicy::Overwrite => ImportStep::Conflict(conflict),
        ConflictPolicy::Rename => ImportStep::TryNextName,
    }
}

/// What is in an agent client's skill folder before an install.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FolderState {
    /// Nothing there.
    Absent,
    /// A folder skillreg installed, with what it recorded and what is there now.
    Managed {
        /// The skill it installed there.
        id: SkillId,
        /// The content digest it recorded at install time.
        recorded: Digest,
        /// The content digest of the files there now.
        actual: Digest,
    },
    /// A folder skillreg did not install.
    Unmanaged,
}

/// What to do about a folder skillreg does not manage (`--on-conflict` of install).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FolderPolicy {
    /// Refuse (the default).
    #[default]
    Fail,
    /// Leave it and carry on with other clients.
    Skip,
    /// Replace it.
    Overwrite,
}

/// Why an install into a folder was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InstallRefusal {
    /// The folder was not installed by skillreg.
    Unmanaged,
    /// skillreg installed another skill there.
    OtherSkill(SkillId),
    /// Files were edited since skillreg installed them.
    LocalEdits,
}

/// What an install does to one folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InstallDecision {
    /// Nothing there: write.
    Write,
    /// The same content is installed and untouched: nothing to do.
    NoOp,
    /// skillreg's own install of the skill, at other content: replace it.
    Upgrade {
        /// The content digest being replaced.
        from: Digest,
    },
    /// Replace a folder the policy allowed to replace.
    Replace(InstallRefusal),
    /// Leave the folder, as the policy asked.
    Skip(InstallRefusal),
    /// Refuse.
    Refuse(InstallRefusal),
}

/// Decides what installing `incoming` (id and content digest) into a folder does:
/// same digest → no-op, new digest → upgrade, anything skillreg does not own (or that was
/// edited) → refused unless the policy says otherwise.
pub fn decide_install(
    state: &FolderState,
    incoming_id: &SkillId,
    incoming_content_digest: &Digest,
    policy: FolderPolicy,
) -> InstallDecision {
    let refusal = match state {
        FolderState::Absent => return InstallDecision::Write,
        FolderState::Managed {
            id,
            recorded,
            actual,
        } if id.key() == incoming_id.key() => {
            if recorded != actual {
                InstallRefusal::LocalEdits
            } else if actual == incoming_content_digest {
                return InstallDecision::NoOp;
            } else {
                return InstallDecision::Upgrade { from: *actual };
            }
        }
        FolderState::Managed { id, .. } => InstallRefusal::OtherSkill(id.clone()),
        FolderState::Unmanaged => InstallRefusal::Unmanaged,
    };
    match policy {
        FolderPolicy::Fail => InstallDecision::Refuse(refusal),
        FolderPolicy::Skip => InstallDecision::Skip(refusal),
        FolderPolicy::Overwrite => InstallDecision::Replace(refusal),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Timestamp;

    fn skill(creator: &str) -> SkillRecord {
        SkillRecord {
            uid: "s1".parse().unwrap(),
            id: "acme/pdf".parse().unwrap(),
            created_by: creator.parse().unwrap(),
            created_at: Timestamp::default(),
            deprecation: None,
        }
    }

    #[test]
    fn import_table() {
        let (a, b) = (Digest::of(b"a"), Digest::of(b"b"));
        let alice: UserId = "alice".parse().unwrap();
        let owned = skill("alice");
        let occupant = |maintained_by_actor| {
            Some(Occupant {
                skill: &owned,
                latest_content_digest: Some(&a),
                maintained_by_actor,
            })
        };
        let (for_maintainer, for_other) = (occupant(true), occupant(false));
        assert_eq!(
            decide_import(None, &a, ConflictPolicy::Fail),
            ImportStep::Create
        );
        assert_eq!(
            decide_import(for_maintainer, &a, ConflictPolicy::Fail),
            ImportStep::Unchanged
        );
        assert_eq!(
            decide_import(for_maintainer, &b, ConflictPolicy::Overwrite),
            ImportStep::Overwrite
        );
        let ImportStep::Conflict(conflict) =
            decide_import(for_other, &b, ConflictPolicy::Overwrite)
        else {
            panic!("someone who does not maintain the skill must get a conflict");
        };
        assert!(!conflict.can_overwrite);
        assert_eq!(conflict.existing_created_by, alice);
        assert!(
            matches!(decide_import(for_maintainer, &b, ConflictPolicy::Fail), ImportStep::Conflict(c) if c.can_overwrite)
        );
        assert!(matches!(
            decide_import(for_other, &b, ConflictPolicy::Skip),
            ImportStep::Skip(_)
        ));
        assert_eq!(
            decide_import(for_other, &a, ConflictPolicy::Rename),
            ImportStep::TryNextName
        );
    }

    #[test]
    fn install_table() {
        let id: SkillId = "acme/pdf".parse().unwrap();
        let other: SkillId = "other/pdf".parse().unwrap();
        let (a, b) = (Digest::of(b"a"), Digest::of(b"b"));
        let managed = |recorded, actual| FolderState::Managed {
            id: id.clone(),
            recorded,
            actual,
        };
        use FolderPolicy::*;
        assert_eq!(
            decide_install(&FolderState::Absent, &id, &a, Fail),
            InstallDecision::Write
        );
        assert_eq!(
            decide_install(&managed(a, a), &id, &a, Fail),
            InstallDecision::NoOp
        );
        assert_eq!(
            decide_install(&managed(a, a), &id, &b, Fail),
            InstallDecision::Upgrade { from: a }
        );
        assert_eq!(
            decide_install(&managed(a, b), &id, &a, Fail),
            InstallDecision::Refuse(InstallRefusal::LocalEdits)
        );
        assert_eq!(
            decide_install(&FolderState::Unmanaged, &id, &a, Fail),
            InstallDecision::Refuse(InstallRefusal::Unmanaged)
        );
        assert_eq!(
            decide_install(&FolderState::Unmanaged, &id, &a, Overwrite),
            InstallDecision::Replace(InstallRefusal::Unmanaged)
        );
        let foreign = FolderState::Managed {
            id: other.clone(),
            recorded: a,
            actual: a,
        };
        assert_eq!(
            decide_install(&foreign, &id, &a, Skip),
            InstallDecision::Skip(InstallRefusal::OtherSkill(other))
        );
    }

    #[test]
    fn policies_round_trip() {
        for policy in ConflictPolicy::ALL {
            assert_eq!(policy.as_str().parse::<ConflictPolicy>().unwrap(), policy);
        }
        assert!("merge".parse::<ConflictPolicy>().is_err());
    }
}
