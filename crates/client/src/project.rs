//! The project's two files: `skills.toml` (which skills, which version requests, which
//! clients; a [`ProjectManifest`]) and `skills.lock` (what exactly is installed; a
//! [`Lock`] of typed [`LockEntry`]s, parsed once when read, so a malformed entry is an error
//! naming the file rather than a surprise at some later use). Both are written atomically (a
//! temporary file beside them, then a rename); lock entries are sorted by id.
//!
//! ```toml
//! # skills.toml
//! profiles = ["acme/frontend"]
//!
//! [install]
//! clients = ["claude-code", "cursor"]
//!
//! [skills]
//! "acme/pdf-tools" = "^1.2"
//! "email-validator" = "latest"
//! ```
//!
//! For the project scope both files are in the project folder; for the user scope they are
//! in the config folder (`~/.config/skillreg/`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use skillreg_core::clients::{AgentClient, InstallScope};
use skillreg_core::profile::ProfileId;
use skillreg_core::{Digest, SkillId, SkillRef, Version, VersionReq};

/// Why a project file could not be read or written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProjectError {
    /// The file exists but could not be read.
    #[error("cannot read {path}: {reason}")]
    Unreadable {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// The file is not what it should be.
    #[error("{path} is not valid: {reason}")]
    Invalid {
        /// The file.
        path: PathBuf,
        /// What is wrong, and where.
        reason: String,
    },
    /// A lock of a format version this build does not read.
    #[error("{path} has lock format version {version}; this skillreg reads version 1")]
    UnknownLockVersion {
        /// The file.
        path: PathBuf,
        /// The version it declares.
        version: u32,
    },
    /// The file could not be written.
    #[error("cannot write {path}: {reason}")]
    Unwritable {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
}

/// `skills.toml`: the skills a project (or a user) wants, and for which clients.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ProjectManifest {
    /// Agent profiles the project follows (`namespace/name`): their skills are installed
    /// too, and `update` follows their changes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub profiles: Vec<String>,
    /// `[install]`.
    #[serde(default)]
    pub install: InstallSection,
    /// Reference (plain name, `ns/name` or `oci://…`) → version request.
    #[serde(default)]
    pub skills: BTreeMap<String, String>,
}

/// `[install]` of `skills.toml`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct InstallSection {
    /// Client ids (or `all`); empty means the clients found on the machine.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub clients: Vec<String>,
}

/// `skills.lock`: what exactly is installed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Lock {
    /// One entry per skill, sorted by id.
    pub skills: Vec<LockEntry>,
}

/// One locked skill.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LockEntry {
    /// The skill.
    pub id: SkillId,
    /// The exact version installed.
    pub version: Version,
    /// Where it came from: a source's name, `oci+<registry>/<repository>@<digest>`,
    /// `path+<folder>`, or `adopted`.
    pub source: String,
    /// The archive's digest; none for a folder adopted from disk.
    pub archive_digest: Option<Digest>,
    /// The installed files' content digest.
    pub content_digest: Digest,
    /// The signer pinned at install (`ed25519:<fingerprint>`), if it was signed.
    pub signer: Option<String>,
    /// The clients it is installed for (written sorted by id, each once).
    pub clients: Vec<AgentClient>,
    /// The profile it is installed for, when the project asks for it only through one
    /// (`update` removes it when the profile drops it).
    pub profile: Option<ProfileId>,
    /// The index of the registry's transparency log entry the install was proven against
    /// (`None` for a source without a log).
    pub log_index: Option<u64>,
}

/// The lock as its file holds it.
#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct LockFile {
    version: u32,
    #[serde(default, rename = "skill")]
    skills: Vec<LockFileEntry>,
}

/// One entry as its file holds it: text, checked into a [`LockEntry`] when read.
#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct LockFileEntry {
    id: String,
    version: String,
    source: String,
    archive_digest: String,
    content_digest: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    signer: Option<String>,
    clients: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    profile: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    log_index: Option<u64>,
}

