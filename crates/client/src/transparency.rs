//! Checking a registry's transparency log before installing from it.
//!
//! On the first contact of a command with a registry ([`LogTrust::view`]) the client reads
//! the log's key and its latest checkpoint, checks the checkpoint's signature (and the
//! witnesses' cosignatures the policy asks for), and proves with a consistency proof that
//! the new tree extends the last one it trusted from that registry; it then keeps the new
//! checkpoint. Each install is proven ([`LogView::prove`]): the entry at the index the
//! registry gave must name exactly the id, version and digests installed, and its inclusion
//! proof must lead to the trusted tree head. The key seen first is pinned: a registry that
//! changes it, drops its log, goes back, or forks is refused.
//!
//! What the client keeps under its state folder: per registry URL, `<url>.key` (the log's
//! verifier key, pinned at first contact), and per log origin, `<origin>.checkpoint` (the
//! last signed checkpoint it trusted), names made into file names. Replicas of one registry
//! serve one log under one origin, so what one replica showed binds the others.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use skillreg_adapters::http::{ClientError, RegistryClient};
use skillreg_adapters::signing::note::signed_by;
use skillreg_core::log::{
    Checkpoint, EntryKind, LogEntry, NoteKey, SignedNote, leaf_hash, verify_consistency,
    verify_inclusion,
};
use skillreg_core::resolve::FetchedSkill;

/// Why a registry's log was not trusted. Nothing was installed.
#[derive(Debug, thiserror::Error)]
pub enum LogFailure {
    /// The registry's log contradicts itself or what it served: refused.
    #[error("registry {registry} is inconsistent: {reason}")]
    Inconsistent {
        /// The registry.
        registry: String,
        /// What did not hold.
        reason: String,
    },
    /// Fewer of the configured witnesses cosigned its checkpoint than the policy asks.
    #[error(
        "registry {registry}'s checkpoint of {size} entries is cosigned by {found} of the {wanted} witnesses required"
    )]
    Unwitnessed {
        /// The registry.
        registry: String,
        /// The checkpoint's size.
        size: u64,
        /// Cosignatures by configured witnesses.
        found: usize,
        /// The quorum.
        wanted: usize,
    },
    /// The entry is newer than the newest checkpoint the witnesses cosigned.
    #[error(
        "{what} is entry {index} of registry {registry}'s log, and the newest checkpoint its witnesses cosigned holds {size} entries"
    )]
    NotYetWitnessed {
        /// The registry.
        registry: String,
        /// What was installed.
        what: String,
        /// Its entry.
        index: u64,
        /// The cosigned checkpoint's size.
        size: u64,
    },
    /// The registry could not be asked.
    #[error(transparent)]
    Source(#[from] ClientError),
    /// The trusted state could not be read or written.
    #[error("the trusted log state {path}: {reason}")]
    State {
        /// The file.
        path: PathBuf,
        /// What failed.
        reason: String,
    },
}

/// What the client checks logs with: where it keeps what it trusted, and the witnesses.
#[derive(Debug, Default)]
pub struct LogTrust {
    /// The folder of the trusted keys and checkpoints.
    pub state_dir: PathBuf,
    /// Witness keys whose cosignatures count.
    pub witnesses: Vec<NoteKey>,
    /// How many of them must have cosigned a checkpoint (0: none needed).
    pub quorum: usize,
    /// The views made so far by this command, by registry.
    views: Mutex<Vec<(String, LogView)>>,
}

/// A registry's log as this command trusts it: its key and a checked checkpoint.
#[derive(Debug, Clone)]
pub struct LogView {
    /// The registry.
    pub registry: String,
    /// The log's key.
    pub key: NoteKey,
    /// The checkpoint trusted.
    pub checkpoint: Checkpoint,
    /// The signed note it came in.
    pub note: String,
    /// Whether it is the newest the witnesses cosigned (else the newest the log signed).
    pub witnessed: bool,
}

/// `url` as a file name: every byte but letters, digits, `.` and `-` becomes `_`.
fn file_name(url: &str) -> String {
    url.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

fn state_error(path: &Path, error: &dyn std::fmt::Display) -> LogFailure {
    LogFailure::State {
        path: path.to_path_buf(),
        reason: error.to_string(),
    }
}

fn read_state(path: &Path) -> Result<Option<String>, LogFailure> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(Some(text)),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(error) => Err(state_error(path, &error)),
    }
}

/// Replaces `path` with `text` whole ([`crate::project::write_atomically`]).
fn write_state(path: &Path, text: &str) -> Result<(), LogFailure> {
    crate::project::write_atomically(path, text.as_bytes()).map_err(|e| state_error(path, &e))
}

