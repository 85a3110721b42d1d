//! What every command gets: the output mode, the settings, and the adapters built from
//! them.

use std::sync::Arc;

use skillreg_adapters::http::{ClientOptions, PrsClient, RegistryClient};
use skillreg_adapters::oci::LocalStore;
use skillreg_client::Source;
use skillreg_core::identity::{Namespace, SkillId};

use crate::config::{ConfiguredRegistry, RegistryKind, Settings};
use crate::output::{Code, Failure, Out};

#[derive(Debug)]
pub(crate) struct Context {
    pub(crate) out: Out,
    pub(crate) settings: Settings,
    registry: Option<String>,
}

impl Context {
    pub(crate) fn new(out: Out, registry: Option<String>) -> Result<Self, Failure> {
        let mut settings = Settings::load()?;
        // A URL given with --registry that is not configured is used as is.
        if let Some(url) = registry.as_deref().filter(|r| r.contains("://"))
            && !settings
                .registries
                .iter()
                .any(|r| r.url.trim_end_matches('/') == url.trim_end_matches('/'))
        {
            let token = crate::config::env("REGISTRY_TOKEN");
            settings.registries.insert(
                0,
                ConfiguredRegistry {
                    name: url.to_owned(),
                    url: url.trim_end_matches('/').to_owned(),
                    kind: RegistryKind::Skillreg,
                    token,
                },
            );
        }
        Ok(Context {
            out,
            settings,
            registry,
        })
    }

    fn options(registry: &ConfiguredRegistry) -> ClientOptions {
        ClientOptions {
            token: registry.token.clone(),
            ..ClientOptions::default()
        }
    }

    /// The client of the registry this command talks to.
    pub(crate) fn client(&self) -> Result<RegistryClient, Failure> {
        let registry = self.settings.registry(self.registry.as_deref())?;
        if registry.kind != RegistryKind::Skillreg {
            return Err(Failure::new(format!(
                "registry `{}` speaks only the Package Registry Standard read surface",
                registry.name
            ))
            .hint("pick a skillreg registry with --registry"));
        }
        Ok(RegistryClient::new(&registry.url, Self::options(registry))?
            .with_progress(self.out.progress()))
    }

    /// What installs check registries' transparency logs with: the keys and checkpoints
    /// trusted so far (under the data folder's `logs/`) and the configured witnesses.
    pub(crate) fn log_trust(&self) -> skillreg_client::LogTrust {
        let mut trust = skillreg_client::LogTrust::new(self.settings.data_dir.join("logs"));
        trust.witnesses = self.settings.witnesses.clone();
        trust.quorum = self.settings.trust.witness_quorum;
        trust
    }

    /// The local OCI store (`skillreg build`, pulls).
    pub(crate) fn local_store(&self) -> LocalStore {
        LocalStore::new(self.settings.data_dir.join("oci"))
    }

    /// The sources of the resolution cascade, in order: the local store, then the chosen
    /// registry alone or every configured one.
    pub(crate) fn sources(&self) -> Result<Vec<Source>, Failure> {
        let registries: Vec<&ConfiguredRegistry> = match self.registry.as_deref() {
            Some(name) => vec![self.settings.registry(Some(name))?],
            None => self.settings.registries.iter().collect(),
        };
        let mut sources = vec![Source {
            name: "store+local".to_owned(),
            lookup: Arc::new(self.local_store()),
            keys: None,
            registry: None,
        }];
        for registry in registries {
            let options = Self::options(registry);
            let name = format!("registry+{}", registry.url);
            sources.push(match registry.kind {
                RegistryKind::Skillreg => {
                    let client = RegistryClient::new(&registry.url, options)?;
                    Source {
                        name,
                        keys: Some(Arc::new(client.clone())),
                        registry: Some(client.clone()),
                        lookup: Arc::new(client.with_progress(self.out.progress())),
                    }
                }
                RegistryKind::PackageRegistry => Source {
                    name,
                    lookup: Arc::new(PrsClient::new(&registry.url, options)?),
                    keys: None,
                    registry: None,
                },
            });
        }
        Ok(sources)
    }

    /// The namespace given, else the default one.
    pub(crate) fn namespace(&self, given: Option<&str>) -> Result<Namespace, Failure> {
        let text = given
            .map(str::to_owned)
            .or_else(|| self.settings.default_namespace.clone())
            .ok_or_else(|| {
                Failure::new("no namespace given")
                    .hint("pass --namespace, set REGISTRY_ORG, or set default_namespace in the config")
                    .code(Code::Usage)
            })?;
        text.parse().map_err(|e| {
            Failure::new(format!("`{text}` is not a namespace: {e}")).code(Code::Usage)
        })
    }
}

/// Parses `ns/name`.
pub(crate) fn parse_id(text: &str) -> Result<SkillId, Failure> {
    text.parse().map_err(|e| {
        Failure::new(format!("`{text}` is not a skill id: {e}"))
            .hint("write it as namespace/name, e.g. acme/pdf-tools")
            .code(Code::Usage)
    })
}

/// `namespace/name@version`, as written on the command line.
pub(crate) fn parse_reference(text: &str) -> Result<(SkillId, skillreg_core::Version), Failure> {
    let (id, version) = text.split_once('@').ok_or_else(|| {
        Failure::new(format!("`{text}` names no version"))
            .hint("write namespace/name@version")
            .code(Code::Usage)
    })?;
    let id = parse_id(id)?;
    let version = version.parse().map_err(|e| {
        Failure::new(format!("`{version}` is not a version: {e}")).code(Code::Usage)
    })?;
    Ok((id, version))
}
