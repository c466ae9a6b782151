//! The enclave's second door (PROTOCOL.md §12): a batch of compute requests
//! signed by the Workflow DON. A first pass settles the shape of every
//! entry; a second reads, hashes and tries the first 2N; the decision is
//! [`crate::trust::quorum`]'s, as for relay responses.
//!
//! An entry carries no signer label, so its signature is tried against the
//! configured keys not yet counted for its hash, in set order, until one
//! verifies. What makes one try cheaper is a [`KeyTrial`]'s business; what
//! bounds the tries is §12's bounded work: the shape of the whole body
//! first ([`shape`]), then at most 2N entries tried ([`tried_entries`]),
//! none that repeats an earlier one's signature over the same hash
//! ([`Repeats`]), so a batch costs at most 2N² verifications.

use core::fmt;

use base64::Engine as _;
use ed25519_compact::{PublicKey, Signature};

use sha2::{Digest, Sha256};

use crate::door::verifier::{Verifier, MAX_BODY_LEN};
use crate::leaf::CanonicalHash;
use crate::leaf::{Expected, Malformed, COMPUTE_SIGNATURE_PAYLOAD_LEN};
use crate::message::request::{self, ComputeRequest, RequestCheck};
use crate::read::text::Text;
use crate::read::Lexer;
use crate::trust::config::ConfigError;
use crate::trust::config::{SignerIndex, SignerSet, MAX_SIGNERS};
use crate::trust::quorum::{self, Admission, Counted, QuorumTally, SignerMask};

/// Depth of an entry object: batch array → entry.
const ENTRY_DEPTH: usize = 1;

/// The outcome of verifying one batch of signed compute requests.
#[must_use = "a verdict must be checked: only `Accept` carries a trusted request"]
#[derive(Debug)]
pub enum ComputeVerdict<'a> {
    /// A request reached the threshold of distinct configured signers and
    /// passed the §12 request checks.
    Accept(VerifiedComputeRequest<'a>),
    /// Refused, with the reason.
    Reject(ComputeError),
}

impl<'a> ComputeVerdict<'a> {
    /// The verdict as a `Result`, for `?`.
    pub fn into_result(self) -> Result<VerifiedComputeRequest<'a>, ComputeError> {
        match self {
            ComputeVerdict::Accept(v) => Ok(v),
            ComputeVerdict::Reject(e) => Err(e),
        }
    }

    /// Whether the batch was accepted.
    pub fn is_accept(&self) -> bool {
        matches!(self, ComputeVerdict::Accept(_))
    }
}

/// One counted entry: its position in the batch, where it starts, and the
/// configured signer whose vote it carried.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct CountedAt {
    entry: u32,
    at: u32,
    signer: SignerIndex,
}

/// A compute request that at least `threshold` distinct configured signers
/// signed, and that passed the §12 request checks.
///
/// Only the verifier constructs it; holding one is the proof.
pub struct VerifiedComputeRequest<'a> {
    hash: CanonicalHash,
    signers: SignerMask,
    signer_set: &'a SignerSet,
    body: &'a [u8],
    /// Ascending by entry; the first is the request to execute.
    entries: heapless::Vec<CountedAt, MAX_SIGNERS>,
    index: usize,
    request: ComputeRequest<'a>,
    stats: ComputeStats,
}

/// A counted entry of a verified batch: one signer's copy of the request,
/// carrying that node's own key shares.
#[derive(Clone, Copy, Debug)]
pub struct CountedEntry<'a> {
    /// Position of the entry in the batch.
    pub index: usize,
    /// The configured signer whose signature it carried.
    pub signer: &'a [u8; 32],
    /// The entry (same hash as the verified request; its own shares).
    pub request: ComputeRequest<'a>,
}

impl<'a> VerifiedComputeRequest<'a> {
    /// The winning request hash.
    pub fn hash(&self) -> &CanonicalHash {
        &self.hash
    }

    /// The signers counted for it, sorted bytewise.
    pub fn signers(&self) -> impl Iterator<Item = &'a [u8; 32]> + '_ {
        let set = self.signer_set;
        self.signers.iter().filter_map(move |i| set.key(i))
    }

    /// How many signers were counted for it.
    pub fn signer_count(&self) -> usize {
        self.signers.count()
    }

    /// Index of the request to execute: the first entry that carried a
    /// counted signature for the winning hash.
    pub fn index(&self) -> usize {
        self.index
    }