impl LogTrust {
    /// Checks logs against what is kept in `state_dir`, with no witnesses required.
    pub fn new(state_dir: PathBuf) -> Self {
        LogTrust {
            state_dir,
            ..LogTrust::default()
        }
    }

    /// Where the log key pinned for `registry` is kept.
    pub fn key_file(&self, registry: &str) -> PathBuf {
        self.state_dir.join(format!("{}.key", file_name(registry)))
    }

    /// Where the last checkpoint trusted of the log named `origin` is kept.
    pub fn checkpoint_file(&self, origin: &str) -> PathBuf {
        self.state_dir
            .join(format!("{}.checkpoint", file_name(origin)))
    }

    /// The view of `client`'s log for this command: made on the first call (see the
    /// module's documentation), the same one after. `None` for a registry that keeps no log
    /// and never did.
    ///
    /// # Errors
    /// [`LogFailure`].
    pub async fn view(&self, client: &RegistryClient) -> Result<Option<LogView>, LogFailure> {
        let registry = client.base().to_owned();
        if let Some((_, view)) = self.lock_views().iter().find(|(r, _)| *r == registry) {
            return Ok(Some(view.clone()));
        }
        let Some(view) = self.contact(client).await? else {
            return Ok(None);
        };
        self.lock_views().push((registry, view.clone()));
        Ok(Some(view))
    }

    fn lock_views(&self) -> std::sync::MutexGuard<'_, Vec<(String, LogView)>> {
        self.views
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    async fn contact(&self, client: &RegistryClient) -> Result<Option<LogView>, LogFailure> {
        let registry = client.base().to_owned();
        let inconsistent = |reason: String| LogFailure::Inconsistent {
            registry: registry.clone(),
            reason,
        };
        let key_file = self.key_file(&registry);
        let pinned = read_state(&key_file)?
            .map(|text| NoteKey::parse(&text).map_err(|e| state_error(&key_file, &e)))
            .transpose()?;
        let info = match client.log_info().await {
            Ok(info) => info,
            Err(error) if error.api().is_some_and(|a| a.status == 404) => {
                return match pinned {
                    Some(_) => Err(inconsistent(
                        "it no longer serves the transparency log it served before".to_owned(),
                    )),
                    None => Ok(None),
                };
            }
            Err(error) => return Err(error.into()),
        };
        let key = NoteKey::parse(&info.key).map_err(|e| inconsistent(e.to_string()))?;
        if let Some(pinned) = &pinned
            && pinned != &key
        {
            return Err(inconsistent(format!(
                "its log key is now {}, not {} as before",
                key.to_text(),
                pinned.to_text()
            )));
        }
        let (note_text, checkpoint) = if self.quorum == 0 {
            let text = client.log_checkpoint().await?;
            let checkpoint = checked(&text, &key).map_err(inconsistent)?;
            (text, checkpoint)
        } else {
            self.witnessed(client, &key).await?
        };
        let checkpoint_file = self.checkpoint_file(&checkpoint.origin);
        if let Some(text) = read_state(&checkpoint_file)? {
            let trusted = SignedNote::parse(&text)
                .ok()
                .and_then(|note| Checkpoint::parse(&note.text).ok())
                .ok_or_else(|| state_error(&checkpoint_file, &"not a checkpoint"))?;
            self.extends(client, &trusted, &checkpoint)
                .await
                .map_err(inconsistent)?;
        }
        if pinned.is_none() {
            write_state(&key_file, &format!("{}\n", key.to_text()))?;
        }
        write_state(&checkpoint_file, &note_text)?;
        Ok(Some(LogView {
            registry,
            key,
            checkpoint,
            note: note_text,
            witnessed: self.quorum > 0,
        }))
    }

    /// The newest cosigned checkpoint `quorum` of the configured witnesses signed.
    async fn witnessed(
        &self,
        client: &RegistryClient,
        key: &NoteKey,
    ) -> Result<(String, Checkpoint), LogFailure> {
        let registry = client.base().to_owned();
        let mut best: Option<(usize, u64)> = None;
        for text in client.log_cosigned().await?.checkpoints {
            let Ok(checkpoint) = checked(&text, key) else {
                continue;
            };
            let Ok(note) = SignedNote::parse(&text) else {
                continue;
            };
            let found = self
                .witnesses
                .iter()
                .filter(|witness| signed_by(&note, witness))
                .count();
            if found >= self.quorum {
                return Ok((text, checkpoint));
            }
            if best.is_none_or(|(most, _)| found > most) {
                best = Some((found, checkpoint.size));
            }
        }
        let (found, size) = best.unwrap_or((0, 0));
        Err(LogFailure::Unwitnessed {
            registry,
            size,
            found,
            wanted: self.quorum,
        })
    }

