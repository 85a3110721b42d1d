//! [`SqliteStore`]: the embedded default store, one SQLite file. Writes go through a
//! single-connection pool (SQLite has one writer; queuing in the pool avoids lock-upgrade
//! failures), reads through a small pool of their own, in WAL mode so readers never wait.
//! Search uses an FTS5 index kept in step inside every write transaction. Point reads of a
//! file database skip the pool and run on the calling thread (`direct.rs`).

mod direct;
mod search;

use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use skillreg_core::model::{SearchQuery, SearchSort};
use skillreg_core::ports::StoreError;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::{QueryBuilder, Sqlite, Transaction};

use crate::sql::rows::HitRow;
use crate::sql::{SearchFields, push_filters, query_terms, sql_skill_store, unavailable};
pub(crate) use direct::DirectReads;

/// The SQLite store.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    reader: SqlitePool,
    writer: SqlitePool,
    /// Point reads on the calling thread; `None` for an in-memory database.
    direct: Option<Arc<DirectReads>>,
}

impl SqliteStore {
    /// SQLite has no row locks; the single writer connection serializes writes instead.
    const FOR_UPDATE: &'static str = "";
    /// SQLite's one writer serializes write transactions: no row locks to take.
    const FOR_SHARE: &'static str = "";

    /// SQLite plans a statement when it is prepared and sees little gain in planning again.
    const PLAN_EACH_SEARCH: bool = false;

    /// Opens (creating if needed) the database file at `path` and brings its schema up to
    /// date.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] when the file cannot be opened or migrated.
    pub async fn open(path: &Path) -> Result<Self, StoreError> {
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(Duration::from_secs(10))
            .foreign_keys(true);
        Self::with_options(options).await
    }

    /// Opens a store from an `sqlite://` URL.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] for a bad URL or a database that cannot be opened.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        let options = SqliteConnectOptions::from_str(url)
            .map_err(unavailable)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(Duration::from_secs(10))
            .foreign_keys(true);
        Self::with_options(options).await
    }

    async fn with_options(options: SqliteConnectOptions) -> Result<Self, StoreError> {
        // A page cache of 64 MiB per connection and memory-mapped reads: the working set of
        // a registry with 100,000 skills stays in memory.
        let options = options
            .pragma("cache_size", "-65536")
            .pragma("mmap_size", "268435456");
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(options.clone())
            .await
            .map_err(unavailable)?;
        sqlx::migrate!("migrations/sqlite")
            .run(&writer)
            .await
            .map_err(|e| {
                StoreError::Unavailable(format!("migrating the SQLite database failed: {e}"))
            })?;
        let direct = DirectReads::open(options.get_filename()).map(Arc::new);
        let reader = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(options)
            .await
            .map_err(unavailable)?;
        let store = SqliteStore {
            reader,
            writer,
            direct,
        };
        store.backfill_package_ids().await?;
        Ok(store)
    }

    /// The direct point reads, when the database is a file.
    fn direct(&self) -> Option<&DirectReads> {
        self.direct.as_deref()
    }

    /// Closes both pools, waiting for connections in use, and the direct readers.
    pub async fn close(&self) {
        if let Some(direct) = &self.direct {
            direct.close();
        }
        self.reader.close().await;
        self.writer.close().await;
    }

    async fn index_search(
        tx: &mut Transaction<'_, Sqlite>,
        seq: i64,
        name: &str,
        fields: &SearchFields,
    ) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM skills_fts WHERE rowid = $1")
            .bind(seq)
            .execute(&mut **tx)
            .await
            .map_err(unavailable)?;
        if fields.latest_version.is_some() {
            sqlx::query(
                "INSERT INTO skills_fts (rowid, name, tags, description) VALUES ($1, $2, $3, $4)",
            )
            .bind(seq)
            .bind(name)
            .bind(&fields.tags)
            .bind(&fields.description)
            .execute(&mut **tx)
            .await
            .map_err(unavailable)?;
        }
        Ok(())
    }

    /// Pushes what a search reads from and filters on: the FTS5 match, when there is text,
    /// and the shared filters.
    fn push_matches(
        builder: &mut QueryBuilder<'_, Sqlite>,
        query: &SearchQuery,
        bound: Option<i64>,
    ) {
        let terms = query_terms(query.text.as_deref().unwrap_or_default());
        if !terms.is_empty() {
            builder.push(" JOIN skills_fts ON skills_fts.rowid = s.seq AND skills_fts MATCH ");
            builder.push_bind(search::match_expression(&terms));
        }
        push_filters(builder, query, bound);
    }

    /// One page of a search other than relevance with text (`search.rs` ranks those), and
    /// its total, ordered in SQL.
    async fn search_page(
        &self,
        query: &SearchQuery,
        bound: Option<i64>,
        offset: u64,
        skills: i64,
    ) -> Result<(Vec<HitRow>, u64), StoreError> {
        let text = query_terms(query.text.as_deref().unwrap_or_default());
        let hint = match query.tags.first() {
            Some(tag) if text.is_empty() && query.sort == SearchSort::Downloads => {
                self.tag_hint(tag, offset + u64::from(query.limit) + 1, skills)
                    .await?
            }
            _ => "",
        };
        self.ordered_page(query, bound, offset, hint).await
    }
}

sql_skill_store!(SqliteStore, Sqlite);
