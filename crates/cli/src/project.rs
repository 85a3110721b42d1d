//! `skills.toml` (which skills, which version requests, which clients) and `skills.lock`
//! (what exactly is installed), as formats.md describes them. Both are written atomically
//! (a temporary file beside them, then a rename); lock entries are sorted by id.
//!
//! ```toml
//! # skills.toml
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
use skillreg_core::SkillId;
use skillreg_core::clients::Scope;

use crate::output::Failure;

/// `skills.toml`.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Manifest {
    #[serde(default)]
    pub(crate) install: InstallSection,
    /// Reference (plain name or `ns/name`) → version request.
    #[serde(default)]
    pub(crate) skills: BTreeMap<String, String>,
}

/// `[install]` of `skills.toml`.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct InstallSection {
    /// Client ids; empty means detected.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) clients: Vec<String>,
}

/// `skills.lock`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Lock {
    pub(crate) version: u32,
    #[serde(default, rename = "skill")]
    pub(crate) skills: Vec<LockEntry>,
}

impl Default for Lock {
    fn default() -> Self {
        Lock {
            version: 1,
            skills: Vec::new(),
        }
    }
}

/// One locked skill.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct LockEntry {
    pub(crate) id: String,
    pub(crate) version: String,
    pub(crate) source: String,
    pub(crate) archive_digest: String,
    pub(crate) content_digest: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) signer: Option<String>,
    pub(crate) clients: Vec<String>,
}

impl Lock {
    /// The entry of a skill, by lookup key.
    pub(crate) fn get(&self, id: &SkillId) -> Option<&LockEntry> {
        self.skills.iter().find(|e| {
            e.id.parse::<SkillId>()
                .is_ok_and(|other| other.key() == id.key())
        })
    }

    /// The entry a manifest reference points at (`ns/name`, or a plain name).
    pub(crate) fn for_reference(&self, reference: &skillreg_core::SkillRef) -> Option<&LockEntry> {
        self.skills.iter().find(|entry| {
            entry.id.parse::<SkillId>().is_ok_and(|id| {
                id.name().key() == reference.name().key()
                    && reference
                        .namespace()
                        .is_none_or(|ns| ns.key() == id.namespace().key())
            })
        })
    }

    /// Puts an entry in, replacing the skill's old one.
    pub(crate) fn upsert(&mut self, entry: LockEntry) {
        if let Ok(id) = entry.id.parse::<SkillId>() {
            self.remove(&id);
        }
        self.skills.push(entry);
        self.skills.sort_by(|a, b| a.id.cmp(&b.id));
    }

    /// Takes a skill out.
    pub(crate) fn remove(&mut self, id: &SkillId) -> Option<LockEntry> {
        let index = self.skills.iter().position(|e| {
            e.id.parse::<SkillId>()
                .is_ok_and(|other| other.key() == id.key())
        })?;
        Some(self.skills.remove(index))
    }
}

/// Where a scope's manifest, lock and install root are.
#[derive(Debug, Clone)]
pub(crate) struct Project {
    pub(crate) scope: Scope,
    /// What skill folders are relative to (home or project folder).
    pub(crate) root: PathBuf,
    pub(crate) manifest_path: PathBuf,
    pub(crate) lock_path: PathBuf,
}

impl Project {
    pub(crate) fn new(scope: Scope, home: &Path, config_dir: &Path, project_dir: &Path) -> Self {
        match scope {
            Scope::User => Project {
                scope,
                root: home.to_path_buf(),
                manifest_path: config_dir.join("skills.toml"),
                lock_path: config_dir.join("skills.lock"),
            },
            Scope::Project => Project {
                scope,
                root: project_dir.to_path_buf(),
                manifest_path: project_dir.join("skills.toml"),
                lock_path: project_dir.join("skills.lock"),
            },
        }
    }

    pub(crate) fn manifest(&self) -> Result<Manifest, Failure> {
        read_toml(&self.manifest_path)
    }

    pub(crate) fn lock(&self) -> Result<Lock, Failure> {
        let lock: Lock = read_toml(&self.lock_path)?;
        if lock.version != 1 {
            return Err(Failure::new(format!(
                "{} has lock format version {}; this skillreg reads version 1",
                self.lock_path.display(),
                lock.version
            ))
            .hint("update skillreg"));
        }
        Ok(lock)
    }

    pub(crate) fn save_manifest(&self, manifest: &Manifest) -> Result<(), Failure> {
        write_toml(&self.manifest_path, manifest)
    }

    pub(crate) fn save_lock(&self, lock: &Lock) -> Result<(), Failure> {
        write_toml(&self.lock_path, lock)
    }
}

fn read_toml<T: for<'de> Deserialize<'de> + Default>(path: &Path) -> Result<T, Failure> {
    match std::fs::read_to_string(path) {
        Ok(text) => toml::from_str(&text).map_err(|e| {
            Failure::new(format!("{} is not valid: {e}", path.display()))
                .hint("fix the file by hand, or delete it to start over")
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(T::default()),
        Err(e) => Err(Failure::new(format!("cannot read {}: {e}", path.display()))),
    }
}

fn write_toml<T: Serialize>(path: &Path, value: &T) -> Result<(), Failure> {
    let text = toml::to_string(value)
        .map_err(|e| Failure::new(format!("cannot write {}: {e}", path.display())))?;
    write_atomically(path, text.as_bytes())
}

/// Writes a file through a temporary file beside it and a rename.
pub(crate) fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), Failure> {
    let fail = |e: std::io::Error| Failure::new(format!("cannot write {}: {e}", path.display()));
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(fail)?;
    let mut temp = tempfile::NamedTempFile::new_in(dir).map_err(fail)?;
    std::io::Write::write_all(&mut temp, bytes).map_err(fail)?;
    temp.as_file().sync_all().map_err(fail)?;
    temp.persist(path).map_err(|e| fail(e.error))?;
    Ok(())
}
