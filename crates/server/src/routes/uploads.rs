//! Uploads: publish (`POST /api/v1/skills`) and import (`POST /api/v1/import`). Each is
//! authorized before its body is read, waits for one of a bounded number of turns (a few per
//! user), reads the archive up to the limit and runs its use case on the blocking pool.

use std::sync::Arc;

use axum::Json;
use axum::body::Body;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use skillreg_api::{
    ConflictBody, ErrorEnvelope, ImportParams, ImportResponse, PublishParams, PublishResponse,
    PublishStatus, SIGNATURE_HEADER, VersionBody,
};
use skillreg_core::conflict::ConflictPolicy;
use skillreg_core::digest::unhex;
use skillreg_core::signature::Signature;
use skillreg_core::usecases::{
    BundleInput, ImportOutcome, ImportRequest, PublishOutcome, PublishRequest, RegistryError,
};
use skillreg_core::{Namespace, Version};

use super::{REQUEST_TIMEOUT, Shared, bad_query, invalid};
use crate::AppState;
use crate::auth::RequiredActor;
use crate::error::{ApiError, ErrorType};

/// Most `Skillreg-Signature` headers one publish may carry.
const MAX_SIGNATURES: usize = 8;

/// Publishes a version: the body is the skill's gzip tar archive. Versions are immutable:
/// the same archive again is `200 unchanged`, another archive under the same version is a
/// `409`. Each `Skillreg-Signature` header (`ed25519 <key id> <hex>`) must verify under a
/// key the publisher registered.
#[utoipa::path(post, path = "/api/v1/skills", tag = "skills",
    params(PublishParams,
        ("skillreg-signature" = Option<String>, Header, description = "`ed25519 <key id> <signature hex>` over the version statement; repeatable")),
    request_body(content = Vec<u8>, content_type = "application/gzip", description = "The skill folder as a gzip tar archive"),
    security(("token" = [])),
    responses(
        (status = 201, description = "Created", body = PublishResponse),
        (status = 200, description = "The same archive was published already", body = PublishResponse),
        (status = 400, description = "A bundle, manifest, version or signature problem", body = ErrorEnvelope),
        (status = 401, description = "No token", body = ErrorEnvelope),
        (status = 403, description = "Missing scope or namespace", body = ErrorEnvelope),
        (status = 409, description = "The version exists with other content", body = ErrorEnvelope),
        (status = 413, description = "The archive is too large", body = ErrorEnvelope),
        (status = 422, description = "The audit refused the version; details list its findings (AuditBlocked)", body = ErrorEnvelope),
        (status = 429, description = "Too many writes", body = ErrorEnvelope),
    ))]
pub(super) async fn publish(
    State(state): State<Shared>,
    RequiredActor(actor): RequiredActor,
    params: Result<Query<PublishParams>, QueryRejection>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let Query(params) = params.map_err(|e| bad_query(&e))?;
    let namespace: Namespace = params
        .namespace
        .parse()
        .map_err(|e| invalid("namespace", e))?;
    let version = params
        .version
        .map(|v| v.parse::<Version>())
        .transpose()
        .map_err(|e| invalid("version", e))?;
    let signatures = signatures_of(&headers)?;
    let (turn, archive) = receive(&state, &actor, &namespace, body).await?;
    let request = PublishRequest {
        namespace,
        bundle: BundleInput::Archive(archive),
        version,
        signatures,
    };
    let registry = state.registry.clone();
    let outcome = off_the_workers(
        &turn,
        async move { registry.publish(&actor, request).await },
    )
    .await??;
    let (status, label, published) = match outcome {
        PublishOutcome::Created { published, .. } => {
            (StatusCode::CREATED, PublishStatus::Created, published)
        }
        PublishOutcome::Unchanged(published) => {
            (StatusCode::OK, PublishStatus::Unchanged, published)
        }
    };
    let response = PublishResponse {
        status: label,
        id: published.skill.id.to_string(),
        version: VersionBody::from(&published.version),
        warnings: published.warnings.iter().map(ToString::to_string).collect(),
    };
    Ok((status, Json(response)).into_response())
}

