//! The [`LimitStore`] of PostgreSQL: one row a bucket in the unlogged table `rate_buckets`,
//! refilled and taken from in one `INSERT … ON CONFLICT DO UPDATE`, which locks the row, so
//! replicas taking at once queue on it. Time is the database's clock.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use skillreg_core::ports::{LimitStore, Rate, StoreError};

use super::PostgresStore;
use crate::sql::Sql;

/// Takes between two sweeps of idle buckets, per process.
const SWEEP_EVERY: u64 = 1024;
static TAKES: AtomicU64 = AtomicU64::new(0);

/// The refilled level of bucket `b` for a take at `EXCLUDED.updated` ($2 burst, $3 per
/// minute).
const LEVEL: &str = "LEAST(CAST($2 AS DOUBLE PRECISION), b.tokens \
     + GREATEST(EXCLUDED.updated - b.updated, 0) * CAST($3 AS DOUBLE PRECISION) / 60)";

#[async_trait]
impl LimitStore for PostgresStore {
    async fn take(&self, key: &str, rate: Rate) -> Result<Result<(), Duration>, StoreError> {
        let sql = Sql::new(format!(
            "INSERT INTO rate_buckets AS b (key, tokens, updated, taken) \
             SELECT $1, CAST($2 AS DOUBLE PRECISION) - 1, \
                    EXTRACT(EPOCH FROM clock_timestamp())::DOUBLE PRECISION, $2 >= 1 \
             ON CONFLICT (key) DO UPDATE SET \
                taken = {LEVEL} >= 1, \
                tokens = {LEVEL} - CASE WHEN {LEVEL} >= 1 THEN 1 ELSE 0 END, \
                updated = EXCLUDED.updated \
             RETURNING taken, tokens"
        ))
        .bind(key)
        .bind(i64::from(rate.burst))
        .bind(i64::from(rate.per_minute));
        let mut tx = self.begin().await?;
        let (taken, tokens): (bool, f64) = tx.one(sql).await?;
        if TAKES.fetch_add(1, Ordering::Relaxed) % SWEEP_EVERY == SWEEP_EVERY - 1 {
            // A bucket idle past its refill is full: forgetting it changes nothing.
            let idle = i64::try_from(rate.refill().as_secs())
                .unwrap_or(i64::MAX)
                .saturating_add(1);
            tx.execute(
                Sql::new(
                    "DELETE FROM rate_buckets \
                     WHERE updated < EXTRACT(EPOCH FROM clock_timestamp())::DOUBLE PRECISION - $1",
                )
                .bind(idle),
            )
            .await?;
        }
        tx.commit().await?;
        if taken {
            return Ok(Ok(()));
        }
        Ok(Err(rate.wait(tokens)))
    }
}
