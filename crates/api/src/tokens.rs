//! Tokens (`/api/v1/tokens`, `/api/v1/whoami`).

use serde::{Deserialize, Serialize};
use skillreg_core::auth::Actor;
use skillreg_core::model::{Timestamp, TokenRecord};

/// Body of `POST /api/v1/tokens`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreateTokenBody {
    /// A name to recognise it by.
    pub name: String,
    /// What it allows (`publish-new`, `publish-update`, `yank`, `rate`, `tokens`,
    /// `namespace-admin`, `admin`).
    pub scopes: Vec<String>,
    /// Namespace patterns it is limited to (`acme`, `acme/*`); every namespace when empty.
    #[serde(default)]
    pub namespaces: Vec<String>,
    /// Another user (admins only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// Days until the token stops working (1 to 3650); without it, it lives until revoked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_in_days: Option<u32>,
}

/// A token as listed (never its secret).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TokenBody {
    /// Its id (`tok-…`).
    pub id: String,
    /// The user it stands for.
    pub user: String,
    /// Its name.
    pub name: String,
    /// What it allows.
    pub scopes: Vec<String>,
    /// The namespace patterns it is limited to.
    pub namespaces: Vec<String>,
    /// When it was made.
    pub created_at_ms: i64,
    /// When it was revoked, if it was.
    pub revoked_at_ms: Option<i64>,
    /// When it stops working, if ever.
    pub expires_at_ms: Option<i64>,
}

impl From<&TokenRecord> for TokenBody {
    fn from(token: &TokenRecord) -> Self {
        TokenBody {
            id: token.id.to_string(),
            user: token.user.to_string(),
            name: token.name.clone(),
            scopes: token.scopes.iter().map(ToString::to_string).collect(),
            namespaces: token.namespaces.iter().map(ToString::to_string).collect(),
            created_at_ms: token.created_at.unix_millis(),
            revoked_at_ms: token.revoked_at.map(Timestamp::unix_millis),
            expires_at_ms: token.expires_at.map(Timestamp::unix_millis),
        }
    }
}

/// The answer to `POST /api/v1/tokens`: the token, and its secret, shown this once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreatedToken {
    /// The token.
    #[serde(flatten)]
    pub token: TokenBody,
    /// The secret to send as `Authorization: Bearer <secret>`; only its digest is kept.
    #[serde(rename = "token")]
    pub secret: String,
}

/// `GET /api/v1/tokens`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TokenList {
    /// The caller's tokens that the calling token may manage.
    pub tokens: Vec<TokenBody>,
}

/// The answer to `DELETE /api/v1/tokens/<id>`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RevokedToken {
    /// The token.
    pub id: String,
    /// Always `true`.
    pub revoked: bool,
}

/// Who the calling token stands for, and what it allows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WhoamiBody {
    /// The user.
    pub user: String,
    /// The token's scopes.
    pub scopes: Vec<String>,
    /// The token's namespace patterns.
    pub namespaces: Vec<String>,
}

impl From<&Actor> for WhoamiBody {
    fn from(actor: &Actor) -> Self {
        WhoamiBody {
            user: actor.user().to_string(),
            scopes: actor.scopes().iter().map(ToString::to_string).collect(),
            namespaces: actor.namespaces().iter().map(ToString::to_string).collect(),
        }
    }
}
