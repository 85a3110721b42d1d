//! The transparency log's reads: its signed checkpoint, inclusion and consistency proofs,
//! and its entries. The store keeps the entries in order; each replica keeps the tree
//! derived from their leaf hashes ([`Tree`]), reading only the entries it has not seen.
//!
//! Who may read an entry's bytes is who may read every namespace it names; anyone allowed
//! to read the registry gets every leaf hash, so the tree can be checked whole without
//! learning what a restricted namespace holds.

use std::sync::{Arc, Mutex, MutexGuard};

use crate::auth::Actor;
use crate::identity::Namespace;
use crate::log::{Checkpoint, Hash, NoteKey, ProofError, SignedNote, Tree};
use crate::ports::NoteSigner;

use super::{Registry, RegistryError};

/// The most entries one read returns.
pub const MAX_LOG_PAGE: u32 = 1000;

/// How many leaf hashes one catch-up read takes from the store.
const SYNC_BATCH: u32 = 10_000;

/// A replica's view of the log: the tree so far, and the last checkpoint it signed.
#[derive(Debug, Default)]
pub(super) struct LogState {
    signer: Option<Arc<dyn NoteSigner>>,
    tree: Mutex<Tree>,
    signed: Mutex<Option<(u64, String)>>,
}

impl LogState {
    pub(super) fn signed_by(signer: Arc<dyn NoteSigner>) -> Self {
        LogState {
            signer: Some(signer),
            ..LogState::default()
        }
    }

    fn tree(&self) -> MutexGuard<'_, Tree> {
        self.tree
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// One entry as a reader gets it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogRead {
    /// Its index.
    pub index: u64,
    /// Its leaf hash.
    pub leaf: Hash,
    /// Its canonical bytes, when the reader may read every namespace it names.
    pub entry: Option<Vec<u8>>,
}

/// An entry and the proof that it is in the tree of `size` entries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InclusionProof {
    /// The entry.
    pub entry: LogRead,
    /// The tree size the proof is for.
    pub size: u64,
    /// The proof's hashes, nearest the leaf first.
    pub hashes: Vec<Hash>,
}

fn proof_error(error: ProofError) -> RegistryError {
    RegistryError::Invalid(error.to_string())
}

impl Registry {
    /// The log's verifier key.
    ///
    /// # Errors
    /// [`RegistryError::NoLogKey`], or [`crate::auth::AccessError::SignInRequired`].
    pub fn log_key(&self, reader: Option<&Actor>) -> Result<NoteKey, RegistryError> {
        self.admit(reader)?;
        self.log
            .signer
            .as_ref()
            .map(|signer| signer.key().clone())
            .ok_or(RegistryError::NoLogKey)
    }

    /// Records this replica's log key as the one that signs the store's log, or checks it is
    /// the one recorded: replicas of one database sign one log with one key.
    ///
    /// # Errors
    /// [`RegistryError::Invalid`] naming both keys when another key signs this log;
    /// [`RegistryError::NoLogKey`]; a store failure.
    pub async fn claim_log_key(&self) -> Result<(), RegistryError> {
        let own = self
            .log
            .signer
            .as_ref()
            .ok_or(RegistryError::NoLogKey)?
            .key()
            .to_text();
        let recorded = self.stores.log.claim_log_key(&own).await?;
        if recorded != own {
            return Err(RegistryError::Invalid(format!(
                "this database's transparency log is signed by {recorded}, and this replica \
                 was given {own}: give every replica the same log key file (--log-key)"
            )));
        }
        Ok(())
    }

    /// Brings this replica's tree up to the store's entries; returns its size.
    async fn synced_log(&self) -> Result<u64, RegistryError> {
        loop {
            let from = self.log.tree().size();
            let leaves = self.stores.log.log_leaves(from, SYNC_BATCH).await?;
            let read = leaves.len();
            {
                let mut tree = self.log.tree();
                // Another request may have pushed some of them meanwhile.
                let skip = usize::try_from(tree.size() - from).unwrap_or(usize::MAX);
                for leaf in leaves.into_iter().skip(skip) {
                    tree.push(leaf);
                }
            }
            if read < SYNC_BATCH as usize {
                return Ok(self.log.tree().size());
            }
        }
    }

    /// The latest checkpoint, signed: the note's whole text.
    ///
    /// # Errors
    /// [`RegistryError::NoLogKey`], [`crate::auth::AccessError::SignInRequired`], or a
    /// store failure.
    pub async fn log_checkpoint(&self, reader: Option<&Actor>) -> Result<String, RegistryError> {
        self.admit(reader)?;
        let signer = self.log.signer.clone().ok_or(RegistryError::NoLogKey)?;
        let size = self.synced_log().await?;
        let mut signed = self
            .log
            .signed
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some((at, note)) = signed.as_ref()
            && *at == size
        {
            return Ok(note.clone());
        }
        let root = self.log.tree().root(size).map_err(proof_error)?;
        let text = Checkpoint {
            origin: signer.key().name.clone(),
            size,
            root,
            time: self.clock.now().unix_millis(),
        }
        .to_text();
        let signature = signer.sign(&text);
        let note = SignedNote {
            text,
            signatures: vec![signature],
        }
        .to_text();
        *signed = Some((size, note.clone()));
        Ok(note)
    }

