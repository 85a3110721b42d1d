//! Search: relevance, filters, sorts, pages and totals.

use super::*;

/// Totals are counted up to `MAX_COUNTED_HITS`; paging goes on past them.
pub async fn search_totals_are_capped(store: &dyn SkillStore) {
    let cap = skillreg_core::model::MAX_COUNTED_HITS;
    for i in 0..=cap + 2 {
        create_skill(
            store,
            &format!("bulk/s{i:04}"),
            new_version("1.0.0", &format!("b{i}"), "bulk skill", &[], T0),
        )
        .await;
    }
    let mut q = query(Some("bulk"));
    q.limit = 100;
    let page = store.search(&q).await.unwrap();
    assert_eq!((page.total, page.total_exact), (cap, false));
    q.start = PageStart::Offset(cap);
    let page = store.search(&q).await.unwrap();
    assert_eq!(
        page.hits.len(),
        3,
        "hits past the counted total are still served"
    );
    assert!(page.next_cursor.is_none());
    let small = store
        .search(&query(Some("nothing-like-this")))
        .await
        .unwrap();
    assert_eq!((small.total, small.total_exact), (0, true));
    // An offset past the end: an empty page whose total is still the real one, whatever
    // the sort (a relevance search with text ranks by its own path).
    for (text, sort) in [
        (None, SearchSort::Newest),
        (Some("bulk"), SearchSort::Relevance),
    ] {
        let mut far = query(text);
        far.sort = sort;
        far.start = PageStart::Offset(5 * cap);
        let page = store.search(&far).await.unwrap();
        assert!(page.hits.is_empty(), "{sort:?}");
        assert_eq!((page.total, page.total_exact), (cap, false), "{sort:?}");
    }
}

/// Free text matches name, description and tags; an exact name ranks first; filters narrow.
pub async fn search_text_relevance_and_filters(store: &dyn SkillStore) {
    search_corpus(store).await;
    let page = store.search(&query(Some("pdf"))).await.unwrap();
    let ids = hit_ids(&page);
    assert_eq!(
        ids.first().map(String::as_str),
        Some("acme/pdf"),
        "exact name first: {ids:?}"
    );
    assert_eq!(
        ids.iter().collect::<BTreeSet<_>>(),
        ["acme/pdf", "acme/pdf-extract", "other/reports"]
            .iter()
            .map(|s| s.to_string())
            .collect::<Vec<_>>()
            .iter()
            .collect()
    );
    assert_eq!(page.total, 3);
    assert_eq!(
        ids.last().map(String::as_str),
        Some("other/reports"),
        "a description-only match ranks last"
    );
    let hit = &page.hits[0];
    assert_eq!(hit.latest, Some(ver("1.0.0")));
    assert_eq!(hit.description, "Fill and merge PDF forms");
    assert_eq!(hit.tags, ["documents", "pdf"]);

    assert_eq!(
        hit_ids(&store.search(&query(Some("email addresses"))).await.unwrap()),
        ["acme/email/validator"]
    );
    assert!(
        store
            .search(&query(Some("nothing-matches-this")))
            .await
            .unwrap()
            .hits
            .is_empty()
    );

    let mut by_tag = query(None);
    by_tag.tags = vec!["pdf".to_owned()];
    assert_eq!(
        hit_ids(&store.search(&by_tag).await.unwrap()),
        ["acme/pdf", "acme/pdf-extract"]
    );
    by_tag.tags = vec!["pdf".to_owned(), "documents".to_owned()];
    assert_eq!(hit_ids(&store.search(&by_tag).await.unwrap()), ["acme/pdf"]);
    // A page shorter than the hits: the total is counted (a repeated tag filters once).
    for tags in [vec!["pdf"], vec!["pdf", "pdf"]] {
        let mut counted = query(None);
        counted.tags = tags.into_iter().map(str::to_owned).collect();
        counted.limit = 1;
        let page = store.search(&counted).await.unwrap();
        assert_eq!((page.hits.len(), page.total), (1, 2), "{:?}", counted.tags);
    }

    let mut in_ns = query(None);
    in_ns.namespace = Some("acme".parse().unwrap());
    assert_eq!(
        hit_ids(&store.search(&in_ns).await.unwrap()),
        ["acme/email/validator", "acme/pdf", "acme/pdf-extract"]
    );
    in_ns.namespace = Some("acme/email".parse().unwrap());
    assert_eq!(
        hit_ids(&store.search(&in_ns).await.unwrap()),
        ["acme/email/validator"]
    );
    in_ns.namespace = Some("acm".parse().unwrap());
    assert!(
        store.search(&in_ns).await.unwrap().hits.is_empty(),
        "a namespace prefix matches whole segments"
    );

    let brand = store.skill(&id("other/brand")).await.unwrap().unwrap();
    let pdf = store.skill(&id("acme/pdf")).await.unwrap().unwrap();
    let rate = |who: &str, half: u8| RatingRecord {
        user: user(who),
        stars: Stars::from_half_stars(half).unwrap(),
        review: None,
        rated_at: at(T0),
    };
    store
        .put_rating(&brand.uid, &rate("alice", 9))
        .await
        .unwrap();
    store.put_rating(&pdf.uid, &rate("alice", 6)).await.unwrap();
    store.put_rating(&pdf.uid, &rate("bob", 8)).await.unwrap();
    let mut rated = query(None);
    rated.min_rating = Some(Stars::from_half_stars(7).unwrap());
    assert_eq!(
        hit_ids(&store.search(&rated).await.unwrap()),
        ["acme/pdf", "other/brand"],
        "3.5 and 4.5 pass 3.5"
    );
    rated.min_rating = Some(Stars::from_half_stars(8).unwrap());
    assert_eq!(
        hit_ids(&store.search(&rated).await.unwrap()),
        ["other/brand"]
    );
}

