//! The audit's rules. A code never changes meaning once published: a rule that changes what
//! it finds gets a new code, and [`RULES_VERSION`] moves with any change to this file.
//! docs/audit-rules.md lists every code with an example and the fix.

use super::{Finding, Rule, Scope, Severity, fingerprint};

/// The version of these rules; stored with each verdict, so a re-audit knows what is stale.
pub const RULES_VERSION: u32 = 2;

fn never(_: &str, _: &str) -> bool {
    false
}

/// A key or token written as an example: the text says so.
fn example(found: &str, line: &str) -> bool {
    let (found, line) = (found.to_lowercase(), line.to_lowercase());
    ["example", "dummy", "placeholder", "xxxx", "your_", "your-"]
        .iter()
        .any(|marker| found.contains(marker) || line.contains(marker))
}

/// A phrase quoted to talk about it, not to say it: inside quotes or backticks on its line.
fn quoted(found: &str, line: &str) -> bool {
    let Some(at) = line.find(found) else {
        return false;
    };
    let (before, after) = (&line[..at], &line[at + found.len()..]);
    ['"', '`', '\u{201C}', '\u{2018}', '\'']
        .iter()
        .any(|q| before.matches(*q).count() % 2 == 1 && after.contains(*q))
}

/// Every pattern rule.
pub(crate) static RULES: &[Rule] = &[
    // Remote code execution.
    Rule {
        code: "rce.pipe_to_shell",
        severity: Severity::Block,
        scope: Scope::Code,
        pattern: r"(?i)\b(curl|wget|iwr|invoke-webrequest)\b[^\n|]*\|\s*(sudo\s+)?(sh|bash|zsh|dash|ksh|python3?|perl|ruby|node)\b",
        message: "downloads a script and runs it unseen (`… | sh`)",
        remediation: "ship the script in the skill (it is then reviewed and pinned), or download to a file, check its digest, and run that",
        harmless: never,
    },
    Rule {
        code: "rce.eval_remote",
        severity: Severity::Block,
        scope: Scope::Code,
        pattern: r#"(?i)(\beval\s+"?\$\(\s*(curl|wget)\b|\biex\s*\(?\s*\(?\s*(iwr|irm|invoke-webrequest|invoke-restmethod|new-object\s+net\.webclient)|invoke-expression[^\n]*(downloadstring|iwr|irm))"#,
        message: "evaluates code fetched from the network",
        remediation: "ship the code in the skill instead of fetching and evaluating it",
        harmless: never,
    },
    Rule {
        code: "rce.download_and_run",
        severity: Severity::Warn,
        scope: Scope::Code,
        pattern: r"(?i)\b(curl|wget)\b[^\n]*(-o|--output|-O)\s*\S+[^\n]*(&&|;)\s*chmod\s+(\+x|[0-7]*[157][0-7]*)\b",
        message: "downloads a file and makes it executable",
        remediation: "ship the program in the skill, or check the download's digest before running it",
        harmless: never,
    },
    // Obfuscation.
    Rule {
        code: "obfuscation.decode_and_exec",
        severity: Severity::Block,
        scope: Scope::Code,
        pattern: r"(?i)(base64\s+(-d|--decode|-D)\b[^\n]*\|\s*(sh|bash|zsh|python3?|perl|node)\b|\b(exec|eval)\s*\(\s*(base64\.b64decode|codecs\.decode|bytes\.fromhex|atob|buffer\.from|zlib\.decompress))",
        message: "decodes a hidden payload and runs it",
        remediation: "write the code in the clear; a reviewer (and the audit) must be able to read what runs",
        harmless: never,
    },
    Rule {
        code: "obfuscation.long_encoded_string",
        severity: Severity::Warn,
        scope: Scope::Code,
        pattern: r"[A-Za-z0-9+/]{240,}={0,2}",
        message: "a long encoded string in code",
        remediation: "keep data in a file of its own and say in SKILL.md what it is; do not inline payloads",
        harmless: never,
    },
    // Hard-coded secrets: the kind is reported, never the secret.
    Rule {
        code: "secret.private_key",
        severity: Severity::Block,
        scope: Scope::Text,
        pattern: r"-----BEGIN (RSA |EC |DSA |OPENSSH |PGP |ENCRYPTED )?PRIVATE KEY( BLOCK)?-----",
        message: "a private key",
        remediation: "remove the key, revoke it (it has been published), and read keys from the user's environment at run time",
        harmless: example,
    },
    Rule {
        code: "secret.cloud_key",
        severity: Severity::Block,
        scope: Scope::Text,
        pattern: r"\b(AKIA|ASIA)[0-9A-Z]{16}\b|\bAIza[0-9A-Za-z_\-]{35}\b",
        message: "a cloud access key (AWS or Google)",
        remediation: "remove the key, revoke it, and have the skill read credentials from the user's environment",
        harmless: example,
    },
    Rule {
        code: "secret.token",
        severity: Severity::Block,
        scope: Scope::Text,
        pattern: r"\b(ghp_[A-Za-z0-9]{36}|github_pat_[A-Za-z0-9_]{60,}|glpat-[A-Za-z0-9_\-]{20}|xox[abprs]-[A-Za-z0-9\-]{10,}|sk-ant-[A-Za-z0-9_\-]{20,}|sk-[A-Za-z0-9]{40,}|npm_[A-Za-z0-9]{36})\b",
        message: "an API token with a known prefix (GitHub, GitLab, Slack, Anthropic, OpenAI, npm)",
        remediation: "remove the token, revoke it, and have the skill read it from the user's environment",
        harmless: example,
    },
    // Credential and environment harvesting, exfiltration.
    Rule {
        code: "harvest.credential_files",
        severity: Severity::Warn,
        scope: Scope::Code,
        pattern: r"(?i)(~|\$home|\$\{home\})/\.(ssh/(id_|authorized_keys)|aws/credentials|netrc|docker/config\.json|kube/config|config/gcloud)|\bsecurity\s+find-(generic|internet)-password\b|\b(login data|cookies\.sqlite)\b",
        message: "reads credential files (SSH keys, cloud credentials, browser or keychain secrets)",
        remediation: "ask the user for the one credential the task needs instead of reading their stores",
        harmless: never,
    },
    Rule {
        code: "harvest.environment_dump",
        severity: Severity::Warn,
        scope: Scope::Code,
        pattern: r"(?i)(\b(printenv|env)\s*(\||>)|json\.stringify\(\s*process\.env\s*\)|dict\(\s*os\.environ\s*\))",
        message: "collects the whole environment (which holds the user's secrets)",
        remediation: "read only the variables the skill needs, by name",
        harmless: never,
    },
    Rule {
        code: "exfil.paste_or_webhook",
        severity: Severity::Warn,
        scope: Scope::Code,
        pattern: r"(?i)(discord(app)?\.com/api/webhooks|hooks\.slack\.com/services|webhook\.site|requestbin|pipedream\.net|\bngrok(-free)?\.(io|app)|pastebin\.com/api|transfer\.sh|paste\.ee)",
        message: "sends data to a paste site or a webhook endpoint",
        remediation: "send results only where the user asked, and say so in SKILL.md",
        harmless: never,
    },
    Rule {
        code: "exfil.upload_secrets",
        severity: Severity::Block,
        scope: Scope::Code,
        pattern: r"(?i)\b(curl|wget)\b[^\n]*(-d|--data(-binary)?|-F|--form|--upload-file|-T|--post-file)[=\s]+@?[^\s]*(\.ssh|\.aws|\.env\b|/etc/passwd|/etc/shadow|id_rsa|id_ed25519|\.netrc)",
        message: "uploads credential files",
        remediation: "never send the user's credential files anywhere",
        harmless: never,
    },
    // Instructions aimed at the agent.
    Rule {
        code: "injection.ignore_instructions",
        severity: Severity::Block,
        scope: Scope::Prose,
        pattern: r"(?i)\b(ignore|disregard|forget|override)\s+(all\s+|any\s+)?(the\s+|your\s+)?(previous|prior|above|earlier|preceding|system|original)\s+(instructions|prompts?|rules|directions|guidelines)",
        message: "tells the agent to ignore its instructions",
        remediation: "state what the skill does; to talk about such phrases, quote them",
        harmless: quoted,
    },
    Rule {
        code: "injection.confirmation_bypass",
        severity: Severity::Warn,
        scope: Scope::Prose,
        pattern: r"(?i)\b((do not|don't|never)\s+(ask|wait)\s+(the user\s+)?(for\s+)?(confirmation|permission|approval)|without\s+(asking\s+(for\s+)?(confirmation|permission)|(the user's\s+)?(confirmation|approval))|bypass\s+(the\s+)?(safety|permission|confirmation|sandbox))",
        message: "tells the agent to act without the user's confirmation",
        remediation: "let the agent ask before acting; say what the skill will do so the user can approve it",
        harmless: quoted,
    },
    Rule {
        code: "injection.hidden_comment",
        severity: Severity::Warn,
        scope: Scope::Prose,
        pattern: r"(?is)<!--[^>]{0,2000}?\b(ignore|instructions?|you must|you are|assistant|system prompt|do not tell|don't tell)\b[^>]{0,2000}?-->",
        message: "an HTML comment addressed to the agent (hidden from readers of the rendered page)",
        remediation: "put instructions in the visible text, where users can read them",
        harmless: never,
    },
    Rule {
        code: "injection.unicode_tags",
        severity: Severity::Block,
        scope: Scope::Text,
        pattern: r"[\u{E0000}-\u{E007F}]",
        message: "Unicode tag characters (invisible text an agent still reads)",
        remediation: "remove them; nothing in a skill needs invisible text",
        harmless: never,
    },
    Rule {
        code: "injection.invisible_characters",
        severity: Severity::Warn,
        scope: Scope::Text,
        pattern: r"[\u{200B}-\u{200D}\u{2060}\u{2062}-\u{2064}]|.\u{FEFF}",
        message: "zero-width characters (text that reads differently than it shows)",
        remediation: "remove them",
        harmless: never,
    },
    Rule {
        code: "injection.bidi_controls",
        severity: Severity::Warn,
        scope: Scope::Text,
        pattern: r"[\u{202A}-\u{202E}\u{2066}-\u{2069}]",
        message: "bidirectional control characters (text shown in another order than it is read)",
        remediation: "remove them",
        harmless: never,
    },
    // Dangerous operations.
    Rule {
        code: "danger.destructive_delete",
        severity: Severity::Block,
        scope: Scope::Code,
        pattern: r#"(?i)\brm\s+(-[a-z]*r[a-z]*f[a-z]*|-[a-z]*f[a-z]*r[a-z]*|-r\s+-f|-f\s+-r|--recursive\s+--force|--force\s+--recursive)\s+(--no-preserve-root\s+)?["']?(/|~|\$home|\$\{home\}|/\*)["']?(\s|;|&|$)"#,
        message: "deletes the whole file system or home folder",
        remediation: "delete only the paths the skill created, named exactly",
        harmless: never,
    },
    Rule {
        code: "danger.tls_disabled",
        severity: Severity::Warn,
        scope: Scope::Code,
        pattern: r#"(?i)(\bcurl\b[^\n]*\s(-k|--insecure)\b|\bverify\s*=\s*false\b|node_tls_reject_unauthorized\s*=\s*["']?0|insecureskipverify:\s*true|--no-check-certificate)"#,
        message: "turns off TLS certificate checks",
        remediation: "keep certificate checks on; trust a private CA by adding it, not by disabling checks",
        harmless: never,
    },
    Rule {
        code: "danger.shell_startup",
        severity: Severity::Warn,
        scope: Scope::Code,
        pattern: r"(?i)>>?\s*(~|\$home|\$\{home\})/\.(bashrc|zshrc|profile|bash_profile|zprofile|zshenv)\b",
        message: "edits the user's shell start-up files",
        remediation: "tell the user what to add instead of changing their shell set-up",
        harmless: never,
    },
    Rule {
        code: "danger.persistence",
        severity: Severity::Warn,
        scope: Scope::Code,
        pattern: r"(?im)(\bcrontab\s+(-(\s|$)|-[a-z]*e\b)|/etc/cron\.|\bsystemctl\s+(--user\s+)?enable\b|\blaunchctl\s+(load|bootstrap)\b|library/launchagents)",
        message: "installs something that runs again later (cron, systemd, launchd)",
        remediation: "run only while the agent runs the skill; leave scheduling to the user",
        harmless: never,
    },
    Rule {
        code: "danger.sudo",
        severity: Severity::Info,
        scope: Scope::Code,
        pattern: r"(^|[\s;&|(])sudo\s",
        message: "runs a command as root",
        remediation: "say in SKILL.md why root is needed, or do without it",
        harmless: never,
    },
];

