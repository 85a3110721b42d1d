//! The caching store passes the whole store contract in both modes, and buffers download
//! counters until a flush or a read that needs them.

use skillreg_core::ports::CatalogStore as _;
use skillreg_core::ports::SearchStore as _;
use skillreg_core::ports::StatsStore as _;
use skillreg_core::ports::{SkillStore, Stores};
use std::sync::Arc;

use skillreg_adapters::cache::{CacheMode, CachingStore};
use skillreg_testkit::contract::skill_store::{T0, create_skill, new_version};
use skillreg_testkit::fakes::MemoryStore;

/// A caching layer over a SQLite file in a folder that lives as long as it does, as the
/// store `serve` puts together: the cache in front of what it serves, the file behind the
/// rest.
pub(crate) struct TempCached {
    store: Stores,
    _dir: tempfile::TempDir,
}

impl std::ops::Deref for TempCached {
    type Target = Stores;
    fn deref(&self) -> &Stores {
        &self.store
    }
}

/// A caching layer in front of `inner` (held to flush it), and the store put together with
/// it.
fn cached(inner: Arc<dyn SkillStore>, mode: CacheMode) -> (Arc<CachingStore>, Stores) {
    let cache = Arc::new(CachingStore::new(inner, mode));
    let stores = cache.stores();
    (cache, stores)
}

/// A caching layer in `mode` over a fresh SQLite file.
pub(crate) async fn sqlite(mode: CacheMode) -> TempCached {
    let dir = tempfile::tempdir().unwrap();
    let inner = skillreg_adapters::SqliteStore::open(&dir.path().join("skillreg.db"))
        .await
        .unwrap();
    TempCached {
        store: cached(Arc::new(inner), mode).1,
        _dir: dir,
    }
}

/// As `serve` runs on its embedded default: reads cached.
mod exclusive {
    skillreg_testkit::skill_store_contract!(crate::cache::sqlite(
        skillreg_adapters::cache::CacheMode::Exclusive
    ));
}

/// As `serve` runs on a SQLite database named by URL: nothing cached, counters buffered.
mod shared_sqlite {
    skillreg_testkit::skill_store_contract!(crate::cache::sqlite(
        skillreg_adapters::cache::CacheMode::Shared
    ));
}

/// As `serve` runs on PostgreSQL: nothing cached, counters buffered.
mod shared_postgres {
    skillreg_testkit::skill_store_contract!(async {
        let inner = std::sync::Arc::new(crate::support::postgres().await);
        std::sync::Arc::new(
            crate::cache::cached(inner, skillreg_adapters::cache::CacheMode::Shared).1,
        )
    });
}

