//! Installing: `install`, `uninstall`, `list`, `update`, `outdated`, `sync`, `verify`.
//!
//! `install <ref>` resolves through the cascade (every configured registry, in order),
//! fetches, verifies (archive digest, safe read, the supply-chain name check, content digest,
//! and signatures when the trust policy or a pinned signer asks) and only then hands the
//! files to the core install use case, which writes every client folder in one atomic change.
//! The lock is written last. An installed skill whose folders already hold the resolved
//! content is a no-op without a download; `install` with no argument follows `skills.lock`
//! and, when the folders match it, does not touch the network at all.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::Arc;

use clap::Args;
use serde_json::json;
use skillreg_adapters::fs::FsInstallTarget;
use skillreg_adapters::oci::OciReference;
use skillreg_core::bundle::BundleLimits;
use skillreg_core::clients::{AgentClient, CLIENTS, InstallScope, folders_for};
use skillreg_core::conflict::{FolderPolicy, FolderState, InstallDecision};
use skillreg_core::install::{Drift, FolderPlan, InstallRunError, decide_uninstall, drift};
use skillreg_core::ports::{InstallFolder, InstallTarget as _};
use skillreg_core::resolve::{FetchError, FetchPolicy, FetchedSkill, ResolveError, Resolver};
use skillreg_core::text::sanitize_remote;
use skillreg_core::{Digest, SkillId, SkillRef, VersionReq};

use skillreg_client::sources::lookups;
use skillreg_client::{
    InstallFailure, KeyError, Lock, LockEntry, Notes, Project, Source, Trust, signer_text,
};

use crate::context::Context;
use crate::output::{Code, Failure};

/// Which scope, and where the project is.
#[derive(Debug, Args)]
pub(crate) struct ScopeArgs {
    /// `user` (the home folder's client folders) or `project` (the project's). Default:
    /// `project` when the project folder has a skills.toml or skills.lock, else `user`.
    #[arg(long)]
    scope: Option<String>,
    /// The project folder.
    #[arg(long, default_value = ".")]
    project: PathBuf,
}

#[derive(Debug, Args)]
pub(crate) struct InstallArgs {
    /// `name`, `namespace/name`, either with `@<version request>`, or a local folder
    /// (`./my-skill`). None: install what skills.lock says.
    references: Vec<String>,
    #[command(flatten)]
    scope: ScopeArgs,
    /// An agent client to install for (repeatable; `all`). Default: the ones skills.toml
    /// names, else every client found on this machine.
    #[arg(long = "client")]
    clients: Vec<String>,
    /// What to do with a folder skillreg did not install, or one edited since: fail, skip,
    /// overwrite.
    #[arg(long, default_value = "fail")]
    on_conflict: String,
    /// Fail if skills.lock would change.
    #[arg(long)]
    locked: bool,
    /// Accept a version signed by another key than the lock pins.
    #[arg(long)]
    allow_signer_change: bool,
    /// Talk plain HTTP to `oci://` registries on this machine.
    #[arg(long)]
    plain_http: bool,
}

#[derive(Debug, Args)]
pub(crate) struct UninstallArgs {
    /// The skill (`name` or `namespace/name`).
    reference: String,
    #[command(flatten)]
    scope: ScopeArgs,
    /// Remove it even if its files were edited.
    #[arg(long)]
    force: bool,
}

#[derive(Debug, Args)]
pub(crate) struct UpdateArgs {
    /// Only these skills (default: all in skills.toml).
    names: Vec<String>,
    #[command(flatten)]
    scope: ScopeArgs,
    /// Accept a version signed by another key than the lock pins.
    #[arg(long)]
    allow_signer_change: bool,
    /// Talk plain HTTP to `oci://` registries on this machine.
    #[arg(long)]
    plain_http: bool,
}

#[derive(Debug, Args)]
pub(crate) struct SyncArgs {
    #[command(flatten)]
    scope: ScopeArgs,
    /// Only report differences (exit 3 if any); change nothing.
    #[arg(long)]
    check: bool,
    /// Remove folders skillreg installed that the lock does not list.
    #[arg(long)]
    prune: bool,
    /// Add folders skillreg installed that the lock does not list to the lock.
    #[arg(long)]
    adopt: bool,
}

