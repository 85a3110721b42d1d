//! Publishing through the use case.

use skillreg_core::bundle::{BundleLimits, pack};
use skillreg_core::model::{EventKind, TokenScope};
use skillreg_core::usecases::{BundleInput, PublishOutcome, PublishRequest, RegistryError};
use skillreg_core::{Version, auth::AccessError, auth::Actor};
use skillreg_testkit::TestRegistry;
use skillreg_testkit::fixtures::skill_files;

use crate::actor;

fn request(
    namespace: &str,
    files: skillreg_core::bundle::FileSet,
    version: Option<&str>,
) -> PublishRequest {
    PublishRequest {
        namespace: namespace.parse().unwrap(),
        bundle: BundleInput::Files(files),
        version: version.map(|v| v.parse().unwrap()),
        signatures: Vec::new(),
    }
}

#[tokio::test]
async fn publish_creates_then_is_unchanged_then_conflicts() {
    let t = TestRegistry::new();
    let alice = actor("alice");
    let files = skill_files("pdf", "PDF tools", "", &[("run.py", "print(1)")]);
    let created = t
        .registry
        .publish(&alice, request("acme", files.clone(), Some("1.0.0")))
        .await
        .unwrap();
    let PublishOutcome::Created {
        published,
        created_skill: true,
    } = created
    else {
        panic!("{created:?}")
    };
    assert_eq!(published.skill.id.to_string(), "acme/pdf");
    assert_eq!(
        published.version.published.content_digest,
        files.content_digest()
    );
    assert!(
        t.blob_digests()
            .await
            .contains(&published.version.published.archive_digest)
    );

    let again = t
        .registry
        .publish(&alice, request("acme", files.clone(), Some("1.0.0")))
        .await
        .unwrap();
    assert!(matches!(again, PublishOutcome::Unchanged(_)), "{again:?}");

    let changed = skill_files("pdf", "PDF tools", "", &[("run.py", "print(2)")]);
    let conflict = t
        .registry
        .publish(&alice, request("acme", changed.clone(), Some("1.0.0")))
        .await
        .unwrap_err();
    assert!(
        matches!(conflict, RegistryError::VersionConflict { .. }),
        "{conflict}"
    );

    let next = t
        .registry
        .publish(&alice, request("acme", changed, Some("1.0.1")))
        .await
        .unwrap();
    assert!(matches!(
        next,
        PublishOutcome::Created {
            created_skill: false,
            ..
        }
    ));
    let kinds: Vec<EventKind> = t.store_events().await.into_iter().map(|e| e.kind).collect();
    assert_eq!(kinds, [EventKind::SkillCreated, EventKind::SkillUpdated]);
}

#[tokio::test]
async fn publish_reads_an_archive_and_repacks_it_canonically() {
    let t = TestRegistry::new();
    let files = skill_files("pdf", "PDF tools", "version: 2.1.0\n", &[]);
    let archive = pack(&files).unwrap();
    let outcome = t
        .registry
        .publish(
            &actor("alice"),
            PublishRequest {
                namespace: "acme".parse().unwrap(),
                bundle: BundleInput::Archive(archive.bytes().to_vec()),
                version: None,
                signatures: Vec::new(),
            },
        )
        .await
        .unwrap();
    let PublishOutcome::Created { published, .. } = outcome else {
        panic!()
    };
    assert_eq!(
        published.version.version(),
        &Version::new(2, 1, 0),
        "the manifest's version is used"
    );
    assert_eq!(
        &published.version.published.archive_digest,
        archive.digest()
    );
}

#[tokio::test]
async fn the_command_line_version_wins_and_one_is_required() {
    let t = TestRegistry::new();
    let files = skill_files("pdf", "PDF tools", "version: 2.1.0\n", &[]);
    let outcome = t
        .registry
        .publish(&actor("alice"), request("acme", files, Some("3.0.0")))
        .await
        .unwrap();
    let PublishOutcome::Created { published, .. } = outcome else {
        panic!()
    };
    assert_eq!(published.version.version().to_string(), "3.0.0");
    let unversioned = skill_files("docx", "Word tools", "", &[]);
    let error = t
        .registry
        .publish(&actor("alice"), request("acme", unversioned, None))
        .await
        .unwrap_err();
    assert!(
        matches!(&error, RegistryError::Invalid(m) if m.contains("no version")),
        "{error}"
    );
    assert!(
        t.store_events().await.len() == 1,
        "the refused publish recorded nothing"
    );
}

