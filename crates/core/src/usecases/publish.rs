//! Publishing a version: validate, pack canonically, check permission and immutability,
//! store the blob, record the version with its event in one store write.

use crate::auth::{Actor, check_change_skill, check_publish_namespace, require_scope};
use crate::bundle::{FileSet, pack, read_archive};
use crate::conflict::{PublishDecision, decide_publish};
use crate::digest::Digest;
use crate::identity::{Namespace, SkillId};
use crate::manifest::{ManifestWarning, SkillManifest, parse_skill_md};
use crate::model::{
    EventKind, NamespaceRecord, NewVersion, SkillRecord, TokenScope, UserId, VersionMeta,
    VersionRecord,
};
use crate::package::package_id;
use crate::ports::{SkillTarget, StoreError, VersionWrite};
use crate::signature::{Signature, VersionStatement};
use crate::version::Version;

use super::{Registry, RegistryError};

/// How many times a write that lost a race is re-decided before giving up.
pub(super) const MAX_RACE_RETRIES: usize = 4;

/// A bundle as it reaches the registry.
#[derive(Debug, Clone)]
pub enum BundleInput {
    /// A gzip tar archive (untrusted: read with the bundle limits).
    Archive(Vec<u8>),
    /// Files already read and validated.
    Files(FileSet),
}

/// A publish.
#[derive(Debug, Clone)]
pub struct PublishRequest {
    /// The namespace to publish into.
    pub namespace: Namespace,
    /// The bundle.
    pub bundle: BundleInput,
    /// The version; wins over the manifest's `version` field.
    pub version: Option<Version>,
    /// Publisher signatures to keep with the version.
    pub signatures: Vec<Signature>,
}

/// A version as it was published (or found already published).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Published {
    /// The skill.
    pub skill: SkillRecord,
    /// The version.
    pub version: VersionRecord,
    /// Warnings about the SKILL.md.
    pub warnings: Vec<ManifestWarning>,
}

/// What a publish did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PublishOutcome {
    /// A new version was recorded (and a new skill, if `created_skill`).
    Created {
        /// What was recorded.
        published: Published,
        /// Whether the skill was created by this publish.
        created_skill: bool,
    },
    /// The same version with the same archive was there already.
    Unchanged(Published),
}

/// A bundle packed and described, ready to record.
#[derive(Debug, Clone)]
pub(super) struct Prepared {
    pub(super) archive: Vec<u8>,
    pub(super) archive_digest: Digest,
    pub(super) content_digest: Digest,
    pub(super) meta: VersionMeta,
}

impl Prepared {
    pub(super) fn new(files: &FileSet, manifest: &SkillManifest) -> Result<Self, RegistryError> {
        let archive = pack(files)?;
        let tags = manifest
            .metadata()
            .get("tags")
            .map(|tags| {
                let mut tags: Vec<String> = tags
                    .split([',', ' '])
                    .map(|t| t.trim().to_lowercase())
                    .filter(|t| !t.is_empty())
                    .collect();
                tags.sort();
                tags.dedup();
                tags
            })
            .unwrap_or_default();
        Ok(Prepared {
            archive_digest: *archive.digest(),
            content_digest: files.content_digest(),
            meta: VersionMeta {
                description: manifest.description().to_owned(),
                license: manifest.license().map(str::to_owned),
                allowed_tools: manifest.allowed_tools().to_vec(),
                tags,
                files: files.paths().cloned().collect(),
            },
            archive: archive.into_bytes(),
        })
    }

    pub(super) fn new_version(
        &self,
        version: Version,
        published_by: UserId,
        published_at: crate::model::Timestamp,
        signatures: Vec<Signature>,
        audit: crate::audit::Audited,
    ) -> NewVersion {
        NewVersion {
            version,
            archive_digest: self.archive_digest,
            content_digest: self.content_digest,
            size: self.archive.len() as u64,
            meta: self.meta.clone(),
            published_by,
            published_at,
            signatures,
            audit: Some(audit),
        }
    }
}

