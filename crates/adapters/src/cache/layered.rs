//! [`Layered`]: the caching layers `serve` runs a registry on, put together in one place so
//! the tests of the HTTP surface run on the same composition.

use std::sync::Arc;

use skillreg_core::ports::{BlobStore, SkillStore, Stores};

use super::{CacheMode, CachingBlobs, CachingStore};

/// How many bytes of small archives [`CachingBlobs`] keeps.
pub const BLOB_CACHE_BYTES: usize = 16 * 1024 * 1024;

/// A store and a blob store with their caching layers in front.
#[derive(Debug, Clone)]
pub struct Layered {
    /// The caching store, to flush its counters (and to start its flusher).
    pub cache: Arc<CachingStore>,
    /// The store's ports: the cache in front of the five it serves, the store behind the
    /// rest. What a registry is built on.
    pub stores: Stores,
    /// The blob store with recently read small archives kept in memory.
    pub blobs: Arc<dyn BlobStore>,
}

impl Layered {
    /// `store` and `blobs` with the layers in front: reads cached in `mode`, counters
    /// buffered, small archives kept.
    pub fn new(store: Arc<dyn SkillStore>, mode: CacheMode, blobs: Arc<dyn BlobStore>) -> Self {
        let cache = Arc::new(CachingStore::new(store, mode));
        Layered {
            stores: cache.stores(),
            cache,
            blobs: Arc::new(CachingBlobs::new(blobs, BLOB_CACHE_BYTES)),
        }
    }
}
