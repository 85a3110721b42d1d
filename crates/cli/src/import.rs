//! `skillreg import`: one skill folder, or every skill in a folder of them (`--from DIR`)
//! or in an agent client's skills folder (`--from-client claude-code`), each imported in
//! turn with the conflict strategy, one failure never stopping the rest. In a terminal a
//! conflict is asked about; otherwise it is reported.

use std::io::{BufRead as _, IsTerminal as _, Write as _};
use std::path::{Path, PathBuf};

use clap::Args;
use serde_json::{Value, json};
use skillreg_adapters::http::RegistryClient;
use skillreg_api::{ConflictBody, ImportResponse};
use skillreg_core::Namespace;
use skillreg_core::clients::AgentClient;
use skillreg_core::conflict::ConflictPolicy;
use skillreg_core::version::Version;

use crate::author::load;
use crate::context::Context;
use crate::install::ScopeArgs;
use crate::output::{Code, Failure};

#[derive(Debug, Args)]
pub(crate) struct ImportArgs {
    /// The skill folder (or give --from or --from-client).
    dir: Option<PathBuf>,
    /// A folder of skill folders: each one holding a SKILL.md is imported.
    #[arg(long, conflicts_with_all = ["dir", "from_client"])]
    from: Option<PathBuf>,
    /// An agent client whose skills folder to import (`skillreg clients` lists them), in
    /// --scope user (the default) or project.
    #[arg(long, conflicts_with = "dir")]
    from_client: Option<String>,
    #[command(flatten)]
    scope: ScopeArgs,
    /// The namespace to import into.
    #[arg(long)]
    namespace: Option<String>,
    /// What to do when the name is taken: fail, skip, overwrite (creator only), rename. With
    /// `fail` in a terminal, each conflict is asked about.
    #[arg(long, default_value = "fail")]
    on_conflict: String,
    /// The version (one folder only; default: the SKILL.md's, else the next one).
    #[arg(long, conflicts_with_all = ["from", "from_client"])]
    version: Option<String>,
}

/// What became of one skill.
struct Row {
    folder: PathBuf,
    status: &'static str,
    detail: String,
    json: Value,
}

/// The skill folders in `dir`: its sub-folders holding a SKILL.md, by name, hidden ones
/// left out.
fn skill_folders(dir: &Path) -> Result<Vec<PathBuf>, Failure> {
    let entries = std::fs::read_dir(dir)
        .map_err(|e| Failure::new(format!("cannot read {}: {e}", dir.display())))?;
    let mut folders: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| {
            path.join(skillreg_core::bundle::SKILL_MD).is_file()
                && !path
                    .file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with('.'))
        })
        .collect();
    folders.sort();
    Ok(folders)
}

/// Where the skills to import are.
fn sources(ctx: &Context, args: &ImportArgs) -> Result<Vec<PathBuf>, Failure> {
    if let Some(dir) = &args.from {
        return skill_folders(dir);
    }
    if let Some(id) = &args.from_client {
        let client: AgentClient = id
            .parse()
            .map_err(|e: String| Failure::new(e).code(Code::Usage))?;
        let project = crate::install::project(ctx, &args.scope)?;
        let dir = project.root.join(client.skills_dir(project.scope));
        if !dir.is_dir() {
            return Err(Failure::new(format!(
                "{id} has no skills folder here: {} does not exist ({} scope)",
                dir.display(),
                project.scope
            ))
            .hint("try the other --scope, or --from <folder>"));
        }
        return skill_folders(&dir);
    }
    Ok(vec![args.dir.clone().unwrap_or_else(|| PathBuf::from("."))])
}

