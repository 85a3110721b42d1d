//! What a publisher signs: the [`VersionStatement`] (id, version, archive digest, content
//! digest) and the [`Signature`] over it. The cryptography lives in adapters behind
//! [`crate::ports::Signer`] and [`crate::ports::Verifier`].

use std::fmt;
use std::str::FromStr;

use crate::digest::Digest;
use crate::identity::SkillId;
use crate::version::Version;

/// The facts a signature vouches for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionStatement {
    /// The skill.
    pub id: SkillId,
    /// The version.
    pub version: Version,
    /// `sha256` of the archive.
    pub archive_digest: Digest,
    /// The content digest of the file set.
    pub content_digest: Digest,
}

impl VersionStatement {
    /// The exact bytes an Ed25519 signature covers: a versioned, line-based text so that no
    /// field can bleed into another.
    pub fn signing_bytes(&self) -> Vec<u8> {
        format!(
            "skillreg-version-statement-v1\nid={}\nversion={}\narchive_digest={}\ncontent_digest={}\n",
            self.id.key(),
            self.version.canonical(),
            self.archive_digest,
            self.content_digest
        )
        .into_bytes()
    }

    /// The message of the HMAC-SHA256 compatibility scheme: `skill_id:code_hash`, where the
    /// code hash is the hex of the content digest.
    pub fn hmac_message(&self) -> Vec<u8> {
        format!("{}:{}", self.id, self.content_digest.hex()).into_bytes()
    }
}

/// What a publisher signs to show they hold the secret key of a public key they register,
/// so nobody can claim someone else's public key: a versioned text naming the user and the
/// key.
pub fn key_registration_message(user: &crate::model::UserId, key_id: &str) -> Vec<u8> {
    format!("skillreg-key-registration-v1\nuser={user}\nkey_id={key_id}\n").into_bytes()
}

/// A signature algorithm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SignatureAlgorithm {
    /// Ed25519 over [`VersionStatement::signing_bytes`].
    Ed25519,
    /// HMAC-SHA256 over [`VersionStatement::hmac_message`], with a shared secret.
    HmacSha256,
}

impl SignatureAlgorithm {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            SignatureAlgorithm::Ed25519 => "ed25519",
            SignatureAlgorithm::HmacSha256 => "hmac-sha256",
        }
    }
}

impl fmt::Display for SignatureAlgorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for SignatureAlgorithm {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "ed25519" => Ok(SignatureAlgorithm::Ed25519),
            "hmac-sha256" => Ok(SignatureAlgorithm::HmacSha256),
            other => Err(format!("unknown signature algorithm `{other}`")),
        }
    }
}

/// A signature over a version statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signature {
    /// How it was made.
    pub algorithm: SignatureAlgorithm,
    /// Which key made it (`ed25519:<hex>`, or the name of an HMAC secret).
    pub key_id: String,
    /// The signature bytes.
    pub value: Vec<u8>,
}

/// Who a verified signature belongs to: what a lock file pins.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedSigner {
    /// The algorithm.
    pub algorithm: SignatureAlgorithm,
    /// The key id.
    pub key_id: String,
}
