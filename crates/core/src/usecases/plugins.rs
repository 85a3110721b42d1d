//! Skills as Claude Code plugins: each version's plugin zip ([`crate::plugin`]) is built
//! once, stored in the blob store under its own digest (content-addressed, like archives),
//! and found again through a memory map from the version to that digest; a marketplace
//! lists what discovery lists ([`Registry::discovery`]) with each plugin's digest.

use std::collections::BTreeMap;
use std::sync::{Mutex, PoisonError};

use crate::auth::Actor;
use crate::digest::Digest;
use crate::identity::SkillId;
use crate::model::{SkillRecord, VersionRecord};
use crate::plugin::build_plugin;
use crate::version::{Version, VersionReq};

use super::{IndexScope, Registry, RegistryError};

/// How many versions' plugin digests the map keeps.
const KEPT_PLUGINS: usize = 16_384;

/// Plugin digests by (archive digest, version).
#[derive(Debug, Default)]
pub(super) struct PluginDigests {
    kept: Mutex<BTreeMap<(Digest, String), Digest>>,
}

/// One plugin of a marketplace.
#[derive(Debug, Clone)]
pub struct MarketplaceEntry {
    /// The skill.
    pub skill: SkillRecord,
    /// The version offered.
    pub version: VersionRecord,
    /// The digest of its plugin zip.
    pub plugin: Digest,
}

impl Registry {
    /// The plugin zip of `id` at exactly `version`, and its digest.
    ///
    /// # Errors
    /// [`RegistryError::SkillNotFound`] (also when `reader` may not see it),
    /// [`RegistryError::VersionNotFound`], [`RegistryError::ArchiveMissing`], or a store,
    /// blob or archive failure.
    pub async fn plugin_archive(
        &self,
        reader: Option<&Actor>,
        id: &SkillId,
        version: &Version,
    ) -> Result<(Digest, Vec<u8>), RegistryError> {
        let (skill, record) = self
            .resolve_version(reader, id, &VersionReq::Exact(version.clone()))
            .await?;
        let digest = self.plugin_of(&skill, &record).await?;
        let bytes = self.archive(&digest).await?;
        Ok((digest, bytes))
    }

    /// The plugins of a marketplace of `scope`: what its discovery index lists.
    ///
    /// # Errors
    /// As [`Registry::discovery`], and a blob or archive failure building a plugin.
    pub async fn marketplace(
        &self,
        reader: Option<&Actor>,
        scope: &IndexScope,
    ) -> Result<Vec<MarketplaceEntry>, RegistryError> {
        let listed = self.discovery(reader, scope).await?;
        let mut entries = Vec::with_capacity(listed.len());
        for (skill, version) in listed {
            let plugin = self.plugin_of(&skill, &version).await?;
            entries.push(MarketplaceEntry {
                skill,
                version,
                plugin,
            });
        }
        Ok(entries)
    }

    /// The digest of a version's plugin zip, building and storing it the first time.
    async fn plugin_of(
        &self,
        skill: &SkillRecord,
        version: &VersionRecord,
    ) -> Result<Digest, RegistryError> {
        let key = (
            version.published.archive_digest,
            version.version().to_string(),
        );
        if let Some(found) = self
            .plugins
            .kept
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&key)
        {
            return Ok(*found);
        }
        let files = self.files_of(version).await?;
        let meta = &version.published.meta;
        let built = build_plugin(
            &skill.id,
            version.version(),
            &meta.description,
            meta.license.as_deref(),
            &files,
        )
        .map_err(|e| RegistryError::Invalid(e.to_string()))?;
        self.blobs.put(&built.digest, &built.bytes).await?;
        let mut kept = self
            .plugins
            .kept
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if kept.len() >= KEPT_PLUGINS {
            kept.pop_first();
        }
        kept.insert(key, built.digest);
        Ok(built.digest)
    }
}
