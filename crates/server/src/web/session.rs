//! Signing in on the pages. A visitor pastes an API token once; the registry makes a
//! session token of the same grants (`Registry::start_session`, at most 12 hours) and the
//! browser keeps its secret in an HttpOnly, SameSite=Lax cookie (Secure behind HTTPS), which
//! only the pages read (the API never takes a cookie, so no other site can make a browser
//! call it). Signing out revokes the session token. Every form that changes something
//! carries a CSRF token: for a session, a hash of its secret (the page that shows the form
//! knows it, another site cannot); for the sign-in form, a random value also set in a
//! cookie of its own (the two must match). Failed sign-ins are limited like the API's.

use std::net::SocketAddr;

use axum::Form;
use axum::extract::{ConnectInfo, Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;
use serde::Deserialize;
use sha2::{Digest as _, Sha256};
use skillreg_core::model::TokenId;
use skillreg_core::usecases::{SESSION_HOURS, SESSION_TOKEN_NAME};

use super::{AppState, Shared, Visitor, date, error_page, failed, layout, page};

/// The cookie that holds a session's token secret.
pub(crate) const SESSION_COOKIE: &str = "skillreg_session";

/// The cookie that holds the sign-in form's CSRF value.
const SIGN_IN_COOKIE: &str = "skillreg_sign_in";

/// The value of the cookie `name`, if the request sent it.
pub(crate) fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value.trim().to_owned())
        .filter(|value| !value.is_empty())
}

/// The CSRF token of a session: a hash of its secret.
pub(crate) fn csrf_of(secret: &str) -> String {
    let digest = Sha256::new()
        .chain_update(b"skillreg csrf\0")
        .chain_update(secret.as_bytes())
        .finalize();
    digest[..16].iter().map(|b| format!("{b:02x}")).collect()
}

/// Whether two values are equal, looking at every byte (no early exit to time).
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// Whether a form's CSRF value is the visitor's session's.
pub(crate) fn csrf_holds(visitor: &Visitor, sent: &str) -> bool {
    visitor.csrf.as_deref().is_some_and(|csrf| same(csrf, sent))
}

/// A cookie header value; `Secure` when clients reach the registry over HTTPS (the server's
/// own TLS, a public URL, or a proxy's `X-Forwarded-Proto`: [`AppState::origin`]).
fn set_cookie(
    state: &AppState,
    headers: &HeaderMap,
    name: &str,
    value: &str,
    max_age_secs: i64,
    same_site: &str,
) -> HeaderValue {
    let secure = state.origin(headers).starts_with("https://");
    let text = format!(
        "{name}={value}; Path=/; HttpOnly; SameSite={same_site}; Max-Age={max_age_secs}{}",
        if secure { "; Secure" } else { "" }
    );
    HeaderValue::from_str(&text).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// The client a failed sign-in counts against.
pub(crate) struct Client(String);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for Client {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _state: &S,
    ) -> Result<Self, Self::Rejection> {
        Ok(Client(
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map_or_else(|| "unknown".to_owned(), |info| info.0.ip().to_string()),
        ))
    }
}

fn random_hex() -> Option<String> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).ok()?;
    Some(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

fn sign_in_page(
    visitor: &Visitor,
    csrf: &str,
    message: Option<&str>,
    status: StatusCode,
) -> Response {
    let content = html! {
        h1 { "Sign in" }
        @if let Some(message) = message { p.notice.error role="alert" { (message) } }
        p {
            "Paste an API token (" code { "skillreg token create" } " makes one). The registry "
            "keeps a session for " (SESSION_HOURS) " hours with the token's rights; the token "
            "itself is not kept in the browser."
        }
        form method="post" action="/-/sign-in" {
            input type="hidden" name="csrf" value=(csrf);
            p {
                label for="token" { "Token" } br;
                input id="token" type="password" name="token" autocomplete="off" required size="48";
            }
            button type="submit" { "Sign in" }
        }
    };
    page(status, layout(visitor, "Sign in", "/-/sign-in", content))
}

/// `GET /-/sign-in`: the form, with a fresh CSRF value in its own cookie.
pub(crate) async fn sign_in_form(
    State(state): State<Shared>,
    visitor: Visitor,
    headers: HeaderMap,
) -> Response {
    let Some(csrf) = random_hex() else {
        return error_page(
            &visitor,
            StatusCode::SERVICE_UNAVAILABLE,
            "no randomness for a form",
        );
    };
    let mut response = sign_in_page(&visitor, &csrf, None, StatusCode::OK);
    response.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(&state, &headers, SIGN_IN_COOKIE, &csrf, 3600, "Strict"),
    );
    response
}

#[derive(Debug, Deserialize)]
pub(crate) struct SignInForm {
    token: String,
    csrf: String,
}

