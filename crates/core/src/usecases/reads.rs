//! The reads every surface serves: a skill's overview, its versions, one version, its
//! reviews, a download (counted), a package by id, the browse list of latest versions, the
//! event outbox and readiness. Handlers call these; none reaches the store itself.

use std::collections::BTreeMap;

use crate::auth::Actor;
use crate::digest::Digest;
use crate::identity::{LookupKey, Namespace, SkillId};
use crate::model::{
    EventRecord, RatingRecord, RatingSummary, SearchSort, SkillRecord, VersionRecord,
};
use crate::package::PackageId;
use crate::version::{Version, VersionReq};

use super::{Registry, RegistryError, SearchRequest};

/// A skill as its page shows it: the skill, its latest version, installs and ratings.
#[derive(Debug, Clone, PartialEq)]
pub struct SkillOverview {
    /// The skill.
    pub skill: SkillRecord,
    /// The newest version that is not yanked.
    pub latest: VersionRecord,
    /// Installs, all time.
    pub downloads: u64,
    /// Its ratings.
    pub rating: RatingSummary,
}

/// A skill's rating and its newest reviews.
#[derive(Debug, Clone, PartialEq)]
pub struct Reviews {
    /// The skill.
    pub skill: SkillRecord,
    /// The aggregate.
    pub summary: RatingSummary,
    /// The newest ratings, newest first.
    pub recent: Vec<RatingRecord>,
}

/// The archive of one version, its download counted.
#[derive(Debug, Clone, PartialEq)]
pub struct Download {
    /// The skill.
    pub skill: SkillRecord,
    /// The version.
    pub version: VersionRecord,
    /// Where the archive is.
    pub archive: Archive,
    /// Whether anyone may read it without a token, so shared caches may keep it.
    pub public: bool,
}

/// Where a download's archive is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Archive {
    /// Its bytes (checked against its digest by the blob store).
    Bytes(Vec<u8>),
    /// A URL the blob store handed out to fetch it from directly; the client checks the
    /// digest.
    At(String),
}

/// A page of the browse list.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BrowseRequest {
    /// Only this namespace (and the ones below it).
    pub namespace: Option<Namespace>,
    /// Page size.
    pub limit: Option<u32>,
    /// Skills to skip.
    pub offset: Option<u64>,
}

/// The latest version of each skill of a page, newest first.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BrowsePage {
    /// Each skill with its latest version.
    pub latest: Vec<(SkillRecord, VersionRecord)>,
    /// Skills in all.
    pub total: u64,
}

/// A read of the event outbox: the events the reader may see, and how far it read.
#[derive(Debug, Clone, PartialEq)]
pub struct Events {
    /// The events, in order.
    pub visible: Vec<EventRecord>,
    /// The sequence number of the last event read, seen or not (`after` when none was): the
    /// next read continues after it.
    pub read_to: i64,
    /// Whether the read was cut at its limit, so more events may follow `read_to` (a read
    /// that came back short reached the end of the outbox).
    pub more: bool,
}

/// How many reviews a skill's ratings show.
pub const RECENT_REVIEWS: u32 = 50;

impl Registry {
    /// A skill, its latest version, installs and ratings.
    ///
    /// # Errors
    /// [`RegistryError::SkillNotFound`] (also when `reader` may not see it),
    /// [`RegistryError::VersionNotFound`] when every version is yanked, or a store failure.
    pub async fn overview(
        &self,
        reader: Option<&Actor>,
        id: &SkillId,
    ) -> Result<SkillOverview, RegistryError> {
        let (skill, latest) = self
            .resolve_version(reader, id, &VersionReq::Latest)
            .await?;
        let rating = self.stores.stats.rating_summary(&skill.uid).await?;
        let downloads = self.stores.stats.download_count(&skill.uid).await?;
        Ok(SkillOverview {
            skill,
            latest,
            downloads,
            rating,
        })
    }

    /// Every version of a skill, newest first, yanked ones included.
    ///
    /// # Errors
    /// [`RegistryError::SkillNotFound`] (also when `reader` may not see it), or a store
    /// failure.
    pub async fn versions(
        &self,
        reader: Option<&Actor>,
        id: &SkillId,
    ) -> Result<(SkillRecord, Vec<VersionRecord>), RegistryError> {
        let (skill, mut versions) = self.visible_versions(reader, id).await?;
        versions.reverse();
        Ok((skill, versions))
    }

    /// One version by its exact number, yanked or not.
    ///
    /// # Errors
    /// [`RegistryError::SkillNotFound`], [`RegistryError::VersionNotFound`], or a store
    /// failure.
    pub async fn version(
        &self,
        reader: Option<&Actor>,
        id: &SkillId,
        version: &Version,
    ) -> Result<(SkillRecord, VersionRecord), RegistryError> {
        let skill = self.skill(reader, id).await?;
        let record = self
            .stores
            .catalog
            .version(&skill.uid, version)
            .await?
            .ok_or_else(|| RegistryError::VersionNotFound {
                id: skill.id.clone(),
                request: VersionReq::Exact(version.clone()),
            })?;
        Ok((skill, record))
    }

    /// A skill's rating and its [`RECENT_REVIEWS`] newest reviews.
    ///
    /// # Errors
    /// [`RegistryError::SkillNotFound`], or a store failure.
    pub async fn reviews(
        &self,
        reader: Option<&Actor>,
        id: &SkillId,
    ) -> Result<Reviews, RegistryError> {
        let skill = self.skill(reader, id).await?;
        let recent = self
            .stores
            .stats
            .ratings(&skill.uid, RECENT_REVIEWS)
            .await?;
        let summary = self.stores.stats.rating_summary(&skill.uid).await?;
        Ok(Reviews {
            skill,
            summary,
            recent,
        })
    }

