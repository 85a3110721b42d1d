//! A real OCI registry for tests: Debian's `docker-registry` (CNCF distribution), started on
//! a free loopback port with a temporary config and storage folder, and stopped when the
//! handle is dropped. `scripts/test` installs the package; `SKILLREG_DOCKER_REGISTRY` may
//! name the binary (default `docker-registry` on the PATH).

use std::io::{Read as _, Write as _};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// A running registry.
#[derive(Debug)]
pub struct DockerRegistry {
    child: Child,
    /// `127.0.0.1:<port>`.
    pub address: String,
    _dir: tempfile::TempDir,
}

impl Drop for DockerRegistry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl DockerRegistry {
    /// Starts one and waits until `/v2/` answers.
    ///
    /// # Panics
    /// If the binary is missing (run `scripts/test`, which installs it) or does not start.
    #[expect(
        clippy::disallowed_methods,
        reason = "test set-up: which binary to start comes from the test environment"
    )]
    pub fn start() -> Self {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let address = format!("127.0.0.1:{port}");
        let config = dir.path().join("config.yml");
        std::fs::write(
            &config,
            format!(
                "version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: {}\n  delete:\n    enabled: true\nhttp:\n  addr: {address}\n",
                dir.path().join("storage").display()
            ),
        )
        .expect("the registry config");
        let binary = std::env::var("SKILLREG_DOCKER_REGISTRY")
            .unwrap_or_else(|_| "docker-registry".to_owned());
        let child = Command::new(&binary)
            .arg("serve")
            .arg(&config)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start `{binary}` ({e}); run scripts/test, which installs docker-registry"));
        let registry = DockerRegistry {
            child,
            address,
            _dir: dir,
        };
        for _ in 0..200 {
            if registry.answers() {
                return registry;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("docker-registry did not answer on {}", registry.address);
    }

    fn answers(&self) -> bool {
        let Ok(mut stream) = TcpStream::connect(&self.address) else {
            return false;
        };
        let request = format!(
            "GET /v2/ HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n",
            self.address
        );
        if stream.write_all(request.as_bytes()).is_err() {
            return false;
        }
        let mut response = String::new();
        let _ = stream.read_to_string(&mut response);
        response.starts_with("HTTP/1.1 200")
    }
}
