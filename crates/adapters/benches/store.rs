//! Store benchmark: loads 1,000, then 10,000, then 100,000 skills into SQLite and (when
//! `TEST_DATABASE_URL` is set) PostgreSQL, and prints at each size the latency of
//! resolving a skill's latest version and of a few searches (p50/p99), then the throughput
//! of publishing a 10 KB skill through the whole use case (pack, blob, store).
//!
//! Run: `cargo bench -p skillreg-adapters --bench store` (add `-- --max 10000` for a quick
//! run, `-- --only postgres` or `-- --only sqlite` for one store, `-- --database NAME` to
//! keep PostgreSQL's skills in that database and measure them again on the next run, without
//! loading them again and without the publish figure). Figures are printed, not asserted: speed is judged by people, not by a test.

#![expect(
    clippy::print_stdout,
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a benchmark prints and stops on failure"
)]
#![expect(
    clippy::disallowed_methods,
    reason = "a benchmark measures time and reads its settings"
)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use skillreg_adapters::cache::{CacheMode, CachingStore};
use skillreg_adapters::postgres::PostgresConfig;
use skillreg_adapters::{FsBlobStore, PostgresStore, SqliteStore};
use skillreg_core::model::{EventKind, PageStart, SearchQuery, SearchSort, Timestamp};
use skillreg_core::ports::{SkillStore, SkillTarget, VersionWrite};
use skillreg_core::usecases::{BundleInput, PublishRequest, Registry, RegistryConfig};
use skillreg_core::version::{Candidate, VersionReq, select};
use skillreg_testkit::contract::skill_store::{new_version, skill_record};
use skillreg_testkit::fakes::{ManualClock, SequentialIds};

const WORDS: &[&str] = &[
    "pdf", "email", "docs", "report", "image", "deploy", "test", "lint", "sql", "cloud", "brand",
    "design", "api", "review", "plan", "audit", "chart", "slide", "sheet", "git", "docker", "rust",
    "python", "web", "data", "search", "log", "metric", "alert", "cache", "queue", "auth", "token",
    "secret", "backup", "restore",
];

fn skill_id(i: usize) -> String {
    let a = WORDS[i % WORDS.len()];
    let b = WORDS[(i / WORDS.len()) % WORDS.len()];
    format!("team{}/{a}-{b}-{i}", i % 200)
}

fn write_for(i: usize) -> VersionWrite {
    let id = skill_id(i);
    let a = WORDS[i % WORDS.len()];
    let c = WORDS[(i * 7) % WORDS.len()];
    let description = format!("Helps with {a} work and {c} tasks, variant {i}");
    let version = new_version(
        "1.0.0",
        &format!("content-{i}"),
        &description,
        &[a, c],
        i as i64,
    );
    let mut record = skill_record(&id, "loader", i as i64);
    record.uid = format!("load-{i}").parse().unwrap();
    VersionWrite {
        target: SkillTarget::New(record),
        audit: skillreg_core::model::AuditEntry {
            actor: "loader".parse().unwrap(),
            action: "publish".into(),
            target: id.clone(),
            at: version.published_at,
        },
        package_id: skillreg_core::package::package_id(&id.parse().unwrap(), &version),
        version,
        event: EventKind::SkillCreated,
        right: skillreg_core::ports::WriteRight::Admin,
    }
}

