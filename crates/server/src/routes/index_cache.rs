//! Discovery indexes and marketplaces as anonymous readers get them, kept between requests:
//! built once, gzip-compressed once, served from memory. A kept document is checked at most
//! every [`CHECK_EVERY`] against the event outbox (a publish, a yank or a change of verdict
//! is an event) and rebuilt when something happened, so it is fresh within
//! [`CHECK_EVERY`] of such a change; changes that make no event (a deprecation, a
//! namespace's visibility) reach it within [`REBUILD_EVERY`]. Age is read on the registry's
//! clock, so the tests hold the cache to both bounds by moving a manual clock.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use sha2::{Digest as _, Sha256};
use skillreg_core::usecases::{Registry, RegistryError};

/// How often a kept document asks whether something happened: the longest an event's
/// change waits to show.
pub const CHECK_EVERY: Duration = Duration::from_millis(250);

/// How long a kept document lives however quiet the outbox is: the longest a change that
/// makes no event waits to show.
pub const REBUILD_EVERY: Duration = Duration::from_secs(30);

/// Documents kept (the registry's indexes, and each namespace's indexes and marketplace).
const KEPT_DOCUMENTS: usize = 4096;

/// One kept document.
#[derive(Debug)]
pub(crate) struct Kept {
    body: Bytes,
    gzip: Bytes,
    etag: String,
    extra: super::discovery::Headers,
    /// The outbox's sequence number when it was built.
    sequence: i64,
    /// When it was built and last checked, on the registry's clock (milliseconds).
    built: i64,
    checked: i64,
}

/// The kept documents, by path.
#[derive(Debug, Default)]
pub(crate) struct IndexCache {
    kept: tokio::sync::Mutex<BTreeMap<String, Arc<Kept>>>,
}

/// Whether `since` is less than `bound` before `now` (milliseconds; a clock set back
/// counts as no time passed).
fn within(now: i64, since: i64, bound: Duration) -> bool {
    u128::from(now.saturating_sub(since).max(0).unsigned_abs()) < bound.as_millis()
}

impl IndexCache {
    /// The document kept under `key` (a path, with the origin when the document names it),
    /// for an anonymous reader: kept, or made now by `build`.
    pub(crate) async fn document<F, Fut>(
        &self,
        registry: &Registry,
        key: String,
        build: F,
    ) -> Result<Arc<Kept>, RegistryError>
    where
        F: FnOnce() -> Fut,
        Fut: std::future::Future<
                Output = Result<(Vec<u8>, super::discovery::Headers), RegistryError>,
            >,
    {
        // One builder at a time: readers arriving meanwhile wait for its document.
        let mut kept = self.kept.lock().await;
        let at = registry.now().unix_millis();
        if let Some(found) = kept.get(&key) {
            if within(at, found.checked, CHECK_EVERY) {
                return Ok(Arc::clone(found));
            }
            let sequence = found.sequence;
            let newest = registry.last_event().await?;
            if newest == sequence && within(at, found.built, REBUILD_EVERY) {
                let fresh = Arc::new(Kept {
                    body: found.body.clone(),
                    gzip: found.gzip.clone(),
                    etag: found.etag.clone(),
                    extra: found.extra.clone(),
                    sequence,
                    built: found.built,
                    checked: at,
                });
                kept.insert(key, Arc::clone(&fresh));
                return Ok(fresh);
            }
        }
        // Read the outbox's position first: an event after it makes the next look rebuild.
        let sequence = registry.last_event().await?;
        let (body, extra) = build().await?;
        let digest = Sha256::digest(&body);
        let etag: String = digest[..12].iter().map(|b| format!("{b:02x}")).collect();
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::new(6));
        let gzip = encoder
            .write_all(&body)
            .and_then(|()| encoder.finish())
            .unwrap_or_default();
        let fresh = Arc::new(Kept {
            body: Bytes::from(body),
            gzip: Bytes::from(gzip),
            etag,
            extra,
            sequence,
            built: at,
            checked: at,
        });
        if kept.len() >= KEPT_DOCUMENTS {
            kept.pop_first();
        }
        kept.insert(key, Arc::clone(&fresh));
        Ok(fresh)
    }
}

impl Kept {
    /// The answer: gzip for a client that takes it, a 304 for one that has it.
    pub(crate) fn respond(&self, request: &HeaderMap) -> Response {
        let gzip = request
            .get(header::ACCEPT_ENCODING)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.split(',').any(|e| e.trim().starts_with("gzip")));
        let etag = if gzip {
            format!("\"{}-gz\"", self.etag)
        } else {
            format!("\"{}\"", self.etag)
        };
        let fresh = request
            .get(header::IF_NONE_MATCH)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|sent| sent.split(',').any(|tag| tag.trim() == etag));
        let mut response = if fresh {
            StatusCode::NOT_MODIFIED.into_response()
        } else if gzip {
            self.gzip.clone().into_response()
        } else {
            self.body.clone().into_response()
        };
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
        headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
        headers.insert(
            header::ACCESS_CONTROL_ALLOW_ORIGIN,
            HeaderValue::from_static("*"),
        );
        if gzip && !fresh {
            headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
        }
        if let Ok(value) = HeaderValue::from_str(&etag) {
            headers.insert(header::ETAG, value);
        }
        for (name, value) in &self.extra {
            if let Ok(value) = HeaderValue::from_str(value) {
                headers.insert(*name, value);
            }
        }
        response
    }
}
