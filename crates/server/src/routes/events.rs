//! `GET /api/v1/events`: the event outbox as server-sent events (`skill.created`,
//! `skill.updated`, `skill.yanked`, `skill.verdict_changed`, `skill.moved`,
//! `profile.updated`), each with
//! its sequence number as the event id, so a client resumes with `Last-Event-ID` (or
//! `?after=`) without missing one. A stream catches up from the store, then takes the
//! replica's one [`crate::feed::EventFeed`], which reads the store too, so every replica
//! serves every replica's events.

use std::convert::Infallible;

use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::sse::{Event, KeepAlive, Sse};
use skillreg_api::{EventBody, EventParams};

use super::Shared;
use crate::auth::Reader;
use crate::error::ApiError;

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
    // Subscribed before catching up, so nothing falls between the store and the feed.
    let mut news = state.feed.subscribe(&state.registry);
    tokio::spawn(async move {
        let _slots = slots;
        let stream = Stream {
            state: &state,
            reader: &reader,
            sender: &sender,
        };
        let mut after = start;
        if !stream.catch_up(&mut after, i64::MAX).await {
            return;
        }
        loop {
            let received = tokio::select! {
                received = news.recv() => received,
                () = sender.closed() => return,
            };
            if let Some(secret) = &secret
                && !matches!(state.registry.authenticate(secret).await, Ok(Some(_)))
            {
                return;
            }
            let news = match received {
                Ok(news) => news,
                // Fell behind the feed's backlog: the store has it all.
                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {
                    if !stream.catch_up(&mut after, i64::MAX).await {
                        return;
                    }
                    continue;
                }
                Err(tokio::sync::broadcast::error::RecvError::Closed) => return,
            };
            if news.from > after && !stream.catch_up(&mut after, news.from).await {
                return;
            }
            if after < news.from {
                // The store did not answer; the next news catches up again.
                continue;
            }
            let fresh: Vec<_> = news
                .events
                .iter()
                .filter(|event| event.sequence > after)
                .cloned()
                .collect();
            match state.registry.visible_events(reader.actor(), fresh).await {
                Ok(visible) => {
                    after = news
                        .events
                        .last()
                        .map_or(after, |event| event.sequence.max(after));
                    if !stream.send(visible).await {
                        return;
                    }
                }
                Err(error) => tracing::warn!(%error, "reading events failed; retrying"),
            }
        }
    });
    let stream = futures_util::stream::unfold(receiver, |mut receiver| async move {
        receiver.recv().await.map(|event| (Ok(event), receiver))
    });
    Ok(Sse::new(stream).keep_alive(KeepAlive::default()))
}

/// One event stream's side of the work.
struct Stream<'a> {
    state: &'a Shared,
    reader: &'a Reader,
    sender: &'a tokio::sync::mpsc::Sender<Event>,
}

impl Stream<'_> {
    /// Sends `events`; false once the client has gone.
    async fn send(&self, events: Vec<skillreg_core::model::EventRecord>) -> bool {
        for event in events {
            let data = serde_json::to_string(&EventBody::from(&event)).unwrap_or_default();
            let sse = Event::default()
                .id(event.sequence.to_string())
                .event(event.kind.as_str())
                .data(data);
            if self.sender.send(sse).await.is_err() {
                return false;
            }
        }
        true
    }

    /// Reads the store from `after` until a read comes back short or has read past `until`,
    /// sending what the reader may see; false once the client has gone. A store failure is
    /// logged and leaves `after` where the read stopped.
    async fn catch_up(&self, after: &mut i64, until: i64) -> bool {
        while *after < until {
            self.state.feed.caught_up();
            match self
                .state
                .registry
                .events_after(self.reader.actor(), *after, crate::feed::BATCH)
                .await
            {
                Ok(batch) => {
                    *after = batch.read_to;
                    if !self.send(batch.visible).await {
                        return false;
                    }
                    if !batch.more {
                        break;
                    }
                }
                Err(error) => {
                    tracing::warn!(%error, "reading events failed; retrying");
                    break;
                }
            }
        }
        !self.sender.is_closed()
    }
}
