//! `skillreg serve`: settings from flags or `SKILLREG_*` variables, adapters (SQLite and a
//! blob folder in the data directory by default, PostgreSQL with `--database-url`), the
//! first admin token, and the server until SIGINT or SIGTERM.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

mod files;

use anyhow::Context as _;
use clap::Args;
use skillreg_adapters::cache::{CacheMode, Layered};
use skillreg_adapters::postgres::PostgresConfig;
use skillreg_adapters::{
    FsBlobStore, PostgresStore, RandomIds, S3BlobStore, SqliteStore, SystemClock,
};
use skillreg_core::ports::SkillStore;
use skillreg_core::usecases::{Registry, RegistryConfig};

/// The address `serve` listens on when nothing says otherwise.
const DEFAULT_LISTEN: &str = "127.0.0.1:7878";

/// How long a presigned download URL lasts (`--blob-redirect`).
const BLOB_REDIRECT_TTL: std::time::Duration = std::time::Duration::from_secs(300);

/// Settings of `skillreg serve`. Each comes from its flag, else its `SKILLREG_*`
/// variable, else the config file, else its default.
#[derive(Debug, Args)]
pub(crate) struct ServeArgs {
    /// A TOML file with any of `data_dir`, `listen`, `database_url`, `blob_dir`,
    /// `blob_url` (with an `[s3]` table of S3 options), `writes_per_minute`,
    /// `failed_sign_ins_per_minute`, `redis_url`, `sqlite_cache_mb`, `sqlite_mmap_mb`, `trusted_proxies`, `max_connections`, `private`,
    /// `default_visibility`, `counter_flush_seconds`, `audit_policy`, `tls_cert`, `tls_key`,
    /// `public_url`, `log_key`.
    #[arg(long, env = "SKILLREG_CONFIG")]
    config: Option<PathBuf>,
    /// Folder for the SQLite database, the blobs and the admin token [default: the user's
    /// data folder, e.g. ~/.local/share/skillreg]
    #[arg(long, env = "SKILLREG_DATA_DIR")]
    data_dir: Option<PathBuf>,
    /// Address to listen on, port 0 for a free port [default: 127.0.0.1:7878]
    #[arg(long, env = "SKILLREG_LISTEN")]
    listen: Option<SocketAddr>,
    /// A `postgres://` URL to use PostgreSQL instead of the SQLite file.
    #[arg(long, env = "SKILLREG_DATABASE_URL")]
    database_url: Option<String>,
    /// Writes each token may make per minute (bursts of half as many, at least 60)
    /// [default: 120]
    #[arg(long, env = "SKILLREG_WRITES_PER_MINUTE")]
    writes_per_minute: Option<u32>,
    /// Failed sign-ins (unknown, malformed, revoked or expired tokens) a client address may
    /// make per minute, in bursts of as many; on PostgreSQL every replica counts together
    /// [default: 10]
    #[arg(long, env = "SKILLREG_FAILED_SIGN_INS_PER_MINUTE", value_parser = clap::value_parser!(u32).range(1..))]
    failed_sign_ins_per_minute: Option<u32>,
    /// A `redis://` URL: count failed sign-ins in Redis, shared by every replica given it
    /// (on PostgreSQL they are counted in the database without it)
    #[arg(long, env = "SKILLREG_REDIS_URL", hide_env_values = true)]
    redis_url: Option<String>,
    /// SQLite's page cache per connection, in MiB; the store keeps at most 9 connections
    /// [default: 2]
    #[arg(long, env = "SKILLREG_SQLITE_CACHE_MB", value_parser = clap::value_parser!(u32).range(1..=4096))]
    sqlite_cache_mb: Option<u32>,
    /// Memory-mapped SQLite reads per connection, in MiB; a map counts in resident memory
    /// once per connection [default: 0, off]
    #[arg(long, env = "SKILLREG_SQLITE_MMAP_MB", value_parser = clap::value_parser!(u32).range(0..=65536))]
    sqlite_mmap_mb: Option<u32>,
    /// Folder for archives (share it between replicas) [default: DATA_DIR/blobs]
    #[arg(long, env = "SKILLREG_BLOB_DIR", conflicts_with = "blob_url")]
    blob_dir: Option<PathBuf>,
    /// Keep archives in an S3-compatible bucket instead, `s3://bucket/prefix`: region,
    /// endpoint, path or virtual-hosted style and credentials from the `AWS_*` variables
    /// (`AWS_REGION`, `AWS_ENDPOINT`, `AWS_ACCESS_KEY_ID`, …) or the config file's `[s3]`
    #[arg(long, env = "SKILLREG_BLOB_URL")]
    blob_url: Option<String>,
    /// With --blob-url: answer downloads with a redirect to a presigned URL of the bucket
    /// (valid 5 minutes), so archive bytes do not pass through the registry
    #[arg(long, env = "SKILLREG_BLOB_REDIRECT", requires = "blob_url")]
    blob_redirect: bool,
    /// A reverse proxy's address whose `X-Forwarded-For` names the client, for
    /// rate limits (repeatable; the variable takes a comma-separated list)
    #[arg(
        long = "trusted-proxy",
        env = "SKILLREG_TRUSTED_PROXIES",
        value_delimiter = ','
    )]
    trusted_proxies: Vec<std::net::IpAddr>,
    /// Connections open at once [default: three quarters of the open-file limit, at most
    /// 16384]; each client address gets at most 256
    #[arg(long, env = "SKILLREG_MAX_CONNECTIONS")]
    max_connections: Option<usize>,
    /// The first admin token's secret (`skr_…`), for a database that has none yet: take it
    /// from a secret store when replicas start with empty data folders
    #[arg(long, env = "SKILLREG_ADMIN_TOKEN", hide_env_values = true)]
    admin_token: Option<String>,
    /// Nothing is read without a token: only /healthz and /readyz answer anonymous requests
    #[arg(long, env = "SKILLREG_PRIVATE")]
    private: bool,
    /// The visibility of a namespace made without one, where no namespace above it has one
    /// of its own: public, internal or private [default: public]
    #[arg(long, env = "SKILLREG_DEFAULT_VISIBILITY")]
    default_visibility: Option<skillreg_core::auth::Visibility>,
    /// How often download counts kept in memory are written to the store, in seconds
    /// (they are also written before any read that needs them and at shutdown) [default: 1]
    #[arg(long, env = "SKILLREG_COUNTER_FLUSH_SECONDS", value_parser = clap::value_parser!(u64).range(1..=3600))]
    counter_flush_seconds: Option<u64>,
    /// A TOML file of the audit policy: `[levels]` (rule code = "off", "info", "warn" or
    /// "block") and `[[allow]]` entries (namespace, code, path, fingerprint, reason); see
    /// docs/audit-rules.md
    #[arg(long, env = "SKILLREG_AUDIT_POLICY")]
    audit_policy: Option<PathBuf>,
    /// Serve HTTPS with this PEM certificate chain (with --tls-key)
    #[arg(long, env = "SKILLREG_TLS_CERT", requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// The PEM private key of --tls-cert
    #[arg(long, env = "SKILLREG_TLS_KEY", requires = "tls_cert")]
    tls_key: Option<PathBuf>,
    /// The address clients reach the registry at (behind a proxy), e.g.
    /// `https://skills.example.com`: absolute URLs the server writes start with it
    #[arg(long, env = "SKILLREG_PUBLIC_URL")]
    public_url: Option<String>,
    /// The transparency log's signing key (made there on the first start; give every
    /// replica of one database the same file) [default: DATA_DIR/log.key]
    #[arg(long, env = "SKILLREG_LOG_KEY")]
    log_key: Option<PathBuf>,
}

