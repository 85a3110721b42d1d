//! Test databases: a temporary SQLite file, or a fresh PostgreSQL database per test.

use skillreg_core::ports::SearchStore as _;
use std::ops::Deref;

use skillreg_adapters::postgres::PostgresConfig;
use skillreg_adapters::{PostgresStore, SqliteStore};
use skillreg_core::ports::SkillStore;
use skillreg_testkit::contract::skill_store::{create_skill, new_version};

/// A SQLite store in a temporary folder that lives as long as it does.
#[derive(Debug)]
pub(crate) struct TempSqlite {
    pub(crate) store: SqliteStore,
    _dir: tempfile::TempDir,
}

impl Deref for TempSqlite {
    type Target = SqliteStore;
    fn deref(&self) -> &SqliteStore {
        &self.store
    }
}

pub(crate) async fn sqlite() -> TempSqlite {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("skillreg.db"))
        .await
        .unwrap();
    TempSqlite { store, _dir: dir }
}

/// The server the PostgreSQL tests use. They fail, not skip, without it.
#[expect(
    clippy::disallowed_methods,
    reason = "tests read their one setting from the environment"
)]
pub(crate) fn database_url() -> String {
    std::env::var("TEST_DATABASE_URL").unwrap_or_else(|_| {
        panic!(
            "TEST_DATABASE_URL is not set: PostgreSQL tests need a server, e.g. \
             TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres (scripts/test sets it up)"
        )
    })
}

/// Creates a fresh, empty database and returns its URL.
pub(crate) async fn fresh_database() -> String {
    let admin_url = database_url();
    skillreg_adapters::postgres::testing::fresh_database(&admin_url)
        .await
        .unwrap_or_else(|e| {
            panic!("cannot create a database on TEST_DATABASE_URL={admin_url}: {e}")
        })
}

/// A store over a fresh database.
pub(crate) async fn postgres() -> PostgresStore {
    PostgresStore::connect(&fresh_database().await, PostgresConfig::default())
        .await
        .unwrap()
}

/// A relevance search for `text`, first page of ten.
pub(crate) fn search_for(text: &str) -> skillreg_core::model::SearchQuery {
    skillreg_core::model::SearchQuery {
        text: Some(text.to_owned()),
        tags: Vec::new(),
        namespace: None,
        min_rating: None,
        sort: skillreg_core::model::SearchSort::Relevance,
        start: skillreg_core::model::PageStart::Offset(0),
        limit: 10,
        trending_since: skillreg_core::model::Timestamp::default(),
        hidden: Vec::new(),
    }
}

/// Loads 1,200 skills into `store` and an in-memory store, then checks that broad searches
/// (past the point where a database store scores matches from its index's lists and walks
/// the downloads index) rank exactly as the in-memory store does, page after page, with and
/// without filters, and that an exact name comes first.
pub(crate) async fn assert_ranks_like_memory(store: &dyn SkillStore) {
    const WORDS: [&str; 6] = ["pdf", "form", "email", "report", "chart", "sheet"];
    let memory = skillreg_testkit::fakes::MemoryStore::new();
    let stores: [&dyn SkillStore; 2] = [store, &memory];
    for i in 0..1_200_usize {
        let a = WORDS[i % WORDS.len()];
        let b = WORDS[(i / WORDS.len()) % WORDS.len()];
        let c = WORDS[(i * 5 + 1) % WORDS.len()];
        let name = if i == 7 {
            "pdf".to_owned()
        } else {
            format!("{a}-{b}-{i}")
        };
        let id = format!("team{}/{name}", i % 4);
        let description = format!("Works with {c} and pdf files, number {i}");
        for store in stores {
            let version = new_version("1.0.0", &id, &description, &[b, c], i as i64);
            let skill = create_skill(store, &id, version).await;
            let downloads = if i % 37 == 0 { i % 5 + 1 } else { 0 };
            for _ in 0..downloads {
                store
                    .record_download(
                        &skill.uid,
                        &"1.0.0".parse().unwrap(),
                        skillreg_core::model::Timestamp::default(),
                    )
                    .await
                    .unwrap();
            }
        }
    }
    let ids = |page: &skillreg_core::model::SearchPage| {
        page.hits
            .iter()
            .map(|h| h.skill.id.to_string())
            .collect::<Vec<_>>()
    };
    let mut queries = Vec::new();
    for text in ["pdf", "form", "pdf form", "email chart"] {
        queries.push(search_for(text));
    }
    let mut scoped = search_for("pdf");
    scoped.namespace = Some("team1".parse().unwrap());
    queries.push(scoped);
    let mut tagged = search_for("pdf");
    tagged.tags = vec!["sheet".to_owned()];
    queries.push(tagged);
    for mut query in queries {
        query.limit = 25;
        for offset in [0, 25, 410, 1_190] {
            query.start = skillreg_core::model::PageStart::Offset(offset);
            let expected = memory.search(&query).await.unwrap();
            let page = store.search(&query).await.unwrap();
            assert_eq!(
                ids(&page),
                ids(&expected),
                "{:?} {:?} at {offset}",
                query.text,
                query.namespace
            );
            assert_eq!(page.total, expected.total, "{:?}", query.text);
        }
    }
    let first = store.search(&search_for("pdf")).await.unwrap();
    assert_eq!(
        first.hits[0].skill.id.to_string(),
        "team3/pdf",
        "exact name first"
    );
}

/// The Redis server the rate-limit tests use (`TEST_REDIS_URL`). They fail, not skip,
/// without it.
#[expect(
    clippy::disallowed_methods,
    reason = "tests read their one setting from the environment"
)]
pub(crate) fn redis_url() -> String {
    std::env::var("TEST_REDIS_URL").unwrap_or_else(|_| {
        panic!(
            "TEST_REDIS_URL is not set: the Redis tests need a server, e.g. \
             TEST_REDIS_URL=redis://127.0.0.1:6379 (scripts/test sets it up)"
        )
    })
}
