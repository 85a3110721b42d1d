//! Installing one skill: resolve it through the sources, fetch and verify it (digests, the
//! safe read, the supply-chain name check, signatures when the trust policy or a pinned
//! signer asks), check it against what the lock pins, and hand every client folder to core's
//! install use case as one change. Nothing is written unless every check passes. The loops
//! over a project's skills, and all printing, stay with the caller; what is worth a warning
//! goes to its [`Notes`].

use std::collections::BTreeMap;
use std::sync::Arc;

use skillreg_core::bundle::BundleLimits;
use skillreg_core::clients::{AgentClient, CLIENTS, InstallScope, folders_for};
use skillreg_core::conflict::FolderPolicy;
use skillreg_core::conflict::FolderState;
use skillreg_core::install::{
    Drift, FolderPlan, InstallRunError, decide_uninstall, drift, install as install_skill,
};
use skillreg_core::ports::{InstallError, InstallFolder, InstallMarker, InstallTarget, Verifier};
use skillreg_core::resolve::{
    FetchError, FetchPolicy, FetchedSkill, Resolution, ResolveError, Resolver,
};
use skillreg_core::{Digest, SkillId, SkillRef, VersionReq};

use crate::checks::{ArchiveChanged, SignerChanged, check_locked_archive, check_signer};
use crate::project::{Lock, LockEntry};
use crate::sources::{KeyError, Source, lookups, resolution_keys};

/// Where an install tells what is worth a warning (a source that failed before the one that
/// answered, a signature by a revoked key).
pub trait Notes: Send + Sync {
    /// One warning, for people.
    fn warn(&self, text: String);
}

/// When signatures are checked, and with which shared secrets.
#[derive(Debug, Clone, Default)]
pub struct Trust {
    /// Check every install's signature (else only where the lock pins a signer).
    pub verify_signatures: bool,
    /// HMAC secrets by name, in hex.
    pub hmac_secrets: BTreeMap<String, String>,
}

