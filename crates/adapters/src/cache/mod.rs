//! [`CachingStore`]: a layer in front of a [`SkillStore`] that keeps the hot paths of a
//! registry off the database. It serves the five ports it caches, buffers or must see the
//! writes of (catalog, namespaces, credentials, stats, search); [`CachingStore::stores`]
//! puts it in front of those and the store itself behind the other two (events and audit,
//! profiles), which it neither caches nor changes.
//!
//! - **Download counters are buffered** in memory and written in one batch (every second
//!   from [`CachingStore::spawn_flusher`], before any read that depends on them, and on
//!   [`CachingStore::flush`] at shutdown), instead of one write transaction per download. A
//!   crash loses at most the counts of the last interval: counters are statistics.
//! - **Reads are cached** only when this process is the store's one user
//!   ([`CacheMode::Exclusive`], the embedded SQLite default, whose data folder `serve`
//!   locks): skills with their versions (every resolve and download) and search pages.
//!   Every write through this store drops what it may change before it returns, so a
//!   client that saw its write acknowledged reads it back. Namespaces (their visibility
//!   and members) and live tokens are cached the same way, so deciding who may read costs
//!   no query. With several replicas on one
//!   database ([`CacheMode::Shared`]) nothing is cached, since another replica's write
//!   would go unseen.
//!
//! [`CachingBlobs`] keeps recently downloaded small archives in memory. [`Layered`] puts
//! both in front of a store and a blob store, as `serve` runs them.
//!
//! A read that started before a write finished never fills the cache: each entry is put
//! only if no write happened since the read began (a generation number).

mod blobs;
mod kept;
mod layered;

pub use blobs::CachingBlobs;
use kept::{Cached, Changes, SkillEntry};
pub use layered::{BLOB_CACHE_BYTES, Layered};

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use async_trait::async_trait;
use skillreg_core::auth::Visibility;
use skillreg_core::identity::{Namespace, SkillId, SkillName};
use skillreg_core::model::{
    AuditEntry, NamespaceRecord, PublisherKey, RatingRecord, RatingSummary, SearchPage,
    SearchQuery, SkillRecord, SkillUid, Timestamp, TokenId, TokenRecord, TrendingEntry, UserId,
    VersionRecord,
};
use skillreg_core::package::PackageId;
use skillreg_core::ports::{
    AuditWrite, CatalogStore, CredentialStore, DownloadCount, MemberChange, NamespaceStore,
    RestrictedNamespace, SearchStore, SkillStore, StatsStore, StoreError, Stores, VersionCursor,
    VersionWrite, WriteRight,
};
use skillreg_core::{Digest, Version};

/// Whether this process may cache reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CacheMode {
    /// This process is the store's only user: cache reads.
    Exclusive,
    /// Other processes write to the same store: cache nothing, buffer counters only.
    Shared,
}

/// Most skills kept; when full the cache starts over.
const MAX_SKILLS: usize = 16_384;
/// Most search pages kept; when full the cache starts over.
const MAX_SEARCHES: usize = 1_024;
/// Most namespaces, readers' restricted lists and tokens kept, each.
const MAX_ACCESS: usize = 4_096;

#[derive(Debug, Default)]
struct Pending {
    /// Counts by (skill, day).
    counts: BTreeMap<(SkillUid, i64), DownloadCount>,
    /// Skills known to exist (skills are never deleted).
    known: BTreeSet<SkillUid>,
}

