//! The routes. One skill is `/api/v1/skills/<ns…>/<name>`; its sub-resources follow a `/-/`
//! marker (`…/-/versions`, `…/-/download`), so a multi-segment namespace never collides
//! with a sub-resource name.

use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::rejection::QueryRejection;
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use skillreg_core::conflict::ConflictPolicy;
use skillreg_core::digest::unhex;
use skillreg_core::model::{SearchSort, Stars};
use skillreg_core::signature::Signature;
use skillreg_core::usecases::{
    BundleInput, ImportOutcome, ImportRequest, PublishOutcome, PublishRequest, RegistryError,
    SearchRequest,
};
use skillreg_core::{Namespace, SkillId, Version, VersionReq};

use crate::AppState;
use crate::auth::RequiredActor;
use skillreg_api::{
    ConflictBody, DeprecationBody, DeprecationResponse, DownloadParams, ErrorEnvelope,
    ImportParams, ImportResponse, PublishParams, PublishResponse, PublishStatus, RateBody,
    RatedResponse, RatingsResponse, ResolveParams, ResolveResponse, Review, SIGNATURE_HEADER,
    SearchParams, SearchResponse, SkillDetails, TrendingEntry, TrendingParams, TrendingResponse,
    VersionBody, VersionList, YankResponse,
};

use crate::error::{ApiError, ErrorType};

mod admin;
mod events;
mod oci;
pub(crate) mod openapi;
mod prs;

type Shared = Arc<AppState>;

/// The path of one skill: `<namespace>/<name>`, where the namespace may have several
/// `/`-separated segments; sub-resources follow a `/-/` marker.
#[derive(Debug, utoipa::IntoParams)]
#[into_params(parameter_in = Path)]
#[expect(
    dead_code,
    reason = "describes the path in the OpenAPI document; the router parses it"
)]
pub(crate) struct SkillPath {
    /// The namespace: `acme`, or several segments such as `acme/tools`.
    namespace: String,
    /// The skill's name.
    name: String,
}

/// How long a request may take, from its headers to its response's headers.
pub(crate) const REQUEST_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(60);

/// The largest JSON body (tokens, members, ratings, deprecations, keys).
const MAX_JSON_BODY: usize = 64 * 1024;

/// Most `Skillreg-Signature` headers one publish may carry.
const MAX_SIGNATURES: usize = 8;

pub(crate) fn router(state: Shared) -> Router {
    let max_body = state.max_body_bytes;
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .route("/api/v1/skills", get(search).post(publish))
        .route(
            "/api/v1/skills/{*path}",
            get(skill_resource)
                .post(skill_action)
                .put(skill_action)
                .delete(skill_action),
        )
        .route("/api/v1/resolve", get(resolve))
        .route("/api/v1/import", axum::routing::post(import))
        .route("/api/v1/trending", get(trending))
        .route("/api/v1/events", get(events::events))
        .route(
            "/api/v1/tokens",
            get(admin::list_tokens).post(admin::create_token),
        )
        .route(
            "/api/v1/tokens/{id}",
            axum::routing::delete(admin::revoke_token),
        )
        .route("/api/v1/whoami", get(admin::whoami))
        .route("/api/v1/keys", axum::routing::post(admin::register_key))
        .route(
            "/api/v1/keys/{key_id}",
            get(admin::publisher_key).delete(admin::revoke_key),
        )
        .route(
            "/api/v1/namespaces",
            axum::routing::post(admin::create_namespace),
        )
        .route(
            "/api/v1/namespaces/{*path}",
            get(admin::namespace_resource)
                .put(admin::namespace_resource)
                .delete(admin::namespace_resource),
        )
        .route("/api/v1/openapi.json", get(openapi::openapi_json))
        .route("/.well-known/cleverthis-packages", get(prs::metadata))
        .route("/packages/{id}", get(prs::package))
        .route("/skill/{*path}", get(prs::skill_alias))
        .route("/browse", get(prs::browse))
        .route("/v2/", get(oci::version_check))
        .route("/v2", get(oci::version_check))
        .route("/v2/{*path}", get(oci::resource))
        .fallback(not_found)
        // JSON bodies are small; archives (publish, import) are read with their own limit.
        .layer(DefaultBodyLimit::max(MAX_JSON_BODY.min(max_body)))
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            REQUEST_TIMEOUT,
        ))
        // Outside the timeout, so its 408 passes through the guard's envelope too.
        .layer(axum::middleware::from_fn_with_state(
            Arc::clone(&state),
            crate::limits::guard,
        ))
        .layer(axum::middleware::from_fn_with_state(
            Arc::clone(&state),
            crate::observe::observe,
        ))
        .with_state(state)
}