/// The config file's settings; unknown keys are refused, so a typo is not ignored.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct FileSettings {
    data_dir: Option<PathBuf>,
    listen: Option<SocketAddr>,
    database_url: Option<String>,
    blob_dir: Option<PathBuf>,
    blob_url: Option<String>,
    #[serde(default)]
    blob_redirect: bool,
    /// S3 options (`region`, `endpoint`, `allow_http`, `virtual_hosted_style_request`,
    /// `access_key_id`, …) over the `AWS_*` variables.
    #[serde(default)]
    s3: std::collections::BTreeMap<String, String>,
    writes_per_minute: Option<u32>,
    failed_sign_ins_per_minute: Option<u32>,
    redis_url: Option<String>,
    sqlite_cache_mb: Option<u32>,
    sqlite_mmap_mb: Option<u32>,
    #[serde(default)]
    trusted_proxies: Vec<std::net::IpAddr>,
    max_connections: Option<usize>,
    #[serde(default)]
    private: bool,
    default_visibility: Option<String>,
    counter_flush_seconds: Option<u64>,
    audit_policy: Option<PathBuf>,
    tls_cert: Option<PathBuf>,
    tls_key: Option<PathBuf>,
    public_url: Option<String>,
    log_key: Option<PathBuf>,
}

/// Settings after flags, variables, the config file and defaults are merged.
#[derive(Debug)]
struct Settings {
    data_dir: PathBuf,
    listen: SocketAddr,
    database_url: Option<String>,
    blob_dir: Option<PathBuf>,
    blob_url: Option<String>,
    blob_redirect: bool,
    s3: std::collections::BTreeMap<String, String>,
    writes_per_minute: Option<u32>,
    failed_sign_ins_per_minute: Option<u32>,
    redis_url: Option<String>,
    sqlite_memory: skillreg_adapters::SqliteMemory,
    trusted_proxies: Vec<std::net::IpAddr>,
    max_connections: Option<usize>,
    admin_token: Option<String>,
    private: bool,
    default_visibility: skillreg_core::auth::Visibility,
    counter_flush: std::time::Duration,
    audit: skillreg_core::audit::Policy,
    /// The certificate and key to serve HTTPS with.
    tls: Option<std::sync::Arc<rustls::ServerConfig>>,
    public_url: Option<String>,
    log_key: Option<PathBuf>,
}