/// A caching, counter-buffering layer in front of a [`SkillStore`].
#[derive(Debug)]
pub struct CachingStore {
    inner: Arc<dyn SkillStore>,
    mode: CacheMode,
    cached: Arc<Mutex<Cached>>,
    pending: Arc<Mutex<Pending>>,
    /// One flush at a time; held by the write itself, so a flush whose caller went away
    /// still finishes before the next one (or the one at shutdown) starts.
    flushing: Arc<tokio::sync::Mutex<()>>,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // A poisoned lock only means another thread panicked while holding it; the maps stay
    // consistent (every change is a single insert, remove or clear).
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl CachingStore {
    /// The store's ports: this layer in front of the five it serves, `inner` behind the
    /// others (events and audit, profiles, the log), which it neither caches nor changes.
    pub fn stores(self: &Arc<Self>) -> Stores {
        Stores {
            catalog: self.clone(),
            namespaces: self.clone(),
            credentials: self.clone(),
            stats: self.clone(),
            search: self.clone(),
            events: self.inner.clone(),
            profiles: self.inner.clone(),
            log: self.inner.clone(),
        }
    }

    /// Wraps `inner`.
    pub fn new(inner: Arc<dyn SkillStore>, mode: CacheMode) -> Self {
        CachingStore {
            inner,
            mode,
            cached: Arc::default(),
            pending: Arc::default(),
            flushing: Arc::new(tokio::sync::Mutex::new(())),
        }
    }

    /// Writes the buffered download counts. On failure they stay buffered for the next try.
    /// The write runs in a task of its own: a caller that goes away (a client hanging up
    /// on a search) neither loses the batch nor leaves it half-known.
    ///
    /// # Errors
    /// The store's failure.
    pub async fn flush(&self) -> Result<(), StoreError> {
        let one_at_a_time = Arc::clone(&self.flushing).lock_owned().await;
        let batch: Vec<DownloadCount> = {
            let mut pending = lock(&self.pending);
            std::mem::take(&mut pending.counts).into_values().collect()
        };
        if batch.is_empty() {
            return Ok(());
        }
        let inner = Arc::clone(&self.inner);
        let pending = Arc::clone(&self.pending);
        let cached = Arc::clone(&self.cached);
        let mode = self.mode;
        let write = tokio::spawn(async move {
            let _one_at_a_time = one_at_a_time;
            let result = inner.record_downloads(&batch).await;
            match &result {
                Ok(()) => invalidate(&cached, mode, Changes::Counters),
                Err(_) => {
                    let mut pending = lock(&pending);
                    for entry in batch {
                        add_count(&mut pending.counts, entry);
                    }
                }
            }
            result
        });
        write.await.map_err(|e| {
            StoreError::Unavailable(format!("writing download counters stopped: {e}"))
        })?
    }

    /// Flushes the counters every `every` until the returned task is aborted; failures are
    /// logged and retried on the next tick.
    pub fn spawn_flusher(self: &Arc<Self>, every: Duration) -> tokio::task::JoinHandle<()> {
        let store = Arc::clone(self);
        tokio::spawn(async move {
            let mut ticks = tokio::time::interval(every);
            ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                ticks.tick().await;
                if let Err(error) = store.flush().await {
                    tracing::warn!(%error, "writing download counters failed; retrying");
                }
            }
        })
    }

    /// Writes buffered counts before a read that depends on them. Counters are statistics:
    /// if they cannot be written now, the read goes on (they stay buffered).
    async fn flush_before_read(&self) {
        if let Err(error) = self.flush().await {
            tracing::warn!(%error, "writing download counters failed; reading without them");
        }
    }

    fn invalidate(&self, changes: Changes) {
        invalidate(&self.cached, self.mode, changes);
    }

    /// A guard to hold across a write: the caches it may change are dropped when the guard
    /// goes, after the write or when the write's future is dropped half-way.
    fn invalidate_after(&self, changes: Changes) -> InvalidateOnDrop<'_> {
        InvalidateOnDrop {
            store: self,
            changes,
        }
    }

    /// The value of `key` in the cache `map` picks: the kept one, else `read`'s, kept (if
    /// `worth_keeping` says so) unless a write happened while it was read. In shared mode
    /// every read goes to the store.
    async fn read_through<V: Clone>(
        &self,
        map: fn(&mut Cached) -> &mut BTreeMap<String, V>,
        most: usize,
        key: String,
        worth_keeping: fn(&V) -> bool,
        read: impl std::future::Future<Output = Result<V, StoreError>>,
    ) -> Result<V, StoreError> {
        if self.mode == CacheMode::Shared {
            return read.await;
        }
        let generation = {
            let mut cached = lock(&self.cached);
            if let Some(value) = map(&mut cached).get(&key) {
                return Ok(value.clone());
            }
            cached.generation
        };
        let value = read.await?;
        let mut cached = lock(&self.cached);
        if cached.generation == generation && worth_keeping(&value) {
            let kept = map(&mut cached);
            if kept.len() >= most {
                kept.clear();
            }
            kept.insert(key, value.clone());
        }
        Ok(value)
    }

    fn remember_skill(&self, entry: &SkillEntry) {
        if let Some((skill, _)) = entry {
            lock(&self.pending).known.insert(skill.uid.clone());
        }
    }
}

