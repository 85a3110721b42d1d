//! [`Stores`]: the store's ports as the use cases hold them, each its own object.

use std::sync::Arc;

use async_trait::async_trait;

use super::log::{LogStore, StoredEntry};
use super::profiles::{NewProfile, ProfileEdit, ProfileStore};
use super::store::{
    AuditWrite, CatalogStore, CredentialStore, DownloadCount, EventStore, MemberChange,
    NamespaceStore, RestrictedNamespace, SearchStore, SkillStore, StatsStore, StoreError,
    VersionCursor, VersionWrite, WriteRight,
};
use crate::auth::Visibility;
use crate::digest::Digest;
use crate::identity::{Namespace, SkillId, SkillName};
use crate::model::{
    AuditEntry, EventRecord, NamespaceRecord, PublisherKey, RatingRecord, RatingSummary,
    SearchPage, SearchQuery, SkillRecord, SkillUid, Timestamp, TokenId, TokenRecord, TrendingEntry,
    UserId, VersionRecord,
};
use crate::package::PackageId;
use crate::profile::{ProfileId, ProfileRecord};
use crate::version::Version;

/// The store's ports as the use cases hold them, each its own object: one store behind
/// all eight ([`Stores::from`]), or a layer in front of only the ports it serves (a cache in
/// front of what it caches, the store behind the rest). Put together, they are a store
/// again: each port's calls go to its object.
#[derive(Debug, Clone)]
pub struct Stores {
    /// Skills and versions.
    pub catalog: Arc<dyn CatalogStore>,
    /// Namespaces and members.
    pub namespaces: Arc<dyn NamespaceStore>,
    /// Tokens and publisher keys.
    pub credentials: Arc<dyn CredentialStore>,
    /// Ratings, downloads, trending.
    pub stats: Arc<dyn StatsStore>,
    /// Search.
    pub search: Arc<dyn SearchStore>,
    /// The event outbox and the audit log.
    pub events: Arc<dyn EventStore>,
    /// Agent profiles.
    pub profiles: Arc<dyn ProfileStore>,
    /// The transparency log.
    pub log: Arc<dyn LogStore>,
}

impl From<Arc<dyn SkillStore>> for Stores {
    fn from(store: Arc<dyn SkillStore>) -> Self {
        Stores {
            catalog: store.clone(),
            namespaces: store.clone(),
            credentials: store.clone(),
            stats: store.clone(),
            search: store.clone(),
            events: store.clone(),
            profiles: store.clone(),
            log: store,
        }
    }
}

impl<S: SkillStore + 'static> From<Arc<S>> for Stores {
    fn from(store: Arc<S>) -> Self {
        Stores::from(store as Arc<dyn SkillStore>)
    }
}

#[async_trait]
impl CatalogStore for Stores {
    async fn skill(&self, id: &SkillId) -> Result<Option<SkillRecord>, StoreError> {
        self.catalog.skill(id).await
    }

    async fn skill_by_uid(&self, uid: &SkillUid) -> Result<Option<SkillRecord>, StoreError> {
        self.catalog.skill_by_uid(uid).await
    }

    async fn skills_named(&self, name: &SkillName) -> Result<Vec<SkillRecord>, StoreError> {
        self.catalog.skills_named(name).await
    }

    async fn versions(&self, skill: &SkillUid) -> Result<Vec<VersionRecord>, StoreError> {
        self.catalog.versions(skill).await
    }

    async fn skill_with_versions(
        &self,
        id: &SkillId,
    ) -> Result<Option<(SkillRecord, Vec<VersionRecord>)>, StoreError> {
        self.catalog.skill_with_versions(id).await
    }

    async fn version(
        &self,
        skill: &SkillUid,
        version: &Version,
    ) -> Result<Option<VersionRecord>, StoreError> {
        self.catalog.version(skill, version).await
    }

    async fn versions_of(
        &self,
        wanted: &[(SkillUid, Version)],
    ) -> Result<Vec<VersionRecord>, StoreError> {
        self.catalog.versions_of(wanted).await
    }

