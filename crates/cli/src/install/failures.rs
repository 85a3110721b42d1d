//! What went wrong installing, in words for people, with the next step to take and the exit
//! code: the library's errors say what happened, this adds the advice.

use serde_json::json;
use skillreg_client::LogFailure;
use skillreg_client::{InstallFailure, KeyError, Notes};
use skillreg_core::install::InstallRunError;
use skillreg_core::resolve::{FetchError, ResolveError};
use skillreg_core::text::sanitize_remote;

use crate::output::{Code, Failure};

/// The next step after a failed resolution.
pub(super) fn resolve_hint(error: &ResolveError) -> Option<String> {
    match error {
        ResolveError::NotFound { reference, .. } => Some(if error.any_source_failed() {
            "a source failed, so the skill may exist there: check the registry is reachable and retry"
                .to_owned()
        } else if reference.namespace().is_none() {
            format!(
                "search with `skillreg search {}`, or install by full reference: `namespace/{}`; \
                 a private skill shows only to a token that may read it (`skillreg login --token <token>`)",
                reference.name(),
                reference.name()
            )
        } else {
            format!(
                "search with `skillreg search {}`; a private skill shows only to a token that may \
                 read it (`skillreg login --token <token>`)",
                reference.name()
            )
        }),
        ResolveError::Ambiguous { candidates, .. } => candidates
            .first()
            .map(|first| format!("name the namespace, for example `{first}`")),
        ResolveError::NoSources(_) => {
            Some("configure a registry (`REGISTRY_URL` or the config file)".to_owned())
        }
    }
}

pub(super) fn resolve_failure(error: &ResolveError) -> Failure {
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

pub(super) fn fetch_failure(error: &FetchError) -> Failure {
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
pub(super) struct Warnings(pub(super) crate::output::Out);

impl Notes for Warnings {
    fn warn(&self, text: String) {
        self.0.warn(text);
    }
}

/// What went wrong installing one skill, with the next step.
pub(super) fn failure(error: InstallFailure) -> Failure {
    match error {
        InstallFailure::Resolve(error) => resolve_failure(&error),
        InstallFailure::Fetch(error) => fetch_failure(&error),
        InstallFailure::Install(error) => install_failure(&error),
        InstallFailure::Folder(error) => Failure::new(error.to_string()),
        InstallFailure::Audit {
            ref id,
            ref version,
            verdict,
        } => {
            let hint = match verdict {
                skillreg_core::audit::Verdict::Block => {
                    format!("it will not install; `skillreg findings {id}@{version}` shows why")
                }
                _ => format!(
                    "read its findings with `skillreg findings {id}@{version}`; install it anyway with --allow-risk"
                ),
            };
            Failure::new(format!("{error}; nothing was written"))
                .hint(hint)
                .code(Code::Policy)
        }
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
        InstallFailure::Log(error) => log_failure(error),
    }
}

/// A transparency log that did not prove an install.
pub(crate) fn log_failure(error: LogFailure) -> Failure {
    match error {
        LogFailure::Source(error) => Failure::from(error),
        error @ LogFailure::Inconsistent { .. } => Failure::new(format!(
            "{}; nothing was written",
            sanitize_remote(&error.to_string())
        ))
        .hint(
            "the registry contradicts its own signed log: report it to its operators, and run \
             `skillreg log verify` to check the whole log",
        )
        .code(Code::Policy),
        error @ (LogFailure::Unwitnessed { .. } | LogFailure::NotYetWitnessed { .. }) => Failure::new(format!(
            "{}; nothing was written",
            sanitize_remote(&error.to_string())
        ))
        .hint("retry once the witnesses have cosigned a newer checkpoint (`skillreg log checkpoint` shows it)")
        .code(Code::Policy),
        error @ LogFailure::State { .. } => Failure::new(error.to_string()),
    }
}

pub(super) fn install_failure(error: &InstallRunError) -> Failure {
    let failure = Failure::new(error.to_string());
    match error {
        InstallRunError::Refused { .. } => failure
            .hint("pass --on-conflict overwrite to replace it, or --on-conflict skip to leave it")
            .code(Code::Policy),
        InstallRunError::Target(_) => failure.hint("nothing changed; fix the cause and retry"),
    }
}
