//! Agent profiles (`/api/v1/profiles…`): named sets of skills a team installs at once.

use serde::{Deserialize, Serialize};
use skillreg_core::profile::{ProfileEntry, ProfileRecord};

/// Body of `POST /api/v1/profiles`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreateProfileBody {
    /// The profile's id, `namespace/name`.
    pub id: String,
    /// What it is for, in a line.
    #[serde(default)]
    pub description: String,
}

/// Body of `POST /api/v1/profiles/<ns…>/<name>/-/skills`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProfileSkillRequest {
    /// The skill's id, `namespace/name`.
    pub skill: String,
    /// Which versions (`latest` when left out).
    #[serde(default = "latest")]
    pub version: String,
}

fn latest() -> String {
    "latest".to_owned()
}

/// One skill of a profile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProfileSkill {
    /// The skill's id now (it follows a rename).
    pub id: String,
    /// The skill's stable id: what the profile is bound to.
    pub uid: String,
    /// Which versions the profile asks for.
    pub version: String,
}

impl From<&ProfileEntry> for ProfileSkill {
    fn from(entry: &ProfileEntry) -> Self {
        ProfileSkill {
            id: entry.id.to_string(),
            uid: entry.skill.to_string(),
            version: entry.request.to_string(),
        }
    }
}

/// A profile (the skills the reader may see).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProfileBody {
    /// `namespace/name`.
    pub id: String,
    /// What it is for.
    pub description: String,
    /// How many times it changed (1 when created).
    pub revision: u64,
    /// Its skills, ordered by id.
    pub skills: Vec<ProfileSkill>,
    /// Who created it.
    pub created_by: String,
    /// When it was created.
    pub created_at_ms: i64,
    /// When it last changed.
    pub updated_at_ms: i64,
}

impl From<&ProfileRecord> for ProfileBody {
    fn from(record: &ProfileRecord) -> Self {
        ProfileBody {
            id: record.id.to_string(),
            description: record.description.clone(),
            revision: record.revision,
            skills: record.entries.iter().map(Into::into).collect(),
            created_by: record.created_by.to_string(),
            created_at_ms: record.created_at.unix_millis(),
            updated_at_ms: record.updated_at.unix_millis(),
        }
    }
}

/// `GET /api/v1/profiles`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProfileList {
    /// The profiles the reader may see, ordered by id.
    pub profiles: Vec<ProfileBody>,
}

/// Query of `GET /api/v1/profiles`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct ProfileParams {
    /// Only the profiles of this namespace (not the namespaces below it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
}