/// A rule that is not a pattern: about a whole file, or about what SKILL.md declares.
struct FileRule {
    code: &'static str,
    severity: Severity,
    message: &'static str,
    remediation: &'static str,
}

static FILE_RULES: &[FileRule] = &[
    FileRule {
        code: "bundle.binary_file",
        severity: Severity::Info,
        message: "a file that is not text (it cannot be audited)",
        remediation: "prefer text; say in SKILL.md what the file is and where it comes from",
    },
    FileRule {
        code: "bundle.unmentioned_script",
        severity: Severity::Info,
        message: "an executable file that SKILL.md does not mention",
        remediation: "name every script in SKILL.md and say when the agent runs it",
    },
    FileRule {
        code: "declared.unrestricted_shell",
        severity: Severity::Info,
        message: "`allowed-tools` pre-approves every shell command (`Bash` without a pattern)",
        remediation: "list the commands the skill runs, e.g. `Bash(python3:*) Bash(git status)`",
    },
    FileRule {
        code: "declared.script_not_allowed",
        severity: Severity::Info,
        message: "a script the skill ships, while `allowed-tools` allows no shell command",
        remediation: "add the `Bash(…)` pattern that runs it to `allowed-tools`, or drop the script",
    },
    FileRule {
        code: "declared.command_not_allowed",
        severity: Severity::Info,
        message: "a command SKILL.md runs that `allowed-tools` does not cover",
        remediation: "add `Bash(<command>:*)` to `allowed-tools`, or say why the agent asks first",
    },
];

