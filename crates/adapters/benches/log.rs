//! Transparency log benchmark: a tree of 100,000 entries (appending every leaf, its memory),
//! inclusion and consistency proofs made from it (p50/p99), a client's verification of one
//! install (the checkpoint's signature, a consistency proof, the entry and its inclusion
//! proof; the network left out), and, when `TEST_DATABASE_URL` is set, what an entry costs
//! in PostgreSQL (`log_entries` bytes per row after 10,000 publishes).
//!
//! Run: `cargo bench -p skillreg-adapters --bench log` (`-- --size N` for another tree size).
//! Figures are printed, not asserted.

#![expect(
    clippy::print_stdout,
    clippy::unwrap_used,
    reason = "a benchmark prints and stops on failure"
)]
#![expect(
    clippy::disallowed_methods,
    reason = "a benchmark measures time and reads its settings"
)]

use std::time::{Duration, Instant};

use skillreg_adapters::signing::note::{NoteKeyPair, signed_by};
use skillreg_core::log::{
    Checkpoint, LogEntry, SignedNote, Tree, leaf_hash, verify_consistency, verify_inclusion,
};
use skillreg_core::model::{NewVersion, Timestamp};
use skillreg_core::ports::NoteSigner as _;
use skillreg_core::signature::{Signature, SignatureAlgorithm};
use skillreg_testkit::contract::skill_store::new_version;

fn percentiles(mut samples: Vec<Duration>) -> (Duration, Duration) {
    samples.sort();
    let at = |q: f64| samples[((samples.len() as f64 - 1.0) * q).round() as usize];
    (at(0.5), at(0.99))
}

/// A small deterministic generator (xorshift), so runs compare.
struct Numbers(u64);

