//! The replay guard's storage (PROTOCOL.md §14): slots the embedder lends,
//! kept as an open-addressing table indexed by a hash's first eight bytes
//! (request hashes are SHA-256 outputs), with linear probing and
//! backward-shift deletion (Knuth's Algorithm R), so no tombstone is left
//! behind and a probe stops at the first empty slot. Every loop is bounded
//! by the number of slots.
//!
//! Mechanics only: which entry is live and what `begin` answers are §14's
//! rules, in `trust::replay`.

/// A slot's kind byte, so that any 41 bytes are a valid slot: a value not
/// named here (storage written from outside) reads as an executed entry,
/// refusing its hash until it expires and is reclaimed.
pub(crate) struct Kind;
impl Kind {
    pub(crate) const EMPTY: u8 = 0;
    pub(crate) const IN_PROGRESS: u8 = 1;
    pub(crate) const EXECUTED: u8 = 2;
}

/// One slot of a [`crate::ReplayGuard`]'s storage: [`ReplaySlot::SIZE`] (41)
/// bytes, alignment 1, on every target, valid whatever its bytes hold.
///
/// The embedder owns the storage, e.g. `[ReplaySlot::EMPTY; 64]` on a
/// microcontroller (2,624 bytes) or `vec![ReplaySlot::EMPTY; 1_000_000]`
/// in an enclave (41 MB for 500,000 entries at half load).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReplaySlot {
    pub(crate) hash: [u8; 32],
    /// Seconds, little-endian (bytes keep the slot at alignment 1).
    pub(crate) recorded: [u8; 8],
    pub(crate) kind: u8,
}

impl ReplaySlot {
    /// A slot holding nothing.
    pub const EMPTY: ReplaySlot = ReplaySlot {
        hash: [0; 32],
        recorded: [0; 8],
        kind: Kind::EMPTY,
    };

    /// The size of a slot in bytes: a 32-byte hash, an 8-byte time and
    /// one byte of kind.
    pub const SIZE: usize = 41;

    pub(crate) fn recorded(&self) -> u64 {
        u64::from_le_bytes(self.recorded)
    }
}

const _: () = assert!(core::mem::size_of::<ReplaySlot>() == ReplaySlot::SIZE);

/// Where a probe for a hash ended.
pub(crate) enum Probe {
    /// The slot holding the hash's entry (live or expired).
    Found(usize),
    /// No entry: the first empty slot of the hash's chain.
    Vacant(usize),
    /// No entry and no empty slot (or no slots at all).
    Exhausted,
}

/// The home slot of a hash: its first eight bytes modulo the slots.
fn home(slots: &[ReplaySlot], hash: &[u8; 32]) -> usize {
    let [a, b, c, d, e, f, g, h, ..] = *hash;
    let key = u64::from_be_bytes([a, b, c, d, e, f, g, h]);
    key.checked_rem(slots.len() as u64).unwrap_or(0) as usize
}

/// The slot after `at`, wrapping.
fn next(slots: &[ReplaySlot], at: usize) -> usize {
    let next = at.saturating_add(1);
    if next >= slots.len() {
        0
    } else {
        next
    }
}

/// Where `hash`'s entry is, or where it would go.
pub(crate) fn probe(slots: &[ReplaySlot], hash: &[u8; 32]) -> Probe {
    let mut at = home(slots, hash);
    for _ in 0..slots.len() {
        match slots.get(at) {
            None => break,
            Some(slot) if slot.kind == Kind::EMPTY => return Probe::Vacant(at),
            Some(slot) if slot.hash == *hash => return Probe::Found(at),
            Some(_) => at = next(slots, at),
        }
    }
    Probe::Exhausted
}

/// Empties slot `hole` and shifts later entries of its chain back, so
/// that every entry stays reachable from its home without tombstones.
pub(crate) fn remove(slots: &mut [ReplaySlot], mut hole: usize) {
    let mut at = hole;
    for _ in 0..slots.len() {
        at = next(slots, at);
        let Some(slot) = slots.get(at).copied() else {
            break;
        };
        if slot.kind == Kind::EMPTY || at == hole {
            break;
        }
        // The entry stays when its home lies cyclically in (hole, at].
        let home = home(slots, &slot.hash);
        let stays = if hole <= at {
            hole < home && home <= at
        } else {
            hole < home || home <= at
        };
        if !stays {
            if let Some(to) = slots.get_mut(hole) {
                *to = slot;
            }
            hole = at;
        }
    }
    if let Some(slot) = slots.get_mut(hole) {
        *slot = ReplaySlot::EMPTY;
    }
}
