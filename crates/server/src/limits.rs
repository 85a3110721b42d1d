//! Rate limits: a token bucket per key (the user for writes, the client for failed sign-ins).
//! Write limits are kept in this process: a replica limits its own traffic, a shield against
//! floods. Failed sign-ins are counted in a [`LimitStore`] every replica shares when one is
//! given (PostgreSQL's, or Redis), so three replicas do not give an attacker guessing tokens
//! three times the attempts; in this process otherwise (the embedded store has one).
//!
//! The guard in front of every route authenticates the request's token once, before any
//! body is read: an unknown token is a failed sign-in at once. A client with too many failed
//! sign-ins gets 429 for its next bad tokens only; anonymous requests and valid tokens from
//! the same address go on (behind a proxy, one address is many people).

use std::hash::BuildHasher;
use std::net::{IpAddr, SocketAddr};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse as _, Response};
use skillreg_core::ports::LimitStore;
pub use skillreg_core::ports::Rate;

use crate::auth::{Authenticated, Presented, authenticate, refused_token};

/// The server's limits.
#[derive(Debug, Clone, PartialEq)]
pub struct LimitsConfig {
    /// Writes (publish, import, rate, yank, tokens, namespaces) per user, whatever token
    /// they use (anonymous writes count per client address).
    pub writes: Rate,
    /// Failed sign-ins (unknown, malformed or revoked tokens) per client address.
    pub auth_failures: Rate,
    /// Peers whose `X-Forwarded-For` header names the client (a reverse proxy in front of
    /// the registry). Others' headers are ignored.
    pub trusted_proxies: Vec<IpAddr>,
}

impl Default for LimitsConfig {
    fn default() -> Self {
        LimitsConfig {
            writes: Rate {
                burst: 60,
                per_minute: 120,
            },
            auth_failures: Rate {
                burst: 10,
                per_minute: 10,
            },
            trusted_proxies: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    updated: Instant,
}

/// Most keys one limiter remembers. A key it forgot starts again with a full bucket, which
/// is what an idle key would have by then anyway.
const MAX_KEYS: usize = 65_536;
/// Shards of the key map, each with its own lock.
const SHARDS: usize = 16;

/// One shard: keys used lately, and the generation before them. When `current` is full it
/// becomes `previous` and the old `previous` is dropped: memory stays bounded and each
/// request does O(1) work (the drop is paid once per `MAX_KEYS / SHARDS / 2` new keys).
#[derive(Debug, Default)]
#[expect(
    clippy::disallowed_types,
    reason = "buckets looked up by key in O(1) on every request; never iterated"
)]
struct Shard {
    current: std::collections::HashMap<String, Bucket>,
    previous: std::collections::HashMap<String, Bucket>,
}

/// Buckets for one kind of limit.
#[derive(Debug)]
pub(crate) struct Limiter {
    rate: Rate,
    hasher: std::collections::hash_map::RandomState,
    shards: Vec<Mutex<Shard>>,
}

impl Limiter {
    pub(crate) fn new(rate: Rate) -> Self {
        Limiter {
            rate,
            hasher: std::collections::hash_map::RandomState::new(),
            shards: (0..SHARDS).map(|_| Mutex::default()).collect(),
        }
    }

