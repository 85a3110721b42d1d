//! Following the lock: `install` with no argument (what `skills.toml` asks, as `skills.lock`
//! pins it; nothing is fetched when the folders hold the locked content), `update` and
//! `outdated`. What each does skill by skill is the client library's plan
//! ([`skillreg_client::sync`]); this file carries the steps out and prints.

use serde_json::json;
use skillreg_client::{InstallStep, SyncError, UpdateStep, plan_install, plan_update};

use super::*;

/// A plan that cannot be made, with the advice for it.
fn sync_failure(project: &Project, error: SyncError) -> Failure {
    let manifest = project.manifest_path.display();
    match error {
        SyncError::NothingToInstall => {
            Failure::new(format!("nothing to install: {manifest} lists no skills"))
                .hint("install one with `skillreg install <name>`")
                .code(Code::Usage)
        }
        SyncError::NotLocked { ref request, .. } => {
            let hint = if request.is_some() {
                "run `skillreg install` (without --locked) or `skillreg update` to refresh the lock"
            } else {
                "run `skillreg install` (without --locked) to refresh the lock"
            };
            Failure::new(error.to_string())
                .hint(hint)
                .code(Code::Policy)
        }
        SyncError::Profile { .. } => Failure::new(format!("{manifest}: {error}"))
            .hint("write profiles as namespace/name, e.g. profiles = [\"acme/frontend\"]")
            .code(Code::Usage),
        SyncError::Reference { .. } => Failure::new(format!("{manifest}: {error}"))
            .hint("write name, namespace/name, or oci://registry/repository[:tag]")
            .code(Code::Usage),
        SyncError::Request { .. } => Failure::new(format!("{manifest}: {error}"))
            .hint("use latest, 1.2.3, ^1.2, ~1.2.3, 1.2, >=1, <2, v1 or v1.2.x")
            .code(Code::Usage),
    }
}

/// `install` with no argument: what the manifest asks, as the lock pins it.
pub(super) async fn install_locked(
    installer: &Installer<'_>,
    args: &InstallArgs,
) -> Result<(), Failure> {
    let ctx = installer.ctx;
    let project = &installer.project;
    let mut lock = project.lock()?;
    let given = parse_clients(&args.clients)?;
    let manifest = project.manifest()?;
    let steps = plan_install(&manifest, &lock, &given, args.locked)
        .map_err(|e| sync_failure(project, e))?;
    let mut sources_cache: Option<Vec<Source>> = None;
    let mut report = Vec::new();
    for step in steps {
        match step {
            InstallStep::Profile { profile } => {
                let how = super::profiles::Following {
                    clients: &args.clients,
                    force: false,
                };
                let followed = installer
                    .follow_profiles(&[profile], &manifest, &mut lock, &how)
                    .await?;
                report.extend(followed);
            }
            InstallStep::PullLocked { entry, pinned } => {
                if installer
                    .core
                    .is_current(&entry.clients, &entry.id, &entry.content_digest)
                    .await
                    .map_err(failure)?
                {
                    ctx.out
                        .line(format!("{}@{} is up to date", entry.id, entry.version));
                    continue;
                }
                let entry = installer
                    .oci(&pinned, &entry.clients, args.plain_http)
                    .await?;
                report.push(
                    json!({ "id": entry.id.to_string(), "version": entry.version.to_string() }),
                );
                lock.upsert(entry);
                project.save_lock(&lock)?;
            }
            InstallStep::Pull { text } => {
                let clients = choose_clients(ctx, &args.clients, project)?;
                let entry = installer.oci(&text, &clients, args.plain_http).await?;
                report.push(
                    json!({ "id": entry.id.to_string(), "version": entry.version.to_string() }),
                );
                lock.upsert(entry);
                project.save_lock(&lock)?;
            }
            InstallStep::Resolve { reference, request } => {
                let sources = match &sources_cache {
                    Some(sources) => sources,
                    None => sources_cache.insert(sources(ctx)?),
                };
                let clients = choose_clients(ctx, &args.clients, project)?;
                let entry = installer
                    .one(sources, &reference, &request, &clients, &lock)
                    .await?;
                report.push(
                    json!({ "id": entry.id.to_string(), "version": entry.version.to_string() }),
                );
                lock.upsert(entry);
                project.save_lock(&lock)?;
            }
            InstallStep::Restore { entry, clients } => {
                let id = &entry.id;
                // The no-op path: nothing to fetch when every folder holds the locked content.
                if installer
                    .core
                    .is_current(&clients, id, &entry.content_digest)
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
                let sources = match &sources_cache {
                    Some(sources) => sources,
                    None => sources_cache.insert(sources(ctx)?),
                };
                let (fetched, plans) = installer
                    .core
                    .restore(sources, &entry, &clients, &Warnings(ctx.out))
                    .await
                    .map_err(failure)?;
                report_plans(ctx, id, &fetched.version, &plans);
                report.push(json!({
                    "id": id.to_string(), "version": entry.version.to_string(), "changed": true,
                }));
            }
        }
    }
    ctx.out.json(&json!({ "installed": report }));
    Ok(())
}

