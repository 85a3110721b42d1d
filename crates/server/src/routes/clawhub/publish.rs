//! The ClawHub protocol's writes and the token check: `whoami`, the one-file uploads a
//! publish is made of, the publish, and the install report the CLI sends (taken, unused).

use axum::Json;
use axum::body::Body;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use skillreg_api::clawhub::{
    Accepted, PublishBody, PublishResponse, UploadResponse, UploadUrlRequest, UploadUrlResponse,
    Whoami, WhoamiUser,
};
use skillreg_core::Version;
use skillreg_core::auth::NamespacePattern;
use skillreg_core::clawhub::handle;
use skillreg_core::digest::Digest;
use skillreg_core::usecases::{PublishOutcome, StagedFile, StagedPublish};

use super::{PREFIX, Shared, failed, text};
use crate::auth::RequiredActor;

/// A sha256 written as 64 hex digits.
fn hex_digest(text: &str) -> Option<Digest> {
    let bytes: [u8; 32] = skillreg_core::digest::unhex(text)?.try_into().ok()?;
    Some(Digest::from_bytes(bytes))
}

/// The largest publish body: a thousand files' descriptions.
const MAX_PUBLISH_BODY: usize = 1024 * 1024;

/// `GET /api/v1/whoami`: the token's user, and the owner a publish goes to by default.
pub(crate) async fn whoami(RequiredActor(actor): RequiredActor) -> Json<Whoami> {
    let only = match actor.namespaces() {
        [NamespacePattern::Exact(ns) | NamespacePattern::Subtree(ns)] => Some(handle(ns)),
        _ => None,
    };
    Json(Whoami {
        user: WhoamiUser {
            handle: Some(only.unwrap_or_else(|| actor.user().to_string())),
            display_name: Some(actor.user().to_string()),
            role: Some(if actor.is_admin() { "admin" } else { "user" }.to_owned()),
        },
    })
}

/// `POST /api/v1/skills/-/upload-url`: where to send one file. The URL carries what the
/// file must be, so any replica can take it.
pub(crate) async fn upload_url(
    State(state): State<Shared>,
    RequiredActor(_): RequiredActor,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let request: UploadUrlRequest = match serde_json::from_slice(&body) {
        Ok(request) => request,
        Err(e) => return text(StatusCode::BAD_REQUEST, &format!("invalid JSON body: {e}")),
    };
    let Some(sha256) = hex_digest(&request.sha256) else {
        return text(
            StatusCode::BAD_REQUEST,
            "sha256 must be 64 hexadecimal digits",
        );
    };
    let ticket = format!("sha256={}&size={}", sha256.hex(), request.size);
    Json(UploadUrlResponse {
        upload_url: format!("{}{PREFIX}/api/v1/uploads?{ticket}", state.origin(&headers)),
        upload_ticket: ticket,
    })
    .into_response()
}

/// `?sha256=&size=`.
#[derive(Debug, Deserialize)]
pub(crate) struct UploadParams {
    sha256: String,
    size: u64,
}

/// `POST /api/v1/uploads?sha256=&size=`: one file of a coming publish, kept by its digest.
pub(crate) async fn upload(
    State(state): State<Shared>,
    RequiredActor(actor): RequiredActor,
    params: Result<Query<UploadParams>, QueryRejection>,
    body: Body,
) -> Response {
    let Ok(Query(params)) = params else {
        return text(
            StatusCode::BAD_REQUEST,
            "ask for an upload URL first (POST /api/v1/skills/-/upload-url)",
        );
    };
    let limit = usize::try_from(state.registry.config().limits.max_file_size).unwrap_or(usize::MAX);
    let Ok(bytes) = axum::body::to_bytes(body, limit).await else {
        return text(
            StatusCode::PAYLOAD_TOO_LARGE,
            &format!("a file may have at most {limit} bytes"),
        );
    };
    match state
        .registry
        .clawhub_upload(&actor, &bytes, &params.sha256, params.size)
        .await
    {
        Ok(digest) => Json(UploadResponse {
            storage_id: digest.to_string(),
        })
        .into_response(),
        Err(error) => failed(error),
    }
}

/// `POST /api/v1/skills`: publishes the uploaded files as one version.
pub(crate) async fn publish(
    State(state): State<Shared>,
    RequiredActor(actor): RequiredActor,
    body: Body,
) -> Response {
    let Ok(bytes) = axum::body::to_bytes(body, MAX_PUBLISH_BODY).await else {
        return text(
            StatusCode::PAYLOAD_TOO_LARGE,
            &format!("a publish body may have at most {MAX_PUBLISH_BODY} bytes"),
        );
    };
    let body: PublishBody = match serde_json::from_slice(&bytes) {
        Ok(body) => body,
        Err(e) => return text(StatusCode::BAD_REQUEST, &format!("invalid JSON body: {e}")),
    };
    let Ok(version) = body.version.parse::<Version>() else {
        return text(
            StatusCode::BAD_REQUEST,
            &format!(
                "`{}` is not a version: use semver, such as 1.0.0",
                skillreg_core::text::sanitize_remote(&body.version)
            ),
        );
    };
    let Some(owner) = body.owner_handle.filter(|o| !o.trim().is_empty()) else {
        return text(
            StatusCode::BAD_REQUEST,
            "name the namespace to publish into: clawhub publish --owner <namespace>",
        );
    };
    let mut files = Vec::with_capacity(body.files.len());
    for file in body.files {
        let Some(stored) = file.storage_id.strip_prefix("sha256:").and_then(hex_digest) else {
            return text(
                StatusCode::BAD_REQUEST,
                &format!(
                    "`{}` has no upload of this registry's (storageId sha256:<hex>)",
                    skillreg_core::text::sanitize_remote(&file.path)
                ),
            );
        };
        files.push(StagedFile {
            path: file.path,
            stored,
            sha256: file.sha256,
            size: file.size,
        });
    }
    let request = StagedPublish {
        owner,
        slug: body.slug,
        version,
        files,
    };
    let published = match state.registry.clawhub_publish(&actor, request).await {
        Ok(PublishOutcome::Created { published, .. } | PublishOutcome::Unchanged(published)) => {
            published
        }
        Err(error) => return failed(error),
    };
    let id = &published.skill.id;
    let version = published.version.version().to_string();
    Json(PublishResponse {
        ok: true,
        skill_id: id.to_string(),
        version_id: format!("{id}@{version}"),
        slug: id.name().to_string(),
        version,
        publication_status: "published".to_owned(),
    })
    .into_response()
}

/// `POST /api/cli/telemetry/install`: the CLI's install report, taken and dropped (the
/// download itself was counted).
pub(crate) async fn telemetry() -> Json<Accepted> {
    Json(Accepted { ok: true })
}
