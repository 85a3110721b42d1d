//! Rows as both SQL stores read them, and their conversion into domain records. Columns
//! hold domain values in their text forms (ids, digests, versions) and lists as JSON.

use serde::{Deserialize, Serialize};
use skillreg_core::audit::{Audited, FalsePositive, Override};
use skillreg_core::auth::NamespacePattern;
use skillreg_core::digest::hex;
use skillreg_core::model::{
    AuditEntry, EventKind, EventRecord, EventSubject, NewVersion, PublisherKey, RatingRecord,
    SkillRecord, Stars, Timestamp, TokenRecord, TokenScope, VersionMeta, VersionRecord,
};
use skillreg_core::ports::StoreError;
use skillreg_core::signature::{Signature, SignatureAlgorithm};
use skillreg_core::{Namespace, SkillId, SkillName};

/// A stored value that does not parse back: damaged data, reported without panicking.
pub(crate) fn corrupt(what: &str, detail: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("{what}: {detail}"))
}

fn parse<T: std::str::FromStr>(what: &str, text: &str) -> Result<T, StoreError>
where
    T::Err: std::fmt::Display,
{
    text.parse().map_err(|e| corrupt(what, e))
}

fn json<T: for<'de> Deserialize<'de>>(what: &str, text: &str) -> Result<T, StoreError> {
    serde_json::from_str(text).map_err(|e| corrupt(what, e))
}

/// A stored finding as its column holds it: the rule's text comes from the rule table.
#[derive(Serialize, Deserialize)]
struct StoredFinding {
    code: String,
    severity: String,
    path: String,
    line: u32,
    fingerprint: String,
}

/// An owner's false-positive mark as its column holds it.
#[derive(Serialize, Deserialize)]
struct StoredMark {
    fingerprint: String,
    note: String,
    by: String,
    at_ms: i64,
}

/// An admin's verdict as its column holds it.
#[derive(Serialize, Deserialize)]
struct StoredOverride {
    verdict: String,
    note: String,
    by: String,
    at_ms: i64,
}

#[derive(Serialize, Deserialize)]
struct StoredAudit {
    rules_version: u32,
    /// Empty for audits stored before policies were stamped.
    #[serde(default)]
    policy: String,
    findings: Vec<StoredFinding>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    false_positives: Vec<StoredMark>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    overridden: Option<StoredOverride>,
}

/// The `audit` column of a version: empty when it was not audited.
pub(crate) fn audit_json(audit: Option<&Audited>) -> String {
    audit.map_or_else(String::new, |audit| {
        to_json(&StoredAudit {
            rules_version: audit.rules_version,
            policy: audit.policy.clone(),
            findings: audit
                .findings
                .iter()
                .map(|f| StoredFinding {
                    code: f.code.to_owned(),
                    severity: f.severity.as_str().to_owned(),
                    path: f.path.clone(),
                    line: f.line,
                    fingerprint: f.fingerprint.clone(),
                })
                .collect(),
            false_positives: audit
                .false_positives
                .iter()
                .map(|m| StoredMark {
                    fingerprint: m.fingerprint.clone(),
                    note: m.note.clone(),
                    by: m.by.to_string(),
                    at_ms: m.at.unix_millis(),
                })
                .collect(),
            overridden: audit.overridden.as_ref().map(|o| StoredOverride {
                verdict: o.verdict.as_str().to_owned(),
                note: o.note.clone(),
                by: o.by.to_string(),
                at_ms: o.at.unix_millis(),
            }),
        })
    })
}

/// The columns kept beside a version's audit: its stamp (what audited it) and the verdict
/// that counts, both empty when it was not audited.
pub(crate) fn audit_columns(audit: Option<&Audited>) -> (String, String) {
    audit.map_or_else(Default::default, |audit| {
        (audit.stamp(), audit.verdict().as_str().to_owned())
    })
}

/// The audit a version's `audit` column holds, at the stored revision. A finding of a rule
/// that no longer exists is left out (the rules' version says the audit is stale).
fn audit_from_json(text: &str, revision: i64) -> Result<Option<Audited>, StoreError> {
    if text.is_empty() {
        return Ok(None);
    }
    let stored: StoredAudit = json("audit", text)?;
    let mut findings = Vec::with_capacity(stored.findings.len());
    for f in stored.findings {
        let severity = parse("finding severity", &f.severity)?;
        findings.extend(skillreg_core::audit::stored_finding(
            &f.code,
            severity,
            f.path,
            f.line,
            f.fingerprint,
        ));
    }
    let false_positives = stored
        .false_positives
        .into_iter()
        .map(|m| {
            Ok(FalsePositive {
                fingerprint: m.fingerprint,
                note: m.note,
                by: parse("false positive's author", &m.by)?,
                at: Timestamp::from_unix_millis(m.at_ms),
            })
        })
        .collect::<Result<_, StoreError>>()?;
    let overridden = stored
        .overridden
        .map(|o| {
            Ok::<_, StoreError>(Override {
                verdict: parse("overridden verdict", &o.verdict)?,
                note: o.note,
                by: parse("override's author", &o.by)?,
                at: Timestamp::from_unix_millis(o.at_ms),
            })
        })
        .transpose()?;
    Ok(Some(Audited {
        rules_version: stored.rules_version,
        policy: stored.policy,
        findings,
        false_positives,
        overridden,
        revision: u64::try_from(revision).map_err(|e| corrupt("audit revision", e))?,
    }))
}

