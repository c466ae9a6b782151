//! Counters of one compute batch (PROTOCOL.md §12): what became of every
//! entry.

use core::fmt;

use super::CanonicalHash;

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

impl ComputeStats {
    /// Counts one entry under its outcome.
    pub(crate) fn record(&mut self, t: &EntryTrace) {
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

/// What became of one entry ([`crate::Verifier::verify_compute_traced`]).
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