/// Drops what a write may have changed: search pages always, and what `changes` names.
fn invalidate(cached: &Mutex<Cached>, mode: CacheMode, changes: Changes) {
    if mode == CacheMode::Shared {
        return;
    }
    lock(cached).drop_changed(changes);
}

/// Drops the caches a write may change when it goes out of scope: after the write, and
/// also when the write's future is dropped half-way (a client hanging up, a timeout), since
/// the write may have committed all the same.
struct InvalidateOnDrop<'a> {
    store: &'a CachingStore,
    changes: Changes,
}

impl Drop for InvalidateOnDrop<'_> {
    fn drop(&mut self) {
        self.store.invalidate(self.changes);
    }
}

fn add_count(counts: &mut BTreeMap<(SkillUid, i64), DownloadCount>, entry: DownloadCount) {
    counts
        .entry((entry.skill.clone(), entry.at.day()))
        .and_modify(|existing| {
            existing.count = existing.count.saturating_add(entry.count);
            existing.version = entry.version.clone();
            existing.at = existing.at.max(entry.at);
        })
        .or_insert(entry);
}

#[async_trait]
impl CatalogStore for CachingStore {
    async fn skill(&self, id: &SkillId) -> Result<Option<SkillRecord>, StoreError> {
        self.inner.skill(id).await
    }

    async fn skill_by_uid(&self, uid: &SkillUid) -> Result<Option<SkillRecord>, StoreError> {
        self.inner.skill_by_uid(uid).await
    }

    async fn skills_named(&self, name: &SkillName) -> Result<Vec<SkillRecord>, StoreError> {
        self.inner.skills_named(name).await
    }

    async fn versions(&self, skill: &SkillUid) -> Result<Vec<VersionRecord>, StoreError> {
        self.inner.versions(skill).await
    }

    async fn skill_with_versions(&self, id: &SkillId) -> Result<SkillEntry, StoreError> {
        let read = async {
            let entry = self.inner.skill_with_versions(id).await?;
            self.remember_skill(&entry);
            Ok(entry)
        };
        let key = id.key().to_string();
        self.read_through(|c| &mut c.skills, MAX_SKILLS, key, |_| true, read)
            .await
    }

    async fn versions_with_archive(
        &self,
        archive_digest: &Digest,
        limit: u32,
    ) -> Result<Vec<(SkillRecord, VersionRecord)>, StoreError> {
        self.inner
            .versions_with_archive(archive_digest, limit)
            .await
    }

    async fn version_by_package_id(
        &self,
        package_id: &PackageId,
    ) -> Result<Option<(SkillRecord, VersionRecord)>, StoreError> {
        self.inner.version_by_package_id(package_id).await
    }

    async fn versions_of(
        &self,
        wanted: &[(SkillUid, Version)],
    ) -> Result<Vec<VersionRecord>, StoreError> {
        self.inner.versions_of(wanted).await
    }

    async fn version(
        &self,
        skill: &SkillUid,
        version: &Version,
    ) -> Result<Option<VersionRecord>, StoreError> {
        self.inner.version(skill, version).await
    }

    async fn write_version(&self, write: &VersionWrite) -> Result<u64, StoreError> {
        let _invalidate = self.invalidate_after(Changes::Skills);
        self.inner.write_version(write).await
    }

    async fn set_yanked(
        &self,
        skill: &SkillUid,
        version: &Version,
        yanked: bool,
        audit: &AuditEntry,
        right: &WriteRight,
    ) -> Result<bool, StoreError> {
        let _invalidate = self.invalidate_after(Changes::Skills);
        self.inner
            .set_yanked(skill, version, yanked, audit, right)
            .await
    }

