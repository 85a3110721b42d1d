//! The registry's pages: server-rendered HTML for people, beside the API. `maud` templates
//! (checked when the binary is built, every value escaped unless it is marked as HTML),
//! Markdown by pulldown-cmark cleaned by ammonia (`markdown.rs`), two assets embedded in
//! the binary under content-hashed names (`assets.rs`). Handlers call the same use cases
//! as the API and read no store. Pages work without JavaScript; the script only adds copy
//! buttons and search suggestions.
//!
//! Every page is sent with a Content-Security-Policy that allows nothing from another host
//! and no inline script, so even text that escaped cleaning could not run. A signed-in
//! visitor holds a session cookie (HttpOnly, SameSite=Lax; see `session.rs`); every form
//! that changes something carries a CSRF token derived from the session.

mod assets;
mod markdown;
mod pages;
mod session;
mod skill;

use std::sync::Arc;

use axum::Router;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use maud::{DOCTYPE, Markup, PreEscaped, html};
use skillreg_core::auth::Actor;
use skillreg_core::usecases::RegistryError;

use crate::AppState;

pub(crate) use markdown::Rendered;
pub(crate) use pages::origin;
pub(crate) use session::SESSION_COOKIE;

type Shared = Arc<AppState>;

/// The pages' routes; skill and namespace pages are reached through [`page_fallback`].
pub(crate) fn routes() -> Router<Shared> {
    Router::new()
        .route("/", get(pages::home))
        .route("/search", get(pages::search))
        .route("/-/assets/{file}", get(assets::serve))
        .route("/-/namespaces/{*path}", get(pages::namespace))
        .route(
            "/-/sign-in",
            get(session::sign_in_form).post(session::sign_in),
        )
        .route("/-/sign-out", post(session::sign_out))
        .route("/-/tokens", get(session::tokens))
        .route("/-/tokens/{id}/revoke", post(session::revoke_token))
}

/// Whether a path belongs to the pages (the API, OCI, PRS and operations routes do not).
pub(crate) fn is_page(path: &str) -> bool {
    const NOT_PAGES: [&str; 7] = [
        "/api/",
        "/clawhub/",
        "/v2",
        "/packages/",
        "/skill/",
        "/.well-known/",
        "/claude/",
    ];
    !(NOT_PAGES.iter().any(|prefix| path.starts_with(prefix))
        || path.contains("/.well-known/")
        || matches!(
            path,
            "/browse" | "/healthz" | "/readyz" | "/metrics" | "/clawhub"
        ))
}

/// The answer to a path no route has: a skill's page (and its sub-pages) or a 404 page.
pub(crate) async fn page_fallback(
    state: axum::extract::State<Shared>,
    visitor: Visitor,
    reader: crate::auth::Reader,
    method: axum::http::Method,
    headers: HeaderMap,
    uri: axum::http::Uri,
    body: axum::body::Bytes,
) -> Response {
    // A namespace's (or one skill's) discovery documents live under its path.
    if let Some(scoped) = crate::routes::discovery::scoped(uri.path()) {
        return crate::routes::discovery::answer(&state, &reader, &method, &headers, scoped).await;
    }
    skill::dispatch(&state, &visitor, &method, &uri, &body).await
}

/// The session secret a page request's cookie holds.
pub(crate) fn session_secret(headers: &HeaderMap) -> Option<String> {
    session::cookie(headers, SESSION_COOKIE)
}

/// The actor of a live session; `None` for a secret that is not one.
///
/// # Errors
/// A store failure.
pub(crate) async fn session_actor(
    registry: &skillreg_core::usecases::Registry,
    secret: &str,
) -> Result<Option<Actor>, crate::ApiError> {
    if !skillreg_core::usecases::is_token_shaped(secret) {
        return Ok(None);
    }
    Ok(registry.authenticate(secret).await?)
}

/// Clears the session cookie with an answer.
pub(crate) fn clear_session(headers: &mut HeaderMap) {
    headers.append(
        header::SET_COOKIE,
        HeaderValue::from_static("skillreg_session=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0"),
    );
}

/// On a registry that needs a sign-in for everything: the sign-in form and the assets
/// answer, every other page sends the visitor to the form.
pub(crate) async fn sign_in_first(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let path = request.uri().path();
    if path == "/-/sign-in" || path.starts_with("/-/assets/") {
        return next.run(request).await;
    }
    axum::response::Redirect::to("/-/sign-in").into_response()
}

/// Who looks at a page: the actor of a live session (or of a token header), and the
/// session's CSRF token for its forms.
#[derive(Debug, Clone, Default)]
pub(crate) struct Visitor {
    pub(crate) actor: Option<Arc<Actor>>,
    pub(crate) csrf: Option<String>,
}

impl Visitor {
    pub(crate) fn actor(&self) -> Option<&Actor> {
        self.actor.as_deref()
    }
}

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for Visitor {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _state: &S,
    ) -> Result<Self, Self::Rejection> {
        let actor = parts
            .extensions
            .get::<crate::auth::Authenticated>()
            .map(|a| Arc::clone(&a.0));
        let secret = session::cookie(&parts.headers, SESSION_COOKIE);
        Ok(Visitor {
            csrf: actor.as_ref().and(secret.as_deref()).map(session::csrf_of),
            actor,
        })
    }
}

