//! The transparency log in SQL: appends inside the writes' transactions ([`Tx::append_log`]),
//! the reads of [`LogStore`], and the back-fill of versions written before the log.

use async_trait::async_trait;
use skillreg_core::log::{Hash, LogEntry};
use skillreg_core::ports::{LogStore, MAX_COSIGNED, StoreError, StoredEntry};

use crate::sql::dialect::{Dialect, SqlStore, Tx};
use crate::sql::query::Sql;
use crate::sql::rows::{SkillVersionRow, VERSION_COLUMNS_QUALIFIED, corrupt};

fn to_index(index: i64) -> Result<u64, StoreError> {
    u64::try_from(index).map_err(|e| corrupt("log index", e))
}

fn to_row(index: u64) -> i64 {
    i64::try_from(index).unwrap_or(i64::MAX)
}

fn to_hash(bytes: Vec<u8>) -> Result<Hash, StoreError> {
    bytes
        .try_into()
        .map_err(|_| corrupt("log leaf", "not 32 bytes"))
}

impl<D: Dialect> Tx<D> {
    /// Appends `entry` at the next index and returns it. Under [`Dialect::LOG_LOCK`] until
    /// the transaction ends, so run it last, just before the commit.
    pub(crate) async fn append_log(&mut self, entry: &LogEntry) -> Result<u64, StoreError> {
        self.lock_log().await?;
        let (next,): (i64,) = self
            .one(Sql::new(
                "SELECT COALESCE(MAX(idx) + 1, 0) FROM log_entries",
            ))
            .await?;
        let bytes = entry.to_bytes();
        let leaf = entry.leaf_hash().to_vec();
        self.execute(
            Sql::new(
                "INSERT INTO log_entries (idx, namespace, from_namespace, entry, leaf) \
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(next)
            .bind(entry.id.namespace().as_str())
            .bind(entry.from.as_ref().map(|from| from.namespace().to_string()))
            .bind(&bytes)
            .bind(&leaf),
        )
        .await?;
        to_index(next)
    }

    /// Takes [`Dialect::LOG_LOCK`] until the transaction ends (again, if held already).
    async fn lock_log(&mut self) -> Result<(), StoreError> {
        if !D::LOG_LOCK.is_empty() {
            self.execute(Sql::new(D::LOG_LOCK)).await?;
        }
        Ok(())
    }

    /// Points a version at the entry that put it where it answers now.
    pub(crate) async fn set_log_index(
        &mut self,
        skill_uid: &str,
        canonical_version: &str,
        index: u64,
    ) -> Result<(), StoreError> {
        self.execute(
            Sql::new("UPDATE versions SET log_index = $1 WHERE skill_uid = $2 AND version = $3")
                .bind(to_row(index))
                .bind(skill_uid)
                .bind(canonical_version),
        )
        .await?;
        Ok(())
    }
}

impl<D: Dialect> SqlStore<D> {
    /// Appends a publish entry (and a yank entry, for a yanked one) for every version
    /// written before the log existed, oldest first, a batch at a time. Run after
    /// migrating; replicas starting together append each version once (the batch is read
    /// under the log's lock).
    pub(crate) async fn backfill_log(&self) -> Result<(), StoreError> {
        let sql = format!(
            "SELECT s.uid, s.namespace, s.name, s.created_by, s.created_at, s.deprecation, \
             {VERSION_COLUMNS_QUALIFIED} FROM versions v JOIN skills s ON s.uid = v.skill_uid \
             WHERE v.log_index IS NULL ORDER BY v.published_at, s.uid, v.version LIMIT 500"
        );
        loop {
            let mut tx = self.begin().await?;
            tx.lock_log().await?;
            let found: Vec<SkillVersionRow> = tx.all(Sql::new(&sql)).await?;
            if found.is_empty() {
                return Ok(());
            }
            for row in found {
                let skill = row.skill.into_record()?;
                let version = row.version.into_record()?;
                let published = &version.published;
                let index = tx
                    .append_log(&LogEntry::published(&skill.id, published))
                    .await?;
                if version.yanked {
                    let yank = LogEntry::yanked(
                        &skill.id,
                        &published.version,
                        true,
                        published.published_at,
                    );
                    tx.append_log(&yank).await?;
                }
                tx.set_log_index(skill.uid.as_str(), &published.version.canonical(), index)
                    .await?;
            }
            tx.commit().await?;
        }
    }
}

#[derive(Debug, sqlx::FromRow)]
struct EntryRow {
    idx: i64,
    namespace: String,
    from_namespace: Option<String>,
    entry: Vec<u8>,
    leaf: Vec<u8>,
}

#[async_trait]
impl<D: Dialect> LogStore for SqlStore<D> {
    async fn log_size(&self) -> Result<u64, StoreError> {
        let (next,): (i64,) = self
            .one(Sql::new(
                "SELECT COALESCE(MAX(idx) + 1, 0) FROM log_entries",
            ))
            .await?;
        to_index(next)
    }

