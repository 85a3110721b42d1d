//! The audit after publish: an owner marks a finding as a false positive, an admin
//! overrides a verdict, an admin rescans what older rules or another policy audited. Each
//! change is made from the stored audit's revision and applies only if it is still the
//! stored one (a change that lost a race reads again), and each is recorded: marks and
//! overrides in the audit log, changes of verdict on the event stream.

use super::publish::MAX_RACE_RETRIES;
use super::{Registry, RegistryError};
use crate::audit::{Audited, FalsePositive, Override, Verdict};
use crate::auth::{Actor, require_scope};
use crate::identity::SkillId;
use crate::model::{AuditEntry, SkillRecord, SkillUid, TokenScope, VersionRecord};
use crate::ports::{AuditWrite, StoreError, VersionCursor, WriteRight};
use crate::version::{Version, VersionReq};

/// The longest note on a mark or an override, in characters.
pub const MAX_AUDIT_NOTE_LEN: usize = 1024;

/// Most versions one rescan call looks at.
pub const MAX_RESCAN_BATCH: u32 = 500;

/// A version whose verdict a rescan changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerdictChange {
    /// The skill.
    pub id: SkillId,
    /// The version.
    pub version: Version,
    /// The verdict before (`None`: it had not been audited).
    pub from: Option<Verdict>,
    /// The verdict now.
    pub to: Verdict,
}

/// A version a rescan could not audit, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RescanFailure {
    /// The skill's uid (its id, when the skill could be read, is in `reason`).
    pub skill: SkillUid,
    /// The version.
    pub version: Version,
    /// Why.
    pub reason: String,
}

/// One batch of a rescan.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Rescan {
    /// Versions audited again.
    pub scanned: u32,
    /// Those whose verdict changed.
    pub changed: Vec<VerdictChange>,
    /// Those that could not be audited (they stay due for a rescan).
    pub failed: Vec<RescanFailure>,
    /// Where the next batch starts; `None` when this was the last.
    pub next: Option<VersionCursor>,
}

impl Registry {
    /// A version's audit: the version, which carries it (`None` when it was published
    /// before the registry audited).
    ///
    /// # Errors
    /// [`RegistryError::SkillNotFound`], [`RegistryError::VersionNotFound`], or a store
    /// failure.
    pub async fn version_audit(
        &self,
        reader: Option<&Actor>,
        id: &SkillId,
        version: &Version,
    ) -> Result<(SkillRecord, VersionRecord), RegistryError> {
        self.version(reader, id, version).await
    }

    /// Marks the finding with `fingerprint` as a false positive, with a note: the mark is
    /// shown with the finding and changes no verdict. A second mark replaces the first.
    ///
    /// # Errors
    /// [`RegistryError::Access`] unless `actor` maintains the skill (with the `yank`
    /// scope), [`RegistryError::FindingNotFound`], [`RegistryError::Invalid`] for an empty
    /// or long note, or a store failure.
    pub async fn mark_false_positive(
        &self,
        actor: &Actor,
        id: &SkillId,
        version: &Version,
        fingerprint: &str,
        note: &str,
    ) -> Result<Audited, RegistryError> {
        let note = checked_note(note)?;
        let skill = self.skill_to_manage(actor, id).await?;
        let right = Self::right_for(actor, &skill, false);
        let target = format!("{}@{version}#{fingerprint}", skill.id);
        self.change_audit(
            actor,
            &skill,
            version,
            right,
            self.audit(actor, "audit.false_positive", target),
            |audit| {
                if !audit.findings.iter().any(|f| f.fingerprint == fingerprint) {
                    return Err(RegistryError::FindingNotFound {
                        id: skill.id.clone(),
                        version: version.clone(),
                        fingerprint: crate::text::sanitize_remote(fingerprint),
                    });
                }
                let mut next = audit.clone();
                next.false_positives
                    .retain(|m| m.fingerprint != fingerprint);
                next.false_positives.push(FalsePositive {
                    fingerprint: fingerprint.to_owned(),
                    note: note.clone(),
                    by: actor.user().clone(),
                    at: self.clock.now(),
                });
                Ok(next)
            },
        )
        .await
    }

