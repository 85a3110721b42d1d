//! The client of a skillreg registry's HTTP API ([`RegistryClient`]), which is also a
//! [`SkillLookup`] source of the resolution cascade, and [`PrsClient`], a source over any
//! registry that speaks the Package Registry Standard read surface.
//!
//! Errors map the envelope's `type` first and the status code second. Only idempotent
//! calls (reads) are retried: on connection failures, on 5xx, and on 429 when the
//! `Retry-After` it names is short enough to wait for; everything else fails at once with
//! the registry's own message (sanitized: control characters stripped, cut at 256
//! characters).

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;
use skillreg_core::identity::{Namespace, SkillId, SkillRef};
use skillreg_core::ports::{LookupError, SkillLookup, SourceSkill, SourceVersion};
use skillreg_core::signature::Signature;
use skillreg_core::text::sanitize_remote;
use skillreg_core::version::{Version, VersionReq};

mod prs;

pub use prs::PrsClient;
use skillreg_api::{
    CreateNamespaceBody, CreateTokenBody, CreatedToken, DeprecationBody, DeprecationResponse,
    ErrorEnvelope, ErrorType, ImportParams, ImportResponse, MemberBody, MemberRole, NamespaceBody,
    PublishParams, PublishResponse, PublisherKeyBody, RateBody, RatedResponse, RatingsResponse,
    RegisterKeyBody, RevokedToken, SIGNATURE_HEADER, SearchParams, SearchResponse, SkillDetails,
    TokenList, TrendingParams, TrendingResponse, VersionBody, VersionList, WhoamiBody,
    YankResponse,
};

/// What a registry answered when it refused a call.
#[derive(Debug, Clone)]
pub struct ApiFailure {
    /// Which registry.
    pub registry: String,
    /// The envelope's type, else the one the status stands for.
    pub kind: ErrorType,
    /// The status code.
    pub status: u16,
    /// The registry's message, sanitized.
    pub message: String,
    /// The envelope's details (a structured conflict, ambiguity candidates).
    pub details: serde_json::Value,
    /// Seconds to wait, on a 429.
    pub retry_after: Option<u64>,
}

/// Why a call to a registry failed.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ClientError {
    /// No answer: connection refused, DNS, timeout.
    #[error("registry {registry} is unreachable: {reason}")]
    Unreachable {
        /// Which registry.
        registry: String,
        /// Why.
        reason: String,
    },
    /// The registry answered with an error.
    #[error("{}", api_message(.0))]
    Api(ApiFailure),
    /// The registry answered something this client cannot read.
    #[error("registry {registry} answered something unexpected: {reason}")]
    Protocol {
        /// Which registry.
        registry: String,
        /// What was wrong.
        reason: String,
    },
}

fn api_message(failure: &ApiFailure) -> String {
    match failure.kind {
        ErrorType::RateLimited => format!(
            "registry {} is rate limiting requests: {}",
            failure.registry, failure.message
        ),
        _ => failure.message.clone(),
    }
}

/// The type, message and details of an error body: the contract's envelope, or (from a
/// registry of another version, whose type this build may not know) whatever of it can be
/// read.
fn read_envelope(bytes: &[u8]) -> (Option<ErrorType>, Option<String>, serde_json::Value) {
    if let Ok(envelope) = serde_json::from_slice::<ErrorEnvelope>(bytes) {
        let error = envelope.error;
        return (Some(error.kind), Some(error.message), error.details);
    }
    let Ok(body) = serde_json::from_slice::<serde_json::Value>(bytes) else {
        return (None, None, serde_json::Value::Null);
    };
    let error = &body["error"];
    (
        error["type"].as_str().and_then(ErrorType::from_name),
        error["message"].as_str().map(str::to_owned),
        error["details"].clone(),
    )
}

