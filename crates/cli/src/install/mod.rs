//! Installing: `install`, `uninstall`, `list`, `update`, `outdated`, `sync`, `verify`.
//!
//! `install <ref>` resolves through the cascade (every configured registry, in order),
//! fetches, verifies (archive digest, safe read, the supply-chain name check, content digest,
//! and signatures when the trust policy or a pinned signer asks) and only then hands the
//! files to the core install use case, which writes every client folder in one atomic change.
//! The lock is written last. An installed skill whose folders already hold the resolved
//! content is a no-op without a download; `install` with no argument follows `skills.lock`
//! and, when the folders match it, does not touch the network at all.

use std::path::PathBuf;
use std::sync::Arc;

use clap::Args;
use serde_json::json;
use skillreg_adapters::fs::FsInstallTarget;
use skillreg_adapters::oci::OciReference;
use skillreg_core::bundle::BundleLimits;
use skillreg_core::clients::{AgentClient, CLIENTS, InstallScope};
use skillreg_core::conflict::{FolderPolicy, FolderState, InstallDecision};
use skillreg_core::install::{Drift, FolderPlan, InstallRunError};
use skillreg_core::ports::InstallTarget as _;
use skillreg_core::resolve::{FetchPolicy, FetchedSkill};
use skillreg_core::{Digest, SkillId, SkillRef, VersionReq};

use skillreg_client::{InstallFailure, Lock, LockEntry, Project, Source, Trust, signer_text};

use crate::context::Context;
use crate::output::{Code, Failure};
/// Which scope, and where the project is.
#[derive(Debug, Args)]
pub(crate) struct ScopeArgs {
    /// `user` (the home folder's client folders) or `project` (the project's). Default:
    /// `project` when the project folder has a skills.toml or skills.lock, else `user`.
    #[arg(long)]
    pub(super) scope: Option<String>,
    /// The project folder.
    #[arg(long, default_value = ".")]
    pub(super) project: PathBuf,
}

#[derive(Debug, Args)]
pub(crate) struct InstallArgs {
    /// `name`, `namespace/name`, either with `@<version request>`, or a local folder
    /// (`./my-skill`). None: install what skills.lock says.
    pub(super) references: Vec<String>,
    #[command(flatten)]
    pub(super) scope: ScopeArgs,
    /// An agent client to install for (repeatable; `all`). Default: the ones skills.toml
    /// names, else every client found on this machine.
    #[arg(long = "client")]
    pub(super) clients: Vec<String>,
    /// What to do with a folder skillreg did not install, or one edited since: fail, skip,
    /// overwrite.
    #[arg(long, default_value = "fail")]
    pub(super) on_conflict: String,
    /// Fail if skills.lock would change.
    #[arg(long)]
    pub(super) locked: bool,
    /// Accept a version signed by another key than the lock pins.
    #[arg(long)]
    pub(super) allow_signer_change: bool,
    /// Install a version the registry's audit marked `warn` (one it blocked, never).
    #[arg(long)]
    pub(super) allow_risk: bool,
    /// Talk plain HTTP to `oci://` registries on this machine.
    #[arg(long)]
    pub(super) plain_http: bool,
    /// Write one copy (in `.agents/skills` when one of the clients reads it) and link the
    /// other clients' folders to it, as `npx skills` does.
    #[arg(long)]
    pub(super) link: bool,
    /// Install an agent profile's skills (`namespace/name`, repeatable) and follow it:
    /// skills.toml remembers it, and `update` installs what it adds and removes what it drops.
    #[arg(long = "profile")]
    pub(super) profiles: Vec<String>,
}

#[derive(Debug, Args)]
pub(crate) struct UninstallArgs {
    /// The skill (`name` or `namespace/name`).
    pub(super) reference: String,
    #[command(flatten)]
    pub(super) scope: ScopeArgs,
    /// Remove it even if its files were edited.
    #[arg(long)]
    pub(super) force: bool,
}