impl Numbers {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

fn version(i: usize) -> NewVersion {
    let mut version = new_version("1.0.0", &format!("c{i}"), "bench", &[], 1_767_225_600_000);
    version.signatures = vec![Signature {
        algorithm: SignatureAlgorithm::Ed25519,
        key_id: "ed25519:0123456789abcdef0123456789abcdef".to_owned(),
        value: vec![0; 64],
    }];
    version
}

fn entry(i: usize) -> LogEntry {
    LogEntry::published(
        &format!("team{}/skill-{i}", i % 200).parse().unwrap(),
        &version(i),
    )
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let size: usize = args
        .iter()
        .position(|a| a == "--size")
        .and_then(|i| args.get(i + 1))
        .and_then(|n| n.parse().ok())
        .unwrap_or(100_000);

    let entries: Vec<Vec<u8>> = (0..size).map(|i| entry(i).to_bytes()).collect();
    let mean_entry = entries.iter().map(Vec::len).sum::<usize>() / size;
    let started = Instant::now();
    let mut tree = Tree::new();
    for bytes in &entries {
        tree.push(leaf_hash(bytes));
    }
    let built = started.elapsed();
    // Every complete subtree's hash: n leaves, n/2 parents, … about 2n hashes of 32 bytes.
    let hashes: u64 = (0..64)
        .map(|level| (size as u64) >> level)
        .take_while(|n| *n > 0)
        .sum();
    println!("tree of {size} entries");
    println!(
        "  built (hash every entry, append every leaf): {:.1} ms, {:.2} µs an entry",
        built.as_secs_f64() * 1e3,
        built.as_secs_f64() * 1e6 / size as f64
    );
    println!(
        "  kept in memory: {:.1} MB ({} hashes)",
        hashes as f64 * 32.0 / 1e6,
        hashes
    );
    println!(
        "  an entry's canonical bytes: {mean_entry} bytes on average (a publish with one signer)"
    );

    let mut numbers = Numbers(0x9e37_79b9_7f4a_7c15);
    let n = size as u64;
    let mut timings = Vec::new();
    for _ in 0..10_000 {
        let index = numbers.below(n);
        let started = Instant::now();
        let proof = tree.inclusion_proof(index, n).unwrap();
        timings.push(started.elapsed());
        assert!(!proof.is_empty() || n == 1);
    }
    let (p50, p99) = percentiles(timings);
    println!("  inclusion proof at the latest size: p50 {p50:?}, p99 {p99:?}");
    let mut timings = Vec::new();
    for _ in 0..10_000 {
        let at = 1 + numbers.below(n);
        let index = numbers.below(at);
        let started = Instant::now();
        tree.inclusion_proof(index, at).unwrap();
        timings.push(started.elapsed());
    }
    let (p50, p99) = percentiles(timings);
    println!("  inclusion proof at an older size: p50 {p50:?}, p99 {p99:?}");
    let mut timings = Vec::new();
    for _ in 0..10_000 {
        let old = 1 + numbers.below(n);
        let started = Instant::now();
        tree.consistency_proof(old, n).unwrap();
        timings.push(started.elapsed());
    }
    let (p50, p99) = percentiles(timings);
    println!("  consistency proof to the latest size: p50 {p50:?}, p99 {p99:?}");

    // A client's checks for one install, as `skillreg install` makes them, minus the
    // network: the checkpoint (parse, signature), a consistency proof from a checkpoint
    // 100 entries older, the entry (its leaf, its fields) and its inclusion proof.
    let key = NoteKeyPair::from_seed("registry.bench", [7; 32]).unwrap();
    let root = tree.root(n).unwrap();
    let text = Checkpoint {
        origin: "registry.bench".to_owned(),
        size: n,
        root,
        time: Timestamp::from_unix_millis(1).unix_millis(),
    }
    .to_text();
    let note = SignedNote {
        signatures: vec![key.sign(&text)],
        text,
    }
    .to_text();
    let old = n.saturating_sub(100).max(1);
    let old_root = tree.root(old).unwrap();
    let consistency = tree.consistency_proof(old, n).unwrap();
    let mut timings = Vec::new();
    for _ in 0..2_000 {
        let index = numbers.below(n);
        let bytes = &entries[index as usize];
        let inclusion = tree.inclusion_proof(index, n).unwrap();
        let started = Instant::now();
        let signed = SignedNote::parse(&note).unwrap();
        assert!(signed_by(&signed, key.public()));
        let checkpoint = Checkpoint::parse(&signed.text).unwrap();
        verify_consistency(
            old,
            checkpoint.size,
            &old_root,
            &checkpoint.root,
            &consistency,
        )
        .unwrap();
        let leaf = leaf_hash(bytes);
        let parsed = LogEntry::parse(bytes).unwrap();
        assert!(parsed.archive.is_some());
        verify_inclusion(&leaf, index, checkpoint.size, &inclusion, &checkpoint.root).unwrap();
        timings.push(started.elapsed());
    }
    let (p50, p99) = percentiles(timings);
    println!("client verification of one install (no network): p50 {p50:?}, p99 {p99:?}");

    if let Ok(url) = std::env::var("TEST_DATABASE_URL") {
        tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(postgres_size(&url));
    } else {
        println!("(TEST_DATABASE_URL is not set: the PostgreSQL figure is left out)");
    }
}

/// Bytes per `log_entries` row in PostgreSQL (table, index and TOAST) after 10,000
/// publishes through the store.
async fn postgres_size(admin_url: &str) {
    use skillreg_core::model::EventKind;
    use skillreg_core::ports::{LogStore as _, SkillTarget, VersionWrite};
    use skillreg_testkit::contract::skill_store::skill_record;

    let url = skillreg_adapters::postgres::testing::fresh_database(admin_url)
        .await
        .unwrap();
    let store = skillreg_adapters::PostgresStore::connect(
        &url,
        skillreg_adapters::postgres::PostgresConfig::default(),
    )
    .await
    .unwrap();
    let count = 10_000;
    for i in 0..count {
        let id = format!("team{}/skill-{i}", i % 200);
        let record = skill_record(&id, "alice", 1_767_225_600_000);
        let version = version(i);
        let write = VersionWrite {
            package_id: skillreg_core::package::package_id(&id.parse().unwrap(), &version),
            target: SkillTarget::New(record),
            version,
            event: EventKind::SkillCreated,
            audit: skillreg_core::model::AuditEntry {
                actor: "alice".parse().unwrap(),
                action: "publish".to_owned(),
                target: id.clone(),
                at: Timestamp::from_unix_millis(1_767_225_600_000),
            },
            right: skillreg_core::ports::WriteRight::Admin,
        };
        skillreg_core::ports::CatalogStore::write_version(&store, &write)
            .await
            .unwrap();
    }
    assert_eq!(store.log_size().await.unwrap(), count as u64);
    let pool = sqlx::PgPool::connect(&url).await.unwrap();
    let (bytes,): (i64,) = sqlx::query_as("SELECT pg_total_relation_size('log_entries')")
        .fetch_one(&pool)
        .await
        .unwrap();
    println!(
        "PostgreSQL: {:.0} bytes an entry in log_entries (table, primary key and TOAST, {count} entries)",
        bytes as f64 / count as f64
    );
}
