//! Reading private and internal namespaces through the use cases: a hidden skill is
//! answered as a missing one by every read, lists leave it out, and only owners change who
//! may read.

use skillreg_core::auth::{AccessError, Actor, Visibility};
use skillreg_core::model::{Role, TokenScope};
use skillreg_core::usecases::{BrowseRequest, RegistryConfig, RegistryError, SearchRequest};
use skillreg_core::{SkillId, VersionReq};
use skillreg_testkit::{TestRegistry, set_role};

use super::{actor, id, publish_version};

fn read_token(user: &str, patterns: &[&str]) -> Actor {
    Actor::new(
        user.parse().unwrap(),
        vec![TokenScope::Read],
        patterns.iter().map(|p| p.parse().unwrap()).collect(),
    )
}

/// `acme/pdf` public; `secret/pdf` in a private namespace of alice's with bob a member;
/// `corp/pdf` internal.
async fn registry() -> TestRegistry {
    let t = TestRegistry::new();
    publish_version(&t, "acme", "pdf", "1.0.0", "pdf tools", "").await;
    let alice = actor("alice");
    for (namespace, visibility) in [
        ("secret", Visibility::Private),
        ("corp", Visibility::Internal),
    ] {
        t.registry
            .create_namespace(&alice, &namespace.parse().unwrap(), Some(visibility))
            .await
            .unwrap();
        publish_version(&t, namespace, "pdf", "1.0.0", "pdf tools", "").await;
    }
    set_role(&*t.store, "secret", "bob", Some(Role::Member))
        .await
        .unwrap();
    t
}

/// Every read of one skill, as text: the answer, or the error's message with the skill's
/// id written as `<id>`.
async fn reads_of(t: &TestRegistry, reader: Option<&Actor>, skill: &SkillId) -> Vec<String> {
    let r = &t.registry;
    let text = |result: Result<String, RegistryError>| match result {
        Ok(found) => format!("ok {found}"),
        Err(error) => format!(
            "error {}",
            error.to_string().replace(&skill.to_string(), "<id>")
        ),
    };
    let version = "1.0.0".parse().unwrap();
    vec![
        text(r.skill(reader, skill).await.map(|s| s.id.to_string())),
        text(
            r.overview(reader, skill)
                .await
                .map(|o| o.skill.id.to_string()),
        ),
        text(
            r.versions(reader, skill)
                .await
                .map(|v| v.1.len().to_string()),
        ),
        text(
            r.version(reader, skill, &version)
                .await
                .map(|v| v.1.version().to_string()),
        ),
        text(
            r.reviews(reader, skill)
                .await
                .map(|v| v.summary.count.to_string()),
        ),
        text(
            r.download(reader, skill, &VersionReq::Latest)
                .await
                .map(|d| d.public.to_string()),
        ),
        text(
            r.resolve_version(reader, skill, &VersionReq::Latest)
                .await
                .map(|v| v.1.version().to_string()),
        ),
        text(r.oci_tags(reader, skill).await.map(|tags| tags.join(","))),
        text(
            r.oci_artifact(reader, skill, &version)
                .await
                .map(|a| a.layer.to_string()),
        ),
    ]
}