impl ServeArgs {
    fn settings(self) -> anyhow::Result<Settings> {
        let file = match &self.config {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .with_context(|| format!("reading the config file {}", path.display()))?;
                toml::from_str::<FileSettings>(&text)
                    .with_context(|| format!("the config file {} is not valid", path.display()))?
            }
            None => FileSettings::default(),
        };
        let listen = match self.listen.or(file.listen) {
            Some(listen) => listen,
            None => DEFAULT_LISTEN
                .parse()
                .context("the default listen address")?,
        };
        Ok(Settings {
            data_dir: self
                .data_dir
                .or(file.data_dir)
                .unwrap_or_else(default_data_dir),
            listen,
            database_url: self.database_url.or(file.database_url),
            blob_dir: self.blob_dir.or(file.blob_dir),
            blob_url: self.blob_url.or(file.blob_url),
            blob_redirect: self.blob_redirect || file.blob_redirect,
            s3: file.s3,
            writes_per_minute: self.writes_per_minute.or(file.writes_per_minute),
            failed_sign_ins_per_minute: self
                .failed_sign_ins_per_minute
                .or(file.failed_sign_ins_per_minute)
                .map(|n| n.max(1)),
            redis_url: self.redis_url.or(file.redis_url),
            sqlite_memory: {
                let default = skillreg_adapters::SqliteMemory::default();
                skillreg_adapters::SqliteMemory {
                    cache_mb: self
                        .sqlite_cache_mb
                        .or(file.sqlite_cache_mb)
                        .unwrap_or(default.cache_mb)
                        .max(1),
                    mmap_mb: self
                        .sqlite_mmap_mb
                        .or(file.sqlite_mmap_mb)
                        .unwrap_or(default.mmap_mb),
                }
            },
            trusted_proxies: if self.trusted_proxies.is_empty() {
                file.trusted_proxies
            } else {
                self.trusted_proxies
            },
            max_connections: self.max_connections.or(file.max_connections),
            admin_token: self.admin_token,
            private: self.private || file.private,
            default_visibility: match (self.default_visibility, file.default_visibility) {
                (Some(flag), _) => flag,
                (None, Some(text)) => text.parse().with_context(|| {
                    format!("`default_visibility` in the config file is `{text}`")
                })?,
                (None, None) => skillreg_core::auth::Visibility::default(),
            },
            counter_flush: std::time::Duration::from_secs(
                match self.counter_flush_seconds.or(file.counter_flush_seconds) {
                    Some(seconds @ 1..=3600) => seconds,
                    Some(other) => anyhow::bail!(
                        "`counter_flush_seconds` in the config file is {other}; use 1 to 3600"
                    ),
                    None => 1,
                },
            ),
            audit: match self.audit_policy.or(file.audit_policy) {
                Some(path) => read_audit_policy(&path)?,
                None => skillreg_core::audit::Policy::default(),
            },
            tls: match (
                self.tls_cert.or(file.tls_cert),
                self.tls_key.or(file.tls_key),
            ) {
                (Some(cert), Some(key)) => Some(
                    skillreg_server::tls_config(&cert, &key)
                        .context("the TLS certificate and key do not serve")?,
                ),
                (None, None) => None,
                _ => {
                    anyhow::bail!("TLS needs both a certificate and a key (--tls-cert, --tls-key)")
                }
            },
            public_url: match self.public_url.or(file.public_url) {
                Some(url) => Some(checked_public_url(&url)?),
                None => None,
            },
            log_key: self.log_key.or(file.log_key),
        })
    }
}

