//! The SQL store's `NamespaceStore`: namespaces and members, for SQLite and PostgreSQL alike: the body
//! [`sql_skill_store`](crate::sql::sql_skill_store) puts together for a store type and its
//! database.

/// Implements it for `$store` over pools of `$db`.
macro_rules! sql_namespaces {
    ($store:ty, $db:ty) => {
        #[async_trait::async_trait]
        impl skillreg_core::ports::NamespaceStore for $store {
            async fn namespace(
                &self,
                namespace: &skillreg_core::Namespace,
            ) -> Result<Option<skillreg_core::model::NamespaceRecord>, skillreg_core::ports::StoreError> {
                use $crate::sql::unavailable;
                let key = namespace.key();
                let row: Option<(String, i64, String)> =
                    sqlx::query_as("SELECT name, created_at, visibility FROM namespaces WHERE key = $1")
                        .bind(key.as_str())
                        .fetch_optional(&self.reader)
                        .await
                        .map_err(unavailable)?;
                let Some((name, created_at, visibility)) = row else { return Ok(None) };
                let members: Vec<(String, String)> =
                    sqlx::query_as("SELECT user_id, role FROM namespace_members WHERE namespace_key = $1")
                        .bind(key.as_str())
                        .fetch_all(&self.reader)
                        .await
                        .map_err(unavailable)?;
                let corrupt = |what: &str, e: &dyn std::fmt::Display| $crate::sql::rows::corrupt(what, e);
                let mut record = skillreg_core::model::NamespaceRecord {
                    namespace: name.parse().map_err(|e| corrupt("namespace", &e))?,
                    members: std::collections::BTreeMap::new(),
                    visibility: visibility.parse().map_err(|e| corrupt("visibility", &e))?,
                    created_at: skillreg_core::model::Timestamp::from_unix_millis(created_at),
                };
                for (user, role) in members {
                    let role = match role.as_str() {
                        "owner" => skillreg_core::model::Role::Owner,
                        "member" => skillreg_core::model::Role::Member,
                        other => return Err(corrupt("role", &other)),
                    };
                    record.members.insert(user.parse().map_err(|e| corrupt("member", &e))?, role);
                }
                Ok(Some(record))
            }

            async fn create_namespace(
                &self,
                namespace: &skillreg_core::Namespace,
                owner: &skillreg_core::model::UserId,
                visibility: skillreg_core::auth::Visibility,
                at: skillreg_core::model::Timestamp,
                audit: &skillreg_core::model::AuditEntry,
            ) -> Result<skillreg_core::model::NamespaceRecord, skillreg_core::ports::StoreError> {
                use $crate::sql::unavailable;
                let mut tx = self.writer.begin().await.map_err(unavailable)?;
                Self::ensure_user(&mut tx, owner, at).await?;
                let inserted = sqlx::query(
                    "INSERT INTO namespaces (key, name, created_at, visibility) VALUES ($1, $2, $3, $4)",
                )
                    .bind(namespace.key().as_str())
                    .bind(namespace.as_str())
                    .bind(at.unix_millis())
                    .bind(visibility.as_str())
                    .execute(&mut *tx)
                    .await;
                match inserted {
                    Err(error) if $crate::sql::is_unique_violation(&error) => {
                        return Err(skillreg_core::ports::StoreError::NamespaceExists(namespace.clone()));
                    }
                    other => other.map_err(unavailable)?,
                };
                sqlx::query("INSERT INTO namespace_members (namespace_key, user_id, role) VALUES ($1, $2, 'owner')")
                    .bind(namespace.key().as_str())
                    .bind(owner.as_str())
                    .execute(&mut *tx)
                    .await
                    .map_err(unavailable)?;
                Self::insert_audit(&mut tx, audit).await?;
                tx.commit().await.map_err(unavailable)?;
                Ok(skillreg_core::model::NamespaceRecord {
                    namespace: namespace.clone(),
                    members: std::collections::BTreeMap::from([(owner.clone(), skillreg_core::model::Role::Owner)]),
                    visibility,
                    created_at: at,
                })
            }

            async fn set_member(
                &self,
                change: &skillreg_core::ports::MemberChange,
            ) -> Result<(), skillreg_core::ports::StoreError> {
                use $crate::sql::unavailable;
                use skillreg_core::ports::StoreError;
                let namespace = &change.namespace;
                let key = namespace.key();
                let mut tx = self.writer.begin().await.map_err(unavailable)?;
                // The namespace's row, locked: member changes of one namespace run one at a
                // time, so each sees the owners the one before it left.
                let lock = format!("SELECT key FROM namespaces WHERE key = $1{}", Self::FOR_UPDATE);
                let exists: Option<(String,)> = sqlx::query_as(&lock)
                    .bind(key.as_str())
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(unavailable)?;
                if exists.is_none() {
                    return Err(StoreError::Missing(format!("namespace `{namespace}`")));
                }
                if let Some(by) = &change.by_owner {
                    let role: Option<(String,)> = sqlx::query_as(
                        "SELECT role FROM namespace_members WHERE namespace_key = $1 AND user_id = $2",
                    )
                    .bind(key.as_str())
                    .bind(by.as_str())
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(unavailable)?;
                    if role.as_ref().map(|(r,)| r.as_str()) != Some("owner") {
                        return Err(StoreError::NotAnOwner { user: by.clone(), namespace: namespace.clone() });
                    }
                }
                let user = &change.user;
                match change.role {
                    Some(role) => {
                        let role = match role {
                            skillreg_core::model::Role::Owner => "owner",
                            skillreg_core::model::Role::Member => "member",
                        };
                        Self::ensure_user(&mut tx, user, change.audit.at).await?;
                        sqlx::query(
                            "INSERT INTO namespace_members (namespace_key, user_id, role) VALUES ($1, $2, $3) \
                             ON CONFLICT (namespace_key, user_id) DO UPDATE SET role = excluded.role",
                        )
                        .bind(key.as_str())
                        .bind(user.as_str())
                        .bind(role)
                        .execute(&mut *tx)
                        .await
                        .map_err(unavailable)?;
                    }
                    None => {
                        sqlx::query("DELETE FROM namespace_members WHERE namespace_key = $1 AND user_id = $2")
                            .bind(key.as_str())
                            .bind(user.as_str())
                            .execute(&mut *tx)
                            .await
                            .map_err(unavailable)?;
                    }
                }
                let (owners,): (i64,) = sqlx::query_as(
                    "SELECT COUNT(*) FROM namespace_members WHERE namespace_key = $1 AND role = 'owner'",
                )
                .bind(key.as_str())
                .fetch_one(&mut *tx)
                .await
                .map_err(unavailable)?;
                if owners == 0 {
                    // Dropping the transaction rolls the change back.
                    return Err(StoreError::LastOwner(namespace.clone()));
                }
                Self::insert_audit(&mut tx, &change.audit).await?;
                tx.commit().await.map_err(unavailable)
            }

            async fn set_visibility(
                &self,
                namespace: &skillreg_core::Namespace,
                visibility: skillreg_core::auth::Visibility,
                audit: &skillreg_core::model::AuditEntry,
            ) -> Result<(), skillreg_core::ports::StoreError> {
                let key = namespace.key();
                let set = sqlx::query("UPDATE namespaces SET visibility = $1 WHERE key = $2")
                    .bind(visibility.as_str())
                    .bind(key.as_str());
                if self.update_audited(set, audit).await? {
                    Ok(())
                } else {
                    Err(skillreg_core::ports::StoreError::Missing(format!("namespace `{namespace}`")))
                }
            }

            async fn restricted_namespaces(
                &self,
                user: Option<&skillreg_core::model::UserId>,
            ) -> Result<Vec<skillreg_core::ports::RestrictedNamespace>, skillreg_core::ports::StoreError> {
                use $crate::sql::unavailable;
                let corrupt = |what: &str, e: &dyn std::fmt::Display| $crate::sql::rows::corrupt(what, e);
                let rows: Vec<(String, String, Option<String>)> = sqlx::query_as(
                    "SELECT n.name, n.visibility, m.role FROM namespaces n \
                     LEFT JOIN namespace_members m ON m.namespace_key = n.key AND m.user_id = $1 \
                     WHERE n.visibility <> 'public' ORDER BY n.key",
                )
                .bind(user.map(skillreg_core::model::UserId::as_str).unwrap_or_default())
                .fetch_all(&self.reader)
                .await
                .map_err(unavailable)?;
                rows.into_iter()
                    .map(|(name, visibility, role)| {
                        Ok(skillreg_core::ports::RestrictedNamespace {
                            namespace: name.parse().map_err(|e| corrupt("namespace", &e))?,
                            visibility: visibility.parse().map_err(|e| corrupt("visibility", &e))?,
                            role: match role.as_deref() {
                                None => None,
                                Some("owner") => Some(skillreg_core::model::Role::Owner),
                                Some("member") => Some(skillreg_core::model::Role::Member),
                                Some(other) => return Err(corrupt("role", &other)),
                            },
                        })
                    })
                    .collect()
            }
        }
    };
}
pub(crate) use sql_namespaces;
