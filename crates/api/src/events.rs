//! The event stream (`GET /api/v1/events`, server-sent events): each event's `id` is its
//! sequence number, its `event` the kind (`skill.created`, `skill.updated`, `skill.yanked`,
//! `skill.verdict_changed`, `skill.moved`, `profile.updated`) and its `data` an
//! [`EventBody`].

use serde::{Deserialize, Serialize};
use skillreg_core::model::{EventRecord, EventSubject};

/// The data of one event: a skill's carries `skill` and `version`, a profile's `profile`
/// and `revision`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EventBody {
    /// The skill.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub skill: Option<String>,
    /// The version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// The profile.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
    /// The profile's revision after the change.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revision: Option<u64>,
    /// When it happened.
    pub at_ms: i64,
}

impl From<&EventRecord> for EventBody {
    fn from(event: &EventRecord) -> Self {
        let at_ms = event.at.unix_millis();
        match &event.subject {
            EventSubject::Version { skill, version } => EventBody {
                skill: Some(skill.to_string()),
                version: Some(version.to_string()),
                profile: None,
                revision: None,
                at_ms,
            },
            EventSubject::Profile { profile, revision } => EventBody {
                skill: None,
                version: None,
                profile: Some(profile.to_string()),
                revision: Some(*revision),
                at_ms,
            },
        }
    }
}

/// Query of `GET /api/v1/events`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct EventParams {
    /// Start after this sequence number (else after `Last-Event-ID`, else at the start).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub after: Option<i64>,
}