impl LockFileEntry {
    fn check(self) -> Result<LockEntry, String> {
        let id: SkillId = self
            .id
            .parse()
            .map_err(|e| format!("the entry `{}` names no skill id: {e}", self.id))?;
        let bad = |what: &str, value: &str| format!("`{id}` has a malformed {what} `{value}`");
        let archive_digest = match self.archive_digest.as_str() {
            "" => None,
            text => Some(text.parse().map_err(|_| bad("archive_digest", text))?),
        };
        Ok(LockEntry {
            version: self
                .version
                .parse()
                .map_err(|_| bad("version", &self.version))?,
            source: self.source,
            archive_digest,
            content_digest: self
                .content_digest
                .parse()
                .map_err(|_| bad("content_digest", &self.content_digest))?,
            signer: self.signer,
            clients: self
                .clients
                .iter()
                .map(|c| c.parse().map_err(|_| bad("client", c)))
                .collect::<Result<_, _>>()?,
            profile: self
                .profile
                .as_deref()
                .map(|p| p.parse().map_err(|_| bad("profile", p)))
                .transpose()?,
            log_index: self.log_index,
            id,
        })
    }
}

impl From<&LockEntry> for LockFileEntry {
    fn from(entry: &LockEntry) -> Self {
        LockFileEntry {
            id: entry.id.to_string(),
            version: entry.version.to_string(),
            source: entry.source.clone(),
            archive_digest: entry
                .archive_digest
                .map(|d| d.to_string())
                .unwrap_or_default(),
            content_digest: entry.content_digest.to_string(),
            signer: entry.signer.clone(),
            clients: {
                let mut ids: Vec<String> =
                    entry.clients.iter().map(|c| c.id().to_owned()).collect();
                ids.sort();
                ids.dedup();
                ids
            },
            profile: entry.profile.as_ref().map(ToString::to_string),
            log_index: entry.log_index,
        }
    }
}

impl Lock {
    /// Reads a lock's text; `origin` names it in errors.
    ///
    /// # Errors
    /// [`ProjectError::Invalid`] for text that is not a lock or an entry that does not
    /// check; [`ProjectError::UnknownLockVersion`].
    pub fn parse(text: &str, origin: &Path) -> Result<Lock, ProjectError> {
        let invalid = |reason: String| ProjectError::Invalid {
            path: origin.to_path_buf(),
            reason,
        };
        let file: LockFile = toml::from_str(text).map_err(|e| invalid(e.to_string()))?;
        if file.version != 1 {
            return Err(ProjectError::UnknownLockVersion {
                path: origin.to_path_buf(),
                version: file.version,
            });
        }
        let mut lock = Lock::default();
        for entry in file.skills {
            lock.upsert(entry.check().map_err(invalid)?);
        }
        Ok(lock)
    }

    /// The lock's text.
    pub fn render(&self) -> String {
        let file = LockFile {
            version: 1,
            skills: self.skills.iter().map(LockFileEntry::from).collect(),
        };
        toml::to_string(&file).unwrap_or_default()
    }

    /// The entry of a skill, by lookup key.
    pub fn get(&self, id: &SkillId) -> Option<&LockEntry> {
        self.skills.iter().find(|e| e.id.key() == id.key())
    }

    /// The entry a manifest reference points at (`ns/name`, or a plain name).
    pub fn for_reference(&self, reference: &SkillRef) -> Option<&LockEntry> {
        self.skills.iter().find(|entry| {
            entry.id.name().key() == reference.name().key()
                && reference
                    .namespace()
                    .is_none_or(|ns| ns.key() == entry.id.namespace().key())
        })
    }

    /// The entry a reference points at if its version still satisfies `request`: what an
    /// install from the lock may use without resolving again. `None` means the lock is
    /// stale for this reference (or never had it).
    pub fn satisfying(&self, reference: &SkillRef, request: &VersionReq) -> Option<&LockEntry> {
        self.for_reference(reference)
            .filter(|entry| request.matches(&entry.version))
    }

    /// Puts an entry in, replacing the skill's old one.
    pub fn upsert(&mut self, entry: LockEntry) {
        self.remove(&entry.id);
        self.skills.push(entry);
        self.skills.sort_by_key(|e| e.id.to_string());
    }

    /// Takes a skill out.
    pub fn remove(&mut self, id: &SkillId) -> Option<LockEntry> {
        let index = self.skills.iter().position(|e| e.id.key() == id.key())?;
        Some(self.skills.remove(index))
    }
}

