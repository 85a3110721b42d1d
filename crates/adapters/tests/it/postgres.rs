//! The PostgreSQL store: the contract suite against a real server, concurrent publishes
//! through separate connections, and a transaction cut off half-way.

use skillreg_core::ports::CatalogStore as _;
use skillreg_core::ports::EventStore as _;
use skillreg_core::ports::SearchStore as _;
use skillreg_core::ports::StatsStore as _;
use std::sync::Arc;

use skillreg_adapters::PostgresStore;
use skillreg_adapters::postgres::PostgresConfig;
use skillreg_core::model::EventKind;
use skillreg_core::ports::{SkillTarget, StoreError, VersionWrite};
use skillreg_testkit::contract::skill_store::{new_version, skill_record};

use crate::support;

mod contract {
    skillreg_testkit::skill_store_contract!(async {
        std::sync::Arc::new(crate::support::postgres().await)
    });
}

fn write_new(skill: &str, content: &str) -> VersionWrite {
    let version = new_version("1.0.0", content, "pdf tools", &[], 0);
    VersionWrite {
        target: SkillTarget::New(skill_record(skill, "alice", 0)),
        audit: skillreg_core::model::AuditEntry {
            actor: "alice".parse().unwrap(),
            action: "publish".into(),
            target: skill.into(),
            at: version.published_at,
        },
        package_id: skillreg_core::package::package_id(&skill.parse().unwrap(), &version),
        version,
        event: EventKind::SkillCreated,
        right: skillreg_core::ports::WriteRight::Admin,
    }
}

/// Sixteen stores over the database at `url`, each with one connection of its own (as
/// separate replicas would have).
async fn sixteen_stores(url: &str) -> Vec<Arc<PostgresStore>> {
    let config = PostgresConfig {
        max_connections: 1,
        ..PostgresConfig::default()
    };
    let mut stores = Vec::new();
    for _ in 0..16 {
        stores.push(Arc::new(PostgresStore::connect(url, config).await.unwrap()));
    }
    stores
}

/// Runs `task` once per store, each in a task of its own, all released at once; returns
/// what each returned, in store order.
async fn all_at_once<T, F, Fut>(stores: &[Arc<PostgresStore>], task: F) -> Vec<T>
where
    F: Fn(usize, Arc<PostgresStore>) -> Fut,
    Fut: std::future::Future<Output = T> + Send + 'static,
    T: Send + 'static,
{
    let barrier = Arc::new(tokio::sync::Barrier::new(stores.len()));
    let tasks: Vec<_> = stores
        .iter()
        .enumerate()
        .map(|(i, store)| {
            let (barrier, work) = (Arc::clone(&barrier), task(i, Arc::clone(store)));
            tokio::spawn(async move {
                barrier.wait().await;
                work.await
            })
        })
        .collect();
    let mut results = Vec::with_capacity(tasks.len());
    for task in tasks {
        results.push(task.await.unwrap());
    }
    results
}

/// 16 publishes of one version through the use case, each over its own connection pool
/// (as separate replicas would have), released together and deciding on the same state:
/// exactly one creates; every other loses its write in the database and reads again;
/// same bytes are told unchanged, other bytes a conflict; one version, one event.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_publishes_of_one_version_create_once() {
    let url = support::fresh_database().await;
    let stores = sixteen_stores(&url).await;
    skillreg_testkit::race::one_version_is_created_once(
        stores
            .into_iter()
            .map(|store| store as Arc<dyn skillreg_core::ports::SkillStore>)
            .collect(),
    )
    .await;
    let (skills, versions, events): (i64, i64, i64) = sqlx::query_as(
        "SELECT (SELECT COUNT(*) FROM skills), (SELECT COUNT(*) FROM versions), (SELECT COUNT(*) FROM events)",
    )
    .fetch_one(&sqlx::PgPool::connect(&url).await.unwrap())
    .await
    .unwrap();
    assert_eq!((skills, versions, events), (1, 1, 1));
}

