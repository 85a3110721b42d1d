//! Reading and changing one skill: search, resolve, a skill and its sub-resources after the
//! `/-/` marker (`…/-/versions`, `…/-/versions/<v>`, `…/-/download`, `…/-/ratings`), the
//! writes to it (ratings, yanks, deprecation) and trending; a version's audit is in
//! `audits.rs`.

use axum::Json;
use axum::body::{Body, Bytes};
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use skillreg_api::{
    DeprecationBody, DeprecationResponse, DownloadParams, ErrorEnvelope, MoveBody, MovedResponse,
    RateBody, RatedResponse, RatingsResponse, ResolveParams, ResolveResponse, Review, SearchParams,
    SearchResponse, SkillDetails, TrendingEntry, TrendingParams, TrendingResponse, VersionBody,
    VersionList, YankResponse,
};
use skillreg_core::model::{SearchSort, Stars};
use skillreg_core::usecases::SearchRequest;
use skillreg_core::{Namespace, SkillId, Version, VersionReq};

use super::{Shared, SkillPath, bad_query, invalid, json_body};
use crate::AppState;
use crate::auth::{Reader, RequiredActor};
use crate::error::{ApiError, ErrorType};

pub(super) fn parse_sort(sort: Option<&str>) -> Result<SearchSort, ApiError> {
    Ok(match sort.unwrap_or("relevance") {
        "relevance" => SearchSort::Relevance,
        "downloads" => SearchSort::Downloads,
        "rating" => SearchSort::Rating,
        "newest" => SearchSort::Newest,
        "trending" => SearchSort::Trending,
        other => {
            return Err(invalid(
                "sort",
                format!("`{other}`; use relevance, downloads, rating, newest or trending"),
            ));
        }
    })
}

/// Searches skills: full text over name, description and tags, with filters, sorts and
/// pages (an offset, or the opaque cursor of the previous page).
#[utoipa::path(get, path = "/api/v1/skills", tag = "skills", params(SearchParams),
    responses(
        (status = 200, description = "A page of skills", body = SearchResponse),
        (status = 400, description = "A bad filter, sort, limit or cursor", body = ErrorEnvelope),
    ))]
pub(super) async fn search(
    State(state): State<Shared>,
    reader: Reader,
    params: Result<Query<SearchParams>, QueryRejection>,
) -> Result<Json<SearchResponse>, ApiError> {
    let Query(params) = params.map_err(|e| bad_query(&e))?;
    let request = search_request(params)?;
    Ok(Json(
        state.registry.search(reader.actor(), request).await?.into(),
    ))
}

/// A search as its query string asks it (the API's and the search page's).
pub(crate) fn search_request(params: SearchParams) -> Result<SearchRequest, ApiError> {
    Ok(SearchRequest {
        text: params.q,
        tags: params
            .tag
            .map(|t| t.split(',').map(str::to_owned).collect())
            .unwrap_or_default(),
        namespace: params
            .namespace
            .map(|ns| ns.parse::<Namespace>())
            .transpose()
            .map_err(|e| invalid("namespace", e))?,
        min_rating: params
            .min_rating
            .map(Stars::from_stars)
            .transpose()
            .map_err(|e| invalid("min_rating", e))?,
        sort: parse_sort(params.sort.as_deref())?,
        offset: params.offset,
        cursor: params.cursor,
        limit: params.limit,
    })
}

/// Resolves a name and a version request to one version, with its digests, signatures and
/// download URL.
#[utoipa::path(get, path = "/api/v1/resolve", tag = "skills", params(ResolveParams),
    responses(
        (status = 200, description = "The version", body = ResolveResponse),
        (status = 400, description = "A bad name or version request", body = ErrorEnvelope),
        (status = 404, description = "No such skill, or no matching version", body = ErrorEnvelope),
    ))]
