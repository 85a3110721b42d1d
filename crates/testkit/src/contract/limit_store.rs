//! The [`LimitStore`] contract: a bucket gives its burst and then says how long to wait,
//! keys are apart, and stores over one shared backing (replicas) take from one bucket, at
//! most what it holds even when they take at once.

use std::sync::Arc;

use skillreg_core::ports::{LimitStore, Rate};

/// One token a minute, after a burst of `burst`: no token comes back while a check runs.
fn slow(burst: u32) -> Rate {
    Rate {
        burst,
        per_minute: 1,
    }
}

/// `stores` are handles on one shared backing, each with its own connection (at least two);
/// the keys it uses start with `prefix`, fresh for each run.
///
/// # Panics
/// When the contract does not hold.
pub async fn buckets_are_shared_and_atomic(stores: Vec<Arc<dyn LimitStore>>, prefix: &str) {
    assert!(stores.len() >= 2, "the check needs two handles");
    let key = format!("{prefix}:one");
    for taken in 0..3 {
        let store = &stores[taken % stores.len()];
        assert_eq!(
            store.take(&key, slow(3)).await.unwrap(),
            Ok(()),
            "token {taken}"
        );
    }
    for store in &stores {
        let wait = store.take(&key, slow(3)).await.unwrap().unwrap_err();
        assert!(
            wait > std::time::Duration::from_secs(50) && wait <= std::time::Duration::from_secs(60),
            "one token a minute: {wait:?}"
        );
    }
    assert_eq!(
        stores[1]
            .take(&format!("{prefix}:other"), slow(3))
            .await
            .unwrap(),
        Ok(()),
        "keys are apart"
    );

    // Every handle takes from one bucket of ten at once, four times each.
    let key = format!("{prefix}:race");
    let barrier = Arc::new(tokio::sync::Barrier::new(stores.len()));
    let tasks: Vec<_> = stores
        .iter()
        .map(|store| {
            let (store, barrier, key) = (Arc::clone(store), Arc::clone(&barrier), key.clone());
            tokio::spawn(async move {
                barrier.wait().await;
                let mut taken = 0;
                for _ in 0..4 {
                    if store.take(&key, slow(10)).await.unwrap().is_ok() {
                        taken += 1;
                    }
                }
                taken
            })
        })
        .collect();
    let mut taken = 0;
    for task in tasks {
        taken += task.await.unwrap();
    }
    assert_eq!(
        taken,
        10.min(4 * stores.len()),
        "together the handles took what the bucket held"
    );
}
