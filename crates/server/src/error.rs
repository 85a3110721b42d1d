//! The error envelope of the whole API (docs/FORMATS.md): `{"error": {"type", "message",
//! "details"}}`, produced in this one place from domain errors. No internal detail reaches
//! a client: 5xx messages are generic and the cause goes to the log.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use skillreg_core::ports::StoreError;
use skillreg_core::usecases::RegistryError;

pub use skillreg_api::ErrorType;
use skillreg_api::{ErrorBody, ErrorEnvelope};

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

    /// The message for the client.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The HTTP status of its type.
    pub fn status(&self) -> StatusCode {
        status_of(self.kind)
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
            RegistryError::Access(skillreg_core::auth::AccessError::SignInRequired) => {
                ApiError::new(ErrorType::AuthenticationRequired, message)
            }
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
                .with_details(
                    serde_json::to_value(skillreg_api::ImportResponse::Conflict(
                        (&conflict).into(),
                    ))
                    .unwrap_or_default(),
                ),
            RegistryError::AuditBlocked {
                id,
                version,
                findings,
            } => ApiError::new(ErrorType::AuditBlocked, message).with_details(
                serde_json::to_value(skillreg_api::AuditBlocked {
                    id: id.to_string(),
                    version: version.to_string(),
                    findings: findings.iter().map(Into::into).collect(),
                })
                .unwrap_or_default(),
            ),
            RegistryError::FindingNotFound {
                id,
                version,
                fingerprint,
            } => ApiError::new(ErrorType::PackageNotFound, message).with_details(json!({
                "id": id.to_string(),
                "version": version.to_string(),
                "fingerprint": fingerprint,
            })),
            RegistryError::NotAudited { id, version } => {
                ApiError::new(ErrorType::PackageNotFound, message)
                    .with_details(json!({ "id": id.to_string(), "version": version.to_string() }))
            }
            RegistryError::TargetChanged { .. } | RegistryError::NamespaceTaken(_) => {
                ApiError::new(ErrorType::Conflict, message)
            }
            RegistryError::KeyNotFound(_)
            | RegistryError::PackageNotFound(_)
            | RegistryError::NoLogKey => ApiError::new(ErrorType::PackageNotFound, message),
            RegistryError::ArchiveMissing(_) | RegistryError::NoRandomness => {
                ApiError::internal(&message)
            }
            RegistryError::SigningUnsupported => ApiError::new(ErrorType::Validation, message),
            RegistryError::NamespaceNotFound(_)
            | RegistryError::ProfileNotFound(_)
            | RegistryError::NotInProfile { .. } => {
                ApiError::new(ErrorType::PackageNotFound, message)
            }
            RegistryError::ProfileTaken(_) => ApiError::new(ErrorType::Conflict, message),
            RegistryError::SkillTaken(id) => ApiError::new(ErrorType::Conflict, message)
                .with_details(json!({ "existing_skill_id": id.to_string() })),
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

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorEnvelope {
            error: ErrorBody {
                kind: self.kind,
                message: self.message,
                details: self.details,
            },
        };
        let mut response = (status_of(self.kind), Json(body)).into_response();
        if let Some(secs) = self.retry_after_secs {
            response.headers_mut().insert(
                axum::http::header::RETRY_AFTER,
                axum::http::HeaderValue::from(secs),
            );
        }
        response
    }
}

/// The HTTP status of an error type.
pub(crate) fn status_of(kind: ErrorType) -> StatusCode {
    StatusCode::from_u16(kind.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
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
    // Every 4xx and 5xx names a type (an error status no type has: the nearest).
    let kind = ErrorType::for_status(status.as_u16()).unwrap_or(ErrorType::Internal);
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
