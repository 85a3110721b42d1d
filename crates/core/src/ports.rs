//! The ports: traits `core` owns and adapters implement. Each states its contract as MUST
//! sentences; the contract suites in `skillreg-testkit` check every adapter against them.
//!
//! Ports are used as trait objects (`Arc<dyn SkillStore>`): one registry process picks its
//! adapters at start-up from configuration, so dynamic dispatch keeps the wiring and the
//! server's state free of generic parameters. The cost (one indirect call per port call) is
//! nothing next to the I/O behind it.

use async_trait::async_trait;

use crate::bundle::FileSet;
use crate::conflict::FolderState;
use crate::digest::Digest;
use crate::identity::{Namespace, SkillId, SkillName, SkillRef};
use crate::model::{
    AuditEntry, EventRecord, NamespaceRecord, NewVersion, PublisherKey, RatingRecord,
    RatingSummary, Role, SearchPage, SearchQuery, SkillRecord, SkillUid, Timestamp, TokenId,
    TokenRecord, TrendingEntry, UserId, VersionRecord,
};
use crate::package::PackageId;
use crate::signature::{Signature, SignatureAlgorithm, VerifiedSigner, VersionStatement};
use crate::version::Version;

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

/// A change to a namespace's members (see [`SkillStore::set_member`]).
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

/// The registry's records: skills, versions, namespaces, users, tokens, ratings, counters,
/// events and the audit log.
///
/// Every invariant that must hold across server replicas is the store's to enforce with its
/// own constraints and transactions, never with an in-process lock alone.
#[async_trait]
pub trait SkillStore: Send + Sync + std::fmt::Debug {
    /// The namespace with this lookup key, if any.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] or [`StoreError::Corrupt`].
    async fn namespace(&self, namespace: &Namespace)
    -> Result<Option<NamespaceRecord>, StoreError>;

    /// Creates a namespace with `owner` as its owner, recording `audit` with it.
    ///
    /// # Errors
    /// MUST return [`StoreError::NamespaceExists`] if one with the same key exists.
    async fn create_namespace(
        &self,
        namespace: &Namespace,
        owner: &UserId,
        at: Timestamp,
        audit: &AuditEntry,
    ) -> Result<NamespaceRecord, StoreError>;

    /// Applies a change to a namespace's members and records its audit entry, in one
    /// transaction that checks, with the namespace's rows locked, that the change still
    /// holds when it applies: concurrent changes MUST NOT leave a namespace without an owner.
    ///
    /// # Errors
    /// MUST return [`StoreError::Missing`] if the namespace does not exist,
    /// [`StoreError::NotAnOwner`] if `by_owner` is no longer an owner, and
    /// [`StoreError::LastOwner`] if the change would leave no owner; nothing is changed then.
    async fn set_member(&self, change: &MemberChange) -> Result<(), StoreError>;

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

    /// The skill with this id and all its versions (as [`SkillStore::versions`] orders
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

    /// Records a version with its event and audit entry in one transaction: afterwards either
    /// all three are visible or none is.
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
    async fn write_version(&self, write: &VersionWrite) -> Result<(), StoreError>;

    /// Sets a version's yanked flag, recording `skill.yanked` when it becomes yanked and an
    /// audit entry for any change. Returns whether the flag changed.
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

    /// Sets or clears a skill's deprecation message.
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
    async fn trending(
        &self,
        since: Timestamp,
        limit: u32,
    ) -> Result<Vec<TrendingEntry>, StoreError>;

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

    /// Events with a sequence number greater than `after`, in order, at most `limit`.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`].
    async fn events_after(&self, after: i64, limit: u32) -> Result<Vec<EventRecord>, StoreError>;

    /// The newest audit entries, newest first, at most `limit`.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`].
    async fn audit_log(&self, limit: u32) -> Result<Vec<AuditEntry>, StoreError>;
}

/// A blob store's failures.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BlobError {
    /// The bytes given to `put` do not hash to the digest they were offered under.
    #[error("blob does not match its digest: expected {expected}, got {actual}")]
    DigestMismatch {
        /// The digest asked for.
        expected: Digest,
        /// The digest of the bytes.
        actual: Digest,
    },
    /// A stored blob no longer matches its name.
    #[error("stored blob {0} is corrupted")]
    Corrupt(Digest),
    /// The store failed. The message is for logs.
    #[error("blob store unavailable: {0}")]
    Unavailable(String),
}

/// Whether `put` wrote anything.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PutOutcome {
    /// The blob was written.
    Stored,
    /// A blob with that digest was there already.
    AlreadyPresent,
}

