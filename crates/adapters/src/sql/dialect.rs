//! [`SqlStore`], the store both SQL databases share, and [`Dialect`], what each database
//! supplies to it: how a statement runs, row locks, keeping the full-text index in step,
//! and search.

use std::future::Future;

use skillreg_core::model::SearchQuery;
use skillreg_core::ports::StoreError;
use sqlx::{Pool, Transaction};

use super::query::{On, Sql, SqlRow};
use super::rows::{HitRow, RatingRow, SkillRow, SkillVersionRow, VersionRow};
use super::store::catalog;
use super::{SearchFields, unavailable};

/// What differs between SQLite and PostgreSQL. Everything else is written once, in
/// `sql/store/`, against [`SqlStore`].
pub trait Dialect: Clone + std::fmt::Debug + Send + Sync + Sized + 'static {
    /// The sqlx database.
    type Db: sqlx::Database;

    /// What a read that is about to be written after appends to lock its rows.
    const FOR_UPDATE: &'static str;
    /// What a read appends to keep its rows from changing until the transaction ends,
    /// while other such reads go on.
    const FOR_SHARE: &'static str;
    /// Whether searches are planned for their own values each time (not prepared once).
    const PLAN_EACH_SEARCH: bool;
    /// What a write runs before it appends to the transparency log, so that appends commit
    /// one at a time in index order (empty where writes are one at a time already).
    const LOG_LOCK: &'static str;

    /// Runs `sql` for its rows.
    fn fetch_all<'a, R: SqlRow>(
        on: On<'a, Self::Db>,
        sql: Sql,
    ) -> impl Future<Output = Result<Vec<R>, sqlx::Error>> + Send + 'a;

    /// Runs `sql` for its effect: the number of rows it changed.
    fn execute<'a>(
        on: On<'a, Self::Db>,
        sql: Sql,
    ) -> impl Future<Output = Result<u64, sqlx::Error>> + Send + 'a;

    /// Brings the skill's full-text entry in step with `fields`, in the write's
    /// transaction.
    fn index_search<'a>(
        tx: &'a mut Tx<Self>,
        seq: i64,
        name: &'a str,
        fields: &'a SearchFields,
    ) -> impl Future<Output = Result<(), StoreError>> + Send + 'a;

    /// Appends what a search reads from and filters on after `FROM skills s`: the text's
    /// match and the shared filters.
    fn push_matches(sql: &mut Sql, query: &SearchQuery, bound: Option<i64>);

    /// One page (plus one, if there are more) of a relevance search with text, and the
    /// total; `skills` is the highest skill number.
    fn ranked_page<'a>(
        store: &'a SqlStore<Self>,
        query: &'a SearchQuery,
        terms: &'a [String],
        bound: Option<i64>,
        offset: u64,
        skills: i64,
    ) -> impl Future<Output = Result<(Vec<HitRow>, u64), StoreError>> + Send + 'a;

    /// One page of any other search, and the total.
    fn search_page<'a>(
        store: &'a SqlStore<Self>,
        query: &'a SearchQuery,
        bound: Option<i64>,
        offset: u64,
        skills: i64,
    ) -> impl Future<Output = Result<(Vec<HitRow>, u64), StoreError>> + Send + 'a;
}

/// A SQL store: a pool for reads, one for writes (the same pool where the database takes
/// many writers), and the dialect's own state.
#[derive(Debug)]
pub struct SqlStore<D: Dialect> {
    pub(crate) reader: Pool<D::Db>,
    pub(crate) writer: Pool<D::Db>,
    pub(crate) dialect: D,
}

/// Clones share the pools.
impl<D: Dialect> Clone for SqlStore<D> {
    fn clone(&self) -> Self {
        SqlStore {
            reader: self.reader.clone(),
            writer: self.writer.clone(),
            dialect: self.dialect.clone(),
        }
    }
}

impl<D: Dialect> SqlStore<D> {
    /// The rows `sql` reads, from the read pool.
    pub(crate) async fn all<R: SqlRow>(&self, sql: Sql) -> Result<Vec<R>, StoreError> {
        D::fetch_all(On::Pool(&self.reader), sql)
            .await
            .map_err(unavailable)
    }

    /// The row `sql` reads, if any (`sql` reads at most one).
    pub(crate) async fn optional<R: SqlRow>(&self, sql: Sql) -> Result<Option<R>, StoreError> {
        Ok(self.all(sql).await?.into_iter().next())
    }

    /// The one row `sql` reads.
    pub(crate) async fn one<R: SqlRow>(&self, sql: Sql) -> Result<R, StoreError> {
        let text = sql.text().to_owned();
        self.optional(sql).await?.ok_or_else(|| no_row(&text))
    }

