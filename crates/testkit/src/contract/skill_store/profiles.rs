//! Agent profiles: created once, edited by skill uid, each change a revision with its event
//! and audit entry.

use skillreg_core::model::EventSubject;
use skillreg_core::ports::{NewProfile, ProfileEdit};
use skillreg_core::profile::{ProfileChange, ProfileId, ProfileRecord};
use skillreg_core::version::VersionReq;

use super::*;

fn profile_id(text: &str) -> ProfileId {
    text.parse().expect("valid profile id")
}

fn new_profile(text: &str, when: i64) -> NewProfile {
    NewProfile {
        id: profile_id(text),
        description: "Frontend agent".to_owned(),
        created_by: user("alice"),
        at: at(when),
        audit: audit("profile.create", text, when),
    }
}

fn edit(text: &str, change: ProfileChange, when: i64) -> ProfileEdit {
    ProfileEdit {
        id: profile_id(text),
        change,
        at: at(when),
        audit: audit("profile.change", text, when),
    }
}

fn put(skill: &SkillRecord, request: &str) -> ProfileChange {
    ProfileChange::Put {
        skill: skill.uid.clone(),
        request: request.parse::<VersionReq>().expect("valid request"),
    }
}

fn entries(record: &ProfileRecord) -> Vec<(String, String)> {
    record
        .entries
        .iter()
        .map(|e| (e.id.to_string(), e.request.to_string()))
        .collect()
}

/// A profile is created once (by lookup key), at revision 1, with its event and audit
/// entry, and listed by namespace.
pub async fn profiles_are_created_once_and_listed(store: &dyn SkillStore) {
    let created = store
        .create_profile(&new_profile("acme/front-end", T0))
        .await
        .unwrap();
    assert_eq!(created.revision, 1);
    assert!(created.entries.is_empty());
    assert_eq!(
        store
            .create_profile(&new_profile("acme/front_end", T0 + 1))
            .await,
        Err(StoreError::ProfileExists(profile_id("acme/front_end"))),
        "one profile per lookup key"
    );
    store
        .create_profile(&new_profile("acme/web/backend", T0 + 2))
        .await
        .unwrap();
    store
        .create_profile(&new_profile("other/docs", T0 + 3))
        .await
        .unwrap();
    let read = store
        .profile(&profile_id("acme/front_end"))
        .await
        .unwrap()
        .expect("found by key");
    assert_eq!(read, created);
    assert_eq!(store.profile(&profile_id("acme/none")).await.unwrap(), None);
    let listed = |records: Vec<ProfileRecord>| -> Vec<String> {
        records.iter().map(|r| r.id.to_string()).collect()
    };
    assert_eq!(
        listed(store.profiles(None, 10).await.unwrap()),
        ["acme/front-end", "acme/web/backend", "other/docs"]
    );
    assert_eq!(
        listed(
            store
                .profiles(Some(&"acme".parse().unwrap()), 10)
                .await
                .unwrap()
        ),
        ["acme/front-end"],
        "one namespace, not those below it"
    );
    assert_eq!(store.profiles(None, 2).await.unwrap().len(), 2);
    let events = store.events_after(0, 10).await.unwrap();
    assert_eq!(events.len(), 3, "the refused create left no event");
    assert_eq!(events[0].kind, EventKind::ProfileUpdated);
    assert_eq!(
        events[0].subject,
        EventSubject::Profile {
            profile: profile_id("acme/front-end"),
            revision: 1
        }
    );
    assert_eq!(store.audit_log(10).await.unwrap().len(), 3);
}

