//! Ed25519 publisher keys: key pairs on disk, the [`Signer`] that signs version statements
//! and the [`KeyVerifier`] / [`Verifier`] that check them. Also the HMAC-SHA256
//! compatibility check, against a secret the verifier already holds.
//!
//! A key id is `ed25519:` followed by the hex of the first 16 bytes of the SHA-256 of the
//! raw public key: short enough to read, and bound to the key, so a verifier given a key
//! for an id can check that the key is the one the id names.

pub mod note;

use std::collections::BTreeMap;

use ed25519_dalek::{Signature as EdSignature, Signer as _, SigningKey, VerifyingKey};
use hmac::{Hmac, Mac};
use sha2::{Digest as _, Sha256};
use skillreg_core::digest::{hex, unhex};
use skillreg_core::ports::{KeyVerifier, SignError, Signer, Verifier, VerifyError};
use skillreg_core::signature::{Signature, SignatureAlgorithm, VerifiedSigner, VersionStatement};

/// The key id of a raw Ed25519 public key.
pub fn ed25519_key_id(public_key: &[u8; 32]) -> String {
    let fingerprint = Sha256::digest(public_key);
    format!("ed25519:{}", hex(&fingerprint[..16]))
}

/// What the first line of a secret key file says.
const SECRET_HEADER: &str = "skillreg ed25519 secret key v1";

/// An Ed25519 key pair.
pub struct Ed25519KeyPair {
    key: SigningKey,
}

impl std::fmt::Debug for Ed25519KeyPair {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the secret.
        f.debug_struct("Ed25519KeyPair")
            .field("key_id", &self.key_id())
            .finish_non_exhaustive()
    }
}

/// Why a key could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct KeyError(pub(crate) String);

impl Ed25519KeyPair {
    /// A new key pair from the operating system's randomness.
    ///
    /// # Errors
    /// [`KeyError`] when no randomness is available.
    pub fn generate() -> Result<Self, KeyError> {
        let mut seed = [0u8; 32];
        getrandom::fill(&mut seed).map_err(|e| KeyError(format!("no randomness: {e}")))?;
        Ok(Self::from_seed(seed))
    }

    /// The key pair of a 32-byte seed.
    pub fn from_seed(seed: [u8; 32]) -> Self {
        Ed25519KeyPair {
            key: SigningKey::from_bytes(&seed),
        }
    }

    /// The text of a secret key file (keep it private: mode 0600).
    pub fn to_secret_text(&self) -> String {
        format!(
            "{SECRET_HEADER}\n{}\n{}\n",
            self.key_id(),
            hex(self.key.as_bytes())
        )
    }

    /// Reads a secret key file's text.
    ///
    /// # Errors
    /// [`KeyError`] for anything that is not a file [`Self::to_secret_text`] wrote.
    pub fn from_secret_text(text: &str) -> Result<Self, KeyError> {
        let mut lines = text.lines().map(str::trim);
        if lines.next() != Some(SECRET_HEADER) {
            return Err(KeyError(format!(
                "not a skillreg secret key (the first line must be `{SECRET_HEADER}`)"
            )));
        }
        let key_id = lines.next().unwrap_or_default();
        let seed = lines
            .next()
            .and_then(unhex)
            .and_then(|bytes| <[u8; 32]>::try_from(bytes).ok())
            .ok_or_else(|| KeyError("the secret key line must be 64 hex digits".to_owned()))?;
        let pair = Self::from_seed(seed);
        if pair.key_id() != key_id {
            return Err(KeyError(format!(
                "the key file names `{key_id}` but holds `{}`",
                pair.key_id()
            )));
        }
        Ok(pair)
    }

    /// The raw public key.
    pub fn public_key(&self) -> [u8; 32] {
        self.key.verifying_key().to_bytes()
    }

    /// The key id.
    pub fn key_id(&self) -> String {
        ed25519_key_id(&self.public_key())
    }

    /// The proof a registry asks for when `user` registers this key: a signature of
    /// [`skillreg_core::signature::key_registration_message`].
    pub fn registration_proof(&self, user: &skillreg_core::model::UserId) -> Vec<u8> {
        let message = skillreg_core::signature::key_registration_message(user, &self.key_id());
        self.key.sign(&message).to_bytes().to_vec()
    }
}

impl Signer for Ed25519KeyPair {
    fn key_id(&self) -> String {
        Ed25519KeyPair::key_id(self)
    }

    fn sign(&self, statement: &VersionStatement) -> Result<Signature, SignError> {
        Ok(Signature {
            algorithm: SignatureAlgorithm::Ed25519,
            key_id: self.key_id(),
            value: self
                .key
                .sign(&statement.signing_bytes())
                .to_bytes()
                .to_vec(),
        })
    }
}

fn verifying_key(public_key: &[u8]) -> Result<VerifyingKey, VerifyError> {
    let bytes = <[u8; 32]>::try_from(public_key)
        .map_err(|_| VerifyError::Mismatch("an ed25519 public key is 32 bytes".to_owned()))?;
    let key = VerifyingKey::from_bytes(&bytes)
        .map_err(|_| VerifyError::Mismatch("not a point of the ed25519 curve".to_owned()))?;
    if key.is_weak() {
        return Err(VerifyError::Mismatch(
            "a weak (small-order) ed25519 key".to_owned(),
        ));
    }
    Ok(key)
}

