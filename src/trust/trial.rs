//! PROTOCOL.md §12's rule for one entry of a compute batch: an entry
//! carries no signer label, so its signature is tried against the
//! configured keys not yet counted for its hash, in set order, until one
//! verifies; the vote goes to the shared tally ([`super::quorum`]). Bounded
//! work: only the first 2N entries are tried ([`tried_entries`]), and none
//! that repeats an earlier one's signature over the same hash ([`Repeats`]),
//! so a batch costs at most 2N² verifications.

use base64::Engine as _;
use ed25519_compact::{PublicKey, Signature};
use sha2::{Digest, Sha256};

use crate::leaf::{count32, CanonicalHash, EntrySkip, EntryTrace, COMPUTE_SIGNATURE_PAYLOAD_LEN};
use crate::message::request::ComputeRequest;
use crate::read::Text;

use super::config::{SignerIndex, SignerSet, MAX_SIGNERS};
use super::quorum::{Admission, Counted, QuorumTally};

/// One signature tried against configured keys (§12's trial verification).
/// An implementation may prepare work shared by every key once per entry.
pub(crate) trait KeyTrial {
    /// Takes the signature of an entry with `hash`; `false` if no key can
    /// verify it (so no key is tried).
    fn prepare(&mut self, signature: &[u8; 64], hash: &CanonicalHash) -> bool;
    /// Whether the prepared signature verifies under configured key `index`.
    fn verifies(&mut self, index: SignerIndex, key: &[u8; 32]) -> bool;
}

/// The plain trial: one full ed25519 verification per key.
pub(crate) struct OneByOne {
    signature: Signature,
    payload: [u8; COMPUTE_SIGNATURE_PAYLOAD_LEN],
}

impl KeyTrial for OneByOne {
    fn prepare(&mut self, signature: &[u8; 64], hash: &CanonicalHash) -> bool {
        self.signature = Signature::new(*signature);
        self.payload = hash.compute_signature_payload();
        true
    }

    fn verifies(&mut self, _: SignerIndex, key: &[u8; 32]) -> bool {
        PublicKey::new(*key)
            .verify(self.payload, &self.signature)
            .is_ok()
    }
}

impl OneByOne {
    /// A trial with nothing prepared yet.
    pub(crate) fn new() -> Self {
        OneByOne {
            signature: Signature::new([0; 64]),
            payload: [0; COMPUTE_SIGNATURE_PAYLOAD_LEN],
        }
    }
}

/// How many entries of a batch are tried (PROTOCOL.md §12): the first 2N,
/// for N configured signers. An honest batch has one per node; the rest
/// of the room is for faulty entries before the honest ones, and it bounds
/// a batch's cost at 2N × N trials.
pub(crate) fn tried_entries(signers: usize) -> usize {
    signers.saturating_mul(2)
}

/// §12 for one entry: unless it is a `repeat` of an earlier entry, try
/// the keys not yet counted for its hash, in set order, and count the
/// first under which the signature verifies (§7 rule 3 via the shared
/// tally).
pub(crate) fn try_entry(
    set: &SignerSet,
    tally: &mut QuorumTally<'_>,
    trial: &mut impl KeyTrial,
    entry: &ComputeRequest<'_>,
    index: usize,
    repeat: bool,
    t: &mut EntryTrace,
) -> Result<[u8; 32], EntrySkip> {
    let signature = signature_of(entry)?;
    let hash = entry.hash();
    t.hash = Some(hash);
    if repeat {
        return Err(EntrySkip::Repeat);
    }
    let mut open = set
        .keys()
        .iter()
        .zip(0..)
        .filter(|&(_, i)| tally.admit(i, &hash) == Admission::Verify)
        .peekable();
    if open.peek().is_none() {
        return Err(EntrySkip::AllCounted);
    }
    if !trial.prepare(&signature, &hash) {
        // Refused for every key at once: counted as the one failed
        // verification per open key that the plain trial spends on it.
        t.trials = count32(open.count());
        return Err(EntrySkip::NoKey);
    }
    let mut found = None;
    for (key, i) in open {
        t.trials = t.trials.saturating_add(1);
        if trial.verifies(i, key) {
            found = Some((*key, i));
            break;
        }
    }
    let (key, who) = found.ok_or(EntrySkip::NoKey)?;
    match tally.count(who, &hash, index, Some(entry.offset())) {
        Counted::Yes => Ok(key),
        Counted::No => Err(EntrySkip::AllCounted),
        Counted::Equivocation(_) => Err(EntrySkip::Equivocation),
    }
}

/// What [`Repeats`] keeps of an entry: the first 16 bytes of
/// SHA-256(hash ‖ signature).
type Fingerprint = [u8; 16];

