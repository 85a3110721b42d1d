//! Following the lock: what `install` with no argument does for each skill the project
//! manifest asks for ([`plan_install`]), and what `update` does ([`plan_update`]). Both are
//! decided here from the manifest, the lock and what the command line gave; the CLI carries
//! each step out (fetching, writing folders, saving the lock after each) and prints.

use skillreg_core::clients::AgentClient;
use skillreg_core::{SkillRef, Version, VersionReq};

use crate::project::{Lock, LockEntry, ProjectManifest};

/// Why the lock cannot be followed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SyncError {
    /// The manifest asks for nothing and the lock holds nothing.
    #[error("nothing to install: the project manifest lists no skills")]
    NothingToInstall,
    /// A profile the manifest follows is not a profile id.
    #[error("`{text}` (in profiles) is not a profile id: {reason}")]
    Profile {
        /// The entry.
        text: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A manifest key is not a skill reference.
    #[error("`{text}` is not a skill reference: {reason}")]
    Reference {
        /// The key.
        text: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A manifest value is not a version request.
    #[error("`{request}` (for `{text}`) is not a version request: {reason}")]
    Request {
        /// The key.
        text: String,
        /// The value.
        request: String,
        /// What is wrong with it.
        reason: String,
    },
    /// Installing only what is locked, and the lock does not hold what the manifest asks.
    #[error("skills.lock is out of date: `{text}`{} is not locked", request.as_ref().map(|r| format!(" ({r})")).unwrap_or_default())]
    NotLocked {
        /// The manifest's key.
        text: String,
        /// Its version request (none for an OCI reference).
        request: Option<String>,
    },
}

/// One skill of the manifest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Wanted {
    /// A skill of the registry sources.
    Registry {
        /// The manifest's key.
        text: String,
        /// The skill it names.
        reference: SkillRef,
        /// The version request.
        request: VersionReq,
    },
    /// An OCI artifact (`oci://registry/repository[:tag]`).
    Oci {
        /// The manifest's key.
        text: String,
        /// `registry/repository`, without the tag.
        repository: String,
    },
}

/// The skills `manifest` asks for, in its order.
///
/// # Errors
/// [`SyncError::Reference`] or [`SyncError::Request`] for the first entry that does not
/// read.
pub fn wanted(manifest: &ProjectManifest) -> Result<Vec<Wanted>, SyncError> {
    manifest
        .skills
        .iter()
        .map(|(text, request)| {
            if let Some(rest) = text.strip_prefix("oci://") {
                let repository = rest
                    .rsplit_once(':')
                    .filter(|(_, tag)| !tag.contains('/'))
                    .map_or(rest, |(repository, _)| repository);
                return Ok(Wanted::Oci {
                    text: text.clone(),
                    repository: repository.to_owned(),
                });
            }
            let reference = text.parse().map_err(|e| SyncError::Reference {
                text: text.clone(),
                reason: format!("{e}"),
            })?;
            let parsed = request.parse().map_err(|e| SyncError::Request {
                text: text.clone(),
                request: request.clone(),
                reason: format!("{e}"),
            })?;
            Ok(Wanted::Registry {
                text: text.clone(),
                reference,
                request: parsed,
            })
        })
        .collect()
}

/// The lock entry of an OCI repository: its source is `oci+<repository>@<digest>`.
fn locked_artifact<'a>(lock: &'a Lock, repository: &str) -> Option<&'a LockEntry> {
    let prefix = format!("oci+{repository}@");
    lock.skills
        .iter()
        .find(|entry| entry.source.starts_with(&prefix))
}

/// What installing from the lock does for one skill of the manifest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InstallStep {
    /// The lock pins it: put the locked content in the clients' folders, unless they hold
    /// it already (then nothing is fetched).
    Restore {
        /// The locked skill.
        entry: LockEntry,
        /// The clients to install for.
        clients: Vec<AgentClient>,
    },
    /// The lock pins an OCI artifact by digest: pull that digest, unless the clients'
    /// folders hold its content already.
    PullLocked {
        /// The locked skill.
        entry: LockEntry,
        /// `oci://registry/repository@digest`.
        pinned: String,
    },
    /// Not locked (or the lock no longer satisfies the request): resolve it, install, and
    /// lock what came.
    Resolve {
        /// The skill.
        reference: SkillRef,
        /// The version request.
        request: VersionReq,
    },
    /// An OCI reference not locked yet: pull it and lock what came.
    Pull {
        /// The manifest's key.
        text: String,
    },
    /// A profile the manifest follows with nothing locked for it yet: read it from the
    /// registry, install its skills and lock them.
    Profile {
        /// The profile.
        profile: skillreg_core::profile::ProfileId,
    },
}

