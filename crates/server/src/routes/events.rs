//! `GET /api/v1/events`: the event outbox as server-sent events (`skill.created`,
//! `skill.updated`, `skill.yanked`, `skill.verdict_changed`, `skill.moved`,
//! `profile.updated`), each with
//! its sequence number as the event id, so a client resumes with `Last-Event-ID` (or `?after=`) without missing one. The stream
//! reads the store, so every replica serves every replica's events.

use std::convert::Infallible;
use std::time::Duration;

use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::sse::{Event, KeepAlive, Sse};
use skillreg_api::{EventBody, EventParams};

use super::Shared;
use crate::auth::Reader;
use crate::error::ApiError;

/// How often the stream looks for new events.
const POLL: Duration = Duration::from_millis(500);

/// The event stream (server-sent events): `skill.created`, `skill.updated`,
/// `skill.yanked`, `skill.verdict_changed` (a rescan or an admin changed a version's audit
/// verdict; its audit says how), `skill.moved` (to another namespace; the event names its new
/// id) and `profile.updated` (a profile was created or its skills
/// changed), each with its sequence number as the event id. Resume with `Last-Event-ID` or
/// `?after=`.
#[utoipa::path(get, path = "/api/v1/events", tag = "events",
    params(EventParams,
           ("last-event-id" = Option<i64>, Header, description = "Resume after this event")),
    responses((status = 200, description = "An endless `text/event-stream`; each event's data is an `EventBody`", body = String, content_type = "text/event-stream")))]
pub(super) async fn events(
    State(state): State<Shared>,
    reader: Reader,
    headers: HeaderMap,
    peer: Option<axum::Extension<axum::extract::ConnectInfo<std::net::SocketAddr>>>,
    params: Result<Query<EventParams>, axum::extract::rejection::QueryRejection>,
) -> Result<Sse<impl futures_core::Stream<Item = Result<Event, Infallible>>>, ApiError> {
    let Query(params) = params.map_err(|e| super::bad_query(&e))?;
    state.registry.admit(reader.actor())?;
    // Streams are long-lived: a few per client address and a bounded number in all, each
    // slot held until its client goes away.
    let client = state
        .limits
        .client(peer.map(|info| info.0.0.ip()), &headers)
        .unwrap_or(std::net::IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED));
    let slots = state.streams.admit(client).ok_or_else(|| {
        crate::ApiError::new(
            crate::ErrorType::RateLimited,
            "too many event streams open; close one, or try again later",
        )
    })?;
    let from_header = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok());
    let start = params.after.or(from_header).unwrap_or(0);
    // A stream outlives the request that opened it: its token is checked again before each
    // read, so a revoked or expired token ends the stream.
    let secret = crate::auth::presented_token(&headers);
    let (sender, receiver) = tokio::sync::mpsc::channel::<Event>(64);
    tokio::spawn(async move {
        let _slots = slots;
        let mut after = start;
        loop {
            if let Some(secret) = &secret
                && !matches!(state.registry.authenticate(secret).await, Ok(Some(_)))
            {
                return;
            }
            match state
                .registry
                .events_after(reader.actor(), after, 100)
                .await
            {
                Ok(batch) => {
                    let empty = batch.read_to == after;
                    after = batch.read_to;
                    for event in batch.visible {
                        let data =
                            serde_json::to_string(&EventBody::from(&event)).unwrap_or_default();
                        let sse = Event::default()
                            .id(event.sequence.to_string())
                            .event(event.kind.as_str())
                            .data(data);
                        if sender.send(sse).await.is_err() {
                            return;
                        }
                    }
                    if !empty {
                        continue;
                    }
                }
                Err(error) => tracing::warn!(%error, "reading events failed; retrying"),
            }
            tokio::select! {
                () = tokio::time::sleep(POLL) => {}
                () = sender.closed() => return,
            }
        }
    });
    let stream = futures_util::stream::unfold(receiver, |mut receiver| async move {
        receiver.recv().await.map(|event| (Ok(event), receiver))
    });
    Ok(Sse::new(stream).keep_alive(KeepAlive::default()))
}
