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
    SqliteArguments, SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::{Sqlite, error::BoxDynError};

use crate::sql::query::{self, Arg, Arrays, On, SqlRow};
use crate::sql::rows::{HitRow, RatingRow, SkillRow, SkillVersionRow, VersionRow};
use crate::sql::store::catalog;
use crate::sql::{
    Dialect, PointReads, SearchFields, Sql, SqlStore, Tx, push_filters, query_terms, unavailable,
};
pub(crate) use direct::DirectReads;

/// The SQLite store.
pub type SqliteStore = SqlStore<SqliteDialect>;

/// What SQLite does its own way: no row locks (its one writer connection serializes
/// writes), an FTS5 index, and point reads of a file database on the calling thread.
#[derive(Debug, Clone)]
pub struct SqliteDialect {
    /// Point reads on the calling thread; `None` for an in-memory database.
    direct: Option<Arc<DirectReads>>,
}

/// SQLite binds no arrays.
impl Arrays for Sqlite {
    fn add_array(_: &mut SqliteArguments<'_>, _: Arg) -> Result<(), BoxDynError> {
        Err("SQLite takes no array parameters".into())
    }
}

impl Dialect for SqliteDialect {
    type Db = Sqlite;

    const FOR_UPDATE: &'static str = "";
    const FOR_SHARE: &'static str = "";
    /// SQLite plans a statement when it is prepared and sees little gain in planning again.
    const PLAN_EACH_SEARCH: bool = false;
    /// One writer connection: appends are already one at a time.
    const LOG_LOCK: &'static str = "";

    async fn fetch_all<'a, R: SqlRow>(on: On<'a, Sqlite>, sql: Sql) -> Result<Vec<R>, sqlx::Error> {
        query::fetch_all(on, sql).await
    }

    async fn execute<'a>(on: On<'a, Sqlite>, sql: Sql) -> Result<u64, sqlx::Error> {
        query::execute(on, sql).await
    }

    /// Replaces the skill's FTS5 row (none while it has no latest version).
    async fn index_search<'a>(
        tx: &'a mut Tx<Self>,
        seq: i64,
        name: &'a str,
        fields: &'a SearchFields,
    ) -> Result<(), StoreError> {
        tx.execute(Sql::new("DELETE FROM skills_fts WHERE rowid = $1").bind(seq))
            .await?;
        if fields.latest_version.is_some() {
            tx.execute(
                Sql::new(
                    "INSERT INTO skills_fts (rowid, name, tags, description) VALUES ($1, $2, $3, $4)",
                )
                .bind(seq)
                .bind(name)
                .bind(&fields.tags)
                .bind(&fields.description),
            )
            .await?;
        }
        Ok(())
    }

    /// The FTS5 match, when there is text, and the shared filters.
    fn push_matches(sql: &mut Sql, query: &SearchQuery, bound: Option<i64>) {
        let terms = query_terms(query.text.as_deref().unwrap_or_default());
        if !terms.is_empty() {
            sql.push(" JOIN skills_fts ON skills_fts.rowid = s.seq AND skills_fts MATCH ");
            sql.push_bind(search::match_expression(&terms));
        }
        push_filters(sql, query, bound);
    }

    async fn ranked_page<'a>(
        store: &'a SqliteStore,
        query: &'a SearchQuery,
        terms: &'a [String],
        bound: Option<i64>,
        offset: u64,
        skills: i64,
    ) -> Result<(Vec<HitRow>, u64), StoreError> {
        store.ranked_page(query, terms, bound, offset, skills).await
    }

    /// Ordered in SQL, reading a common tag's skills in download order.
    async fn search_page<'a>(
        store: &'a SqliteStore,
        query: &'a SearchQuery,
        bound: Option<i64>,
        offset: u64,
        skills: i64,
    ) -> Result<(Vec<HitRow>, u64), StoreError> {
        let text = query_terms(query.text.as_deref().unwrap_or_default());
        let hint = match query.tags.first() {
            Some(tag) if text.is_empty() && query.sort == SearchSort::Downloads => {
                store
                    .tag_hint(tag, offset + u64::from(query.limit) + 1, skills)
                    .await?
            }
            _ => "",
        };
        store.ordered_page(query, bound, offset, hint).await
    }
}

