//! A DON rotating its signer set by §13 votes while its faulty nodes vote
//! against it and the untrusted host replays and floods, deterministic
//! from a seed, for host tests.
//!
//! Each round, the honest current signers vote for the round's target (one
//! member out, a newcomer in, sometimes a new `f`), every honest vote
//! within one vote lifetime; between them come the faulty signers' votes
//! (at most F of any set, the same nodes all run long) for other and
//! invalid configs, outsiders' votes, and replays of any earlier body. [`VoteEvent`] says who signed what, so a test can check
//! the enclave's account against the truth.
//!
//! ```
//! use relay_verifier::signing::rotation::RotationDon;
//! use relay_verifier::{Rotation, RotationConfig, VoteOutcome, VoteWork};
//!
//! let don = RotationDon::new(7, 2, 600, 42);
//! let plan = don.plan(3);
//! let mut rotation = Rotation::with_vote_lifetime(
//!     RotationConfig::from_json(plan.initial.to_go_json().as_bytes())?,
//!     don.lifetime(),
//! );
//! let mut work = Box::new(VoteWork::new());
//! let mut applied = Vec::new();
//! for event in &plan.events {
//!     if let Ok(VoteOutcome::Applied(a)) = rotation.take_vote(event.body.as_bytes(), event.at, &mut work) {
//!         applied.push(a.hash());
//!     }
//! }
//! assert_eq!(applied, plan.targets);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::string::String;
use std::vec::Vec;

use super::simulator::{derive, SplitMix64};
use super::vote::EnclaveConfigData;
use super::RelayNode;
use crate::CanonicalHash;

/// What a vote is, in the scenario's terms.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum VoteKind {
    /// An honest current signer's vote for the round's target.
    Target,
    /// A faulty signer's vote for another valid config.
    Other,
    /// A faulty signer's vote for a config §7 refuses.
    Invalid,
    /// A vote by a key outside the current set.
    Outsider,
    /// An earlier body, sent again by the host.
    Replayed,
}

/// One vote body as the enclave receives it.
#[derive(Clone, Debug)]
pub struct VoteEvent {
    /// When it arrives (seconds).
    pub at: u64,
    /// The `PATCH /config` body.
    pub body: String,
    /// Who signed it: an index into [`RotationDon::nodes`].
    pub signer: usize,
    /// What it is.
    pub kind: VoteKind,
    /// The proposed config's hash.
    pub proposal: CanonicalHash,
    /// Whether the proposed config is a valid §7 configuration.
    pub valid: bool,
    /// The round it belongs to (a replay: the round it is replayed in).
    pub round: usize,
}

/// A planned run: the config in force first, every vote in arrival order,
/// and the target of each round, which honest votes must apply in turn.
#[derive(Clone, Debug)]
pub struct RotationPlan {
    /// The config in force before the first vote.
    pub initial: EnclaveConfigData,
    /// Every vote body, in arrival order (times never go back).
    pub events: Vec<VoteEvent>,
    /// Each round's target hash.
    pub targets: Vec<CanonicalHash>,
}

/// A pool of nodes, of which the first `n` form the first signer set; the
/// others join as the rounds rotate members in. Up to `f` current signers
/// are faulty in each round.
#[derive(Clone, Debug)]
pub struct RotationDon {
    nodes: Vec<RelayNode>,
    n: usize,
    f: usize,
    lifetime: u64,
    seed: u64,
}

/// Rounds a plan may have: more than [`crate::RETIRED_CONFIGS`] would let a
/// replayed honest vote for a config retired too long ago count again.
pub const MAX_ROUNDS: usize = crate::RETIRED_CONFIGS;

impl RotationDon {
    /// `n` signers with fault bound `f` (`n ≥ 2f + 1`, so that honest
    /// signers alone are F+1), votes live for `lifetime` seconds.
    pub fn new(n: usize, f: usize, lifetime: u64, seed: u64) -> Self {
        let pool = n.saturating_add(MAX_ROUNDS).saturating_add(4);
        RotationDon {
            nodes: (0..pool)
                .map(|i| RelayNode::from_seed(derive(b"rotation-node", seed, i)))
                .collect(),
            n,
            f,
            lifetime,
            seed,
        }
    }

    /// Every node of the pool.
    pub fn nodes(&self) -> &[RelayNode] {
        &self.nodes
    }

    /// The vote lifetime.
    pub fn lifetime(&self) -> u64 {
        self.lifetime
    }