    /// The archive of the version `request` means, counted as a download.
    ///
    /// # Errors
    /// [`RegistryError::SkillNotFound`], [`RegistryError::VersionNotFound`],
    /// [`RegistryError::ArchiveMissing`] when the blob store lost it, or a store failure.
    pub async fn download(
        &self,
        reader: Option<&Actor>,
        id: &SkillId,
        request: &VersionReq,
    ) -> Result<Download, RegistryError> {
        let (skill, version) = self.resolve_version(reader, id, request).await?;
        let digest = version.published.archive_digest;
        let archive = match self.blobs.download_url(&digest).await? {
            Some(url) => Archive::At(url),
            None => Archive::Bytes(self.archive(&digest).await?),
        };
        self.record_download(&skill, version.version()).await?;
        let public = self.may_read_in(None, skill.id.namespace()).await?;
        Ok(Download {
            skill,
            version,
            archive,
            public,
        })
    }

    /// The stored archive with this digest.
    pub(super) async fn archive(&self, digest: &Digest) -> Result<Vec<u8>, RegistryError> {
        self.blobs
            .get(digest)
            .await?
            .ok_or(RegistryError::ArchiveMissing(*digest))
    }

    /// The version a package id names (Package Registry Standard).
    ///
    /// # Errors
    /// [`RegistryError::PackageNotFound`] (also when `reader` may not see it), or a store
    /// failure.
    pub async fn package(
        &self,
        reader: Option<&Actor>,
        id: &PackageId,
    ) -> Result<(SkillRecord, VersionRecord), RegistryError> {
        self.admit(reader)?;
        match self.stores.catalog.version_by_package_id(id).await? {
            Some(found) if self.may_read_in(reader, found.0.id.namespace()).await? => Ok(found),
            _ => Err(RegistryError::PackageNotFound(id.clone())),
        }
    }

    /// The latest version of each skill, newest first, a page at a time: one search and one
    /// read of the page's versions.
    ///
    /// # Errors
    /// [`RegistryError::Invalid`] for a bad page, or a store failure.
    pub async fn browse(
        &self,
        reader: Option<&Actor>,
        request: BrowseRequest,
    ) -> Result<BrowsePage, RegistryError> {
        let page = self
            .search(
                reader,
                SearchRequest {
                    namespace: request.namespace,
                    sort: SearchSort::Newest,
                    offset: request.offset,
                    limit: request.limit,
                    ..SearchRequest::default()
                },
            )
            .await?;
        let wanted: Vec<_> = page
            .hits
            .iter()
            .filter_map(|hit| Some((hit.skill.uid.clone(), hit.latest.clone()?)))
            .collect();
        let mut found = self.stores.catalog.versions_of(&wanted).await?;
        let mut latest = Vec::with_capacity(wanted.len());
        for hit in page.hits {
            let Some(at) = found.iter().position(|version| {
                version.skill == hit.skill.uid && Some(version.version()) == hit.latest.as_ref()
            }) else {
                continue;
            };
            latest.push((hit.skill, found.swap_remove(at)));
        }
        Ok(BrowsePage {
            latest,
            total: page.total,
        })
    }

    /// The events after sequence number `after` that `reader` may see, in order, from a
    /// read of at most `limit` events.
    ///
    /// # Errors
    /// [`crate::auth::AccessError::SignInRequired`], or a store failure.
    pub async fn events_after(
        &self,
        reader: Option<&Actor>,
        after: i64,
        limit: u32,
    ) -> Result<Events, RegistryError> {
        self.admit(reader)?;
        let read = self.stores.events.events_after(after, limit).await?;
        let read_to = read.last().map_or(after, |event| event.sequence);
        let more = read.len() >= limit as usize;
        let visible = self.visible_events(reader, read).await?;
        Ok(Events {
            visible,
            read_to,
            more,
        })
    }

    /// Every event after sequence number `after`, at most `limit`, whoever may see them:
    /// for the one reader of the outbox a server replica keeps, which hands each batch to
    /// its subscribers through [`Registry::visible_events`].
    ///
    /// # Errors
    /// A store failure.
    pub async fn outbox_after(
        &self,
        after: i64,
        limit: u32,
    ) -> Result<Vec<EventRecord>, RegistryError> {
        Ok(self.stores.events.events_after(after, limit).await?)
    }

    /// The sequence number of the newest event (0 when there is none): where a new reader
    /// of the outbox starts.
    ///
    /// # Errors
    /// A store failure.
    pub async fn last_event(&self) -> Result<i64, RegistryError> {
        Ok(self.stores.events.last_event().await?)
    }

    /// The events of `events` that `reader` may see, in their order.
    ///
    /// # Errors
    /// [`crate::auth::AccessError::SignInRequired`], or a store failure.
    pub async fn visible_events(
        &self,
        reader: Option<&Actor>,
        events: impl IntoIterator<Item = EventRecord>,
    ) -> Result<Vec<EventRecord>, RegistryError> {
        self.admit(reader)?;
        let mut decided: BTreeMap<LookupKey, bool> = BTreeMap::new();
        let mut visible = Vec::new();
        for event in events {
            let namespace = event.subject.namespace();
            let may = match decided.get(&namespace.key()) {
                Some(may) => *may,
                None => {
                    let may = self.may_read_in(reader, namespace).await?;
                    decided.insert(namespace.key(), may);
                    may
                }
            };
            if may {
                visible.push(event);
            }
        }
        Ok(visible)
    }

    /// Whether the store answers.
    ///
    /// # Errors
    /// The store's failure.
    pub async fn ready(&self) -> Result<(), RegistryError> {
        self.stores.events.events_after(i64::MAX, 1).await?;
        Ok(())
    }
}
