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
    /// An owner's word that it is a false positive (shown; it changes no verdict).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub false_positive: Option<AuditNote>,
}

/// Someone's note on an audit: an owner's false-positive mark or an admin's override.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditNote {
    /// Why.
    pub note: String,
    /// Who.
    pub by: String,
    /// When.
    pub at_ms: i64,
}

/// An admin's verdict on a version, which wins over its findings'.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OverrideBody {
    /// The verdict set.
    pub verdict: String,
    /// Why, who and when.
    #[serde(flatten)]
    pub note: AuditNote,
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
            false_positive: None,
        }
    }
}

/// A version's audit: the verdict that counts and the findings, under the registry's
/// policy when it was audited (`GET …/versions/<v>/audit`, and in each version).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditBody {
    /// `pass`, `review` (notes only), `warn` (for a reviewer) or `block`: an admin's
    /// verdict when there is one, else the findings'.
    pub verdict: String,
    /// The rules' version that audited it.
    pub rules_version: u32,
    /// Every finding, each with its owner's false-positive mark if any.
    pub findings: Vec<AuditFinding>,
    /// The admin's verdict, if one was set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub overridden: Option<OverrideBody>,
}

fn note(
    by: &skillreg_core::model::UserId,
    note: &str,
    at: skillreg_core::model::Timestamp,
) -> AuditNote {
    AuditNote {
        note: note.to_owned(),
        by: by.to_string(),
        at_ms: at.unix_millis(),
    }
}

impl From<&skillreg_core::audit::Audited> for AuditBody {
    fn from(audited: &skillreg_core::audit::Audited) -> Self {
        AuditBody {
            verdict: audited.verdict().as_str().to_owned(),
            rules_version: audited.rules_version,
            findings: audited
                .findings
                .iter()
                .map(|finding| AuditFinding {
                    false_positive: audited
                        .false_positive(&finding.fingerprint)
                        .map(|mark| note(&mark.by, &mark.note, mark.at)),
                    ..AuditFinding::from(finding)
                })
                .collect(),
            overridden: audited.overridden.as_ref().map(|o| OverrideBody {
                verdict: o.verdict.as_str().to_owned(),
                note: note(&o.by, &o.note, o.at),
            }),
        }
    }
}

/// `GET /api/v1/skills/{namespace}/{name}/versions/{version}/audit`: a version's audit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VersionAudit {
    /// The skill.
    pub id: String,
    /// The version.
    pub version: String,
    /// Its audit; `null` when it was published before the registry audited and no rescan
    /// has audited it since.
    pub audit: Option<AuditBody>,
}

/// `POST …/versions/{version}/audit/false-positives`: an owner marks a finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FalsePositiveRequest {
    /// The finding's fingerprint.
    pub fingerprint: String,
    /// Why it is a false positive.
    pub note: String,
}

/// `PUT …/versions/{version}/audit/override`: an admin sets the verdict.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OverrideRequest {
    /// `pass`, `review`, `warn` or `block`.
    pub verdict: String,
    /// Why.
    pub note: String,
}

/// `POST /api/v1/admin/rescan`: one batch of a rescan.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RescanRequest {
    /// Where to start: the `next` of the previous batch (none: the start).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<String>,
    /// Most versions to audit in this batch (at most 500; default 100).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
}

/// A version whose verdict a rescan changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VerdictChangeBody {
    /// The skill.
    pub id: String,
    /// The version.
    pub version: String,
    /// The verdict before; `null` when it had not been audited.
    pub from: Option<String>,
    /// The verdict now.
    pub to: String,
}

/// A version a rescan could not audit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RescanFailureBody {
    /// The skill's stable uid.
    pub skill_uid: String,
    /// The version.
    pub version: String,
    /// Why.
    pub reason: String,
}

/// The answer to one rescan batch.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RescanResponse {
    /// Versions audited again.
    pub scanned: u32,
    /// Those whose verdict changed (each is also a `skill.verdict_changed` event).
    pub changed: Vec<VerdictChangeBody>,
    /// Those that could not be audited; they stay due.
    pub failed: Vec<RescanFailureBody>,
    /// Where the next batch starts (`after`); `null` when the rescan is done.
    pub next: Option<String>,
}

impl From<&skillreg_core::usecases::Rescan> for RescanResponse {
    fn from(batch: &skillreg_core::usecases::Rescan) -> Self {
        RescanResponse {
            scanned: batch.scanned,
            changed: batch
                .changed
                .iter()
                .map(|c| VerdictChangeBody {
                    id: c.id.to_string(),
                    version: c.version.to_string(),
                    from: c.from.map(|v| v.as_str().to_owned()),
                    to: c.to.as_str().to_owned(),
                })
                .collect(),
            failed: batch
                .failed
                .iter()
                .map(|f| RescanFailureBody {
                    skill_uid: f.skill.to_string(),
                    version: f.version.to_string(),
                    reason: f.reason.clone(),
                })
                .collect(),
            next: batch.next.as_ref().map(ToString::to_string),
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
