//! Importing a skill that exists on disk into a namespace, with the conflict policy of
//! docs/PRODUCT.md: `fail`, `skip`, `overwrite` (the skill's maintainers only) or `rename`.

use crate::auth::{Actor, check_change_skill, is_maintainer, require_scope};
use crate::bundle::{BundleFile, FileSet};
use crate::conflict::{ConflictPolicy, ImportStep, Occupant, SkillConflict, decide_import};
use crate::identity::{Namespace, SkillId, SkillName};
use crate::manifest::{ParsedManifest, parse_skill_md};
use crate::model::{EventKind, SkillRecord, TokenScope, VersionRecord};
use crate::ports::{SkillTarget, StoreError};
use crate::version::Version;

use super::publish::{MAX_RACE_RETRIES, Prepared};
use super::{Registry, RegistryError};

/// The first version of a skill imported without one.
pub const FIRST_IMPORT_VERSION: Version = Version::first();

/// How many `name-N` a rename tries before giving up.
pub const MAX_RENAME_ATTEMPTS: u32 = 1000;

/// An import.
#[derive(Debug, Clone)]
pub struct ImportRequest {
    /// The namespace to import into.
    pub namespace: Namespace,
    /// The skill's files.
    pub files: FileSet,
    /// The folder the skill was read from; its `name` must match it.
    pub folder_name: Option<String>,
    /// The version; wins over the manifest's. Without either, a new skill starts at
    /// 0.1.0 and an overwrite takes the next patch version.
    pub version: Option<Version>,
    /// What to do when the name is taken.
    pub on_conflict: ConflictPolicy,
}

/// What an import did. A conflict is a result, not an error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImportOutcome {
    /// A new skill was created (under a new name, if renamed).
    Created {
        /// The skill.
        skill: SkillRecord,
        /// Its first version.
        version: VersionRecord,
        /// Whether the name was changed to avoid a clash.
        renamed: bool,
    },
    /// A new version of the existing skill replaced its files.
    Overwritten {
        /// The skill (same id, creator and creation time).
        skill: SkillRecord,
        /// The new version.
        version: VersionRecord,
    },
    /// This content was imported here already; nothing changed.
    Unchanged {
        /// The skill.
        skill: SkillRecord,
    },
    /// The name is taken and the policy said skip.
    Skipped(SkillConflict),
    /// The name is taken and the policy (or ownership) stops the import.
    Conflict(SkillConflict),
}