/// A publish whose connection is killed half-way (after the skill and version rows are
/// written, while it waits to write its event) leaves no visible version and no event.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_interrupted_publish_leaves_nothing() {
    let url = support::fresh_database().await;
    let store = PostgresStore::connect(&url, PostgresConfig::default())
        .await
        .unwrap();
    let admin = sqlx::PgPool::connect(&url).await.unwrap();
    // Hold a lock that the publish's event insert must wait for.
    let mut blocker = admin.begin().await.unwrap();
    sqlx::query("LOCK TABLE events IN ACCESS EXCLUSIVE MODE")
        .execute(&mut *blocker)
        .await
        .unwrap();
    let publish = tokio::spawn({
        let store = store.clone();
        async move { store.write_version(&write_new("acme/pdf", "a")).await }
    });
    // Wait until the publish is blocked inside its transaction (ten seconds at most), then
    // cut its connection.
    let mut pid = None;
    for _ in 0..500 {
        let waiting: Option<(i32,)> = sqlx::query_as(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' \
             AND query LIKE 'INSERT INTO events%'",
        )
        .fetch_optional(&admin)
        .await
        .unwrap();
        if let Some((found,)) = waiting {
            pid = Some(found);
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let pid = pid.expect("the publish never waited for the events lock");
    let (killed,): (bool,) = sqlx::query_as("SELECT pg_terminate_backend($1)")
        .bind(pid)
        .fetch_one(&admin)
        .await
        .unwrap();
    assert!(killed);
    let result = publish.await.unwrap();
    assert!(
        matches!(result, Err(StoreError::Unavailable(_))),
        "{result:?}"
    );
    blocker.rollback().await.unwrap();
    assert!(
        store
            .skill(&"acme/pdf".parse().unwrap())
            .await
            .unwrap()
            .is_none()
    );
    assert!(store.events_after(0, 10).await.unwrap().is_empty());
    let (versions,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM versions")
        .fetch_one(&admin)
        .await
        .unwrap();
    assert_eq!(versions, 0);
    // The store recovers: the next publish goes through.
    store
        .write_version(&write_new("acme/pdf", "a"))
        .await
        .unwrap();
}

#[tokio::test]
async fn ratings_through_two_pools_stay_one_per_user() {
    let url = support::fresh_database().await;
    let a = PostgresStore::connect(&url, PostgresConfig::default())
        .await
        .unwrap();
    let b = PostgresStore::connect(&url, PostgresConfig::default())
        .await
        .unwrap();
    a.write_version(&write_new("acme/pdf", "a")).await.unwrap();
    let uid = a
        .skill(&"acme/pdf".parse().unwrap())
        .await
        .unwrap()
        .unwrap()
        .uid;
    let rating = |half: u8| skillreg_core::model::RatingRecord {
        user: "bob".parse().unwrap(),
        stars: skillreg_core::model::Stars::from_half_stars(half).unwrap(),
        review: None,
        rated_at: skillreg_core::model::Timestamp::from_unix_millis(i64::from(half)),
    };
    let (low, high) = (rating(4), rating(8));
    let (ra, rb) = tokio::join!(a.put_rating(&uid, &low), b.put_rating(&uid, &high));
    ra.unwrap();
    rb.unwrap();
    let summary = a.rating_summary(&uid).await.unwrap();
    assert_eq!(summary.count, 1);
    assert!(summary.half_star_sum == 4 || summary.half_star_sum == 8);
}

/// 16 writers, each with its own connection, create skills whose words overlap and then
/// replace those words with new versions, all at once: every write lands (writers of the
/// same words wait for each other, never deadlock) and each word's entries are exactly
/// the skills holding it now.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_writers_of_shared_words_all_land() {
    let url = support::fresh_database().await;
    let stores = sixteen_stores(&url).await;
    all_at_once(&stores, |i, store| async move {
        use skillreg_testkit::contract::skill_store::{add_version, create_skill};
        let name = format!("acme/shared-{i}");
        let first = new_version("1.0.0", "a", "Shared alpha beta words", &["shared"], 0);
        let skill = create_skill(store.as_ref(), &name, first).await;
        // Every other writer drops `alpha` and `beta` for `gamma`.
        let words = if i % 2 == 0 {
            "Shared gamma words"
        } else {
            "Shared alpha beta words, again"
        };
        add_version(
            store.as_ref(),
            &skill,
            new_version("2.0.0", "b", words, &["shared"], 1),
        )
        .await
        .unwrap();
    })
    .await;
    let store = &stores[0];
    for (text, total) in [
        ("shared", 16),
        ("words", 16),
        ("alpha beta", 8),
        ("gamma", 8),
        ("again", 8),
    ] {
        let page = store.search(&support::search_for(text)).await.unwrap();
        assert_eq!(page.total, total, "{text}");
    }
    let admin = sqlx::PgPool::connect(&url).await.unwrap();
    let per_word: Vec<(String, i64)> = sqlx::query_as(
        "SELECT word, COUNT(*) FROM search_blocks, unnest(entries) AS e \
         WHERE word IN ('alpha', 'gamma', 'shared') GROUP BY word ORDER BY word",
    )
    .fetch_all(&admin)
    .await
    .unwrap();
    assert_eq!(
        per_word,
        [
            ("alpha".to_owned(), 8),
            ("gamma".to_owned(), 8),
            ("shared".to_owned(), 16)
        ]
    );
}

/// A write that leaves a skill's words as they were (yanking a version that is not the
/// latest) rewrites none of its block rows, so it never waits on other writers of them;
/// one that changes a word's fields rewrites that word's row only.
#[tokio::test]
async fn unchanged_words_leave_their_blocks_alone() {
    use skillreg_testkit::contract::skill_store::{add_version, create_skill};
    let url = support::fresh_database().await;
    let store = PostgresStore::connect(&url, PostgresConfig::default())
        .await
        .unwrap();
    let skill = create_skill(
        &store,
        "acme/pdf-tools",
        new_version("1.0.0", "a", "Fill PDF forms", &["pdf"], 0),
    )
    .await;
    add_version(
        &store,
        &skill,
        new_version("1.1.0", "b", "Fill PDF forms", &["pdf"], 1),
    )
    .await
    .unwrap();
    let admin = sqlx::PgPool::connect(&url).await.unwrap();
    // Each row's version: a rewrite gives it a new `xmin`.
    let versions = async || -> Vec<(String, String)> {
        sqlx::query_as("SELECT word, xmin::text FROM search_blocks ORDER BY word")
            .fetch_all(&admin)
            .await
            .unwrap()
    };
    let before = versions().await;
    assert_eq!(before.len(), 4, "{before:?}");
    let audit = skillreg_core::model::AuditEntry {
        actor: "alice".parse().unwrap(),
        action: "yank".into(),
        target: "acme/pdf-tools@1.0.0".into(),
        at: skillreg_core::model::Timestamp::from_unix_millis(2),
    };
    assert!(
        store
            .set_yanked(
                &skill.uid,
                &"1.0.0".parse().unwrap(),
                true,
                &audit,
                &skillreg_core::ports::WriteRight::Admin
            )
            .await
            .unwrap()
    );
    assert_eq!(versions().await, before, "yanking an older version");

    // `forms` moves from the description to the tags as well.
    add_version(
        &store,
        &skill,
        new_version("1.2.0", "c", "Fill PDF forms", &["pdf", "forms"], 3),
    )
    .await
    .unwrap();
    let after = versions().await;
    let changed: Vec<&str> = after
        .iter()
        .zip(&before)
        .filter(|(now, then)| now != then)
        .map(|(now, _)| now.0.as_str())
        .collect();
    assert_eq!(changed, ["forms"]);
    let mut tagged = support::search_for("forms");
    tagged.tags = vec!["forms".to_owned()];
    assert_eq!(store.search(&tagged).await.unwrap().total, 1);
}

/// Broad searches (past the point where PostgreSQL scores matches from `search_blocks` and
/// walks the downloads index) rank exactly as the in-memory store does, with filters too.
#[tokio::test]
async fn broad_searches_rank_like_the_in_memory_store() {
    support::assert_ranks_like_memory(&support::postgres().await).await;
}

/// Skills written before the store kept its own search words (a NULL `search_vector`, no
/// `search_blocks` entries) get them when the store opens, and are found again.
#[tokio::test]
async fn opening_fills_in_the_search_words_of_older_skills() {
    let url = support::fresh_database().await;
    let store = PostgresStore::connect(&url, PostgresConfig::default())
        .await
        .unwrap();
    for (name, description) in [
        ("acme/pdf-tools", "Fill PDF forms"),
        ("acme/pdf-merge", "Merge PDFs"),
        ("other/reports", "PDF reports"),
    ] {
        skillreg_testkit::contract::skill_store::create_skill(
            &store,
            name,
            new_version("1.0.0", name, description, &["pdf"], 0),
        )
        .await;
    }
    let admin = sqlx::PgPool::connect(&url).await.unwrap();
    let vectors = async || -> Vec<(i64, Option<String>)> {
        sqlx::query_as("SELECT seq, search_vector::text FROM skills ORDER BY seq")
            .fetch_all(&admin)
            .await
            .unwrap()
    };
    let (entries_before, vectors_before) = (block_entries(&admin).await, vectors().await);
    sqlx::query("DELETE FROM search_blocks")
        .execute(&admin)
        .await
        .unwrap();
    sqlx::query("UPDATE skills SET search_vector = NULL")
        .execute(&admin)
        .await
        .unwrap();
    for text in ["pdf", "fill forms"] {
        assert_eq!(
            store
                .search(&support::search_for(text))
                .await
                .unwrap()
                .total,
            0,
            "{text} before"
        );
    }
    store.close().await;

    let store = PostgresStore::connect(&url, PostgresConfig::default())
        .await
        .unwrap();
    assert_eq!(block_entries(&admin).await, entries_before);
    assert_eq!(vectors().await, vectors_before);
    for (text, total) in [("pdf", 3), ("fill forms", 1), ("tools", 1)] {
        let page = store.search(&support::search_for(text)).await.unwrap();
        assert_eq!(page.total, total, "{text}");
    }
}

/// Every entry of `search_blocks`, as (word, block, entry), in order.
async fn block_entries(admin: &sqlx::PgPool) -> Vec<(String, i64, i64)> {
    sqlx::query_as(
        "SELECT word, block, e FROM search_blocks, unnest(entries) AS e \
         ORDER BY word, block, e",
    )
    .fetch_all(admin)
    .await
    .unwrap()
}

/// Upgrading a database that kept one `search_words` row per (word, skill) moves them into
/// `search_blocks` (migration 4) entry for entry, and searches find the same skills.
#[tokio::test]
async fn upgrading_moves_search_words_into_blocks() {
    let url = support::fresh_database().await;
    let store = PostgresStore::connect(&url, PostgresConfig::default())
        .await
        .unwrap();
    for (name, description, tags) in [
        ("acme/pdf-tools", "Fill PDF forms", &["pdf"][..]),
        ("acme/pdf-merge", "Merge PDFs", &["pdf", "merge"][..]),
        ("other/sheets", "Spreadsheets and PDF reports", &[][..]),
    ] {
        skillreg_testkit::contract::skill_store::create_skill(
            &store,
            name,
            new_version("1.0.0", name, description, tags, 0),
        )
        .await;
    }
    store.close().await;
    let admin = sqlx::PgPool::connect(&url).await.unwrap();
    let before = block_entries(&admin).await;
    assert!(before.len() > 10, "{before:?}");
    // The tables as migration 3 left them.
    for statement in [
        "CREATE TABLE search_words (word TEXT COLLATE \"C\" NOT NULL, \
             seq BIGINT NOT NULL REFERENCES skills (seq), fields SMALLINT NOT NULL, \
             PRIMARY KEY (word, seq) INCLUDE (fields))",
        "INSERT INTO search_words SELECT word, e >> 3, (e & 7)::smallint \
             FROM search_blocks, unnest(entries) AS e",
        "DROP TABLE search_blocks",
        "DELETE FROM _sqlx_migrations WHERE version = 4",
    ] {
        sqlx::query(statement).execute(&admin).await.unwrap();
    }

    let store = PostgresStore::connect(&url, PostgresConfig::default())
        .await
        .unwrap();
    assert_eq!(block_entries(&admin).await, before);
    let (words,): (Option<String>,) = sqlx::query_as("SELECT to_regclass('search_words')::text")
        .fetch_one(&admin)
        .await
        .unwrap();
    assert_eq!(words, None, "search_words is dropped");
    for (text, total) in [("pdf", 3), ("merge", 1), ("pdf forms", 1)] {
        let page = store.search(&support::search_for(text)).await.unwrap();
        assert_eq!(page.total, total, "{text}");
    }
}

/// Several terms, or a filter, go through the GIN index with each term spelled out as the
/// known words it starts: prefixes of longer words still match, an unknown term matches
/// nothing, and a term starting more words than are spelled out stays a prefix.
#[tokio::test]
async fn spelled_out_terms_match_as_prefixes_did() {
    let store = support::postgres().await;
    let many: Vec<String> = (0..20).map(|i| format!("formats{i}")).collect();
    let description = format!("Fills forms. {}", many.join(" "));
    skillreg_testkit::contract::skill_store::create_skill(
        &store,
        "acme/pdfs-filler",
        new_version("1.0.0", "a", &description, &["documents"], 0),
    )
    .await;
    for (text, found) in [
        ("pdf fill", 1),
        ("pdfs filler", 1),
        ("doc form", 1),
        ("formats1 pdf", 1),
        ("pdf zzz", 0),
        ("pdfx fill", 0),
    ] {
        let page = store.search(&support::search_for(text)).await.unwrap();
        assert_eq!(page.total, found, "{text}");
        let mut scoped = support::search_for(text.split(' ').next().unwrap());
        scoped.namespace = Some("acme".parse().unwrap());
        if found == 1 {
            assert_eq!(
                store.search(&scoped).await.unwrap().total,
                1,
                "{text} in acme"
            );
        }
    }
}

/// Failed sign-ins counted in PostgreSQL: sixteen handles, as replicas, share each bucket
/// and together take no more than it holds.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_buckets_are_shared_by_every_replica() {
    let url = support::fresh_database().await;
    let stores = sixteen_stores(&url)
        .await
        .into_iter()
        .map(|store| store as Arc<dyn skillreg_core::ports::LimitStore>)
        .collect();
    skillreg_testkit::contract::limit_store::buckets_are_shared_and_atomic(stores, "sign-in").await;
}