/// Serializes a list for a JSON column.
pub(crate) fn to_json<T: Serialize>(value: &T) -> String {
    // Serializing plain strings and numbers cannot fail.
    serde_json::to_string(value).unwrap_or_else(|_| "[]".to_owned())
}

#[derive(Debug, sqlx::FromRow)]
pub struct SkillRow {
    pub(crate) uid: String,
    pub(crate) namespace: String,
    pub(crate) name: String,
    pub(crate) created_by: String,
    pub(crate) created_at: i64,
    pub(crate) deprecation: Option<String>,
}

impl SkillRow {
    pub(crate) fn into_record(self) -> Result<SkillRecord, StoreError> {
        let namespace: Namespace = parse("skill namespace", &self.namespace)?;
        let name: SkillName = parse("skill name", &self.name)?;
        Ok(SkillRecord {
            uid: parse("skill uid", &self.uid)?,
            id: SkillId::new(namespace, name),
            created_by: parse("skill creator", &self.created_by)?,
            created_at: Timestamp::from_unix_millis(self.created_at),
            deprecation: self.deprecation,
        })
    }
}

/// The columns of `skills` a [`SkillRow`] reads, for `SELECT` lists.
pub(crate) const SKILL_COLUMNS: &str = "uid, namespace, name, created_by, created_at, deprecation";

#[derive(Debug, Serialize, Deserialize)]
struct StoredSignature {
    algorithm: String,
    key_id: String,
    value: String,
}

/// Signatures as a JSON column.
pub(crate) fn signatures_json(signatures: &[Signature]) -> String {
    let stored: Vec<StoredSignature> = signatures
        .iter()
        .map(|s| StoredSignature {
            algorithm: s.algorithm.as_str().to_owned(),
            key_id: s.key_id.clone(),
            value: hex(&s.value),
        })
        .collect();
    to_json(&stored)
}

fn signatures_from_json(text: &str) -> Result<Vec<Signature>, StoreError> {
    let stored: Vec<StoredSignature> = json("signatures", text)?;
    stored
        .into_iter()
        .map(|s| {
            Ok(Signature {
                algorithm: s
                    .algorithm
                    .parse::<SignatureAlgorithm>()
                    .map_err(|e| corrupt("signature algorithm", e))?,
                key_id: s.key_id,
                value: skillreg_core::digest::unhex(&s.value)
                    .ok_or_else(|| corrupt("signature value", "not hex"))?,
            })
        })
        .collect()
}

#[derive(Debug, sqlx::FromRow)]
pub struct VersionRow {
    pub(crate) skill_uid: String,
    pub(crate) version_text: String,
    pub(crate) archive_digest: String,
    pub(crate) content_digest: String,
    pub(crate) size: i64,
    pub(crate) description: String,
    pub(crate) license: Option<String>,
    pub(crate) allowed_tools: String,
    pub(crate) tags: String,
    pub(crate) files: String,
    pub(crate) signatures: String,
    pub(crate) yanked: bool,
    pub(crate) published_by: String,
    pub(crate) published_at: i64,
    pub(crate) audit: String,
    pub(crate) audit_revision: i64,
    pub(crate) log_index: Option<i64>,
}

/// The columns of `versions` a [`VersionRow`] reads.
pub(crate) const VERSION_COLUMNS: &str = "skill_uid, version_text, archive_digest, content_digest, size, description, \
     license, allowed_tools, tags, files, signatures, yanked, published_by, published_at, audit, audit_revision, log_index";

/// [`VERSION_COLUMNS`] for a query where `versions` is `v`.
pub(crate) const VERSION_COLUMNS_QUALIFIED: &str = "v.skill_uid, v.version_text, v.archive_digest, \
     v.content_digest, v.size, v.description, v.license, v.allowed_tools, v.tags, v.files, v.signatures, v.yanked, \
     v.published_by, v.published_at, v.audit, v.audit_revision, v.log_index";

