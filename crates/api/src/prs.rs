//! The Package Registry Standard read surface: the registry's metadata
//! (`/.well-known/cleverthis-packages`), packages (`/packages/<id>`, `/skill/<ns…>/<name>`)
//! and `/browse`. A package is one published version.
//!
//! The HTTP client reads these documents from other registries of the standard too: what
//! the standard does not require (and skillreg adds: signatures, yanks, the content digest)
//! defaults when a document leaves it out.

use serde::{Deserialize, Serialize};
use skillreg_core::model::{SkillRecord, VersionRecord};
use skillreg_core::package::package_id;

use crate::skills::SignatureBody;

/// One package: a published version as the standard describes it, with its id and where to
/// get it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PackageBody {
    /// The package id: `pkg_skl_` and 40 hex digits, a digest of what the package holds.
    #[serde(default)]
    pub id: String,
    /// `skill`.
    #[serde(rename = "type", default = "skill_type")]
    pub kind: String,
    /// The namespace.
    pub namespace: String,
    /// The skill's name.
    pub name: String,
    /// The version.
    pub version: String,
    /// The day it was published (`YYYY-MM-DD`, UTC).
    #[serde(default)]
    pub release_date: String,
    /// The SKILL.md description.
    #[serde(default)]
    pub description: String,
    /// The SKILL.md license.
    #[serde(default)]
    pub license: Option<String>,
    /// The SKILL.md `allowed-tools`.
    #[serde(default)]
    pub allowed_tools: Vec<String>,
    /// Tags.
    #[serde(default)]
    pub tags: Vec<String>,
    /// Every file's path.
    #[serde(default)]
    pub files: Vec<String>,
    /// `sha256:<hex>` of the archive.
    pub archive_digest: String,
    /// The content digest.
    #[serde(default)]
    pub content_digest: Option<String>,
    /// The archive's size in bytes.
    #[serde(default)]
    pub size: u64,
    /// `<namespace>/<name>` (skillreg).
    #[serde(default)]
    pub skill_id: String,
    /// Hidden from every alias but an exact one (skillreg).
    #[serde(default)]
    pub yanked: bool,
    /// Where the archive downloads: absolute (this registry writes its public address), or
    /// relative to the registry for registries that do.
    pub download_url: String,
    /// The version's signatures (skillreg).
    #[serde(default)]
    pub signatures: Vec<SignatureBody>,
}

fn skill_type() -> String {
    "skill".to_owned()
}

impl PackageBody {
    /// The package of `version` of `skill`, its download URL under `origin` (the registry's
    /// public address, `https://skills.example.com`).
    pub fn new(origin: &str, skill: &SkillRecord, version: &VersionRecord) -> Self {
        let v = &version.published;
        let meta = &v.meta;
        PackageBody {
            id: package_id(&skill.id, v).as_str().to_owned(),
            kind: skill_type(),
            namespace: skill.id.namespace().to_string(),
            name: skill.id.name().to_string(),
            version: v.version.to_string(),
            release_date: v.published_at.utc_date(),
            description: meta.description.clone(),
            license: meta.license.clone(),
            allowed_tools: meta.allowed_tools.clone(),
            tags: meta.tags.clone(),
            files: meta.files.iter().map(ToString::to_string).collect(),
            archive_digest: v.archive_digest.to_string(),
            content_digest: Some(v.content_digest.to_string()),
            size: v.size,
            skill_id: skill.id.to_string(),
            yanked: version.yanked,
            download_url: format!("{origin}{}", crate::download_url(&skill.id, &v.version)),
            signatures: v.signatures.iter().map(SignatureBody::from).collect(),
        }
    }
}

/// `GET /browse`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BrowseResponse {
    /// The latest package of each skill, newest first.
    pub packages: Vec<PackageBody>,
    /// Skills in all.
    #[serde(default)]
    pub count: u64,
}

/// Query of `GET /browse`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct BrowseParams {
    /// `skill`; any other type has no packages here.
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", param(rename = "type"))]
    pub kind: Option<String>,
    /// Only this namespace (and the ones below it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// Page size (at most 100).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
    /// Packages to skip.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub offset: Option<u64>,
}

/// Query of `GET /skill/<ns…>/<name>`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct AliasParams {
    /// `latest` (the default), `vX`, `vX.x`, `vX.Y.x` or `vX.Y.Z`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
}

/// `GET /.well-known/cleverthis-packages`: what this registry is and where its endpoints
/// are.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RegistryMetadata {
    /// `package-registry`.
    pub standard: String,
    /// The standard's version (`1.0.0`).
    pub version: String,
    /// `skillreg`.
    pub name: String,
    /// The package types held: `skill`.
    pub types: Vec<String>,
    /// Where each endpoint is.
    pub endpoints: Endpoints,
    /// How reads and writes authenticate.
    pub auth: AuthMetadata,
}

/// The endpoints of [`RegistryMetadata`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Endpoints {
    /// A package by id: `<origin>/packages/{id}`.
    pub package: String,
    /// A skill's alias: `<origin>/skill/{namespace}/{name}`.
    pub skill: String,
    /// `<origin>/browse`.
    pub browse: String,
    /// The native API's root.
    pub native_api: String,
    /// The OpenAPI document.
    pub openapi: String,
}

/// The authentication of [`RegistryMetadata`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuthMetadata {
    /// Reads need no token.
    pub anonymous_read: bool,
    /// Writes take a bearer token.
    pub api_key: bool,
}

impl RegistryMetadata {
    /// This registry's metadata, its endpoints under `origin` (the registry's public
    /// address); `anonymous_read` false when every read needs a token.
    pub fn skillreg(origin: &str, anonymous_read: bool) -> Self {
        RegistryMetadata {
            standard: "package-registry".to_owned(),
            version: "1.0.0".to_owned(),
            name: "skillreg".to_owned(),
            types: vec!["skill".to_owned()],
            endpoints: Endpoints {
                package: format!("{origin}/packages/{{id}}"),
                skill: format!("{origin}/skill/{{namespace}}/{{name}}"),
                browse: format!("{origin}/browse"),
                native_api: format!("{origin}/api/v1"),
                openapi: format!("{origin}/api/v1/openapi.json"),
            },
            auth: AuthMetadata {
                anonymous_read,
                api_key: true,
            },
        }
    }
}
