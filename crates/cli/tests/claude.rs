//! The real Claude Code (2.1.328, installed by `scripts/test`: SKILLREG_CLAUDE) against a real
//! `skillreg serve`: it adds the registry's marketplace, and each plugin zip the marketplace
//! offers has the sha256 it states and passes `claude plugin validate`.

#![expect(
    clippy::unwrap_used,
    clippy::disallowed_methods,
    reason = "in tests an unwrap is an assertion; the tool's path comes from the environment"
)]

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

fn claude_binary() -> PathBuf {
    let path = std::env::var_os("SKILLREG_CLAUDE").map_or_else(
        || {
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../../target/web-tools/node_modules/.bin/claude")
        },
        PathBuf::from,
    );
    assert!(
        path.is_file(),
        "{} is missing: set SKILLREG_CLAUDE, or run scripts/test, which installs \
         @anthropic-ai/claude-code@2.1.328 from npm under target/web-tools",
        path.display()
    );
    path
}

struct Server {
    child: Child,
    address: String,
    data: tempfile::TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn serve() -> Server {
    let data = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_skillreg"))
        .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(data.path())
        .env("SKILLREG_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    let address = first
        .strip_prefix("skillreg listening on http://")
        .unwrap()
        .to_owned();
    Server {
        child,
        address,
        data,
    }
}

/// The body of a GET (a plain HTTP/1.1 request; the answer has a Content-Length).
fn get(address: &str, path: &str) -> Vec<u8> {
    let mut stream = std::net::TcpStream::connect(address).unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).unwrap();
    let at = response.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    assert!(response.starts_with(b"HTTP/1.1 200"), "{path}");
    response[at + 4..].to_vec()
}

fn claude(home: &Path, args: &[&str]) -> Output {
    Command::new(claude_binary())
        .args(args)
        .env("HOME", home)
        .env("DISABLE_TELEMETRY", "1")
        .env("DISABLE_AUTOUPDATER", "1")
        .env("CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC", "1")
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

#[test]
fn claude_code_adds_the_marketplace_and_validates_its_plugins() {
    let server = serve();
    let token = std::fs::read_to_string(server.data.path().join("admin.token")).unwrap();
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/skills");
    for name in ["brand-guidelines", "internal-comms"] {
        let output = Command::new(env!("CARGO_BIN_EXE_skillreg"))
            .args(["publish", fixtures.join(name).to_str().unwrap()])
            .args(["--namespace", "anthropic", "--version", "1.0.0"])
            .env("HOME", server.data.path())
            .env("REGISTRY_URL", format!("http://{}", server.address))
            .env("REGISTRY_TOKEN", token.trim())
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let home = tempfile::tempdir().unwrap();
    let url = format!("http://{}/claude/marketplace.json", server.address);
    let added = claude(home.path(), &["plugin", "marketplace", "add", &url]);
    let said = String::from_utf8_lossy(&added.stdout).into_owned()
        + &String::from_utf8_lossy(&added.stderr);
    assert!(added.status.success(), "{said}");
    assert!(
        said.contains("Successfully added marketplace: skillreg"),
        "{said}"
    );

    let market: serde_json::Value =
        serde_json::from_slice(&get(&server.address, "/claude/marketplace.json")).unwrap();
    let plugins = market["plugins"].as_array().unwrap();
    assert_eq!(plugins.len(), 2);
    for plugin in plugins {
        let url = plugin["source"]["url"].as_str().unwrap();
        let path = &url[url.find("/claude/").unwrap()..];
        let zip = get(&server.address, path);
        assert_eq!(
            skillreg_core::Digest::of(&zip).hex(),
            plugin["source"]["sha256"].as_str().unwrap()
        );
        let unpacked = tempfile::tempdir().unwrap();
        zip::ZipArchive::new(std::io::Cursor::new(zip))
            .unwrap()
            .extract(unpacked.path())
            .unwrap();
        let name = plugin["name"].as_str().unwrap();
        let validated = claude(
            home.path(),
            &[
                "plugin",
                "validate",
                unpacked.path().join(name).to_str().unwrap(),
            ],
        );
        let said = String::from_utf8_lossy(&validated.stdout).into_owned()
            + &String::from_utf8_lossy(&validated.stderr);
        assert!(validated.status.success(), "{name}: {said}");
        assert!(said.contains("Validation passed"), "{name}: {said}");
    }
}
