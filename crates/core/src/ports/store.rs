//! The registry's store, one port per concern: skills and versions ([`CatalogStore`]),
//! namespaces and members ([`NamespaceStore`]), tokens and keys ([`CredentialStore`]),
//! ratings and downloads ([`StatsStore`]), search ([`SearchStore`]), events and audit
//! ([`EventStore`]), agent profiles ([`ProfileStore`], in `profiles.rs`); [`SkillStore`] is
//! all of them.

use async_trait::async_trait;

use crate::auth::Visibility;
use crate::digest::Digest;
use crate::identity::{Namespace, SkillId, SkillName};
use crate::model::{
    AuditEntry, EventRecord, NamespaceRecord, NewVersion, PublisherKey, RatingRecord,
    RatingSummary, Role, SearchPage, SearchQuery, SkillRecord, SkillUid, Timestamp, TokenId,
    TokenRecord, TrendingEntry, UserId, VersionRecord,
};
use crate::package::PackageId;
use crate::profile::ProfileId;
use crate::version::Version;

pub use super::profiles::ProfileStore;

/// A store's failures, in domain terms. Adapters map their infrastructure errors onto these
/// (a unique-key violation becomes [`StoreError::VersionExists`] or
/// [`StoreError::SkillExists`], never a raw database error).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    /// The right a write relied on ended before the write applied (the user left the
    /// namespace, or lost the role).
    #[error("the right to make this change ended before it applied")]
    RightEnded,
    /// The (skill, version) pair is already stored (build metadata ignored).
    #[error("version {version} of this skill is already stored")]
    VersionExists {
        /// The version.
        version: Version,
        /// The archive digest stored under it.
        existing_archive_digest: Digest,
    },
    /// A skill with the same lookup key exists.
    #[error("skill `{existing}` already exists")]
    SkillExists {
        /// The skill that holds the key.
        existing: SkillId,
    },
    /// The skill a write targeted no longer exists.
    #[error("the skill no longer exists")]
    SkillGone,
    /// The skill a write targeted has another creator than the write expected.
    #[error("the skill changed owner")]
    CreatorChanged {
        /// Its creator now.
        created_by: UserId,
    },
    /// The namespace exists already.
    #[error("namespace `{0}` already exists")]
    NamespaceExists(Namespace),
    /// A profile with the same lookup key exists.
    #[error("profile `{0}` already exists")]
    ProfileExists(ProfileId),
    /// A token or publisher key with the same id or secret exists.
    #[error("{0} already exists")]
    Duplicate(String),
    /// A member change would leave the namespace without an owner.
    #[error("the change would leave namespace `{0}` without an owner")]
    LastOwner(Namespace),
    /// The owner making a member change is no longer an owner.
    #[error("`{user}` is no longer an owner of namespace `{namespace}`")]
    NotAnOwner {
        /// The user.
        user: UserId,
        /// The namespace.
        namespace: Namespace,
    },
    /// The thing to change does not exist (a version to yank, a namespace to join).
    #[error("{0} not found")]
    Missing(String),
    /// A stored value could not be read back (a damaged row). The message is for logs.
    #[error("stored data is damaged: {0}")]
    Corrupt(String),
    /// The store could not be reached or failed. The message is for logs.
    #[error("store unavailable: {0}")]
    Unavailable(String),
}

/// Downloads of one skill on one UTC day, counted together.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DownloadCount {
    /// The skill.
    pub skill: SkillUid,
    /// A version downloaded (the last one seen; counters are kept per skill).
    pub version: Version,
    /// A time on the day the downloads happened.
    pub at: Timestamp,
    /// How many.
    pub count: u64,
}

/// Where a new version goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SkillTarget {
    /// A new skill, created together with its first version.
    New(SkillRecord),
    /// An existing skill, which MUST still exist and still have this creator.
    Existing {
        /// Its stable id.
        uid: SkillUid,
        /// The creator the caller saw.
        expected_creator: UserId,
    },
}

