//! Tokens and namespaces: `/api/v1/tokens` and `/api/v1/namespaces/<ns…>` (members after a
//! `/-/` marker: `…/-/members/<user>`).

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;
use skillreg_core::Namespace;
use skillreg_core::auth::NamespacePattern;
use skillreg_core::digest::unhex;
use skillreg_core::model::{Role, Scope, TokenId, UserId};
use skillreg_core::signature::SignatureAlgorithm;

use super::{Shared, invalid, json_body};
use crate::auth::{issue_secret, required_actor};
use crate::error::{ApiError, ErrorType};
use crate::wire::{
    CreateNamespaceBody, CreateTokenBody, MemberBody, NamespaceBody, PublisherKeyBody,
    RegisterKeyBody, TokenBody,
};

pub(super) async fn create_token(
    State(state): State<Shared>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let actor = required_actor(state.registry.store().as_ref(), &headers).await?;
    let request: CreateTokenBody = json_body(&body)?;
    let user: UserId = match request.user {
        Some(user) => user.parse().map_err(|e| invalid("user", e))?,
        None => actor.user().clone(),
    };
    let scopes = request
        .scopes
        .iter()
        .map(|s| {
            s.parse::<Scope>().map_err(|_| {
                invalid(
                    "scope",
                    format!("`{s}`; use publish-new, publish-update, yank, rate or admin"),
                )
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let namespaces = if request.namespaces.is_empty() {
        vec![NamespacePattern::Any]
    } else {
        request
            .namespaces
            .iter()
            .map(|p| {
                p.parse::<NamespacePattern>()
                    .map_err(|e| invalid("namespace pattern", e))
            })
            .collect::<Result<Vec<_>, _>>()?
    };
    let (record, secret) = issue_secret(
        state.random.as_ref(),
        user,
        &request.name,
        scopes,
        namespaces,
        state.clock.now(),
    )?;
    state.registry.register_token(&actor, &record).await?;
    let mut body = serde_json::to_value(TokenBody::from(&record)).unwrap_or_default();
    body["token"] = json!(secret);
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

pub(super) async fn list_tokens(
    State(state): State<Shared>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let actor = required_actor(state.registry.store().as_ref(), &headers).await?;
    let tokens = state.registry.tokens(&actor).await?;
    let body: Vec<TokenBody> = tokens.iter().map(TokenBody::from).collect();
    Ok(Json(json!({ "tokens": body })).into_response())
}

pub(super) async fn revoke_token(
    State(state): State<Shared>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let actor = required_actor(state.registry.store().as_ref(), &headers).await?;
    let id: TokenId = id.parse().map_err(|e| invalid("token id", e))?;
    if state.registry.revoke_token(&actor, &id).await? {
        Ok(Json(json!({ "id": id.to_string(), "revoked": true })).into_response())
    } else {
        Err(ApiError::new(
            ErrorType::PackageNotFound,
            format!("no live token `{id}` of yours"),
        ))
    }
}

pub(super) async fn create_namespace(
    State(state): State<Shared>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let actor = required_actor(state.registry.store().as_ref(), &headers).await?;
    let request: CreateNamespaceBody = json_body(&body)?;
    let namespace: Namespace = request
        .namespace
        .parse()
        .map_err(|e| invalid("namespace", e))?;
    let record = state.registry.create_namespace(&actor, &namespace).await?;
    Ok((StatusCode::CREATED, Json(NamespaceBody::from(&record))).into_response())
}

pub(super) async fn namespace_resource(
    State(state): State<Shared>,
    method: Method,
    Path(path): Path<String>,
    headers: HeaderMap,
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
            let record = state.registry.namespace(&namespace).await?;
            Ok(Json(NamespaceBody::from(&record)).into_response())
        }
        (&Method::PUT | &Method::DELETE, Some(["members", user])) => {
            let actor = required_actor(state.registry.store().as_ref(), &headers).await?;
            let user: UserId = user.parse().map_err(|e| invalid("user", e))?;
            let role = if method == Method::PUT {
                let member: MemberBody = json_body(&body)?;
                Some(match member.role.as_str() {
                    "owner" => Role::Owner,
                    "member" => Role::Member,
                    other => {
                        return Err(invalid("role", format!("`{other}`; use owner or member")));
                    }
                })
            } else {
                None
            };
            let record = state
                .registry
                .set_member(&actor, &namespace, &user, role)
                .await?;
            Ok(Json(NamespaceBody::from(&record)).into_response())
        }
        _ => Err(ApiError::new(
            ErrorType::PackageNotFound,
            format!("no route for {method} `{path}`"),
        )),
    }
}

/// `POST /api/v1/keys`: registers a publisher's Ed25519 public key.
pub(super) async fn register_key(
    State(state): State<Shared>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let actor = required_actor(state.registry.store().as_ref(), &headers).await?;
    let request: RegisterKeyBody = json_body(&body)?;
    let algorithm: SignatureAlgorithm = request
        .algorithm
        .as_deref()
        .unwrap_or("ed25519")
        .parse()
        .map_err(|e: String| invalid("algorithm", e))?;
    let public_key = unhex(&request.public_key)
        .ok_or_else(|| invalid("public_key", "it must be lowercase hex"))?;
    let key = state
        .registry
        .register_key(&actor, algorithm, &public_key)
        .await?;
    Ok((StatusCode::CREATED, Json(PublisherKeyBody::from(&key))).into_response())
}

/// `GET /api/v1/keys/<key id>`: a publisher key, for verifiers.
pub(super) async fn publisher_key(
    State(state): State<Shared>,
    Path(key_id): Path<String>,
) -> Result<Json<PublisherKeyBody>, ApiError> {
    let key = state.registry.publisher_key(&key_id).await?;
    Ok(Json(PublisherKeyBody::from(&key)))
}
