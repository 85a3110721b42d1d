//! [`Policy`]: what a registry makes of the findings: a level per rule code (`off`, `info`,
//! `warn`, `block`), and findings allowed by namespace, file, code or exact fingerprint.

use std::collections::BTreeMap;

use serde::Deserialize;
use sha2::{Digest as _, Sha256};

use super::{Finding, Severity};
use crate::digest::hex;
use crate::identity::Namespace;

/// What a rule's findings count as under a policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// Not reported.
    Off,
    /// Reported as `info`.
    Info,
    /// Reported as `warn`.
    Warn,
    /// Reported as `block`: the version is refused.
    Block,
}

/// Findings a policy lets through: each given field must match (a namespace matches itself
/// and the namespaces under it).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Allow {
    /// A namespace.
    pub namespace: Option<String>,
    /// A rule code.
    pub code: Option<String>,
    /// A file path in the skill.
    pub path: Option<String>,
    /// One finding's fingerprint.
    pub fingerprint: Option<String>,
    /// Why (for the people who read the policy).
    pub reason: Option<String>,
}

impl Allow {
    fn covers(&self, namespace: &Namespace, finding: &Finding) -> bool {
        let key = namespace.key();
        let key = key.as_str();
        self.namespace.as_deref().is_none_or(|ns| {
            let ns = ns.to_lowercase();
            key == ns || key.starts_with(&format!("{ns}/"))
        }) && self.code.as_deref().is_none_or(|c| c == finding.code)
            && self.path.as_deref().is_none_or(|p| p == finding.path)
            && self
                .fingerprint
                .as_deref()
                .is_none_or(|f| f == finding.fingerprint)
            && (self.namespace.is_some()
                || self.code.is_some()
                || self.path.is_some()
                || self.fingerprint.is_some())
    }
}

/// A registry's audit policy. The default keeps every rule at its own severity.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    /// Levels by rule code.
    #[serde(default)]
    pub levels: BTreeMap<String, Level>,
    /// Findings let through.
    #[serde(default)]
    pub allow: Vec<Allow>,
}

/// Why a policy does not read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the audit policy names `{0}`, which is no rule code (see docs/audit-rules.md)")]
pub struct UnknownCode(pub String);

impl Level {
    /// The lowercase name.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Off => "off",
            Level::Info => "info",
            Level::Warn => "warn",
            Level::Block => "block",
        }
    }
}

impl Policy {
    /// A digest of what the policy decides (levels and allowances; not the reasons),
    /// stored with each audit: a version audited under another digest is due for a rescan.
    pub fn digest(&self) -> String {
        let mut hasher = Sha256::new();
        for (code, level) in &self.levels {
            hasher.update(format!("level\0{code}\0{}\0", level.as_str()));
        }
        for allow in &self.allow {
            hasher.update("allow\0");
            for field in [
                &allow.namespace,
                &allow.code,
                &allow.path,
                &allow.fingerprint,
            ] {
                // Absent and empty differ: `\x01` marks a present field.
                if let Some(value) = field {
                    hasher.update([1]);
                    hasher.update(value.as_bytes());
                }
                hasher.update([0]);
            }
        }
        hex(&hasher.finalize()[..12])
    }

    /// Checks that every code the policy names is a rule's.
    ///
    /// # Errors
    /// [`UnknownCode`] for the first that is not.
    pub fn check(&self) -> Result<(), UnknownCode> {
        let codes = super::codes();
        let named = self
            .levels
            .keys()
            .map(String::as_str)
            .chain(self.allow.iter().filter_map(|a| a.code.as_deref()));
        for code in named {
            if !codes.contains(&code) {
                return Err(UnknownCode(code.to_owned()));
            }
        }
        Ok(())
    }

    /// The findings of a version published into `namespace`, as this policy counts them:
    /// allowed ones and rules turned off dropped, the rest at their policy's level.
    pub fn apply(&self, namespace: &Namespace, findings: Vec<Finding>) -> Vec<Finding> {
        findings
            .into_iter()
            .filter(|f| !self.allow.iter().any(|a| a.covers(namespace, f)))
            .filter_map(|mut f| {
                match self.levels.get(f.code) {
                    None => {}
                    Some(Level::Off) => return None,
                    Some(Level::Info) => f.severity = Severity::Info,
                    Some(Level::Warn) => f.severity = Severity::Warn,
                    Some(Level::Block) => f.severity = Severity::Block,
                }
                Some(f)
            })
            .collect()
    }
}
