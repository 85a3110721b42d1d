//! [`EventStore`] of the [`MemoryStore`].

use super::*;

#[async_trait]
impl EventStore for MemoryStore {
    async fn events_after(&self, after: i64, limit: u32) -> Result<Vec<EventRecord>, StoreError> {
        Ok(self
            .state()
            .events
            .iter()
            .filter(|e| e.sequence > after)
            .take(limit as usize)
            .cloned()
            .collect())
    }

    async fn last_event(&self) -> Result<i64, StoreError> {
        Ok(self.state().events.last().map_or(0, |e| e.sequence))
    }

    async fn audit_log(&self, limit: u32) -> Result<Vec<AuditEntry>, StoreError> {
        Ok(self
            .state()
            .audit
            .iter()
            .rev()
            .take(limit as usize)
            .cloned()
            .collect())
    }
}