pub(crate) async fn update(ctx: &Context, args: UpdateArgs) -> Result<(), Failure> {
    let project = project(ctx, &args.scope)?;
    let mut lock = project.lock()?;
    let steps = plan_update(&project.manifest()?, &lock, &args.names)
        .map_err(|e| sync_failure(&project, e))?;
    let installer = Installer::new(
        ctx,
        project.clone(),
        FolderPolicy::Fail,
        args.allow_signer_change,
        args.allow_risk,
    );
    let sources = sources(ctx)?;
    let mut report = Vec::new();
    for step in steps {
        match step {
            UpdateStep::Pull { text } => {
                let clients = choose_clients(ctx, &[], &project)?;
                let entry = installer.oci(&text, &clients, args.plain_http).await?;
                report.push(json!({ "id": entry.id.to_string(), "to": entry.version.to_string() }));
                lock.upsert(entry);
            }
            UpdateStep::Resolve {
                reference,
                request,
                from,
                clients,
            } => {
                let clients = match clients {
                    Some(clients) => clients,
                    None => choose_clients(ctx, &[], &project)?,
                };
                let entry = installer
                    .one(&sources, &reference, &request, &clients, &lock)
                    .await?;
                report.push(json!({
                    "id": entry.id.to_string(), "from": from.map(|v| v.to_string()),
                    "to": entry.version.to_string(),
                }));
                lock.upsert(entry);
            }
        }
        project.save_lock(&lock)?;
    }
    // Without names, the profiles skills.toml follows are followed too.
    if args.names.is_empty() {
        let followed = super::profiles::update_profiles(
            &installer,
            &project.manifest()?,
            &mut lock,
            args.force,
        )
        .await?;
        report.extend(followed);
    }
    ctx.out.json(&json!({ "updated": report }));
    Ok(())
}

pub(crate) async fn outdated(ctx: &Context, args: &ScopeArgs) -> Result<(), Failure> {
    let project = project(ctx, args)?;
    let manifest = project.manifest()?;
    let lock = project.lock()?;
    let found = skillreg_client::outdated(&sources(ctx)?, &manifest, &lock)
        .await
        .map_err(|e| resolve_failure(&e))?;
    let rows: Vec<_> = found
        .iter()
        .map(|o| {
            json!({
                "id": o.id.to_string(), "current": o.current.to_string(),
                "wanted": o.wanted.to_string(), "latest": o.latest.to_string(),
            })
        })
        .collect();
    ctx.out.json(&json!({ "outdated": rows }));
    if found.is_empty() {
        ctx.out.result("everything is up to date");
    }
    for o in &found {
        ctx.out.result(format!(
            "{}  {} → {} (latest {})",
            o.id, o.current, o.wanted, o.latest
        ));
    }
    if !found.is_empty() {
        ctx.out
            .line("run `skillreg update` to install the wanted versions");
    }
    Ok(())
}