/// A change to a namespace's members (see [`NamespaceStore::set_member`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberChange {
    /// The namespace.
    pub namespace: Namespace,
    /// Whose membership changes.
    pub user: UserId,
    /// Their new role; `None` removes them.
    pub role: Option<Role>,
    /// The owner making the change, who MUST still be an owner when it applies; `None` for
    /// an admin.
    pub by_owner: Option<UserId>,
    /// The audit entry to record with it.
    pub audit: AuditEntry,
}

/// The right a write relies on, checked again inside the write's transaction with the
/// namespace's row locked against member changes: a right ends with the membership it came
/// from, even for a write already under way.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WriteRight {
    /// An admin's write: nothing to check.
    Admin,
    /// `user` must be a member (of any role) of `namespace`: a new skill there.
    Member {
        /// The namespace.
        namespace: Namespace,
        /// The user.
        user: UserId,
    },
    /// `user` must maintain a skill of `namespace` created by `creator`: an owner of the
    /// namespace, or a member who is the creator ([`crate::auth::is_maintainer`]).
    Maintainer {
        /// The namespace.
        namespace: Namespace,
        /// The user.
        user: UserId,
        /// The skill's creator.
        creator: UserId,
    },
}

impl WriteRight {
    /// Whether a user with `role` in the namespace (if any) still has this right.
    pub fn holds(&self, role: Option<Role>) -> bool {
        match self {
            WriteRight::Admin => true,
            WriteRight::Member { .. } => role.is_some(),
            WriteRight::Maintainer { user, creator, .. } => match role {
                Some(Role::Owner) => true,
                Some(Role::Member) => user == creator,
                None => false,
            },
        }
    }

    /// The namespace and user to check, unless nothing is to be checked.
    pub fn subject(&self) -> Option<(&Namespace, &UserId)> {
        match self {
            WriteRight::Admin => None,
            WriteRight::Member { namespace, user }
            | WriteRight::Maintainer {
                namespace, user, ..
            } => Some((namespace, user)),
        }
    }
}

/// One publish or import write: the version, its event and its audit entry, all or nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionWrite {
    /// Where.
    pub target: SkillTarget,
    /// What.
    pub version: NewVersion,
    /// Its Package Registry Standard id (see [`crate::package::package_id`]), kept so the
    /// version can be found by it.
    pub package_id: PackageId,
    /// The event to record with it.
    pub event: crate::model::EventKind,
    /// The audit entry to record with it.
    pub audit: AuditEntry,
    /// The right it relies on, checked in its transaction.
    pub right: WriteRight,
}

/// A change to a version's audit (see [`CatalogStore::write_audit`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditWrite {
    /// The skill.
    pub skill: SkillUid,
    /// The version.
    pub version: Version,
    /// The new audit; its `revision` is the stored one it was made from.
    pub audit: crate::audit::Audited,
    /// Whether to record `skill.verdict_changed` with it.
    pub verdict_changed: bool,
    /// The audit entry to record with it (a person's change; a rescan records none).
    pub entry: Option<AuditEntry>,
    /// When (the event's time).
    pub at: Timestamp,
    /// The right it relies on, checked in its transaction.
    pub right: WriteRight,
}

/// A place in the walk over every version that [`CatalogStore::stale_audits`] makes:
/// versions are ordered by skill uid, then canonical version, both as bytes.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct VersionCursor {
    /// The skill's uid.
    pub skill: SkillUid,
    /// The version, canonical ([`Version::canonical`]).
    pub version: String,
}

impl VersionCursor {
    /// The cursor just after this version.
    pub fn after(record: &VersionRecord) -> Self {
        VersionCursor {
            skill: record.skill.clone(),
            version: record.version().canonical(),
        }
    }
}

impl std::fmt::Display for VersionCursor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.skill, self.version)
    }
}

impl std::str::FromStr for VersionCursor {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let bad = || format!("`{text}` is not a rescan cursor (one comes from a previous page)");
        let (skill, version) = text.split_once('/').ok_or_else(bad)?;
        let version: Version = version.parse().map_err(|_| bad())?;
        Ok(VersionCursor {
            skill: skill.parse().map_err(|_| bad())?,
            version: version.canonical(),
        })
    }
}

