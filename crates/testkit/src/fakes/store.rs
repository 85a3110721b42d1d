//! [`MemoryStore`]: the in-memory [`SkillStore`](skillreg_core::ports::SkillStore), the
//! reference the database adapters are compared with by the contract suite.
//!
//! Longer than 600 lines because it is one implementation of every method of the one store
//! port; it splits when the port does (one store port per concern).

use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard};

use async_trait::async_trait;
use skillreg_core::identity::{Namespace, SkillId, SkillName};
use skillreg_core::model::{
    AuditEntry, EventKind, EventRecord, MAX_COUNTED_HITS, NamespaceRecord, PageStart, PublisherKey,
    RatingRecord, RatingSummary, Role, SearchCursor, SearchHit, SearchPage, SearchQuery,
    SearchSort, SkillRecord, SkillUid, Timestamp, TokenId, TokenRecord, TrendingEntry, UserId,
    VersionRecord,
};
use skillreg_core::package::PackageId;
use skillreg_core::ports::{
    CatalogStore, CredentialStore, DownloadCount, EventStore, MemberChange, NamespaceStore,
    SearchStore, SkillTarget, StatsStore, StoreError, VersionWrite, WriteRight,
};
use skillreg_core::version::{Candidate, VersionReq, select};
use skillreg_core::{Digest, Version};

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
    skill_sequence: i64,
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
        let sequence = self.events.last().map_or(1, |e| e.sequence + 1);
        self.events.push(EventRecord {
            sequence,
            kind,
            skill,
            version,
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

#[async_trait]
impl CatalogStore for MemoryStore {
    async fn skill(&self, id: &SkillId) -> Result<Option<SkillRecord>, StoreError> {
        Ok(self.state().skill_by_key(id).cloned())
    }

    async fn skill_by_uid(&self, uid: &SkillUid) -> Result<Option<SkillRecord>, StoreError> {
        Ok(self.state().skills.get(uid).map(|(_, s)| s.clone()))
    }

    async fn skills_named(&self, name: &SkillName) -> Result<Vec<SkillRecord>, StoreError> {
        let mut found: Vec<SkillRecord> = self
            .state()
            .skills
            .values()
            .map(|(_, s)| s)
            .filter(|s| s.id.name().key() == name.key())
            .cloned()
            .collect();
        found.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(found)
    }

    async fn versions(&self, skill: &SkillUid) -> Result<Vec<VersionRecord>, StoreError> {
        let mut versions = self
            .state()
            .versions
            .get(skill)
            .cloned()
            .unwrap_or_default();
        versions.sort_by(|a, b| a.version().cmp(b.version()));
        Ok(versions)
    }

    async fn version(
        &self,
        skill: &SkillUid,
        version: &Version,
    ) -> Result<Option<VersionRecord>, StoreError> {
        let state = self.state();
        Ok(state
            .versions
            .get(skill)
            .and_then(|vs| vs.iter().find(|v| v.version() == version))
            .cloned())
    }

    async fn versions_of(
        &self,
        wanted: &[(SkillUid, Version)],
    ) -> Result<Vec<VersionRecord>, StoreError> {
        let state = self.state();
        Ok(wanted
            .iter()
            .filter_map(|(uid, version)| {
                state
                    .versions
                    .get(uid)?
                    .iter()
                    .find(|v| v.version() == version)
                    .cloned()
            })
            .collect())
    }

    async fn version_by_package_id(
        &self,
        package_id: &PackageId,
    ) -> Result<Option<(SkillRecord, VersionRecord)>, StoreError> {
        let state = self.state();
        let found = state
            .package_ids
            .iter()
            .filter(|(id, _, _)| id == package_id)
            .filter_map(|(_, uid, version)| {
                let (_, skill) = state.skills.get(uid)?;
                let record = state
                    .versions
                    .get(uid)?
                    .iter()
                    .find(|v| v.version() == version)?;
                Some((skill.clone(), record.clone()))
            })
            .max_by(|(_, a), (_, b)| {
                (a.published.published_at, a.version())
                    .cmp(&(b.published.published_at, b.version()))
            });
        Ok(found)
    }

    async fn versions_with_archive(
        &self,
        archive_digest: &Digest,
        limit: u32,
    ) -> Result<Vec<(SkillRecord, VersionRecord)>, StoreError> {
        let state = self.state();
        let mut found: Vec<(SkillRecord, VersionRecord)> = state
            .versions
            .iter()
            .flat_map(|(uid, versions)| versions.iter().map(move |v| (uid, v)))
            .filter(|(_, v)| &v.published.archive_digest == archive_digest)
            .filter_map(|(uid, v)| {
                let (_, skill) = state.skills.get(uid)?;
                Some((skill.clone(), v.clone()))
            })
            .collect();
        found.sort_by(|(_, a), (_, b)| {
            (a.published.published_at, a.version()).cmp(&(b.published.published_at, b.version()))
        });
        found.truncate(limit as usize);
        Ok(found)
    }

    async fn write_version(&self, write: &VersionWrite) -> Result<(), StoreError> {
        let mut state = self.state();
        state.check_right(&write.right)?;
        let skill = match &write.target {
            SkillTarget::New(record) => {
                if let Some(existing) = state.skill_by_key(&record.id) {
                    return Err(StoreError::SkillExists {
                        existing: existing.id.clone(),
                    });
                }
                record.clone()
            }
            SkillTarget::Existing {
                uid,
                expected_creator,
            } => {
                let (_, record) = state.skills.get(uid).ok_or(StoreError::SkillGone)?;
                if &record.created_by != expected_creator {
                    return Err(StoreError::CreatorChanged {
                        created_by: record.created_by.clone(),
                    });
                }
                record.clone()
            }
        };
        if let Some(stored) = state
            .versions
            .get(&skill.uid)
            .and_then(|vs| vs.iter().find(|v| v.version() == &write.version.version))
        {
            return Err(StoreError::VersionExists {
                version: stored.version().clone(),
                existing_archive_digest: stored.published.archive_digest,
            });
        }
        if let SkillTarget::New(record) = &write.target {
            state.skill_sequence += 1;
            let sequence = state.skill_sequence;
            state
                .skills
                .insert(record.uid.clone(), (sequence, record.clone()));
        }
        state
            .versions
            .entry(skill.uid.clone())
            .or_default()
            .push(VersionRecord {
                skill: skill.uid.clone(),
                published: write.version.clone(),
                yanked: false,
            });
        state.package_ids.push((
            write.package_id.clone(),
            skill.uid.clone(),
            write.version.version.clone(),
        ));
        state.push_event(
            write.event,
            skill.id.clone(),
            write.version.version.clone(),
            write.version.published_at,
        );
        state.audit.push(write.audit.clone());
        Ok(())
    }

    async fn set_yanked(
        &self,
        skill: &SkillUid,
        version: &Version,
        yanked: bool,
        audit: &AuditEntry,
        right: &WriteRight,
    ) -> Result<bool, StoreError> {
        let mut state = self.state();
        state.check_right(right)?;
        let id = state
            .skills
            .get(skill)
            .map(|(_, s)| s.id.clone())
            .ok_or_else(|| missing("skill"))?;
        let record = state
            .versions
            .get_mut(skill)
            .and_then(|vs| vs.iter_mut().find(|v| v.version() == version))
            .ok_or_else(|| missing(format!("version {version}")))?;
        if record.yanked == yanked {
            return Ok(false);
        }
        record.yanked = yanked;
        let stored_version = record.version().clone();
        if yanked {
            state.push_event(EventKind::SkillYanked, id, stored_version, audit.at);
        }
        state.audit.push(audit.clone());
        Ok(true)
    }

    async fn set_deprecation(
        &self,
        skill: &SkillUid,
        message: Option<&str>,
        audit: &AuditEntry,
        right: &WriteRight,
    ) -> Result<(), StoreError> {
        let mut state = self.state();
        state.check_right(right)?;
        let (_, record) = state
            .skills
            .get_mut(skill)
            .ok_or_else(|| missing("skill"))?;
        record.deprecation = message.map(str::to_owned);
        state.audit.push(audit.clone());
        Ok(())
    }
}

#[async_trait]
impl NamespaceStore for MemoryStore {
    async fn namespace(
        &self,
        namespace: &Namespace,
    ) -> Result<Option<NamespaceRecord>, StoreError> {
        Ok(self
            .state()
            .namespaces
            .get(namespace.key().as_str())
            .cloned())
    }

    async fn create_namespace(
        &self,
        namespace: &Namespace,
        owner: &UserId,
        at: Timestamp,
        audit: &AuditEntry,
    ) -> Result<NamespaceRecord, StoreError> {
        let mut state = self.state();
        let key = namespace.key().as_str().to_owned();
        if state.namespaces.contains_key(&key) {
            return Err(StoreError::NamespaceExists(namespace.clone()));
        }
        let record = NamespaceRecord {
            namespace: namespace.clone(),
            members: BTreeMap::from([(owner.clone(), Role::Owner)]),
            created_at: at,
        };
        state.namespaces.insert(key, record.clone());
        state.audit.push(audit.clone());
        Ok(record)
    }

    async fn set_member(&self, change: &MemberChange) -> Result<(), StoreError> {
        let mut state = self.state();
        let namespace = &change.namespace;
        let record = state
            .namespaces
            .get_mut(namespace.key().as_str())
            .ok_or_else(|| missing(format!("namespace `{namespace}`")))?;
        if let Some(by) = &change.by_owner
            && record.role_of(by) != Some(Role::Owner)
        {
            return Err(StoreError::NotAnOwner {
                user: by.clone(),
                namespace: namespace.clone(),
            });
        }
        let mut members = record.members.clone();
        match change.role {
            Some(role) => members.insert(change.user.clone(), role),
            None => members.remove(&change.user),
        };
        if !members.values().any(|role| *role == Role::Owner) {
            return Err(StoreError::LastOwner(namespace.clone()));
        }
        record.members = members;
        state.audit.push(change.audit.clone());
        Ok(())
    }
}

#[async_trait]
impl CredentialStore for MemoryStore {
    async fn insert_token(
        &self,
        token: &TokenRecord,
        audit: &AuditEntry,
    ) -> Result<(), StoreError> {
        let mut state = self.state();
        if state
            .tokens
            .iter()
            .any(|t| t.id == token.id || t.secret_digest == token.secret_digest)
        {
            return Err(StoreError::Duplicate(format!("token `{}`", token.id)));
        }
        state.tokens.push(token.clone());
        state.audit.push(audit.clone());
        Ok(())
    }

    async fn token(&self, id: &TokenId) -> Result<Option<TokenRecord>, StoreError> {
        Ok(self.state().tokens.iter().find(|t| &t.id == id).cloned())
    }

    async fn token_by_secret(
        &self,
        secret_digest: &Digest,
    ) -> Result<Option<TokenRecord>, StoreError> {
        Ok(self
            .state()
            .tokens
            .iter()
            .find(|t| &t.secret_digest == secret_digest)
            .cloned())
    }

    async fn tokens_of(&self, user: &UserId) -> Result<Vec<TokenRecord>, StoreError> {
        Ok(self
            .state()
            .tokens
            .iter()
            .filter(|t| &t.user == user)
            .cloned()
            .collect())
    }

    async fn revoke_token(
        &self,
        user: &UserId,
        id: &TokenId,
        at: Timestamp,
        audit: &AuditEntry,
    ) -> Result<bool, StoreError> {
        let mut state = self.state();
        let token = state
            .tokens
            .iter_mut()
            .find(|t| &t.id == id && &t.user == user && t.revoked_at.is_none());
        let revoked = token.map(|t| t.revoked_at = Some(at)).is_some();
        if revoked {
            state.audit.push(audit.clone());
        }
        Ok(revoked)
    }

    async fn add_publisher_key(
        &self,
        key: &PublisherKey,
        audit: &AuditEntry,
    ) -> Result<(), StoreError> {
        let mut state = self.state();
        match state.keys.get(&key.key_id) {
            Some(existing) if existing.user != key.user => Err(StoreError::Duplicate(format!(
                "publisher key `{}`",
                key.key_id
            ))),
            Some(_) => Ok(()),
            None => {
                state.keys.insert(key.key_id.clone(), key.clone());
                state.audit.push(audit.clone());
                Ok(())
            }
        }
    }

    async fn revoke_publisher_key(
        &self,
        key_id: &str,
        at: Timestamp,
        audit: &AuditEntry,
    ) -> Result<bool, StoreError> {
        let mut state = self.state();
        let revoked = match state.keys.get_mut(key_id) {
            Some(key) if key.revoked_at.is_none() => {
                key.revoked_at = Some(at);
                true
            }
            _ => false,
        };
        if revoked {
            state.audit.push(audit.clone());
        }
        Ok(revoked)
    }

    async fn publisher_key(&self, key_id: &str) -> Result<Option<PublisherKey>, StoreError> {
        Ok(self.state().keys.get(key_id).cloned())
    }
}

#[async_trait]
impl StatsStore for MemoryStore {
    async fn put_rating(&self, skill: &SkillUid, rating: &RatingRecord) -> Result<(), StoreError> {
        let mut state = self.state();
        if !state.skills.contains_key(skill) {
            return Err(missing("skill"));
        }
        state
            .ratings
            .insert((skill.clone(), rating.user.clone()), rating.clone());
        Ok(())
    }

    async fn ratings(&self, skill: &SkillUid, limit: u32) -> Result<Vec<RatingRecord>, StoreError> {
        let state = self.state();
        let mut ratings: Vec<RatingRecord> = state
            .ratings
            .iter()
            .filter(|((s, _), _)| s == skill)
            .map(|(_, r)| r.clone())
            .collect();
        ratings.sort_by(|a, b| {
            b.rated_at
                .cmp(&a.rated_at)
                .then_with(|| a.user.cmp(&b.user))
        });
        ratings.truncate(limit as usize);
        Ok(ratings)
    }

    async fn rating_summary(&self, skill: &SkillUid) -> Result<RatingSummary, StoreError> {
        Ok(self.state().summary(skill))
    }

    async fn record_download(
        &self,
        skill: &SkillUid,
        _version: &Version,
        at: Timestamp,
    ) -> Result<(), StoreError> {
        let mut state = self.state();
        if !state.skills.contains_key(skill) {
            return Err(missing("skill"));
        }
        state.downloads.push((skill.clone(), at));
        Ok(())
    }

    async fn record_downloads(&self, batch: &[DownloadCount]) -> Result<(), StoreError> {
        let mut state = self.state();
        for entry in batch {
            if state.skills.contains_key(&entry.skill) {
                for _ in 0..entry.count {
                    state.downloads.push((entry.skill.clone(), entry.at));
                }
            }
        }
        Ok(())
    }

    async fn download_count(&self, skill: &SkillUid) -> Result<u64, StoreError> {
        Ok(self
            .state()
            .downloads
            .iter()
            .filter(|(s, _)| s == skill)
            .count() as u64)
    }

    async fn trending(
        &self,
        since: Timestamp,
        limit: u32,
    ) -> Result<Vec<TrendingEntry>, StoreError> {
        let state = self.state();
        let mut counts: BTreeMap<&SkillUid, u64> = BTreeMap::new();
        for (skill, at) in &state.downloads {
            if at.day() >= since.day() {
                *counts.entry(skill).or_default() += 1;
            }
        }
        let mut entries: Vec<TrendingEntry> = counts
            .into_iter()
            .filter_map(|(uid, installs)| {
                state.skills.get(uid).map(|(_, s)| TrendingEntry {
                    id: s.id.clone(),
                    installs,
                })
            })
            .collect();
        entries.sort_by(|a, b| b.installs.cmp(&a.installs).then_with(|| a.id.cmp(&b.id)));
        entries.truncate(limit as usize);
        Ok(entries)
    }
}

#[async_trait]
impl SearchStore for MemoryStore {
    async fn search(&self, query: &SearchQuery) -> Result<SearchPage, StoreError> {
        let state = self.state();
        let (snapshot, offset) = match &query.start {
            PageStart::Offset(offset) => (state.skill_sequence, *offset),
            PageStart::Cursor(text) => {
                let cursor = SearchCursor::decode(text)
                    .ok_or_else(|| missing(format!("cursor `{text}`")))?;
                (cursor.snapshot, cursor.offset)
            }
        };
        let text = query.text.as_deref().unwrap_or_default();
        let terms: Vec<String> = words(text).collect();
        let mut scored = Vec::new();
        for (sequence, skill) in state.skills.values() {
            if *sequence > snapshot {
                continue;
            }
            let versions = state
                .versions
                .get(&skill.uid)
                .map(Vec::as_slice)
                .unwrap_or_default();
            let Some(latest) = select(
                &VersionReq::Latest,
                versions.iter().map(|v| Candidate {
                    version: v.version(),
                    yanked: v.yanked,
                }),
            )
            .and_then(|chosen| versions.iter().find(|v| v.version() == chosen)) else {
                continue;
            };
            let meta = &latest.published.meta;
            if query
                .namespace
                .as_ref()
                .is_some_and(|ns| !skill.id.namespace().is_within(ns))
            {
                continue;
            }
            if !query.tags.iter().all(|tag| meta.tags.contains(tag)) {
                continue;
            }
            let rating = state.summary(&skill.uid);
            if let Some(min) = query.min_rating {
                // average >= min  ⇔  sum/count >= min_half  (in half stars)
                if rating.count == 0
                    || rating.half_star_sum < u64::from(min.half_stars()) * rating.count
                {
                    continue;
                }
            }
            let score = if terms.is_empty() {
                0
            } else {
                match relevance(&terms, text, skill.id.name(), &meta.description, &meta.tags) {
                    Some(score) => score,
                    None => continue,
                }
            };
            let downloads = state
                .downloads
                .iter()
                .filter(|(s, _)| s == &skill.uid)
                .count() as u64;
            let recent_downloads = state
                .downloads
                .iter()
                .filter(|(s, at)| s == &skill.uid && at.day() >= query.trending_since.day())
                .count() as u64;
            let updated_at = versions
                .iter()
                .map(|v| v.published.published_at)
                .max()
                .unwrap_or(skill.created_at);
            let hit = SearchHit {
                skill: skill.clone(),
                latest: Some(latest.version().clone()),
                description: meta.description.clone(),
                tags: meta.tags.clone(),
                downloads,
                recent_downloads,
                rating,
                updated_at,
            };
            scored.push((score, hit));
        }
        scored.sort_by(|(score_a, a), (score_b, b)| {
            let by_rating = |h: &SearchHit| {
                (h.rating.half_star_sum as u128 * 1_000_000) / u128::from(h.rating.count.max(1))
            };
            let primary = match query.sort {
                SearchSort::Relevance => score_b
                    .cmp(score_a)
                    .then_with(|| b.downloads.cmp(&a.downloads)),
                SearchSort::Downloads => b.downloads.cmp(&a.downloads),
                SearchSort::Rating => by_rating(b)
                    .cmp(&by_rating(a))
                    .then_with(|| b.rating.count.cmp(&a.rating.count)),
                SearchSort::Newest => b.updated_at.cmp(&a.updated_at),
                SearchSort::Trending => b.recent_downloads.cmp(&a.recent_downloads),
            };
            primary.then_with(|| a.skill.id.key().cmp(&b.skill.id.key()))
        });
        let total = scored.len() as u64;
        let hits: Vec<SearchHit> = scored
            .into_iter()
            .skip(offset as usize)
            .take(query.limit as usize)
            .map(|(_, hit)| hit)
            .collect();
        let next_offset = offset + hits.len() as u64;
        let next_cursor = (next_offset < total).then(|| {
            SearchCursor {
                snapshot,
                offset: next_offset,
            }
            .encode()
        });
        Ok(SearchPage {
            hits,
            total: total.min(MAX_COUNTED_HITS),
            total_exact: total <= MAX_COUNTED_HITS,
            next_cursor,
        })
    }
}

#[async_trait]
impl EventStore for MemoryStore {
    async fn events_after(&self, after: i64, limit: u32) -> Result<Vec<EventRecord>, StoreError> {
        Ok(self
            .state()
            .events
            .iter()
            .filter(|e| e.sequence > after)
            .take(limit as usize)
            .cloned()
            .collect())
    }

    async fn audit_log(&self, limit: u32) -> Result<Vec<AuditEntry>, StoreError> {
        Ok(self
            .state()
            .audit
            .iter()
            .rev()
            .take(limit as usize)
            .cloned()
            .collect())
    }
}