pub(super) async fn resolve(
    State(state): State<Shared>,
    reader: Reader,
    params: Result<Query<ResolveParams>, QueryRejection>,
) -> Result<Json<ResolveResponse>, ApiError> {
    let Query(params) = params.map_err(|e| bad_query(&e))?;
    let id: SkillId = params.name.parse().map_err(|e| invalid("name", e))?;
    let request: VersionReq = params
        .version
        .as_deref()
        .unwrap_or("latest")
        .parse()
        .map_err(|e| invalid("version", e))?;
    let (skill, version) = state
        .registry
        .resolve_version(reader.actor(), &id, &request)
        .await?;
    Ok(Json(ResolveResponse::new(&skill, &version)))
}

/// `…/<ns…>/<name>` and `…/<ns…>/<name>/-/<sub-resource>`.
pub(super) async fn skill_resource(
    State(state): State<Shared>,
    reader: Reader,
    Path(path): Path<String>,
    params: Result<Query<DownloadParams>, QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(params) = params.map_err(|e| bad_query(&e))?;
    let (id_part, sub) = match path.split_once("/-/") {
        Some((id, sub)) => (id, Some(sub)),
        None => (path.as_str(), None),
    };
    let id: SkillId = id_part.parse().map_err(|e| invalid("skill id", e))?;
    match sub.map(|s| s.split('/').collect::<Vec<_>>()).as_deref() {
        None => details(&state, &reader, &id).await,
        Some(["versions"]) => list_versions(&state, &reader, &id).await,
        Some(["versions", version]) => one_version(&state, &reader, &id, version).await,
        Some(["versions", version, "audit"]) => {
            super::audits::version_audit(&state, &reader, &id, version).await
        }
        Some(["download"]) => download(&state, &reader, &id, params.version.as_deref()).await,
        Some(["ratings"]) => ratings(&state, &reader, &id).await,
        Some(_) => Err(ApiError::new(
            ErrorType::PackageNotFound,
            format!("no sub-resource `{}`", sub.unwrap_or_default()),
        )),
    }
}

/// A skill: creator, deprecation, latest version, downloads and rating.
#[utoipa::path(
    get,
    path = "/api/v1/skills/{namespace}/{name}",
    tag = "skills",
    params(SkillPath),
    responses(
        (status = 200, description = "The skill", body = SkillDetails),
        (status = 404, description = "No such skill, or no version", body = ErrorEnvelope),
    )
)]
pub(super) async fn details(
    state: &AppState,
    reader: &Reader,
    id: &SkillId,
) -> Result<Response, ApiError> {
    let overview = state.registry.overview(reader.actor(), id).await?;
    Ok(Json(SkillDetails::new(
        &overview.skill,
        &overview.latest,
        overview.downloads,
        &overview.rating,
    ))
    .into_response())
}

/// Every version of a skill, newest first, yanked ones included.
#[utoipa::path(
    get,
    path = "/api/v1/skills/{namespace}/{name}/-/versions",
    tag = "skills",
    params(SkillPath),
    responses(
        (status = 200, description = "Every version, newest first", body = VersionList),
        (status = 404, description = "No such skill", body = ErrorEnvelope),
    )
)]
pub(super) async fn list_versions(
    state: &AppState,
    reader: &Reader,
    id: &SkillId,
) -> Result<Response, ApiError> {
    let (skill, versions) = state.registry.versions(reader.actor(), id).await?;
    Ok(Json(VersionList {
        id: skill.id.to_string(),
        versions: versions.iter().map(VersionBody::from).collect(),
    })
    .into_response())
}

/// One version, by its exact number (yanked or not).
#[utoipa::path(
    get,
    path = "/api/v1/skills/{namespace}/{name}/-/versions/{version}",
    tag = "skills",
    params(SkillPath, ("version" = String, Path, description = "An exact version, e.g. 1.4.2")),
    responses(
        (status = 200, description = "The version", body = VersionBody),
        (status = 400, description = "Not a version", body = ErrorEnvelope),
        (status = 404, description = "No such skill or version", body = ErrorEnvelope),
    )
)]
pub(super) async fn one_version(
    state: &AppState,
    reader: &Reader,
    id: &SkillId,
    version: &str,
) -> Result<Response, ApiError> {
    let version: Version = version.parse().map_err(|e| invalid("version", e))?;
    let (_, record) = state.registry.version(reader.actor(), id, &version).await?;
    Ok(Json(VersionBody::from(&record)).into_response())
}

