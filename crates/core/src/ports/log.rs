//! [`LogStore`]: the transparency log's entries, as the store keeps them.
//!
//! Entries are appended by the writes that change what a client may install, inside their
//! transactions ([`super::CatalogStore::write_version`], `set_yanked`, `set_deprecation`,
//! `move_skill`): a change is never visible without its entry, and an entry never outlives
//! a change that rolled back. This port only reads them.

use async_trait::async_trait;

use super::store::StoreError;
use crate::identity::Namespace;
use crate::log::Hash;

/// One stored entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredEntry {
    /// Its index (0 for the first).
    pub index: u64,
    /// Its canonical bytes ([`crate::log::LogEntry::to_bytes`]).
    pub bytes: Vec<u8>,
    /// Its leaf hash, as written with it.
    pub leaf: Hash,
    /// The namespaces the entry names (its id's, and for a move the one it left): who may
    /// read the entry is who may read all of them.
    pub namespaces: Vec<Namespace>,
}

/// The log's entries.
///
/// MUST: indexes are `0..size` with no gap, and an index, once read, always reads the same
/// entry: a write appends at the index after the last committed one, and no two writes,
/// from any replica, commit the same index or commit out of index order.
#[async_trait]
pub trait LogStore: Send + Sync + std::fmt::Debug {
    /// How many entries the log has.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`].
    async fn log_size(&self) -> Result<u64, StoreError>;

    /// The leaf hashes of the entries from `from`, at most `limit`, in index order.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] or [`StoreError::Corrupt`].
    async fn log_leaves(&self, from: u64, limit: u32) -> Result<Vec<Hash>, StoreError>;

    /// The entries from `from`, at most `limit`, in index order.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] or [`StoreError::Corrupt`].
    async fn log_entries(&self, from: u64, limit: u32) -> Result<Vec<StoredEntry>, StoreError>;

    /// Keeps a cosigned checkpoint (a signed note with witnesses' signature lines) of
    /// `size` entries: `note` replaces the one kept with the same text, if any; the newest
    /// [`MAX_COSIGNED`] are kept.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`].
    async fn keep_cosigned(&self, size: u64, text: &str, note: &str) -> Result<(), StoreError>;

    /// Records `key` (a verifier key's text) as the key that signs this log, unless one is
    /// recorded already; returns the one recorded. Replicas starting together record one.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`].
    async fn claim_log_key(&self, key: &str) -> Result<String, StoreError>;

    /// The cosigned checkpoints kept, largest size first, at most `limit`.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`].
    async fn cosigned(&self, limit: u32) -> Result<Vec<String>, StoreError>;
}

/// How many cosigned checkpoints a store keeps.
pub const MAX_COSIGNED: u32 = 16;
