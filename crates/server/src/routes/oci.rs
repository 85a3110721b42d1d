//! The OCI distribution read API over the registry's own skills, so any OCI client can pull
//! a published version as a ToolHive-layout artifact: `/v2/` (the version check),
//! `/v2/<ns…>/<name>/manifests/<tag|digest>`, `/v2/<ns…>/<name>/blobs/<digest>` and
//! `/v2/<ns…>/<name>/tags/list`. Tags are versions (`+` written `_`). The artifact of a
//! version is built from its stored archive with `skillreg_core::oci::build_artifact`,
//! which is deterministic, so a version's manifests are byte-identical on every request and
//! every replica. Errors use the distribution spec's `{"errors": [{"code", "message"}]}`,
//! which OCI clients read, rather than the native envelope.

use axum::extract::{Path, State};
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use skillreg_api::oci::{OciErrors, TagList, VersionCheck};
use skillreg_core::bundle::read_archive;
use skillreg_core::manifest::parse_skill_md;
use skillreg_core::model::VersionRecord;
use skillreg_core::oci::{Artifact, build_artifact, tag_of, version_of_tag};
use skillreg_core::{Digest, SkillId};

use super::Shared;

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

fn internal() -> Response {
    oci_error(
        StatusCode::INTERNAL_SERVER_ERROR,
        "UNKNOWN",
        "internal error",
    )
}

/// The OCI distribution version check.
#[utoipa::path(get, path = "/v2/", tag = "oci",
    responses((status = 200, description = "This registry speaks the OCI distribution read API", body = VersionCheck)))]
pub(super) async fn version_check() -> Response {
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
pub(super) async fn resource(State(state): State<Shared>, Path(path): Path<String>) -> Response {
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
    let versions = match state.registry.store().skill_with_versions(&id).await {
        Ok(Some((_, versions))) => versions,
        Ok(None) => {
            return oci_error(
                StatusCode::NOT_FOUND,
                "NAME_UNKNOWN",
                format!("no skill `{id}`"),
            );
        }
        Err(error) => {
            tracing::error!(%error, "reading versions for the OCI API");
            return internal();
        }
    };
    match kind {
        "tags" => {
            let tags: Vec<String> = versions
                .iter()
                .map(|v| tag_of(&v.published.version))
                .collect();
            (
                [(API_VERSION, HeaderValue::from_static("registry/2.0"))],
                axum::Json(TagList {
                    name: id.to_string(),
                    tags,
                }),
            )
                .into_response()
        }
        "manifests" => manifest(&state, &versions, reference).await,
        _ => blob(&state, &versions, reference).await,
    }
}

async fn artifact_of(state: &Shared, version: &VersionRecord) -> Result<Artifact, Response> {
    let digest = version.published.archive_digest;
    let archive = match state.registry.blobs().get(&digest).await {
        Ok(Some(bytes)) => bytes,
        Ok(None) | Err(_) => {
            tracing::error!(%digest, "the archive of a version is missing");
            return Err(internal());
        }
    };
    let limits = state.registry.config().limits;
    let files = read_archive(&archive, &limits).map_err(|_| internal())?;
    let manifest = parse_skill_md(files.skill_md().contents(), None)
        .map_err(|_| internal())?
        .manifest;
    build_artifact(&files, &manifest, &version.published.version).map_err(|_| internal())
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

async fn manifest(state: &Shared, versions: &[VersionRecord], reference: &str) -> Response {
    if let Ok(digest) = reference.parse::<Digest>() {
        // A digest names the index or one of the manifests of some version.
        for version in versions.iter().rev() {
            let artifact = match artifact_of(state, version).await {
                Ok(artifact) => artifact,
                Err(response) => return response,
            };
            if artifact.index.digest == digest {
                return document(artifact.index.media_type, &digest, artifact.index.bytes);
            }
            if let Some(found) = artifact.manifests.into_iter().find(|m| m.digest == digest) {
                return document(found.media_type, &digest, found.bytes);
            }
        }
        return oci_error(
            StatusCode::NOT_FOUND,
            "MANIFEST_UNKNOWN",
            "no such manifest",
        );
    }
    let Some(wanted) = version_of_tag(reference) else {
        return oci_error(
            StatusCode::NOT_FOUND,
            "MANIFEST_UNKNOWN",
            "tags are versions, like 1.2.0",
        );
    };
    let Some(version) = versions.iter().find(|v| v.published.version == wanted) else {
        return oci_error(
            StatusCode::NOT_FOUND,
            "MANIFEST_UNKNOWN",
            format!("no version {wanted}"),
        );
    };
    match artifact_of(state, version).await {
        Ok(artifact) => document(
            artifact.index.media_type,
            &artifact.index.digest,
            artifact.index.bytes,
        ),
        Err(response) => response,
    }
}

async fn blob(state: &Shared, versions: &[VersionRecord], reference: &str) -> Response {
    let Ok(digest) = reference.parse::<Digest>() else {
        return oci_error(
            StatusCode::NOT_FOUND,
            "BLOB_UNKNOWN",
            "blobs are named by sha256 digest",
        );
    };
    // The layer is the stored archive itself; configs need the artifact built.
    if versions
        .iter()
        .any(|v| v.published.archive_digest == digest)
    {
        return match state.registry.blobs().get(&digest).await {
            Ok(Some(bytes)) => document("application/octet-stream", &digest, bytes),
            _ => internal(),
        };
    }
    for version in versions.iter().rev() {
        match artifact_of(state, version).await {
            Ok(artifact) => {
                if let Some(found) = artifact.find(&digest) {
                    return document("application/octet-stream", &digest, found.bytes.clone());
                }
            }
            Err(response) => return response,
        }
    }
    oci_error(StatusCode::NOT_FOUND, "BLOB_UNKNOWN", "no such blob")
}
