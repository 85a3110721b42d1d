//! [`LogStore`] of the [`MemoryStore`].

use skillreg_core::log::Hash;
use skillreg_core::ports::{LogStore, StoredEntry};

use super::*;

impl State {
    fn log_range(&self, from: u64, limit: u32) -> &[StoredEntry] {
        let start = usize::try_from(from)
            .unwrap_or(usize::MAX)
            .min(self.log.len());
        let end = start.saturating_add(limit as usize).min(self.log.len());
        &self.log[start..end]
    }
}

#[async_trait]
impl LogStore for MemoryStore {
    async fn log_size(&self) -> Result<u64, StoreError> {
        Ok(self.state().log.len() as u64)
    }

    async fn log_leaves(&self, from: u64, limit: u32) -> Result<Vec<Hash>, StoreError> {
        Ok(self
            .state()
            .log_range(from, limit)
            .iter()
            .map(|e| e.leaf)
            .collect())
    }

    async fn log_entries(&self, from: u64, limit: u32) -> Result<Vec<StoredEntry>, StoreError> {
        Ok(self.state().log_range(from, limit).to_vec())
    }
}
