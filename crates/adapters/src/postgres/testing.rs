//! Fresh databases for tests of the PostgreSQL store and of what runs on it: each test
//! gets its own, named `skillreg_test_*` (the test script drops leftovers).

use std::str::FromStr;
use std::sync::atomic::{AtomicU32, Ordering};

use skillreg_core::ports::StoreError;
use sqlx::postgres::PgConnectOptions;
use sqlx::{ConnectOptions, Connection};

use crate::sql::unavailable;

static NEXT: AtomicU32 = AtomicU32::new(0);

/// Creates an empty database on the server `admin_url` points at and returns its URL.
///
/// # Errors
/// [`StoreError::Unavailable`] when the server cannot be reached or refuses.
pub async fn fresh_database(admin_url: &str) -> Result<String, StoreError> {
    let options = PgConnectOptions::from_str(admin_url).map_err(unavailable)?;
    let mut admin = options.connect().await.map_err(unavailable)?;
    let unique = crate::system::random_bytes().map_or_else(
        |_| format!("{}", NEXT.fetch_add(1, Ordering::SeqCst)),
        |bytes| skillreg_core::digest::hex(&bytes[..6]),
    );
    let name = format!(
        "skillreg_test_{}_{unique}_{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::SeqCst)
    );
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut admin)
        .await
        .map_err(unavailable)?;
    admin.close().await.map_err(unavailable)?;
    Ok(options.database(&name).to_url_lossy().to_string())
}