    #[expect(
        clippy::disallowed_methods,
        reason = "rate limiting measures elapsed time in this process"
    )]
    fn now() -> Instant {
        Instant::now()
    }

    fn wait(&self, bucket: &Bucket) -> Duration {
        self.rate.wait(bucket.tokens)
    }

    /// Runs `f` on `key`'s bucket, refilled to `now`; a key not seen lately starts full.
    fn with_bucket<T>(&self, key: &str, now: Instant, f: impl FnOnce(&mut Bucket) -> T) -> T {
        let index = usize::try_from(self.hasher.hash_one(key) % SHARDS as u64).unwrap_or(0);
        let mut shard = self.shards[index]
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let shard = &mut *shard;
        let bucket = match shard.current.get_mut(key) {
            Some(bucket) => bucket,
            None => {
                let bucket = shard.previous.remove(key).unwrap_or(Bucket {
                    tokens: f64::from(self.rate.burst),
                    updated: now,
                });
                if shard.current.len() >= MAX_KEYS / SHARDS / 2 {
                    shard.previous = std::mem::take(&mut shard.current);
                }
                shard.current.entry(key.to_owned()).or_insert(bucket)
            }
        };
        let elapsed = now.saturating_duration_since(bucket.updated).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * f64::from(self.rate.per_minute) / 60.0)
            .min(f64::from(self.rate.burst));
        bucket.updated = now;
        f(bucket)
    }

    /// Takes one token for `key`; when none is left, says how long until one is.
    pub(crate) fn take(&self, key: &str) -> Result<(), Duration> {
        self.take_at(key, Self::now())
    }

    /// [`Limiter::take`] at the time `now`.
    fn take_at(&self, key: &str, now: Instant) -> Result<(), Duration> {
        self.with_bucket(key, now, |bucket| {
            if bucket.tokens >= 1.0 {
                bucket.tokens -= 1.0;
                Ok(())
            } else {
                Err(self.wait(bucket))
            }
        })
    }

    /// How many keys are remembered (for tests of the bound).
    #[cfg(test)]
    fn len(&self) -> usize {
        self.shards
            .iter()
            .map(|shard| {
                let shard = shard
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
                shard.current.len() + shard.previous.len()
            })
            .sum()
    }
}

/// A limit kept in a [`LimitStore`] every replica shares, or, without one, in this
/// process.
#[derive(Debug)]
pub(crate) struct SharedLimiter {
    local: Limiter,
    store: Option<(std::sync::Arc<dyn LimitStore>, &'static str)>,
}

impl SharedLimiter {
    /// Takes one token for `key`; when none is left, says how long until one is. When the
    /// shared store does not answer, this process's buckets stand in (and say so in the log).
    pub(crate) async fn take(&self, key: &str) -> Result<(), Duration> {
        let Some((store, kind)) = &self.store else {
            return self.local.take(key);
        };
        match store.take(&format!("{kind}:{key}"), self.local.rate).await {
            Ok(taken) => taken,
            Err(error) => {
                tracing::warn!(%error, "the shared rate limits do not answer; limiting in this process");
                self.local.take(key)
            }
        }
    }
}

/// All the server's limiters.
#[derive(Debug)]
pub(crate) struct Limits {
    pub(crate) writes: Limiter,
    pub(crate) auth_failures: SharedLimiter,
    config: LimitsConfig,
}

impl Limits {
    /// Limits of `config`, failed sign-ins counted in `shared` when given.
    pub(crate) fn new(
        config: LimitsConfig,
        shared: Option<std::sync::Arc<dyn LimitStore>>,
    ) -> Self {
        Limits {
            writes: Limiter::new(config.writes),
            auth_failures: SharedLimiter {
                local: Limiter::new(config.auth_failures),
                store: shared.map(|store| (store, "sign-in")),
            },
            config,
        }
    }

    /// The store failed sign-ins are counted in, when replicas share one.
    pub(crate) fn shared(&self) -> Option<std::sync::Arc<dyn LimitStore>> {
        self.auth_failures
            .store
            .as_ref()
            .map(|(store, _)| std::sync::Arc::clone(store))
    }

    /// The limits' configuration.
    pub(crate) fn config(&self) -> &LimitsConfig {
        &self.config
    }

    /// The trusted proxies.
    pub(crate) fn trusted_proxies(&self) -> &[IpAddr] {
        &self.config.trusted_proxies
    }

