//! The registry's HTTP edge: the axum [`router`], token authentication, the guard and
//! connection limits, and the mapping of domain errors onto the one error envelope. Handlers
//! extract, convert, call one use case of `skillreg-core` and answer a `skillreg-api` type;
//! they never touch a database.

mod auth;
mod connections;
mod error;
mod feed;
mod limits;
mod observe;
mod routes;
mod web;

use std::sync::Arc;

use axum::Router;
use skillreg_core::usecases::Registry;

pub use connections::ConnectionLimits;
pub use error::{ApiError, ErrorType};
pub use limits::{LimitsConfig, Rate};
pub use routes::openapi::document as openapi_document;

/// The staleness bounds of the discovery indexes and marketplaces the server keeps in
/// memory: an event's change shows within [`kept::CHECK_EVERY`], any other within
/// [`kept::REBUILD_EVERY`].
pub mod kept {
    pub use crate::routes::index_cache::{CHECK_EVERY, REBUILD_EVERY};
}

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    /// The use cases, over the configured adapters.
    pub registry: Registry,
    /// Largest request body accepted, in bytes.
    pub max_body_bytes: usize,
    limits: Arc<limits::Limits>,
    /// Uploads (publish, import) read and unpacked at once; others wait their turn before
    /// their body is read, so memory and CPU stay bounded whatever arrives.
    uploads: Arc<tokio::sync::Semaphore>,
    /// Event streams open at once, overall and per client address.
    streams: Arc<connections::Slots>,
    /// The replica's one reader of the event outbox, which every event stream takes.
    feed: Arc<feed::EventFeed>,
    /// Uploads in progress per user: one user cannot hold every upload turn.
    upload_users: Arc<connections::PerKey<String>>,
    connection_limits: ConnectionLimits,
    metrics: Arc<observe::Metrics>,
    /// SKILL.md documents rendered for the pages, by archive digest.
    rendered: Arc<web::Rendered>,
    /// The registry's discovery indexes, kept between requests.
    index_cache: Arc<routes::index_cache::IndexCache>,
    /// The certificate and key [`run`] serves HTTPS with; `None` for plain HTTP.
    tls: Option<Arc<rustls::ServerConfig>>,
    /// The address clients reach the registry at, when it is not the one a request names
    /// (a proxy, a load balancer): every absolute URL the server writes starts with it.
    public_url: Option<String>,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("registry", &self.registry)
            .field("max_body_bytes", &self.max_body_bytes)
            .finish_non_exhaustive()
    }
}

impl AppState {
    /// State over a registry, with the body limit of the registry's archive limit.
    pub fn new(registry: Registry) -> Self {
        let max_body_bytes =
            usize::try_from(registry.config().limits.max_archive_size).unwrap_or(usize::MAX);
        let limits = Arc::new(limits::Limits::new(LimitsConfig::default(), None));
        AppState {
            registry,
            max_body_bytes,
            limits,
            uploads: Arc::new(tokio::sync::Semaphore::new(DEFAULT_UPLOADS)),
            upload_users: Arc::default(),
            streams: Arc::new(connections::Slots::new(
                DEFAULT_STREAMS,
                DEFAULT_STREAMS_PER_CLIENT,
            )),
            feed: Arc::default(),
            connection_limits: ConnectionLimits::default(),
            metrics: Arc::default(),
            rendered: Arc::default(),
            index_cache: Arc::default(),
            tls: None,
            public_url: None,
        }
    }

    /// The same state with other rate limits.
    #[must_use]
    pub fn with_limits(mut self, config: LimitsConfig) -> Self {
        self.limits = Arc::new(limits::Limits::new(config, self.limits.shared()));
        self
    }

    /// The same state counting failed sign-ins in `store`, which every replica shares.
    #[must_use]
    pub fn with_limit_store(mut self, store: Arc<dyn skillreg_core::ports::LimitStore>) -> Self {
        self.limits = Arc::new(limits::Limits::new(
            self.limits.config().clone(),
            Some(store),
        ));
        self
    }

    /// The same state with other connection limits (used by [`run`]).
    #[must_use]
    pub fn with_connection_limits(mut self, limits: ConnectionLimits) -> Self {
        self.connection_limits = limits;
        self
    }

