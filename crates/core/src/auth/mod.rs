//! Who may do what: the [`Actor`] behind a request and the checks the use cases make.
//! Handlers never decide; they build an [`Actor`] from a token and pass it down.

mod read;

pub use read::{Visibility, may_read};

use std::fmt;
use std::str::FromStr;

use crate::identity::{IdentityError, Namespace, string_forms};
use crate::model::{
    NamespaceRecord, Role, SkillRecord, Timestamp, TokenRecord, TokenScope, UserId,
};

/// Which namespaces a token may act in: `*` (all), `acme` (just that one), `acme/*` (that
/// one and every namespace under it).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum NamespacePattern {
    /// Every namespace.
    Any,
    /// Exactly one namespace.
    Exact(Namespace),
    /// A namespace and everything under it.
    Subtree(Namespace),
}

impl NamespacePattern {
    /// Whether `namespace` is covered.
    pub fn allows(&self, namespace: &Namespace) -> bool {
        match self {
            NamespacePattern::Any => true,
            NamespacePattern::Exact(ns) => ns.key() == namespace.key(),
            NamespacePattern::Subtree(ns) => namespace.is_within(ns),
        }
    }
}

impl FromStr for NamespacePattern {
    type Err = IdentityError;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        if text == "*" {
            return Ok(NamespacePattern::Any);
        }
        match text.strip_suffix("/*") {
            Some(prefix) => Ok(NamespacePattern::Subtree(prefix.parse()?)),
            None => Ok(NamespacePattern::Exact(text.parse()?)),
        }
    }
}

string_forms! {
    NamespacePattern => |v| match v {
        NamespacePattern::Any => "*".to_owned(),
        NamespacePattern::Exact(ns) => ns.to_string(),
        NamespacePattern::Subtree(ns) => format!("{ns}/*"),
    };
}

/// The user behind a request, with what their token allows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    user: UserId,
    scopes: Vec<TokenScope>,
    namespaces: Vec<NamespacePattern>,
    expires_at: Option<Timestamp>,
}

impl Actor {
    /// An actor with exactly these scopes and namespace patterns.
    pub fn new(user: UserId, scopes: Vec<TokenScope>, namespaces: Vec<NamespacePattern>) -> Self {
        Actor {
            user,
            scopes,
            namespaces,
            expires_at: None,
        }
    }

    /// The actor a (live) token stands for.
    pub fn from_token(token: TokenRecord) -> Self {
        Actor {
            user: token.user,
            scopes: token.scopes,
            namespaces: token.namespaces,
            expires_at: token.expires_at,
        }
    }

    /// When the actor's token expires, if it does.
    pub fn expires_at(&self) -> Option<Timestamp> {
        self.expires_at
    }

    /// Who.
    pub fn user(&self) -> &UserId {
        &self.user
    }

    /// The token's scopes.
    pub fn scopes(&self) -> &[TokenScope] {
        &self.scopes
    }

    /// The token's namespace patterns.
    pub fn namespaces(&self) -> &[NamespacePattern] {
        &self.namespaces
    }

    /// Whether the token has `scope` (admin has every scope).
    pub fn has_scope(&self, scope: TokenScope) -> bool {
        self.scopes.contains(&scope) || self.scopes.contains(&TokenScope::Admin)
    }

    /// Whether the token has the admin scope.
    pub fn is_admin(&self) -> bool {
        self.scopes.contains(&TokenScope::Admin)
    }

    /// Whether the token's namespace patterns cover `namespace`.
    pub fn may_act_in(&self, namespace: &Namespace) -> bool {
        self.is_admin()
            || self
                .namespaces
                .iter()
                .any(|pattern| pattern.allows(namespace))
    }
}

