//! The event stream (`GET /api/v1/events`, server-sent events): each event's `id` is its
//! sequence number, its `event` the kind (`skill.created`, `skill.updated`, `skill.yanked`,
//! `skill.verdict_changed`) and its `data` an [`EventBody`].

use serde::{Deserialize, Serialize};
use skillreg_core::model::EventRecord;

/// The data of one event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EventBody {
    /// The skill.
    pub skill: String,
    /// The version.
    pub version: String,
    /// When it happened.
    pub at_ms: i64,
}

impl From<&EventRecord> for EventBody {
    fn from(event: &EventRecord) -> Self {
        EventBody {
            skill: event.skill.to_string(),
            version: event.version.to_string(),
            at_ms: event.at.unix_millis(),
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