    /// The proof that entry `index` is in the tree of `size` entries (the current size
    /// when `None`), with the entry.
    ///
    /// # Errors
    /// [`RegistryError::Invalid`] for an index or size outside the log, or a store failure.
    pub async fn log_inclusion(
        &self,
        reader: Option<&Actor>,
        index: u64,
        size: Option<u64>,
    ) -> Result<InclusionProof, RegistryError> {
        self.admit(reader)?;
        let current = self.synced_log().await?;
        let size = size.unwrap_or(current);
        let hashes = self
            .log
            .tree()
            .inclusion_proof(index, size)
            .map_err(proof_error)?;
        let entry = self
            .log_entries(reader, index, 1)
            .await?
            .into_iter()
            .next()
            .ok_or_else(|| RegistryError::Invalid(format!("the log has no entry {index}")))?;
        Ok(InclusionProof {
            entry,
            size,
            hashes,
        })
    }

    /// The proof that the tree of `old` entries is a prefix of the tree of `new` entries
    /// (the current size when `None`); returns the new size and the hashes.
    ///
    /// # Errors
    /// [`RegistryError::Invalid`] for sizes outside the log, or a store failure.
    pub async fn log_consistency(
        &self,
        reader: Option<&Actor>,
        old: u64,
        new: Option<u64>,
    ) -> Result<(u64, Vec<Hash>), RegistryError> {
        self.admit(reader)?;
        let current = self.synced_log().await?;
        let new = new.unwrap_or(current);
        let hashes = self
            .log
            .tree()
            .consistency_proof(old, new)
            .map_err(proof_error)?;
        Ok((new, hashes))
    }

    /// Adds a witness's cosignature to a checkpoint this log signed: `note` is the
    /// checkpoint with the log's signature and the witness's, `witness` the witness's
    /// verifier key. The cosignatures kept for the same checkpoint are merged; returns the
    /// note as kept.
    ///
    /// # Errors
    /// [`RegistryError::Invalid`] for a note that is not a checkpoint this log signed of its
    /// tree, or that `witness` did not sign; [`RegistryError::NoLogKey`]; a store failure.
    pub async fn log_cosign(
        &self,
        reader: Option<&Actor>,
        note: &str,
        witness: &str,
    ) -> Result<String, RegistryError> {
        self.admit(reader)?;
        let signer = self.log.signer.clone().ok_or(RegistryError::NoLogKey)?;
        let invalid = RegistryError::Invalid;
        let note = SignedNote::parse(note).map_err(|e| invalid(e.to_string()))?;
        let witness = NoteKey::parse(witness).map_err(|e| invalid(e.to_string()))?;
        let checkpoint = Checkpoint::parse(&note.text).map_err(|e| invalid(e.to_string()))?;
        let own = signer.key();
        if !signer.verifies(&note, own) || checkpoint.origin != own.name {
            return Err(invalid(format!(
                "the note is not a checkpoint signed by this log ({})",
                own.to_text()
            )));
        }
        if witness.name == own.name || !signer.verifies(&note, &witness) {
            return Err(invalid(format!(
                "the note carries no signature by the witness key {}",
                witness.to_text()
            )));
        }
        let size = self.synced_log().await?;
        let root = self.log.tree().root(checkpoint.size).ok();
        if checkpoint.size > size || root != Some(checkpoint.root) {
            return Err(invalid(format!(
                "the checkpoint of {} entries is not this log's tree",
                checkpoint.size
            )));
        }
        // Only the lines that verify: the log's, those kept before, the witness's (in the
        // order they first came).
        let mut lines: Vec<_> = own.claims(&note).cloned().collect();
        let kept = self.stores.log.cosigned(crate::ports::MAX_COSIGNED).await?;
        let before = kept
            .iter()
            .filter_map(|text| SignedNote::parse(text).ok())
            .find(|before| before.text == note.text)
            .map(|before| before.signatures)
            .unwrap_or_default();
        for line in before.into_iter().chain(witness.claims(&note).cloned()) {
            if !lines
                .iter()
                .any(|l| l.name == line.name && l.key_hash == line.key_hash)
            {
                lines.push(line);
            }
        }
        let merged = SignedNote {
            text: note.text.clone(),
            signatures: lines,
        }
        .to_text();
        self.stores
            .log
            .keep_cosigned(checkpoint.size, &note.text, &merged)
            .await?;
        Ok(merged)
    }

    /// The cosigned checkpoints kept, largest first.
    ///
    /// # Errors
    /// [`crate::auth::AccessError::SignInRequired`], or a store failure.
    pub async fn log_cosigned(&self, reader: Option<&Actor>) -> Result<Vec<String>, RegistryError> {
        self.admit(reader)?;
        Ok(self.stores.log.cosigned(crate::ports::MAX_COSIGNED).await?)
    }

    /// At most `limit` (at most [`MAX_LOG_PAGE`]) entries from `start`: every leaf hash,
    /// and the bytes of each entry `reader` may read.
    ///
    /// # Errors
    /// [`crate::auth::AccessError::SignInRequired`], or a store failure.
    pub async fn log_entries(
        &self,
        reader: Option<&Actor>,
        start: u64,
        limit: u32,
    ) -> Result<Vec<LogRead>, RegistryError> {
        self.admit(reader)?;
        let stored = self
            .stores
            .log
            .log_entries(start, limit.clamp(1, MAX_LOG_PAGE))
            .await?;
        let mut decided: Vec<(Namespace, bool)> = Vec::new();
        let mut out = Vec::with_capacity(stored.len());
        for entry in stored {
            let mut readable = true;
            for namespace in &entry.namespaces {
                let known = decided
                    .iter()
                    .find(|(n, _)| n == namespace)
                    .map(|(_, r)| *r);
                let may = match known {
                    Some(may) => may,
                    None => {
                        let may = self.may_read_in(reader, namespace).await?;
                        decided.push((namespace.clone(), may));
                        may
                    }
                };
                readable &= may;
            }
            out.push(LogRead {
                index: entry.index,
                leaf: entry.leaf,
                entry: readable.then_some(entry.bytes),
            });
        }
        Ok(out)
    }
}
