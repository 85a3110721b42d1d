//! The Merkle tree of RFC 6962 (RFC 9162 §2.1): the tree head of any size, inclusion and
//! consistency proofs made from the stored hashes, and their verification.
//!
//! [`Tree`] keeps, for every level, the hash of each complete subtree (`levels[k][i]` covers
//! leaves `i·2^k .. (i+1)·2^k`), about two hashes a leaf. The hash of any other range the
//! RFC's recursion asks for is made from those in `O(log n)` steps.

use super::{Hash, node_hash};
use sha2::{Digest as _, Sha256};

/// Why a proof could not be made or did not verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProofError {
    /// The index or sizes asked about lie outside the tree.
    #[error("{0}")]
    OutOfRange(String),
    /// The proof does not lead to the tree head it was checked against.
    #[error("the proof does not match the tree head: {0}")]
    Mismatch(String),
}

/// An append-only Merkle tree of leaf hashes.
#[derive(Debug, Clone, Default)]
pub struct Tree {
    levels: Vec<Vec<Hash>>,
}

impl Tree {
    /// An empty tree.
    pub fn new() -> Self {
        Tree::default()
    }

    /// How many leaves it has.
    pub fn size(&self) -> u64 {
        self.levels.first().map_or(0, |leaves| leaves.len() as u64)
    }

    /// The hash of leaf `index`, if the tree has it.
    pub fn leaf(&self, index: u64) -> Option<Hash> {
        let index = usize::try_from(index).ok()?;
        self.levels.first()?.get(index).copied()
    }

    /// Appends a leaf (its hash, [`super::leaf_hash`] of the entry).
    pub fn push(&mut self, leaf: Hash) {
        let mut hash = leaf;
        let mut level = 0;
        loop {
            if self.levels.len() == level {
                self.levels.push(Vec::new());
            }
            let nodes = &mut self.levels[level];
            nodes.push(hash);
            let len = nodes.len();
            if len % 2 == 1 {
                return;
            }
            hash = node_hash(&nodes[len - 2], &nodes[len - 1]);
            level += 1;
        }
    }

    /// The tree head of the first `size` leaves.
    ///
    /// # Errors
    /// [`ProofError::OutOfRange`] if the tree has fewer leaves.
    pub fn root(&self, size: u64) -> Result<Hash, ProofError> {
        if size > self.size() {
            return Err(ProofError::OutOfRange(format!(
                "the log has {} entries, not {size}",
                self.size()
            )));
        }
        if size == 0 {
            return Ok(Sha256::digest([]).into());
        }
        Ok(self.range(0, size))
    }

    /// The hashes that prove leaf `index` is in the tree of `size` leaves (RFC 9162
    /// §2.1.3.1), nearest the leaf first.
    ///
    /// # Errors
    /// [`ProofError::OutOfRange`] unless `index < size <= self.size()`.
    pub fn inclusion_proof(&self, index: u64, size: u64) -> Result<Vec<Hash>, ProofError> {
        if size > self.size() || index >= size {
            return Err(ProofError::OutOfRange(format!(
                "entry {index} is not in a tree of {size} entries (the log has {})",
                self.size()
            )));
        }
        let mut proof = Vec::new();
        self.path(index, 0, size, &mut proof);
        Ok(proof)
    }

    /// The hashes that prove the tree of `old` leaves is a prefix of the tree of `new`
    /// leaves (RFC 9162 §2.1.4.1). Empty when `old` is 0 or equals `new`.
    ///
    /// # Errors
    /// [`ProofError::OutOfRange`] unless `old <= new <= self.size()`.
    pub fn consistency_proof(&self, old: u64, new: u64) -> Result<Vec<Hash>, ProofError> {
        if new > self.size() || old > new {
            return Err(ProofError::OutOfRange(format!(
                "no consistency proof from {old} to {new} entries (the log has {})",
                self.size()
            )));
        }
        let mut proof = Vec::new();
        if old > 0 && old < new {
            self.subproof(old, 0, new, true, &mut proof);
        }
        Ok(proof)
    }

    /// PATH(m, D[lo:hi]), appended to `proof`.
    fn path(&self, m: u64, lo: u64, hi: u64, proof: &mut Vec<Hash>) {
        let n = hi - lo;
        if n <= 1 {
            return;
        }
        let k = split(n);
        if m < k {
            self.path(m, lo, lo + k, proof);
            proof.push(self.range(lo + k, hi));
        } else {
            self.path(m - k, lo + k, hi, proof);
            proof.push(self.range(lo, lo + k));
        }
    }

    /// SUBPROOF(m, D[lo:hi], complete), appended to `proof`.
    fn subproof(&self, m: u64, lo: u64, hi: u64, complete: bool, proof: &mut Vec<Hash>) {
        let n = hi - lo;
        if m == n {
            if !complete {
                proof.push(self.range(lo, hi));
            }
            return;
        }
        let k = split(n);
        if m <= k {
            self.subproof(m, lo, lo + k, complete, proof);
            proof.push(self.range(lo + k, hi));
        } else {
            self.subproof(m - k, lo + k, hi, false, proof);
            proof.push(self.range(lo, lo + k));
        }
    }

