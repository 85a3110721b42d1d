//! Test databases: a temporary SQLite file, or a fresh PostgreSQL database per test.

use std::ops::Deref;
use std::str::FromStr;
use std::sync::atomic::{AtomicU32, Ordering};

use skillreg_adapters::postgres::PostgresConfig;
use skillreg_adapters::{PostgresStore, SqliteStore};
use sqlx::postgres::PgConnectOptions;
use sqlx::{ConnectOptions, Connection};

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

static NEXT: AtomicU32 = AtomicU32::new(0);

/// Creates a fresh, empty database and returns its URL. Test databases are named
/// `skillreg_test_*`; scripts/test drops the ones earlier runs left.
pub(crate) async fn fresh_database() -> String {
    let admin_url = database_url();
    let mut admin = PgConnectOptions::from_str(&admin_url)
        .unwrap()
        .connect()
        .await
        .unwrap_or_else(|e| panic!("cannot connect to TEST_DATABASE_URL={admin_url}: {e}"));
    let nanos = std::time::SystemTime::UNIX_EPOCH
        .elapsed()
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    let name = format!(
        "skillreg_test_{}_{}_{}",
        std::process::id(),
        nanos % 1_000_000_000,
        NEXT.fetch_add(1, Ordering::SeqCst)
    );
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut admin)
        .await
        .unwrap();
    admin.close().await.unwrap();
    PgConnectOptions::from_str(&admin_url)
        .unwrap()
        .database(&name)
        .to_url_lossy()
        .to_string()
}

/// A store over a fresh database.
pub(crate) async fn postgres() -> PostgresStore {
    PostgresStore::connect(&fresh_database().await, PostgresConfig::default())
        .await
        .unwrap()
}
