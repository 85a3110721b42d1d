//! Archives by digest: the [`BlobStore`].

use async_trait::async_trait;

use crate::digest::Digest;

/// A blob store's failures.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BlobError {
    /// The bytes given to `put` do not hash to the digest they were offered under.
    #[error("blob does not match its digest: expected {expected}, got {actual}")]
    DigestMismatch {
        /// The digest asked for.
        expected: Digest,
        /// The digest of the bytes.
        actual: Digest,
    },
    /// A stored blob no longer matches its name.
    #[error("stored blob {0} is corrupted")]
    Corrupt(Digest),
    /// The store failed. The message is for logs.
    #[error("blob store unavailable: {0}")]
    Unavailable(String),
}

/// The check every `put` makes first: `bytes` must hash to `digest`.
///
/// # Errors
/// [`BlobError::DigestMismatch`].
pub fn check_digest(digest: &Digest, bytes: &[u8]) -> Result<(), BlobError> {
    let actual = Digest::of(bytes);
    if &actual == digest {
        Ok(())
    } else {
        Err(BlobError::DigestMismatch {
            expected: *digest,
            actual,
        })
    }
}

/// Whether `put` wrote anything.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PutOutcome {
    /// The blob was written.
    Stored,
    /// A blob with that digest was there already.
    AlreadyPresent,
}

/// Content-addressed storage for archives.
#[async_trait]
pub trait BlobStore: Send + Sync + std::fmt::Debug {
    /// Stores `bytes` under `digest` if nothing is stored there. A reader never sees a
    /// partly written blob.
    ///
    /// # Errors
    /// MUST return [`BlobError::DigestMismatch`] (and store nothing) if `bytes` do not hash
    /// to `digest`.
    async fn put(&self, digest: &Digest, bytes: &[u8]) -> Result<PutOutcome, BlobError>;

    /// The blob stored under `digest`.
    ///
    /// # Errors
    /// MUST return [`BlobError::Corrupt`] rather than serve bytes that do not hash to
    /// `digest`.
    async fn get(&self, digest: &Digest) -> Result<Option<Vec<u8>>, BlobError>;

    /// Whether a blob is stored under `digest`.
    ///
    /// # Errors
    /// [`BlobError::Unavailable`].
    async fn exists(&self, digest: &Digest) -> Result<bool, BlobError>;

    /// Every stored digest, sorted (for garbage collection).
    ///
    /// # Errors
    /// [`BlobError::Unavailable`].
    async fn list(&self) -> Result<Vec<Digest>, BlobError>;

    /// Removes a blob. Returns whether one was there.
    ///
    /// # Errors
    /// [`BlobError::Unavailable`].
    async fn delete(&self, digest: &Digest) -> Result<bool, BlobError>;

    /// A URL a client may fetch the blob from directly for a while (a presigned URL), when
    /// the store was set up to hand them out; `None` otherwise, and by default. Whoever
    /// follows it MUST check the bytes against the digest, as the store cannot.
    ///
    /// # Errors
    /// [`BlobError::Unavailable`].
    async fn download_url(&self, digest: &Digest) -> Result<Option<String>, BlobError> {
        let _unused = digest;
        Ok(None)
    }
}
