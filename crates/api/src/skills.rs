//! Skills and their versions: search, publish, resolve, details, versions, ratings, yanks,
//! deprecations, imports and trending (`/api/v1/skills…`, `/api/v1/resolve`,
//! `/api/v1/import`, `/api/v1/trending`).

use serde::{Deserialize, Serialize};
use skillreg_core::conflict::SkillConflict;
use skillreg_core::digest::{hex, unhex};
use skillreg_core::model::{
    RatingRecord, RatingSummary, SearchHit, SearchPage, SkillRecord, TrendingEntry as Trend,
    VersionRecord,
};
use skillreg_core::ports::SourceVersion;
use skillreg_core::signature::Signature;

/// A signature of a version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SignatureBody {
    /// `ed25519` or `hmac-sha256`.
    pub algorithm: String,
    /// The signing key's id.
    pub key_id: String,
    /// The signature, lowercase hex.
    pub value: String,
}

impl From<&Signature> for SignatureBody {
    fn from(signature: &Signature) -> Self {
        SignatureBody {
            algorithm: signature.algorithm.as_str().to_owned(),
            key_id: signature.key_id.clone(),
            value: hex(&signature.value),
        }
    }
}

impl SignatureBody {
    /// The domain signature, `None` when the body is malformed.
    pub fn to_signature(&self) -> Option<Signature> {
        Some(Signature {
            algorithm: self.algorithm.parse().ok()?,
            key_id: self.key_id.clone(),
            value: unhex(&self.value)?,
        })
    }
}

/// A skill's ratings in short.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RatingBody {
    /// Average stars (1 to 5), none before the first rating.
    pub average: Option<f64>,
    /// How many ratings.
    pub count: u64,
}

impl From<&RatingSummary> for RatingBody {
    fn from(summary: &RatingSummary) -> Self {
        RatingBody {
            average: summary.average(),
            count: summary.count,
        }
    }
}

/// One skill in a search result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SkillSummary {
    /// `<namespace>/<name>`.
    pub id: String,
    /// The latest version's description.
    pub description: String,
    /// The newest version that is not yanked.
    pub latest_version: Option<String>,
    /// Tags.
    pub tags: Vec<String>,
    /// Installs, all time.
    pub downloads: u64,
    /// Ratings.
    pub rating: RatingBody,
    /// The last publish.
    pub updated_at_ms: i64,
    /// The deprecation message, if the skill is deprecated.
    pub deprecated: Option<String>,
    /// The latest version's audit verdict (`pass`, `review`, `warn`, `block`); `null` when
    /// it was not audited.
    #[serde(default)]
    pub verdict: Option<String>,
}

impl From<SearchHit> for SkillSummary {
    fn from(hit: SearchHit) -> Self {
        SkillSummary {
            id: hit.skill.id.to_string(),
            description: hit.description,
            latest_version: hit.latest.map(|v| v.to_string()),
            tags: hit.tags,
            downloads: hit.downloads,
            rating: RatingBody::from(&hit.rating),
            updated_at_ms: hit.updated_at.unix_millis(),
            deprecated: hit.skill.deprecation,
            verdict: hit.verdict.map(|v| v.as_str().to_owned()),
        }
    }
}

/// A page of search results.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SearchResponse {
    /// The skills of this page.
    pub skills: Vec<SkillSummary>,
    /// Matches in all.
    pub total: u64,
    /// Whether `total` is exact (else a lower bound).
    pub total_exact: bool,
    /// The cursor of the next page, if there is one.
    pub next_cursor: Option<String>,
}

impl From<SearchPage> for SearchResponse {
    fn from(page: SearchPage) -> Self {
        SearchResponse {
            skills: page.hits.into_iter().map(SkillSummary::from).collect(),
            total: page.total,
            total_exact: page.total_exact,
            next_cursor: page.next_cursor,
        }
    }
}

/// One version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VersionBody {
    /// The version.
    pub version: String,
    /// `sha256:<hex>` of the archive.
    pub archive_digest: String,
    /// The content digest (independent of archive packing).
    pub content_digest: String,
    /// The archive's size in bytes.
    pub size: u64,
    /// Hidden from every request but an exact one.
    pub yanked: bool,
    /// The SKILL.md description.
    pub description: String,
    /// The SKILL.md license.
    pub license: Option<String>,
    /// Every file's path.
    pub files: Vec<String>,
    /// Who published it.
    pub published_by: String,
    /// When.
    pub published_at_ms: i64,
    /// Its signatures.
    pub signatures: Vec<SignatureBody>,
    /// The audit at publish; `null` for a version published before the audit existed.
    #[serde(default)]
    pub audit: Option<crate::AuditBody>,
    /// The index of the transparency log entry that placed this version (its publish, or
    /// its skill's last move): `GET /api/v1/log/proof/inclusion?index=…` proves it.
    #[serde(default)]
    pub log_index: Option<u64>,
}