/// What `install` with no argument does, skill by skill: what the lock pins is restored
/// (the skills locked for a followed profile too), the rest resolved; `clients` are the ones the command line named (empty: each locked
/// skill keeps its own). With `locked_only`, anything the lock does not hold is an error
/// and nothing is resolved.
///
/// # Errors
/// [`SyncError::NothingToInstall`] for an empty manifest and lock, [`SyncError::NotLocked`]
/// (only with `locked_only`), or an entry of the manifest that does not read.
pub fn plan_install(
    manifest: &ProjectManifest,
    lock: &Lock,
    clients: &[AgentClient],
    locked_only: bool,
) -> Result<Vec<InstallStep>, SyncError> {
    if manifest.skills.is_empty() && manifest.profiles.is_empty() && lock.skills.is_empty() {
        return Err(SyncError::NothingToInstall);
    }
    let mut steps = Vec::new();
    for profile in crate::profiles::profiles(manifest)? {
        let locked: Vec<&LockEntry> = lock
            .skills
            .iter()
            .filter(|e| e.profile.as_ref().is_some_and(|p| p.key() == profile.key()))
            .collect();
        if locked.is_empty() {
            if locked_only {
                return Err(SyncError::NotLocked {
                    text: profile.to_string(),
                    request: None,
                });
            }
            steps.push(InstallStep::Profile { profile });
        }
        for entry in locked {
            steps.push(InstallStep::Restore {
                clients: if clients.is_empty() {
                    entry.clients.clone()
                } else {
                    clients.to_vec()
                },
                entry: entry.clone(),
            });
        }
    }
    for wanted in wanted(manifest)? {
        let step = match wanted {
            Wanted::Oci { text, repository } => match locked_artifact(lock, &repository) {
                Some(entry) => InstallStep::PullLocked {
                    pinned: format!("oci://{}", entry.source.trim_start_matches("oci+")),
                    entry: entry.clone(),
                },
                None if locked_only => {
                    return Err(SyncError::NotLocked {
                        text,
                        request: None,
                    });
                }
                None => InstallStep::Pull { text },
            },
            Wanted::Registry {
                text,
                reference,
                request,
            } => match lock.satisfying(&reference, &request) {
                Some(entry) => InstallStep::Restore {
                    clients: if clients.is_empty() {
                        entry.clients.clone()
                    } else {
                        clients.to_vec()
                    },
                    entry: entry.clone(),
                },
                None if locked_only => {
                    return Err(SyncError::NotLocked {
                        request: manifest.skills.get(&text).cloned(),
                        text,
                    });
                }
                None => InstallStep::Resolve { reference, request },
            },
        };
        steps.push(step);
    }
    Ok(steps)
}

/// What `update` does for one skill of the manifest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UpdateStep {
    /// Resolve the request again, install what it resolves to, and lock it.
    Resolve {
        /// The skill.
        reference: SkillRef,
        /// The version request.
        request: VersionReq,
        /// The version locked before, if any.
        from: Option<Version>,
        /// The clients it is locked for; `None` when it is not locked (the CLI chooses).
        clients: Option<Vec<AgentClient>>,
    },
    /// Pull the OCI reference again (its tag may name another artifact now) and lock it.
    Pull {
        /// The manifest's key.
        text: String,
    },
}

/// What `update` does: every skill of the manifest, or those `names` name (a skill's name,
/// with or without its namespace, or an OCI reference as the manifest writes it), resolved
/// again within its request.
///
/// # Errors
/// An entry of the manifest that does not read.
pub fn plan_update(
    manifest: &ProjectManifest,
    lock: &Lock,
    names: &[String],
) -> Result<Vec<UpdateStep>, SyncError> {
    let named: Vec<SkillRef> = names.iter().filter_map(|n| n.parse().ok()).collect();
    let mut steps = Vec::new();
    for wanted in wanted(manifest)? {
        match wanted {
            Wanted::Oci { text, .. } => {
                if names.is_empty() || names.contains(&text) {
                    steps.push(UpdateStep::Pull { text });
                }
            }
            Wanted::Registry {
                reference, request, ..
            } => {
                if !names.is_empty()
                    && !named
                        .iter()
                        .any(|n| n.name().key() == reference.name().key())
                {
                    continue;
                }
                let locked = lock.for_reference(&reference);
                steps.push(UpdateStep::Resolve {
                    from: locked.map(|entry| entry.version.clone()),
                    clients: locked.map(|entry| entry.clients.clone()),
                    reference,
                    request,
                });
            }
        }
    }
    Ok(steps)
}

#[cfg(test)]
mod tests;
