//! The event feed: one reader of the event outbox per server replica, fanned out to every
//! event stream open on that replica. However many streams are open, the replica reads the
//! outbox once per [`POLL`]; a stream reads the store itself only to catch up (from its
//! `Last-Event-ID`, after falling more than [`BACKLOG`] batches behind, or across a gap the
//! feed did not carry), and filters each batch down to what its reader may see.
//!
//! The feed runs while at least one stream listens: the first stream starts it, and it stops
//! at the first [`RECHECK`] with no stream left.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use skillreg_core::model::EventRecord;
use skillreg_core::usecases::Registry;
use tokio::sync::broadcast;

/// How often the feed reads the outbox: the longest an event waits before its streams see
/// it (when the store answers).
pub(crate) const POLL: Duration = Duration::from_millis(500);
/// How often the feed wakes every stream when no event comes, so each checks its token
/// again: a revoked token's stream ends within this.
pub(crate) const RECHECK: Duration = Duration::from_secs(5);
/// Events read from the outbox at once.
pub(crate) const BATCH: u32 = 100;
/// Batches the feed keeps for a slow stream; one further behind catches up from the store.
pub(crate) const BACKLOG: usize = 64;

/// What the feed hands its streams: the events after sequence number `from`, in order
/// (none on a tick, when nothing new came for [`RECHECK`]).
#[derive(Debug, Clone)]
pub(crate) struct News {
    /// The feed's position before these events. A stream that has read up to `from` (or
    /// further) misses nothing by taking `events`; one behind it catches up first.
    pub(crate) from: i64,
    /// The events, in order; empty on a tick.
    pub(crate) events: Arc<[EventRecord]>,
}

/// The replica's one reader of the outbox.
#[derive(Debug, Default)]
pub(crate) struct EventFeed {
    /// The running feed's sender, `None` while no stream listens.
    sender: Mutex<Option<broadcast::Sender<News>>>,
    /// Reads of the outbox that found events, for the metrics and the tests.
    reads: AtomicU64,
    /// Reads of the outbox by streams catching up.
    catch_ups: AtomicU64,
}

impl EventFeed {
    /// A receiver of the feed's news, starting the feed when none runs.
    pub(crate) fn subscribe(self: &Arc<Self>, registry: &Registry) -> broadcast::Receiver<News> {
        let mut slot = self.sender.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(sender) = slot.as_ref() {
            return sender.subscribe();
        }
        let (sender, receiver) = broadcast::channel(BACKLOG);
        *slot = Some(sender.clone());
        tokio::spawn(Arc::clone(self).run(registry.clone(), sender));
        receiver
    }

    /// Reads of the outbox so far by the feed that found events, and by streams catching
    /// up.
    pub(crate) fn reads(&self) -> (u64, u64) {
        (
            self.reads.load(Ordering::Relaxed),
            self.catch_ups.load(Ordering::Relaxed),
        )
    }

    /// Counts a stream's read of the outbox.
    pub(crate) fn caught_up(&self) {
        self.catch_ups.fetch_add(1, Ordering::Relaxed);
    }

    /// Whether the feed should go on: some stream still listens. When none does, the slot
    /// is emptied under its lock, so the next stream starts a new feed.
    fn listened(&self, sender: &broadcast::Sender<News>) -> bool {
        let mut slot = self.sender.lock().unwrap_or_else(PoisonError::into_inner);
        if sender.receiver_count() > 0 {
            return true;
        }
        *slot = None;
        false
    }

    async fn run(self: Arc<Self>, registry: Registry, sender: broadcast::Sender<News>) {
        // The feed starts at the newest event: streams read what came before from the store.
        let mut after = loop {
            match registry.last_event().await {
                Ok(last) => break last,
                Err(error) => {
                    tracing::warn!(%error, "reading the event outbox failed; retrying");
                    tokio::time::sleep(POLL).await;
                    if !self.listened(&sender) {
                        return;
                    }
                }
            }
        };
        let mut since_tick = Duration::ZERO;
        loop {
            match registry.outbox_after(after, BATCH).await {
                Ok(events) if !events.is_empty() => {
                    self.reads.fetch_add(1, Ordering::Relaxed);
                    let from = after;
                    after = events.last().map_or(after, |event| event.sequence);
                    let full = events.len() >= BATCH as usize;
                    let news = News {
                        from,
                        events: events.into(),
                    };
                    if sender.send(news).is_err() && !self.listened(&sender) {
                        return;
                    }
                    if full {
                        continue;
                    }
                }
                Ok(_) => {}
                Err(error) => tracing::warn!(%error, "reading the event outbox failed; retrying"),
            }
            tokio::time::sleep(POLL).await;
            since_tick += POLL;
            if since_tick >= RECHECK {
                since_tick = Duration::ZERO;
                let tick = News {
                    from: after,
                    events: Arc::new([]),
                };
                if sender.send(tick).is_err() && !self.listened(&sender) {
                    return;
                }
            }
        }
    }
}
