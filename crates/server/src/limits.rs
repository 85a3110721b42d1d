//! Rate limits: a token bucket per key (the user for writes, the peer for failed
//! authentication), kept in this process. A replica limits its own traffic; limits are a
//! shield against floods, not an invariant across replicas.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// One limit: `burst` requests at once, refilled at `per_minute`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rate {
    /// Requests allowed at once.
    pub burst: u32,
    /// Requests allowed per minute, sustained.
    pub per_minute: u32,
}

/// The server's limits.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LimitsConfig {
    /// Writes (publish, import, rate, yank, tokens, namespaces) per user.
    pub writes: Rate,
    /// Failed authentications per peer.
    pub auth_failures: Rate,
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
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    updated: Instant,
}

/// Buckets for one kind of limit.
#[derive(Debug)]
pub(crate) struct Limiter {
    rate: Rate,
    buckets: Mutex<BTreeMap<String, Bucket>>,
}

/// Most keys kept; beyond it, full buckets are forgotten first.
const MAX_KEYS: usize = 100_000;

impl Limiter {
    pub(crate) fn new(rate: Rate) -> Self {
        Limiter {
            rate,
            buckets: Mutex::new(BTreeMap::new()),
        }
    }

    #[expect(
        clippy::disallowed_methods,
        reason = "rate limiting measures elapsed time in this process"
    )]
    fn now() -> Instant {
        Instant::now()
    }

    fn refill(&self, bucket: &mut Bucket, now: Instant) {
        let elapsed = now.saturating_duration_since(bucket.updated).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * f64::from(self.rate.per_minute) / 60.0)
            .min(f64::from(self.rate.burst));
        bucket.updated = now;
    }

    /// Takes one token for `key`; when none is left, says how long until one is.
    pub(crate) fn take(&self, key: &str) -> Result<(), Duration> {
        let now = Self::now();
        let mut buckets = self
            .buckets
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if buckets.len() >= MAX_KEYS && !buckets.contains_key(key) {
            let burst = f64::from(self.rate.burst);
            buckets.retain(|_, b| b.tokens < burst);
        }
        let bucket = buckets.entry(key.to_owned()).or_insert(Bucket {
            tokens: f64::from(self.rate.burst),
            updated: now,
        });
        self.refill(bucket, now);
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            let per_second = f64::from(self.rate.per_minute.max(1)) / 60.0;
            Err(Duration::from_secs_f64((1.0 - bucket.tokens) / per_second))
        }
    }

    /// Whether `key` has a token left, without taking one.
    pub(crate) fn check(&self, key: &str) -> Result<(), Duration> {
        let now = Self::now();
        let mut buckets = self
            .buckets
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        match buckets.get_mut(key) {
            None => Ok(()),
            Some(bucket) => {
                self.refill(bucket, now);
                if bucket.tokens >= 1.0 {
                    Ok(())
                } else {
                    let per_second = f64::from(self.rate.per_minute.max(1)) / 60.0;
                    Err(Duration::from_secs_f64((1.0 - bucket.tokens) / per_second))
                }
            }
        }
    }
}

/// All the server's limiters.
#[derive(Debug)]
pub(crate) struct Limits {
    pub(crate) writes: Limiter,
    pub(crate) auth_failures: Limiter,
}

impl Limits {
    pub(crate) fn new(config: LimitsConfig) -> Self {
        Limits {
            writes: Limiter::new(config.writes),
            auth_failures: Limiter::new(config.auth_failures),
        }
    }
}

/// Applies the limits to every request: a peer with too many failed authentications is
/// turned away; every write counts against its token (or its peer, without one); a 401
/// counts against the peer.
pub(crate) async fn enforce(
    axum::extract::State(state): axum::extract::State<std::sync::Arc<crate::AppState>>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::response::IntoResponse as _;
    let peer = request
        .extensions()
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map_or_else(|| "unknown-peer".to_owned(), |info| info.0.ip().to_string());
    if let Err(wait) = state.limits.auth_failures.check(&peer) {
        return crate::ApiError::rate_limited("failed authentications", wait).into_response();
    }
    let method = request.method();
    if method != axum::http::Method::GET && method != axum::http::Method::HEAD {
        let key = crate::auth::presented_token(request.headers()).map_or_else(
            || peer.clone(),
            |token| skillreg_core::Digest::of(token.as_bytes()).hex(),
        );
        if let Err(wait) = state.limits.writes.take(&key) {
            return crate::ApiError::rate_limited("writes", wait).into_response();
        }
    }
    let response = next.run(request).await;
    if response.status() == axum::http::StatusCode::UNAUTHORIZED {
        // Only counting: the next request is the one refused.
        let _counted = state.limits.auth_failures.take(&peer);
    }
    response
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
        assert!(limiter.take("a").is_ok());
        assert!(limiter.take("a").is_ok());
        let wait = limiter.take("a").unwrap_err();
        assert!(
            wait <= Duration::from_secs(1) && wait > Duration::ZERO,
            "{wait:?}"
        );
        assert!(limiter.take("b").is_ok(), "keys are separate");
        assert!(limiter.check("a").is_err());
        assert!(limiter.check("unknown").is_ok());
    }
}