fn verify_ed25519(
    key: &VerifyingKey,
    statement: &VersionStatement,
    signature: &Signature,
) -> Result<VerifiedSigner, VerifyError> {
    if signature.algorithm != SignatureAlgorithm::Ed25519 {
        return Err(VerifyError::Unsupported(signature.algorithm.to_string()));
    }
    let key_id = ed25519_key_id(key.as_bytes());
    if signature.key_id != key_id {
        return Err(VerifyError::Mismatch(signature.key_id.clone()));
    }
    let value = EdSignature::from_slice(&signature.value)
        .map_err(|_| VerifyError::Mismatch(signature.key_id.clone()))?;
    key.verify_strict(&statement.signing_bytes(), &value)
        .map_err(|_| VerifyError::Mismatch(signature.key_id.clone()))?;
    Ok(VerifiedSigner {
        algorithm: SignatureAlgorithm::Ed25519,
        key_id,
    })
}

/// Checks Ed25519 signatures with keys looked up by the caller (the registry).
#[derive(Debug, Clone, Copy, Default)]
pub struct Ed25519KeyVerifier;

impl KeyVerifier for Ed25519KeyVerifier {
    fn key_id(
        &self,
        algorithm: SignatureAlgorithm,
        public_key: &[u8],
    ) -> Result<String, VerifyError> {
        if algorithm != SignatureAlgorithm::Ed25519 {
            return Err(VerifyError::Unsupported(algorithm.to_string()));
        }
        Ok(ed25519_key_id(verifying_key(public_key)?.as_bytes()))
    }

    fn verify_proof(
        &self,
        public_key: &[u8],
        message: &[u8],
        proof: &[u8],
    ) -> Result<(), VerifyError> {
        let key = verifying_key(public_key)?;
        let mismatch = || VerifyError::Mismatch(ed25519_key_id(key.as_bytes()));
        let proof = EdSignature::from_slice(proof).map_err(|_| mismatch())?;
        key.verify_strict(message, &proof).map_err(|_| mismatch())
    }

    fn verify_with(
        &self,
        public_key: &[u8],
        statement: &VersionStatement,
        signature: &Signature,
    ) -> Result<VerifiedSigner, VerifyError> {
        verify_ed25519(&verifying_key(public_key)?, statement, signature)
    }
}

/// Checks signatures against the keys and secrets it was given: Ed25519 public keys, and
/// named HMAC-SHA256 secrets for existing HMAC setups (the registry never hands out a
/// secret; whoever verifies configures it).
#[derive(Clone, Default)]
pub struct TrustedKeys {
    ed25519: BTreeMap<String, VerifyingKey>,
    hmac: BTreeMap<String, Vec<u8>>,
}

impl std::fmt::Debug for TrustedKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TrustedKeys")
            .field("ed25519", &self.ed25519.keys().collect::<Vec<_>>())
            .field("hmac", &self.hmac.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl TrustedKeys {
    /// Trusts an Ed25519 public key; returns its key id.
    ///
    /// # Errors
    /// [`VerifyError::Mismatch`] for bytes that are not an Ed25519 public key.
    pub fn trust_ed25519(&mut self, public_key: &[u8]) -> Result<String, VerifyError> {
        let key = verifying_key(public_key)?;
        let key_id = ed25519_key_id(key.as_bytes());
        self.ed25519.insert(key_id.clone(), key);
        Ok(key_id)
    }

    /// Trusts an HMAC-SHA256 secret under `name` (the key id its signatures carry).
    pub fn trust_hmac(&mut self, name: &str, secret: &[u8]) {
        self.hmac.insert(name.to_owned(), secret.to_vec());
    }
}

/// Signs with a shared HMAC-SHA256 secret, for existing HMAC setups.
#[derive(Clone)]
pub struct HmacSigner {
    name: String,
    secret: Vec<u8>,
}

impl std::fmt::Debug for HmacSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HmacSigner")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

impl HmacSigner {
    /// A signer whose signatures carry `name` as their key id.
    pub fn new(name: &str, secret: &[u8]) -> Self {
        HmacSigner {
            name: name.to_owned(),
            secret: secret.to_vec(),
        }
    }
}

fn hmac(secret: &[u8], key_id: &str) -> Result<Hmac<Sha256>, VerifyError> {
    <Hmac<Sha256> as Mac>::new_from_slice(secret)
        .map_err(|_| VerifyError::Mismatch(key_id.to_owned()))
}

impl Signer for HmacSigner {
    fn key_id(&self) -> String {
        self.name.clone()
    }

    fn sign(&self, statement: &VersionStatement) -> Result<Signature, SignError> {
        let mut mac = hmac(&self.secret, &self.name).map_err(|e| SignError(e.to_string()))?;
        mac.update(&statement.hmac_message());
        Ok(Signature {
            algorithm: SignatureAlgorithm::HmacSha256,
            key_id: self.name.clone(),
            value: mac.finalize().into_bytes().to_vec(),
        })
    }
}

impl Verifier for TrustedKeys {
    fn verify(
        &self,
        statement: &VersionStatement,
        signature: &Signature,
    ) -> Result<VerifiedSigner, VerifyError> {
        match signature.algorithm {
            SignatureAlgorithm::Ed25519 => {
                let key = self
                    .ed25519
                    .get(&signature.key_id)
                    .ok_or_else(|| VerifyError::UnknownKey(signature.key_id.clone()))?;
                verify_ed25519(key, statement, signature)
            }
            SignatureAlgorithm::HmacSha256 => {
                let secret = self
                    .hmac
                    .get(&signature.key_id)
                    .ok_or_else(|| VerifyError::UnknownKey(signature.key_id.clone()))?;
                let mut mac = hmac(secret, &signature.key_id)?;
                mac.update(&statement.hmac_message());
                // Constant-time comparison.
                mac.verify_slice(&signature.value)
                    .map_err(|_| VerifyError::Mismatch(signature.key_id.clone()))?;
                Ok(VerifiedSigner {
                    algorithm: SignatureAlgorithm::HmacSha256,
                    key_id: signature.key_id.clone(),
                })
            }
        }
    }
}

#[cfg(test)]
mod tests;
