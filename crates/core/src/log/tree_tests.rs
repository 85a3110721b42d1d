use super::*;
use crate::log::leaf_hash;
use proptest::prelude::*;

fn unhex(text: &str) -> Vec<u8> {
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap_or_default())
        .collect()
}

fn hash(text: &str) -> Hash {
    unhex(text).try_into().unwrap_or_default()
}

/// The reference leaves and tree heads of RFC 6962's test data (as published with the
/// Certificate Transparency implementations), sizes 0 to 8.
const LEAVES: [&str; 8] = [
    "",
    "00",
    "10",
    "2021",
    "3031",
    "40414243",
    "5051525354555657",
    "606162636465666768696a6b6c6d6e6f",
];
const ROOTS: [&str; 9] = [
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
];

fn reference_tree() -> Tree {
    let mut tree = Tree::new();
    for leaf in LEAVES {
        tree.push(leaf_hash(&unhex(leaf)));
    }
    tree
}

#[test]
fn tree_heads_match_rfc_6962() {
    let tree = reference_tree();
    for (size, root) in ROOTS.iter().enumerate() {
        assert_eq!(tree.root(size as u64), Ok(hash(root)), "size {size}");
    }
    assert!(matches!(tree.root(9), Err(ProofError::OutOfRange(_))));
}

