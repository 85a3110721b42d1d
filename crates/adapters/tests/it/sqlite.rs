//! The SQLite store: the contract suite, and what a file on disk adds.

use skillreg_core::ports::CatalogStore as _;
use skillreg_core::ports::EventStore as _;
use skillreg_core::ports::SearchStore as _;
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
    let page = reopened.search(&support::search_for("pdf")).await.unwrap();
    assert_eq!(page.hits.len(), 1, "the full-text index is on disk too");
}

/// 16 publishes of one version through the use case over one SQLite file, released
/// together and deciding on the same state: one creates, the rest lose their write and
/// read again, each told unchanged or conflict by the bytes it sent.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_publishes_of_one_version_create_once() {
    let dir = tempfile::tempdir().unwrap();
    let store: std::sync::Arc<dyn skillreg_core::ports::SkillStore> = std::sync::Arc::new(
        skillreg_adapters::SqliteStore::open(&dir.path().join("skillreg.db"))
            .await
            .unwrap(),
    );
    skillreg_testkit::race::one_version_is_created_once(vec![store; 16]).await;
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
    let dir = tempfile::tempdir().unwrap();
    let sqlite = skillreg_adapters::SqliteStore::open(&dir.path().join("skillreg.db"))
        .await
        .unwrap();
    support::assert_ranks_like_memory(&sqlite).await;
}