impl Registry {
    /// Publishes a version. Same version and same archive → [`PublishOutcome::Unchanged`];
    /// same version and another archive → [`RegistryError::VersionConflict`]. A failed
    /// publish leaves nothing visible (the blob may stay, unreferenced, for garbage
    /// collection).
    ///
    /// # Errors
    /// [`RegistryError`]: bundle, manifest, access, conflict or infrastructure failures.
    pub async fn publish(
        &self,
        actor: &Actor,
        request: PublishRequest,
    ) -> Result<PublishOutcome, RegistryError> {
        // The same archive again, for the same version: answered from its digest, without
        // unpacking (a re-publish costs a hash, not a decompression and a repack).
        if let (BundleInput::Archive(bytes), Some(version), true) = (
            &request.bundle,
            &request.version,
            request.signatures.is_empty(),
        ) && let Some(published) = self
            .already_published(actor, &request.namespace, version, &Digest::of(bytes))
            .await?
        {
            return Ok(PublishOutcome::Unchanged(published));
        }
        let files = match request.bundle {
            BundleInput::Archive(bytes) => read_archive(&bytes, &self.config.limits)?,
            BundleInput::Files(files) => files,
        };
        let parsed = parse_skill_md(files.skill_md().contents(), None)?;
        let stated = request
            .version
            .or_else(|| parsed.manifest.version().cloned());
        let id = SkillId::new(request.namespace, parsed.manifest.name().clone());
        let mut namespace = self.authorize_namespace(actor, id.namespace()).await?;
        let prepared = Prepared::new(&files, &parsed.manifest)?;
        let version = match stated {
            Some(version) => version,
            None => self.unnamed_version(&id, &prepared.archive_digest).await?,
        };
        let audit = self.audited(&id, &version, &files)?;
        let statement = VersionStatement {
            id: id.clone(),
            version: version.clone(),
            archive_digest: prepared.archive_digest,
            content_digest: prepared.content_digest,
        };
        self.check_signatures(actor, &statement, &request.signatures)
            .await?;

        for attempt in 0..MAX_RACE_RETRIES {
            if attempt > 0 {
                // Whoever wrote first may have created the namespace too: decide on it as
                // it is now.
                namespace = self.authorize_namespace(actor, id.namespace()).await?;
            }
            let existing = self.stores.catalog.skill(&id).await?;
            let (target, event) = match &existing {
                Some(skill) => {
                    check_change_skill(
                        actor,
                        TokenScope::PublishUpdate,
                        skill,
                        namespace.as_ref(),
                    )?;
                    let stored = self.stores.catalog.version(&skill.uid, &version).await?;
                    match decide_publish(stored.as_ref(), &prepared.archive_digest) {
                        PublishDecision::Create => {}
                        PublishDecision::Unchanged => {
                            let version = stored
                                .ok_or_else(|| StoreError::Corrupt("version vanished".into()))?;
                            return Ok(PublishOutcome::Unchanged(Published {
                                skill: skill.clone(),
                                version,
                                warnings: parsed.warnings,
                            }));
                        }
                        PublishDecision::Conflict {
                            existing_archive_digest,
                        } => {
                            return Err(RegistryError::VersionConflict {
                                id: skill.id.clone(),
                                version,
                                existing_archive_digest,
                            });
                        }
                    }
                    let target = SkillTarget::Existing {
                        uid: skill.uid.clone(),
                        expected_creator: skill.created_by.clone(),
                    };
                    (target, EventKind::SkillUpdated)
                }
                None => {
                    require_scope(actor, TokenScope::PublishNew)?;
                    let record = SkillRecord {
                        uid: self.ids.skill_uid(),
                        id: id.clone(),
                        created_by: actor.user().clone(),
                        created_at: self.clock.now(),
                        deprecation: None,
                    };
                    (SkillTarget::New(record), EventKind::SkillCreated)
                }
            };
            let new_version = prepared.new_version(
                version.clone(),
                actor.user().clone(),
                self.clock.now(),
                request.signatures.clone(),
                audit.clone(),
            );
            match self
                .record(actor, &prepared, target, new_version, event, "publish")
                .await
            {
                Ok((skill, version)) => {
                    let published = Published {
                        skill,
                        version,
                        warnings: parsed.warnings,
                    };
                    return Ok(PublishOutcome::Created {
                        published,
                        created_skill: existing.is_none(),
                    });
                }
                // Someone else wrote first: read again and decide again.
                Err(RegistryError::Store(
                    StoreError::VersionExists { .. }
                    | StoreError::SkillExists { .. }
                    | StoreError::SkillGone
                    | StoreError::CreatorChanged { .. },
                )) => {}
                Err(other) => return Err(other),
            }
        }
        Err(RegistryError::Store(StoreError::Unavailable(
            "the publish kept losing races; retry".to_owned(),
        )))
    }