/// Liveness: the process answers.
#[utoipa::path(get, path = "/healthz", tag = "operations",
    responses((status = 200, description = "`ok`", body = String, content_type = "text/plain")))]
async fn healthz() -> &'static str {
    "ok"
}

/// Readiness: the database answers.
#[utoipa::path(get, path = "/readyz", tag = "operations",
    responses(
        (status = 200, description = "`ready`", body = String, content_type = "text/plain"),
        (status = 500, description = "The database does not answer", body = ErrorEnvelope),
    ))]
async fn readyz(State(state): State<Shared>) -> Result<&'static str, ApiError> {
    state.registry.ready().await?;
    Ok("ready")
}

/// Prometheus metrics (text exposition format).
#[utoipa::path(get, path = "/metrics", tag = "operations",
    responses((status = 200, description = "Metrics", body = String, content_type = "text/plain")))]
async fn metrics(State(state): State<Shared>) -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        state.metrics.render(),
    )
}

async fn not_found() -> ApiError {
    ApiError::new(
        ErrorType::PackageNotFound,
        "no such route; the API lives under /api/v1",
    )
}

fn invalid(what: &str, error: impl std::fmt::Display) -> ApiError {
    ApiError::new(ErrorType::Validation, format!("invalid {what}: {error}"))
}

fn parse_sort(sort: Option<&str>) -> Result<SearchSort, ApiError> {
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

/// A query string that does not fit: the envelope, not axum's plain text.
fn bad_query(rejection: &QueryRejection) -> ApiError {
    invalid("query", rejection.body_text())
}

/// Searches skills: full text over name, description and tags, with filters, sorts and
/// pages (an offset, or the opaque cursor of the previous page).
#[utoipa::path(get, path = "/api/v1/skills", tag = "skills", params(SearchParams),
    responses(
        (status = 200, description = "A page of skills", body = SearchResponse),
        (status = 400, description = "A bad filter, sort, limit or cursor", body = ErrorEnvelope),
    ))]
async fn search(
    State(state): State<Shared>,
    params: Result<Query<SearchParams>, QueryRejection>,
) -> Result<Json<SearchResponse>, ApiError> {
    let Query(params) = params.map_err(|e| bad_query(&e))?;
    let request = SearchRequest {
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
    };
    Ok(Json(state.registry.search(request).await?.into()))
}

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
        (status = 429, description = "Too many writes", body = ErrorEnvelope),
    ))]