impl From<&VersionRecord> for VersionBody {
    fn from(record: &VersionRecord) -> Self {
        let v = &record.published;
        VersionBody {
            version: v.version.to_string(),
            archive_digest: v.archive_digest.to_string(),
            content_digest: v.content_digest.to_string(),
            size: v.size,
            yanked: record.yanked,
            description: v.meta.description.clone(),
            license: v.meta.license.clone(),
            files: v.meta.files.iter().map(ToString::to_string).collect(),
            published_by: v.published_by.to_string(),
            published_at_ms: v.published_at.unix_millis(),
            signatures: v.signatures.iter().map(SignatureBody::from).collect(),
            audit: v.audit.as_ref().map(crate::AuditBody::from),
            log_index: record.log_index,
        }
    }
}

impl VersionBody {
    /// The domain view a resolution source offers, `None` when the body is malformed.
    pub fn to_source_version(&self) -> Option<SourceVersion> {
        Some(SourceVersion {
            version: self.version.parse().ok()?,
            yanked: self.yanked,
            archive_digest: self.archive_digest.parse().ok()?,
            content_digest: self.content_digest.parse().ok(),
            signatures: self
                .signatures
                .iter()
                .filter_map(SignatureBody::to_signature)
                .collect(),
            audit: self.audit.as_ref().and_then(|a| a.verdict.parse().ok()),
            log_index: self.log_index,
        })
    }
}

/// `GET …/-/versions`: every version, newest first, yanked ones included.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VersionList {
    /// The skill.
    pub id: String,
    /// Newest first.
    pub versions: Vec<VersionBody>,
}

/// `GET /api/v1/skills/<ns…>/<name>`: a skill.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SkillDetails {
    /// `<namespace>/<name>`.
    pub id: String,
    /// Who published its first version.
    pub created_by: String,
    /// When.
    pub created_at_ms: i64,
    /// The deprecation message, if it is deprecated.
    pub deprecated: Option<String>,
    /// The newest version that is not yanked.
    pub latest: VersionBody,
    /// Installs, all time.
    pub downloads: u64,
    /// Ratings.
    pub rating: RatingBody,
}

impl SkillDetails {
    /// The details of `skill`, whose latest version is `latest`.
    pub fn new(
        skill: &SkillRecord,
        latest: &VersionRecord,
        downloads: u64,
        rating: &RatingSummary,
    ) -> Self {
        SkillDetails {
            id: skill.id.to_string(),
            created_by: skill.created_by.to_string(),
            created_at_ms: skill.created_at.unix_millis(),
            deprecated: skill.deprecation.clone(),
            latest: VersionBody::from(latest),
            downloads,
            rating: RatingBody::from(rating),
        }
    }
}

/// What a publish did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum PublishStatus {
    /// A new version (`201`).
    Created,
    /// The same archive was published already (`200`).
    Unchanged,
}

/// The answer to a publish.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PublishResponse {
    /// What the publish did.
    pub status: PublishStatus,
    /// The skill.
    pub id: String,
    /// The version.
    pub version: VersionBody,
    /// What the SKILL.md should fix, though it was accepted.
    pub warnings: Vec<String>,
}

/// Where a version request leads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ResolveResponse {
    /// The skill.
    pub id: String,
    /// The version chosen.
    pub version: String,
    /// `sha256:<hex>` of the archive.
    pub archive_digest: String,
    /// The content digest.
    pub content_digest: String,
    /// Where the archive downloads (relative to the registry).
    pub download_url: String,
    /// Its signatures.
    pub signatures: Vec<SignatureBody>,
    /// The index of the transparency log entry that placed this version.
    #[serde(default)]
    pub log_index: Option<u64>,
}

impl ResolveResponse {
    /// The answer naming `version` of `skill`.
    pub fn new(skill: &SkillRecord, version: &VersionRecord) -> Self {
        let v = &version.published;
        ResolveResponse {
            id: skill.id.to_string(),
            version: v.version.to_string(),
            archive_digest: v.archive_digest.to_string(),
            content_digest: v.content_digest.to_string(),
            download_url: crate::download_url(&skill.id, &v.version),
            signatures: v.signatures.iter().map(SignatureBody::from).collect(),
            log_index: version.log_index,
        }
    }
}

/// One review.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Review {
    /// Who rated.
    pub user: String,
    /// 1 to 5, in halves.
    pub stars: f64,
    /// What they wrote.
    pub review: Option<String>,
    /// When.
    pub rated_at_ms: i64,
}

impl From<&RatingRecord> for Review {
    fn from(rating: &RatingRecord) -> Self {
        Review {
            user: rating.user.to_string(),
            stars: rating.stars.stars(),
            review: rating.review.clone(),
            rated_at_ms: rating.rated_at.unix_millis(),
        }
    }
}