#[derive(Debug, Args)]
pub(crate) struct UpdateArgs {
    /// Only these skills (default: all in skills.toml).
    pub(super) names: Vec<String>,
    #[command(flatten)]
    pub(super) scope: ScopeArgs,
    /// Accept a version signed by another key than the lock pins.
    #[arg(long)]
    pub(super) allow_signer_change: bool,
    /// Install a version the registry's audit marked `warn` (one it blocked, never).
    #[arg(long)]
    pub(super) allow_risk: bool,
    /// Talk plain HTTP to `oci://` registries on this machine.
    #[arg(long)]
    pub(super) plain_http: bool,
    /// Remove a skill a followed profile dropped even if its files were edited.
    #[arg(long)]
    pub(super) force: bool,
}

#[derive(Debug, Args)]
pub(crate) struct SyncArgs {
    #[command(flatten)]
    pub(super) scope: ScopeArgs,
    /// Only report differences (exit 3 if any); change nothing.
    #[arg(long)]
    pub(super) check: bool,
    /// Remove folders skillreg installed that the lock does not list.
    #[arg(long)]
    pub(super) prune: bool,
    /// Add folders skillreg installed that the lock does not list to the lock.
    #[arg(long)]
    pub(super) adopt: bool,
}

#[derive(Debug, Args)]
pub(crate) struct VerifyArgs {
    /// `namespace/name@version` (or any reference).
    pub(super) reference: String,
}

pub(super) fn project(ctx: &Context, args: &ScopeArgs) -> Result<Project, Failure> {
    let scope = match args.scope.as_deref() {
        Some(text) => text
            .parse::<InstallScope>()
            .map_err(|e| Failure::new(e).code(Code::Usage))?,
        None if args.project.join("skills.toml").exists()
            || args.project.join("skills.lock").exists() =>
        {
            InstallScope::Project
        }
        None => InstallScope::User,
    };
    let project_dir = std::fs::canonicalize(&args.project).map_err(|e| {
        Failure::new(format!(
            "cannot open the project folder {}: {e}",
            args.project.display()
        ))
    })?;
    Ok(Project::new(
        scope,
        &ctx.settings.home,
        &ctx.settings.config_dir,
        &project_dir,
    ))
}

pub(super) fn parse_clients(given: &[String]) -> Result<Vec<AgentClient>, Failure> {
    let mut clients = Vec::new();
    for text in given {
        if text == "all" {
            return Ok(CLIENTS.to_vec());
        }
        clients.push(
            text.parse::<AgentClient>()
                .map_err(|e| Failure::new(e).code(Code::Usage))?,
        );
    }
    Ok(clients)
}

/// The clients to install for: given, else the manifest's, else detected.
pub(super) fn choose_clients(
    ctx: &Context,
    given: &[String],
    project: &Project,
) -> Result<Vec<AgentClient>, Failure> {
    if !given.is_empty() {
        return parse_clients(given);
    }
    let manifest = project.manifest()?;
    if !manifest.install.clients.is_empty() {
        return parse_clients(&manifest.install.clients);
    }
    let detected = skillreg_core::clients::detect(
        project.scope,
        |dir| ctx.settings.home.join(dir).is_dir(),
        |dir| project.root.join(dir).is_dir(),
    );
    if detected.is_empty() {
        let looked = match project.scope {
            InstallScope::User => format!("{}", ctx.settings.home.display()),
            InstallScope::Project => format!(
                "{} and {}",
                ctx.settings.home.display(),
                project.root.display()
            ),
        };
        return Err(Failure::new(format!(
            "no agent client found: none of their folders is in {looked}, and {} names none",
            project.manifest_path.display()
        ))
        .hint("name one with --client (claude-code, codex, cursor, copilot, …) or --client all")
        .code(Code::Usage));
    }
    Ok(detected)
}

pub(super) fn folder_policy(text: &str) -> Result<FolderPolicy, Failure> {
    match text {
        "fail" => Ok(FolderPolicy::Fail),
        "skip" => Ok(FolderPolicy::Skip),
        "overwrite" => Ok(FolderPolicy::Overwrite),
        other => Err(Failure::new(format!("unknown --on-conflict `{other}`"))
            .hint("use fail, skip or overwrite")
            .code(Code::Usage)),
    }
}

