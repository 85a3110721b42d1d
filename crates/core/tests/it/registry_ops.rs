//! Search, ratings, yanking, deprecation and version resolution through the use cases.

use skillreg_core::VersionReq;
use skillreg_core::auth::{AccessError, Actor};
use skillreg_core::model::{Role, Stars, TokenScope};
use skillreg_core::usecases::{BundleInput, PublishRequest, RegistryError, SearchRequest};
use skillreg_testkit::TestRegistry;

use crate::{actor, id, publish_version};

async fn publish(t: &TestRegistry, name: &str, version: &str, description: &str) {
    let tags = "metadata:\n  tags: docs, pdf\n";
    publish_version(t, "acme", name, version, description, tags).await;
}

#[tokio::test]
async fn yanked_versions_are_skipped_unless_asked_for_exactly() {
    let t = TestRegistry::new();
    for v in ["1.0.0", "1.1.0", "2.0.0-rc.1"] {
        publish(&t, "pdf", v, "PDF tools").await;
    }
    let latest = |req: &str| {
        let registry = t.registry.clone();
        let req: VersionReq = req.parse().unwrap();
        async move {
            registry
                .resolve_version(None, &id("acme/pdf"), &req)
                .await
                .map(|(_, v)| v.version().to_string())
        }
    };
    assert_eq!(latest("latest").await.unwrap(), "1.1.0");
    assert!(
        t.registry
            .set_yanked(
                &actor("alice"),
                &id("acme/pdf"),
                &"1.1.0".parse().unwrap(),
                true
            )
            .await
            .unwrap()
    );
    assert_eq!(latest("latest").await.unwrap(), "1.0.0");
    assert_eq!(latest("1.1.0").await.unwrap(), "1.1.0");
    assert_eq!(latest("^2.0.0-rc.1").await.unwrap(), "2.0.0-rc.1");
    let error = latest("3").await.unwrap_err();
    assert!(
        matches!(error, RegistryError::VersionNotFound { .. }),
        "{error}"
    );
    let error = t
        .registry
        .resolve_version(None, &id("acme/nope"), &VersionReq::Latest)
        .await
        .unwrap_err();
    assert!(matches!(error, RegistryError::SkillNotFound(_)));
    let error = t
        .registry
        .set_yanked(
            &actor("alice"),
            &id("acme/pdf"),
            &"9.0.0".parse().unwrap(),
            true,
        )
        .await
        .unwrap_err();
    assert!(matches!(error, RegistryError::VersionNotFound { .. }));
    let error = t
        .registry
        .set_yanked(
            &actor("mallory"),
            &id("acme/pdf"),
            &"1.0.0".parse().unwrap(),
            true,
        )
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            RegistryError::Access(AccessError::NotAMaintainer { .. })
        ),
        "{error}"
    );
}

/// Finding 11 of the adversarial review: one rule for who changes a skill. A member who did
/// not create it may not publish a new version (and take over `latest`), yank or deprecate
/// it; an owner may; a creator removed from the namespace keeps no right.
#[tokio::test]
async fn only_maintainers_change_a_skill_and_rights_end_with_membership() {
    let t = TestRegistry::new();
    publish(&t, "pdf", "1.0.0", "PDF tools").await;
    let pdf = id("acme/pdf");
    skillreg_testkit::set_role(t.store.as_ref(), "acme", "bob", Some(Role::Member))
        .await
        .unwrap();
    skillreg_testkit::set_role(t.store.as_ref(), "acme", "carol", Some(Role::Member))
        .await
        .unwrap();
    let files = skillreg_testkit::fixtures::skill_files("pdf", "PDF tools, by bob", "", &[]);
    let error = t
        .registry
        .publish(
            &actor("bob"),
            PublishRequest {
                namespace: "acme".parse().unwrap(),
                bundle: BundleInput::Files(files),
                version: Some("2.0.0".parse().unwrap()),
                signatures: Vec::new(),
            },
        )
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            RegistryError::Access(AccessError::NotAMaintainer { .. })
        ),
        "{error}"
    );
    let one = "1.0.0".parse().unwrap();
    for who in ["bob", "carol"] {
        let error = t
            .registry
            .set_yanked(&actor(who), &pdf, &one, true)
            .await
            .unwrap_err();
        assert!(matches!(error, RegistryError::Access(_)), "{who}: {error}");
        let error = t
            .registry
            .deprecate(&actor(who), &pdf, Some("use mine"))
            .await
            .unwrap_err();
        assert!(matches!(error, RegistryError::Access(_)), "{who}: {error}");
    }
    let (_, latest) = t
        .registry
        .resolve_version(None, &pdf, &VersionReq::Latest)
        .await
        .unwrap();
    assert_eq!(latest.version().to_string(), "1.0.0", "nothing changed");

    // The namespace's owner (alice, who created it) makes bob an owner: now he may.
    skillreg_testkit::set_role(t.store.as_ref(), "acme", "bob", Some(Role::Owner))
        .await
        .unwrap();
    assert!(
        t.registry
            .set_yanked(&actor("bob"), &pdf, &one, true)
            .await
            .unwrap()
    );
    // alice, the creator, leaves the namespace (bob owns it): her rights end with it.
    skillreg_testkit::set_role(t.store.as_ref(), "acme", "alice", None)
        .await
        .unwrap();
    let error = t
        .registry
        .set_yanked(&actor("alice"), &pdf, &one, false)
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            RegistryError::Access(AccessError::NotAMaintainer { .. })
        ),
        "{error}"
    );
}