/// Skills and their versions: the reads, the publish write, yanks and deprecations.
#[async_trait]
pub trait CatalogStore: Send + Sync + std::fmt::Debug {
    /// The skill whose id has the same lookup key as `id`.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] or [`StoreError::Corrupt`].
    async fn skill(&self, id: &SkillId) -> Result<Option<SkillRecord>, StoreError>;

    /// The skill with this stable id.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] or [`StoreError::Corrupt`].
    async fn skill_by_uid(&self, uid: &SkillUid) -> Result<Option<SkillRecord>, StoreError>;

    /// Every skill, in any namespace, whose name has the same lookup key as `name`, sorted
    /// by id.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] or [`StoreError::Corrupt`].
    async fn skills_named(&self, name: &SkillName) -> Result<Vec<SkillRecord>, StoreError>;

    /// Every version of a skill, yanked ones included, in ascending version order.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] or [`StoreError::Corrupt`].
    async fn versions(&self, skill: &SkillUid) -> Result<Vec<VersionRecord>, StoreError>;

    /// The skill with this id and all its versions (as [`CatalogStore::versions`] orders
    /// them), in one read where the store can: the path of every resolve and download.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] or [`StoreError::Corrupt`].
    async fn skill_with_versions(
        &self,
        id: &SkillId,
    ) -> Result<Option<(SkillRecord, Vec<VersionRecord>)>, StoreError> {
        let Some(skill) = self.skill(id).await? else {
            return Ok(None);
        };
        let versions = self.versions(&skill.uid).await?;
        Ok(Some((skill, versions)))
    }

