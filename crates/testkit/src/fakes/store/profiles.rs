//! [`ProfileStore`] of the [`MemoryStore`].

use skillreg_core::ports::{NewProfile, ProfileEdit, ProfileStore};
use skillreg_core::profile::{ProfileChange, ProfileEntry, ProfileId, ProfileRecord};

use super::*;

impl State {
    /// `record` as a read returns it: each entry with its skill's id now (entries of
    /// skills that no longer exist left out), ordered by id.
    fn profile_as_read(&self, record: &ProfileRecord) -> ProfileRecord {
        let mut read = record.clone();
        read.entries = record
            .entries
            .iter()
            .filter_map(|entry| {
                self.skills
                    .get(&entry.skill)
                    .map(|(_, skill)| ProfileEntry {
                        id: skill.id.clone(),
                        ..entry.clone()
                    })
            })
            .collect();
        read.entries.sort_by_key(|entry| entry.id.key());
        read
    }
}

#[async_trait]
impl ProfileStore for MemoryStore {
    async fn profile(&self, id: &ProfileId) -> Result<Option<ProfileRecord>, StoreError> {
        let state = self.state();
        Ok(state
            .profiles
            .get(&id.key())
            .map(|record| state.profile_as_read(record)))
    }

    async fn profiles(
        &self,
        namespace: Option<&Namespace>,
        limit: u32,
    ) -> Result<Vec<ProfileRecord>, StoreError> {
        let state = self.state();
        Ok(state
            .profiles
            .values()
            .filter(|record| namespace.is_none_or(|ns| ns.key() == record.id.namespace().key()))
            .take(limit as usize)
            .map(|record| state.profile_as_read(record))
            .collect())
    }

    async fn create_profile(&self, new: &NewProfile) -> Result<ProfileRecord, StoreError> {
        let mut state = self.state();
        let key = new.id.key();
        if state.profiles.contains_key(&key) {
            return Err(StoreError::ProfileExists(new.id.clone()));
        }
        let record = ProfileRecord {
            id: new.id.clone(),
            description: new.description.clone(),
            entries: Vec::new(),
            revision: 1,
            created_by: new.created_by.clone(),
            created_at: new.at,
            updated_at: new.at,
        };
        state.profiles.insert(key, record.clone());
        let subject = EventSubject::Profile {
            profile: new.id.clone(),
            revision: 1,
        };
        state.push_subject(EventKind::ProfileUpdated, subject, new.at);
        state.audit.push(new.audit.clone());
        Ok(record)
    }

    async fn change_profile(&self, edit: &ProfileEdit) -> Result<ProfileRecord, StoreError> {
        let mut state = self.state();
        let key = edit.id.key();
        let Some(mut record) = state.profiles.get(&key).cloned() else {
            return Err(StoreError::Missing(format!("profile `{}`", edit.id)));
        };
        match &edit.change {
            ProfileChange::Put { skill, request } => {
                let Some((_, found)) = state.skills.get(skill) else {
                    return Err(StoreError::SkillGone);
                };
                let entry = ProfileEntry {
                    skill: skill.clone(),
                    id: found.id.clone(),
                    request: request.clone(),
                };
                match record.entries.iter_mut().find(|e| &e.skill == skill) {
                    Some(existing) => *existing = entry,
                    None => record.entries.push(entry),
                }
            }
            ProfileChange::Remove { skill } => {
                let before = record.entries.len();
                record.entries.retain(|e| &e.skill != skill);
                if record.entries.len() == before {
                    return Err(StoreError::Missing(format!(
                        "skill {skill} in profile `{}`",
                        edit.id
                    )));
                }
            }
        }
        record.revision += 1;
        record.updated_at = edit.at;
        let subject = EventSubject::Profile {
            profile: edit.id.clone(),
            revision: record.revision,
        };
        state.profiles.insert(key, record.clone());
        state.push_subject(EventKind::ProfileUpdated, subject, edit.at);
        state.audit.push(edit.audit.clone());
        Ok(state.profile_as_read(&record))
    }
}
