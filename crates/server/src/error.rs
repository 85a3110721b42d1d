//! The error envelope of the whole API (formats.md): `{"error": {"type", "message",
//! "details"}}`, produced in this one place from domain errors. No internal detail reaches
//! a client: 5xx messages are generic and the cause goes to the log.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use skillreg_core::ports::StoreError;
use skillreg_core::usecases::RegistryError;

/// The envelope's `type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorType {
    /// 400.
    Validation,
    /// 400, a malformed package id (Package Registry Standard surface).
    InvalidPackageId,
    /// 400, a malformed package reference or version alias (Package Registry Standard
    /// surface).
    InvalidPackageReference,
    /// 401.
    AuthenticationRequired,
    /// 403.
    AccessDenied,
    /// 404, no such skill (or route).
    PackageNotFound,
    /// 404, no such version.
    VersionNotFound,
    /// 405.
    MethodNotAllowed,
    /// 408: the request took longer than the server waits.
    RequestTimeout,
    /// 409.
    Conflict,
    /// 413.
    PayloadTooLarge,
    /// 429, with `Retry-After`.
    RateLimited,
    /// 500.
    Internal,
    /// 503: busy; try again shortly.
    Unavailable,
}

impl ErrorType {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorType::Validation => "ValidationError",
            ErrorType::InvalidPackageId => "InvalidPackageIdError",
            ErrorType::InvalidPackageReference => "InvalidPackageReferenceError",
            ErrorType::AuthenticationRequired => "AuthenticationRequiredError",
            ErrorType::AccessDenied => "AccessDeniedError",
            ErrorType::PackageNotFound => "PackageNotFoundError",
            ErrorType::VersionNotFound => "VersionNotFoundError",
            ErrorType::MethodNotAllowed => "MethodNotAllowedError",
            ErrorType::RequestTimeout => "RequestTimeoutError",
            ErrorType::Conflict => "ConflictError",
            ErrorType::PayloadTooLarge => "PayloadTooLargeError",
            ErrorType::RateLimited => "RateLimitedError",
            ErrorType::Internal => "InternalError",
            ErrorType::Unavailable => "UnavailableError",
        }
    }

    /// The HTTP status.
    pub fn status(self) -> StatusCode {
        match self {
            ErrorType::Validation
            | ErrorType::InvalidPackageId
            | ErrorType::InvalidPackageReference => StatusCode::BAD_REQUEST,
            ErrorType::AuthenticationRequired => StatusCode::UNAUTHORIZED,
            ErrorType::AccessDenied => StatusCode::FORBIDDEN,
            ErrorType::PackageNotFound | ErrorType::VersionNotFound => StatusCode::NOT_FOUND,
            ErrorType::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ErrorType::RequestTimeout => StatusCode::REQUEST_TIMEOUT,
            ErrorType::Conflict => StatusCode::CONFLICT,
            ErrorType::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ErrorType::RateLimited => StatusCode::TOO_MANY_REQUESTS,
            ErrorType::Internal => StatusCode::INTERNAL_SERVER_ERROR,
            ErrorType::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
        }
    }
}

/// An API error, ready to become the envelope.
#[derive(Debug, Clone)]
pub struct ApiError {
    kind: ErrorType,
    message: String,
    details: Value,
    retry_after_secs: Option<u64>,
}

impl ApiError {
    /// An error of `kind` with a message for the client.
    pub fn new(kind: ErrorType, message: impl Into<String>) -> Self {
        ApiError {
            kind,
            message: message.into(),
            details: json!({}),
            retry_after_secs: None,
        }
    }

    /// A 429 saying when to retry (whole seconds, at least one).
    pub fn rate_limited(what: &str, wait: std::time::Duration) -> Self {
        let secs = (wait.as_secs() + u64::from(wait.subsec_nanos() > 0)).max(1);
        let mut error = ApiError::new(
            ErrorType::RateLimited,
            format!("too many {what}; retry in {secs} s"),
        )
        .with_details(json!({ "retry_after_secs": secs }));
        error.retry_after_secs = Some(secs);
        error
    }

    /// Adds structured details.
    pub fn with_details(mut self, details: Value) -> Self {
        self.details = details;
        self
    }

    /// The type.
    pub fn kind(&self) -> ErrorType {
        self.kind
    }

    fn internal(cause: &dyn std::fmt::Display) -> Self {
        tracing::error!(%cause, "internal error");
        ApiError::new(
            ErrorType::Internal,
            "the registry failed to handle the request; try again later",
        )
    }
}

