//! Namespaces and their members (`/api/v1/namespaces…`).

use serde::{Deserialize, Serialize};
use skillreg_core::model::{NamespaceRecord, Role};

/// Body of `POST /api/v1/namespaces`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreateNamespaceBody {
    /// The namespace: one or more `/`-separated segments.
    pub namespace: String,
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
