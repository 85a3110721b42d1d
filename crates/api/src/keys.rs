//! Publisher keys (`/api/v1/keys`).

use serde::{Deserialize, Serialize};
use skillreg_core::digest::hex;
use skillreg_core::model::{PublisherKey, Timestamp};
use skillreg_core::signature::SignatureAlgorithm;

/// Body of `POST /api/v1/keys`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RegisterKeyBody {
    /// `ed25519` (the default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub algorithm: Option<String>,
    /// The raw public key, lowercase hex.
    pub public_key: String,
    /// The key's signature (hex) of `skillreg-key-registration-v1\nuser=<user>\nkey_id=<key
    /// id>\n`, proving the caller holds the secret key.
    pub proof: String,
}

/// A publisher key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PublisherKeyBody {
    /// `ed25519:<fingerprint>`.
    pub key_id: String,
    /// `ed25519`.
    pub algorithm: String,
    /// The raw public key, lowercase hex.
    pub public_key: String,
    /// Its owner.
    pub user: String,
    /// When it was registered.
    pub created_at_ms: i64,
    /// When its owner revoked it: signatures by it made before stand, but say so.
    pub revoked_at_ms: Option<i64>,
}

impl From<&PublisherKey> for PublisherKeyBody {
    fn from(key: &PublisherKey) -> Self {
        PublisherKeyBody {
            key_id: key.key_id.clone(),
            algorithm: SignatureAlgorithm::Ed25519.as_str().to_owned(),
            public_key: hex(&key.public_key),
            user: key.user.to_string(),
            created_at_ms: key.created_at.unix_millis(),
            revoked_at_ms: key.revoked_at.map(Timestamp::unix_millis),
        }
    }
}
