//! The real Claude Code (2.1.328, installed by `scripts/test`: SKILLREG_CLAUDE) against a real
//! `skillreg serve`: it adds the registry's marketplace, and each plugin zip the marketplace
//! offers has the sha256 it states and passes `claude plugin validate`.

#![expect(clippy::unwrap_used, reason = "in tests an unwrap is an assertion")]

use std::io::{Read as _, Write as _};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use skillreg_testkit::process::{Server, files_under, test_certificates};

fn claude_binary() -> PathBuf {
    skillreg_testkit::process::tool(
        "SKILLREG_CLAUDE",
        "target/web-tools/node_modules/.bin/claude",
        "@anthropic-ai/claude-code@2.1.328",
    )
}

fn serve() -> Server {
    Server::start(Path::new(env!("CARGO_BIN_EXE_skillreg")), &[])
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
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/skills");
    for name in ["brand-guidelines", "internal-comms"] {
        server.publish(&fixtures.join(name), "anthropic");
    }
    let home = tempfile::tempdir().unwrap();
    let url = format!("{}/claude/marketplace.json", server.url);
    let added = claude(home.path(), &["plugin", "marketplace", "add", &url]);
    let said = String::from_utf8_lossy(&added.stdout).into_owned()
        + &String::from_utf8_lossy(&added.stderr);
    assert!(added.status.success(), "{said}");
    assert!(
        said.contains("Successfully added marketplace: skillreg"),
        "{said}"
    );

    let market: serde_json::Value =
        serde_json::from_slice(&get(server.address(), "/claude/marketplace.json")).unwrap();
    let plugins = market["plugins"].as_array().unwrap();
    assert_eq!(plugins.len(), 2);
    for plugin in plugins {
        let url = plugin["source"]["url"].as_str().unwrap();
        let path = &url[url.find("/claude/").unwrap()..];
        let zip = get(server.address(), path);
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

/// A network namespace of the test's own with a veth pair to it: the registry inside at a
/// private address (Claude Code fetches archives from no loopback host), removed on drop.
struct TestHost {
    namespace: String,
    link: String,
    address: String,
}

impl TestHost {
    fn new() -> TestHost {
        let id = std::process::id();
        let subnet = 16 + id % 200;
        let host = TestHost {
            namespace: format!("skr{id}"),
            link: format!("skr{id}a"),
            address: format!("10.213.{subnet}.2"),
        };
        let peer = format!("skr{id}b");
        let ip = |args: &[&str]| {
            let output = Command::new("ip").args(args).output().unwrap();
            assert!(
                output.status.success(),
                "ip {args:?} (the test makes a network namespace: root and iproute2 needed): {}",
                String::from_utf8_lossy(&output.stderr)
            );
        };
        ip(&["netns", "add", &host.namespace]);
        ip(&[
            "link", "add", &host.link, "type", "veth", "peer", "name", &peer,
        ]);
        ip(&["link", "set", &peer, "netns", &host.namespace]);
        ip(&[
            "addr",
            "add",
            &format!("10.213.{subnet}.1/30"),
            "dev",
            &host.link,
        ]);
        ip(&["link", "set", &host.link, "up"]);
        let inside = |args: &[&str]| {
            let mut all = vec!["netns", "exec", host.namespace.as_str(), "ip"];
            all.extend_from_slice(args);
            ip(&all);
        };
        inside(&["addr", "add", &format!("{}/30", host.address), "dev", &peer]);
        inside(&["link", "set", &peer, "up"]);
        inside(&["link", "set", "lo", "up"]);
        host
    }
}

impl Drop for TestHost {
    fn drop(&mut self) {
        let _ = Command::new("ip")
            .args(["link", "del", &self.link])
            .output();
        let _ = Command::new("ip")
            .args(["netns", "del", &self.namespace])
            .output();
    }
}

/// End to end: `serve --tls-cert --tls-key` on a test host (a private address in a network
/// namespace, a certificate from a test CA given to Claude Code with NODE_EXTRA_CA_CERTS);
/// Claude Code adds the marketplace and installs a skill's plugin, byte for byte.
#[test]
fn claude_code_installs_a_plugin_from_the_registry_over_https() {
    let host = TestHost::new();
    let certs = tempfile::tempdir().unwrap();
    let at = certs.path();
    test_certificates(at, &host.address);
    let listen = format!("{}:8443", host.address);
    let (cert, key) = (at.join("server.pem"), at.join("server.key"));
    let server = Server::start_in(
        Path::new(env!("CARGO_BIN_EXE_skillreg")),
        &["ip", "netns", "exec", &host.namespace],
        &[
            "--listen",
            &listen,
            "--tls-cert",
            cert.to_str().unwrap(),
            "--tls-key",
            key.to_str().unwrap(),
        ],
    );
    assert_eq!(server.url, format!("https://{listen}"));
    let fixture =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/skills/brand-guidelines");
    let ca = at.join("ca.pem");
    server.cli(
        &[
            "publish",
            fixture.to_str().unwrap(),
            "--namespace",
            "anthropic",
            "--version",
            "1.0.0",
        ],
        &[("SSL_CERT_FILE", &ca)],
    );

    let home = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        let output = Command::new(claude_binary())
            .args(args)
            .env("HOME", home.path())
            .env("NODE_EXTRA_CA_CERTS", at.join("ca.pem"))
            .env("DISABLE_TELEMETRY", "1")
            .env("DISABLE_AUTOUPDATER", "1")
            .env("CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC", "1")
            .stdin(Stdio::null())
            .output()
            .unwrap();
        let said = String::from_utf8_lossy(&output.stdout).into_owned()
            + &String::from_utf8_lossy(&output.stderr);
        assert!(output.status.success(), "claude {args:?}: {said}");
        said
    };
    let marketplace = format!("https://{listen}/claude/marketplace.json");
    run(&["plugin", "marketplace", "add", &marketplace]);
    let said = run(&["plugin", "install", "brand-guidelines@skillreg"]);
    assert!(said.contains("Successfully installed"), "{said}");
    let installed = home
        .path()
        .join(".claude/plugins/cache/skillreg/brand-guidelines/1.0.0/skills/brand-guidelines");
    assert_eq!(files_under(&installed), files_under(&fixture));
}