#[tokio::test]
async fn a_hidden_skill_reads_exactly_as_a_missing_one() {
    let t = registry().await;
    let bob = read_token("bob", &["*"]);
    let carol = read_token("carol", &["*"]);
    let bob_elsewhere = read_token("bob", &["acme"]);
    let missing = id("secret/nothing");
    let private = id("secret/pdf");
    let internal = id("corp/pdf");
    let absent = reads_of(&t, None, &missing).await;
    assert!(absent.iter().all(|r| r.starts_with("error ")), "{absent:?}");
    for (who, reader) in [
        ("anonymous", None),
        ("a non-member", Some(&carol)),
        (
            "a member's token for another namespace",
            Some(&bob_elsewhere),
        ),
    ] {
        assert_eq!(reads_of(&t, reader, &private).await, absent, "{who}");
    }
    assert_eq!(
        reads_of(&t, None, &internal).await,
        absent,
        "anonymous, internal"
    );
    assert_eq!(
        reads_of(&t, Some(&bob_elsewhere), &internal).await,
        absent,
        "internal, a token for another namespace"
    );
    for (who, reader, skill) in [("member", &bob, &private), ("signed in", &carol, &internal)] {
        let reads = reads_of(&t, Some(reader), skill).await;
        assert!(
            reads.iter().all(|r| r.starts_with("ok ")),
            "{who}: {reads:?}"
        );
        assert_eq!(
            reads[5], "ok false",
            "{who}: a hidden download is not public"
        );
    }
    assert_eq!(reads_of(&t, None, &id("acme/pdf")).await[5], "ok true");
    // Writes to a hidden skill are refused as for a missing one, before any right is
    // looked at.
    let rater = Actor::new(
        "carol".parse().unwrap(),
        vec![TokenScope::Rate, TokenScope::Yank],
        vec!["*".parse().unwrap()],
    );
    let stars = skillreg_core::model::Stars::from_stars(4.0).unwrap();
    for error in [
        t.registry
            .rate(&rater, &private, stars, None)
            .await
            .unwrap_err(),
        t.registry
            .set_yanked(&rater, &private, &"1.0.0".parse().unwrap(), true)
            .await
            .unwrap_err(),
        t.registry
            .deprecate(&rater, &private, Some("old"))
            .await
            .unwrap_err(),
    ] {
        assert!(matches!(error, RegistryError::SkillNotFound(_)), "{error}");
    }
    assert!(matches!(
        t.registry
            .namespace(Some(&carol), &"secret".parse().unwrap())
            .await,
        Err(RegistryError::NamespaceNotFound(_))
    ));
    assert!(
        t.registry
            .namespace(Some(&bob), &"secret".parse().unwrap())
            .await
            .is_ok()
    );
}

#[tokio::test]
async fn lists_leave_hidden_skills_out() {
    let t = registry().await;
    for skill in ["acme/pdf", "secret/pdf", "corp/pdf"] {
        t.registry
            .download(Some(&actor("alice")), &id(skill), &VersionReq::Latest)
            .await
            .unwrap();
    }
    let bob = read_token("bob", &["*"]);
    let carol = read_token("carol", &["*"]);
    let cases: [(&str, Option<&Actor>, &[&str]); 4] = [
        ("anonymous", None, &["acme/pdf"]),
        ("signed in", Some(&carol), &["acme/pdf", "corp/pdf"]),
        (
            "member",
            Some(&bob),
            &["acme/pdf", "corp/pdf", "secret/pdf"],
        ),
        (
            "owner",
            Some(&actor("alice")),
            &["acme/pdf", "corp/pdf", "secret/pdf"],
        ),
    ];
    for (who, reader, expected) in cases {
        let search = t
            .registry
            .search(
                reader,
                SearchRequest {
                    text: Some("pdf".into()),
                    ..SearchRequest::default()
                },
            )
            .await
            .unwrap();
        let mut found: Vec<String> = search.hits.iter().map(|h| h.skill.id.to_string()).collect();
        found.sort();
        assert_eq!(found, expected, "{who}: search");
        assert_eq!(search.total, expected.len() as u64, "{who}: total");
        let mut trending: Vec<String> = t
            .registry
            .trending(reader, 10)
            .await
            .unwrap()
            .iter()
            .map(|e| e.id.to_string())
            .collect();
        trending.sort();
        assert_eq!(trending, expected, "{who}: trending");
        let browse = t
            .registry
            .browse(reader, BrowseRequest::default())
            .await
            .unwrap();
        assert_eq!(browse.total, expected.len() as u64, "{who}: browse");
        let events = t.registry.events_after(reader, 0, 100).await.unwrap();
        let mut seen: Vec<String> = events.visible.iter().map(|e| e.subject.id()).collect();
        seen.sort();
        assert_eq!(seen, expected, "{who}: events");
        assert_eq!(
            events.read_to,
            t.store_events().await.last().unwrap().sequence,
            "{who}: the read goes past hidden events"
        );
    }
}

