//! What the agent-skills discovery indexes list (`/.well-known/agent-skills/index.json` and
//! its legacy v0.1 form, read by `npx skills` and other clients): for each skill a reader
//! may see, its latest version that is not yanked, when it is fit to install without
//! asking anyone: not deprecated, and not marked `warn` or `block` by the audit (a client
//! that reads an index cannot ask its user to accept a risk; `skillreg install
//! --allow-risk` can).

use crate::audit::Verdict;
use crate::auth::Actor;
use crate::identity::{Namespace, SkillName};
use crate::model::{SearchSort, SkillRecord, VersionRecord};

use super::{Registry, RegistryError, SearchRequest};

/// Most skills one index lists.
pub const MAX_INDEXED_SKILLS: usize = 10_000;

/// Which skills an index lists.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IndexScope {
    /// Only this namespace (exactly: not the ones below it); `None` for the whole registry.
    pub namespace: Option<Namespace>,
    /// Only the skill of this name (in the namespace).
    pub name: Option<SkillName>,
}

impl Registry {
    /// The skills an index of `scope` lists, each with the version it offers, ordered by id.
    ///
    /// # Errors
    /// [`crate::auth::AccessError::SignInRequired`] on a private registry without a reader,
    /// or a store failure.
    pub async fn discovery(
        &self,
        reader: Option<&Actor>,
        scope: &IndexScope,
    ) -> Result<Vec<(SkillRecord, VersionRecord)>, RegistryError> {
        // Each page is matched with its versions as it comes, so no more than one page of
        // search hits is held at once (an index of 10,000 skills is built in a few MB).
        let mut listed: Vec<(SkillRecord, VersionRecord)> = Vec::new();
        let mut cursor = None;
        loop {
            let page = self
                .search(
                    reader,
                    SearchRequest {
                        namespace: scope.namespace.clone(),
                        sort: SearchSort::Newest,
                        cursor,
                        limit: Some(self.config.max_page_size),
                        ..SearchRequest::default()
                    },
                )
                .await?;
            let room = MAX_INDEXED_SKILLS.saturating_sub(listed.len());
            let batch: Vec<_> = page
                .hits
                .into_iter()
                .filter(|hit| {
                    let id = &hit.skill.id;
                    scope
                        .namespace
                        .as_ref()
                        .is_none_or(|ns| id.namespace().key() == ns.key())
                        && scope
                            .name
                            .as_ref()
                            .is_none_or(|n| id.name().key() == n.key())
                        && hit.skill.deprecation.is_none()
                        && hit.latest.is_some()
                        && !matches!(hit.verdict, Some(Verdict::Warn | Verdict::Block))
                })
                .take(room)
                .collect();
            let wanted: Vec<_> = batch
                .iter()
                .filter_map(|hit| Some((hit.skill.uid.clone(), hit.latest.clone()?)))
                .collect();
            let mut found = self.stores.catalog.versions_of(&wanted).await?;
            for hit in batch {
                let Some(at) = found.iter().position(|v| {
                    v.skill == hit.skill.uid && Some(v.version()) == hit.latest.as_ref()
                }) else {
                    continue;
                };
                listed.push((hit.skill, found.swap_remove(at)));
            }
            match page.next_cursor {
                Some(next) if listed.len() < MAX_INDEXED_SKILLS => cursor = Some(next),
                _ => break,
            }
        }
        listed.sort_by(|a, b| a.0.id.cmp(&b.0.id));
        Ok(listed)
    }
}
