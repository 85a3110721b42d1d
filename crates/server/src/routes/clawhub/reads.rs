//! The ClawHub protocol's reads of one skill: the skill, its verdict, its versions, one
//! version's files, one file, the version a fingerprint matches, and the zip to install.
//! Each answers `Err` with the plain-text refusal it ends on.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use skillreg_api::clawhub::{
    FileEntry, ResolveResponse, SkillItem, SkillName, SkillResponse, Stats, VersionDetail,
    VersionList, VersionRef, VersionResponse,
};
use skillreg_core::digest::Digest;
use skillreg_core::text::shown;
use skillreg_core::usecases::SkillOverview;
use skillreg_core::{SkillId, Version, VersionReq};

use super::super::skill_file_type;
use super::{
    MAX_LIST, MAX_SUMMARY, OwnerParam, Shared, failed, find, millis, moderation_of, owner_of,
    summary_of, text,
};
use crate::auth::Reader;

type Answer = Result<Response, Response>;

/// The skill a slug names with its latest version and counters.
async fn overview(
    state: &Shared,
    reader: &Reader,
    headers: &HeaderMap,
    slug: &str,
    owner: Option<&str>,
) -> Result<SkillOverview, Response> {
    let id = find(state, reader, headers, slug, owner).await?;
    state
        .registry
        .overview(reader.actor(), &id)
        .await
        .map_err(failed)
}

/// A version number from a query or path; a malformed one names no version.
#[expect(
    clippy::result_large_err,
    reason = "the refusal is the handler's answer, returned as it is, once per request"
)]
fn exact(version: &str) -> Result<Version, Response> {
    version
        .parse()
        .map_err(|_| text(StatusCode::NOT_FOUND, "Version not found"))
}

/// `GET /api/v1/skills/{slug}`: the skill, its latest version, its namespace and verdict.
pub(crate) async fn skill(
    State(state): State<Shared>,
    reader: Reader,
    headers: HeaderMap,
    Path(slug): Path<String>,
    Query(owner): Query<OwnerParam>,
) -> Answer {
    let found = overview(&state, &reader, &headers, &slug, owner.owner()).await?;
    let (skill, version) = (&found.skill, &found.latest);
    let summary = summary_of(version);
    Ok(Json(SkillResponse {
        skill: Some(SkillItem {
            slug: skill.id.name().to_string(),
            display_name: skill.id.to_string(),
            summary: Some(shown(&version.published.meta.description, MAX_SUMMARY)),
            tags: BTreeMap::from([("latest".to_owned(), summary.version.clone())]),
            stats: Stats {
                downloads: found.downloads,
                stars: found.rating.count,
            },
            created_at: millis(skill.created_at),
            updated_at: summary.created_at,
            latest_version: None,
        }),
        latest_version: Some(summary),
        owner: Some(owner_of(&skill.id)),
        moderation: moderation_of(version),
    })
    .into_response())
}

/// `GET /api/v1/skills/{slug}/moderation`: the latest version's verdict.
pub(crate) async fn moderation(
    State(state): State<Shared>,
    reader: Reader,
    headers: HeaderMap,
    Path(slug): Path<String>,
    Query(owner): Query<OwnerParam>,
) -> Answer {
    let found = overview(&state, &reader, &headers, &slug, owner.owner()).await?;
    let moderation = moderation_of(&found.latest);
    Ok(Json(serde_json::json!({ "moderation": moderation })).into_response())
}

/// `?ownerHandle=&limit=`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct VersionsParams {
    owner_handle: Option<String>,
    limit: Option<usize>,
}

/// `GET /api/v1/skills/{slug}/versions`: newest first.
pub(crate) async fn versions(
    State(state): State<Shared>,
    reader: Reader,
    headers: HeaderMap,
    Path(slug): Path<String>,
    Query(params): Query<VersionsParams>,
) -> Answer {
    let owner = params.owner_handle.as_deref();
    let id = find(&state, &reader, &headers, &slug, owner).await?;
    let (_, versions) = state
        .registry
        .versions(reader.actor(), &id)
        .await
        .map_err(failed)?;
    let limit = params.limit.unwrap_or(25).clamp(1, MAX_LIST as usize);
    Ok(Json(VersionList {
        items: versions.iter().take(limit).map(summary_of).collect(),
        next_cursor: None,
    })
    .into_response())
}

