//! Following the lock: `install` with no argument (what `skills.toml` asks, as `skills.lock`
//! pins it; nothing is fetched when the folders hold the locked content), `update` and
//! `outdated`.

use serde_json::json;
use skillreg_core::{SkillRef, VersionReq};

use super::*;

/// `install` with no argument: what the manifest asks, as the lock pins it.
pub(super) async fn install_locked(
    installer: &Installer<'_>,
    args: &InstallArgs,
) -> Result<(), Failure> {
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