impl ClientError {
    /// The next step to suggest.
    pub fn hint(&self) -> Option<String> {
        match self {
            ClientError::Unreachable { registry, .. } => Some(format!(
                "check that {registry} is up and the URL is right (`skillreg registry list`, REGISTRY_URL)"
            )),
            ClientError::Api(failure) => match failure.kind {
                ErrorType::AuthenticationRequired => {
                    Some("log in with `skillreg login --token <token>` or set REGISTRY_TOKEN".to_owned())
                }
                ErrorType::AccessDenied => Some(
                    "the token lacks the scope or namespace this needs; create one with `skillreg token create`"
                        .to_owned(),
                ),
                ErrorType::RateLimited => Some(format!(
                    "wait {} s and try again",
                    failure.retry_after.unwrap_or(1)
                )),
                _ => None,
            },
            ClientError::Protocol { .. } => None,
        }
    }

    /// The API failure, if the registry answered one.
    pub fn api(&self) -> Option<&ApiFailure> {
        match self {
            ClientError::Api(failure) => Some(failure),
            _ => None,
        }
    }

    fn is_not_found(&self) -> bool {
        matches!(
            self.api().map(|f| f.kind),
            Some(ErrorType::PackageNotFound | ErrorType::VersionNotFound)
        )
    }

    /// The same failure as a lookup source reports it.
    pub fn to_lookup_error(&self) -> LookupError {
        match self {
            ClientError::Unreachable { reason, .. } => LookupError::Unreachable(reason.clone()),
            ClientError::Api(failure) => match failure.kind {
                ErrorType::AuthenticationRequired | ErrorType::AccessDenied => {
                    LookupError::Denied(failure.message.clone())
                }
                ErrorType::RateLimited => LookupError::RateLimited {
                    retry_after_secs: failure.retry_after.unwrap_or(1),
                },
                ErrorType::PackageNotFound | ErrorType::VersionNotFound => {
                    LookupError::Gone(failure.message.clone())
                }
                _ => LookupError::Protocol(failure.message.clone()),
            },
            ClientError::Protocol { reason, .. } => LookupError::Protocol(reason.clone()),
        }
    }
}