/// `GET /api/v1/skills/{slug}/versions/{version}`: one version with its files.
pub(crate) async fn version(
    State(state): State<Shared>,
    reader: Reader,
    headers: HeaderMap,
    Path((slug, version)): Path<(String, String)>,
    Query(owner): Query<OwnerParam>,
) -> Answer {
    let version = exact(&version)?;
    let id = find(&state, &reader, &headers, &slug, owner.owner()).await?;
    let found = state
        .registry
        .version_files(reader.actor(), &id, &VersionReq::Exact(version))
        .await
        .map_err(failed)?;
    let files = found
        .files
        .files()
        .map(|file| FileEntry {
            path: file.path().to_string(),
            size: file.contents().len() as u64,
            sha256: Digest::of(file.contents()).hex(),
            content_type: skill_file_type(file.path().as_str(), file.contents()).to_owned(),
        })
        .collect();
    Ok(Json(VersionResponse {
        version: Some(VersionDetail {
            summary: summary_of(&found.version),
            files,
        }),
        skill: Some(SkillName {
            slug: found.skill.id.name().to_string(),
            display_name: found.skill.id.to_string(),
        }),
    })
    .into_response())
}

/// `?ownerHandle=&path=&version=`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct FileParams {
    owner_handle: Option<String>,
    path: String,
    version: Option<String>,
}

/// `GET /api/v1/skills/{slug}/file`: one file's bytes (`inspect --file`).
pub(crate) async fn file(
    State(state): State<Shared>,
    reader: Reader,
    headers: HeaderMap,
    Path(slug): Path<String>,
    params: Result<Query<FileParams>, QueryRejection>,
) -> Answer {
    let Query(params) =
        params.map_err(|_| text(StatusCode::BAD_REQUEST, "name the file with ?path="))?;
    let request = match params.version.as_deref() {
        None => VersionReq::Latest,
        Some(version) => VersionReq::Exact(exact(version)?),
    };
    let owner = params.owner_handle.as_deref();
    let id = find(&state, &reader, &headers, &slug, owner).await?;
    let found = state
        .registry
        .version_files(reader.actor(), &id, &request)
        .await
        .map_err(failed)?;
    let Some(file) = found.files.get(&params.path) else {
        return Err(text(
            StatusCode::NOT_FOUND,
            &format!(
                "{id}@{} has no file `{}`",
                found.version.version(),
                skillreg_core::text::sanitize_remote(&params.path)
            ),
        ));
    };
    let kind = HeaderValue::from_static(skill_file_type(&params.path, file.contents()));
    Ok((
        [
            (header::CONTENT_TYPE, kind),
            (
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            ),
        ],
        file.contents().to_vec(),
    )
        .into_response())
}

/// `?slug=&ownerHandle=&hash=` and `?slug=&ownerHandle=&version=`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SlugParams {
    slug: String,
    owner_handle: Option<String>,
    hash: Option<String>,
    version: Option<String>,
}

impl SlugParams {
    async fn skill(
        params: Result<Query<SlugParams>, QueryRejection>,
        state: &Shared,
        reader: &Reader,
        headers: &HeaderMap,
    ) -> Result<(SlugParams, SkillId), Response> {
        let Query(params) =
            params.map_err(|_| text(StatusCode::BAD_REQUEST, "name the skill with ?slug="))?;
        let owner = params.owner_handle.as_deref();
        let id = find(state, reader, headers, &params.slug, owner).await?;
        Ok((params, id))
    }
}

/// `GET /api/v1/resolve`: the version whose files have a folder's fingerprint, and the
/// latest (what `update` and `publish` decide by).
pub(crate) async fn resolve(
    State(state): State<Shared>,
    reader: Reader,
    headers: HeaderMap,
    params: Result<Query<SlugParams>, QueryRejection>,
) -> Answer {
    let (params, id) = SlugParams::skill(params, &state, &reader, &headers).await?;
    let (matched, latest) = state
        .registry
        .clawhub_match(reader.actor(), &id, params.hash.as_deref())
        .await
        .map_err(failed)?;
    let number = |version: &skillreg_core::model::VersionRecord| VersionRef {
        version: version.version().to_string(),
    };
    Ok(Json(ResolveResponse {
        matched: matched.as_ref().map(number),
        latest_version: Some(number(&latest)),
    })
    .into_response())
}

/// `GET /api/v1/download`: the zip of one version (the latest when none is named), its
/// files at the root.
pub(crate) async fn download(
    State(state): State<Shared>,
    reader: Reader,
    headers: HeaderMap,
    params: Result<Query<SlugParams>, QueryRejection>,
) -> Answer {
    let (params, id) = SlugParams::skill(params, &state, &reader, &headers).await?;
    let version = match params.version.as_deref() {
        Some(version) => exact(version)?,
        None => {
            let (_, latest) = state
                .registry
                .clawhub_match(reader.actor(), &id, None)
                .await
                .map_err(failed)?;
            latest.version().clone()
        }
    };
    let zip = state
        .registry
        .clawhub_zip(reader.actor(), &id, &version)
        .await
        .map_err(failed)?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/zip"),
            (header::CACHE_CONTROL, "private, no-store"),
        ],
        zip,
    )
        .into_response())
}