/// A page's frame: title, canonical path, the header with search and the visitor's
/// session, the content.
pub(crate) fn layout(visitor: &Visitor, title: &str, canonical: &str, content: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="color-scheme" content="light dark";
                title { (title) " · skillreg" }
                link rel="canonical" href=(canonical);
                link rel="stylesheet" href=(assets::STYLE.path());
                script src=(assets::SCRIPT.path()) defer {}
            }
            body {
                a.skip href="#main" { "Skip to the content" }
                header.top {
                    nav aria-label="Site" {
                        a.brand href="/" { "skillreg" }
                        form.search role="search" action="/search" method="get" {
                            input type="search" name="q" aria-label="Search skills"
                                placeholder="Search skills" data-suggest;
                            button type="submit" { "Search" }
                        }
                        @match (visitor.actor(), &visitor.csrf) {
                            (Some(actor), Some(csrf)) => {
                                a href="/-/tokens" { (actor.user().as_str()) }
                                form.inline method="post" action="/-/sign-out" {
                                    input type="hidden" name="csrf" value=(csrf);
                                    button.plain type="submit" { "Sign out" }
                                }
                            }
                            (Some(actor), None) => { span { (actor.user().as_str()) } }
                            _ => { a href="/-/sign-in" { "Sign in" } }
                        }
                    }
                }
                main id="main" { (content) }
                footer {
                    "skillreg · "
                    a href="/api/v1/openapi.json" { "API" }
                    " · "
                    a href="/.well-known/cleverthis-packages" { "Package Registry Standard" }
                }
            }
        }
    }
}

/// An HTML answer with the pages' headers.
pub(crate) fn page(status: StatusCode, markup: Markup) -> Response {
    let mut response = (status, markup.into_string()).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    secure(headers);
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-cache"),
    );
    response
}

/// The headers every page and asset carries: nothing from another host, no inline script,
/// no framing, no sniffing.
pub(crate) fn secure(headers: &mut HeaderMap) {
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; \
             connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
        ),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
}

/// A page that says what went wrong, in the pages' style.
pub(crate) fn error_page(visitor: &Visitor, status: StatusCode, message: &str) -> Response {
    let title = match status {
        StatusCode::NOT_FOUND => "Not found",
        StatusCode::FORBIDDEN => "Not allowed",
        StatusCode::UNAUTHORIZED => "Sign in",
        StatusCode::TOO_MANY_REQUESTS => "Too many requests",
        s if s.is_client_error() => "That did not work",
        _ => "Something failed",
    };
    let content = html! {
        h1 { (title) }
        p.notice.error { (message) }
        @if visitor.actor().is_none() && status != StatusCode::TOO_MANY_REQUESTS {
            p { "Some skills are visible only when signed in: " a href="/-/sign-in" { "sign in" } "." }
        }
        p { a href="/" { "Back to the start" } }
    };
    page(status, layout(visitor, title, "/", content))
}

/// The page for a use case's error.
pub(crate) fn failed(visitor: &Visitor, error: RegistryError) -> Response {
    let api = crate::ApiError::from(error);
    let status = api.status();
    let message = if status.is_server_error() {
        "the registry failed to answer; try again later".to_owned()
    } else {
        api.message().to_owned()
    };
    error_page(visitor, status, &message)
}

/// Text from a registry, cleaned of control characters and cut to a length fit for a page.
pub(crate) fn shown(text: &str, max_chars: usize) -> String {
    let mut kept = text
        .chars()
        .filter(|c| !c.is_control() || *c == '\n' || *c == '\t');
    let mut cleaned: String = kept.by_ref().take(max_chars).collect();
    if kept.next().is_some() {
        cleaned.push('…');
    }
    cleaned
}

/// A date from milliseconds since the epoch, as `YYYY-MM-DD` (UTC).
pub(crate) fn date(millis: i64) -> String {
    let days = millis.div_euclid(86_400_000);
    // Civil from days (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

/// A verdict as a chip.
pub(crate) fn verdict_chip(verdict: &str) -> Markup {
    let label = match verdict {
        "pass" => "audit: pass",
        "review" => "audit: notes",
        "warn" => "audit: warn",
        "block" => "audit: blocked",
        _ => "audit: ?",
    };
    html! { span class={ "chip verdict-" (verdict) } title="The registry's audit of this version" { (label) } }
}

/// Marks text as already-safe HTML (only for what [`markdown::render`] made).
pub(crate) fn trusted(html: &str) -> PreEscaped<&str> {
    PreEscaped(html)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_civil_utc() {
        assert_eq!(date(0), "1970-01-01");
        assert_eq!(date(1_767_225_600_000), "2026-01-01");
        assert_eq!(date(951_782_400_000), "2000-02-29");
    }

    #[test]
    fn api_and_operations_paths_are_not_pages() {
        for path in [
            "/api/v1/skills",
            "/v2/",
            "/packages/x",
            "/skill/a/b",
            "/healthz",
            "/browse",
        ] {
            assert!(!is_page(path), "{path}");
        }
        for path in ["/", "/search", "/acme/pdf", "/-/sign-in", "/skills/x"] {
            assert!(is_page(path), "{path}");
        }
    }
}
