//! [`CatalogStore`] of the [`MemoryStore`].

use super::*;
use skillreg_core::log::LogEntry;

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

    async fn write_version(&self, write: &VersionWrite) -> Result<u64, StoreError> {
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
        let log_index = state.push_log(&LogEntry::published(&skill.id, &write.version));
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
                log_index: Some(log_index),
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
        Ok(log_index)
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
        state.push_log(&LogEntry::yanked(&id, &stored_version, yanked, audit.at));
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
        let changed = record.deprecation.as_deref() != message;
        record.deprecation = message.map(str::to_owned);
        let id = record.id.clone();
        if changed {
            state.push_log(&LogEntry::deprecated(&id, message, audit.at));
        }
        state.audit.push(audit.clone());
        Ok(())
    }

    async fn move_skill(
        &self,
        skill: &SkillUid,
        to: &SkillId,
        audit: &AuditEntry,
        right: &WriteRight,
    ) -> Result<(), StoreError> {
        let mut state = self.state();
        state.check_right(right)?;
        if !state.skills.contains_key(skill) {
            return Err(StoreError::SkillGone);
        }
        if state
            .skill_by_key(to)
            .is_some_and(|other| &other.uid != skill)
        {
            return Err(StoreError::SkillExists {
                existing: to.clone(),
            });
        }
        let mut from = to.clone();
        if let Some((_, record)) = state.skills.get_mut(skill) {
            from = std::mem::replace(&mut record.id, to.clone());
        }
        let mut versions = state.versions.get(skill).cloned().unwrap_or_default();
        for version in &mut versions {
            let entry = LogEntry::moved(&from, to, &version.published, audit.at);
            version.log_index = Some(state.push_log(&entry));
        }
        state.versions.insert(skill.clone(), versions.clone());
        for version in &versions {
            let package = skillreg_core::package::package_id(to, &version.published);
            for entry in &mut state.package_ids {
                if &entry.1 == skill && entry.2 == version.published.version {
                    entry.0 = package.clone();
                }
            }
        }
        let newest = versions
            .iter()
            .max_by_key(|v| (v.published.published_at, v.published.version.to_string()))
            .map(|v| v.published.version.clone())
            .ok_or_else(|| StoreError::Corrupt("a skill without versions".to_owned()))?;
        state.push_event(EventKind::SkillMoved, to.clone(), newest, audit.at);
        state.audit.push(audit.clone());
        Ok(())
    }

    async fn write_audit(&self, write: &AuditWrite) -> Result<bool, StoreError> {
        let mut state = self.state();
        state.check_right(&write.right)?;
        let id = state
            .skills
            .get(&write.skill)
            .map(|(_, s)| s.id.clone())
            .ok_or_else(|| missing("skill"))?;
        let record = state
            .versions
            .get_mut(&write.skill)
            .and_then(|vs| vs.iter_mut().find(|v| v.version() == &write.version))
            .ok_or_else(|| missing(format!("version {}", write.version)))?;
        let revision = record.published.audit.as_ref().map_or(0, |a| a.revision);
        if revision != write.audit.revision {
            return Ok(false);
        }
        record.published.audit = Some(skillreg_core::audit::Audited {
            revision: revision + 1,
            ..write.audit.clone()
        });
        let stored_version = record.version().clone();
        if write.verdict_changed {
            state.push_event(EventKind::VerdictChanged, id, stored_version, write.at);
        }
        if let Some(entry) = &write.entry {
            state.audit.push(entry.clone());
        }
        Ok(true)
    }

    async fn stale_audits(
        &self,
        stamp: &str,
        after: Option<&VersionCursor>,
        limit: u32,
    ) -> Result<Vec<VersionRecord>, StoreError> {
        let state = self.state();
        let mut due: Vec<(VersionCursor, &VersionRecord)> = state
            .versions
            .values()
            .flatten()
            .map(|v| (VersionCursor::after(v), v))
            .filter(|(at, v)| {
                after.is_none_or(|after| at > after)
                    && v.published
                        .audit
                        .as_ref()
                        .is_none_or(|a| a.stamp() != stamp)
            })
            .collect();
        due.sort_by(|(a, _), (b, _)| a.cmp(b));
        Ok(due
            .into_iter()
            .take(limit as usize)
            .map(|(_, v)| v.clone())
            .collect())
    }
}
