//! The checks an install makes between fetching and writing, each a pure decision: the
//! signer a lock pins, the archive a lock records, and who signed what.

use skillreg_core::resolve::FetchedSkill;
use skillreg_core::signature::VerifiedSigner;
use skillreg_core::{Digest, SkillId, Version};

use crate::project::LockEntry;

/// How a signer is written in a lock: `<algorithm>:<key>` (an Ed25519 key id already is).
pub fn signer_text(signer: &VerifiedSigner) -> String {
    let prefix = format!("{}:", signer.algorithm);
    if signer.key_id.starts_with(&prefix) {
        signer.key_id.clone()
    } else {
        format!("{prefix}{}", signer.key_id)
    }
}

/// A fetched version signed by someone other than the lock pins.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{id}` {version} is signed by {}, but the lock pins {pinned}", .now.as_deref().unwrap_or("nobody"))]
pub struct SignerChanged {
    /// The skill.
    pub id: SkillId,
    /// The version fetched.
    pub version: Version,
    /// Who signed it, if anyone.
    pub now: Option<String>,
    /// Whom the lock pins.
    pub pinned: String,
}

/// The signer to record for `fetched`: refused when the lock pins another one, unless the
/// change is allowed.
///
/// # Errors
/// [`SignerChanged`].
pub fn check_signer(
    fetched: &FetchedSkill,
    pinned: Option<&str>,
    allow_change: bool,
) -> Result<Option<String>, Box<SignerChanged>> {
    let now = fetched.signer.as_ref().map(signer_text);
    match pinned {
        Some(pinned) if now.as_deref() != Some(pinned) && !allow_change => {
            Err(Box::new(SignerChanged {
                id: fetched.id.clone(),
                version: fetched.version.clone(),
                now,
                pinned: pinned.to_owned(),
            }))
        }
        _ => Ok(now),
    }
}

/// A source serving other bytes for a locked version than the lock records.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "the registry serves other bytes for `{id}` {version} than skills.lock records ({served} instead of {locked})"
)]
pub struct ArchiveChanged {
    /// The skill.
    pub id: SkillId,
    /// The version.
    pub version: Version,
    /// What was fetched.
    pub served: Digest,
    /// What the lock records.
    pub locked: Digest,
}

/// Whether `fetched` is the archive `entry` locked (an entry without an archive digest, one
/// adopted from disk, takes any).
///
/// # Errors
/// [`ArchiveChanged`].
pub fn check_locked_archive(
    entry: &LockEntry,
    fetched: &FetchedSkill,
) -> Result<(), Box<ArchiveChanged>> {
    match entry.archive_digest {
        Some(locked) if locked != fetched.archive_digest => Err(Box::new(ArchiveChanged {
            id: entry.id.clone(),
            version: entry.version.clone(),
            served: fetched.archive_digest,
            locked,
        })),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use skillreg_core::bundle::FileSet;
    use skillreg_core::signature::SignatureAlgorithm;

    use super::*;

    fn fetched(signer: Option<&str>) -> FetchedSkill {
        let files: FileSet = skillreg_testkit::fixtures::skill_files("pdf", "Fills PDFs", "", &[]);
        FetchedSkill {
            id: "acme/pdf".parse().unwrap(),
            version: "1.0.0".parse().unwrap(),
            archive: Vec::new(),
            archive_digest: Digest::of(b"archive"),
            content_digest: files.content_digest(),
            files,
            signer: signer.map(|key| VerifiedSigner {
                algorithm: SignatureAlgorithm::Ed25519,
                key_id: key.to_owned(),
            }),
        }
    }

    fn entry(archive: Option<Digest>) -> LockEntry {
        LockEntry {
            id: "acme/pdf".parse().unwrap(),
            version: "1.0.0".parse().unwrap(),
            source: "default".to_owned(),
            archive_digest: archive,
            content_digest: Digest::of(b"content"),
            signer: None,
            clients: Vec::new(),
            profile: None,
            log_index: None,
        }
    }

    #[test]
    fn a_pinned_signer_must_sign_again_unless_a_change_is_allowed() {
        let by_a = fetched(Some("ed25519:aaaa"));
        assert_eq!(
            check_signer(&by_a, Some("ed25519:aaaa"), false)
                .unwrap()
                .as_deref(),
            Some("ed25519:aaaa")
        );
        assert_eq!(
            check_signer(&by_a, None, false).unwrap().as_deref(),
            Some("ed25519:aaaa")
        );
        let changed = check_signer(&by_a, Some("ed25519:bbbb"), false).unwrap_err();
        assert_eq!(
            changed.to_string(),
            "`acme/pdf` 1.0.0 is signed by ed25519:aaaa, but the lock pins ed25519:bbbb"
        );
        // Unsigned now, signed when locked: refused too.
        let unsigned = check_signer(&fetched(None), Some("ed25519:bbbb"), false).unwrap_err();
        assert_eq!(unsigned.now, None);
        assert!(unsigned.to_string().contains("signed by nobody"));
        assert_eq!(
            check_signer(&by_a, Some("ed25519:bbbb"), true)
                .unwrap()
                .as_deref(),
            Some("ed25519:aaaa")
        );
    }

    #[test]
    fn a_locked_archive_must_come_back_byte_for_byte() {
        let fetched = fetched(None);
        check_locked_archive(&entry(Some(Digest::of(b"archive"))), &fetched).unwrap();
        check_locked_archive(&entry(None), &fetched).unwrap();
        let error = check_locked_archive(&entry(Some(Digest::of(b"other"))), &fetched).unwrap_err();
        assert_eq!(error.locked, Digest::of(b"other"));
        assert_eq!(error.served, Digest::of(b"archive"));
    }

    #[test]
    fn signers_are_written_with_their_algorithm() {
        let with_prefix = VerifiedSigner {
            algorithm: SignatureAlgorithm::Ed25519,
            key_id: "ed25519:abcd".to_owned(),
        };
        assert_eq!(signer_text(&with_prefix), "ed25519:abcd");
        let hmac = VerifiedSigner {
            algorithm: SignatureAlgorithm::HmacSha256,
            key_id: "ci".to_owned(),
        };
        assert_eq!(signer_text(&hmac), "hmac-sha256:ci");
    }
}