/// Edits bind skills by uid: a new version keeps the binding; each edit is one revision
/// with its event; a refused edit changes nothing.
pub async fn profile_edits_bind_skill_uids(store: &dyn SkillStore) {
    let pdf = create_skill(store, "acme/pdf", new_version("1.0.0", "p", "x", &[], T0)).await;
    let lint = create_skill(store, "other/lint", new_version("1.0.0", "l", "x", &[], T0)).await;
    store
        .create_profile(&new_profile("acme/frontend", T0))
        .await
        .unwrap();
    let name = "acme/frontend";
    let after = store
        .change_profile(&edit(name, put(&pdf, "^1"), T0 + 1))
        .await
        .unwrap();
    assert_eq!(after.revision, 2);
    assert_eq!(after.updated_at, at(T0 + 1));
    let after = store
        .change_profile(&edit(name, put(&lint, "latest"), T0 + 2))
        .await
        .unwrap();
    assert_eq!(
        entries(&after),
        [
            ("acme/pdf".to_owned(), "^1".to_owned()),
            ("other/lint".to_owned(), "latest".to_owned())
        ]
    );
    let after = store
        .change_profile(&edit(name, put(&pdf, "1.0.0"), T0 + 3))
        .await
        .unwrap();
    assert_eq!(after.revision, 4);
    assert_eq!(
        after.entries.len(),
        2,
        "putting a held skill changes its request"
    );
    assert_eq!(entries(&after)[0].1, "=1.0.0");
    add_version(store, &pdf, new_version("1.1.0", "p2", "x", &[], T0 + 4))
        .await
        .unwrap();
    let read = store.profile(&profile_id(name)).await.unwrap().unwrap();
    assert_eq!(
        read.entries[0].skill, pdf.uid,
        "a new version keeps the binding"
    );
    let after = store
        .change_profile(&edit(
            name,
            ProfileChange::Remove {
                skill: lint.uid.clone(),
            },
            T0 + 5,
        ))
        .await
        .unwrap();
    assert_eq!(after.revision, 5);
    assert_eq!(
        entries(&after),
        [("acme/pdf".to_owned(), "=1.0.0".to_owned())]
    );
    let events_before = store.events_after(0, 100).await.unwrap().len();
    let audits_before = store.audit_log(100).await.unwrap().len();
    let again = store
        .change_profile(&edit(
            name,
            ProfileChange::Remove { skill: lint.uid },
            T0 + 6,
        ))
        .await;
    assert!(matches!(again, Err(StoreError::Missing(_))), "{again:?}");
    let ghost = "uid-ghost".parse::<SkillUid>().expect("valid uid");
    let gone = store
        .change_profile(&edit(
            name,
            ProfileChange::Put {
                skill: ghost,
                request: VersionReq::Latest,
            },
            T0 + 7,
        ))
        .await;
    assert_eq!(gone, Err(StoreError::SkillGone));
    let missing = store
        .change_profile(&edit("acme/none", put(&pdf, "latest"), T0 + 8))
        .await;
    assert!(
        matches!(missing, Err(StoreError::Missing(_))),
        "{missing:?}"
    );
    let read = store.profile(&profile_id(name)).await.unwrap().unwrap();
    assert_eq!(read.revision, 5, "refused edits raise no revision");
    assert_eq!(read.entries.len(), 1);
    assert_eq!(
        store.events_after(0, 100).await.unwrap().len(),
        events_before
    );
    assert_eq!(store.audit_log(100).await.unwrap().len(), audits_before);
    let revisions: Vec<u64> = store
        .events_after(0, 100)
        .await
        .unwrap()
        .into_iter()
        .filter_map(|e| match e.subject {
            EventSubject::Profile { revision, .. } => Some(revision),
            EventSubject::Version { .. } => None,
        })
        .collect();
    assert_eq!(revisions, [1, 2, 3, 4, 5]);
}

