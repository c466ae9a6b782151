//! PROTOCOL.md §12's decision as a plain model, for the fuzz target and
//! `tests/compute_rules.rs` (which includes this file by path): of the
//! first 2N entries, each valid signature counts for its signer at its
//! first entry per hash; a signer on three or more hashes counts nowhere;
//! the winner has at least `threshold` signers, then the most, then the
//! smallest hash.

use std::collections::{BTreeMap, BTreeSet};

use relay_verifier::CanonicalHash;

/// The winning hash and its signers with the entry each counted at, or
/// `None`. `entries`: each entry's signer (when its signature is valid
/// under a configured key) and its request hash.
pub fn winner(
    entries: &[(Option<[u8; 32]>, CanonicalHash)],
    n: usize,
    threshold: usize,
) -> Option<(CanonicalHash, BTreeMap<[u8; 32], usize>)> {
    let mut first: BTreeMap<(CanonicalHash, [u8; 32]), usize> = BTreeMap::new();
    let mut hashes_of: BTreeMap<[u8; 32], BTreeSet<CanonicalHash>> = BTreeMap::new();
    for (i, (signer, hash)) in entries.iter().enumerate().take(2 * n) {
        if let Some(k) = signer {
            first.entry((*hash, *k)).or_insert(i);
            hashes_of.entry(*k).or_default().insert(*hash);
        }
    }
    let mut groups: BTreeMap<CanonicalHash, BTreeMap<[u8; 32], usize>> = BTreeMap::new();
    for ((hash, k), i) in first {
        if hashes_of.get(&k).is_some_and(|h| h.len() < 3) {
            groups.entry(hash).or_default().insert(k, i);
        }
    }
    groups
        .into_iter()
        .filter(|(_, g)| g.len() >= threshold)
        .min_by(|a, b| b.1.len().cmp(&a.1.len()).then(a.0.cmp(&b.0)))
}
