//! The OCI distribution read API over the registry's own skills, so any OCI client can pull
//! a published version as a ToolHive-layout artifact: `/v2/` (the version check),
//! `/v2/<ns…>/<name>/manifests/<tag|digest>`, `/v2/<ns…>/<name>/blobs/<digest>` and
//! `/v2/<ns…>/<name>/tags/list`. Tags are versions (`+` written `_`). The documents come
//! from the registry's OCI use cases (built once per version, deterministic, so
//! byte-identical on every request and every replica). Errors use the distribution spec's
//! `{"errors": [{"code", "message"}]}`, which OCI clients read, rather than the native
//! envelope.

use axum::extract::{Path, State};
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use skillreg_api::oci::{OciErrors, TagList, VersionCheck};
use skillreg_core::oci::version_of_tag;
use skillreg_core::usecases::{OciBlob, RegistryError};
use skillreg_core::{Digest, SkillId};

use super::Shared;
use crate::auth::Reader;

const API_VERSION: HeaderName = HeaderName::from_static("docker-distribution-api-version");
const CONTENT_DIGEST: HeaderName = HeaderName::from_static("docker-content-digest");

fn oci_error(status: StatusCode, code: &str, message: impl Into<String>) -> Response {
    let body = OciErrors::one(code, message);
    (
        status,
        [(API_VERSION, HeaderValue::from_static("registry/2.0"))],
        axum::Json(body),
    )
        .into_response()
}

/// The 401 of an anonymous request for a repository it cannot see (or that does not exist).
pub(crate) fn challenge() -> Response {
    let mut response = oci_error(
        StatusCode::UNAUTHORIZED,
        "UNAUTHORIZED",
        "authentication required: the repository does not exist or needs a token",
    );
    response.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static("Basic realm=\"skillreg\", charset=\"UTF-8\""),
    );
    response
}

fn internal() -> Response {
    oci_error(
        StatusCode::INTERNAL_SERVER_ERROR,
        "UNKNOWN",
        "internal error",
    )
}

/// The OCI distribution version check. Once the registry has a namespace that is not
/// public, it asks anonymous callers for credentials (`401` with a `Basic` challenge), which
/// is how OCI clients learn to send their token; they read public skills without one all the
/// same.
#[utoipa::path(get, path = "/v2/", tag = "oci",
    responses(
        (status = 200, description = "This registry speaks the OCI distribution read API", body = VersionCheck),
        (status = 401, description = "`UNAUTHORIZED`: send a token as the Basic password", body = OciErrors),
    ))]
pub(super) async fn version_check(State(state): State<Shared>, reader: Reader) -> Response {
    match state.registry.asks_for_credentials(reader.actor()).await {
        Ok(false) => {}
        Ok(true) => return challenge(),
        Err(error) => {
            tracing::error!(%error, "serving the OCI version check");
            return internal();
        }
    }
    (
        [(API_VERSION, HeaderValue::from_static("registry/2.0"))],
        axum::Json(VersionCheck {}),
    )
        .into_response()
}

/// OCI distribution: a skill's manifests (by tag = version, or by digest), blobs (by
/// digest) and tags.
#[utoipa::path(get, path = "/v2/{namespace}/{name}/manifests/{reference}", tag = "oci",
    params(
        ("namespace" = String, Path, description = "The namespace, one or more segments"),
        ("name" = String, Path, description = "The skill's name"),
        ("reference" = String, Path, description = "A version as a tag (`+` written `_`), or a manifest digest"),
    ),
    responses(
        (status = 200, description = "The image index (by tag) or the index or a manifest (by digest): the OCI document's exact bytes, which its digest names", body = Vec<u8>, content_type = "application/vnd.oci.image.index.v1+json"),
        (status = 404, description = "`MANIFEST_UNKNOWN`, `NAME_UNKNOWN` or `BLOB_UNKNOWN`", body = OciErrors),
    ))]
