//! PROTOCOL.md §13 read plainly, for the `vote` target: a map of signer →
//! latest vote, every retired hash in a Vec, live counts recomputed from
//! scratch on every vote. Nothing here is shared with `src/trust/rotation.rs`
//! but the ed25519 primitive and the §5 payload bytes.

use std::collections::BTreeMap;

use ed25519_compact::{PublicKey, Signature};
use relay_verifier::{config_signature_payload, CanonicalHash};

/// How many retired hashes rule 4 looks back over.
pub const RETIRED_WINDOW: usize = 16;

/// A configuration as the model keeps it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ModelConfig {
    /// Raw signer byte strings, in the order given (any length).
    pub signers: Vec<Vec<u8>>,
    pub master_public_key: Vec<u8>,
    pub t: u32,
    pub f: u32,
    pub hash: CanonicalHash,
}

/// Whether a 32-byte key is a canonical point not of small order: the
/// model cannot tell by itself, the harness says (it knows its keys).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyVerdict {
    Valid,
    Invalid,
    /// Not one of the harness's keys: the model defers to the crate.
    Unknown,
}

/// A vote as the naive reader found it.
#[derive(Clone, Debug)]
pub struct ModelVote {
    pub proposed: ModelConfig,
    pub signature: [u8; 64],
}

/// §13's outcome, in the vectors' words.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ModelOutcome {
    Applied {
        hash: CanonicalHash,
        signers: Vec<[u8; 32]>,
    },
    Collected {
        hash: CanonicalHash,
        collected: usize,
        required: usize,
    },
    AlreadyCurrent,
    Rejected(&'static str),
}

/// Rule 5 could not be judged by the model alone (a key it does not know).
#[derive(Debug)]
pub struct Undecided;

#[derive(Clone, Debug)]
pub struct VoteModel {
    pub current: ModelConfig,
    /// Current signer → (proposed hash, time) of its latest vote.
    pub votes: BTreeMap<[u8; 32], (CanonicalHash, u64)>,
    /// Every config ever retired, oldest first (rule 4 looks at the last 16).
    pub retired: Vec<CanonicalHash>,
    pub lifetime: u64,
}

impl VoteModel {
    pub fn new(current: ModelConfig, lifetime: u64) -> Self {
        VoteModel {
            current,
            votes: BTreeMap::new(),
            retired: Vec::new(),
            lifetime,
        }
    }

    /// The current signers as keys (a current config is always valid).
    pub fn current_keys(&self) -> Vec<[u8; 32]> {
        self.current
            .signers
            .iter()
            .map(|s| s.as_slice().try_into().expect("current keys are 32 bytes"))
            .collect()
    }

    /// The last 16 retired hashes, oldest first.
    pub fn retired_window(&self) -> &[CanonicalHash] {
        &self.retired[self.retired.len().saturating_sub(RETIRED_WINDOW)..]
    }

    /// Rules 2–7 for a vote that passed rule 1. `judge` says whether a
    /// 32-byte key is a valid point; `undecided_valid` is asked only when
    /// it answers `Unknown` for some key and nothing else decides.
    pub fn take(
        &mut self,
        vote: &ModelVote,
        now: u64,
        judge: impl Fn(&[u8; 32]) -> KeyVerdict,
    ) -> Result<ModelOutcome, Undecided> {
        let hash = vote.proposed.hash;
        // 2. Some current signer's key verifies the signature.
        let payload = config_signature_payload(&hash);
        let signature = Signature::new(vote.signature);
        let voter = self
            .current_keys()
            .into_iter()
            .find(|k| PublicKey::new(*k).verify(payload, &signature).is_ok());
        let Some(voter) = voter else {
            return Ok(ModelOutcome::Rejected("unknown_signer"));
        };
        // 3.
        if hash == self.current.hash {
            return Ok(ModelOutcome::AlreadyCurrent);
        }
        // 4.
        if self.retired_window().contains(&hash) {
            return Ok(ModelOutcome::Rejected("retired_config"));
        }
        // 5.
        match valid(&vote.proposed, judge) {
            Some(true) => {}
            Some(false) => return Ok(ModelOutcome::Rejected("invalid_config")),
            None => return Err(Undecided),
        }
        Ok(self.record(voter, vote.proposed.clone(), now))
    }

    /// Rules 6 and 7, once the proposal is known valid.
    pub fn record(&mut self, voter: [u8; 32], proposed: ModelConfig, now: u64) -> ModelOutcome {
        let hash = proposed.hash;
        self.votes.insert(voter, (hash, now));
        let live: Vec<[u8; 32]> = self
            .current_keys()
            .into_iter()
            .filter(|k| match self.votes.get(k) {
                Some((h, at)) => *h == hash && now.saturating_sub(*at) <= self.lifetime,
                None => false,
            })
            .collect();
        let required = self.current.f as usize + 1;
        if live.len() < required {
            return ModelOutcome::Collected {
                hash,
                collected: live.len(),
                required,
            };
        }
        self.retired.push(self.current.hash);
        self.current = proposed;
        self.votes.clear();
        ModelOutcome::Applied {
            hash,
            signers: live,
        }
    }

    /// The current signer whose key verifies `signature` over `hash`'s
    /// payload (for the harness, when it defers rule 5 to the crate).
    pub fn voter(&self, hash: &CanonicalHash, signature: &[u8; 64]) -> Option<[u8; 32]> {
        let payload = config_signature_payload(hash);
        let signature = Signature::new(*signature);
        self.current_keys()
            .into_iter()
            .find(|k| PublicKey::new(*k).verify(payload, &signature).is_ok())
    }
}

/// §7 on a proposed config: each signer 32 bytes and a valid point, all
/// distinct, at most 64; f ≥ 1; f+1 ≤ #signers. `None`: a key the judge
/// does not know decides it.
pub fn valid(c: &ModelConfig, judge: impl Fn(&[u8; 32]) -> KeyVerdict) -> Option<bool> {
    let n = c.signers.len();
    if c.f == 0 || n > 64 || (c.f as usize).saturating_add(1) > n {
        return Some(false);
    }
    let mut keys: Vec<[u8; 32]> = Vec::new();
    for s in &c.signers {
        let Ok(key) = <[u8; 32]>::try_from(s.as_slice()) else {
            return Some(false);
        };
        if keys.contains(&key) {
            return Some(false);
        }
        keys.push(key);
    }
    let verdicts: Vec<KeyVerdict> = keys.iter().map(&judge).collect();
    if verdicts.contains(&KeyVerdict::Invalid) {
        Some(false)
    } else if verdicts.contains(&KeyVerdict::Unknown) {
        None
    } else {
        Some(true)
    }
}
