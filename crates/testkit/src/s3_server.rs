//! A real S3-compatible server for tests: moto's `moto_server` (from PyPI, pinned;
//! `scripts/test` installs it into `target/s3-venv`), started on a free loopback port and
//! stopped when the handle is dropped. It speaks S3 over HTTP with SigV4 and honours
//! `If-None-Match: *` on puts, which the blob store's create-only writes rely on.
//! `SKILLREG_MOTO` may name the `moto_server` binary.

use std::collections::BTreeMap;
use std::io::{Read as _, Write as _};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// A running S3 server.
#[derive(Debug)]
pub struct S3Server {
    child: Child,
    /// `127.0.0.1:<port>`.
    pub address: String,
}

impl Drop for S3Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The `moto_server` binary: `SKILLREG_MOTO`, else the one `scripts/test` installs.
///
/// # Panics
/// When it is missing.
pub fn binary() -> PathBuf {
    #[expect(
        clippy::disallowed_methods,
        reason = "test set-up: which binary to start comes from the test environment"
    )]
    let set = std::env::var_os("SKILLREG_MOTO");
    let path = set.map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/s3-venv/bin/moto_server"),
        PathBuf::from,
    );
    assert!(
        path.is_file(),
        "{} is missing: set SKILLREG_MOTO, or run scripts/test, which installs moto 5.2.5 \
         (an S3 server) from PyPI into target/s3-venv",
        path.display()
    );
    path
}

impl S3Server {
    /// Starts one and waits until it answers.
    ///
    /// # Panics
    /// If the binary is missing or does not start.
    pub fn start() -> Self {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let binary = binary();
        let child = Command::new(&binary)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {} ({e})", binary.display()));
        let server = S3Server {
            child,
            address: format!("127.0.0.1:{port}"),
        };
        for _ in 0..400 {
            if server.request("GET", "/moto-api/").is_some() {
                return server;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("moto_server did not answer on {}", server.address);
    }

    /// `http://127.0.0.1:<port>`.
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.address)
    }

    /// Creates a bucket.
    ///
    /// # Panics
    /// If the server refuses.
    pub fn create_bucket(&self, bucket: &str) {
        let status = self
            .request("PUT", &format!("/{bucket}"))
            .expect("the S3 server answers");
        assert!(
            status.starts_with("HTTP/1.1 200"),
            "creating bucket {bucket}: {status}"
        );
    }

    /// The blob store options that reach this server: its endpoint over plain HTTP,
    /// path-style, with the server's test credentials.
    pub fn options(&self) -> BTreeMap<String, String> {
        [
            ("endpoint", self.endpoint()),
            ("allow_http", "true".to_owned()),
            ("region", "us-east-1".to_owned()),
            ("access_key_id", "testing".to_owned()),
            ("secret_access_key", "testing".to_owned()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect()
    }

    /// The same, as the `AWS_*` variables a `serve` process reads.
    pub fn environment(&self) -> Vec<(String, String)> {
        self.options()
            .into_iter()
            .map(|(key, value)| (format!("AWS_{}", key.to_ascii_uppercase()), value))
            .collect()
    }

    /// Writes an object behind a blob store's back (damaged or foreign bytes), as any
    /// other client of the bucket could.
    ///
    /// # Panics
    /// If the server refuses.
    pub async fn put_object(&self, bucket: &str, key: &str, bytes: &[u8]) {
        use object_store::ObjectStoreExt as _;
        // Its reqwest is built without a TLS provider of its own, as the registry's is.
        let _installed = rustls::crypto::ring::default_provider().install_default();
        let mut builder = object_store::aws::AmazonS3Builder::new().with_bucket_name(bucket);
        for (name, value) in self.options() {
            builder = builder.with_config(name.parse().expect("an S3 option"), value);
        }
        let store = builder.build().expect("an S3 client");
        store
            .put(&key.into(), bytes.to_vec().into())
            .await
            .expect("the S3 server takes the object");
    }

    /// The status line of one request, if the server answered.
    fn request(&self, method: &str, path: &str) -> Option<String> {
        let mut stream = TcpStream::connect(&self.address).ok()?;
        stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
        let request = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            self.address
        );
        stream.write_all(request.as_bytes()).ok()?;
        let mut answer = String::new();
        stream.read_to_string(&mut answer).ok()?;
        answer.lines().next().map(str::to_owned)
    }
}