    /// The request to execute (the entry at [`Self::index`]).
    pub fn request(&self) -> &ComputeRequest<'a> {
        &self.request
    }

    /// Positions of the counted entries, ascending: for each counted signer,
    /// the first entry that carried its counted signature.
    pub fn entry_indices(&self) -> impl Iterator<Item = usize> + '_ {
        self.entries.iter().map(|c| c.entry as usize)
    }

    /// The counted entries, ascending, each with its signer: the enclave
    /// needs every one of these nodes' key shares.
    pub fn entries(&self) -> impl Iterator<Item = CountedEntry<'a>> + '_ {
        let (body, set) = (self.body, self.signer_set);
        // Re-read in place; each was read once in the pass, so none fails.
        self.entries.iter().filter_map(move |c| {
            Some(CountedEntry {
                index: c.entry as usize,
                signer: set.key(c.signer)?,
                request: request::read_entry(&mut Lexer::at(body, c.at as usize), ENTRY_DEPTH)
                    .ok()?,
            })
        })
    }

    /// What happened to every entry.
    pub fn stats(&self) -> &ComputeStats {
        &self.stats
    }
}

/// Leaves the body out: it carries ciphertexts and key shares.
impl fmt::Debug for VerifiedComputeRequest<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VerifiedComputeRequest")
            .field("hash", &self.hash)
            .field("signers", &self.signer_count())
            .field("index", &self.index())
            .field("stats", &self.stats)
            .finish_non_exhaustive()
    }
}

/// Counts of what happened to the entries of one batch. Every entry is in
/// exactly one of `counted` and the skip counts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ComputeStats {
    /// Entries read.
    pub entries: u32,
    /// Signature trials: one per (signature, configured key) decided, at
    /// most N per entry and 2N² per batch (PROTOCOL.md §12). A full ed25519
    /// verification each on the plain path; a backend that refuses a
    /// signature for every key at once counts one per key it would have
    /// tried, so every backend counts alike.
    pub verifications: u32,
    /// Entries whose signature counted for a signer.
    pub counted: u32,
    /// Entries without a signature (absent or `null`).
    pub missing: u32,
    /// Signatures that are not 64 bytes.
    pub wrong_length: u32,
    /// Signatures that verified under no configured key still to count
    /// (invalid, foreign, a signer's repeat, or over another request).
    pub no_key: u32,
    /// Signatures of a proven equivocator (or that proved one).
    pub equivocation: u32,
    /// Entries with no key left to try: every signer counted for its hash.
    pub all_counted: u32,
    /// Entries repeating the signature bytes of an earlier tried entry over
    /// the same hash: skipped without a verification.
    pub repeats: u32,
    /// Entries past the first 2N: read for their shape, never tried.
    pub over_capacity: u32,
}

impl fmt::Display for ComputeStats {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} entries, {} verifications, {} counted; skipped: {} missing, \
             {} wrong length, {} verified under no key, {} equivocation, {} all counted, \
             {} repeats, {} over capacity",
            self.entries,
            self.verifications,
            self.counted,
            self.missing,
            self.wrong_length,
            self.no_key,
            self.equivocation,
            self.all_counted,
            self.repeats,
            self.over_capacity
        )
    }
}

/// Why a batch of compute requests was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ComputeError {
    /// The enclave's own configuration is unusable.
    InvalidConfig(ConfigError),
    /// The batch breaks a rule of PROTOCOL.md §12 or §7's JSON rules.
    Malformed(Malformed),
    /// No request gathered enough signers.
    NoQuorum(ComputeNoQuorum),
    /// The winning request fails §12's request checks.
    InvalidRequest(RequestCheck),
}

impl ComputeError {
    /// The reason as the reference vectors name it: `invalid_config`,
    /// `malformed`, `no_quorum` or `invalid_request`.
    pub fn reason(&self) -> &'static str {
        match self {
            ComputeError::InvalidConfig(_) => "invalid_config",
            ComputeError::Malformed(_) => "malformed",
            ComputeError::NoQuorum(_) => "no_quorum",
            ComputeError::InvalidRequest(_) => "invalid_request",
        }
    }
}

impl fmt::Display for ComputeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ComputeError::InvalidConfig(e) => write!(f, "invalid configuration: {e}"),
            ComputeError::Malformed(e) => write!(f, "malformed batch: {e}"),
            ComputeError::NoQuorum(e) => write!(f, "no quorum: {e}"),
            ComputeError::InvalidRequest(e) => write!(f, "invalid request: {e}"),
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for ComputeError {}

