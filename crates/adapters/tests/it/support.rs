//! Test databases: a temporary SQLite file, or a fresh PostgreSQL database per test.

use std::ops::Deref;

use skillreg_adapters::postgres::PostgresConfig;
use skillreg_adapters::{PostgresStore, SqliteStore};

/// A SQLite store in a temporary folder that lives as long as it does.
#[derive(Debug)]
pub(crate) struct TempSqlite {
    pub(crate) store: SqliteStore,
    _dir: tempfile::TempDir,
}

impl Deref for TempSqlite {
    type Target = SqliteStore;
    fn deref(&self) -> &SqliteStore {
        &self.store
    }
}

pub(crate) async fn sqlite() -> TempSqlite {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("skillreg.db"))
        .await
        .unwrap();
    TempSqlite { store, _dir: dir }
}

/// The server the PostgreSQL tests use. They fail, not skip, without it.
#[expect(
    clippy::disallowed_methods,
    reason = "tests read their one setting from the environment"
)]
pub(crate) fn database_url() -> String {
    std::env::var("TEST_DATABASE_URL").unwrap_or_else(|_| {
        panic!(
            "TEST_DATABASE_URL is not set: PostgreSQL tests need a server, e.g. \
             TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres (scripts/test sets it up)"
        )
    })
}

/// Creates a fresh, empty database and returns its URL.
pub(crate) async fn fresh_database() -> String {
    let admin_url = database_url();
    skillreg_adapters::postgres::testing::fresh_database(&admin_url)
        .await
        .unwrap_or_else(|e| {
            panic!("cannot create a database on TEST_DATABASE_URL={admin_url}: {e}")
        })
}

/// A store over a fresh database.
pub(crate) async fn postgres() -> PostgresStore {
    PostgresStore::connect(&fresh_database().await, PostgresConfig::default())
        .await
        .unwrap()
}
