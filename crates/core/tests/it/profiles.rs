//! Agent profiles through the use cases: who may create and change one, what a reader sees
//! of it, and that every refusal leaves the profile as it was.

use skillreg_core::auth::{AccessError, Actor, Visibility};
use skillreg_core::model::{EventKind, EventSubject, TokenScope};
use skillreg_core::profile::{MAX_PROFILE_DESCRIPTION, ProfileId, ProfileRecord};
use skillreg_core::usecases::RegistryError;
use skillreg_core::{SkillId, VersionReq};
use skillreg_testkit::TestRegistry;

use crate::{actor, id, publish_version};

fn profile(text: &str) -> ProfileId {
    text.parse().unwrap()
}

fn namespace_admin(user: &str) -> Actor {
    Actor::new(
        user.parse().unwrap(),
        vec![TokenScope::NamespaceAdmin, TokenScope::PublishNew],
        vec!["*".parse().unwrap()],
    )
}

fn skills(record: &ProfileRecord) -> Vec<(String, String)> {
    record
        .entries
        .iter()
        .map(|e| (e.id.to_string(), e.request.to_string()))
        .collect()
}

/// `acme/pdf`, `acme/lint` (alice's, in a public `acme`) and `vault/secret` (alice's, in a
/// private `vault`).
async fn registry() -> TestRegistry {
    let t = TestRegistry::new();
    publish_version(&t, "acme", "pdf", "1.0.0", "PDF tools", "").await;
    publish_version(&t, "acme", "lint", "1.0.0", "Lints", "").await;
    publish_version(&t, "vault", "secret", "1.0.0", "Secret", "").await;
    t.registry
        .set_visibility(
            &namespace_admin("alice"),
            &"vault".parse().unwrap(),
            Visibility::Private,
        )
        .await
        .unwrap();
    t
}

async fn current(t: &TestRegistry, text: &str) -> ProfileRecord {
    t.registry
        .profile(Some(&actor("alice")), &profile(text))
        .await
        .unwrap()
}

#[tokio::test]
async fn members_create_and_edit_profiles_bound_by_skill() {
    let t = registry().await;
    let alice = actor("alice");
    let id = profile("acme/frontend");
    let created = t
        .registry
        .create_profile(&alice, &id, "  Frontend\n agent ")
        .await
        .unwrap();
    assert_eq!(created.revision, 1);
    assert_eq!(created.description, "Frontend agent");
    t.registry
        .add_to_profile(&alice, &id, &skill_id("acme/pdf"), &"^1".parse().unwrap())
        .await
        .unwrap();
    let after = t
        .registry
        .add_to_profile(&alice, &id, &skill_id("vault/secret"), &VersionReq::Latest)
        .await
        .unwrap();
    assert_eq!(after.revision, 3);
    assert_eq!(
        skills(&after),
        [
            ("acme/pdf".to_owned(), "^1".to_owned()),
            ("vault/secret".to_owned(), "latest".to_owned())
        ]
    );
    // A new version of a bound skill, and an import that overwrites it, keep the binding.
    let uid = after.entries[0].skill.clone();
    publish_version(&t, "acme", "pdf", "1.1.0", "PDF tools", "").await;
    assert_eq!(current(&t, "acme/frontend").await.entries[0].skill, uid);
    let overwrite = skillreg_core::usecases::ImportRequest {
        namespace: "acme".parse().unwrap(),
        files: skillreg_testkit::fixtures::skill_files(
            "pdf",
            "PDF tools, imported",
            "",
            &[("v.txt", "imported")],
        ),
        folder_name: Some("pdf".to_owned()),
        version: None,
        on_conflict: skillreg_core::conflict::ConflictPolicy::Overwrite,
    };
    let outcome = t.registry.import(&alice, overwrite).await.unwrap();
    assert!(
        matches!(
            outcome,
            skillreg_core::usecases::ImportOutcome::Overwritten { .. }
        ),
        "{outcome:?}"
    );
    let bound = current(&t, "acme/frontend").await;
    assert_eq!(bound.entries[0].skill, uid);
    assert_eq!(bound.entries[0].id, skill_id("acme/pdf"));
    // An outsider reads the profile without the private skill; the profile never says it
    // holds one.
    let outsider = t.registry.profile(None, &id).await.unwrap();
    assert_eq!(
        skills(&outsider),
        [("acme/pdf".to_owned(), "^1".to_owned())]
    );
    let listed = t.registry.profiles(None, None).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].entries.len(), 1);
    let removed = t
        .registry
        .remove_from_profile(&alice, &id, &skill_id("acme/pdf"))
        .await
        .unwrap();
    assert_eq!(removed.revision, 4);
    assert_eq!(
        skills(&removed),
        [("vault/secret".to_owned(), "latest".to_owned())]
    );
    // Every change is an event, with the revision it made, and an audit entry.
    let revisions: Vec<u64> = t
        .store_events()
        .await
        .into_iter()
        .filter(|e| e.kind == EventKind::ProfileUpdated)
        .filter_map(|e| match e.subject {
            EventSubject::Profile { revision, .. } => Some(revision),
            EventSubject::Version { .. } => None,
        })
        .collect();
    assert_eq!(revisions, [1, 2, 3, 4]);
}

