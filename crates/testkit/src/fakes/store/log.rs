//! [`LogStore`] of the [`MemoryStore`].

use skillreg_core::log::Hash;
use skillreg_core::ports::{LogStore, MAX_COSIGNED, StoredEntry};

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

    async fn keep_cosigned(&self, size: u64, text: &str, note: &str) -> Result<(), StoreError> {
        let mut state = self.state();
        state.cosigned.retain(|(_, kept_text, _)| kept_text != text);
        state
            .cosigned
            .push((size, text.to_owned(), note.to_owned()));
        state.cosigned.sort_by_key(|kept| std::cmp::Reverse(kept.0));
        state.cosigned.truncate(MAX_COSIGNED as usize);
        Ok(())
    }

    async fn claim_log_key(&self, key: &str) -> Result<String, StoreError> {
        Ok(self
            .state()
            .log_key
            .get_or_insert_with(|| key.to_owned())
            .clone())
    }

    async fn cosigned(&self, limit: u32) -> Result<Vec<String>, StoreError> {
        Ok(self
            .state()
            .cosigned
            .iter()
            .take(limit as usize)
            .map(|(_, _, note)| note.clone())
            .collect())
    }
}
