//! [`StatsStore`] of the [`MemoryStore`].

use super::*;

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
        hidden: &[Namespace],
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
                state
                    .skills
                    .get(uid)
                    .filter(|(_, s)| !is_hidden(hidden, &s.id))
                    .map(|(_, s)| TrendingEntry {
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
