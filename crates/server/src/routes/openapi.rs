//! The OpenAPI document of the whole HTTP API, generated from the handlers' annotations and
//! the `skillreg-api` types. Served at `/api/v1/openapi.json`; the copy in `docs/openapi.json` is
//! checked against it by a test.

use axum::Json;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use skillreg_api::oci::{OciError, OciErrors, TagList, VersionCheck};
use skillreg_api::prs::{AuthMetadata, BrowseResponse, Endpoints, PackageBody, RegistryMetadata};
use skillreg_api::*;

/// Tokens go as `Authorization: Bearer <token>` or `X-API-Key: <token>`.
struct TokenAuth;

impl Modify for TokenAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "token",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("A skillreg token (`skr_…`)"))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "api_key",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::new("X-API-Key"))),
        );
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "skillreg",
        description = "A registry for AI agent skills. One skill is `/api/v1/skills/<ns…>/<name>`; \
its sub-resources follow a `/-/` marker, so a namespace of several segments never collides \
with a sub-resource name. Errors come as `{\"error\": {\"type\", \"message\", \"details\"}}`."
    ),
    paths(
        super::healthz, super::readyz, super::metrics,
        super::skills::search, super::uploads::publish, super::skills::resolve,
        super::uploads::import, super::skills::trending, super::skills::details,
        super::skills::list_versions, super::skills::one_version, super::skills::download,
        super::skills::ratings, super::skills::rate, super::skills::set_yanked,
        super::skills::deprecate, super::skills::move_skill,
        super::audits::version_audit, super::audits::mark_false_positive,
        super::audits::override_verdict, super::audits::rescan,
        super::events::events,
        super::log::well_known, super::log::checkpoint, super::log::entries,
        super::log::inclusion, super::log::consistency, super::log::cosign, super::log::cosigned,
        super::admin::create_token, super::admin::whoami, super::admin::revoke_key, super::admin::list_tokens, super::admin::revoke_token,
        super::admin::create_namespace, super::admin::namespace_resource, super::admin::set_member, super::admin::set_visibility,
        super::admin::register_key, super::admin::publisher_key,
        super::profiles::list, super::profiles::create, super::profiles::resource,
        super::profiles::add_skill, super::profiles::remove_skill,
        super::prs::metadata, super::prs::package, super::prs::skill_alias, super::prs::browse,
        super::oci::version_check, super::oci::resource,
        openapi_json,
    ),
    components(schemas(
        ErrorEnvelope, ErrorBody, ErrorType, SearchResponse, SkillSummary, RatingBody, VersionBody,
        VersionList, SkillDetails, SignatureBody, PublishResponse, PublishStatus, ResolveResponse,
        RateBody, RatedResponse, RatingsResponse, Review, YankResponse, DeprecationBody,
        DeprecationResponse, ImportResponse, ConflictBody, TrendingResponse, TrendingEntry,
        EventBody, CreateTokenBody, CreatedToken, TokenBody, TokenList, RevokedToken, WhoamiBody,
        CreateNamespaceBody, NamespaceBody, MemberView, MemberBody, MemberRole,
        RegisterKeyBody, PublisherKeyBody,
        MoveBody, MovedResponse,
        LogInfo, LogEntryBody, LogEntries, InclusionBody, ConsistencyBody, CosignBody,
        CosignedCheckpoints,
        CreateProfileBody, ProfileBody, ProfileList, ProfileSkill, ProfileSkillRequest,
        AuditBody, AuditFinding, AuditNote, OverrideBody, VersionAudit, FalsePositiveRequest,
        OverrideRequest, RescanRequest, RescanResponse, VerdictChangeBody, RescanFailureBody,
        AuditBlocked,
        PackageBody, BrowseResponse, RegistryMetadata, Endpoints, AuthMetadata,
        OciErrors, OciError, TagList, VersionCheck,
    )),
    modifiers(&TokenAuth),
)]
struct ApiDoc;

/// The OpenAPI document, pretty-printed (what `docs/openapi.json` holds).
pub fn document() -> String {
    let mut text = ApiDoc::openapi()
        .to_pretty_json()
        .unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    text.push('\n');
    text
}

/// This document.
#[utoipa::path(get, path = "/api/v1/openapi.json", tag = "operations",
    responses((status = 200, description = "The OpenAPI document", body = Object)))]
pub(super) async fn openapi_json() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}
