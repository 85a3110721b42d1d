//! SIGKILL soak: writers publish, import, yank and rate in a loop while the server is killed
//! with SIGKILL at pseudo-random moments and started again on the same data folder and
//! port, on SQLite with a blob folder and on PostgreSQL with an S3 bucket. Afterwards every
//! acknowledged write is there and whole, every version's archive downloads and matches
//! its digest, a write whose answer was lost is retried without anything in its way, and
//! search agrees with the versions. `SKILLREG_SOAK_KILLS` sets the number of kills (at
//! least 50, the default).

#![expect(
    clippy::unwrap_used,
    clippy::panic,
    reason = "in tests an unwrap or a panic is an assertion with a location"
)]

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::Path;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use serde_json::Value;
use skillreg_core::bundle::pack;
use skillreg_testkit::fixtures::skill_files;
use skillreg_testkit::s3_server::S3Server;
use skillreg_testkit::serving::{Serving, http, try_http};

/// Writers at once: each has its own skill, import and rater.
const WRITERS: usize = 3;

#[expect(
    clippy::disallowed_methods,
    reason = "tests read their settings from the environment"
)]
fn setting(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

fn kills() -> usize {
    setting("SKILLREG_SOAK_KILLS")
        .and_then(|n| n.parse().ok())
        .map_or(50, |n: usize| n.max(50))
}

/// A small deterministic generator (the kill moments need no better).
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, bound: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % bound
    }
}

/// What the server acknowledged.
#[derive(Debug, Default)]
struct Acked {
    /// `namespace/name` → version → archive digest.
    versions: BTreeMap<String, BTreeMap<String, String>>,
    /// Imports answered `unchanged` (a retry of one that landed before the kill): the skill
    /// and the archive digest one of its versions must have.
    present: Vec<(String, String)>,
    /// `(skill, version)` yanked.
    yanks: Vec<(String, String)>,
    /// Skill → the stars of each acknowledged rating, in order, and of every attempt.
    ratings: BTreeMap<String, (Vec<u8>, Vec<u8>)>,
    /// Writes acknowledged.
    writes: u64,
}

fn archive(name: &str, version: &str) -> Vec<u8> {
    pack(&skill_files(
        name,
        "Soaked skill",
        "",
        &[("n.txt", &format!("{name} {version}"))],
    ))
    .unwrap()
    .into_bytes()
}

fn digest_of(bytes: &[u8]) -> String {
    skillreg_core::Digest::of(bytes).to_string()
}

/// Sends one write until the server answers it; a lost answer (a kill) is sent again,
/// unchanged. Returns the answer, which must be a success.
fn until_answered(
    address: &str,
    stop: &AtomicBool,
    method: &str,
    path: &str,
    token: &str,
    body: &[u8],
) -> Option<(u16, String)> {
    loop {
        match try_http(address, method, path, Some(token), body) {
            Some((status, answer)) if (200..300).contains(&status) => {
                return Some((status, answer));
            }
            // Starting, or stopping: the same write again in a moment.
            Some((503, _)) | None => {
                if stop.load(Ordering::SeqCst) {
                    return None;
                }
                std::thread::sleep(Duration::from_millis(5));
            }
            Some((status, answer)) => {
                panic!("{method} {path} was refused after a kill: {status} {answer}")
            }
        }
    }
}

