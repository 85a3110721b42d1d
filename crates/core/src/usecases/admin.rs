//! Tokens and namespaces: who may create tokens with which scopes, who may create a
//! namespace and change its members. A token's secret (`skr_` and 32 random bytes in hex,
//! the randomness from the `IdSource` port) is shown once; only its digest is stored.

use crate::auth::{
    AccessError, Actor, check_create_namespace, check_namespace_admin, check_token_grant,
    may_manage_token, require_scope,
};
use crate::auth::{NamespacePattern, Visibility};
use crate::digest::{Digest, hex};
use crate::identity::Namespace;
use crate::model::{AuditEntry, NamespaceRecord, Role, TokenId, TokenRecord, TokenScope, UserId};
use crate::ports::{MemberChange, StoreError};

use super::{Registry, RegistryError};

/// Longest token name.
pub const MAX_TOKEN_NAME_LEN: usize = 128;

/// Most scopes or namespace patterns one token may carry.
pub const MAX_TOKEN_GRANTS: usize = 16;

/// The longest a token may be made to live, in days.
pub const MAX_TOKEN_DAYS: u32 = 3650;

/// How every token secret starts.
pub const TOKEN_PREFIX: &str = "skr_";

/// The id of the first admin token: one per database, so replicas starting together make
/// it once.
pub const FIRST_ADMIN_TOKEN_ID: &str = "tok-first-admin";

/// Whether `secret` could be a token at all (its prefix, at most 128 characters): anything
/// else is refused without a lookup.
pub fn is_token_shaped(secret: &str) -> bool {
    secret.starts_with(TOKEN_PREFIX) && secret.len() <= 128
}

/// A token as asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewToken {
    /// Its user: the actor's own, or (admins only) another.
    pub user: Option<UserId>,
    /// A name to recognise it by.
    pub name: String,
    /// What it allows.
    pub scopes: Vec<TokenScope>,
    /// Where; every namespace when empty.
    pub namespaces: Vec<NamespacePattern>,
    /// Days until it stops working (1 to [`MAX_TOKEN_DAYS`]); without it, until revoked.
    pub expires_in_days: Option<u32>,
}

/// A token just made, with its secret (shown this once).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuedToken {
    /// The token as stored.
    pub record: TokenRecord,
    /// The secret to send as a bearer token.
    pub secret: String,
}

/// The record and secret of a token made from `random`; its id derives from the secret.
///
/// # Errors
/// [`RegistryError::Invalid`] never in practice (the id is always well-formed).
pub fn mint_token(
    random: [u8; 32],
    user: UserId,
    name: &str,
    scopes: Vec<TokenScope>,
    namespaces: Vec<NamespacePattern>,
    now: crate::model::Timestamp,
) -> Result<IssuedToken, RegistryError> {
    let secret = format!("{TOKEN_PREFIX}{}", hex(&random));
    let id: TokenId = format!("tok-{}", &Digest::of(secret.as_bytes()).hex()[..16]).parse()?;
    let record = TokenRecord {
        id,
        user,
        name: name.to_owned(),
        secret_digest: Digest::of(secret.as_bytes()),
        scopes,
        namespaces,
        created_at: now,
        revoked_at: None,
        expires_at: None,
    };
    Ok(IssuedToken { record, secret })
}

impl Registry {
    /// Makes a token for `actor` (or, for an admin, another user) and stores its digest.
    ///
    /// # Errors
    /// [`RegistryError::Invalid`] for a lifetime outside 1 to [`MAX_TOKEN_DAYS`] days,
    /// [`RegistryError::NoRandomness`]; the errors of [`Registry::register_token`].
    pub async fn create_token(
        &self,
        actor: &Actor,
        request: NewToken,
    ) -> Result<IssuedToken, RegistryError> {
        let now = self.clock.now();
        let expires_at = match request.expires_in_days {
            None => None,
            Some(days @ 1..=MAX_TOKEN_DAYS) => Some(now.plus_days(i64::from(days))),
            Some(_) => {
                return Err(RegistryError::Invalid(format!(
                    "invalid expires_in_days: a token lives 1 to {MAX_TOKEN_DAYS} days"
                )));
            }
        };
        let namespaces = if request.namespaces.is_empty() {
            vec![NamespacePattern::Any]
        } else {
            request.namespaces
        };
        let random = self.ids.secret().ok_or(RegistryError::NoRandomness)?;
        let user = request.user.unwrap_or_else(|| actor.user().clone());
        let mut issued = mint_token(random, user, &request.name, request.scopes, namespaces, now)?;
        issued.record.expires_at = expires_at;
        issued.record = self.register_token(actor, &issued.record).await?;
        Ok(issued)
    }