/// A skill's rating and its newest reviews.
#[utoipa::path(
    get,
    path = "/api/v1/skills/{namespace}/{name}/-/ratings",
    tag = "ratings",
    params(SkillPath),
    responses(
        (status = 200, description = "The rating and the newest reviews", body = RatingsResponse),
        (status = 404, description = "No such skill", body = ErrorEnvelope),
    )
)]
pub(super) async fn ratings(
    state: &AppState,
    reader: &Reader,
    id: &SkillId,
) -> Result<Response, ApiError> {
    let reviews = state.registry.reviews(reader.actor(), id).await?;
    Ok(Json(RatingsResponse {
        id: reviews.skill.id.to_string(),
        average: reviews.summary.average(),
        count: reviews.summary.count,
        recent: reviews.recent.iter().map(Review::from).collect(),
    })
    .into_response())
}

/// Downloads the archive of the version a request resolves to. The `ETag` is the archive
/// digest and the response may be cached forever: versions are immutable.
#[utoipa::path(
    get,
    path = "/api/v1/skills/{namespace}/{name}/-/download",
    tag = "skills",
    params(SkillPath, DownloadParams),
    responses(
        (status = 200, description = "The gzip tar archive", content_type = "application/gzip", body = Vec<u8>,
         headers(("etag" = String, description = "The archive digest, quoted"))),
        (status = 307, description = "Served with `--blob-redirect`: the archive is at a presigned URL of the bucket (`location`) for a few minutes; check it against the digest",
         headers(("location" = String, description = "The presigned URL"),
                 ("etag" = String, description = "The archive digest, quoted"))),
        (status = 400, description = "A bad version request", body = ErrorEnvelope),
        (status = 404, description = "No such skill or version", body = ErrorEnvelope),
    )
)]
pub(super) async fn download(
    state: &AppState,
    reader: &Reader,
    id: &SkillId,
    request: Option<&str>,
) -> Result<Response, ApiError> {
    let request: VersionReq = request
        .unwrap_or("latest")
        .parse()
        .map_err(|e| invalid("version", e))?;
    let download = state
        .registry
        .download(reader.actor(), id, &request)
        .await?;
    let digest = download.version.published.archive_digest;
    let public = download.public;
    let file = format!(
        "{}-{}.tar.gz",
        download.skill.id.name(),
        download.version.version()
    );
    let bytes = match download.archive {
        skillreg_core::usecases::Archive::Bytes(bytes) => bytes,
        skillreg_core::usecases::Archive::At(url) => {
            // Straight from the object store, for a short while; the client checks the bytes
            // against the digest it resolved (the ETag says it too).
            let mut response = StatusCode::TEMPORARY_REDIRECT.into_response();
            let headers = response.headers_mut();
            if let Ok(location) = HeaderValue::from_str(&url) {
                headers.insert(header::LOCATION, location);
            }
            headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            if let Ok(etag) = HeaderValue::from_str(&format!("\"{digest}\"")) {
                headers.insert(header::ETAG, etag);
            }
            return Ok(response);
        }
    };
    let mut response = Response::new(Body::from(bytes));
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/gzip"),
    );
    // Versions are immutable; one that needs a token is kept by the reader's own cache
    // only, never by a shared one.
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(if public {
            "public, max-age=31536000, immutable"
        } else {
            "private, max-age=31536000, immutable"
        }),
    );
    if let Ok(etag) = HeaderValue::from_str(&format!("\"{digest}\"")) {
        headers.insert(header::ETAG, etag);
    }
    // Saved as a file, never shown: a browser that follows the pages' download link keeps
    // the archive, and reads nothing in it as a page.
    if let Ok(disposition) = HeaderValue::from_str(&format!("attachment; filename=\"{file}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, disposition);
    }
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    Ok(response)
}

