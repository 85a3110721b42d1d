//! Who may do what: the [`Actor`] behind a request and the checks the use cases make.
//! Handlers never decide; they build an [`Actor`] from a token and pass it down.

use std::fmt;
use std::str::FromStr;

use crate::identity::{IdentityError, Namespace, string_forms};
use crate::model::{NamespaceRecord, Role, Scope, SkillRecord, Timestamp, TokenRecord, UserId};

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
    scopes: Vec<Scope>,
    namespaces: Vec<NamespacePattern>,
    expires_at: Option<Timestamp>,
}

impl Actor {
    /// An actor with exactly these scopes and namespace patterns.
    pub fn new(user: UserId, scopes: Vec<Scope>, namespaces: Vec<NamespacePattern>) -> Self {
        Actor {
            user,
            scopes,
            namespaces,
            expires_at: None,
        }
    }

    /// The actor a (live) token stands for.
    pub fn from_token(token: &TokenRecord) -> Self {
        Actor {
            expires_at: token.expires_at,
            ..Actor::new(
                token.user.clone(),
                token.scopes.clone(),
                token.namespaces.clone(),
            )
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
    pub fn scopes(&self) -> &[Scope] {
        &self.scopes
    }

    /// The token's namespace patterns.
    pub fn namespaces(&self) -> &[NamespacePattern] {
        &self.namespaces
    }

    /// Whether the token has `scope` (admin has every scope).
    pub fn has_scope(&self, scope: Scope) -> bool {
        self.scopes.contains(&scope) || self.scopes.contains(&Scope::Admin)
    }

    /// Whether the token has the admin scope.
    pub fn is_admin(&self) -> bool {
        self.scopes.contains(&Scope::Admin)
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
    /// The token lacks a scope.
    #[error("the token lacks the `{scope}` scope")]
    MissingScope {
        /// The scope needed.
        scope: Scope,
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
pub fn require_scope(actor: &Actor, scope: Scope) -> Result<(), AccessError> {
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
    scope: Scope,
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
    scopes: &[Scope],
    namespaces: &[NamespacePattern],
) -> Result<(), AccessError> {
    if actor.is_admin() {
        return Ok(());
    }
    if for_user != actor.user() {
        return Err(AccessError::MissingScope {
            scope: Scope::Admin,
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
                        scope: Scope::Admin,
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
    require_scope(actor, Scope::NamespaceAdmin)?;
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
    if actor.has_scope(Scope::PublishNew) || actor.has_scope(Scope::NamespaceAdmin) {
        Ok(())
    } else {
        Err(AccessError::MissingScope {
            scope: Scope::NamespaceAdmin,
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
    actor.has_scope(Scope::Tokens)
        && !outlived
        && check_token_grant(actor, &token.user, &token.scopes, &token.namespaces).is_ok()
}

impl fmt::Display for Actor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.user.as_str())
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    fn actor(user: &str, scopes: &[Scope], patterns: &[&str]) -> Actor {
        Actor::new(
            user.parse().unwrap(),
            scopes.to_vec(),
            patterns.iter().map(|p| p.parse().unwrap()).collect(),
        )
    }

    fn ns_record(ns: &str, members: &[&str]) -> NamespaceRecord {
        NamespaceRecord {
            namespace: ns.parse().unwrap(),
            members: members
                .iter()
                .map(|m| (m.parse().unwrap(), Role::Member))
                .collect::<BTreeMap<_, _>>(),
            created_at: Timestamp::default(),
        }
    }

    #[test]
    fn tokens_grant_at_most_what_the_granter_holds() {
        let alice = actor("alice", &[Scope::PublishNew, Scope::Rate], &["acme/*"]);
        let me: UserId = "alice".parse().unwrap();
        let pattern = |p: &str| p.parse::<NamespacePattern>().unwrap();
        assert_eq!(
            check_token_grant(&alice, &me, &[Scope::Rate], &[pattern("acme/email")]),
            Ok(())
        );
        assert_eq!(
            check_token_grant(&alice, &me, &[Scope::Rate], &[pattern("acme/email/*")]),
            Ok(())
        );
        assert!(matches!(
            check_token_grant(&alice, &me, &[Scope::Yank], &[]),
            Err(AccessError::MissingScope { scope: Scope::Yank })
        ));
        assert!(matches!(
            check_token_grant(&alice, &me, &[Scope::Rate], &[pattern("other")]),
            Err(AccessError::NamespaceNotAllowed { .. })
        ));
        assert!(check_token_grant(&alice, &me, &[Scope::Rate], &[NamespacePattern::Any]).is_err());
        assert!(check_token_grant(&alice, &"bob".parse().unwrap(), &[Scope::Rate], &[]).is_err());
        let narrow = actor("alice", &[Scope::Rate], &["acme"]);
        assert!(
            check_token_grant(&narrow, &me, &[Scope::Rate], &[pattern("acme/*")]).is_err(),
            "exact cannot grant a subtree"
        );
        let admin = actor("root", &[Scope::Admin], &[]);
        assert_eq!(
            check_token_grant(
                &admin,
                &"bob".parse().unwrap(),
                &[Scope::Admin],
                &[NamespacePattern::Any]
            ),
            Ok(())
        );
    }

    #[test]
    fn patterns_cover_what_they_say() {
        let acme: Namespace = "acme".parse().unwrap();
        let sub: Namespace = "acme/email".parse().unwrap();
        let other: Namespace = "other".parse().unwrap();
        let subtree: NamespacePattern = "acme/*".parse().unwrap();
        let exact: NamespacePattern = "acme".parse().unwrap();
        assert!(subtree.allows(&acme) && subtree.allows(&sub) && !subtree.allows(&other));
        assert!(exact.allows(&acme) && !exact.allows(&sub));
        assert!(NamespacePattern::Any.allows(&other));
        assert_eq!(subtree.to_string(), "acme/*");
    }

    #[test]
    fn publishing_needs_membership_of_the_namespace_or_its_parent() {
        let ns: Namespace = "acme/email".parse().unwrap();
        let alice = actor("alice", &[Scope::PublishNew], &["*"]);
        let acme = ns_record("acme", &["alice"]);
        assert_eq!(
            check_publish_namespace(&alice, &ns, None, Some(&acme)),
            Ok(())
        );
        let bob = actor("bob", &[Scope::PublishNew], &["*"]);
        assert!(matches!(
            check_publish_namespace(&bob, &ns, None, Some(&acme)),
            Err(AccessError::NotAMember { .. })
        ));
        assert_eq!(
            check_publish_namespace(&bob, &"bob".parse().unwrap(), None, None),
            Ok(())
        );
        let narrow = actor("alice", &[Scope::PublishNew], &["other"]);
        assert!(matches!(
            check_publish_namespace(&narrow, &ns, None, Some(&acme)),
            Err(AccessError::NamespaceNotAllowed { .. })
        ));
        assert!(matches!(
            check_publish_namespace(&alice, &"admin".parse().unwrap(), None, None),
            Err(AccessError::Reserved { .. })
        ));
    }

    fn owned_ns(ns: &str, owners: &[&str], members: &[&str]) -> NamespaceRecord {
        let mut record = ns_record(ns, members);
        for owner in owners {
            record.members.insert(owner.parse().unwrap(), Role::Owner);
        }
        record
    }

    #[test]
    fn changing_members_needs_the_scope_a_covering_pattern_and_ownership() {
        let elsewhere = owned_ns("elsewhere", &["alice"], &[]);
        // The README's `ci` token: publish scopes, `acme/*`.
        let ci = actor(
            "alice",
            &[Scope::PublishNew, Scope::PublishUpdate],
            &["acme/*"],
        );
        assert!(matches!(
            check_namespace_admin(&ci, &elsewhere),
            Err(AccessError::MissingScope {
                scope: Scope::NamespaceAdmin
            })
        ));
        let no_scopes = actor("alice", &[], &["acme/*"]);
        assert!(check_namespace_admin(&no_scopes, &elsewhere).is_err());
        let admin_of_acme = actor("alice", &[Scope::NamespaceAdmin], &["acme/*"]);
        assert!(matches!(
            check_namespace_admin(&admin_of_acme, &elsewhere),
            Err(AccessError::NamespaceNotAllowed { .. })
        ));
        let acme = owned_ns("acme/tools", &["alice"], &["bob"]);
        assert_eq!(check_namespace_admin(&admin_of_acme, &acme), Ok(()));
        let bob = actor("bob", &[Scope::NamespaceAdmin], &["*"]);
        assert!(matches!(
            check_namespace_admin(&bob, &acme),
            Err(AccessError::NotAnOwner { .. })
        ));
        let root = actor("root", &[Scope::Admin], &[]);
        assert_eq!(check_namespace_admin(&root, &acme), Ok(()));
    }

    fn skill_by(id: &str, creator: &str) -> SkillRecord {
        SkillRecord {
            uid: "s1".parse().unwrap(),
            id: id.parse().unwrap(),
            created_by: creator.parse().unwrap(),
            created_at: Timestamp::default(),
            deprecation: None,
        }
    }

    #[test]
    fn maintainers_are_owners_and_the_creator_while_a_member() {
        let skill = skill_by("acme/pdf", "carol");
        let user = |u: &str| u.parse::<UserId>().unwrap();
        let ns = owned_ns("acme", &["olga"], &["carol", "mia"]);
        assert!(is_maintainer(&user("olga"), &skill, Some(&ns)), "owner");
        assert!(is_maintainer(&user("carol"), &skill, Some(&ns)), "creator");
        assert!(
            !is_maintainer(&user("mia"), &skill, Some(&ns)),
            "another member"
        );
        let removed = owned_ns("acme", &["olga"], &["mia"]);
        assert!(
            !is_maintainer(&user("carol"), &skill, Some(&removed)),
            "a creator removed from the namespace keeps nothing"
        );
        let mia = actor("mia", &[Scope::Yank, Scope::PublishUpdate], &["*"]);
        assert!(matches!(
            check_change_skill(&mia, Scope::Yank, &skill, Some(&ns)),
            Err(AccessError::NotAMaintainer { .. })
        ));
        let carol = actor("carol", &[Scope::Yank], &["acme"]);
        assert_eq!(
            check_change_skill(&carol, Scope::Yank, &skill, Some(&ns)),
            Ok(())
        );
        assert!(matches!(
            check_change_skill(&carol, Scope::Yank, &skill, Some(&removed)),
            Err(AccessError::NotAMaintainer { .. })
        ));
        assert!(matches!(
            check_change_skill(&carol, Scope::PublishUpdate, &skill, Some(&ns)),
            Err(AccessError::MissingScope { .. })
        ));
    }

    fn token(user: &str, scopes: &[Scope], patterns: &[&str]) -> TokenRecord {
        TokenRecord {
            id: "tok-1".parse().unwrap(),
            user: user.parse().unwrap(),
            name: "t".to_owned(),
            secret_digest: crate::Digest::of(b"x"),
            scopes: scopes.to_vec(),
            namespaces: patterns.iter().map(|p| p.parse().unwrap()).collect(),
            created_at: Timestamp::default(),
            revoked_at: None,
            expires_at: None,
        }
    }

    #[test]
    fn a_token_manages_only_tokens_granting_no_more_than_itself() {
        let ci = actor(
            "alice",
            &[Scope::PublishNew, Scope::PublishUpdate, Scope::Tokens],
            &["acme/*"],
        );
        let admin_token = token("alice", &[Scope::Admin], &["*"]);
        assert!(!may_manage_token(&ci, &admin_token));
        let wider = token("alice", &[Scope::PublishNew], &["*"]);
        assert!(!may_manage_token(&ci, &wider));
        let narrower = token("alice", &[Scope::PublishNew], &["acme/tools"]);
        assert!(may_manage_token(&ci, &narrower));
        let without_scope = actor("alice", &[Scope::PublishNew], &["acme/*"]);
        assert!(!may_manage_token(&without_scope, &narrower));
        let someone_else = token("bob", &[], &["acme/tools"]);
        assert!(!may_manage_token(&ci, &someone_else));
        let root = actor("root", &[Scope::Admin], &["*"]);
        assert!(may_manage_token(&root, &admin_token));
        assert!(may_manage_token(&root, &someone_else));
    }
}
