//! The registry's audit of published versions: `skillreg findings` reads one version's,
//! `skillreg false-positive` is an owner's mark on a finding, `skillreg admin override`
//! and `skillreg admin rescan` are an admin's.

use clap::{Args, Subcommand};
use skillreg_api::{AuditBody, RescanResponse, VersionAudit};
use skillreg_core::text::sanitize_remote;

use crate::context::{Context, parse_reference};
use crate::output::{Code, Failure};

#[derive(Debug, Args)]
pub(crate) struct FindingsArgs {
    /// `namespace/name@version`.
    reference: String,
}

#[derive(Debug, Args)]
pub(crate) struct FalsePositiveArgs {
    /// `namespace/name@version`.
    reference: String,
    /// The finding's fingerprint (`skillreg findings` shows it).
    fingerprint: String,
    /// Why it is a false positive (shown to whoever installs it next).
    #[arg(long)]
    note: String,
}

/// An admin's work.
#[derive(Debug, Subcommand)]
pub(crate) enum AdminCommand {
    /// Audit again what older rules or another policy audited, in batches (resumable).
    Rescan(RescanArgs),
    /// Set a version's verdict (or `--clear` it back to its findings').
    Override(OverrideArgs),
}

#[derive(Debug, Args)]
pub(crate) struct RescanArgs {
    /// Versions per batch (at most 500).
    #[arg(long, default_value_t = 100)]
    batch: u32,
    /// Resume after this cursor (a stopped rescan printed it).
    #[arg(long)]
    after: Option<String>,
}

#[derive(Debug, Args)]
pub(crate) struct OverrideArgs {
    /// `namespace/name@version`.
    reference: String,
    /// `pass`, `review`, `warn` or `block`.
    #[arg(required_unless_present = "clear")]
    verdict: Option<String>,
    /// Why (kept with the verdict and shown with it).
    #[arg(long, required_unless_present = "clear")]
    note: Option<String>,
    /// Give the verdict back to the findings.
    #[arg(long, conflicts_with_all = ["verdict", "note"])]
    clear: bool,
}

/// The lines of an audit: the verdict, then each finding with its fix, fingerprint and any
/// owner's mark.
fn print_audit(ctx: &Context, label: &str, audit: &AuditBody) {
    for f in &audit.findings {
        ctx.out.result(format!(
            "{:<5} {} {}:{} {}\n      fix: {}\n      fingerprint: {}",
            sanitize_remote(&f.severity),
            sanitize_remote(&f.code),
            sanitize_remote(&f.path),
            f.line,
            sanitize_remote(&f.message),
            sanitize_remote(&f.remediation),
            sanitize_remote(&f.fingerprint),
        ));
        if let Some(mark) = &f.false_positive {
            ctx.out.result(format!(
                "      false positive, says {}: {}",
                sanitize_remote(&mark.by),
                sanitize_remote(&mark.note)
            ));
        }
    }
    let count = audit.findings.len();
    ctx.out.result(format!(
        "{label}: {} ({count} finding{}, rules version {})",
        sanitize_remote(&audit.verdict),
        if count == 1 { "" } else { "s" },
        audit.rules_version
    ));
    if let Some(o) = &audit.overridden {
        ctx.out.result(format!(
            "  verdict set by {}: {}",
            sanitize_remote(&o.note.by),
            sanitize_remote(&o.note.note)
        ));
    }
}

fn print_version_audit(ctx: &Context, body: &VersionAudit) -> Result<(), Failure> {
    let label = format!(
        "{}@{}",
        sanitize_remote(&body.id),
        sanitize_remote(&body.version)
    );
    match &body.audit {
        Some(audit) => {
            print_audit(ctx, &label, audit);
            Ok(())
        }
        None => Err(Failure::new(format!("{label} has not been audited"))
            .hint("it was published before the registry audited; an admin's `skillreg admin rescan` audits it")),
    }
}