/// A skill id (the tests' `id` is the profile's).
fn skill_id(text: &str) -> SkillId {
    id(text)
}

#[tokio::test]
async fn refused_profile_writes_change_nothing() {
    let t = registry().await;
    let alice = actor("alice");
    let id = profile("acme/frontend");
    t.registry.create_profile(&alice, &id, "").await.unwrap();
    let before = current(&t, "acme/frontend").await;
    let events_before = t.store_events().await.len();
    let read_only = Actor::new(
        "alice".parse().unwrap(),
        vec![TokenScope::Read],
        vec!["*".parse().unwrap()],
    );
    let elsewhere = Actor::new(
        "alice".parse().unwrap(),
        vec![TokenScope::PublishNew, TokenScope::PublishUpdate],
        vec!["other".parse().unwrap()],
    );
    let cases: Vec<(&str, RegistryError)> = vec![
        (
            "a non-member creates",
            t.registry
                .create_profile(&actor("bob"), &profile("acme/bobs"), "")
                .await
                .unwrap_err(),
        ),
        (
            "a non-member adds",
            t.registry
                .add_to_profile(
                    &actor("bob"),
                    &id,
                    &skill_id("acme/lint"),
                    &VersionReq::Latest,
                )
                .await
                .unwrap_err(),
        ),
        (
            "a read-only token adds",
            t.registry
                .add_to_profile(&read_only, &id, &skill_id("acme/lint"), &VersionReq::Latest)
                .await
                .unwrap_err(),
        ),
        (
            "a token for another namespace removes",
            t.registry
                .remove_from_profile(&elsewhere, &id, &skill_id("acme/lint"))
                .await
                .unwrap_err(),
        ),
        (
            "a profile in a namespace nobody made",
            t.registry
                .create_profile(&alice, &profile("ghost/frontend"), "")
                .await
                .unwrap_err(),
        ),
        (
            "the same profile again",
            t.registry
                .create_profile(&alice, &profile("acme/frontend"), "")
                .await
                .unwrap_err(),
        ),
        (
            "a description too long",
            t.registry
                .create_profile(
                    &alice,
                    &profile("acme/long"),
                    &"x".repeat(MAX_PROFILE_DESCRIPTION + 1),
                )
                .await
                .unwrap_err(),
        ),
        (
            "a skill that does not exist",
            t.registry
                .add_to_profile(&alice, &id, &skill_id("acme/none"), &VersionReq::Latest)
                .await
                .unwrap_err(),
        ),
        (
            "a private skill its editor may not see",
            t.registry
                .add_to_profile(
                    &actor("carol"),
                    &id,
                    &skill_id("vault/secret"),
                    &VersionReq::Latest,
                )
                .await
                .unwrap_err(),
        ),
        (
            "a skill it does not hold",
            t.registry
                .remove_from_profile(&alice, &id, &skill_id("acme/lint"))
                .await
                .unwrap_err(),
        ),
        (
            "a profile that does not exist",
            t.registry
                .add_to_profile(
                    &alice,
                    &profile("acme/none"),
                    &skill_id("acme/lint"),
                    &VersionReq::Latest,
                )
                .await
                .unwrap_err(),
        ),
    ];
    let kinds: Vec<(&str, String)> = cases
        .iter()
        .map(|(case, error)| {
            let kind = match error {
                RegistryError::Access(AccessError::NotAMember { .. }) => "not a member",
                RegistryError::Access(AccessError::MissingScope { .. }) => "missing scope",
                RegistryError::Access(AccessError::NamespaceNotAllowed { .. }) => {
                    "namespace not allowed"
                }
                RegistryError::NamespaceNotFound(_) => "no namespace",
                RegistryError::ProfileTaken(_) => "taken",
                RegistryError::Invalid(_) => "invalid",
                RegistryError::SkillNotFound(_) => "no skill",
                RegistryError::NotInProfile { .. } => "not in profile",
                RegistryError::ProfileNotFound(_) => "no profile",
                other => panic!("{case}: {other}"),
            };
            (*case, kind.to_owned())
        })
        .collect();
    let expected = [
        "not a member",
        "not a member",
        "missing scope",
        "namespace not allowed",
        "no namespace",
        "taken",
        "invalid",
        "no skill",
        "not a member",
        "not in profile",
        "no profile",
    ];
    for ((case, kind), want) in kinds.iter().zip(expected) {
        assert_eq!(kind, want, "{case}");
    }
    assert_eq!(current(&t, "acme/frontend").await, before);
    assert_eq!(t.store_events().await.len(), events_before, "no event");
    assert!(
        t.registry
            .profiles(Some(&alice), None)
            .await
            .unwrap()
            .iter()
            .all(|p| p.id.to_string() == "acme/frontend"),
        "no profile was created"
    );
    let message = cases[9].1.to_string();
    assert_eq!(message, "profile `acme/frontend` does not hold `acme/lint`");
}

