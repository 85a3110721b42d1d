//! The ClawHub protocol's use cases (docs/FORMATS.md, "ClawHub"): finding a skill by slug
//! and owner handle, matching a folder's fingerprint to a version, the zip the CLI installs,
//! and a publish made of files uploaded one at a time.

use crate::auth::{Actor, require_scope};
use crate::bundle::{BundleFile, FileSet};
use crate::clawhub::{fingerprint_of, namespace_of, skill_zip};
use crate::digest::Digest;
use crate::identity::{SkillId, SkillName};
use crate::model::{SearchSort, TokenScope, VersionRecord};

use crate::version::{Version, VersionReq};

use super::publish::{BundleInput, PublishOutcome, PublishRequest};
use super::{Registry, RegistryError, SearchRequest};

/// How many of a skill's newest versions a fingerprint is matched against.
pub const MAX_MATCHED_VERSIONS: usize = 50;

/// Skills looked at for a slug given without an owner.
const SLUG_CANDIDATES: u32 = 100;

/// What a slug (and perhaps an owner handle) names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Named {
    /// One skill.
    One(SkillId),
    /// Several skills of that name in namespaces the reader may see (no owner was given).
    Many(Vec<SkillId>),
    /// Nothing the reader may see.
    Nothing,
}

/// A file of a publish, uploaded before it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StagedFile {
    /// Its path in the skill.
    pub path: String,
    /// Where its upload was kept (the digest of its bytes).
    pub stored: Digest,
    /// The sha256 (hex) the client says it has.
    pub sha256: String,
    /// The size the client says it has.
    pub size: u64,
}

/// A publish as the ClawHub CLI sends it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StagedPublish {
    /// The owner handle: the namespace to publish into.
    pub owner: String,
    /// The slug: the skill's name, which its SKILL.md must carry.
    pub slug: String,
    /// The version.
    pub version: Version,
    /// The files, uploaded.
    pub files: Vec<StagedFile>,
}

impl Registry {
    /// The skill `slug` names: in the namespace `owner` names, or else the one skill of that
    /// name the reader may see.
    ///
    /// # Errors
    /// A store failure ([`Named::Nothing`] for a slug or handle that names nothing).
    pub async fn clawhub_find(
        &self,
        reader: Option<&Actor>,
        slug: &str,
        owner: Option<&str>,
    ) -> Result<Named, RegistryError> {
        let Ok(name) = slug.trim().to_lowercase().parse::<SkillName>() else {
            return Ok(Named::Nothing);
        };
        if let Some(owner) = owner.filter(|o| !o.trim().is_empty()) {
            let Ok(namespace) = namespace_of(owner) else {
                return Ok(Named::Nothing);
            };
            let id = SkillId::new(namespace, name);
            return match self.skill(reader, &id).await {
                Ok(skill) => Ok(Named::One(skill.id)),
                Err(RegistryError::SkillNotFound(_)) => Ok(Named::Nothing),
                Err(e) => Err(e),
            };
        }
        let page = self
            .search(
                reader,
                SearchRequest {
                    text: Some(name.to_string()),
                    tags: Vec::new(),
                    namespace: None,
                    min_rating: None,
                    sort: SearchSort::Relevance,
                    offset: None,
                    cursor: None,
                    limit: Some(SLUG_CANDIDATES.min(self.config.max_page_size)),
                },
            )
            .await?;
        let mut found: Vec<SkillId> = page
            .hits
            .into_iter()
            .filter(|hit| hit.skill.id.name().key() == name.key())
            .map(|hit| hit.skill.id)
            .collect();
        Ok(match found.len() {
            0 => Named::Nothing,
            1 => Named::One(found.remove(0)),
            _ => {
                found.sort_by_key(ToString::to_string);
                Named::Many(found)
            }
        })
    }

    /// The version of `id` whose files have the CLI's fingerprint `hash` (among the newest
    /// [`MAX_MATCHED_VERSIONS`] that are not yanked), and the latest version.
    ///
    /// # Errors
    /// [`RegistryError::SkillNotFound`], [`RegistryError::VersionNotFound`] (no version to
    /// install), or a store failure.
    pub async fn clawhub_match(
        &self,
        reader: Option<&Actor>,
        id: &SkillId,
        hash: Option<&str>,
    ) -> Result<(Option<VersionRecord>, VersionRecord), RegistryError> {
        let (_, latest) = self
            .resolve_version(reader, id, &VersionReq::Latest)
            .await?;
        let Some(hash) = hash.map(str::to_ascii_lowercase) else {
            return Ok((None, latest));
        };
        let (_, versions) = self.versions(reader, id).await?;
        for version in versions
            .into_iter()
            .filter(|v| !v.yanked)
            .take(MAX_MATCHED_VERSIONS)
        {
            if fingerprint_of(&*self.files_of(&version).await?) == hash {
                return Ok((Some(version), latest));
            }
        }
        Ok((None, latest))
    }

