//! The core use cases over the real stores: what the contract suite checks port by port,
//! seen end to end (publish, import with every policy, yank, ratings).

use std::sync::Arc;

use skillreg_core::auth::Actor;
use skillreg_core::conflict::ConflictPolicy;
use skillreg_core::model::TokenScope;
use skillreg_core::ports::{BlobStore, SkillStore};
use skillreg_core::usecases::{
    BundleInput, ImportOutcome, ImportRequest, PublishOutcome, PublishRequest, Registry,
    RegistryConfig,
};
use skillreg_testkit::fakes::{ManualClock, MemoryBlobs, SequentialIds};
use skillreg_testkit::fixtures::{FIXTURE_SKILLS, load_fixture, skill_files};

use crate::support;

fn actor(user: &str) -> Actor {
    Actor::new(
        user.parse().unwrap(),
        vec![
            TokenScope::PublishNew,
            TokenScope::PublishUpdate,
            TokenScope::Yank,
            TokenScope::Rate,
        ],
        vec!["*".parse().unwrap()],
    )
}

fn registry(store: Arc<dyn SkillStore>, blobs: Arc<dyn BlobStore>) -> Registry {
    Registry::new(
        store,
        blobs,
        Arc::new(ManualClock::default()),
        Arc::new(SequentialIds::default()),
        RegistryConfig::default(),
    )
}

fn import(files: skillreg_core::bundle::FileSet, policy: ConflictPolicy) -> ImportRequest {
    ImportRequest {
        namespace: "acme".parse().unwrap(),
        files,
        folder_name: None,
        version: None,
        on_conflict: policy,
    }
}

async fn import_policies(store: Arc<dyn SkillStore>) {
    let registry = registry(Arc::clone(&store), Arc::new(MemoryBlobs::new()));
    let v1 = skill_files("pdf", "PDF tools", "", &[("old.txt", "1")]);
    let v2 = skill_files("pdf", "PDF tools", "", &[("new.txt", "2")]);
    let ImportOutcome::Created { skill: created, .. } = registry
        .import(&actor("alice"), import(v1.clone(), ConflictPolicy::Fail))
        .await
        .unwrap()
    else {
        panic!("first import creates")
    };
    assert!(matches!(
        registry
            .import(&actor("alice"), import(v1, ConflictPolicy::Fail))
            .await
            .unwrap(),
        ImportOutcome::Unchanged { .. }
    ));
    let ImportOutcome::Conflict(conflict) = registry
        .import(&actor("alice"), import(v2.clone(), ConflictPolicy::Fail))
        .await
        .unwrap()
    else {
        panic!("fail reports the conflict")
    };
    assert!(conflict.can_overwrite);
    assert!(matches!(
        registry
            .import(&actor("alice"), import(v2.clone(), ConflictPolicy::Skip))
            .await
            .unwrap(),
        ImportOutcome::Skipped(_)
    ));
    store
        .set_member(&skillreg_core::ports::MemberChange {
            namespace: "acme".parse().unwrap(),
            user: "bob".parse().unwrap(),
            role: Some(skillreg_core::model::Role::Member),
            by_owner: None,
            audit: skillreg_core::model::AuditEntry {
                actor: "alice".parse().unwrap(),
                action: "member.member".to_owned(),
                target: "acme:bob".to_owned(),
                at: skillreg_core::model::Timestamp::default(),
            },
        })
        .await
        .unwrap();
    let ImportOutcome::Conflict(refused) = registry
        .import(&actor("bob"), import(v2.clone(), ConflictPolicy::Overwrite))
        .await
        .unwrap()
    else {
        panic!("a member who did not create the skill cannot overwrite")
    };
    assert!(!refused.can_overwrite);
    let ImportOutcome::Overwritten { skill, version } = registry
        .import(
            &actor("alice"),
            import(v2.clone(), ConflictPolicy::Overwrite),
        )
        .await
        .unwrap()
    else {
        panic!("the creator overwrites")
    };
    assert_eq!(skill, created, "same uid, creator and creation time");
    assert_eq!(
        store.skill(&created.id).await.unwrap(),
        Some(created.clone())
    );
    assert_eq!(version.version().to_string(), "0.1.1");
    let ImportOutcome::Created {
        skill: renamed,
        renamed: true,
        ..
    } = registry
        .import(
            &actor("bob"),
            import(
                skill_files("pdf", "PDF tools", "", &[("b.txt", "b")]),
                ConflictPolicy::Rename,
            ),
        )
        .await
        .unwrap()
    else {
        panic!("rename creates under a new name")
    };
    assert_eq!(renamed.id.to_string(), "acme/pdf-2");
}

#[tokio::test]
async fn import_policies_over_sqlite() {
    let store = support::sqlite().await;
    import_policies(Arc::new(store.store.clone())).await;
}

#[tokio::test]
async fn import_policies_over_postgres() {
    import_policies(Arc::new(support::postgres().await)).await;
}

/// The fixture skills published into PostgreSQL and a blob folder, resolved and fetched
/// back with matching digests.
#[tokio::test]
async fn fixtures_round_trip_through_postgres_and_a_blob_folder() {
    let dir = tempfile::tempdir().unwrap();
    let blobs: Arc<dyn BlobStore> =
        Arc::new(skillreg_adapters::FsBlobStore::open(dir.path()).unwrap());
    let store: Arc<dyn SkillStore> = Arc::new(support::postgres().await);
    let registry = registry(Arc::clone(&store), Arc::clone(&blobs));
    for name in FIXTURE_SKILLS {
        let files = load_fixture(name);
        let request = PublishRequest {
            namespace: "anthropic".parse().unwrap(),
            bundle: BundleInput::Files(files.clone()),
            version: Some("1.0.0".parse().unwrap()),
            signatures: Vec::new(),
        };
        assert!(matches!(
            registry.publish(&actor("alice"), request).await.unwrap(),
            PublishOutcome::Created { .. }
        ));
        let id = format!("anthropic/{name}").parse().unwrap();
        let (_, version) = registry
            .resolve_version(None, &id, &skillreg_core::VersionReq::Latest)
            .await
            .unwrap();
        let archive = blobs
            .get(&version.published.archive_digest)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            skillreg_core::Digest::of(&archive),
            version.published.archive_digest
        );
        let read = skillreg_core::bundle::read_archive(&archive, &Default::default()).unwrap();
        assert_eq!(read.content_digest(), files.content_digest(), "{name}");
    }
}
