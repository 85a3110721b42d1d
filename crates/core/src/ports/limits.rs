//! Rate limits kept where every replica sees them: [`LimitStore`].

use std::time::Duration;

use async_trait::async_trait;

use super::StoreError;

/// One limit: `burst` at once, refilled at `per_minute`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate {
    /// Requests allowed at once.
    pub burst: u32,
    /// Requests allowed per minute, sustained.
    pub per_minute: u32,
}

impl Rate {
    /// How long after its last use a bucket is full again: a store MAY forget a bucket idle
    /// for longer (it would start full anyway).
    #[must_use]
    pub fn refill(self) -> Duration {
        Duration::from_secs_f64(f64::from(self.burst) * 60.0 / f64::from(self.per_minute.max(1)))
    }

    /// How long a bucket holding `tokens` (less than one) waits for its next token.
    #[must_use]
    pub fn wait(self, tokens: f64) -> Duration {
        let per_second = f64::from(self.per_minute.max(1)) / 60.0;
        Duration::from_secs_f64(((1.0 - tokens) / per_second).max(0.0))
    }
}

/// Token buckets shared by every server replica, so that N replicas do not give a client N
/// times its limit (failed sign-ins: an attacker guessing tokens).
#[async_trait]
pub trait LimitStore: Send + Sync + std::fmt::Debug {
    /// Takes one token from bucket `key` of `rate`, refilled since its last use at
    /// `rate.per_minute` up to `rate.burst` (a bucket first used starts full); when none is
    /// left, says how long until one is, and takes nothing.
    ///
    /// The read, refill and take MUST be one atomic step across every replica sharing the
    /// store: replicas taking from one bucket at once together take at most what it holds.
    /// Time is the store's own clock, so replicas' clocks need not agree.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`].
    async fn take(&self, key: &str, rate: Rate) -> Result<Result<(), Duration>, StoreError>;
}