    /// Whether `new` extends `trusted`; the reason when it does not.
    async fn extends(
        &self,
        client: &RegistryClient,
        trusted: &Checkpoint,
        new: &Checkpoint,
    ) -> Result<(), String> {
        if new.size < trusted.size {
            return Err(format!(
                "its log went back from {} to {} entries",
                trusted.size, new.size
            ));
        }
        let hashes = if new.size == trusted.size || trusted.size == 0 {
            Vec::new()
        } else {
            let proof = client
                .log_consistency(trusted.size, new.size)
                .await
                .map_err(|e| format!("it gave no consistency proof: {e}"))?;
            skillreg_api::hashes_from_base64(&proof.hashes)?
        };
        verify_consistency(trusted.size, new.size, &trusted.root, &new.root, &hashes).map_err(|e| {
            format!(
                "its log of {} entries does not extend the one of {} entries trusted before \
                     ({e})",
                new.size, trusted.size
            )
        })
    }
}

/// The checkpoint of a signed note, when `key` signed it and it names `key`'s log; the
/// reason when not.
fn checked(text: &str, key: &NoteKey) -> Result<Checkpoint, String> {
    let note = SignedNote::parse(text).map_err(|e| e.to_string())?;
    if !signed_by(&note, key) {
        return Err("its checkpoint is not signed by its log key".to_owned());
    }
    let checkpoint = Checkpoint::parse(&note.text).map_err(|e| e.to_string())?;
    if checkpoint.origin != key.name {
        return Err(format!(
            "its checkpoint names the log `{}`, its key `{}`",
            checkpoint.origin, key.name
        ));
    }
    Ok(checkpoint)
}

impl LogView {
    /// Proves that `fetched` is what entry `index` of the trusted tree records; returns the
    /// index.
    ///
    /// # Errors
    /// [`LogFailure::Inconsistent`] naming what did not hold, or [`LogFailure::Source`].
    pub async fn prove(
        &self,
        client: &RegistryClient,
        index: Option<u64>,
        fetched: &FetchedSkill,
    ) -> Result<u64, LogFailure> {
        let what = format!("{} {}", fetched.id, fetched.version);
        let inconsistent = |reason: String| LogFailure::Inconsistent {
            registry: self.registry.clone(),
            reason,
        };
        let index =
            index.ok_or_else(|| inconsistent(format!("it gave no log entry for {what}")))?;
        let size = self.checkpoint.size;
        if index >= size && self.witnessed {
            return Err(LogFailure::NotYetWitnessed {
                registry: self.registry.clone(),
                what,
                index,
                size,
            });
        }
        if index >= size {
            return Err(inconsistent(format!(
                "{what} is entry {index}, outside its signed log of {size} entries"
            )));
        }
        let proof = client.log_inclusion(index, size).await?;
        let bytes = proof
            .entry
            .entry_bytes()
            .map_err(&inconsistent)?
            .ok_or_else(|| inconsistent(format!("it withholds log entry {index} ({what})")))?;
        let leaf = leaf_hash(&bytes);
        if proof.entry.index != index || proof.size != size {
            return Err(inconsistent(format!(
                "it answered for entry {} of {} entries, not {index} of {size}",
                proof.entry.index, proof.size
            )));
        }
        let hashes = skillreg_api::hashes_from_base64(&proof.hashes).map_err(&inconsistent)?;
        verify_inclusion(&leaf, index, size, &hashes, &self.checkpoint.root).map_err(|e| {
            inconsistent(format!(
                "log entry {index} ({what}) is not in its signed tree: {e}"
            ))
        })?;
        let entry = LogEntry::parse(&bytes).map_err(|e| inconsistent(e.to_string()))?;
        let records = matches!(entry.kind, EntryKind::Publish | EntryKind::Move)
            && entry.id == fetched.id
            && entry.version.as_deref() == Some(fetched.version.to_string().as_str())
            && entry.archive == Some(fetched.archive_digest)
            && entry.content == Some(fetched.content_digest);
        if !records {
            return Err(inconsistent(format!(
                "log entry {index} records {} {} {} with archive {}, not the {what} it served \
                 (archive {})",
                entry.kind.as_str(),
                entry.id,
                entry.version.as_deref().unwrap_or("-"),
                entry
                    .archive
                    .map_or_else(|| "-".to_owned(), |d| d.to_string()),
                fetched.archive_digest
            )));
        }
        Ok(index)
    }
}
