//! Request and response bodies of the native API. Domain types convert into these here;
//! nothing of `core` is serialized directly.

use serde::{Deserialize, Serialize};
use skillreg_core::digest::hex;
use skillreg_core::model::{PublisherKey, SearchHit, SearchPage, Timestamp, VersionRecord};
use skillreg_core::signature::{Signature, SignatureAlgorithm};

/// A signature on the wire (value in hex).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct SignatureBody {
    pub(crate) algorithm: &'static str,
    pub(crate) key_id: String,
    pub(crate) value: String,
}

impl From<&Signature> for SignatureBody {
    fn from(signature: &Signature) -> Self {
        SignatureBody {
            algorithm: signature.algorithm.as_str(),
            key_id: signature.key_id.clone(),
            value: hex(&signature.value),
        }
    }
}

/// Ratings of a skill.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct RatingBody {
    pub(crate) average: Option<f64>,
    pub(crate) count: u64,
}

/// One skill in a search result.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct SkillSummary {
    pub(crate) id: String,
    pub(crate) description: String,
    pub(crate) latest_version: Option<String>,
    pub(crate) tags: Vec<String>,
    pub(crate) downloads: u64,
    pub(crate) rating: RatingBody,
    pub(crate) updated_at_ms: i64,
    pub(crate) deprecated: Option<String>,
}

impl From<SearchHit> for SkillSummary {
    fn from(hit: SearchHit) -> Self {
        SkillSummary {
            id: hit.skill.id.to_string(),
            description: hit.description,
            latest_version: hit.latest.map(|v| v.to_string()),
            tags: hit.tags,
            downloads: hit.downloads,
            rating: RatingBody {
                average: hit.rating.average(),
                count: hit.rating.count,
            },
            updated_at_ms: hit.updated_at.unix_millis(),
            deprecated: hit.skill.deprecation,
        }
    }
}

/// A page of search results.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct SearchResponse {
    pub(crate) skills: Vec<SkillSummary>,
    pub(crate) total: u64,
    pub(crate) total_exact: bool,
    pub(crate) next_cursor: Option<String>,
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
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct VersionBody {
    pub(crate) version: String,
    pub(crate) archive_digest: String,
    pub(crate) content_digest: String,
    pub(crate) size: u64,
    pub(crate) yanked: bool,
    pub(crate) description: String,
    pub(crate) license: Option<String>,
    pub(crate) files: Vec<String>,
    pub(crate) published_by: String,
    pub(crate) published_at_ms: i64,
    pub(crate) signatures: Vec<SignatureBody>,
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
        }
    }
}

/// What a publish did.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct PublishResponse {
    pub(crate) status: &'static str,
    pub(crate) id: String,
    pub(crate) version: VersionBody,
    pub(crate) warnings: Vec<String>,
}

/// Where a version request leads.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct ResolveResponse {
    pub(crate) id: String,
    pub(crate) version: String,
    pub(crate) archive_digest: String,
    pub(crate) content_digest: String,
    pub(crate) download_url: String,
    pub(crate) signatures: Vec<SignatureBody>,
}

/// Query of `GET /api/v1/skills`.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct SearchParams {
    pub(crate) q: Option<String>,
    pub(crate) tag: Option<String>,
    pub(crate) namespace: Option<String>,
    pub(crate) min_rating: Option<f64>,
    pub(crate) sort: Option<String>,
    pub(crate) limit: Option<u32>,
    pub(crate) offset: Option<u64>,
    pub(crate) cursor: Option<String>,
}

/// Query of `POST /api/v1/skills`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct PublishParams {
    pub(crate) namespace: String,
    pub(crate) version: Option<String>,
}

/// Query of `GET /api/v1/resolve`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct ResolveParams {
    pub(crate) name: String,
    pub(crate) version: Option<String>,
}

/// Query of `…/-/download`.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct DownloadParams {
    pub(crate) version: Option<String>,
}

/// Body of `POST …/-/ratings`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub(crate) struct RateBody {
    pub(crate) stars: f64,
    pub(crate) review: Option<String>,
}

/// Body of `PUT …/-/deprecation` (`null` clears it).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub(crate) struct DeprecationBody {
    pub(crate) message: Option<String>,
}

/// Query of `POST /api/v1/import`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct ImportParams {
    pub(crate) namespace: String,
    pub(crate) version: Option<String>,
    pub(crate) on_conflict: Option<String>,
}

/// Query of `GET /api/v1/trending`.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct TrendingParams {
    pub(crate) limit: Option<u32>,
}

/// Body of `POST /api/v1/tokens`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub(crate) struct CreateTokenBody {
    pub(crate) name: String,
    pub(crate) scopes: Vec<String>,
    #[serde(default)]
    pub(crate) namespaces: Vec<String>,
    /// Another user (admins only).
    pub(crate) user: Option<String>,
    /// Days until the token stops working (1 to 3650); without it, it lives until revoked.
    pub(crate) expires_in_days: Option<u32>,
}