    /// A plan of `rounds` rotations (at most [`MAX_ROUNDS`]).
    pub fn plan(&self, rounds: usize) -> RotationPlan {
        let mut rng = SplitMix64(self.seed ^ 0x005e_ed0f_0013);
        let master = b"tdh2-master-public-key".to_vec();
        let config = |members: &[usize], f: usize, t: u32| {
            let keys: Vec<[u8; 32]> = members.iter().map(|&i| self.key(i)).collect();
            EnclaveConfigData::new(&keys, &master, t, f as u32)
        };
        let mut members: Vec<usize> = (0..self.n).collect();
        let mut f = self.f;
        let initial = config(&members, f, 1);
        // The faulty nodes, for the whole run (a node that ever signed
        // against the DON is never counted honest): at most f of the first
        // set, and f never falls below their number.
        let mut first = members.clone();
        for i in (1..first.len()).rev() {
            first.swap(i, rng.below(i + 1));
        }
        let faulty_nodes: Vec<usize> = first.into_iter().take(rng.below(f + 1)).collect();
        let mut now = 1_000u64;
        let mut events: Vec<VoteEvent> = Vec::new();
        let mut targets = Vec::new();
        // Newcomers join from the pool's node n on.
        for (round, newcomer) in (0..rounds.min(MAX_ROUNDS)).zip(self.n..) {
            // The target: a member out, a newcomer in, sometimes f moved
            // within n ≥ 2f + 1.
            let mut next = members.clone();
            let out = rng.below(next.len());
            next.remove(out);
            next.push(newcomer);
            let next_f = match rng.below(3) {
                0 if f > 1 && f > faulty_nodes.len() => f - 1,
                1 if 2 * (f + 1) < next.len() => f + 1,
                _ => f,
            };
            let target = config(&next, next_f, 1 + round as u32);
            targets.push(target.hash());

            let (faulty, honest): (Vec<usize>, Vec<usize>) =
                members.iter().partition(|m| faulty_nodes.contains(m));

            let start = now;
            let mut round_events = Vec::new();
            // Honest votes, all within one lifetime of the first.
            for &member in &honest {
                let at = start + rng.below(self.lifetime as usize + 1) as u64;
                round_events.push(self.event(member, &target, true, VoteKind::Target, at, round));
            }
            // The faulty members, outsiders and the host.
            let noise = rng.below(3 * self.n + 1);
            for _ in 0..noise {
                let at = start + rng.below(self.lifetime as usize + 1) as u64;
                let pick_faulty = faulty.get(rng.below(faulty.len())).copied();
                let replayed = events.get(rng.below(events.len())).cloned();
                let event = match (rng.below(4), pick_faulty, replayed) {
                    (0, Some(member), _) => {
                        let mut other = next.clone();
                        let swap = rng.below(other.len());
                        other.swap(0, swap);
                        let other = config(&other, next_f, 1000 + rng.below(5) as u32);
                        self.event(member, &other, true, VoteKind::Other, at, round)
                    }
                    (1, Some(member), _) => {
                        let invalid = self.invalid(&rng.next(), &members, &master, f);
                        self.event(member, &invalid, false, VoteKind::Invalid, at, round)
                    }
                    (2, _, _) => {
                        let outsider = self.nodes.len() - 1 - rng.below(4);
                        self.event(outsider, &target, true, VoteKind::Outsider, at, round)
                    }
                    (_, _, Some(mut replay)) => {
                        replay.at = at;
                        replay.kind = VoteKind::Replayed;
                        replay.round = round;
                        replay
                    }
                    _ => continue,
                };
                round_events.push(event);
            }
            round_events.sort_by_key(|e| e.at);
            now = round_events.last().map_or(start, |e| e.at);
            events.extend(round_events);
            // The next round starts later, sometimes past every vote's life.
            now += 1 + rng.below(2 * self.lifetime as usize) as u64;
            members = next;
            f = next_f;
        }
        RotationPlan {
            initial,
            events,
            targets,
        }
    }

    fn key(&self, node: usize) -> [u8; 32] {
        self.nodes
            .get(node)
            .map(RelayNode::public_key)
            .unwrap_or_default()
    }

    fn event(
        &self,
        signer: usize,
        config: &EnclaveConfigData,
        valid: bool,
        kind: VoteKind,
        at: u64,
        round: usize,
    ) -> VoteEvent {
        let body = self
            .nodes
            .get(signer)
            .map(|n| n.vote(config))
            .unwrap_or_default();
        VoteEvent {
            at,
            body,
            signer,
            kind,
            proposal: config.hash(),
            valid,
            round,
        }
    }

    /// One of the configs §7 refuses, picked by `pick`.
    fn invalid(&self, pick: &u64, members: &[usize], master: &[u8], f: usize) -> EnclaveConfigData {
        let keys: Vec<[u8; 32]> = members.iter().map(|&i| self.key(i)).collect();
        let mut config = EnclaveConfigData::new(&keys, master, 7, f as u32);
        match pick % 5 {
            0 => config.f = 0,
            1 => config.f = keys.len() as u32,
            2 => {
                if let (Some(signers), Some(first)) = (config.signers.as_mut(), keys.first()) {
                    signers.push(first.to_vec());
                }
            }
            3 => {
                if let Some(first) = config.signers.as_mut().and_then(|s| s.first_mut()) {
                    first.truncate(31);
                }
            }
            _ => config.signers = None,
        }
        config
    }
}
