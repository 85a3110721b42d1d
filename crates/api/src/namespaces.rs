//! Namespaces and their members (`/api/v1/namespaces…`).

use serde::{Deserialize, Serialize};
use skillreg_core::auth::Visibility;
use skillreg_core::model::{NamespaceRecord, Role};

/// Body of `POST /api/v1/namespaces`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreateNamespaceBody {
    /// The namespace: one or more `/`-separated segments.
    pub namespace: String,
    /// Who may read its skills; when left out, the namespace above it decides, else the
    /// registry's default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub visibility: Option<NamespaceVisibility>,
}

/// Who may read a namespace's skills, on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum NamespaceVisibility {
    /// Anyone (unless the registry is private: then anyone signed in).
    Public,
    /// Anyone signed in with a token that covers the namespace.
    Internal,
    /// Its members, with a token that covers it.
    Private,
}

impl From<Visibility> for NamespaceVisibility {
    fn from(visibility: Visibility) -> Self {
        match visibility {
            Visibility::Public => NamespaceVisibility::Public,
            Visibility::Internal => NamespaceVisibility::Internal,
            Visibility::Private => NamespaceVisibility::Private,
        }
    }
}

impl From<NamespaceVisibility> for Visibility {
    fn from(visibility: NamespaceVisibility) -> Self {
        match visibility {
            NamespaceVisibility::Public => Visibility::Public,
            NamespaceVisibility::Internal => Visibility::Internal,
            NamespaceVisibility::Private => Visibility::Private,
        }
    }
}

/// Body of `PUT /api/v1/namespaces/<ns…>/-/visibility`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VisibilityBody {
    /// Who may read the namespace's skills from now on.
    pub visibility: NamespaceVisibility,
}

/// A member's role on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum MemberRole {
    /// Publishes and manages members.
    Owner,
    /// Publishes.
    Member,
}

impl From<Role> for MemberRole {
    fn from(role: Role) -> Self {
        match role {
            Role::Owner => MemberRole::Owner,
            Role::Member => MemberRole::Member,
        }
    }
}

impl From<MemberRole> for Role {
    fn from(role: MemberRole) -> Self {
        match role {
            MemberRole::Owner => Role::Owner,
            MemberRole::Member => Role::Member,
        }
    }
}

/// Body of `PUT …/-/members/<user>`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MemberBody {
    /// The role to give.
    pub role: MemberRole,
}

/// One member.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MemberView {
    /// The user.
    pub user: String,
    /// Their role.
    pub role: MemberRole,
}

/// A namespace and its members.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NamespaceBody {
    /// The namespace.
    pub namespace: String,
    /// Its members, by user.
    pub members: Vec<MemberView>,
    /// Who may read its skills.
    pub visibility: NamespaceVisibility,
    /// When it was created.
    pub created_at_ms: i64,
}

impl From<&NamespaceRecord> for NamespaceBody {
    fn from(record: &NamespaceRecord) -> Self {
        NamespaceBody {
            namespace: record.namespace.to_string(),
            members: record
                .members
                .iter()
                .map(|(user, role)| MemberView {
                    user: user.to_string(),
                    role: MemberRole::from(*role),
                })
                .collect(),
            visibility: record.visibility.into(),
            created_at_ms: record.created_at.unix_millis(),
        }
    }
}

impl MemberRole {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            MemberRole::Owner => "owner",
            MemberRole::Member => "member",
        }
    }
}

impl std::fmt::Display for MemberRole {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for MemberRole {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "owner" => Ok(MemberRole::Owner),
            "member" => Ok(MemberRole::Member),
            other => Err(format!("`{other}` is no role; use owner or member")),
        }
    }
}