/// A version from `metadata.version`; without any, a published skill takes the version that
/// has the same bytes (a repeat changes nothing) or the next patch, and a new skill is
/// refused with the fix.
#[tokio::test]
async fn a_publish_without_a_version_repeats_or_takes_the_next_patch() {
    let t = TestRegistry::new();
    let alice = actor("alice");
    let version_of = |outcome: PublishOutcome| match outcome {
        PublishOutcome::Created { published, .. } => {
            ("created", published.version.version().to_string())
        }
        PublishOutcome::Unchanged(published) => {
            ("unchanged", published.version.version().to_string())
        }
    };
    let spec = skill_files("xlsx", "Sheets", "metadata:\n  version: 0.3.0\n", &[]);
    let outcome = t
        .registry
        .publish(&alice, request("acme", spec, None))
        .await
        .unwrap();
    assert_eq!(version_of(outcome), ("created", "0.3.0".to_owned()));

    let first = skill_files("pdf", "PDF tools", "", &[]);
    let error = t
        .registry
        .publish(&alice, request("acme", first.clone(), None))
        .await
        .unwrap_err();
    assert!(
        matches!(&error, RegistryError::Invalid(m) if m.contains("--version 0.1.0") && m.contains("metadata:")),
        "{error}"
    );
    let outcome = t
        .registry
        .publish(&alice, request("acme", first.clone(), Some("1.2.0")))
        .await
        .unwrap();
    assert_eq!(version_of(outcome), ("created", "1.2.0".to_owned()));
    let outcome = t
        .registry
        .publish(&alice, request("acme", first, None))
        .await
        .unwrap();
    assert_eq!(version_of(outcome), ("unchanged", "1.2.0".to_owned()));
    let changed = skill_files("pdf", "PDF tools", "", &[("notes.md", "more")]);
    let outcome = t
        .registry
        .publish(&alice, request("acme", changed.clone(), None))
        .await
        .unwrap();
    assert_eq!(version_of(outcome), ("created", "1.2.1".to_owned()));
    let outcome = t
        .registry
        .publish(&alice, request("acme", changed, None))
        .await
        .unwrap();
    assert_eq!(version_of(outcome), ("unchanged", "1.2.1".to_owned()));
}

/// Each hostile archive, published to a registry of its own, is refused for its own reason
/// and leaves no blob, no skill and no event behind.
#[tokio::test]
async fn hostile_archives_are_refused_and_leave_nothing() {
    use skillreg_core::bundle::BundleError;
    let files = skill_files("pdf", "PDF tools", "", &[("big.txt", &"x".repeat(10_000))]);
    let whole = pack(&files).unwrap().into_bytes();
    type Expected = fn(&BundleError) -> bool;
    let cases: Vec<(&str, Vec<u8>, u64, Expected)> = vec![
        ("over the archive limit", whole.clone(), 64, |e| {
            matches!(e, BundleError::ArchiveTooLarge { .. })
        }),
        (
            "truncated",
            whole[..whole.len() / 2].to_vec(),
            u64::MAX,
            |e| matches!(e, BundleError::CorruptArchive(_)),
        ),
        (
            "a `..` path",
            skillreg_testkit::fixtures::hostile_archive(b"../evil.sh", b'0'),
            u64::MAX,
            |e| matches!(e, BundleError::ParentComponent(p) if p == "../evil.sh"),
        ),
        (
            "a symlink",
            skillreg_testkit::fixtures::hostile_archive(b"link", b'2'),
            u64::MAX,
            |e| matches!(e, BundleError::Symlink(p) if p == "link"),
        ),
    ];
    for (what, bytes, max_archive_size, expected) in cases {
        let t = TestRegistry::with_config(skillreg_core::usecases::RegistryConfig {
            limits: BundleLimits {
                max_archive_size: max_archive_size.min(BundleLimits::default().max_archive_size),
                ..BundleLimits::default()
            },
            ..Default::default()
        });
        let error = t
            .registry
            .publish(
                &actor("alice"),
                PublishRequest {
                    namespace: "acme".parse().unwrap(),
                    bundle: BundleInput::Archive(bytes),
                    version: Some("1.0.0".parse().unwrap()),
                    signatures: Vec::new(),
                },
            )
            .await
            .unwrap_err();
        assert!(
            matches!(&error, RegistryError::Bundle(e) if expected(e)),
            "{what}: {error}"
        );
        assert!(t.blob_digests().await.is_empty(), "{what}: a blob was kept");
        assert!(
            t.store_events().await.is_empty(),
            "{what}: an event was kept"
        );
        assert!(
            skillreg_core::ports::CatalogStore::skill(
                t.store.as_ref(),
                &"acme/pdf".parse().unwrap()
            )
            .await
            .unwrap()
            .is_none(),
            "{what}: a skill was kept"
        );
    }
}