    async fn version_by_package_id(
        &self,
        package_id: &PackageId,
    ) -> Result<Option<(SkillRecord, VersionRecord)>, StoreError> {
        self.catalog.version_by_package_id(package_id).await
    }

    async fn versions_with_archive(
        &self,
        archive_digest: &Digest,
        limit: u32,
    ) -> Result<Vec<(SkillRecord, VersionRecord)>, StoreError> {
        self.catalog
            .versions_with_archive(archive_digest, limit)
            .await
    }

    async fn write_version(&self, write: &VersionWrite) -> Result<u64, StoreError> {
        self.catalog.write_version(write).await
    }

    async fn set_yanked(
        &self,
        skill: &SkillUid,
        version: &Version,
        yanked: bool,
        audit: &AuditEntry,
        right: &WriteRight,
    ) -> Result<bool, StoreError> {
        self.catalog
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
        self.catalog
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
        self.catalog.move_skill(skill, to, audit, right).await
    }

    async fn write_audit(&self, write: &AuditWrite) -> Result<bool, StoreError> {
        self.catalog.write_audit(write).await
    }

    async fn stale_audits(
        &self,
        stamp: &str,
        after: Option<&VersionCursor>,
        limit: u32,
    ) -> Result<Vec<VersionRecord>, StoreError> {
        self.catalog.stale_audits(stamp, after, limit).await
    }
}

#[async_trait]
impl NamespaceStore for Stores {
    async fn namespace(
        &self,
        namespace: &Namespace,
    ) -> Result<Option<NamespaceRecord>, StoreError> {
        self.namespaces.namespace(namespace).await
    }

    async fn visibility(&self, namespace: &Namespace) -> Result<Option<Visibility>, StoreError> {
        self.namespaces.visibility(namespace).await
    }

    async fn create_namespace(
        &self,
        namespace: &Namespace,
        owner: &UserId,
        visibility: Visibility,
        at: Timestamp,
        audit: &AuditEntry,
    ) -> Result<NamespaceRecord, StoreError> {
        self.namespaces
            .create_namespace(namespace, owner, visibility, at, audit)
            .await
    }

    async fn set_visibility(
        &self,
        namespace: &Namespace,
        visibility: Visibility,
        audit: &AuditEntry,
    ) -> Result<(), StoreError> {
        self.namespaces
            .set_visibility(namespace, visibility, audit)
            .await
    }

    async fn restricted_namespaces(
        &self,
        user: Option<&UserId>,
    ) -> Result<Vec<RestrictedNamespace>, StoreError> {
        self.namespaces.restricted_namespaces(user).await
    }

    async fn set_member(&self, change: &MemberChange) -> Result<(), StoreError> {
        self.namespaces.set_member(change).await
    }
}

#[async_trait]
impl CredentialStore for Stores {
    async fn insert_token(
        &self,
        token: &TokenRecord,
        audit: &AuditEntry,
    ) -> Result<(), StoreError> {
        self.credentials.insert_token(token, audit).await
    }

    async fn token(&self, id: &TokenId) -> Result<Option<TokenRecord>, StoreError> {
        self.credentials.token(id).await
    }

    async fn token_by_secret(
        &self,
        secret_digest: &Digest,
    ) -> Result<Option<TokenRecord>, StoreError> {
        self.credentials.token_by_secret(secret_digest).await
    }

    async fn tokens_of(&self, user: &UserId) -> Result<Vec<TokenRecord>, StoreError> {
        self.credentials.tokens_of(user).await
    }

    async fn revoke_token(
        &self,
        user: &UserId,
        id: &TokenId,
        at: Timestamp,
        audit: &AuditEntry,
    ) -> Result<bool, StoreError> {
        self.credentials.revoke_token(user, id, at, audit).await
    }

    async fn add_publisher_key(
        &self,
        key: &PublisherKey,
        audit: &AuditEntry,
    ) -> Result<(), StoreError> {
        self.credentials.add_publisher_key(key, audit).await
    }

