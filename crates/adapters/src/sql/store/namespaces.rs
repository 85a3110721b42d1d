//! The SQL store's `NamespaceStore`: namespaces and members.

use std::collections::BTreeMap;

use async_trait::async_trait;
use skillreg_core::Namespace;
use skillreg_core::auth::Visibility;
use skillreg_core::model::{AuditEntry, NamespaceRecord, Role, Timestamp, UserId};
use skillreg_core::ports::{MemberChange, NamespaceStore, RestrictedNamespace, StoreError};

use crate::sql::dialect::{Dialect, SqlStore};
use crate::sql::query::Sql;
use crate::sql::rows::corrupt;

/// A role as stored.
fn role(stored: &str) -> Result<Role, StoreError> {
    match stored {
        "owner" => Ok(Role::Owner),
        "member" => Ok(Role::Member),
        other => Err(corrupt("role", other)),
    }
}

#[async_trait]
impl<D: Dialect> NamespaceStore for SqlStore<D> {
    async fn namespace(
        &self,
        namespace: &Namespace,
    ) -> Result<Option<NamespaceRecord>, StoreError> {
        let key = namespace.key();
        let row: Option<(String, i64, String)> = self
            .optional(
                Sql::new("SELECT name, created_at, visibility FROM namespaces WHERE key = $1")
                    .bind(key.as_str()),
            )
            .await?;
        let Some((name, created_at, visibility)) = row else {
            return Ok(None);
        };
        let members: Vec<(String, String)> = self
            .all(
                Sql::new("SELECT user_id, role FROM namespace_members WHERE namespace_key = $1")
                    .bind(key.as_str()),
            )
            .await?;
        let mut record = NamespaceRecord {
            namespace: name.parse().map_err(|e| corrupt("namespace", e))?,
            members: BTreeMap::new(),
            visibility: visibility.parse().map_err(|e| corrupt("visibility", e))?,
            created_at: Timestamp::from_unix_millis(created_at),
        };
        for (user, stored) in members {
            record.members.insert(
                user.parse().map_err(|e| corrupt("member", e))?,
                role(&stored)?,
            );
        }
        Ok(Some(record))
    }

    async fn create_namespace(
        &self,
        namespace: &Namespace,
        owner: &UserId,
        visibility: Visibility,
        at: Timestamp,
        audit: &AuditEntry,
    ) -> Result<NamespaceRecord, StoreError> {
        let mut tx = self.begin().await?;
        tx.ensure_user(owner, at).await?;
        let insert = Sql::new(
            "INSERT INTO namespaces (key, name, created_at, visibility) VALUES ($1, $2, $3, $4)",
        )
        .bind(namespace.key().as_str())
        .bind(namespace.as_str())
        .bind(at.unix_millis())
        .bind(visibility.as_str());
        if tx.insert_unique(insert).await?.is_none() {
            return Err(StoreError::NamespaceExists(namespace.clone()));
        }
        tx.execute(
            Sql::new(
                "INSERT INTO namespace_members (namespace_key, user_id, role) VALUES ($1, $2, 'owner')",
            )
            .bind(namespace.key().as_str())
            .bind(owner.as_str()),
        )
        .await?;
        tx.insert_audit(audit).await?;
        tx.commit().await?;
        Ok(NamespaceRecord {
            namespace: namespace.clone(),
            members: BTreeMap::from([(owner.clone(), Role::Owner)]),
            visibility,
            created_at: at,
        })
    }

    async fn set_member(&self, change: &MemberChange) -> Result<(), StoreError> {
        let namespace = &change.namespace;
        let key = namespace.key();
        let mut tx = self.begin().await?;
        // The namespace's row, locked: member changes of one namespace run one at a time,
        // so each sees the owners the one before it left.
        let exists: Option<(String,)> = tx
            .optional(
                Sql::new(format!(
                    "SELECT key FROM namespaces WHERE key = $1{}",
                    D::FOR_UPDATE
                ))
                .bind(key.as_str()),
            )
            .await?;
        if exists.is_none() {
            return Err(StoreError::Missing(format!("namespace `{namespace}`")));
        }
        if let Some(by) = &change.by_owner {
            let stored = tx.member_role(key.as_str(), by.as_str()).await?;
            if stored.as_ref().map(|(r,)| r.as_str()) != Some("owner") {
                return Err(StoreError::NotAnOwner {
                    user: by.clone(),
                    namespace: namespace.clone(),
                });
            }
        }
        let user = &change.user;
        match change.role {
            Some(role) => {
                let role = match role {
                    Role::Owner => "owner",
                    Role::Member => "member",
                };
                tx.ensure_user(user, change.audit.at).await?;
                tx.execute(
                    Sql::new(
                        "INSERT INTO namespace_members (namespace_key, user_id, role) VALUES ($1, $2, $3) \
                         ON CONFLICT (namespace_key, user_id) DO UPDATE SET role = excluded.role",
                    )
                    .bind(key.as_str())
                    .bind(user.as_str())
                    .bind(role),
                )
                .await?;
            }
            None => {
                tx.execute(
                    Sql::new(
                        "DELETE FROM namespace_members WHERE namespace_key = $1 AND user_id = $2",
                    )
                    .bind(key.as_str())
                    .bind(user.as_str()),
                )
                .await?;
            }
        }
        let (owners,): (i64,) = tx
            .one(
                Sql::new(
                    "SELECT COUNT(*) FROM namespace_members WHERE namespace_key = $1 AND role = 'owner'",
                )
                .bind(key.as_str()),
            )
            .await?;
        if owners == 0 {
            // Dropping the transaction rolls the change back.
            return Err(StoreError::LastOwner(namespace.clone()));
        }
        tx.insert_audit(&change.audit).await?;
        tx.commit().await
    }

    async fn set_visibility(
        &self,
        namespace: &Namespace,
        visibility: Visibility,
        audit: &AuditEntry,
    ) -> Result<(), StoreError> {
        let set = Sql::new("UPDATE namespaces SET visibility = $1 WHERE key = $2")
            .bind(visibility.as_str())
            .bind(namespace.key().as_str());
        if self.update_audited(set, audit).await? {
            Ok(())
        } else {
            Err(StoreError::Missing(format!("namespace `{namespace}`")))
        }
    }

    async fn restricted_namespaces(
        &self,
        user: Option<&UserId>,
    ) -> Result<Vec<RestrictedNamespace>, StoreError> {
        let found: Vec<(String, String, Option<String>)> = self
            .all(
                Sql::new(
                    "SELECT n.name, n.visibility, m.role FROM namespaces n \
                     LEFT JOIN namespace_members m ON m.namespace_key = n.key AND m.user_id = $1 \
                     WHERE n.visibility <> 'public' ORDER BY n.key",
                )
                .bind(user.map(UserId::as_str).unwrap_or_default()),
            )
            .await?;
        found
            .into_iter()
            .map(|(name, visibility, stored)| {
                Ok(RestrictedNamespace {
                    namespace: name.parse().map_err(|e| corrupt("namespace", e))?,
                    visibility: visibility.parse().map_err(|e| corrupt("visibility", e))?,
                    role: stored.as_deref().map(role).transpose()?,
                })
            })
            .collect()
    }
}
