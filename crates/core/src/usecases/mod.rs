//! The use cases: publish, import, search, rate, yank and deprecate, and version
//! resolution inside one registry, over the ports held by a [`Registry`].
//!
//! Authorization happens here, not in handlers: every write takes the [`Actor`] a token
//! stands for.

mod access;
mod admin;
mod audits;
mod clawhub;
mod discovery;
mod import;
mod keys;
mod log;
mod lookup;
mod moves;
mod oci;
mod pages;
mod plugins;
mod profiles;
mod publish;
mod reads;

use std::sync::Arc;

pub use admin::{
    FIRST_ADMIN_TOKEN_ID, IssuedToken, MAX_TOKEN_DAYS, MAX_TOKEN_GRANTS, MAX_TOKEN_NAME_LEN,
    NewToken, TOKEN_PREFIX, is_token_shaped, mint_token,
};
pub use audits::{MAX_AUDIT_NOTE_LEN, MAX_RESCAN_BATCH, Rescan, RescanFailure, VerdictChange};
pub use clawhub::{MAX_MATCHED_VERSIONS, Named, StagedFile, StagedPublish};
pub use discovery::{IndexScope, MAX_INDEXED_SKILLS};
pub use import::{FIRST_IMPORT_VERSION, ImportOutcome, ImportRequest, MAX_RENAME_ATTEMPTS};
pub use log::{InclusionProof, LogRead, MAX_LOG_PAGE};
pub use lookup::StoreLookup;
pub use oci::{OciBlob, OciDocuments};
pub use pages::{SESSION_HOURS, SESSION_TOKEN_NAME, SkillPage, VersionFiles};
pub use plugins::MarketplaceEntry;
pub use profiles::MAX_LISTED_PROFILES;
pub use publish::{BundleInput, PublishOutcome, PublishRequest, Published};
pub use reads::{
    Archive, BrowsePage, BrowseRequest, Download, Events, RECENT_REVIEWS, Reviews, SkillOverview,
};

use crate::auth::{AccessError, Actor, check_change_skill, require_scope};
use crate::bundle::{BundleError, BundleLimits};
use crate::conflict::SkillConflict;
use crate::digest::Digest;
use crate::identity::{Namespace, SkillId};
use crate::manifest::ManifestError;
use crate::model::{
    AuditEntry, FieldError, PageStart, RatingRecord, RatingSummary, SearchPage, SearchQuery,
    SearchSort, SkillRecord, Stars, TokenScope, TrendingEntry, VersionRecord,
};
use crate::ports::{
    BlobError, BlobStore, Clock, IdSource, KeyVerifier, StoreError, Stores, WriteRight,
};
use crate::version::{Candidate, Version, VersionReq, select};

/// The longest deprecation message, in characters: messages are shown beside a skill,
/// never a document of their own.
pub const MAX_MESSAGE_LEN: usize = 1024;

/// Settings of a [`Registry`].
#[derive(Debug, Clone)]
pub struct RegistryConfig {
    /// Bundle limits for uploads.
    pub limits: BundleLimits,
    /// Largest page a search may ask for.
    pub max_page_size: u32,
    /// Page size when none is asked for.
    pub default_page_size: u32,
    /// Days of installs that count for trending.
    pub trending_days: i64,
    /// Longest search text.
    pub max_query_len: usize,
    /// Longest review.
    pub max_review_len: usize,
    /// Longest deprecation message.
    pub max_message_len: usize,
    /// Most results of a trending list.
    pub max_trending: u32,
    /// The visibility of a new namespace when neither its creator nor a namespace above
    /// it says otherwise.
    pub default_visibility: crate::auth::Visibility,
    /// Whether every read needs a token (`serve --private`): nothing is read anonymously.
    pub sign_in_required: bool,
    /// What the audit's findings count as, and which are let through.
    pub audit: crate::audit::Policy,
}

impl Default for RegistryConfig {
    fn default() -> Self {
        RegistryConfig {
            limits: BundleLimits::default(),
            max_page_size: 100,
            default_page_size: 20,
            trending_days: 7,
            max_query_len: 256,
            max_review_len: 4096,
            max_message_len: MAX_MESSAGE_LEN,
            max_trending: 100,
            default_visibility: crate::auth::Visibility::Public,
            sign_in_required: false,
            audit: crate::audit::Policy::default(),
        }
    }
}

