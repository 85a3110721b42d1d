//! The audit of a skill version: every text file checked by rules with stable codes
//! (`rules.rs`, listed in docs/audit-rules.md), each finding naming its file and line, a
//! severity, what was found and how to fix it, and a verdict from the findings. Pure and
//! deterministic: the same files give the same findings in the same order, and a secret's
//! text never appears in a finding.
//!
//! Where a rule looks decides what it means: commands count in scripts and in a Markdown
//! file's fenced code blocks, not in its prose (documentation that explains `curl … | sh`
//! runs nothing); instructions aimed at the agent count in Markdown prose; secrets and
//! hidden characters count everywhere.

mod audited;
mod declared;
mod policy;
mod rules;

use std::sync::OnceLock;

use regex::bytes::{Regex, RegexBuilder};
use sha2::{Digest as _, Sha256};

use crate::bundle::FileSet;
use crate::digest::hex;

pub use audited::{Audited, FalsePositive, Override, stamp, stored_finding};
pub use policy::{Allow, Level, Policy, UnknownCode};
pub use rules::{RULES_VERSION, codes};

/// How much a finding weighs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// Worth knowing; changes nothing.
    Info,
    /// A reviewer should look before anyone installs it.
    Warn,
    /// Refused.
    Block,
}

impl Severity {
    /// The lowercase name.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warn => "warn",
            Severity::Block => "block",
        }
    }
}

impl std::str::FromStr for Severity {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "info" => Ok(Severity::Info),
            "warn" => Ok(Severity::Warn),
            "block" => Ok(Severity::Block),
            other => Err(format!("`{other}` is not a severity")),
        }
    }
}

/// What the findings of a version add up to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Verdict {
    /// Nothing found.
    Pass,
    /// Only findings worth knowing.
    Review,
    /// A finding a reviewer should look at.
    Warn,
    /// A finding that refuses the version.
    Block,
}

impl Verdict {
    /// The lowercase name.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Review => "review",
            Verdict::Warn => "warn",
            Verdict::Block => "block",
        }
    }
}

impl std::str::FromStr for Verdict {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "pass" => Ok(Verdict::Pass),
            "review" => Ok(Verdict::Review),
            "warn" => Ok(Verdict::Warn),
            "block" => Ok(Verdict::Block),
            other => Err(format!("`{other}` is not a verdict")),
        }
    }
}

/// One thing a rule found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// The rule's stable code, e.g. `rce.pipe_to_shell`.
    pub code: &'static str,
    /// Its weight.
    pub severity: Severity,
    /// The file, as the bundle names it.
    pub path: String,
    /// The line, from 1 (0 for a finding about the whole file).
    pub line: u32,
    /// What was found, in one line.
    pub message: &'static str,
    /// How to fix it.
    pub remediation: &'static str,
    /// A stable id of this finding (rule, file and the line's text, hashed), for allow-lists
    /// that survive edits elsewhere in the file.
    pub fingerprint: String,
}

/// Where in a file a rule looks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scope {
    /// Scripts, and the fenced code blocks of Markdown files.
    Code,
    /// Markdown prose (outside code blocks).
    Prose,
    /// Every line of every text file.
    Text,
}

/// A pattern rule.
#[derive(Debug)]
pub(crate) struct Rule {
    pub(crate) code: &'static str,
    pub(crate) severity: Severity,
    pub(crate) scope: Scope,
    pub(crate) pattern: &'static str,
    pub(crate) message: &'static str,
    pub(crate) remediation: &'static str,
    /// A match this says is harmless (an example key, a phrase quoted to explain it) is no
    /// finding; it sees the match and its whole line.
    pub(crate) harmless: fn(&str, &str) -> bool,
}

/// The compiled rules of one scope, each with its pattern.
struct Compiled {
    rules: Vec<(&'static Rule, Regex)>,
}

/// A rule's pattern compiled: over bytes, and without Unicode rules unless the pattern
/// names Unicode characters (ASCII word boundaries and case folding keep every rule on the
/// fast automata; the rules' words are ASCII).
pub(crate) fn compile(pattern: &str) -> Result<Regex, regex::Error> {
    RegexBuilder::new(pattern)
        .unicode(pattern.contains("\\u{"))
        .build()
}

fn compiled(scope: Scope) -> &'static Compiled {
    static CODE: OnceLock<Compiled> = OnceLock::new();
    static PROSE: OnceLock<Compiled> = OnceLock::new();
    static TEXT: OnceLock<Compiled> = OnceLock::new();
    let cell = match scope {
        Scope::Code => &CODE,
        Scope::Prose => &PROSE,
        Scope::Text => &TEXT,
    };
    cell.get_or_init(|| Compiled {
        // The patterns are constants, each compiled by a test: a bad one is a build
        // mistake, and leaves its rule out rather than panic.
        rules: rules::RULES
            .iter()
            .filter(|r| r.scope == scope)
            .filter_map(|r| compile(r.pattern).ok().map(|regex| (r, regex)))
            .collect(),
    })
}

