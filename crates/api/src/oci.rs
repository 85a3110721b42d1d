//! The bodies of the OCI distribution surface (`/v2/`) that are JSON but not artifacts:
//! its error body (the distribution spec's, not the envelope) and a tag list.

use serde::{Deserialize, Serialize};

/// The distribution spec's error body: `{"errors": [{"code", "message", "detail"}]}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OciErrors {
    /// The errors (one, from this registry).
    pub errors: Vec<OciError>,
}

/// One error of [`OciErrors`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OciError {
    /// `NAME_UNKNOWN`, `MANIFEST_UNKNOWN`, `BLOB_UNKNOWN`, `NAME_INVALID`, `UNSUPPORTED`, ….
    pub code: String,
    /// For people.
    pub message: String,
    /// Always `null` here.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub detail: serde_json::Value,
}

impl OciErrors {
    /// One error.
    pub fn one(code: &str, message: impl Into<String>) -> Self {
        OciErrors {
            errors: vec![OciError {
                code: code.to_owned(),
                message: message.into(),
                detail: serde_json::Value::Null,
            }],
        }
    }
}

/// `GET /v2/<name>/tags/list`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TagList {
    /// The repository.
    pub name: String,
    /// Its tags: every version that is not yanked, and `latest`.
    pub tags: Vec<String>,
}

/// `GET /v2/`: an empty object; the `Docker-Distribution-API-Version` header says the rest.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VersionCheck {}
