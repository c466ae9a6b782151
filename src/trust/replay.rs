//! §14: a request hash runs at most once while it lives.
//!
//! [`ReplayGuard`] holds in-progress and executed request hashes in slots
//! the embedder provides. The rule, in full:
//!
//! - an entry (either kind) is live while `now − recorded ≤ lifetime`,
//!   with a saturating subtraction: a clock that goes back makes entries
//!   younger, never older; an expired entry counts for nothing;
//! - `begin`: `executed` for a live executed entry, `in_progress` for a
//!   live in-progress one, `full` when `capacity` live entries are held,
//!   else an in-progress entry recorded at `now` (`started`);
//! - `finish`: a live in-progress entry becomes executed, recorded at
//!   `now` (`recorded`); `abandon`: it is removed (`released`); either,
//!   without one: `not_started`;
//! - a live entry is never evicted; an expired one stays until a `begin`
//!   needs room (every expired entry is then reclaimed at once) or its
//!   hash begins again, so a clock that goes back revives an expired
//!   entry only until it is reclaimed.
//!
//! The slots are a hash table (`leaf::replay_slots`: probing and
//! removal); this file holds the rules over it.

use core::fmt;

pub use crate::leaf::replay_slots::ReplaySlot;
use crate::leaf::replay_slots::{probe, remove, Kind, Probe};

/// The default lifetime of an entry, in seconds: the 24 hours an
/// ephemeral key lives in the deployed enclave (§14).
pub const DEFAULT_REPLAY_LIFETIME: u64 = 86_400;

/// Why `begin` admitted nothing (§14).
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BeginRefusal {
    /// `in_progress`: a copy of the request is running now.
    InProgress,
    /// `executed`: the request already ran within the lifetime (a replay).
    Executed,
    /// `full`: `capacity` live entries are held; none is evicted.
    Full,
}

/// What `finish` did (§14).
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FinishOutcome {
    /// `recorded`: the in-progress entry is now executed, recorded at `now`.
    Recorded,
    /// `not_started`: the hash had no live in-progress entry.
    NotStarted,
}

/// What `abandon` did (§14).
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AbandonOutcome {
    /// `released`: the in-progress entry is removed; the request may run
    /// again.
    Released,
    /// `not_started`: the hash had no live in-progress entry.
    NotStarted,
}

impl BeginRefusal {
    /// The name §14 and the vectors give it.
    pub fn name(&self) -> &'static str {
        match self {
            BeginRefusal::InProgress => "in_progress",
            BeginRefusal::Executed => "executed",
            BeginRefusal::Full => "full",
        }
    }
}

impl fmt::Display for BeginRefusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FinishOutcome {
    /// The name §14 and the vectors give it.
    pub fn name(&self) -> &'static str {
        match self {
            FinishOutcome::Recorded => "recorded",
            FinishOutcome::NotStarted => "not_started",
        }
    }
}

#[cfg(feature = "std")]
#[cfg_attr(docsrs, doc(cfg(feature = "std")))]
impl std::error::Error for BeginRefusal {}

impl fmt::Display for FinishOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl AbandonOutcome {
    /// The name §14 and the vectors give it.
    pub fn name(&self) -> &'static str {
        match self {
            AbandonOutcome::Released => "released",
            AbandonOutcome::NotStarted => "not_started",
        }
    }
}

impl fmt::Display for AbandonOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// PROTOCOL.md §14's replay guard: each verified compute request runs at
/// most once while its entry lives. [`ReplayGuard::begin`] takes a
/// [`crate::VerifiedComputeRequest`] and hands out an [`crate::Execution`]
/// to finish or abandon (its page has an example).
///
/// **Storage.** The embedder lends the slots ([`ReplaySlot::SIZE`] bytes
/// each); [`ReplayGuard::new`] empties them. The capacity `C` (live
/// entries held before `begin` answers `full`) is the number of slots
/// unless [`ReplayGuard::with_capacity`] lowers it. A live entry is never
/// evicted, so size `C` for the peak executions per lifetime.
///
/// **Cost.** A call probes the slots from the hash's home slot: O(1)
/// expected when at most about half the slots are in use (give twice as
/// many slots as the capacity for that), at most one pass over the slots
/// otherwise. A guard at capacity answers `full` at once while its oldest
/// entry lives; once that one has expired, the next call that needs room
/// sweeps the slots once (expected O(slots)), reclaiming every expired
/// entry. Nothing allocates. Measured (BENCHMARKS.md, `benches/state.rs`):
/// tens of nanoseconds a call at half load with 128 or 2^20 slots, about
/// half a `HashMap`'s; 1.4–1.8 × the map's at 90 % load; the sweep of
/// 2^20 slots, 11 ms.
///
/// **Clock.** Every call takes `now` in seconds from a trusted clock. An
/// enclave without one passes a value that never advances (say 0): then
/// nothing expires, the guard fills and answers `full` from then on, and
/// no request ever runs twice; such an enclave sizes `C` for its whole
/// life, or restarts with a new ephemeral key when the guard is full.
pub struct ReplayGuard<'s> {
    pub(crate) slots: &'s mut [ReplaySlot],
    pub(crate) capacity: usize,
    pub(crate) lifetime: u64,
    /// Entries held in the slots, live or expired.
    pub(crate) occupied: usize,
    /// No held entry was recorded before this (exact after a sweep).
    pub(crate) oldest: u64,
}

