//! Rate limits in a real Redis server (`TEST_REDIS_URL`): the `LimitStore` contract over
//! eight handles, each with its own connection, as replicas would have.

use std::sync::Arc;

use skillreg_adapters::redis::RedisLimits;
use skillreg_core::ports::LimitStore;

use crate::support;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_buckets_are_shared_by_every_replica() {
    // Keys of their own, so runs on one server never share a bucket.
    let prefix = format!("skillreg-test-{}:", uuid_like());
    let mut stores: Vec<Arc<dyn LimitStore>> = Vec::new();
    for _ in 0..8 {
        stores.push(Arc::new(
            RedisLimits::connect(&support::redis_url(), &prefix)
                .await
                .unwrap(),
        ));
    }
    skillreg_testkit::contract::limit_store::buckets_are_shared_and_atomic(stores, "sign-in").await;
}

#[tokio::test]
async fn an_unreachable_server_is_named_without_its_password() {
    let error = RedisLimits::connect("redis://:hunter2@127.0.0.1:1", "x:")
        .await
        .unwrap_err()
        .to_string();
    assert!(error.contains("127.0.0.1:1"), "{error}");
    assert!(!error.contains("hunter2"), "{error}");
    let error = RedisLimits::connect("http://nowhere", "x:")
        .await
        .unwrap_err()
        .to_string();
    assert!(error.contains("not valid"), "{error}");
}

/// A value no other run picks: the time and the process.
#[expect(
    clippy::disallowed_methods,
    reason = "a unique key prefix, not a time the test depends on"
)]
fn uuid_like() -> String {
    format!(
        "{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos())
    )
}
