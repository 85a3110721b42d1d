//! The HTTP machinery both clients share: options, retries (reads only), progress, the TLS
//! provider, and one request kept whole so a retry can send it again.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;
use skillreg_api::ErrorType;
use skillreg_core::text::sanitize_remote;

use super::error::{ApiFailure, ClientError, read_envelope};

/// When and how calls are retried: reads after a connection failure, a 5xx or a 429;
/// writes only after a 429 (turned away before anything was done).
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    /// Tries in all (1 = no retry).
    pub attempts: u32,
    /// The first wait; doubled each time.
    pub backoff: Duration,
    /// The longest `Retry-After` worth waiting for; longer ones fail at once.
    pub max_retry_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            attempts: 3,
            backoff: Duration::from_millis(200),
            max_retry_after: Duration::from_secs(10),
        }
    }
}

/// Told about the bytes of a transfer, to draw a progress bar.
pub trait TransferProgress: Send + Sync + fmt::Debug {
    /// A transfer starts; `total` when its size is known.
    fn begin(&self, label: &str, total: Option<u64>);
    /// `bytes` more moved.
    fn advance(&self, bytes: u64);
    /// It ended.
    fn end(&self);
}

/// How to reach a registry.
#[derive(Debug, Clone)]
pub struct ClientOptions {
    /// A token for `Authorization: Bearer`.
    pub token: Option<String>,
    /// Connect timeout.
    pub connect_timeout: Duration,
    /// Whole-request timeout.
    pub timeout: Duration,
    /// Retries of reads.
    pub retry: RetryPolicy,
    /// The largest archive accepted from a download.
    pub max_download: u64,
}

impl Default for ClientOptions {
    fn default() -> Self {
        ClientOptions {
            token: None,
            connect_timeout: Duration::from_secs(10),
            timeout: Duration::from_secs(120),
            retry: RetryPolicy::default(),
            max_download: skillreg_core::bundle::BundleLimits::default().max_archive_size,
        }
    }
}

