//! The SQL store's `EventStore`: the event outbox and the audit log.

use async_trait::async_trait;
use skillreg_core::model::{AuditEntry, EventRecord};
use skillreg_core::ports::{EventStore, StoreError};

use crate::sql::dialect::{Dialect, SqlStore};
use crate::sql::query::Sql;
use crate::sql::rows::{AuditRow, EventRow};

#[async_trait]
impl<D: Dialect> EventStore for SqlStore<D> {
    async fn events_after(&self, after: i64, limit: u32) -> Result<Vec<EventRecord>, StoreError> {
        let sql = Sql::new(
            "SELECT seq, kind, skill_id, version, at FROM events WHERE seq > $1 ORDER BY seq LIMIT $2",
        )
        .bind(after)
        .bind(i64::from(limit));
        self.all::<EventRow>(sql)
            .await?
            .into_iter()
            .map(EventRow::into_record)
            .collect()
    }

    async fn last_event(&self) -> Result<i64, StoreError> {
        let (last,): (Option<i64>,) = self.one(Sql::new("SELECT MAX(seq) FROM events")).await?;
        Ok(last.unwrap_or(0))
    }

    async fn audit_log(&self, limit: u32) -> Result<Vec<AuditEntry>, StoreError> {
        let sql =
            Sql::new("SELECT actor, action, target, at FROM audit_log ORDER BY seq DESC LIMIT $1")
                .bind(i64::from(limit));
        self.all::<AuditRow>(sql)
            .await?
            .into_iter()
            .map(AuditRow::into_record)
            .collect()
    }
}