pub(crate) async fn findings(ctx: &Context, args: &FindingsArgs) -> Result<(), Failure> {
    let (id, version) = parse_reference(&args.reference)?;
    let body = ctx.client()?.version_audit(&id, &version).await?;
    ctx.out.json(&body);
    print_version_audit(ctx, &body)?;
    if body.audit.as_ref().is_some_and(|a| !a.findings.is_empty()) {
        ctx.out.line(format!(
            "an owner who judges a finding wrong: skillreg false-positive {id}@{version} <fingerprint> --note \"why\""
        ));
    }
    Ok(())
}

pub(crate) async fn false_positive(ctx: &Context, args: &FalsePositiveArgs) -> Result<(), Failure> {
    let (id, version) = parse_reference(&args.reference)?;
    let body = ctx
        .client()?
        .mark_false_positive(&id, &version, &args.fingerprint, &args.note)
        .await?;
    ctx.out.json(&body);
    print_version_audit(ctx, &body)
}

pub(crate) async fn admin(ctx: &Context, command: &AdminCommand) -> Result<(), Failure> {
    match command {
        AdminCommand::Rescan(args) => rescan(ctx, args).await,
        AdminCommand::Override(args) => override_verdict(ctx, args).await,
    }
}

async fn override_verdict(ctx: &Context, args: &OverrideArgs) -> Result<(), Failure> {
    let (id, version) = parse_reference(&args.reference)?;
    let verdict = match (&args.verdict, &args.note) {
        (Some(verdict), Some(note)) if !args.clear => Some((verdict.as_str(), note.as_str())),
        _ => None,
    };
    let body = ctx
        .client()?
        .override_verdict(&id, &version, verdict)
        .await?;
    ctx.out.json(&body);
    print_version_audit(ctx, &body)
}

/// Batches until the rescan is done, each resumable from the cursor printed if one fails.
async fn rescan(ctx: &Context, args: &RescanArgs) -> Result<(), Failure> {
    let client = ctx.client()?;
    let spinner = ctx.out.spinner("rescanning");
    let mut total = RescanResponse::default();
    let mut after = args.after.clone();
    loop {
        let batch = client
            .rescan(after.as_deref(), args.batch)
            .await
            .map_err(|error| {
                let failure = Failure::from(error);
                match &after {
                    Some(cursor) => failure.hint(format!(
                        "resume with `skillreg admin rescan --after {}`",
                        sanitize_remote(cursor)
                    )),
                    None => failure,
                }
            })?;
        total.scanned += batch.scanned;
        for change in &batch.changed {
            ctx.out.result(format!(
                "{}@{}: {} -> {}",
                sanitize_remote(&change.id),
                sanitize_remote(&change.version),
                change.from.as_deref().map_or("not audited", |v| v),
                sanitize_remote(&change.to)
            ));
        }
        for failed in &batch.failed {
            ctx.out.warn(format!(
                "{} {}: {}",
                sanitize_remote(&failed.skill_uid),
                sanitize_remote(&failed.version),
                sanitize_remote(&failed.reason)
            ));
        }
        total.changed.extend(batch.changed);
        total.failed.extend(batch.failed);
        spinner.set_message(format!(
            "rescanned {} versions, {} verdicts changed",
            total.scanned,
            total.changed.len()
        ));
        match batch.next {
            Some(next) => after = Some(next),
            None => break,
        }
    }
    spinner.finish_and_clear();
    ctx.out.json(&total);
    ctx.out.result(format!(
        "rescanned {} version{}: {} verdict{} changed, {} could not be audited",
        total.scanned,
        if total.scanned == 1 { "" } else { "s" },
        total.changed.len(),
        if total.changed.len() == 1 { "" } else { "s" },
        total.failed.len()
    ));
    if total.failed.is_empty() {
        Ok(())
    } else {
        Err(
            Failure::new(format!("{} version(s) could not be audited", total.failed.len()))
                .hint("each is named above; they stay due, so a later `skillreg admin rescan` tries them again")
                .code(Code::Check),
        )
    }
}
