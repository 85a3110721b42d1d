//! `skillreg log`: a registry's transparency log. `checkpoint` prints its latest signed
//! checkpoint (to gossip) once it is checked; `verify` walks the whole log as a monitor
//! does; `keygen` and `cosign` are a witness's.

use clap::Subcommand;
use skillreg_adapters::signing::note::NoteKeyPair;
use skillreg_core::log::{SignedNote, hash_to_base64};
use skillreg_core::ports::NoteSigner as _;

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
    /// Make a witness's note key: the secret into a file (mode 0600), the verifier key
    /// (what clients list in `[trust] witnesses`) printed.
    Keygen(KeygenArgs),
    /// As a witness: check the registry's latest checkpoint (signed, consistent with the
    /// last one this witness saw), cosign it with the witness key and hand the cosignature
    /// to the registry.
    Cosign(CosignArgs),
}

/// `skillreg log keygen`.
#[derive(Debug, clap::Args)]
pub(crate) struct KeygenArgs {
    /// The witness's name (no spaces, no `+`), e.g. `witness.example.org`.
    #[arg(long)]
    name: String,
    /// Where to write the secret key.
    #[arg(long)]
    out: std::path::PathBuf,
}

/// `skillreg log cosign`.
#[derive(Debug, clap::Args)]
pub(crate) struct CosignArgs {
    /// The witness's secret key file (`skillreg log keygen` wrote it).
    #[arg(long)]
    key: std::path::PathBuf,
}

pub(crate) async fn log(ctx: &Context, command: &LogCommand) -> Result<(), Failure> {
    if let LogCommand::Keygen(args) = command {
        return keygen(ctx, args);
    }
    let client = ctx.client()?;
    let trust = ctx.log_trust();
    match command {
        LogCommand::Keygen(_) => Ok(()),
        LogCommand::Cosign(args) => {
            let text = std::fs::read_to_string(&args.key).map_err(|e| {
                Failure::new(format!(
                    "cannot read the witness key {}: {e}",
                    args.key.display()
                ))
            })?;
            let witness = NoteKeyPair::from_secret_text(&text).map_err(|e| {
                Failure::new(format!("{}: {e}", args.key.display()))
                    .hint("a witness key is what `skillreg log keygen` wrote")
            })?;
            // The witness checks the log as any client does, against what it saw before.
            let witnessing = skillreg_client::LogTrust::new(trust.state_dir.join("witnessed"));
            let view = witnessing
                .view(&client)
                .await
                .map_err(log_failure)?
                .ok_or_else(|| no_log(client.base()))?;
            let mut note = SignedNote::parse(&view.note)
                .map_err(|e| Failure::new(format!("the checkpoint does not read: {e}")))?;
            note.signatures.push(witness.sign(&note.text));
            let kept = client
                .log_cosign(&skillreg_api::CosignBody {
                    note: note.to_text(),
                    witness: witness.public().to_text(),
                })
                .await?;
            let cosigned = kept.checkpoints.into_iter().next().unwrap_or_default();
            ctx.out.json(&serde_json::json!({
                "registry": view.registry,
                "size": view.checkpoint.size,
                "witness": witness.public().to_text(),
                "note": cosigned,
            }));
            ctx.out.result(cosigned.trim_end());
            Ok(())
        }
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

fn keygen(ctx: &Context, args: &KeygenArgs) -> Result<(), Failure> {
    let pair = NoteKeyPair::generate(&args.name)
        .map_err(|e| Failure::new(format!("`{}`: {e}", args.name)).code(Code::Usage))?;
    crate::config::write_private(&args.out, pair.to_secret_text().as_bytes())?;
    let public = pair.public().to_text();
    ctx.out
        .json(&serde_json::json!({ "key": public, "secret_key_file": args.out }));
    ctx.out.result(&public);
    ctx.out.line(format!(
        "secret key: {} (readable by you only); clients trust this witness with \
         `witnesses = [\"{public}\"]` under [trust] in their config",
        args.out.display()
    ));
    Ok(())
}

fn no_log(registry: &str) -> Failure {
    Failure::new(format!("registry {registry} keeps no transparency log"))
        .hint("it is an older skillreg, or not one; installs from it are not proven")
}
