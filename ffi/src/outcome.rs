//! The outcome of a verification, shared by the relay, report, compute
//! and replay doors, and the frame that writes it.

use core::mem::size_of;

use relay_verifier::Verifier;

use crate::boundary::{guard, overlaps};
use crate::status::RvStatus;

/// What happened to the candidate signatures of one body.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RvStats {
    /// Responses read.
    pub responses: u64,
    /// Candidate signatures seen.
    pub candidates: u64,
    /// ed25519 verifications performed.
    pub verifications: u64,
    /// Candidates counted towards a result.
    pub counted: u64,
    /// Candidates skipped (missing, undecodable, unknown signer, repeated,
    /// equivocating, invalid, over capacity).
    pub skipped: u64,
}

/// The outcome of one verification, written whole by `rv_verify`.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RvOutcome {
    /// `RV_STATUS_OK` when accepted; otherwise why not (also the return value).
    pub status: RvStatus,
    /// Whether a result reached the threshold: only then are `hash`,
    /// `signer_count`, `signer_mask` and `index` meaningful.
    pub accepted: bool,
    /// The winning canonical hash.
    pub hash: [u8; 32],
    /// How many distinct configured signers were counted for it.
    pub signer_count: u32,
    /// Bit `i` set: the `i`-th key of the verifier (`rv_verifier_signer`,
    /// keys sorted bytewise) was counted.
    pub signer_mask: u64,
    /// For a bundle, the index of the first response of the winning result
    /// that carried a counted signature; -1 for a single response or a
    /// rejection.
    pub index: i64,
    /// Whether `offset` is set.
    pub has_offset: bool,
    /// `RV_STATUS_MALFORMED` (or unreadable parameters): the byte offset of
    /// the problem in the body (or the parameters).
    pub offset: u64,
    /// Candidate signatures, for accepted bodies and `RV_STATUS_NO_QUORUM`.
    pub stats: RvStats,
}

impl RvOutcome {
    /// A verifier's refusal: its status, where the input broke (if it
    /// says), and its statistics (for a no-quorum verdict).
    pub(crate) fn refused(status: RvStatus, offset: Option<usize>, stats: Option<RvStats>) -> Self {
        let mut out = RvOutcome::rejected(status);
        if let Some(offset) = offset {
            out.has_offset = true;
            out.offset = u64::try_from(offset).unwrap_or(u64::MAX);
        }
        out.stats = stats.unwrap_or_default();
        out
    }

    pub(crate) fn rejected(status: RvStatus) -> Self {
        RvOutcome {
            status,
            accepted: false,
            hash: [0; 32],
            signer_count: 0,
            signer_mask: 0,
            index: -1,
            has_offset: false,
            offset: 0,
            stats: RvStats::default(),
        }
    }
}

/// The frame both verifying entry points share: `outcome` checked (non-null,
/// aligned, overlapping none of `inputs`, given as address and length),
/// `work` run under [`guard`], and the outcome written whole. Returns its
/// status, or `RV_STATUS_INVALID_ARGUMENT` without writing when `outcome`
/// is unusable.
///
/// # Safety
///
/// A non-null `outcome` must point to writable storage for an `RvOutcome`
/// that no other thread touches during the call.
pub(crate) unsafe fn fill_outcome(
    outcome: *mut RvOutcome,
    inputs: &[(usize, usize)],
    work: impl FnOnce() -> Result<RvOutcome, RvStatus>,
) -> RvStatus {
    if outcome.is_null() || !outcome.is_aligned() {
        return RvStatus::InvalidArgument;
    }
    let span = (outcome as usize, size_of::<RvOutcome>());
    if inputs
        .iter()
        .any(|&(at, len)| overlaps(span.0, span.1, at, len))
    {
        return RvStatus::InvalidArgument;
    }
    let mut result = RvOutcome::rejected(RvStatus::Internal);
    let status = guard(|| {
        result = work().unwrap_or_else(RvOutcome::rejected);
        result.status
    });
    if status != result.status {
        result = RvOutcome::rejected(status);
    }
    // SAFETY: non-null and aligned (checked above), not overlapping any
    // input; the caller promises writable storage for an `RvOutcome`.
    unsafe { outcome.write(result) };
    status
}

/// Bit `i` for each of `signers` that is the verifier's `i`-th key.
pub(crate) fn signer_mask<'k>(
    verifier: &Verifier,
    signers: impl Iterator<Item = &'k [u8; 32]>,
) -> u64 {
    let keys = verifier.config().signers().keys();
    signers
        .filter_map(|k| keys.binary_search(k).ok())
        .fold(0u64, |mask, i| {
            mask | 1u64.checked_shl(i as u32).unwrap_or(0)
        })
}
