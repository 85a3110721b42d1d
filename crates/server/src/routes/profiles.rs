//! Agent profiles: `/api/v1/profiles` (list, create) and `/api/v1/profiles/<ns…>/<name>`
//! (read), whose skills follow a `/-/` marker: `POST …/-/skills` adds one (or changes its
//! version request), `DELETE …/-/skills/<skill ns…>/<skill name>` takes one out.

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use skillreg_api::{
    CreateProfileBody, ErrorEnvelope, ProfileBody, ProfileList, ProfileParams, ProfileSkillRequest,
};
use skillreg_core::auth::Actor;
use skillreg_core::profile::ProfileId;
use skillreg_core::{Namespace, SkillId, VersionReq};

use super::{Shared, bad_query, invalid, json_body};
use crate::auth::{Reader, RequiredActor};
use crate::error::{ApiError, ErrorType};

/// The profiles the reader may see, of one namespace or all, ordered by id.
#[utoipa::path(get, path = "/api/v1/profiles", tag = "profiles", params(ProfileParams),
    responses(
        (status = 200, description = "The profiles", body = ProfileList),
        (status = 400, description = "Not a namespace", body = ErrorEnvelope),
    ))]
pub(super) async fn list(
    State(state): State<Shared>,
    reader: Reader,
    params: Result<Query<ProfileParams>, QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(params) = params.map_err(|e| bad_query(&e))?;
    let namespace: Option<Namespace> = params
        .namespace
        .as_deref()
        .map(str::parse)
        .transpose()
        .map_err(|e| invalid("namespace", e))?;
    let records = state
        .registry
        .profiles(reader.actor(), namespace.as_ref())
        .await?;
    Ok(Json(ProfileList {
        profiles: records.iter().map(Into::into).collect(),
    })
    .into_response())
}

/// Creates an empty profile in a namespace the caller is a member of (a token with
/// `publish-new` that covers it).
#[utoipa::path(post, path = "/api/v1/profiles", tag = "profiles", request_body = CreateProfileBody,
    security(("token" = [])),
    responses(
        (status = 201, description = "The profile", body = ProfileBody),
        (status = 400, description = "A bad id or description", body = ErrorEnvelope),
        (status = 403, description = "Not a member, or the token does not allow it", body = ErrorEnvelope),
        (status = 404, description = "No such namespace", body = ErrorEnvelope),
        (status = 409, description = "The profile exists", body = ErrorEnvelope),
    ))]
pub(super) async fn create(
    State(state): State<Shared>,
    RequiredActor(actor): RequiredActor,
    body: Bytes,
) -> Result<Response, ApiError> {
    let request: CreateProfileBody = json_body(&body)?;
    let id: ProfileId = request.id.parse().map_err(|e| invalid("profile id", e))?;
    let record = state
        .registry
        .create_profile(&actor, &id, &request.description)
        .await?;
    Ok((StatusCode::CREATED, Json(ProfileBody::from(&record))).into_response())
}

/// A profile, with the skills the reader may see.
#[utoipa::path(get, path = "/api/v1/profiles/{namespace}/{name}", tag = "profiles",
    params(
        ("namespace" = String, Path, description = "One or more `/`-separated segments"),
        ("name" = String, Path, description = "The profile's name"),
    ),
    responses(
        (status = 200, description = "The profile", body = ProfileBody),
        (status = 404, description = "No such profile", body = ErrorEnvelope),
    ))]
pub(super) async fn resource(
    State(state): State<Shared>,
    method: Method,
    reader: Reader,
    Path(path): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let (id_part, sub) = match path.split_once("/-/") {
        Some((id, sub)) => (id, Some(sub)),
        None => (path.as_str(), None),
    };
    let id: ProfileId = id_part.parse().map_err(|e| invalid("profile id", e))?;
    let record = match (&method, sub) {
        (&Method::GET, None) => state.registry.profile(reader.actor(), &id).await?,
        (&Method::POST, Some("skills")) => {
            let actor = reader.actor().ok_or_else(crate::auth::token_required)?;
            return add_skill(&state, actor, &id, &body).await;
        }
        (&Method::DELETE, Some(skill)) if skill.starts_with("skills/") => {
            let actor = reader.actor().ok_or_else(crate::auth::token_required)?;
            return remove_skill(&state, actor, &id, &skill["skills/".len()..]).await;
        }
        _ => {
            return Err(ApiError::new(
                ErrorType::PackageNotFound,
                format!("no route for {method} `{path}`"),
            ));
        }
    };
    Ok(Json(ProfileBody::from(&record)).into_response())
}

/// Adds a skill to a profile, or changes the versions it asks for (`{"skill": "acme/pdf",
/// "version": "^1"}`; `latest` when the version is left out).
#[utoipa::path(post, path = "/api/v1/profiles/{namespace}/{name}/-/skills", tag = "profiles",
    params(
        ("namespace" = String, Path, description = "One or more `/`-separated segments"),
        ("name" = String, Path, description = "The profile's name"),
    ),
    request_body = ProfileSkillRequest,
    security(("token" = [])),
    responses(
        (status = 200, description = "The profile after the change", body = ProfileBody),
        (status = 400, description = "A bad skill id or version request, or a full profile", body = ErrorEnvelope),
        (status = 403, description = "Not a member, or the token does not allow it", body = ErrorEnvelope),
        (status = 404, description = "No such profile or skill", body = ErrorEnvelope),
    ))]
async fn add_skill(
    state: &Shared,
    actor: &Actor,
    id: &ProfileId,
    body: &[u8],
) -> Result<Response, ApiError> {
    let request: ProfileSkillRequest = json_body(body)?;
    let skill: SkillId = request.skill.parse().map_err(|e| invalid("skill id", e))?;
    let wanted: VersionReq = request
        .version
        .parse()
        .map_err(|e| invalid("version request", e))?;
    let record = state
        .registry
        .add_to_profile(actor, id, &skill, &wanted)
        .await?;
    Ok(Json(ProfileBody::from(&record)).into_response())
}

/// Takes a skill out of a profile.
#[utoipa::path(delete, path = "/api/v1/profiles/{namespace}/{name}/-/skills/{skill}", tag = "profiles",
    params(
        ("namespace" = String, Path, description = "One or more `/`-separated segments"),
        ("name" = String, Path, description = "The profile's name"),
        ("skill" = String, Path, description = "The skill's id, `namespace/name`"),
    ),
    security(("token" = [])),
    responses(
        (status = 200, description = "The profile after the change", body = ProfileBody),
        (status = 403, description = "Not a member, or the token does not allow it", body = ErrorEnvelope),
        (status = 404, description = "No such profile, or the skill is not in it", body = ErrorEnvelope),
    ))]
async fn remove_skill(
    state: &Shared,
    actor: &Actor,
    id: &ProfileId,
    skill: &str,
) -> Result<Response, ApiError> {
    let skill: SkillId = skill.parse().map_err(|e| invalid("skill id", e))?;
    let record = state
        .registry
        .remove_from_profile(actor, id, &skill)
        .await?;
    Ok(Json(ProfileBody::from(&record)).into_response())
}
