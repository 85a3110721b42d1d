//! Adapters for the ports of `skillreg-core`, one folder per family:
//! `sqlite/` (the embedded default store), `postgres/` (the production store), `blob/`
//! (content-addressed archives: a folder, or an S3-compatible bucket), `cache/` (counters buffered, reads cached where
//! this process is the only writer), `signing/` (Ed25519 keys and signatures), `fs/` (skill
//! folders: reading them, and the agent clients' install folders), `http/` (the client of a
//! skillreg registry and of a Package Registry Standard registry), `redis` (rate limits a
//! replica set shares, given `--redis-url`). `sql/` holds what the
//! two SQL stores share.
//!
//! Adapters store and fetch; they decide no policy. Infrastructure errors are mapped onto
//! the ports' domain errors here, so no sqlx or io error leaves this crate.

pub mod blob;
pub mod cache;
pub mod fs;
pub mod http;
pub mod oci;
pub mod postgres;
pub mod redis;
pub mod signing;
mod sql;
pub mod sqlite;
pub mod system;

pub use blob::{FsBlobStore, S3BlobStore};
pub use postgres::PostgresStore;
pub use sqlite::{SqliteMemory, SqliteStore};
pub use system::{RandomIds, SystemClock};
