//! `skillreg serve` as a real process: it starts with its defaults in a data folder,
//! says where it is, writes the admin token privately, answers, and stops on SIGTERM.

#![expect(
    clippy::unwrap_used,
    reason = "in tests an unwrap is an assertion with a location"
)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};

fn http_get(address: &str, path: &str) -> String {
    let mut stream = TcpStream::connect(address).unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    response
}

#[test]
fn serve_starts_answers_and_stops_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_skillreg"))
        .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(dir.path())
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
    let data_line = lines.next().unwrap().unwrap();
    assert_eq!(data_line, format!("data folder: {}", dir.path().display()));
    let token_line = lines.next().unwrap().unwrap();
    assert!(token_line.contains("admin.token"), "{token_line}");
    assert!(
        !token_line.contains("skr_"),
        "the token itself is never printed"
    );

    let token_path = dir.path().join("admin.token");
    let token = std::fs::read_to_string(&token_path).unwrap();
    assert!(token.starts_with("skr_"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&token_path).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
    assert!(dir.path().join("skillreg.db").exists());

    let health = http_get(&address, "/healthz");
    assert!(health.starts_with("HTTP/1.1 200"), "{health}");
    let search = http_get(&address, "/api/v1/skills");
    assert!(search.contains("\"skills\":[]"), "{search}");

    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let exit = child.wait().unwrap();
    assert!(exit.success(), "serve exits cleanly on SIGTERM: {exit:?}");

    // A second start keeps the first admin token.
    let mut again = Command::new(env!("CARGO_BIN_EXE_skillreg"))
        .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(dir.path())
        .env("SKILLREG_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(again.stdout.take().unwrap()).lines();
    assert!(
        lines
            .next()
            .unwrap()
            .unwrap()
            .starts_with("skillreg listening on")
    );
    assert_eq!(std::fs::read_to_string(&token_path).unwrap(), token);
    again.kill().unwrap();
    again.wait().unwrap();
}