/// §12's repeat rule, in one place: among the first 2N entries, one whose
/// signature bytes and hash are those of an earlier entry is skipped
/// without a verification. The first pass finds them ([`shape`]); the
/// trial pass skips them.
///
/// *Why a repeat cannot add a signer.* Take the first entry with that hash
/// H and signature S. When it was reached, it was tried against the keys
/// then open for H (not yet counted for H, not a proven equivocator), or
/// found none open. That set only shrinks as the pass goes on: a counted
/// key stays counted or is excluded as an equivocator, and an excluded one
/// never comes back. If S verified under an open key k, k is now counted
/// for H or excluded, and S verifies under no other configured key (no
/// signature verifies under two distinct non-weak keys, and the signer set
/// refuses weak ones). If S verified under none, it verifies under none of
/// the fewer keys open now; a backend's [`KeyTrial::prepare`] that refused
/// S refuses it again. Trying a repeat could thus only spend verifications:
/// skipping it leaves every count, every equivocation and the verdict as
/// they were.
///
/// *Why a fingerprint, and only in the first pass.* The 96 bytes of every
/// pair (2N of them: 12 KiB at N = 64) would not fit the stack budget;
/// 16 bytes each is 2 KiB at most, held only while the first pass runs
/// (the trials see one bit per entry, [`EntrySet`]). Two distinct pairs
/// with one fingerprint make the later entry a false repeat: skipped,
/// never counted. That can take a vote away, never add one, so safety does
/// not rest on it; and taking an honest node's vote away needs an entry
/// before the honest one whose fingerprint equals the honest pair's: a
/// second preimage of 128 bits of SHA-256, about 2^128 hashes. A collision
/// between two entries of the host's own (2^64 hashes) only skips an entry
/// of its own.
pub(crate) struct Repeats<'s> {
    seen: &'s mut heapless::vec::VecView<Fingerprint>,
}

impl Repeats<'_> {
    /// Whether `entry` repeats the signature and hash of an earlier entry
    /// passed here; if not (and it has a 64-byte signature), remembers it.
    pub(crate) fn seen_before(&mut self, entry: &ComputeRequest<'_>) -> bool {
        let Ok(signature) = signature_of(entry) else {
            return false;
        };
        let mut h = Sha256::new();
        h.update(entry.hash().as_bytes());
        h.update(signature);
        let mut print: Fingerprint = [0; 16];
        for (p, d) in print.iter_mut().zip(h.finalize()) {
            *p = d;
        }
        if self.seen.contains(&print) {
            return true;
        }
        // Room for the first 2N entries (`with_repeats`); were it full, the
        // entry would merely be tried, as without the rule.
        let _ = self.seen.push(print);
        false
    }
}

/// Runs `f` over an empty [`Repeats`] with room for every entry tried
/// under `signers` configured signers: 2N fingerprints, for N the smallest
/// of 8, 16, 32 and 64 that holds them (256 B to 2 KiB of stack, as the
/// tally's storage is sized).
pub(crate) fn with_repeats<R>(signers: usize, f: impl FnOnce(Repeats<'_>) -> R) -> R {
    match signers {
        0..=8 => repeat_storage::<16, R>(f),
        9..=16 => repeat_storage::<32, R>(f),
        17..=32 => repeat_storage::<64, R>(f),
        _ => repeat_storage::<{ 2 * MAX_SIGNERS }, R>(f),
    }
}

/// The fingerprints in a frame of their own, which only their size class
/// pays for.
#[inline(never)]
fn repeat_storage<const M: usize, R>(f: impl FnOnce(Repeats<'_>) -> R) -> R {
    let mut seen: heapless::Vec<Fingerprint, M> = heapless::Vec::new();
    f(Repeats {
        seen: seen.as_mut_view(),
    })
}

/// An entry's signature, when it has one of 64 bytes.
fn signature_of(entry: &ComputeRequest<'_>) -> Result<[u8; 64], EntrySkip> {
    let signature = entry.signature().ok_or(EntrySkip::Missing)?;
    decode_64(&signature).ok_or(EntrySkip::WrongLength)
}

/// Decodes a signature already checked as canonical base64; `None` unless
/// it is exactly 64 bytes.
fn decode_64(text: &Text<'_>) -> Option<[u8; 64]> {
    // 96 characters hold 72 bytes: anything longer is not 64 bytes anyway.
    let mut chars = [0u8; 96];
    let chars = text.decode_into(&mut chars)?;
    let mut bytes = [0u8; 72];
    let n = base64::engine::general_purpose::STANDARD
        .decode_slice(chars, &mut bytes)
        .ok()?;
    bytes.get(..n).and_then(|b| <[u8; 64]>::try_from(b).ok())
}