#[test]
fn proofs_match_rfc_6962() {
    let tree = reference_tree();
    let inclusion = [
        (
            0,
            8,
            vec![
                "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
                "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
            ],
        ),
        (
            5,
            8,
            vec![
                "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
                "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
            ],
        ),
    ];
    for (index, size, want) in inclusion {
        let want: Vec<Hash> = want.into_iter().map(hash).collect();
        assert_eq!(tree.inclusion_proof(index, size), Ok(want.clone()));
        let leaf = tree.leaf(index).unwrap_or_default();
        let root = hash(ROOTS[size as usize]);
        assert_eq!(verify_inclusion(&leaf, index, size, &want, &root), Ok(()));
    }
    let consistency = [
        (
            2,
            8,
            vec![
                "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
            ],
        ),
        (
            6,
            8,
            vec![
                "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
                "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
            ],
        ),
        (
            2,
            5,
            vec![
                "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            ],
        ),
    ];
    for (old, new, want) in consistency {
        let want: Vec<Hash> = want.into_iter().map(hash).collect();
        assert_eq!(tree.consistency_proof(old, new), Ok(want.clone()));
        let (old_root, new_root) = (hash(ROOTS[old as usize]), hash(ROOTS[new as usize]));
        assert_eq!(
            verify_consistency(old, new, &old_root, &new_root, &want),
            Ok(())
        );
    }
}

/// MTH, PATH and PROOF as RFC 6962 defines them, over slices: the oracle.
fn mth(leaves: &[Hash]) -> Hash {
    match leaves.len() {
        0 => Sha256::digest([]).into(),
        1 => leaves[0],
        n => {
            let k = split(n as u64) as usize;
            node_hash(&mth(&leaves[..k]), &mth(&leaves[k..]))
        }
    }
}

fn oracle_path(m: usize, leaves: &[Hash]) -> Vec<Hash> {
    let n = leaves.len();
    if n <= 1 {
        return Vec::new();
    }
    let k = split(n as u64) as usize;
    if m < k {
        let mut path = oracle_path(m, &leaves[..k]);
        path.push(mth(&leaves[k..]));
        path
    } else {
        let mut path = oracle_path(m - k, &leaves[k..]);
        path.push(mth(&leaves[..k]));
        path
    }
}

fn oracle_subproof(m: usize, leaves: &[Hash], complete: bool) -> Vec<Hash> {
    let n = leaves.len();
    if m == n {
        return if complete {
            Vec::new()
        } else {
            vec![mth(leaves)]
        };
    }
    let k = split(n as u64) as usize;
    if m <= k {
        let mut proof = oracle_subproof(m, &leaves[..k], complete);
        proof.push(mth(&leaves[k..]));
        proof
    } else {
        let mut proof = oracle_subproof(m - k, &leaves[k..], false);
        proof.push(mth(&leaves[..k]));
        proof
    }
}

fn leaves(n: usize) -> Vec<Hash> {
    (0..n)
        .map(|i| leaf_hash(&[(i & 0xff) as u8, (i >> 8) as u8]))
        .collect()
}

#[test]
fn every_tree_head_up_to_200_matches_the_oracle() {
    let all = leaves(200);
    let mut tree = Tree::new();
    for (i, leaf) in all.iter().enumerate() {
        tree.push(*leaf);
        assert_eq!(tree.root(i as u64 + 1), Ok(mth(&all[..=i])));
    }
    for n in 0..=200 {
        assert_eq!(tree.root(n as u64), Ok(mth(&all[..n])), "size {n}");
    }
}

proptest! {
    #[test]
    fn proofs_up_to_200_match_the_oracle_and_verify(
        n in 1usize..=200,
        index_seed in any::<u64>(),
        old_seed in any::<u64>(),
        extra in 0usize..20,
    ) {
        let all = leaves(n + extra);
        let mut tree = Tree::new();
        for leaf in &all {
            tree.push(*leaf);
        }
        let prefix = &all[..n];
        let root = mth(prefix);
        let index = (index_seed % n as u64) as usize;
        let proof = tree.inclusion_proof(index as u64, n as u64);
        prop_assert_eq!(proof.clone(), Ok(oracle_path(index, prefix)));
        let proof = proof.unwrap_or_default();
        prop_assert_eq!(verify_inclusion(&all[index], index as u64, n as u64, &proof, &root), Ok(()));
        // Another leaf, another index, a changed hash: refused.
        let other = (index + 1) % (n + extra).max(1);
        if all[other] != all[index] {
            prop_assert!(verify_inclusion(&all[other], index as u64, n as u64, &proof, &root).is_err());
        }
        if n > 1 {
            let wrong = (index + 1) % n;
            prop_assert!(verify_inclusion(&all[index], wrong as u64, n as u64, &proof, &root).is_err());
            let mut bent = proof.clone();
            bent[0][0] ^= 1;
            prop_assert!(verify_inclusion(&all[index], index as u64, n as u64, &bent, &root).is_err());
        }

        let old = (old_seed % (n as u64 + 1)) as usize;
        let proof = tree.consistency_proof(old as u64, n as u64);
        let want = if old == 0 || old == n { Vec::new() } else { oracle_subproof(old, prefix, true) };
        prop_assert_eq!(proof.clone(), Ok(want));
        let proof = proof.unwrap_or_default();
        let old_root = mth(&all[..old]);
        prop_assert_eq!(verify_consistency(old as u64, n as u64, &old_root, &root, &proof), Ok(()));
        if old > 0 && old < n {
            // A fork: the old head changed, or the new one.
            let mut forked = old_root;
            forked[0] ^= 1;
            prop_assert!(verify_consistency(old as u64, n as u64, &forked, &root, &proof).is_err());
            prop_assert!(verify_consistency(old as u64, n as u64, &old_root, &forked, &proof).is_err());
            // A log gone back.
            prop_assert!(verify_consistency(n as u64, old as u64, &root, &old_root, &proof).is_err());
            let short = &proof[..proof.len() - 1];
            prop_assert!(verify_consistency(old as u64, n as u64, &old_root, &root, short).is_err());
        }
    }
}

#[test]
fn proofs_outside_the_tree_are_refused() {
    let tree = reference_tree();
    assert!(matches!(
        tree.inclusion_proof(8, 8),
        Err(ProofError::OutOfRange(_))
    ));
    assert!(matches!(
        tree.inclusion_proof(0, 9),
        Err(ProofError::OutOfRange(_))
    ));
    assert!(matches!(
        tree.consistency_proof(5, 4),
        Err(ProofError::OutOfRange(_))
    ));
    assert!(matches!(
        tree.consistency_proof(1, 9),
        Err(ProofError::OutOfRange(_))
    ));
    let root = hash(ROOTS[8]);
    let mut forked = root;
    forked[31] ^= 1;
    assert!(matches!(
        verify_consistency(8, 8, &root, &forked, &[]),
        Err(ProofError::Mismatch(message)) if message.contains("forked")
    ));
}