pub(crate) async fn import(ctx: &Context, args: ImportArgs) -> Result<(), Failure> {
    let mut policy: ConflictPolicy =
        args.on_conflict
            .parse()
            .map_err(|e: skillreg_core::conflict::UnknownPolicy| {
                Failure::new(e.to_string()).code(Code::Usage)
            })?;
    let version: Option<Version> = args
        .version
        .as_deref()
        .map(str::parse)
        .transpose()
        .map_err(|e| Failure::new(format!("not a version: {e}")).code(Code::Usage))?;
    let namespace = ctx.namespace(args.namespace.as_deref())?;
    let bulk = args.from.is_some() || args.from_client.is_some();
    let folders = sources(ctx, &args)?;
    if !bulk {
        return import_one(ctx, &namespace, version.as_ref(), policy, &folders[0]).await;
    }
    if folders.is_empty() {
        ctx.out.json(&json!({ "imported": [] }));
        ctx.out
            .result("no skill folders to import (none holds a SKILL.md)");
        return Ok(());
    }
    let client = ctx.client()?;
    // Asked only with a person at a terminal and no other strategy chosen.
    let mut ask = policy == ConflictPolicy::Fail
        && !ctx.out.json
        && std::io::stdin().is_terminal()
        && std::io::stderr().is_terminal();
    let progress = ctx.out.steps(folders.len() as u64, "importing");
    let mut rows = Vec::with_capacity(folders.len());
    for folder in &folders {
        let mut row = import_folder(&client, &namespace, policy, folder).await;
        if ask && row.status == "conflict" {
            let chosen = match progress.suspend(|| choose(&row)) {
                Choice::Once(chosen) => Some(chosen),
                Choice::Always(chosen) => {
                    policy = chosen;
                    ask = false;
                    Some(chosen)
                }
                Choice::Leave => None,
            };
            if let Some(chosen) = chosen {
                row = import_folder(&client, &namespace, chosen, folder).await;
            }
        }
        progress.inc(1);
        rows.push(row);
    }
    progress.finish_and_clear();
    report(ctx, &rows)
}

/// What the person chose for a conflict.
enum Choice {
    Once(ConflictPolicy),
    Always(ConflictPolicy),
    Leave,
}

/// Asks what to do about one conflict: skip, overwrite (when allowed), rename, and whether
/// for all the rest too.
fn choose(row: &Row) -> Choice {
    let can_overwrite = row.json["can_overwrite"] == true;
    let mut stderr = std::io::stderr();
    let _ = writeln!(stderr, "{}: {}", row.folder.display(), row.detail);
    let options = if can_overwrite {
        "[s]kip, [o]verwrite, [r]ename; capital letter: the same for all the rest"
    } else {
        "[s]kip, [r]ename; capital letter: the same for all the rest"
    };
    let _ = write!(stderr, "{options}: ");
    let _ = stderr.flush();
    let mut answer = String::new();
    if std::io::stdin().lock().read_line(&mut answer).is_err() {
        return Choice::Leave;
    }
    let answer = answer.trim();
    let policy = match answer.to_ascii_lowercase().as_str() {
        "s" => ConflictPolicy::Skip,
        "o" if can_overwrite => ConflictPolicy::Overwrite,
        "r" => ConflictPolicy::Rename,
        _ => return Choice::Leave,
    };
    if answer.chars().all(char::is_uppercase) {
        Choice::Always(policy)
    } else {
        Choice::Once(policy)
    }
}

/// Imports one folder; every outcome, failures too, is a row.
async fn import_folder(
    client: &RegistryClient,
    namespace: &Namespace,
    policy: ConflictPolicy,
    folder: &Path,
) -> Row {
    let failed = |detail: String| Row {
        folder: folder.to_path_buf(),
        status: "failed",
        json: json!({
            "status": "failed", "folder": folder.display().to_string(), "error": detail,
        }),
        detail,
    };
    let loaded = match load(folder) {
        Ok(loaded) => loaded,
        Err(failure) => return failed(failure.message),
    };
    let reply = client
        .import(
            namespace,
            None,
            policy.as_str(),
            loaded.archive.into_bytes(),
        )
        .await;
    match reply {
        Ok(body) => row_of(folder, &body),
        Err(error) => {
            let failure = Failure::from(error);
            match serde_json::from_value::<ImportResponse>(failure.details.clone()) {
                Ok(body @ ImportResponse::Conflict(_)) => row_of(folder, &body),
                _ => failed(failure.message),
            }
        }
    }
}

fn conflict_text(conflict: &ConflictBody) -> String {
    skillreg_core::text::sanitize_remote(&format!(
        "`{}` exists, created by `{}`{}",
        conflict.existing_skill_id,
        conflict.existing_created_by,
        if conflict.can_overwrite {
            " (you may overwrite it)"
        } else {
            ""
        }
    ))
}

