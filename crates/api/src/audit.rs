//! The audit's findings on the wire (docs/audit-rules.md).

use serde::{Deserialize, Serialize};

/// One finding of the audit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditFinding {
    /// The rule's stable code (docs/audit-rules.md).
    pub code: String,
    /// `info`, `warn` or `block`, under the registry's policy.
    pub severity: String,
    /// The file in the skill.
    pub path: String,
    /// The line, from 1; 0 for a finding about the whole file.
    pub line: u32,
    /// What was found.
    pub message: String,
    /// How to fix it.
    pub remediation: String,
    /// A stable id of the finding, for the registry's allow-list.
    pub fingerprint: String,
}

impl From<&skillreg_core::audit::Finding> for AuditFinding {
    fn from(finding: &skillreg_core::audit::Finding) -> Self {
        AuditFinding {
            code: finding.code.to_owned(),
            severity: finding.severity.as_str().to_owned(),
            path: finding.path.clone(),
            line: finding.line,
            message: finding.message.to_owned(),
            remediation: finding.remediation.to_owned(),
            fingerprint: finding.fingerprint.clone(),
        }
    }
}

/// A version's audit: the verdict of its findings and the findings, under the registry's
/// policy when it was published.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditBody {
    /// `pass`, `review` (notes only), `warn` (for a reviewer) or `block`.
    pub verdict: String,
    /// The rules' version that audited it.
    pub rules_version: u32,
    /// Every finding.
    pub findings: Vec<AuditFinding>,
}

impl From<&skillreg_core::audit::Audited> for AuditBody {
    fn from(audited: &skillreg_core::audit::Audited) -> Self {
        AuditBody {
            verdict: audited.verdict().as_str().to_owned(),
            rules_version: audited.rules_version,
            findings: audited.findings.iter().map(Into::into).collect(),
        }
    }
}

/// The `details` of an `AuditBlockedError`: the version refused and every finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditBlocked {
    /// The skill.
    pub id: String,
    /// The version.
    pub version: String,
    /// Every finding, the blocking ones among them.
    pub findings: Vec<AuditFinding>,
}
