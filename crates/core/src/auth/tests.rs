use std::collections::BTreeMap;

use super::*;

fn actor(user: &str, scopes: &[TokenScope], patterns: &[&str]) -> Actor {
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
        visibility: Visibility::Public,
        created_at: Timestamp::default(),
    }
}

#[test]
fn tokens_grant_at_most_what_the_granter_holds() {
    let alice = actor(
        "alice",
        &[TokenScope::PublishNew, TokenScope::Rate],
        &["acme/*"],
    );
    let me: UserId = "alice".parse().unwrap();
    let pattern = |p: &str| p.parse::<NamespacePattern>().unwrap();
    assert_eq!(
        check_token_grant(&alice, &me, &[TokenScope::Rate], &[pattern("acme/email")]),
        Ok(())
    );
    assert_eq!(
        check_token_grant(&alice, &me, &[TokenScope::Rate], &[pattern("acme/email/*")]),
        Ok(())
    );
    assert!(matches!(
        check_token_grant(&alice, &me, &[TokenScope::Yank], &[]),
        Err(AccessError::MissingScope {
            scope: TokenScope::Yank
        })
    ));
    assert!(matches!(
        check_token_grant(&alice, &me, &[TokenScope::Rate], &[pattern("other")]),
        Err(AccessError::NamespaceNotAllowed { .. })
    ));
    assert!(check_token_grant(&alice, &me, &[TokenScope::Rate], &[NamespacePattern::Any]).is_err());
    assert!(check_token_grant(&alice, &"bob".parse().unwrap(), &[TokenScope::Rate], &[]).is_err());
    let narrow = actor("alice", &[TokenScope::Rate], &["acme"]);
    assert!(
        check_token_grant(&narrow, &me, &[TokenScope::Rate], &[pattern("acme/*")]).is_err(),
        "exact cannot grant a subtree"
    );
    let admin = actor("root", &[TokenScope::Admin], &[]);
    assert_eq!(
        check_token_grant(
            &admin,
            &"bob".parse().unwrap(),
            &[TokenScope::Admin],
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
    let alice = actor("alice", &[TokenScope::PublishNew], &["*"]);
    let acme = ns_record("acme", &["alice"]);
    assert_eq!(
        check_publish_namespace(&alice, &ns, None, Some(&acme)),
        Ok(())
    );
    let bob = actor("bob", &[TokenScope::PublishNew], &["*"]);
    assert!(matches!(
        check_publish_namespace(&bob, &ns, None, Some(&acme)),
        Err(AccessError::NotAMember { .. })
    ));
    assert_eq!(
        check_publish_namespace(&bob, &"bob".parse().unwrap(), None, None),
        Ok(())
    );
    let narrow = actor("alice", &[TokenScope::PublishNew], &["other"]);
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
        &[TokenScope::PublishNew, TokenScope::PublishUpdate],
        &["acme/*"],
    );
    assert!(matches!(
        check_namespace_admin(&ci, &elsewhere),
        Err(AccessError::MissingScope {
            scope: TokenScope::NamespaceAdmin
        })
    ));
    let no_scopes = actor("alice", &[], &["acme/*"]);
    assert!(check_namespace_admin(&no_scopes, &elsewhere).is_err());
    let admin_of_acme = actor("alice", &[TokenScope::NamespaceAdmin], &["acme/*"]);
    assert!(matches!(
        check_namespace_admin(&admin_of_acme, &elsewhere),
        Err(AccessError::NamespaceNotAllowed { .. })
    ));
    let acme = owned_ns("acme/tools", &["alice"], &["bob"]);
    assert_eq!(check_namespace_admin(&admin_of_acme, &acme), Ok(()));
    let bob = actor("bob", &[TokenScope::NamespaceAdmin], &["*"]);
    assert!(matches!(
        check_namespace_admin(&bob, &acme),
        Err(AccessError::NotAnOwner { .. })
    ));
    let root = actor("root", &[TokenScope::Admin], &[]);
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
    let mia = actor(
        "mia",
        &[TokenScope::Yank, TokenScope::PublishUpdate],
        &["*"],
    );
    assert!(matches!(
        check_change_skill(&mia, TokenScope::Yank, &skill, Some(&ns)),
        Err(AccessError::NotAMaintainer { .. })
    ));
    let carol = actor("carol", &[TokenScope::Yank], &["acme"]);
    assert_eq!(
        check_change_skill(&carol, TokenScope::Yank, &skill, Some(&ns)),
        Ok(())
    );
    assert!(matches!(
        check_change_skill(&carol, TokenScope::Yank, &skill, Some(&removed)),
        Err(AccessError::NotAMaintainer { .. })
    ));
    assert!(matches!(
        check_change_skill(&carol, TokenScope::PublishUpdate, &skill, Some(&ns)),
        Err(AccessError::MissingScope { .. })
    ));
}

fn token(user: &str, scopes: &[TokenScope], patterns: &[&str]) -> TokenRecord {
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
        &[
            TokenScope::PublishNew,
            TokenScope::PublishUpdate,
            TokenScope::Tokens,
        ],
        &["acme/*"],
    );
    let admin_token = token("alice", &[TokenScope::Admin], &["*"]);
    assert!(!may_manage_token(&ci, &admin_token));
    let wider = token("alice", &[TokenScope::PublishNew], &["*"]);
    assert!(!may_manage_token(&ci, &wider));
    let narrower = token("alice", &[TokenScope::PublishNew], &["acme/tools"]);
    assert!(may_manage_token(&ci, &narrower));
    let without_scope = actor("alice", &[TokenScope::PublishNew], &["acme/*"]);
    assert!(!may_manage_token(&without_scope, &narrower));
    let someone_else = token("bob", &[], &["acme/tools"]);
    assert!(!may_manage_token(&ci, &someone_else));
    let root = actor("root", &[TokenScope::Admin], &["*"]);
    assert!(may_manage_token(&root, &admin_token));
    assert!(may_manage_token(&root, &someone_else));
}
