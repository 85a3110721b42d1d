//! Point reads on the calling thread. sqlx runs each SQLite connection on a worker thread
//! of its own, so every query is a hand-off and a wake-up: tens to hundreds of microseconds
//! on a busy machine, for lookups SQLite itself answers in a few. The reads a resolve or a
//! download makes (one skill by key or id, its versions) go through a small set of
//! read-only connections used inline instead.
//!
//! Such a read never waits: the connections have no busy timeout, and any failure (a
//! locked database, a damaged row, no connection to open) answers `None`, and the caller
//! takes the ordinary pooled path, which waits, retries and reports errors as always.
//! Reads on a WAL database need no lock a writer holds, so this fallback is rare.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, OptionalExtension, Row, params};

use crate::sql::rows::{
    RatingRow, SKILL_COLUMNS, SkillRow, SkillVersionRow, VERSION_COLUMNS,
    VERSION_COLUMNS_QUALIFIED, VersionRow,
};

/// Connections kept for reuse; more are opened under load and closed after.
const KEPT: usize = 4;

/// Read-only connections to one database file, used on the calling thread.
#[derive(Debug)]
pub(crate) struct DirectReads {
    path: PathBuf,
    memory: super::SqliteMemory,
    idle: Mutex<Vec<Connection>>,
    /// Set by [`DirectReads::close`]: every read takes the (closed) pool's path after it.
    closed: AtomicBool,
}

impl DirectReads {
    /// Direct reads of the database file at `path`, or `None` when there is no such file
    /// (an in-memory database) or it cannot be opened read-only.
    pub(crate) fn open(path: &Path, memory: super::SqliteMemory) -> Option<Self> {
        if !path.is_file() {
            return None;
        }
        let reads = DirectReads {
            path: path.to_owned(),
            memory,
            idle: Mutex::new(Vec::new()),
            closed: AtomicBool::new(false),
        };
        let first = match reads.connect() {
            Ok(connection) => connection,
            Err(error) => {
                tracing::warn!(%error, path = %path.display(), "direct SQLite reads are off");
                return None;
            }
        };
        reads.put_back(first);
        Some(reads)
    }