/// Search finds a skill by its latest version's words only: a new version's description
/// and tags replace the old ones, and yanking it brings the previous version's words back.
pub async fn search_follows_the_latest_version(store: &dyn SkillStore) {
    let skill = create_skill(
        store,
        "acme/converter",
        new_version("1.0.0", "a", "Fill PDF forms", &["pdf"], T0),
    )
    .await;
    add_version(
        store,
        &skill,
        new_version("2.0.0", "b", "Merge spreadsheets", &["sheets"], T0 + 1),
    )
    .await
    .unwrap();
    let found = async |text: &str, tag: Option<&str>| {
        let mut q = query(Some(text).filter(|t| !t.is_empty()));
        q.tags = tag.into_iter().map(str::to_owned).collect();
        hit_ids(&store.search(&q).await.unwrap()) == ["acme/converter"]
    };
    for (text, tag, now) in [
        ("pdf", None, false),
        ("fill forms", None, false),
        ("", Some("pdf"), false),
        ("merge", None, true),
        ("merge spreadsheets", None, true),
        ("", Some("sheets"), true),
        ("converter", None, true),
    ] {
        assert_eq!(found(text, tag).await, now, "{text:?} {tag:?} at 2.0.0");
    }
    store
        .set_yanked(
            &skill.uid,
            &ver("2.0.0"),
            true,
            &audit("yank", "acme/converter@2.0.0", T0 + 2),
            &WriteRight::Admin,
        )
        .await
        .unwrap();
    for (text, tag, now) in [
        ("pdf", None, true),
        ("fill forms", None, true),
        ("", Some("pdf"), true),
        ("merge", None, false),
        ("", Some("sheets"), false),
        ("converter", None, true),
    ] {
        assert_eq!(
            found(text, tag).await,
            now,
            "{text:?} {tag:?} back at 1.0.0"
        );
    }
}