impl From<ConfigError> for ComputeError {
    fn from(e: ConfigError) -> Self {
        ComputeError::InvalidConfig(e)
    }
}

impl From<Malformed> for ComputeError {
    fn from(e: Malformed) -> Self {
        ComputeError::Malformed(e)
    }
}

/// Diagnosis of a well-formed batch in which no request reached the
/// threshold.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ComputeNoQuorum {
    /// Signers needed.
    pub threshold: u32,
    /// The request with the most counted signers, and how many.
    pub leader: Option<(CanonicalHash, u32)>,
    /// How many distinct request hashes gathered a counted signer.
    pub distinct_hashes: u32,
    /// What happened to every entry.
    pub stats: ComputeStats,
}

impl fmt::Display for ComputeNoQuorum {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "no request reached {} signers ({} distinct hashes counted",
            self.threshold, self.distinct_hashes
        )?;
        if let Some((hash, n)) = self.leader {
            write!(f, "; best {hash}: {n}")?;
        }
        write!(f, "); {}", self.stats)
    }
}

/// What became of one entry ([`Verifier::verify_compute_traced`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EntryTrace {
    /// Position of the entry in the batch.
    pub entry: usize,
    /// Its request hash, when it was tried and carried a 64-byte signature.
    pub hash: Option<CanonicalHash>,
    /// Trials it cost (see [`ComputeStats::verifications`]): at most N.
    pub trials: u32,
    /// The signer it counted for, or why it was skipped.
    pub outcome: Result<[u8; 32], EntrySkip>,
}

/// Why an entry did not count. None of these fails a batch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum EntrySkip {
    /// No signature (absent or `null`).
    Missing,
    /// A signature that is not 64 bytes.
    WrongLength,
    /// Verified under no configured key still to count for its hash.
    NoKey,
    /// Its signer is a proven equivocator (or this signature proved it one).
    Equivocation,
    /// Every configured signer is already counted (or excluded) for its hash.
    AllCounted,
    /// Its signature bytes repeat those of an earlier tried entry over the
    /// same hash: it cannot add a signer, so it is not tried.
    Repeat,
    /// Past the first 2N entries (N configured signers): an honest batch
    /// has one per node, so these are not tried.
    OverCapacity,
}

impl fmt::Display for EntrySkip {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            EntrySkip::Missing => "no signature",
            EntrySkip::WrongLength => "signature not 64 bytes",
            EntrySkip::NoKey => "verified under no configured key still to count",
            EntrySkip::Equivocation => "signer is a proven equivocator",
            EntrySkip::AllCounted => "every signer already counted for this request",
            EntrySkip::Repeat => "repeats an earlier entry's signature over the same request",
            EntrySkip::OverCapacity => "past the first 2N entries (over capacity)",
        })
    }
}

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
struct OneByOne {
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

impl Verifier {
    /// Verifies a batch of signed compute requests (PROTOCOL.md §12): the
    /// JSON array the host posts, one entry per Workflow DON node.
    ///
    /// Bounded work: the body's syntax and every entry's shape are settled
    /// before any signature is tried (a malformed entry anywhere costs no
    /// verification); only the first 2N entries are tried, for N configured
    /// signers (later ones are skipped as over capacity, never fatal); an
    /// entry repeating an earlier entry's signature bytes over the same
    /// hash is skipped untried. Keys are tried in set order (sorted
    /// bytewise), at most one verification per configured key per entry, so
    /// a batch costs at most 2N² verifications
    /// ([`ComputeStats::verifications`]).
    pub fn verify_compute<'a>(&'a self, body: &'a [u8]) -> ComputeVerdict<'a> {
        self.verify_compute_traced(body, |_| {})
    }