/// `name@req` → the reference and the request.
pub(super) fn parse_reference(text: &str) -> Result<(SkillRef, VersionReq, bool), Failure> {
    let (name, request, explicit) = match text.split_once('@') {
        Some((name, request)) => (name, request, true),
        None => (text, "latest", false),
    };
    let reference: SkillRef = name.parse().map_err(|e| {
        Failure::new(format!("`{name}` is not a skill reference: {e}"))
            .hint("write name, namespace/name, or either with @version (e.g. acme/pdf-tools@^1.2)")
            .code(Code::Usage)
    })?;
    let request: VersionReq = request.parse().map_err(|e| {
        Failure::new(format!("`{request}` is not a version request: {e}"))
            .hint("use latest, 1.2.3, ^1.2, ~1.2.3, 1.2, >=1, <2, v1 or v1.2.x")
            .code(Code::Usage)
    })?;
    Ok((reference, request, explicit))
}

pub(super) fn sources(ctx: &Context) -> Result<Vec<Source>, Failure> {
    ctx.sources()
}

pub(super) fn report_plans(
    ctx: &Context,
    id: &SkillId,
    version: &skillreg_core::Version,
    plans: &[FolderPlan],
) {
    for plan in plans {
        let path = format!("{}/{}", plan.folder.skills_dir, plan.folder.name);
        match &plan.decision {
            InstallDecision::Write => ctx.out.line(format!("  wrote {path}")),
            InstallDecision::Upgrade { .. } => ctx.out.line(format!("  upgraded {path}")),
            InstallDecision::Replace(_) => ctx.out.line(format!("  replaced {path}")),
            InstallDecision::NoOp => ctx.out.line(format!("  {path} is up to date")),
            InstallDecision::Skip(_) => ctx
                .out
                .warn(format!("skipped {path}: it is not skillreg's")),
            InstallDecision::Refuse(_) => {}
        }
    }
    let changed = plans.iter().any(FolderPlan::writes);
    ctx.out.result(format!(
        "{} {id}@{version}",
        if changed {
            "installed"
        } else {
            "already installed:"
        }
    ));
}

pub(super) struct Installer<'a> {
    pub(super) ctx: &'a Context,
    pub(super) project: Project,
    pub(super) core: skillreg_client::Installer,
}

impl<'a> Installer<'a> {
    pub(super) fn new(
        ctx: &'a Context,
        project: Project,
        policy: FolderPolicy,
        allow_signer_change: bool,
        allow_risk: bool,
    ) -> Self {
        let core = skillreg_client::Installer {
            target: Arc::new(FsInstallTarget::new(&project.root)),
            scope: project.scope,
            policy,
            allow_signer_change,
            allow_risk,
            trust: Trust {
                verify_signatures: ctx.settings.trust.verify_signatures,
                hmac_secrets: ctx.settings.trust.hmac_secrets.clone(),
            },
            limits: BundleLimits::default(),
            link: false,
            log: Some(Arc::new(ctx.log_trust())),
        };
        Installer { ctx, project, core }
    }

    /// Installs one resolved reference and returns its new lock entry.
    pub(super) async fn one(
        &self,
        sources: &[Source],
        reference: &SkillRef,
        request: &VersionReq,
        clients: &[AgentClient],
        lock: &Lock,
    ) -> Result<LockEntry, Failure> {
        let installed = self
            .core
            .install(
                sources,
                reference,
                request,
                clients,
                lock,
                &Warnings(self.ctx.out),
            )
            .await
            .map_err(failure)?;
        let entry = installed.entry;
        report_plans(self.ctx, &entry.id, &entry.version, &installed.plans);
        Ok(entry)
    }

