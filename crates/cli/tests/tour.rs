//! The README's tour, run as written on a clean machine: its commands are read from
//! README.md (the first `sh` block under "## Tour", so the two cannot drift) and run by bash
//! with `set -euo pipefail`, in a fresh home with no agent folders, against a real
//! `skillreg serve` whose data folder is that home's default one. Only the server's address
//! is put in place of the README's `127.0.0.1:7878` (the test's server listens on a free
//! port).

#![expect(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "in tests an unwrap or a panic is an assertion"
)]

use std::path::Path;
use std::process::Command;

use skillreg_testkit::process::Server;

/// The first `sh` block after the `## Tour` heading.
fn tour() -> String {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../README.md"))
            .unwrap();
    let section = readme
        .split_once("\n## Tour\n")
        .expect("README.md has a `## Tour` section")
        .1;
    let block = section
        .split_once("```sh\n")
        .expect("the tour has a sh block")
        .1;
    block
        .split_once("```")
        .expect("the block is closed")
        .0
        .to_owned()
}

#[cfg(unix)]
#[test]
fn the_readme_tour_runs_as_written_on_a_clean_machine() {
    use std::os::unix::fs::PermissionsExt as _;

    let binary = Path::new(env!("CARGO_BIN_EXE_skillreg"));
    let server = Server::start(binary, &[]);
    let home = tempfile::tempdir().unwrap();
    // The tour reads the admin token from the default data folder.
    std::fs::create_dir_all(home.path().join(".local/share")).unwrap();
    std::os::unix::fs::symlink(
        server.data.path(),
        home.path().join(".local/share/skillreg"),
    )
    .unwrap();
    let work = home.path().join("work");
    std::fs::create_dir_all(&work).unwrap();

    let script = tour().replace("http://127.0.0.1:7878", &server.url);
    let path = format!(
        "{}:{}",
        binary.parent().unwrap().display(),
        "/usr/local/bin:/usr/bin:/bin"
    );
    let output = Command::new("bash")
        .args(["-c", &format!("set -euo pipefail\n{script}")])
        .current_dir(&work)
        .env_clear()
        .env("HOME", home.path())
        .env("PATH", path)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "the tour failed:\n{stdout}\n{stderr}"
    );
    assert!(stdout.contains("0.1.0 → 0.2.0"), "outdated: {stdout}");
    assert!(stdout.contains("exit 3"), "sync --check: {stdout}");

    // The project files are project files: readable by the team that commits them.
    let demo = work.join("demo");
    for file in ["skills.toml", "skills.lock"] {
        let mode = std::fs::metadata(demo.join(file))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o044, 0o044, "{file} is {mode:o}");
    }
    let manifest = std::fs::read_to_string(demo.join("skills.toml")).unwrap();
    assert!(
        manifest.contains("claude-code") && manifest.contains("cursor"),
        "the clients are remembered: {manifest}"
    );
    assert!(
        !demo.join(".claude/skills/pdf-tools").exists(),
        "uninstalled"
    );
    // Credentials stay the owner's.
    let key = home.path().join(".config/skillreg/keys/default.key");
    let mode = std::fs::metadata(&key).unwrap().permissions().mode();
    assert_eq!(mode & 0o077, 0, "{} is {mode:o}", key.display());
}