fn row_of(folder: &Path, body: &ImportResponse) -> Row {
    let (status, detail) = match body {
        ImportResponse::Created {
            id,
            version,
            renamed,
        } => (
            "created",
            format!("{id}@{version}{}", if *renamed { " (renamed)" } else { "" }),
        ),
        ImportResponse::Updated { id, version } => ("updated", format!("{id}@{version}")),
        ImportResponse::Unchanged { id } => ("unchanged", id.clone()),
        ImportResponse::Skipped(conflict) => ("skipped", conflict_text(conflict)),
        ImportResponse::Conflict(conflict) => ("conflict", conflict_text(conflict)),
    };
    let mut json = serde_json::to_value(body).unwrap_or(Value::Null);
    json["folder"] = json!(folder.display().to_string());
    Row {
        folder: folder.to_path_buf(),
        status,
        detail: skillreg_core::text::sanitize_remote(&detail),
        json,
    }
}

/// The table, the JSON, and the exit code: 1 when any skill failed, 4 when a conflict was
/// left, else 0.
fn report(ctx: &Context, rows: &[Row]) -> Result<(), Failure> {
    ctx.out.json(&json!({
        "imported": rows.iter().map(|r| r.json.clone()).collect::<Vec<_>>(),
    }));
    for row in rows {
        ctx.out.result(format!(
            "{:<9}  {:<28}  {}",
            row.status,
            row.folder.file_name().map_or_else(
                || row.folder.display().to_string(),
                |n| n.to_string_lossy().into_owned()
            ),
            row.detail
        ));
    }
    let count = |status: &str| rows.iter().filter(|r| r.status == status).count();
    let (failed, conflicts) = (count("failed"), count("conflict"));
    if failed > 0 {
        return Err(Failure::new(format!(
            "{failed} of {} skills failed to import; the others were imported",
            rows.len()
        ))
        .hint(
            "fix each one named above, then run the same import again: what landed stays unchanged",
        ));
    }
    if conflicts > 0 {
        return Err(Failure::new(format!(
            "{conflicts} of {} skills were not imported: their names are taken",
            rows.len()
        ))
        .hint("choose --on-conflict skip, overwrite (your own skills) or rename")
        .code(Code::Policy));
    }
    Ok(())
}

/// One folder, as `skillreg import <dir>` always did: a conflict is the command's error.
async fn import_one(
    ctx: &Context,
    namespace: &Namespace,
    version: Option<&Version>,
    policy: ConflictPolicy,
    dir: &Path,
) -> Result<(), Failure> {
    let loaded = load(dir)?;
    let client = ctx.client()?;
    let reply = client
        .import(
            namespace,
            version,
            policy.as_str(),
            loaded.archive.into_bytes(),
        )
        .await;
    match reply {
        Ok(body) => {
            ctx.out.json(&body);
            let text = match &body {
                ImportResponse::Skipped(conflict) | ImportResponse::Conflict(conflict) => {
                    format!("skipped: `{}` already exists", conflict.existing_skill_id)
                }
                ImportResponse::Created {
                    id,
                    version,
                    renamed: true,
                } => format!("created {id}@{version} (the name was taken, so it was renamed)"),
                ImportResponse::Created { id, version, .. } => format!("created {id}@{version}"),
                ImportResponse::Updated { id, version } => format!("updated {id}@{version}"),
                ImportResponse::Unchanged { id } => format!("unchanged {id}"),
            };
            ctx.out.result(skillreg_core::text::sanitize_remote(&text));
            Ok(())
        }
        Err(error) => {
            let mut failure = Failure::from(error);
            if let Ok(ImportResponse::Conflict(conflict)) =
                serde_json::from_value::<ImportResponse>(failure.details.clone())
            {
                failure.hint = Some(if conflict.can_overwrite {
                    "you created it: pass --on-conflict overwrite to replace it, or rename / skip"
                        .to_owned()
                } else {
                    format!(
                        "it was created by `{}`; pass --on-conflict rename to import under a new name, or skip",
                        skillreg_core::text::sanitize_remote(&conflict.existing_created_by)
                    )
                });
            }
            Err(failure)
        }
    }
}