/// The sizes and counts, not the slots (there may be a million).
impl fmt::Debug for ReplayGuard<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReplayGuard")
            .field("slots", &self.slots.len())
            .field("capacity", &self.capacity)
            .field("lifetime", &self.lifetime)
            .field("occupied", &self.occupied)
            .finish()
    }
}

impl<'s> ReplayGuard<'s> {
    /// A guard over `slots`, emptied, with capacity `slots.len()` and the
    /// default lifetime ([`DEFAULT_REPLAY_LIFETIME`]).
    pub fn new(slots: &'s mut [ReplaySlot]) -> Self {
        slots.fill(ReplaySlot::EMPTY);
        let capacity = slots.len();
        ReplayGuard {
            slots,
            capacity,
            lifetime: DEFAULT_REPLAY_LIFETIME,
            occupied: 0,
            oldest: u64::MAX,
        }
    }

    /// Holds at most `capacity` live entries (at most the number of slots).
    pub fn with_capacity(mut self, capacity: usize) -> Self {
        self.capacity = capacity.min(self.slots.len());
        self
    }

    /// Entries live `lifetime` seconds after they are recorded.
    pub fn with_lifetime(mut self, lifetime: u64) -> Self {
        self.lifetime = lifetime;
        self
    }

    /// The capacity `C`.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// The lifetime `L`, in seconds.
    pub fn lifetime(&self) -> u64 {
        self.lifetime
    }

    /// §14 `begin` for a raw hash (the door takes a verified request).
    pub(crate) fn begin_hash(&mut self, hash: &[u8; 32], now: u64) -> Result<(), BeginRefusal> {
        if let Probe::Found(at) = probe(self.slots, hash) {
            if let Some(slot) = self.slots.get(at).filter(|s| self.is_live(s, now)) {
                return Err(match slot.kind {
                    Kind::IN_PROGRESS => BeginRefusal::InProgress,
                    _ => BeginRefusal::Executed,
                });
            }
        }
        if !self.has_room(now) {
            return Err(BeginRefusal::Full);
        }
        // Probed again: a sweep may have moved entries.
        let at = match probe(self.slots, hash) {
            Probe::Found(at) => at,
            Probe::Vacant(at) => {
                self.occupied = self.occupied.saturating_add(1);
                at
            }
            // Unreachable: fewer entries than slots leaves an empty one.
            Probe::Exhausted => return Err(BeginRefusal::Full),
        };
        self.write(at, hash, Kind::IN_PROGRESS, now);
        Ok(())
    }

    /// §14 `finish` for a raw hash.
    pub(crate) fn finish_hash(&mut self, hash: &[u8; 32], now: u64) -> FinishOutcome {
        match self.in_progress(hash, now) {
            Some(at) => {
                self.write(at, hash, Kind::EXECUTED, now);
                FinishOutcome::Recorded
            }
            None => FinishOutcome::NotStarted,
        }
    }

    /// §14 `abandon` for a raw hash.
    pub(crate) fn abandon_hash(&mut self, hash: &[u8; 32], now: u64) -> AbandonOutcome {
        match self.in_progress(hash, now) {
            Some(at) => {
                self.remove(at);
                AbandonOutcome::Released
            }
            None => AbandonOutcome::NotStarted,
        }
    }

    fn is_live(&self, slot: &ReplaySlot, now: u64) -> bool {
        slot.kind != Kind::EMPTY && now.saturating_sub(slot.recorded()) <= self.lifetime
    }

    /// The slot of the hash's live in-progress entry.
    fn in_progress(&self, hash: &[u8; 32], now: u64) -> Option<usize> {
        let Probe::Found(at) = probe(self.slots, hash) else {
            return None;
        };
        let slot = self.slots.get(at)?;
        (slot.kind == Kind::IN_PROGRESS && self.is_live(slot, now)).then_some(at)
    }

    /// Whether fewer than `capacity` live entries are held; sweeps the
    /// expired ones out when that is the only way to know.
    fn has_room(&mut self, now: u64) -> bool {
        if self.occupied < self.capacity {
            return true;
        }
        if now.saturating_sub(self.oldest) <= self.lifetime {
            return false; // every held entry is at least as young as `oldest`
        }
        self.sweep(now);
        self.occupied < self.capacity
    }

    fn write(&mut self, at: usize, hash: &[u8; 32], kind: u8, now: u64) {
        if let Some(slot) = self.slots.get_mut(at) {
            *slot = ReplaySlot {
                hash: *hash,
                recorded: now.to_le_bytes(),
                kind,
            };
            self.oldest = self.oldest.min(now);
        }
    }

    fn remove(&mut self, at: usize) {
        remove(self.slots, at);
        self.occupied = self.occupied.saturating_sub(1);
    }