/// What the registry's use cases run against.
#[derive(Debug, Clone)]
pub struct Registry {
    stores: Stores,
    blobs: Arc<dyn BlobStore>,
    clock: Arc<dyn Clock>,
    ids: Arc<dyn IdSource>,
    config: RegistryConfig,
    keys: Option<Arc<dyn KeyVerifier>>,
    artifacts: Arc<oci::ArtifactCache>,
    file_sets: Arc<pages::FileSetCache>,
    plugins: Arc<plugins::PluginDigests>,
    log: Arc<log::LogState>,
}

/// The blocking findings in a line: each code at its file and line.
fn describe_blocking(findings: &[crate::audit::Finding]) -> String {
    let blocking: Vec<String> = findings
        .iter()
        .filter(|f| f.severity == crate::audit::Severity::Block)
        .map(|f| format!("{} at {}:{}", f.code, f.path, f.line))
        .collect();
    blocking.join(", ")
}

/// Why a use case failed. Each variant maps onto one envelope type at the HTTP edge.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RegistryError {
    /// The bundle broke a rule.
    #[error(transparent)]
    Bundle(#[from] BundleError),
    /// The SKILL.md broke a rule.
    #[error(transparent)]
    Manifest(#[from] ManifestError),
    /// A field broke a rule.
    #[error(transparent)]
    Field(#[from] FieldError),
    /// Some other input broke a rule.
    #[error("{0}")]
    Invalid(String),
    /// The actor may not do this.
    #[error(transparent)]
    Access(#[from] AccessError),
    /// No such namespace.
    #[error("namespace `{0}` not found")]
    NamespaceNotFound(Namespace),
    /// The namespace exists already.
    #[error("namespace `{0}` already exists")]
    NamespaceTaken(Namespace),
    /// No such skill.
    #[error("skill `{0}` not found")]
    SkillNotFound(SkillId),
    /// A skill holds the id a move would give (`namespace/name`).
    #[error("skill `{0}` already exists")]
    SkillTaken(SkillId),
    /// No such profile.
    #[error("profile `{0}` not found")]
    ProfileNotFound(crate::profile::ProfileId),
    /// The profile exists already.
    #[error("profile `{0}` already exists")]
    ProfileTaken(crate::profile::ProfileId),
    /// The profile does not hold the skill.
    #[error("profile `{profile}` does not hold `{skill}`")]
    NotInProfile {
        /// The profile.
        profile: crate::profile::ProfileId,
        /// The skill.
        skill: SkillId,
    },
    /// The skill has no version matching the request.
    #[error("skill `{id}` has no version matching `{request}`")]
    VersionNotFound {
        /// The skill.
        id: SkillId,
        /// The request.
        request: VersionReq,
    },
    /// The version exists with other content (versions are immutable).
    #[error(
        "version {version} of `{id}` already exists with other content ({existing_archive_digest})"
    )]
    VersionConflict {
        /// The skill.
        id: SkillId,
        /// The version.
        version: Version,
        /// What is stored.
        existing_archive_digest: Digest,
    },
    /// A skill holds the name (publish into a name another skill folds to).
    #[error("the name is taken by `{}`", .0.existing_skill_id)]
    NameTaken(SkillConflict),
    /// The audit found what the registry's policy refuses.
    #[error("the audit refused {id} {version}: {}", describe_blocking(findings))]
    AuditBlocked {
        /// The skill.
        id: SkillId,
        /// The version.
        version: Version,
        /// Every finding, the blocking ones among them.
        findings: Vec<crate::audit::Finding>,
    },
    /// The version has no finding with this fingerprint.
    #[error("{id} {version} has no finding with fingerprint `{fingerprint}` (see its audit)")]
    FindingNotFound {
        /// The skill.
        id: SkillId,
        /// The version.
        version: Version,
        /// The fingerprint asked for.
        fingerprint: String,
    },
    /// The version was published before the registry audited, and no rescan has audited
    /// it since.
    #[error(
        "{id} {version} has not been audited yet (an admin's `skillreg admin rescan` audits it)"
    )]
    NotAudited {
        /// The skill.
        id: SkillId,
        /// The version.
        version: Version,
    },
    /// The skill an import targeted vanished or changed owner while importing.
    #[error("`{id}` changed while importing ({reason}); nothing was written")]
    TargetChanged {
        /// The skill.
        id: SkillId,
        /// What changed.
        reason: String,
    },
    /// No version has this package id.
    #[error("no package `{0}`")]
    PackageNotFound(crate::package::PackageId),
    /// The registry has no log key, so it signs no checkpoint.
    #[error("this registry signs no transparency log checkpoints (it has no log key)")]
    NoLogKey,
    /// The system gave no randomness for a token's secret.
    #[error("no randomness available for a token")]
    NoRandomness,
    /// The blob store lost the archive of a published version.
    #[error("the archive {0} of a published version is missing from the blob store")]
    ArchiveMissing(Digest),
    /// No publisher key has this id.
    #[error("no publisher key `{0}`; register it with the registry first")]
    KeyNotFound(String),
    /// The registry was set up without a key verifier, so it takes no keys or signatures.
    #[error("this registry does not accept publisher keys or signatures")]
    SigningUnsupported,
    /// The store failed.
    #[error(transparent)]
    Store(StoreError),
    /// The blob store failed.
    #[error(transparent)]
    Blob(#[from] BlobError),
}