    /// Sets a version's verdict (an admin's call), or gives it back to the findings with
    /// `None`. A verdict that changes is an event on the stream.
    ///
    /// # Errors
    /// [`RegistryError::Access`] unless `actor` is an admin, [`RegistryError::Invalid`] for
    /// an empty or long note, [`RegistryError::NotAudited`], or a store failure.
    pub async fn override_verdict(
        &self,
        actor: &Actor,
        id: &SkillId,
        version: &Version,
        verdict: Option<(Verdict, &str)>,
    ) -> Result<Audited, RegistryError> {
        require_scope(actor, TokenScope::Admin)?;
        let overridden = match verdict {
            Some((verdict, note)) => Some(Override {
                verdict,
                note: checked_note(note)?,
                by: actor.user().clone(),
                at: self.clock.now(),
            }),
            None => None,
        };
        let skill = self.skill(Some(actor), id).await?;
        let action = if overridden.is_some() {
            "audit.override"
        } else {
            "audit.override.clear"
        };
        let target = format!("{}@{version}", skill.id);
        self.change_audit(
            actor,
            &skill,
            version,
            WriteRight::Admin,
            self.audit(actor, action, target),
            |audit| {
                Ok(Audited {
                    overridden: overridden.clone(),
                    ..audit.clone()
                })
            },
        )
        .await
    }

    /// Audits again, under today's rules and the registry's policy, at most `limit`
    /// versions (up to [`MAX_RESCAN_BATCH`]) whose audit was made otherwise, after `after`.
    /// Resumable: a version done is no longer due, and the batch says where the next
    /// starts. A verdict that changes is an event on the stream.
    ///
    /// # Errors
    /// [`RegistryError::Access`] unless `actor` is an admin, or a store failure. A version
    /// whose archive is gone or damaged is reported in [`Rescan::failed`], not as an error.
    pub async fn rescan(
        &self,
        actor: &Actor,
        after: Option<&VersionCursor>,
        limit: u32,
    ) -> Result<Rescan, RegistryError> {
        require_scope(actor, TokenScope::Admin)?;
        let limit = limit.clamp(1, MAX_RESCAN_BATCH);
        let policy = self.config.audit.digest();
        let due = self
            .stores
            .catalog
            .stale_audits(&crate::audit::stamp(&policy), after, limit)
            .await?;
        let mut batch = Rescan {
            next: (due.len() == limit as usize)
                .then(|| due.last().map(VersionCursor::after))
                .flatten(),
            ..Rescan::default()
        };
        let mut skill: Option<SkillRecord> = None;
        for record in due {
            if skill.as_ref().is_none_or(|s| s.uid != record.skill) {
                skill = self.stores.catalog.skill_by_uid(&record.skill).await?;
            }
            let fail = |reason: String| RescanFailure {
                skill: record.skill.clone(),
                version: record.version().clone(),
                reason,
            };
            let Some(skill) = &skill else {
                batch.failed.push(fail("its skill is gone".to_owned()));
                continue;
            };
            match self.rescan_one(skill, &record, &policy).await {
                Ok(Some(change)) => batch.changed.push(change),
                Ok(None) => {}
                Err(error) => batch.failed.push(fail(format!("{}: {error}", skill.id))),
            }
            batch.scanned += 1;
        }
        Ok(batch)
    }