    /// The same state serving HTTPS with this certificate and key (see [`tls_config`]).
    #[must_use]
    pub fn with_tls(mut self, config: Arc<rustls::ServerConfig>) -> Self {
        self.tls = Some(config);
        self
    }

    /// The same state writing absolute URLs from `url` (`https://skills.example.com`).
    #[must_use]
    pub fn with_public_url(mut self, url: &str) -> Self {
        self.public_url = Some(url.trim_end_matches('/').to_owned());
        self
    }

    /// Where clients reach the registry: the public URL when one is set, else the host the
    /// request came with, over HTTPS when this server or the proxy in front of it speaks it.
    pub(crate) fn origin(&self, headers: &axum::http::HeaderMap) -> String {
        if let Some(url) = &self.public_url {
            return url.clone();
        }
        let origin = web::origin(headers);
        match (&self.tls, origin.strip_prefix("http://")) {
            // This server speaks HTTPS itself.
            (Some(_), Some(host)) => format!("https://{host}"),
            _ => origin,
        }
    }

    /// The same state with room for `total` event streams at once, `per_client` from one
    /// client address.
    #[must_use]
    pub fn with_streams(mut self, total: usize, per_client: usize) -> Self {
        self.streams = Arc::new(connections::Slots::new(total, per_client));
        self
    }

    /// The same state with room for `uploads` uploads at once (at least one).
    #[must_use]
    pub fn with_uploads(mut self, uploads: usize) -> Self {
        self.uploads = Arc::new(tokio::sync::Semaphore::new(uploads.max(1)));
        self
    }
}

/// Uploads handled at once unless configured.
const DEFAULT_UPLOADS: usize = 4;
/// Uploads one user may have in progress at once.
const UPLOADS_PER_USER: usize = 2;
/// Event streams open at once, overall and per client address, unless configured.
const DEFAULT_STREAMS: usize = 512;
const DEFAULT_STREAMS_PER_CLIENT: usize = 8;

/// The whole API.
pub fn router(state: AppState) -> Router {
    routes::router(Arc::new(state))
}

/// Serves `router` on `listener` with the state's connection limits until `shutdown`
/// completes; requests in flight finish.
///
/// # Errors
/// When the listener fails.
pub async fn run(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let mut limits = state.connection_limits.clone();
    limits
        .shared_peers
        .extend(state.limits.trusted_proxies().iter().copied());
    let tls = state.tls.clone().map(tokio_rustls::TlsAcceptor::from);
    connections::serve(listener, router(state), limits, tls, shutdown).await
}

/// Why a certificate or key does not serve.
#[derive(Debug, thiserror::Error)]
#[error("{path}: {reason}")]
pub struct TlsError {
    /// The file.
    pub path: String,
    /// What is wrong with it.
    pub reason: String,
}

/// A TLS configuration from PEM files: the certificate chain (the server's first) and its
/// private key (PKCS#8, PKCS#1 or SEC1). HTTP/1.1 only, TLS 1.2 and 1.3.
///
/// # Errors
/// [`TlsError`] naming the file that does not read, holds no certificate or key, or whose
/// key does not match the certificate.
pub fn tls_config(
    cert: &std::path::Path,
    key: &std::path::Path,
) -> Result<Arc<rustls::ServerConfig>, TlsError> {
    use rustls::pki_types::pem::PemObject as _;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let fail = |path: &std::path::Path, reason: String| TlsError {
        path: path.display().to_string(),
        reason,
    };
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(cert)
        .map_err(|e| fail(cert, format!("cannot read certificates: {e}")))?
        .collect::<Result<_, _>>()
        .map_err(|e| fail(cert, format!("not a PEM certificate chain: {e}")))?;
    if certs.is_empty() {
        return Err(fail(cert, "holds no certificate".to_owned()));
    }
    let private = PrivateKeyDer::from_pem_file(key)
        .map_err(|e| fail(key, format!("no private key in it: {e}")))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| fail(cert, e.to_string()))?
        .with_no_client_auth()
        .with_single_cert(certs, private)
        .map_err(|e| fail(key, format!("does not serve with the certificate: {e}")))?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}