/// Concurrent edits of one profile each get a revision of their own.
pub async fn concurrent_profile_edits_get_their_own_revisions(store: &dyn SkillStore) {
    let mut skills = Vec::new();
    for n in 0..8 {
        let id = format!("acme/skill-{n}");
        skills.push(create_skill(store, &id, new_version("1.0.0", &id, "x", &[], T0)).await);
    }
    store
        .create_profile(&new_profile("acme/busy", T0))
        .await
        .unwrap();
    let edits: Vec<ProfileEdit> = skills
        .iter()
        .map(|skill| edit("acme/busy", put(skill, "latest"), T0 + 1))
        .collect();
    let results = futures::future::join_all(edits.iter().map(|e| store.change_profile(e))).await;
    let mut revisions: Vec<u64> = results.into_iter().map(|r| r.unwrap().revision).collect();
    revisions.sort_unstable();
    assert_eq!(revisions, (2..=9).collect::<Vec<u64>>());
    let read = store
        .profile(&profile_id("acme/busy"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(read.entries.len(), 8);
    assert_eq!(read.revision, 9);
}

/// A moved skill keeps its uid, so its versions, its ratings and the profiles bound to it
/// follow; its id, package ids and search entry change; a refused move changes nothing.
pub async fn a_moved_skill_keeps_its_uid_and_bindings(store: &dyn SkillStore) {
    use skillreg_core::package::package_id;
    let first = new_version("1.0.0", "m1", "movable tools", &[], T0);
    let pdf = create_skill(store, "acme/pdf", first.clone()).await;
    add_version(
        store,
        &pdf,
        new_version("1.1.0", "m2", "movable tools", &[], T0 + 1),
    )
    .await
    .unwrap();
    create_skill(store, "other/pdf", new_version("1.0.0", "o", "x", &[], T0)).await;
    let rating = RatingRecord {
        user: user("bob"),
        stars: Stars::from_half_stars(8).unwrap(),
        review: None,
        rated_at: at(T0),
    };
    store.put_rating(&pdf.uid, &rating).await.unwrap();
    store
        .create_profile(&new_profile("acme/frontend", T0))
        .await
        .unwrap();
    store
        .change_profile(&edit("acme/frontend", put(&pdf, "^1"), T0 + 2))
        .await
        .unwrap();
    let old_package = package_id(&pdf.id, &first);
    let events_before = store.events_after(0, 100).await.unwrap().len();

    let taken = store
        .move_skill(
            &pdf.uid,
            &id("other/pdf"),
            &audit("move", "acme/pdf", T0 + 3),
            &WriteRight::Admin,
        )
        .await;
    assert_eq!(
        taken,
        Err(StoreError::SkillExists {
            existing: id("other/pdf")
        })
    );
    let gone = store
        .move_skill(
            &"uid-ghost".parse().unwrap(),
            &id("team/ghost"),
            &audit("move", "ghost", T0 + 3),
            &WriteRight::Admin,
        )
        .await;
    assert_eq!(gone, Err(StoreError::SkillGone));
    assert!(store.skill(&id("acme/pdf")).await.unwrap().is_some());
    assert_eq!(
        store.events_after(0, 100).await.unwrap().len(),
        events_before
    );

    store
        .move_skill(
            &pdf.uid,
            &id("team/pdf"),
            &audit("move", "acme/pdf -> team/pdf", T0 + 4),
            &WriteRight::Admin,
        )
        .await
        .unwrap();
    assert_eq!(store.skill(&id("acme/pdf")).await.unwrap(), None);
    let moved = store.skill(&id("team/pdf")).await.unwrap().unwrap();
    assert_eq!(moved.uid, pdf.uid);
    assert_eq!(moved.id, id("team/pdf"));
    assert_eq!(
        store.skill_by_uid(&pdf.uid).await.unwrap().unwrap().id,
        id("team/pdf")
    );
    assert_eq!(store.versions(&pdf.uid).await.unwrap().len(), 2);
    assert_eq!(store.rating_summary(&pdf.uid).await.unwrap().count, 1);
    assert_eq!(
        store.version_by_package_id(&old_package).await.unwrap(),
        None
    );
    let (found, _) = store
        .version_by_package_id(&package_id(&id("team/pdf"), &first))
        .await
        .unwrap()
        .expect("found by its new package id");
    assert_eq!(found.uid, pdf.uid);
    let mut team = query(Some("movable"));
    team.namespace = Some("team".parse().unwrap());
    assert_eq!(hit_ids(&store.search(&team).await.unwrap()), ["team/pdf"]);
    let bound = store
        .profile(&profile_id("acme/frontend"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(entries(&bound), [("team/pdf".to_owned(), "^1".to_owned())]);
    let events = store.events_after(0, 100).await.unwrap();
    let last = events.last().unwrap();
    assert_eq!(last.kind, EventKind::SkillMoved);
    assert_eq!(
        last.subject,
        EventSubject::Version {
            skill: id("team/pdf"),
            version: ver("1.1.0")
        }
    );
    assert_eq!(store.audit_log(1).await.unwrap()[0].action, "move");
}