/// Where a scope's manifest, lock and install root are, and reading and writing them.
#[derive(Debug, Clone)]
pub struct Project {
    /// The scope.
    pub scope: InstallScope,
    /// What skill folders are relative to (home or project folder).
    pub root: PathBuf,
    /// `skills.toml`.
    pub manifest_path: PathBuf,
    /// `skills.lock`.
    pub lock_path: PathBuf,
}

impl Project {
    /// The files of `scope`: in the config folder for the user, in the project folder for a
    /// project.
    pub fn new(scope: InstallScope, home: &Path, config_dir: &Path, project_dir: &Path) -> Self {
        let (root, files) = match scope {
            InstallScope::User => (home, config_dir),
            InstallScope::Project => (project_dir, project_dir),
        };
        Project {
            scope,
            root: root.to_path_buf(),
            manifest_path: files.join("skills.toml"),
            lock_path: files.join("skills.lock"),
        }
    }

    /// `skills.toml`, empty when there is none.
    ///
    /// # Errors
    /// [`ProjectError::Unreadable`] or [`ProjectError::Invalid`].
    pub fn manifest(&self) -> Result<ProjectManifest, ProjectError> {
        match read(&self.manifest_path)? {
            Some(text) => toml::from_str(&text).map_err(|e| ProjectError::Invalid {
                path: self.manifest_path.clone(),
                reason: e.to_string(),
            }),
            None => Ok(ProjectManifest::default()),
        }
    }

    /// `skills.lock`, empty when there is none.
    ///
    /// # Errors
    /// [`ProjectError::Unreadable`], [`ProjectError::Invalid`] or
    /// [`ProjectError::UnknownLockVersion`].
    pub fn lock(&self) -> Result<Lock, ProjectError> {
        match read(&self.lock_path)? {
            Some(text) => Lock::parse(&text, &self.lock_path),
            None => Ok(Lock::default()),
        }
    }

    /// Writes `skills.toml`, unless it holds exactly that already.
    ///
    /// # Errors
    /// [`ProjectError::Unwritable`].
    pub fn save_manifest(&self, manifest: &ProjectManifest) -> Result<(), ProjectError> {
        let text = toml::to_string(manifest).map_err(|e| ProjectError::Unwritable {
            path: self.manifest_path.clone(),
            reason: e.to_string(),
        })?;
        write_if_changed(&self.manifest_path, text.as_bytes())
    }

    /// Writes `skills.lock`, unless it holds exactly that already.
    ///
    /// # Errors
    /// [`ProjectError::Unwritable`].
    pub fn save_lock(&self, lock: &Lock) -> Result<(), ProjectError> {
        write_if_changed(&self.lock_path, lock.render().as_bytes())
    }
}

/// Writes `bytes` to `path` atomically, unless the file holds exactly them already (so a
/// command that changes nothing leaves the file, and its modification time, alone).
fn write_if_changed(path: &Path, bytes: &[u8]) -> Result<(), ProjectError> {
    if std::fs::read(path).is_ok_and(|current| current == bytes) {
        return Ok(());
    }
    write_atomically(path, bytes).map_err(|e| ProjectError::Unwritable {
        path: path.to_path_buf(),
        reason: e.to_string(),
    })
}

fn read(path: &Path) -> Result<Option<String>, ProjectError> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(Some(text)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(ProjectError::Unreadable {
            path: path.to_path_buf(),
            reason: e.to_string(),
        }),
    }
}

/// Writes a file through a temporary file beside it, synced, and a rename: a reader sees
/// the old file or the new one, never a part. The file gets the usual permissions (0644
/// under the default umask), since projects commit what this writes; secrets are written
/// otherwise.
///
/// # Errors
/// The I/O error of the step that failed (nothing is left but the old file).
pub fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let mut builder = tempfile::Builder::new();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        // Asked of the kernel when the file is made, so the umask applies as to any file.
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    let mut temp = builder.tempfile_in(dir)?;
    std::io::Write::write_all(&mut temp, bytes)?;
    temp.as_file().sync_all()?;
    temp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

#[cfg(test)]
mod tests;
