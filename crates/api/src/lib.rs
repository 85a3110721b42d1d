//! The wire contract of a skillreg registry: every body its HTTP API reads or writes, its
//! event stream's data and its one error envelope, as types. The server serializes these and
//! the HTTP client reads them back, so the two cannot drift apart unnoticed; with the
//! `openapi` feature every type also describes itself for the OpenAPI document.
//!
//! Domain values (from `skillreg-core`) convert into these types here and nowhere else;
//! nothing of core is serialized directly. Times are milliseconds since the Unix epoch
//! (`…_ms`), digests `sha256:<hex>`, signature values lowercase hex.
//!
//! The Package Registry Standard documents ([`prs`]) are read from other registries too, so
//! the fields the standard does not require default when a document leaves them out.

pub mod audit;
pub mod clawhub;
pub mod error;
pub mod events;
pub mod keys;
pub mod log;
pub mod moves;
pub mod namespaces;
pub mod oci;
pub mod profiles;
pub mod prs;
pub mod skills;
pub mod tokens;

pub use audit::{
    AuditBlocked, AuditBody, AuditFinding, AuditNote, FalsePositiveRequest, OverrideBody,
    OverrideRequest, RescanFailureBody, RescanRequest, RescanResponse, VerdictChangeBody,
    VersionAudit,
};
pub use error::{ErrorBody, ErrorEnvelope, ErrorType};
pub use events::{EventBody, EventParams};
pub use keys::{PublisherKeyBody, RegisterKeyBody};
pub use log::{
    ConsistencyBody, ConsistencyParams, CosignBody, CosignedCheckpoints, InclusionBody,
    InclusionParams, LogEntries, LogEntriesParams, LogEntryBody, LogInfo, hashes_from_base64,
};
pub use moves::{MoveBody, MovedResponse};
pub use namespaces::{
    CreateNamespaceBody, MemberBody, MemberRole, MemberView, NamespaceBody, NamespaceVisibility,
    VisibilityBody,
};
pub use profiles::{
    CreateProfileBody, ProfileBody, ProfileList, ProfileParams, ProfileSkill, ProfileSkillRequest,
};
pub use skills::{
    ConflictBody, DeprecationBody, DeprecationResponse, DownloadParams, ImportParams,
    ImportResponse, PublishParams, PublishResponse, PublishStatus, RateBody, RatedResponse,
    RatingBody, RatingsResponse, ResolveParams, ResolveResponse, Review, SearchParams,
    SearchResponse, SignatureBody, SkillDetails, SkillSummary, TrendingEntry, TrendingParams,
    TrendingResponse, VersionBody, VersionList, YankResponse,
};
pub use tokens::{CreateTokenBody, CreatedToken, RevokedToken, TokenBody, TokenList, WhoamiBody};

/// Where one version downloads on the native API: the exact version, its `+` (build
/// metadata) escaped.
pub fn download_url(id: &skillreg_core::SkillId, version: &skillreg_core::Version) -> String {
    format!(
        "/api/v1/skills/{id}/-/download?version={}",
        version.to_string().replace('+', "%2B")
    )
}

/// The header a signed publish carries, once per signature: `<algorithm> <key id> <hex>`.
pub const SIGNATURE_HEADER: &str = "skillreg-signature";

#[cfg(test)]
mod tests;
