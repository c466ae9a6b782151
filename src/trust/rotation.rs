//! PROTOCOL.md §13: the signer set rotated by votes of the current set.
//!
//! [`Rotation`] holds the configuration in force, one vote slot per current
//! signer (its latest vote: proposed hash and time) and the last
//! [`RETIRED_CONFIGS`] retired config hashes, all in fixed memory.
//! [`Rotation::take_vote`] is §13's steps 1–7 in that order; a vote costs
//! at most N signature verifications.

use core::fmt;

use ed25519_compact::{PublicKey, Signature};

use crate::hash::config::{config_signature_payload, hash_read};
use crate::leaf::{CanonicalHash, Malformed};
use crate::message::config::MAX_CONFIG_JSON_LEN;
use crate::message::vote::{read_config, VoteBody};
use crate::trust::config::{Config, ConfigError, MAX_SIGNERS};
use crate::trust::enclave_config::RotationConfig;

/// How many retired config hashes a [`Rotation`] remembers (§13 rule 4).
pub const RETIRED_CONFIGS: usize = 16;

/// §13's vote lifetime, in seconds: a vote is live while
/// `now − recorded ≤ 600`.
pub const DEFAULT_VOTE_LIFETIME: u64 = 600;

/// The room [`Rotation::take_vote`] works in, lent by the caller so that
/// a small stack holds only the call (firmware keeps it, and the
/// `Rotation`, in static memory): the proposed config's JSON, decoded
/// ([`crate::MAX_CONFIG_JSON_LEN`] bytes), its signers, the config it makes
/// and, once a vote applied one, the config it replaced. 12,440 bytes on a
/// 64-bit target; reused from one vote to the next.
#[derive(Clone, Debug)]
pub struct VoteWork {
    json: [u8; MAX_CONFIG_JSON_LEN],
    keys: heapless::Vec<[u8; 32], MAX_SIGNERS>,
    next: RotationConfig,
}

impl VoteWork {
    /// Empty work room.
    pub const fn new() -> Self {
        VoteWork {
            json: [0; MAX_CONFIG_JSON_LEN],
            keys: heapless::Vec::new(),
            next: RotationConfig::EMPTY,
        }
    }
}

impl Default for VoteWork {
    fn default() -> Self {
        Self::new()
    }
}

/// One current signer's latest vote.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Slot {
    hash: CanonicalHash,
    at: u64,
    held: bool,
}

/// The §13 state of an enclave: the configuration in force, one vote slot
/// per current signer, and the last 16 retired config hashes.
///
/// Fixed memory, no heap: 7,840 bytes on a 64-bit target whatever the
/// number of signers (up to 64), of which 2,048 are the opaque master key's
/// room ([`crate::MAX_MASTER_KEY_LEN`]). [`Rotation::take_vote`] decodes
/// and builds the proposed config in a [`VoteWork`] the caller lends
/// (12,440 bytes), and needs 6.5 KiB of stack (optimised; `tests/bounds.rs`
/// holds it under 8 KiB). Starting one (`RotationConfig::from_json`, then
/// `Rotation::new` written into memory kept off the stack) needs 14.5 KiB,
/// held under 16 KiB.
///
/// The crate root's documentation of `Rotation` shows an enclave's rotation.
#[derive(Clone, Debug)]
pub struct Rotation {
    current: RotationConfig,
    /// Indexed by the current signers' positions in the order given.
    slots: [Slot; MAX_SIGNERS],
    /// A ring: `retired_next` is where the next retired hash goes.
    retired: [CanonicalHash; RETIRED_CONFIGS],
    retired_len: u8,
    retired_next: u8,
    lifetime: u64,
}

impl Rotation {
    /// Starts with `current` in force, no votes, nothing retired, and
    /// the vote lifetime of §13 ([`DEFAULT_VOTE_LIFETIME`]).
    pub fn new(current: RotationConfig) -> Self {
        Self::with_vote_lifetime(current, DEFAULT_VOTE_LIFETIME)
    }

    /// Like [`Rotation::new`], with votes live for `lifetime` seconds.
    pub fn with_vote_lifetime(current: RotationConfig, lifetime: u64) -> Self {
        Rotation {
            current,
            slots: [Slot::default(); MAX_SIGNERS],
            retired: [CanonicalHash::default(); RETIRED_CONFIGS],
            retired_len: 0,
            retired_next: 0,
            lifetime,
        }
    }

    /// The configuration in force.
    pub fn current(&self) -> &RotationConfig {
        &self.current
    }

    /// The vote lifetime, in seconds.
    pub fn vote_lifetime(&self) -> u64 {
        self.lifetime
    }

