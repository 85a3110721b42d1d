//! The transparency log against the attacks it is for, with the real client and real
//! `skillreg serve` replicas on one PostgreSQL database (`TEST_DATABASE_URL`): the rows are
//! changed behind the servers' backs with `psql`, and a replica started afterwards derives
//! its tree from what the database then holds.
//!
//! - A version's digests changed in the database: the install is refused (exit 4) naming
//!   the registry inconsistent, nothing is written, and `log verify` names the entry.
//! - An entry rewritten (a forked tree of the same size): refused.
//! - The log rolled back: refused.
//! - A yank's entry removed: `log verify` reports the yank the log does not hold.

#![expect(
    clippy::unwrap_used,
    clippy::panic,
    reason = "in tests an unwrap or a panic is an assertion with a location"
)]

use std::path::{Path, PathBuf};
use std::process::Command;

use skillreg_testkit::serving::Serving;

#[expect(
    clippy::disallowed_methods,
    reason = "tests read their one setting from the environment"
)]
fn admin_url() -> String {
    std::env::var("TEST_DATABASE_URL").unwrap_or_else(|_| {
        panic!("TEST_DATABASE_URL is not set: the log's attack tests need PostgreSQL (scripts/test sets it up)")
    })
}

/// One registry: a database, a shared blob folder and log key, replicas started at will.
struct Registry {
    dirs: tempfile::TempDir,
    database: String,
    started: usize,
}

impl Registry {
    fn new() -> Self {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let database = runtime
            .block_on(skillreg_adapters::postgres::testing::fresh_database(
                &admin_url(),
            ))
            .unwrap();
        Registry {
            dirs: tempfile::tempdir().unwrap(),
            database,
            started: 0,
        }
    }

    /// A new replica: its own data folder, the registry's database, blobs and log key.
    fn replica(&mut self) -> Serving {
        self.started += 1;
        let blobs = self.dirs.path().join("blobs");
        let key = self.dirs.path().join("log.key");
        Serving::start(
            Path::new(env!("CARGO_BIN_EXE_skillreg")),
            &self.dirs.path().join(format!("replica-{}", self.started)),
            "127.0.0.1:0",
            &[
                "--database-url",
                &self.database,
                "--blob-dir",
                blobs.to_str().unwrap(),
                "--log-key",
                key.to_str().unwrap(),
            ],
            &[],
        )
    }

    fn admin_token(&self) -> String {
        std::fs::read_to_string(self.dirs.path().join("replica-1/admin.token"))
            .unwrap()
            .trim()
            .to_owned()
    }

