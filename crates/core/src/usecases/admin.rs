//! Tokens and namespaces: who may create tokens with which scopes, who may create a
//! namespace and change its members. The secret of a token is made at the edge (it needs
//! randomness); only its digest reaches here.

use crate::auth::{Actor, check_namespace_owner, check_token_grant, require_scope};
use crate::identity::Namespace;
use crate::model::{NamespaceRecord, Role, Scope, TokenId, TokenRecord, UserId};
use crate::ports::StoreError;

use super::{Registry, RegistryError};

impl Registry {
    /// Stores a new token after checking `actor` may grant it.
    ///
    /// # Errors
    /// [`RegistryError::Access`] for a grant beyond the actor's own; a store failure.
    pub async fn register_token(
        &self,
        actor: &Actor,
        token: &TokenRecord,
    ) -> Result<(), RegistryError> {
        check_token_grant(actor, &token.user, &token.scopes, &token.namespaces)?;
        if token.name.trim().is_empty() || token.name.chars().count() > 128 {
            return Err(RegistryError::Invalid(
                "a token name is 1 to 128 characters".to_owned(),
            ));
        }
        Ok(self.store.insert_token(token).await?)
    }

    /// The actor's own tokens (never their secrets, which are not kept).
    ///
    /// # Errors
    /// A store failure.
    pub async fn tokens(&self, actor: &Actor) -> Result<Vec<TokenRecord>, RegistryError> {
        Ok(self.store.tokens_of(actor.user()).await?)
    }

    /// Revokes one of the actor's tokens. Returns whether a live token was revoked.
    ///
    /// # Errors
    /// A store failure.
    pub async fn revoke_token(&self, actor: &Actor, id: &TokenId) -> Result<bool, RegistryError> {
        Ok(self
            .store
            .revoke_token(actor.user(), id, self.clock.now())
            .await?)
    }

    /// A namespace and its members.
    ///
    /// # Errors
    /// [`RegistryError::NamespaceNotFound`], or a store failure.
    pub async fn namespace(&self, namespace: &Namespace) -> Result<NamespaceRecord, RegistryError> {
        self.store
            .namespace(namespace)
            .await?
            .ok_or_else(|| RegistryError::NamespaceNotFound(namespace.clone()))
    }

    /// Creates a namespace owned by the actor (publishing creates one too, on first use).
    ///
    /// # Errors
    /// [`RegistryError::Access`] (scope, reserved name, or not a member of the namespace
    /// above), [`RegistryError::NamespaceTaken`], or a store failure.
    pub async fn create_namespace(
        &self,
        actor: &Actor,
        namespace: &Namespace,
    ) -> Result<NamespaceRecord, RegistryError> {
        require_scope(actor, Scope::PublishNew)?;
        if self.store.namespace(namespace).await?.is_some() {
            return Err(RegistryError::NamespaceTaken(namespace.clone()));
        }
        self.authorize_namespace(actor, namespace).await?;
        match self
            .store
            .create_namespace(namespace, actor.user(), self.clock.now())
            .await
        {
            Ok(record) => Ok(record),
            Err(StoreError::NamespaceExists(ns)) => Err(RegistryError::NamespaceTaken(ns)),
            Err(other) => Err(other.into()),
        }
    }

    /// Sets (`Some`) or removes (`None`) a member's role. Only an owner (or an admin) may,
    /// and the last owner cannot be removed or demoted.
    ///
    /// # Errors
    /// [`RegistryError::NamespaceNotFound`], [`RegistryError::Access`],
    /// [`RegistryError::Invalid`] for the last owner, or a store failure.
    pub async fn set_member(
        &self,
        actor: &Actor,
        namespace: &Namespace,
        user: &UserId,
        role: Option<Role>,
    ) -> Result<NamespaceRecord, RegistryError> {
        let record = self.namespace(namespace).await?;
        check_namespace_owner(actor, &record)?;
        let owners = record
            .members
            .values()
            .filter(|r| **r == Role::Owner)
            .count();
        if record.role_of(user) == Some(Role::Owner) && role != Some(Role::Owner) && owners == 1 {
            return Err(RegistryError::Invalid(format!(
                "`{user}` is the last owner of `{namespace}`; make someone else an owner first"
            )));
        }
        self.store.set_member(namespace, user, role).await?;
        self.namespace(namespace).await
    }
}
