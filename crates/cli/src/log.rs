//! `skillreg log`: a registry's transparency log. `checkpoint` prints its latest signed
//! checkpoint (for a witness to cosign or gossip) once it is checked; `verify` walks the
//! whole log as a monitor does.

use clap::Subcommand;
use skillreg_core::log::hash_to_base64;

use crate::context::Context;
use crate::install::failures::log_failure;
use crate::output::{Code, Failure};

/// The log's commands.
#[derive(Debug, Subcommand)]
pub(crate) enum LogCommand {
    /// Print the registry's latest checkpoint, after checking its signature and that it
    /// extends the last one trusted from this registry.
    Checkpoint,
    /// Walk the whole log: recompute every hash and the tree head, and compare every
    /// version it records with what the registry serves now (exit 4 on any disagreement).
    Verify,
}

pub(crate) async fn log(ctx: &Context, command: &LogCommand) -> Result<(), Failure> {
    let client = ctx.client()?;
    let trust = ctx.log_trust();
    match command {
        LogCommand::Checkpoint => {
            let view = trust
                .view(&client)
                .await
                .map_err(log_failure)?
                .ok_or_else(|| no_log(client.base()))?;
            ctx.out.json(&serde_json::json!({
                "registry": view.registry,
                "origin": view.checkpoint.origin,
                "size": view.checkpoint.size,
                "root": hash_to_base64(&view.checkpoint.root),
                "time_ms": view.checkpoint.time,
                "key": view.key.to_text(),
                "note": view.note,
            }));
            ctx.out.result(view.note.trim_end());
            Ok(())
        }
        LogCommand::Verify => {
            let bar = ctx.out.steps(0, "entries");
            let report = skillreg_client::monitor(&client, &trust, &|done, total| {
                bar.set_length(total);
                bar.set_position(done);
            })
            .await
            .map_err(log_failure)?;
            bar.finish_and_clear();
            ctx.out.json(&report);
            for problem in &report.problems {
                let at = problem
                    .index
                    .map_or_else(String::new, |index| format!("entry {index}: "));
                ctx.out.result(format!("{at}{}", problem.what));
            }
            if report.problems.is_empty() {
                ctx.out.result(format!(
                    "{}: {} entries ({} checked, {} withheld from you) make the signed tree head; \
                     {} versions match what the registry serves",
                    report.registry, report.size, report.checked, report.withheld, report.versions
                ));
                Ok(())
            } else {
                Err(Failure::new(format!(
                    "registry {} is inconsistent: {} problem{} in its log",
                    report.registry,
                    report.problems.len(),
                    if report.problems.len() == 1 { "" } else { "s" }
                ))
                .hint("report them to the registry's operators; installs it serves are not proven")
                .code(Code::Policy))
            }
        }
    }
}

fn no_log(registry: &str) -> Failure {
    Failure::new(format!("registry {registry} keeps no transparency log"))
        .hint("it is an older skillreg, or not one; installs from it are not proven")
}
