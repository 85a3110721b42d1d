//! The transparency log: its key (`/.well-known/skillreg-log`), the latest signed
//! checkpoint, entries, and inclusion and consistency proofs. Each handler calls one
//! registry method.

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use skillreg_api::{
    ConsistencyBody, ConsistencyParams, CosignBody, CosignedCheckpoints, ErrorEnvelope,
    InclusionBody, InclusionParams, LogEntries, LogEntriesParams, LogEntryBody, LogInfo,
};
use skillreg_core::usecases::MAX_LOG_PAGE;

use super::{Shared, bad_query};
use crate::auth::Reader;
use crate::error::ApiError;

/// The log's origin and verifier key, and where its checkpoint and proofs are.
#[utoipa::path(get, path = "/.well-known/skillreg-log", tag = "log",
    responses(
        (status = 200, description = "The log's key", body = LogInfo),
        (status = 404, description = "The registry has no log key", body = ErrorEnvelope),
    ))]
pub(super) async fn well_known(
    State(state): State<Shared>,
    reader: Reader,
) -> Result<Json<LogInfo>, ApiError> {
    let key = state.registry.log_key(reader.actor())?;
    Ok(Json(LogInfo {
        origin: key.name.clone(),
        key: key.to_text(),
        checkpoint: "/api/v1/log/checkpoint".to_owned(),
        entries: "/api/v1/log/entries".to_owned(),
        inclusion: "/api/v1/log/proof/inclusion".to_owned(),
        consistency: "/api/v1/log/proof/consistency".to_owned(),
    }))
}

/// The latest checkpoint: a signed note (origin, size, root hash, time; then signatures).
#[utoipa::path(get, path = "/api/v1/log/checkpoint", tag = "log",
    responses(
        (status = 200, description = "The signed checkpoint", body = String, content_type = "text/plain"),
        (status = 404, description = "The registry has no log key", body = ErrorEnvelope),
    ))]
pub(super) async fn checkpoint(
    State(state): State<Shared>,
    reader: Reader,
) -> Result<Response, ApiError> {
    let note = state.registry.log_checkpoint(reader.actor()).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/plain; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        note,
    )
        .into_response())
}

/// Entries from `start`: every leaf hash, and the bytes of each entry the reader may read.
#[utoipa::path(get, path = "/api/v1/log/entries", tag = "log", params(LogEntriesParams),
    responses((status = 200, description = "The entries", body = LogEntries)))]
pub(super) async fn entries(
    State(state): State<Shared>,
    reader: Reader,
    params: Result<Query<LogEntriesParams>, QueryRejection>,
) -> Result<Json<LogEntries>, ApiError> {
    let Query(params) = params.map_err(|e| bad_query(&e))?;
    let limit = params.limit.unwrap_or(MAX_LOG_PAGE).clamp(1, MAX_LOG_PAGE);
    let read = state
        .registry
        .log_entries(reader.actor(), params.start.unwrap_or(0), limit)
        .await?;
    let next = (read.len() == limit as usize)
        .then(|| read.last().map(|e| e.index + 1))
        .flatten();
    Ok(Json(LogEntries {
        entries: read.iter().map(LogEntryBody::from).collect(),
        next,
    }))
}

/// The proof that entry `index` is in the tree of `size` entries, with the entry.
#[utoipa::path(get, path = "/api/v1/log/proof/inclusion", tag = "log", params(InclusionParams),
    responses(
        (status = 200, description = "The entry and its proof", body = InclusionBody),
        (status = 400, description = "An index or size outside the log", body = ErrorEnvelope),
    ))]
pub(super) async fn inclusion(
    State(state): State<Shared>,
    reader: Reader,
    params: Result<Query<InclusionParams>, QueryRejection>,
) -> Result<Json<InclusionBody>, ApiError> {
    let Query(params) = params.map_err(|e| bad_query(&e))?;
    let proof = state
        .registry
        .log_inclusion(reader.actor(), params.index, params.size)
        .await?;
    Ok(Json(InclusionBody::from(&proof)))
}

/// The proof that the tree of `new` entries extends the tree of `old` entries.
#[utoipa::path(get, path = "/api/v1/log/proof/consistency", tag = "log", params(ConsistencyParams),
    responses(
        (status = 200, description = "The proof", body = ConsistencyBody),
        (status = 400, description = "Sizes outside the log", body = ErrorEnvelope),
    ))]
pub(super) async fn consistency(
    State(state): State<Shared>,
    reader: Reader,
    params: Result<Query<ConsistencyParams>, QueryRejection>,
) -> Result<Json<ConsistencyBody>, ApiError> {
    let Query(params) = params.map_err(|e| bad_query(&e))?;
    let (new, hashes) = state
        .registry
        .log_consistency(reader.actor(), params.old, params.new)
        .await?;
    Ok(Json(ConsistencyBody {
        old: params.old,
        new,
        hashes: hashes
            .iter()
            .map(skillreg_core::log::hash_to_base64)
            .collect(),
    }))
}

/// Adds a witness's cosignature to a checkpoint this log signed; answers with the
/// checkpoint and every cosignature kept for it.
#[utoipa::path(post, path = "/api/v1/log/cosignatures", tag = "log", request_body = CosignBody,
    responses(
        (status = 200, description = "The cosigned checkpoint as kept", body = CosignedCheckpoints),
        (status = 400, description = "Not a checkpoint of this log, or not cosigned by the witness", body = ErrorEnvelope),
    ))]
pub(super) async fn cosign(
    State(state): State<Shared>,
    reader: Reader,
    body: axum::body::Bytes,
) -> Result<Json<CosignedCheckpoints>, ApiError> {
    let body: CosignBody = super::json_body(&body)?;
    let note = state
        .registry
        .log_cosign(reader.actor(), &body.note, &body.witness)
        .await?;
    Ok(Json(CosignedCheckpoints {
        checkpoints: vec![note],
    }))
}

/// The cosigned checkpoints kept, largest tree first.
#[utoipa::path(get, path = "/api/v1/log/cosignatures", tag = "log",
    responses((status = 200, description = "Cosigned checkpoints", body = CosignedCheckpoints)))]
pub(super) async fn cosigned(
    State(state): State<Shared>,
    reader: Reader,
) -> Result<Json<CosignedCheckpoints>, ApiError> {
    Ok(Json(CosignedCheckpoints {
        checkpoints: state.registry.log_cosigned(reader.actor()).await?,
    }))
}
