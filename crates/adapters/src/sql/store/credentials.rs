//! The SQL store's `CredentialStore`: tokens and publisher keys.

use async_trait::async_trait;
use skillreg_core::Digest;
use skillreg_core::model::{AuditEntry, PublisherKey, Timestamp, TokenId, TokenRecord, UserId};
use skillreg_core::ports::{CredentialStore, StoreError};

use crate::sql::dialect::{Dialect, SqlStore};
use crate::sql::query::Sql;
use crate::sql::rows::{KEY_COLUMNS, KeyRow, TOKEN_COLUMNS, TokenRow, joined};

#[async_trait]
impl<D: Dialect> CredentialStore for SqlStore<D> {
    async fn insert_token(
        &self,
        token: &TokenRecord,
        audit: &AuditEntry,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        tx.ensure_user(&token.user, token.created_at).await?;
        let insert = Sql::new(
            "INSERT INTO tokens (id, user_id, name, secret_digest, scopes, namespaces, created_at, \
             revoked_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(token.id.as_str())
        .bind(token.user.as_str())
        .bind(&token.name)
        .bind(token.secret_digest.to_string())
        .bind(joined(&token.scopes))
        .bind(joined(&token.namespaces))
        .bind(token.created_at.unix_millis())
        .bind(token.revoked_at.map(Timestamp::unix_millis))
        .bind(token.expires_at.map(Timestamp::unix_millis));
        if tx.insert_unique(insert).await?.is_none() {
            return Err(StoreError::Duplicate(format!("token `{}`", token.id)));
        }
        tx.insert_audit(audit).await?;
        tx.commit().await
    }

    async fn token_by_secret(
        &self,
        secret_digest: &Digest,
    ) -> Result<Option<TokenRecord>, StoreError> {
        self.token_where("secret_digest", &secret_digest.to_string())
            .await
    }

    async fn token(&self, id: &TokenId) -> Result<Option<TokenRecord>, StoreError> {
        self.token_where("id", id.as_str()).await
    }

    async fn tokens_of(&self, user: &UserId) -> Result<Vec<TokenRecord>, StoreError> {
        let sql = Sql::new(format!(
            "SELECT {TOKEN_COLUMNS} FROM tokens WHERE user_id = $1 ORDER BY created_at, id"
        ))
        .bind(user.as_str());
        self.all::<TokenRow>(sql)
            .await?
            .into_iter()
            .map(TokenRow::into_record)
            .collect()
    }

    async fn revoke_token(
        &self,
        user: &UserId,
        id: &TokenId,
        at: Timestamp,
        audit: &AuditEntry,
    ) -> Result<bool, StoreError> {
        let revoke = Sql::new(
            "UPDATE tokens SET revoked_at = $1 WHERE id = $2 AND user_id = $3 AND revoked_at IS NULL",
        )
        .bind(at.unix_millis())
        .bind(id.as_str())
        .bind(user.as_str());
        self.update_audited(revoke, audit).await
    }

    async fn add_publisher_key(
        &self,
        key: &PublisherKey,
        audit: &AuditEntry,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        tx.ensure_user(&key.user, key.created_at).await?;
        let inserted = tx
            .execute(
                Sql::new(
                    "INSERT INTO publisher_keys (key_id, user_id, public_key, created_at) \
                     VALUES ($1, $2, $3, $4) ON CONFLICT (key_id) DO NOTHING",
                )
                .bind(&key.key_id)
                .bind(key.user.as_str())
                .bind(&key.public_key)
                .bind(key.created_at.unix_millis()),
            )
            .await?;
        if inserted == 1 {
            tx.insert_audit(audit).await?;
        }
        let (owner,): (String,) = tx
            .one(Sql::new("SELECT user_id FROM publisher_keys WHERE key_id = $1").bind(&key.key_id))
            .await?;
        if owner != key.user.as_str() {
            return Err(StoreError::Duplicate(format!(
                "publisher key `{}`",
                key.key_id
            )));
        }
        tx.commit().await
    }

    async fn revoke_publisher_key(
        &self,
        key_id: &str,
        at: Timestamp,
        audit: &AuditEntry,
    ) -> Result<bool, StoreError> {
        let revoke = Sql::new(
            "UPDATE publisher_keys SET revoked_at = $1 WHERE key_id = $2 AND revoked_at IS NULL",
        )
        .bind(at.unix_millis())
        .bind(key_id);
        self.update_audited(revoke, audit).await
    }

    async fn publisher_key(&self, key_id: &str) -> Result<Option<PublisherKey>, StoreError> {
        self.optional::<KeyRow>(
            Sql::new(format!(
                "SELECT {KEY_COLUMNS} FROM publisher_keys WHERE key_id = $1"
            ))
            .bind(key_id),
        )
        .await?
        .map(KeyRow::into_record)
        .transpose()
    }
}
