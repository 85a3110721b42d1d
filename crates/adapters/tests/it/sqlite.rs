//! The SQLite store: the contract suite, and what a file on disk adds.

use skillreg_core::ports::SkillStore;
use skillreg_testkit::contract::skill_store::{create_skill, new_version};

use crate::support;

mod contract {
    skillreg_testkit::skill_store_contract!(crate::support::sqlite());
}

/// A store in a file of a fresh folder, holding `acme/pdf` 1.0.0.
async fn pdf_store_on_file() -> (
    tempfile::TempDir,
    std::path::PathBuf,
    skillreg_adapters::SqliteStore,
    skillreg_core::model::SkillRecord,
) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("skillreg.db");
    let store = skillreg_adapters::SqliteStore::open(&path).await.unwrap();
    let skill = create_skill(
        &store,
        "acme/pdf",
        new_version("1.0.0", "a", "pdf tools", &["pdf"], 0),
    )
    .await;
    (dir, path, store, skill)
}

#[tokio::test]
async fn data_survives_a_reopen() {
    let (_dir, path, store, skill) = pdf_store_on_file().await;
    store.close().await;
    let reopened = skillreg_adapters::SqliteStore::open(&path).await.unwrap();
    assert_eq!(
        reopened.skill(&skill.id).await.unwrap(),
        Some(skill.clone())
    );
    assert_eq!(reopened.versions(&skill.uid).await.unwrap().len(), 1);
    let page = reopened.search(&search_for("pdf")).await.unwrap();
    assert_eq!(page.hits.len(), 1, "the full-text index is on disk too");
}

#[tokio::test]
async fn concurrent_writers_do_not_fail_with_busy() {
    let store = support::sqlite().await;
    let mut tasks = Vec::new();
    for i in 0..16 {
        let store = store.store.clone();
        tasks.push(tokio::spawn(async move {
            create_skill(
                &store,
                &format!("acme/s{i}"),
                new_version("1.0.0", &format!("{i}"), "x", &[], 0),
            )
            .await;
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    assert_eq!(store.events_after(0, 100).await.unwrap().len(), 16);
}

fn search_for(text: &str) -> skillreg_core::model::SearchQuery {
    skillreg_core::model::SearchQuery {
        text: Some(text.to_owned()),
        tags: Vec::new(),
        namespace: None,
        min_rating: None,
        sort: skillreg_core::model::SearchSort::Relevance,
        start: skillreg_core::model::PageStart::Offset(0),
        limit: 10,
        trending_since: skillreg_core::model::Timestamp::default(),
    }
}

#[tokio::test]
async fn a_damaged_version_row_is_reported_not_hidden() {
    // Point reads of a file database run on the calling thread; one that cannot read a row
    // gives way to the pooled path, which reports the damage.
    let (_dir, path, store, skill) = pdf_store_on_file().await;
    let version: skillreg_core::Version = "1.0.0".parse().unwrap();
    assert!(store.version(&skill.uid, &version).await.unwrap().is_some());
    let admin = sqlx::SqlitePool::connect(&format!("sqlite://{}", path.display()))
        .await
        .unwrap();
    sqlx::query("UPDATE versions SET archive_digest = 'not a digest'")
        .execute(&admin)
        .await
        .unwrap();
    let error = store.version(&skill.uid, &version).await.unwrap_err();
    assert!(
        matches!(error, skillreg_core::ports::StoreError::Corrupt(_)),
        "{error:?}"
    );
    assert!(store.skill_with_versions(&skill.id).await.is_err());
    // The skill row itself is intact and still reads.
    assert_eq!(store.skill(&skill.id).await.unwrap(), Some(skill));
}

#[tokio::test]
async fn a_closed_store_answers_no_reads() {
    let (_dir, _path, store, skill) = pdf_store_on_file().await;
    store.close().await;
    assert!(store.skill(&skill.id).await.is_err());
    assert!(store.skill_with_versions(&skill.id).await.is_err());
}

/// Broad searches (past the point where SQLite scores matches from FTS5's lists and walks
/// the downloads index) rank exactly as the in-memory store does, page after page, with
/// and without filters.
#[tokio::test]
async fn broad_searches_rank_like_the_in_memory_store() {
    const WORDS: [&str; 6] = ["pdf", "form", "email", "report", "chart", "sheet"];
    let dir = tempfile::tempdir().unwrap();
    let sqlite = skillreg_adapters::SqliteStore::open(&dir.path().join("skillreg.db"))
        .await
        .unwrap();
    let memory = skillreg_testkit::fakes::MemoryStore::new();
    let stores: [&dyn SkillStore; 2] = [&sqlite, &memory];
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
            let page = sqlite.search(&query).await.unwrap();
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
    let first = sqlite.search(&search_for("pdf")).await.unwrap();
    assert_eq!(
        first.hits[0].skill.id.to_string(),
        "team3/pdf",
        "exact name first"
    );
}