/// A file database answers point reads on the calling thread (`direct.rs`); anything it
/// cannot answer goes through the pool.
impl PointReads for SqliteDialect {
    async fn skill_row<'a>(
        store: &'a SqliteStore,
        namespace_key: &'a str,
        name_key: &'a str,
    ) -> Result<Option<SkillRow>, StoreError> {
        match store
            .direct()
            .and_then(|d| d.skill(namespace_key, name_key))
        {
            Some(row) => Ok(row),
            None => catalog::skill_row(store, namespace_key, name_key).await,
        }
    }

    async fn skill_row_by_uid<'a>(
        store: &'a SqliteStore,
        uid: &'a str,
    ) -> Result<Option<SkillRow>, StoreError> {
        match store.direct().and_then(|d| d.skill_by_uid(uid)) {
            Some(row) => Ok(row),
            None => catalog::skill_row_by_uid(store, uid).await,
        }
    }

    async fn skill_version_rows<'a>(
        store: &'a SqliteStore,
        namespace_key: &'a str,
        name_key: &'a str,
    ) -> Result<Vec<SkillVersionRow>, StoreError> {
        match store
            .direct()
            .and_then(|d| d.skill_with_versions(namespace_key, name_key))
        {
            Some(rows) => Ok(rows),
            None => catalog::skill_version_rows(store, namespace_key, name_key).await,
        }
    }

    async fn version_rows<'a>(
        store: &'a SqliteStore,
        uid: &'a str,
    ) -> Result<Vec<VersionRow>, StoreError> {
        match store.direct().and_then(|d| d.versions(uid)) {
            Some(rows) => Ok(rows),
            None => catalog::version_rows(store, uid).await,
        }
    }

    async fn version_row<'a>(
        store: &'a SqliteStore,
        uid: &'a str,
        version: &'a str,
    ) -> Result<Option<VersionRow>, StoreError> {
        match store.direct().and_then(|d| d.version(uid, version)) {
            Some(row) => Ok(row),
            None => catalog::version_row(store, uid, version).await,
        }
    }

    async fn skill_counters<'a>(
        store: &'a SqliteStore,
        uid: &'a str,
    ) -> Result<Option<(i64, i64, i64)>, StoreError> {
        match store.direct().and_then(|d| d.counters(uid)) {
            Some(row) => Ok(row),
            None => crate::sql::store::stats::skill_counters(store, uid).await,
        }
    }

    async fn rating_rows<'a>(
        store: &'a SqliteStore,
        uid: &'a str,
        limit: u32,
    ) -> Result<Vec<RatingRow>, StoreError> {
        match store.direct().and_then(|d| d.ratings(uid, limit)) {
            Some(rows) => Ok(rows),
            None => crate::sql::store::stats::rating_rows(store, uid, limit).await,
        }
    }
}

/// How much memory the store's SQLite connections may hold. The store opens at most
/// [`SqliteMemory::CONNECTIONS`] connections (one writer, four pooled readers, four kept
/// for direct reads; more direct ones only for a moment under load), each with a page cache
/// of `cache_mb` and, when `mmap_mb` is not 0, a memory map of the file that large.
///
/// A memory map is counted in the process's resident memory once per connection that
/// touched a page (every connection maps the file on its own), so it is off by default:
/// pages come from the page cache, and the operating system's file cache behind it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SqliteMemory {
    /// Page cache per connection, in MiB.
    pub cache_mb: u32,
    /// Memory-mapped reads per connection, in MiB (0: none).
    pub mmap_mb: u32,
}

impl SqliteMemory {
    /// Connections the store keeps open at most.
    pub const CONNECTIONS: u32 = 9;

    fn cache_kib(self) -> u64 {
        u64::from(self.cache_mb.max(1)) * 1024
    }

    fn mmap_bytes(self) -> u64 {
        u64::from(self.mmap_mb) * 1024 * 1024
    }
}

impl Default for SqliteMemory {
    /// 2 MiB of page cache per connection, no memory map: at most 18 MiB in all. At
    /// 100,000 skills this served resolve, search and downloads as fast as 64 MiB and a
    /// 256 MiB map did (`scripts/bench-server`), the operating system's file cache doing
    /// the rest.
    fn default() -> Self {
        SqliteMemory {
            cache_mb: 2,
            mmap_mb: 0,
        }
    }
}

impl SqliteStore {
    /// Opens (creating if needed) the database file at `path` and brings its schema up to
    /// date.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] when the file cannot be opened or migrated.
    pub async fn open(path: &Path) -> Result<Self, StoreError> {
        Self::open_with(path, SqliteMemory::default()).await
    }

    /// [`SqliteStore::open`] with these memory bounds.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] when the file cannot be opened or migrated.
    pub async fn open_with(path: &Path, memory: SqliteMemory) -> Result<Self, StoreError> {
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(Duration::from_secs(10))
            .foreign_keys(true);
        Self::with_options(options, memory).await
    }

    /// Opens a store from an `sqlite://` URL.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] for a bad URL or a database that cannot be opened.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        Self::connect_with(url, SqliteMemory::default()).await
    }

    /// [`SqliteStore::connect`] with these memory bounds.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] for a bad URL or a database that cannot be opened.
    pub async fn connect_with(url: &str, memory: SqliteMemory) -> Result<Self, StoreError> {
        let options = SqliteConnectOptions::from_str(url)
            .map_err(unavailable)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(Duration::from_secs(10))
            .foreign_keys(true);
        Self::with_options(options, memory).await
    }

    async fn with_options(
        options: SqliteConnectOptions,
        memory: SqliteMemory,
    ) -> Result<Self, StoreError> {
        let options = options
            .pragma("cache_size", format!("-{}", memory.cache_kib()))
            .pragma("mmap_size", memory.mmap_bytes().to_string());
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
        let direct = DirectReads::open(options.get_filename(), memory).map(Arc::new);
        let reader = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(options)
            .await
            .map_err(unavailable)?;
        let store = SqlStore {
            reader,
            writer,
            dialect: SqliteDialect { direct },
        };
        store.backfill_package_ids().await?;
        store.backfill_log().await?;
        Ok(store)
    }

    /// The direct point reads, when the database is a file.
    fn direct(&self) -> Option<&DirectReads> {
        self.dialect.direct.as_deref()
    }

    /// Closes both pools, waiting for connections in use, and the direct readers.
    pub async fn close(&self) {
        if let Some(direct) = &self.dialect.direct {
            direct.close();
        }
        self.reader.close().await;
        self.writer.close().await;
    }
}