    /// Runs SQL on the database behind the servers' backs; its output, unaligned.
    fn sql(&self, statement: &str) -> String {
        // psql reads no driver options from the URL.
        let database = self.database.split('?').next().unwrap_or_default();
        let output = Command::new("psql")
            .args(["-X", "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1", "-d"])
            .arg(database)
            .args(["-c", statement])
            .output()
            .unwrap_or_else(|e| panic!("cannot run psql ({e}); scripts/test installs PostgreSQL"));
        assert!(
            output.status.success(),
            "{statement}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout).trim().to_owned()
    }
}

/// A person's machine: a HOME (where trusted checkpoints are kept) and a project.
struct Person {
    home: tempfile::TempDir,
    project: tempfile::TempDir,
    token: String,
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Person {
    fn new(token: &str) -> Self {
        let home = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(home.path().join(".claude")).unwrap();
        Person {
            home,
            project: tempfile::tempdir().unwrap(),
            token: token.to_owned(),
        }
    }

    /// A new project folder on the same machine.
    fn new_project(&mut self) {
        self.project = tempfile::tempdir().unwrap();
    }

    fn run(&self, replica: &Serving, args: &[&str]) -> Run {
        let output = Command::new(env!("CARGO_BIN_EXE_skillreg"))
            .args(args)
            .current_dir(self.project.path())
            .env("HOME", self.home.path())
            .env_remove("XDG_CONFIG_HOME")
            .env_remove("XDG_DATA_HOME")
            .env_remove("REGISTRY_ORG")
            .env_remove("REGISTRY_VERIFY_SIGNATURE")
            .env("REGISTRY_URL", format!("http://{}", replica.address))
            .env("REGISTRY_TOKEN", &self.token)
            .output()
            .unwrap();
        Run {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }

    fn ok(&self, replica: &Serving, args: &[&str]) -> String {
        let run = self.run(replica, args);
        assert_eq!(
            run.code, 0,
            "{args:?}\nstdout: {}\nstderr: {}",
            run.stdout, run.stderr
        );
        run.stdout
    }

    /// Runs a command that must be refused as a policy refusal naming the registry
    /// inconsistent; its stdout and stderr.
    fn refused(&self, replica: &Serving, args: &[&str]) -> (String, String) {
        let run = self.run(replica, args);
        assert_eq!(
            run.code, 4,
            "{args:?}\nstdout: {}\nstderr: {}",
            run.stdout, run.stderr
        );
        assert!(
            run.stderr.contains(&format!(
                "registry http://{} is inconsistent",
                replica.address
            )),
            "{args:?}: {}",
            run.stderr
        );
        (run.stdout, run.stderr)
    }

    fn installed(&self, name: &str) -> PathBuf {
        self.project.path().join(".claude/skills").join(name)
    }
}

/// Installs acme/pdf into the project, for Claude Code.
const INSTALL_PDF: &[&str] = &[
    "install",
    "acme/pdf",
    "--scope",
    "project",
    "--client",
    "claude-code",
];

fn skill(parent: &Path, name: &str, description: &str) -> PathBuf {
    let dir = parent.join(name);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("SKILL.md"),
        format!("---\nname: {name}\ndescription: {description}\n---\n\n# {name}\n"),
    )
    .unwrap();
    dir
}

#[test]
fn the_client_refuses_what_the_log_contradicts() {
    let mut registry = Registry::new();
    let first = registry.replica();
    let mut person = Person::new(&registry.admin_token());
    let sources = tempfile::tempdir().unwrap();
    // acme/pdf, and a skill of the same name elsewhere whose archive an attacker could
    // put in its place (it passes the name check: only the log tells them apart).
    for (namespace, text) in [
        ("acme", "Tools for PDF work."),
        ("mirror", "Sends your files away."),
    ] {
        let folder = skill(&sources.path().join(namespace), "pdf", text);
        person.ok(
            &first,
            &[
                "publish",
                folder.to_str().unwrap(),
                "--namespace",
                namespace,
                "--version",
                "1.0.0",
            ],
        );
    }
    person.ok(&first, INSTALL_PDF);
    let lock = std::fs::read_to_string(person.project.path().join("skills.lock")).unwrap();
    assert!(lock.contains("log_index = 0"), "{lock}");
    let verified = person.ok(&first, &["log", "verify"]);
    assert!(
        verified.contains("2 entries (2 checked, 0 withheld"),
        "{verified}"
    );
    let checkpoint = person.ok(&first, &["log", "checkpoint"]);
    assert!(checkpoint.lines().nth(1) == Some("2"), "{checkpoint}");

    // The archive of acme/pdf swapped for another one behind the server's back.
    let acme_pdf = "(SELECT uid FROM skills WHERE namespace = 'acme' AND name = 'pdf')";
    let original = registry.sql(&format!(
        "SELECT archive_digest || ' ' || content_digest FROM versions WHERE skill_uid = {acme_pdf}"
    ));
    registry.sql(&format!(
        "UPDATE versions SET archive_digest = o.archive_digest, content_digest = o.content_digest \
         FROM versions o JOIN skills os ON os.uid = o.skill_uid AND os.namespace = 'mirror' \
         WHERE versions.skill_uid = {acme_pdf}"
    ));
    person.new_project();
    let (_, stderr) = person.refused(&first, INSTALL_PDF);
    assert!(
        stderr.contains("log entry 0 records publish acme/pdf 1.0.0 with archive"),
        "{stderr}"
    );
    assert!(!person.installed("pdf").exists(), "nothing was written");
    assert!(!person.project.path().join("skills.lock").exists());
    let (stdout, _) = person.refused(&first, &["log", "verify"]);
    assert!(
        stdout.contains("entry 0: acme/pdf 1.0.0: the log records archive"),
        "{stdout}"
    );
    let (archive, content) = original.split_once(' ').unwrap();
    registry.sql(&format!(
        "UPDATE versions SET archive_digest = '{archive}', content_digest = '{content}' \
         WHERE skill_uid = {acme_pdf}"
    ));
    person.ok(&first, INSTALL_PDF);

    // A forked tree: entry 0 rewritten (its leaf made to match), the size unchanged.
    let saved = registry.sql(
        "SELECT encode(entry, 'hex') || ' ' || encode(leaf, 'hex') FROM log_entries WHERE idx = 0",
    );
    registry.sql(
        "UPDATE log_entries SET entry = convert_to(replace(convert_from(entry, 'UTF8'), '\"time\":', '\"time\":1'), 'UTF8') WHERE idx = 0",
    );
    registry.sql("UPDATE log_entries SET leaf = sha256('\\x00'::bytea || entry) WHERE idx = 0");
    let forked = registry.replica();
    person.new_project();
    let (_, stderr) = person.refused(&forked, INSTALL_PDF);
    assert!(stderr.contains("the log forked"), "{stderr}");
    assert!(!person.installed("pdf").exists());
    let (entry, leaf) = saved.split_once(' ').unwrap();
    registry.sql(&format!(
        "UPDATE log_entries SET entry = decode('{entry}', 'hex'), leaf = decode('{leaf}', 'hex') WHERE idx = 0"
    ));

    // The log rolled back by one entry.
    registry.sql("DELETE FROM log_entries WHERE idx = 1");
    let rolled_back = registry.replica();
    let (_, stderr) = person.refused(&rolled_back, INSTALL_PDF);
    assert!(stderr.contains("went back from 2 to 1 entries"), "{stderr}");
    assert!(!person.installed("pdf").exists());
}

#[test]
fn the_monitor_reports_a_yank_missing_from_the_log() {
    let mut registry = Registry::new();
    let first = registry.replica();
    let person = Person::new(&registry.admin_token());
    let sources = tempfile::tempdir().unwrap();
    let folder = skill(sources.path(), "pdf", "Tools for PDF work.");
    person.ok(
        &first,
        &[
            "publish",
            folder.to_str().unwrap(),
            "--namespace",
            "acme",
            "--version",
            "1.0.0",
        ],
    );
    person.ok(&first, &["yank", "acme/pdf@1.0.0"]);
    let verified = person.ok(&first, &["log", "verify", "--json"]);
    assert!(verified.contains("\"problems\": []"), "{verified}");

    // The yank's entry taken out of the log; a newcomer's monitor sees the difference.
    registry.sql("DELETE FROM log_entries WHERE idx = 1");
    let replica = registry.replica();
    let newcomer = Person::new(&registry.admin_token());
    let (stdout, _) = newcomer.refused(&replica, &["log", "verify"]);
    assert!(
        stdout.contains("acme/pdf 1.0.0 is served as yanked, and no log entry yanks it"),
        "{stdout}"
    );
}

#[test]
fn installs_can_require_witnesses() {
    let mut registry = Registry::new();
    let first = registry.replica();
    let token = registry.admin_token();
    let person = Person::new(&token);
    let sources = tempfile::tempdir().unwrap();
    let publish = |name: &str| {
        let folder = skill(sources.path(), name, "Tools.");
        person.ok(
            &first,
            &[
                "publish",
                folder.to_str().unwrap(),
                "--namespace",
                "acme",
                "--version",
                "1.0.0",
            ],
        );
    };
    publish("pdf");

    // Two witnesses, each on a machine of its own.
    let witnesses: Vec<(Person, String, PathBuf)> = ["one.witness.test", "two.witness.test"]
        .iter()
        .map(|name| {
            let witness = Person::new(&token);
            let key = witness.home.path().join("witness.key");
            let out = witness.ok(
                &first,
                &[
                    "log",
                    "keygen",
                    "--name",
                    name,
                    "--out",
                    key.to_str().unwrap(),
                ],
            );
            let public = out.lines().next().unwrap().to_owned();
            assert!(public.starts_with(&format!("{name}+")), "{out}");
            (witness, public, key)
        })
        .collect();
    let config = person.home.path().join(".config/skillreg");
    std::fs::create_dir_all(&config).unwrap();
    std::fs::write(
        config.join("config.toml"),
        format!(
            "[trust]\nwitnesses = [\"{}\", \"{}\"]\nwitness_quorum = 2\n",
            witnesses[0].1, witnesses[1].1
        ),
    )
    .unwrap();
    let install = |name: &str| {
        person.run(
            &first,
            &[
                "install",
                &format!("acme/{name}"),
                "--scope",
                "project",
                "--client",
                "claude-code",
            ],
        )
    };

    let refused = install("pdf");
    assert_eq!(refused.code, 4, "{}", refused.stderr);
    assert!(
        refused
            .stderr
            .contains("cosigned by 0 of the 2 witnesses required"),
        "{}",
        refused.stderr
    );
    let cosign = |witness: &(Person, String, PathBuf)| {
        witness.0.ok(
            &first,
            &["log", "cosign", "--key", witness.2.to_str().unwrap()],
        )
    };
    let once = cosign(&witnesses[0]);
    assert_eq!(once.matches('\u{2014}').count(), 2, "{once}");
    let refused = install("pdf");
    assert!(
        refused
            .stderr
            .contains("cosigned by 1 of the 2 witnesses required"),
        "{}",
        refused.stderr
    );
    let twice = cosign(&witnesses[1]);
    assert_eq!(
        twice.matches('\u{2014}').count(),
        3,
        "the cosignatures merge: {twice}"
    );
    let installed = install("pdf");
    assert_eq!(installed.code, 0, "{}", installed.stderr);
    assert!(person.installed("pdf").join("SKILL.md").is_file());

    // A version newer than what the witnesses cosigned waits for them.
    publish("mail");
    let waiting = install("mail");
    assert_eq!(waiting.code, 4, "{}", waiting.stderr);
    assert!(
        waiting
            .stderr
            .contains("the newest checkpoint its witnesses cosigned holds 1 entries"),
        "{}",
        waiting.stderr
    );
    assert!(!person.installed("mail").exists());
    cosign(&witnesses[0]);
    cosign(&witnesses[1]);
    let installed = install("mail");
    assert_eq!(installed.code, 0, "{}", installed.stderr);
}

/// A monitor's report as JSON, checked to have no problem.
fn verified(person: &Person, replica: &Serving) -> serde_json::Value {
    let out = person.ok(replica, &["--json", "log", "verify"]);
    let report: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(report["problems"], serde_json::json!([]), "{out}");
    report
}

#[test]
fn sixteen_publishes_on_two_replicas_make_one_tree() {
    let mut registry = Registry::new();
    let replicas = [registry.replica(), registry.replica()];
    let person = Person::new(&registry.admin_token());
    let sources = tempfile::tempdir().unwrap();
    let folders: Vec<PathBuf> = (0..16)
        .map(|i| skill(sources.path(), &format!("racer-{i}"), "Races."))
        .collect();
    std::thread::scope(|scope| {
        for (i, folder) in folders.iter().enumerate() {
            let (person, replica) = (&person, &replicas[i % 2]);
            scope.spawn(move || {
                person.ok(
                    replica,
                    &[
                        "publish",
                        folder.to_str().unwrap(),
                        "--namespace",
                        "acme",
                        "--version",
                        "1.0.0",
                    ],
                );
            });
        }
    });
    // Every version in the tree once, whichever replica wrote it and whichever is asked.
    for replica in &replicas {
        let report = verified(&person, replica);
        assert_eq!(
            (report["size"].as_u64(), report["versions"].as_u64()),
            (Some(16), Some(16))
        );
    }
    let indexes =
        registry.sql("SELECT string_agg(log_index::text, ',' ORDER BY log_index) FROM versions");
    let expected: Vec<String> = (0..16).map(|i| i.to_string()).collect();
    assert_eq!(indexes, expected.join(","));
}

#[test]
fn a_server_killed_while_publishing_leaves_the_tree_and_the_versions_agreeing() {
    let mut registry = Registry::new();
    let mut first = registry.replica();
    let person = Person::new(&registry.admin_token());
    let sources = tempfile::tempdir().unwrap();
    let folders: Vec<PathBuf> = (0..24)
        .map(|i| skill(sources.path(), &format!("crash-{i}"), "Crashes."))
        .collect();
    let url = format!("http://{}", first.address);
    std::thread::scope(|scope| {
        let publishing = scope.spawn(|| {
            for folder in &folders {
                // Some are cut off by the kill; they fail on the client's side.
                let _ = Command::new(env!("CARGO_BIN_EXE_skillreg"))
                    .args([
                        "publish",
                        folder.to_str().unwrap(),
                        "--namespace",
                        "acme",
                        "--version",
                        "1.0.0",
                    ])
                    .current_dir(person.project.path())
                    .env("HOME", person.home.path())
                    .env_remove("XDG_CONFIG_HOME")
                    .env_remove("XDG_DATA_HOME")
                    .env("REGISTRY_URL", &url)
                    .env("REGISTRY_TOKEN", &person.token)
                    .output();
            }
        });
        // Wait for the first versions, then kill the server mid-stream.
        let mut polls = 0;
        while registry
            .sql("SELECT count(*) FROM versions")
            .parse::<u32>()
            .unwrap_or(0)
            < 4
        {
            polls += 1;
            assert!(polls < 3000, "no version was published in a minute");
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        first.kill();
        publishing.join().unwrap();
    });
    let written: u64 = registry
        .sql("SELECT count(*) FROM versions")
        .parse()
        .unwrap();
    assert!(
        (4..24).contains(&written),
        "{written} versions were written"
    );
    let restarted = registry.replica();
    let report = verified(&person, &restarted);
    assert_eq!(
        (report["size"].as_u64(), report["versions"].as_u64()),
        (Some(written), Some(written))
    );
}

#[test]
fn a_replica_given_another_log_key_does_not_start() {
    let mut registry = Registry::new();
    let _first = registry.replica();
    let recorded = registry.sql("SELECT verifier FROM log_key");
    let data = registry.dirs.path().join("stray");
    let other_key = registry.dirs.path().join("other.key");
    let output = Command::new(env!("CARGO_BIN_EXE_skillreg"))
        .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(&data)
        .args(["--database-url", &registry.database, "--log-key"])
        .arg(&other_key)
        .env("SKILLREG_LOG", "warn")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "{stderr}");
    assert!(
        stderr.contains(&format!("signed by {recorded}")) && stderr.contains("--log-key"),
        "{stderr}"
    );
    assert_eq!(registry.sql("SELECT verifier FROM log_key"), recorded);
}
