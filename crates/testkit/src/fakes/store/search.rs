//! [`SearchStore`] of the [`MemoryStore`].

use super::*;

#[async_trait]
impl SearchStore for MemoryStore {
    async fn search(&self, query: &SearchQuery) -> Result<SearchPage, StoreError> {
        let state = self.state();
        let (snapshot, offset) = match &query.start {
            // The newest skill the searcher may see: a cursor tells nothing of hidden ones.
            PageStart::Offset(offset) => (
                state
                    .skills
                    .values()
                    .filter(|(_, skill)| !is_hidden(&query.hidden, &skill.id))
                    .map(|(sequence, _)| *sequence)
                    .max()
                    .unwrap_or(0),
                *offset,
            ),
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
            if !query.tags.iter().all(|tag| meta.tags.contains(tag))
                || is_hidden(&query.hidden, &skill.id)
            {
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
                verdict: latest
                    .published
                    .audit
                    .as_ref()
                    .map(skillreg_core::audit::Audited::verdict),
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
