//! The bodies of the ClawHub protocol under `/clawhub` (docs/FORMATS.md, "ClawHub"): the
//! subset of ClawHub's API the `clawhub` CLI reads and writes, in its own camelCase names.
//! Members the CLI requires are always written, `null` where there is nothing.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// `GET /.well-known/clawhub.json`: where the API is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WellKnown {
    /// The API's base URL (`<origin>/clawhub`).
    pub api_base: String,
}

/// `GET /api/v1/whoami`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Whoami {
    /// The token's user.
    pub user: WhoamiUser,
}

/// The user of [`Whoami`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WhoamiUser {
    /// The owner handle a publish goes to when the CLI is given none: the one namespace
    /// the token is limited to, else the user's name.
    pub handle: Option<String>,
    /// The user's name.
    pub display_name: Option<String>,
    /// `admin` or `user`.
    pub role: Option<String>,
}

/// An owner.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Owner {
    /// The namespace, as an owner handle.
    pub handle: Option<String>,
    /// The namespace as the registry writes it.
    pub display_name: Option<String>,
}

/// `GET /api/v1/search`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SearchResponse {
    /// The hits, best first.
    pub results: Vec<SearchResult>,
}

/// One hit of [`SearchResponse`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SearchResult {
    /// The skill's name.
    pub slug: String,
    /// The name to show.
    pub display_name: String,
    /// The description.
    pub summary: Option<String>,
    /// The latest version.
    pub version: Option<String>,
    /// Rank: 1 for the best hit, falling with each next one.
    pub score: f64,
    /// The namespace, as an owner handle.
    pub owner_handle: String,
    /// Installs, all time.
    pub downloads: u64,
    /// When the latest version was published (Unix milliseconds).
    pub updated_at: i64,
    /// The owner.
    pub owner: Owner,
}

/// `GET /api/v1/skills`: a page of skills.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SkillList {
    /// The skills.
    pub items: Vec<SkillItem>,
    /// Where the next page starts (`cursor=`), if there is one.
    pub next_cursor: Option<String>,
}

/// A skill in [`SkillList`] and [`SkillResponse`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SkillItem {
    /// The skill's name.
    pub slug: String,
    /// The name to show (`<namespace>/<name>`).
    pub display_name: String,
    /// The description.
    pub summary: Option<String>,
    /// Tags to versions: `latest`.
    pub tags: BTreeMap<String, String>,
    /// Counters.
    pub stats: Stats,
    /// When the skill was created (Unix milliseconds).
    pub created_at: i64,
    /// When its latest version was published (Unix milliseconds).
    pub updated_at: i64,
    /// The latest version (left out when there is none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latest_version: Option<VersionSummary>,
}

/// The counters of a [`SkillItem`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Stats {
    /// Installs, all time.
    pub downloads: u64,
    /// Ratings given.
    pub stars: u64,
}

/// A version in brief.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VersionSummary {
    /// The version.
    pub version: String,
    /// When it was published (Unix milliseconds).
    pub created_at: i64,
    /// What changed (the registry keeps none: empty).
    pub changelog: String,
    /// `MIT-0` when the skill says so; the CLI knows no other license.
    pub license: Option<String>,
}

/// `GET /api/v1/skills/{slug}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SkillResponse {
    /// The skill.
    pub skill: Option<SkillItem>,
    /// Its latest version.
    pub latest_version: Option<VersionSummary>,
    /// Its namespace.
    pub owner: Option<Owner>,
    /// The audit's verdict on the latest version.
    pub moderation: Option<Moderation>,
}

/// The audit's verdict, as the CLI reads it: `suspicious` (a `warn`) asks for `--force`,
/// `malicious` (a `block`) refuses the install.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Moderation {
    /// A `warn` verdict.
    pub is_suspicious: bool,
    /// A `block` verdict.
    pub is_malware_blocked: bool,
    /// `clean`, `suspicious` or `malicious`.
    pub verdict: String,
    /// The codes of the findings.
    pub reason_codes: Vec<String>,
}