/// Over the in-memory reference store.
mod shared {
    skillreg_testkit::skill_store_contract!(async {
        let inner = std::sync::Arc::new(skillreg_testkit::fakes::MemoryStore::new());
        std::sync::Arc::new(
            crate::cache::cached(inner, skillreg_adapters::cache::CacheMode::Shared).1,
        )
    });
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn downloads_are_buffered_until_a_flush_or_a_read_that_needs_them() {
    let inner = Arc::new(MemoryStore::new());
    let (cache, store) = cached(inner.clone(), CacheMode::Exclusive);
    let version = new_version("1.0.0", "files", "pdf tools", &[], T0);
    let skill = create_skill(&store, "acme/pdf", version.clone()).await;
    let at = skillreg_core::model::Timestamp::from_unix_millis(T0);
    for _ in 0..5 {
        store
            .record_download(&skill.uid, &version.version, at)
            .await
            .unwrap();
    }
    assert_eq!(
        inner.download_count(&skill.uid).await.unwrap(),
        0,
        "buffered"
    );
    cache.flush().await.unwrap();
    assert_eq!(inner.download_count(&skill.uid).await.unwrap(), 5);
    store
        .record_download(&skill.uid, &version.version, at)
        .await
        .unwrap();
    // A read of the counters writes what is buffered first.
    assert_eq!(store.download_count(&skill.uid).await.unwrap(), 6);
    assert_eq!(inner.download_count(&skill.uid).await.unwrap(), 6);
    cache.flush().await.unwrap();
    assert_eq!(
        inner.download_count(&skill.uid).await.unwrap(),
        6,
        "nothing twice"
    );
}

/// The counters' staleness bound across replicas is the flush interval: two caching layers
/// over one store (two replicas), on a paused clock moved by hand. A download through one is
/// not in the other's reads until the interval passes, and is once it has.
#[tokio::test(start_paused = true)]
async fn a_replica_sees_another_s_downloads_within_the_flush_interval() {
    let every = std::time::Duration::from_secs(1);
    let inner = Arc::new(MemoryStore::new());
    let (first, through_first) = cached(inner.clone(), CacheMode::Shared);
    let (_second, through_second) = cached(inner.clone(), CacheMode::Shared);
    let flusher = first.spawn_flusher(every);
    let version = new_version("1.0.0", "files", "pdf tools", &[], T0);
    let skill = create_skill(&through_first, "acme/pdf", version.clone()).await;
    // The interval's first tick is at once; let it pass with nothing to write (the
    // in-memory store never waits, so a few turns see it through).
    for _ in 0..100 {
        tokio::task::yield_now().await;
    }
    let at = skillreg_core::model::Timestamp::from_unix_millis(T0);
    through_first
        .record_download(&skill.uid, &version.version, at)
        .await
        .unwrap();
    tokio::time::advance(every / 2).await;
    assert_eq!(
        through_second.download_count(&skill.uid).await.unwrap(),
        0,
        "within the interval the other replica may not see it yet"
    );
    tokio::time::advance(every / 2).await;
    // The flusher's tick is due: give it its turns (the in-memory store never waits).
    for _ in 0..100 {
        tokio::task::yield_now().await;
    }
    assert_eq!(
        through_second.download_count(&skill.uid).await.unwrap(),
        1,
        "after the interval it does"
    );
    flusher.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cached_skill_is_dropped_by_a_write_made_through_the_store() {
    let inner = Arc::new(MemoryStore::new());
    let (_cache, store) = cached(inner.clone(), CacheMode::Exclusive);
    let id: skillreg_core::SkillId = "acme/pdf".parse().unwrap();
    assert!(store.skill_with_versions(&id).await.unwrap().is_none());
    let skill = create_skill(
        &store,
        "acme/pdf",
        new_version("1.0.0", "files", "pdf tools", &[], T0),
    )
    .await;
    let (_, versions) = store.skill_with_versions(&id).await.unwrap().unwrap();
    assert_eq!(versions.len(), 1);
    skillreg_testkit::contract::skill_store::add_version(
        &store,
        &skill,
        new_version("1.1.0", "more files", "pdf tools", &[], T0 + 1),
    )
    .await
    .unwrap();
    let (_, versions) = store.skill_with_versions(&id).await.unwrap().unwrap();
    assert_eq!(versions.len(), 2);
    // A write that bypasses the cache is not seen in exclusive mode: that is what
    // exclusive means, and why `serve` locks the data folder.
    skillreg_testkit::contract::skill_store::add_version(
        inner.as_ref(),
        &skill,
        new_version("1.2.0", "most files", "pdf tools", &[], T0 + 2),
    )
    .await
    .unwrap();
    let (_, versions) = store.skill_with_versions(&id).await.unwrap().unwrap();
    assert_eq!(versions.len(), 2);
    let (_shared, shared) = cached(inner, CacheMode::Shared);
    let (_, versions) = shared.skill_with_versions(&id).await.unwrap().unwrap();
    assert_eq!(versions.len(), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn search_pages_are_cached_across_times_of_one_day_and_dropped_by_writes() {
    use skillreg_core::model::{PageStart, SearchQuery, SearchSort, Timestamp};
    let inner = Arc::new(MemoryStore::new());
    let (_cache, store) = cached(inner.clone(), CacheMode::Exclusive);
    create_skill(
        &store,
        "acme/pdf",
        new_version("1.0.0", "a", "pdf tools", &[], T0),
    )
    .await;
    let query = |ms: i64| SearchQuery {
        text: Some("pdf".into()),
        tags: Vec::new(),
        namespace: None,
        min_rating: None,
        sort: SearchSort::Relevance,
        start: PageStart::Offset(0),
        limit: 20,
        trending_since: Timestamp::from_unix_millis(T0 + ms),
        hidden: Vec::new(),
    };
    assert_eq!(store.search(&query(1)).await.unwrap().hits.len(), 1);
    // Written behind the cache: a later request of the same day is served from the cache.
    create_skill(
        inner.as_ref(),
        "beta/pdf",
        new_version("1.0.0", "b", "pdf tools", &[], T0),
    )
    .await;
    assert_eq!(store.search(&query(2)).await.unwrap().hits.len(), 1);
    // A write through the store drops the page.
    create_skill(
        &store,
        "gamma/pdf",
        new_version("1.0.0", "c", "pdf tools", &[], T0),
    )
    .await;
    assert_eq!(store.search(&query(3)).await.unwrap().hits.len(), 3);
}