    /// The retired config hashes, oldest first (at most 16).
    pub fn retired(&self) -> impl Iterator<Item = &CanonicalHash> + '_ {
        let len = usize::from(self.retired_len);
        let start = usize::from(self.retired_next)
            .wrapping_add(RETIRED_CONFIGS)
            .wrapping_sub(len);
        (0..len).filter_map(move |i| self.retired.get(start.wrapping_add(i) % RETIRED_CONFIGS))
    }

    /// Takes one vote body (`{"config": base64, "signature": base64}`) at
    /// `now` (seconds, from a clock the embedder trusts): §13's steps 1–7,
    /// in `work`, the caller's room for the proposed config.
    pub fn take_vote<'r>(
        &'r mut self,
        body: &[u8],
        now: u64,
        work: &'r mut VoteWork,
    ) -> Result<VoteOutcome<'r>, VoteError> {
        // 1. The body and the proposed config follow the §7 JSON rules.
        let vote = VoteBody::from_json(body).map_err(VoteError::Malformed)?;
        let json = vote
            .config_into(&mut work.json)
            .map_err(VoteError::Malformed)?;
        let proposed = read_config(json).map_err(VoteError::MalformedConfig)?;
        let hash = hash_read(&proposed);

        // 2. Some current signer's key verifies the signature (≤ N tries).
        let voter = self
            .voter(vote.signature(), &hash)
            .ok_or(VoteError::UnknownSigner)?;

        // 3. Already in force: nothing recorded.
        if hash == self.current.hash() {
            return Ok(VoteOutcome::AlreadyCurrent);
        }
        // 4. Retired: nothing recorded (no rollback by replayed votes).
        if self.retired().any(|h| *h == hash) {
            return Err(VoteError::RetiredConfig { hash });
        }
        // 5. Not a valid §7 configuration: nothing recorded.
        work.next
            .load_read(&proposed, &mut work.keys)
            .map_err(|error| VoteError::InvalidConfig { hash, error })?;

        // 6. The voter's slot holds its latest vote.
        if let Some(slot) = self.slots.get_mut(voter) {
            *slot = Slot {
                hash,
                at: now,
                held: true,
            };
        }

        // 7. F+1 current signers with a live vote for it: applied.
        let required = self.current.config().f().saturating_add(1);
        let collected = self.live_voters(&hash, now).count();
        if collected < required {
            return Ok(VoteOutcome::Collected {
                hash,
                collected,
                required,
            });
        }
        let mut voters = 0u64;
        for (position, slot) in self.slots.iter().enumerate() {
            if self.live(slot, &hash, now) {
                voters |= 1u64.checked_shl(position as u32).unwrap_or(0);
            }
        }
        self.retire(self.current.hash());
        // Swapped, not copied: the replaced config is left in the work.
        core::mem::swap(&mut self.current, &mut work.next);
        self.slots.fill(Slot::default());
        Ok(VoteOutcome::Applied(Applied {
            config: &self.current,
            replaced: &work.next,
            voters,
        }))
    }

    /// The position (in the order given) of the first current signer whose
    /// key verifies `signature` over the vote payload for `hash`.
    fn voter(&self, signature: &[u8; 64], hash: &CanonicalHash) -> Option<usize> {
        let payload = config_signature_payload(hash);
        let signature = Signature::new(*signature);
        self.current
            .signers()
            .position(|key| PublicKey::new(*key).verify(payload, &signature).is_ok())
    }

    /// The current signers (in the order given) whose slot holds a live
    /// vote for `hash`: `now − recorded ≤ lifetime`, saturating (a clock
    /// that goes back makes votes younger, never older).
    fn live_voters<'s>(
        &'s self,
        hash: &'s CanonicalHash,
        now: u64,
    ) -> impl Iterator<Item = &'s [u8; 32]> + 's {
        self.current
            .signers()
            .zip(self.slots.iter())
            .filter(move |(_, s)| self.live(s, hash, now))
            .map(|(key, _)| key)
    }

    /// Whether `slot` holds a live vote for `hash`: `now − recorded ≤
    /// lifetime`, saturating.
    fn live(&self, slot: &Slot, hash: &CanonicalHash, now: u64) -> bool {
        slot.held && slot.hash == *hash && now.saturating_sub(slot.at) <= self.lifetime
    }

    /// Adds `hash` to the ring of retired hashes; the oldest of 16 drops out.
    fn retire(&mut self, hash: CanonicalHash) {
        if let Some(slot) = self.retired.get_mut(usize::from(self.retired_next)) {
            *slot = hash;
        }
        self.retired_next = self.retired_next.wrapping_add(1) % RETIRED_CONFIGS as u8;
        if usize::from(self.retired_len) < RETIRED_CONFIGS {
            self.retired_len = self.retired_len.saturating_add(1);
        }
    }
}

