//! Tokens at the edge: the secret a request presents (`Authorization: Bearer <token>` or
//! `X-API-Key`), turned into an [`Actor`] by the registry once per request. Tokens are made,
//! and what an actor may do is decided, by the use cases.

use axum::http::HeaderMap;
use skillreg_core::auth::Actor;
use skillreg_core::usecases::is_token_shaped;

use crate::error::{ApiError, ErrorType};

/// The token a request carries, if any: `Authorization: Bearer <token>`, `X-API-Key`, or
/// HTTP Basic with the token as the password (what OCI clients send after a `Basic`
/// challenge; the user name is ignored, the token says who).
pub(crate) fn presented_token(headers: &HeaderMap) -> Option<String> {
    if let Some(value) = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    {
        if let Some(basic) = value.strip_prefix("Basic ") {
            use base64::Engine as _;
            // Credentials that do not decode are presented all the same, and refused: never
            // read as an anonymous request. An empty password is no credential at all (what
            // an OCI client with none sends after a `Basic` challenge).
            let password = base64::engine::general_purpose::STANDARD
                .decode(basic.trim())
                .ok()
                .and_then(|decoded| String::from_utf8(decoded).ok())
                .and_then(|text| {
                    text.split_once(':')
                        .map(|(_, password)| password.trim().to_owned())
                });
            return match password {
                Some(password) if password.is_empty() => None,
                Some(password) => Some(password),
                None => Some(String::new()),
            };
        }
        return value
            .strip_prefix("Bearer ")
            .map(|token| token.trim().to_owned());
    }
    headers
        .get("x-api-key")
        .and_then(|v| v.to_str().ok())
        .map(|token| token.trim().to_owned())
}

/// What authenticating a request found.
#[derive(Debug)]
pub(crate) enum Presented {
    /// No token: an anonymous request.
    Anonymous,
    /// A live token.
    Valid(Actor),
    /// A token that is malformed, unknown, revoked or expired.
    Refused,
}

/// Authenticates the token a request carries. Done once per request, by the guard in
/// front of every route, before any body is read.
///
/// # Errors
/// A store failure.
pub(crate) async fn authenticate(
    registry: &skillreg_core::usecases::Registry,
    headers: &HeaderMap,
) -> Result<Presented, ApiError> {
    let Some(secret) = presented_token(headers) else {
        return Ok(Presented::Anonymous);
    };
    if !is_token_shaped(&secret) {
        return Ok(Presented::Refused);
    }
    Ok(match registry.authenticate(&secret).await? {
        Some(actor) => Presented::Valid(actor),
        None => Presented::Refused,
    })
}

/// The 401 of a token that is not valid.
pub(crate) fn refused_token() -> ApiError {
    ApiError::new(
        ErrorType::AuthenticationRequired,
        "the token is not valid; create a new one",
    )
}

/// The 401 of a request that needs a token and has none.
pub(crate) fn token_required() -> ApiError {
    ApiError::new(
        ErrorType::AuthenticationRequired,
        "this needs a token: send `Authorization: Bearer <token>`",
    )
}

/// The actor the guard authenticated, put in the request's extensions; absent for an
/// anonymous request.
#[derive(Debug, Clone)]
pub(crate) struct Authenticated(pub(crate) std::sync::Arc<Actor>);

/// The actor behind a request that needs one: the extractor handlers take.
#[derive(Debug, Clone)]
pub(crate) struct RequiredActor(pub(crate) Actor);

impl<S: Send + Sync> axum::extract::OptionalFromRequestParts<S> for RequiredActor {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _state: &S,
    ) -> Result<Option<Self>, Self::Rejection> {
        Ok(parts
            .extensions
            .get::<Authenticated>()
            .map(|authenticated| RequiredActor(Actor::clone(&authenticated.0))))
    }
}

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for RequiredActor {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _state: &S,
    ) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<Authenticated>()
            .map(|authenticated| RequiredActor(Actor::clone(&authenticated.0)))
            .ok_or_else(token_required)
    }
}

/// Who reads: the actor the guard authenticated, or `None` for an anonymous request. Every
/// read handler takes it and hands it to the use case, which decides what it may see.
#[derive(Debug, Clone)]
pub(crate) struct Reader(Option<std::sync::Arc<Actor>>);

impl Reader {
    /// The actor, if any.
    pub(crate) fn actor(&self) -> Option<&Actor> {
        self.0.as_deref()
    }
}

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for Reader {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _state: &S,
    ) -> Result<Self, Self::Rejection> {
        Ok(Reader(parts.extensions.get::<Authenticated>().map(
            |authenticated| std::sync::Arc::clone(&authenticated.0),
        )))
    }
}