/// A Markdown file's text split in two views of the same lines: code (fenced blocks) and
/// prose (the rest), each with the other's lines left empty so line numbers hold.
fn markdown_views(text: &str) -> (String, String) {
    let mut code = String::with_capacity(text.len());
    let mut prose = String::with_capacity(text.len());
    let mut fence: Option<&str> = None;
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim_start();
        let marker = ["```", "~~~"].into_iter().find(|m| trimmed.starts_with(m));
        let newline = if line.ends_with('\n') { "\n" } else { "" };
        match (fence, marker) {
            (None, Some(m)) => {
                fence = Some(m);
                code.push_str(newline);
                prose.push_str(newline);
            }
            (Some(open), Some(m)) if m == open && trimmed.trim_end() == m => {
                fence = None;
                code.push_str(newline);
                prose.push_str(newline);
            }
            (Some(_), _) => {
                code.push_str(line);
                prose.push_str(newline);
            }
            (None, None) => {
                code.push_str(newline);
                prose.push_str(line);
            }
        }
    }
    (code, prose)
}

fn fingerprint(code: &str, path: &str, line: &str) -> String {
    let mut hasher = Sha256::new();
    for part in [code, path, line.trim()] {
        hasher.update(part.as_bytes());
        hasher.update([0]);
    }
    hex(&hasher.finalize()[..12])
}

/// Most findings one rule reports in one file, and most matches it looks at there: a file
/// written to repeat a pattern costs a bounded amount of work and output.
const MAX_FINDINGS_PER_RULE: usize = 50;
const MAX_MATCHES_PER_RULE: usize = 500;

/// How much of a match's line, on each side of it, the harmless check and the fingerprint
/// read: a line may be megabytes long.
const LINE_WINDOW: usize = 512;

/// The findings of the rules of `scope` in `text` (one view of the file at `path`).
fn scan(scope: Scope, path: &str, text: &str, findings: &mut Vec<Finding>) {
    let bytes = text.as_bytes();
    for (rule, regex) in &compiled(scope).rules {
        // Lines are counted as the matches come, in order: each byte is counted once.
        let (mut counted_to, mut line, mut line_start) = (0, 1usize, 0);
        let mut reported = 0;
        for found in regex.find_iter(bytes).take(MAX_MATCHES_PER_RULE) {
            // A match that begins with the line break before it (a rule that wants a
            // separator there) belongs to the line after the break.
            let at = found.start()
                + found
                    .as_bytes()
                    .iter()
                    .take_while(|b| matches!(b, b'\n' | b'\r'))
                    .count();
            for (offset, byte) in bytes[counted_to..at].iter().enumerate() {
                if *byte == b'\n' {
                    line += 1;
                    line_start = counted_to + offset + 1;
                }
            }
            counted_to = at;
            let start = line_start.max(at.saturating_sub(LINE_WINDOW));
            let limit = bytes.len().min(found.end().saturating_add(LINE_WINDOW));
            let end = bytes[found.end()..limit]
                .iter()
                .position(|b| *b == b'\n')
                .map_or(limit, |i| found.end() + i);
            // Matches start and end on character boundaries of valid text, except where an
            // ASCII pattern or the window ends inside a character: the lossy view then.
            let line_text = String::from_utf8_lossy(&bytes[start..end]);
            let matched = String::from_utf8_lossy(found.as_bytes());
            if (rule.harmless)(&matched, &line_text) {
                continue;
            }
            findings.push(Finding {
                code: rule.code,
                severity: rule.severity,
                path: path.to_owned(),
                line: u32::try_from(line).unwrap_or(u32::MAX),
                message: rule.message,
                remediation: rule.remediation,
                fingerprint: fingerprint(rule.code, path, &line_text),
            });
            reported += 1;
            if reported == MAX_FINDINGS_PER_RULE {
                break;
            }
        }
    }
}

/// Audits a version's files.
pub fn audit(files: &FileSet) -> Vec<Finding> {
    let mut findings = Vec::new();
    let skill_md = String::from_utf8_lossy(files.skill_md().contents()).into_owned();
    for file in files.files() {
        let path = file.path().to_string();
        let Ok(text) = std::str::from_utf8(file.contents()) else {
            findings.push(rules::whole_file("bundle.binary_file", &path));
            continue;
        };
        if path.to_lowercase().ends_with(".md") {
            let (code, prose) = markdown_views(text);
            scan(Scope::Code, &path, &code, &mut findings);
            scan(Scope::Prose, &path, &prose, &mut findings);
        } else {
            scan(Scope::Code, &path, text, &mut findings);
        }
        scan(Scope::Text, &path, text, &mut findings);
        if file.executable() && !rules::mentioned(&skill_md, &path) {
            findings.push(rules::whole_file("bundle.unmentioned_script", &path));
        }
    }
    declared::check(files, &mut findings);
    findings.sort_by(|a, b| (&a.path, a.line, a.code).cmp(&(&b.path, b.line, b.code)));
    findings.dedup_by(|a, b| a.path == b.path && a.line == b.line && a.code == b.code);
    findings
}

/// The verdict of a version with these findings.
pub fn verdict(findings: &[Finding]) -> Verdict {
    match findings.iter().map(|f| f.severity).max() {
        None => Verdict::Pass,
        Some(Severity::Info) => Verdict::Review,
        Some(Severity::Warn) => Verdict::Warn,
        Some(Severity::Block) => Verdict::Block,
    }
}

#[cfg(test)]
mod tests;