#[derive(Debug, Args)]
pub(crate) struct VerifyArgs {
    /// `namespace/name@version` (or any reference).
    reference: String,
}

fn project(ctx: &Context, args: &ScopeArgs) -> Result<Project, Failure> {
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

fn parse_clients(given: &[String]) -> Result<Vec<AgentClient>, Failure> {
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
fn choose_clients(
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
    let detected: Vec<AgentClient> = CLIENTS
        .iter()
        .copied()
        .filter(|c| ctx.settings.home.join(c.detection_dir()).is_dir())
        .collect();
    if detected.is_empty() {
        return Err(Failure::new("no agent client found on this machine")
            .hint("name one with --client (claude-code, codex, cursor, copilot, …) or --client all")
            .code(Code::Usage));
    }
    Ok(detected)
}

fn folder_policy(text: &str) -> Result<FolderPolicy, Failure> {
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
fn parse_reference(text: &str) -> Result<(SkillRef, VersionReq, bool), Failure> {
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

/// The next step after a failed resolution.
fn resolve_hint(error: &ResolveError) -> Option<String> {
    match error {
        ResolveError::NotFound { reference, .. } => Some(if error.any_source_failed() {
            "a source failed, so the skill may exist there: check the registry is reachable and retry"
                .to_owned()
        } else if reference.namespace().is_none() {
            format!(
                "search with `skillreg search {}`, or install by full reference: `namespace/{}`",
                reference.name(),
                reference.name()
            )
        } else {
            format!("search with `skillreg search {}`", reference.name())
        }),
        ResolveError::Ambiguous { candidates, .. } => candidates
            .first()
            .map(|first| format!("name the namespace, for example `{first}`")),
        ResolveError::NoSources(_) => {
            Some("configure a registry (`REGISTRY_URL` or the config file)".to_owned())
        }
    }
}

fn resolve_failure(error: &ResolveError) -> Failure {
    let mut failure = Failure::new(error.to_string()).maybe_hint(resolve_hint(error));
    if let ResolveError::Ambiguous {
        candidates, more, ..
    } = error
    {
        failure.details = json!({
            "candidates": candidates.iter().map(ToString::to_string).collect::<Vec<_>>(),
            "more": more,
        });
    }
    failure
}

fn fetch_failure(error: &FetchError) -> Failure {
    let failure = Failure::new(format!("{error}; nothing was written"));
    match error {
        FetchError::Source { .. } => failure.hint("check the registry is reachable and retry"),
        FetchError::Unsigned { .. } => failure
            .hint("ask the publisher to sign it, or turn off signature checks (REGISTRY_VERIFY_SIGNATURE=false)")
            .code(Code::Policy),
        FetchError::BadSignature { .. } => failure
            .hint("do not install it: the signature does not match what was downloaded; tell the registry's operators")
            .code(Code::Policy),
        _ => failure
            .hint("the registry served bytes that do not match what it announced; retry, and report it if it persists")
            .code(Code::Policy),
    }
}

/// Warnings of an install, on stderr.
struct Warnings(crate::output::Out);

impl Notes for Warnings {
    fn warn(&self, text: String) {
        self.0.warn(text);
    }
}

/// What went wrong installing one skill, with the next step.
fn failure(error: InstallFailure) -> Failure {
    match error {
        InstallFailure::Resolve(error) => resolve_failure(&error),
        InstallFailure::Fetch(error) => fetch_failure(&error),
        InstallFailure::Install(error) => install_failure(&error),
        InstallFailure::Folder(error) => Failure::new(error.to_string()),
        InstallFailure::Keys(KeyError::Source(error)) => Failure::from(error),
        InstallFailure::Keys(error @ KeyError::WrongKey { .. }) => {
            Failure::new(sanitize_remote(&error.to_string())).code(Code::Policy)
        }
        InstallFailure::Keys(error) => Failure::new(sanitize_remote(&error.to_string())),
        InstallFailure::SignerChanged(changed) => {
            Failure::new(format!("{changed}; nothing was written"))
                .hint("if the publisher changed keys on purpose, pass --allow-signer-change")
                .code(Code::Policy)
        }
        InstallFailure::ArchiveChanged(changed) => Failure::new(format!(
            "{changed}; nothing was written"
        ))
        .hint("versions are immutable, so this is worth reporting to the registry's operators")
        .code(Code::Policy),
    }
}

fn install_failure(error: &InstallRunError) -> Failure {
    let failure = Failure::new(error.to_string());
    match error {
        InstallRunError::Refused { .. } => failure
            .hint("pass --on-conflict overwrite to replace it, or --on-conflict skip to leave it")
            .code(Code::Policy),
        InstallRunError::Target(_) => failure.hint("nothing changed; fix the cause and retry"),
    }
}

fn sources(ctx: &Context) -> Result<Vec<Source>, Failure> {
    ctx.sources()
}

fn report_plans(
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

struct Installer<'a> {
    ctx: &'a Context,
    project: Project,
    core: skillreg_client::Installer,
}

impl<'a> Installer<'a> {
    fn new(
        ctx: &'a Context,
        project: Project,
        policy: FolderPolicy,
        allow_signer_change: bool,
    ) -> Self {
        let core = skillreg_client::Installer {
            target: Arc::new(FsInstallTarget::new(&project.root)),
            scope: project.scope,
            policy,
            allow_signer_change,
            trust: Trust {
                verify_signatures: ctx.settings.trust.verify_signatures,
                hmac_secrets: ctx.settings.trust.hmac_secrets.clone(),
            },
            limits: BundleLimits::default(),
        };
        Installer { ctx, project, core }
    }

    /// Installs one resolved reference and returns its new lock entry.
    async fn one(
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
    async fn oci(
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
        })
    }

    /// Installs a local folder (`./my-skill`): no registry, source `path+<folder>`.
    async fn local(
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
        })
    }
}

fn is_path(text: &str) -> bool {
    text.starts_with('.') || text.starts_with('/') || text.starts_with('~')
}

pub(crate) async fn install(ctx: &Context, args: InstallArgs) -> Result<(), Failure> {
    let project = project(ctx, &args.scope)?;
    let policy = folder_policy(&args.on_conflict)?;
    let installer = Installer::new(ctx, project, policy, args.allow_signer_change);
    if args.references.is_empty() {
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
    ctx.out
        .json(&json!({ "installed": installed, "scope": installer.project.scope.to_string() }));
    Ok(())
}

/// `install` with no argument: what the manifest asks, as the lock pins it.
async fn install_locked(installer: &Installer<'_>, args: &InstallArgs) -> Result<(), Failure> {
    let ctx = installer.ctx;
    let project = &installer.project;
    let manifest = project.manifest()?;
    let mut lock = project.lock()?;
    if manifest.skills.is_empty() && lock.skills.is_empty() {
        return Err(Failure::new(format!(
            "nothing to install: {} lists no skills",
            project.manifest_path.display()
        ))
        .hint("install one with `skillreg install <name>`")
        .code(Code::Usage));
    }
    let mut sources_cache: Option<Vec<Source>> = None;
    let mut changed = false;
    let mut report = Vec::new();
    for (text, request_text) in &manifest.skills {
        if let Some(rest) = text.strip_prefix("oci://") {
            let repository = rest
                .rsplit_once(':')
                .filter(|(_, tag)| !tag.contains('/'))
                .map_or(rest, |(repo, _)| repo);
            let locked = lock
                .skills
                .iter()
                .find(|e| e.source.starts_with(&format!("oci+{repository}@")))
                .cloned();
            let clients = choose_clients(ctx, &args.clients, project)?;
            let entry = match locked {
                Some(entry) => {
                    let id = entry.id.clone();
                    let locked_clients = entry.clients.clone();
                    if installer
                        .core
                        .is_current(&locked_clients, &id, &entry.content_digest)
                        .await
                        .map_err(failure)?
                    {
                        ctx.out
                            .line(format!("{id}@{} is up to date", entry.version));
                        continue;
                    }
                    let pinned = format!("oci://{}", entry.source.trim_start_matches("oci+"));
                    installer
                        .oci(&pinned, &locked_clients, args.plain_http)
                        .await?
                }
                None if args.locked => {
                    return Err(Failure::new(format!(
                        "skills.lock is out of date: `{text}` is not locked"
                    ))
                    .hint("run `skillreg install` (without --locked) to refresh the lock")
                    .code(Code::Policy));
                }
                None => installer.oci(text, &clients, args.plain_http).await?,
            };
            report
                .push(json!({ "id": entry.id.to_string(), "version": entry.version.to_string() }));
            lock.upsert(entry);
            project.save_lock(&lock)?;
            continue;
        }
        let (reference, _, _) = parse_reference(text)?;
        let request: VersionReq = request_text.parse().map_err(|e| {
            Failure::new(format!(
                "{}: `{request_text}` is not a version request: {e}",
                project.manifest_path.display()
            ))
        })?;
        let locked = lock.satisfying(&reference, &request).cloned();
        let Some(entry) = locked else {
            if args.locked {
                return Err(Failure::new(format!(
                    "skills.lock is out of date: `{text}` ({request_text}) is not locked"
                ))
                .hint("run `skillreg install` (without --locked) or `skillreg update` to refresh the lock")
                .code(Code::Policy));
            }
            if sources_cache.is_none() {
                sources_cache = Some(sources(ctx)?);
            }
            let Some(sources) = sources_cache.as_ref() else {
                continue;
            };
            let clients = choose_clients(ctx, &args.clients, project)?;
            let entry = installer
                .one(sources, &reference, &request, &clients, &lock)
                .await?;
            report
                .push(json!({ "id": entry.id.to_string(), "version": entry.version.to_string() }));
            lock.upsert(entry);
            project.save_lock(&lock)?;
            changed = true;
            continue;
        };
        let id = entry.id.clone();
        let clients = if args.clients.is_empty() {
            entry.clients.clone()
        } else {
            parse_clients(&args.clients)?
        };
        // The no-op path: nothing to fetch when every folder holds the locked content.
        if installer
            .core
            .is_current(&clients, &id, &entry.content_digest)
            .await
            .map_err(failure)?
        {
            ctx.out
                .line(format!("{id}@{} is up to date", entry.version));
            report.push(json!({
                "id": id.to_string(), "version": entry.version.to_string(), "changed": false,
            }));
            continue;
        }
        if sources_cache.is_none() {
            sources_cache = Some(sources(ctx)?);
        }
        let Some(sources) = sources_cache.as_ref() else {
            continue;
        };
        let (fetched, plans) = installer
            .core
            .restore(sources, &entry, &clients, &Warnings(ctx.out))
            .await
            .map_err(failure)?;
        report_plans(ctx, &id, &fetched.version, &plans);
        report.push(json!({
            "id": id.to_string(), "version": entry.version.to_string(), "changed": true,
        }));
    }
    if changed {
        project.save_lock(&lock)?;
    }
    ctx.out.json(&json!({ "installed": report }));
    Ok(())
}

pub(crate) async fn update(ctx: &Context, args: UpdateArgs) -> Result<(), Failure> {
    let project = project(ctx, &args.scope)?;
    let manifest = project.manifest()?;
    let mut lock = project.lock()?;
    let installer = Installer::new(
        ctx,
        project.clone(),
        FolderPolicy::Fail,
        args.allow_signer_change,
    );
    let sources = sources(ctx)?;
    let mut report = Vec::new();
    for (text, request_text) in &manifest.skills {
        if text.starts_with("oci://") {
            if args.names.is_empty() || args.names.iter().any(|n| n == text) {
                let clients = choose_clients(ctx, &[], &project)?;
                let entry = installer.oci(text, &clients, args.plain_http).await?;
                report.push(json!({ "id": entry.id.to_string(), "to": entry.version.to_string() }));
                lock.upsert(entry);
                project.save_lock(&lock)?;
            }
            continue;
        }
        let (reference, _, _) = parse_reference(text)?;
        if !args.names.is_empty()
            && !args.names.iter().any(|n| {
                n.parse::<SkillRef>()
                    .is_ok_and(|r| r.name().key() == reference.name().key())
            })
        {
            continue;
        }
        let request: VersionReq = request_text
            .parse()
            .map_err(|e| Failure::new(format!("`{request_text}` is not a version request: {e}")))?;
        let before = lock
            .for_reference(&reference)
            .map(|e| e.version.to_string());
        let clients = match lock.for_reference(&reference) {
            Some(entry) => entry.clients.clone(),
            None => choose_clients(ctx, &[], &project)?,
        };
        let entry = installer
            .one(&sources, &reference, &request, &clients, &lock)
            .await?;
        report.push(json!({
            "id": entry.id.to_string(), "from": before, "to": entry.version.to_string(),
        }));
        lock.upsert(entry);
        project.save_lock(&lock)?;
    }
    ctx.out.json(&json!({ "updated": report }));
    Ok(())
}

pub(crate) async fn outdated(ctx: &Context, args: &ScopeArgs) -> Result<(), Failure> {
    let project = project(ctx, args)?;
    let manifest = project.manifest()?;
    let lock = project.lock()?;
    let resolver = Resolver::new(lookups(&sources(ctx)?));
    let mut rows = Vec::new();
    for (text, request_text) in &manifest.skills {
        if text.starts_with("oci://") {
            continue;
        }
        let Some(entry) = text
            .parse::<SkillRef>()
            .ok()
            .and_then(|r| lock.for_reference(&r))
        else {
            continue;
        };
        let id = SkillRef::qualified(entry.id.clone());
        let request: VersionReq = request_text.parse().unwrap_or_default();
        let wanted = resolver
            .resolve(&id, &request)
            .await
            .map_err(|e| resolve_failure(&e))?;
        let latest = resolver
            .resolve(&id, &VersionReq::Latest)
            .await
            .map_err(|e| resolve_failure(&e))?;
        let (wanted, latest) = (
            wanted.version.version.to_string(),
            latest.version.version.to_string(),
        );
        let current = entry.version.to_string();
        if wanted != current || latest != current {
            rows.push(json!({ "id": entry.id.to_string(), "current": current, "wanted": wanted, "latest": latest }));
        }
    }
    ctx.out.json(&json!({ "outdated": rows }));
    if rows.is_empty() {
        ctx.out.result("everything is up to date");
    }
    for row in &rows {
        ctx.out.result(format!(
            "{}  {} → {} (latest {})",
            row["id"].as_str().unwrap_or_default(),
            row["current"].as_str().unwrap_or_default(),
            row["wanted"].as_str().unwrap_or_default(),
            row["latest"].as_str().unwrap_or_default()
        ));
    }
    if !rows.is_empty() {
        ctx.out
            .line("run `skillreg update` to install the wanted versions");
    }
    Ok(())
}

/// Every skills folder of every client in a scope.
fn all_skill_dirs(scope: InstallScope) -> Vec<&'static str> {
    folders_for(CLIENTS, scope)
        .into_iter()
        .map(|(dir, _)| dir)
        .collect()
}

pub(crate) async fn list(ctx: &Context, args: &ScopeArgs) -> Result<(), Failure> {
    let project = project(ctx, args)?;
    let target = FsInstallTarget::new(&project.root);
    let mut rows = Vec::new();
    for dir in all_skill_dirs(project.scope) {
        let managed = target
            .managed(dir)
            .await
            .map_err(|e| Failure::new(e.to_string()))?;
        for (folder, marker) in managed {
            let state = target
                .inspect(&folder)
                .await
                .map_err(|e| Failure::new(e.to_string()))?;
            let edited = matches!(state, FolderState::Managed { recorded, actual, .. } if recorded != actual);
            rows.push(json!({
                "id": marker.id.to_string(), "version": marker.version.to_string(),
                "folder": format!("{}/{}", folder.skills_dir, folder.name), "edited": edited,
            }));
        }
    }
    ctx.out
        .json(&json!({ "scope": project.scope.to_string(), "installed": rows }));
    if rows.is_empty() {
        ctx.out
            .result(format!("no skills installed ({} scope)", project.scope));
    }
    for row in &rows {
        ctx.out.result(format!(
            "{}@{}  {}{}",
            row["id"].as_str().unwrap_or_default(),
            row["version"].as_str().unwrap_or_default(),
            row["folder"].as_str().unwrap_or_default(),
            if row["edited"] == true {
                "  (edited)"
            } else {
                ""
            }
        ));
    }
    Ok(())
}

pub(crate) async fn uninstall(ctx: &Context, args: UninstallArgs) -> Result<(), Failure> {
    let project = project(ctx, &args.scope)?;
    let target = FsInstallTarget::new(&project.root);
    let reference: SkillRef = args.reference.parse().map_err(|e| {
        Failure::new(format!(
            "`{}` is not a skill reference: {e}",
            args.reference
        ))
        .code(Code::Usage)
    })?;
    let mut lock = project.lock()?;
    let mut manifest = project.manifest()?;
    // The folders to look at: the lock's clients, else every client folder.
    let id: Option<SkillId> = lock
        .for_reference(&reference)
        .map(|e| e.id.clone())
        .or_else(|| {
            reference
                .namespace()
                .map(|ns| SkillId::new(ns.clone(), reference.name().clone()))
        });
    let dirs: Vec<&'static str> = all_skill_dirs(project.scope);
    let mut removed = Vec::new();
    let mut plan = Vec::new();
    for dir in dirs {
        let folder = InstallFolder {
            skills_dir: dir.to_owned(),
            name: reference.name().clone(),
        };
        let state = target
            .inspect(&folder)
            .await
            .map_err(|e| Failure::new(e.to_string()))?;
        let installed_id = match &state {
            FolderState::Managed { id, .. } => id.clone(),
            FolderState::Absent => continue,
            FolderState::Unmanaged => continue,
        };
        let wanted = id.clone().unwrap_or_else(|| installed_id.clone());
        match decide_uninstall(&wanted, &state, args.force) {
            Ok(true) => plan.push(folder),
            Ok(false) => {}
            Err(refusal) => {
                let error = InstallRunError::Refused { folder, refusal };
                return Err(Failure::new(format!("{error}; nothing was removed"))
                    .hint("pass --force to remove it anyway")
                    .code(Code::Policy));
            }
        }
    }
    if plan.is_empty() && id.as_ref().and_then(|id| lock.get(id)).is_none() {
        return Err(Failure::new(format!(
            "`{reference}` is not installed ({} scope)",
            project.scope
        ))
        .hint("see what is with `skillreg list`"));
    }
    for folder in &plan {
        target
            .remove(folder)
            .await
            .map_err(|e| Failure::new(e.to_string()))?;
        removed.push(format!("{}/{}", folder.skills_dir, folder.name));
        ctx.out
            .line(format!("  removed {}/{}", folder.skills_dir, folder.name));
    }
    if let Some(id) = &id {
        lock.remove(id);
        manifest.skills.retain(|key, _| {
            key.parse::<SkillRef>()
                .map_or(true, |r| r.name().key() != id.name().key())
        });
        project.save_lock(&lock)?;
        project.save_manifest(&manifest)?;
    }
    ctx.out.json(&json!({ "removed": removed }));
    ctx.out.result(format!("uninstalled {reference}"));
    Ok(())
}

pub(crate) async fn sync(ctx: &Context, args: SyncArgs) -> Result<(), Failure> {
    let project = project(ctx, &args.scope)?;
    let target = FsInstallTarget::new(&project.root);
    let mut lock = project.lock()?;
    let mut problems = Vec::new();
    let mut locked_folders: BTreeSet<(String, String)> = BTreeSet::new();
    for entry in &lock.skills {
        let (id, content) = (&entry.id, &entry.content_digest);
        for folder in skillreg_client::folders(&entry.clients, project.scope, id) {
            locked_folders.insert((folder.skills_dir.clone(), folder.name.to_string()));
            let state = target
                .inspect(&folder)
                .await
                .map_err(|e| Failure::new(e.to_string()))?;
            if let Some(drift) = drift(id, content, &state) {
                problems.push(json!({
                    "id": id.to_string(), "folder": format!("{}/{}", folder.skills_dir, folder.name),
                    "drift": drift.to_string(), "kind": match drift {
                        Drift::Missing => "missing", Drift::Edited => "edited", Drift::Outdated { .. } => "outdated",
                        Drift::Unmanaged => "unmanaged", Drift::OtherSkill(_) => "other-skill",
                    },
                }));
            }
        }
    }
    let mut extras = Vec::new();
    for dir in all_skill_dirs(project.scope) {
        for (folder, marker) in target
            .managed(dir)
            .await
            .map_err(|e| Failure::new(e.to_string()))?
        {
            if !locked_folders.contains(&(folder.skills_dir.clone(), folder.name.to_string())) {
                extras.push((folder, marker));
            }
        }
    }
    for (folder, marker) in &extras {
        problems.push(json!({
            "id": marker.id.to_string(), "folder": format!("{}/{}", folder.skills_dir, folder.name),
            "drift": "installed by skillreg but not in the lock", "kind": "extra",
        }));
    }
    if args.check || (!args.prune && !args.adopt) {
        ctx.out
            .json(&json!({ "in_sync": problems.is_empty(), "drift": problems }));
        for problem in &problems {
            ctx.out.result(format!(
                "{}: {}",
                problem["folder"].as_str().unwrap_or_default(),
                problem["drift"].as_str().unwrap_or_default()
            ));
        }
        if problems.is_empty() {
            ctx.out.result("in sync with skills.lock");
            return Ok(());
        }
        return Err(Failure::new(format!("{} difference(s) from skills.lock", problems.len()))
            .hint("`skillreg install --on-conflict overwrite` restores the locked files; `sync --prune` removes extra folders; `sync --adopt` locks them")
            .code(Code::Check));
    }
    let mut acted = Vec::new();
    for (folder, marker) in extras {
        let path = format!("{}/{}", folder.skills_dir, folder.name);
        if args.prune {
            target
                .remove(&folder)
                .await
                .map_err(|e| Failure::new(e.to_string()))?;
            ctx.out.line(format!("  removed {path}"));
            acted.push(json!({ "folder": path, "action": "removed" }));
        } else if args.adopt {
            let client = CLIENTS
                .iter()
                .find(|c| c.skills_dir(project.scope) == folder.skills_dir)
                .copied();
            let previous = lock.get(&marker.id).cloned();
            let mut clients: Vec<AgentClient> = previous
                .as_ref()
                .map(|e| e.clients.clone())
                .unwrap_or_default();
            clients.extend(client);
            clients.sort_by_key(|c| c.id());
            clients.dedup();
            lock.upsert(LockEntry {
                id: marker.id.clone(),
                version: marker.version.clone(),
                source: previous
                    .as_ref()
                    .map_or_else(|| "adopted".to_owned(), |e| e.source.clone()),
                archive_digest: previous.as_ref().and_then(|e| e.archive_digest),
                content_digest: marker.content_digest,
                signer: previous.and_then(|e| e.signer),
                clients,
            });
            ctx.out.line(format!("  locked {path}"));
            acted.push(json!({ "folder": path, "action": "adopted" }));
        }
    }
    if args.adopt {
        project.save_lock(&lock)?;
    }
    ctx.out.json(&json!({ "acted": acted }));
    ctx.out.result(format!("{} folder(s) handled", acted.len()));
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
    let installer = Installer::new(ctx, project(ctx, &here)?, FolderPolicy::Fail, false);
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

#[cfg(test)]
mod tests {
    use skillreg_core::resolve::{ResolveError, SourceOutcome, SourceReport};

    use super::resolve_hint;

    fn not_found(reference: &str, outcome: SourceOutcome) -> ResolveError {
        ResolveError::NotFound {
            reference: reference.parse().unwrap(),
            request: skillreg_core::VersionReq::Latest,
            searched: vec![SourceReport {
                source: "registry A".to_owned(),
                outcome,
            }],
        }
    }

    #[test]
    fn each_failed_resolution_says_the_next_command() {
        let hint = |error: &ResolveError| resolve_hint(error).unwrap();
        assert_eq!(
            hint(&not_found("pdf", SourceOutcome::NoMatch)),
            "search with `skillreg search pdf`, or install by full reference: `namespace/pdf`"
        );
        assert_eq!(
            hint(&not_found("acme/pdf", SourceOutcome::NoMatch)),
            "search with `skillreg search pdf`"
        );
        assert!(
            hint(&not_found(
                "pdf",
                SourceOutcome::Failed("refused".to_owned())
            ))
            .contains("check the registry is reachable")
        );
        let ambiguous = ResolveError::Ambiguous {
            reference: "pdf".parse().unwrap(),
            source_name: "registry A".to_owned(),
            candidates: vec!["a/pdf".parse().unwrap(), "b/pdf".parse().unwrap()],
            more: 0,
        };
        assert_eq!(hint(&ambiguous), "name the namespace, for example `a/pdf`");
        assert!(hint(&ResolveError::NoSources("pdf".parse().unwrap())).contains("REGISTRY_URL"));
    }
}
