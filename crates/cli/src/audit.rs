//! `skillreg audit`: the registry's audit of a skill folder or archive, before it is
//! published, as text, `--json`, or SARIF for code-scanning tools (`--sarif`).

use std::path::PathBuf;

use clap::Args;
use serde_json::json;
use skillreg_core::audit::{Finding, RULES_VERSION, Severity, Verdict, audit, verdict};

use crate::context::Context;
use crate::output::{Code, Failure};

#[derive(Debug, Args)]
pub(crate) struct AuditArgs {
    /// The skill folder (or `.tar.gz`).
    #[arg(default_value = ".")]
    path: PathBuf,
    /// Print SARIF 2.1.0 (for code-scanning tools) instead of text.
    #[arg(long)]
    sarif: bool,
}

/// The SARIF log of `findings`: one run, the rules that fired, one result each.
fn sarif(findings: &[Finding]) -> serde_json::Value {
    let mut rules: Vec<&Finding> = Vec::new();
    for finding in findings {
        if !rules.iter().any(|r| r.code == finding.code) {
            rules.push(finding);
        }
    }
    let level = |severity: Severity| match severity {
        Severity::Block => "error",
        Severity::Warn => "warning",
        Severity::Info => "note",
    };
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "skillreg audit",
                "version": RULES_VERSION.to_string(),
                "rules": rules.iter().map(|r| json!({
                    "id": r.code,
                    "shortDescription": { "text": r.message },
                    "help": { "text": r.remediation },
                    "defaultConfiguration": { "level": level(r.severity) },
                })).collect::<Vec<_>>(),
            }},
            "results": findings.iter().map(|f| json!({
                "ruleId": f.code,
                "level": level(f.severity),
                "message": { "text": format!("{} — {}", f.message, f.remediation) },
                "locations": [{ "physicalLocation": {
                    "artifactLocation": { "uri": f.path },
                    "region": { "startLine": f.line.max(1) },
                }}],
                "partialFingerprints": { "skillreg/v1": f.fingerprint },
            })).collect::<Vec<_>>(),
        }],
    })
}

pub(crate) fn run(ctx: &Context, args: &AuditArgs) -> Result<(), Failure> {
    let loaded = crate::author::load(&args.path)?;
    let findings = audit(&loaded.files);
    let verdict = verdict(&findings);
    if args.sarif {
        crate::output::write_stdout(&format!("{:#}\n", sarif(&findings)));
    } else {
        let listed: Vec<skillreg_api::AuditFinding> = findings.iter().map(Into::into).collect();
        ctx.out.json(&json!({
            "verdict": verdict.as_str(),
            "rules_version": RULES_VERSION,
            "findings": listed,
        }));
        for f in &findings {
            ctx.out.result(format!(
                "{:<5} {} {}:{} {}\n      fix: {}",
                f.severity.as_str(),
                f.code,
                f.path,
                f.line,
                f.message,
                f.remediation
            ));
        }
        ctx.out.result(format!(
            "{}: {} ({} finding{})",
            args.path.display(),
            verdict.as_str(),
            findings.len(),
            if findings.len() == 1 { "" } else { "s" }
        ));
    }
    let count = |severity: Severity| findings.iter().filter(|f| f.severity == severity).count();
    match verdict {
        Verdict::Block => Err(Failure::new(format!(
            "a registry would refuse {}: {} blocking finding(s)",
            args.path.display(),
            count(Severity::Block)
        ))
        .hint("fix each finding (its fix is under it); docs/audit-rules.md explains every rule")
        .code(Code::Policy)),
        Verdict::Warn => Err(Failure::new(format!(
            "{} finding(s) for a reviewer in {}",
            count(Severity::Warn),
            args.path.display()
        ))
        .hint("a registry publishes it, marked for review; fix them to pass")
        .code(Code::Check)),
        Verdict::Pass | Verdict::Review => Ok(()),
    }
}
