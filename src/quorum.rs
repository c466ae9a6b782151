//! The quorum rule of PROTOCOL.md §7, and nothing else.
//!
//! This is the module that decides acceptance. It sees hashes, configured
//! signer positions and response indices; parsing, base64 and curve
//! arithmetic live elsewhere. Read it against §7:
//!
//! * rule 2 — [`QuorumTally::admit`] says whether a candidate needs its one
//!   verification (never for a `(signer, hash)` pair already counted, nor
//!   for a signer already on two other hashes);
//! * rule 3 — [`QuorumTally::count`] records a verified signature: one vote
//!   per signer per hash, at most two hashes per signer;
//! * rules 4 and 5 — [`QuorumTally::winner`]: at least `threshold` signers,
//!   then most signers, then the bytewise-smallest hash; with the index of
//!   the first response that carried a counted signature for it.

use crate::config::{SignerIndex, MAX_SIGNERS};
use crate::hash::CanonicalHash;

/// Hashes a signer may vote for before it is treated as an equivocator.
pub const HASHES_PER_SIGNER: u8 = 2;

/// Distinct hashes a tally can hold: two per configured signer (rule 3).
const SLOTS: usize = MAX_SIGNERS * HASHES_PER_SIGNER as usize;

/// Signers that voted for one hash, as a bit per signer position.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct SignerMask(u64);

impl SignerMask {
    fn bit(signer: SignerIndex) -> u64 {
        1u64.checked_shl(u32::from(signer)).unwrap_or(0)
    }

    pub fn contains(self, signer: SignerIndex) -> bool {
        self.0 & Self::bit(signer) != 0
    }

    fn insert(&mut self, signer: SignerIndex) {
        self.0 |= Self::bit(signer);
    }

    pub fn count(self) -> usize {
        self.0.count_ones() as usize
    }

    /// Signer positions in the mask, ascending.
    pub fn iter(self) -> impl Iterator<Item = SignerIndex> {
        (0..64u8).filter(move |&i| self.contains(i))
    }
}

/// The votes gathered for one hash.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Group {
    pub hash: CanonicalHash,
    pub signers: SignerMask,
    /// Index of the first response that carried a counted signature for it.
    pub first_response: usize,
    /// Where that response's result stands in the body.
    pub result_at: Option<usize>,
}

/// What rule 2 says of a candidate before its verification.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Admission {
    /// Verify it: if valid, it counts.
    Verify,
    /// This signer is already counted for this hash.
    AlreadyCounted,
    /// This signer is already counted for two other hashes.
    Equivocator,
}

/// Counted signers grouped by hash. Fixed size: bounded by rule 3.
pub(crate) struct QuorumTally {
    groups: [Group; SLOTS],
    used: usize,
    hashes_of: [u8; MAX_SIGNERS],
}

impl QuorumTally {
    pub fn new() -> Self {
        QuorumTally {
            groups: [Group::default(); SLOTS],
            used: 0,
            hashes_of: [0; MAX_SIGNERS],
        }
    }

    fn groups(&self) -> &[Group] {
        self.groups.get(..self.used).unwrap_or_default()
    }

    fn find(&self, hash: &CanonicalHash) -> Option<usize> {
        self.groups().iter().position(|g| g.hash == *hash)
    }

    fn hashes_of(&self, signer: SignerIndex) -> u8 {
        self.hashes_of
            .get(usize::from(signer))
            .copied()
            .unwrap_or(u8::MAX)
    }

    /// Rule 2 and 3 before verification: does this candidate need its one check?
    pub fn admit(&self, signer: SignerIndex, hash: &CanonicalHash) -> Admission {
        match self.find(hash) {
            Some(g)
                if self
                    .groups
                    .get(g)
                    .is_some_and(|g| g.signers.contains(signer)) =>
            {
                Admission::AlreadyCounted
            }
            _ if self.hashes_of(signer) >= HASHES_PER_SIGNER => Admission::Equivocator,
            _ => Admission::Verify,
        }
    }