    /// MTH(D[lo:hi]) for a range the recursion asks for (`lo < hi <= size`, `lo` a
    /// multiple of the largest power of two not above `hi - lo`).
    fn range(&self, lo: u64, hi: u64) -> Hash {
        let n = hi - lo;
        if n.is_power_of_two() && lo.is_multiple_of(n) {
            let level = n.trailing_zeros() as usize;
            let at = usize::try_from(lo >> level).unwrap_or(usize::MAX);
            if let Some(hash) = self.levels.get(level).and_then(|nodes| nodes.get(at)) {
                return *hash;
            }
        }
        let k = split(n);
        node_hash(&self.range(lo, lo + k), &self.range(lo + k, hi))
    }
}

/// The largest power of two below `n` (`n >= 2`): where RFC 6962 splits a tree.
fn split(n: u64) -> u64 {
    1 << (63 - (n - 1).leading_zeros())
}

/// Checks that `proof` shows `leaf` at `index` in the tree of `size` leaves whose head is
/// `root` (RFC 9162 §2.1.3.2).
///
/// # Errors
/// [`ProofError`] naming what did not hold.
pub fn verify_inclusion(
    leaf: &Hash,
    index: u64,
    size: u64,
    proof: &[Hash],
    root: &Hash,
) -> Result<(), ProofError> {
    if index >= size {
        return Err(ProofError::OutOfRange(format!(
            "entry {index} is not in a tree of {size} entries"
        )));
    }
    let (mut f, mut s) = (index, size - 1);
    let mut hash = *leaf;
    for p in proof {
        if s == 0 {
            return Err(ProofError::Mismatch(
                "the inclusion proof is too long".into(),
            ));
        }
        if f & 1 == 1 || f == s {
            hash = node_hash(p, &hash);
            while f & 1 == 0 && f != 0 {
                f >>= 1;
                s >>= 1;
            }
        } else {
            hash = node_hash(&hash, p);
        }
        f >>= 1;
        s >>= 1;
    }
    if s != 0 {
        return Err(ProofError::Mismatch(
            "the inclusion proof is too short".into(),
        ));
    }
    if &hash != root {
        return Err(ProofError::Mismatch(format!(
            "entry {index} does not lead to the tree head of size {size}"
        )));
    }
    Ok(())
}

/// Checks that `proof` shows the tree of `old` leaves (head `old_root`) is a prefix of the
/// tree of `new` leaves (head `new_root`) (RFC 9162 §2.1.4.2).
///
/// # Errors
/// [`ProofError`] naming what did not hold.
pub fn verify_consistency(
    old: u64,
    new: u64,
    old_root: &Hash,
    new_root: &Hash,
    proof: &[Hash],
) -> Result<(), ProofError> {
    if old > new {
        return Err(ProofError::Mismatch(format!(
            "the log went back from {old} to {new} entries"
        )));
    }
    if old == new {
        if !proof.is_empty() {
            return Err(ProofError::Mismatch(
                "the consistency proof is too long".into(),
            ));
        }
        if old_root != new_root {
            return Err(ProofError::Mismatch(format!(
                "two different tree heads of size {old}: the log forked"
            )));
        }
        return Ok(());
    }
    if old == 0 {
        return if proof.is_empty() {
            Ok(())
        } else {
            Err(ProofError::Mismatch(
                "the consistency proof is too long".into(),
            ))
        };
    }
    let mut path = proof.iter();
    let first = if old.is_power_of_two() {
        *old_root
    } else {
        *path
            .next()
            .ok_or_else(|| ProofError::Mismatch("the consistency proof is empty".into()))?
    };
    let (mut f, mut s) = (old - 1, new - 1);
    while f & 1 == 1 {
        f >>= 1;
        s >>= 1;
    }
    let (mut fr, mut sr) = (first, first);
    for c in path {
        if s == 0 {
            return Err(ProofError::Mismatch(
                "the consistency proof is too long".into(),
            ));
        }
        if f & 1 == 1 || f == s {
            fr = node_hash(c, &fr);
            sr = node_hash(c, &sr);
            while f & 1 == 0 && f != 0 {
                f >>= 1;
                s >>= 1;
            }
        } else {
            sr = node_hash(&sr, c);
        }
        f >>= 1;
        s >>= 1;
    }
    if s != 0 {
        return Err(ProofError::Mismatch(
            "the consistency proof is too short".into(),
        ));
    }
    if &fr != old_root || &sr != new_root {
        return Err(ProofError::Mismatch(format!(
            "the tree of {new} entries does not extend the tree of {old} entries"
        )));
    }
    Ok(())
}

#[cfg(test)]
#[path = "tree_tests.rs"]
mod tests;
