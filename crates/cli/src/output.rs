//! What the client prints: results (text or `--json`), errors with a `hint:` line, progress
//! bars on stderr, and the exit codes of docs/PRODUCT.md (0 ok, 1 error, 2 usage, 3 check
//! failed or drift, 4 policy refusal).

use std::fmt;
use std::io::Write as _;
use std::sync::Arc;

use indicatif::{ProgressBar, ProgressStyle};
use skillreg_adapters::http::{ClientError, TransferProgress};

/// The exit codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Code {
    /// Something failed.
    Error = 1,
    /// The command line was wrong.
    Usage = 2,
    /// A check found a difference (drift, a stale lock).
    Check = 3,
    /// A policy refused (trust, conflicts, `--locked`).
    Policy = 4,
}

/// A failed command: what to print and how to exit.
#[derive(Debug)]
pub(crate) struct Failure {
    pub(crate) message: String,
    pub(crate) hint: Option<String>,
    pub(crate) code: Code,
    /// Printed as the error's details under `--json`.
    pub(crate) details: serde_json::Value,
}

impl Failure {
    pub(crate) fn new(message: impl Into<String>) -> Self {
        Failure {
            message: message.into(),
            hint: None,
            code: Code::Error,
            details: serde_json::Value::Null,
        }
    }

    pub(crate) fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    pub(crate) fn maybe_hint(mut self, hint: Option<String>) -> Self {
        self.hint = hint.or(self.hint);
        self
    }

    pub(crate) fn code(mut self, code: Code) -> Self {
        self.code = code;
        self
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl From<skillreg_client::ProjectError> for Failure {
    fn from(error: skillreg_client::ProjectError) -> Self {
        let failure = Failure::new(error.to_string());
        match error {
            skillreg_client::ProjectError::Invalid { .. } => {
                failure.hint("fix the file by hand, or delete it to start over")
            }
            skillreg_client::ProjectError::UnknownLockVersion { .. } => {
                failure.hint("update skillreg")
            }
            _ => failure,
        }
    }
}

/// Writes a file whole or not at all (a temporary file beside it, then a rename).
pub(crate) fn write_file(path: &std::path::Path, bytes: &[u8]) -> Result<(), Failure> {
    skillreg_client::write_atomically(path, bytes)
        .map_err(|e| Failure::new(format!("cannot write {}: {e}", path.display())))
}

impl From<ClientError> for Failure {
    fn from(error: ClientError) -> Self {
        let hint = error.hint();
        let mut failure = Failure::new(error.to_string()).maybe_hint(hint);
        if let Some(api) = error.api() {
            failure.details = api.details.clone();
            if matches!(
                api.kind,
                skillreg_api::ErrorType::Conflict
                    | skillreg_api::ErrorType::AccessDenied
                    | skillreg_api::ErrorType::AuditBlocked
            ) {
                failure.code = Code::Policy;
            }
        }
        failure
    }
}

/// How results are printed.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Out {
    pub(crate) json: bool,
    pub(crate) quiet: bool,
}

impl Out {
    /// A line of human output (not under `--json` or `--quiet`).
    pub(crate) fn line(&self, text: impl fmt::Display) {
        if !self.json && !self.quiet {
            write_stdout(&format!("{text}\n"));
        }
    }

    /// A line that is the result itself (printed even with `--quiet`, not under `--json`).
    pub(crate) fn result(&self, text: impl fmt::Display) {
        if !self.json {
            write_stdout(&format!("{text}\n"));
        }
    }

    /// The JSON form of a result (only under `--json`).
    pub(crate) fn json(&self, value: &impl serde::Serialize) {
        if self.json {
            let text = serde_json::to_string_pretty(value).unwrap_or_else(|_| "null".to_owned());
            write_stdout(&format!("{text}\n"));
        }
    }

    /// A warning on stderr (not with `--quiet`).
    pub(crate) fn warn(&self, text: impl fmt::Display) {
        if !self.quiet {
            write_stderr(&format!("warning: {text}\n"));
        }
    }

    /// A progress bar for transfers on stderr, hidden when quiet, in JSON mode or when
    /// stderr is not a terminal.
    pub(crate) fn progress(&self) -> Arc<dyn TransferProgress> {
        let hidden =
            self.quiet || self.json || !std::io::IsTerminal::is_terminal(&std::io::stderr());
        Arc::new(Bar {
            bar: if hidden {
                ProgressBar::hidden()
            } else {
                ProgressBar::new(0)
            },
        })
    }

    /// A bar counting `total` steps of `what` (hidden when quiet, in JSON mode or when
    /// stderr is not a terminal).
    pub(crate) fn steps(&self, total: u64, what: &str) -> ProgressBar {
        let hidden =
            self.quiet || self.json || !std::io::IsTerminal::is_terminal(&std::io::stderr());
        if hidden {
            return ProgressBar::hidden();
        }
        let bar = ProgressBar::new(total).with_message(what.to_owned());
        if let Ok(style) = ProgressStyle::with_template("{msg} {bar:30} {pos}/{len}") {
            bar.set_style(style);
        }
        bar
    }

    /// A spinner for a step of unknown length.
    pub(crate) fn spinner(&self, message: &str) -> ProgressBar {
        let hidden =
            self.quiet || self.json || !std::io::IsTerminal::is_terminal(&std::io::stderr());
        if hidden {
            return ProgressBar::hidden();
        }
        let spinner = ProgressBar::new_spinner().with_message(message.to_owned());
        spinner.enable_steady_tick(std::time::Duration::from_millis(100));
        spinner
    }
}

pub(crate) fn write_stdout(text: &str) {
    let mut stdout = std::io::stdout().lock();
    // A closed pipe (`| head`) is not an error worth a panic.
    let _ = stdout.write_all(text.as_bytes());
}

pub(crate) fn write_stderr(text: &str) {
    let _ = std::io::stderr().lock().write_all(text.as_bytes());
}

/// A download's progress bar.
#[derive(Debug)]
struct Bar {
    bar: ProgressBar,
}

impl TransferProgress for Bar {
    fn begin(&self, label: &str, total: Option<u64>) {
        self.bar.reset();
        match total {
            Some(total) => {
                self.bar.set_length(total);
                self.bar.set_style(
                    ProgressStyle::with_template("{msg} [{bar:30}] {bytes}/{total_bytes}")
                        .unwrap_or_else(|_| ProgressStyle::default_bar())
                        .progress_chars("=> "),
                );
            }
            None => self.bar.set_style(ProgressStyle::default_spinner()),
        }
        self.bar.set_message(label.to_owned());
    }

    fn advance(&self, bytes: u64) {
        self.bar.inc(bytes);
    }

    fn end(&self) {
        self.bar.finish_and_clear();
    }
}
