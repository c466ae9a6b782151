//! PROTOCOL.md §14 read plainly, for the `replay_guard` target: a map from
//! request hash to its entry (kind, time recorded).
//!
//! §14 says expired entries "count for nothing and their room is reused"
//! but not when the room is taken back, which shows only when the clock
//! goes back (an expired entry still held is live again). The model takes
//! the guard's documented choice: a `begin` that finds C entries held drops
//! every expired one, and a `begin` of the same hash replaces its entry.

use std::collections::BTreeMap;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    InProgress,
    Executed,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    Begin,
    Finish,
    Abandon,
}

#[derive(Clone, Debug)]
pub struct GuardModel {
    pub capacity: usize,
    pub lifetime: u64,
    pub entries: BTreeMap<[u8; 32], (Kind, u64)>,
}

impl GuardModel {
    pub fn new(capacity: usize, lifetime: u64) -> Self {
        GuardModel {
            capacity,
            lifetime,
            entries: BTreeMap::new(),
        }
    }

    /// The hash's entry, if it is live at `now`: `now − recorded ≤ L`,
    /// saturating (a clock that goes back makes entries younger).
    pub fn live(&self, hash: &[u8; 32], now: u64) -> Option<Kind> {
        let (kind, recorded) = *self.entries.get(hash)?;
        (now.saturating_sub(recorded) <= self.lifetime).then_some(kind)
    }

    /// Every live entry at `now`.
    pub fn live_entries(&self, now: u64) -> Vec<([u8; 32], Kind)> {
        self.entries
            .keys()
            .filter_map(|h| Some((*h, self.live(h, now)?)))
            .collect()
    }

    /// One operation; its outcome as §14 names it.
    pub fn apply(&mut self, op: Op, hash: [u8; 32], now: u64) -> &'static str {
        let live = self.live(&hash, now);
        match (op, live) {
            (Op::Begin, Some(Kind::Executed)) => "executed",
            (Op::Begin, Some(Kind::InProgress)) => "in_progress",
            (Op::Begin, None) => {
                if self.entries.len() >= self.capacity {
                    let lifetime = self.lifetime;
                    self.entries
                        .retain(|_, (_, at)| now.saturating_sub(*at) <= lifetime);
                }
                // Only live entries are left when this refuses: C of them.
                if self.entries.len() >= self.capacity {
                    return "full";
                }
                self.entries.insert(hash, (Kind::InProgress, now));
                "started"
            }
            (Op::Finish, Some(Kind::InProgress)) => {
                self.entries.insert(hash, (Kind::Executed, now));
                "recorded"
            }
            (Op::Abandon, Some(Kind::InProgress)) => {
                self.entries.remove(&hash);
                "released"
            }
            (Op::Finish | Op::Abandon, _) => "not_started",
        }
    }
}