/// Writes to one skill: `POST …/-/ratings`, `POST|DELETE …/-/versions/<v>/yank`,
/// `PUT …/-/deprecation`.
pub(super) async fn skill_action(
    State(state): State<Shared>,
    method: Method,
    RequiredActor(actor): RequiredActor,
    Path(path): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let Some((id_part, sub)) = path.split_once("/-/") else {
        return Err(ApiError::new(
            ErrorType::PackageNotFound,
            "no such route; write to a sub-resource after `/-/`",
        ));
    };
    let id: SkillId = id_part.parse().map_err(|e| invalid("skill id", e))?;
    let segments: Vec<&str> = sub.split('/').collect();
    match (&method, segments.as_slice()) {
        (&Method::POST, ["ratings"]) => rate(&state, &actor, &id, &body).await,
        (&Method::POST, ["versions", version, "yank"]) => {
            set_yanked(&state, &actor, &id, version, true).await
        }
        (&Method::DELETE, ["versions", version, "yank"]) => {
            set_yanked(&state, &actor, &id, version, false).await
        }
        (&Method::PUT, ["deprecation"]) => deprecate(&state, &actor, &id, &body).await,
        (&Method::POST, ["move"]) => move_skill(&state, &actor, &id, &body).await,
        (&Method::POST, ["versions", version, "audit", "false-positives"]) => {
            super::audits::mark_false_positive(&state, &actor, &id, version, &body).await
        }
        (&Method::PUT, ["versions", version, "audit", "override"]) => {
            super::audits::override_verdict(&state, &actor, &id, version, Some(&body)).await
        }
        (&Method::DELETE, ["versions", version, "audit", "override"]) => {
            super::audits::override_verdict(&state, &actor, &id, version, None).await
        }
        _ => Err(ApiError::new(
            ErrorType::PackageNotFound,
            format!("no route for {method} `{sub}`"),
        )),
    }
}

/// Rates a skill (one rating per user: rating again replaces it).
#[utoipa::path(
    post,
    path = "/api/v1/skills/{namespace}/{name}/-/ratings",
    tag = "ratings",
    params(SkillPath),
    request_body = RateBody,
    security(("token" = [])),
    responses(
        (status = 200, description = "The rating with the caller's", body = RatedResponse),
        (status = 400, description = "Stars outside 1–5 in halves, or a review too long", body = ErrorEnvelope),
        (status = 401, description = "No token", body = ErrorEnvelope),
        (status = 403, description = "The token lacks the `rate` scope", body = ErrorEnvelope),
        (status = 404, description = "No such skill", body = ErrorEnvelope),
    )
)]
pub(super) async fn rate(
    state: &AppState,
    actor: &skillreg_core::auth::Actor,
    id: &SkillId,
    body: &[u8],
) -> Result<Response, ApiError> {
    let rating: RateBody = json_body(body)?;
    let stars = Stars::from_stars(rating.stars).map_err(|e| invalid("stars", e))?;
    let summary = state.registry.rate(actor, id, stars, rating.review).await?;
    Ok(Json(RatedResponse {
        id: id.to_string(),
        average: summary.average(),
        count: summary.count,
    })
    .into_response())
}

/// Yanks a version (`POST`) or takes the yank back (`DELETE`). A yanked version is hidden
/// from every request but an exact one.
#[utoipa::path(
    method(post, delete),
    path = "/api/v1/skills/{namespace}/{name}/-/versions/{version}/yank",
    tag = "skills",
    params(SkillPath, ("version" = String, Path, description = "An exact version")),
    security(("token" = [])),
    responses(
        (status = 200, description = "Whether the version is yanked now, and whether this changed it", body = YankResponse),
        (status = 401, description = "No token", body = ErrorEnvelope),
        (status = 403, description = "The token lacks the `yank` scope or the namespace", body = ErrorEnvelope),
        (status = 404, description = "No such skill or version", body = ErrorEnvelope),
    )
)]
pub(super) async fn set_yanked(
    state: &AppState,
    actor: &skillreg_core::auth::Actor,
    id: &SkillId,
    version: &str,
    yanked: bool,
) -> Result<Response, ApiError> {
    let version: Version = version.parse().map_err(|e| invalid("version", e))?;
    let changed = state
        .registry
        .set_yanked(actor, id, &version, yanked)
        .await?;
    Ok(Json(YankResponse {
        id: id.to_string(),
        version: version.to_string(),
        yanked,
        changed,
    })
    .into_response())
}