    /// Installs `oci://host/repository[:tag|@digest]`: pulled (and cached in the local
    /// store), checked, installed; the lock records the manifest digest.
    pub(super) async fn oci(
        &self,
        text: &str,
        clients: &[AgentClient],
        plain_http: bool,
    ) -> Result<LockEntry, Failure> {
        let source =
            OciReference::parse(text).map_err(|e| Failure::new(e.to_string()).code(Code::Usage))?;
        let pulled = crate::oci::pull_into_store(self.ctx, &source, plain_http).await?;
        let bad = |what: &str| {
            Failure::new(format!("{source} has an invalid {what} label")).code(Code::Policy)
        };
        let name: skillreg_core::SkillName = pulled.labels.name.parse().map_err(|_| bad("name"))?;
        let version: skillreg_core::Version =
            pulled.labels.version.parse().map_err(|_| bad("version"))?;
        let fallback: skillreg_core::Namespace = "oci".parse().map_err(|_| bad("namespace"))?;
        let namespace = source
            .repository
            .rsplit_once('/')
            .and_then(|(parent, _)| parent.parse().ok())
            .unwrap_or(fallback);
        let id = SkillId::new(namespace, name);
        let announced = skillreg_core::ports::SourceVersion {
            version,
            yanked: false,
            archive_digest: Digest::of(&pulled.layer),
            content_digest: None,
            signatures: Vec::new(),
            audit: None,
            log_index: None,
        };
        let limits = BundleLimits::default();
        let fetched = skillreg_core::resolve::verify_bundle(
            &id,
            &announced,
            pulled.layer,
            &SkillRef::qualified(id.clone()),
            &FetchPolicy {
                limits: &limits,
                verifier: None,
            },
        )
        .map_err(|e| fetch_failure(&e))?;
        let plans = self
            .core
            .install_fetched(&fetched, clients)
            .await
            .map_err(failure)?;
        report_plans(self.ctx, &id, &fetched.version, &plans);
        Ok(LockEntry {
            id,
            version: fetched.version.clone(),
            source: format!(
                "oci+{}/{}@{}",
                source.registry, source.repository, pulled.digest
            ),
            archive_digest: Some(fetched.archive_digest),
            content_digest: fetched.content_digest,
            signer: None,
            clients: clients.to_vec(),
            profile: None,
            log_index: None,
        })
    }

    /// Installs a local folder (`./my-skill`): no registry, source `path+<folder>`.
    pub(super) async fn local(
        &self,
        path: &std::path::Path,
        clients: &[AgentClient],
    ) -> Result<LockEntry, Failure> {
        let loaded = crate::author::load(path)?;
        let name = loaded.parsed.manifest.name().clone();
        let id = SkillId::new(
            "local"
                .parse()
                .map_err(|_| Failure::new("internal: bad namespace"))?,
            name,
        );
        let version = loaded
            .parsed
            .manifest
            .version()
            .cloned()
            .unwrap_or_else(|| skillreg_core::Version::new(0, 0, 0));
        let fetched = FetchedSkill {
            id: id.clone(),
            version: version.clone(),
            archive_digest: *loaded.archive.digest(),
            archive: loaded.archive.into_bytes(),
            content_digest: loaded.files.content_digest(),
            files: loaded.files,
            signer: None,
        };
        let plans = self
            .core
            .install_fetched(&fetched, clients)
            .await
            .map_err(failure)?;
        report_plans(self.ctx, &id, &version, &plans);
        Ok(LockEntry {
            id,
            version,
            source: format!("path+{}", path.display()),
            archive_digest: Some(fetched.archive_digest),
            content_digest: fetched.content_digest,
            signer: None,
            clients: clients.to_vec(),
            profile: None,
            log_index: None,
        })
    }
}

pub(super) fn is_path(text: &str) -> bool {
    text.starts_with('.') || text.starts_with('/') || text.starts_with('~')
}

