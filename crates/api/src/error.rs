//! The error envelope of the whole API: `{"error": {"type", "message", "details"}}`.

use serde::{Deserialize, Serialize};

/// The envelope's `type`: what went wrong, for programs. Each has one HTTP status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum ErrorType {
    /// 400: a request that does not fit (bad version, manifest, archive, query).
    #[serde(rename = "ValidationError")]
    Validation,
    /// 400: a malformed package id (Package Registry Standard surface).
    #[serde(rename = "InvalidPackageIdError")]
    InvalidPackageId,
    /// 400: a malformed package reference or version alias (Package Registry Standard
    /// surface).
    #[serde(rename = "InvalidPackageReferenceError")]
    InvalidPackageReference,
    /// 401: no token, or one that is not valid.
    #[serde(rename = "AuthenticationRequiredError")]
    AuthenticationRequired,
    /// 403: the token does not allow this.
    #[serde(rename = "AccessDeniedError")]
    AccessDenied,
    /// 404: no such skill, route, token, key or namespace.
    #[serde(rename = "PackageNotFoundError")]
    PackageNotFound,
    /// 404: the skill exists, no version matches.
    #[serde(rename = "VersionNotFoundError")]
    VersionNotFound,
    /// 405.
    #[serde(rename = "MethodNotAllowedError")]
    MethodNotAllowed,
    /// 408: the request took longer than the server waits.
    #[serde(rename = "RequestTimeoutError")]
    RequestTimeout,
    /// 409: the version, name or key exists with other content.
    #[serde(rename = "ConflictError")]
    Conflict,
    /// 413.
    #[serde(rename = "PayloadTooLargeError")]
    PayloadTooLarge,
    /// 422: the audit found what the registry refuses; `details` lists the findings
    /// ([`crate::AuditBlocked`]).
    #[serde(rename = "AuditBlockedError")]
    AuditBlocked,
    /// 429, with `Retry-After`.
    #[serde(rename = "RateLimitedError")]
    RateLimited,
    /// 500.
    #[serde(rename = "InternalError")]
    Internal,
    /// 501: a route of another registry's protocol this registry does not serve.
    #[serde(rename = "NotImplementedError")]
    NotImplemented,
    /// 503: busy; try again shortly.
    #[serde(rename = "UnavailableError")]
    Unavailable,
}

impl ErrorType {
    /// Every type.
    pub const ALL: [ErrorType; 16] = [
        ErrorType::Validation,
        ErrorType::InvalidPackageId,
        ErrorType::InvalidPackageReference,
        ErrorType::AuthenticationRequired,
        ErrorType::AccessDenied,
        ErrorType::PackageNotFound,
        ErrorType::VersionNotFound,
        ErrorType::MethodNotAllowed,
        ErrorType::RequestTimeout,
        ErrorType::Conflict,
        ErrorType::PayloadTooLarge,
        ErrorType::AuditBlocked,
        ErrorType::RateLimited,
        ErrorType::Internal,
        ErrorType::NotImplemented,
        ErrorType::Unavailable,
    ];

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
            ErrorType::AuditBlocked => "AuditBlockedError",
            ErrorType::RateLimited => "RateLimitedError",
            ErrorType::Internal => "InternalError",
            ErrorType::NotImplemented => "NotImplementedError",
            ErrorType::Unavailable => "UnavailableError",
        }
    }

    /// The type a wire name names, `None` for a name this build does not know.
    pub fn from_name(name: &str) -> Option<ErrorType> {
        ErrorType::ALL
            .into_iter()
            .find(|kind| kind.as_str() == name)
    }

    /// The HTTP status it is sent with.
    pub fn status(self) -> u16 {
        match self {
            ErrorType::Validation
            | ErrorType::InvalidPackageId
            | ErrorType::InvalidPackageReference => 400,
            ErrorType::AuthenticationRequired => 401,
            ErrorType::AccessDenied => 403,
            ErrorType::PackageNotFound | ErrorType::VersionNotFound => 404,
            ErrorType::MethodNotAllowed => 405,
            ErrorType::RequestTimeout => 408,
            ErrorType::Conflict => 409,
            ErrorType::PayloadTooLarge => 413,
            ErrorType::AuditBlocked => 422,
            ErrorType::RateLimited => 429,
            ErrorType::Internal => 500,
            ErrorType::NotImplemented => 501,
            ErrorType::Unavailable => 503,
        }
    }

    /// The type an error status stands for when a body names none (a proxy's answer, an
    /// envelope of a type this build does not know): the first of that status, any other
    /// 5xx as [`ErrorType::Internal`], any other 4xx as [`ErrorType::Validation`], and
    /// `None` for a status that is not an error.
    pub fn for_status(status: u16) -> Option<ErrorType> {
        match status {
            400..=499 => Some(
                ErrorType::ALL
                    .into_iter()
                    .find(|kind| kind.status() == status)
                    .unwrap_or(ErrorType::Validation),
            ),
            501 => Some(ErrorType::NotImplemented),
            503 => Some(ErrorType::Unavailable),
            500..=599 => Some(ErrorType::Internal),
            _ => None,
        }
    }
}

impl std::fmt::Display for ErrorType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The error envelope: every error answer of the API is one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorEnvelope {
    /// The error.
    pub error: ErrorBody,
}

/// The one object inside the envelope.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorBody {
    /// What went wrong, for programs; a client maps it first and falls back to the status.
    #[serde(rename = "type")]
    pub kind: ErrorType,
    /// For people.
    pub message: String,
    /// Structured details: the conflict, the version asked for, the retry delay.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub details: serde_json::Value,
}
