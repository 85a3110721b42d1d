//! A version's audit after publish: reading it (`…/-/versions/<v>/audit`), an owner's
//! false-positive marks, an admin's override, and the admin's rescan
//! (`/api/v1/admin/rescan`). Each handler calls one use case.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use skillreg_api::{
    AuditBody, ErrorEnvelope, FalsePositiveRequest, OverrideRequest, RescanRequest, RescanResponse,
    VersionAudit,
};
use skillreg_core::audit::{Audited, Verdict};
use skillreg_core::auth::Actor;
use skillreg_core::ports::VersionCursor;
use skillreg_core::{SkillId, Version};

use super::{Shared, SkillPath, invalid, json_body};
use crate::AppState;
use crate::auth::{Reader, RequiredActor};
use crate::error::ApiError;

/// How many versions a rescan batch audits when the request does not say.
const DEFAULT_RESCAN_BATCH: u32 = 100;

fn answer(id: &SkillId, version: &Version, audit: Option<&Audited>) -> Response {
    Json(VersionAudit {
        id: id.to_string(),
        version: version.to_string(),
        audit: audit.map(AuditBody::from),
    })
    .into_response()
}

fn parse_version(version: &str) -> Result<Version, ApiError> {
    version.parse().map_err(|e| invalid("version", e))
}

/// A version's audit: the verdict that counts, every finding with its file, line, code,
/// severity, message and fix, owners' false-positive marks and an admin's override.
#[utoipa::path(
    get,
    path = "/api/v1/skills/{namespace}/{name}/-/versions/{version}/audit",
    tag = "audit",
    params(SkillPath, ("version" = String, Path, description = "An exact version")),
    responses(
        (status = 200, description = "The version's audit (`audit` is null when it was never audited)", body = VersionAudit),
        (status = 404, description = "No such skill or version", body = ErrorEnvelope),
    )
)]
pub(super) async fn version_audit(
    state: &AppState,
    reader: &Reader,
    id: &SkillId,
    version: &str,
) -> Result<Response, ApiError> {
    let version = parse_version(version)?;
    let (skill, record) = state
        .registry
        .version_audit(reader.actor(), id, &version)
        .await?;
    Ok(answer(
        &skill.id,
        record.version(),
        record.published.audit.as_ref(),
    ))
}

/// Marks a finding as a false positive, with a note (a maintainer's call, with the `yank`
/// scope). The mark is shown with the finding; it changes no verdict.
#[utoipa::path(
    post,
    path = "/api/v1/skills/{namespace}/{name}/-/versions/{version}/audit/false-positives",
    tag = "audit",
    params(SkillPath, ("version" = String, Path, description = "An exact version")),
    request_body = FalsePositiveRequest,
    security(("token" = [])),
    responses(
        (status = 200, description = "The audit with the mark", body = VersionAudit),
        (status = 400, description = "An empty or long note", body = ErrorEnvelope),
        (status = 403, description = "Not a maintainer of the skill", body = ErrorEnvelope),
        (status = 404, description = "No such skill, version or finding; or never audited", body = ErrorEnvelope),
    )
)]
pub(super) async fn mark_false_positive(
    state: &AppState,
    actor: &Actor,
    id: &SkillId,
    version: &str,
    body: &[u8],
) -> Result<Response, ApiError> {
    let version = parse_version(version)?;
    let request: FalsePositiveRequest = json_body(body)?;
    let audit = state
        .registry
        .mark_false_positive(actor, id, &version, &request.fingerprint, &request.note)
        .await?;
    Ok(answer(id, &version, Some(&audit)))
}

/// Sets a version's verdict (`PUT`, an admin's call) or gives it back to its findings
/// (`DELETE`). A change of verdict is a `skill.verdict_changed` event.
#[utoipa::path(
    method(put, delete),
    path = "/api/v1/skills/{namespace}/{name}/-/versions/{version}/audit/override",
    tag = "audit",
    params(SkillPath, ("version" = String, Path, description = "An exact version")),
    request_body(content = OverrideRequest, description = "With `PUT` only"),
    security(("token" = [])),
    responses(
        (status = 200, description = "The audit with the override (or without it)", body = VersionAudit),
        (status = 400, description = "Not a verdict, or an empty or long note", body = ErrorEnvelope),
        (status = 403, description = "Not an admin", body = ErrorEnvelope),
        (status = 404, description = "No such skill or version; or never audited", body = ErrorEnvelope),
    )
)]
pub(super) async fn override_verdict(
    state: &AppState,
    actor: &Actor,
    id: &SkillId,
    version: &str,
    body: Option<&[u8]>,
) -> Result<Response, ApiError> {
    let version = parse_version(version)?;
    let request: Option<OverrideRequest> = body.map(json_body).transpose()?;
    let verdict = request
        .as_ref()
        .map(|r| {
            r.verdict
                .parse::<Verdict>()
                .map(|v| (v, r.note.as_str()))
                .map_err(|e| invalid("verdict", e))
        })
        .transpose()?;
    let audit = state
        .registry
        .override_verdict(actor, id, &version, verdict)
        .await?;
    Ok(answer(id, &version, Some(&audit)))
}

/// Audits again, under today's rules and policy, one batch of the versions audited
/// otherwise (an admin's call). Resume with the answer's `next` until it is null.
#[utoipa::path(
    post,
    path = "/api/v1/admin/rescan",
    tag = "audit",
    request_body = RescanRequest,
    security(("token" = [])),
    responses(
        (status = 200, description = "The batch: how many were audited, verdicts changed, failures, where to resume", body = RescanResponse),
        (status = 400, description = "A cursor that is not one", body = ErrorEnvelope),
        (status = 403, description = "Not an admin", body = ErrorEnvelope),
    )
)]
pub(super) async fn rescan(
    State(state): State<Shared>,
    RequiredActor(actor): RequiredActor,
    body: Bytes,
) -> Result<Json<RescanResponse>, ApiError> {
    let request: RescanRequest = if body.is_empty() {
        RescanRequest::default()
    } else {
        json_body(&body)?
    };
    let after: Option<VersionCursor> = request
        .after
        .as_deref()
        .map(str::parse)
        .transpose()
        .map_err(|e| invalid("after", e))?;
    let batch = state
        .registry
        .rescan(
            &actor,
            after.as_ref(),
            request.limit.unwrap_or(DEFAULT_RESCAN_BATCH),
        )
        .await?;
    Ok(Json(RescanResponse::from(&batch)))
}