    /// Makes the first admin token of a database, from `secret` when given (it must be
    /// token-shaped and at least 36 characters) or from fresh randomness; `None` when the
    /// database has one already (another replica, or an earlier start, made it).
    ///
    /// # Errors
    /// [`RegistryError::Invalid`] for a given secret of the wrong shape,
    /// [`RegistryError::NoRandomness`], or a store failure.
    pub async fn first_admin_token(
        &self,
        secret: Option<&str>,
    ) -> Result<Option<IssuedToken>, RegistryError> {
        let secret = match secret.map(str::trim) {
            Some(given) => {
                if !is_token_shaped(given) || given.len() < 36 {
                    return Err(RegistryError::Invalid(
                        "the admin token given must start with `skr_` and be 36 to 128 characters"
                            .to_owned(),
                    ));
                }
                given.to_owned()
            }
            None => {
                let random = self.ids.secret().ok_or(RegistryError::NoRandomness)?;
                format!("{TOKEN_PREFIX}{}", hex(&random))
            }
        };
        let record = TokenRecord {
            id: FIRST_ADMIN_TOKEN_ID.parse()?,
            user: "admin".parse()?,
            name: "admin (first start)".to_owned(),
            secret_digest: Digest::of(secret.as_bytes()),
            scopes: vec![TokenScope::Admin],
            namespaces: vec![NamespacePattern::Any],
            created_at: self.clock.now(),
            revoked_at: None,
            expires_at: None,
        };
        let audit = AuditEntry {
            actor: record.user.clone(),
            action: "token.create".to_owned(),
            target: format!("{}:{}", record.user, record.id),
            at: record.created_at,
        };
        match self.stores.credentials.insert_token(&record, &audit).await {
            Ok(()) => Ok(Some(IssuedToken { record, secret })),
            Err(StoreError::Duplicate(_)) => Ok(None),
            Err(other) => Err(other.into()),
        }
    }

    /// Stores a new token after checking `actor` may grant it: with the `tokens` scope, at
    /// most what its own token holds. Repeated scopes and patterns are kept once; the token
    /// as stored is returned.
    ///
    /// # Errors
    /// [`RegistryError::Access`] without the `tokens` scope or for a grant beyond the
    /// actor's own;
    /// [`RegistryError::Invalid`] for a name or a grant list out of bounds; a store failure.
    pub async fn register_token(
        &self,
        actor: &Actor,
        token: &TokenRecord,
    ) -> Result<TokenRecord, RegistryError> {
        let mut token = token.clone();
        token.scopes.sort();
        token.scopes.dedup();
        token.namespaces.sort();
        token.namespaces.dedup();
        if token.scopes.len() > MAX_TOKEN_GRANTS || token.namespaces.len() > MAX_TOKEN_GRANTS {
            return Err(RegistryError::Invalid(format!(
                "a token carries at most {MAX_TOKEN_GRANTS} scopes and {MAX_TOKEN_GRANTS} \
                 namespace patterns"
            )));
        }
        require_scope(actor, TokenScope::Tokens)?;
        check_token_grant(actor, &token.user, &token.scopes, &token.namespaces)?;
        if let Some(granter_expiry) = actor.expires_at()
            && token
                .expires_at
                .is_none_or(|expiry| expiry > granter_expiry)
        {
            return Err(AccessError::OutlivesGranter.into());
        }
        if token.name.trim().is_empty() || token.name.chars().count() > MAX_TOKEN_NAME_LEN {
            return Err(RegistryError::Invalid(format!(
                "a token name is 1 to {MAX_TOKEN_NAME_LEN} characters"
            )));
        }
        let audit = self.audit(
            actor,
            "token.create",
            format!("{}:{}", token.user, token.id),
        );
        self.stores.credentials.insert_token(&token, &audit).await?;
        Ok(token)
    }

    /// The actor a token's secret stands for: `None` when no live token has it (unknown,
    /// revoked or expired; which of these is not told).
    ///
    /// # Errors
    /// A store failure.
    pub async fn authenticate(&self, secret: &str) -> Result<Option<Actor>, RegistryError> {
        let digest = crate::digest::Digest::of(secret.as_bytes());
        Ok(
            match self.stores.credentials.token_by_secret(&digest).await? {
                Some(token) if token.is_live(self.clock.now()) => Some(Actor::from_token(token)),
                _ => None,
            },
        )
    }

    /// The actor's tokens it may manage: with the `tokens` scope, those granting no more
    /// than the actor's own token (never their secrets, which are not kept).
    ///
    /// # Errors
    /// [`RegistryError::Access`] without the `tokens` scope; a store failure.
    pub async fn tokens(&self, actor: &Actor) -> Result<Vec<TokenRecord>, RegistryError> {
        require_scope(actor, TokenScope::Tokens)?;
        let mut tokens = self.stores.credentials.tokens_of(actor.user()).await?;
        tokens.retain(|token| may_manage_token(actor, token));
        Ok(tokens)
    }

    /// Revokes a token the actor may manage: one of its user's granting no more than its
    /// own, or, for an admin, anyone's. Returns whether a live token was revoked; a token
    /// the actor may not manage is reported as not found, so its existence does not leak.
    ///
    /// # Errors
    /// [`RegistryError::Access`] without the `tokens` scope; a store failure.
    pub async fn revoke_token(&self, actor: &Actor, id: &TokenId) -> Result<bool, RegistryError> {
        require_scope(actor, TokenScope::Tokens)?;
        let Some(token) = self.stores.credentials.token(id).await? else {
            return Ok(false);
        };
        let own = &token.user == actor.user();
        if !(actor.is_admin() || own && may_manage_token(actor, &token)) {
            return Ok(false);
        }
        let audit = self.audit(
            actor,
            "token.revoke",
            format!("{}:{}", token.user, token.id),
        );
        Ok(self
            .stores
            .credentials
            .revoke_token(&token.user, id, self.clock.now(), &audit)
            .await?)
    }

