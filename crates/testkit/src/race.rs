//! A publish race through the use case, over any store: [`one_version_is_created_once`].
//!
//! A race only tests the code that handles losing it when the racers really decide on the
//! same state. [`RaceGate`] makes sure they do: in front of each racer's catalog, it holds
//! the first read of the skill of every racer until all have made it, so every racer sees
//! the skill missing, every racer tries to create it, and all but one lose in the store and
//! must take the use case's "someone else wrote first" path. It counts those lost writes.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use async_trait::async_trait;
use skillreg_core::bundle::FileSet;
use skillreg_core::model::{AuditEntry, SkillRecord, SkillUid, VersionRecord};
use skillreg_core::package::PackageId;
use skillreg_core::ports::{
    AuditWrite, CatalogStore, SkillStore, StoreError, Stores, VersionCursor, VersionWrite,
    WriteRight,
};
use skillreg_core::usecases::{
    BundleInput, PublishOutcome, PublishRequest, Registry, RegistryConfig, RegistryError,
};
use skillreg_core::{Digest, SkillId, SkillName, Version};
use tokio::sync::Barrier;

use crate::fakes::{ManualClock, MemoryBlobs, SequentialIds};
use crate::fixtures::skill_files;

/// Holds the first skill read of each of `racers` until all have arrived; counts the
/// version writes the store refused because another racer wrote first.
#[derive(Debug)]
pub struct RaceGate {
    barrier: Barrier,
    racers: usize,
    arrived: AtomicUsize,
    lost: AtomicUsize,
}

impl RaceGate {
    /// A gate for `racers` racers.
    pub fn new(racers: usize) -> Arc<Self> {
        Arc::new(RaceGate {
            barrier: Barrier::new(racers),
            racers,
            arrived: AtomicUsize::new(0),
            lost: AtomicUsize::new(0),
        })
    }

    /// `store`'s ports with this gate in front of its catalog.
    pub fn in_front(self: &Arc<Self>, store: Arc<dyn SkillStore>) -> Stores {
        let mut stores = Stores::from(store.clone());
        stores.catalog = Arc::new(Gated {
            gate: Arc::clone(self),
            inner: store,
        });
        stores
    }

    /// How many version writes lost to another racer's.
    pub fn lost(&self) -> usize {
        self.lost.load(Ordering::SeqCst)
    }
}

#[derive(Debug)]
struct Gated {
    gate: Arc<RaceGate>,
    inner: Arc<dyn CatalogStore>,
}

#[async_trait]
impl CatalogStore for Gated {
    async fn skill(&self, id: &SkillId) -> Result<Option<SkillRecord>, StoreError> {
        let found = self.inner.skill(id).await;
        if self.gate.arrived.fetch_add(1, Ordering::SeqCst) < self.gate.racers {
            self.gate.barrier.wait().await;
        }
        found
    }

    async fn skill_by_uid(&self, uid: &SkillUid) -> Result<Option<SkillRecord>, StoreError> {
        self.inner.skill_by_uid(uid).await
    }

    async fn skills_named(&self, name: &SkillName) -> Result<Vec<SkillRecord>, StoreError> {
        self.inner.skills_named(name).await
    }

    async fn versions(&self, skill: &SkillUid) -> Result<Vec<VersionRecord>, StoreError> {
        self.inner.versions(skill).await
    }

    async fn skill_with_versions(
        &self,
        id: &SkillId,
    ) -> Result<Option<(SkillRecord, Vec<VersionRecord>)>, StoreError> {
        self.inner.skill_with_versions(id).await
    }

    async fn version(
        &self,
        skill: &SkillUid,
        version: &Version,
    ) -> Result<Option<VersionRecord>, StoreError> {
        self.inner.version(skill, version).await
    }

    async fn versions_of(
        &self,
        wanted: &[(SkillUid, Version)],
    ) -> Result<Vec<VersionRecord>, StoreError> {
        self.inner.versions_of(wanted).await
    }

    async fn version_by_package_id(
        &self,
        package_id: &PackageId,
    ) -> Result<Option<(SkillRecord, VersionRecord)>, StoreError> {
        self.inner.version_by_package_id(package_id).await
    }

    async fn versions_with_archive(
        &self,
        archive_digest: &Digest,
        limit: u32,
    ) -> Result<Vec<(SkillRecord, VersionRecord)>, StoreError> {
        self.inner
            .versions_with_archive(archive_digest, limit)
            .await
    }

    async fn write_version(&self, write: &VersionWrite) -> Result<u64, StoreError> {
        let written = self.inner.write_version(write).await;
        if matches!(
            written,
            Err(StoreError::SkillExists { .. } | StoreError::VersionExists { .. })
        ) {
            self.gate.lost.fetch_add(1, Ordering::SeqCst);
        }
        written
    }

    async fn set_yanked(
        &self,
        skill: &SkillUid,
        version: &Version,
        yanked: bool,
        audit: &AuditEntry,
        right: &WriteRight,
    ) -> Result<bool, StoreError> {
        self.inner
            .set_yanked(skill, version, yanked, audit, right)
            .await
    }

