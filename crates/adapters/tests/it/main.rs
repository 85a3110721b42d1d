//! Integration tests of the adapters against real SQLite files, a real PostgreSQL server
//! (`TEST_DATABASE_URL`), a real Redis server (`TEST_REDIS_URL`) and a real folder: the
//! shared contract suites, and what only a real
//! database can show (concurrency, interrupted transactions).

#![expect(
    clippy::unwrap_used,
    clippy::panic,
    reason = "in tests an unwrap or a panic is an assertion with a location"
)]

mod blob;
mod cache;
mod oci;
mod postgres;
mod redis;
mod sqlite;
mod support;
mod usecases;
mod vectors;