    /// [`Verifier::verify_compute`], reporting what became of every entry,
    /// in batch order. A malformed batch reports nothing: none was tried.
    pub fn verify_compute_traced<'a>(
        &'a self,
        body: &'a [u8],
        trace: impl FnMut(EntryTrace),
    ) -> ComputeVerdict<'a> {
        let mut trial = OneByOne {
            signature: Signature::new([0; 64]),
            payload: [0; COMPUTE_SIGNATURE_PAYLOAD_LEN],
        };
        self.verify_compute_with(body, trace, &mut trial)
    }

    /// The two passes behind every `verify_compute*` method: the shape of
    /// every entry, then the trials.
    pub(crate) fn verify_compute_with<'a>(
        &'a self,
        body: &'a [u8],
        trace: impl FnMut(EntryTrace),
        trial: &mut impl KeyTrial,
    ) -> ComputeVerdict<'a> {
        let signers = self.config().signers().len();
        // The fingerprints live only through the first pass: the trials'
        // stack (the tally, then ed25519) does not carry them.
        let tried = tried_entries(signers);
        let shape = match with_repeats(signers, |repeats| shape(body, tried, repeats)) {
            Ok(shape) => shape,
            Err(e) => return ComputeVerdict::Reject(ComputeError::Malformed(e)),
        };
        // Every layer returns the verdict it is handed, so it is built once,
        // in the caller's slot (a `Result` converted on the way would keep
        // a second 1.3 KiB copy on the stack).
        quorum::with_tally(signers, |tally| {
            self.compute_tally(body, &shape, tally, trace, trial)
        })
    }

    /// The trial pass over a well-formed batch, then the decision.
    #[inline(never)]
    fn compute_tally<'a>(
        &'a self,
        body: &'a [u8],
        shape: &Shape,
        mut tally: QuorumTally<'_>,
        trace: impl FnMut(EntryTrace),
        trial: &mut impl KeyTrial,
    ) -> ComputeVerdict<'a> {
        let set = self.config().signers();
        match trial_pass(set, body, shape, &mut tally, trace, trial) {
            Ok(stats) => self.decide(body, &tally, stats),
            Err(e) => ComputeVerdict::Reject(ComputeError::Malformed(e)),
        }
    }

    /// §7 rules 4–5 on the tally, then §12's checks on the request to
    /// execute. Out of line and not generic: one copy, and its locals (the
    /// counted entries, the verdict being built) stay off the stack the
    /// trials run on.
    #[inline(never)]
    fn decide<'a>(
        &'a self,
        body: &'a [u8],
        tally: &QuorumTally<'_>,
        stats: ComputeStats,
    ) -> ComputeVerdict<'a> {
        let threshold = self.config().threshold();
        let Some(w) = tally.winner(threshold) else {
            let leader = tally.leader().map(|(h, n)| (h, to_u32(n)));
            return ComputeVerdict::Reject(ComputeError::NoQuorum(ComputeNoQuorum {
                threshold: to_u32(threshold),
                leader,
                distinct_hashes: to_u32(tally.distinct_hashes()),
                stats,
            }));
        };
        let mut entries: heapless::Vec<CountedAt, MAX_SIGNERS> = heapless::Vec::new();
        for (signer, entry, at) in tally.votes_for(&w.hash) {
            let _ = entries.push(CountedAt {
                entry: to_u32(entry),
                at: to_u32(at.unwrap_or(body.len())),
                signer,
            });
        }
        crate::leaf::sort::sort_by(&mut entries, |a, b| a.entry.cmp(&b.entry));
        // The winner's first response is the smallest counted entry.
        let at = w.result_at.unwrap_or(body.len());
        let request = match request::read_entry(&mut Lexer::at(body, at), ENTRY_DEPTH) {
            Ok(r) => r,
            Err(e) => return ComputeVerdict::Reject(ComputeError::Malformed(e)),
        };
        if let Err(c) = request.check() {
            return ComputeVerdict::Reject(ComputeError::InvalidRequest(c));
        }
        ComputeVerdict::Accept(VerifiedComputeRequest {
            hash: w.hash,
            signers: w.signers,
            signer_set: self.config().signers(),
            body,
            entries,
            index: w.first_response,
            request,
            stats,
        })
    }
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// How many entries of a batch are tried (PROTOCOL.md §12): the first 2N,
/// for N configured signers. An honest batch has one per node; the rest
/// of the room is for faulty entries before the honest ones, and it bounds
/// a batch's cost at 2N × N trials.
fn tried_entries(signers: usize) -> usize {
    signers.saturating_mul(2)
}

/// What the first pass learned of a well-formed batch.
struct Shape {
    /// How many entries it has.
    entries: usize,
    /// Which of the tried entries repeat an earlier one ([`Repeats`]).
    repeats: EntrySet,
}

/// A set of entry positions below 128 (2N for N ≤ [`MAX_SIGNERS`]).
#[derive(Clone, Copy, Default)]
struct EntrySet(u128);

impl EntrySet {
    fn bit(entry: usize) -> u128 {
        u32::try_from(entry)
            .ok()
            .and_then(|e| 1u128.checked_shl(e))
            .unwrap_or(0)
    }

    fn insert(&mut self, entry: usize) {
        self.0 |= Self::bit(entry);
    }

    fn contains(self, entry: usize) -> bool {
        self.0 & Self::bit(entry) != 0
    }
}

