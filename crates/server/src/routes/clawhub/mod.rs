//! The ClawHub protocol under `/clawhub` (docs/FORMATS.md, "ClawHub"): what the `clawhub`
//! CLI needs for `search`, `explore`, `inspect`, `install`, `update`, `whoami` and
//! `publish`, each route a mapping onto one of the registry's use cases. A slug is a skill
//! name, an owner handle a namespace (`core::clawhub`). Errors of the served routes are one
//! line of plain text, which the CLI prints as it is; any other route under the prefix
//! answers 501 in the error envelope.

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use skillreg_api::clawhub::{
    Ambiguous, AmbiguousMatch, Moderation, Owner, SearchResponse, SearchResult, SkillItem,
    SkillList, Stats, VersionSummary, WellKnown,
};
use skillreg_core::SkillId;
use skillreg_core::audit::Verdict;
use skillreg_core::clawhub::handle;
use skillreg_core::model::{SearchHit, SearchSort, VersionRecord};
use skillreg_core::text::shown;
use skillreg_core::usecases::{Named, SearchRequest};

use super::Shared;
use crate::auth::Reader;
use crate::error::{ApiError, ErrorType};

mod publish;
mod reads;
pub(super) use publish::{publish, telemetry, upload, upload_url, whoami};
pub(super) use reads::{download, file, moderation, resolve, skill, version, versions};

/// Where the protocol lives.
pub(crate) const PREFIX: &str = "/clawhub";

/// Whether `path` is under the protocol's prefix.
pub(crate) fn is_clawhub(path: &str) -> bool {
    path == PREFIX || path.starts_with("/clawhub/")
}

/// Most characters of a summary (the CLI prints it on one line).
const MAX_SUMMARY: usize = 1024;

/// Most skills a list or search page holds.
const MAX_LIST: u32 = 200;

/// A plain-text error, as the CLI prints it.
pub(super) fn text(status: StatusCode, message: &str) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        format!("{message}\n"),
    )
        .into_response()
}

/// A domain error as plain text: the CLI knows `Skill not found` and `Version not found`.
pub(super) fn failed(error: impl Into<ApiError>) -> Response {
    let error: ApiError = error.into();
    match error.kind() {
        ErrorType::PackageNotFound => text(StatusCode::NOT_FOUND, "Skill not found"),
        ErrorType::VersionNotFound => text(StatusCode::NOT_FOUND, "Version not found"),
        _ => text(error.status(), error.message()),
    }
}

/// The guard's own errors (a refused token, a rate limit, a private registry) in the
/// protocol's plain text; its 501s stay in the envelope.
pub(crate) async fn plain_errors(response: Response) -> Response {
    let status = response.status();
    let json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    if !(status.is_client_error() || status.is_server_error())
        || !json
        || status == StatusCode::NOT_IMPLEMENTED
    {
        return response;
    }
    let (parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, 64 * 1024)
        .await
        .unwrap_or_default();
    let Ok(envelope) = serde_json::from_slice::<skillreg_api::ErrorEnvelope>(&bytes) else {
        return Response::from_parts(parts, axum::body::Body::from(bytes));
    };
    let message = match status {
        StatusCode::UNAUTHORIZED => "Unauthorized".to_owned(),
        _ => envelope.error.message,
    };
    let mut plain = text(status, &message);
    if let Some(retry) = parts.headers.get(header::RETRY_AFTER) {
        plain
            .headers_mut()
            .insert(header::RETRY_AFTER, retry.clone());
    }
    plain
}

/// `GET /.well-known/clawhub.json`: where `clawhub --site <registry>` finds the API.
pub(super) async fn well_known(State(state): State<Shared>, headers: HeaderMap) -> Response {
    Json(WellKnown {
        api_base: format!("{}{PREFIX}", state.origin(&headers)),
    })
    .into_response()
}

/// Any other route under the prefix.
pub(super) async fn not_implemented(uri: axum::http::Uri) -> ApiError {
    ApiError::new(
        ErrorType::NotImplemented,
        format!(
            "this registry does not serve {} of the ClawHub API (docs/FORMATS.md, \"ClawHub\")",
            skillreg_core::text::sanitize_remote(uri.path())
        ),
    )
}

/// A slug's owner, as every read takes it.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct OwnerParam {
    owner_handle: Option<String>,
}

impl OwnerParam {
    fn owner(&self) -> Option<&str> {
        self.owner_handle.as_deref()
    }
}

/// The skill a slug and owner name, or the answer that it names none or several.
async fn find(
    state: &Shared,
    reader: &Reader,
    headers: &HeaderMap,
    slug: &str,
    owner: Option<&str>,
) -> Result<SkillId, Response> {
    match state
        .registry
        .clawhub_find(reader.actor(), slug, owner)
        .await
    {
        Ok(Named::One(id)) => Ok(id),
        Ok(Named::Nothing) => Err(text(StatusCode::NOT_FOUND, "Skill not found")),
        Ok(Named::Many(ids)) => {
            let origin = state.origin(headers);
            let matches = ids
                .iter()
                .map(|id| AmbiguousMatch {
                    owner_handle: handle(id.namespace()),
                    slug: id.name().to_string(),
                    reference: format!("@{}/{}", handle(id.namespace()), id.name()),
                    url: format!("{origin}/{id}"),
                })
                .collect();
            let body = Ambiguous {
                code: "AMBIGUOUS_SKILL_SLUG".to_owned(),
                message: format!(
                    "several namespaces have a skill `{}`: name one as @<owner>/<slug>",
                    skillreg_core::text::sanitize_remote(slug)
                ),
                matches,
            };
            Err((StatusCode::CONFLICT, Json(body)).into_response())
        }
        Err(error) => Err(failed(error)),
    }
}