async fn load(store: Arc<dyn SkillStore>, from: usize, to: usize, parallel: usize) -> Duration {
    let started = Instant::now();
    let mut tasks = Vec::new();
    for lane in 0..parallel {
        let store = Arc::clone(&store);
        tasks.push(tokio::spawn(async move {
            for i in (from + lane..to).step_by(parallel) {
                let written = store.write_version(&write_for(i)).await;
                // Loaded by an earlier run that stopped part way (`--database`).
                if !matches!(
                    written,
                    Err(skillreg_core::ports::StoreError::SkillExists { .. })
                ) {
                    written.expect("load a skill");
                }
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    started.elapsed()
}

fn percentiles(mut samples: Vec<Duration>) -> (Duration, Duration) {
    samples.sort();
    let at = |p: f64| samples[((samples.len() as f64 - 1.0) * p).round() as usize];
    (at(0.50), at(0.99))
}

fn micros(d: Duration) -> String {
    format!("{:>9.1} µs", d.as_secs_f64() * 1e6)
}

async fn resolve_latest(store: &dyn SkillStore, size: usize) -> (Duration, Duration) {
    let mut samples = Vec::new();
    for n in 0..2000 {
        let i = (n * 7919) % size;
        let id = skill_id(i).parse().unwrap();
        let started = Instant::now();
        // The registry's resolve path: one read of the skill with its versions.
        let (_, versions) = store
            .skill_with_versions(&id)
            .await
            .unwrap()
            .expect("loaded skill");
        let latest = select(
            &VersionReq::Latest,
            versions.iter().map(|v| Candidate {
                version: v.version(),
                yanked: v.yanked,
            }),
        );
        assert!(latest.is_some());
        samples.push(started.elapsed());
    }
    percentiles(samples)
}

fn query(text: Option<&str>, sort: SearchSort) -> SearchQuery {
    SearchQuery {
        text: text.map(str::to_owned),
        tags: Vec::new(),
        namespace: None,
        min_rating: None,
        sort,
        start: PageStart::Offset(0),
        limit: 20,
        trending_since: Timestamp::default(),
        hidden: Vec::new(),
    }
}

async fn search_latency(store: &dyn SkillStore, query: &SearchQuery) -> (Duration, Duration, u64) {
    let mut samples = Vec::new();
    let mut total = 0;
    for _ in 0..200 {
        let started = Instant::now();
        let page = store.search(query).await.unwrap();
        samples.push(started.elapsed());
        total = page.total;
    }
    let (p50, p99) = percentiles(samples);
    (p50, p99, total)
}

async fn report(
    name: &str,
    store: Arc<dyn SkillStore>,
    max: usize,
    parallel: usize,
    already: usize,
    analyze: impl AsyncFn(),
) {
    let mut loaded = already;
    for size in [1_000, 10_000, 100_000]
        .into_iter()
        .filter(|s| *s <= max && *s >= already)
    {
        let took = load(Arc::clone(&store), loaded, size, parallel).await;
        println!(
            "{name}: loaded {} skills in {:.1} s ({:.0}/s)",
            size - loaded,
            took.as_secs_f64(),
            (size - loaded) as f64 / took.as_secs_f64()
        );
        loaded = size;
        // What autovacuum (PostgreSQL: every loaded skill was inserted, then updated with its
        // search columns, so half the rows are dead) or `PRAGMA optimize` (SQLite) would have
        // done by now.
        analyze().await;
        let (p50, p99) = resolve_latest(store.as_ref(), size).await;
        println!(
            "{name} @ {size:>6}: resolve latest              p50 {} p99 {}",
            micros(p50),
            micros(p99)
        );
        if name == "sqlite" {
            // The same reads through the caching layer `serve` puts in front of its
            // embedded store: the first pass fills it, the second is what repeat reads of
            // the same skills cost.
            let cached =
                Arc::new(CachingStore::new(Arc::clone(&store), CacheMode::Exclusive)).stores();
            resolve_latest(&cached, size).await;
            let (p50, p99) = resolve_latest(&cached, size).await;
            println!(
                "{name} @ {size:>6}: resolve latest, cached       p50 {} p99 {}",
                micros(p50),
                micros(p99)
            );
        }
        let mut tagged = query(None, SearchSort::Downloads);
        tagged.tags = vec!["pdf".into()];
        let mut scoped = query(Some("report"), SearchSort::Relevance);
        scoped.namespace = Some("team7".parse().unwrap());
        let queries = [
            ("text `pdf`", query(Some("pdf"), SearchSort::Relevance)),
            (
                "text `email review`",
                query(Some("email review"), SearchSort::Relevance),
            ),
            ("tag pdf, by downloads", tagged),
            ("text in namespace team7", scoped),
            ("everything, newest", query(None, SearchSort::Newest)),
        ];
        for (label, q) in &queries {
            let (p50, p99, total) = search_latency(store.as_ref(), q).await;
            println!(
                "{name} @ {size:>6}: search {label:<24} p50 {} p99 {} ({total} hits)",
                micros(p50),
                micros(p99)
            );
        }
    }
}

async fn publish_throughput(name: &str, store: Arc<dyn SkillStore>, blobs_dir: &std::path::Path) {
    let registry = Registry::new(
        store,
        Arc::new(FsBlobStore::open(blobs_dir).unwrap()),
        Arc::new(ManualClock::default()),
        Arc::new(SequentialIds::default()),
        RegistryConfig::default(),
    );
    let actor = skillreg_core::auth::Actor::new(
        "publisher".parse().unwrap(),
        vec![
            skillreg_core::model::TokenScope::PublishNew,
            skillreg_core::model::TokenScope::PublishUpdate,
        ],
        vec!["*".parse().unwrap()],
    );
    let body = "x".repeat(10 * 1024);
    let count = 500;
    let started = Instant::now();
    for i in 0..count {
        let files = skillreg_testkit::fixtures::skill_files(
            &format!("bench-{i}"),
            "A ten kilobyte skill",
            "",
            &[("reference.md", &format!("{i}{body}"))],
        );
        let request = PublishRequest {
            namespace: "bench".parse().unwrap(),
            bundle: BundleInput::Files(files),
            version: Some("1.0.0".parse().unwrap()),
            signatures: Vec::new(),
        };
        registry.publish(&actor, request).await.unwrap();
    }
    let took = started.elapsed();
    println!(
        "{name}: publish of a 10 KB skill (pack + blob + store): {:.0}/s ({count} in {:.2} s)",
        count as f64 / took.as_secs_f64(),
        took.as_secs_f64()
    );
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let max = args
        .iter()
        .position(|a| a == "--max")
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let only = args
        .iter()
        .position(|a| a == "--only")
        .and_then(|i| args.get(i + 1))
        .cloned();
    let runs = |store: &str| only.as_deref().is_none_or(|only| only == store);
    let database = args
        .iter()
        .position(|a| a == "--database")
        .and_then(|i| args.get(i + 1))
        .cloned();
    let dir = tempfile::tempdir().unwrap();
    if runs("sqlite") {
        bench_sqlite(dir.path(), max).await;
    }
    if runs("postgres") {
        bench_postgres(dir.path(), max, database).await;
    }
}

async fn bench_sqlite(dir: &std::path::Path, max: usize) {
    let sqlite_path = dir.join("bench.db");
    let sqlite: Arc<dyn SkillStore> = Arc::new(SqliteStore::open(&sqlite_path).await.unwrap());
    {
        let probe = sqlx::SqlitePool::connect(&format!("sqlite://{}", sqlite_path.display()))
            .await
            .unwrap();
        let mut samples = Vec::new();
        for _ in 0..2000 {
            let started = Instant::now();
            sqlx::query("SELECT 1").execute(&probe).await.unwrap();
            samples.push(started.elapsed());
        }
        let (p50, p99) = percentiles(samples);
        println!(
            "sqlite: driver round trip (SELECT 1)   p50 {} p99 {}",
            micros(p50),
            micros(p99)
        );
    }
    let sqlite_admin = sqlx::SqlitePool::connect(&format!("sqlite://{}", sqlite_path.display()))
        .await
        .unwrap();
    report("sqlite", Arc::clone(&sqlite), max, 1, 0, async || {
        sqlx::query("ANALYZE").execute(&sqlite_admin).await.unwrap();
    })
    .await;
    publish_throughput("sqlite", sqlite, &dir.join("blobs-sqlite")).await;
}

/// `database`: a database to keep the skills in (created when missing) instead of one
/// dropped at the end.
async fn bench_postgres(dir: &std::path::Path, max: usize, database: Option<String>) {
    match std::env::var("TEST_DATABASE_URL") {
        Ok(admin) => {
            let keep = database.is_some();
            let name =
                database.unwrap_or_else(|| format!("skillreg_test_bench_{}", std::process::id()));
            let pool = sqlx::PgPool::connect(&admin).await.unwrap();
            let (exists,): (bool,) =
                sqlx::query_as("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
                    .bind(&name)
                    .fetch_one(&pool)
                    .await
                    .unwrap();
            if !exists {
                sqlx::query(&format!("CREATE DATABASE \"{name}\""))
                    .execute(&pool)
                    .await
                    .unwrap();
            }
            let url = {
                use sqlx::ConnectOptions;
                use std::str::FromStr;
                sqlx::postgres::PgConnectOptions::from_str(&admin)
                    .unwrap()
                    .database(&name)
                    .to_url_lossy()
                    .to_string()
            };
            let postgres: Arc<dyn SkillStore> = Arc::new(
                PostgresStore::connect(&url, PostgresConfig::default())
                    .await
                    .unwrap(),
            );
            let postgres_admin = sqlx::PgPool::connect(&url).await.unwrap();
            let (loaded,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM skills")
                .fetch_one(&postgres_admin)
                .await
                .unwrap();
            let loaded = usize::try_from(loaded).unwrap();
            report(
                "postgres",
                Arc::clone(&postgres),
                max,
                8,
                loaded,
                async || {
                    sqlx::query("VACUUM (ANALYZE)")
                        .execute(&postgres_admin)
                        .await
                        .unwrap();
                },
            )
            .await;
            if keep {
                println!("postgres: skills kept in database {name}");
                return;
            }
            publish_throughput("postgres", postgres, &dir.join("blobs-postgres")).await;
            postgres_admin.close().await;
            sqlx::query(&format!("DROP DATABASE {name} WITH (FORCE)"))
                .execute(&pool)
                .await
                .unwrap();
        }
        Err(_) => println!("postgres: skipped (set TEST_DATABASE_URL to include it)"),
    }
}