    async fn log_leaves(&self, from: u64, limit: u32) -> Result<Vec<Hash>, StoreError> {
        let rows: Vec<(Vec<u8>,)> = self
            .all(
                Sql::new("SELECT leaf FROM log_entries WHERE idx >= $1 ORDER BY idx LIMIT $2")
                    .bind(to_row(from))
                    .bind(i64::from(limit)),
            )
            .await?;
        rows.into_iter().map(|(leaf,)| to_hash(leaf)).collect()
    }

    async fn keep_cosigned(&self, size: u64, text: &str, note: &str) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        tx.execute(
            Sql::new(
                "INSERT INTO log_cosigned (text, size, note) VALUES ($1, $2, $3) \
                 ON CONFLICT (text) DO UPDATE SET note = excluded.note",
            )
            .bind(text)
            .bind(to_row(size))
            .bind(note),
        )
        .await?;
        tx.execute(
            Sql::new(
                "DELETE FROM log_cosigned WHERE text NOT IN \
                 (SELECT text FROM log_cosigned ORDER BY size DESC, text LIMIT $1)",
            )
            .bind(i64::from(MAX_COSIGNED)),
        )
        .await?;
        tx.commit().await
    }

    async fn claim_log_key(&self, key: &str) -> Result<String, StoreError> {
        let mut tx = self.begin().await?;
        tx.execute(
            Sql::new(
                "INSERT INTO log_key (id, verifier) VALUES (1, $1) ON CONFLICT (id) DO NOTHING",
            )
            .bind(key),
        )
        .await?;
        let (recorded,): (String,) = tx
            .one(Sql::new("SELECT verifier FROM log_key WHERE id = 1"))
            .await?;
        tx.commit().await?;
        Ok(recorded)
    }

    async fn cosigned(&self, limit: u32) -> Result<Vec<String>, StoreError> {
        let rows: Vec<(String,)> = self
            .all(
                Sql::new("SELECT note FROM log_cosigned ORDER BY size DESC, text LIMIT $1")
                    .bind(i64::from(limit)),
            )
            .await?;
        Ok(rows.into_iter().map(|(note,)| note).collect())
    }

    async fn log_entries(&self, from: u64, limit: u32) -> Result<Vec<StoredEntry>, StoreError> {
        let rows: Vec<EntryRow> = self
            .all(
                Sql::new(
                    "SELECT idx, namespace, from_namespace, entry, leaf FROM log_entries \
                     WHERE idx >= $1 ORDER BY idx LIMIT $2",
                )
                .bind(to_row(from))
                .bind(i64::from(limit)),
            )
            .await?;
        rows.into_iter()
            .map(|row| {
                let mut namespaces = vec![
                    row.namespace
                        .parse()
                        .map_err(|e| corrupt("log namespace", e))?,
                ];
                if let Some(from) = row.from_namespace {
                    namespaces.push(from.parse().map_err(|e| corrupt("log namespace", e))?);
                }
                Ok(StoredEntry {
                    index: to_index(row.idx)?,
                    bytes: row.entry,
                    leaf: to_hash(row.leaf)?,
                    namespaces,
                })
            })
            .collect()
    }
}