    /// The client's address: the peer's, or, when the peer is a trusted proxy, the last
    /// address its forwarding headers name that is not itself a trusted proxy.
    pub(crate) fn client(&self, peer: Option<IpAddr>, headers: &HeaderMap) -> Option<IpAddr> {
        let peer = peer?;
        let trusted = &self.config.trusted_proxies;
        if !trusted.contains(&peer) {
            return Some(peer);
        }
        let forwarded = forwarded_for(headers);
        Some(
            forwarded
                .into_iter()
                .rev()
                .find(|ip| !trusted.contains(ip))
                .unwrap_or(peer),
        )
    }
}

/// The addresses a request went through, first to last, from `X-Forwarded-For` (the header
/// reverse proxies append to: nginx, HAProxy, Traefik, cloud load balancers); unparseable
/// entries are left out. `Forwarded` is not read: proxies that write `X-Forwarded-For` pass
/// a client's own `Forwarded` through untouched, so it would let a client pick its address.
fn forwarded_for(headers: &HeaderMap) -> Vec<IpAddr> {
    let parse = |text: &str| -> Option<IpAddr> {
        let text = text.trim();
        text.parse::<IpAddr>()
            .ok()
            .or_else(|| text.parse::<SocketAddr>().ok().map(|address| address.ip()))
    };
    headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(parse)
        .collect()
}

/// In front of every route: authenticates the token (once, before any body is read), turns
/// a bad one away (401, or 429 once the client has failed too often), counts every write
/// against its user (or, anonymous, its client address), and puts every error response in
/// the envelope.
pub(crate) async fn guard(
    state: State<std::sync::Arc<crate::AppState>>,
    request: Request,
    next: Next,
) -> Response {
    // The ClawHub protocol answers errors in plain text, as its CLI reads them.
    if crate::routes::clawhub::is_clawhub(request.uri().path()) {
        let response = checked(state, request, next).await;
        return crate::routes::clawhub::plain_errors(response).await;
    }
    checked(state, request, next).await
}

async fn checked(
    State(state): State<std::sync::Arc<crate::AppState>>,
    mut request: Request,
    next: Next,
) -> Response {
    // A `/` inside a segment would become a path separator once the route decodes it,
    // reaching sub-resources the path does not name.
    let raw_path = request.uri().path();
    if raw_path.contains("%2f") || raw_path.contains("%2F") {
        return crate::ApiError::new(
            crate::ErrorType::Validation,
            "a path may not hold an encoded `/` (%2F); write the segments out",
        )
        .into_response();
    }
    // The client's address as text, made only when a limit needs it (an anonymous read,
    // the common request, needs none).
    let client = |request: &Request| {
        let peer = request
            .extensions()
            .get::<ConnectInfo<SocketAddr>>()
            .map(|info| info.0.ip());
        state
            .limits
            .client(peer, request.headers())
            .map_or_else(|| "unknown".to_owned(), |ip| ip.to_string())
    };
    let is_write = request.method() != Method::GET && request.method() != Method::HEAD;
    let page = crate::web::is_page(request.uri().path());
    // The pages read a session cookie (the API never does); one no longer live makes an
    // anonymous visit and is cleared.
    let mut stale_session = false;
    let session = (page && crate::auth::presented_token(request.headers()).is_none())
        .then(|| crate::web::session_secret(request.headers()))
        .flatten();
    let writer = if let Some(secret) = session {
        match crate::web::session_actor(&state.registry, &secret).await {
            Err(error) => return error.into_response(),
            Ok(Some(actor)) => {
                let key = is_write.then(|| format!("user:{}", actor.user()));
                request
                    .extensions_mut()
                    .insert(Authenticated(std::sync::Arc::new(actor)));
                key
            }
            Ok(None) => {
                stale_session = true;
                if let Err(wait) = state.limits.auth_failures.take(&client(&request)).await {
                    return crate::ApiError::rate_limited("failed sign-ins", wait).into_response();
                }
                is_write.then(|| format!("client:{}", client(&request)))
            }
        }
    } else if crate::auth::presented_token(request.headers()).is_none() {
        is_write.then(|| format!("client:{}", client(&request)))
    } else {
        match authenticate(&state.registry, request.headers()).await {
            Err(error) => return error.into_response(),
            Ok(Presented::Refused) => {
                return match state.limits.auth_failures.take(&client(&request)).await {
                    Ok(()) => refused_token().into_response(),
                    Err(wait) => {
                        crate::ApiError::rate_limited("failed sign-ins", wait).into_response()
                    }
                };
            }
            Ok(Presented::Valid(actor)) => {
                let key = is_write.then(|| format!("user:{}", actor.user()));
                request
                    .extensions_mut()
                    .insert(Authenticated(std::sync::Arc::new(actor)));
                key
            }
            Ok(Presented::Anonymous) => is_write.then(|| format!("client:{}", client(&request))),
        }
    };
    if let Some(writer) = writer
        && let Err(wait) = state.limits.writes.take(&writer)
    {
        return crate::ApiError::rate_limited("writes", wait).into_response();
    }
    let oci = request.uri().path().starts_with("/v2");
    let own_errors = oci || crate::routes::clawhub::is_clawhub(request.uri().path());
    // A private registry answers nobody anonymous but its health checks (and, on the
    // pages, the sign-in form and its assets: other pages send a visitor there).
    if state.registry.config().sign_in_required
        && request.extensions().get::<Authenticated>().is_none()
        && !matches!(request.uri().path(), "/healthz" | "/readyz")
    {
        if page {
            return crate::web::sign_in_first(request, next).await;
        }
        return if oci {
            crate::routes::challenge()
        } else {
            crate::ApiError::from(skillreg_core::usecases::RegistryError::from(
                skillreg_core::auth::AccessError::SignInRequired,
            ))
            .into_response()
        };
    }
    let mut response = next.run(request).await;
    if stale_session {
        crate::web::clear_session(response.headers_mut());
    }
    if page {
        return response;
    }
    crate::error::envelope_every_error(response, own_errors).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bucket_allows_its_burst_then_says_when() {
        let limiter = Limiter::new(Rate {
            burst: 2,
            per_minute: 60,
        });
        // Time is given, not read: a slow machine cannot refill the bucket mid-test.
        let t0 = Limiter::now();
        assert!(limiter.take_at("a", t0).is_ok());
        assert!(limiter.take_at("a", t0).is_ok());
        let wait = limiter.take_at("a", t0).unwrap_err();
        assert_eq!(wait, Duration::from_secs(1));
        assert!(limiter.take_at("b", t0).is_ok(), "keys are separate");
        assert!(
            limiter
                .take_at("a", t0 + Duration::from_millis(500))
                .is_err()
        );
        assert!(
            limiter.take_at("a", t0 + Duration::from_secs(1)).is_ok(),
            "one token a second"
        );
        assert!(limiter.take_at("a", t0 + Duration::from_secs(1)).is_err());
    }

    #[test]
    fn the_key_map_stays_bounded_and_keeps_recent_keys() {
        let limiter = Limiter::new(Rate {
            burst: 1,
            per_minute: 1,
        });
        let t0 = Limiter::now();
        assert!(limiter.take_at("kept", t0).is_ok());
        assert!(limiter.take_at("kept", t0).is_err());
        for i in 0..(3 * MAX_KEYS) {
            let _ = limiter.take_at(&format!("random-{i}"), t0);
            if i % 1000 == 0 {
                // A key in use stays remembered however many others pass.
                assert!(limiter.take_at("kept", t0).is_err(), "after {i} keys");
            }
        }
        assert!(limiter.len() <= MAX_KEYS, "{} keys", limiter.len());
    }

    #[test]
    fn forwarding_headers_count_only_from_trusted_proxies() {
        let proxy: IpAddr = "10.0.0.1".parse().unwrap();
        let limits = Limits::new(
            LimitsConfig {
                trusted_proxies: vec![proxy],
                ..LimitsConfig::default()
            },
            None,
        );
        let mut headers = HeaderMap::new();
        headers.insert(
            "x-forwarded-for",
            "203.0.113.9, 198.51.100.7".parse().unwrap(),
        );
        let stranger: IpAddr = "192.0.2.1".parse().unwrap();
        assert_eq!(limits.client(Some(stranger), &headers), Some(stranger));
        assert_eq!(
            limits.client(Some(proxy), &headers),
            Some("198.51.100.7".parse().unwrap()),
            "the last hop the proxy saw"
        );
        let mut spoofed = headers.clone();
        spoofed.insert(
            axum::http::header::FORWARDED,
            "for=192.0.2.60".parse().unwrap(),
        );
        assert_eq!(
            limits.client(Some(proxy), &spoofed),
            Some("198.51.100.7".parse().unwrap()),
            "a client's own Forwarded header is not believed"
        );
        assert_eq!(
            limits.client(Some(proxy), &HeaderMap::new()),
            Some(proxy),
            "no header: the proxy itself"
        );
    }
}