/// What a vote did (§13), when it was not rejected.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum VoteOutcome<'r> {
    /// F+1 current signers' live votes applied the proposed config: it is
    /// now in force, the replaced config is retired, every slot cleared.
    Applied(Applied<'r>),
    /// The vote is recorded; the proposal has `collected` live votes of the
    /// `required` F+1.
    Collected {
        /// The proposed config hash.
        hash: CanonicalHash,
        /// Current signers with a live vote for it.
        collected: usize,
        /// F+1 of the current config.
        required: usize,
    },
    /// The proposed config is the one in force; nothing was recorded.
    AlreadyCurrent,
}

/// Proof that a config was applied by F+1 current signers' live votes.
/// Only the crate builds it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Applied<'r> {
    /// The rotation's config in force.
    config: &'r RotationConfig,
    /// The config it replaced, left in the vote's work.
    replaced: &'r RotationConfig,
    /// The voters, as positions in `replaced`'s order.
    voters: u64,
}

impl<'r> Applied<'r> {
    /// The config now in force.
    pub fn config(&self) -> &'r RotationConfig {
        self.config
    }

    /// Its §13 config hash.
    pub fn hash(&self) -> CanonicalHash {
        self.config.hash()
    }

    /// The signers whose live votes applied it, in the replaced config's
    /// order.
    pub fn signers(&self) -> impl Iterator<Item = &'r [u8; 32]> + 'r {
        let voters = self.voters;
        self.replaced
            .signers()
            .enumerate()
            .filter(move |(i, _)| voters.checked_shr(*i as u32).unwrap_or(0) & 1 == 1)
            .map(|(_, key)| key)
    }

    /// The attestation user data of the applied config (§13).
    pub fn user_data(&self) -> [u8; 32] {
        self.config.user_data()
    }

    /// The signer set and `F` to verify with from now on (for
    /// `Verifier::new`).
    pub fn verifier_config(&self) -> Config {
        self.config.config().clone()
    }
}

/// A vote rejected by §13; nothing was recorded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum VoteError {
    /// The body breaks §13 rule 1, at this offset in the body (also when
    /// the decoded config is over [`crate::MAX_CONFIG_JSON_LEN`] bytes).
    Malformed(Malformed),
    /// The proposed config's JSON breaks §13 rule 1, at this offset in the
    /// decoded config (also a master key over
    /// [`crate::MAX_MASTER_KEY_LEN`] bytes).
    MalformedConfig(Malformed),
    /// No current signer's key verifies the signature.
    UnknownSigner,
    /// The proposed config is one of the last 16 retired.
    RetiredConfig {
        /// Its hash.
        hash: CanonicalHash,
    },
    /// The proposed config is not a valid §7 configuration.
    InvalidConfig {
        /// Its hash.
        hash: CanonicalHash,
        /// What is wrong with it.
        error: ConfigError,
    },
}

impl VoteError {
    /// The reason as PROTOCOL.md §13 and the vectors name it: `malformed`,
    /// `unknown_signer`, `retired_config` or `invalid_config`.
    pub fn reason(&self) -> &'static str {
        match self {
            VoteError::Malformed(_) | VoteError::MalformedConfig(_) => "malformed",
            VoteError::UnknownSigner => "unknown_signer",
            VoteError::RetiredConfig { .. } => "retired_config",
            VoteError::InvalidConfig { .. } => "invalid_config",
        }
    }
}

impl fmt::Display for VoteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            VoteError::Malformed(m) => write!(f, "malformed vote: {m}"),
            VoteError::MalformedConfig(m) => write!(f, "malformed proposed config: {m}"),
            VoteError::UnknownSigner => f.write_str("no current signer signed this vote"),
            VoteError::RetiredConfig { hash } => write!(f, "config {hash} was retired"),
            VoteError::InvalidConfig { hash, error } => {
                write!(f, "config {hash} is invalid: {error}")
            }
        }
    }
}

#[cfg(feature = "std")]
#[cfg_attr(docsrs, doc(cfg(feature = "std")))]
impl std::error::Error for VoteError {}

#[cfg(test)]
mod tests {
    use super::*;
    use std::{boxed::Box, format, vec::Vec};

    #[test]
    fn state_size_is_fixed_and_stated() {
        let size = core::mem::size_of::<Rotation>();
        std::println!(
            "Rotation: {size} bytes, RotationConfig: {}, VoteWork: {}",
            core::mem::size_of::<RotationConfig>(),
            core::mem::size_of::<VoteWork>()
        );
        assert!(
            size <= 7_840,
            "Rotation is {size} bytes (the docs say 7,840)"
        );
        assert!(core::mem::size_of::<VoteError>() <= 128);
        let work = core::mem::size_of::<VoteWork>();
        assert!(
            work <= 12_440,
            "VoteWork is {work} bytes (the docs say 12,440)"
        );
    }

