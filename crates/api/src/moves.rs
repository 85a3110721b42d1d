//! Moving a skill to another namespace (`POST /api/v1/skills/<ns…>/<name>/-/move`).

use serde::{Deserialize, Serialize};

/// Body of `POST …/-/move`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MoveBody {
    /// The namespace to move it into (its name stays).
    pub namespace: String,
}

/// The answer to `POST …/-/move`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MovedResponse {
    /// The id it had.
    pub from: String,
    /// The id it has now.
    pub to: String,
}
