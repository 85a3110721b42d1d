//! The [`SkillStore`] contract: what every store (in-memory, SQLite, Postgres) must do,
//! checked with the same calls and the same expected results.
//!
//! Longer than 600 lines because it is the whole contract of the one store port, a check per
//! MUST sentence; it splits with the port.

use std::collections::BTreeSet;

use skillreg_core::auth::NamespacePattern;
use skillreg_core::identity::{Namespace, SkillId};
use skillreg_core::model::{
    AuditEntry, EventKind, NewVersion, PageStart, PublisherKey, RatingRecord, Role, SearchQuery,
    SearchSort, SkillRecord, SkillUid, Stars, Timestamp, TokenRecord, TokenScope, UserId,
    VersionMeta,
};
use skillreg_core::ports::{
    MemberChange, SkillStore, SkillTarget, StoreError, VersionWrite, WriteRight,
};
use skillreg_core::{Digest, Version};

/// 2026-01-01T00:00:00Z, the contract's "now".
pub const T0: i64 = 1_767_225_600_000;
const DAY: i64 = 86_400_000;

fn at(millis: i64) -> Timestamp {
    Timestamp::from_unix_millis(millis)
}

fn user(name: &str) -> UserId {
    name.parse().expect("valid user id")
}

fn id(text: &str) -> SkillId {
    text.parse().expect("valid skill id")
}

fn ver(text: &str) -> Version {
    text.parse().expect("valid version")
}

/// A skill record with a uid derived from its id.
pub fn skill_record(skill_id: &str, creator: &str, created_at: i64) -> SkillRecord {
    SkillRecord {
        uid: format!("uid-{}", skill_id.replace('/', "."))
            .parse()
            .expect("valid uid"),
        id: id(skill_id),
        created_by: user(creator),
        created_at: at(created_at),
        deprecation: None,
    }
}

/// A version whose digests derive from `content` (so equal content means equal digests).
pub fn new_version(
    version: &str,
    content: &str,
    description: &str,
    tags: &[&str],
    published_at: i64,
) -> NewVersion {
    NewVersion {
        version: ver(version),
        archive_digest: Digest::of(format!("archive:{content}").as_bytes()),
        content_digest: Digest::of(format!("content:{content}").as_bytes()),
        size: content.len() as u64,
        meta: VersionMeta {
            description: description.to_owned(),
            license: Some("MIT".to_owned()),
            allowed_tools: vec!["Read".to_owned()],
            tags: tags.iter().map(|t| (*t).to_owned()).collect(),
            files: vec!["SKILL.md".parse().expect("valid path")],
        },
        published_by: user("alice"),
        published_at: at(published_at),
        signatures: Vec::new(),
    }
}

fn audit(action: &str, target: &str, when: i64) -> AuditEntry {
    AuditEntry {
        actor: user("alice"),
        action: action.to_owned(),
        target: target.to_owned(),
        at: at(when),
    }
}

fn write(target: SkillTarget, version: NewVersion, event: EventKind) -> VersionWrite {
    let audit = audit(
        "publish",
        &format!("{}", version.version),
        version.published_at.unix_millis(),
    );
    // The package id of a version of an existing skill is computed under a stand-in id
    // here; the package-id check writes its own.
    let skill_id = match &target {
        SkillTarget::New(record) => record.id.clone(),
        SkillTarget::Existing { uid, .. } => format!("existing/{uid}")
            .parse()
            .unwrap_or_else(|_| "existing/skill".parse().expect("a valid id")),
    };
    VersionWrite {
        package_id: skillreg_core::package::package_id(&skill_id, &version),
        target,
        version,
        event,
        audit,
        right: WriteRight::Admin,
    }
}

/// Creates a skill with one version; returns its record.
pub async fn create_skill(
    store: &dyn SkillStore,
    skill_id: &str,
    version: NewVersion,
) -> SkillRecord {
    let record = skill_record(skill_id, "alice", version.published_at.unix_millis());
    store
        .write_version(&write(
            SkillTarget::New(record.clone()),
            version,
            EventKind::SkillCreated,
        ))
        .await
        .unwrap_or_else(|e| panic!("create {skill_id}: {e}"));
    record
}

/// Adds a version to an existing skill.
pub async fn add_version(
    store: &dyn SkillStore,
    skill: &SkillRecord,
    version: NewVersion,
) -> Result<(), StoreError> {
    let target = SkillTarget::Existing {
        uid: skill.uid.clone(),
        expected_creator: skill.created_by.clone(),
    };
    let mut write = write(target, version, EventKind::SkillUpdated);
    write.package_id = skillreg_core::package::package_id(&skill.id, &write.version);
    store.write_version(&write).await
}

fn query(text: Option<&str>) -> SearchQuery {
    SearchQuery {
        text: text.map(str::to_owned),
        tags: Vec::new(),
        namespace: None,
        min_rating: None,
        sort: SearchSort::Relevance,
        start: PageStart::Offset(0),
        limit: 50,
        trending_since: at(T0 - 7 * DAY),
    }
}

fn hit_ids(page: &skillreg_core::model::SearchPage) -> Vec<String> {
    page.hits.iter().map(|h| h.skill.id.to_string()).collect()
}

fn change(namespace: &Namespace, who: &str, role: Option<Role>, by: Option<&str>) -> MemberChange {
    MemberChange {
        namespace: namespace.clone(),
        user: user(who),
        role,
        by_owner: by.map(user),
        audit: audit("member", &format!("{namespace}:{who}"), T0),
    }
}

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