    /// Removes every expired entry and makes `oldest` exact. A removal only
    /// moves entries back toward their homes, so an entry is never moved
    /// into a slot this pass has already left behind unless it was itself
    /// already checked there: one pass suffices.
    fn sweep(&mut self, now: u64) {
        let mut oldest = u64::MAX;
        for at in 0..self.slots.len() {
            for _ in 0..self.slots.len() {
                match self.slots.get(at) {
                    Some(slot) if slot.kind != Kind::EMPTY && !self.is_live(slot, now) => {
                        self.remove(at)
                    }
                    _ => break,
                }
            }
            if let Some(slot) = self.slots.get(at).filter(|s| s.kind != Kind::EMPTY) {
                oldest = oldest.min(slot.recorded());
            }
        }
        self.oldest = oldest;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sha2::{Digest, Sha256};
    use std::vec;

    fn hash(i: u32) -> [u8; 32] {
        Sha256::digest(i.to_le_bytes()).into()
    }

    /// Every held entry is reachable from its home (no hole in its chain).
    fn reachable(guard: &ReplayGuard<'_>) -> bool {
        guard
            .slots
            .iter()
            .filter(|s| s.kind != Kind::EMPTY)
            .all(|s| matches!(probe(guard.slots, &s.hash), Probe::Found(_)))
    }

    #[test]
    fn a_large_guard_fills_refuses_and_reclaims_expired_room() {
        let mut slots = vec![ReplaySlot::EMPTY; 4_096];
        let mut guard = ReplayGuard::new(&mut slots)
            .with_capacity(2_048)
            .with_lifetime(100);
        for i in 0..2_048 {
            assert_eq!(guard.begin_hash(&hash(i), u64::from(i % 50)), Ok(()));
            if i % 2 == 0 {
                assert_eq!(guard.finish_hash(&hash(i), 50), FinishOutcome::Recorded);
            }
        }
        assert_eq!(guard.begin_hash(&hash(9_999), 60), Err(BeginRefusal::Full));
        assert_eq!(guard.begin_hash(&hash(0), 60), Err(BeginRefusal::Executed));
        assert_eq!(
            guard.begin_hash(&hash(1), 60),
            Err(BeginRefusal::InProgress)
        );
        // At 140 the in-progress entries begun before 40 have expired.
        assert_eq!(guard.begin_hash(&hash(9_999), 140), Ok(()));
        let expired = (0..2_048).filter(|i| i % 2 == 1 && i % 50 < 40).count();
        assert_eq!(guard.occupied, 2_048 - expired + 1);
        assert!(reachable(&guard));
        // Expired entries may run again, as long as there is room.
        let mut room = expired - 1;
        for i in 0..2_048 {
            let want = if i % 2 == 0 {
                Err(BeginRefusal::Executed)
            } else if i % 50 < 40 && room > 0 {
                room -= 1;
                Ok(())
            } else if i % 50 < 40 {
                Err(BeginRefusal::Full)
            } else {
                Err(BeginRefusal::InProgress)
            };
            assert_eq!(guard.begin_hash(&hash(i), 140), want, "hash {i}");
        }
        assert!(reachable(&guard));
    }

    #[test]
    fn an_unknown_kind_byte_reads_as_an_executed_entry() {
        let mut slots = [ReplaySlot::EMPTY; 2];
        let mut guard = ReplayGuard::new(&mut slots).with_lifetime(10);
        assert_eq!(guard.begin_hash(&hash(1), 0), Ok(()));
        for slot in guard.slots.iter_mut().filter(|s| s.kind != Kind::EMPTY) {
            slot.kind = 0xa5;
        }
        assert_eq!(guard.begin_hash(&hash(1), 5), Err(BeginRefusal::Executed));
        assert_eq!(guard.finish_hash(&hash(1), 5), FinishOutcome::NotStarted);
        assert_eq!(guard.abandon_hash(&hash(1), 5), AbandonOutcome::NotStarted);
        // It expires as any entry, and its room is reclaimed.
        assert_eq!(guard.begin_hash(&hash(2), 5), Ok(()));
        assert_eq!(guard.begin_hash(&hash(3), 11), Ok(()));
        assert_eq!(guard.begin_hash(&hash(1), 11), Err(BeginRefusal::Full));
    }

    #[test]
    fn removal_keeps_wrapped_chains_reachable() {
        // Eight slots, every hash at home 7: the chain wraps to 0, 1, 2.
        let mut slots = [ReplaySlot::EMPTY; 8];
        let mut guard = ReplayGuard::new(&mut slots);
        let at_home_7 = |id: u8| {
            let mut h = [0; 32];
            h[7] = 7;
            h[31] = id;
            h
        };
        for id in 0..4 {
            assert_eq!(guard.begin_hash(&at_home_7(id), 0), Ok(()));
        }
        assert_eq!(
            guard.abandon_hash(&at_home_7(0), 0),
            AbandonOutcome::Released
        );
        assert!(reachable(&guard));
        for id in 1..4 {
            assert_eq!(
                guard.begin_hash(&at_home_7(id), 0),
                Err(BeginRefusal::InProgress)
            );
        }
        assert_eq!(guard.occupied, 3);
    }
}