    /// Rule 3: records a verified signature of `signer` over `hash`, carried
    /// by response `response`. Returns whether it was counted.
    pub fn count(
        &mut self,
        signer: SignerIndex,
        hash: &CanonicalHash,
        response: usize,
        result_at: Option<usize>,
    ) -> bool {
        if self.admit(signer, hash) != Admission::Verify {
            return false;
        }
        let slot = match self.find(hash) {
            Some(g) => g,
            None => {
                let Some(g) = self.groups.get_mut(self.used) else {
                    return false; // unreachable: two hashes per signer fit
                };
                *g = Group {
                    hash: *hash,
                    signers: SignerMask::default(),
                    first_response: response,
                    result_at,
                };
                self.used += 1;
                self.used - 1
            }
        };
        let (Some(group), Some(n)) = (
            self.groups.get_mut(slot),
            self.hashes_of.get_mut(usize::from(signer)),
        ) else {
            return false;
        };
        group.signers.insert(signer);
        *n = n.saturating_add(1);
        true
    }

    /// Rules 4 and 5: the winning group, if any reaches `threshold`.
    pub fn winner(&self, threshold: usize) -> Option<&Group> {
        self.groups()
            .iter()
            .filter(|g| g.signers.count() >= threshold)
            .min_by(|a, b| {
                b.signers
                    .count()
                    .cmp(&a.signers.count())
                    .then_with(|| a.hash.cmp(&b.hash))
            })
    }

    /// How many distinct hashes have at least one counted signer.
    pub fn distinct_hashes(&self) -> usize {
        self.used
    }

    /// Up to four groups, most signers first, then smallest hash.
    pub fn leaders(&self) -> heapless::Vec<(CanonicalHash, usize), 4> {
        let mut out = heapless::Vec::new();
        let mut taken = [false; SLOTS];
        while !out.is_full() {
            let best = self
                .groups()
                .iter()
                .enumerate()
                .filter(|(i, _)| !taken.get(*i).copied().unwrap_or(true))
                .min_by(|(_, a), (_, b)| {
                    b.signers
                        .count()
                        .cmp(&a.signers.count())
                        .then_with(|| a.hash.cmp(&b.hash))
                });
            let Some((i, g)) = best else { break };
            if let Some(t) = taken.get_mut(i) {
                *t = true;
            }
            let _ = out.push((g.hash, g.signers.count()));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(b: u8) -> CanonicalHash {
        CanonicalHash::from_bytes([b; 32])
    }

    #[test]
    fn one_vote_per_signer_per_hash() {
        let mut t = QuorumTally::new();
        assert!(t.count(0, &h(1), 0, None));
        assert_eq!(t.admit(0, &h(1)), Admission::AlreadyCounted);
        assert!(!t.count(0, &h(1), 1, None));
        assert!(t.winner(2).is_none());
        assert!(t.count(1, &h(1), 3, None));
        let w = t.winner(2).expect("quorum");
        assert_eq!((w.hash, w.signers.count(), w.first_response), (h(1), 2, 0));
    }

    #[test]
    fn third_hash_of_a_signer_is_dropped() {
        let mut t = QuorumTally::new();
        assert!(t.count(5, &h(1), 0, None));
        assert!(t.count(5, &h(2), 1, None));
        assert_eq!(t.admit(5, &h(3)), Admission::Equivocator);
        assert!(!t.count(5, &h(3), 2, None));
        assert_eq!(t.distinct_hashes(), 2);
    }

    #[test]
    fn most_signers_then_smallest_hash() {
        let mut t = QuorumTally::new();
        for s in 0..2 {
            t.count(s, &h(9), 0, None);
        }
        for s in 2..4 {
            t.count(s, &h(7), 1, None);
        }
        assert_eq!(t.winner(2).map(|g| g.hash), Some(h(7)));
        t.count(4, &h(9), 2, None);
        assert_eq!(t.winner(2).map(|g| g.hash), Some(h(9)));
        assert_eq!(t.winner(4).map(|g| g.hash), None);
        let leaders = t.leaders();
        assert_eq!(&leaders[..], &[(h(9), 3), (h(7), 2)]);
    }

    #[test]
    fn capacity_holds_two_hashes_for_every_signer() {
        let mut t = QuorumTally::new();
        for s in 0..64u8 {
            assert!(t.count(s, &h(s), 0, None));
            assert!(t.count(s, &h(s + 100), 0, None));
        }
        assert_eq!(t.distinct_hashes(), SLOTS);
    }
}