    async fn revoke_publisher_key(
        &self,
        key_id: &str,
        at: Timestamp,
        audit: &AuditEntry,
    ) -> Result<bool, StoreError> {
        self.credentials
            .revoke_publisher_key(key_id, at, audit)
            .await
    }

    async fn publisher_key(&self, key_id: &str) -> Result<Option<PublisherKey>, StoreError> {
        self.credentials.publisher_key(key_id).await
    }
}

#[async_trait]
impl StatsStore for Stores {
    async fn put_rating(&self, skill: &SkillUid, rating: &RatingRecord) -> Result<(), StoreError> {
        self.stats.put_rating(skill, rating).await
    }

    async fn ratings(&self, skill: &SkillUid, limit: u32) -> Result<Vec<RatingRecord>, StoreError> {
        self.stats.ratings(skill, limit).await
    }

    async fn rating_summary(&self, skill: &SkillUid) -> Result<RatingSummary, StoreError> {
        self.stats.rating_summary(skill).await
    }

    async fn record_download(
        &self,
        skill: &SkillUid,
        version: &Version,
        at: Timestamp,
    ) -> Result<(), StoreError> {
        self.stats.record_download(skill, version, at).await
    }

    async fn record_downloads(&self, batch: &[DownloadCount]) -> Result<(), StoreError> {
        self.stats.record_downloads(batch).await
    }

    async fn download_count(&self, skill: &SkillUid) -> Result<u64, StoreError> {
        self.stats.download_count(skill).await
    }

    async fn trending(
        &self,
        since: Timestamp,
        limit: u32,
        hidden: &[Namespace],
    ) -> Result<Vec<TrendingEntry>, StoreError> {
        self.stats.trending(since, limit, hidden).await
    }
}

#[async_trait]
impl SearchStore for Stores {
    async fn search(&self, query: &SearchQuery) -> Result<SearchPage, StoreError> {
        self.search.search(query).await
    }
}

#[async_trait]
impl EventStore for Stores {
    async fn events_after(&self, after: i64, limit: u32) -> Result<Vec<EventRecord>, StoreError> {
        self.events.events_after(after, limit).await
    }

    async fn last_event(&self) -> Result<i64, StoreError> {
        self.events.last_event().await
    }

    async fn audit_log(&self, limit: u32) -> Result<Vec<AuditEntry>, StoreError> {
        self.events.audit_log(limit).await
    }
}

#[async_trait]
impl ProfileStore for Stores {
    async fn profile(&self, id: &ProfileId) -> Result<Option<ProfileRecord>, StoreError> {
        self.profiles.profile(id).await
    }

    async fn profiles(
        &self,
        namespace: Option<&Namespace>,
        limit: u32,
    ) -> Result<Vec<ProfileRecord>, StoreError> {
        self.profiles.profiles(namespace, limit).await
    }

    async fn create_profile(&self, new: &NewProfile) -> Result<ProfileRecord, StoreError> {
        self.profiles.create_profile(new).await
    }

    async fn change_profile(&self, edit: &ProfileEdit) -> Result<ProfileRecord, StoreError> {
        self.profiles.change_profile(edit).await
    }
}

#[async_trait]
impl LogStore for Stores {
    async fn log_size(&self) -> Result<u64, StoreError> {
        self.log.log_size().await
    }

    async fn log_leaves(&self, from: u64, limit: u32) -> Result<Vec<crate::log::Hash>, StoreError> {
        self.log.log_leaves(from, limit).await
    }

    async fn log_entries(&self, from: u64, limit: u32) -> Result<Vec<StoredEntry>, StoreError> {
        self.log.log_entries(from, limit).await
    }

    async fn keep_cosigned(&self, size: u64, text: &str, note: &str) -> Result<(), StoreError> {
        self.log.keep_cosigned(size, text, note).await
    }

    async fn claim_log_key(&self, key: &str) -> Result<String, StoreError> {
        self.log.claim_log_key(key).await
    }

    async fn cosigned(&self, limit: u32) -> Result<Vec<String>, StoreError> {
        self.log.cosigned(limit).await
    }
}