pub(super) async fn resource(
    State(state): State<Shared>,
    reader: Reader,
    Path(path): Path<String>,
) -> Response {
    let parts: Vec<&str> = path.split('/').collect();
    let (repository, kind, reference) = match parts.as_slice() {
        [repo @ .., "tags", "list"] if repo.len() >= 2 => (repo.join("/"), "tags", ""),
        [repo @ .., kind @ ("manifests" | "blobs"), reference] if repo.len() >= 2 => {
            (repo.join("/"), *kind, *reference)
        }
        _ => return oci_error(StatusCode::NOT_FOUND, "NAME_UNKNOWN", "no such repository"),
    };
    let Ok(id) = repository.parse::<SkillId>() else {
        return oci_error(StatusCode::NOT_FOUND, "NAME_UNKNOWN", "no such repository");
    };
    let answer = match kind {
        "tags" => tags(&state, &reader, &id).await,
        "manifests" => manifest(&state, &reader, &id, reference).await,
        _ => blob(&state, &reader, &id, reference).await,
    };
    answer.unwrap_or_else(|error| match error {
        // Anonymous: a repository that does not exist and one that needs a token answer
        // alike, with the challenge OCI clients follow (they send the token as the Basic
        // password).
        RegistryError::SkillNotFound(_)
        | RegistryError::Access(skillreg_core::auth::AccessError::SignInRequired)
            if reader.actor().is_none() =>
        {
            challenge()
        }
        RegistryError::SkillNotFound(id) => oci_error(
            StatusCode::NOT_FOUND,
            "NAME_UNKNOWN",
            format!("no skill `{id}`"),
        ),
        RegistryError::VersionNotFound { request, .. } => oci_error(
            StatusCode::NOT_FOUND,
            "MANIFEST_UNKNOWN",
            format!("no version {request}"),
        ),
        error => {
            tracing::error!(%error, "serving the OCI API");
            internal()
        }
    })
}

async fn tags(state: &Shared, reader: &Reader, id: &SkillId) -> Result<Response, RegistryError> {
    let tags = state.registry.oci_tags(reader.actor(), id).await?;
    Ok((
        [(API_VERSION, HeaderValue::from_static("registry/2.0"))],
        axum::Json(TagList {
            name: id.to_string(),
            tags,
        }),
    )
        .into_response())
}

fn document(media_type: &'static str, digest: &Digest, bytes: Vec<u8>) -> Response {
    let digest = HeaderValue::from_str(&digest.to_string()).unwrap_or(HeaderValue::from_static(""));
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(media_type)),
            (CONTENT_DIGEST, digest),
            (API_VERSION, HeaderValue::from_static("registry/2.0")),
        ],
        bytes,
    )
        .into_response()
}

async fn manifest(
    state: &Shared,
    reader: &Reader,
    id: &SkillId,
    reference: &str,
) -> Result<Response, RegistryError> {
    if let Ok(digest) = reference.parse::<Digest>() {
        // A digest names the index or one of the manifests of some version.
        return Ok(
            match state
                .registry
                .oci_manifest(reader.actor(), id, &digest)
                .await?
            {
                Some(found) => document(found.media_type, &digest, found.bytes),
                None => oci_error(
                    StatusCode::NOT_FOUND,
                    "MANIFEST_UNKNOWN",
                    "no such manifest",
                ),
            },
        );
    }
    let Some(wanted) = version_of_tag(reference) else {
        return Ok(oci_error(
            StatusCode::NOT_FOUND,
            "MANIFEST_UNKNOWN",
            "tags are versions, like 1.2.0",
        ));
    };
    let documents = state
        .registry
        .oci_artifact(reader.actor(), id, &wanted)
        .await?;
    Ok(document(
        documents.index.media_type,
        &documents.index.digest,
        documents.index.bytes.clone(),
    ))
}

async fn blob(
    state: &Shared,
    reader: &Reader,
    id: &SkillId,
    reference: &str,
) -> Result<Response, RegistryError> {
    let Ok(digest) = reference.parse::<Digest>() else {
        return Ok(oci_error(
            StatusCode::NOT_FOUND,
            "BLOB_UNKNOWN",
            "blobs are named by sha256 digest",
        ));
    };
    Ok(
        match state.registry.oci_blob(reader.actor(), id, &digest).await? {
            Some(OciBlob::Layer(bytes)) => document("application/octet-stream", &digest, bytes),
            Some(OciBlob::Config(found)) => {
                document("application/octet-stream", &digest, found.bytes)
            }
            None => oci_error(StatusCode::NOT_FOUND, "BLOB_UNKNOWN", "no such blob"),
        },
    )
}
