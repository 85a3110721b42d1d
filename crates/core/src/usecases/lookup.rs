//! [`StoreLookup`]: the registry's own store as a [`SkillLookup`] source, so the server's
//! resolve endpoint and a local store run the same cascade as remote registries.

use std::sync::Arc;

use async_trait::async_trait;

use crate::identity::SkillRef;
use crate::model::SkillRecord;
use crate::ports::{
    BlobStore, CatalogStore, LookupError, SkillLookup, SourceSkill, SourceVersion, StoreError,
};
use crate::version::VersionReq;

/// A store's catalog and its [`BlobStore`] seen as a source.
#[derive(Debug, Clone)]
pub struct StoreLookup {
    name: String,
    store: Arc<dyn CatalogStore>,
    blobs: Arc<dyn BlobStore>,
}

impl StoreLookup {
    /// A source called `name` over a store and its blobs.
    pub fn new(
        name: impl Into<String>,
        store: Arc<dyn CatalogStore>,
        blobs: Arc<dyn BlobStore>,
    ) -> Self {
        StoreLookup {
            name: name.into(),
            store,
            blobs,
        }
    }

    async fn source_skill(&self, skill: SkillRecord) -> Result<SourceSkill, LookupError> {
        let versions = self
            .store
            .versions(&skill.uid)
            .await
            .map_err(store_failed)?;
        let description = versions
            .last()
            .map(|v| v.published.meta.description.clone())
            .unwrap_or_default();
        Ok(SourceSkill {
            location: skill.id.to_string(),
            id: skill.id,
            description,
            versions: versions
                .into_iter()
                .map(|v| SourceVersion {
                    yanked: v.yanked,
                    archive_digest: v.published.archive_digest,
                    content_digest: Some(v.published.content_digest),
                    audit: v
                        .published
                        .audit
                        .as_ref()
                        .map(crate::audit::Audited::verdict),
                    signatures: v.published.signatures,
                    version: v.published.version,
                    log_index: v.log_index,
                })
                .collect(),
        })
    }
}

fn store_failed(error: StoreError) -> LookupError {
    LookupError::Unreachable(error.to_string())
}

#[async_trait]
impl SkillLookup for StoreLookup {
    fn source_name(&self) -> String {
        self.name.clone()
    }

    async fn find(
        &self,
        reference: &SkillRef,
        _request: &VersionReq,
    ) -> Result<Vec<SourceSkill>, LookupError> {
        let skills = match reference.namespace() {
            Some(namespace) => {
                let id = crate::identity::SkillId::new(namespace.clone(), reference.name().clone());
                self.store
                    .skill(&id)
                    .await
                    .map_err(store_failed)?
                    .into_iter()
                    .collect()
            }
            None => self
                .store
                .skills_named(reference.name())
                .await
                .map_err(store_failed)?,
        };
        let mut found = Vec::with_capacity(skills.len());
        for skill in skills {
            found.push(self.source_skill(skill).await?);
        }
        Ok(found)
    }

    async fn fetch(
        &self,
        skill: &SourceSkill,
        version: &SourceVersion,
    ) -> Result<Vec<u8>, LookupError> {
        match self.blobs.get(&version.archive_digest).await {
            Ok(Some(bytes)) => Ok(bytes),
            Ok(None) => Err(LookupError::Gone(format!(
                "{} {}",
                skill.id, version.version
            ))),
            Err(error) => Err(LookupError::Unreachable(error.to_string())),
        }
    }
}