    /// One version of a skill (build metadata ignored).
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] or [`StoreError::Corrupt`].
    async fn version(
        &self,
        skill: &SkillUid,
        version: &Version,
    ) -> Result<Option<VersionRecord>, StoreError>;

    /// The versions named, each a skill and a version (build metadata ignored), in any
    /// order; names of no stored version are left out. Stores answer it in one read.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] or [`StoreError::Corrupt`].
    async fn versions_of(
        &self,
        wanted: &[(SkillUid, Version)],
    ) -> Result<Vec<VersionRecord>, StoreError>;

    /// The version recorded with this package id, and its skill; when several versions
    /// share the id (the same content released again), the one published last.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] or [`StoreError::Corrupt`].
    async fn version_by_package_id(
        &self,
        package_id: &PackageId,
    ) -> Result<Option<(SkillRecord, VersionRecord)>, StoreError>;

    /// The versions stored with this archive digest and their skills, oldest first, at most
    /// `limit` (the same archive may be published under several versions or namespaces).
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] or [`StoreError::Corrupt`].
    async fn versions_with_archive(
        &self,
        archive_digest: &Digest,
        limit: u32,
    ) -> Result<Vec<(SkillRecord, VersionRecord)>, StoreError>;

    /// Records a version with its event, its audit entry and its transparency log entry
    /// ([`crate::log::LogEntry::published`]) in one transaction: afterwards either all four
    /// are visible or none is. Returns the log entry's index.
    ///
    /// # Errors
    /// - MUST return [`StoreError::VersionExists`] if the (skill, version) pair is stored
    ///   already (whatever its digest: deciding between unchanged and conflict is core's).
    /// - For [`SkillTarget::New`], MUST return [`StoreError::SkillExists`] if a skill with
    ///   the same lookup key exists.
    /// - For [`SkillTarget::Existing`], MUST return [`StoreError::SkillGone`] if the skill no
    ///   longer exists and [`StoreError::CreatorChanged`] if its creator differs; it MUST
    ///   NOT create a skill.
    /// - MUST return [`StoreError::RightEnded`], writing nothing, if `write.right` no longer
    ///   holds in the transaction.
    async fn write_version(&self, write: &VersionWrite) -> Result<u64, StoreError>;

    /// Sets a version's yanked flag, recording `skill.yanked` when it becomes yanked, and an
    /// audit entry and a log entry ([`crate::log::LogEntry::yanked`]) for any change.
    /// Returns whether the flag changed.
    ///
    /// # Errors
    /// MUST return [`StoreError::Missing`] if the version does not exist, and
    /// [`StoreError::RightEnded`], changing nothing, if `right` no longer holds.
    async fn set_yanked(
        &self,
        skill: &SkillUid,
        version: &Version,
        yanked: bool,
        audit: &AuditEntry,
        right: &WriteRight,
    ) -> Result<bool, StoreError>;

    /// Sets or clears a skill's deprecation message, with a log entry
    /// ([`crate::log::LogEntry::deprecated`]) when it changes.
    ///
    /// # Errors
    /// MUST return [`StoreError::Missing`] if the skill does not exist, and
    /// [`StoreError::RightEnded`], changing nothing, if `right` no longer holds.
    async fn set_deprecation(
        &self,
        skill: &SkillUid,
        message: Option<&str>,
        audit: &AuditEntry,
        right: &WriteRight,
    ) -> Result<(), StoreError>;

    /// Moves a skill to the namespace of `to` (its name stays: it is its SKILL.md's): its
    /// id, its search entry and its versions' package ids change, with `audit` and a
    /// `skill.moved` event and a log entry per version ([`crate::log::LogEntry::moved`],
    /// which becomes the version's `log_index`), in one transaction. Its uid, versions,
    /// ratings and counters stay, so whatever is bound to the uid (profiles) follows.
    ///
    /// # Errors
    /// MUST return [`StoreError::SkillExists`] if a skill holds `to`'s lookup key,
    /// [`StoreError::SkillGone`] if the skill does not exist, and
    /// [`StoreError::RightEnded`] if `right` no longer holds; nothing is changed then.
    async fn move_skill(
        &self,
        skill: &SkillUid,
        to: &SkillId,
        audit: &AuditEntry,
        right: &WriteRight,
    ) -> Result<(), StoreError>;

    /// Replaces a version's audit, if its stored revision is still `write.audit.revision`,
    /// with `write.audit` at the next revision, recording `skill.verdict_changed` and the
    /// entry as asked; the skill's search columns follow (its latest version's verdict).
    /// Returns `false`, changing nothing, when the stored revision moved on (read again).
    ///
    /// # Errors
    /// MUST return [`StoreError::Missing`] if the version does not exist, and
    /// [`StoreError::RightEnded`], changing nothing, if `write.right` no longer holds.
    async fn write_audit(&self, write: &AuditWrite) -> Result<bool, StoreError>;

    /// At most `limit` versions, yanked or not, whose audit was not made with `stamp`
    /// ([`crate::audit::Audited::stamp`]; never audited counts as stale), after `after` in
    /// [`VersionCursor`] order.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] or [`StoreError::Corrupt`].
    async fn stale_audits(
        &self,
        stamp: &str,
        after: Option<&VersionCursor>,
        limit: u32,
    ) -> Result<Vec<VersionRecord>, StoreError>;
}

/// A namespace that is not public, as [`NamespaceStore::restricted_namespaces`] lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RestrictedNamespace {
    /// The namespace.
    pub namespace: Namespace,
    /// Who may read it.
    pub visibility: Visibility,
    /// The reader's role in it.
    pub role: Option<Role>,
}

/// Namespaces, their members and their visibility.
#[async_trait]
pub trait NamespaceStore: Send + Sync + std::fmt::Debug {
    /// The namespace with this lookup key, if any.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] or [`StoreError::Corrupt`].
    async fn namespace(&self, namespace: &Namespace)
    -> Result<Option<NamespaceRecord>, StoreError>;

    /// The visibility of the namespace with this lookup key, if it exists: what every read
    /// asks first, so a store may answer it without reading the members.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] or [`StoreError::Corrupt`].
    async fn visibility(&self, namespace: &Namespace) -> Result<Option<Visibility>, StoreError> {
        Ok(self
            .namespace(namespace)
            .await?
            .map(|record| record.visibility))
    }

