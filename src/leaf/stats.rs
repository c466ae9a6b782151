//! Counters of one relay verification: what became of every candidate
//! signature. Plain numbers, reported in verdicts and errors alike.

use core::fmt;

use super::CanonicalHash;

/// Counts of what happened to the candidate signatures of one body.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct VerifyStats {
    /// Responses read.
    pub responses: u32,
    /// Candidate signatures seen (`signature` plus `signatures` elements).
    pub candidates: u32,
    /// ed25519 verifications performed.
    pub verifications: u32,
    /// Candidates counted towards a hash.
    pub counted: u32,
    /// Candidates skipped, by cause.
    pub skipped: Skipped,
}

/// Why candidates were skipped. None of these fails a body.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Skipped {
    /// `signer` or `signature` absent or `null`, or the candidate `null`.
    pub missing: u32,
    /// Text that is not padded standard base64.
    pub not_base64: u32,
    /// A signer that is not 32 bytes or a signature that is not 64.
    pub wrong_length: u32,
    /// A signer outside the configured set (costs no verification).
    pub unknown_signer: u32,
    /// Signer already counted for this hash (costs no verification).
    pub already_counted: u32,
    /// Signer already counted on two other hashes (costs no verification).
    pub equivocation: u32,
    /// The signature did not verify under the key it names.
    pub invalid_signature: u32,
    /// The response's result did not fit the workspace, so had no hash.
    pub over_capacity: u32,
    /// A later candidate naming a configured signer that an earlier
    /// candidate of the same response already named (costs no verification).
    pub repeated_signer: u32,
}

impl fmt::Display for VerifyStats {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = &self.skipped;
        write!(
            f,
            "{} responses, {} candidates, {} verifications, {} counted; skipped: \
             {} missing, {} not base64, {} wrong length, {} unknown signer, \
             {} already counted, {} equivocation, {} invalid, {} over capacity, \
             {} repeated signer",
            self.responses,
            self.candidates,
            self.verifications,
            self.counted,
            s.missing,
            s.not_base64,
            s.wrong_length,
            s.unknown_signer,
            s.already_counted,
            s.equivocation,
            s.invalid_signature,
            s.over_capacity,
            s.repeated_signer
        )
    }
}

impl VerifyStats {
    /// Counts a skipped candidate under its cause.
    pub(crate) fn skip(&mut self, cause: SkipCause) {
        let n = cause.counter(&mut self.skipped);
        *n = n.saturating_add(1);
    }

    /// Moves `n` votes counted earlier to `equivocation` (their signer
    /// turned out an equivocator), so that candidates = counted + skipped
    /// still holds.
    pub(crate) fn withdraw(&mut self, n: usize) {
        let n = count32(n);
        self.counted = self.counted.saturating_sub(n);
        let s = &mut self.skipped.equivocation;
        *s = s.saturating_add(n);
    }
}

/// A count for a report; saturates (counts here are bounded far below).
pub(crate) fn count32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// Why a candidate signature did not count. None of these fails a body.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SkipCause {
    /// `signer` or `signature` absent or `null`, or the candidate `null`.
    Missing,
    /// Text that is not padded standard base64.
    NotBase64,
    /// A signer that is not 32 bytes or a signature that is not 64.
    WrongLength,
    /// A signer outside the configured set.
    UnknownSigner,
    /// The signer is already counted for this hash.
    AlreadyCounted,
    /// The signer is already counted on two other hashes.
    Equivocation,
    /// The signature did not verify under the key it names.
    InvalidSignature,
    /// The response's result did not fit the workspace.
    OverCapacity,
    /// An earlier candidate of the same response named this signer: that
    /// was its one try in this response (PROTOCOL.md §7 rule 2).
    RepeatedSigner,
}

impl SkipCause {
    pub(crate) fn counter(self, s: &mut Skipped) -> &mut u32 {
        match self {
            SkipCause::Missing => &mut s.missing,
            SkipCause::NotBase64 => &mut s.not_base64,
            SkipCause::WrongLength => &mut s.wrong_length,
            SkipCause::UnknownSigner => &mut s.unknown_signer,
            SkipCause::AlreadyCounted => &mut s.already_counted,
            SkipCause::Equivocation => &mut s.equivocation,
            SkipCause::InvalidSignature => &mut s.invalid_signature,
            SkipCause::OverCapacity => &mut s.over_capacity,
            SkipCause::RepeatedSigner => &mut s.repeated_signer,
        }
    }
}

impl fmt::Display for SkipCause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SkipCause::Missing => "signer or signature missing",
            SkipCause::NotBase64 => "not base64",
            SkipCause::WrongLength => "wrong length",
            SkipCause::UnknownSigner => "signer not in the configured set",
            SkipCause::AlreadyCounted => "signer already counted for this result",
            SkipCause::Equivocation => "signer already counted on two other results",
            SkipCause::InvalidSignature => "signature invalid under the key it names",
            SkipCause::OverCapacity => "result over the workspace's capacity",
            SkipCause::RepeatedSigner => "signer already tried in this response",
        })
    }
}

/// What became of one candidate signature ([`crate::Verifier::verify_traced`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct CandidateTrace {
    /// Index of the response carrying it (0 for a single response).
    pub response: usize,
    /// That response's canonical hash as sent (the hash its signatures are
    /// verified over), once a candidate needed it (a response with only
    /// unknown or undecodable signers is never hashed; `None` also when over
    /// capacity).
    pub hash: Option<CanonicalHash>,
    /// The hash its votes count under (PROTOCOL.md §11): the same as `hash`
    /// unless the result is a capability payload carrying a consensus report.
    pub group_hash: Option<CanonicalHash>,
    /// The signer it names, when that decoded to 32 bytes.
    pub signer: Option<[u8; 32]>,
    /// Counted, or skipped and why.
    pub outcome: Result<(), SkipCause>,
}
