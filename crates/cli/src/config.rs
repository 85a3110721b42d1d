//! The client's settings: `$XDG_CONFIG_HOME/skillreg/config.toml` (else
//! `~/.config/skillreg/config.toml`), tokens from `credentials.toml` beside it (mode 0600,
//! written by `skillreg login`), then the environment: `REGISTRY_URL` (put first in the
//! resolution order), `REGISTRY_TOKEN`, `REGISTRY_ORG` (the default namespace) and
//! `REGISTRY_VERIFY_SIGNATURE`.
//!
//! ```toml
//! default_namespace = "acme"
//!
//! [[registry]]            # asked in this order
//! name = "company"
//! url = "https://skills.example.com"
//! kind = "skillreg"       # or "package-registry" (the Package Registry Standard)
//!
//! [trust]
//! verify_signatures = true
//! hmac_secrets = { ci = "<hex secret>" }   # for existing HMAC-SHA256 setups
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::output::Failure;

/// What kind of registry a URL is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum RegistryKind {
    /// A skillreg registry (its native API).
    #[default]
    Skillreg,
    /// Any registry speaking the Package Registry Standard read surface.
    PackageRegistry,
}

/// One configured registry.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub(crate) struct ConfiguredRegistry {
    pub(crate) name: String,
    pub(crate) url: String,
    #[serde(default)]
    pub(crate) kind: RegistryKind,
    /// Filled from credentials or `REGISTRY_TOKEN`, never from the config file.
    #[serde(skip)]
    pub(crate) token: Option<String>,
}

/// The trust policy.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub(crate) struct Trust {
    #[serde(default)]
    pub(crate) verify_signatures: bool,
    /// HMAC secrets by name, hex.
    #[serde(default)]
    pub(crate) hmac_secrets: BTreeMap<String, String>,
    /// Witnesses of registries' transparency logs: their note verifier keys
    /// (`<name>+<hash>+<key>`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) witnesses: Vec<String>,
    /// How many of `witnesses` must have cosigned a checkpoint before it is trusted.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub(crate) witness_quorum: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// The config file.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    default_namespace: Option<String>,
    #[serde(default, rename = "registry")]
    registries: Vec<ConfiguredRegistry>,
    #[serde(default)]
    trust: Trust,
}

/// Tokens by registry URL.
#[derive(Debug, Default, Deserialize, Serialize)]
struct Credentials {
    #[serde(default)]
    tokens: BTreeMap<String, String>,
}

/// Everything the commands need to know.
#[derive(Debug, Clone)]
pub(crate) struct Settings {
    pub(crate) config_dir: PathBuf,
    /// `$XDG_DATA_HOME/skillreg` or `~/.local/share/skillreg`: the local OCI store.
    pub(crate) data_dir: PathBuf,
    pub(crate) home: PathBuf,
    pub(crate) default_namespace: Option<String>,
    pub(crate) registries: Vec<ConfiguredRegistry>,
    pub(crate) trust: Trust,
    /// `trust.witnesses`, read.
    pub(crate) witnesses: Vec<skillreg_core::log::NoteKey>,
}

/// An environment variable, empty counting as unset. The one place the client reads the
/// environment.
#[expect(
    clippy::disallowed_methods,
    reason = "the config loader is where the environment is read"
)]
pub(crate) fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// The home folder (`HOME`).
fn home() -> Result<PathBuf, Failure> {
    env("HOME").map(PathBuf::from).ok_or_else(|| {
        Failure::new("the HOME environment variable is not set")
            .hint("set HOME to your home folder")
    })
}