pub(crate) async fn install(ctx: &Context, args: InstallArgs) -> Result<(), Failure> {
    let project = project(ctx, &args.scope)?;
    let policy = folder_policy(&args.on_conflict)?;
    let mut installer = Installer::new(
        ctx,
        project,
        policy,
        args.allow_signer_change,
        args.allow_risk,
    );
    installer.core.link = args.link;
    if args.references.is_empty() && args.profiles.is_empty() {
        return install_locked(&installer, &args).await;
    }
    if args.locked {
        return Err(Failure::new("--locked installs only what skills.lock says")
            .hint("run `skillreg install --locked` without names")
            .code(Code::Usage));
    }
    let clients = choose_clients(ctx, &args.clients, &installer.project)?;
    let mut lock = installer.project.lock()?;
    let mut manifest = installer.project.manifest()?;
    // The clients named at the first install are remembered, so later commands need none.
    if manifest.install.clients.is_empty() && !args.clients.is_empty() {
        let mut given = args.clients.clone();
        given.sort();
        given.dedup();
        manifest.install.clients = given;
    }
    let mut installed = Vec::new();
    let mut sources_cache = None;
    for text in &args.references {
        let entry = if text.starts_with("oci://") {
            let entry = installer.oci(text, &clients, args.plain_http).await?;
            let key = text.split('@').next().unwrap_or(text).to_owned();
            manifest.skills.insert(key, "latest".to_owned());
            entry
        } else if is_path(text) {
            installer
                .local(std::path::Path::new(text), &clients)
                .await?
        } else {
            let (reference, request, explicit) = parse_reference(text)?;
            if sources_cache.is_none() {
                sources_cache = Some(sources(ctx)?);
            }
            let Some(sources) = sources_cache.as_ref() else {
                continue;
            };
            let entry = installer
                .one(sources, &reference, &request, &clients, &lock)
                .await?;
            manifest.skills.retain(|key, _| {
                key.parse::<SkillRef>().map_or(true, |r| {
                    r.name().key() != reference.name().key()
                        || r.namespace().is_some_and(|ns| {
                            Some(ns.key()) != reference.namespace().map(|n| n.key())
                        })
                })
            });
            manifest.skills.insert(
                entry.id.to_string(),
                if explicit {
                    request.to_string()
                } else {
                    "latest".to_owned()
                },
            );
            entry
        };
        installed.push(json!({
            "id": entry.id.to_string(), "version": entry.version.to_string(),
            "clients": entry.clients.iter().map(|c| c.id()).collect::<Vec<_>>(),
        }));
        lock.upsert(entry);
        // The lock is written after each skill, so what is installed is always locked.
        installer.project.save_lock(&lock)?;
        installer.project.save_manifest(&manifest)?;
    }
    if !args.profiles.is_empty() {
        let report =
            profiles::install_profiles(&installer, &args, &mut manifest, &mut lock).await?;
        installed.extend(report);
    }
    ctx.out
        .json(&json!({ "installed": installed, "scope": installer.project.scope.to_string() }));
    Ok(())
}

pub(crate) async fn verify(ctx: &Context, args: &VerifyArgs) -> Result<(), Failure> {
    let (reference, request, _) = parse_reference(&args.reference)?;
    let sources = sources(ctx)?;
    // Verifying writes nothing; the installer's folders are never touched.
    let here = ScopeArgs {
        scope: None,
        project: PathBuf::from("."),
    };
    let installer = Installer::new(ctx, project(ctx, &here)?, FolderPolicy::Fail, false, false);
    let fetched = installer
        .core
        .verify(&sources, &reference, &request, &Warnings(ctx.out))
        .await
        .map_err(failure)?;
    let signer = fetched.signer.as_ref().map(signer_text);
    ctx.out.json(&json!({
        "id": fetched.id.to_string(), "version": fetched.version.to_string(),
        "archive_digest": fetched.archive_digest.to_string(), "content_digest": fetched.content_digest.to_string(),
        "signer": signer, "verified": true,
    }));
    ctx.out.result(format!(
        "{}@{} verified: archive {}, signed by {}",
        fetched.id,
        fetched.version,
        fetched.archive_digest,
        signer.as_deref().unwrap_or("-")
    ));
    Ok(())
}

pub(crate) mod failures;
mod folders;
mod locked;
mod profiles;

use failures::{Warnings, failure, fetch_failure, resolve_failure};

pub(crate) use folders::{clients, list, sync, uninstall};
use locked::install_locked;
pub(crate) use locked::{outdated, update};

#[cfg(test)]
mod tests;
