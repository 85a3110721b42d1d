//! Tokens and namespaces: `/api/v1/tokens` and `/api/v1/namespaces/<ns…>` (members after a
//! `/-/` marker: `…/-/members/<user>`).

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use skillreg_core::Namespace;
use skillreg_core::auth::NamespacePattern;
use skillreg_core::digest::unhex;
use skillreg_core::model::{Role, TokenId, TokenScope, UserId};
use skillreg_core::signature::SignatureAlgorithm;
use skillreg_core::usecases::NewToken;

use super::{Shared, invalid, json_body};
use crate::auth::{Reader, RequiredActor};
use skillreg_api::{
    CreateNamespaceBody, CreateTokenBody, CreatedToken, ErrorEnvelope, MemberBody, NamespaceBody,
    PublisherKeyBody, RegisterKeyBody, RevokedToken, TokenBody, TokenList, VisibilityBody,
    WhoamiBody,
};

use crate::error::{ApiError, ErrorType};

/// Creates a token (shown once; only its digest is kept). A token grants at most what the
/// creating token holds; only admins create tokens for other users.
#[utoipa::path(post, path = "/api/v1/tokens", tag = "tokens", request_body = CreateTokenBody,
    security(("token" = [])),
    responses(
        (status = 201, description = "The token, with its secret in `token`", body = CreatedToken),
        (status = 400, description = "A bad scope, pattern or name", body = ErrorEnvelope),
        (status = 403, description = "A grant beyond the caller's own", body = ErrorEnvelope),
    ))]
pub(super) async fn create_token(
    State(state): State<Shared>,
    RequiredActor(actor): RequiredActor,
    body: Bytes,
) -> Result<Response, ApiError> {
    let request: CreateTokenBody = json_body(&body)?;
    let user: Option<UserId> = request
        .user
        .map(|user| user.parse().map_err(|e| invalid("user", e)))
        .transpose()?;
    let scopes = request
        .scopes
        .iter()
        .map(|s| {
            s.parse::<TokenScope>().map_err(|_| {
                invalid(
                    "scope",
                    format!("`{s}`; use one of {}", TokenScope::names()),
                )
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let namespaces = request
        .namespaces
        .iter()
        .map(|p| {
            p.parse::<NamespacePattern>()
                .map_err(|e| invalid("namespace pattern", e))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let issued = state
        .registry
        .create_token(
            &actor,
            NewToken {
                user,
                name: request.name,
                scopes,
                namespaces,
                expires_in_days: request.expires_in_days,
            },
        )
        .await?;
    let body = CreatedToken {
        token: TokenBody::from(&issued.record),
        secret: issued.secret,
    };
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

/// Who the calling token stands for and what it allows (any valid token may ask).
#[utoipa::path(get, path = "/api/v1/whoami", tag = "tokens", security(("token" = [])),
    responses(
        (status = 200, description = "The token's user, scopes and namespace patterns", body = WhoamiBody),
        (status = 401, description = "No token", body = ErrorEnvelope),
    ))]
pub(super) async fn whoami(RequiredActor(actor): RequiredActor) -> Json<WhoamiBody> {
    Json(WhoamiBody::from(&actor))
}

/// The caller's tokens that grant no more than the calling token, which needs the `tokens`
/// scope (never their secrets).
#[utoipa::path(get, path = "/api/v1/tokens", tag = "tokens", security(("token" = [])),
    responses(
        (status = 200, description = "The tokens", body = TokenList),
        (status = 401, description = "No token", body = ErrorEnvelope),
        (status = 403, description = "The token lacks the `tokens` scope", body = ErrorEnvelope),
    ))]
pub(super) async fn list_tokens(
    State(state): State<Shared>,
    RequiredActor(actor): RequiredActor,
) -> Result<Response, ApiError> {
    let tokens = state.registry.tokens(&actor).await?;
    Ok(Json(TokenList {
        tokens: tokens.iter().map(TokenBody::from).collect(),
    })
    .into_response())
}

/// Revokes a token: one of the caller's that grants no more than the calling token (which
/// needs the `tokens` scope), or, with an admin token, anyone's.
#[utoipa::path(delete, path = "/api/v1/tokens/{id}", tag = "tokens",
    params(("id" = String, Path, description = "The token id")), security(("token" = [])),
    responses(
        (status = 200, description = "The token is revoked", body = RevokedToken),
        (status = 403, description = "The token lacks the `tokens` scope", body = ErrorEnvelope),
        (status = 404, description = "No live token with this id that the calling token may manage", body = ErrorEnvelope),
    ))]
pub(super) async fn revoke_token(
    State(state): State<Shared>,
    RequiredActor(actor): RequiredActor,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id: TokenId = id.parse().map_err(|e| invalid("token id", e))?;
    if state.registry.revoke_token(&actor, &id).await? {
        Ok(Json(RevokedToken {
            id: id.to_string(),
            revoked: true,
        })
        .into_response())
    } else {
        Err(ApiError::new(
            ErrorType::PackageNotFound,
            format!("no live token `{id}` that this token may manage"),
        ))
    }
}

/// Creates a namespace with the caller as its owner.
#[utoipa::path(post, path = "/api/v1/namespaces", tag = "namespaces", request_body = CreateNamespaceBody,
    security(("token" = [])),
    responses(
        (status = 201, description = "The namespace", body = NamespaceBody),
        (status = 403, description = "Reserved, or not a member of the namespace above", body = ErrorEnvelope),
        (status = 409, description = "It exists", body = ErrorEnvelope),
    ))]
