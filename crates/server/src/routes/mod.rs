//! The routes, by resource: `skills` (reads and writes of one skill, search, resolve,
//! trending), `uploads` (publish, import), `admin` (tokens, keys, namespaces), `audits` (a
//! version's audit, false-positive marks, overrides, rescans), `events`, `profiles` (agent
//! profiles), `log` (the transparency log), `prs` (the Package Registry Standard surface), `oci` (`/v2/`) and `openapi`;
//! here the router, health, readiness and metrics, and the helpers every handler shares. One skill is
//! `/api/v1/skills/<ns…>/<name>`; its sub-resources follow a `/-/` marker (`…/-/versions`,
//! `…/-/download`), so a multi-segment namespace never collides with a sub-resource name.

use std::sync::Arc;

use axum::Router;
use axum::extract::rejection::QueryRejection;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;
use skillreg_api::ErrorEnvelope;

use crate::AppState;
use crate::error::{ApiError, ErrorType};

mod admin;
mod audits;
pub(crate) mod clawhub;
pub(crate) mod discovery;
mod events;
pub(crate) mod index_cache;
mod log;
mod marketplace;
mod oci;
pub(crate) use oci::challenge;
pub(crate) mod openapi;
mod profiles;
mod prs;
pub(crate) mod skills;
mod uploads;

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

pub(crate) fn router(state: Shared) -> Router {
    let max_body = state.max_body_bytes;
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .route("/api/v1/skills", get(skills::search).post(uploads::publish))
        .route(
            "/api/v1/skills/{*path}",
            get(skills::skill_resource)
                .post(skills::skill_action)
                .put(skills::skill_action)
                .delete(skills::skill_action),
        )
        .route("/api/v1/resolve", get(skills::resolve))
        .route("/api/v1/import", axum::routing::post(uploads::import))
        .route("/api/v1/trending", get(skills::trending))
        .route("/.well-known/skillreg-log", get(log::well_known))
        .route("/api/v1/log/checkpoint", get(log::checkpoint))
        .route("/api/v1/log/entries", get(log::entries))
        .route("/api/v1/log/proof/inclusion", get(log::inclusion))
        .route("/api/v1/log/proof/consistency", get(log::consistency))
        .route(
            "/api/v1/log/cosignatures",
            get(log::cosigned).post(log::cosign),
        )
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
        .route("/api/v1/admin/rescan", axum::routing::post(audits::rescan))
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
        .route(
            "/api/v1/profiles",
            get(profiles::list).post(profiles::create),
        )
        .route(
            "/api/v1/profiles/{*path}",
            get(profiles::resource)
                .post(profiles::resource)
                .delete(profiles::resource),
        )
        .route("/api/v1/openapi.json", get(openapi::openapi_json))
        .route("/api/search", get(discovery::find))
        .route("/claude/{*rest}", get(marketplace::claude))
        .route("/.well-known/clawhub.json", get(clawhub::well_known))
        .route("/clawhub/api/v1/whoami", get(clawhub::whoami))
        .route("/clawhub/api/v1/search", get(clawhub::search))
        .route(
            "/clawhub/api/v1/skills",
            get(clawhub::list).post(clawhub::publish),
        )
        .route(
            "/clawhub/api/v1/skills/-/upload-url",
            axum::routing::post(clawhub::upload_url),
        )
        .route("/clawhub/api/v1/skills/{slug}", get(clawhub::skill))
        .route(
            "/clawhub/api/v1/skills/{slug}/moderation",
            get(clawhub::moderation),
        )
        .route(
            "/clawhub/api/v1/skills/{slug}/versions",
            get(clawhub::versions),
        )
        .route(
            "/clawhub/api/v1/skills/{slug}/versions/{version}",
            get(clawhub::version),
        )
        .route("/clawhub/api/v1/skills/{slug}/file", get(clawhub::file))
        .route("/clawhub/api/v1/resolve", get(clawhub::resolve))
        .route("/clawhub/api/v1/download", get(clawhub::download))
        .route(
            "/clawhub/api/v1/uploads",
            axum::routing::post(clawhub::upload),
        )
        .route(
            "/clawhub/api/cli/telemetry/install",
            axum::routing::post(clawhub::telemetry),
        )
        .route("/clawhub", axum::routing::any(clawhub::not_implemented))
        .route(
            "/clawhub/{*rest}",
            axum::routing::any(clawhub::not_implemented),
        )
        .route("/.well-known/agent-skills/{*rest}", get(discovery_root))
        .route("/.well-known/skills/{*rest}", get(discovery_root))
        .route("/.well-known/cleverthis-packages", get(prs::metadata))
        .route("/packages/{id}", get(prs::package))
        .route("/skill/{*path}", get(prs::skill_alias))
        .route("/browse", get(prs::browse))
        .route("/v2/", get(oci::version_check))
        .route("/v2", get(oci::version_check))
        .route("/v2/{*path}", get(oci::resource))
        .merge(crate::web::routes())
        .fallback(crate::web::page_fallback)
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
        state.metrics.render(state.feed.reads()),
    )
}

/// A discovery document of the whole registry.
async fn discovery_root(
    State(state): State<Shared>,
    reader: crate::auth::Reader,
    method: axum::http::Method,
    headers: axum::http::HeaderMap,
    uri: axum::http::Uri,
) -> axum::response::Response {
    match discovery::scoped(uri.path()) {
        Some(scoped) => discovery::answer(&state, &reader, &method, &headers, scoped).await,
        None => not_found_response(),
    }
}

/// The 404 of a path under the API (or OCI, PRS, operations) that no route has.
pub(crate) fn not_found_response() -> axum::response::Response {
    ApiError::new(
        ErrorType::PackageNotFound,
        "no such route; the API lives under /api/v1",
    )
    .into_response()
}

/// The media type a skill's file is served as: Markdown, other UTF-8 text as plain text, the
/// rest as bytes; never a type a browser would run.
pub(crate) fn skill_file_type(path: &str, contents: &[u8]) -> &'static str {
    if path.to_lowercase().ends_with(".md") {
        "text/markdown; charset=utf-8"
    } else if std::str::from_utf8(contents).is_ok() {
        "text/plain; charset=utf-8"
    } else {
        "application/octet-stream"
    }
}

fn invalid(what: &str, error: impl std::fmt::Display) -> ApiError {
    ApiError::new(ErrorType::Validation, format!("invalid {what}: {error}"))
}

/// A query string that does not fit: the envelope, not axum's plain text.
fn bad_query(rejection: &QueryRejection) -> ApiError {
    invalid("query", rejection.body_text())
}

/// Parses a JSON body into `T`, with the envelope on failure.
fn json_body<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(body).map_err(|e| invalid("JSON body", e))
}