    /// The zip the CLI installs for `version` of `id` (its files at the root), counted as a
    /// download.
    ///
    /// # Errors
    /// [`RegistryError::SkillNotFound`], [`RegistryError::VersionNotFound`], or a store
    /// failure.
    pub async fn clawhub_zip(
        &self,
        reader: Option<&Actor>,
        id: &SkillId,
        version: &Version,
    ) -> Result<Vec<u8>, RegistryError> {
        let (skill, version) = self
            .resolve_version(reader, id, &VersionReq::Exact(version.clone()))
            .await?;
        let files = self.files_of(&version).await?;
        let zip = skill_zip(&files).map_err(|e| RegistryError::Invalid(e.to_string()))?;
        self.record_download(&skill, version.version()).await?;
        Ok(zip)
    }

    /// Keeps one file of a coming publish, by the digest of its bytes, after checking that
    /// `actor` may publish and that the bytes are what the client said.
    ///
    /// # Errors
    /// [`RegistryError::Access`] without a publish scope, [`RegistryError::Invalid`] for a
    /// file over the size limit or unlike its description, or a blob store failure.
    pub async fn clawhub_upload(
        &self,
        actor: &Actor,
        bytes: &[u8],
        sha256: &str,
        size: u64,
    ) -> Result<Digest, RegistryError> {
        if !actor.has_scope(TokenScope::PublishUpdate) {
            require_scope(actor, TokenScope::PublishNew)?;
        }
        let limit = self.config.limits.max_file_size;
        if bytes.len() as u64 > limit {
            return Err(RegistryError::Invalid(format!(
                "the file is {} bytes; the limit is {limit}",
                bytes.len()
            )));
        }
        let digest = Digest::of(bytes);
        if bytes.len() as u64 != size || !digest.hex().eq_ignore_ascii_case(sha256) {
            return Err(RegistryError::Invalid(format!(
                "the upload is {} bytes with sha256 {}, not the {size} bytes with sha256 {} \
                 it was announced as",
                bytes.len(),
                digest.hex(),
                crate::text::sanitize_remote(sha256)
            )));
        }
        self.blobs.put(&digest, bytes).await?;
        Ok(digest)
    }

    /// Publishes files uploaded with [`Registry::clawhub_upload`] as one version.
    ///
    /// # Errors
    /// [`RegistryError::Invalid`] for a missing or changed upload, a bad owner, or a slug
    /// that is not the SKILL.md's name; then whatever [`Registry::publish`] refuses.
    pub async fn clawhub_publish(
        &self,
        actor: &Actor,
        publish: StagedPublish,
    ) -> Result<PublishOutcome, RegistryError> {
        let namespace = namespace_of(&publish.owner).map_err(|e| {
            RegistryError::Invalid(format!("owner handle is no namespace here: {e}"))
        })?;
        let slug: SkillName = publish
            .slug
            .parse()
            .map_err(|e| RegistryError::Invalid(format!("slug: {e}")))?;
        let mut files = Vec::with_capacity(publish.files.len());
        for file in &publish.files {
            let missing = || {
                RegistryError::Invalid(format!(
                    "`{}` was not uploaded (ask for an upload URL and send it again)",
                    crate::text::sanitize_remote(&file.path)
                ))
            };
            let bytes = self.blobs.get(&file.stored).await?.ok_or_else(missing)?;
            if bytes.len() as u64 != file.size
                || !file.stored.hex().eq_ignore_ascii_case(&file.sha256)
            {
                return Err(missing());
            }
            let path = file
                .path
                .parse()
                .map_err(|e| RegistryError::Invalid(format!("file path: {e}")))?;
            let executable = file.path.ends_with(".sh") || file.path.starts_with("scripts/");
            files.push(BundleFile::new(path, bytes, executable));
        }
        let files = FileSet::new(files, &self.config.limits)?;
        let parsed = crate::manifest::parse_skill_md(files.skill_md().contents(), None)?;
        let manifest = &parsed.manifest;
        if manifest.name().key() != slug.key() {
            return Err(RegistryError::Invalid(format!(
                "the slug `{slug}` is not the name in SKILL.md (`{}`): publish with --slug {}",
                manifest.name(),
                manifest.name()
            )));
        }
        self.publish(
            actor,
            PublishRequest {
                namespace,
                bundle: BundleInput::Files(files),
                version: Some(publish.version),
                signatures: Vec::new(),
            },
        )
        .await
    }
}