    async fn set_deprecation(
        &self,
        skill: &SkillUid,
        message: Option<&str>,
        audit: &AuditEntry,
        right: &WriteRight,
    ) -> Result<(), StoreError> {
        let _invalidate = self.invalidate_after(Changes::Skills);
        self.inner
            .set_deprecation(skill, message, audit, right)
            .await
    }

    async fn move_skill(
        &self,
        skill: &SkillUid,
        to: &SkillId,
        audit: &AuditEntry,
        right: &WriteRight,
    ) -> Result<(), StoreError> {
        let _invalidate = self.invalidate_after(Changes::Skills);
        self.inner.move_skill(skill, to, audit, right).await
    }

    async fn write_audit(&self, write: &AuditWrite) -> Result<bool, StoreError> {
        let _invalidate = self.invalidate_after(Changes::Skills);
        self.inner.write_audit(write).await
    }

    async fn stale_audits(
        &self,
        stamp: &str,
        after: Option<&VersionCursor>,
        limit: u32,
    ) -> Result<Vec<VersionRecord>, StoreError> {
        self.inner.stale_audits(stamp, after, limit).await
    }
}

#[async_trait]
impl NamespaceStore for CachingStore {
    async fn namespace(
        &self,
        namespace: &Namespace,
    ) -> Result<Option<NamespaceRecord>, StoreError> {
        let key = namespace.key().to_string();
        let read = self.inner.namespace(namespace);
        self.read_through(|c| &mut c.namespaces, MAX_ACCESS, key, |_| true, read)
            .await
    }

    async fn visibility(&self, namespace: &Namespace) -> Result<Option<Visibility>, StoreError> {
        // From a kept record when there is one, without copying it; else as its record.
        if self.mode == CacheMode::Exclusive {
            let key = namespace.key();
            if let Some(kept) = lock(&self.cached).namespaces.get(key.as_str()) {
                return Ok(kept.as_ref().map(|record| record.visibility));
            }
        }
        Ok(self
            .namespace(namespace)
            .await?
            .map(|record| record.visibility))
    }

    async fn create_namespace(
        &self,
        namespace: &Namespace,
        owner: &UserId,
        visibility: Visibility,
        at: Timestamp,
        audit: &AuditEntry,
    ) -> Result<NamespaceRecord, StoreError> {
        let _invalidate = self.invalidate_after(Changes::Namespaces);
        self.inner
            .create_namespace(namespace, owner, visibility, at, audit)
            .await
    }

    async fn set_member(&self, change: &MemberChange) -> Result<(), StoreError> {
        let _invalidate = self.invalidate_after(Changes::Namespaces);
        self.inner.set_member(change).await
    }

    async fn set_visibility(
        &self,
        namespace: &Namespace,
        visibility: Visibility,
        audit: &AuditEntry,
    ) -> Result<(), StoreError> {
        let _invalidate = self.invalidate_after(Changes::Namespaces);
        self.inner
            .set_visibility(namespace, visibility, audit)
            .await
    }

    async fn restricted_namespaces(
        &self,
        user: Option<&UserId>,
    ) -> Result<Vec<RestrictedNamespace>, StoreError> {
        let key = user.map(UserId::as_str).unwrap_or_default().to_owned();
        let read = self.inner.restricted_namespaces(user);
        self.read_through(|c| &mut c.restricted, MAX_ACCESS, key, |_| true, read)
            .await
    }
}

#[async_trait]
impl CredentialStore for CachingStore {
    async fn insert_token(
        &self,
        token: &TokenRecord,
        audit: &AuditEntry,
    ) -> Result<(), StoreError> {
        self.inner.insert_token(token, audit).await
    }

    async fn token(&self, id: &TokenId) -> Result<Option<TokenRecord>, StoreError> {
        self.inner.token(id).await
    }

    async fn token_by_secret(
        &self,
        secret_digest: &Digest,
    ) -> Result<Option<TokenRecord>, StoreError> {
        let key = secret_digest.to_string();
        let read = self.inner.token_by_secret(secret_digest);
        self.read_through(|c| &mut c.tokens, MAX_ACCESS, key, Option::is_some, read)
            .await
    }

