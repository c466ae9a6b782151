//! The quorum rule of PROTOCOL.md §7, and nothing else.
//!
//! This is the module that decides acceptance. It sees hashes, configured
//! signer positions and response indices; parsing, base64 and curve
//! arithmetic live elsewhere. Read it against §7:
//!
//! * rule 2 — [`QuorumTally::admit`] says whether a candidate needs its one
//!   verification (never for a `(signer, hash)` pair already counted, nor
//!   for a signer already proven to equivocate);
//! * rule 3 — [`QuorumTally::count`] records a verified signature: one vote
//!   per signer per hash. A signer with valid signatures on a third distinct
//!   hash is proven faulty and loses *all* its votes, so that the outcome,
//!   the signers included, never depends on the order of the body;
//! * rules 4 and 5 — [`QuorumTally::winner`]: at least `threshold` signers,
//!   then most signers, then the bytewise-smallest hash; with the index of
//!   the first response that carried a still-counted signature for it.

use crate::leaf::CanonicalHash;
use crate::trust::config::{SignerIndex, MAX_SIGNERS};

/// Hashes a signer may vote for; a valid signature on one more proves it
/// an equivocator (an honest node signs one result per request).
pub const HASHES_PER_SIGNER: usize = 2;

/// Signers that voted for one hash, as a bit per signer position.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct SignerMask(u64);

impl SignerMask {
    // Out of line where a 64-bit shift is a dozen instructions (32-bit
    // targets: 0.2 KiB of flash); a single one on 64-bit hosts.
    #[cfg_attr(target_pointer_width = "32", inline(never))]
    fn bit(signer: SignerIndex) -> u64 {
        1u64.checked_shl(u32::from(signer)).unwrap_or(0)
    }

    pub fn contains(self, signer: SignerIndex) -> bool {
        self.0 & Self::bit(signer) != 0
    }

    pub fn insert(&mut self, signer: SignerIndex) {
        self.0 |= Self::bit(signer);
    }

    fn remove(&mut self, signer: SignerIndex) {
        self.0 &= !Self::bit(signer);
    }

    pub fn count(self) -> usize {
        self.0.count_ones() as usize
    }

    /// Signer positions in the mask, ascending.
    pub fn iter(self) -> impl Iterator<Item = SignerIndex> {
        (0..64u8).filter(move |&i| self.contains(i))
    }
}

/// The signers counted for one hash.
#[derive(Clone, Copy, Debug, Default)]
struct Group {
    hash: CanonicalHash,
    signers: SignerMask,
}

/// One counted vote of a signer: which group, carried by which response.
/// (No `Option`: a sentinel keeps the tally 512 bytes smaller; and with
/// "no vote" all zeros, as `Group`'s default, an empty tally is one memset,
/// which keeps each of the four storage sizes' code small.)
#[derive(Clone, Copy, Debug)]
struct Vote {
    /// Group slot plus one; 0 for no vote.
    group: u8,
    response: u32,
    /// Where that response's result stands in the body (`u32::MAX`: none).
    result_at: u32,
}

const NO_RESULT: u32 = u32::MAX;

/// A signer's empty group and vote slots, as constants: all zeros, which
/// an empty tally of any size fills with one memset.
const NO_GROUPS: [Group; HASHES_PER_SIGNER] = [Group {
    hash: CanonicalHash::from_bytes([0; 32]),
    signers: SignerMask(0),
}; HASHES_PER_SIGNER];
const NO_VOTES: [Vote; HASHES_PER_SIGNER] = [Vote::NONE; HASHES_PER_SIGNER];

impl Vote {
    const NONE: Vote = Vote {
        group: 0,
        response: 0,
        result_at: 0,
    };

    /// The group slot voted for, if this is a vote.
    fn slot(&self) -> Option<usize> {
        usize::from(self.group).checked_sub(1)
    }

    fn is_some(&self) -> bool {
        self.slot().is_some()
    }
}

/// The winning hash of rules 4 and 5.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Winner {
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
    /// Verify it: if valid, it counts (or proves its signer an equivocator).
    Verify,
    /// This signer is already counted for this hash.
    AlreadyCounted,
    /// This signer is a proven equivocator: nothing of it counts.
    Equivocator,
}

/// What became of a verified signature.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Counted {
    /// A new vote.
    Yes,
    /// Not counted (already counted, or its signer already excluded).
    No,
    /// Its signer's third hash: the signer is excluded and this many of
    /// its earlier votes are withdrawn.
    Equivocation(usize),
}