/// Content-addressed storage for archives.
#[async_trait]
pub trait BlobStore: Send + Sync + std::fmt::Debug {
    /// Stores `bytes` under `digest` if nothing is stored there. A reader never sees a
    /// partly written blob.
    ///
    /// # Errors
    /// MUST return [`BlobError::DigestMismatch`] (and store nothing) if `bytes` do not hash
    /// to `digest`.
    async fn put(&self, digest: &Digest, bytes: &[u8]) -> Result<PutOutcome, BlobError>;

    /// The blob stored under `digest`.
    ///
    /// # Errors
    /// MUST return [`BlobError::Corrupt`] rather than serve bytes that do not hash to
    /// `digest`.
    async fn get(&self, digest: &Digest) -> Result<Option<Vec<u8>>, BlobError>;

    /// Whether a blob is stored under `digest`.
    ///
    /// # Errors
    /// [`BlobError::Unavailable`].
    async fn exists(&self, digest: &Digest) -> Result<bool, BlobError>;

    /// Every stored digest, sorted (for garbage collection).
    ///
    /// # Errors
    /// [`BlobError::Unavailable`].
    async fn list(&self) -> Result<Vec<Digest>, BlobError>;

    /// Removes a blob. Returns whether one was there.
    ///
    /// # Errors
    /// [`BlobError::Unavailable`].
    async fn delete(&self, digest: &Digest) -> Result<bool, BlobError>;
}

/// What a source knows of one version of a skill.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceVersion {
    /// The version.
    pub version: Version,
    /// Whether it is yanked.
    pub yanked: bool,
    /// `sha256` of its archive.
    pub archive_digest: Digest,
    /// Its content digest, when the source says.
    pub content_digest: Option<Digest>,
    /// Signatures the source serves for it.
    pub signatures: Vec<Signature>,
}

/// A skill a source offers, with the versions it offers (all, or only those matching the
/// request: a source may narrow, core selects).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceSkill {
    /// The skill's id at the source.
    pub id: SkillId,
    /// A one-line description (remote text: sanitized before display).
    pub description: String,
    /// Versions.
    pub versions: Vec<SourceVersion>,
    /// Where to fetch from, in the source's own terms (a URL, an OCI reference).
    pub location: String,
}

/// A source's failures. Messages may come from a remote and are sanitized before display.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LookupError {
    /// The source could not be reached (connection refused, DNS, timeout).
    #[error("unreachable: {0}")]
    Unreachable(String),
    /// The source refused the credentials.
    #[error("access denied: {0}")]
    Denied(String),
    /// The source asked to slow down.
    #[error("rate limited; retry after {retry_after_secs} s")]
    RateLimited {
        /// Seconds to wait.
        retry_after_secs: u64,
    },
    /// The source answered something it should not have.
    #[error("bad answer: {0}")]
    Protocol(String),
    /// What was listed could not be fetched any more.
    #[error("gone: {0}")]
    Gone(String),
}

/// A place the resolver asks for skills: the local store, a registry, an OCI registry.
#[async_trait]
pub trait SkillLookup: Send + Sync + std::fmt::Debug {
    /// How messages name this source (`local store`, `registry https://…`).
    fn source_name(&self) -> String;

    /// Skills that may match `reference` (the resolver keeps only exact key matches, so a
    /// fuzzy source is fine), each with its versions.
    ///
    /// # Errors
    /// A [`LookupError`]: a failure is never reported as an empty list.
    async fn find(
        &self,
        reference: &SkillRef,
        request: &crate::version::VersionReq,
    ) -> Result<Vec<SourceSkill>, LookupError>;

    /// The archive bytes of one version.
    ///
    /// # Errors
    /// A [`LookupError`].
    async fn fetch(
        &self,
        skill: &SourceSkill,
        version: &SourceVersion,
    ) -> Result<Vec<u8>, LookupError>;
}

/// Why signing failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("signing failed: {0}")]
pub struct SignError(pub String);

/// Makes signatures over version statements.
pub trait Signer: Send + Sync + std::fmt::Debug {
    /// The key id signatures will carry.
    fn key_id(&self) -> String;

    /// Signs a statement.
    ///
    /// # Errors
    /// [`SignError`] when the key cannot be used.
    fn sign(&self, statement: &VersionStatement) -> Result<Signature, SignError>;
}

/// Why a signature was not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    /// The verifier does not know the key.
    #[error("unknown signing key `{0}`")]
    UnknownKey(String),
    /// The verifier does not handle the algorithm.
    #[error("unsupported signature algorithm `{0}`")]
    Unsupported(String),
    /// The signature does not match the statement.
    #[error("signature by `{0}` does not match")]
    Mismatch(String),
}

