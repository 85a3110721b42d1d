//! Tokens: made here (random, shown once), stored as a sha256 digest, and turned back into
//! an [`Actor`] for each request from `Authorization: Bearer <token>` or `X-API-Key`.
//! What the actor may do is decided by the use cases, not here.

use axum::http::HeaderMap;
use skillreg_core::Digest;
use skillreg_core::auth::{Actor, NamespacePattern};
use skillreg_core::model::{AuditEntry, Scope, Timestamp, TokenId, TokenRecord, UserId};
use skillreg_core::ports::SkillStore;

use crate::error::{ApiError, ErrorType};

/// The prefix of every token, so a leaked one is easy to recognise.
const TOKEN_PREFIX: &str = "skr_";

/// A token just made: the secret is shown once and never stored.
#[derive(Debug, Clone)]
pub struct IssuedToken {
    /// The record as stored.
    pub record: TokenRecord,
    /// The secret, for the user.
    pub secret: String,
}

/// A token record and its secret, from 32 random bytes; nothing is stored.
///
/// # Errors
/// When randomness is unavailable, or the derived id is not valid (it always is).
pub(crate) fn issue_secret(
    random: &dyn Fn() -> Option<[u8; 32]>,
    user: UserId,
    name: &str,
    scopes: Vec<Scope>,
    namespaces: Vec<NamespacePattern>,
    now: Timestamp,
) -> Result<(TokenRecord, String), ApiError> {
    let bytes = random()
        .ok_or_else(|| ApiError::new(ErrorType::Internal, "no randomness available for a token"))?;
    let (record, secret) = token_record(bytes, user, name, scopes, namespaces, now)
        .map_err(|e| ApiError::new(ErrorType::Internal, format!("token: {e}")))?;
    Ok((record, secret))
}

fn token_record(
    random: [u8; 32],
    user: UserId,
    name: &str,
    scopes: Vec<Scope>,
    namespaces: Vec<NamespacePattern>,
    now: Timestamp,
) -> Result<(TokenRecord, String), skillreg_core::model::FieldError> {
    let secret = format!("{TOKEN_PREFIX}{}", skillreg_core::digest::hex(&random));
    let id: TokenId = format!("tok-{}", &Digest::of(secret.as_bytes()).hex()[..16]).parse()?;
    let record = TokenRecord {
        id,
        user,
        name: name.to_owned(),
        secret_digest: Digest::of(secret.as_bytes()),
        scopes,
        namespaces,
        created_at: now,
        revoked_at: None,
        expires_at: None,
    };
    Ok((record, secret))
}

/// Makes a token for `user` from 32 bytes of caller-provided randomness (the server's
/// wiring reads them from the operating system), recording its creation in the audit log.
///
/// # Errors
/// When the store refuses the token.
pub async fn issue_token(
    store: &dyn SkillStore,
    random: [u8; 32],
    user: UserId,
    name: &str,
    scopes: Vec<Scope>,
    namespaces: Vec<NamespacePattern>,
    now: Timestamp,
) -> Result<IssuedToken, skillreg_core::ports::StoreError> {
    let (record, secret) = token_record(random, user, name, scopes, namespaces, now)
        .map_err(|e| skillreg_core::ports::StoreError::Corrupt(format!("token id: {e}")))?;
    let audit = AuditEntry {
        actor: record.user.clone(),
        action: "token.create".to_owned(),
        target: format!("{}:{}", record.user, record.id),
        at: now,
    };
    store.insert_token(&record, &audit).await?;
    Ok(IssuedToken { record, secret })
}

/// The id of the first admin token: fixed, so that of several replicas starting together on
/// one empty database exactly one stores it.
pub const FIRST_ADMIN_TOKEN_ID: &str = "tok-first-admin";

/// Makes the registry's first admin token, once per database: `secret` when given (a
/// `skr_` token taken from a secret store), else one from `random`. Returns `None` when the
/// database has it already (another replica, or an earlier start, made it).
///
/// # Errors
/// A secret that is not a `skr_` token of 36 to 128 characters, or a store failure.
pub async fn issue_first_admin_token(
    store: &dyn SkillStore,
    secret: Option<String>,
    random: [u8; 32],
    now: Timestamp,
) -> Result<Option<IssuedToken>, skillreg_core::ports::StoreError> {
    let secret = match secret {
        Some(secret) => {
            let secret = secret.trim().to_owned();
            if !secret.starts_with(TOKEN_PREFIX) || !(36..=128).contains(&secret.len()) {
                return Err(skillreg_core::ports::StoreError::Corrupt(
                    "the admin token given must start with `skr_` and be 36 to 128 characters"
                        .to_owned(),
                ));
            }
            secret
        }
        None => format!("{TOKEN_PREFIX}{}", skillreg_core::digest::hex(&random)),
    };
    let corrupt = |e: skillreg_core::model::FieldError| {
        skillreg_core::ports::StoreError::Corrupt(format!("admin token: {e}"))
    };
    let record = TokenRecord {
        id: FIRST_ADMIN_TOKEN_ID.parse().map_err(corrupt)?,
        user: "admin".parse().map_err(corrupt)?,
        name: "admin (first start)".to_owned(),
        secret_digest: Digest::of(secret.as_bytes()),
        scopes: vec![Scope::Admin],
        namespaces: vec![NamespacePattern::Any],
        created_at: now,
        revoked_at: None,
        expires_at: None,
    };
    let audit = AuditEntry {
        actor: record.user.clone(),
        action: "token.create".to_owned(),
        target: format!("{}:{}", record.user, record.id),
        at: now,
    };
    match store.insert_token(&record, &audit).await {
        Ok(()) => Ok(Some(IssuedToken { record, secret })),
        Err(skillreg_core::ports::StoreError::Duplicate(_)) => Ok(None),
        Err(other) => Err(other),
    }
}

/// The token a request carries, if any.
pub(crate) fn presented_token(headers: &HeaderMap) -> Option<&str> {
    if let Some(value) = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    {
        return value.strip_prefix("Bearer ").map(str::trim);
    }
    headers
        .get("x-api-key")
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
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
    if !secret.starts_with(TOKEN_PREFIX) || secret.len() > 128 {
        return Ok(Presented::Refused);
    }
    Ok(match registry.authenticate(secret).await? {
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
pub(crate) struct Authenticated(pub(crate) Actor);

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
            .map(|authenticated| RequiredActor(authenticated.0.clone())))
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
            .map(|authenticated| RequiredActor(authenticated.0.clone()))
            .ok_or_else(token_required)
    }
}