/// A skill and one of its versions, from a join.
#[derive(Debug, sqlx::FromRow)]
pub struct SkillVersionRow {
    #[sqlx(flatten)]
    pub(crate) skill: SkillRow,
    #[sqlx(flatten)]
    pub(crate) version: VersionRow,
}

/// A skill and its versions (oldest first) from the rows of a join; `None` without rows.
pub(crate) fn skill_entry(
    rows: Vec<SkillVersionRow>,
) -> Result<Option<(SkillRecord, Vec<VersionRecord>)>, StoreError> {
    let mut skill = None;
    let mut versions = Vec::with_capacity(rows.len());
    for row in rows {
        if skill.is_none() {
            skill = Some(row.skill.into_record()?);
        }
        versions.push(row.version.into_record()?);
    }
    versions.sort_by(|a, b| a.version().cmp(b.version()));
    Ok(skill.map(|skill| (skill, versions)))
}

/// Versions, oldest first.
pub(crate) fn sorted_versions(rows: Vec<VersionRow>) -> Result<Vec<VersionRecord>, StoreError> {
    let mut versions = rows
        .into_iter()
        .map(VersionRow::into_record)
        .collect::<Result<Vec<_>, _>>()?;
    versions.sort_by(|a, b| a.version().cmp(b.version()));
    Ok(versions)
}

impl VersionRow {
    pub(crate) fn into_record(self) -> Result<VersionRecord, StoreError> {
        let files: Vec<String> = json("files", &self.files)?;
        Ok(VersionRecord {
            skill: parse("version skill", &self.skill_uid)?,
            yanked: self.yanked,
            log_index: self
                .log_index
                .map(|i| u64::try_from(i).map_err(|e| corrupt("log index", e)))
                .transpose()?,
            published: NewVersion {
                version: parse("version", &self.version_text)?,
                archive_digest: parse("archive digest", &self.archive_digest)?,
                content_digest: parse("content digest", &self.content_digest)?,
                size: u64::try_from(self.size).map_err(|e| corrupt("size", e))?,
                meta: VersionMeta {
                    description: self.description,
                    license: self.license,
                    allowed_tools: json("allowed tools", &self.allowed_tools)?,
                    tags: json("tags", &self.tags)?,
                    files: files
                        .iter()
                        .map(|f| parse("file path", f))
                        .collect::<Result<_, _>>()?,
                },
                published_by: parse("publisher", &self.published_by)?,
                published_at: Timestamp::from_unix_millis(self.published_at),
                signatures: signatures_from_json(&self.signatures)?,
                audit: audit_from_json(&self.audit, self.audit_revision)?,
            },
        })
    }
}

#[derive(Debug, sqlx::FromRow)]
pub(crate) struct TokenRow {
    pub(crate) id: String,
    pub(crate) user_id: String,
    pub(crate) name: String,
    pub(crate) secret_digest: String,
    pub(crate) scopes: String,
    pub(crate) namespaces: String,
    pub(crate) created_at: i64,
    pub(crate) revoked_at: Option<i64>,
    pub(crate) expires_at: Option<i64>,
}

/// The columns of `tokens` a [`TokenRow`] reads.
pub(crate) const TOKEN_COLUMNS: &str =
    "id, user_id, name, secret_digest, scopes, namespaces, created_at, revoked_at, expires_at";

/// Space-separated text of values with a text form.
pub(crate) fn joined<T: std::fmt::Display>(values: &[T]) -> String {
    values
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(" ")
}

impl TokenRow {
    pub(crate) fn into_record(self) -> Result<TokenRecord, StoreError> {
        Ok(TokenRecord {
            id: parse("token id", &self.id)?,
            user: parse("token user", &self.user_id)?,
            name: self.name,
            secret_digest: parse("token digest", &self.secret_digest)?,
            scopes: self
                .scopes
                .split_whitespace()
                .map(|s| parse::<TokenScope>("scope", s))
                .collect::<Result<_, _>>()?,
            namespaces: self
                .namespaces
                .split_whitespace()
                .map(|s| parse::<NamespacePattern>("namespace pattern", s))
                .collect::<Result<_, _>>()?,
            created_at: Timestamp::from_unix_millis(self.created_at),
            revoked_at: self.revoked_at.map(Timestamp::from_unix_millis),
            expires_at: self.expires_at.map(Timestamp::from_unix_millis),
        })
    }
}

#[derive(Debug, sqlx::FromRow)]
pub(crate) struct KeyRow {
    pub(crate) key_id: String,
    pub(crate) user_id: String,
    pub(crate) public_key: Vec<u8>,
    pub(crate) created_at: i64,
    pub(crate) revoked_at: Option<i64>,
}

/// The columns of `publisher_keys` a [`KeyRow`] reads.
pub(crate) const KEY_COLUMNS: &str = "key_id, user_id, public_key, created_at, revoked_at";