/// Why an actor was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AccessError {
    /// The registry is private: every read needs a token.
    #[error("this registry is private: every read needs a token")]
    SignInRequired,
    /// The token lacks a scope.
    #[error("the token lacks the `{scope}` scope")]
    MissingScope {
        /// The scope needed.
        scope: TokenScope,
    },
    /// The token's namespace patterns do not cover the namespace.
    #[error("the token may not act in namespace `{namespace}`")]
    NamespaceNotAllowed {
        /// The namespace.
        namespace: Namespace,
    },
    /// The user is not a member of the namespace (or of the namespace above it, when it
    /// would be created).
    #[error("`{user}` is not a member of namespace `{namespace}`")]
    NotAMember {
        /// The user.
        user: UserId,
        /// The namespace.
        namespace: Namespace,
    },
    /// The namespace is reserved.
    #[error("namespace `{namespace}` is reserved")]
    Reserved {
        /// The namespace.
        namespace: Namespace,
    },
    /// A signature names a publisher key registered by someone else.
    #[error("the key `{key_id}` belongs to `{owner}`, not to the publisher")]
    NotKeyOwner {
        /// The key.
        key_id: String,
        /// Who registered it.
        owner: UserId,
    },
    /// Only the skill's maintainers (its namespace's owners, and its creator while a
    /// member) may change it.
    #[error(
        "`{user}` does not maintain `{skill}`: only the namespace's owners and the skill's \
         creator (while a member) may change it"
    )]
    NotAMaintainer {
        /// The user.
        user: UserId,
        /// The skill.
        skill: String,
    },
    /// A token that expires may only grant tokens that expire no later.
    #[error("this token expires, so it grants only tokens that expire no later than it does")]
    OutlivesGranter,
    /// Only the namespace's owners may change its members.
    #[error("`{user}` is not an owner of namespace `{namespace}`")]
    NotAnOwner {
        /// The user.
        user: UserId,
        /// The namespace.
        namespace: Namespace,
    },
}

/// Checks that `actor` holds `scope`.
///
/// # Errors
/// [`AccessError::MissingScope`].
pub fn require_scope(actor: &Actor, scope: TokenScope) -> Result<(), AccessError> {
    if actor.has_scope(scope) {
        Ok(())
    } else {
        Err(AccessError::MissingScope { scope })
    }
}

/// What publishing into `namespace` needs: a token that covers it, a namespace that is not
/// reserved, and membership of the namespace — or, when it does not exist yet, of the
/// nearest existing namespace above it (`closest_ancestor`), so nobody squats `acme/x`
/// without being in `acme`.
///
/// # Errors
/// The first [`AccessError`] that applies.
pub fn check_publish_namespace(
    actor: &Actor,
    namespace: &Namespace,
    existing: Option<&NamespaceRecord>,
    closest_ancestor: Option<&NamespaceRecord>,
) -> Result<(), AccessError> {
    if namespace.is_reserved() && !actor.is_admin() {
        return Err(AccessError::Reserved {
            namespace: namespace.clone(),
        });
    }
    if !actor.may_act_in(namespace) {
        return Err(AccessError::NamespaceNotAllowed {
            namespace: namespace.clone(),
        });
    }
    if actor.is_admin() {
        return Ok(());
    }
    match existing.or(closest_ancestor) {
        Some(record) if record.role_of(actor.user()).is_none() => Err(AccessError::NotAMember {
            user: actor.user().clone(),
            namespace: record.namespace.clone(),
        }),
        _ => Ok(()),
    }
}

/// Whether `user` maintains `skill`: the namespace's owners, and the skill's creator for as
/// long as they are a member of the namespace. Maintainers alone publish new versions,
/// overwrite by import, yank and deprecate; a right ends with the membership it came from.
pub fn is_maintainer(
    user: &UserId,
    skill: &SkillRecord,
    namespace: Option<&NamespaceRecord>,
) -> bool {
    match namespace.and_then(|record| record.role_of(user)) {
        Some(Role::Owner) => true,
        Some(Role::Member) => &skill.created_by == user,
        None => false,
    }
}

/// What changing an existing skill (a new version, an overwrite, a yank, a deprecation)
/// needs: the scope, a token covering the namespace, and being a maintainer of the skill
/// ([`is_maintainer`]) or an admin.
///
/// # Errors
/// The first [`AccessError`] that applies.
pub fn check_change_skill(
    actor: &Actor,
    scope: TokenScope,
    skill: &SkillRecord,
    namespace: Option<&NamespaceRecord>,
) -> Result<(), AccessError> {
    require_scope(actor, scope)?;
    let ns = skill.id.namespace();
    if !actor.may_act_in(ns) {
        return Err(AccessError::NamespaceNotAllowed {
            namespace: ns.clone(),
        });
    }
    if actor.is_admin() || is_maintainer(actor.user(), skill, namespace) {
        Ok(())
    } else {
        Err(AccessError::NotAMaintainer {
            user: actor.user().clone(),
            skill: skill.id.to_string(),
        })
    }
}

