//! The OCI artifacts of published versions, for the distribution read API: a version's
//! artifact is built from its stored archive once (`oci::build_artifact` is deterministic,
//! so every replica builds the same bytes) and kept in a bounded memory cache keyed by the
//! archive's digest and the version, so manifests are not rebuilt per request.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, PoisonError};

use crate::auth::Actor;
use crate::bundle::read_archive;
use crate::digest::Digest;
use crate::identity::SkillId;
use crate::manifest::parse_skill_md;
use crate::model::VersionRecord;
use crate::oci::{Blob, build_artifact, tag_of};
use crate::version::{Version, VersionReq};

use super::{Registry, RegistryError};

/// How many versions' documents the cache keeps (a few kilobytes each).
const CACHED_ARTIFACTS: usize = 4096;

/// The documents of one version's artifact: what `/v2/` serves besides the archive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OciDocuments {
    /// The image index (what a tag points at).
    pub index: Blob,
    /// One manifest per platform.
    pub manifests: Vec<Blob>,
    /// One config per platform.
    pub configs: Vec<Blob>,
    /// The layer is the stored archive: its digest.
    pub layer: Digest,
}

impl OciDocuments {
    /// The index or one of the manifests, by digest.
    pub fn manifest(&self, digest: &Digest) -> Option<&Blob> {
        std::iter::once(&self.index)
            .chain(&self.manifests)
            .find(|blob| &blob.digest == digest)
    }

    /// One of the configs, by digest.
    pub fn config(&self, digest: &Digest) -> Option<&Blob> {
        self.configs.iter().find(|blob| &blob.digest == digest)
    }
}

/// Built artifacts, by archive digest and version.
#[derive(Debug, Default)]
pub(super) struct ArtifactCache {
    built: Mutex<BTreeMap<(Digest, String), Arc<OciDocuments>>>,
}

impl ArtifactCache {
    fn get(&self, key: &(Digest, String)) -> Option<Arc<OciDocuments>> {
        self.built
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(key)
            .cloned()
    }

    fn put(&self, key: (Digest, String), documents: Arc<OciDocuments>) {
        let mut built = self.built.lock().unwrap_or_else(PoisonError::into_inner);
        if built.len() >= CACHED_ARTIFACTS {
            // Any entry will do: a miss only costs one rebuild.
            built.pop_first();
        }
        built.insert(key, documents);
    }
}

/// What a blob digest of a repository names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OciBlob {
    /// A config document.
    Config(Blob),
    /// The layer: a version's archive.
    Layer(Vec<u8>),
}

impl Registry {
    /// The tags of a skill's repository: every version, yanked ones too (a tag is an exact
    /// request), oldest first.
    ///
    /// # Errors
    /// [`RegistryError::SkillNotFound`] (also when `reader` may not see it), or a store
    /// failure.
    pub async fn oci_tags(
        &self,
        reader: Option<&Actor>,
        id: &SkillId,
    ) -> Result<Vec<String>, RegistryError> {
        let (_, versions) = self.versions(reader, id).await?;
        Ok(versions
            .iter()
            .rev()
            .map(|v| tag_of(&v.published.version))
            .collect())
    }

    /// The documents of the artifact of `version` of `id`.
    ///
    /// # Errors
    /// [`RegistryError::SkillNotFound`], [`RegistryError::VersionNotFound`],
    /// [`RegistryError::ArchiveMissing`], or a store failure.
    pub async fn oci_artifact(
        &self,
        reader: Option<&Actor>,
        id: &SkillId,
        version: &Version,
    ) -> Result<Arc<OciDocuments>, RegistryError> {
        let (_, versions) = self.versions(reader, id).await?;
        let record = versions
            .iter()
            .find(|v| v.version() == version)
            .ok_or_else(|| RegistryError::VersionNotFound {
                id: id.clone(),
                request: VersionReq::Exact(version.clone()),
            })?;
        self.documents_of(record).await
    }

    /// The index or manifest with this digest among the artifacts of `id`'s versions, if
    /// any.
    ///
    /// # Errors
    /// [`RegistryError::SkillNotFound`], [`RegistryError::ArchiveMissing`], or a store
    /// failure.
    pub async fn oci_manifest(
        &self,
        reader: Option<&Actor>,
        id: &SkillId,
        digest: &Digest,
    ) -> Result<Option<Blob>, RegistryError> {
        let (_, versions) = self.versions(reader, id).await?;
        for version in &versions {
            if let Some(found) = self.documents_of(version).await?.manifest(digest) {
                return Ok(Some(found.clone()));
            }
        }
        Ok(None)
    }

    /// The blob with this digest among the artifacts of `id`'s versions (a config, or the
    /// layer, which is a version's archive), if any.
    ///
    /// # Errors
    /// [`RegistryError::SkillNotFound`], [`RegistryError::ArchiveMissing`], or a store
    /// failure.
    pub async fn oci_blob(
        &self,
        reader: Option<&Actor>,
        id: &SkillId,
        digest: &Digest,
    ) -> Result<Option<OciBlob>, RegistryError> {
        let (_, versions) = self.versions(reader, id).await?;
        if versions
            .iter()
            .any(|v| &v.published.archive_digest == digest)
        {
            return Ok(Some(OciBlob::Layer(self.archive(digest).await?)));
        }
        for version in &versions {
            if let Some(found) = self.documents_of(version).await?.config(digest) {
                return Ok(Some(OciBlob::Config(found.clone())));
            }
        }
        Ok(None)
    }

    /// A version's documents: from the cache, else built from its archive and kept.
    async fn documents_of(
        &self,
        version: &VersionRecord,
    ) -> Result<Arc<OciDocuments>, RegistryError> {
        let key = (
            version.published.archive_digest,
            version.version().to_string(),
        );
        if let Some(documents) = self.artifacts.get(&key) {
            return Ok(documents);
        }
        let archive = self.archive(&version.published.archive_digest).await?;
        let files = read_archive(&archive, &self.config.limits)?;
        let manifest = parse_skill_md(files.skill_md().contents(), None)?.manifest;
        let artifact = build_artifact(&files, &manifest, version.version())?;
        let documents = Arc::new(OciDocuments {
            index: artifact.index,
            manifests: artifact.manifests,
            configs: artifact.configs,
            layer: artifact.layer.digest,
        });
        self.artifacts.put(key, Arc::clone(&documents));
        Ok(documents)
    }
}
