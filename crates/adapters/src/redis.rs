//! [`RedisLimits`]: the [`LimitStore`] in Redis, for a replica set given `--redis-url`.
//! Each bucket is a hash (`tokens`, `updated`) refilled and taken from by one Lua script,
//! which Redis runs atomically, on Redis's own clock (`TIME`); a bucket expires once it
//! would be full again, so idle ones leave no key behind.

use std::time::Duration;

use async_trait::async_trait;
use skillreg_core::ports::{LimitStore, Rate, StoreError};

/// Refills bucket `KEYS[1]` (`ARGV`: burst, per minute, seconds to keep it) and takes one
/// token when there is one; answers whether it did and the tokens left, as text (Lua
/// numbers would come back truncated to integers).
const TAKE: &str = r"
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
local burst = tonumber(ARGV[1])
local per_second = tonumber(ARGV[2]) / 60
local state = redis.call('HMGET', KEYS[1], 'tokens', 'updated')
local tokens = tonumber(state[1])
local updated = tonumber(state[2])
if tokens == nil or updated == nil then
  tokens = burst
  updated = now
end
tokens = math.min(burst, tokens + math.max(0, now - updated) * per_second)
local taken = 0
if tokens >= 1 then
  tokens = tokens - 1
  taken = 1
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'updated', tostring(now))
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[3]))
return {taken, tostring(tokens)}
";

/// Token buckets in Redis. Clones share one connection, re-established when it drops.
#[derive(Clone)]
pub struct RedisLimits {
    connection: redis::aio::ConnectionManager,
    script: redis::Script,
    prefix: String,
}

impl std::fmt::Debug for RedisLimits {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisLimits")
            .field("prefix", &self.prefix)
            .finish_non_exhaustive()
    }
}

impl RedisLimits {
    /// Connects to `url` (`redis://host:port/db`, `rediss://` over TLS is not built in);
    /// bucket keys start with `prefix` (`skillreg:` for `serve`).
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] for a bad URL or a server that does not answer; the
    /// message names the server, without a password.
    pub async fn connect(url: &str, prefix: &str) -> Result<Self, StoreError> {
        let client = redis::Client::open(url).map_err(|e| {
            StoreError::Unavailable(format!("the Redis URL is not valid: {:?}", e.kind()))
        })?;
        let shown = client.get_connection_info().addr().to_string();
        // A sign-in waits on this: a server gone gets two tries of two seconds, then the
        // replica's own buckets stand in (see the server's limits).
        let config = redis::aio::ConnectionManagerConfig::new()
            .set_number_of_retries(2)
            .set_connection_timeout(Some(Duration::from_secs(2)))
            .set_response_timeout(Some(Duration::from_secs(2)));
        let connection = redis::aio::ConnectionManager::new_with_config(client, config)
            .await
            .map_err(|e| {
                StoreError::Unavailable(format!("Redis at {shown} does not answer: {:?}", e.kind()))
            })?;
        Ok(RedisLimits {
            connection,
            script: redis::Script::new(TAKE),
            prefix: prefix.to_owned(),
        })
    }
}

#[async_trait]
impl LimitStore for RedisLimits {
    async fn take(&self, key: &str, rate: Rate) -> Result<Result<(), Duration>, StoreError> {
        let keep = rate.refill().as_secs().saturating_add(1);
        let mut connection = self.connection.clone();
        let (taken, tokens): (i64, String) = self
            .script
            .key(format!("{}rate:{key}", self.prefix))
            .arg(rate.burst)
            .arg(rate.per_minute)
            .arg(keep)
            .invoke_async(&mut connection)
            .await
            .map_err(|e| StoreError::Unavailable(format!("Redis: {:?}", e.kind())))?;
        if taken == 1 {
            return Ok(Ok(()));
        }
        let tokens: f64 = tokens.parse().unwrap_or(0.0);
        Ok(Err(rate.wait(tokens)))
    }
}
