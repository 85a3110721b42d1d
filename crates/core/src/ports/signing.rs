//! Signatures: making them ([`Signer`]) and checking them ([`Verifier`], and
//! [`KeyVerifier`] with a key a registry looked up).

use crate::signature::{Signature, SignatureAlgorithm, VerifiedSigner, VersionStatement};

/// Why signing failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("signing failed: {0}")]
pub struct SignError(pub String);

/// Makes signatures over version statements.
pub trait Signer: Send + Sync + std::fmt::Debug {
    /// The key id signatures will carry.
    fn key_id(&self) -> String;

    /// Signs a statement.
    ///
    /// # Errors
    /// [`SignError`] when the key cannot be used.
    fn sign(&self, statement: &VersionStatement) -> Result<Signature, SignError>;
}

/// Why a signature was not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    /// The verifier does not know the key.
    #[error("unknown signing key `{0}`")]
    UnknownKey(String),
    /// The verifier does not handle the algorithm.
    #[error("unsupported signature algorithm `{0}`")]
    Unsupported(String),
    /// The signature does not match the statement.
    #[error("signature by `{0}` does not match")]
    Mismatch(String),
}

/// Checks signatures over version statements.
pub trait Verifier: Send + Sync + std::fmt::Debug {
    /// Verifies one signature.
    ///
    /// # Errors
    /// MUST return [`VerifyError::Mismatch`] for any signature that does not cover exactly
    /// this statement.
    fn verify(
        &self,
        statement: &VersionStatement,
        signature: &Signature,
    ) -> Result<VerifiedSigner, VerifyError>;
}

/// Checks signatures with a public key the caller looked up (the registry, which keeps
/// publisher keys in its store), and names keys the way signatures do.
pub trait KeyVerifier: Send + Sync + std::fmt::Debug {
    /// The key id (`<algorithm>:<fingerprint>`) of a raw public key.
    ///
    /// # Errors
    /// [`VerifyError::Unsupported`] for an algorithm it does not handle; a key that is not
    /// a valid key of the algorithm → [`VerifyError::Mismatch`].
    fn key_id(
        &self,
        algorithm: SignatureAlgorithm,
        public_key: &[u8],
    ) -> Result<String, VerifyError>;

    /// Checks that `proof` is a signature of `message` under `public_key` (proof that
    /// whoever registers a key holds its secret half).
    ///
    /// # Errors
    /// MUST return [`VerifyError::Mismatch`] for anything else.
    fn verify_proof(
        &self,
        public_key: &[u8],
        message: &[u8],
        proof: &[u8],
    ) -> Result<(), VerifyError>;

    /// Verifies `signature` over `statement` with `public_key`.
    ///
    /// # Errors
    /// MUST return [`VerifyError::Mismatch`] for any signature that does not cover exactly
    /// this statement under this key.
    fn verify_with(
        &self,
        public_key: &[u8],
        statement: &VersionStatement,
        signature: &Signature,
    ) -> Result<VerifiedSigner, VerifyError>;
}

/// Signs notes (the transparency log's checkpoints) with the registry's log key.
pub trait NoteSigner: Send + Sync + std::fmt::Debug {
    /// The verifier key: its name is the log's origin.
    fn key(&self) -> &crate::log::NoteKey;

    /// Signs a note's text.
    fn sign(&self, text: &str) -> crate::log::NoteSignature;

    /// Whether `key` (any Ed25519 note key) signed `note`.
    fn verifies(&self, note: &crate::log::SignedNote, key: &crate::log::NoteKey) -> bool;
}
