//! The transparency log follows the writes that change what a client may install, in the
//! same transaction, at indexes without gaps.

use skillreg_core::log::{EntryKind, LogEntry, leaf_hash};

use super::*;

async fn entries(store: &dyn SkillStore) -> Vec<(u64, LogEntry)> {
    let stored = store.log_entries(0, 1000).await.unwrap();
    let leaves = store.log_leaves(0, 1000).await.unwrap();
    assert_eq!(stored.len(), leaves.len());
    stored
        .into_iter()
        .zip(leaves)
        .map(|(entry, leaf)| {
            assert_eq!(entry.leaf, leaf_hash(&entry.bytes), "entry {}", entry.index);
            assert_eq!(entry.leaf, leaf, "entry {}", entry.index);
            (entry.index, LogEntry::parse(&entry.bytes).unwrap())
        })
        .collect()
}

fn kinds(entries: &[(u64, LogEntry)]) -> Vec<(u64, EntryKind, String)> {
    entries
        .iter()
        .map(|(index, e)| (*index, e.kind, e.id.to_string()))
        .collect()
}

/// Publishes, yanks, unyanks, deprecations and moves each append their entry; writes that
/// fail or change nothing append none; a version points at the entry that placed it.
pub async fn the_log_follows_installable_changes(store: &dyn SkillStore) {
    assert_eq!(store.log_size().await.unwrap(), 0);
    let first = new_version("1.0.0", "l1", "logged", &[], T0);
    let skill = create_skill(store, "acme/logged", first.clone()).await;
    let second = new_version("1.1.0", "l2", "logged", &[], T0 + 1);
    assert_eq!(add_version(store, &skill, second.clone()).await, Ok(1));
    // A version stored already, and a right that ended: nothing appended.
    assert!(matches!(
        add_version(store, &skill, new_version("1.1.0", "l3", "x", &[], T0 + 2)).await,
        Err(StoreError::VersionExists { .. })
    ));
    let mut gone = write(
        SkillTarget::Existing {
            uid: skill.uid.clone(),
            expected_creator: skill.created_by.clone(),
        },
        new_version("1.2.0", "l4", "x", &[], T0 + 2),
        EventKind::SkillUpdated,
    );
    gone.right = WriteRight::Member {
        namespace: "nobody-here".parse().unwrap(),
        user: user("mallory"),
    };
    assert_eq!(
        store.write_version(&gone).await,
        Err(StoreError::RightEnded)
    );
    assert_eq!(store.log_size().await.unwrap(), 2);

    let v100 = ver("1.0.0");
    let admin = WriteRight::Admin;
    let yank = |yanked, when| audit(if yanked { "yank" } else { "unyank" }, "x", when);
    for (yanked, when) in [(true, T0 + 3), (true, T0 + 4), (false, T0 + 5)] {
        store
            .set_yanked(&skill.uid, &v100, yanked, &yank(yanked, when), &admin)
            .await
            .unwrap();
    }
    let deprecate = audit("deprecate", "acme/logged", T0 + 6);
    for message in [Some("use acme/other"), Some("use acme/other"), None] {
        store
            .set_deprecation(&skill.uid, message, &deprecate, &admin)
            .await
            .unwrap();
    }
    store
        .move_skill(
            &skill.uid,
            &id("tools/logged"),
            &audit("move", "acme/logged", T0 + 7),
            &admin,
        )
        .await
        .unwrap();

    let log = entries(store).await;
    assert_eq!(
        kinds(&log),
        [
            (0, EntryKind::Publish, "acme/logged".to_owned()),
            (1, EntryKind::Publish, "acme/logged".to_owned()),
            (2, EntryKind::Yank, "acme/logged".to_owned()),
            (3, EntryKind::Unyank, "acme/logged".to_owned()),
            (4, EntryKind::Deprecate, "acme/logged".to_owned()),
            (5, EntryKind::Undeprecate, "acme/logged".to_owned()),
            (6, EntryKind::Move, "tools/logged".to_owned()),
            (7, EntryKind::Move, "tools/logged".to_owned()),
        ]
    );
    assert_eq!(log[0].1, LogEntry::published(&id("acme/logged"), &first));
    assert_eq!(
        log[7].1,
        LogEntry::moved(&id("acme/logged"), &id("tools/logged"), &second, at(T0 + 7))
    );
    assert_eq!(log[4].1.message.as_deref(), Some("use acme/other"));
    let stored = store.log_entries(6, 1).await.unwrap();
    assert_eq!(
        stored[0].namespaces,
        vec!["tools".parse().unwrap(), "acme".parse().unwrap()]
    );
    let versions = store.versions(&skill.uid).await.unwrap();
    let placed: Vec<Option<u64>> = versions.iter().map(|v| v.log_index).collect();
    assert_eq!(placed, [Some(6), Some(7)]);
    assert_eq!(store.log_entries(3, 2).await.unwrap().len(), 2);
    assert_eq!(store.log_entries(3, 2).await.unwrap()[0].index, 3);
    assert!(store.log_entries(8, 10).await.unwrap().is_empty());
    assert_eq!(store.log_size().await.unwrap(), 8);
}

/// Sixteen publishes at once take sixteen indexes, each once, with no gap, and each
/// version points at its own entry.
pub async fn concurrent_appends_leave_no_gap(store: &dyn SkillStore) {
    let writes = (0..16).map(|i| {
        let record = skill_record(&format!("acme/racer-{i}"), "alice", T0);
        let version = new_version("1.0.0", &format!("r{i}"), "race", &[], T0 + i);
        let mut write = write(SkillTarget::New(record), version, EventKind::SkillCreated);
        write.package_id =
            skillreg_core::package::package_id(&id(&format!("acme/racer-{i}")), &write.version);
        write
    });
    let results = futures::future::join_all(
        writes.map(|write| async move { (store.write_version(&write).await, write) }),
    )
    .await;
    let mut indexes = BTreeSet::new();
    for (result, write) in results {
        let index = result.unwrap();
        assert!(indexes.insert(index), "index {index} given twice");
        let entry = &store.log_entries(index, 1).await.unwrap()[0];
        let SkillTarget::New(record) = &write.target else {
            unreachable!()
        };
        assert_eq!(
            LogEntry::parse(&entry.bytes).unwrap(),
            LogEntry::published(&record.id, &write.version)
        );
    }
    assert_eq!(indexes, (0..16).collect());
    assert_eq!(store.log_size().await.unwrap(), 16);
}

/// The first key claimed signs the log; a later claim gets that one back.
pub async fn the_log_key_is_claimed_once(store: &dyn SkillStore) {
    assert_eq!(
        store.claim_log_key("first+00000000+AQ").await.unwrap(),
        "first+00000000+AQ"
    );
    assert_eq!(
        store.claim_log_key("second+00000000+AQ").await.unwrap(),
        "first+00000000+AQ"
    );
    assert_eq!(
        store.claim_log_key("first+00000000+AQ").await.unwrap(),
        "first+00000000+AQ"
    );
}
