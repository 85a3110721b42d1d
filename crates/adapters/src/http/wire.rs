//! The bodies of a skillreg registry's answers, as this client reads them. Only what the
//! client uses is typed; the rest stays JSON for `--json` output.

use serde::Deserialize;
use skillreg_core::digest::unhex;
use skillreg_core::ports::SourceVersion;
use skillreg_core::signature::Signature;

/// The error envelope.
#[derive(Debug, Deserialize)]
pub(crate) struct Envelope {
    pub(crate) error: EnvelopeError,
}

#[derive(Debug, Deserialize)]
pub(crate) struct EnvelopeError {
    #[serde(rename = "type")]
    pub(crate) kind: Option<String>,
    pub(crate) message: Option<String>,
    #[serde(default)]
    pub(crate) details: serde_json::Value,
}

/// A signature as served.
#[derive(Debug, Clone, Deserialize, serde::Serialize)]
pub struct SignatureInfo {
    /// `ed25519` or `hmac-sha256`.
    pub algorithm: String,
    /// The key id.
    pub key_id: String,
    /// Hex.
    pub value: String,
}

impl SignatureInfo {
    /// The domain signature, when well-formed.
    pub fn to_signature(&self) -> Option<Signature> {
        Some(Signature {
            algorithm: self.algorithm.parse().ok()?,
            key_id: self.key_id.clone(),
            value: unhex(&self.value)?,
        })
    }
}

/// One version as served.
#[derive(Debug, Clone, Deserialize, serde::Serialize)]
pub struct VersionInfo {
    /// The version.
    pub version: String,
    /// `sha256:…` of the archive.
    pub archive_digest: String,
    /// Content digest.
    pub content_digest: String,
    /// Archive size.
    #[serde(default)]
    pub size: u64,
    /// Yanked or not.
    #[serde(default)]
    pub yanked: bool,
    /// Description.
    #[serde(default)]
    pub description: String,
    /// Licence.
    #[serde(default)]
    pub license: Option<String>,
    /// Paths.
    #[serde(default)]
    pub files: Vec<String>,
    /// Publisher.
    #[serde(default)]
    pub published_by: String,
    /// When.
    #[serde(default)]
    pub published_at_ms: i64,
    /// Signatures.
    #[serde(default)]
    pub signatures: Vec<SignatureInfo>,
}

impl VersionInfo {
    /// The domain view, `None` when the registry served something malformed.
    pub fn to_source_version(&self) -> Option<SourceVersion> {
        Some(SourceVersion {
            version: self.version.parse().ok()?,
            yanked: self.yanked,
            archive_digest: self.archive_digest.parse().ok()?,
            content_digest: self.content_digest.parse().ok(),
            signatures: self
                .signatures
                .iter()
                .filter_map(SignatureInfo::to_signature)
                .collect(),
        })
    }
}

/// `GET …/-/versions`.
#[derive(Debug, Deserialize)]
pub(crate) struct VersionsReply {
    pub(crate) versions: Vec<VersionInfo>,
}

/// What a publish did.
#[derive(Debug, Clone, Deserialize, serde::Serialize)]
pub struct PublishReply {
    /// `created` or `unchanged`.
    pub status: String,
    /// The skill.
    pub id: String,
    /// The version.
    pub version: VersionInfo,
    /// Warnings about the SKILL.md.
    #[serde(default)]
    pub warnings: Vec<String>,
}

/// One search hit.
#[derive(Debug, Clone, Deserialize, serde::Serialize)]
pub struct SkillSummary {
    /// `ns/name`.
    pub id: String,
    /// Description.
    #[serde(default)]
    pub description: String,
    /// Latest version.
    pub latest_version: Option<String>,
    /// Tags.
    #[serde(default)]
    pub tags: Vec<String>,
    /// Installs.
    #[serde(default)]
    pub downloads: u64,
    /// Rating.
    #[serde(default)]
    pub rating: RatingInfo,
    /// Deprecation message.
    #[serde(default)]
    pub deprecated: Option<String>,
}

/// A rating summary.
#[derive(Debug, Clone, Default, Deserialize, serde::Serialize)]
pub struct RatingInfo {
    /// Average stars.
    pub average: Option<f64>,
    /// How many.
    #[serde(default)]
    pub count: u64,
}

/// A page of search results.
#[derive(Debug, Clone, Deserialize, serde::Serialize)]
pub struct SearchReply {
    /// Hits.
    pub skills: Vec<SkillSummary>,
    /// Total matches.
    #[serde(default)]
    pub total: u64,
    /// Cursor of the next page.
    #[serde(default)]
    pub next_cursor: Option<String>,
}

/// A publisher key as served.
#[derive(Debug, Clone, Deserialize, serde::Serialize)]
pub struct PublisherKeyInfo {
    /// The key id.
    pub key_id: String,
    /// Hex of the raw public key.
    pub public_key: String,
    /// Its owner.
    pub user: String,
    /// When its owner revoked it, if they did (milliseconds since the epoch).
    #[serde(default)]
    pub revoked_at_ms: Option<i64>,
}