impl Settings {
    /// Reads the config file, the credentials and the environment.
    pub(crate) fn load() -> Result<Self, Failure> {
        let home = home()?;
        let config_dir = env("XDG_CONFIG_HOME")
            .map_or_else(|| home.join(".config"), PathBuf::from)
            .join("skillreg");
        let path = config_dir.join("config.toml");
        let file: ConfigFile = match std::fs::read_to_string(&path) {
            Ok(text) => toml::from_str(&text).map_err(|e| {
                Failure::new(format!("{} is not a valid config: {e}", path.display()))
                    .hint("fix the file, or move it away to start from the defaults")
            })?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => ConfigFile::default(),
            Err(e) => return Err(Failure::new(format!("cannot read {}: {e}", path.display()))),
        };
        let credentials = read_credentials(&config_dir)?;
        let mut registries = file.registries;
        if let Some(url) = env("REGISTRY_URL") {
            let url = url.trim_end_matches('/').to_owned();
            registries.retain(|r| r.url.trim_end_matches('/') != url);
            registries.insert(
                0,
                ConfiguredRegistry {
                    name: "env".to_owned(),
                    url,
                    kind: RegistryKind::Skillreg,
                    token: None,
                },
            );
        }
        let env_token = env("REGISTRY_TOKEN");
        for (index, registry) in registries.iter_mut().enumerate() {
            registry.token = credentials
                .tokens
                .get(registry.url.trim_end_matches('/'))
                .cloned();
            if index == 0 && env_token.is_some() {
                registry.token.clone_from(&env_token);
            }
        }
        let mut trust = file.trust;
        if let Some(value) = env("REGISTRY_VERIFY_SIGNATURE") {
            trust.verify_signatures = matches!(value.as_str(), "1" | "true" | "yes" | "on");
        }
        let witnesses = trust
            .witnesses
            .iter()
            .map(|text| {
                skillreg_core::log::NoteKey::parse(text).map_err(|e| {
                    Failure::new(format!("{}: the witness key `{text}`: {e}", path.display()))
                        .hint("a witness key is `<name>+<hash>+<key>`, as `skillreg log keygen` prints it")
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        if trust.witness_quorum > witnesses.len() {
            return Err(Failure::new(format!(
                "{}: witness_quorum is {}, but only {} witnesses are configured",
                path.display(),
                trust.witness_quorum,
                witnesses.len()
            ))
            .hint("add witness keys to [trust] witnesses, or lower witness_quorum"));
        }
        let data_dir = env("XDG_DATA_HOME")
            .map_or_else(|| home.join(".local/share"), PathBuf::from)
            .join("skillreg");
        Ok(Settings {
            config_dir,
            data_dir,
            home,
            default_namespace: env("REGISTRY_ORG").or(file.default_namespace),
            registries,
            trust,
            witnesses,
        })
    }

    /// The registry commands that talk to one registry use: the named one, else the first.
    pub(crate) fn registry(&self, name: Option<&str>) -> Result<&ConfiguredRegistry, Failure> {
        match name {
            Some(name) => self
                .registries
                .iter()
                .find(|r| {
                    r.name == name || r.url.trim_end_matches('/') == name.trim_end_matches('/')
                })
                .ok_or_else(|| {
                    Failure::new(format!("no registry named `{name}` is configured"))
                        .hint("list them with `skillreg registry list`")
                }),
            None => self.registries.first().ok_or_else(|| {
                Failure::new("no registry is configured")
                    .hint("set REGISTRY_URL, or add one with `skillreg registry add <name> <url>`")
            }),
        }
    }

    /// The token of the configured registry at `authority` (`host[:port]`, as an OCI
    /// reference names it), if one is: tokens go to the origin they were made for, never
    /// to another.
    pub(crate) fn token_for_authority(&self, authority: &str) -> Option<&str> {
        self.registries.iter().find_map(|registry| {
            let (scheme, rest) = registry.url.split_once("://")?;
            let host = rest.split('/').next()?.to_ascii_lowercase();
            let default_port = match scheme {
                "https" => ":443",
                "http" => ":80",
                _ => return None,
            };
            let wanted = authority.to_ascii_lowercase();
            let same = host == wanted
                || format!("{host}{default_port}") == wanted
                || host == format!("{wanted}{default_port}");
            same.then_some(registry.token.as_deref()).flatten()
        })
    }

    /// Stores a token for a registry URL (credentials file, mode 0600).
    pub(crate) fn store_token(&self, url: &str, token: &str) -> Result<PathBuf, Failure> {
        let mut credentials = read_credentials(&self.config_dir)?;
        credentials
            .tokens
            .insert(url.trim_end_matches('/').to_owned(), token.to_owned());
        let text = toml::to_string(&credentials)
            .map_err(|e| Failure::new(format!("cannot write credentials: {e}")))?;
        let path = self.config_dir.join("credentials.toml");
        write_private(&path, text.as_bytes())?;
        Ok(path)
    }

    /// Adds (or replaces) a registry in the config file.
    pub(crate) fn add_registry(
        &self,
        name: &str,
        url: &str,
        kind: RegistryKind,
    ) -> Result<PathBuf, Failure> {
        let path = self.config_dir.join("config.toml");
        let mut file: ConfigFile = match std::fs::read_to_string(&path) {
            Ok(text) => toml::from_str(&text).map_err(|e| {
                Failure::new(format!("{} is not a valid config: {e}", path.display()))
            })?,
            Err(_) => ConfigFile::default(),
        };
        file.registries.retain(|r| r.name != name);
        file.registries.push(ConfiguredRegistry {
            name: name.to_owned(),
            url: url.trim_end_matches('/').to_owned(),
            kind,
            token: None,
        });
        let text = toml::to_string(&file)
            .map_err(|e| Failure::new(format!("cannot write the config: {e}")))?;
        crate::output::write_file(&path, text.as_bytes())?;
        Ok(path)
    }

    /// Where keys live.
    pub(crate) fn keys_dir(&self) -> PathBuf {
        self.config_dir.join("keys")
    }
}

fn read_credentials(config_dir: &Path) -> Result<Credentials, Failure> {
    let path = config_dir.join("credentials.toml");
    match std::fs::read_to_string(&path) {
        Ok(text) => toml::from_str(&text).map_err(|e| {
            Failure::new(format!("{} is not valid: {e}", path.display()))
                .hint("log in again with `skillreg login`")
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Credentials::default()),
        Err(e) => Err(Failure::new(format!("cannot read {}: {e}", path.display()))),
    }
}

/// Writes a file only its owner can read, atomically.
pub(crate) fn write_private(path: &Path, bytes: &[u8]) -> Result<(), Failure> {
    let fail = |e: std::io::Error| Failure::new(format!("cannot write {}: {e}", path.display()));
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(fail)?;
    let mut temp = tempfile::NamedTempFile::new_in(dir).map_err(fail)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        temp.as_file()
            .set_permissions(std::fs::Permissions::from_mode(0o600))
            .map_err(fail)?;
    }
    std::io::Write::write_all(&mut temp, bytes).map_err(fail)?;
    temp.persist(path).map_err(|e| fail(e.error))?;
    Ok(())
}