/// `POST /-/sign-in`: a session for a live token; a wrong one counts as a failed sign-in.
pub(crate) async fn sign_in(
    State(state): State<Shared>,
    visitor: Visitor,
    Client(client): Client,
    headers: HeaderMap,
    Form(form): Form<SignInForm>,
) -> Response {
    let expected = cookie(&headers, SIGN_IN_COOKIE);
    if !expected.as_deref().is_some_and(|e| same(e, &form.csrf)) {
        return error_page(
            &visitor,
            StatusCode::FORBIDDEN,
            "the form has expired; open the sign-in page again",
        );
    }
    match state.registry.start_session(form.token.trim()).await {
        Err(error) => failed(&visitor, error),
        Ok(None) => {
            if let Err(wait) = state.limits.auth_failures.take(&client).await {
                return error_page(
                    &visitor,
                    StatusCode::TOO_MANY_REQUESTS,
                    &format!(
                        "too many failed sign-ins; try again in {} s",
                        wait.as_secs().max(1)
                    ),
                );
            }
            sign_in_page(
                &visitor,
                &form.csrf,
                Some("that token is not valid (unknown, revoked or expired)"),
                StatusCode::UNAUTHORIZED,
            )
        }
        Ok(Some(session)) => {
            let mut response = Redirect::to("/").into_response();
            let cookies = response.headers_mut();
            cookies.append(
                header::SET_COOKIE,
                set_cookie(
                    &state,
                    &headers,
                    SESSION_COOKIE,
                    &session.secret,
                    SESSION_HOURS * 3600,
                    "Lax",
                ),
            );
            cookies.append(
                header::SET_COOKIE,
                set_cookie(&state, &headers, SIGN_IN_COOKIE, "", 0, "Strict"),
            );
            response
        }
    }
}

#[derive(Debug, Deserialize)]
pub(crate) struct CsrfForm {
    csrf: String,
}

/// `POST /-/sign-out`: the session token is revoked and the cookie cleared.
pub(crate) async fn sign_out(
    State(state): State<Shared>,
    visitor: Visitor,
    headers: HeaderMap,
    Form(form): Form<CsrfForm>,
) -> Response {
    if !csrf_holds(&visitor, &form.csrf) {
        return error_page(
            &visitor,
            StatusCode::FORBIDDEN,
            "the form has expired; reload the page",
        );
    }
    if let Some(secret) = cookie(&headers, SESSION_COOKIE)
        && let Err(error) = state.registry.end_session(&secret).await
    {
        return failed(&visitor, error);
    }
    let mut response = Redirect::to("/").into_response();
    response.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(&state, &headers, SESSION_COOKIE, "", 0, "Lax"),
    );
    response
}

/// `GET /-/tokens`: the visitor's tokens (those its session may manage), each revocable.
pub(crate) async fn tokens(State(state): State<Shared>, visitor: Visitor) -> Response {
    let (Some(actor), Some(csrf)) = (visitor.actor(), visitor.csrf.as_deref()) else {
        return Redirect::to("/-/sign-in").into_response();
    };
    let tokens = match state.registry.tokens(actor).await {
        Ok(tokens) => tokens,
        Err(error) => return failed(&visitor, error),
    };
    let content = html! {
        h1 { "Your tokens" }
        p.muted { "Signed in as " (actor.user().as_str()) ". Sessions are tokens named “" (SESSION_TOKEN_NAME) "”." }
        table {
            thead { tr { th { "Name" } th { "Id" } th { "Scopes" } th { "Created" } th { "Expires" } th {} } }
            tbody {
                @for token in &tokens {
                    tr {
                        td { (token.name) }
                        td { code { (token.id.as_str()) } }
                        td { (token.scopes.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ")) }
                        td { (date(token.created_at.unix_millis())) }
                        td { (token.expires_at.map_or_else(|| "never".to_owned(), |t| date(t.unix_millis()))) }
                        td {
                            @if token.revoked_at.is_some() { span.chip.yanked { "revoked" } }
                            @else {
                                form.inline method="post" action={ "/-/tokens/" (token.id.as_str()) "/revoke" } {
                                    input type="hidden" name="csrf" value=(csrf);
                                    button.plain type="submit" { "Revoke" }
                                }
                            }
                        }
                    }
                }
            }
        }
    };
    page(
        StatusCode::OK,
        layout(&visitor, "Your tokens", "/-/tokens", content),
    )
}

/// `POST /-/tokens/<id>/revoke`.
pub(crate) async fn revoke_token(
    State(state): State<Shared>,
    visitor: Visitor,
    Path(id): Path<String>,
    Form(form): Form<CsrfForm>,
) -> Response {
    let Some(actor) = visitor.actor() else {
        return Redirect::to("/-/sign-in").into_response();
    };
    if !csrf_holds(&visitor, &form.csrf) {
        return error_page(
            &visitor,
            StatusCode::FORBIDDEN,
            "the form has expired; reload the page",
        );
    }
    let Ok(id) = id.parse::<TokenId>() else {
        return error_page(&visitor, StatusCode::NOT_FOUND, "no such token");
    };
    match state.registry.revoke_token(actor, &id).await {
        Ok(_) => Redirect::to("/-/tokens").into_response(),
        Err(error) => failed(&visitor, error),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_are_read_by_name() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; skillreg_session=s3; b=2"),
        );
        assert_eq!(cookie(&headers, SESSION_COOKIE).as_deref(), Some("s3"));
        assert_eq!(cookie(&headers, "c"), None);
    }

    #[test]
    fn csrf_tokens_follow_the_session() {
        assert_eq!(csrf_of("a"), csrf_of("a"));
        assert_ne!(csrf_of("a"), csrf_of("b"));
        assert!(same("abc", "abc") && !same("abc", "abd") && !same("abc", "ab"));
    }
}
