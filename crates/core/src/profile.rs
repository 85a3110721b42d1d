//! Agent profiles: a named set of skills kept by the registry (`<namespace>/<profile>`), so
//! a team installs "everything the frontend agent uses" with one reference.
//!
//! A profile holds skills by their stable id ([`SkillUid`]), each with a version request:
//! an overwrite keeps the binding (the uid does not change) and a rename follows it (the
//! entry shows the skill's id as it is now). What a client does when a profile changes is
//! decided here too ([`follow`]): skills the profile added are installed, skills it dropped
//! are removed — unless the project asks for them itself.

use std::fmt;
use std::str::FromStr;

use crate::identity::{IdentityError, Namespace, SkillId, SkillName};
use crate::model::{SkillUid, Timestamp, UserId};
use crate::version::VersionReq;

/// Most skills one profile holds: a profile is what one agent uses, not a catalogue.
pub const MAX_PROFILE_SKILLS: usize = 200;
/// Longest profile description, in characters.
pub const MAX_PROFILE_DESCRIPTION: usize = 512;

/// A profile's identity, `namespace/name`: the same grammar as a skill id, in a space of
/// its own (a profile and a skill may share a name).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ProfileId {
    namespace: Namespace,
    name: SkillName,
}

impl ProfileId {
    /// Puts a namespace and a name together.
    pub fn new(namespace: Namespace, name: SkillName) -> Self {
        ProfileId { namespace, name }
    }

    /// The namespace it lives in.
    pub fn namespace(&self) -> &Namespace {
        &self.namespace
    }

    /// The name part.
    pub fn name(&self) -> &SkillName {
        &self.name
    }

    /// The lookup key (`ns-key/name-key`): `acme/front_end` and `acme/front-end` are one
    /// profile.
    pub fn key(&self) -> String {
        format!(
            "{}/{}",
            self.namespace.key().as_str(),
            self.name.key().as_str()
        )
    }
}

impl fmt::Display for ProfileId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.namespace, self.name)
    }
}

/// Why a profile id was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{text}` is not a profile id (`namespace/name`): {reason}")]
pub struct ProfileIdError {
    /// What was given.
    pub text: String,
    /// What is wrong with it.
    pub reason: String,
}

impl FromStr for ProfileId {
    type Err = ProfileIdError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let refuse = |reason: String| ProfileIdError {
            text: crate::text::shown(text, 80),
            reason,
        };
        let id: SkillId = text.parse().map_err(|e: IdentityError| match e {
            IdentityError::MissingNamespace { .. } => {
                refuse("it names no namespace; write `namespace/name`".to_owned())
            }
            other => refuse(other.to_string().replace("skill name", "profile name")),
        })?;
        Ok(ProfileId {
            namespace: id.namespace().clone(),
            name: id.name().clone(),
        })
    }
}

/// One skill of a profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileEntry {
    /// The skill's stable id: what the profile is bound to.
    pub skill: SkillUid,
    /// The skill's id now (it follows a rename).
    pub id: SkillId,
    /// Which versions the profile asks for.
    pub request: VersionReq,
}

/// A profile as the registry keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileRecord {
    /// Its id.
    pub id: ProfileId,
    /// What it is for, in a line.
    pub description: String,
    /// Its skills, ordered by id.
    pub entries: Vec<ProfileEntry>,
    /// How many times it changed: 1 when created, one more for every change.
    pub revision: u64,
    /// Who created it.
    pub created_by: UserId,
    /// When it was created.
    pub created_at: Timestamp,
    /// When it last changed.
    pub updated_at: Timestamp,
}

/// A change to a profile's skills.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProfileChange {
    /// Add the skill, or change its version request.
    Put {
        /// The skill.
        skill: SkillUid,
        /// The versions wanted.
        request: VersionReq,
    },
    /// Take the skill out.
    Remove {
        /// The skill.
        skill: SkillUid,
    },
}

/// Why a profile's contents were refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProfileRuleError {
    /// The description is too long.
    #[error("a profile description is at most {MAX_PROFILE_DESCRIPTION} characters")]
    DescriptionTooLong,
    /// The profile would hold too many skills.
    #[error("a profile holds at most {MAX_PROFILE_SKILLS} skills")]
    TooManySkills,
}