/// A request to send (kept whole so a retry can send it again).
pub(crate) struct Call<'a> {
    pub(crate) method: Method,
    pub(crate) path: &'a str,
    pub(crate) query: Vec<(String, String)>,
    pub(crate) body: Option<(Vec<u8>, &'static str)>,
    pub(crate) headers: Vec<(&'static str, String)>,
}

impl<'a> Call<'a> {
    pub(crate) fn get(path: &'a str) -> Self {
        Call {
            method: Method::GET,
            path,
            query: Vec::new(),
            body: None,
            headers: Vec::new(),
        }
    }

    pub(crate) fn with(method: Method, path: &'a str) -> Self {
        Call {
            method,
            ..Call::get(path)
        }
    }

    pub(crate) fn query(mut self, key: &str, value: impl Into<String>) -> Self {
        self.query.push((key.to_owned(), value.into()));
        self
    }

    /// The query of one of the contract's parameter types: each field that is set.
    pub(crate) fn params(mut self, params: &impl serde::Serialize) -> Self {
        if let Ok(serde_json::Value::Object(fields)) = serde_json::to_value(params) {
            for (key, value) in fields {
                match value {
                    serde_json::Value::Null => {}
                    serde_json::Value::String(text) => self.query.push((key, text)),
                    other => self.query.push((key, other.to_string())),
                }
            }
        }
        self
    }

    pub(crate) fn json(mut self, value: &impl serde::Serialize) -> Self {
        let bytes = serde_json::to_vec(value).unwrap_or_default();
        self.body = Some((bytes, "application/json"));
        self
    }

    fn idempotent(&self) -> bool {
        self.method == Method::GET
    }
}

/// The shared HTTP machinery of both clients.
#[derive(Debug, Clone)]
pub(crate) struct Http {
    pub(crate) base: String,
    http: reqwest::Client,
    options: ClientOptions,
    pub(crate) progress: Option<Arc<dyn TransferProgress>>,
}

/// Installs the process-wide TLS provider once (reqwest is built without one, so the
/// smaller `ring` is used rather than the default).
pub(crate) fn tls_provider() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // Err means another provider is already installed, which is as good.
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

impl Http {
    pub(crate) fn new(base: &str, options: ClientOptions) -> Result<Self, ClientError> {
        tls_provider();
        let base = base.trim_end_matches('/').to_owned();
        if !(base.starts_with("http://") || base.starts_with("https://")) {
            return Err(ClientError::Protocol {
                registry: sanitize_remote(&base),
                reason: "a registry URL starts with http:// or https://".to_owned(),
            });
        }
        let http = reqwest::Client::builder()
            .connect_timeout(options.connect_timeout)
            .timeout(options.timeout)
            .user_agent(concat!("skillreg/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| ClientError::Protocol {
                registry: base.clone(),
                reason: format!("cannot build an HTTP client: {e}"),
            })?;
        Ok(Http {
            base,
            http,
            options,
            progress: None,
        })
    }

    fn unreachable(&self, error: &reqwest::Error) -> ClientError {
        let mut reason = error.to_string();
        let mut source = std::error::Error::source(error);
        while let Some(inner) = source {
            reason = format!("{reason}: {inner}");
            source = inner.source();
        }
        ClientError::Unreachable {
            registry: self.base.clone(),
            reason: sanitize_remote(&reason),
        }
    }

    pub(crate) fn protocol(&self, reason: impl fmt::Display) -> ClientError {
        ClientError::Protocol {
            registry: self.base.clone(),
            reason: sanitize_remote(&reason.to_string()),
        }
    }

    async fn send(&self, call: &Call<'_>) -> Result<reqwest::Response, ClientError> {
        let retry = self.options.retry;
        // A write is tried again only when the registry turned it away before doing
        // anything (429); a read after any passing failure too.
        let attempts = retry.attempts.max(1);
        let idempotent = call.idempotent();
        let mut wait = retry.backoff;
        for attempt in 1..=attempts {
            let last = attempt == attempts;
            let mut request = self
                .http
                .request(call.method.clone(), format!("{}{}", self.base, call.path));
            if !call.query.is_empty() {
                request = request.query(&call.query);
            }
            if let Some(token) = &self.options.token {
                request = request.bearer_auth(token);
            }
            for (name, value) in &call.headers {
                request = request.header(*name, value);
            }
            if let Some((body, content_type)) = &call.body {
                request = request
                    .header(reqwest::header::CONTENT_TYPE, *content_type)
                    .body(body.clone());
            }
            let response = match request.send().await {
                Ok(response) => response,
                Err(error) if !last && idempotent && (error.is_connect() || error.is_timeout()) => {
                    tracing::debug!(%error, attempt, "retrying after a connection failure");
                    tokio::time::sleep(wait).await;
                    wait *= 2;
                    continue;
                }
                Err(error) => return Err(self.unreachable(&error)),
            };
            let status = response.status();
            if status.is_success() {
                return Ok(response);
            }
            let retry_after = retry_after(&response);
            let pause = if last {
                None
            } else if status == StatusCode::TOO_MANY_REQUESTS {
                retry_after
                    .map(Duration::from_secs)
                    .filter(|after| *after <= retry.max_retry_after)
            } else if status.is_server_error() && idempotent {
                Some(wait)
            } else {
                None
            };
            match pause {
                Some(pause) => {
                    tracing::debug!(%status, attempt, "retrying");
                    tokio::time::sleep(pause).await;
                    wait *= 2;
                }
                None => return Err(self.failure(response, retry_after).await),
            }
        }
        Err(self.protocol("no attempt was made"))
    }

    async fn failure(&self, response: reqwest::Response, retry_after: Option<u64>) -> ClientError {
        let status = response.status();
        let bytes = response.bytes().await.unwrap_or_default();
        let (kind, message, details) = read_envelope(&bytes);
        let message = message.map_or_else(
            || format!("registry {} answered {status}", self.base),
            |m| sanitize_remote(&m),
        );
        ClientError::Api(ApiFailure {
            registry: self.base.clone(),
            kind: kind
                .or_else(|| ErrorType::for_status(status.as_u16()))
                .unwrap_or(ErrorType::Internal),
            status: status.as_u16(),
            message,
            details,
            retry_after,
        })
    }

    pub(crate) async fn json<T: DeserializeOwned>(&self, call: Call<'_>) -> Result<T, ClientError> {
        let response = self.send(&call).await?;
        let bytes = response.bytes().await.map_err(|e| self.unreachable(&e))?;
        serde_json::from_slice(&bytes)
            .map_err(|e| self.protocol(format_args!("{}: {e}", call.path)))
    }

    /// Downloads a body with a size cap and progress.
    pub(crate) async fn bytes(&self, call: Call<'_>, label: &str) -> Result<Vec<u8>, ClientError> {
        let mut response = self.send(&call).await?;
        let cap = self.options.max_download;
        let total = response.content_length();
        if total.is_some_and(|t| t > cap) {
            return Err(self.protocol(format_args!(
                "the archive is larger than the {cap} bytes this client accepts"
            )));
        }
        if let Some(progress) = &self.progress {
            progress.begin(label, total);
        }
        let mut out = Vec::with_capacity(usize::try_from(total.unwrap_or(0)).unwrap_or(0));
        let result = loop {
            match response.chunk().await {
                Ok(Some(chunk)) => {
                    if out.len() as u64 + chunk.len() as u64 > cap {
                        break Err(self.protocol(format_args!(
                            "the archive is larger than the {cap} bytes this client accepts"
                        )));
                    }
                    out.extend_from_slice(&chunk);
                    if let Some(progress) = &self.progress {
                        progress.advance(chunk.len() as u64);
                    }
                }
                Ok(None) => break Ok(out),
                Err(error) => break Err(self.unreachable(&error)),
            }
        };
        if let Some(progress) = &self.progress {
            progress.end();
        }
        result
    }
}

fn retry_after(response: &reqwest::Response) -> Option<u64> {
    response
        .headers()
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()
}

/// Percent-encodes one path segment (ids and versions are plain ASCII already; `+` of
/// build metadata is the one character that needs it).
pub(crate) fn segment(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~' | b'/') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}