    /// The version `version` of a skill in `namespace` stored with exactly this archive, if
    /// there is one and the actor may publish it (the rights a publish of it would need).
    async fn already_published(
        &self,
        actor: &Actor,
        namespace: &Namespace,
        version: &Version,
        archive_digest: &Digest,
    ) -> Result<Option<Published>, RegistryError> {
        let stored = self
            .stores
            .catalog
            .versions_with_archive(archive_digest, 64)
            .await?;
        let Some((skill, record)) = stored.into_iter().find(|(skill, record)| {
            skill.id.namespace().key() == namespace.key() && record.version() == version
        }) else {
            return Ok(None);
        };
        let namespace = self.authorize_namespace(actor, namespace).await?;
        check_change_skill(actor, TokenScope::PublishUpdate, &skill, namespace.as_ref())?;
        Ok(Some(Published {
            skill,
            version: record,
            warnings: Vec::new(),
        }))
    }

    /// What an upload into `namespace` (a publish or an import) needs, checked before its
    /// archive is read: a publish scope, a token covering the namespace, a namespace that is
    /// not reserved, and membership of it (or of the namespace above a new one). The
    /// skill's own rules are checked once the archive names it.
    ///
    /// # Errors
    /// [`RegistryError::Access`], or a store failure.
    pub async fn authorize_upload(
        &self,
        actor: &Actor,
        namespace: &Namespace,
    ) -> Result<(), RegistryError> {
        if !actor.has_scope(TokenScope::PublishUpdate) {
            require_scope(actor, TokenScope::PublishNew)?;
        }
        self.authorize_namespace(actor, namespace).await?;
        Ok(())
    }

    /// The version a publish that names none takes: the skill's version that already has
    /// these exact bytes (so a repeat changes nothing), else the next patch after its newest
    /// version. A skill's first publish must name one.
    async fn unnamed_version(
        &self,
        id: &SkillId,
        archive: &Digest,
    ) -> Result<Version, RegistryError> {
        let first = || {
            RegistryError::Invalid(format!(
                "no version: {id} has none yet, so its first publish must name one; add \
                 `metadata:` with `  version: \"0.1.0\"` to the SKILL.md frontmatter, or \
                 pass --version 0.1.0"
            ))
        };
        let Some(skill) = self.stores.catalog.skill(id).await? else {
            return Err(first());
        };
        let versions = self.stores.catalog.versions(&skill.uid).await?;
        if let Some(same) = versions
            .iter()
            .find(|v| v.published.archive_digest == *archive)
        {
            return Ok(same.version().clone());
        }
        versions
            .iter()
            .map(VersionRecord::version)
            .max()
            .map(Version::next_patch)
            .ok_or_else(first)
    }