    /// Audits one version again; the change of verdict, if any.
    async fn rescan_one(
        &self,
        skill: &SkillRecord,
        record: &VersionRecord,
        policy: &str,
    ) -> Result<Option<VerdictChange>, RegistryError> {
        let archive = self.archive(&record.published.archive_digest).await?;
        let files = crate::bundle::read_archive(&archive, &self.config.limits)?;
        let findings = self
            .config
            .audit
            .apply(skill.id.namespace(), crate::audit::audit(&files));
        let from = record.published.audit.as_ref().map(Audited::verdict);
        let fresh = |stored: Option<&Audited>| {
            stored.map_or_else(
                || Audited::new(policy.to_owned(), findings.clone()),
                |audit| audit.rescanned(policy.to_owned(), findings.clone()),
            )
        };
        let mut current = record.published.audit.clone();
        for _ in 0..MAX_RACE_RETRIES {
            let next = fresh(current.as_ref());
            let to = next.verdict();
            let write = AuditWrite {
                skill: skill.uid.clone(),
                version: record.version().clone(),
                verdict_changed: current.as_ref().map(Audited::verdict) != Some(to),
                audit: next,
                entry: None,
                at: self.clock.now(),
                right: WriteRight::Admin,
            };
            if self.stores.catalog.write_audit(&write).await? {
                return Ok((from != Some(to)).then(|| VerdictChange {
                    id: skill.id.clone(),
                    version: record.version().clone(),
                    from,
                    to,
                }));
            }
            current = self
                .stores
                .catalog
                .version(&skill.uid, record.version())
                .await?
                .and_then(|v| v.published.audit);
        }
        Err(RegistryError::Invalid(
            "the audit kept changing while it was rescanned; run the rescan again".to_owned(),
        ))
    }

    /// Applies `change` to a version's stored audit, again from the stored one until it
    /// applies, recording `entry` in the audit log and a change of verdict as an event.
    async fn change_audit(
        &self,
        actor: &Actor,
        skill: &SkillRecord,
        version: &Version,
        right: WriteRight,
        entry: AuditEntry,
        change: impl Fn(&Audited) -> Result<Audited, RegistryError>,
    ) -> Result<Audited, RegistryError> {
        for _ in 0..MAX_RACE_RETRIES {
            let record = self
                .stores
                .catalog
                .version(&skill.uid, version)
                .await?
                .ok_or_else(|| RegistryError::VersionNotFound {
                    id: skill.id.clone(),
                    request: VersionReq::Exact(version.clone()),
                })?;
            let Some(audit) = record.published.audit else {
                return Err(RegistryError::NotAudited {
                    id: skill.id.clone(),
                    version: version.clone(),
                });
            };
            let next = change(&audit)?;
            let write = AuditWrite {
                skill: skill.uid.clone(),
                version: record.published.version.clone(),
                verdict_changed: next.verdict() != audit.verdict(),
                audit: next.clone(),
                entry: Some(entry.clone()),
                at: self.clock.now(),
                right: right.clone(),
            };
            let applied =
                self.stores
                    .catalog
                    .write_audit(&write)
                    .await
                    .map_err(|error| match error {
                        StoreError::Missing(_) => RegistryError::VersionNotFound {
                            id: skill.id.clone(),
                            request: VersionReq::Exact(version.clone()),
                        },
                        other => Self::changed(actor, skill, other),
                    })?;
            if applied {
                return Ok(Audited {
                    revision: next.revision + 1,
                    ..next
                });
            }
        }
        Err(RegistryError::Invalid(
            "the audit kept changing while this change was made; try again".to_owned(),
        ))
    }
}

/// A note, trimmed; refused when empty or longer than [`MAX_AUDIT_NOTE_LEN`].
fn checked_note(note: &str) -> Result<String, RegistryError> {
    let note = note.trim();
    if note.is_empty() {
        return Err(RegistryError::Invalid(
            "a note is needed: say why, for whoever installs the skill next".to_owned(),
        ));
    }
    if note.chars().count() > MAX_AUDIT_NOTE_LEN {
        return Err(RegistryError::Invalid(format!(
            "a note is at most {MAX_AUDIT_NOTE_LEN} characters"
        )));
    }
    Ok(note.to_owned())
}