impl From<StoreError> for RegistryError {
    fn from(error: StoreError) -> Self {
        RegistryError::Store(error)
    }
}

/// The version of `skill` among `versions` that `request` means.
///
/// # Errors
/// [`RegistryError::VersionNotFound`].
fn chosen<'a>(
    skill: &SkillRecord,
    versions: &'a [VersionRecord],
    request: &VersionReq,
) -> Result<&'a VersionRecord, RegistryError> {
    let missing = || RegistryError::VersionNotFound {
        id: skill.id.clone(),
        request: request.clone(),
    };
    let version = select(
        request,
        versions.iter().map(|v| Candidate {
            version: v.version(),
            yanked: v.yanked,
        }),
    )
    .ok_or_else(missing)?;
    versions
        .iter()
        .find(|v| v.version() == version)
        .ok_or_else(missing)
}

/// A search as asked (before validation).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SearchRequest {
    /// Free text.
    pub text: Option<String>,
    /// Required tags.
    pub tags: Vec<String>,
    /// Namespace prefix.
    pub namespace: Option<Namespace>,
    /// Minimum average rating.
    pub min_rating: Option<Stars>,
    /// Order.
    pub sort: SearchSort,
    /// Offset (ignored when a cursor is given).
    pub offset: Option<u64>,
    /// Opaque cursor from a previous page.
    pub cursor: Option<String>,
    /// Page size.
    pub limit: Option<u32>,
}

impl Registry {
    /// Assembles a registry over its ports: one store behind all the store's ports (an
    /// `Arc` of it), or [`Stores`] with each port its own object.
    pub fn new(
        stores: impl Into<Stores>,
        blobs: Arc<dyn BlobStore>,
        clock: Arc<dyn Clock>,
        ids: Arc<dyn IdSource>,
        config: RegistryConfig,
    ) -> Self {
        Registry {
            stores: stores.into(),
            blobs,
            clock,
            ids,
            config,
            keys: None,
            artifacts: Arc::default(),
            file_sets: Arc::default(),
            plugins: Arc::default(),
            log: Arc::default(),
        }
    }

    /// Signs the transparency log's checkpoints with `signer` (without one, the log's
    /// entries and proofs are served but no checkpoint).
    #[must_use]
    pub fn with_log_signer(mut self, signer: Arc<dyn crate::ports::NoteSigner>) -> Self {
        self.log = Arc::new(log::LogState::signed_by(signer));
        self
    }

    /// Accepts publisher keys and signatures, checked with `keys`.
    #[must_use]
    pub fn with_key_verifier(mut self, keys: Arc<dyn KeyVerifier>) -> Self {
        self.keys = Some(keys);
        self
    }

    /// The settings.
    pub fn config(&self) -> &RegistryConfig {
        &self.config
    }

    /// The time on the registry's clock: what ages the edge's kept documents, so a test
    /// moves them through their staleness bounds without waiting.
    pub fn now(&self) -> crate::model::Timestamp {
        self.clock.now()
    }

    /// The skill with this id, when `reader` may see it.
    ///
    /// # Errors
    /// [`RegistryError::SkillNotFound`] (also for a skill the reader may not see), or a
    /// store failure.
    pub async fn skill(
        &self,
        reader: Option<&Actor>,
        id: &SkillId,
    ) -> Result<SkillRecord, RegistryError> {
        let found = self.stores.catalog.skill(id).await?;
        self.visible(reader, id, found).await
    }

    /// The version of `id` that `request` means.
    ///
    /// # Errors
    /// [`RegistryError::SkillNotFound`], [`RegistryError::VersionNotFound`], or a store
    /// failure.
    pub async fn resolve_version(
        &self,
        reader: Option<&Actor>,
        id: &SkillId,
        request: &VersionReq,
    ) -> Result<(SkillRecord, VersionRecord), RegistryError> {
        let (skill, versions) = self.visible_versions(reader, id).await?;
        let record = chosen(&skill, &versions, request)?.clone();
        Ok((skill, record))
    }