    /// Starts a write.
    pub(crate) async fn begin(&self) -> Result<Tx<D>, StoreError> {
        Ok(Tx {
            inner: self.writer.begin().await.map_err(unavailable)?,
        })
    }
}

fn no_row(text: &str) -> StoreError {
    StoreError::Unavailable(format!("no row came back from `{text}`"))
}

/// A write in progress. Dropped without [`Tx::commit`], it rolls back.
#[derive(Debug)]
pub struct Tx<D: Dialect> {
    pub(crate) inner: Transaction<'static, D::Db>,
}

impl<D: Dialect> Tx<D> {
    /// The rows `sql` reads.
    pub(crate) async fn all<R: SqlRow>(&mut self, sql: Sql) -> Result<Vec<R>, StoreError> {
        D::fetch_all(On::Tx(&mut self.inner), sql)
            .await
            .map_err(unavailable)
    }

    /// The row `sql` reads, if any (`sql` reads at most one).
    pub(crate) async fn optional<R: SqlRow>(&mut self, sql: Sql) -> Result<Option<R>, StoreError> {
        Ok(self.all(sql).await?.into_iter().next())
    }

    /// The one row `sql` reads.
    pub(crate) async fn one<R: SqlRow>(&mut self, sql: Sql) -> Result<R, StoreError> {
        let text = sql.text().to_owned();
        self.optional(sql).await?.ok_or_else(|| no_row(&text))
    }

    /// Runs `sql` for its effect: the number of rows it changed.
    pub(crate) async fn execute(&mut self, sql: Sql) -> Result<u64, StoreError> {
        D::execute(On::Tx(&mut self.inner), sql)
            .await
            .map_err(unavailable)
    }

    /// Runs `sql` (an insert) for its effect; `None` when it broke a unique key (on
    /// PostgreSQL the transaction can then only roll back).
    pub(crate) async fn insert_unique(&mut self, sql: Sql) -> Result<Option<u64>, StoreError> {
        match D::execute(On::Tx(&mut self.inner), sql).await {
            Ok(changed) => Ok(Some(changed)),
            Err(error) if super::is_unique_violation(&error) => Ok(None),
            Err(error) => Err(unavailable(error)),
        }
    }

    /// Makes the write last.
    pub(crate) async fn commit(self) -> Result<(), StoreError> {
        self.inner.commit().await.map_err(unavailable)
    }
}

/// The catalog's point reads, the ones every resolve and download makes. A dialect may
/// answer them without going through its pool; by default they run the shared SQL.
pub trait PointReads: Dialect {
    /// The skill with these keys.
    fn skill_row<'a>(
        store: &'a SqlStore<Self>,
        namespace_key: &'a str,
        name_key: &'a str,
    ) -> impl Future<Output = Result<Option<SkillRow>, StoreError>> + Send + 'a {
        catalog::skill_row(store, namespace_key, name_key)
    }

    /// The skill with this uid.
    fn skill_row_by_uid<'a>(
        store: &'a SqlStore<Self>,
        uid: &'a str,
    ) -> impl Future<Output = Result<Option<SkillRow>, StoreError>> + Send + 'a {
        catalog::skill_row_by_uid(store, uid)
    }

    /// The skill with these keys joined with each of its versions.
    fn skill_version_rows<'a>(
        store: &'a SqlStore<Self>,
        namespace_key: &'a str,
        name_key: &'a str,
    ) -> impl Future<Output = Result<Vec<SkillVersionRow>, StoreError>> + Send + 'a {
        catalog::skill_version_rows(store, namespace_key, name_key)
    }

    /// The versions of the skill with this uid.
    fn version_rows<'a>(
        store: &'a SqlStore<Self>,
        uid: &'a str,
    ) -> impl Future<Output = Result<Vec<VersionRow>, StoreError>> + Send + 'a {
        catalog::version_rows(store, uid)
    }

    /// One version (in its canonical form) of the skill with this uid.
    fn version_row<'a>(
        store: &'a SqlStore<Self>,
        uid: &'a str,
        version: &'a str,
    ) -> impl Future<Output = Result<Option<VersionRow>, StoreError>> + Send + 'a {
        catalog::version_row(store, uid, version)
    }

    /// The counters of the skill with this uid: downloads, ratings, sum of half stars.
    fn skill_counters<'a>(
        store: &'a SqlStore<Self>,
        uid: &'a str,
    ) -> impl Future<Output = Result<Option<(i64, i64, i64)>, StoreError>> + Send + 'a {
        crate::sql::store::stats::skill_counters(store, uid)
    }

    /// The newest `limit` ratings of the skill with this uid.
    fn rating_rows<'a>(
        store: &'a SqlStore<Self>,
        uid: &'a str,
        limit: u32,
    ) -> impl Future<Output = Result<Vec<RatingRow>, StoreError>> + Send + 'a {
        crate::sql::store::stats::rating_rows(store, uid, limit)
    }
}
