//! How a call to a registry fails: [`ClientError`], with the registry's own answer
//! ([`ApiFailure`]) read from the error envelope's `type` first and the status second, and
//! the next step to suggest.

use skillreg_api::{ErrorEnvelope, ErrorType};
use skillreg_core::ports::LookupError;

/// What a registry answered when it refused a call.
#[derive(Debug, Clone)]
pub struct ApiFailure {
    /// Which registry.
    pub registry: String,
    /// The envelope's type, else the one the status stands for.
    pub kind: ErrorType,
    /// The status code.
    pub status: u16,
    /// The registry's message, sanitized.
    pub message: String,
    /// The envelope's details (a structured conflict, ambiguity candidates).
    pub details: serde_json::Value,
    /// Seconds to wait, on a 429.
    pub retry_after: Option<u64>,
}

/// Why a call to a registry failed.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ClientError {
    /// No answer: connection refused, DNS, timeout.
    #[error("registry {registry} is unreachable: {reason}")]
    Unreachable {
        /// Which registry.
        registry: String,
        /// Why.
        reason: String,
    },
    /// The registry answered with an error.
    #[error("{}", api_message(.0))]
    Api(ApiFailure),
    /// The registry answered something this client cannot read.
    #[error("registry {registry} answered something unexpected: {reason}")]
    Protocol {
        /// Which registry.
        registry: String,
        /// What was wrong.
        reason: String,
    },
}

fn api_message(failure: &ApiFailure) -> String {
    match failure.kind {
        ErrorType::RateLimited => format!(
            "registry {} is rate limiting requests: {}",
            failure.registry, failure.message
        ),
        _ => failure.message.clone(),
    }
}

/// The type, message and details of an error body: the contract's envelope, or (from a
/// registry of another version, whose type this build may not know) whatever of it can be
/// read.
pub(super) fn read_envelope(
    bytes: &[u8],
) -> (Option<ErrorType>, Option<String>, serde_json::Value) {
    if let Ok(envelope) = serde_json::from_slice::<ErrorEnvelope>(bytes) {
        let error = envelope.error;
        return (Some(error.kind), Some(error.message), error.details);
    }
    let Ok(body) = serde_json::from_slice::<serde_json::Value>(bytes) else {
        return (None, None, serde_json::Value::Null);
    };
    let error = &body["error"];
    (
        error["type"].as_str().and_then(ErrorType::from_name),
        error["message"].as_str().map(str::to_owned),
        error["details"].clone(),
    )
}

impl ClientError {
    /// The next step to suggest.
    pub fn hint(&self) -> Option<String> {
        match self {
            ClientError::Unreachable { registry, .. } => Some(format!(
                "check that {registry} is up and the URL is right (`skillreg registry list`, REGISTRY_URL)"
            )),
            ClientError::Api(failure) => match failure.kind {
                ErrorType::AuthenticationRequired => {
                    Some("log in with `skillreg login --token <token>` or set REGISTRY_TOKEN".to_owned())
                }
                ErrorType::AccessDenied => Some(
                    "the token lacks the scope or namespace this needs; create one with `skillreg token create`"
                        .to_owned(),
                ),
                ErrorType::PackageNotFound | ErrorType::VersionNotFound => Some(
                    "a private skill or namespace shows only to a token that may read it: log in with \
                     `skillreg login --token <token>` (a `read` token will do)"
                        .to_owned(),
                ),
                ErrorType::RateLimited => Some(format!(
                    "wait {} s and try again",
                    failure.retry_after.unwrap_or(1)
                )),
                ErrorType::AuditBlocked => Some(
                    "fix each finding (`--json` shows every finding with its fix; the rules are in docs/audit-rules.md), or ask the registry's admin to allow one by its fingerprint"
                        .to_owned(),
                ),
                _ => None,
            },
            ClientError::Protocol { .. } => None,
        }
    }

    /// The API failure, if the registry answered one.
    pub fn api(&self) -> Option<&ApiFailure> {
        match self {
            ClientError::Api(failure) => Some(failure),
            _ => None,
        }
    }

    pub(crate) fn is_not_found(&self) -> bool {
        matches!(
            self.api().map(|f| f.kind),
            Some(ErrorType::PackageNotFound | ErrorType::VersionNotFound)
        )
    }

    /// The same failure as a lookup source reports it.
    pub fn to_lookup_error(&self) -> LookupError {
        match self {
            ClientError::Unreachable { reason, .. } => LookupError::Unreachable(reason.clone()),
            ClientError::Api(failure) => match failure.kind {
                ErrorType::AuthenticationRequired | ErrorType::AccessDenied => {
                    LookupError::Denied(failure.message.clone())
                }
                ErrorType::RateLimited => LookupError::RateLimited {
                    retry_after_secs: failure.retry_after.unwrap_or(1),
                },
                ErrorType::PackageNotFound | ErrorType::VersionNotFound => {
                    LookupError::Gone(failure.message.clone())
                }
                _ => LookupError::Protocol(failure.message.clone()),
            },
            ClientError::Protocol { reason, .. } => LookupError::Protocol(reason.clone()),
        }
    }
}
