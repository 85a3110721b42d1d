//! [`CredentialStore`] of the [`MemoryStore`].

use super::*;

#[async_trait]
impl CredentialStore for MemoryStore {
    async fn insert_token(
        &self,
        token: &TokenRecord,
        audit: &AuditEntry,
    ) -> Result<(), StoreError> {
        let mut state = self.state();
        if state
            .tokens
            .iter()
            .any(|t| t.id == token.id || t.secret_digest == token.secret_digest)
        {
            return Err(StoreError::Duplicate(format!("token `{}`", token.id)));
        }
        state.tokens.push(token.clone());
        state.audit.push(audit.clone());
        Ok(())
    }

    async fn token(&self, id: &TokenId) -> Result<Option<TokenRecord>, StoreError> {
        Ok(self.state().tokens.iter().find(|t| &t.id == id).cloned())
    }

    async fn token_by_secret(
        &self,
        secret_digest: &Digest,
    ) -> Result<Option<TokenRecord>, StoreError> {
        Ok(self
            .state()
            .tokens
            .iter()
            .find(|t| &t.secret_digest == secret_digest)
            .cloned())
    }

    async fn tokens_of(&self, user: &UserId) -> Result<Vec<TokenRecord>, StoreError> {
        Ok(self
            .state()
            .tokens
            .iter()
            .filter(|t| &t.user == user)
            .cloned()
            .collect())
    }

    async fn revoke_token(
        &self,
        user: &UserId,
        id: &TokenId,
        at: Timestamp,
        audit: &AuditEntry,
    ) -> Result<bool, StoreError> {
        let mut state = self.state();
        let token = state
            .tokens
            .iter_mut()
            .find(|t| &t.id == id && &t.user == user && t.revoked_at.is_none());
        let revoked = token.map(|t| t.revoked_at = Some(at)).is_some();
        if revoked {
            state.audit.push(audit.clone());
        }
        Ok(revoked)
    }

    async fn add_publisher_key(
        &self,
        key: &PublisherKey,
        audit: &AuditEntry,
    ) -> Result<(), StoreError> {
        let mut state = self.state();
        match state.keys.get(&key.key_id) {
            Some(existing) if existing.user != key.user => Err(StoreError::Duplicate(format!(
                "publisher key `{}`",
                key.key_id
            ))),
            Some(_) => Ok(()),
            None => {
                state.keys.insert(key.key_id.clone(), key.clone());
                state.audit.push(audit.clone());
                Ok(())
            }
        }
    }

    async fn revoke_publisher_key(
        &self,
        key_id: &str,
        at: Timestamp,
        audit: &AuditEntry,
    ) -> Result<bool, StoreError> {
        let mut state = self.state();
        let revoked = match state.keys.get_mut(key_id) {
            Some(key) if key.revoked_at.is_none() => {
                key.revoked_at = Some(at);
                true
            }
            _ => false,
        };
        if revoked {
            state.audit.push(audit.clone());
        }
        Ok(revoked)
    }

    async fn publisher_key(&self, key_id: &str) -> Result<Option<PublisherKey>, StoreError> {
        Ok(self.state().keys.get(key_id).cloned())
    }
}