/// Who the calling token stands for, and what it allows.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct WhoamiBody {
    pub(crate) user: String,
    pub(crate) scopes: Vec<String>,
    pub(crate) namespaces: Vec<String>,
}

impl From<&skillreg_core::auth::Actor> for WhoamiBody {
    fn from(actor: &skillreg_core::auth::Actor) -> Self {
        WhoamiBody {
            user: actor.user().to_string(),
            scopes: actor.scopes().iter().map(ToString::to_string).collect(),
            namespaces: actor.namespaces().iter().map(ToString::to_string).collect(),
        }
    }
}

/// A token as listed (never its secret).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct TokenBody {
    pub(crate) id: String,
    pub(crate) user: String,
    pub(crate) name: String,
    pub(crate) scopes: Vec<String>,
    pub(crate) namespaces: Vec<String>,
    pub(crate) created_at_ms: i64,
    pub(crate) revoked_at_ms: Option<i64>,
    pub(crate) expires_at_ms: Option<i64>,
}

impl From<&skillreg_core::model::TokenRecord> for TokenBody {
    fn from(token: &skillreg_core::model::TokenRecord) -> Self {
        TokenBody {
            id: token.id.to_string(),
            user: token.user.to_string(),
            name: token.name.clone(),
            scopes: token.scopes.iter().map(ToString::to_string).collect(),
            namespaces: token.namespaces.iter().map(ToString::to_string).collect(),
            created_at_ms: token.created_at.unix_millis(),
            revoked_at_ms: token
                .revoked_at
                .map(skillreg_core::model::Timestamp::unix_millis),
            expires_at_ms: token
                .expires_at
                .map(skillreg_core::model::Timestamp::unix_millis),
        }
    }
}

/// Body of `POST /api/v1/namespaces`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub(crate) struct CreateNamespaceBody {
    pub(crate) namespace: String,
}

/// Body of `PUT …/-/members/<user>`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub(crate) struct MemberBody {
    pub(crate) role: String,
}

/// A namespace and its members.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct NamespaceBody {
    pub(crate) namespace: String,
    pub(crate) members: Vec<MemberView>,
    pub(crate) created_at_ms: i64,
}

/// One member.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct MemberView {
    pub(crate) user: String,
    pub(crate) role: &'static str,
}

impl From<&skillreg_core::model::NamespaceRecord> for NamespaceBody {
    fn from(record: &skillreg_core::model::NamespaceRecord) -> Self {
        NamespaceBody {
            namespace: record.namespace.to_string(),
            members: record
                .members
                .iter()
                .map(|(user, role)| MemberView {
                    user: user.to_string(),
                    role: match role {
                        skillreg_core::model::Role::Owner => "owner",
                        skillreg_core::model::Role::Member => "member",
                    },
                })
                .collect(),
            created_at_ms: record.created_at.unix_millis(),
        }
    }
}

/// `POST /api/v1/keys`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RegisterKeyBody {
    /// `ed25519` (the default).
    pub(crate) algorithm: Option<String>,
    /// The raw public key, lowercase hex.
    pub(crate) public_key: String,
    /// The key's signature (hex) of `skillreg-key-registration-v1\nuser=<user>\nkey_id=<key
    /// id>\n`, proving the caller holds the secret key.
    pub(crate) proof: String,
}

/// A publisher key.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct PublisherKeyBody {
    pub(crate) key_id: String,
    pub(crate) algorithm: &'static str,
    pub(crate) public_key: String,
    pub(crate) user: String,
    pub(crate) created_at_ms: i64,
    /// When its owner revoked it: signatures by it made before stand, but say so.
    pub(crate) revoked_at_ms: Option<i64>,
}

impl From<&PublisherKey> for PublisherKeyBody {
    fn from(key: &PublisherKey) -> Self {
        PublisherKeyBody {
            key_id: key.key_id.clone(),
            algorithm: SignatureAlgorithm::Ed25519.as_str(),
            public_key: hex(&key.public_key),
            user: key.user.to_string(),
            created_at_ms: key.created_at.unix_millis(),
            revoked_at_ms: key.revoked_at.map(Timestamp::unix_millis),
        }
    }
}

/// The path of one skill: `<namespace>/<name>`, where the namespace may have several
/// `/`-separated segments; sub-resources follow a `/-/` marker.
#[derive(Debug, utoipa::IntoParams)]
#[into_params(parameter_in = Path)]
#[expect(
    dead_code,
    reason = "describes the path in the OpenAPI document; the router parses it"
)]
pub(crate) struct SkillPath {
    /// The namespace: `acme`, or several segments such as `acme/tools`.
    namespace: String,
    /// The skill's name.
    name: String,
}