/// What creating a token needs: an admin may grant anything to anyone; anyone else only
/// grants themselves scopes they hold, in namespaces their own token covers.
///
/// # Errors
/// The first [`AccessError`] that applies.
pub fn check_token_grant(
    actor: &Actor,
    for_user: &UserId,
    scopes: &[TokenScope],
    namespaces: &[NamespacePattern],
) -> Result<(), AccessError> {
    if actor.is_admin() {
        return Ok(());
    }
    if for_user != actor.user() {
        return Err(AccessError::MissingScope {
            scope: TokenScope::Admin,
        });
    }
    if let Some(scope) = scopes.iter().find(|scope| !actor.has_scope(**scope)) {
        return Err(AccessError::MissingScope { scope: *scope });
    }
    for pattern in namespaces {
        let covered = actor.namespaces.iter().any(|own| match (own, pattern) {
            (NamespacePattern::Any, _) => true,
            (_, NamespacePattern::Any) => false,
            (own, NamespacePattern::Exact(ns) | NamespacePattern::Subtree(ns)) => {
                own.allows(ns)
                    && (matches!(pattern, NamespacePattern::Exact(_))
                        || !matches!(own, NamespacePattern::Exact(_)))
            }
        });
        if !covered {
            let namespace = match pattern {
                NamespacePattern::Exact(ns) | NamespacePattern::Subtree(ns) => ns.clone(),
                NamespacePattern::Any => {
                    return Err(AccessError::MissingScope {
                        scope: TokenScope::Admin,
                    });
                }
            };
            return Err(AccessError::NamespaceNotAllowed { namespace });
        }
    }
    Ok(())
}

/// What changing a namespace's members needs: the `namespace-admin` scope, a token whose
/// patterns cover the namespace, and being its owner (or an admin). The user's role alone
/// is not enough: a token made for publishing cannot hand the namespace to someone else.
///
/// # Errors
/// The first [`AccessError`] that applies.
pub fn check_namespace_admin(
    actor: &Actor,
    namespace: &NamespaceRecord,
) -> Result<(), AccessError> {
    require_scope(actor, TokenScope::NamespaceAdmin)?;
    if !actor.may_act_in(&namespace.namespace) {
        return Err(AccessError::NamespaceNotAllowed {
            namespace: namespace.namespace.clone(),
        });
    }
    if actor.is_admin() || namespace.role_of(actor.user()) == Some(Role::Owner) {
        Ok(())
    } else {
        Err(AccessError::NotAnOwner {
            user: actor.user().clone(),
            namespace: namespace.namespace.clone(),
        })
    }
}

/// What creating a namespace needs: `publish-new` (publishing creates one too) or
/// `namespace-admin`; the rest is [`check_publish_namespace`].
///
/// # Errors
/// [`AccessError::MissingScope`].
pub fn check_create_namespace(actor: &Actor) -> Result<(), AccessError> {
    if actor.has_scope(TokenScope::PublishNew) || actor.has_scope(TokenScope::NamespaceAdmin) {
        Ok(())
    } else {
        Err(AccessError::MissingScope {
            scope: TokenScope::NamespaceAdmin,
        })
    }
}

/// Whether `actor` may see and revoke `token`: with the `tokens` scope, a user's own tokens
/// that grant no more than the actor's own token and expire no later (the ones it could
/// have made); an admin, any token of anyone.
pub fn may_manage_token(actor: &Actor, token: &TokenRecord) -> bool {
    if actor.is_admin() {
        return true;
    }
    let outlived = actor
        .expires_at()
        .is_some_and(|limit| token.expires_at.is_none_or(|expiry| expiry > limit));
    actor.has_scope(TokenScope::Tokens)
        && !outlived
        && check_token_grant(actor, &token.user, &token.scopes, &token.namespaces).is_ok()
}

impl fmt::Display for Actor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.user.as_str())
    }
}
#[cfg(test)]
mod tests;