/// `GET /api/v1/skills/{slug}/versions`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VersionList {
    /// The versions, newest first.
    pub items: Vec<VersionSummary>,
    /// Always `null`: one page holds them all, up to the limit asked for.
    pub next_cursor: Option<String>,
}

/// `GET /api/v1/skills/{slug}/versions/{version}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VersionResponse {
    /// The version.
    pub version: Option<VersionDetail>,
    /// Its skill.
    pub skill: Option<SkillName>,
}

/// The version of a [`VersionResponse`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VersionDetail {
    /// The version.
    #[serde(flatten)]
    pub summary: VersionSummary,
    /// Its files.
    pub files: Vec<FileEntry>,
}

/// A file of a version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FileEntry {
    /// Its path.
    pub path: String,
    /// Its size in bytes.
    pub size: u64,
    /// The sha256 of its bytes, hex.
    pub sha256: String,
    /// Its media type.
    pub content_type: String,
}

/// A skill's names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SkillName {
    /// The slug.
    pub slug: String,
    /// The name to show.
    pub display_name: String,
}

/// `GET /api/v1/resolve`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResolveResponse {
    /// The version whose files have the fingerprint asked about.
    #[serde(rename = "match")]
    pub matched: Option<VersionRef>,
    /// The latest version.
    pub latest_version: Option<VersionRef>,
}

/// A version by number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VersionRef {
    /// The version.
    pub version: String,
}

/// `POST /api/v1/skills/-/upload-url`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UploadUrlRequest {
    /// The file's path in the skill.
    pub path: String,
    /// Its size.
    pub size: u64,
    /// The sha256 of its bytes, hex.
    pub sha256: String,
    /// Its media type.
    #[serde(default)]
    pub content_type: Option<String>,
}

/// The answer to [`UploadUrlRequest`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UploadUrlResponse {
    /// Where to `POST` the bytes (absolute).
    pub upload_url: String,
    /// Names the upload in the publish.
    pub upload_ticket: String,
}

/// The answer to an upload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UploadResponse {
    /// Names the stored bytes in the publish (`sha256:<hex>`).
    pub storage_id: String,
}

/// `POST /api/v1/skills`: a publish of uploaded files.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PublishBody {
    /// The skill's name.
    pub slug: String,
    /// The namespace, as an owner handle.
    #[serde(default)]
    pub owner_handle: Option<String>,
    /// The version.
    pub version: String,
    /// The files.
    pub files: Vec<PublishFile>,
}

/// A file of [`PublishBody`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PublishFile {
    /// Its path in the skill.
    pub path: String,
    /// Its size.
    pub size: u64,
    /// What the upload answered.
    pub storage_id: String,
    /// The sha256 of its bytes, hex.
    pub sha256: String,
}

/// The answer to [`PublishBody`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PublishResponse {
    /// Always `true`.
    pub ok: bool,
    /// The skill (`<namespace>/<name>`).
    pub skill_id: String,
    /// The version (`<namespace>/<name>@<version>`).
    pub version_id: String,
    /// The slug.
    pub slug: String,
    /// The version.
    pub version: String,
    /// Always `published`.
    pub publication_status: String,
}

/// A 409 when a slug given without an owner names skills in several namespaces.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ambiguous {
    /// `AMBIGUOUS_SKILL_SLUG`.
    pub code: String,
    /// What to do.
    pub message: String,
    /// The skills it could mean.
    pub matches: Vec<AmbiguousMatch>,
}

/// One skill of [`Ambiguous`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AmbiguousMatch {
    /// Its namespace, as an owner handle.
    pub owner_handle: String,
    /// Its name.
    pub slug: String,
    /// What to type: `@<owner>/<slug>`.
    #[serde(rename = "ref")]
    pub reference: String,
    /// Its page.
    pub url: String,
}

/// `POST /api/cli/telemetry/install`: taken and dropped (the registry counts downloads).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Accepted {
    /// Always `true`.
    pub ok: bool,
}