impl Registry {
    /// Imports a skill. Retrying a finished import changes nothing; a target that vanishes or
    /// changes owner during an overwrite fails cleanly and never creates a new skill.
    ///
    /// # Errors
    /// [`RegistryError`] for invalid input, missing permission, an explicit version that
    /// exists with other content, a target that changed, or infrastructure failures.
    pub async fn import(
        &self,
        actor: &Actor,
        request: ImportRequest,
    ) -> Result<ImportOutcome, RegistryError> {
        let parsed = parse_skill_md(
            request.files.skill_md().contents(),
            request.folder_name.as_deref(),
        )?;
        let namespace = self.authorize_namespace(actor, &request.namespace).await?;
        let original = parsed.manifest.name().clone();
        let mut attempt: u32 = 1;
        let mut races = 0;
        loop {
            let name = if attempt == 1 {
                original.clone()
            } else {
                original.with_suffix(attempt).ok_or_else(|| {
                    RegistryError::Invalid(format!(
                        "no free name for `{original}`: the suffix makes it too long"
                    ))
                })?
            };
            let (files, manifest) = if attempt == 1 {
                (request.files.clone(), parsed.clone())
            } else {
                renamed(&request.files, &name, &self.config.limits)?
            };
            let id = SkillId::new(request.namespace.clone(), name);
            let occupant = self.stores.catalog.skill(&id).await?;
            let versions = match &occupant {
                Some(skill) => self.stores.catalog.versions(&skill.uid).await?,
                None => Vec::new(),
            };
            let latest = versions.iter().max_by(|a, b| a.version().cmp(b.version()));
            let incoming = files.content_digest();
            let step = decide_import(
                occupant.as_ref().map(|skill| Occupant {
                    skill,
                    latest_content_digest: latest.map(|v| &v.published.content_digest),
                    maintained_by_actor: actor.is_admin()
                        || is_maintainer(actor.user(), skill, namespace.as_ref()),
                }),
                &incoming,
                request.on_conflict,
            );
            let result = match step {
                ImportStep::Unchanged => {
                    let skill =
                        occupant.ok_or_else(|| StoreError::Corrupt("occupant vanished".into()))?;
                    return Ok(ImportOutcome::Unchanged { skill });
                }
                ImportStep::Skip(conflict) => return Ok(ImportOutcome::Skipped(conflict)),
                ImportStep::Conflict(conflict) => return Ok(ImportOutcome::Conflict(conflict)),
                ImportStep::TryNextName => {
                    attempt += 1;
                    if attempt > MAX_RENAME_ATTEMPTS {
                        return Err(RegistryError::Invalid(format!(
                            "no free name for `{original}`"
                        )));
                    }
                    continue;
                }
                ImportStep::Create => {
                    require_scope(actor, TokenScope::PublishNew)?;
                    let version = request
                        .version
                        .clone()
                        .or_else(|| manifest.manifest.version().cloned())
                        .unwrap_or(FIRST_IMPORT_VERSION);
                    let record = SkillRecord {
                        uid: self.ids.skill_uid(),
                        id: id.clone(),
                        created_by: actor.user().clone(),
                        created_at: self.clock.now(),
                        deprecation: None,
                    };
                    let prepared = Prepared::new(&files, &manifest.manifest)?;
                    let audit = self.audited(&id, &version, &files)?;
                    let new_version = prepared.new_version(
                        version,
                        actor.user().clone(),
                        self.clock.now(),
                        Vec::new(),
                        audit,
                    );
                    self.record(
                        actor,
                        &prepared,
                        SkillTarget::New(record),
                        new_version,
                        EventKind::SkillCreated,
                        "import.create",
                    )
                    .await
                    .map(|(skill, version)| ImportOutcome::Created {
                        skill,
                        version,
                        renamed: attempt > 1,
                    })
                }
                ImportStep::Overwrite => {
                    require_scope(actor, TokenScope::PublishUpdate)?;
                    // A maintainer, as decide_import made sure; the rest of the rule:
                    let skill =
                        occupant.ok_or_else(|| StoreError::Corrupt("occupant vanished".into()))?;
                    check_change_skill(
                        actor,
                        TokenScope::PublishUpdate,
                        &skill,
                        namespace.as_ref(),
                    )?;
                    let version = match request
                        .version
                        .clone()
                        .or_else(|| manifest.manifest.version().cloned())
                    {
                        Some(version) => version,
                        None => latest.map_or(FIRST_IMPORT_VERSION, |v| v.version().next_patch()),
                    };
                    let prepared = Prepared::new(&files, &manifest.manifest)?;
                    let audit = self.audited(&skill.id, &version, &files)?;
                    if let Some(stored) = versions.iter().find(|v| v.version() == &version) {
                        if stored.published.archive_digest == prepared.archive_digest {
                            return Ok(ImportOutcome::Unchanged { skill });
                        }
                        return Err(RegistryError::VersionConflict {
                            id: skill.id.clone(),
                            version,
                            existing_archive_digest: stored.published.archive_digest,
                        });
                    }
                    let target = SkillTarget::Existing {
                        uid: skill.uid.clone(),
                        expected_creator: skill.created_by.clone(),
                    };
                    let new_version = prepared.new_version(
                        version,
                        actor.user().clone(),
                        self.clock.now(),
                        Vec::new(),
                        audit,
                    );
                    match self
                        .record(
                            actor,
                            &prepared,
                            target,
                            new_version,
                            EventKind::SkillUpdated,
                            "import.overwrite",
                        )
                        .await
                    {
                        Ok((_, version)) => Ok(ImportOutcome::Overwritten { skill, version }),
                        Err(RegistryError::Store(StoreError::SkillGone)) => {
                            return Err(RegistryError::TargetChanged {
                                id: skill.id,
                                reason: "it was deleted".into(),
                            });
                        }
                        Err(RegistryError::Store(StoreError::CreatorChanged { created_by })) => {
                            return Err(RegistryError::TargetChanged {
                                id: skill.id,
                                reason: format!("it now belongs to `{created_by}`"),
                            });
                        }
                        Err(other) => Err(other),
                    }
                }
            };
            match result {
                // A concurrent import got there first: decide again with what is stored now.
                Err(RegistryError::Store(
                    StoreError::SkillExists { .. } | StoreError::VersionExists { .. },
                )) if races < MAX_RACE_RETRIES => {
                    races += 1;
                }
                other => return other,
            }
        }
    }
}

/// The files with the SKILL.md's `name` set to `name`, so a renamed skill's manifest agrees
/// with its id (installs check that they do).
fn renamed(
    files: &FileSet,
    name: &SkillName,
    limits: &crate::bundle::BundleLimits,
) -> Result<(FileSet, ParsedManifest), RegistryError> {
    let skill_md = files.skill_md();
    let text = std::str::from_utf8(skill_md.contents())
        .map_err(|_| RegistryError::Invalid("SKILL.md is not UTF-8".to_owned()))?;
    let mut in_frontmatter = false;
    let mut replaced = false;
    let mut out = String::with_capacity(text.len() + 8);
    for (index, line) in text.split_inclusive('\n').enumerate() {
        let bare = line.trim_end_matches(['\n', '\r']);
        if bare.trim_start_matches('\u{feff}') == "---" {
            in_frontmatter = index == 0;
        } else if in_frontmatter && !replaced && bare.starts_with("name:") {
            out.push_str("name: ");
            out.push_str(name.as_str());
            out.push_str(&line[bare.len()..]);
            replaced = true;
            continue;
        }
        out.push_str(line);
    }
    if !replaced {
        return Err(RegistryError::Invalid(
            "cannot rename: SKILL.md has no top-level `name:` line".to_owned(),
        ));
    }
    let new_skill_md = BundleFile::new(
        skill_md.path().clone(),
        out.into_bytes(),
        skill_md.executable(),
    );
    let rest = files
        .files()
        .filter(|f| f.path() != skill_md.path())
        .cloned();
    let files = FileSet::new(rest.chain(std::iter::once(new_skill_md)), limits)?;
    let parsed = parse_skill_md(files.skill_md().contents(), Some(name.as_str()))?;
    Ok((files, parsed))
}