/// Sets a skill's deprecation message (`null` clears it).
#[utoipa::path(
    put,
    path = "/api/v1/skills/{namespace}/{name}/-/deprecation",
    tag = "skills",
    params(SkillPath),
    request_body = DeprecationBody,
    security(("token" = [])),
    responses(
        (status = 200, description = "The deprecation now", body = DeprecationResponse),
        (status = 403, description = "Not allowed to manage the skill", body = ErrorEnvelope),
        (status = 404, description = "No such skill", body = ErrorEnvelope),
    )
)]
pub(super) async fn deprecate(
    state: &AppState,
    actor: &skillreg_core::auth::Actor,
    id: &SkillId,
    body: &[u8],
) -> Result<Response, ApiError> {
    let deprecation: DeprecationBody = json_body(body)?;
    state
        .registry
        .deprecate(actor, id, deprecation.message.as_deref())
        .await?;
    Ok(Json(DeprecationResponse {
        id: id.to_string(),
        deprecated: deprecation.message,
    })
    .into_response())
}

/// Moves a skill into another namespace (`{"namespace": "team"}`): its id changes, its name
/// (its SKILL.md's) does not; its versions, ratings, installs and the profiles that hold it
/// follow, and the old id answers as a skill that does not exist. Its maintainers move it,
/// into a namespace that exists and that they may publish into.
#[utoipa::path(
    post,
    path = "/api/v1/skills/{namespace}/{name}/-/move",
    tag = "skills",
    params(SkillPath),
    request_body = MoveBody,
    security(("token" = [])),
    responses(
        (status = 200, description = "Its old and new ids", body = MovedResponse),
        (status = 400, description = "Not a namespace, or its own", body = ErrorEnvelope),
        (status = 403, description = "Not allowed to manage the skill or to publish into the namespace", body = ErrorEnvelope),
        (status = 404, description = "No such skill or namespace", body = ErrorEnvelope),
        (status = 409, description = "The namespace holds a skill of that name", body = ErrorEnvelope),
    )
)]
pub(super) async fn move_skill(
    state: &AppState,
    actor: &skillreg_core::auth::Actor,
    id: &SkillId,
    body: &[u8],
) -> Result<Response, ApiError> {
    let request: MoveBody = json_body(body)?;
    let to: skillreg_core::Namespace = request
        .namespace
        .parse()
        .map_err(|e| invalid("namespace", e))?;
    let moved = state.registry.move_skill(actor, id, &to).await?;
    Ok(Json(MovedResponse {
        from: id.to_string(),
        to: moved.id.to_string(),
    })
    .into_response())
}

/// The skills with the most installs over the last 7 days.
#[utoipa::path(get, path = "/api/v1/trending", tag = "skills", params(TrendingParams),
    responses((status = 200, description = "Most installs first", body = TrendingResponse)))]
pub(super) async fn trending(
    State(state): State<Shared>,
    reader: Reader,
    params: Result<Query<TrendingParams>, QueryRejection>,
) -> Result<Json<TrendingResponse>, ApiError> {
    let Query(params) = params.map_err(|e| bad_query(&e))?;
    let entries = state
        .registry
        .trending(reader.actor(), params.limit.unwrap_or(20))
        .await?;
    Ok(Json(TrendingResponse {
        skills: entries.iter().map(TrendingEntry::from).collect(),
    }))
}
