//! [`PostgresStore`]: the production store. Every cross-replica invariant lives in the
//! database: unique keys for skills, versions and ratings; row locks (`FOR UPDATE`) where a
//! write reads before it writes; search over a generated `tsvector` column with a GIN index.

pub mod testing;

use std::str::FromStr;
use std::time::Duration;

use skillreg_core::model::SearchQuery;
use skillreg_core::ports::StoreError;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::{Postgres, QueryBuilder, Transaction};

use crate::sql::push_hit_source;
use crate::sql::rows::HitRow;
use crate::sql::{
    COUNT_START, HIT_COLUMNS, SearchFields, push_count_end, push_filters, push_order, query_terms,
    sql_skill_store, unavailable,
};

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

    /// Connects to `url` (`postgres://…`) and brings the schema up to date.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] when the server cannot be reached or migrated.
    pub async fn connect(url: &str, config: PostgresConfig) -> Result<Self, StoreError> {
        // Search selectivity varies from query to query; a generic plan cached for one
        // (`plan_cache_mode`) would be wrong for the next.
        let options = PgConnectOptions::from_str(url)
            .map_err(unavailable)?
            .options([("plan_cache_mode", "force_custom_plan")]);
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
        Ok(PostgresStore {
            reader: pool.clone(),
            writer: pool,
        })
    }

    /// Whether the database answers (for readiness checks).
    ///
    /// # Errors
    /// [`StoreError::Unavailable`].
    pub async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1")
            .execute(&self.reader)
            .await
            .map(|_| ())
            .map_err(unavailable)
    }

    /// Closes the pool, waiting for connections in use.
    pub async fn close(&self) {
        self.writer.close().await;
    }

    /// The search vector is a generated column: nothing to keep in step.
    async fn index_search(
        _tx: &mut Transaction<'_, Postgres>,
        _seq: i64,
        _name: &str,
        _fields: &SearchFields,
    ) -> Result<(), StoreError> {
        Ok(())
    }

    /// One page of hits (plus one, if there are more) and the total, among skills recorded at
    /// or before `bound`.
    async fn search_page(
        &self,
        query: &SearchQuery,
        bound: Option<i64>,
        offset: u64,
    ) -> Result<(Vec<HitRow>, u64), StoreError> {
        let terms = query_terms(query.text.as_deref().unwrap_or_default());
        // Terms hold letters and digits only: safe as tsquery lexemes.
        let ts_query = terms
            .iter()
            .map(|t| format!("{t}:*"))
            .collect::<Vec<_>>()
            .join(" & ");
        let from_where = |builder: &mut QueryBuilder<'_, Postgres>| {
            push_filters(builder, query, bound);
            if !terms.is_empty() {
                builder
                    .push(" AND s.search_vector @@ to_tsquery('simple', ")
                    .push_bind(ts_query.clone())
                    .push(")");
            }
        };

        let mut select = QueryBuilder::<Postgres>::new(HIT_COLUMNS);
        push_hit_source(&mut select, query);
        from_where(&mut select);
        // Weights D, C, B, A: description, tags, name.
        push_order(&mut select, query, offset, |b| {
            b.push("ts_rank('{0.0, 0.1, 0.5, 1.0}', s.search_vector, to_tsquery('simple', ")
                .push_bind(ts_query.clone())
                .push(")) DESC");
        });
        let hits: Vec<HitRow> = select
            .build_query_as()
            .fetch_all(&self.reader)
            .await
            .map_err(unavailable)?;
        // Count only when the page does not tell: a short page is the end of the hits.
        let total = if hits.len() as u64 > u64::from(query.limit) {
            let mut count = QueryBuilder::<Postgres>::new(COUNT_START);
            count.push(" FROM skills s");
            from_where(&mut count);
            push_count_end(&mut count);
            let (total,): (i64,) = count
                .build_query_as()
                .fetch_one(&self.reader)
                .await
                .map_err(unavailable)?;
            u64::try_from(total).unwrap_or(0)
        } else {
            offset + hits.len() as u64
        };
        Ok((hits, total))
    }
}

sql_skill_store!(PostgresStore, Postgres);