fn millis(at: skillreg_core::model::Timestamp) -> i64 {
    at.unix_millis()
}

fn summary_of(version: &VersionRecord) -> VersionSummary {
    let published = &version.published;
    VersionSummary {
        version: published.version.to_string(),
        created_at: millis(published.published_at),
        changelog: String::new(),
        license: published
            .meta
            .license
            .as_deref()
            .filter(|license| license.eq_ignore_ascii_case("MIT-0"))
            .map(|_| "MIT-0".to_owned()),
    }
}

fn owner_of(id: &SkillId) -> Owner {
    Owner {
        handle: Some(handle(id.namespace())),
        display_name: Some(id.namespace().to_string()),
    }
}

fn moderation_of(version: &VersionRecord) -> Option<Moderation> {
    let audit = version.published.audit.as_ref()?;
    let verdict = audit.verdict();
    let mut codes: Vec<String> = audit.findings.iter().map(|f| f.code.to_string()).collect();
    codes.sort();
    codes.dedup();
    Some(Moderation {
        is_suspicious: verdict == Verdict::Warn,
        is_malware_blocked: verdict == Verdict::Block,
        verdict: match verdict {
            Verdict::Pass | Verdict::Review => "clean",
            Verdict::Warn => "suspicious",
            Verdict::Block => "malicious",
        }
        .to_owned(),
        reason_codes: codes,
    })
}

fn item_of(hit: &SearchHit) -> SkillItem {
    let id = &hit.skill.id;
    SkillItem {
        slug: id.name().to_string(),
        display_name: id.to_string(),
        summary: Some(shown(&hit.description, MAX_SUMMARY)),
        tags: hit
            .latest
            .iter()
            .map(|v| ("latest".to_owned(), v.to_string()))
            .collect(),
        stats: Stats {
            downloads: hit.downloads,
            stars: hit.rating.count,
        },
        created_at: millis(hit.skill.created_at),
        updated_at: millis(hit.updated_at),
        latest_version: None,
    }
}

/// `?q=&limit=&mode=`.
#[derive(Debug, Deserialize)]
pub(super) struct SearchParams {
    q: Option<String>,
    limit: Option<u32>,
}

/// `GET /api/v1/search`: the registry's search, best first.
pub(super) async fn search(
    State(state): State<Shared>,
    reader: Reader,
    params: Result<Query<SearchParams>, QueryRejection>,
) -> Response {
    let Ok(Query(params)) = params else {
        return text(StatusCode::BAD_REQUEST, "invalid query");
    };
    let request = SearchRequest {
        text: params.q,
        limit: Some(params.limit.unwrap_or(25).clamp(1, MAX_LIST)),
        ..SearchRequest::default()
    };
    match state.registry.search(reader.actor(), request).await {
        Ok(page) => {
            let count = page.hits.len().max(1) as f64;
            let results = page
                .hits
                .iter()
                .enumerate()
                .map(|(rank, hit)| SearchResult {
                    slug: hit.skill.id.name().to_string(),
                    display_name: hit.skill.id.to_string(),
                    summary: Some(shown(&hit.description, MAX_SUMMARY)),
                    version: hit.latest.as_ref().map(ToString::to_string),
                    score: 1.0 - rank as f64 / count,
                    owner_handle: handle(hit.skill.id.namespace()),
                    downloads: hit.downloads,
                    updated_at: millis(hit.updated_at),
                    owner: owner_of(&hit.skill.id),
                })
                .collect();
            Json(SearchResponse { results }).into_response()
        }
        Err(error) => failed(error),
    }
}

/// `?limit=&sort=&prefix=&cursor=`.
#[derive(Debug, Deserialize)]
pub(super) struct ListParams {
    limit: Option<u32>,
    sort: Option<String>,
    prefix: Option<String>,
    cursor: Option<String>,
}

/// `GET /api/v1/skills`: a page of skills (`explore`, `search --prefix`).
pub(super) async fn list(
    State(state): State<Shared>,
    reader: Reader,
    params: Result<Query<ListParams>, QueryRejection>,
) -> Response {
    let Ok(Query(params)) = params else {
        return text(StatusCode::BAD_REQUEST, "invalid query");
    };
    let sort = match params.sort.as_deref().unwrap_or_default() {
        "downloads" | "installs" | "installsAllTime" | "installsCurrent" => SearchSort::Downloads,
        "stars" | "rating" => SearchSort::Rating,
        "trending" => SearchSort::Trending,
        _ => SearchSort::Newest,
    };
    let prefix = params.prefix.map(|p| p.trim().to_lowercase());
    let request = SearchRequest {
        text: prefix.clone().filter(|p| !p.is_empty()),
        sort,
        cursor: params.cursor,
        limit: Some(params.limit.unwrap_or(25).clamp(1, MAX_LIST)),
        ..SearchRequest::default()
    };
    match state.registry.search(reader.actor(), request).await {
        Ok(page) => Json(SkillList {
            items: page
                .hits
                .iter()
                .filter(|hit| {
                    prefix
                        .as_deref()
                        .is_none_or(|prefix| hit.skill.id.name().key().as_str().starts_with(prefix))
                })
                .map(item_of)
                .collect(),
            next_cursor: page.next_cursor,
        })
        .into_response(),
        Err(error) => failed(error),
    }
}