/// The signatures a publish carries, each once; at most [`MAX_SIGNATURES`], at most one per
/// key.
pub(super) fn signatures_of(headers: &HeaderMap) -> Result<Vec<Signature>, ApiError> {
    let mut signatures: Vec<Signature> = Vec::new();
    for value in headers.get_all(SIGNATURE_HEADER) {
        let text = value
            .to_str()
            .map_err(|_| invalid("Skillreg-Signature header", "it is not ASCII"))?;
        // A proxy may merge repeated headers into one, comma-separated.
        for part in text.split(',') {
            let signature = parse_signature(part)?;
            if signatures.contains(&signature) {
                continue;
            }
            if signatures.iter().any(|s| s.key_id == signature.key_id) {
                return Err(invalid(
                    "Skillreg-Signature header",
                    format!("two different signatures by the key `{}`", signature.key_id),
                ));
            }
            signatures.push(signature);
            if signatures.len() > MAX_SIGNATURES {
                return Err(invalid(
                    "Skillreg-Signature header",
                    format!("a publish carries at most {MAX_SIGNATURES} signatures"),
                ));
            }
        }
    }
    Ok(signatures)
}

/// Receives an upload into `namespace`: refused before its body is read when the actor may
/// not upload there (everything the request says before its body is checked first), then
/// its turn, then the archive.
async fn receive(
    state: &AppState,
    actor: &skillreg_core::auth::Actor,
    namespace: &Namespace,
    body: Body,
) -> Result<(Arc<UploadTurn>, Vec<u8>), ApiError> {
    state.registry.authorize_upload(actor, namespace).await?;
    let turn = Arc::new(upload_turn(state, actor).await?);
    let archive = read_upload(state, body).await?;
    Ok((turn, archive))
}

/// Waits for a turn to take an upload (see `AppState::uploads`), at most until the request
/// would time out anyway. The turn ends when the upload's work does, even if its client
/// hangs up first (the work goes on to the end on the blocking pool).
pub(super) async fn upload_turn(
    state: &AppState,
    actor: &skillreg_core::auth::Actor,
) -> Result<UploadTurn, ApiError> {
    let busy = || {
        ApiError::new(
            ErrorType::Unavailable,
            "too many uploads in progress; try again shortly",
        )
    };
    let deadline = tokio::time::Instant::now() + REQUEST_TIMEOUT / 2;
    // A user's own turn first: one user (sending bodies slowly, say) holds at most
    // `UPLOADS_PER_USER` of the server's turns, and their other uploads wait behind them.
    let mine = loop {
        if let Some(slot) = state
            .upload_users
            .enter(actor.user().to_string(), crate::UPLOADS_PER_USER)
        {
            break slot;
        }
        if tokio::time::Instant::now() >= deadline {
            return Err(busy());
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    };
    let uploads = Arc::clone(&state.uploads);
    match tokio::time::timeout_at(deadline, uploads.acquire_owned()).await {
        Ok(Ok(permit)) => Ok((permit, mine)),
        _ => Err(busy()),
    }
}

/// An upload's place: one of the server's turns and one of its user's.
type UploadTurn = (
    tokio::sync::OwnedSemaphorePermit,
    crate::connections::KeySlot<String>,
);

/// Reads an upload's body, up to the archive limit (413 beyond it).
pub(super) async fn read_upload(state: &AppState, body: Body) -> Result<Vec<u8>, ApiError> {
    match axum::body::to_bytes(body, state.max_body_bytes).await {
        Ok(bytes) => Ok(bytes.to_vec()),
        Err(error) => {
            let too_large = std::error::Error::source(&error)
                .is_some_and(|source| source.is::<http_body_util::LengthLimitError>());
            if too_large {
                Err(ApiError::new(
                    ErrorType::PayloadTooLarge,
                    format!("the archive is larger than {} bytes", state.max_body_bytes),
                ))
            } else {
                Err(invalid("body", error))
            }
        }
    }
}

/// Runs an upload's use case (unpacking, validating, repacking and hashing: milliseconds to
/// seconds of CPU) on the blocking pool, so the async workers keep answering everyone else.
pub(super) async fn off_the_workers<T: Send + 'static>(
    turn: &Arc<UploadTurn>,
    work: impl std::future::Future<Output = T> + Send + 'static,
) -> Result<T, ApiError> {
    let handle = tokio::runtime::Handle::current();
    let turn = Arc::clone(turn);
    tokio::task::spawn_blocking(move || {
        let _turn = turn;
        handle.block_on(work)
    })
    .await
    .map_err(|error| {
        tracing::error!(%error, "an upload's task failed");
        ApiError::new(
            ErrorType::Internal,
            "the registry failed to handle the request; try again later",
        )
    })
}