/// §12's bounded work, first pass: the body's syntax (§7) and the shape of
/// every entry, to the end, settled before any signature is tried, so that
/// a malformed entry anywhere (the last one too) costs no verification;
/// and, among the first `tried` entries, the repeats.
#[inline(never)]
fn shape(body: &[u8], tried: usize, mut repeats: Repeats<'_>) -> Result<Shape, Malformed> {
    if body.len() > MAX_BODY_LEN {
        return Err(Malformed {
            offset: MAX_BODY_LEN,
            expected: Expected::EndOfInput,
        });
    }
    Lexer::document(body)?;
    let mut lx = Lexer::new(body);
    lx.begin_array(Expected::Array)?;
    let mut first = true;
    let mut shape = Shape {
        entries: 0,
        repeats: EntrySet::default(),
    };
    while lx.next_element(&mut first)? {
        let entry = request::read_entry(&mut lx, ENTRY_DEPTH)?;
        if shape.entries < tried && repeats.seen_before(&entry) {
            shape.repeats.insert(shape.entries);
        }
        shape.entries = shape.entries.saturating_add(1);
    }
    Ok(shape)
}

/// The second pass over a well-formed batch: tries the first
/// [`tried_entries`] (but the repeats), counts the rest over capacity, and
/// traces every entry in batch order.
fn trial_pass(
    set: &SignerSet,
    body: &[u8],
    shape: &Shape,
    tally: &mut QuorumTally<'_>,
    mut trace: impl FnMut(EntryTrace),
    trial: &mut impl KeyTrial,
) -> Result<ComputeStats, Malformed> {
    let tried = tried_entries(set.len());
    let mut stats = ComputeStats::default();
    let mut lx = Lexer::new(body);
    lx.begin_array(Expected::Array)?;
    let mut first = true;
    for index in 0..shape.entries {
        let mut t = EntryTrace {
            entry: index,
            hash: None,
            trials: 0,
            outcome: Err(EntrySkip::OverCapacity),
        };
        // Past the first 2N the body is not read again: the first pass
        // read every entry.
        if index < tried && lx.next_element(&mut first)? {
            let entry = request::read_entry(&mut lx, ENTRY_DEPTH)?;
            let repeat = shape.repeats.contains(index);
            t.outcome = try_entry(set, tally, trial, &entry, index, repeat, &mut t);
        }
        stats.record(&t);
        trace(t);
    }
    Ok(stats)
}

impl ComputeStats {
    fn record(&mut self, t: &EntryTrace) {
        let bump = |n: &mut u32| *n = n.saturating_add(1);
        bump(&mut self.entries);
        self.verifications = self.verifications.saturating_add(t.trials);
        match t.outcome {
            Ok(_) => bump(&mut self.counted),
            Err(EntrySkip::Missing) => bump(&mut self.missing),
            Err(EntrySkip::WrongLength) => bump(&mut self.wrong_length),
            Err(EntrySkip::NoKey) => bump(&mut self.no_key),
            Err(EntrySkip::Equivocation) => bump(&mut self.equivocation),
            Err(EntrySkip::AllCounted) => bump(&mut self.all_counted),
            Err(EntrySkip::Repeat) => bump(&mut self.repeats),
            Err(EntrySkip::OverCapacity) => bump(&mut self.over_capacity),
        }
    }
}

/// §12 for one entry: unless it is a `repeat` of an earlier entry, try
/// the keys not yet counted for its hash, in set order, and count the
/// first under which the signature verifies (§7 rule 3 via the shared
/// tally).
fn try_entry(
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
        t.trials = to_u32(open.count());
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
struct Repeats<'s> {
    seen: &'s mut heapless::vec::VecView<Fingerprint>,
}

impl Repeats<'_> {
    /// Whether `entry` repeats the signature and hash of an earlier entry
    /// passed here; if not (and it has a 64-byte signature), remembers it.
    fn seen_before(&mut self, entry: &ComputeRequest<'_>) -> bool {
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
fn with_repeats<R>(signers: usize, f: impl FnOnce(Repeats<'_>) -> R) -> R {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verdict_and_error_stay_small() {
        let e = core::mem::size_of::<ComputeError>();
        let v = core::mem::size_of::<VerifiedComputeRequest<'_>>();
        std::println!("ComputeError: {e} bytes, VerifiedComputeRequest: {v} bytes");
        assert!(e <= 128, "{e}");
        // 64 counted entries (12 bytes each) and the request's field spans.
        assert!(v <= 1280, "{v}");
    }
}
