//! Operations: a request id on every request and response (`x-request-id`, kept from the
//! client when it is short and printable), one structured log line per request, and the
//! counters `/metrics` serves in the Prometheus text format.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use axum::extract::{Request, State};
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;

use crate::AppState;

/// Counters since start.
#[derive(Debug, Default)]
pub(crate) struct Metrics {
    next_request: AtomicU64,
    by_class: [AtomicU64; 5],
    duration_micros: AtomicU64,
    in_flight: AtomicU64,
}

impl Metrics {
    /// The Prometheus text exposition, with the reads of the event outbox: the feed's that
    /// found events, and the streams' own as they catch up.
    pub(crate) fn render(&self, (feed_reads, catch_ups): (u64, u64)) -> String {
        let mut out = String::from(
            "# HELP skillreg_http_requests_total Requests answered, by status class.\n\
             # TYPE skillreg_http_requests_total counter\n",
        );
        for (i, counter) in self.by_class.iter().enumerate() {
            out.push_str(&format!(
                "skillreg_http_requests_total{{class=\"{}xx\"}} {}\n",
                i + 1,
                counter.load(Ordering::Relaxed)
            ));
        }
        out.push_str(&format!(
            "# HELP skillreg_http_request_duration_seconds_sum Time spent answering requests.\n\
             # TYPE skillreg_http_request_duration_seconds_sum counter\n\
             skillreg_http_request_duration_seconds_sum {:.6}\n\
             # HELP skillreg_http_requests_in_flight Requests being answered now.\n\
             # TYPE skillreg_http_requests_in_flight gauge\n\
             skillreg_http_requests_in_flight {}\n\
             # HELP skillreg_event_feed_reads_total Reads of the event outbox that found events, one for all of this replica's event streams.\n\
             # TYPE skillreg_event_feed_reads_total counter\n\
             skillreg_event_feed_reads_total {}\n\
             # HELP skillreg_event_catch_up_reads_total Reads of the event outbox by event streams catching up.\n\
             # TYPE skillreg_event_catch_up_reads_total counter\n\
             skillreg_event_catch_up_reads_total {}\n",
            self.duration_micros.load(Ordering::Relaxed) as f64 / 1e6,
            self.in_flight.load(Ordering::Relaxed),
            feed_reads,
            catch_ups,
        ));
        out
    }
}

fn acceptable_id(value: &HeaderValue) -> Option<&str> {
    let text = value.to_str().ok()?;
    (!text.is_empty()
        && text.len() <= 64
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
    .then_some(text)
}

/// Tags, times, logs and counts every request.
pub(crate) async fn observe(
    State(state): State<Arc<AppState>>,
    mut request: Request,
    next: Next,
) -> Response {
    let metrics = &state.metrics;
    let id = request
        .headers()
        .get("x-request-id")
        .and_then(acceptable_id)
        .map_or_else(
            || {
                format!(
                    "req-{}",
                    metrics.next_request.fetch_add(1, Ordering::Relaxed) + 1
                )
            },
            str::to_owned,
        );
    if let Ok(value) = HeaderValue::from_str(&id) {
        request.headers_mut().insert("x-request-id", value);
    }
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    metrics.in_flight.fetch_add(1, Ordering::Relaxed);
    #[expect(
        clippy::disallowed_methods,
        reason = "request timing for logs and metrics"
    )]
    let started = Instant::now();
    let mut response = next.run(request).await;
    let elapsed = started.elapsed();
    metrics.in_flight.fetch_sub(1, Ordering::Relaxed);
    let status = response.status();
    let class = usize::from(status.as_u16() / 100).clamp(1, 5) - 1;
    metrics.by_class[class].fetch_add(1, Ordering::Relaxed);
    metrics.duration_micros.fetch_add(
        u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX),
        Ordering::Relaxed,
    );
    tracing::info!(request_id = %id, %method, path, status = status.as_u16(), micros = elapsed.as_micros() as u64, "request");
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert("x-request-id", value);
    }
    response
}