impl KeyRow {
    pub(crate) fn into_record(self) -> Result<PublisherKey, StoreError> {
        Ok(PublisherKey {
            key_id: self.key_id,
            user: parse("key user", &self.user_id)?,
            public_key: self.public_key,
            created_at: Timestamp::from_unix_millis(self.created_at),
            revoked_at: self.revoked_at.map(Timestamp::from_unix_millis),
        })
    }
}

#[derive(Debug, sqlx::FromRow)]
pub struct RatingRow {
    pub(crate) user_id: String,
    pub(crate) half_stars: i32,
    pub(crate) review: Option<String>,
    pub(crate) rated_at: i64,
}

impl RatingRow {
    pub(crate) fn into_record(self) -> Result<RatingRecord, StoreError> {
        let half = u8::try_from(self.half_stars).map_err(|e| corrupt("stars", e))?;
        Ok(RatingRecord {
            user: parse("rating user", &self.user_id)?,
            stars: Stars::from_half_stars(half).map_err(|e| corrupt("stars", e))?,
            review: self.review,
            rated_at: Timestamp::from_unix_millis(self.rated_at),
        })
    }
}

#[derive(Debug, sqlx::FromRow)]
pub(crate) struct EventRow {
    pub(crate) seq: i64,
    pub(crate) kind: String,
    pub(crate) skill_id: String,
    pub(crate) version: String,
    pub(crate) at: i64,
}

impl EventRow {
    pub(crate) fn into_record(self) -> Result<EventRecord, StoreError> {
        let kind = EventKind::parse(&self.kind).ok_or_else(|| corrupt("event kind", &self.kind))?;
        // A profile's event keeps the profile id where a skill's keeps the skill id, and
        // the revision where a skill's keeps the version.
        let subject = match kind {
            EventKind::ProfileUpdated => EventSubject::Profile {
                profile: parse("event profile", &self.skill_id)?,
                revision: parse("event revision", &self.version)?,
            },
            _ => EventSubject::Version {
                skill: parse("event skill", &self.skill_id)?,
                version: parse("event version", &self.version)?,
            },
        };
        Ok(EventRecord {
            sequence: self.seq,
            kind,
            subject,
            at: Timestamp::from_unix_millis(self.at),
        })
    }
}

#[derive(Debug, sqlx::FromRow)]
pub(crate) struct AuditRow {
    pub(crate) actor: String,
    pub(crate) action: String,
    pub(crate) target: String,
    pub(crate) at: i64,
}

impl AuditRow {
    pub(crate) fn into_record(self) -> Result<AuditEntry, StoreError> {
        Ok(AuditEntry {
            actor: parse("audit actor", &self.actor)?,
            action: self.action,
            target: self.target,
            at: Timestamp::from_unix_millis(self.at),
        })
    }
}

/// One search hit as both stores select it.
#[derive(Debug, sqlx::FromRow)]
pub struct HitRow {
    pub(crate) uid: String,
    pub(crate) namespace: String,
    pub(crate) name: String,
    pub(crate) created_by: String,
    pub(crate) created_at: i64,
    pub(crate) deprecation: Option<String>,
    pub(crate) latest_version: Option<String>,
    pub(crate) description: String,
    pub(crate) tags: String,
    pub(crate) verdict: String,
    pub(crate) updated_at: i64,
    pub(crate) downloads: i64,
    pub(crate) recent: i64,
    pub(crate) rating_count: i64,
    pub(crate) rating_sum: i64,
}

impl HitRow {
    pub(crate) fn into_hit(self) -> Result<skillreg_core::model::SearchHit, StoreError> {
        let skill = SkillRow {
            uid: self.uid,
            namespace: self.namespace,
            name: self.name,
            created_by: self.created_by,
            created_at: self.created_at,
            deprecation: self.deprecation,
        }
        .into_record()?;
        let count = |n: i64| u64::try_from(n).map_err(|e| corrupt("counter", e));
        Ok(skillreg_core::model::SearchHit {
            skill,
            latest: self
                .latest_version
                .as_deref()
                .map(|v| parse("latest version", v))
                .transpose()?,
            description: self.description,
            tags: self.tags.split_whitespace().map(str::to_owned).collect(),
            verdict: (!self.verdict.is_empty())
                .then(|| parse("verdict", &self.verdict))
                .transpose()?,
            downloads: count(self.downloads)?,
            recent_downloads: count(self.recent)?,
            rating: skillreg_core::model::RatingSummary {
                count: count(self.rating_count)?,
                half_star_sum: count(self.rating_sum)?,
            },
            updated_at: Timestamp::from_unix_millis(self.updated_at),
        })
    }
}