impl From<RegistryError> for ApiError {
    fn from(error: RegistryError) -> Self {
        let message = error.to_string();
        match error {
            RegistryError::Bundle(_)
            | RegistryError::Manifest(_)
            | RegistryError::Field(_)
            | RegistryError::Invalid(_) => ApiError::new(ErrorType::Validation, message),
            RegistryError::Access(_) => ApiError::new(ErrorType::AccessDenied, message),
            RegistryError::SkillNotFound(id) => ApiError::new(ErrorType::PackageNotFound, message)
                .with_details(json!({ "id": id.to_string() })),
            RegistryError::VersionNotFound { id, request } => {
                ApiError::new(ErrorType::VersionNotFound, message)
                    .with_details(json!({ "id": id.to_string(), "version": request.to_string() }))
            }
            RegistryError::VersionConflict {
                id,
                version,
                existing_archive_digest,
            } => ApiError::new(ErrorType::Conflict, message).with_details(json!({
                "id": id.to_string(),
                "version": version.to_string(),
                "existing_archive_digest": existing_archive_digest.to_string(),
            })),
            RegistryError::NameTaken(conflict) => ApiError::new(ErrorType::Conflict, message)
                .with_details(json!({
                    "status": "conflict",
                    "existing_skill_id": conflict.existing_skill_id.to_string(),
                    "existing_created_by": conflict.existing_created_by.to_string(),
                    "can_overwrite": conflict.can_overwrite,
                })),
            RegistryError::TargetChanged { .. } | RegistryError::NamespaceTaken(_) => {
                ApiError::new(ErrorType::Conflict, message)
            }
            RegistryError::KeyNotFound(_) => ApiError::new(ErrorType::PackageNotFound, message),
            RegistryError::SigningUnsupported => ApiError::new(ErrorType::Validation, message),
            RegistryError::NamespaceNotFound(_) => {
                ApiError::new(ErrorType::PackageNotFound, message)
            }
            RegistryError::Store(StoreError::Duplicate(what)) => {
                ApiError::new(ErrorType::Conflict, format!("{what} already exists"))
            }
            RegistryError::Store(StoreError::Missing(what)) => {
                ApiError::new(ErrorType::Validation, format!("{what} not found"))
            }
            RegistryError::Store(cause) => ApiError::internal(&cause),
            RegistryError::Blob(cause) => ApiError::internal(&cause),
        }
    }
}

/// The error envelope: `{"error": {"type", "message", "details"}}`.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub(crate) struct ErrorEnvelope {
    pub(crate) error: ErrorObject,
}

/// The one object inside the envelope.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub(crate) struct ErrorObject {
    /// One of the types of the envelope table (`ValidationError`, `PackageNotFoundError`, …);
    /// a client maps it first and falls back to the status.
    #[serde(rename = "type")]
    pub(crate) kind: &'static str,
    /// For people.
    pub(crate) message: String,
    /// Structured details: the conflict, the ambiguity candidates, the retry delay.
    #[schema(value_type = Object)]
    pub(crate) details: Value,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorEnvelope {
            error: ErrorObject {
                kind: self.kind.as_str(),
                message: self.message,
                details: self.details,
            },
        };
        let mut response = (self.kind.status(), Json(body)).into_response();
        if let Some(secs) = self.retry_after_secs {
            response.headers_mut().insert(
                axum::http::header::RETRY_AFTER,
                axum::http::HeaderValue::from(secs),
            );
        }
        response
    }
}

/// The envelope's type for an error status that reached no handler (axum's own rejections:
/// a path that is not UTF-8, a body over the limit, a method a route does not take, the
/// request timeout).
fn type_of_status(status: StatusCode) -> ErrorType {
    match status {
        StatusCode::UNAUTHORIZED => ErrorType::AuthenticationRequired,
        StatusCode::FORBIDDEN => ErrorType::AccessDenied,
        StatusCode::NOT_FOUND => ErrorType::PackageNotFound,
        StatusCode::METHOD_NOT_ALLOWED => ErrorType::MethodNotAllowed,
        StatusCode::REQUEST_TIMEOUT => ErrorType::RequestTimeout,
        StatusCode::CONFLICT => ErrorType::Conflict,
        StatusCode::PAYLOAD_TOO_LARGE => ErrorType::PayloadTooLarge,
        StatusCode::TOO_MANY_REQUESTS => ErrorType::RateLimited,
        StatusCode::SERVICE_UNAVAILABLE => ErrorType::Unavailable,
        status if status.is_server_error() => ErrorType::Internal,
        _ => ErrorType::Validation,
    }
}

/// What the guard does with every response: any error response that is not JSON already
/// (axum's plain-text rejections, empty 405 and 408 bodies) becomes the envelope, so every
/// error a client sees is one. The OCI surface (`/v2`) keeps the distribution spec's own
/// error body (`oci` says the request was for it).
pub(crate) async fn envelope_every_error(response: Response, oci: bool) -> Response {
    let status = response.status();
    if oci || !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    let is_json = response
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if is_json {
        return response;
    }
    let (parts, body) = response.into_parts();
    let text = axum::body::to_bytes(body, 4096).await.unwrap_or_default();
    let text = String::from_utf8_lossy(&text);
    let kind = type_of_status(status);
    let message = match text.trim() {
        "" => status
            .canonical_reason()
            .unwrap_or("request failed")
            .to_lowercase(),
        text => skillreg_core::text::sanitize_remote(text),
    };
    let mut enveloped = ApiError::new(kind, message).into_response();
    *enveloped.status_mut() = status;
    for name in [axum::http::header::ALLOW, axum::http::header::RETRY_AFTER] {
        if let Some(value) = parts.headers.get(&name) {
            enveloped.headers_mut().insert(name, value.clone());
        }
    }
    enveloped
}