#[tokio::test]
async fn a_private_namespaces_profiles_are_not_found_by_outsiders() {
    let t = registry().await;
    let alice = actor("alice");
    let id = profile("vault/team");
    t.registry.create_profile(&alice, &id, "").await.unwrap();
    let error = t
        .registry
        .profile(Some(&actor("bob")), &id)
        .await
        .unwrap_err();
    assert_eq!(error.to_string(), "profile `vault/team` not found");
    assert!(t.registry.profiles(None, None).await.unwrap().is_empty());
    assert_eq!(
        t.registry.profiles(Some(&alice), None).await.unwrap().len(),
        1
    );
}

#[tokio::test]
async fn a_moved_skill_stays_in_its_profiles() {
    let t = registry().await;
    let alice = actor("alice");
    let id = profile("acme/frontend");
    t.registry.create_profile(&alice, &id, "").await.unwrap();
    t.registry
        .add_to_profile(&alice, &id, &skill_id("acme/pdf"), &VersionReq::Latest)
        .await
        .unwrap();
    publish_version(&t, "team", "other", "1.0.0", "Other", "").await;
    publish_version(&t, "taken", "pdf", "1.0.0", "Taken", "").await;
    let team = "team".parse().unwrap();
    let refusals = [
        t.registry
            .move_skill(&actor("bob"), &skill_id("acme/pdf"), &team)
            .await
            .unwrap_err()
            .to_string(),
        t.registry
            .move_skill(&alice, &skill_id("acme/pdf"), &"ghost".parse().unwrap())
            .await
            .unwrap_err()
            .to_string(),
        t.registry
            .move_skill(&alice, &skill_id("acme/pdf"), &"acme".parse().unwrap())
            .await
            .unwrap_err()
            .to_string(),
        t.registry
            .move_skill(&alice, &skill_id("acme/pdf"), &"taken".parse().unwrap())
            .await
            .unwrap_err()
            .to_string(),
        t.registry
            .move_skill(&alice, &skill_id("acme/none"), &team)
            .await
            .unwrap_err()
            .to_string(),
    ];
    assert_eq!(
        refusals,
        [
            "`bob` does not maintain `acme/pdf`: only the namespace's owners and the skill's \
             creator (while a member) may change it",
            "namespace `ghost` not found",
            "`acme/pdf` is in namespace `acme` already",
            "skill `taken/pdf` already exists",
            "skill `acme/none` not found",
        ]
    );
    assert_eq!(
        skills(&current(&t, "acme/frontend").await),
        [("acme/pdf".to_owned(), "latest".to_owned())],
        "a refused move changes nothing"
    );
    let moved = t
        .registry
        .move_skill(&alice, &skill_id("acme/pdf"), &team)
        .await
        .unwrap();
    assert_eq!(moved.id, skill_id("team/pdf"));
    assert_eq!(
        skills(&current(&t, "acme/frontend").await),
        [("team/pdf".to_owned(), "latest".to_owned())],
        "the binding follows the move"
    );
    let error = t
        .registry
        .skill(None, &skill_id("acme/pdf"))
        .await
        .unwrap_err();
    assert!(matches!(error, RegistryError::SkillNotFound(_)), "{error}");
    let (_, version) = t
        .registry
        .resolve_version(None, &skill_id("team/pdf"), &VersionReq::Latest)
        .await
        .unwrap();
    assert_eq!(version.version().to_string(), "1.0.0");
    let last = t.store_events().await.pop().unwrap();
    assert_eq!(last.kind, EventKind::SkillMoved);
    assert_eq!(last.subject.id(), "team/pdf");
}