#[tokio::test]
async fn only_owners_change_who_may_read_and_every_change_is_audited() {
    let t = registry().await;
    let secret = "secret".parse().unwrap();
    let owner_admin = Actor::new(
        "alice".parse().unwrap(),
        vec![TokenScope::NamespaceAdmin],
        vec!["*".parse().unwrap()],
    );
    let member_admin = Actor::new(
        "bob".parse().unwrap(),
        vec![TokenScope::NamespaceAdmin],
        vec!["*".parse().unwrap()],
    );
    let outsider_admin = Actor::new(
        "carol".parse().unwrap(),
        vec![TokenScope::NamespaceAdmin],
        vec!["*".parse().unwrap()],
    );
    assert!(matches!(
        t.registry
            .set_visibility(&outsider_admin, &secret, Visibility::Public)
            .await,
        Err(RegistryError::NamespaceNotFound(_))
    ));
    assert!(matches!(
        t.registry
            .set_visibility(&member_admin, &secret, Visibility::Public)
            .await,
        Err(RegistryError::Access(AccessError::NotAnOwner { .. }))
    ));
    assert!(matches!(
        t.registry
            .set_visibility(&actor("alice"), &secret, Visibility::Public)
            .await,
        Err(RegistryError::Access(AccessError::MissingScope { .. }))
    ));
    assert!(t.registry.skill(None, &id("secret/pdf")).await.is_err());
    let changed = t
        .registry
        .set_visibility(&owner_admin, &secret, Visibility::Public)
        .await
        .unwrap();
    assert_eq!(changed.visibility, Visibility::Public);
    assert!(t.registry.skill(None, &id("secret/pdf")).await.is_ok());
    let audit = skillreg_core::ports::EventStore::audit_log(&*t.store, 100)
        .await
        .unwrap();
    let entry = audit
        .iter()
        .find(|e| e.action == "namespace.visibility")
        .unwrap();
    assert_eq!(
        (entry.actor.as_str(), entry.target.as_str()),
        ("alice", "secret:public")
    );
}

#[tokio::test]
async fn namespaces_made_below_a_private_one_start_private() {
    let t = registry().await;
    publish_version(&t, "secret/team", "notes", "1.0.0", "notes", "").await;
    let record = t
        .registry
        .namespace(Some(&actor("alice")), &"secret/team".parse().unwrap())
        .await
        .unwrap();
    assert_eq!(record.visibility, Visibility::Private);
    assert!(
        t.registry
            .skill(None, &id("secret/team/notes"))
            .await
            .is_err()
    );
    let closed = TestRegistry::with_config(RegistryConfig {
        default_visibility: Visibility::Internal,
        ..RegistryConfig::default()
    });
    publish_version(&closed, "acme", "pdf", "1.0.0", "pdf", "").await;
    assert!(closed.registry.skill(None, &id("acme/pdf")).await.is_err());
    assert!(
        closed
            .registry
            .skill(Some(&read_token("zed", &["*"])), &id("acme/pdf"))
            .await
            .is_ok()
    );
}

#[tokio::test]
async fn a_private_registry_reads_nothing_anonymously() {
    let t = TestRegistry::with_config(RegistryConfig {
        sign_in_required: true,
        ..RegistryConfig::default()
    });
    publish_version(&t, "acme", "pdf", "1.0.0", "pdf", "").await;
    let refused = |result: Result<String, RegistryError>| {
        matches!(
            result,
            Err(RegistryError::Access(AccessError::SignInRequired))
        )
    };
    assert!(refused(
        t.registry
            .skill(None, &id("acme/pdf"))
            .await
            .map(|s| s.id.to_string())
    ));
    assert!(refused(
        t.registry
            .search(None, SearchRequest::default())
            .await
            .map(|p| p.total.to_string())
    ));
    assert!(refused(
        t.registry
            .trending(None, 5)
            .await
            .map(|t| t.len().to_string())
    ));
    assert!(refused(
        t.registry
            .events_after(None, 0, 5)
            .await
            .map(|e| e.read_to.to_string())
    ));
    let reader = read_token("zed", &["acme"]);
    assert!(
        t.registry
            .skill(Some(&reader), &id("acme/pdf"))
            .await
            .is_ok()
    );
}