/// A description as a profile keeps it: trimmed, one line, at most
/// [`MAX_PROFILE_DESCRIPTION`] characters.
///
/// # Errors
/// [`ProfileRuleError::DescriptionTooLong`].
pub fn description(text: &str) -> Result<String, ProfileRuleError> {
    let line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if line.chars().count() > MAX_PROFILE_DESCRIPTION {
        return Err(ProfileRuleError::DescriptionTooLong);
    }
    Ok(line)
}

/// Checks that a profile of `entries` skills may take one more.
///
/// # Errors
/// [`ProfileRuleError::TooManySkills`].
pub fn check_room(entries: usize) -> Result<(), ProfileRuleError> {
    if entries >= MAX_PROFILE_SKILLS {
        return Err(ProfileRuleError::TooManySkills);
    }
    Ok(())
}

/// What following a profile's change means for a project.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Followed {
    /// Skills of the profile now: each to install (or keep) at its request.
    pub install: Vec<(SkillId, VersionReq)>,
    /// Skills installed for the profile before that it no longer holds, and that the
    /// project does not ask for itself: to remove.
    pub remove: Vec<SkillId>,
}

/// What a project does to follow a profile: `now` is the profile's skills today,
/// `installed` the skills the project installed for it before, `asked` the skills the
/// project asks for itself (those are never removed because a profile dropped them).
/// Skills are compared by lookup key; results keep the order given.
pub fn follow(now: &[(SkillId, VersionReq)], installed: &[SkillId], asked: &[SkillId]) -> Followed {
    let holds = |list: &[SkillId], id: &SkillId| list.iter().any(|other| other.key() == id.key());
    let current: Vec<SkillId> = now.iter().map(|(id, _)| id.clone()).collect();
    Followed {
        install: now.to_vec(),
        remove: installed
            .iter()
            .filter(|id| !holds(&current, id) && !holds(asked, id))
            .cloned()
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(text: &str) -> SkillId {
        text.parse().unwrap()
    }

    #[test]
    fn ids_parse_display_and_compare_by_key() {
        let profile: ProfileId = "acme/front_end".parse().unwrap();
        assert_eq!(profile.to_string(), "acme/front_end");
        assert_eq!(profile.key(), "acme/front-end");
        assert_eq!(profile.namespace().as_str(), "acme");
        let nested: ProfileId = "acme/web/frontend".parse().unwrap();
        assert_eq!(nested.namespace().as_str(), "acme/web");
    }

    #[test]
    fn a_bad_id_says_what_a_profile_id_is() {
        let error = "frontend".parse::<ProfileId>().unwrap_err();
        assert!(error.to_string().contains("names no namespace"), "{error}");
        let error = "acme/Front end".parse::<ProfileId>().unwrap_err();
        assert!(error.to_string().contains("profile name"), "{error}");
        assert!(!error.to_string().contains("skill name"), "{error}");
    }

    #[test]
    fn descriptions_are_one_trimmed_line_of_bounded_length() {
        assert_eq!(
            description("  Frontend\n agent  skills ").unwrap(),
            "Frontend agent skills"
        );
        let long = "x".repeat(MAX_PROFILE_DESCRIPTION + 1);
        assert_eq!(
            description(&long),
            Err(ProfileRuleError::DescriptionTooLong)
        );
    }

    #[test]
    fn a_full_profile_takes_no_more() {
        assert!(check_room(MAX_PROFILE_SKILLS - 1).is_ok());
        assert_eq!(
            check_room(MAX_PROFILE_SKILLS),
            Err(ProfileRuleError::TooManySkills)
        );
    }

    #[test]
    fn following_removes_what_the_profile_dropped_unless_the_project_asks_for_it() {
        let any = VersionReq::Latest;
        let now = vec![
            (id("acme/lint"), any.clone()),
            (id("acme/new"), any.clone()),
        ];
        let installed = vec![id("acme/lint"), id("acme/old"), id("acme/kept")];
        let asked = vec![id("acme/kept")];
        let followed = follow(&now, &installed, &asked);
        assert_eq!(followed.install, now);
        assert_eq!(followed.remove, vec![id("acme/old")]);
    }

    #[test]
    fn following_an_unchanged_profile_removes_nothing() {
        let now = vec![(id("acme/lint"), VersionReq::Latest)];
        let followed = follow(&now, &[id("acme/lint")], &[]);
        assert!(followed.remove.is_empty());
    }
}
