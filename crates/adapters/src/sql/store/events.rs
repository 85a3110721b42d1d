//! The SQL store's `EventStore`: the event outbox and the audit log, for SQLite and PostgreSQL alike: the body
//! [`sql_skill_store`](crate::sql::sql_skill_store) puts together for a store type and its
//! database.

/// Implements it for `$store` over pools of `$db`.
macro_rules! sql_events {
    ($store:ty, $db:ty) => {
        #[async_trait::async_trait]
        impl skillreg_core::ports::EventStore for $store {
            async fn events_after(
                &self,
                after: i64,
                limit: u32,
            ) -> Result<Vec<skillreg_core::model::EventRecord>, skillreg_core::ports::StoreError> {
                sqlx::query_as::<_, $crate::sql::rows::EventRow>(
                    "SELECT seq, kind, skill_id, version, at FROM events WHERE seq > $1 ORDER BY seq LIMIT $2",
                )
                .bind(after)
                .bind(i64::from(limit))
                .fetch_all(&self.reader)
                .await
                .map_err($crate::sql::unavailable)?
                .into_iter()
                .map($crate::sql::rows::EventRow::into_record)
                .collect()
            }

            async fn audit_log(
                &self,
                limit: u32,
            ) -> Result<Vec<skillreg_core::model::AuditEntry>, skillreg_core::ports::StoreError> {
                sqlx::query_as::<_, $crate::sql::rows::AuditRow>(
                    "SELECT actor, action, target, at FROM audit_log ORDER BY seq DESC LIMIT $1",
                )
                .bind(i64::from(limit))
                .fetch_all(&self.reader)
                .await
                .map_err($crate::sql::unavailable)?
                .into_iter()
                .map($crate::sql::rows::AuditRow::into_record)
                .collect()
            }
        }
    };
}
pub(crate) use sql_events;