/// Runs `f` over an empty tally with room for `signers` configured signers:
/// two hashes each (rule 3), so `N × 40 × 2` bytes of groups and `N × 24`
/// of votes, for `N` the smallest of 8, 16, 32 and 64 that holds them. A DON
/// of 8 thus needs 0.8 KiB of stack for it, one of 64 needs 6.5 KiB. Both
/// doors (relay responses, compute batches) size theirs here.
pub(crate) fn with_tally<R>(signers: usize, f: impl FnOnce(QuorumTally<'_>) -> R) -> R {
    match signers {
        0..=8 => with_storage::<8, R>(f),
        9..=16 => with_storage::<16, R>(f),
        17..=32 => with_storage::<32, R>(f),
        _ => with_storage::<MAX_SIGNERS, R>(f),
    }
}

/// The storage in a frame of its own, which only its size class pays for.
#[inline(never)]
fn with_storage<const N: usize, R>(f: impl FnOnce(QuorumTally<'_>) -> R) -> R {
    debug_assert!(N <= MAX_SIGNERS);
    // Two local arrays, each built in place: a struct holding them is built
    // in a temporary and moved, which costs its size again in stack.
    let mut groups = [NO_GROUPS; N];
    let mut votes = [NO_VOTES; N];
    f(QuorumTally::over(&mut groups, &mut votes))
}

/// Counted signers grouped by hash, in borrowed fixed storage (bounded by
/// rule 3: two groups per signer at most).
pub(crate) struct QuorumTally<'t> {
    /// Group slot `g` is `groups[g / 2][g % 2]`.
    groups: &'t mut [[Group; HASHES_PER_SIGNER]],
    used: usize,
    votes: &'t mut [[Vote; HASHES_PER_SIGNER]],
    equivocators: SignerMask,
}

impl<'t> QuorumTally<'t> {
    /// An empty tally over `groups` and `votes`, which must be empty.
    fn over(
        groups: &'t mut [[Group; HASHES_PER_SIGNER]],
        votes: &'t mut [[Vote; HASHES_PER_SIGNER]],
    ) -> Self {
        QuorumTally {
            groups,
            used: 0,
            votes,
            equivocators: SignerMask::default(),
        }
    }

    fn group(&self, slot: usize) -> Option<&Group> {
        self.groups
            .get(slot / HASHES_PER_SIGNER)?
            .get(slot % HASHES_PER_SIGNER)
    }

    fn group_mut(&mut self, slot: usize) -> Option<&mut Group> {
        self.groups
            .get_mut(slot / HASHES_PER_SIGNER)?
            .get_mut(slot % HASHES_PER_SIGNER)
    }

    fn used_groups(&self) -> impl Iterator<Item = &Group> {
        self.groups.iter().flatten().take(self.used)
    }

    fn groups(&self) -> impl Iterator<Item = (usize, &Group)> {
        self.used_groups()
            .enumerate()
            .filter(|(_, g)| g.signers.count() > 0)
    }

    fn find(&self, hash: &CanonicalHash) -> Option<usize> {
        self.used_groups().position(|g| g.hash == *hash)
    }

    /// Rule 2 before verification: does this candidate need its one check?
    pub fn admit(&self, signer: SignerIndex, hash: &CanonicalHash) -> Admission {
        if self.equivocators.contains(signer) {
            return Admission::Equivocator;
        }
        let counted = self
            .find(hash)
            .and_then(|g| self.group(g))
            .is_some_and(|g| g.signers.contains(signer));
        if counted {
            Admission::AlreadyCounted
        } else {
            Admission::Verify
        }
    }

    /// Rule 3: records a verified signature of `signer` over `hash`, carried
    /// by response `response` whose result stands at `result_at`.
    pub fn count(
        &mut self,
        signer: SignerIndex,
        hash: &CanonicalHash,
        response: usize,
        result_at: Option<usize>,
    ) -> Counted {
        if self.admit(signer, hash) != Admission::Verify {
            return Counted::No;
        }
        let Some(votes) = self.votes.get_mut(usize::from(signer)) else {
            return Counted::No;
        };
        let Some(free) = votes.iter().position(|v| !v.is_some()) else {
            return Counted::Equivocation(self.exclude(signer));
        };
        let slot = match self.find(hash) {
            Some(g) => g,
            None => {
                // Cannot fail: each signer opens at most two groups.
                let used = self.used;
                let Some(g) = self.group_mut(used) else {
                    return Counted::No;
                };
                *g = Group {
                    hash: *hash,
                    signers: SignerMask::default(),
                };
                self.used += 1;
                self.used - 1
            }
        };
        let (Some(group), Some(vote)) = (
            self.groups
                .get_mut(slot / HASHES_PER_SIGNER)
                .and_then(|g| g.get_mut(slot % HASHES_PER_SIGNER)),
            self.votes
                .get_mut(usize::from(signer))
                .and_then(|v| v.get_mut(free)),
        ) else {
            return Counted::No;
        };
        group.signers.insert(signer);
        *vote = Vote {
            // At most 2 × 64 = 128 slots, so a slot plus one fits in a u8.
            group: slot
                .checked_add(1)
                .and_then(|g| u8::try_from(g).ok())
                .unwrap_or(0),
            response: u32::try_from(response).unwrap_or(u32::MAX),
            result_at: result_at
                .and_then(|a| u32::try_from(a).ok())
                .unwrap_or(NO_RESULT),
        };
        Counted::Yes
    }

    /// Withdraws every vote of a proven equivocator; returns how many.
    fn exclude(&mut self, signer: SignerIndex) -> usize {
        self.equivocators.insert(signer);
        let mut withdrawn = 0;
        for group in self.groups.iter_mut().flatten() {
            if group.signers.contains(signer) {
                group.signers.remove(signer);
                withdrawn += 1;
            }
        }
        withdrawn
    }

    /// The group that rules 4 and 5 rank first among those with at least
    /// `threshold` signers, with its slot (one copy for `winner` and `leader`).
    fn best(&self, threshold: usize) -> Option<(usize, &Group)> {
        self.groups()
            .filter(|(_, g)| g.signers.count() >= threshold)
            .min_by(|(_, a), (_, b)| rank(a, b))
    }

    /// Rules 4 and 5: the winning hash, if any reaches `threshold`.
    pub fn winner(&self, threshold: usize) -> Option<Winner> {
        let (slot, group) = self.best(threshold)?;
        // The earliest response among the votes that still count.
        let first = group
            .signers
            .iter()
            .filter_map(|s| self.votes.get(usize::from(s)))
            .flat_map(|v| v.iter())
            .filter(|v| v.slot() == Some(slot))
            .min_by_key(|v| v.response)?;
        Some(Winner {
            hash: group.hash,
            signers: group.signers,
            first_response: first.response as usize,
            result_at: (first.result_at != NO_RESULT).then_some(first.result_at as usize),
        })
    }

    /// Every signer still counted for `hash`, with the response that carried
    /// its vote (its first counted one: a signer counts once per hash) and
    /// where that response's result stands; in signer order. §12 reports
    /// these as the entries whose key shares the enclave needs.
    pub fn votes_for(
        &self,
        hash: &CanonicalHash,
    ) -> impl Iterator<Item = (SignerIndex, usize, Option<usize>)> + '_ {
        let slot = self.find(hash);
        let signers = slot
            .and_then(|g| self.group(g))
            .map_or(SignerMask::default(), |g| g.signers);
        signers.iter().filter_map(move |s| {
            let vote = self
                .votes
                .get(usize::from(s))?
                .iter()
                .find(|v| v.is_some() && v.slot() == slot)?;
            let at = (vote.result_at != NO_RESULT).then_some(vote.result_at as usize);
            Some((s, vote.response as usize, at))
        })
    }

    /// For each signer still counted for `hash`, where the result of the
    /// response that carried its vote stands (`out[signer]`; slots of other
    /// signers, and votes over no result, are left as they are): what the
    /// §11 hand-out needs once the tally is gone. [`QuorumTally::votes_for`]
    /// without its iterator, which costs flash on the verification path.
    pub fn result_offsets(&self, hash: &CanonicalHash, out: &mut [u32]) {
        let Some(slot) = self.find(hash) else {
            return;
        };
        let Some(group) = self.group(slot) else {
            return;
        };
        for s in group.signers.iter() {
            let at = self.votes.get(usize::from(s)).and_then(|votes| {
                votes
                    .iter()
                    .find(|v| v.slot() == Some(slot) && v.result_at != NO_RESULT)
            });
            if let (Some(vote), Some(o)) = (at, out.get_mut(usize::from(s))) {
                *o = vote.result_at;
            }
        }
    }

    /// How many distinct hashes have at least one counted signer.
    pub fn distinct_hashes(&self) -> usize {
        self.groups().count()
    }

    /// The hash rules 4 and 5 would pick if the threshold were one, with
    /// its signer count: for the no-quorum diagnosis.
    pub fn leader(&self) -> Option<(CanonicalHash, usize)> {
        // Every group in `groups()` has a signer: a threshold of one.
        self.best(1).map(|(_, g)| (g.hash, g.signers.count()))
    }
}

