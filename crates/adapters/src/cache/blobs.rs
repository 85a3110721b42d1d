//! [`CachingBlobs`]: keeps recently read small archives in memory. Blobs are named by their
//! digest and never change, so a cached blob is always right, across replicas too.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use skillreg_core::Digest;
use skillreg_core::ports::{BlobError, BlobStore, PutOutcome};

use super::lock;

/// Blobs larger than this are always read from the store.
const MAX_CACHED_BLOB: usize = 1024 * 1024;

#[derive(Debug, Default)]
struct Held {
    bytes: usize,
    blobs: BTreeMap<Digest, Arc<Vec<u8>>>,
}

/// A [`BlobStore`] that serves repeated reads of small blobs from memory, holding at most
/// `budget` bytes (when full it starts over).
#[derive(Debug)]
pub struct CachingBlobs {
    inner: Arc<dyn BlobStore>,
    budget: usize,
    held: Mutex<Held>,
}

impl CachingBlobs {
    /// Wraps `inner`, keeping at most `budget` bytes.
    pub fn new(inner: Arc<dyn BlobStore>, budget: usize) -> Self {
        CachingBlobs {
            inner,
            budget,
            held: Mutex::default(),
        }
    }
}

#[async_trait]
impl BlobStore for CachingBlobs {
    async fn put(&self, digest: &Digest, bytes: &[u8]) -> Result<PutOutcome, BlobError> {
        self.inner.put(digest, bytes).await
    }

    async fn download_url(&self, digest: &Digest) -> Result<Option<String>, BlobError> {
        self.inner.download_url(digest).await
    }

    async fn get(&self, digest: &Digest) -> Result<Option<Vec<u8>>, BlobError> {
        if let Some(bytes) = lock(&self.held).blobs.get(digest) {
            return Ok(Some(bytes.as_ref().clone()));
        }
        let bytes = self.inner.get(digest).await?;
        if let Some(found) = &bytes
            && found.len() <= MAX_CACHED_BLOB.min(self.budget)
        {
            let mut held = lock(&self.held);
            if held.bytes + found.len() > self.budget {
                held.blobs.clear();
                held.bytes = 0;
            }
            if held
                .blobs
                .insert(*digest, Arc::new(found.clone()))
                .is_none()
            {
                held.bytes += found.len();
            }
        }
        Ok(bytes)
    }

    async fn exists(&self, digest: &Digest) -> Result<bool, BlobError> {
        self.inner.exists(digest).await
    }

    async fn list(&self) -> Result<Vec<Digest>, BlobError> {
        self.inner.list().await
    }

    async fn delete(&self, digest: &Digest) -> Result<bool, BlobError> {
        {
            let mut held = lock(&self.held);
            if let Some(bytes) = held.blobs.remove(digest) {
                held.bytes -= bytes.len();
            }
        }
        self.inner.delete(digest).await
    }
}
