//! Visibility: kept per namespace, changes audited, restricted namespaces listed with the
//! reader's role, and hidden namespaces left out of every list.

use super::*;

async fn namespace_with(store: &dyn SkillStore, name: &str, visibility: Visibility) -> Namespace {
    let namespace: Namespace = name.parse().unwrap();
    store
        .create_namespace(
            &namespace,
            &user("alice"),
            visibility,
            at(T0),
            &audit("namespace.create", name, T0),
        )
        .await
        .unwrap();
    namespace
}

/// A namespace keeps the visibility it was made with until it is set again; each change is
/// audited; setting it on a namespace that does not exist changes nothing. The restricted
/// namespaces are every one that is not public, with the reader's role in each.
pub async fn visibility_is_kept_and_audited(store: &dyn SkillStore) {
    let open = namespace_with(store, "open", Visibility::Public).await;
    let corp = namespace_with(store, "corp", Visibility::Internal).await;
    let secret = namespace_with(store, "secret", Visibility::Private).await;
    store
        .set_member(&change(&secret, "bob", Some(Role::Member), Some("alice")))
        .await
        .unwrap();
    let read = store.namespace(&secret).await.unwrap().unwrap();
    assert_eq!(read.visibility, Visibility::Private);
    assert_eq!(
        store.visibility(&secret).await.unwrap(),
        Some(Visibility::Private)
    );
    assert_eq!(
        store.visibility(&"nowhere".parse().unwrap()).await.unwrap(),
        None
    );
    assert_eq!(
        store.namespace(&open).await.unwrap().unwrap().visibility,
        Visibility::Public
    );
    let restricted = |role_corp: Option<Role>, role_secret: Option<Role>| {
        vec![
            RestrictedNamespace {
                namespace: corp.clone(),
                visibility: Visibility::Internal,
                role: role_corp,
            },
            RestrictedNamespace {
                namespace: secret.clone(),
                visibility: Visibility::Private,
                role: role_secret,
            },
        ]
    };
    assert_eq!(
        store.restricted_namespaces(None).await.unwrap(),
        restricted(None, None)
    );
    assert_eq!(
        store
            .restricted_namespaces(Some(&user("bob")))
            .await
            .unwrap(),
        restricted(None, Some(Role::Member))
    );
    assert_eq!(
        store
            .restricted_namespaces(Some(&user("alice")))
            .await
            .unwrap(),
        restricted(Some(Role::Owner), Some(Role::Owner))
    );
    let before = store.audit_log(100).await.unwrap().len();
    store
        .set_visibility(
            &open,
            Visibility::Private,
            &audit("namespace.visibility", "open:private", T0 + 1),
        )
        .await
        .unwrap();
    assert_eq!(
        store.namespace(&open).await.unwrap().unwrap().visibility,
        Visibility::Private
    );
    assert_eq!(
        store.visibility(&open).await.unwrap(),
        Some(Visibility::Private)
    );
    let log = store.audit_log(100).await.unwrap();
    assert_eq!(log.len(), before + 1);
    assert!(
        log.iter()
            .any(|entry| entry.action == "namespace.visibility")
    );
    let nowhere: Namespace = "nowhere".parse().unwrap();
    assert!(matches!(
        store
            .set_visibility(
                &nowhere,
                Visibility::Public,
                &audit("namespace.visibility", "nowhere:public", T0 + 2),
            )
            .await,
        Err(StoreError::Missing(_))
    ));
    assert_eq!(store.audit_log(100).await.unwrap().len(), before + 1);
    assert_eq!(store.namespace(&nowhere).await.unwrap(), None);
}

/// Skills in a hidden namespace are left out of search hits and totals (whichever way the
/// store reads a search: one term, several, filters, any sort) and of trending; a namespace
/// below a hidden one is not hidden with it.
pub async fn hidden_namespaces_are_left_out_of_lists(store: &dyn SkillStore) {
    let secret = namespace_with(store, "secret", Visibility::Private).await;
    namespace_with(store, "secret/team", Visibility::Public).await;
    namespace_with(store, "open", Visibility::Public).await;
    let v = ver("1.0.0");
    let mut made = Vec::new();
    for (skill, content) in [
        ("open/pdf-tools", "a"),
        ("secret/pdf-tools", "b"),
        ("secret/team/pdf-notes", "c"),
        ("secret/pdf-forms", "d"),
    ] {
        let record = create_skill(
            store,
            skill,
            new_version("1.0.0", content, "pdf helpers", &["pdf"], T0),
        )
        .await;
        store
            .record_download(&record.uid, &v, at(T0))
            .await
            .unwrap();
        made.push(record);
    }
    let visible = BTreeSet::from([
        "open/pdf-tools".to_owned(),
        "secret/team/pdf-notes".to_owned(),
    ]);
    let everything: BTreeSet<String> = made.iter().map(|s| s.id.to_string()).collect();
    let texts = [None, Some("pdf"), Some("pdf helpers"), Some("pdf-tools")];
    let sorts = [
        SearchSort::Relevance,
        SearchSort::Downloads,
        SearchSort::Newest,
        SearchSort::Trending,
    ];
    for text in texts {
        for sort in sorts {
            for tags in [Vec::new(), vec!["pdf".to_owned()]] {
                let mut q = query(text);
                q.sort = sort;
                q.tags = tags.clone();
                let all = store.search(&q).await.unwrap();
                let all_ids: BTreeSet<String> = hit_ids(&all).into_iter().collect();
                q.hidden = vec![secret.clone()];
                let page = store.search(&q).await.unwrap();
                let ids: BTreeSet<String> = hit_ids(&page).into_iter().collect();
                let case = format!("{text:?} {sort:?} {tags:?}");
                let expected: BTreeSet<String> = all_ids.intersection(&visible).cloned().collect();
                assert!(all_ids.is_subset(&everything), "{case}");
                assert_eq!(ids, expected, "{case}");
                assert_eq!(page.total, expected.len() as u64, "{case}: total");
            }
        }
    }
    let trending = store
        .trending(at(T0 - DAY), 10, std::slice::from_ref(&secret))
        .await
        .unwrap();
    let listed: BTreeSet<String> = trending.iter().map(|t| t.id.to_string()).collect();
    assert_eq!(listed, visible);
    assert_eq!(
        store.trending(at(T0 - DAY), 10, &[]).await.unwrap().len(),
        4
    );
    // A cursor tells nothing of hidden skills: one published later changes no cursor a
    // searcher who cannot see it is given.
    let mut first = query(None);
    first.limit = 1;
    first.hidden = vec![secret.clone()];
    let before = store.search(&first).await.unwrap().next_cursor;
    assert!(before.is_some());
    create_skill(
        store,
        "secret/later",
        new_version("1.0.0", "e", "pdf helpers", &["pdf"], T0),
    )
    .await;
    assert_eq!(store.search(&first).await.unwrap().next_cursor, before);
}