/// Winner order: most signers first, then the bytewise-smallest hash.
fn rank(a: &Group, b: &Group) -> core::cmp::Ordering {
    b.signers
        .count()
        .cmp(&a.signers.count())
        .then_with(|| a.hash.cmp(&b.hash))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The storage of [`with_storage`], for tests that keep a tally around.
    struct TallyStorage<const N: usize> {
        groups: [[Group; HASHES_PER_SIGNER]; N],
        votes: [[Vote; HASHES_PER_SIGNER]; N],
    }

    impl<const N: usize> TallyStorage<N> {
        fn new() -> Self {
            TallyStorage {
                groups: [[Group::default(); HASHES_PER_SIGNER]; N],
                votes: [[Vote::NONE; HASHES_PER_SIGNER]; N],
            }
        }

        fn tally(&mut self) -> QuorumTally<'_> {
            QuorumTally::over(&mut self.groups, &mut self.votes)
        }
    }

    fn h(b: u8) -> CanonicalHash {
        CanonicalHash::from_bytes([b; 32])
    }

    #[test]
    fn one_vote_per_signer_per_hash() {
        let mut storage = TallyStorage::<64>::new();
        let mut t = storage.tally();
        assert_eq!(t.count(0, &h(1), 0, None), Counted::Yes);
        assert_eq!(t.admit(0, &h(1)), Admission::AlreadyCounted);
        assert_eq!(t.count(0, &h(1), 1, None), Counted::No);
        assert!(t.winner(2).is_none());
        assert_eq!(t.count(1, &h(1), 3, None), Counted::Yes);
        let w = t.winner(2).expect("quorum");
        assert_eq!((w.hash, w.signers.count(), w.first_response), (h(1), 2, 0));
    }

    #[test]
    fn a_third_hash_withdraws_every_vote_of_its_signer() {
        let mut storage = TallyStorage::<64>::new();
        let mut t = storage.tally();
        assert_eq!(t.count(5, &h(1), 0, None), Counted::Yes);
        assert_eq!(t.count(6, &h(1), 1, Some(40)), Counted::Yes);
        assert_eq!(t.count(5, &h(2), 2, None), Counted::Yes);
        assert_eq!(t.admit(5, &h(3)), Admission::Verify);
        assert_eq!(t.count(5, &h(3), 3, None), Counted::Equivocation(2));
        assert_eq!(t.admit(5, &h(1)), Admission::Equivocator);
        assert_eq!(t.admit(5, &h(4)), Admission::Equivocator);
        assert_eq!(t.distinct_hashes(), 1);
        // The first response for h(1) now is signer 6's.
        let w = t.winner(1).expect("signer 6 remains");
        assert_eq!(
            (w.signers.count(), w.first_response, w.result_at),
            (1, 1, Some(40))
        );
    }

    #[test]
    fn equivocation_is_order_independent() {
        let votes = [(5u8, 1u8), (5, 2), (5, 3), (6, 1), (7, 1)];
        let mut orders = [votes, votes];
        orders[1].reverse();
        let results: std::vec::Vec<_> = orders
            .iter()
            .map(|order| {
                let mut storage = TallyStorage::<64>::new();
                let mut t = storage.tally();
                for (i, (s, hash)) in order.iter().enumerate() {
                    let _ = t.count(*s, &h(*hash), i, None);
                }
                t.winner(2).map(|w| (w.hash, w.signers))
            })
            .collect();
        assert_eq!(results[0], results[1]);
        assert_eq!(results[0].map(|r| r.1.count()), Some(2));
    }

    #[test]
    fn most_signers_then_smallest_hash() {
        let mut storage = TallyStorage::<64>::new();
        let mut t = storage.tally();
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
        assert_eq!(t.leader(), Some((h(9), 3)));
    }

    #[test]
    fn votes_for_lists_each_signers_first_counted_response() {
        let mut storage = TallyStorage::<64>::new();
        let mut t = storage.tally();
        t.count(3, &h(1), 4, Some(400));
        t.count(1, &h(1), 6, Some(600));
        t.count(1, &h(1), 7, Some(700)); // already counted: stays at 6
        t.count(2, &h(2), 5, None);
        let v: std::vec::Vec<_> = t.votes_for(&h(1)).collect();
        assert_eq!(v, [(1, 6, Some(600)), (3, 4, Some(400))]);
        assert_eq!(t.votes_for(&h(9)).count(), 0);
    }

    #[test]
    fn tally_stays_small() {
        let size = core::mem::size_of::<TallyStorage<64>>();
        std::println!("TallyStorage<64>: {size} bytes");
        assert!(size <= 7 * 1024, "{size} bytes");
        assert!(core::mem::size_of::<TallyStorage<8>>() <= 1024);
    }

    #[test]
    fn capacity_holds_two_hashes_for_every_signer() {
        let mut storage = TallyStorage::<64>::new();
        let mut t = storage.tally();
        for s in 0..64u8 {
            assert_eq!(t.count(s, &h(s), 0, None), Counted::Yes);
            assert_eq!(t.count(s, &h(s + 100), 0, None), Counted::Yes);
        }
        assert_eq!(t.distinct_hashes(), 2 * MAX_SIGNERS);
        // One more signer position than the storage holds counts nothing.
        let mut small = TallyStorage::<2>::new();
        let mut t = small.tally();
        assert_eq!(t.count(2, &h(1), 0, None), Counted::No);
    }
}