/// Checks signatures over version statements.
pub trait Verifier: Send + Sync + std::fmt::Debug {
    /// Verifies one signature.
    ///
    /// # Errors
    /// MUST return [`VerifyError::Mismatch`] for any signature that does not cover exactly
    /// this statement.
    fn verify(
        &self,
        statement: &VersionStatement,
        signature: &Signature,
    ) -> Result<VerifiedSigner, VerifyError>;
}

/// Checks signatures with a public key the caller looked up (the registry, which keeps
/// publisher keys in its store), and names keys the way signatures do.
pub trait KeyVerifier: Send + Sync + std::fmt::Debug {
    /// The key id (`<algorithm>:<fingerprint>`) of a raw public key.
    ///
    /// # Errors
    /// [`VerifyError::Unsupported`] for an algorithm it does not handle; a key that is not
    /// a valid key of the algorithm → [`VerifyError::Mismatch`].
    fn key_id(
        &self,
        algorithm: SignatureAlgorithm,
        public_key: &[u8],
    ) -> Result<String, VerifyError>;

    /// Checks that `proof` is a signature of `message` under `public_key` (proof that
    /// whoever registers a key holds its secret half).
    ///
    /// # Errors
    /// MUST return [`VerifyError::Mismatch`] for anything else.
    fn verify_proof(
        &self,
        public_key: &[u8],
        message: &[u8],
        proof: &[u8],
    ) -> Result<(), VerifyError>;

    /// Verifies `signature` over `statement` with `public_key`.
    ///
    /// # Errors
    /// MUST return [`VerifyError::Mismatch`] for any signature that does not cover exactly
    /// this statement under this key.
    fn verify_with(
        &self,
        public_key: &[u8],
        statement: &VersionStatement,
        signature: &Signature,
    ) -> Result<VerifiedSigner, VerifyError>;
}

/// The time.
pub trait Clock: Send + Sync + std::fmt::Debug {
    /// Now.
    fn now(&self) -> Timestamp;
}

/// New ids (adapters use randomness or a sequence; core has neither).
pub trait IdSource: Send + Sync + std::fmt::Debug {
    /// A new, never-used stable skill id.
    fn skill_uid(&self) -> SkillUid;

    /// 32 unpredictable bytes for a token's secret; `None` when there is no source of
    /// randomness (a token is then refused, never made from something guessable).
    fn secret(&self) -> Option<[u8; 32]>;
}

/// An install folder's failures.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InstallError {
    /// Writing failed; the previous state was restored.
    #[error("could not write {folder}: {reason}")]
    Write {
        /// The folder.
        folder: String,
        /// Why.
        reason: String,
    },
    /// Reading the folder's state failed.
    #[error("could not read {folder}: {reason}")]
    Read {
        /// The folder.
        folder: String,
        /// Why.
        reason: String,
    },
}

/// The skill folder of one agent client in one scope (`~/.claude/skills/<name>`), as a
/// path relative to the scope's root.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct InstallFolder {
    /// The client folder, relative to the scope root (`.claude/skills`).
    pub skills_dir: String,
    /// The skill's folder name inside it.
    pub name: SkillName,
}

/// What skillreg writes next to an installed skill to know it manages it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstallMarker {
    /// The skill.
    pub id: SkillId,
    /// The version.
    pub version: Version,
    /// Content digest at install time.
    pub content_digest: Digest,
}

/// One folder's new content, for [`InstallTarget::replace_all`].
#[derive(Debug, Clone, Copy)]
pub struct FolderWrite<'a> {
    /// Where.
    pub folder: &'a InstallFolder,
    /// The files.
    pub files: &'a FileSet,
    /// What skillreg records beside them.
    pub marker: &'a InstallMarker,
}

/// Agent clients' skill folders on disk.
#[async_trait]
pub trait InstallTarget: Send + Sync + std::fmt::Debug {
    /// What is in a folder now.
    ///
    /// # Errors
    /// [`InstallError::Read`].
    async fn inspect(&self, folder: &InstallFolder) -> Result<FolderState, InstallError>;

    /// Replaces the whole content of every folder in `writes` with its files and marker,
    /// as one change: on any failure every folder MUST hold its previous content again, and
    /// nothing is written outside the folders.
    ///
    /// # Errors
    /// [`InstallError::Write`].
    async fn replace_all(&self, writes: &[FolderWrite<'_>]) -> Result<(), InstallError>;

    /// The folders inside `skills_dir` that carry skillreg's marker.
    ///
    /// # Errors
    /// [`InstallError::Read`].
    async fn managed(
        &self,
        skills_dir: &str,
    ) -> Result<Vec<(InstallFolder, InstallMarker)>, InstallError>;

    /// Removes a folder skillreg manages.
    ///
    /// # Errors
    /// [`InstallError::Write`].
    async fn remove(&self, folder: &InstallFolder) -> Result<(), InstallError>;
}