    pub(crate) const TWO_SIGNERS: &[u8] = br#"{"signers":["l+Sib5RBYaXzNLfALOEtGHjTL6b6L5JfsCrcKd2zvuw=","H4ApZW7KD7MryrIrXZ3I2nx29MVzu6akaTPO56C4LXQ="],"masterPublicKey":"AQI=","t":1,"f":1}"#;

    #[test]
    fn the_retired_ring_keeps_the_last_16_oldest_first() {
        let mut r = Rotation::new(RotationConfig::from_json(TWO_SIGNERS).unwrap());
        assert_eq!(r.retired().count(), 0);
        for i in 0..20u8 {
            r.retire(CanonicalHash::from_bytes([i; 32]));
        }
        let kept: Vec<u8> = r.retired().map(|h| h.as_bytes()[0]).collect();
        assert_eq!(kept, (4..20).collect::<Vec<u8>>());
    }

    #[test]
    fn a_vote_no_current_signer_signed_records_nothing() {
        let mut r = Rotation::new(RotationConfig::from_json(TWO_SIGNERS).unwrap());
        let sig = "A".repeat(86) + "==";
        let body = format!(r#"{{"config":"e30=","signature":"{sig}"}}"#);
        assert_eq!(
            r.take_vote(body.as_bytes(), 0, &mut VoteWork::new()),
            Err(VoteError::UnknownSigner)
        );
        assert!(r.slots.iter().all(|s| !s.held));
    }

    /// Four seeded signers in force, F = 1.
    fn four_signers() -> (Vec<ed25519_compact::KeyPair>, Rotation) {
        let keys: Vec<_> = (1..=4u8)
            .map(|i| ed25519_compact::KeyPair::from_seed(ed25519_compact::Seed::new([i; 32])))
            .collect();
        let pks: Vec<[u8; 32]> = keys.iter().map(|k| *k.pk).collect();
        let config = RotationConfig::new(&pks, &[], 0, 1).unwrap();
        (keys, Rotation::new(config))
    }

    fn vote(key: &ed25519_compact::KeyPair, config_json: &str) -> std::string::String {
        use base64::Engine as _;
        let b64 = base64::engine::general_purpose::STANDARD;
        let hash = crate::hash::config::config_hash(config_json.as_bytes()).unwrap();
        let sig = key.sk.sign(config_signature_payload(&hash), None);
        format!(
            r#"{{"config":"{}","signature":"{}"}}"#,
            b64.encode(config_json),
            b64.encode(*sig)
        )
    }

    #[test]
    fn a_clock_that_goes_back_makes_votes_younger_never_older() {
        let (keys, mut r) = four_signers();
        let proposal = core::str::from_utf8(TWO_SIGNERS).unwrap();
        let mut work = Box::new(VoteWork::new());
        let first = r.take_vote(vote(&keys[0], proposal).as_bytes(), 10_000, &mut work);
        assert!(matches!(
            first,
            Ok(VoteOutcome::Collected {
                collected: 1,
                required: 2,
                ..
            })
        ));
        // Earlier than the first vote: its age saturates to 0, still live.
        let second = r.take_vote(vote(&keys[1], proposal).as_bytes(), 5, &mut work);
        let Ok(VoteOutcome::Applied(applied)) = second else {
            panic!("two live votes of four signers with F = 1 apply: {second:?}");
        };
        let hash = crate::hash::config::config_hash(TWO_SIGNERS).unwrap();
        assert_eq!(applied.hash(), hash);
        assert!(applied.signers().eq([&*keys[0].pk, &*keys[1].pk]));
        assert_eq!(r.retired().count(), 1);
        assert!(r.slots.iter().all(|s| !s.held), "every slot cleared");
    }

    #[test]
    fn a_vote_past_its_lifetime_does_not_count() {
        let (keys, r) = four_signers();
        let mut r = Rotation::with_vote_lifetime(r.current().clone(), 10);
        let proposal = core::str::from_utf8(TWO_SIGNERS).unwrap();
        let mut work = Box::new(VoteWork::new());
        let _ = r.take_vote(vote(&keys[0], proposal).as_bytes(), 100, &mut work);
        let late = r.take_vote(vote(&keys[1], proposal).as_bytes(), 111, &mut work);
        assert!(
            matches!(late, Ok(VoteOutcome::Collected { collected: 1, .. })),
            "{late:?}"
        );
        let invalid = r.take_vote(
            vote(&keys[2], r#"{"signers":null,"f":1}"#).as_bytes(),
            111,
            &mut work,
        );
        assert_eq!(invalid.unwrap_err().reason(), "invalid_config");
    }
}