/// One writer's loop: a publish, an import, a yank of its oldest live version and a rating,
/// over and over, each write retried until answered.
fn writer(
    index: usize,
    address: &str,
    (admin, rater_token): (&str, &str),
    stop: &AtomicBool,
    acked: &Mutex<Acked>,
) {
    let name = format!("soak-{index}");
    let id = format!("acme/{name}");
    let imported = format!("import-{index}");
    let mut round = 0u64;
    while !stop.load(Ordering::SeqCst) {
        let version = format!("1.0.{round}");
        let bytes = archive(&name, &version);
        let path = format!("/api/v1/skills?namespace=acme&version={version}");
        if until_answered(address, stop, "POST", &path, admin, &bytes).is_some() {
            let mut acked = acked.lock().unwrap();
            acked
                .versions
                .entry(id.clone())
                .or_default()
                .insert(version.clone(), digest_of(&bytes));
            acked.writes += 1;
        }
        let files = archive(&imported, &format!("round {round}"));
        let path = "/api/v1/import?namespace=imports&on_conflict=overwrite";
        if let Some((_, answer)) = until_answered(address, stop, "POST", path, admin, &files) {
            let answer: Value = serde_json::from_str(&answer).unwrap();
            let mut acked = acked.lock().unwrap();
            let skill = format!("imports/{imported}");
            match answer["version"].as_str() {
                Some(version) => {
                    acked
                        .versions
                        .entry(skill)
                        .or_default()
                        .insert(version.to_owned(), digest_of(&files));
                }
                None => acked.present.push((skill, digest_of(&files))),
            }
            acked.writes += 1;
        }
        if round % 3 == 2 {
            let oldest = format!("1.0.{}", round - 2);
            let path = format!("/api/v1/skills/{id}/-/versions/{oldest}/yank");
            if until_answered(address, stop, "POST", &path, admin, b"").is_some() {
                let mut acked = acked.lock().unwrap();
                acked.yanks.push((id.clone(), oldest));
                acked.writes += 1;
            }
        }
        let stars = u8::try_from(round % 5).unwrap_or(0) + 1;
        acked
            .lock()
            .unwrap()
            .ratings
            .entry(id.clone())
            .or_default()
            .1
            .push(stars);
        let path = format!("/api/v1/skills/{id}/-/ratings");
        let body = format!(r#"{{"stars": {stars}}}"#);
        if until_answered(address, stop, "POST", &path, rater_token, body.as_bytes()).is_some() {
            let mut acked = acked.lock().unwrap();
            acked.ratings.entry(id.clone()).or_default().0.push(stars);
            acked.writes += 1;
        }
        round += 1;
    }
}

/// Runs the soak against `serve <args…>` with `env`; returns (kills, writes acknowledged,
/// writes found).
fn soak(label: &str, args: &[&str], env: &[(String, String)]) -> (usize, u64, u64) {
    let binary = Path::new(env!("CARGO_BIN_EXE_skillreg"));
    let data = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .unwrap()
        .port();
    let listen = format!("127.0.0.1:{port}");
    let mut args = args.to_vec();
    args.extend(["--writes-per-minute", "1000000"]);
    let mut server = Serving::start(binary, data.path(), &listen, &args, env);
    let address = server.address.clone();
    let admin = std::fs::read_to_string(data.path().join("admin.token"))
        .unwrap()
        .trim()
        .to_owned();
    // Each writer's rater, made before the first kill.
    let raters: Vec<String> = (0..WRITERS)
        .map(|index| {
            let body = format!(
                r#"{{"name": "rater-{index}", "scopes": ["rate"], "user": "rater-{index}"}}"#
            );
            let (_, created) = http(
                &address,
                "POST",
                "/api/v1/tokens",
                Some(&admin),
                body.as_bytes(),
            );
            serde_json::from_str::<Value>(&created).unwrap()["token"]
                .as_str()
                .unwrap_or_else(|| panic!("a token: {created}"))
                .to_owned()
        })
        .collect();
    let stop = AtomicBool::new(false);
    let acked = Mutex::new(Acked::default());
    let done = AtomicU64::new(0);
    let kills = kills();
    let mut random = Lcg(0x5eed ^ u64::from(port));
    std::thread::scope(|scope| {
        for (index, rater) in raters.iter().enumerate() {
            let (address, admin, stop, acked) = (&address, &admin, &stop, &acked);
            scope.spawn(move || writer(index, address, (admin, rater), stop, acked));
        }
        for _ in 0..kills {
            std::thread::sleep(Duration::from_millis(20 + random.below(180)));
            server.kill();
            server = Serving::start(binary, data.path(), &listen, &args, env);
            done.fetch_add(1, Ordering::SeqCst);
        }
        stop.store(true, Ordering::SeqCst);
    });
    let acked = acked.into_inner().unwrap();
    let found = check(&address, &acked);
    // The figures, for whoever runs it with --no-capture.
    let _ = writeln!(
        std::io::stdout(),
        "{label}: {} kills, {} writes acknowledged, {found} found",
        done.load(Ordering::SeqCst),
        acked.writes
    );
    (kills, acked.writes, found)
}

/// Holds the registry to every acknowledged write; returns how many it found.
fn check(address: &str, acked: &Acked) -> u64 {
    let mut found = 0;
    for (id, versions) in &acked.versions {
        let (status, listed) = http(
            address,
            "GET",
            &format!("/api/v1/skills/{id}/-/versions"),
            None,
            b"",
        );
        assert_eq!(status, 200, "{id}: {listed}");
        let listed: Value = serde_json::from_str(&listed).unwrap();
        let listed = listed["versions"].as_array().unwrap();
        for (version, digest) in versions {
            let entry = listed
                .iter()
                .find(|v| v["version"] == version.as_str())
                .unwrap_or_else(|| panic!("{id} {version} was acknowledged, and is gone"));
            assert_eq!(entry["archive_digest"], digest.as_str(), "{id} {version}");
            found += 1;
        }
        // Every version, acknowledged or not, has its whole archive.
        for entry in listed {
            let version = entry["version"].as_str().unwrap();
            let path = format!("/api/v1/skills/{id}/-/download?version={version}");
            let bytes = download(address, &path);
            assert_eq!(
                digest_of(&bytes),
                entry["archive_digest"].as_str().unwrap(),
                "{id} {version}: the archive is whole"
            );
        }
        // Search agrees with the versions: its latest is the highest one not yanked.
        let latest = listed
            .iter()
            .filter(|v| v["yanked"] == false)
            .filter_map(|v| v["version"].as_str())
            .filter_map(|v| v.parse::<skillreg_core::Version>().ok())
            .max();
        let name = id.rsplit('/').next().unwrap();
        let (_, hits) = http(
            address,
            "GET",
            &format!("/api/v1/skills?q={name}&limit=50"),
            None,
            b"",
        );
        let hits: Value = serde_json::from_str(&hits).unwrap();
        let hit = hits["skills"]
            .as_array()
            .unwrap()
            .iter()
            .find(|h| h["id"] == id.as_str())
            .unwrap_or_else(|| panic!("search does not find {id}"));
        assert_eq!(
            hit["latest_version"].as_str(),
            latest.map(|v| v.to_string()).as_deref(),
            "{id}: search's latest"
        );
    }
    for (id, digest) in &acked.present {
        let (_, listed) = http(
            address,
            "GET",
            &format!("/api/v1/skills/{id}/-/versions"),
            None,
            b"",
        );
        assert!(
            listed.contains(&format!("\"archive_digest\":\"{digest}\"")),
            "{id}: an import answered unchanged has a version with {digest}"
        );
        found += 1;
    }
    for (id, version) in &acked.yanks {
        let (_, body) = http(
            address,
            "GET",
            &format!("/api/v1/skills/{id}/-/versions/{version}"),
            None,
            b"",
        );
        assert!(
            body.contains("\"yanked\":true"),
            "{id} {version} was yanked: {body}"
        );
        found += 1;
    }
    for (id, (answered, attempted)) in &acked.ratings {
        let (_, body) = http(
            address,
            "GET",
            &format!("/api/v1/skills/{id}/-/ratings"),
            None,
            b"",
        );
        let body: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(body["count"], 1, "{id}: one rater, one rating");
        if let Some(last) = answered.last() {
            // The last acknowledged rating, or one attempted after it.
            let position =
                attempted.len() - 1 - attempted.iter().rev().position(|s| s == last).unwrap();
            let average = body["average"].as_f64().unwrap();
            assert!(
                attempted[position..]
                    .iter()
                    .any(|s| (f64::from(*s) - average).abs() < 1e-9),
                "{id}: {average} is neither the last acknowledged rating nor a later one"
            );
            found += answered.len() as u64;
        }
    }
    found
}

fn download(address: &str, path: &str) -> Vec<u8> {
    use std::io::Read as _;
    let mut stream = std::net::TcpStream::connect(address).unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).unwrap();
    let split = response.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    assert!(response.starts_with(b"HTTP/1.1 200"), "{path}");
    response[split + 4..].to_vec()
}

#[test]
fn sqlite_and_a_blob_folder_survive_sigkill() {
    let (kills, acknowledged, found) = soak("sqlite", &[], &[]);
    assert!(kills >= 50);
    assert!(acknowledged > 0);
    assert_eq!(found, acknowledged);
}

#[expect(
    clippy::disallowed_methods,
    reason = "tests read their one setting from the environment"
)]
fn admin_url() -> String {
    std::env::var("TEST_DATABASE_URL").unwrap_or_else(|_| {
        panic!("TEST_DATABASE_URL is not set: the soak needs PostgreSQL (scripts/test sets it up)")
    })
}

#[test]
fn postgres_and_an_s3_bucket_survive_sigkill() {
    let url = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(skillreg_adapters::postgres::testing::fresh_database(
            &admin_url(),
        ))
        .unwrap();
    let s3 = S3Server::start();
    s3.create_bucket("skills");
    let args = ["--database-url", &url, "--blob-url", "s3://skills/soak"];
    let (kills, acknowledged, found) = soak("postgres+s3", &args, &s3.environment());
    assert!(kills >= 50);
    assert!(acknowledged > 0);
    assert_eq!(found, acknowledged);
}