#[tokio::test]
async fn publishing_needs_scopes_and_membership() {
    let t = TestRegistry::new();
    let files = skill_files("pdf", "PDF tools", "", &[]);
    let reader = Actor::new(
        "reader".parse().unwrap(),
        vec![TokenScope::Rate],
        vec!["*".parse().unwrap()],
    );
    let error = t
        .registry
        .publish(&reader, request("acme", files.clone(), Some("1.0.0")))
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            RegistryError::Access(AccessError::MissingScope {
                scope: TokenScope::PublishNew
            })
        ),
        "{error}"
    );

    t.registry
        .publish(
            &actor("alice"),
            request("acme", files.clone(), Some("1.0.0")),
        )
        .await
        .unwrap();
    let error = t
        .registry
        .publish(&actor("bob"), request("acme", files.clone(), Some("1.0.1")))
        .await
        .unwrap_err();
    assert!(
        matches!(error, RegistryError::Access(AccessError::NotAMember { .. })),
        "{error}"
    );
    let error = t
        .registry
        .publish(
            &actor("bob"),
            request("acme/sub", files.clone(), Some("1.0.0")),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(error, RegistryError::Access(AccessError::NotAMember { .. })),
        "bob may not squat under acme: {error}"
    );
    let error = t
        .registry
        .publish(&actor("bob"), request("admin", files, Some("1.0.0")))
        .await
        .unwrap_err();
    assert!(
        matches!(error, RegistryError::Access(AccessError::Reserved { .. })),
        "{error}"
    );
    assert_eq!(t.store_events().await.len(), 1);
}

/// Sixteen publishes of one version, released together on a multi-thread runtime, each
/// deciding on the same state (a gate holds their first read): one creates, every other
/// loses its write in the store and reads again; each outcome follows the bytes it sent.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_publishes_of_one_version_create_once() {
    let store: std::sync::Arc<dyn skillreg_core::ports::SkillStore> =
        std::sync::Arc::new(skillreg_testkit::fakes::MemoryStore::new());
    skillreg_testkit::race::one_version_is_created_once(vec![store; 16]).await;
}

/// Finding 7 of the adversarial review: re-publishing an unchanged version cost a full
/// unpack. The same archive for the same version is answered from its digest: shown here by
/// a registry whose archive limit the archive now exceeds, which could not unpack it.
#[tokio::test]
async fn an_unchanged_republish_is_answered_without_unpacking() {
    let t = TestRegistry::new();
    let alice = actor("alice");
    let files = skill_files("pdf", "PDF tools", "", &[("run.py", "print(1)")]);
    let archive = pack(&files).unwrap().into_bytes();
    let archived = |version: &str| PublishRequest {
        namespace: "acme".parse().unwrap(),
        bundle: BundleInput::Archive(archive.clone()),
        version: Some(version.parse().unwrap()),
        signatures: Vec::new(),
    };
    let created = t.registry.publish(&alice, archived("1.0.0")).await.unwrap();
    assert!(matches!(created, PublishOutcome::Created { .. }));
    let tight = skillreg_core::usecases::RegistryConfig {
        limits: BundleLimits {
            max_archive_size: 16,
            ..BundleLimits::default()
        },
        ..skillreg_core::usecases::RegistryConfig::default()
    };
    let narrow = skillreg_core::usecases::Registry::new(
        t.store.clone(),
        t.blobs.clone(),
        t.clock.clone(),
        std::sync::Arc::new(skillreg_testkit::fakes::SequentialIds::default()),
        tight,
    );
    let again = narrow.publish(&alice, archived("1.0.0")).await.unwrap();
    assert!(matches!(again, PublishOutcome::Unchanged(_)), "{again:?}");
    // Another version of the same archive is new: it goes the whole way (and this registry
    // cannot take it).
    let error = narrow.publish(&alice, archived("2.0.0")).await.unwrap_err();
    assert!(matches!(error, RegistryError::Bundle(_)), "{error}");
    // The answer still needs the rights a publish needs.
    let bob = actor("bob");
    let error = narrow.publish(&bob, archived("1.0.0")).await.unwrap_err();
    assert!(matches!(error, RegistryError::Access(_)), "{error}");
    assert_eq!(t.store_events().await.len(), 1, "nothing else was written");
}
