//! Small fakes: a clock you move by hand, sequential ids, and a keyed-hash signer and
//! verifier that follow the [`Signer`] / [`Verifier`] contracts without real cryptography.

use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};

use sha2::{Digest as _, Sha256};
use skillreg_core::model::{SkillUid, Timestamp};
use skillreg_core::ports::{Clock, IdSource, SignError, Signer, Verifier, VerifyError};
use skillreg_core::signature::{Signature, SignatureAlgorithm, VerifiedSigner, VersionStatement};

/// A clock that stands still until moved.
#[derive(Debug)]
pub struct ManualClock {
    millis: AtomicI64,
}

impl ManualClock {
    /// A clock at `millis` since the epoch.
    pub fn at(millis: i64) -> Self {
        ManualClock {
            millis: AtomicI64::new(millis),
        }
    }

    /// Moves the clock forward.
    pub fn advance_millis(&self, millis: i64) {
        self.millis.fetch_add(millis, Ordering::SeqCst);
    }

    /// Moves the clock forward by whole days.
    pub fn advance_days(&self, days: i64) {
        self.advance_millis(days * 86_400_000);
    }
}

impl Default for ManualClock {
    fn default() -> Self {
        // 2026-01-01T00:00:00Z
        ManualClock::at(1_767_225_600_000)
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Timestamp {
        Timestamp::from_unix_millis(self.millis.load(Ordering::SeqCst))
    }
}

/// Ids `skl-1`, `skl-2`, ...
#[derive(Debug, Default)]
pub struct SequentialIds {
    next: AtomicU64,
}

impl IdSource for SequentialIds {
    fn skill_uid(&self) -> SkillUid {
        let n = self.next.fetch_add(1, Ordering::SeqCst) + 1;
        match format!("skl-{n}").parse() {
            Ok(uid) => uid,
            Err(error) => unreachable!("`skl-<n>` is always a valid uid: {error}"),
        }
    }

    /// A different secret each time (the counter's digest): unique, not unpredictable.
    fn secret(&self) -> Option<[u8; 32]> {
        let n = self.next.fetch_add(1, Ordering::SeqCst) + 1;
        Some(*skillreg_core::Digest::of(format!("secret-{n}").as_bytes()).as_bytes())
    }
}

fn keyed(key: &[u8], message: &[u8]) -> Vec<u8> {
    let mut hasher = Sha256::new();
    hasher.update((key.len() as u64).to_be_bytes());
    hasher.update(key);
    hasher.update(message);
    hasher.finalize().to_vec()
}

/// Signs with a keyed SHA-256 under the Ed25519 label: enough to test who-signed-what
/// logic; the real Ed25519 signer lives in the adapters.
#[derive(Debug, Clone)]
pub struct FakeSigner {
    key_id: String,
    key: Vec<u8>,
}

impl FakeSigner {
    /// A signer with this key id and secret.
    pub fn new(key_id: &str, key: &[u8]) -> Self {
        FakeSigner {
            key_id: key_id.to_owned(),
            key: key.to_vec(),
        }
    }
}

impl Signer for FakeSigner {
    fn key_id(&self) -> String {
        self.key_id.clone()
    }

    fn sign(&self, statement: &VersionStatement) -> Result<Signature, SignError> {
        Ok(Signature {
            algorithm: SignatureAlgorithm::Ed25519,
            key_id: self.key_id.clone(),
            value: keyed(&self.key, &statement.signing_bytes()),
        })
    }
}

/// Verifies what [`FakeSigner`]s with known keys made.
#[derive(Debug, Clone, Default)]
pub struct FakeVerifier {
    keys: Vec<(String, Vec<u8>)>,
}

impl FakeVerifier {
    /// Trusts one more key.
    pub fn trust(mut self, key_id: &str, key: &[u8]) -> Self {
        self.keys.push((key_id.to_owned(), key.to_vec()));
        self
    }
}

impl Verifier for FakeVerifier {
    fn verify(
        &self,
        statement: &VersionStatement,
        signature: &Signature,
    ) -> Result<VerifiedSigner, VerifyError> {
        if signature.algorithm != SignatureAlgorithm::Ed25519 {
            return Err(VerifyError::Unsupported(signature.algorithm.to_string()));
        }
        let (_, key) = self
            .keys
            .iter()
            .find(|(id, _)| id == &signature.key_id)
            .ok_or_else(|| VerifyError::UnknownKey(signature.key_id.clone()))?;
        if keyed(key, &statement.signing_bytes()) == signature.value {
            Ok(VerifiedSigner {
                algorithm: signature.algorithm,
                key_id: signature.key_id.clone(),
            })
        } else {
            Err(VerifyError::Mismatch(signature.key_id.clone()))
        }
    }
}