/// When and how reads are retried.
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
struct Call<'a> {
    method: Method,
    path: &'a str,
    query: Vec<(String, String)>,
    body: Option<(Vec<u8>, &'static str)>,
    headers: Vec<(&'static str, String)>,
}

impl<'a> Call<'a> {
    fn get(path: &'a str) -> Self {
        Call {
            method: Method::GET,
            path,
            query: Vec::new(),
            body: None,
            headers: Vec::new(),
        }
    }

    fn with(method: Method, path: &'a str) -> Self {
        Call {
            method,
            ..Call::get(path)
        }
    }

    fn query(mut self, key: &str, value: impl Into<String>) -> Self {
        self.query.push((key.to_owned(), value.into()));
        self
    }

    /// The query of one of the contract's parameter types: each field that is set.
    fn params(mut self, params: &impl serde::Serialize) -> Self {
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

    fn json(mut self, value: &impl serde::Serialize) -> Self {
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
    base: String,
    http: reqwest::Client,
    options: ClientOptions,
    progress: Option<Arc<dyn TransferProgress>>,
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

    fn protocol(&self, reason: impl fmt::Display) -> ClientError {
        ClientError::Protocol {
            registry: self.base.clone(),
            reason: sanitize_remote(&reason.to_string()),
        }
    }

    async fn send(&self, call: &Call<'_>) -> Result<reqwest::Response, ClientError> {
        let retry = self.options.retry;
        let attempts = if call.idempotent() {
            retry.attempts.max(1)
        } else {
            1
        };
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
                Err(error) if !last && (error.is_connect() || error.is_timeout()) => {
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
            } else if status.is_server_error() {
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

    async fn json<T: DeserializeOwned>(&self, call: Call<'_>) -> Result<T, ClientError> {
        let response = self.send(&call).await?;
        let bytes = response.bytes().await.map_err(|e| self.unreachable(&e))?;
        serde_json::from_slice(&bytes)
            .map_err(|e| self.protocol(format_args!("{}: {e}", call.path)))
    }

    /// Downloads a body with a size cap and progress.
    async fn bytes(&self, call: Call<'_>, label: &str) -> Result<Vec<u8>, ClientError> {
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
fn segment(text: &str) -> String {
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

/// A skillreg registry.
#[derive(Debug, Clone)]
pub struct RegistryClient {
    http: Http,
}

impl RegistryClient {
    /// A client of the registry at `base` (`https://skills.example.com`).
    ///
    /// # Errors
    /// [`ClientError::Protocol`] for a URL that is not http(s).
    pub fn new(base: &str, options: ClientOptions) -> Result<Self, ClientError> {
        Ok(RegistryClient {
            http: Http::new(base, options)?,
        })
    }

    /// Reports downloads to `progress`.
    #[must_use]
    pub fn with_progress(mut self, progress: Arc<dyn TransferProgress>) -> Self {
        self.http.progress = Some(progress);
        self
    }

    /// The base URL.
    pub fn base(&self) -> &str {
        &self.http.base
    }

    fn skill_path(id: &SkillId, rest: &str) -> String {
        format!("/api/v1/skills/{}{rest}", segment(&id.to_string()))
    }

    /// Publishes an archive.
    ///
    /// # Errors
    /// [`ClientError`]; a publish is never retried.
    pub async fn publish(
        &self,
        namespace: &Namespace,
        version: Option<&Version>,
        archive: Vec<u8>,
        signatures: &[Signature],
    ) -> Result<PublishResponse, ClientError> {
        let mut call = Call::with(Method::POST, "/api/v1/skills").params(&PublishParams {
            namespace: namespace.to_string(),
            version: version.map(ToString::to_string),
        });
        for signature in signatures {
            call.headers.push((
                SIGNATURE_HEADER,
                format!(
                    "{} {} {}",
                    signature.algorithm,
                    signature.key_id,
                    skillreg_core::digest::hex(&signature.value)
                ),
            ));
        }
        call.body = Some((archive, "application/gzip"));
        self.http.json(call).await
    }

    /// Imports an archive with a conflict strategy. A conflict comes back as
    /// [`ErrorType::Conflict`] with the structured conflict in its details.
    ///
    /// # Errors
    /// [`ClientError`].
    pub async fn import(
        &self,
        namespace: &Namespace,
        version: Option<&Version>,
        on_conflict: &str,
        archive: Vec<u8>,
    ) -> Result<ImportResponse, ClientError> {
        let mut call = Call::with(Method::POST, "/api/v1/import").params(&ImportParams {
            namespace: namespace.to_string(),
            version: version.map(ToString::to_string),
            on_conflict: Some(on_conflict.to_owned()),
        });
        call.body = Some((archive, "application/gzip"));
        self.http.json(call).await
    }

    /// Searches.
    ///
    /// # Errors
    /// [`ClientError`].
    pub async fn search(&self, params: &SearchParams) -> Result<SearchResponse, ClientError> {
        self.http
            .json(Call::get("/api/v1/skills").params(params))
            .await
    }

    /// A skill's page data.
    ///
    /// # Errors
    /// [`ClientError`].
    pub async fn skill(&self, id: &SkillId) -> Result<SkillDetails, ClientError> {
        self.http.json(Call::get(&Self::skill_path(id, ""))).await
    }

    /// Every version, newest first.
    ///
    /// # Errors
    /// [`ClientError`].
    pub async fn versions(&self, id: &SkillId) -> Result<Vec<VersionBody>, ClientError> {
        let reply: VersionList = self
            .http
            .json(Call::get(&Self::skill_path(id, "/-/versions")))
            .await?;
        Ok(reply.versions)
    }

    /// One version's archive.
    ///
    /// # Errors
    /// [`ClientError`].
    pub async fn download(&self, id: &SkillId, version: &Version) -> Result<Vec<u8>, ClientError> {
        let path = Self::skill_path(id, "/-/download");
        let call = Call::get(&path).query("version", format!("={version}"));
        self.http.bytes(call, &format!("{id}@{version}")).await
    }

    /// Ratings and recent reviews.
    ///
    /// # Errors
    /// [`ClientError`].
    pub async fn ratings(&self, id: &SkillId) -> Result<RatingsResponse, ClientError> {
        self.http
            .json(Call::get(&Self::skill_path(id, "/-/ratings")))
            .await
    }

    /// Rates a skill.
    ///
    /// # Errors
    /// [`ClientError`].
    pub async fn rate(
        &self,
        id: &SkillId,
        stars: f64,
        review: Option<&str>,
    ) -> Result<RatedResponse, ClientError> {
        let path = Self::skill_path(id, "/-/ratings");
        let call = Call::with(Method::POST, &path).json(&RateBody {
            stars,
            review: review.map(str::to_owned),
        });
        self.http.json(call).await
    }

    /// Trending skills.
    ///
    /// # Errors
    /// [`ClientError`].
    pub async fn trending(&self, limit: u32) -> Result<TrendingResponse, ClientError> {
        let params = TrendingParams { limit: Some(limit) };
        self.http
            .json(Call::get("/api/v1/trending").params(&params))
            .await
    }

    /// Yanks (`true`) or unyanks a version.
    ///
    /// # Errors
    /// [`ClientError`].
    pub async fn set_yanked(
        &self,
        id: &SkillId,
        version: &Version,
        yanked: bool,
    ) -> Result<YankResponse, ClientError> {
        let path = Self::skill_path(
            id,
            &format!("/-/versions/{}/yank", segment(&version.to_string())),
        );
        let method = if yanked { Method::POST } else { Method::DELETE };
        self.http.json(Call::with(method, &path)).await
    }

    /// Sets or clears a deprecation message.
    ///
    /// # Errors
    /// [`ClientError`].
    pub async fn deprecate(
        &self,
        id: &SkillId,
        message: Option<&str>,
    ) -> Result<DeprecationResponse, ClientError> {
        let path = Self::skill_path(id, "/-/deprecation");
        let call = Call::with(Method::PUT, &path).json(&DeprecationBody {
            message: message.map(str::to_owned),
        });
        self.http.json(call).await
    }

    /// Creates a token; the answer holds its secret, once.
    ///
    /// # Errors
    /// [`ClientError`].
    pub async fn create_token(
        &self,
        request: &CreateTokenBody,
    ) -> Result<CreatedToken, ClientError> {
        let call = Call::with(Method::POST, "/api/v1/tokens").json(request);
        self.http.json(call).await
    }

    /// Who the token stands for, with its scopes and namespaces.
    ///
    /// # Errors
    /// [`ClientError`].
    pub async fn whoami(&self) -> Result<WhoamiBody, ClientError> {
        self.http.json(Call::get("/api/v1/whoami")).await
    }

    /// The caller's tokens that the calling token may manage.
    ///
    /// # Errors
    /// [`ClientError`].
    pub async fn tokens(&self) -> Result<TokenList, ClientError> {
        self.http.json(Call::get("/api/v1/tokens")).await
    }

    /// Revokes a token.
    ///
    /// # Errors
    /// [`ClientError`].
    pub async fn revoke_token(&self, id: &str) -> Result<RevokedToken, ClientError> {
        let path = format!("/api/v1/tokens/{}", segment(id));
        self.http.json(Call::with(Method::DELETE, &path)).await
    }

    /// Registers a publisher key with its proof of possession.
    ///
    /// # Errors
    /// [`ClientError`].
    pub async fn register_key(
        &self,
        public_key: &[u8],
        proof: &[u8],
    ) -> Result<PublisherKeyBody, ClientError> {
        let call = Call::with(Method::POST, "/api/v1/keys").json(&RegisterKeyBody {
            algorithm: None,
            public_key: skillreg_core::digest::hex(public_key),
            proof: skillreg_core::digest::hex(proof),
        });
        self.http.json(call).await
    }

    /// Revokes one of the caller's publisher keys.
    ///
    /// # Errors
    /// [`ClientError`].
    pub async fn revoke_key(&self, key_id: &str) -> Result<PublisherKeyBody, ClientError> {
        let path = format!("/api/v1/keys/{}", segment(key_id));
        self.http.json(Call::with(Method::DELETE, &path)).await
    }

    /// A publisher key.
    ///
    /// # Errors
    /// [`ClientError`].
    pub async fn publisher_key(&self, key_id: &str) -> Result<PublisherKeyBody, ClientError> {
        let path = format!("/api/v1/keys/{}", segment(key_id));
        self.http.json(Call::get(&path)).await
    }

    /// Creates a namespace.
    ///
    /// # Errors
    /// [`ClientError`].
    pub async fn create_namespace(&self, namespace: &str) -> Result<NamespaceBody, ClientError> {
        let call = Call::with(Method::POST, "/api/v1/namespaces").json(&CreateNamespaceBody {
            namespace: namespace.to_owned(),
        });
        self.http.json(call).await
    }

    /// A namespace and its members.
    ///
    /// # Errors
    /// [`ClientError`].
    pub async fn namespace(&self, namespace: &str) -> Result<NamespaceBody, ClientError> {
        let path = format!("/api/v1/namespaces/{}", segment(namespace));
        self.http.json(Call::get(&path)).await
    }

    /// Adds a member (or changes their role), or removes them (`role` = `None`).
    ///
    /// # Errors
    /// [`ClientError`].
    pub async fn set_member(
        &self,
        namespace: &str,
        user: &str,
        role: Option<MemberRole>,
    ) -> Result<NamespaceBody, ClientError> {
        let path = format!(
            "/api/v1/namespaces/{}/-/members/{}",
            segment(namespace),
            segment(user)
        );
        let call = match role {
            Some(role) => Call::with(Method::PUT, &path).json(&MemberBody { role }),
            None => Call::with(Method::DELETE, &path),
        };
        self.http.json(call).await
    }

    async fn source_skill(&self, id: SkillId) -> Result<Option<SourceSkill>, ClientError> {
        let versions = match self.versions(&id).await {
            Ok(versions) => versions,
            Err(error) if error.is_not_found() => return Ok(None),
            Err(error) => return Err(error),
        };
        let description = versions
            .first()
            .map(|v| sanitize_remote(&v.description))
            .unwrap_or_default();
        let mut parsed = Vec::with_capacity(versions.len());
        for version in &versions {
            parsed.push(version.to_source_version().ok_or_else(|| {
                self.http
                    .protocol(format_args!("a malformed version of `{id}`"))
            })?);
        }
        Ok(Some(SourceSkill {
            location: format!("{}{}", self.http.base, Self::skill_path(&id, "")),
            id,
            description,
            versions: parsed,
        }))
    }
}

#[async_trait]
impl SkillLookup for RegistryClient {
    fn source_name(&self) -> String {
        format!("registry {}", self.http.base)
    }

    async fn find(
        &self,
        reference: &SkillRef,
        _request: &VersionReq,
    ) -> Result<Vec<SourceSkill>, LookupError> {
        let ids: Vec<SkillId> = match reference.namespace() {
            Some(namespace) => vec![SkillId::new(namespace.clone(), reference.name().clone())],
            None => {
                let params = SearchParams {
                    q: Some(reference.name().to_string()),
                    limit: Some(100),
                    ..SearchParams::default()
                };
                let page = self
                    .search(&params)
                    .await
                    .map_err(|e| e.to_lookup_error())?;
                let wanted = reference.name().key();
                page.skills
                    .iter()
                    .filter_map(|hit| hit.id.parse::<SkillId>().ok())
                    .filter(|id| id.name().key() == wanted)
                    .collect()
            }
        };
        let mut found = Vec::with_capacity(ids.len());
        for id in ids {
            if let Some(skill) = self
                .source_skill(id)
                .await
                .map_err(|e| e.to_lookup_error())?
            {
                found.push(skill);
            }
        }
        Ok(found)
    }

    async fn fetch(
        &self,
        skill: &SourceSkill,
        version: &SourceVersion,
    ) -> Result<Vec<u8>, LookupError> {
        self.download(&skill.id, &version.version)
            .await
            .map_err(|e| e.to_lookup_error())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_type_wins_over_the_status() {
        let body = |kind: &str| format!(r#"{{"error": {{"type": "{kind}", "message": "m"}}}}"#);
        assert_eq!(
            read_envelope(body("VersionNotFoundError").as_bytes()).0,
            Some(ErrorType::VersionNotFound)
        );
        assert_eq!(
            read_envelope(body("ConflictError").as_bytes()).0,
            Some(ErrorType::Conflict)
        );
        // A type of a newer registry keeps its message; the status decides the type.
        let (kind, message, _) = read_envelope(body("SomethingNewError").as_bytes());
        assert_eq!((kind, message.as_deref()), (None, Some("m")));
        assert_eq!(read_envelope(b"<html>bad gateway</html>").0, None);
    }

    /// A server answering each connection with the next canned response; counts requests.
    fn scripted(
        responses: Vec<String>,
    ) -> (String, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
        use std::io::Write as _;
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let count = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let seen = std::sync::Arc::clone(&count);
        std::thread::spawn(move || {
            for (stream, response) in listener.incoming().zip(responses) {
                let Ok(mut stream) = stream else { continue };
                let mut reader = std::io::BufReader::new(stream.try_clone().unwrap());
                skillreg_testkit::http::read_request(&mut reader);
                seen.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                let _ = stream.write_all(response.as_bytes());
            }
        });
        (url, count)
    }

    fn answer(status: &str, headers: &str, body: &str) -> String {
        format!(
            "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n{headers}\r\n{body}",
            body.len()
        )
    }

    fn quick() -> ClientOptions {
        ClientOptions {
            retry: RetryPolicy {
                attempts: 3,
                backoff: Duration::from_millis(10),
                max_retry_after: Duration::from_secs(2),
            },
            ..ClientOptions::default()
        }
    }

    #[tokio::test]
    async fn reads_are_retried_after_a_short_429_and_a_5xx() {
        let ok = answer(
            "200 OK",
            "",
            r#"{"skills": [], "total": 0, "total_exact": true, "next_cursor": null}"#,
        );
        let (url, count) = scripted(vec![
            answer("429 Too Many Requests", "Retry-After: 1\r\n", "{}"),
            answer("503 Service Unavailable", "", "{}"),
            ok,
        ]);
        let client = RegistryClient::new(&url, quick()).unwrap();
        let page = client.search(&SearchParams::default()).await.unwrap();
        assert_eq!(page.total, 0);
        assert_eq!(count.load(std::sync::atomic::Ordering::SeqCst), 3);
    }

    #[tokio::test]
    async fn writes_are_sent_once_and_long_waits_are_not_waited() {
        let envelope =
            r#"{"error": {"type": "InternalError", "message": "try later", "details": {}}}"#;
        let (url, count) = scripted(vec![answer("503 Service Unavailable", "", envelope); 3]);
        let client = RegistryClient::new(&url, quick()).unwrap();
        let namespace = "acme".parse().unwrap();
        let error = client
            .publish(&namespace, None, vec![1, 2, 3], &[])
            .await
            .unwrap_err();
        assert_eq!(error.api().unwrap().kind, ErrorType::Internal);
        assert_eq!(error.to_string(), "try later");
        assert_eq!(
            count.load(std::sync::atomic::Ordering::SeqCst),
            1,
            "a publish is never retried"
        );

        let (url, count) = scripted(vec![
            answer(
                "429 Too Many Requests",
                "Retry-After: 600\r\n",
                "{}"
            );
            3
        ]);
        let client = RegistryClient::new(&url, quick()).unwrap();
        let error = client.search(&SearchParams::default()).await.unwrap_err();
        assert_eq!(error.api().unwrap().retry_after, Some(600));
        assert!(error.hint().unwrap().contains("600"));
        assert_eq!(
            count.load(std::sync::atomic::Ordering::SeqCst),
            1,
            "a long Retry-After fails at once"
        );
    }

    #[tokio::test]
    async fn an_unreachable_registry_is_unreachable_not_missing() {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let client = RegistryClient::new(&format!("http://127.0.0.1:{port}"), quick()).unwrap();
        let error = client
            .find(&"acme/pdf".parse().unwrap(), &VersionReq::Latest)
            .await
            .unwrap_err();
        assert!(matches!(error, LookupError::Unreachable(_)), "{error}");
        assert!(RegistryClient::new("ftp://x", quick()).is_err());
    }

    #[test]
    fn segments_escape_what_paths_cannot_carry() {
        assert_eq!(segment("acme/pdf"), "acme/pdf");
        assert_eq!(segment("1.0.0+build.1"), "1.0.0%2Bbuild.1");
        assert_eq!(segment("a b"), "a%20b");
    }
}
