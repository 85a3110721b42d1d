//! [`PostgresStore`]: the production store. Every cross-replica invariant lives in the
//! database: unique keys for skills, versions and ratings; row locks (`FOR UPDATE`) where a
//! write reads before it writes. Search reads words split in Rust by the shared rule, kept
//! in a `tsvector` column with a GIN index and in arrays of each word's skills
//! (`search_blocks`, see `search.rs`).

mod search;
pub mod testing;

use std::str::FromStr;
use std::time::Duration;

use skillreg_core::model::SearchQuery;
use skillreg_core::ports::StoreError;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::{Postgres, QueryBuilder, Transaction};

use crate::sql::{SearchFields, push_filters, query_terms, sql_skill_store, unavailable};

/// The PostgreSQL store. Clones share one pool.
#[derive(Debug, Clone)]
pub struct PostgresStore {
    reader: PgPool,
    writer: PgPool,
}

/// Pool settings.
#[derive(Debug, Clone, Copy)]
pub struct PostgresConfig {
    /// Most connections in the pool.
    pub max_connections: u32,
    /// How long to wait for a connection.
    pub acquire_timeout: Duration,
}

impl Default for PostgresConfig {
    fn default() -> Self {
        PostgresConfig {
            max_connections: 16,
            acquire_timeout: Duration::from_secs(10),
        }
    }
}

impl PostgresStore {
    const FOR_UPDATE: &'static str = " FOR UPDATE";
    /// Shared row locks: writes that check a namespace's members run together, and a
    /// member change (`FOR UPDATE`) waits for them, and they for it.
    const FOR_SHARE: &'static str = " FOR SHARE";

    /// Search selectivity varies from query to query, so a generic plan cached for one
    /// would be wrong for the next: searches go as unnamed statements, planned for their
    /// own values each time. Point reads keep their cached plans.
    const PLAN_EACH_SEARCH: bool = true;

    /// PostgreSQL is a socket away either way: every read goes through the pool.
    #[expect(clippy::unused_self, reason = "the shared store code asks every store")]
    fn direct(&self) -> Option<&crate::sqlite::DirectReads> {
        None
    }

    /// Connects to `url` (`postgres://…`) and brings the schema up to date.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] when the server cannot be reached or migrated.
    pub async fn connect(url: &str, config: PostgresConfig) -> Result<Self, StoreError> {
        // A registry's working set lives in memory, where reading a page out of order costs
        // about what reading the next one does. With the default (4.0) the planner hashes
        // all of `skills` for a tag filter's capped count (18 ms at 100,000 skills) instead
        // of following the tag's index to each skill (4 ms).
        let options = PgConnectOptions::from_str(url)
            .map_err(unavailable)?
            .options([("random_page_cost", "1.1")]);
        let pool = PgPoolOptions::new()
            .max_connections(config.max_connections)
            .acquire_timeout(config.acquire_timeout)
            .connect_with(options)
            .await
            .map_err(unavailable)?;
        sqlx::migrate!("migrations/postgres")
            .run(&pool)
            .await
            .map_err(|e| {
                StoreError::Unavailable(format!("migrating the PostgreSQL database failed: {e}"))
            })?;
        let store = PostgresStore {
            reader: pool.clone(),
            writer: pool,
        };
        store.backfill_package_ids().await?;
        store.backfill_words().await?;
        Ok(store)
    }

    /// Closes the pool, waiting for connections in use.
    pub async fn close(&self) {
        self.writer.close().await;
    }

    /// Keeps the skill's words in step: `search_blocks` and `search_vector`.
    async fn index_search(
        tx: &mut Transaction<'_, Postgres>,
        seq: i64,
        name: &str,
        fields: &SearchFields,
    ) -> Result<(), StoreError> {
        Self::write_words(tx, seq, name, fields).await
    }

    /// Pushes what a search filters on: the shared filters and the tsvector match, when
    /// there is text.
    fn push_matches(
        builder: &mut QueryBuilder<'_, Postgres>,
        query: &SearchQuery,
        bound: Option<i64>,
    ) {
        push_filters(builder, query, bound);
        let terms = query_terms(query.text.as_deref().unwrap_or_default());
        if !terms.is_empty() {
            builder
                .push(" AND s.search_vector @@ CAST(")
                .push_bind(search::ts_query(&terms))
                .push(" AS tsquery)");
        }
    }

    /// One page of a search other than relevance with text (`search.rs` ranks those), and
    /// its total, ordered in SQL.
    async fn search_page(
        &self,
        query: &SearchQuery,
        bound: Option<i64>,
        offset: u64,
        _skills: i64,
    ) -> Result<(Vec<crate::sql::rows::HitRow>, u64), StoreError> {
        self.ordered_page(query, bound, offset, "").await
    }
}

sql_skill_store!(PostgresStore, Postgres);