/// A public URL: `http(s)://host[:port][/path]`, nothing after the path.
fn checked_public_url(url: &str) -> anyhow::Result<String> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"));
    match rest {
        Some(rest)
            if !rest.is_empty()
                && !rest.starts_with('/')
                && !rest.contains(['?', '#', ' ', '"', '<', '>', '\\']) =>
        {
            Ok(url.trim_end_matches('/').to_owned())
        }
        _ => anyhow::bail!(
            "the public URL `{url}` is not one: write it as https://host[:port][/path]"
        ),
    }
}

/// The audit policy in the TOML file at `path`, every code it names checked.
fn read_audit_policy(path: &std::path::Path) -> anyhow::Result<skillreg_core::audit::Policy> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("reading the audit policy {}", path.display()))?;
    let policy: skillreg_core::audit::Policy = toml::from_str(&text)
        .with_context(|| format!("the audit policy {} is not valid", path.display()))?;
    policy
        .check()
        .with_context(|| format!("the audit policy {}", path.display()))?;
    Ok(policy)
}

#[expect(
    clippy::disallowed_methods,
    reason = "settings are read here, in the binary's configuration layer"
)]
fn default_data_dir() -> PathBuf {
    let base = std::env::var_os("XDG_DATA_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".local/share")));
    base.map_or_else(
        || PathBuf::from("skillreg-data"),
        |base| base.join("skillreg"),
    )
}

pub(crate) fn run(args: ServeArgs) -> anyhow::Result<()> {
    // Logs go to stderr (stdout carries the start-up banner), coloured only on a terminal.
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("SKILLREG_LOG")
                .unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the runtime")?;
    runtime.block_on(serve(args))
}

async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let shutdown = shutdown_signal()?;
    let args = args.settings()?;
    let data_dir = args.data_dir.clone();
    std::fs::create_dir_all(&data_dir)
        .with_context(|| format!("creating the data folder {}", data_dir.display()))?;
    files::make_private(&data_dir, true)
        .with_context(|| format!("making the data folder {} private", data_dir.display()))?;
    // The embedded default belongs to this process alone: a lock on the data folder keeps a
    // second `serve` out (it would write behind this one's read cache), and lets reads be
    // cached. A database named by URL may have other users: nothing is cached then.
    // Replicas on PostgreSQL count failed sign-ins in it, so that each sees the others'.
    let mut limit_store: Option<Arc<dyn skillreg_core::ports::LimitStore>> = None;
    let (store, mode, _data_lock): (Arc<dyn SkillStore>, CacheMode, Option<std::fs::File>) =
        match &args.database_url {
            Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
                let store = Arc::new(
                    PostgresStore::connect(url, PostgresConfig::default())
                        .await
                        .context("connecting to PostgreSQL")?,
                );
                limit_store = Some(Arc::clone(&store) as Arc<dyn skillreg_core::ports::LimitStore>);
                (store, CacheMode::Shared, None)
            }
            Some(url) => (
                Arc::new(
                    SqliteStore::connect_with(url, args.sqlite_memory)
                        .await
                        .context("opening the SQLite database")?,
                ),
                CacheMode::Shared,
                None,
            ),
            None => {
                let lock = files::lock_data_dir(&data_dir)?;
                let db = data_dir.join("skillreg.db");
                // Token digests, members and the audit log: readable by the owner only.
                // SQLite gives its -wal and -shm files the database file's mode.
                files::private_file(&db).with_context(|| format!("protecting {}", db.display()))?;
                let store = SqliteStore::open_with(&db, args.sqlite_memory)
                    .await
                    .context("opening the SQLite database")?;
                (Arc::new(store), CacheMode::Exclusive, Some(lock))
            }
        };
    let blobs: Arc<dyn skillreg_core::ports::BlobStore> = match (&args.blob_url, &args.blob_dir) {
        (Some(_), Some(_)) => {
            anyhow::bail!("give the blob folder or the blob URL, not both")
        }
        (Some(url), None) => {
            let store = S3BlobStore::open(url, &args.s3)
                .await
                .context("opening the S3 blob store")?;
            Arc::new(if args.blob_redirect {
                store.with_redirect(BLOB_REDIRECT_TTL)
            } else {
                store
            })
        }
        (None, _) if args.blob_redirect => {
            anyhow::bail!("blob_redirect needs a blob URL (s3://bucket/prefix)")
        }
        (None, dir) => {
            let dir = dir.clone().unwrap_or_else(|| data_dir.join("blobs"));
            Arc::new(FsBlobStore::open(&dir).context("opening the blob folder")?)
        }
    };
    let layered = Layered::new(store, mode, blobs);
    let store = Arc::clone(&layered.cache);
    let flusher = store.spawn_flusher(args.counter_flush);
    let registry = Registry::new(
        layered.stores,
        layered.blobs,
        Arc::new(SystemClock),
        Arc::new(RandomIds),
        RegistryConfig {
            sign_in_required: args.private,
            default_visibility: args.default_visibility,
            audit: args.audit,
            ..RegistryConfig::default()
        },
    )
    .with_key_verifier(Arc::new(skillreg_adapters::signing::Ed25519KeyVerifier));
    let log_key_path = args
        .log_key
        .clone()
        .unwrap_or_else(|| data_dir.join("log.key"));
    let log_key = files::ensure_log_key(&log_key_path, args.public_url.as_deref())?;
    let log_hint = format!(
        "transparency log: {} (key in {})",
        skillreg_core::log::NoteKey::to_text(log_key.public()),
        log_key_path.display()
    );
    let registry = registry.with_log_signer(Arc::new(log_key));
    registry
        .claim_log_key()
        .await
        .with_context(|| format!("the log key {}", log_key_path.display()))?;
    let token_path = data_dir.join("admin.token");
    let admin_hint = files::ensure_admin_token(&registry, &token_path, args.admin_token).await?;
    let mut limits = skillreg_server::LimitsConfig {
        trusted_proxies: args.trusted_proxies.clone(),
        ..skillreg_server::LimitsConfig::default()
    };
    let mut connection_limits = skillreg_server::ConnectionLimits::default();
    if let Some(max) = args.max_connections {
        connection_limits.max_connections = max.max(1);
    }
    if let Some(per_minute) = args.writes_per_minute {
        limits.writes = skillreg_server::Rate {
            burst: (per_minute / 2).max(60),
            per_minute,
        };
    }
    if let Some(per_minute) = args.failed_sign_ins_per_minute {
        limits.auth_failures = skillreg_server::Rate {
            burst: per_minute,
            per_minute,
        };
    }
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("listening on {}", args.listen))?;
    let address = listener.local_addr().context("reading the bound address")?;
    // Where the server is, for the person who started it. A closed stdout (the starter
    // went away) must not stop the server, so write errors are ignored.
    {
        use std::io::Write as _;
        let mut out = std::io::stdout().lock();
        let scheme = if args.tls.is_some() { "https" } else { "http" };
        let _ = writeln!(out, "skillreg listening on {scheme}://{address}");
        let _ = writeln!(out, "data folder: {}", data_dir.display());
        let _ = writeln!(out, "{admin_hint}");
        let _ = writeln!(out, "{log_hint}");
        let _ = out.flush();
    }
    let mut state = skillreg_server::AppState::new(registry)
        .with_limits(limits)
        .with_connection_limits(connection_limits);
    if let Some(url) = &args.redis_url {
        let redis = skillreg_adapters::redis::RedisLimits::connect(url, "skillreg:")
            .await
            .context("connecting to Redis (--redis-url)")?;
        limit_store = Some(Arc::new(redis));
    }
    if let Some(store) = limit_store {
        state = state.with_limit_store(store);
    }
    if let Some(tls) = args.tls.clone() {
        state = state.with_tls(tls);
    }
    if let Some(url) = &args.public_url {
        state = state.with_public_url(url);
    }
    skillreg_server::run(listener, state, shutdown)
        .await
        .context("serving")?;
    flusher.abort();
    store
        .flush()
        .await
        .context("writing the last download counters")?;
    tracing::info!("stopped");
    Ok(())
}

/// Registers the SIGINT/SIGTERM handlers now (a signal arriving before the server first
/// polls the future must not kill the process) and returns the future that completes on
/// the first of them.
fn shutdown_signal() -> anyhow::Result<impl std::future::Future<Output = ()> + Send + 'static> {
    #[cfg(unix)]
    let mut terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .context("installing the SIGTERM handler")?;
    #[cfg(unix)]
    let mut interrupt = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt())
        .context("installing the SIGINT handler")?;
    Ok(async move {
        #[cfg(unix)]
        tokio::select! {
            _ = interrupt.recv() => {}
            _ = terminate.recv() => {}
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
        }
        tracing::info!("shutting down: finishing requests in flight");
    })
}