pub(super) fn parse_signature(text: &str) -> Result<Signature, ApiError> {
    let bad = |why: &str| {
        invalid(
            "Skillreg-Signature header",
            format!("{why}; write `ed25519 <key id> <signature in hex>`"),
        )
    };
    let mut parts = text.split_ascii_whitespace();
    let (Some(algorithm), Some(key_id), Some(value), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(bad("it needs three parts"));
    };
    Ok(Signature {
        algorithm: algorithm.parse().map_err(|e: String| bad(&e))?,
        key_id: key_id.to_owned(),
        value: unhex(value).ok_or_else(|| bad("the value is not lowercase hex"))?,
    })
}

/// Imports a skill folder (gzip tar archive) into a namespace with a conflict strategy:
/// `fail`, `skip`, `overwrite` (maintainers only; keeps id, creator and creation time) or
/// `rename` (`name-2`, …).
#[utoipa::path(post, path = "/api/v1/import", tag = "skills", params(ImportParams),
    request_body(content = Vec<u8>, content_type = "application/gzip"),
    security(("token" = [])),
    responses(
        (status = 201, description = "`created`", body = ImportResponse),
        (status = 200, description = "`updated`, `unchanged` or `skipped` (with the conflict)", body = ImportResponse),
        (status = 400, description = "A bundle or manifest problem", body = ErrorEnvelope),
        (status = 403, description = "Not allowed (an overwrite by someone who does not maintain the skill)", body = ErrorEnvelope),
        (status = 409, description = "The name is taken (`fail`); details carry the conflict", body = ErrorEnvelope),
        (status = 413, description = "The archive is too large", body = ErrorEnvelope),
        (status = 422, description = "The audit refused the version; details list its findings (AuditBlocked)", body = ErrorEnvelope),
    ))]
pub(super) async fn import(
    State(state): State<Shared>,
    RequiredActor(actor): RequiredActor,
    params: Result<Query<ImportParams>, QueryRejection>,
    body: Body,
) -> Result<Response, ApiError> {
    let Query(params) = params.map_err(|e| bad_query(&e))?;
    let namespace: Namespace = params
        .namespace
        .parse()
        .map_err(|e| invalid("namespace", e))?;
    let (turn, archive) = receive(&state, &actor, &namespace, body).await?;
    let limits = state.registry.config().limits;
    let files = off_the_workers(&turn, async move {
        skillreg_core::bundle::read_archive(&archive, &limits)
    })
    .await?
    .map_err(RegistryError::Bundle)?;
    let request = ImportRequest {
        namespace,
        files,
        folder_name: None,
        version: params
            .version
            .map(|v| v.parse::<Version>())
            .transpose()
            .map_err(|e| invalid("version", e))?,
        on_conflict: params
            .on_conflict
            .as_deref()
            .unwrap_or("fail")
            .parse::<ConflictPolicy>()
            .map_err(|e| invalid("on_conflict", e))?,
    };
    let registry = state.registry.clone();
    let outcome =
        off_the_workers(&turn, async move { registry.import(&actor, request).await }).await??;
    Ok(match outcome {
        ImportOutcome::Created {
            skill,
            version,
            renamed,
        } => (
            StatusCode::CREATED,
            Json(ImportResponse::Created {
                id: skill.id.to_string(),
                version: version.version().to_string(),
                renamed,
            }),
        )
            .into_response(),
        ImportOutcome::Overwritten { skill, version } => Json(ImportResponse::Updated {
            id: skill.id.to_string(),
            version: version.version().to_string(),
        })
        .into_response(),
        ImportOutcome::Unchanged { skill } => Json(ImportResponse::Unchanged {
            id: skill.id.to_string(),
        })
        .into_response(),
        ImportOutcome::Skipped(conflict) => {
            Json(ImportResponse::Skipped(ConflictBody::from(&conflict))).into_response()
        }
        ImportOutcome::Conflict(conflict) => ApiError::new(
            ErrorType::Conflict,
            format!("`{}` already exists", conflict.existing_skill_id),
        )
        .with_details(
            serde_json::to_value(ImportResponse::Conflict(ConflictBody::from(&conflict)))
                .unwrap_or_default(),
        )
        .into_response(),
    })
}