    /// Searches what `reader` may see, after checking and clamping the request.
    ///
    /// # Errors
    /// [`RegistryError::Invalid`] for a bad request, [`AccessError::SignInRequired`], or a
    /// store failure.
    pub async fn search(
        &self,
        reader: Option<&Actor>,
        request: SearchRequest,
    ) -> Result<SearchPage, RegistryError> {
        let text = request
            .text
            .map(|t| t.trim().to_owned())
            .filter(|t| !t.is_empty());
        if text
            .as_ref()
            .is_some_and(|t| t.chars().count() > self.config.max_query_len)
        {
            return Err(RegistryError::Invalid(format!(
                "search text is longer than {} characters",
                self.config.max_query_len
            )));
        }
        let limit = request.limit.unwrap_or(self.config.default_page_size);
        if limit == 0 || limit > self.config.max_page_size {
            return Err(RegistryError::Invalid(format!(
                "limit must be 1 to {}",
                self.config.max_page_size
            )));
        }
        let start = match (request.cursor, request.offset) {
            (Some(cursor), _) => PageStart::Cursor(cursor),
            (None, offset) => PageStart::Offset(offset.unwrap_or(0)),
        };
        let query = SearchQuery {
            text,
            tags: request
                .tags
                .into_iter()
                .map(|t| t.trim().to_lowercase())
                .filter(|t| !t.is_empty())
                .collect(),
            namespace: request.namespace,
            min_rating: request.min_rating,
            sort: request.sort,
            start,
            limit,
            trending_since: self.clock.now().minus_days(self.config.trending_days),
            hidden: self.hidden_from(reader).await?,
        };
        self.stores
            .search
            .search(&query)
            .await
            .map_err(|error| match error {
                StoreError::Missing(what) => {
                    RegistryError::Invalid(format!("{what} is not a valid cursor for this query"))
                }
                other => RegistryError::Store(other),
            })
    }

    /// The trending list of what `reader` may see: most installs over the trending window.
    ///
    /// # Errors
    /// [`RegistryError::Invalid`] for a limit outside 1 to `max_trending`,
    /// [`AccessError::SignInRequired`]; a store failure.
    pub async fn trending(
        &self,
        reader: Option<&Actor>,
        limit: u32,
    ) -> Result<Vec<TrendingEntry>, RegistryError> {
        if limit == 0 || limit > self.config.max_trending {
            return Err(RegistryError::Invalid(format!(
                "limit must be 1 to {}",
                self.config.max_trending
            )));
        }
        let since = self.clock.now().minus_days(self.config.trending_days);
        let hidden = self.hidden_from(reader).await?;
        Ok(self.stores.stats.trending(since, limit, &hidden).await?)
    }

    /// Rates a skill (rating again replaces the previous rating) and returns the new summary.
    ///
    /// # Errors
    /// [`RegistryError::Access`] without the `rate` scope, [`RegistryError::SkillNotFound`],
    /// [`RegistryError::Invalid`] for an over-long review, or a store failure.
    pub async fn rate(
        &self,
        actor: &Actor,
        id: &SkillId,
        stars: Stars,
        review: Option<String>,
    ) -> Result<RatingSummary, RegistryError> {
        require_scope(actor, TokenScope::Rate)?;
        let review = review
            .map(|r| r.trim().to_owned())
            .filter(|r| !r.is_empty());
        if review
            .as_ref()
            .is_some_and(|r| r.chars().count() > self.config.max_review_len)
        {
            return Err(RegistryError::Invalid(format!(
                "a review is at most {} characters",
                self.config.max_review_len
            )));
        }
        let skill = self.skill(Some(actor), id).await?;
        let rating = RatingRecord {
            user: actor.user().clone(),
            stars,
            review,
            rated_at: self.clock.now(),
        };
        self.stores.stats.put_rating(&skill.uid, &rating).await?;
        Ok(self.stores.stats.rating_summary(&skill.uid).await?)
    }

