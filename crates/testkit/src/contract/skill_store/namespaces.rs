//! Namespaces and members: unique by key, changes audited, never without an owner.

use super::*;

/// Namespaces are unique by key; members can be added, changed and removed, each change
/// with its audit entry; a change never leaves a namespace without an owner, and one made
/// by an owner applies only while they still are one.
pub async fn namespaces_and_members(store: &dyn SkillStore) {
    let acme: Namespace = "acme".parse().unwrap();
    assert_eq!(store.namespace(&acme).await.unwrap(), None);
    let record = store
        .create_namespace(
            &acme,
            &user("alice"),
            Visibility::Public,
            at(T0),
            &audit("namespace.create", "acme", T0),
        )
        .await
        .unwrap();
    assert_eq!(record.role_of(&user("alice")), Some(Role::Owner));
    let again = store
        .create_namespace(
            &acme,
            &user("bob"),
            Visibility::Public,
            at(T0),
            &audit("namespace.create", "acme", T0),
        )
        .await
        .unwrap_err();
    assert_eq!(again, StoreError::NamespaceExists(acme.clone()));
    store
        .set_member(&change(&acme, "bob", Some(Role::Member), Some("alice")))
        .await
        .unwrap();
    let record = store.namespace(&acme).await.unwrap().unwrap();
    assert_eq!(record.role_of(&user("bob")), Some(Role::Member));
    assert_eq!(record.created_at, at(T0));
    assert_eq!(
        store
            .set_member(&change(&acme, "carol", Some(Role::Member), Some("bob")))
            .await,
        Err(StoreError::NotAnOwner {
            user: user("bob"),
            namespace: acme.clone()
        }),
        "a member is not an owner"
    );
    assert_eq!(
        store
            .set_member(&change(&acme, "alice", None, Some("alice")))
            .await,
        Err(StoreError::LastOwner(acme.clone()))
    );
    assert_eq!(
        store
            .set_member(&change(&acme, "alice", Some(Role::Member), None))
            .await,
        Err(StoreError::LastOwner(acme.clone())),
        "not even an admin demotes the last owner"
    );
    let record = store.namespace(&acme).await.unwrap().unwrap();
    assert_eq!(
        record.role_of(&user("alice")),
        Some(Role::Owner),
        "nothing changed"
    );
    assert_eq!(record.role_of(&user("carol")), None, "nothing changed");
    store
        .set_member(&change(&acme, "bob", None, None))
        .await
        .unwrap();
    assert_eq!(
        store
            .namespace(&acme)
            .await
            .unwrap()
            .unwrap()
            .role_of(&user("bob")),
        None
    );
    let actions: Vec<String> = store
        .audit_log(10)
        .await
        .unwrap()
        .into_iter()
        .map(|a| format!("{} {}", a.action, a.target))
        .collect();
    assert_eq!(
        actions,
        [
            "member acme:bob",
            "member acme:bob",
            "namespace.create acme"
        ],
        "refused changes leave no audit entry"
    );
    let nowhere: Namespace = "nowhere".parse().unwrap();
    assert!(matches!(
        store
            .set_member(&change(&nowhere, "bob", Some(Role::Member), None))
            .await,
        Err(StoreError::Missing(_))
    ));
    let multi: Namespace = "acme/email/tools".parse().unwrap();
    store
        .create_namespace(
            &multi,
            &user("alice"),
            Visibility::Public,
            at(T0),
            &audit("namespace.create", "x", T0),
        )
        .await
        .unwrap();
    assert_eq!(
        store.namespace(&multi).await.unwrap().unwrap().namespace,
        multi
    );
}

/// Two owners removing each other at the same moment, in 16 namespaces at once: every
/// namespace keeps an owner, and in each exactly one removal lands.
pub async fn concurrent_owner_removals_keep_an_owner(store: &dyn SkillStore) {
    let namespaces: Vec<Namespace> = (0..16)
        .map(|i| format!("race-{i}").parse().unwrap())
        .collect();
    for ns in &namespaces {
        store
            .create_namespace(
                ns,
                &user("alice"),
                Visibility::Public,
                at(T0),
                &audit("namespace.create", "x", T0),
            )
            .await
            .unwrap();
        store
            .set_member(&change(ns, "bob", Some(Role::Owner), Some("alice")))
            .await
            .unwrap();
    }
    let removals = namespaces.iter().flat_map(|ns| {
        [
            change(ns, "bob", None, Some("alice")),
            change(ns, "alice", None, Some("bob")),
        ]
    });
    let changes: Vec<MemberChange> = removals.collect();
    let results =
        futures::future::join_all(changes.iter().map(|change| store.set_member(change))).await;
    for (pair, ns) in results.chunks(2).zip(&namespaces) {
        let record = store.namespace(ns).await.unwrap().unwrap();
        let owners = record
            .members
            .values()
            .filter(|r| **r == Role::Owner)
            .count();
        assert_eq!(owners, 1, "{ns}: {pair:?}");
        assert_eq!(
            pair.iter().filter(|r| r.is_ok()).count(),
            1,
            "{ns}: exactly one removal lands: {pair:?}"
        );
        for result in pair {
            if let Err(error) = result {
                assert!(
                    matches!(
                        error,
                        StoreError::NotAnOwner { .. } | StoreError::LastOwner(_)
                    ),
                    "{ns}: {error:?}"
                );
            }
        }
    }
}