    async fn set_deprecation(
        &self,
        skill: &SkillUid,
        message: Option<&str>,
        audit: &AuditEntry,
        right: &WriteRight,
    ) -> Result<(), StoreError> {
        self.inner
            .set_deprecation(skill, message, audit, right)
            .await
    }

    async fn move_skill(
        &self,
        skill: &SkillUid,
        to: &SkillId,
        audit: &AuditEntry,
        right: &WriteRight,
    ) -> Result<(), StoreError> {
        self.inner.move_skill(skill, to, audit, right).await
    }

    async fn write_audit(&self, write: &AuditWrite) -> Result<bool, StoreError> {
        self.inner.write_audit(write).await
    }

    async fn stale_audits(
        &self,
        stamp: &str,
        after: Option<&VersionCursor>,
        limit: u32,
    ) -> Result<Vec<VersionRecord>, StoreError> {
        self.inner.stale_audits(stamp, after, limit).await
    }
}

/// The files racer `index` publishes: every fourth racer other bytes than the rest.
fn racer_files(index: usize) -> (FileSet, &'static str) {
    let content = if index % 4 == 3 { "other" } else { "same" };
    (
        skill_files("pdf", "PDF tools", "", &[("a.txt", content)]),
        content,
    )
}

/// One racer per store in `stores` (the same store again, or one per replica over a
/// shared database) publishes `acme/pdf` 1.0.0 through its own [`Registry`], all deciding
/// on the same state (see [`RaceGate`]). Checks that exactly one creates it, that every
/// other racer that sent the winner's bytes is told unchanged and every one that sent other
/// bytes a conflict naming the winner's archive, that every loser lost a write in the store
/// (so the use case's read-again path ran), and that one version and one event exist.
///
/// # Panics
/// When any of that does not hold.
pub async fn one_version_is_created_once(stores: Vec<Arc<dyn SkillStore>>) {
    let racers = stores.len();
    let gate = RaceGate::new(racers);
    let blobs = Arc::new(MemoryBlobs::new());
    let clock = Arc::new(ManualClock::default());
    let ids = Arc::new(SequentialIds::default());
    let actor = skillreg_core::auth::Actor::new(
        "alice".parse().unwrap(),
        vec![
            skillreg_core::model::TokenScope::PublishNew,
            skillreg_core::model::TokenScope::PublishUpdate,
        ],
        vec!["*".parse().unwrap()],
    );
    let tasks: Vec<_> = stores
        .iter()
        .enumerate()
        .map(|(index, store)| {
            let registry = Registry::new(
                gate.in_front(Arc::clone(store)),
                blobs.clone(),
                clock.clone(),
                ids.clone(),
                RegistryConfig::default(),
            );
            let actor = actor.clone();
            let (files, content) = racer_files(index);
            tokio::spawn(async move {
                let request = PublishRequest {
                    namespace: "acme".parse().unwrap(),
                    bundle: BundleInput::Files(files),
                    version: Some("1.0.0".parse().unwrap()),
                    signatures: Vec::new(),
                };
                (content, registry.publish(&actor, request).await)
            })
        })
        .collect();
    let mut outcomes = Vec::with_capacity(racers);
    for task in tasks {
        outcomes.push(task.await.unwrap());
    }
    let winners: Vec<_> = outcomes
        .iter()
        .filter_map(|(content, outcome)| match outcome {
            Ok(PublishOutcome::Created { published, .. }) => {
                Some((*content, published.version.published.archive_digest))
            }
            _ => None,
        })
        .collect();
    assert_eq!(winners.len(), 1, "exactly one racer creates: {outcomes:?}");
    let (winner_content, winner_digest) = winners[0];
    for (index, (content, outcome)) in outcomes.iter().enumerate() {
        match outcome {
            Ok(PublishOutcome::Created { .. }) => {}
            Ok(PublishOutcome::Unchanged(published)) => {
                assert_eq!(*content, winner_content, "racer {index} sent other bytes");
                assert_eq!(published.version.published.archive_digest, winner_digest);
            }
            Err(RegistryError::VersionConflict {
                existing_archive_digest,
                ..
            }) => {
                assert_ne!(
                    *content, winner_content,
                    "racer {index} sent the same bytes"
                );
                assert_eq!(*existing_archive_digest, winner_digest);
            }
            Err(other) => panic!("racer {index}: {other}"),
        }
    }
    assert_eq!(
        gate.lost(),
        racers - 1,
        "every loser lost a write in the store and read again"
    );
    let store = &stores[0];
    let skill = store
        .skill(&"acme/pdf".parse().unwrap())
        .await
        .unwrap()
        .expect("the skill exists");
    assert_eq!(store.versions(&skill.uid).await.unwrap().len(), 1);
    assert_eq!(store.events_after(0, 100).await.unwrap().len(), 1);
}