    /// A namespace, its members and its visibility, when `reader` may read it.
    ///
    /// # Errors
    /// [`RegistryError::NamespaceNotFound`] (also when `reader` may not read it), or a
    /// store failure.
    pub async fn namespace(
        &self,
        reader: Option<&Actor>,
        namespace: &Namespace,
    ) -> Result<NamespaceRecord, RegistryError> {
        self.admit(reader)?;
        match self.stores.namespaces.namespace(namespace).await? {
            Some(record) if self.may_read_record(reader, namespace, Some(&record)) => Ok(record),
            _ => Err(RegistryError::NamespaceNotFound(namespace.clone())),
        }
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
        visibility: Option<Visibility>,
    ) -> Result<NamespaceRecord, RegistryError> {
        check_create_namespace(actor)?;
        if self.stores.namespaces.namespace(namespace).await?.is_some() {
            return Err(RegistryError::NamespaceTaken(namespace.clone()));
        }
        self.authorize_namespace(actor, namespace).await?;
        self.store_namespace(actor, namespace, visibility).await
    }

    /// Stores a new namespace owned by the actor, with the visibility asked for or the one
    /// it inherits ([`Visibility::for_new`]), and its audit entry.
    ///
    /// # Errors
    /// [`RegistryError::NamespaceTaken`] when it exists by now, or a store failure.
    pub(super) async fn store_namespace(
        &self,
        actor: &Actor,
        namespace: &Namespace,
        visibility: Option<Visibility>,
    ) -> Result<NamespaceRecord, RegistryError> {
        let visibility = self.visibility_for_new(namespace, visibility).await?;
        let audit = self.audit(
            actor,
            "namespace.create",
            format!("{namespace}:{visibility}"),
        );
        match self
            .stores
            .namespaces
            .create_namespace(
                namespace,
                actor.user(),
                visibility,
                self.clock.now(),
                &audit,
            )
            .await
        {
            Ok(record) => Ok(record),
            Err(StoreError::NamespaceExists(ns)) => Err(RegistryError::NamespaceTaken(ns)),
            Err(other) => Err(other.into()),
        }
    }

    /// Sets (`Some`) or removes (`None`) a member's role. Only an owner (or an admin) may,
    /// with a token holding `namespace-admin` and covering the namespace; the last owner
    /// cannot be removed or demoted, however many changes run at once (the store checks
    /// both in the change's transaction).
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
        let record = self.namespace(Some(actor), namespace).await?;
        check_namespace_admin(actor, &record)?;
        let action = match role {
            Some(Role::Owner) => "member.owner",
            Some(Role::Member) => "member.member",
            None => "member.remove",
        };
        let change = MemberChange {
            namespace: record.namespace.clone(),
            user: user.clone(),
            role,
            by_owner: (!actor.is_admin()).then(|| actor.user().clone()),
            audit: self.audit(actor, action, format!("{namespace}:{user}")),
        };
        match self.stores.namespaces.set_member(&change).await {
            Ok(()) => {}
            Err(StoreError::LastOwner(_)) => {
                return Err(RegistryError::Invalid(format!(
                    "`{user}` is the last owner of `{namespace}`; make someone else an owner first"
                )));
            }
            Err(StoreError::NotAnOwner { user, namespace }) => {
                return Err(AccessError::NotAnOwner { user, namespace }.into());
            }
            Err(StoreError::Missing(_)) => {
                return Err(RegistryError::NamespaceNotFound(namespace.clone()));
            }
            Err(other) => return Err(other.into()),
        }
        self.namespace(Some(actor), namespace).await
    }

    /// Sets who may read a namespace's skills. Only an owner (or an admin) may, as for its
    /// members; the change is in the audit log and holds from the next request on.
    ///
    /// # Errors
    /// [`RegistryError::NamespaceNotFound`] (also when the actor may not read it),
    /// [`RegistryError::Access`], or a store failure.
    pub async fn set_visibility(
        &self,
        actor: &Actor,
        namespace: &Namespace,
        visibility: Visibility,
    ) -> Result<NamespaceRecord, RegistryError> {
        let record = self.namespace(Some(actor), namespace).await?;
        check_namespace_admin(actor, &record)?;
        let audit = self.audit(
            actor,
            "namespace.visibility",
            format!("{namespace}:{visibility}"),
        );
        match self
            .stores
            .namespaces
            .set_visibility(&record.namespace, visibility, &audit)
            .await
        {
            Ok(()) => {}
            Err(StoreError::Missing(_)) => {
                return Err(RegistryError::NamespaceNotFound(namespace.clone()));
            }
            Err(other) => return Err(other.into()),
        }
        self.namespace(Some(actor), namespace).await
    }
}
