//! What a person's pages need beyond the API's reads: a version's files, unpacked (kept in a
//! bounded memory cache by archive digest, since an archive never changes), and sessions: a
//! token pasted once becomes a session token of the same grants that lives
//! [`SESSION_HOURS`] hours at most, and signing out revokes it.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, PoisonError};

use crate::auth::Actor;
use crate::bundle::{FileSet, read_archive};
use crate::digest::Digest;
use crate::identity::SkillId;
use crate::model::{
    AuditEntry, RatingRecord, RatingSummary, SkillRecord, Timestamp, VersionRecord,
};
use crate::version::VersionReq;

use super::{IssuedToken, Registry, RegistryError, is_token_shaped, mint_token};

/// How long a session lives, at most (less when the token signed in with expires sooner).
pub const SESSION_HOURS: i64 = 12;

/// The name of every session token (what `skillreg token list` shows for one).
pub const SESSION_TOKEN_NAME: &str = "web session";

/// How many versions' files the cache keeps, and the largest file set it keeps.
const CACHED_FILE_SETS: usize = 512;
const LARGEST_CACHED_FILE_SET: u64 = 1024 * 1024;

/// Unpacked file sets, by archive digest.
#[derive(Debug, Default)]
pub(super) struct FileSetCache {
    kept: Mutex<BTreeMap<Digest, Arc<FileSet>>>,
}

impl FileSetCache {
    fn get(&self, digest: &Digest) -> Option<Arc<FileSet>> {
        self.kept
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(digest)
            .cloned()
    }

    fn put(&self, digest: Digest, files: Arc<FileSet>) {
        if files.unpacked_size() > LARGEST_CACHED_FILE_SET {
            return;
        }
        let mut kept = self.kept.lock().unwrap_or_else(PoisonError::into_inner);
        if kept.len() >= CACHED_FILE_SETS {
            // Any entry will do: a miss only costs one unpacking.
            kept.pop_first();
        }
        kept.insert(digest, files);
    }
}

/// What a skill's page shows.
#[derive(Debug, Clone)]
pub struct SkillPage {
    /// The skill.
    pub skill: SkillRecord,
    /// The version shown.
    pub version: VersionRecord,
    /// Every version, oldest first.
    pub versions: Vec<VersionRecord>,
    /// The shown version's files.
    pub files: Arc<FileSet>,
    /// Installs, all time.
    pub downloads: u64,
    /// The rating.
    pub rating: RatingSummary,
    /// The newest reviews, newest first.
    pub recent: Vec<RatingRecord>,
}

/// One version with its files.
#[derive(Debug, Clone)]
pub struct VersionFiles {
    /// The skill.
    pub skill: SkillRecord,
    /// The version.
    pub version: VersionRecord,
    /// Its files, unpacked.
    pub files: Arc<FileSet>,
}

impl Registry {
    /// The files of the version `request` means, unpacked; not counted as a download.
    ///
    /// # Errors
    /// [`RegistryError::SkillNotFound`] (also when `reader` may not see it),
    /// [`RegistryError::VersionNotFound`], [`RegistryError::ArchiveMissing`], a damaged
    /// archive, or a store failure.
    pub async fn version_files(
        &self,
        reader: Option<&Actor>,
        id: &SkillId,
        request: &VersionReq,
    ) -> Result<VersionFiles, RegistryError> {
        let (skill, version) = self.resolve_version(reader, id, request).await?;
        let files = self.files_of(&version).await?;
        Ok(VersionFiles {
            skill,
            version,
            files,
        })
    }

    /// Everything a skill's page shows, read once: the version `request` means with its
    /// files, every version, installs, the rating and the newest reviews.
    ///
    /// # Errors
    /// [`RegistryError::SkillNotFound`] (also when `reader` may not see it),
    /// [`RegistryError::VersionNotFound`], [`RegistryError::ArchiveMissing`], a damaged
    /// archive, or a store failure.
    pub async fn skill_page(
        &self,
        reader: Option<&Actor>,
        id: &SkillId,
        request: &VersionReq,
    ) -> Result<SkillPage, RegistryError> {
        let (skill, versions) = self.visible_versions(reader, id).await?;
        let version = super::chosen(&skill, &versions, request)?.clone();
        let files = self.files_of(&version).await?;
        let downloads = self.stores.stats.download_count(&skill.uid).await?;
        let rating = self.stores.stats.rating_summary(&skill.uid).await?;
        let recent = self
            .stores
            .stats
            .ratings(&skill.uid, super::RECENT_REVIEWS)
            .await?;
        Ok(SkillPage {
            skill,
            version,
            versions,
            files,
            downloads,
            rating,
            recent,
        })
    }

    /// A version's files: from the cache, else unpacked from its archive and kept.
    pub(super) async fn files_of(
        &self,
        version: &VersionRecord,
    ) -> Result<Arc<FileSet>, RegistryError> {
        let digest = version.published.archive_digest;
        if let Some(files) = self.file_sets.get(&digest) {
            return Ok(files);
        }
        let archive = self.archive(&digest).await?;
        let files = Arc::new(read_archive(&archive, &self.config.limits)?);
        self.file_sets.put(digest, Arc::clone(&files));
        Ok(files)
    }

    /// Starts a session with a token's secret: a new token of the same user, scopes and
    /// namespaces, named [`SESSION_TOKEN_NAME`], living [`SESSION_HOURS`] hours (or until
    /// the token signed in with expires, if sooner). `None` when the secret is no live
    /// token.
    ///
    /// # Errors
    /// [`RegistryError::NoRandomness`], or a store failure.
    pub async fn start_session(&self, secret: &str) -> Result<Option<IssuedToken>, RegistryError> {
        if !is_token_shaped(secret) {
            return Ok(None);
        }
        let Some(actor) = self.authenticate(secret).await? else {
            return Ok(None);
        };
        let now = self.clock.now();
        let random = self.ids.secret().ok_or(RegistryError::NoRandomness)?;
        let mut issued = mint_token(
            random,
            actor.user().clone(),
            SESSION_TOKEN_NAME,
            actor.scopes().to_vec(),
            actor.namespaces().to_vec(),
            now,
        )?;
        let lifetime = Timestamp::from_unix_millis(
            now.unix_millis().saturating_add(SESSION_HOURS * 3_600_000),
        );
        issued.record.expires_at = Some(
            actor
                .expires_at()
                .map_or(lifetime, |granter| granter.min(lifetime)),
        );
        let audit = AuditEntry {
            actor: actor.user().clone(),
            action: "session.start".to_owned(),
            target: format!("{}:{}", issued.record.user, issued.record.id),
            at: now,
        };
        self.stores
            .credentials
            .insert_token(&issued.record, &audit)
            .await?;
        Ok(Some(issued))
    }

    /// Ends the session whose token has this secret: the token is revoked. Ending a
    /// session that is no longer live changes nothing.
    ///
    /// # Errors
    /// A store failure.
    pub async fn end_session(&self, secret: &str) -> Result<(), RegistryError> {
        if !is_token_shaped(secret) {
            return Ok(());
        }
        let digest = Digest::of(secret.as_bytes());
        let Some(token) = self.stores.credentials.token_by_secret(&digest).await? else {
            return Ok(());
        };
        let now = self.clock.now();
        if !token.is_live(now) {
            return Ok(());
        }
        let audit = AuditEntry {
            actor: token.user.clone(),
            action: "session.end".to_owned(),
            target: format!("{}:{}", token.user, token.id),
            at: now,
        };
        self.stores
            .credentials
            .revoke_token(&token.user, &token.id, now, &audit)
            .await?;
        Ok(())
    }
}