    /// Creates a namespace with `owner` as its owner and the given visibility, recording
    /// `audit` with it.
    ///
    /// # Errors
    /// MUST return [`StoreError::NamespaceExists`] if one with the same key exists.
    async fn create_namespace(
        &self,
        namespace: &Namespace,
        owner: &UserId,
        visibility: Visibility,
        at: Timestamp,
        audit: &AuditEntry,
    ) -> Result<NamespaceRecord, StoreError>;

    /// Sets who may read a namespace's skills, recording `audit` with the change.
    ///
    /// # Errors
    /// MUST return [`StoreError::Missing`] if the namespace does not exist.
    async fn set_visibility(
        &self,
        namespace: &Namespace,
        visibility: Visibility,
        audit: &AuditEntry,
    ) -> Result<(), StoreError>;

    /// Every namespace that is not public, with its visibility and `user`'s role in it
    /// (none for an anonymous reader), ordered by key: what a reader's searches and lists
    /// are checked against.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] or [`StoreError::Corrupt`].
    async fn restricted_namespaces(
        &self,
        user: Option<&UserId>,
    ) -> Result<Vec<RestrictedNamespace>, StoreError>;

    /// Applies a change to a namespace's members and records its audit entry, in one
    /// transaction that checks, with the namespace's rows locked, that the change still
    /// holds when it applies: concurrent changes MUST NOT leave a namespace without an owner.
    ///
    /// # Errors
    /// MUST return [`StoreError::Missing`] if the namespace does not exist,
    /// [`StoreError::NotAnOwner`] if `by_owner` is no longer an owner, and
    /// [`StoreError::LastOwner`] if the change would leave no owner; nothing is changed then.
    async fn set_member(&self, change: &MemberChange) -> Result<(), StoreError>;
}

/// Tokens and publisher keys.
#[async_trait]
pub trait CredentialStore: Send + Sync + std::fmt::Debug {
    /// Stores a new token and records `audit` with it.
    ///
    /// # Errors
    /// MUST return [`StoreError::Duplicate`] for an id or secret digest that is stored already.
    async fn insert_token(&self, token: &TokenRecord, audit: &AuditEntry)
    -> Result<(), StoreError>;

    /// The token with this id, revoked or not.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] or [`StoreError::Corrupt`].
    async fn token(&self, id: &TokenId) -> Result<Option<TokenRecord>, StoreError>;

    /// The token whose secret has this digest, revoked or not.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] or [`StoreError::Corrupt`].
    async fn token_by_secret(
        &self,
        secret_digest: &Digest,
    ) -> Result<Option<TokenRecord>, StoreError>;

    /// Every token of `user`, oldest first.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] or [`StoreError::Corrupt`].
    async fn tokens_of(&self, user: &UserId) -> Result<Vec<TokenRecord>, StoreError>;

    /// Revokes a token of `user`, recording `audit` when it does. Returns whether a live
    /// token was revoked.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`].
    async fn revoke_token(
        &self,
        user: &UserId,
        id: &TokenId,
        at: Timestamp,
        audit: &AuditEntry,
    ) -> Result<bool, StoreError>;

    /// Registers a publisher's public key (idempotent for the same key and user), recording
    /// `audit` when it is new.
    ///
    /// # Errors
    /// MUST return [`StoreError::Duplicate`] if another user registered the same key id.
    async fn add_publisher_key(
        &self,
        key: &PublisherKey,
        audit: &AuditEntry,
    ) -> Result<(), StoreError>;

    /// Revokes a publisher key, recording `audit` when it does. Returns whether a live key
    /// was revoked.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`].
    async fn revoke_publisher_key(
        &self,
        key_id: &str,
        at: Timestamp,
        audit: &AuditEntry,
    ) -> Result<bool, StoreError>;

    /// The publisher key with this id.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] or [`StoreError::Corrupt`].
    async fn publisher_key(&self, key_id: &str) -> Result<Option<PublisherKey>, StoreError>;
}

/// Ratings, downloads and trending.
#[async_trait]
pub trait StatsStore: Send + Sync + std::fmt::Debug {
    /// Stores a rating, replacing the user's previous rating of the skill: there is at most
    /// one rating per (user, skill), across every replica.
    ///
    /// # Errors
    /// MUST return [`StoreError::Missing`] if the skill does not exist.
    async fn put_rating(&self, skill: &SkillUid, rating: &RatingRecord) -> Result<(), StoreError>;