async fn publish(
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
    // Everything the request says before its body: refused here, nothing is read.
    state.registry.authorize_upload(&actor, &namespace).await?;
    let turn = Arc::new(upload_turn(&state, &actor).await?);
    let archive = read_upload(&state, body).await?;
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
fn signatures_of(headers: &HeaderMap) -> Result<Vec<Signature>, ApiError> {
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

/// Waits for a turn to take an upload (see `AppState::uploads`), at most until the request
/// would time out anyway. The turn ends when the upload's work does, even if its client
/// hangs up first (the work goes on to the end on the blocking pool).
async fn upload_turn(
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
async fn read_upload(state: &AppState, body: Body) -> Result<Vec<u8>, ApiError> {
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
async fn off_the_workers<T: Send + 'static>(
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

fn parse_signature(text: &str) -> Result<Signature, ApiError> {
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

/// Resolves a name and a version request to one version, with its digests, signatures and
/// download URL.
#[utoipa::path(get, path = "/api/v1/resolve", tag = "skills", params(ResolveParams),
    responses(
        (status = 200, description = "The version", body = ResolveResponse),
        (status = 400, description = "A bad name or version request", body = ErrorEnvelope),
        (status = 404, description = "No such skill, or no matching version", body = ErrorEnvelope),
    ))]
async fn resolve(
    State(state): State<Shared>,
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
    let (skill, version) = state.registry.resolve_version(&id, &request).await?;
    Ok(Json(ResolveResponse::new(&skill, &version)))
}

/// `…/<ns…>/<name>` and `…/<ns…>/<name>/-/<sub-resource>`.
async fn skill_resource(
    State(state): State<Shared>,
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
        None => details(&state, &id).await,
        Some(["versions"]) => list_versions(&state, &id).await,
        Some(["versions", version]) => one_version(&state, &id, version).await,
        Some(["download"]) => download(&state, &id, params.version.as_deref()).await,
        Some(["ratings"]) => ratings(&state, &id).await,
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
async fn details(state: &AppState, id: &SkillId) -> Result<Response, ApiError> {
    let overview = state.registry.overview(id).await?;
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
async fn list_versions(state: &AppState, id: &SkillId) -> Result<Response, ApiError> {
    let (skill, versions) = state.registry.versions(id).await?;
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
async fn one_version(state: &AppState, id: &SkillId, version: &str) -> Result<Response, ApiError> {
    let version: Version = version.parse().map_err(|e| invalid("version", e))?;
    let (_, record) = state.registry.version(id, &version).await?;
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
async fn ratings(state: &AppState, id: &SkillId) -> Result<Response, ApiError> {
    let reviews = state.registry.reviews(id).await?;
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
        (status = 400, description = "A bad version request", body = ErrorEnvelope),
        (status = 404, description = "No such skill or version", body = ErrorEnvelope),
    )
)]
async fn download(
    state: &AppState,
    id: &SkillId,
    request: Option<&str>,
) -> Result<Response, ApiError> {
    let request: VersionReq = request
        .unwrap_or("latest")
        .parse()
        .map_err(|e| invalid("version", e))?;
    let download = state.registry.download(id, &request).await?;
    let digest = download.version.published.archive_digest;
    let bytes = download.archive;
    let mut response = Response::new(Body::from(bytes));
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/gzip"),
    );
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=31536000, immutable"),
    );
    if let Ok(etag) = HeaderValue::from_str(&format!("\"{digest}\"")) {
        headers.insert(header::ETAG, etag);
    }
    Ok(response)
}

/// Parses a JSON body into `T`, with the envelope on failure.
fn json_body<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(body).map_err(|e| invalid("JSON body", e))
}

/// Writes to one skill: `POST …/-/ratings`, `POST|DELETE …/-/versions/<v>/yank`,
/// `PUT …/-/deprecation`.
async fn skill_action(
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
async fn rate(
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
async fn set_yanked(
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
async fn deprecate(
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

/// Imports a skill folder (gzip tar archive) into a namespace with a conflict strategy:
/// `fail`, `skip`, `overwrite` (creator only; keeps id, creator and creation time) or
/// `rename` (`name-2`, …).
#[utoipa::path(post, path = "/api/v1/import", tag = "skills", params(ImportParams),
    request_body(content = Vec<u8>, content_type = "application/gzip"),
    security(("token" = [])),
    responses(
        (status = 201, description = "`created`", body = ImportResponse),
        (status = 200, description = "`updated`, `unchanged` or `skipped` (with the conflict)", body = ImportResponse),
        (status = 400, description = "A bundle or manifest problem", body = ErrorEnvelope),
        (status = 403, description = "Not allowed (overwrite by someone other than the creator)", body = ErrorEnvelope),
        (status = 409, description = "The name is taken (`fail`); details carry the conflict", body = ErrorEnvelope),
        (status = 413, description = "The archive is too large", body = ErrorEnvelope),
    ))]
async fn import(
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
    state.registry.authorize_upload(&actor, &namespace).await?;
    let turn = Arc::new(upload_turn(&state, &actor).await?);
    let archive = read_upload(&state, body).await?;
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

/// The skills with the most installs over the last 7 days.
#[utoipa::path(get, path = "/api/v1/trending", tag = "skills", params(TrendingParams),
    responses((status = 200, description = "Most installs first", body = TrendingResponse)))]
async fn trending(
    State(state): State<Shared>,
    params: Result<Query<TrendingParams>, QueryRejection>,
) -> Result<Json<TrendingResponse>, ApiError> {
    let Query(params) = params.map_err(|e| bad_query(&e))?;
    let entries = state.registry.trending(params.limit.unwrap_or(20)).await?;
    Ok(Json(TrendingResponse {
        skills: entries.iter().map(TrendingEntry::from).collect(),
    }))
}