/// The finding of the file rule `code` about the file at `path`.
pub(super) fn whole_file(code: &'static str, path: &str) -> Finding {
    at_line(code, path, 0, "")
}

/// The finding of the file rule `code` at `line` (whose text is `text`) of `path`.
pub(super) fn at_line(code: &'static str, path: &str, line: u32, text: &str) -> Finding {
    let rule = FILE_RULES
        .iter()
        .find(|r| r.code == code)
        .unwrap_or(&FILE_RULES[0]);
    Finding {
        code: rule.code,
        severity: rule.severity,
        path: path.to_owned(),
        line,
        message: rule.message,
        remediation: rule.remediation,
        fingerprint: fingerprint(rule.code, path, text),
    }
}

/// Whether SKILL.md names the file at `path` (by its path or its file name).
pub(super) fn mentioned(skill_md: &str, path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    skill_md.contains(path) || skill_md.contains(name)
}

/// The code, message and fix of the rule with this code.
pub(super) fn describe(code: &str) -> Option<(&'static str, &'static str, &'static str)> {
    RULES
        .iter()
        .map(|r| (r.code, r.message, r.remediation))
        .chain(
            FILE_RULES
                .iter()
                .map(|r| (r.code, r.message, r.remediation)),
        )
        .find(|(c, _, _)| *c == code)
}

/// Every code, pattern rules first, for the docs test.
pub fn codes() -> Vec<&'static str> {
    RULES
        .iter()
        .map(|r| r.code)
        .chain(FILE_RULES.iter().map(|r| r.code))
        .collect()
}
