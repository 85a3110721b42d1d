//! `skillreg serve` processes a test owns outright: started on a data folder it chooses
//! (so several can share a database, or one can be killed and started again on the same
//! folder and port), and spoken to with plain HTTP/1.1 exchanges.

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// A running `skillreg serve`, killed on drop.
#[derive(Debug)]
pub struct Serving {
    child: Child,
    /// `127.0.0.1:<port>`.
    pub address: String,
}

impl Drop for Serving {
    fn drop(&mut self) {
        self.kill();
    }
}

impl Serving {
    /// Starts `binary serve --data-dir data_dir <args…>` with `env` added, listening on
    /// `listen` (`127.0.0.1:0` for any free port), and waits until it says where it listens.
    ///
    /// # Panics
    /// When it does not start or says something else first.
    pub fn start(
        binary: &Path,
        data_dir: &Path,
        listen: &str,
        args: &[&str],
        env: &[(String, String)],
    ) -> Serving {
        let mut child = Command::new(binary)
            .args(["serve", "--listen", listen, "--data-dir"])
            .arg(data_dir)
            .args(args)
            .envs(env.iter().map(|(k, v)| (k, v)))
            .env("SKILLREG_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("skillreg serve starts");
        let first = child
            .stdout
            .take()
            .and_then(|out| BufReader::new(out).lines().next())
            .and_then(Result::ok)
            .unwrap_or_default();
        let address = first
            .strip_prefix("skillreg listening on http://")
            .unwrap_or_else(|| panic!("serve said {first:?}"))
            .to_owned();
        Serving { child, address }
    }

    /// Kills it with SIGKILL (no shutdown, no flush) and waits until it is gone.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One HTTP/1.1 exchange: the status and the body, or `None` when the server could not be
/// reached or hung up before answering.
pub fn try_http(
    address: &str,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: &[u8],
) -> Option<(u16, String)> {
    let mut stream = TcpStream::connect(address).ok()?;
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .ok()?;
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    if let Some(token) = token {
        head.push_str(&format!("Authorization: Bearer {token}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).ok()?;
    stream.write_all(body).ok()?;
    let mut response = Vec::new();
    stream.read_to_end(&mut response).ok()?;
    let text = String::from_utf8_lossy(&response).into_owned();
    let status = text.get(9..12).and_then(|s| s.parse().ok())?;
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    Some((status, body))
}

/// One HTTP/1.1 exchange: the status and the body.
///
/// # Panics
/// When the server does not answer.
pub fn http(
    address: &str,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: &[u8],
) -> (u16, String) {
    try_http(address, method, path, token, body)
        .unwrap_or_else(|| panic!("{method} {path}: {address} did not answer"))
}
