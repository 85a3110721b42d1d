//! [`MemoryBlobs`]: an in-memory [`BlobStore`] that can be told to corrupt a blob.

use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard};

use async_trait::async_trait;
use skillreg_core::Digest;
use skillreg_core::ports::{BlobError, BlobStore, PutOutcome};

/// An in-memory [`BlobStore`].
#[derive(Debug, Default)]
pub struct MemoryBlobs {
    blobs: Mutex<BTreeMap<Digest, Vec<u8>>>,
}

impl MemoryBlobs {
    /// An empty store.
    pub fn new() -> Self {
        MemoryBlobs::default()
    }

    fn blobs(&self) -> MutexGuard<'_, BTreeMap<Digest, Vec<u8>>> {
        self.blobs
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Replaces a stored blob's bytes without changing its name, as disk damage would.
    pub fn corrupt(&self, digest: &Digest, bytes: Vec<u8>) {
        self.blobs().insert(*digest, bytes);
    }
}

#[async_trait]
impl BlobStore for MemoryBlobs {
    async fn put(&self, digest: &Digest, bytes: &[u8]) -> Result<PutOutcome, BlobError> {
        skillreg_core::ports::check_digest(digest, bytes)?;
        let mut blobs = self.blobs();
        if blobs.contains_key(digest) {
            return Ok(PutOutcome::AlreadyPresent);
        }
        blobs.insert(*digest, bytes.to_vec());
        Ok(PutOutcome::Stored)
    }

    async fn get(&self, digest: &Digest) -> Result<Option<Vec<u8>>, BlobError> {
        match self.blobs().get(digest) {
            Some(bytes) if &Digest::of(bytes) != digest => Err(BlobError::Corrupt(*digest)),
            other => Ok(other.cloned()),
        }
    }

    async fn exists(&self, digest: &Digest) -> Result<bool, BlobError> {
        Ok(self.blobs().contains_key(digest))
    }

    async fn list(&self) -> Result<Vec<Digest>, BlobError> {
        Ok(self.blobs().keys().copied().collect())
    }

    async fn delete(&self, digest: &Digest) -> Result<bool, BlobError> {
        Ok(self.blobs().remove(digest).is_some())
    }
}
