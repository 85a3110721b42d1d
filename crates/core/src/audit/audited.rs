//! [`Audited`]: a version's audit as the registry keeps it. The findings come from the
//! rules and the policy (at publish, then at each rescan); owners mark findings they judge
//! false positives ([`FalsePositive`]), which is shown but changes no verdict; an admin may
//! set the verdict itself ([`Override`]), which wins over the findings'.

use super::{Finding, RULES_VERSION, Severity, Verdict, rules, verdict};
use crate::model::{Timestamp, UserId};

/// A version's audit as stored with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Audited {
    /// [`RULES_VERSION`] when it was audited.
    pub rules_version: u32,
    /// [`super::Policy::digest`] of the policy it was audited under.
    pub policy: String,
    /// The findings, as the policy counts them.
    pub findings: Vec<Finding>,
    /// Findings an owner marked as false positives, in the order they were marked.
    pub false_positives: Vec<FalsePositive>,
    /// The verdict an admin set, if any.
    pub overridden: Option<Override>,
    /// How many times the audit was changed since publish (the store counts): a change is
    /// made from a revision and applies only if it is still the stored one.
    pub revision: u64,
}

/// An owner's word that a finding is a false positive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FalsePositive {
    /// The finding's fingerprint.
    pub fingerprint: String,
    /// Why.
    pub note: String,
    /// Who said so.
    pub by: UserId,
    /// When.
    pub at: Timestamp,
}

/// A verdict an admin set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Override {
    /// The verdict.
    pub verdict: Verdict,
    /// Why.
    pub note: String,
    /// Who set it.
    pub by: UserId,
    /// When.
    pub at: Timestamp,
}

impl Audited {
    /// A fresh audit: these findings under the policy with this digest, by today's rules.
    pub fn new(policy: String, findings: Vec<Finding>) -> Self {
        Audited {
            rules_version: RULES_VERSION,
            policy,
            findings,
            false_positives: Vec::new(),
            overridden: None,
            revision: 0,
        }
    }

    /// The verdict that counts: an admin's, else the findings'.
    pub fn verdict(&self) -> Verdict {
        self.overridden
            .as_ref()
            .map_or_else(|| self.found(), |o| o.verdict)
    }

    /// The verdict of the findings alone.
    pub fn found(&self) -> Verdict {
        verdict(&self.findings)
    }

    /// What the audit was made by: the rules' version and the policy's digest. A version
    /// whose stamp differs from [`stamp`] of the registry's policy is due for a rescan.
    pub fn stamp(&self) -> String {
        format!("{}:{}", self.rules_version, self.policy)
    }

    /// The same audit with new findings (a rescan): the marks of findings that are still
    /// there and the override are kept.
    #[must_use]
    pub fn rescanned(&self, policy: String, findings: Vec<Finding>) -> Self {
        let false_positives = self
            .false_positives
            .iter()
            .filter(|mark| findings.iter().any(|f| f.fingerprint == mark.fingerprint))
            .cloned()
            .collect();
        Audited {
            false_positives,
            overridden: self.overridden.clone(),
            revision: self.revision,
            ..Audited::new(policy, findings)
        }
    }

    /// The owner's mark on the finding with this fingerprint, if any.
    pub fn false_positive(&self, fingerprint: &str) -> Option<&FalsePositive> {
        self.false_positives
            .iter()
            .find(|mark| mark.fingerprint == fingerprint)
    }
}

/// The stamp of an audit made now under the policy with this digest (see
/// [`Audited::stamp`]).
pub fn stamp(policy: &str) -> String {
    format!("{RULES_VERSION}:{policy}")
}

/// A stored finding made whole again from the rule table: `None` when no rule has the code
/// any more.
pub fn stored_finding(
    code: &str,
    severity: Severity,
    path: String,
    line: u32,
    fingerprint: String,
) -> Option<Finding> {
    let (code, message, remediation) = rules::describe(code)?;
    Some(Finding {
        code,
        severity,
        path,
        line,
        message,
        remediation,
        fingerprint,
    })
}