/// Every sort orders as documented; ties break by id.
pub async fn search_sorts(store: &dyn SkillStore) {
    search_corpus(store).await;
    let skill = |s: &str| id(s);
    let uid = |s: &str| {
        let id = skill(s);
        async move { store.skill(&id).await.unwrap().unwrap().uid }
    };
    let v = ver("1.0.0");
    for _ in 0..3 {
        store
            .record_download(&uid("other/brand").await, &v, at(T0 - 30 * DAY))
            .await
            .unwrap();
    }
    for _ in 0..2 {
        store
            .record_download(&uid("acme/pdf").await, &v, at(T0 - DAY))
            .await
            .unwrap();
    }
    store
        .record_download(&uid("other/reports").await, &v, at(T0 - DAY))
        .await
        .unwrap();
    let rating = |half: u8| RatingRecord {
        user: user("alice"),
        stars: Stars::from_half_stars(half).unwrap(),
        review: None,
        rated_at: at(T0),
    };
    store
        .put_rating(&uid("acme/pdf-extract").await, &rating(10))
        .await
        .unwrap();
    store
        .put_rating(&uid("other/reports").await, &rating(6))
        .await
        .unwrap();

    let sorted = |sort: SearchSort| {
        let mut q = query(None);
        q.sort = sort;
        q
    };
    let ids = hit_ids(&store.search(&sorted(SearchSort::Downloads)).await.unwrap());
    assert_eq!(
        ids,
        [
            "other/brand",
            "acme/pdf",
            "other/reports",
            "acme/email/validator",
            "acme/pdf-extract"
        ]
    );
    let ids = hit_ids(&store.search(&sorted(SearchSort::Trending)).await.unwrap());
    assert_eq!(
        ids,
        [
            "acme/pdf",
            "other/reports",
            "acme/email/validator",
            "acme/pdf-extract",
            "other/brand"
        ]
    );
    let ids = hit_ids(&store.search(&sorted(SearchSort::Rating)).await.unwrap());
    assert_eq!(ids[..2], ["acme/pdf-extract", "other/reports"]);
    let ids = hit_ids(&store.search(&sorted(SearchSort::Newest)).await.unwrap());
    assert_eq!(
        ids,
        [
            "other/brand",
            "other/reports",
            "acme/email/validator",
            "acme/pdf-extract",
            "acme/pdf"
        ]
    );
    let page = store.search(&sorted(SearchSort::Downloads)).await.unwrap();
    assert_eq!(page.hits[0].downloads, 3);
    assert_eq!(page.hits[1].recent_downloads, 2);
}

/// Paging with a cursor sees every skill that existed at the first page exactly once,
/// even while new skills are published between pages; offsets page too.
pub async fn search_pages_neither_repeat_nor_skip(store: &dyn SkillStore) {
    for i in 0..25 {
        create_skill(
            store,
            &format!("acme/skill-{i:02}"),
            new_version("1.0.0", &format!("s{i}"), "paged skill", &[], T0 + i),
        )
        .await;
    }
    let mut q = query(Some("paged"));
    q.limit = 10;
    let mut seen = Vec::new();
    let mut page = store.search(&q).await.unwrap();
    assert_eq!(page.total, 25);
    let mut published = 0;
    loop {
        seen.extend(hit_ids(&page));
        // Publish new matching skills between pages: they must not shift the pages.
        for _ in 0..3 {
            published += 1;
            create_skill(
                store,
                &format!("acme/aaa-new-{published:02}"),
                new_version(
                    "1.0.0",
                    &format!("n{published}"),
                    "paged skill",
                    &[],
                    T0 + 100 + published,
                ),
            )
            .await;
        }
        let Some(cursor) = page.next_cursor.clone() else {
            break;
        };
        q.start = PageStart::Cursor(cursor);
        page = store.search(&q).await.unwrap();
    }
    let expected: Vec<String> = (0..25).map(|i| format!("acme/skill-{i:02}")).collect();
    let mut sorted = seen.clone();
    sorted.sort();
    assert_eq!(sorted, expected, "every original skill exactly once");

    let mut by_offset = query(Some("paged"));
    by_offset.limit = 5;
    by_offset.start = PageStart::Offset(5);
    let page = store.search(&by_offset).await.unwrap();
    assert_eq!(page.hits.len(), 5);
    assert_eq!(page.total, 25 + published as u64);

    let mut bad = query(None);
    bad.start = PageStart::Cursor("not-a-cursor".to_owned());
    assert!(matches!(
        store.search(&bad).await,
        Err(StoreError::Missing(_))
    ));
}