/// `GET …/-/ratings`: a skill's rating and its newest reviews.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RatingsResponse {
    /// The skill.
    pub id: String,
    /// Average stars, none before the first rating.
    pub average: Option<f64>,
    /// How many ratings.
    pub count: u64,
    /// The newest reviews, newest first.
    pub recent: Vec<Review>,
}

/// `POST …/-/ratings`: the skill's rating after the caller's.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RatedResponse {
    /// The skill.
    pub id: String,
    /// Average stars.
    pub average: Option<f64>,
    /// How many ratings.
    pub count: u64,
}

/// Body of `POST …/-/ratings`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RateBody {
    /// 1 to 5, in halves.
    pub stars: f64,
    /// A review (at most 2,000 characters).
    pub review: Option<String>,
}

/// The answer to a yank or unyank.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct YankResponse {
    /// The skill.
    pub id: String,
    /// The version.
    pub version: String,
    /// Whether it is yanked now.
    pub yanked: bool,
    /// Whether this call changed it.
    pub changed: bool,
}

/// Body of `PUT …/-/deprecation` (`null` clears it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeprecationBody {
    /// The message, or `null` to take the deprecation back.
    pub message: Option<String>,
}

/// The answer to `PUT …/-/deprecation`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeprecationResponse {
    /// The skill.
    pub id: String,
    /// The message now, `null` when not deprecated.
    pub deprecated: Option<String>,
}

/// A name that is taken, as an import meets it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ConflictBody {
    /// The skill that holds the name.
    pub existing_skill_id: String,
    /// Who created it.
    pub existing_created_by: String,
    /// Whether the caller may overwrite it (`on_conflict=overwrite`).
    pub can_overwrite: bool,
}

impl From<&SkillConflict> for ConflictBody {
    fn from(conflict: &SkillConflict) -> Self {
        ConflictBody {
            existing_skill_id: conflict.existing_skill_id.to_string(),
            existing_created_by: conflict.existing_created_by.to_string(),
            can_overwrite: conflict.can_overwrite,
        }
    }
}

/// What an import did, by its `status`. A conflict under `on_conflict=fail` is a `409` whose
/// details are a [`ConflictBody`] with `"status": "conflict"`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "status", rename_all = "lowercase")]
pub enum ImportResponse {
    /// A new skill (`201`).
    Created {
        /// The skill.
        id: String,
        /// Its version.
        version: String,
        /// Whether it took another name (`on_conflict=rename`).
        renamed: bool,
    },
    /// The existing skill got a new version (`on_conflict=overwrite`).
    Updated {
        /// The skill.
        id: String,
        /// The new version.
        version: String,
    },
    /// The same content was there already.
    Unchanged {
        /// The skill.
        id: String,
    },
    /// The name was taken and left alone (`on_conflict=skip`).
    Skipped(ConflictBody),
    /// The name was taken (`on_conflict=fail`): only ever the details of a `409`.
    Conflict(ConflictBody),
}

/// One entry of `GET /api/v1/trending`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TrendingEntry {
    /// The skill.
    pub id: String,
    /// Installs over the last 7 days.
    pub installs: u64,
}

impl From<&Trend> for TrendingEntry {
    fn from(entry: &Trend) -> Self {
        TrendingEntry {
            id: entry.id.to_string(),
            installs: entry.installs,
        }
    }
}

/// `GET /api/v1/trending`: the skills with the most installs over the last 7 days.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TrendingResponse {
    /// Most installs first.
    pub skills: Vec<TrendingEntry>,
}

/// Query of `GET /api/v1/skills`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct SearchParams {
    /// Words to find in names, descriptions and tags.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub q: Option<String>,
    /// Tags, comma-separated; a skill must carry them all.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tag: Option<String>,
    /// Only this namespace (and the ones below it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// Only skills rated at least this (1 to 5).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_rating: Option<f64>,
    /// `relevance` (the default), `downloads`, `rating`, `newest` or `trending`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sort: Option<String>,
    /// Page size (at most 100).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
    /// Skills to skip.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub offset: Option<u64>,
    /// The previous page's `next_cursor`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
}

/// Query of `POST /api/v1/skills`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct PublishParams {
    /// The namespace to publish into.
    pub namespace: String,
    /// The version, when the SKILL.md does not name one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
}

/// Query of `GET /api/v1/resolve`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct ResolveParams {
    /// `<namespace>/<name>`.
    pub name: String,
    /// A version request (`latest`, `^1.2`, `=1.4.2`, …); `latest` when left out.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
}

/// Query of `…/-/download`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct DownloadParams {
    /// A version request; `latest` when left out.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
}

/// Query of `POST /api/v1/import`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct ImportParams {
    /// The namespace to import into.
    pub namespace: String,
    /// The version, when the SKILL.md does not name one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// `fail` (the default), `skip`, `overwrite` or `rename`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub on_conflict: Option<String>,
}

/// Query of `GET /api/v1/trending`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct TrendingParams {
    /// How many (at most 100; 20 when left out).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
}