/// Why installing one skill stopped. Nothing was written.
#[derive(Debug, thiserror::Error)]
pub enum InstallFailure {
    /// Nothing to install was found.
    #[error(transparent)]
    Resolve(#[from] ResolveError),
    /// What was fetched was refused.
    #[error(transparent)]
    Fetch(#[from] FetchError),
    /// The keys to check its signatures could not be had.
    #[error(transparent)]
    Keys(#[from] KeyError),
    /// Someone other than the lock pins signed it.
    #[error(transparent)]
    SignerChanged(#[from] Box<SignerChanged>),
    /// A locked version came back with other bytes.
    #[error(transparent)]
    ArchiveChanged(#[from] Box<ArchiveChanged>),
    /// A folder refused the install, or writing failed and was undone.
    #[error(transparent)]
    Install(#[from] InstallRunError),
    /// A folder could not be looked at.
    #[error(transparent)]
    Folder(#[from] InstallError),
    /// The registry's transparency log did not prove what it served.
    #[error(transparent)]
    Log(#[from] crate::transparency::LogFailure),
    /// The registry's audit blocked the version, or marked it for review and taking such
    /// versions was not asked for.
    #[error("the registry's audit marked {id} {version} `{}`", verdict.as_str())]
    Audit {
        /// The skill.
        id: SkillId,
        /// The version.
        version: skillreg_core::Version,
        /// What the audit said.
        verdict: skillreg_core::audit::Verdict,
    },
}

/// What uninstalling a reference takes away ([`Installer::plan_uninstall`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Uninstall {
    /// The skill, when the lock or the reference names one.
    pub id: Option<SkillId>,
    /// The folders to remove.
    pub folders: Vec<InstallFolder>,
}

/// One skill installed: its new lock entry and what happened in each folder.
#[derive(Debug, Clone)]
pub struct Installed {
    /// The lock entry to record.
    pub entry: LockEntry,
    /// Each folder's decision.
    pub plans: Vec<FolderPlan>,
}

/// The folders of `clients` for skill `id` in `scope`.
pub fn folders(clients: &[AgentClient], scope: InstallScope, id: &SkillId) -> Vec<InstallFolder> {
    folders_for(clients, scope)
        .into_iter()
        .map(|(dir, _)| InstallFolder {
            skills_dir: dir.to_owned(),
            name: id.name().clone(),
        })
        .collect()
}

/// How a scope's folders differ from its lock.
#[derive(Debug, Clone, Default)]
pub struct Comparison {
    /// Each locked skill's folder that does not hold the locked content, and how.
    pub drift: Vec<(SkillId, InstallFolder, Drift)>,
    /// Folders skillreg installed that the lock does not list.
    pub extras: Vec<(InstallFolder, InstallMarker)>,
}

/// Every skills folder of every client in `scope`.
pub fn skill_dirs(scope: InstallScope) -> Vec<&'static str> {
    folders_for(CLIENTS, scope)
        .into_iter()
        .map(|(dir, _)| dir)
        .collect()
}

/// Installs skills into one scope's folders.
#[derive(Debug, Clone)]
pub struct Installer {
    /// The folders, on disk or in memory.
    pub target: Arc<dyn InstallTarget>,
    /// User or project.
    pub scope: InstallScope,
    /// What to do with a folder skillreg did not write, or one edited since.
    pub policy: FolderPolicy,
    /// Take a version signed by someone other than the lock pins.
    pub allow_signer_change: bool,
    /// Take a version the registry's audit marked `warn` (never one it blocked).
    pub allow_risk: bool,
    /// Signature checks.
    pub trust: Trust,
    /// Limits on what is fetched.
    pub limits: BundleLimits,
    /// Write one copy and link the other folders to it (`install --link`).
    pub link: bool,
    /// Prove every install from a skillreg registry in its transparency log.
    pub log: Option<Arc<crate::transparency::LogTrust>>,
}

impl Installer {
    /// Resolves `reference` at `request` through `sources`, then fetches and verifies it;
    /// signatures are checked when the trust policy asks or the lock pins a signer.
    ///
    /// # Errors
    /// [`InstallFailure::Resolve`], [`InstallFailure::Keys`] or [`InstallFailure::Fetch`].
    pub async fn fetch(
        &self,
        sources: &[Source],
        reference: &SkillRef,
        request: &VersionReq,
        pinned_signer: Option<&str>,
        notes: &dyn Notes,
    ) -> Result<(Resolution, FetchedSkill), InstallFailure> {
        let resolver = Resolver::new(lookups(sources));
        let resolution = resolver.resolve(reference, request).await?;
        for report in &resolution.failed_before {
            notes.warn(format!("{}: {:?}", report.source, report.outcome));
        }
        let keys = if self.trust.verify_signatures || pinned_signer.is_some() {
            Some(self.keys(sources, &resolution, notes).await?)
        } else {
            None
        };
        let policy = FetchPolicy {
            limits: &self.limits,
            verifier: keys.as_ref().map(|k| k as &dyn Verifier),
        };
        let fetched = resolver
            .fetch_verified(&resolution, reference, &policy)
            .await?;
        Ok((resolution, fetched))
    }

    /// Fetches with every signature checked, whatever the trust policy says, and proven in
    /// the registry's transparency log: what `skillreg verify` does, writing nothing.
    ///
    /// # Errors
    /// As [`Installer::fetch`].
    pub async fn verify(
        &self,
        sources: &[Source],
        reference: &SkillRef,
        request: &VersionReq,
        notes: &dyn Notes,
    ) -> Result<FetchedSkill, InstallFailure> {
        let resolver = Resolver::new(lookups(sources));
        let resolution = resolver.resolve(reference, request).await?;
        let keys = self.keys(sources, &resolution, notes).await?;
        let policy = FetchPolicy {
            limits: &self.limits,
            verifier: Some(&keys),
        };
        let fetched = resolver
            .fetch_verified(&resolution, reference, &policy)
            .await?;
        self.prove(sources, &resolution, &fetched).await?;
        Ok(fetched)
    }

    async fn keys(
        &self,
        sources: &[Source],
        resolution: &Resolution,
        notes: &dyn Notes,
    ) -> Result<skillreg_adapters::signing::TrustedKeys, InstallFailure> {
        let found = resolution_keys(sources, resolution, &self.trust.hmac_secrets).await?;
        for (key_id, revoked) in &found.revoked {
            notes.warn(format!(
                "{} is signed by {}, a key its owner revoked on {}",
                resolution.skill.id,
                skillreg_core::text::sanitize_remote(key_id),
                revoked.utc_date()
            ));
        }
        Ok(found.keys)
    }

    /// Installs the version `request` means for `clients` (and the clients the lock already
    /// installs it for), keeping the signer the lock pins unless a change is allowed.
    ///
    /// # Errors
    /// [`InstallFailure`]; nothing was written.
    pub async fn install(
        &self,
        sources: &[Source],
        reference: &SkillRef,
        request: &VersionReq,
        clients: &[AgentClient],
        lock: &Lock,
        notes: &dyn Notes,
    ) -> Result<Installed, InstallFailure> {
        let pinned = lock.for_reference(reference).and_then(|e| e.signer.clone());
        let (resolution, fetched) = self
            .fetch(sources, reference, request, pinned.as_deref(), notes)
            .await?;
        self.check_audit(&resolution)?;
        let signer = check_signer(&fetched, pinned.as_deref(), self.allow_signer_change)?;
        let log_index = self.prove(sources, &resolution, &fetched).await?;
        let mut all: Vec<AgentClient> = clients.to_vec();
        if let Some(previous) = lock.get(&fetched.id) {
            all.extend(previous.clients.iter().copied());
        }
        all.sort_by_key(|c| c.id());
        all.dedup();
        let plans = self.install_fetched(&fetched, &all).await?;
        Ok(Installed {
            entry: LockEntry {
                id: fetched.id.clone(),
                version: fetched.version.clone(),
                source: sources
                    .get(resolution.source_index)
                    .map_or_else(|| resolution.source.clone(), |s| s.name.clone()),
                archive_digest: Some(fetched.archive_digest),
                content_digest: fetched.content_digest,
                signer,
                clients: all,
                profile: None,
                log_index,
            },
            plans,
        })
    }

    /// Proves `fetched` in the transparency log of the registry that served it, when the
    /// installer checks logs and that registry keeps one; returns the entry's index.
    ///
    /// # Errors
    /// [`InstallFailure::Log`].
    pub async fn prove(
        &self,
        sources: &[Source],
        resolution: &Resolution,
        fetched: &FetchedSkill,
    ) -> Result<Option<u64>, InstallFailure> {
        let client = sources
            .get(resolution.source_index)
            .and_then(|s| s.registry.as_ref());
        let (Some(trust), Some(client)) = (&self.log, client) else {
            return Ok(None);
        };
        let Some(view) = trust.view(client).await? else {
            return Ok(None);
        };
        Ok(Some(
            view.prove(client, resolution.version.log_index, fetched)
                .await?,
        ))
    }

    /// Refuses a version the source's audit blocked, or marked `warn` unless risk is allowed.
    fn check_audit(&self, resolution: &Resolution) -> Result<(), InstallFailure> {
        use skillreg_core::audit::Verdict;
        match resolution.version.audit {
            Some(verdict @ (Verdict::Block | Verdict::Warn))
                if verdict == Verdict::Block || !self.allow_risk =>
            {
                Err(InstallFailure::Audit {
                    id: resolution.skill.id.clone(),
                    version: resolution.version.version.clone(),
                    verdict,
                })
            }
            _ => Ok(()),
        }
    }

    /// Writes a fetched and verified skill into the folders of `clients`, as one change.
    ///
    /// # Errors
    /// [`InstallFailure::Install`]; nothing was written.
    pub async fn install_fetched(
        &self,
        fetched: &FetchedSkill,
        clients: &[AgentClient],
    ) -> Result<Vec<FolderPlan>, InstallFailure> {
        let folders = folders(clients, self.scope, &fetched.id);
        Ok(install_skill(
            self.target.as_ref(),
            fetched,
            &folders,
            self.policy,
            self.link,
        )
        .await?)
    }

    /// Whether every folder of `clients` holds `content` of `id`, untouched: then a locked
    /// install has nothing to fetch.
    ///
    /// # Errors
    /// [`InstallFailure::Folder`] when a folder cannot be looked at.
    pub async fn is_current(
        &self,
        clients: &[AgentClient],
        id: &SkillId,
        content: &Digest,
    ) -> Result<bool, InstallFailure> {
        for folder in folders(clients, self.scope, id) {
            let state = self.target.inspect(&folder).await?;
            if drift(id, content, &state).is_some() {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// How the scope's folders differ from `lock`: every locked folder's drift, and every
    /// folder skillreg manages that the lock does not list. Reads only.
    ///
    /// # Errors
    /// [`InstallFailure::Folder`] when a folder cannot be read.
    pub async fn compare(&self, lock: &Lock) -> Result<Comparison, InstallFailure> {
        let mut comparison = Comparison::default();
        let mut locked = std::collections::BTreeSet::new();
        for entry in &lock.skills {
            for folder in folders(&entry.clients, self.scope, &entry.id) {
                let state = self.target.inspect(&folder).await?;
                if let Some(found) = drift(&entry.id, &entry.content_digest, &state) {
                    comparison
                        .drift
                        .push((entry.id.clone(), folder.clone(), found));
                }
                locked.insert(folder);
            }
        }
        for dir in skill_dirs(self.scope) {
            for (folder, marker) in self.target.managed(dir).await? {
                if !locked.contains(&folder) {
                    comparison.extras.push((folder, marker));
                }
            }
        }
        Ok(comparison)
    }

    /// What uninstalling `reference` removes: the id it names (from the lock, else the
    /// reference itself when it has a namespace) and every folder of the scope that skillreg
    /// manages under its name and that holds that skill (any skill, with no id to go by).
    /// Reads only; nothing is removed if one folder refuses.
    ///
    /// # Errors
    /// [`InstallFailure::Install`] with the refusal of a folder holding another skill
    /// (unless `force`), [`InstallFailure::Folder`] when a folder cannot be read.
    pub async fn plan_uninstall(
        &self,
        lock: &Lock,
        reference: &SkillRef,
        force: bool,
    ) -> Result<Uninstall, InstallFailure> {
        let id = lock
            .for_reference(reference)
            .map(|e| e.id.clone())
            .or_else(|| {
                reference
                    .namespace()
                    .map(|ns| SkillId::new(ns.clone(), reference.name().clone()))
            });
        let mut folders = Vec::new();
        for dir in skill_dirs(self.scope) {
            let folder = InstallFolder {
                skills_dir: dir.to_owned(),
                name: reference.name().clone(),
            };
            let state = self.target.inspect(&folder).await?;
            let FolderState::Managed { id: installed, .. } = &state else {
                continue;
            };
            let wanted = id.clone().unwrap_or_else(|| installed.clone());
            match decide_uninstall(&wanted, &state, force) {
                Ok(true) => folders.push(folder),
                Ok(false) => {}
                Err(refusal) => return Err(InstallRunError::Refused { folder, refusal }.into()),
            }
        }
        Ok(Uninstall { id, folders })
    }

    /// Removes the folders of a planned uninstall, in order.
    ///
    /// # Errors
    /// [`InstallFailure::Folder`]: the folders before the one that failed are gone.
    pub async fn uninstall(&self, plan: &Uninstall) -> Result<(), InstallFailure> {
        for folder in &plan.folders {
            self.target.remove(folder).await?;
        }
        Ok(())
    }

    /// Puts back exactly what `entry` locks, for `clients`: the locked version fetched again,
    /// refused unless its archive is the locked one and the pinned signer signed it.
    ///
    /// # Errors
    /// [`InstallFailure`]; nothing was written.
    pub async fn restore(
        &self,
        sources: &[Source],
        entry: &LockEntry,
        clients: &[AgentClient],
        notes: &dyn Notes,
    ) -> Result<(FetchedSkill, Vec<FolderPlan>), InstallFailure> {
        let exact = SkillRef::qualified(entry.id.clone());
        let (resolution, fetched) = self
            .fetch(
                sources,
                &exact,
                &VersionReq::Exact(entry.version.clone()),
                entry.signer.as_deref(),
                notes,
            )
            .await?;
        check_locked_archive(entry, &fetched)?;
        check_signer(&fetched, entry.signer.as_deref(), self.allow_signer_change)?;
        self.prove(sources, &resolution, &fetched).await?;
        let plans = self.install_fetched(&fetched, clients).await?;
        Ok((fetched, plans))
    }
}

#[cfg(test)]
mod tests;
