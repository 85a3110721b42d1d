//! Skills and versions: immutability, identity, lookups by key, package id and batch, the rights a write relies on, yanks and deprecations.

use super::*;

/// A write relies on a right (membership, or maintaining the skill) that the store checks
/// again in the write's transaction: once a member is removed, their writes already under
/// way fail with `RightEnded` and change nothing.
pub async fn rights_are_checked_in_the_write(store: &dyn SkillStore) {
    let acme: Namespace = "acme".parse().unwrap();
    store
        .create_namespace(
            &acme,
            &user("alice"),
            Visibility::Public,
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
