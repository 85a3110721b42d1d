//! The event outbox and the audit log follow the writes.

use super::*;

/// Each write records its event (numbered in order) and audit entry.
pub async fn events_and_audit_follow_writes(store: &dyn SkillStore) {
    assert_eq!(store.last_event().await.unwrap(), 0, "no event yet");
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
        .map(|e| match &e.subject {
            skillreg_core::model::EventSubject::Version { skill, version } => {
                (e.kind, skill.to_string(), version.to_string())
            }
            other => panic!("a skill's write made an event about {other:?}"),
        })
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
    assert_eq!(store.last_event().await.unwrap(), events[2].sequence);
    let audit_log = store.audit_log(10).await.unwrap();
    assert_eq!(audit_log.len(), 3);
    assert_eq!(audit_log[0].action, "yank", "newest first");
}