    async fn tokens_of(&self, user: &UserId) -> Result<Vec<TokenRecord>, StoreError> {
        self.inner.tokens_of(user).await
    }

    async fn revoke_token(
        &self,
        user: &UserId,
        id: &TokenId,
        at: Timestamp,
        audit: &AuditEntry,
    ) -> Result<bool, StoreError> {
        let _invalidate = self.invalidate_after(Changes::Tokens);
        self.inner.revoke_token(user, id, at, audit).await
    }

    async fn add_publisher_key(
        &self,
        key: &PublisherKey,
        audit: &AuditEntry,
    ) -> Result<(), StoreError> {
        self.inner.add_publisher_key(key, audit).await
    }

    async fn revoke_publisher_key(
        &self,
        key_id: &str,
        at: Timestamp,
        audit: &AuditEntry,
    ) -> Result<bool, StoreError> {
        self.inner.revoke_publisher_key(key_id, at, audit).await
    }

    async fn publisher_key(&self, key_id: &str) -> Result<Option<PublisherKey>, StoreError> {
        self.inner.publisher_key(key_id).await
    }
}

#[async_trait]
impl StatsStore for CachingStore {
    async fn put_rating(&self, skill: &SkillUid, rating: &RatingRecord) -> Result<(), StoreError> {
        let _invalidate = self.invalidate_after(Changes::Counters);
        self.inner.put_rating(skill, rating).await
    }

    async fn ratings(&self, skill: &SkillUid, limit: u32) -> Result<Vec<RatingRecord>, StoreError> {
        self.inner.ratings(skill, limit).await
    }

    async fn rating_summary(&self, skill: &SkillUid) -> Result<RatingSummary, StoreError> {
        self.inner.rating_summary(skill).await
    }

    async fn record_download(
        &self,
        skill: &SkillUid,
        version: &Version,
        at: Timestamp,
    ) -> Result<(), StoreError> {
        let known = lock(&self.pending).known.contains(skill);
        if !known {
            if self.inner.skill_by_uid(skill).await?.is_none() {
                return Err(StoreError::Missing("skill".into()));
            }
            lock(&self.pending).known.insert(skill.clone());
        }
        let entry = DownloadCount {
            skill: skill.clone(),
            version: version.clone(),
            at,
            count: 1,
        };
        add_count(&mut lock(&self.pending).counts, entry);
        Ok(())
    }

    async fn record_downloads(&self, batch: &[DownloadCount]) -> Result<(), StoreError> {
        self.flush().await?;
        let _invalidate = self.invalidate_after(Changes::Counters);
        self.inner.record_downloads(batch).await
    }

    async fn download_count(&self, skill: &SkillUid) -> Result<u64, StoreError> {
        self.flush_before_read().await;
        self.inner.download_count(skill).await
    }

    async fn trending(
        &self,
        since: Timestamp,
        limit: u32,
        hidden: &[Namespace],
    ) -> Result<Vec<TrendingEntry>, StoreError> {
        self.flush_before_read().await;
        self.inner.trending(since, limit, hidden).await
    }
}

#[async_trait]
impl SearchStore for CachingStore {
    async fn search(&self, query: &SearchQuery) -> Result<SearchPage, StoreError> {
        self.flush_before_read().await;
        // Trending counts whole UTC days, so the window's start matters by its day only;
        // keying on the exact time would make every request a miss. The hidden namespaces
        // are part of the key: readers who may see different skills share no page.
        let mut keyed = query.clone();
        keyed.trending_since =
            Timestamp::from_unix_millis(query.trending_since.day().saturating_mul(86_400_000));
        // Pages after the first (read with a cursor) are walks through the whole list
        // (an index being built, a crawler): rarely read twice, so not kept.
        if matches!(query.start, skillreg_core::model::PageStart::Cursor(_)) {
            return self.inner.search(query).await;
        }
        let key = format!("{keyed:?}");
        let read = self.inner.search(query);
        self.read_through(|c| &mut c.searches, MAX_SEARCHES, key, |_| true, read)
            .await
    }
}
