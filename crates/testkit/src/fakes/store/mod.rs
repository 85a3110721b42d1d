//! [`MemoryStore`]: the in-memory [`SkillStore`](skillreg_core::ports::SkillStore), the
//! reference the database adapters are compared with by the contract suite.
//!
//! Here the state and its helpers; each port of the store is implemented in a file of its own
//! (`catalog`, `namespaces`, `credentials`, `stats`, `search`, `events`, `profiles`,
//! `log`).

use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard};

use async_trait::async_trait;
use skillreg_core::auth::Visibility;
use skillreg_core::identity::{Namespace, SkillId, SkillName};
use skillreg_core::model::{
    AuditEntry, EventKind, EventRecord, EventSubject, MAX_COUNTED_HITS, NamespaceRecord, PageStart,
    PublisherKey, RatingRecord, RatingSummary, Role, SearchCursor, SearchHit, SearchPage,
    SearchQuery, SearchSort, SkillRecord, SkillUid, Timestamp, TokenId, TokenRecord, TrendingEntry,
    UserId, VersionRecord,
};
use skillreg_core::package::PackageId;
use skillreg_core::ports::{
    AuditWrite, CatalogStore, CredentialStore, DownloadCount, EventStore, MemberChange,
    NamespaceStore, RestrictedNamespace, SearchStore, SkillTarget, StatsStore, StoreError,
    VersionCursor, VersionWrite, WriteRight,
};
use skillreg_core::version::{Candidate, VersionReq, select};
use skillreg_core::{Digest, Version};

/// Whether skill `id` is in one of the `hidden` namespaces (exactly: a namespace below a
/// hidden one has a visibility of its own).
fn is_hidden(hidden: &[Namespace], id: &SkillId) -> bool {
    hidden
        .iter()
        .any(|namespace| namespace.key() == id.namespace().key())
}

#[derive(Debug, Default)]
struct State {
    namespaces: BTreeMap<String, NamespaceRecord>,
    tokens: Vec<TokenRecord>,
    keys: BTreeMap<String, PublisherKey>,
    /// Skills by uid, with their insertion sequence.
    skills: BTreeMap<SkillUid, (i64, SkillRecord)>,
    versions: BTreeMap<SkillUid, Vec<VersionRecord>>,
    ratings: BTreeMap<(SkillUid, UserId), RatingRecord>,
    downloads: Vec<(SkillUid, Timestamp)>,
    /// Package ids, in the order versions were written.
    package_ids: Vec<(PackageId, SkillUid, Version)>,
    events: Vec<EventRecord>,
    audit: Vec<AuditEntry>,
    /// Profiles by key, entries unordered (each read orders them).
    profiles: BTreeMap<String, skillreg_core::profile::ProfileRecord>,
    skill_sequence: i64,
    /// The transparency log, in index order.
    log: Vec<skillreg_core::ports::StoredEntry>,
    /// Cosigned checkpoints: size, text, whole note; largest size first.
    cosigned: Vec<(u64, String, String)>,
    /// The log's verifier key, once claimed.
    log_key: Option<String>,
}

impl State {
    /// Whether the right a write relies on still holds (the store's lock makes this check
    /// and the write one step).
    fn check_right(&self, right: &WriteRight) -> Result<(), StoreError> {
        let Some((namespace, user)) = right.subject() else {
            return Ok(());
        };
        let role = self
            .namespaces
            .get(namespace.key().as_str())
            .and_then(|record| record.role_of(user));
        if right.holds(role) {
            Ok(())
        } else {
            Err(StoreError::RightEnded)
        }
    }

    fn skill_by_key(&self, id: &SkillId) -> Option<&SkillRecord> {
        self.skills
            .values()
            .map(|(_, s)| s)
            .find(|s| s.id.key() == id.key())
    }

    fn summary(&self, uid: &SkillUid) -> RatingSummary {
        let mut summary = RatingSummary::default();
        for ((skill, _), rating) in &self.ratings {
            if skill == uid {
                summary.count += 1;
                summary.half_star_sum += u64::from(rating.stars.half_stars());
            }
        }
        summary
    }

    fn push_event(&mut self, kind: EventKind, skill: SkillId, version: Version, at: Timestamp) {
        self.push_subject(kind, EventSubject::Version { skill, version }, at);
    }

    /// Appends a log entry; returns its index.
    fn push_log(&mut self, entry: &skillreg_core::log::LogEntry) -> u64 {
        let index = self.log.len() as u64;
        let mut namespaces = vec![entry.id.namespace().clone()];
        namespaces.extend(entry.from.as_ref().map(|from| from.namespace().clone()));
        self.log.push(skillreg_core::ports::StoredEntry {
            index,
            bytes: entry.to_bytes(),
            leaf: entry.leaf_hash(),
            namespaces,
        });
        index
    }

    fn push_subject(&mut self, kind: EventKind, subject: EventSubject, at: Timestamp) {
        let sequence = self.events.last().map_or(1, |e| e.sequence + 1);
        self.events.push(EventRecord {
            sequence,
            kind,
            subject,
            at,
        });
    }
}

/// An in-memory [`SkillStore`](skillreg_core::ports::SkillStore). One mutex makes every call atomic.
#[derive(Debug, Default)]
pub struct MemoryStore {
    state: Mutex<State>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        MemoryStore::default()
    }

    fn state(&self) -> MutexGuard<'_, State> {
        // A poisoned lock means a test already panicked; carry on with the data.
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

fn missing(what: impl Into<String>) -> StoreError {
    StoreError::Missing(what.into())
}

/// Lowercase words of a text, split on anything that is not a letter or digit.
fn words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
}

/// Relevance of a skill for `terms`: `None` when a term matches nothing. Exact name match
/// ranks highest, then name words, then tags, then description words (prefix matches).
fn relevance(
    terms: &[String],
    query: &str,
    name: &SkillName,
    description: &str,
    tags: &[String],
) -> Option<u32> {
    let mut score = 0;
    if name.key().as_str() == skillreg_core::identity::fold(query).replace(' ', "-") {
        score += 1000;
    }
    for term in terms {
        let in_name = words(name.as_str()).any(|w| w.starts_with(term.as_str()));
        let in_tags = tags
            .iter()
            .any(|t| words(t).any(|w| w.starts_with(term.as_str())));
        let in_description = words(description).any(|w| w.starts_with(term.as_str()));
        if !(in_name || in_tags || in_description) {
            return None;
        }
        score += u32::from(in_name) * 100 + u32::from(in_tags) * 10 + u32::from(in_description);
    }
    Some(score)
}

mod catalog;
mod credentials;
mod events;
mod log;
mod namespaces;
mod profiles;
mod search;
mod stats;