    fn connect(&self) -> rusqlite::Result<Connection> {
        let connection = Connection::open_with_flags(
            &self.path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        // Never wait on the caller's thread: a busy database falls back to the pool.
        connection.busy_timeout(Duration::ZERO)?;
        let cache_kib = i64::try_from(self.memory.cache_kib()).unwrap_or(i64::MAX);
        connection.pragma_update(None, "cache_size", -cache_kib)?;
        let mmap = i64::try_from(self.memory.mmap_bytes()).unwrap_or(i64::MAX);
        connection.pragma_update(None, "mmap_size", mmap)?;
        connection.set_prepared_statement_cache_capacity(16);
        Ok(connection)
    }

    fn put_back(&self, connection: Connection) {
        if let Ok(mut idle) = self.idle.lock()
            && idle.len() < KEPT
            && !self.closed.load(Ordering::Acquire)
        {
            idle.push(connection);
        }
    }

    /// Closes the kept connections; reads after this answer `None`.
    pub(crate) fn close(&self) {
        self.closed.store(true, Ordering::Release);
        if let Ok(mut idle) = self.idle.lock() {
            idle.clear();
        }
    }

    /// Runs `read` on an idle connection (or a new one); `None` when anything fails or the
    /// store is closed.
    fn with<T>(&self, read: impl FnOnce(&Connection) -> rusqlite::Result<T>) -> Option<T> {
        if self.closed.load(Ordering::Acquire) {
            return None;
        }
        let idle = self.idle.lock().ok().and_then(|mut idle| idle.pop());
        let connection = match idle {
            Some(connection) => connection,
            None => self.connect().ok()?,
        };
        match read(&connection) {
            Ok(value) => {
                self.put_back(connection);
                Some(value)
            }
            Err(error) => {
                tracing::debug!(%error, "direct SQLite read fell back to the pool");
                // The connection may be mid-statement or damaged: drop it.
                None
            }
        }
    }

    /// A skill by its namespace and name keys.
    pub(crate) fn skill(&self, namespace_key: &str, name_key: &str) -> Option<Option<SkillRow>> {
        self.with(|connection| {
            connection
                .prepare_cached(&format!(
                    "SELECT {SKILL_COLUMNS} FROM skills WHERE namespace_key = ?1 AND name_key = ?2"
                ))?
                .query_row(params![namespace_key, name_key], |row| skill_row(row, 0))
                .optional()
        })
    }

    /// A skill's counters: downloads, ratings, sum of half stars.
    pub(crate) fn counters(&self, uid: &str) -> Option<Option<(i64, i64, i64)>> {
        self.with(|connection| {
            connection
                .prepare_cached(
                    "SELECT downloads, rating_count, rating_sum FROM skills WHERE uid = ?1",
                )?
                .query_row(params![uid], |row| {
                    Ok((row.get(0)?, row.get(1)?, row.get(2)?))
                })
                .optional()
        })
    }

    /// A skill's newest `limit` ratings.
    pub(crate) fn ratings(&self, uid: &str, limit: u32) -> Option<Vec<RatingRow>> {
        self.with(|connection| {
            connection
                .prepare_cached(
                    "SELECT user_id, half_stars, review, rated_at FROM ratings WHERE skill_uid = ?1 \
                     ORDER BY rated_at DESC, user_id LIMIT ?2",
                )?
                .query_map(params![uid, limit], |row| {
                    Ok(RatingRow {
                        user_id: row.get(0)?,
                        half_stars: row.get(1)?,
                        review: row.get(2)?,
                        rated_at: row.get(3)?,
                    })
                })?
                .collect()
        })
    }

    /// A skill by its stable id.
    pub(crate) fn skill_by_uid(&self, uid: &str) -> Option<Option<SkillRow>> {
        self.with(|connection| {
            connection
                .prepare_cached(&format!(
                    "SELECT {SKILL_COLUMNS} FROM skills WHERE uid = ?1"
                ))?
                .query_row(params![uid], |row| skill_row(row, 0))
                .optional()
        })
    }

    /// A skill with every version it has, one row per version.
    pub(crate) fn skill_with_versions(
        &self,
        namespace_key: &str,
        name_key: &str,
    ) -> Option<Vec<SkillVersionRow>> {
        self.with(|connection| {
            connection
                .prepare_cached(&format!(
                    "SELECT s.uid, s.namespace, s.name, s.created_by, s.created_at, s.deprecation, \
                     {VERSION_COLUMNS_QUALIFIED} FROM skills s JOIN versions v ON v.skill_uid = s.uid \
                     WHERE s.namespace_key = ?1 AND s.name_key = ?2"
                ))?
                .query_map(params![namespace_key, name_key], |row| {
                    Ok(SkillVersionRow {
                        skill: skill_row(row, 0)?,
                        version: version_row(row, SKILL_WIDTH)?,
                    })
                })?
                .collect()
        })
    }

    /// Every version of a skill.
    pub(crate) fn versions(&self, uid: &str) -> Option<Vec<VersionRow>> {
        self.with(|connection| {
            connection
                .prepare_cached(&format!(
                    "SELECT {VERSION_COLUMNS} FROM versions WHERE skill_uid = ?1"
                ))?
                .query_map(params![uid], |row| version_row(row, 0))?
                .collect()
        })
    }

    /// One version of a skill, by its canonical text.
    pub(crate) fn version(&self, uid: &str, version: &str) -> Option<Option<VersionRow>> {
        self.with(|connection| {
            connection
                .prepare_cached(&format!(
                    "SELECT {VERSION_COLUMNS} FROM versions WHERE skill_uid = ?1 AND version = ?2"
                ))?
                .query_row(params![uid, version], |row| version_row(row, 0))
                .optional()
        })
    }
}

/// How many columns [`SKILL_COLUMNS`] has.
const SKILL_WIDTH: usize = 6;

/// How many columns [`version_row`] reads.
#[cfg(test)]
const VERSION_WIDTH: usize = 17;

/// A [`SkillRow`] from the row's columns starting at `at`, in [`SKILL_COLUMNS`] order.
fn skill_row(row: &Row<'_>, at: usize) -> rusqlite::Result<SkillRow> {
    Ok(SkillRow {
        uid: row.get(at)?,
        namespace: row.get(at + 1)?,
        name: row.get(at + 2)?,
        created_by: row.get(at + 3)?,
        created_at: row.get(at + 4)?,
        deprecation: row.get(at + 5)?,
    })
}

/// A [`VersionRow`] from the row's columns starting at `at`, in [`VERSION_COLUMNS`] order.
fn version_row(row: &Row<'_>, at: usize) -> rusqlite::Result<VersionRow> {
    Ok(VersionRow {
        skill_uid: row.get(at)?,
        version_text: row.get(at + 1)?,
        archive_digest: row.get(at + 2)?,
        content_digest: row.get(at + 3)?,
        size: row.get(at + 4)?,
        description: row.get(at + 5)?,
        license: row.get(at + 6)?,
        allowed_tools: row.get(at + 7)?,
        tags: row.get(at + 8)?,
        files: row.get(at + 9)?,
        signatures: row.get(at + 10)?,
        yanked: row.get(at + 11)?,
        published_by: row.get(at + 12)?,
        published_at: row.get(at + 13)?,
        audit: row.get(at + 14)?,
        audit_revision: row.get(at + 15)?,
        log_index: row.get(at + 16)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sqlite::SqliteMemory;

    /// A database with the store's schema, one skill and two versions of it.
    fn seeded() -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("store.db");
        let connection = Connection::open(&path).unwrap();
        connection
            .execute_batch(include_str!("../../migrations/sqlite/0001_init.sql"))
            .unwrap();
        for migration in [
            include_str!("../../migrations/sqlite/0002_package_ids.sql"),
            include_str!("../../migrations/sqlite/0005_audit.sql"),
            include_str!("../../migrations/sqlite/0006_audit_changes.sql"),
            include_str!("../../migrations/sqlite/0007_profiles.sql"),
            include_str!("../../migrations/sqlite/0008_log.sql"),
        ] {
            connection.execute_batch(migration).unwrap();
        }
        connection
            .execute_batch(
                "INSERT INTO skills (uid, namespace, name, namespace_key, name_key, id_key, created_by, created_at, updated_at) \
                 VALUES ('u1', 'Acme', 'pdf', 'acme', 'pdf', 'acme/pdf', 'ann', 5, 5);",
            )
            .unwrap();
        for version in ["1.0.0", "1.1.0"] {
            connection
                .execute(
                    &format!(
                        "INSERT INTO versions (skill_uid, version, {}) VALUES ('u1', ?1, ?1, 'sha256:a', 'sha256:c', 10, 'd', NULL, '[]', '[]', '[]', '[]', 0, 'ann', 7, '', 0, NULL)",
                        VERSION_COLUMNS.replacen("skill_uid, ", "", 1)
                    ),
                    params![version],
                )
                .unwrap();
        }
        (dir, path)
    }

    #[test]
    fn point_reads_answer_from_the_file() {
        let (_dir, path) = seeded();
        let reads = DirectReads::open(&path, SqliteMemory::default()).unwrap();
        let skill = reads.skill("acme", "pdf").unwrap().unwrap();
        assert_eq!(
            (skill.uid.as_str(), skill.namespace.as_str()),
            ("u1", "Acme")
        );
        assert_eq!(reads.skill_by_uid("u1").unwrap().unwrap().name, "pdf");
        assert!(reads.skill("acme", "other").unwrap().is_none());
        let rows = reads.skill_with_versions("acme", "pdf").unwrap();
        assert_eq!(rows.len(), 2);
        assert!(rows.iter().all(|row| row.skill.uid == "u1"));
        assert_eq!(reads.versions("u1").unwrap().len(), 2);
        let one = reads.version("u1", "1.1.0").unwrap().unwrap();
        assert_eq!(
            (one.version_text.as_str(), one.size, one.yanked),
            ("1.1.0", 10, false)
        );
        assert!(reads.version("u1", "2.0.0").unwrap().is_none());
        // Connections go back for reuse, and no more than are kept.
        assert!(reads.idle.lock().unwrap().len() <= KEPT);
    }

    #[test]
    fn a_row_that_does_not_read_falls_back_instead_of_answering() {
        let (_dir, path) = seeded();
        Connection::open(&path)
            .unwrap()
            .execute(
                "UPDATE versions SET size = 'ten' WHERE version = '1.0.0'",
                [],
            )
            .unwrap();
        let reads = DirectReads::open(&path, SqliteMemory::default()).unwrap();
        assert!(reads.version("u1", "1.0.0").is_none());
        assert!(reads.skill_with_versions("acme", "pdf").is_none());
        // The other version still reads.
        assert!(reads.version("u1", "1.1.0").unwrap().is_some());
    }

    #[test]
    fn a_closed_reader_answers_nothing_and_keeps_no_connection() {
        let (_dir, path) = seeded();
        let reads = DirectReads::open(&path, SqliteMemory::default()).unwrap();
        assert!(reads.skill("acme", "pdf").is_some());
        reads.close();
        assert!(reads.skill("acme", "pdf").is_none());
        assert!(reads.idle.lock().unwrap().is_empty());
    }

    #[test]
    fn a_database_without_a_file_has_no_direct_reads() {
        let dir = tempfile::tempdir().unwrap();
        assert!(
            DirectReads::open(&dir.path().join("absent.db"), SqliteMemory::default()).is_none()
        );
        assert!(DirectReads::open(Path::new(":memory:"), SqliteMemory::default()).is_none());
    }

    #[test]
    fn the_row_readers_cover_the_shared_column_lists() {
        assert_eq!(SKILL_COLUMNS.split(',').count(), SKILL_WIDTH);
        assert_eq!(VERSION_COLUMNS.split(',').count(), VERSION_WIDTH);
        assert_eq!(VERSION_COLUMNS_QUALIFIED.split(',').count(), VERSION_WIDTH);
    }
}
