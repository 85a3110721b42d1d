//! The registry's HTTP edge: the axum [`router`], request and response types, token
//! authentication and the one error envelope. Handlers extract, convert, call a use case of
//! `skillreg-core` and map the result; they never touch a database.

mod auth;
mod error;
mod routes;
mod wire;

use std::sync::Arc;

use axum::Router;
use skillreg_core::usecases::Registry;

pub use auth::{IssuedToken, issue_token};
pub use error::{ApiError, ErrorType};

/// What every handler shares.
#[derive(Debug, Clone)]
pub struct AppState {
    /// The use cases, over the configured adapters.
    pub registry: Registry,
    /// Largest request body accepted, in bytes.
    pub max_body_bytes: usize,
}

impl AppState {
    /// State over a registry, with the body limit of the registry's archive limit.
    pub fn new(registry: Registry) -> Self {
        let max_body_bytes =
            usize::try_from(registry.config().limits.max_archive_size).unwrap_or(usize::MAX);
        AppState {
            registry,
            max_body_bytes,
        }
    }
}

/// The whole API.
pub fn router(state: AppState) -> Router {
    routes::router(Arc::new(state))
}

/// Serves `router` on `listener` until `shutdown` completes; requests in flight finish.
///
/// # Errors
/// When the listener fails.
pub async fn run(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router(state))
        .with_graceful_shutdown(shutdown)
        .await
}