    /// Checks that `actor` may publish into `namespace` (see
    /// [`crate::auth::check_publish_namespace`]); returns the namespace when it exists.
    pub(super) async fn authorize_namespace(
        &self,
        actor: &Actor,
        namespace: &Namespace,
    ) -> Result<Option<NamespaceRecord>, RegistryError> {
        let existing = self.stores.namespaces.namespace(namespace).await?;
        let ancestor = match existing {
            Some(_) => None,
            None => self.closest_ancestor(namespace).await?,
        };
        check_publish_namespace(actor, namespace, existing.as_ref(), ancestor.as_ref())?;
        Ok(existing)
    }

    /// The audit of `files`, about to be written as `id` `version`, under the registry's
    /// policy.
    ///
    /// # Errors
    /// [`RegistryError::AuditBlocked`] when a finding blocks.
    pub(super) fn audited(
        &self,
        id: &SkillId,
        version: &Version,
        files: &FileSet,
    ) -> Result<crate::audit::Audited, RegistryError> {
        let findings = self
            .config
            .audit
            .apply(id.namespace(), crate::audit::audit(files));
        if crate::audit::verdict(&findings) == crate::audit::Verdict::Block {
            return Err(RegistryError::AuditBlocked {
                id: id.clone(),
                version: version.clone(),
                findings,
            });
        }
        Ok(crate::audit::Audited::new(
            self.config.audit.digest(),
            findings,
        ))
    }

    /// The nearest existing namespace above `namespace`, if any.
    pub(super) async fn closest_ancestor(
        &self,
        namespace: &Namespace,
    ) -> Result<Option<NamespaceRecord>, RegistryError> {
        let segments: Vec<&str> = namespace.segments().collect();
        for len in (1..segments.len()).rev() {
            let prefix: Namespace = segments[..len].join("/").parse().map_err(|_| {
                RegistryError::Invalid(format!("namespace `{namespace}` has an invalid parent"))
            })?;
            if let Some(record) = self.stores.namespaces.namespace(&prefix).await? {
                return Ok(Some(record));
            }
        }
        Ok(None)
    }

    /// Stores the blob, makes sure the namespace exists, and writes the version with its
    /// event and audit entry.
    pub(super) async fn record(
        &self,
        actor: &Actor,
        prepared: &Prepared,
        target: SkillTarget,
        version: NewVersion,
        event: EventKind,
        action: &str,
    ) -> Result<(SkillRecord, VersionRecord), RegistryError> {
        let skill = match &target {
            SkillTarget::New(record) => {
                // The namespace as it is now, not as it was when the publish began: another
                // user may have created it meanwhile, and then owns it.
                let namespace = record.id.namespace();
                match self.stores.namespaces.namespace(namespace).await? {
                    Some(now) => check_publish_namespace(actor, namespace, Some(&now), None)?,
                    None => match self.store_namespace(actor, namespace, None).await {
                        Ok(_) => {}
                        Err(RegistryError::NamespaceTaken(_)) => {
                            self.authorize_namespace(actor, namespace).await?;
                        }
                        Err(other) => return Err(other),
                    },
                }
                record.clone()
            }
            SkillTarget::Existing { uid, .. } => self
                .stores
                .catalog
                .skill_by_uid(uid)
                .await?
                .ok_or(RegistryError::Store(StoreError::SkillGone))?,
        };
        self.blobs
            .put(&prepared.archive_digest, &prepared.archive)
            .await?;
        let audit = self.audit(actor, action, format!("{}@{}", skill.id, version.version));
        let right = Self::right_for(actor, &skill, matches!(target, SkillTarget::New(_)));
        let write = VersionWrite {
            target,
            package_id: package_id(&skill.id, &version),
            version: version.clone(),
            event,
            audit,
            right,
        };
        let log_index = self
            .stores
            .catalog
            .write_version(&write)
            .await
            .map_err(|error| Self::changed(actor, &skill, error))?;
        Ok((
            skill.clone(),
            VersionRecord {
                skill: skill.uid,
                published: version,
                yanked: false,
                log_index: Some(log_index),
            },
        ))
    }
}
