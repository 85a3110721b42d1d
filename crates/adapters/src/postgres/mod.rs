//! [`PostgresStore`]: the production store. Every cross-replica invariant lives in the
//! database: unique keys for skills, versions and ratings; row locks (`FOR UPDATE`) where a
//! write reads before it writes. Search reads words split in Rust by the shared rule, kept
//! in a `tsvector` column with a GIN index and in arrays of each word's skills
//! (`search_blocks`, see `search.rs`).

mod limits;
mod search;
pub mod testing;

use std::str::FromStr;
use std::time::Duration;

use skillreg_core::model::SearchQuery;
use skillreg_core::ports::StoreError;
use sqlx::error::BoxDynError;
use sqlx::postgres::{PgArguments, PgConnectOptions, PgPoolOptions};
use sqlx::{Arguments as _, Postgres};

use crate::sql::query::{self, Arg, Arrays, On, SqlRow};
use crate::sql::rows::HitRow;
use crate::sql::{
    Dialect, PointReads, SearchFields, Sql, SqlStore, Tx, push_filters, query_terms, unavailable,
};

/// The PostgreSQL store. Clones share one pool.
pub type PostgresStore = SqlStore<PostgresDialect>;

/// What PostgreSQL does its own way: row locks, array parameters, its search index.
#[derive(Debug, Clone, Copy)]
pub struct PostgresDialect;

/// Arrays bound as PostgreSQL arrays.
impl Arrays for Postgres {
    fn add_array(out: &mut PgArguments, array: Arg) -> Result<(), BoxDynError> {
        match array {
            Arg::Ints(values) => out.add(values),
            Arg::Texts(values) => out.add(values),
            other => Err(format!("{other:?} is not an array").into()),
        }
    }
}

impl Dialect for PostgresDialect {
    type Db = Postgres;

    const FOR_UPDATE: &'static str = " FOR UPDATE";
    /// Shared row locks: writes that check a namespace's members run together, and a
    /// member change (`FOR UPDATE`) waits for them, and they for it.
    const FOR_SHARE: &'static str = " FOR SHARE";
    /// Search selectivity varies from query to query, so a generic plan cached for one
    /// would be wrong for the next: searches go as unnamed statements, planned for their
    /// own values each time. Point reads keep their cached plans.
    const PLAN_EACH_SEARCH: bool = true;
    /// One transaction-scoped advisory lock for every append: the next index is read and
    /// written under it and it is held to the commit, so appends from every replica commit
    /// one at a time, in index order, without gaps.
    const LOG_LOCK: &'static str = "SELECT pg_advisory_xact_lock(7305449117626163041)";

    async fn fetch_all<'a, R: SqlRow>(
        on: On<'a, Postgres>,
        sql: Sql,
    ) -> Result<Vec<R>, sqlx::Error> {
        query::fetch_all(on, sql).await
    }

    async fn execute<'a>(on: On<'a, Postgres>, sql: Sql) -> Result<u64, sqlx::Error> {
        query::execute(on, sql).await
    }

    /// Keeps the skill's words in step: `search_blocks` and `search_vector`.
    async fn index_search<'a>(
        tx: &'a mut Tx<Self>,
        seq: i64,
        name: &'a str,
        fields: &'a SearchFields,
    ) -> Result<(), StoreError> {
        PostgresStore::write_words(tx, seq, name, fields).await
    }

    /// The shared filters and the tsvector match, when there is text.
    fn push_matches(sql: &mut Sql, query: &SearchQuery, bound: Option<i64>) {
        push_filters(sql, query, bound);
        let terms = query_terms(query.text.as_deref().unwrap_or_default());
        if !terms.is_empty() {
            sql.push(" AND s.search_vector @@ CAST(")
                .push_bind(search::ts_query(&terms))
                .push(" AS tsquery)");
        }
    }

    async fn ranked_page<'a>(
        store: &'a PostgresStore,
        query: &'a SearchQuery,
        terms: &'a [String],
        bound: Option<i64>,
        offset: u64,
        skills: i64,
    ) -> Result<(Vec<HitRow>, u64), StoreError> {
        store.ranked_page(query, terms, bound, offset, skills).await
    }

    /// Ordered in SQL.
    async fn search_page<'a>(
        store: &'a PostgresStore,
        query: &'a SearchQuery,
        bound: Option<i64>,
        offset: u64,
        _skills: i64,
    ) -> Result<(Vec<HitRow>, u64), StoreError> {
        store.ordered_page(query, bound, offset, "").await
    }
}

/// PostgreSQL is a socket away either way: every point read goes through the pool.
impl PointReads for PostgresDialect {}

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
        let store = SqlStore {
            reader: pool.clone(),
            writer: pool,
            dialect: PostgresDialect,
        };
        store.backfill_package_ids().await?;
        store.backfill_words().await?;
        store.backfill_log().await?;
        Ok(store)
    }

    /// Closes the pool, waiting for connections in use.
    pub async fn close(&self) {
        self.writer.close().await;
    }
}