/// A write relies on a right (membership, or maintaining the skill) that the store checks
/// again in the write's transaction: once a member is removed, their writes already under
/// way fail with `RightEnded` and change nothing.
pub async fn rights_are_checked_in_the_write(store: &dyn SkillStore) {
    let acme: Namespace = "acme".parse().unwrap();
    store
        .create_namespace(
            &acme,
            &user("alice"),
            at(T0),
            &audit("namespace.create", "acme", T0),
        )
        .await
        .unwrap();
    store
        .set_member(&change(&acme, "bob", Some(Role::Member), None))
        .await
        .unwrap();
    let mut bobs = skill_record("acme/bobs", "bob", T0);
    bobs.created_by = user("bob");
    let as_bob = WriteRight::Maintainer {
        namespace: acme.clone(),
        user: user("bob"),
        creator: user("bob"),
    };
    let mut first = write(
        SkillTarget::New(bobs.clone()),
        new_version("1.0.0", "a", "bob's", &[], T0),
        EventKind::SkillCreated,
    );
    first.right = WriteRight::Member {
        namespace: acme.clone(),
        user: user("bob"),
    };
    store.write_version(&first).await.unwrap();
    let next = |version: &str, right: &WriteRight| {
        let mut w = write(
            SkillTarget::Existing {
                uid: bobs.uid.clone(),
                expected_creator: user("bob"),
            },
            new_version(version, version, "bob's", &[], T0 + 1),
            EventKind::SkillUpdated,
        );
        w.right = right.clone();
        w
    };
    store.write_version(&next("1.1.0", &as_bob)).await.unwrap();
    // Carol is no member: no new skill of hers, no change to bob's.
    let carols = skill_record("acme/carols", "carol", T0);
    let mut hers = write(
        SkillTarget::New(carols.clone()),
        new_version("1.0.0", "c", "carol's", &[], T0),
        EventKind::SkillCreated,
    );
    hers.right = WriteRight::Member {
        namespace: acme.clone(),
        user: user("carol"),
    };
    assert_eq!(
        store.write_version(&hers).await,
        Err(StoreError::RightEnded)
    );
    assert_eq!(store.skill(&carols.id).await.unwrap(), None);

    store
        .set_member(&change(&acme, "bob", None, Some("alice")))
        .await
        .unwrap();
    assert_eq!(
        store.write_version(&next("1.2.0", &as_bob)).await,
        Err(StoreError::RightEnded)
    );
    assert_eq!(
        store
            .set_yanked(
                &bobs.uid,
                &ver("1.0.0"),
                true,
                &audit("yank", "x", T0),
                &as_bob
            )
            .await,
        Err(StoreError::RightEnded)
    );
    assert_eq!(
        store
            .set_deprecation(
                &bobs.uid,
                Some("gone"),
                &audit("deprecate", "x", T0),
                &as_bob
            )
            .await,
        Err(StoreError::RightEnded)
    );
    let versions = store.versions(&bobs.uid).await.unwrap();
    assert_eq!(versions.len(), 2, "nothing written");
    assert!(versions.iter().all(|v| !v.yanked));
    assert_eq!(
        store.skill(&bobs.id).await.unwrap().unwrap().deprecation,
        None
    );
    // The namespace's owner still maintains bob's skill.
    let as_alice = WriteRight::Maintainer {
        namespace: acme.clone(),
        user: user("alice"),
        creator: user("bob"),
    };
    assert!(
        store
            .set_yanked(
                &bobs.uid,
                &ver("1.0.0"),
                true,
                &audit("yank", "x", T0),
                &as_alice
            )
            .await
            .unwrap()
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

fn token_record(id: &str, owner: &str, secret: &[u8]) -> TokenRecord {
    TokenRecord {
        id: id.parse().unwrap(),
        user: user(owner),
        name: "laptop".to_owned(),
        secret_digest: Digest::of(secret),
        scopes: vec![TokenScope::PublishNew, TokenScope::Rate],
        namespaces: vec![NamespacePattern::Any, "acme/*".parse().unwrap()],
        created_at: at(T0),
        revoked_at: None,
        expires_at: None,
    }
}

/// Tokens are found by id and by the digest of their secret, listed per user, revoked
/// once; creating and revoking each leave an audit entry.
pub async fn tokens_are_found_by_secret_and_revoked(store: &dyn SkillStore) {
    let token = token_record("tok-1", "alice", b"secret-1");
    store
        .insert_token(&token, &audit("token.create", "alice:tok-1", T0))
        .await
        .unwrap();
    assert!(matches!(
        store
            .insert_token(&token, &audit("token.create", "again", T0))
            .await,
        Err(StoreError::Duplicate(_))
    ));
    assert_eq!(
        store
            .token_by_secret(&Digest::of(b"secret-1"))
            .await
            .unwrap(),
        Some(token.clone())
    );
    assert_eq!(
        store.token_by_secret(&Digest::of(b"other")).await.unwrap(),
        None
    );
    assert_eq!(store.token(&token.id).await.unwrap(), Some(token.clone()));
    assert_eq!(
        store.token(&"tok-none".parse().unwrap()).await.unwrap(),
        None
    );
    assert_eq!(
        store.tokens_of(&user("alice")).await.unwrap(),
        vec![token.clone()]
    );
    assert!(store.tokens_of(&user("bob")).await.unwrap().is_empty());
    let revoke = audit("token.revoke", "alice:tok-1", T0 + 1);
    assert!(
        !store
            .revoke_token(&user("bob"), &token.id, at(T0 + 1), &revoke)
            .await
            .unwrap(),
        "only the owner revokes"
    );
    assert!(
        store
            .revoke_token(&user("alice"), &token.id, at(T0 + 1), &revoke)
            .await
            .unwrap()
    );
    assert!(
        !store
            .revoke_token(&user("alice"), &token.id, at(T0 + 2), &revoke)
            .await
            .unwrap()
    );
    let revoked = store
        .token_by_secret(&Digest::of(b"secret-1"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(revoked.revoked_at, Some(at(T0 + 1)));
    let expiring = TokenRecord {
        expires_at: Some(at(T0 + DAY)),
        ..token_record("tok-2", "alice", b"secret-2")
    };
    store
        .insert_token(&expiring, &audit("token.create", "alice:tok-2", T0))
        .await
        .unwrap();
    let read = store.token(&expiring.id).await.unwrap().unwrap();
    assert_eq!(read, expiring, "the expiry is kept");
    assert!(read.is_live(at(T0 + DAY - 1)) && !read.is_live(at(T0 + DAY)));
    let actions: Vec<String> = store
        .audit_log(10)
        .await
        .unwrap()
        .into_iter()
        .map(|a| a.action)
        .collect();
    assert_eq!(actions, ["token.create", "token.revoke", "token.create"]);
}

/// A key id belongs to the user who registered it; a new registration is audited once.
pub async fn publisher_keys_belong_to_one_user(store: &dyn SkillStore) {
    let key = PublisherKey {
        key_id: "ed25519:0011".to_owned(),
        user: user("alice"),
        public_key: vec![1, 2, 3],
        created_at: at(T0),
        revoked_at: None,
    };
    let registered = audit("key.register", "ed25519:0011", T0);
    store.add_publisher_key(&key, &registered).await.unwrap();
    store.add_publisher_key(&key, &registered).await.unwrap();
    let stolen = PublisherKey {
        user: user("mallory"),
        ..key.clone()
    };
    assert!(matches!(
        store.add_publisher_key(&stolen, &registered).await,
        Err(StoreError::Duplicate(_))
    ));
    assert_eq!(
        store.publisher_key("ed25519:0011").await.unwrap(),
        Some(key.clone())
    );
    assert_eq!(store.publisher_key("ed25519:ffff").await.unwrap(), None);
    assert_eq!(store.audit_log(10).await.unwrap().len(), 1);
    let revoke = audit("key.revoke", "ed25519:0011", T0 + 1);
    assert!(
        store
            .revoke_publisher_key("ed25519:0011", at(T0 + 1), &revoke)
            .await
            .unwrap()
    );
    assert!(
        !store
            .revoke_publisher_key("ed25519:0011", at(T0 + 2), &revoke)
            .await
            .unwrap(),
        "revoked once"
    );
    assert!(
        !store
            .revoke_publisher_key("ed25519:ffff", at(T0 + 2), &revoke)
            .await
            .unwrap()
    );
    let read = store.publisher_key("ed25519:0011").await.unwrap().unwrap();
    assert_eq!(read.revoked_at, Some(at(T0 + 1)));
    // Registering it again does not bring it back.
    store.add_publisher_key(&key, &registered).await.unwrap();
    assert_eq!(
        store
            .publisher_key("ed25519:0011")
            .await
            .unwrap()
            .unwrap()
            .revoked_at,
        Some(at(T0 + 1))
    );
    assert_eq!(store.audit_log(10).await.unwrap().len(), 2);
}

/// A stored (skill, version) is never written twice, whatever the digest; build metadata
/// does not make a version new.
pub async fn versions_are_immutable(store: &dyn SkillStore) {
    let skill = create_skill(
        store,
        "acme/pdf",
        new_version("1.0.0", "a", "pdf tools", &[], T0),
    )
    .await;
    let same = add_version(
        store,
        &skill,
        new_version("1.0.0", "a", "pdf tools", &[], T0 + 1),
    )
    .await;
    assert_eq!(
        same,
        Err(StoreError::VersionExists {
            version: ver("1.0.0"),
            existing_archive_digest: Digest::of(b"archive:a")
        })
    );
    let other = add_version(
        store,
        &skill,
        new_version("1.0.0+build.7", "b", "pdf tools", &[], T0 + 1),
    )
    .await;
    assert!(
        matches!(other, Err(StoreError::VersionExists { .. })),
        "{other:?}"
    );
    let stored = store
        .version(&skill.uid, &ver("1.0.0"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.published.archive_digest, Digest::of(b"archive:a"));
    assert_eq!(
        stored.published,
        new_version("1.0.0", "a", "pdf tools", &[], T0)
    );
    assert!(!stored.yanked);
    assert_eq!(store.versions(&skill.uid).await.unwrap().len(), 1);
}

/// `Email_Validator`-style names that fold to one key are one skill.
pub async fn skill_names_are_unique_by_lookup_key(store: &dyn SkillStore) {
    create_skill(
        store,
        "acme/email-validator",
        new_version("1.0.0", "a", "validates email", &[], T0),
    )
    .await;
    let record = skill_record("acme/email_validator", "bob", T0);
    let clash = store
        .write_version(&write(
            SkillTarget::New(record),
            new_version("1.0.0", "b", "x", &[], T0),
            EventKind::SkillCreated,
        ))
        .await;
    assert_eq!(
        clash,
        Err(StoreError::SkillExists {
            existing: id("acme/email-validator")
        })
    );
    let found = store
        .skill(&id("acme/email_validator"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found.id, id("acme/email-validator"));
    assert!(
        store
            .skill(&id("other/email-validator"))
            .await
            .unwrap()
            .is_none()
    );
    let events = store.events_after(0, 10).await.unwrap();
    assert_eq!(events.len(), 1, "the refused write recorded no event");
}

/// A version added to an existing skill keeps its uid, creator and creation time.
pub async fn existing_target_keeps_identity(store: &dyn SkillStore) {
    let skill = create_skill(store, "acme/pdf", new_version("1.0.0", "a", "pdf", &[], T0)).await;
    add_version(
        store,
        &skill,
        new_version("1.1.0", "b", "pdf v2", &[], T0 + DAY),
    )
    .await
    .unwrap();
    let after = store.skill(&skill.id).await.unwrap().unwrap();
    assert_eq!(after, skill);
    assert_eq!(
        store.skill_by_uid(&skill.uid).await.unwrap(),
        Some(skill.clone())
    );
    let versions: Vec<String> = store
        .versions(&skill.uid)
        .await
        .unwrap()
        .iter()
        .map(|v| v.version().to_string())
        .collect();
    assert_eq!(versions, ["1.0.0", "1.1.0"]);
}

/// A write to a skill that vanished or changed owner fails and creates nothing.
pub async fn existing_target_that_vanished_or_changed_owner_fails(store: &dyn SkillStore) {
    let skill = create_skill(store, "acme/pdf", new_version("1.0.0", "a", "pdf", &[], T0)).await;
    let gone = SkillTarget::Existing {
        uid: "uid-missing".parse().unwrap(),
        expected_creator: user("alice"),
    };
    let result = store
        .write_version(&write(
            gone,
            new_version("2.0.0", "b", "pdf", &[], T0),
            EventKind::SkillUpdated,
        ))
        .await;
    assert_eq!(result, Err(StoreError::SkillGone));
    let changed = SkillTarget::Existing {
        uid: skill.uid.clone(),
        expected_creator: user("bob"),
    };
    let result = store
        .write_version(&write(
            changed,
            new_version("2.0.0", "b", "pdf", &[], T0),
            EventKind::SkillUpdated,
        ))
        .await;
    assert_eq!(
        result,
        Err(StoreError::CreatorChanged {
            created_by: user("alice")
        })
    );
    assert_eq!(store.versions(&skill.uid).await.unwrap().len(), 1);
    assert!(
        store
            .skill_by_uid(&"uid-missing".parse::<SkillUid>().unwrap())
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(store.events_after(0, 10).await.unwrap().len(), 1);
}

/// Versions come back in semver order, pre-releases before their release.
pub async fn versions_are_listed_in_order(store: &dyn SkillStore) {
    let skill = create_skill(
        store,
        "acme/order",
        new_version("1.10.0", "a", "x", &[], T0),
    )
    .await;
    for (i, v) in ["1.2.0", "1.10.0-rc.1", "0.9.0", "2.0.0"]
        .iter()
        .enumerate()
    {
        add_version(
            store,
            &skill,
            new_version(v, &format!("c{i}"), "x", &[], T0 + 1),
        )
        .await
        .unwrap();
    }
    let versions: Vec<String> = store
        .versions(&skill.uid)
        .await
        .unwrap()
        .iter()
        .map(|v| v.version().to_string())
        .collect();
    assert_eq!(
        versions,
        ["0.9.0", "1.2.0", "1.10.0-rc.1", "1.10.0", "2.0.0"]
    );
}

/// The skill and its versions in one read agree with the separate reads.
pub async fn skill_with_versions_agrees(store: &dyn SkillStore) {
    let skill = create_skill(store, "acme/both", new_version("2.0.0", "a", "x", &[], T0)).await;
    add_version(store, &skill, new_version("1.0.0", "b", "x", &[], T0 + 1))
        .await
        .unwrap();
    let (found, versions) = store
        .skill_with_versions(&id("acme/both"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found, skill);
    assert_eq!(versions, store.versions(&skill.uid).await.unwrap());
    assert_eq!(versions.len(), 2);
    assert!(
        store
            .skill_with_versions(&id("acme/none"))
            .await
            .unwrap()
            .is_none()
    );
}

/// Several versions of several skills in one read: each named version that exists, whole
/// and of the right skill; names of nothing are left out.
pub async fn versions_are_read_in_one_batch(store: &dyn SkillStore) {
    let a = create_skill(store, "acme/first", new_version("1.0.0", "a", "x", &[], T0)).await;
    add_version(store, &a, new_version("2.0.0", "b", "x", &[], T0 + 1))
        .await
        .unwrap();
    let b = create_skill(
        store,
        "acme/second",
        new_version("1.0.0", "c", "x", &[], T0),
    )
    .await;
    assert!(store.versions_of(&[]).await.unwrap().is_empty());
    let wanted = [
        (a.uid.clone(), "2.0.0".parse().unwrap()),
        (b.uid.clone(), "1.0.0".parse().unwrap()),
        (b.uid.clone(), "9.9.9".parse().unwrap()),
        (
            "uid-missing".parse::<SkillUid>().unwrap(),
            "1.0.0".parse().unwrap(),
        ),
    ];
    let mut found = store.versions_of(&wanted).await.unwrap();
    found.sort_by(|x, y| (x.skill.as_str(), x.version()).cmp(&(y.skill.as_str(), y.version())));
    let mut expected = vec![
        store
            .version(&a.uid, &"2.0.0".parse().unwrap())
            .await
            .unwrap()
            .unwrap(),
        store
            .version(&b.uid, &"1.0.0".parse().unwrap())
            .await
            .unwrap()
            .unwrap(),
    ];
    expected.sort_by(|x, y| (x.skill.as_str(), x.version()).cmp(&(y.skill.as_str(), y.version())));
    assert_eq!(found, expected);
}

/// Totals are counted up to `MAX_COUNTED_HITS`; paging goes on past them.
pub async fn search_totals_are_capped(store: &dyn SkillStore) {
    let cap = skillreg_core::model::MAX_COUNTED_HITS;
    for i in 0..=cap + 2 {
        create_skill(
            store,
            &format!("bulk/s{i:04}"),
            new_version("1.0.0", &format!("b{i}"), "bulk skill", &[], T0),
        )
        .await;
    }
    let mut q = query(Some("bulk"));
    q.limit = 100;
    let page = store.search(&q).await.unwrap();
    assert_eq!((page.total, page.total_exact), (cap, false));
    q.start = PageStart::Offset(cap);
    let page = store.search(&q).await.unwrap();
    assert_eq!(
        page.hits.len(),
        3,
        "hits past the counted total are still served"
    );
    assert!(page.next_cursor.is_none());
    let small = store
        .search(&query(Some("nothing-like-this")))
        .await
        .unwrap();
    assert_eq!((small.total, small.total_exact), (0, true));
    // An offset past the end: an empty page whose total is still the real one, whatever
    // the sort (a relevance search with text ranks by its own path).
    for (text, sort) in [
        (None, SearchSort::Newest),
        (Some("bulk"), SearchSort::Relevance),
    ] {
        let mut far = query(text);
        far.sort = sort;
        far.start = PageStart::Offset(5 * cap);
        let page = store.search(&far).await.unwrap();
        assert!(page.hits.is_empty(), "{sort:?}");
        assert_eq!((page.total, page.total_exact), (cap, false), "{sort:?}");
    }
}

/// One rating per user per skill: rating again replaces; count and sum follow.
pub async fn one_rating_per_user(store: &dyn SkillStore) {
    let skill = create_skill(store, "acme/rated", new_version("1.0.0", "a", "x", &[], T0)).await;
    let rating = |who: &str, half: u8, when: i64, review: Option<&str>| RatingRecord {
        user: user(who),
        stars: Stars::from_half_stars(half).unwrap(),
        review: review.map(str::to_owned),
        rated_at: at(when),
    };
    store
        .put_rating(&skill.uid, &rating("alice", 10, T0, Some("great")))
        .await
        .unwrap();
    store
        .put_rating(&skill.uid, &rating("bob", 4, T0 + 1, None))
        .await
        .unwrap();
    store
        .put_rating(
            &skill.uid,
            &rating("alice", 7, T0 + 2, Some("good, not great")),
        )
        .await
        .unwrap();
    let summary = store.rating_summary(&skill.uid).await.unwrap();
    assert_eq!((summary.count, summary.half_star_sum), (2, 11));
    assert_eq!(summary.average(), Some(2.75));
    let ratings = store.ratings(&skill.uid, 10).await.unwrap();
    assert_eq!(
        ratings,
        vec![
            rating("alice", 7, T0 + 2, Some("good, not great")),
            rating("bob", 4, T0 + 1, None)
        ]
    );
    assert_eq!(store.ratings(&skill.uid, 1).await.unwrap().len(), 1);
    let nobody = "uid-nobody".parse().unwrap();
    assert!(matches!(
        store.put_rating(&nobody, &rating("bob", 4, T0, None)).await,
        Err(StoreError::Missing(_))
    ));
}

/// Yanking flips a flag, records `skill.yanked`, and is reported as a change only once.
pub async fn yanking_flags_and_emits_events(store: &dyn SkillStore) {
    let skill = create_skill(store, "acme/yank", new_version("1.0.0", "a", "x", &[], T0)).await;
    let v = ver("1.0.0");
    assert!(
        store
            .set_yanked(
                &skill.uid,
                &v,
                true,
                &audit("yank", "acme/yank@1.0.0", T0 + 1),
                &WriteRight::Admin
            )
            .await
            .unwrap()
    );
    assert!(
        !store
            .set_yanked(
                &skill.uid,
                &v,
                true,
                &audit("yank", "acme/yank@1.0.0", T0 + 2),
                &WriteRight::Admin
            )
            .await
            .unwrap()
    );
    assert!(store.version(&skill.uid, &v).await.unwrap().unwrap().yanked);
    let kinds: Vec<EventKind> = store
        .events_after(0, 10)
        .await
        .unwrap()
        .iter()
        .map(|e| e.kind)
        .collect();
    assert_eq!(kinds, [EventKind::SkillCreated, EventKind::SkillYanked]);
    assert!(
        store
            .set_yanked(
                &skill.uid,
                &v,
                false,
                &audit("unyank", "acme/yank@1.0.0", T0 + 3),
                &WriteRight::Admin
            )
            .await
            .unwrap()
    );
    assert!(!store.version(&skill.uid, &v).await.unwrap().unwrap().yanked);
    assert_eq!(
        store.events_after(0, 10).await.unwrap().len(),
        2,
        "unyank emits no event"
    );
    let missing = store
        .set_yanked(
            &skill.uid,
            &ver("9.9.9"),
            true,
            &audit("yank", "x", T0),
            &WriteRight::Admin,
        )
        .await;
    assert!(matches!(missing, Err(StoreError::Missing(_))));
    // A yanked version is hidden from search's latest, and a skill with only yanked
    // versions is not found at all.
    store
        .set_yanked(
            &skill.uid,
            &v,
            true,
            &audit("yank", "acme/yank@1.0.0", T0 + 4),
            &WriteRight::Admin,
        )
        .await
        .unwrap();
    assert!(
        store
            .search(&query(Some("yank")))
            .await
            .unwrap()
            .hits
            .is_empty()
    );
}

/// A deprecation message is stored and cleared.
pub async fn deprecation_is_kept(store: &dyn SkillStore) {
    let skill = create_skill(store, "acme/old", new_version("1.0.0", "a", "x", &[], T0)).await;
    store
        .set_deprecation(
            &skill.uid,
            Some("use acme/new"),
            &audit("deprecate", "acme/old", T0),
            &WriteRight::Admin,
        )
        .await
        .unwrap();
    assert_eq!(
        store
            .skill(&skill.id)
            .await
            .unwrap()
            .unwrap()
            .deprecation
            .as_deref(),
        Some("use acme/new")
    );
    store
        .set_deprecation(
            &skill.uid,
            None,
            &audit("undeprecate", "acme/old", T0),
            &WriteRight::Admin,
        )
        .await
        .unwrap();
    assert_eq!(
        store.skill(&skill.id).await.unwrap().unwrap().deprecation,
        None
    );
    let nobody = "uid-nobody".parse().unwrap();
    assert!(matches!(
        store
            .set_deprecation(&nobody, None, &audit("x", "x", T0), &WriteRight::Admin)
            .await,
        Err(StoreError::Missing(_))
    ));
}

/// Downloads count forever; trending counts only the window.
pub async fn downloads_and_trending(store: &dyn SkillStore) {
    let old = create_skill(
        store,
        "acme/old-favourite",
        new_version("1.0.0", "a", "x", &[], T0 - 30 * DAY),
    )
    .await;
    let new = create_skill(
        store,
        "acme/rising",
        new_version("1.0.0", "b", "x", &[], T0 - 30 * DAY),
    )
    .await;
    let quiet = create_skill(
        store,
        "acme/quiet",
        new_version("1.0.0", "c", "x", &[], T0 - 30 * DAY),
    )
    .await;
    let v = ver("1.0.0");
    for i in 0..5 {
        store
            .record_download(&old.uid, &v, at(T0 - 20 * DAY + i))
            .await
            .unwrap();
    }
    for i in 0..3 {
        store
            .record_download(&new.uid, &v, at(T0 - DAY + i))
            .await
            .unwrap();
    }
    store
        .record_download(&old.uid, &v, at(T0 - DAY))
        .await
        .unwrap();
    assert_eq!(store.download_count(&old.uid).await.unwrap(), 6);
    assert_eq!(store.download_count(&new.uid).await.unwrap(), 3);
    assert_eq!(store.download_count(&quiet.uid).await.unwrap(), 0);
    let trending = store.trending(at(T0 - 7 * DAY), 10).await.unwrap();
    let listed: Vec<(String, u64)> = trending
        .iter()
        .map(|t| (t.id.to_string(), t.installs))
        .collect();
    assert_eq!(
        listed,
        [
            ("acme/rising".to_owned(), 3),
            ("acme/old-favourite".to_owned(), 1)
        ]
    );
    assert_eq!(store.trending(at(T0 - 7 * DAY), 1).await.unwrap().len(), 1);
    let nobody = "uid-nobody".parse().unwrap();
    assert!(matches!(
        store.record_download(&nobody, &v, at(T0)).await,
        Err(StoreError::Missing(_))
    ));
}

async fn search_corpus(store: &dyn SkillStore) {
    create_skill(
        store,
        "acme/pdf",
        new_version(
            "1.0.0",
            "p",
            "Fill and merge PDF forms",
            &["documents", "pdf"],
            T0,
        ),
    )
    .await;
    create_skill(
        store,
        "acme/pdf-extract",
        new_version(
            "1.0.0",
            "pe",
            "Extract tables from documents",
            &["pdf"],
            T0 + 1,
        ),
    )
    .await;
    create_skill(
        store,
        "acme/email/validator",
        new_version("1.0.0", "e", "Checks email addresses", &["email"], T0 + 2),
    )
    .await;
    create_skill(
        store,
        "other/reports",
        new_version(
            "1.0.0",
            "r",
            "Write weekly reports as PDF files",
            &["writing"],
            T0 + 3,
        ),
    )
    .await;
    create_skill(
        store,
        "other/brand",
        new_version("1.0.0", "b", "Apply brand colours", &["design"], T0 + 4),
    )
    .await;
}

/// Free text matches name, description and tags; an exact name ranks first; filters narrow.
pub async fn search_text_relevance_and_filters(store: &dyn SkillStore) {
    search_corpus(store).await;
    let page = store.search(&query(Some("pdf"))).await.unwrap();
    let ids = hit_ids(&page);
    assert_eq!(
        ids.first().map(String::as_str),
        Some("acme/pdf"),
        "exact name first: {ids:?}"
    );
    assert_eq!(
        ids.iter().collect::<BTreeSet<_>>(),
        ["acme/pdf", "acme/pdf-extract", "other/reports"]
            .iter()
            .map(|s| s.to_string())
            .collect::<Vec<_>>()
            .iter()
            .collect()
    );
    assert_eq!(page.total, 3);
    assert_eq!(
        ids.last().map(String::as_str),
        Some("other/reports"),
        "a description-only match ranks last"
    );
    let hit = &page.hits[0];
    assert_eq!(hit.latest, Some(ver("1.0.0")));
    assert_eq!(hit.description, "Fill and merge PDF forms");
    assert_eq!(hit.tags, ["documents", "pdf"]);

    assert_eq!(
        hit_ids(&store.search(&query(Some("email addresses"))).await.unwrap()),
        ["acme/email/validator"]
    );
    assert!(
        store
            .search(&query(Some("nothing-matches-this")))
            .await
            .unwrap()
            .hits
            .is_empty()
    );

    let mut by_tag = query(None);
    by_tag.tags = vec!["pdf".to_owned()];
    assert_eq!(
        hit_ids(&store.search(&by_tag).await.unwrap()),
        ["acme/pdf", "acme/pdf-extract"]
    );
    by_tag.tags = vec!["pdf".to_owned(), "documents".to_owned()];
    assert_eq!(hit_ids(&store.search(&by_tag).await.unwrap()), ["acme/pdf"]);
    // A page shorter than the hits: the total is counted (a repeated tag filters once).
    for tags in [vec!["pdf"], vec!["pdf", "pdf"]] {
        let mut counted = query(None);
        counted.tags = tags.into_iter().map(str::to_owned).collect();
        counted.limit = 1;
        let page = store.search(&counted).await.unwrap();
        assert_eq!((page.hits.len(), page.total), (1, 2), "{:?}", counted.tags);
    }

    let mut in_ns = query(None);
    in_ns.namespace = Some("acme".parse().unwrap());
    assert_eq!(
        hit_ids(&store.search(&in_ns).await.unwrap()),
        ["acme/email/validator", "acme/pdf", "acme/pdf-extract"]
    );
    in_ns.namespace = Some("acme/email".parse().unwrap());
    assert_eq!(
        hit_ids(&store.search(&in_ns).await.unwrap()),
        ["acme/email/validator"]
    );
    in_ns.namespace = Some("acm".parse().unwrap());
    assert!(
        store.search(&in_ns).await.unwrap().hits.is_empty(),
        "a namespace prefix matches whole segments"
    );

    let brand = store.skill(&id("other/brand")).await.unwrap().unwrap();
    let pdf = store.skill(&id("acme/pdf")).await.unwrap().unwrap();
    let rate = |who: &str, half: u8| RatingRecord {
        user: user(who),
        stars: Stars::from_half_stars(half).unwrap(),
        review: None,
        rated_at: at(T0),
    };
    store
        .put_rating(&brand.uid, &rate("alice", 9))
        .await
        .unwrap();
    store.put_rating(&pdf.uid, &rate("alice", 6)).await.unwrap();
    store.put_rating(&pdf.uid, &rate("bob", 8)).await.unwrap();
    let mut rated = query(None);
    rated.min_rating = Some(Stars::from_half_stars(7).unwrap());
    assert_eq!(
        hit_ids(&store.search(&rated).await.unwrap()),
        ["acme/pdf", "other/brand"],
        "3.5 and 4.5 pass 3.5"
    );
    rated.min_rating = Some(Stars::from_half_stars(8).unwrap());
    assert_eq!(
        hit_ids(&store.search(&rated).await.unwrap()),
        ["other/brand"]
    );
}

/// Search finds a skill by its latest version's words only: a new version's description
/// and tags replace the old ones, and yanking it brings the previous version's words back.
pub async fn search_follows_the_latest_version(store: &dyn SkillStore) {
    let skill = create_skill(
        store,
        "acme/converter",
        new_version("1.0.0", "a", "Fill PDF forms", &["pdf"], T0),
    )
    .await;
    add_version(
        store,
        &skill,
        new_version("2.0.0", "b", "Merge spreadsheets", &["sheets"], T0 + 1),
    )
    .await
    .unwrap();
    let found = async |text: &str, tag: Option<&str>| {
        let mut q = query(Some(text).filter(|t| !t.is_empty()));
        q.tags = tag.into_iter().map(str::to_owned).collect();
        hit_ids(&store.search(&q).await.unwrap()) == ["acme/converter"]
    };
    for (text, tag, now) in [
        ("pdf", None, false),
        ("fill forms", None, false),
        ("", Some("pdf"), false),
        ("merge", None, true),
        ("merge spreadsheets", None, true),
        ("", Some("sheets"), true),
        ("converter", None, true),
    ] {
        assert_eq!(found(text, tag).await, now, "{text:?} {tag:?} at 2.0.0");
    }
    store
        .set_yanked(
            &skill.uid,
            &ver("2.0.0"),
            true,
            &audit("yank", "acme/converter@2.0.0", T0 + 2),
            &WriteRight::Admin,
        )
        .await
        .unwrap();
    for (text, tag, now) in [
        ("pdf", None, true),
        ("fill forms", None, true),
        ("", Some("pdf"), true),
        ("merge", None, false),
        ("", Some("sheets"), false),
        ("converter", None, true),
    ] {
        assert_eq!(
            found(text, tag).await,
            now,
            "{text:?} {tag:?} back at 1.0.0"
        );
    }
}

/// Every sort orders as documented; ties break by id.
pub async fn search_sorts(store: &dyn SkillStore) {
    search_corpus(store).await;
    let skill = |s: &str| id(s);
    let uid = |s: &str| {
        let id = skill(s);
        async move { store.skill(&id).await.unwrap().unwrap().uid }
    };
    let v = ver("1.0.0");
    for _ in 0..3 {
        store
            .record_download(&uid("other/brand").await, &v, at(T0 - 30 * DAY))
            .await
            .unwrap();
    }
    for _ in 0..2 {
        store
            .record_download(&uid("acme/pdf").await, &v, at(T0 - DAY))
            .await
            .unwrap();
    }
    store
        .record_download(&uid("other/reports").await, &v, at(T0 - DAY))
        .await
        .unwrap();
    let rating = |half: u8| RatingRecord {
        user: user("alice"),
        stars: Stars::from_half_stars(half).unwrap(),
        review: None,
        rated_at: at(T0),
    };
    store
        .put_rating(&uid("acme/pdf-extract").await, &rating(10))
        .await
        .unwrap();
    store
        .put_rating(&uid("other/reports").await, &rating(6))
        .await
        .unwrap();

    let sorted = |sort: SearchSort| {
        let mut q = query(None);
        q.sort = sort;
        q
    };
    let ids = hit_ids(&store.search(&sorted(SearchSort::Downloads)).await.unwrap());
    assert_eq!(
        ids,
        [
            "other/brand",
            "acme/pdf",
            "other/reports",
            "acme/email/validator",
            "acme/pdf-extract"
        ]
    );
    let ids = hit_ids(&store.search(&sorted(SearchSort::Trending)).await.unwrap());
    assert_eq!(
        ids,
        [
            "acme/pdf",
            "other/reports",
            "acme/email/validator",
            "acme/pdf-extract",
            "other/brand"
        ]
    );
    let ids = hit_ids(&store.search(&sorted(SearchSort::Rating)).await.unwrap());
    assert_eq!(ids[..2], ["acme/pdf-extract", "other/reports"]);
    let ids = hit_ids(&store.search(&sorted(SearchSort::Newest)).await.unwrap());
    assert_eq!(
        ids,
        [
            "other/brand",
            "other/reports",
            "acme/email/validator",
            "acme/pdf-extract",
            "acme/pdf"
        ]
    );
    let page = store.search(&sorted(SearchSort::Downloads)).await.unwrap();
    assert_eq!(page.hits[0].downloads, 3);
    assert_eq!(page.hits[1].recent_downloads, 2);
}

/// Paging with a cursor sees every skill that existed at the first page exactly once,
/// even while new skills are published between pages; offsets page too.
pub async fn search_pages_neither_repeat_nor_skip(store: &dyn SkillStore) {
    for i in 0..25 {
        create_skill(
            store,
            &format!("acme/skill-{i:02}"),
            new_version("1.0.0", &format!("s{i}"), "paged skill", &[], T0 + i),
        )
        .await;
    }
    let mut q = query(Some("paged"));
    q.limit = 10;
    let mut seen = Vec::new();
    let mut page = store.search(&q).await.unwrap();
    assert_eq!(page.total, 25);
    let mut published = 0;
    loop {
        seen.extend(hit_ids(&page));
        // Publish new matching skills between pages: they must not shift the pages.
        for _ in 0..3 {
            published += 1;
            create_skill(
                store,
                &format!("acme/aaa-new-{published:02}"),
                new_version(
                    "1.0.0",
                    &format!("n{published}"),
                    "paged skill",
                    &[],
                    T0 + 100 + published,
                ),
            )
            .await;
        }
        let Some(cursor) = page.next_cursor.clone() else {
            break;
        };
        q.start = PageStart::Cursor(cursor);
        page = store.search(&q).await.unwrap();
    }
    let expected: Vec<String> = (0..25).map(|i| format!("acme/skill-{i:02}")).collect();
    let mut sorted = seen.clone();
    sorted.sort();
    assert_eq!(sorted, expected, "every original skill exactly once");

    let mut by_offset = query(Some("paged"));
    by_offset.limit = 5;
    by_offset.start = PageStart::Offset(5);
    let page = store.search(&by_offset).await.unwrap();
    assert_eq!(page.hits.len(), 5);
    assert_eq!(page.total, 25 + published as u64);

    let mut bad = query(None);
    bad.start = PageStart::Cursor("not-a-cursor".to_owned());
    assert!(matches!(
        store.search(&bad).await,
        Err(StoreError::Missing(_))
    ));
}

/// Each write records its event (numbered in order) and audit entry.
pub async fn events_and_audit_follow_writes(store: &dyn SkillStore) {
    let skill = create_skill(
        store,
        "acme/evented",
        new_version("1.0.0", "a", "x", &[], T0),
    )
    .await;
    add_version(store, &skill, new_version("1.1.0", "b", "x", &[], T0 + 1))
        .await
        .unwrap();
    store
        .set_yanked(
            &skill.uid,
            &ver("1.0.0"),
            true,
            &audit("yank", "acme/evented@1.0.0", T0 + 2),
            &WriteRight::Admin,
        )
        .await
        .unwrap();
    let events = store.events_after(0, 10).await.unwrap();
    let summary: Vec<(EventKind, String, String)> = events
        .iter()
        .map(|e| (e.kind, e.skill.to_string(), e.version.to_string()))
        .collect();
    assert_eq!(
        summary,
        [
            (
                EventKind::SkillCreated,
                "acme/evented".to_owned(),
                "1.0.0".to_owned()
            ),
            (
                EventKind::SkillUpdated,
                "acme/evented".to_owned(),
                "1.1.0".to_owned()
            ),
            (
                EventKind::SkillYanked,
                "acme/evented".to_owned(),
                "1.0.0".to_owned()
            ),
        ]
    );
    assert!(events.windows(2).all(|w| w[0].sequence < w[1].sequence));
    let after_first = store.events_after(events[0].sequence, 10).await.unwrap();
    assert_eq!(after_first.len(), 2);
    assert_eq!(store.events_after(0, 1).await.unwrap().len(), 1);
    let audit_log = store.audit_log(10).await.unwrap();
    assert_eq!(audit_log.len(), 3);
    assert_eq!(audit_log[0].action, "yank", "newest first");
}

/// A plain name finds its skills in every namespace.
pub async fn skills_named_across_namespaces(store: &dyn SkillStore) {
    create_skill(store, "acme/pdf", new_version("1.0.0", "a", "x", &[], T0)).await;
    create_skill(
        store,
        "other/team/pdf",
        new_version("1.0.0", "b", "x", &[], T0),
    )
    .await;
    create_skill(
        store,
        "acme/pdf-extra",
        new_version("1.0.0", "c", "x", &[], T0),
    )
    .await;
    let named: Vec<String> = store
        .skills_named(&"pdf".parse().unwrap())
        .await
        .unwrap()
        .iter()
        .map(|s| s.id.to_string())
        .collect();
    assert_eq!(named, ["acme/pdf", "other/team/pdf"]);
}

/// Versions are found by their package id; the same content released again shares the id,
/// and the lookup answers with the version published last.
pub async fn versions_are_found_by_package_id(store: &dyn SkillStore) {
    use skillreg_core::package::package_id;
    let first = new_version("1.0.0", "same files", "pdf tools", &[], T0);
    let skill = create_skill(store, "acme/pdf", first.clone()).await;
    let id = package_id(&skill.id, &first);
    let (found_skill, found) = store.version_by_package_id(&id).await.unwrap().unwrap();
    assert_eq!(found_skill, skill);
    assert_eq!(found.version().to_string(), "1.0.0");

    // Same content, new version, later: same id, and the later version answers.
    let again = new_version("1.1.0", "same files", "pdf tools", &[], T0 + DAY);
    assert_eq!(package_id(&skill.id, &again), id);
    add_version(store, &skill, again).await.unwrap();
    let (_, found) = store.version_by_package_id(&id).await.unwrap().unwrap();
    assert_eq!(found.version().to_string(), "1.1.0");

    // Other content has another id.
    let other = new_version("2.0.0", "other files", "pdf tools", &[], T0 + 2 * DAY);
    let other_id = package_id(&skill.id, &other);
    assert_ne!(other_id, id);
    add_version(store, &skill, other).await.unwrap();
    let (_, found) = store
        .version_by_package_id(&other_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found.version().to_string(), "2.0.0");

    let unknown: skillreg_core::package::PackageId =
        "pkg_skl_0000000000000000000000000000000000000000"
            .parse()
            .unwrap();
    assert!(
        store
            .version_by_package_id(&unknown)
            .await
            .unwrap()
            .is_none()
    );
}

/// A batch of download counts is counted whole; counts of unknown skills are dropped.
pub async fn batched_downloads_are_counted(store: &dyn SkillStore) {
    use skillreg_core::ports::DownloadCount;
    let version = new_version("1.0.0", "files", "pdf tools", &[], T0);
    let skill = create_skill(store, "acme/pdf", version.clone()).await;
    let batch = [
        DownloadCount {
            skill: skill.uid.clone(),
            version: version.version.clone(),
            at: at(T0),
            count: 3,
        },
        DownloadCount {
            skill: skill.uid.clone(),
            version: version.version.clone(),
            at: at(T0 + DAY),
            count: 2,
        },
        DownloadCount {
            skill: "no-such-skill".parse().unwrap(),
            version: version.version.clone(),
            at: at(T0),
            count: 7,
        },
    ];
    store.record_downloads(&batch).await.unwrap();
    assert_eq!(store.download_count(&skill.uid).await.unwrap(), 5);
    let trending = store.trending(at(T0 + DAY), 10).await.unwrap();
    assert_eq!(trending.len(), 1);
    assert_eq!(trending[0].installs, 2, "counted on the day of each entry");
    store.record_downloads(&[]).await.unwrap();
    assert_eq!(store.download_count(&skill.uid).await.unwrap(), 5);
}
