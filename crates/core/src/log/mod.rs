//! The transparency log: an append-only Merkle tree (RFC 6962 hashing) of one entry per
//! change to what a client may install, and the signed checkpoints that commit to it.
//!
//! - [`entry`]: what an entry says and its canonical bytes (docs/FORMATS.md).
//! - [`tree`]: tree heads, inclusion and consistency proofs, their verification.
//! - [`note`]: checkpoints as signed notes (the text format of Go's checksum database and
//!   the C2SP tlog-checkpoint specification), and note keys.
//!
//! The store keeps the entries in order (the database's sequence); every replica derives
//! the same tree from them.

pub mod entry;
pub mod note;
pub mod tree;

use sha2::{Digest as _, Sha256};

pub use entry::{EntryError, EntryKind, LogEntry};
pub use note::{Checkpoint, NoteError, NoteKey, NoteSignature, SignedNote};
pub use tree::{ProofError, Tree, verify_consistency, verify_inclusion};

/// A SHA-256 hash in the tree.
pub type Hash = [u8; 32];

/// The hash of a leaf: `SHA-256(0x00 || entry)`.
pub fn leaf_hash(entry: &[u8]) -> Hash {
    let mut hasher = Sha256::new();
    hasher.update([0u8]);
    hasher.update(entry);
    hasher.finalize().into()
}

/// The hash of an inner node: `SHA-256(0x01 || left || right)`.
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut hasher = Sha256::new();
    hasher.update([1u8]);
    hasher.update(left);
    hasher.update(right);
    hasher.finalize().into()
}

/// A hash as lowercase hex.
pub fn hex(hash: &Hash) -> String {
    use std::fmt::Write as _;
    hash.iter()
        .fold(String::with_capacity(64), |mut out, byte| {
            let _ = write!(out, "{byte:02x}");
            out
        })
}

/// A hash from base64 (standard alphabet, padded), as checkpoints and proofs carry it.
///
/// # Errors
/// A message naming what was wrong.
pub fn hash_from_base64(text: &str) -> Result<Hash, String> {
    use base64::Engine as _;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(text)
        .map_err(|_| format!("`{text}` is not base64"))?;
    bytes
        .try_into()
        .map_err(|_| format!("`{text}` is not a 32-byte hash"))
}

/// A hash as base64 (standard alphabet, padded).
pub fn hash_to_base64(hash: &Hash) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(hash)
}