pub(super) async fn create_namespace(
    State(state): State<Shared>,
    RequiredActor(actor): RequiredActor,
    body: Bytes,
) -> Result<Response, ApiError> {
    let request: CreateNamespaceBody = json_body(&body)?;
    let namespace: Namespace = request
        .namespace
        .parse()
        .map_err(|e| invalid("namespace", e))?;
    let record = state
        .registry
        .create_namespace(&actor, &namespace, request.visibility.map(Into::into))
        .await?;
    Ok((StatusCode::CREATED, Json(NamespaceBody::from(&record))).into_response())
}

/// A namespace and its members (`GET …/<ns…>`); owners add or change a member with
/// `PUT …/<ns…>/-/members/<user>` (`{"role": "owner"|"member"}`) and remove one with
/// `DELETE` on the same path.
#[utoipa::path(get, path = "/api/v1/namespaces/{namespace}", tag = "namespaces",
    params(("namespace" = String, Path, description = "One or more `/`-separated segments")),
    responses(
        (status = 200, description = "The namespace", body = NamespaceBody),
        (status = 404, description = "No such namespace", body = ErrorEnvelope),
    ))]
pub(super) async fn namespace_resource(
    State(state): State<Shared>,
    method: Method,
    reader: Reader,
    Path(path): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let (ns_part, sub) = match path.split_once("/-/") {
        Some((ns, sub)) => (ns, Some(sub)),
        None => (path.as_str(), None),
    };
    let namespace: Namespace = ns_part.parse().map_err(|e| invalid("namespace", e))?;
    match (
        &method,
        sub.map(|s| s.split('/').collect::<Vec<_>>()).as_deref(),
    ) {
        (&Method::GET, None) => {
            let record = state.registry.namespace(reader.actor(), &namespace).await?;
            Ok(Json(NamespaceBody::from(&record)).into_response())
        }
        (&Method::PUT | &Method::DELETE, Some(["members", user])) => {
            let actor = reader.actor().ok_or_else(crate::auth::token_required)?;
            set_member(&state, &method, actor, &namespace, user, &body).await
        }
        (&Method::PUT, Some(["visibility"])) => {
            let actor = reader.actor().ok_or_else(crate::auth::token_required)?;
            set_visibility(&state, actor, &namespace, &body).await
        }
        _ => Err(ApiError::new(
            ErrorType::PackageNotFound,
            format!("no route for {method} `{path}`"),
        )),
    }
}

/// Registers one of the caller's Ed25519 public keys for signing publishes (idempotent).
/// The body carries a proof: the key's signature of
/// `skillreg-key-registration-v1\nuser=<user>\nkey_id=<key id>\n`.
#[utoipa::path(post, path = "/api/v1/keys", tag = "keys", request_body = RegisterKeyBody,
    security(("token" = [])),
    responses(
        (status = 201, description = "The key and its id", body = PublisherKeyBody),
        (status = 400, description = "Not an Ed25519 public key in hex, or a proof that does not verify", body = ErrorEnvelope),
        (status = 403, description = "The token has no publish scope", body = ErrorEnvelope),
        (status = 409, description = "Another user registered this key", body = ErrorEnvelope),
    ))]
pub(super) async fn register_key(
    State(state): State<Shared>,
    RequiredActor(actor): RequiredActor,
    body: Bytes,
) -> Result<Response, ApiError> {
    let request: RegisterKeyBody = json_body(&body)?;
    let algorithm: SignatureAlgorithm = request
        .algorithm
        .as_deref()
        .unwrap_or("ed25519")
        .parse()
        .map_err(|e: String| invalid("algorithm", e))?;
    let public_key = unhex(&request.public_key)
        .ok_or_else(|| invalid("public_key", "it must be lowercase hex"))?;
    let proof =
        unhex(&request.proof).ok_or_else(|| invalid("proof", "it must be lowercase hex"))?;
    let key = state
        .registry
        .register_key(&actor, algorithm, &public_key, &proof)
        .await?;
    Ok((StatusCode::CREATED, Json(PublisherKeyBody::from(&key))).into_response())
}

