//! What the tests of the `skillreg` binary share: a `skillreg serve` process of their own
//! in a fresh data folder, the client run against it, files on disk compared byte for byte,
//! and certificates from a test CA (made with Debian's openssl). The binary's path comes from
//! the caller (`env!("CARGO_BIN_EXE_skillreg")` exists only in the binary's own tests).

use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

/// A running `skillreg serve`, stopped on drop.
#[derive(Debug)]
pub struct Server {
    binary: PathBuf,
    child: Child,
    /// Where it listens, with its scheme (`http://127.0.0.1:PORT`).
    pub url: String,
    /// Its data folder.
    pub data: tempfile::TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    /// Starts `binary serve` on a free loopback port, with `extra` arguments.
    ///
    /// # Panics
    /// When it does not start or does not say where it listens.
    pub fn start(binary: &Path, extra: &[&str]) -> Server {
        Server::start_in(binary, &[], extra)
    }

    /// Starts `<prefix…> binary serve --listen …` (a prefix such as `ip netns exec NS`),
    /// with `extra` arguments; `--listen` among `extra` wins over the loopback default.
    ///
    /// # Panics
    /// When it does not start or does not say where it listens.
    pub fn start_in(binary: &Path, prefix: &[&str], extra: &[&str]) -> Server {
        let data = tempfile::tempdir().expect("a data folder");
        let mut command = match prefix.split_first() {
            Some((program, args)) => {
                let mut command = Command::new(program);
                command.args(args).arg(binary);
                command
            }
            None => Command::new(binary),
        };
        command.arg("serve");
        if !extra.contains(&"--listen") {
            command.args(["--listen", "127.0.0.1:0"]);
        }
        let mut child = command
            .args(extra)
            .arg("--data-dir")
            .arg(data.path())
            .env("SKILLREG_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("skillreg serve starts");
        let stdout = child.stdout.take().expect("its stdout");
        let first = BufReader::new(stdout)
            .lines()
            .next()
            .and_then(Result::ok)
            .unwrap_or_default();
        let url = first
            .strip_prefix("skillreg listening on ")
            .unwrap_or_else(|| panic!("serve said {first:?}"))
            .to_owned();
        Server {
            binary: binary.to_owned(),
            child,
            url,
            data,
        }
    }

    /// The address without its scheme (`127.0.0.1:PORT`).
    pub fn address(&self) -> &str {
        self.url
            .split_once("://")
            .map_or(self.url.as_str(), |(_, a)| a)
    }

    /// The admin token the first start wrote.
    ///
    /// # Panics
    /// When there is none.
    pub fn admin_token(&self) -> String {
        std::fs::read_to_string(self.data.path().join("admin.token"))
            .expect("the admin token")
            .trim()
            .to_owned()
    }

    /// Runs the client against this server as the admin, with `env` besides; its stdout.
    ///
    /// # Panics
    /// When the command fails.
    pub fn cli(&self, args: &[&str], env: &[(&str, &Path)]) -> String {
        let home = self.data.path().join("home");
        std::fs::create_dir_all(&home).expect("a home folder");
        let mut command = Command::new(&self.binary);
        command
            .args(args)
            .current_dir(&home)
            .env("HOME", &home)
            .env_remove("XDG_CONFIG_HOME")
            .env_remove("XDG_DATA_HOME")
            .env("REGISTRY_URL", &self.url)
            .env("REGISTRY_TOKEN", self.admin_token());
        for (key, value) in env {
            command.env(key, value);
        }
        let output = command.output().expect("the client runs");
        assert!(
            output.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    /// Publishes the skill folder as version 1.0.0 of `namespace`.
    ///
    /// # Panics
    /// When the publish fails.
    pub fn publish(&self, folder: &Path, namespace: &str) {
        let folder = folder.to_str().expect("a UTF-8 path");
        self.cli(
            &[
                "publish",
                folder,
                "--namespace",
                namespace,
                "--version",
                "1.0.0",
            ],
            &[],
        );
    }
}

/// A real client `scripts/test` installs: the path in `variable`, else `fallback` (relative
/// to the workspace), which must exist; `installs` says what `scripts/test` installs, for
/// the message when it does not.
///
/// # Panics
/// When the tool is missing.
pub fn tool(variable: &str, fallback: &str, installs: &str) -> PathBuf {
    #[expect(
        clippy::disallowed_methods,
        reason = "the tools' paths come from the environment scripts/test sets"
    )]
    let set = std::env::var_os(variable);
    let path = set.map_or_else(
        || {
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../..")
                .join(fallback)
        },
        PathBuf::from,
    );
    assert!(
        path.is_file(),
        "{} is missing: set {variable}, or run scripts/test, which installs {installs} from \
         npm under target/web-tools",
        path.display()
    );
    path
}

/// Every file under `dir`, by relative path (with `/`), with its bytes, sorted.
///
/// # Panics
/// When the folder cannot be read.
pub fn files_under(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(at) = pending.pop() {
        for entry in std::fs::read_dir(&at).expect("a readable folder") {
            let path = entry.expect("an entry").path();
            if path.is_dir() {
                pending.push(path);
            } else {
                let relative = path
                    .strip_prefix(dir)
                    .expect("under the folder")
                    .to_string_lossy()
                    .replace('\\', "/");
                found.push((relative, std::fs::read(&path).expect("a readable file")));
            }
        }
    }
    found.sort();
    found
}

/// Writes a test CA (`ca.pem`, `ca.key`) and a server certificate for the IP address `ip`
/// signed by it (`server.pem`, `server.key`) into `dir`, with Debian's openssl.
///
/// # Panics
/// When openssl is missing or fails.
pub fn test_certificates(dir: &Path, ip: &str) {
    let openssl = |args: &[&str]| {
        let output = Command::new("openssl")
            .args(args)
            .current_dir(dir)
            .output()
            .unwrap_or_else(|e| {
                panic!("openssl makes the test's certificates (Debian's openssl package): {e}")
            });
        assert!(
            output.status.success(),
            "openssl {args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    };
    let key = [
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
    ];
    openssl(
        &[
            &["req", "-x509"][..],
            &key,
            &[
                "-keyout",
                "ca.key",
                "-out",
                "ca.pem",
                "-days",
                "2",
                "-subj",
                "/CN=skillreg test CA",
            ],
        ]
        .concat(),
    );
    let subject = format!("/CN={ip}");
    openssl(
        &[
            &["req"][..],
            &key,
            &[
                "-keyout",
                "server.key",
                "-out",
                "server.csr",
                "-subj",
                &subject,
            ],
        ]
        .concat(),
    );
    std::fs::write(
        dir.join("san.ext"),
        format!("subjectAltName=IP:{ip}\nbasicConstraints=CA:FALSE\n"),
    )
    .expect("the extensions file");
    openssl(&[
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        "server.pem",
        "-days",
        "2",
        "-extfile",
        "san.ext",
    ]);
}