#[tokio::test]
async fn ratings_replace_and_need_the_rate_scope() {
    let t = TestRegistry::new();
    publish(&t, "pdf", "1.0.0", "PDF tools").await;
    let pdf = id("acme/pdf");
    t.registry
        .rate(
            &actor("bob"),
            &pdf,
            Stars::from_stars(5.0).unwrap(),
            Some("great".into()),
        )
        .await
        .unwrap();
    let summary = t
        .registry
        .rate(&actor("bob"), &pdf, Stars::from_stars(3.5).unwrap(), None)
        .await
        .unwrap();
    assert_eq!(summary.count, 1);
    assert_eq!(summary.average(), Some(3.5));
    let summary = t
        .registry
        .rate(&actor("carol"), &pdf, Stars::from_stars(4.5).unwrap(), None)
        .await
        .unwrap();
    assert_eq!(summary.average(), Some(4.0));
    let no_scope = Actor::new(
        "dave".parse().unwrap(),
        vec![TokenScope::PublishNew],
        vec![],
    );
    let error = t
        .registry
        .rate(&no_scope, &pdf, Stars::from_stars(1.0).unwrap(), None)
        .await
        .unwrap_err();
    assert!(matches!(
        error,
        RegistryError::Access(AccessError::MissingScope {
            scope: TokenScope::Rate
        })
    ));
    let long = "x".repeat(5000);
    let error = t
        .registry
        .rate(
            &actor("bob"),
            &pdf,
            Stars::from_stars(1.0).unwrap(),
            Some(long),
        )
        .await
        .unwrap_err();
    assert!(matches!(error, RegistryError::Invalid(_)));
    assert!(
        Stars::from_stars(5.5).is_err()
            && Stars::from_stars(0.5).is_err()
            && Stars::from_stars(2.25).is_err()
    );
}

#[tokio::test]
async fn search_validates_and_finds_by_tag_and_text() {
    let t = TestRegistry::new();
    publish(&t, "pdf", "1.0.0", "PDF tools").await;
    publish(&t, "docx", "1.0.0", "Word documents").await;
    let page = t
        .registry
        .search(
            None,
            SearchRequest {
                text: Some("pdf".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(page.hits.len(), 2, "both carry the pdf tag");
    assert_eq!(
        page.hits[0].skill.id.to_string(),
        "acme/pdf",
        "the exact name first"
    );
    assert_eq!(
        page.hits[0].tags,
        ["docs", "pdf"],
        "tags come from metadata.tags"
    );
    let page = t
        .registry
        .search(
            None,
            SearchRequest {
                tags: vec!["PDF".into()],
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(page.hits.len(), 2, "tags are compared lowercase");
    let error = t
        .registry
        .search(
            None,
            SearchRequest {
                limit: Some(0),
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
    assert!(matches!(error, RegistryError::Invalid(_)));
    let error = t
        .registry
        .search(
            None,
            SearchRequest {
                limit: Some(1000),
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
    assert!(matches!(error, RegistryError::Invalid(_)));
    let error = t
        .registry
        .search(
            None,
            SearchRequest {
                cursor: Some("garbage".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
    assert!(matches!(error, RegistryError::Invalid(_)));
    let page = t
        .registry
        .search(
            None,
            SearchRequest {
                limit: Some(1),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let next = t
        .registry
        .search(
            None,
            SearchRequest {
                limit: Some(1),
                cursor: page.next_cursor,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(next.hits.len(), 1);
    assert_ne!(next.hits[0].skill.id, page.hits[0].skill.id);
}

#[tokio::test]
async fn trending_counts_the_last_week() {
    let t = TestRegistry::new();
    publish(&t, "pdf", "1.0.0", "PDF tools").await;
    publish(&t, "docx", "1.0.0", "Word documents").await;
    let pdf = t.registry.skill(None, &id("acme/pdf")).await.unwrap();
    let docx = t.registry.skill(None, &id("acme/docx")).await.unwrap();
    let v = "1.0.0".parse().unwrap();
    for _ in 0..3 {
        t.registry.record_download(&pdf, &v).await.unwrap();
    }
    t.clock.advance_days(8);
    t.registry.record_download(&docx, &v).await.unwrap();
    let trending = t.registry.trending(None, 10).await.unwrap();
    let ids: Vec<String> = trending.iter().map(|e| e.id.to_string()).collect();
    assert_eq!(
        ids,
        ["acme/docx"],
        "pdf's installs are older than the window"
    );
}

#[tokio::test]
async fn deprecation_is_set_and_cleared() {
    let t = TestRegistry::new();
    publish(&t, "pdf", "1.0.0", "PDF tools").await;
    let pdf = id("acme/pdf");
    t.registry
        .deprecate(&actor("alice"), &pdf, Some("use acme/pdf2"))
        .await
        .unwrap();
    assert_eq!(
        t.registry
            .skill(None, &pdf)
            .await
            .unwrap()
            .deprecation
            .as_deref(),
        Some("use acme/pdf2")
    );
    t.registry
        .deprecate(&actor("alice"), &pdf, None)
        .await
        .unwrap();
    assert_eq!(
        t.registry.skill(None, &pdf).await.unwrap().deprecation,
        None
    );
}