/// Revokes a publisher key: publishes signed with it are refused from now on; the key stays
/// readable, with `revoked_at_ms`, so verifiers know. Its owner's token (with a publish
/// scope) or an admin's.
#[utoipa::path(delete, path = "/api/v1/keys/{key_id}", tag = "keys",
    params(("key_id" = String, Path, description = "`ed25519:<fingerprint>`")),
    security(("token" = [])),
    responses(
        (status = 200, description = "The key, revoked", body = PublisherKeyBody),
        (status = 403, description = "The token has no publish scope", body = ErrorEnvelope),
        (status = 404, description = "No such key of the caller's", body = ErrorEnvelope),
    ))]
pub(super) async fn revoke_key(
    State(state): State<Shared>,
    RequiredActor(actor): RequiredActor,
    Path(key_id): Path<String>,
) -> Result<Json<PublisherKeyBody>, ApiError> {
    let key = state.registry.revoke_key(&actor, &key_id).await?;
    Ok(Json(PublisherKeyBody::from(&key)))
}

/// A publisher key, for verifiers.
#[utoipa::path(get, path = "/api/v1/keys/{key_id}", tag = "keys",
    params(("key_id" = String, Path, description = "`ed25519:<fingerprint>`")),
    responses(
        (status = 200, description = "The key", body = PublisherKeyBody),
        (status = 404, description = "No such key", body = ErrorEnvelope),
    ))]
pub(super) async fn publisher_key(
    State(state): State<Shared>,
    Path(key_id): Path<String>,
) -> Result<Json<PublisherKeyBody>, ApiError> {
    let key = state.registry.publisher_key(&key_id).await?;
    Ok(Json(PublisherKeyBody::from(&key)))
}

/// Adds a member or changes their role (`PUT`, `{"role": "owner"|"member"}`), or removes
/// them (`DELETE`). Owners only, with a token holding `namespace-admin` whose patterns cover
/// the namespace; the last owner stays.
#[utoipa::path(method(put, delete), path = "/api/v1/namespaces/{namespace}/-/members/{user}", tag = "namespaces",
    params(
        ("namespace" = String, Path, description = "One or more `/`-separated segments"),
        ("user" = String, Path, description = "The member"),
    ),
    request_body(content = MemberBody, description = "For `PUT` only"),
    security(("token" = [])),
    responses(
        (status = 200, description = "The namespace", body = NamespaceBody),
        (status = 400, description = "The change would leave no owner", body = ErrorEnvelope),
        (status = 403, description = "Not an owner, or the token lacks `namespace-admin` or the namespace", body = ErrorEnvelope),
        (status = 404, description = "No such namespace", body = ErrorEnvelope),
    ))]
async fn set_member(
    state: &Shared,
    method: &Method,
    actor: &skillreg_core::auth::Actor,
    namespace: &Namespace,
    user: &str,
    body: &[u8],
) -> Result<Response, ApiError> {
    let user: UserId = user.parse().map_err(|e| invalid("user", e))?;
    let role = if method == Method::PUT {
        let member: MemberBody = json_body(body)?;
        Some(Role::from(member.role))
    } else {
        None
    };
    let record = state
        .registry
        .set_member(actor, namespace, &user, role)
        .await?;
    Ok(Json(NamespaceBody::from(&record)).into_response())
}

/// Sets who may read a namespace's skills: `public`, `internal` (anyone signed in) or
/// `private` (its members). Owners only; recorded in the audit log.
#[utoipa::path(put, path = "/api/v1/namespaces/{namespace}/-/visibility", tag = "namespaces",
    params(("namespace" = String, Path, description = "One or more `/`-separated segments")),
    request_body = VisibilityBody,
    security(("token" = [])),
    responses(
        (status = 200, description = "The namespace", body = NamespaceBody),
        (status = 400, description = "Not a visibility", body = ErrorEnvelope),
        (status = 401, description = "No token", body = ErrorEnvelope),
        (status = 403, description = "Not an owner, or the token lacks `namespace-admin` or the namespace", body = ErrorEnvelope),
        (status = 404, description = "No such namespace, or one the caller may not read", body = ErrorEnvelope),
    ))]
async fn set_visibility(
    state: &Shared,
    actor: &skillreg_core::auth::Actor,
    namespace: &Namespace,
    body: &[u8],
) -> Result<Response, ApiError> {
    let request: VisibilityBody = json_body(body)?;
    let record = state
        .registry
        .set_visibility(actor, namespace, request.visibility.into())
        .await?;
    Ok(Json(NamespaceBody::from(&record)).into_response())
}
