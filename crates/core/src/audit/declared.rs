//! Declared versus used: what SKILL.md's `allowed-tools` pre-approves against what the
//! skill runs. A skill that declares no `allowed-tools` pre-approves nothing (the agent asks
//! before each use), so there is nothing to compare; one that declares them should cover the
//! scripts it ships and the shell commands it tells the agent to run, and should not
//! pre-approve every shell command.

use std::collections::BTreeSet;

use super::{Finding, rules};
use crate::bundle::FileSet;

/// File name endings of scripts an agent runs through its shell.
const SCRIPT_ENDINGS: [&str; 10] = [
    ".sh", ".bash", ".zsh", ".py", ".js", ".mjs", ".ts", ".rb", ".pl", ".ps1",
];

/// Words that start a shell line without running a program the skill needs approved.
const SHELL_WORDS: [&str; 28] = [
    "cd", "echo", "export", "set", "unset", "source", ".", "if", "then", "else", "elif", "fi",
    "for", "while", "do", "done", "case", "esac", "function", "return", "local", "read", "true",
    "false", "exit", "[", "test", "pwd",
];

/// Fenced-code languages that hold shell commands.
const SHELL_LANGUAGES: [&str; 6] = ["bash", "sh", "shell", "zsh", "console", "shell-session"];

/// What `allowed-tools` lets the agent run through its shell.
enum Shell {
    /// No shell tool.
    None,
    /// Any command.
    Any,
    /// These commands (the first word of each `Bash(…)` pattern).
    Commands(BTreeSet<String>),
}

fn shell_of(tools: &[String]) -> Shell {
    let mut commands = BTreeSet::new();
    for tool in tools {
        if tool == "Bash" {
            return Shell::Any;
        }
        let Some(pattern) = tool.strip_prefix("Bash(").and_then(|t| t.strip_suffix(')')) else {
            continue;
        };
        let command = pattern.split([' ', ':']).next().unwrap_or_default().trim();
        if command.is_empty() || command == "*" {
            return Shell::Any;
        }
        commands.insert(command.trim_start_matches("./").to_owned());
    }
    if commands.is_empty() {
        Shell::None
    } else {
        Shell::Commands(commands)
    }
}

/// The program a shell line runs, if it runs one worth approving.
fn command_of(line: &str) -> Option<&str> {
    let line = line.trim();
    let line = line
        .strip_prefix("$ ")
        .or_else(|| line.strip_prefix("% "))
        .unwrap_or(line)
        .trim_start();
    let word = line.split_whitespace().find(|w| !w.contains('='))?;
    let word = word.trim_start_matches("./");
    let usable = !word.is_empty()
        && !word.starts_with('#')
        && !SHELL_WORDS.contains(&word)
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/'));
    usable.then_some(word)
}

/// The shell lines of SKILL.md's fenced code blocks, with their line numbers (from 1);
/// continuation lines (after a trailing `\`) left out.
fn shell_lines(skill_md: &str) -> Vec<(u32, &str)> {
    let mut lines = Vec::new();
    let mut fence: Option<(&str, bool)> = None;
    let mut continued = false;
    for (index, line) in skill_md.lines().enumerate() {
        let number = u32::try_from(index + 1).unwrap_or(u32::MAX);
        let trimmed = line.trim_start();
        let marker = ["```", "~~~"].into_iter().find(|m| trimmed.starts_with(m));
        match (fence, marker) {
            (None, Some(m)) => {
                let language = trimmed[m.len()..].trim().to_lowercase();
                fence = Some((m, SHELL_LANGUAGES.contains(&language.as_str())));
            }
            (Some((open, _)), Some(m)) if m == open && trimmed.trim_end() == m => fence = None,
            (Some((_, true)), _) => {
                if !continued {
                    lines.push((number, line));
                }
                continued = line.trim_end().ends_with('\\');
            }
            _ => {}
        }
    }
    lines
}

/// The line of SKILL.md that declares `allowed-tools` (1 when it is not found as a line).
fn declaration_line(skill_md: &str) -> (u32, &str) {
    skill_md
        .lines()
        .enumerate()
        .find(|(_, l)| l.trim_start().starts_with("allowed-tools"))
        .map_or((1, ""), |(i, l)| {
            (u32::try_from(i + 1).unwrap_or(u32::MAX), l)
        })
}

/// The findings of declared versus used.
pub(super) fn check(files: &FileSet, findings: &mut Vec<Finding>) {
    let contents = files.skill_md().contents();
    let Ok(parsed) = crate::manifest::parse_skill_md(contents, None) else {
        // A SKILL.md that does not read is refused before anything is audited.
        return;
    };
    let tools = parsed.manifest.allowed_tools();
    if tools.is_empty() {
        return;
    }
    let skill_md = String::from_utf8_lossy(contents);
    let path = "SKILL.md";
    let allowed = match shell_of(tools) {
        Shell::Any => {
            let (line, text) = declaration_line(&skill_md);
            findings.push(rules::at_line(
                "declared.unrestricted_shell",
                path,
                line,
                text,
            ));
            return;
        }
        Shell::None => {
            for file in files.files() {
                let name = file.path().to_string();
                let script = file.executable()
                    || SCRIPT_ENDINGS
                        .iter()
                        .any(|end| name.to_lowercase().ends_with(end));
                if script {
                    findings.push(rules::whole_file("declared.script_not_allowed", &name));
                }
            }
            BTreeSet::new()
        }
        Shell::Commands(commands) => commands,
    };
    let mut reported = BTreeSet::new();
    for (line, text) in shell_lines(&skill_md) {
        let Some(command) = command_of(text) else {
            continue;
        };
        if !allowed.contains(command) && reported.insert(command.to_owned()) {
            findings.push(rules::at_line(
                "declared.command_not_allowed",
                path,
                line,
                text,
            ));
        }
    }
}
