//! Looking at and tidying the client folders of a scope: `list`, `uninstall` and `sync`
//! (drift from the lock: check, prune extra folders, or adopt them into the lock).

use serde_json::json;
use skillreg_core::SkillRef;

use super::*;

/// `skillreg clients`: every agent client, its folders, and whether it is found here (in
/// the home folder, or for the project scope in the project too) and would be installed
/// for by default.
pub(crate) fn clients(ctx: &Context, args: &ScopeArgs) -> Result<(), Failure> {
    let project = project(ctx, args)?;
    let detected = skillreg_core::clients::detect(
        project.scope,
        |dir| ctx.settings.home.join(dir).is_dir(),
        |dir| project.root.join(dir).is_dir(),
    );
    let chosen = super::choose_clients(ctx, &[], &project).unwrap_or_default();
    let rows: Vec<serde_json::Value> = skillreg_core::clients::CLIENTS
        .iter()
        .map(|client| {
            json!({
                "id": client.id(),
                "user": client.skills_dir(skillreg_core::clients::InstallScope::User),
                "project": client.skills_dir(skillreg_core::clients::InstallScope::Project),
                "detected": detected.contains(client),
                "default": chosen.contains(client),
            })
        })
        .collect();
    ctx.out
        .json(&json!({ "scope": project.scope.to_string(), "clients": rows }));
    ctx.out.result(format!(
        "{:<16} {:<28} {:<24} here",
        "client", "user folder", "project folder"
    ));
    for row in &rows {
        let here = match (row["detected"] == true, row["default"] == true) {
            (_, true) => "installed for by default",
            (true, false) => "detected",
            (false, false) => "",
        };
        ctx.out.result(format!(
            "{:<16} {:<28} {:<24} {here}",
            row["id"].as_str().unwrap_or_default(),
            row["user"].as_str().unwrap_or_default(),
            row["project"].as_str().unwrap_or_default(),
        ));
    }
    if chosen.is_empty() {
        ctx.out
            .line("next: name clients with `skillreg install <skill> --client <id>`");
    }
    Ok(())
}

pub(crate) async fn list(ctx: &Context, args: &ScopeArgs) -> Result<(), Failure> {
    let project = project(ctx, args)?;
    let target = FsInstallTarget::new(&project.root);
    let mut rows = Vec::new();
    for dir in skillreg_client::skill_dirs(project.scope) {
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
    let reference: SkillRef = args.reference.parse().map_err(|e| {
        Failure::new(format!(
            "`{}` is not a skill reference: {e}",
            args.reference
        ))
        .code(Code::Usage)
    })?;
    let mut lock = project.lock()?;
    let mut manifest = project.manifest()?;
    let installer = Installer::new(ctx, project.clone(), FolderPolicy::Fail, false, false);
    let plan = installer
        .core
        .plan_uninstall(&lock, &reference, args.force)
        .await
        .map_err(|error| match error {
            InstallFailure::Install(error @ InstallRunError::Refused { .. }) => {
                Failure::new(format!("{error}; nothing was removed"))
                    .hint("pass --force to remove it anyway")
                    .code(Code::Policy)
            }
            other => failure(other),
        })?;
    let id = plan.id.clone();
    if plan.folders.is_empty() && id.as_ref().and_then(|id| lock.get(id)).is_none() {
        return Err(Failure::new(format!(
            "`{reference}` is not installed ({} scope)",
            project.scope
        ))
        .hint("see what is with `skillreg list`"));
    }
    installer.core.uninstall(&plan).await.map_err(failure)?;
    let removed: Vec<String> = plan
        .folders
        .iter()
        .map(|folder| format!("{}/{}", folder.skills_dir, folder.name))
        .collect();
    for path in &removed {
        ctx.out.line(format!("  removed {path}"));
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
    let installer = Installer::new(ctx, project.clone(), FolderPolicy::Fail, false, false);
    let comparison = installer.core.compare(&lock).await.map_err(failure)?;
    let mut problems = Vec::new();
    for (id, folder, drift) in &comparison.drift {
        problems.push(json!({
            "id": id.to_string(), "folder": format!("{}/{}", folder.skills_dir, folder.name),
            "drift": drift.to_string(), "kind": match drift {
                Drift::Missing => "missing", Drift::Edited => "edited", Drift::Outdated { .. } => "outdated",
                Drift::Unmanaged => "unmanaged", Drift::OtherSkill(_) => "other-skill",
            },
        }));
    }
    let extras = comparison.extras;
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
                signer: previous.as_ref().and_then(|e| e.signer.clone()),
                clients,
                profile: None,
                log_index: previous.and_then(|e| e.log_index),
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
