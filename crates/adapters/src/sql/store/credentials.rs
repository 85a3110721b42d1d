//! The SQL store's `CredentialStore`: tokens and publisher keys, for SQLite and PostgreSQL alike: the body
//! [`sql_skill_store`](crate::sql::sql_skill_store) puts together for a store type and its
//! database.

/// Implements it for `$store` over pools of `$db`.
macro_rules! sql_credentials {
    ($store:ty, $db:ty) => {
        #[async_trait::async_trait]
        impl skillreg_core::ports::CredentialStore for $store {
            async fn insert_token(
                &self,
                token: &skillreg_core::model::TokenRecord,
                audit: &skillreg_core::model::AuditEntry,
            ) -> Result<(), skillreg_core::ports::StoreError> {
                use $crate::sql::unavailable;
                let mut tx = self.writer.begin().await.map_err(unavailable)?;
                Self::ensure_user(&mut tx, &token.user, token.created_at).await?;
                let inserted = sqlx::query(
                    "INSERT INTO tokens (id, user_id, name, secret_digest, scopes, namespaces, created_at, revoked_at, expires_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                )
                .bind(token.id.as_str())
                .bind(token.user.as_str())
                .bind(&token.name)
                .bind(token.secret_digest.to_string())
                .bind($crate::sql::rows::joined(&token.scopes))
                .bind($crate::sql::rows::joined(&token.namespaces))
                .bind(token.created_at.unix_millis())
                .bind(token.revoked_at.map(skillreg_core::model::Timestamp::unix_millis))
                .bind(token.expires_at.map(skillreg_core::model::Timestamp::unix_millis))
                .execute(&mut *tx)
                .await;
                match inserted {
                    Err(error) if $crate::sql::is_unique_violation(&error) => {
                        Err(skillreg_core::ports::StoreError::Duplicate(format!("token `{}`", token.id)))
                    }
                    other => {
                        other.map_err(unavailable)?;
                        Self::insert_audit(&mut tx, audit).await?;
                        tx.commit().await.map_err(unavailable)
                    }
                }
            }

            async fn token_by_secret(
                &self,
                secret_digest: &skillreg_core::Digest,
            ) -> Result<Option<skillreg_core::model::TokenRecord>, skillreg_core::ports::StoreError> {
                self.token_where("secret_digest", &secret_digest.to_string()).await
            }

            async fn token(
                &self,
                id: &skillreg_core::model::TokenId,
            ) -> Result<Option<skillreg_core::model::TokenRecord>, skillreg_core::ports::StoreError> {
                self.token_where("id", id.as_str()).await
            }

            async fn tokens_of(
                &self,
                user: &skillreg_core::model::UserId,
            ) -> Result<Vec<skillreg_core::model::TokenRecord>, skillreg_core::ports::StoreError> {
                let sql = format!(
                    "SELECT {} FROM tokens WHERE user_id = $1 ORDER BY created_at, id",
                    $crate::sql::rows::TOKEN_COLUMNS
                );
                sqlx::query_as::<_, $crate::sql::rows::TokenRow>(&sql)
                    .bind(user.as_str())
                    .fetch_all(&self.reader)
                    .await
                    .map_err($crate::sql::unavailable)?
                    .into_iter()
                    .map($crate::sql::rows::TokenRow::into_record)
                    .collect()
            }

            async fn revoke_token(
                &self,
                user: &skillreg_core::model::UserId,
                id: &skillreg_core::model::TokenId,
                at: skillreg_core::model::Timestamp,
                audit: &skillreg_core::model::AuditEntry,
            ) -> Result<bool, skillreg_core::ports::StoreError> {
                let revoke = sqlx::query(
                    "UPDATE tokens SET revoked_at = $1 WHERE id = $2 AND user_id = $3 AND revoked_at IS NULL",
                )
                .bind(at.unix_millis())
                .bind(id.as_str())
                .bind(user.as_str());
                self.update_audited(revoke, audit).await
            }

            async fn add_publisher_key(
                &self,
                key: &skillreg_core::model::PublisherKey,
                audit: &skillreg_core::model::AuditEntry,
            ) -> Result<(), skillreg_core::ports::StoreError> {
                use $crate::sql::unavailable;
                let mut tx = self.writer.begin().await.map_err(unavailable)?;
                Self::ensure_user(&mut tx, &key.user, key.created_at).await?;
                let inserted = sqlx::query(
                    "INSERT INTO publisher_keys (key_id, user_id, public_key, created_at) VALUES ($1, $2, $3, $4) \
                     ON CONFLICT (key_id) DO NOTHING",
                )
                .bind(&key.key_id)
                .bind(key.user.as_str())
                .bind(&key.public_key)
                .bind(key.created_at.unix_millis())
                .execute(&mut *tx)
                .await
                .map_err(unavailable)?;
                if inserted.rows_affected() == 1 {
                    Self::insert_audit(&mut tx, audit).await?;
                }
                let (owner,): (String,) = sqlx::query_as("SELECT user_id FROM publisher_keys WHERE key_id = $1")
                    .bind(&key.key_id)
                    .fetch_one(&mut *tx)
                    .await
                    .map_err(unavailable)?;
                if owner != key.user.as_str() {
                    return Err(skillreg_core::ports::StoreError::Duplicate(format!("publisher key `{}`", key.key_id)));
                }
                tx.commit().await.map_err(unavailable)
            }

            async fn revoke_publisher_key(
                &self,
                key_id: &str,
                at: skillreg_core::model::Timestamp,
                audit: &skillreg_core::model::AuditEntry,
            ) -> Result<bool, skillreg_core::ports::StoreError> {
                let revoke = sqlx::query(
                    "UPDATE publisher_keys SET revoked_at = $1 WHERE key_id = $2 AND revoked_at IS NULL",
                )
                .bind(at.unix_millis())
                .bind(key_id);
                self.update_audited(revoke, audit).await
            }

            async fn publisher_key(
                &self,
                key_id: &str,
            ) -> Result<Option<skillreg_core::model::PublisherKey>, skillreg_core::ports::StoreError> {
                let sql = format!("SELECT {} FROM publisher_keys WHERE key_id = $1", $crate::sql::rows::KEY_COLUMNS);
                sqlx::query_as::<_, $crate::sql::rows::KeyRow>(&sql)
                .bind(key_id)
                .fetch_optional(&self.reader)
                .await
                .map_err($crate::sql::unavailable)?
                .map($crate::sql::rows::KeyRow::into_record)
                .transpose()
            }
        }
    };
}
pub(crate) use sql_credentials;
