//! The contract of a version's audit after publish: changes made from a revision, the
//! verdict in search, and the walk over versions due for a rescan.

use skillreg_core::audit::{Audited, Override, Verdict};
use skillreg_core::model::{EventKind, SkillUid};
use skillreg_core::ports::{AuditWrite, SkillStore, StoreError, VersionCursor, WriteRight};

use super::*;

fn overridden(audit: &Audited, verdict: Verdict) -> Audited {
    Audited {
        overridden: Some(Override {
            verdict,
            note: "looked at it".to_owned(),
            by: user("root"),
            at: at(T0 + 5),
        }),
        ..audit.clone()
    }
}

fn audit_write(skill: &SkillUid, version: &str, audit: Audited, changed: bool) -> AuditWrite {
    AuditWrite {
        skill: skill.clone(),
        version: ver(version),
        audit,
        verdict_changed: changed,
        entry: Some(super::audit("audit.override", "acme/scan@1.0.0", T0 + 5)),
        at: at(T0 + 5),
        right: WriteRight::Admin,
    }
}

/// A change applies only at the revision it was made from, moves the revision on, records
/// its event and entry, and shows in search; a change from an old revision changes nothing.
pub async fn audit_changes_apply_at_their_revision(store: &dyn SkillStore) {
    let skill = create_skill(store, "acme/scan", new_version("1.0.0", "s", "x", &[], T0)).await;
    let stored = || async {
        store
            .version(&skill.uid, &ver("1.0.0"))
            .await
            .unwrap()
            .unwrap()
            .published
            .audit
            .unwrap()
    };
    let first = stored().await;
    assert_eq!(first.revision, 0);
    let blocked = overridden(&first, Verdict::Block);
    assert!(
        store
            .write_audit(&audit_write(&skill.uid, "1.0.0", blocked.clone(), true))
            .await
            .unwrap()
    );
    let second = stored().await;
    assert_eq!(second.revision, 1);
    assert_eq!(second.verdict(), Verdict::Block);
    assert_eq!(second.overridden, blocked.overridden);
    assert_eq!(second.findings, first.findings);

    // Made from revision 0, which is gone: nothing changes, no event, no entry.
    let stale = overridden(&first, Verdict::Pass);
    assert!(
        !store
            .write_audit(&audit_write(&skill.uid, "1.0.0", stale, true))
            .await
            .unwrap()
    );
    assert_eq!(stored().await, second);
    let kinds: Vec<EventKind> = store
        .events_after(0, 10)
        .await
        .unwrap()
        .iter()
        .map(|e| e.kind)
        .collect();
    assert_eq!(kinds, [EventKind::SkillCreated, EventKind::VerdictChanged]);
    let actions: Vec<String> = store
        .audit_log(10)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert_eq!(actions.iter().filter(|a| *a == "audit.override").count(), 1);

    let page = store
        .search(&SearchQuery {
            text: None,
            tags: Vec::new(),
            namespace: None,
            min_rating: None,
            sort: SearchSort::Newest,
            start: PageStart::Offset(0),
            limit: 10,
            trending_since: at(T0),
            hidden: Vec::new(),
        })
        .await
        .unwrap();
    assert_eq!(page.hits[0].verdict, Some(Verdict::Block));

    let missing = store
        .write_audit(&audit_write(&skill.uid, "9.9.9", second.clone(), false))
        .await;
    assert!(
        matches!(missing, Err(StoreError::Missing(_))),
        "{missing:?}"
    );
    let mut outsider = audit_write(&skill.uid, "1.0.0", second, false);
    outsider.right = WriteRight::Maintainer {
        namespace: "acme".parse().unwrap(),
        user: user("mallory"),
        creator: user("alice"),
    };
    let ended = store.write_audit(&outsider).await;
    assert!(matches!(ended, Err(StoreError::RightEnded)), "{ended:?}");
    assert_eq!(stored().await.revision, 1);
}

/// The walk over versions due for a rescan: those not stamped as asked (never audited
/// included), in cursor order, a page at a time, none repeated or skipped.
pub async fn stale_audits_are_walked_in_order(store: &dyn SkillStore) {
    let b = create_skill(store, "acme/b", new_version("1.0.0", "b1", "x", &[], T0)).await;
    add_version(store, &b, new_version("1.10.0", "b2", "x", &[], T0 + 1))
        .await
        .unwrap();
    add_version(store, &b, new_version("1.2.0", "b3", "x", &[], T0 + 2))
        .await
        .unwrap();
    let mut unaudited = new_version("1.0.0", "a1", "x", &[], T0 + 3);
    unaudited.audit = None;
    let a = create_skill(store, "acme/a", unaudited).await;
    let current = new_version("1.0.0", "c", "x", &[], T0)
        .audit
        .unwrap()
        .stamp();
    let walk = |after: Option<VersionCursor>| async move {
        store
            .stale_audits("1:another-policy", after.as_ref(), 2)
            .await
            .unwrap()
            .iter()
            .map(VersionCursor::after)
            .collect::<Vec<_>>()
    };
    let first = walk(None).await;
    let second = walk(first.last().cloned()).await;
    let third = walk(second.last().cloned()).await;
    let mut all: Vec<VersionCursor> = [first.clone(), second.clone(), third.clone()].concat();
    let mut expected = vec![
        VersionCursor {
            skill: a.uid.clone(),
            version: "1.0.0".to_owned(),
        },
        VersionCursor {
            skill: b.uid.clone(),
            version: "1.0.0".to_owned(),
        },
        VersionCursor {
            skill: b.uid.clone(),
            version: "1.10.0".to_owned(),
        },
        VersionCursor {
            skill: b.uid.clone(),
            version: "1.2.0".to_owned(),
        },
    ];
    expected.sort();
    assert_eq!((first.len(), second.len(), third.len()), (2, 2, 0));
    assert_eq!(all, expected, "pages in cursor order, none repeated");
    all.clear();
    // Under the stamp they were audited with, only the never-audited one is due.
    let due: Vec<VersionCursor> = store
        .stale_audits(&current, None, 10)
        .await
        .unwrap()
        .iter()
        .map(VersionCursor::after)
        .collect();
    assert_eq!(
        due,
        [VersionCursor {
            skill: a.uid.clone(),
            version: "1.0.0".to_owned()
        }]
    );
    let cursor: VersionCursor = due[0].to_string().parse().unwrap();
    assert_eq!(cursor, due[0]);
}