    /// A skill's ratings, newest first, at most `limit`.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] or [`StoreError::Corrupt`].
    async fn ratings(&self, skill: &SkillUid, limit: u32) -> Result<Vec<RatingRecord>, StoreError>;

    /// Count and sum of a skill's ratings.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`].
    async fn rating_summary(&self, skill: &SkillUid) -> Result<RatingSummary, StoreError>;

    /// Counts one download (install) of a version at `at`.
    ///
    /// # Errors
    /// MUST return [`StoreError::Missing`] if the skill does not exist.
    async fn record_download(
        &self,
        skill: &SkillUid,
        version: &Version,
        at: Timestamp,
    ) -> Result<(), StoreError>;

    /// Counts a batch of downloads (counts buffered in memory and written together) in one
    /// transaction: afterwards all of the batch is counted or none of it. Counts of skills
    /// that do not exist are dropped.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`]; then none of the batch was counted.
    async fn record_downloads(&self, batch: &[DownloadCount]) -> Result<(), StoreError>;

    /// All-time downloads of a skill.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`].
    async fn download_count(&self, skill: &SkillUid) -> Result<u64, StoreError>;

    /// The skills with the most downloads on or after the day of `since` (counters are kept
    /// in UTC day buckets), most first (ties by id key), at most `limit`; skills with none in
    /// the window are left out.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`].
    /// Skills in a namespace of `hidden` are left out.
    async fn trending(
        &self,
        since: Timestamp,
        limit: u32,
        hidden: &[Namespace],
    ) -> Result<Vec<TrendingEntry>, StoreError>;
}

/// Search over the latest version of each skill.
#[async_trait]
pub trait SearchStore: Send + Sync + std::fmt::Debug {
    /// Searches skills. Only skills with at least one non-yanked version are found. Hits
    /// are ordered by [`crate::model::SearchSort`], ties broken by the id's lookup key. The
    /// total is counted up to [`crate::model::MAX_COUNTED_HITS`]; the next cursor is given
    /// whenever more hits follow, counted or not. Paging
    /// with a cursor MUST neither repeat nor skip a skill that existed when the first page
    /// was read, even while new skills are published.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`]; a cursor the store did not make → [`StoreError::Missing`].
    async fn search(&self, query: &SearchQuery) -> Result<SearchPage, StoreError>;
}

/// The event outbox and the audit log.
#[async_trait]
pub trait EventStore: Send + Sync + std::fmt::Debug {
    /// Events with a sequence number greater than `after`, in order, at most `limit`.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`].
    async fn events_after(&self, after: i64, limit: u32) -> Result<Vec<EventRecord>, StoreError>;

    /// The greatest sequence number of any event, 0 when there is none.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`].
    async fn last_event(&self) -> Result<i64, StoreError>;

    /// The newest audit entries, newest first, at most `limit`.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`].
    async fn audit_log(&self, limit: u32) -> Result<Vec<AuditEntry>, StoreError>;
}

/// The registry's records: skills, versions, namespaces, users, tokens, ratings, counters,
/// events and the audit log, agent profiles, one port per concern ([`CatalogStore`],
/// [`NamespaceStore`], [`CredentialStore`], [`StatsStore`], [`SearchStore`], [`EventStore`],
/// [`ProfileStore`]); a store is all of them (every type that implements the seven is a
/// `SkillStore`).
///
/// Every invariant that must hold across server replicas is the store's to enforce with its
/// own constraints and transactions, never with an in-process lock alone.
pub trait SkillStore:
    CatalogStore
    + NamespaceStore
    + CredentialStore
    + StatsStore
    + SearchStore
    + EventStore
    + ProfileStore
    + super::log::LogStore
{
}

impl<T> SkillStore for T where
    T: CatalogStore
        + NamespaceStore
        + CredentialStore
        + StatsStore
        + SearchStore
        + EventStore
        + ProfileStore
        + super::log::LogStore
{
}