    /// Yanks or unyanks a version. Returns whether anything changed.
    ///
    /// # Errors
    /// [`RegistryError::Access`], [`RegistryError::SkillNotFound`],
    /// [`RegistryError::VersionNotFound`], or a store failure.
    pub async fn set_yanked(
        &self,
        actor: &Actor,
        id: &SkillId,
        version: &Version,
        yanked: bool,
    ) -> Result<bool, RegistryError> {
        let skill = self.skill_to_manage(actor, id).await?;
        let action = if yanked { "yank" } else { "unyank" };
        let audit = self.audit(actor, action, format!("{}@{version}", skill.id));
        self.stores
            .catalog
            .set_yanked(
                &skill.uid,
                version,
                yanked,
                &audit,
                &Self::right_for(actor, &skill, false),
            )
            .await
            .map_err(|error| match error {
                StoreError::Missing(_) => RegistryError::VersionNotFound {
                    id: skill.id.clone(),
                    request: VersionReq::Exact(version.clone()),
                },
                other => Self::changed(actor, &skill, other),
            })
    }

    /// Deprecates a skill with a message, or clears the deprecation with `None`.
    ///
    /// # Errors
    /// [`RegistryError::Access`], [`RegistryError::SkillNotFound`], or a store failure.
    pub async fn deprecate(
        &self,
        actor: &Actor,
        id: &SkillId,
        message: Option<&str>,
    ) -> Result<(), RegistryError> {
        if message.is_some_and(|m| m.len() > 4 * self.config.max_message_len) {
            return Err(RegistryError::Invalid(format!(
                "a deprecation message is at most {} characters",
                self.config.max_message_len
            )));
        }
        let skill = self.skill_to_manage(actor, id).await?;
        let message = message.map(str::trim).filter(|m| !m.is_empty());
        if message.is_some_and(|m| m.chars().count() > self.config.max_message_len) {
            return Err(RegistryError::Invalid(format!(
                "a deprecation message is at most {} characters",
                self.config.max_message_len
            )));
        }
        let action = if message.is_some() {
            "deprecate"
        } else {
            "undeprecate"
        };
        let audit = self.audit(actor, action, skill.id.to_string());
        self.stores
            .catalog
            .set_deprecation(
                &skill.uid,
                message,
                &audit,
                &Self::right_for(actor, &skill, false),
            )
            .await
            .map_err(|error| Self::changed(actor, &skill, error))
    }

    /// Counts a download of a version.
    ///
    /// # Errors
    /// A store failure.
    pub async fn record_download(
        &self,
        skill: &SkillRecord,
        version: &Version,
    ) -> Result<(), RegistryError> {
        Ok(self
            .stores
            .stats
            .record_download(&skill.uid, version, self.clock.now())
            .await?)
    }

    /// The skill `id`, which `actor` must manage (yank, deprecate, mark findings): a
    /// maintainer's call, with the `yank` scope.
    async fn skill_to_manage(
        &self,
        actor: &Actor,
        id: &SkillId,
    ) -> Result<SkillRecord, RegistryError> {
        self.skill_to_change(actor, id, TokenScope::Yank).await
    }

    /// The skill `id`, which `actor` must maintain, with a token holding `scope`.
    pub(super) async fn skill_to_change(
        &self,
        actor: &Actor,
        id: &SkillId,
        scope: TokenScope,
    ) -> Result<SkillRecord, RegistryError> {
        let skill = self.skill(Some(actor), id).await?;
        let namespace = self
            .stores
            .namespaces
            .namespace(skill.id.namespace())
            .await?;
        check_change_skill(actor, scope, &skill, namespace.as_ref())?;
        Ok(skill)
    }

    /// The right a change of `skill` by `actor` relies on, for the store to check again in
    /// the change's transaction: membership for a new skill, maintenance for an existing one.
    fn right_for(actor: &Actor, skill: &SkillRecord, new_skill: bool) -> WriteRight {
        let namespace = skill.id.namespace().clone();
        let user = actor.user().clone();
        if actor.is_admin() {
            WriteRight::Admin
        } else if new_skill {
            WriteRight::Member { namespace, user }
        } else {
            WriteRight::Maintainer {
                namespace,
                user,
                creator: skill.created_by.clone(),
            }
        }
    }

    /// A store error, with a right that ended during the change told as what it is.
    fn changed(actor: &Actor, skill: &SkillRecord, error: StoreError) -> RegistryError {
        match error {
            StoreError::RightEnded => RegistryError::Access(AccessError::NotAMaintainer {
                user: actor.user().clone(),
                skill: skill.id.to_string(),
            }),
            other => RegistryError::Store(other),
        }
    }

    fn audit(&self, actor: &Actor, action: &str, target: String) -> AuditEntry {
        AuditEntry {
            actor: actor.user().clone(),
            action: action.to_owned(),
            target,
            at: self.clock.now(),
        }
    }
}
