//! The compute-request door (`rv_verify_compute`, PROTOCOL.md §12).

use core::mem::size_of;

use relay_verifier::{
    ComputeError, ComputeStats, ComputeVerdict, VerifiedComputeRequest, Verifier,
};

use crate::boundary::bytes;
use crate::outcome::{fill_outcome, signer_mask, RvOutcome, RvStats};
use crate::status::RvStatus;
use crate::verifier::{loaded, RvVerifier};

/// Verifies a batch of signed compute requests (PROTOCOL.md §12: the JSON
/// array the host posts) against the same signer set and writes the
/// outcome: `index` is the entry whose request to execute, `signer_mask`
/// the signers counted for it; `stats.responses` counts entries. Returns
/// `outcome->status`, or `RV_STATUS_INVALID_ARGUMENT` without touching
/// `outcome` when `outcome` is null, misaligned or overlaps an input.
///
/// # Safety
///
/// As [`rv_verify`]: `verifier` null or a readable `RvVerifier`, `body` null
/// or `body_len` readable bytes, `outcome` null or writable storage for an
/// `RvOutcome`, none written by another thread during the call.
#[no_mangle]
pub unsafe extern "C" fn rv_verify_compute(
    verifier: *const RvVerifier,
    body: *const u8,
    body_len: usize,
    outcome: *mut RvOutcome,
) -> RvStatus {
    let inputs = [
        (verifier as usize, size_of::<RvVerifier>()),
        (body as usize, body_len),
    ];
    let work = || {
        // SAFETY: forwarded caller contract (`verifier`).
        let v = unsafe { loaded(verifier) }?;
        // SAFETY: the caller promises `body_len` readable bytes at a
        // non-null pointer; `bytes` checks null and the range.
        let body = unsafe { bytes(body, body_len) }.ok_or(RvStatus::InvalidArgument)?;
        Ok(verify_compute(v, body))
    };
    // SAFETY: forwarded caller contract (`outcome`).
    unsafe { fill_outcome(outcome, &inputs, work) }
}

/// The compute-request path: the batch, verification, outcome.
fn verify_compute(verifier: &Verifier, body: &[u8]) -> RvOutcome {
    match verifier.verify_compute(body) {
        ComputeVerdict::Accept(v) => admitted(verifier, &v),
        ComputeVerdict::Reject(e) => refusal(&e),
    }
}

/// The outcome of a verified compute request: what to execute (`index`)
/// and who signed it; the replay door starts from it too.
pub(crate) fn admitted(verifier: &Verifier, verified: &VerifiedComputeRequest<'_>) -> RvOutcome {
    RvOutcome {
        status: RvStatus::Ok,
        accepted: true,
        hash: *verified.hash().as_bytes(),
        signer_count: u32::try_from(verified.signer_count()).unwrap_or(u32::MAX),
        signer_mask: signer_mask(verifier, verified.signers()),
        index: i64::try_from(verified.index()).unwrap_or(i64::MAX),
        has_offset: false,
        offset: 0,
        stats: compute_stats(verified.stats()),
    }
}

/// A refused batch's status, offset and statistics.
pub(crate) fn refusal(e: &ComputeError) -> RvOutcome {
    let (status, offset, stats_of) = match e {
        ComputeError::InvalidConfig(_) => (RvStatus::InvalidConfig, None, None),
        ComputeError::Malformed(m) => (RvStatus::Malformed, Some(m.offset), None),
        ComputeError::NoQuorum(n) => (RvStatus::NoQuorum, None, Some(compute_stats(&n.stats))),
        ComputeError::InvalidRequest(_) => (RvStatus::InvalidRequest, None, None),
        // A reason added to the library later: still a refusal.
        _ => (RvStatus::Internal, None, None),
    };
    RvOutcome::refused(status, offset, stats_of)
}

/// A compute batch's statistics: entries are its responses and candidates.
fn compute_stats(s: &ComputeStats) -> RvStats {
    let n = u64::from;
    RvStats {
        responses: n(s.entries),
        candidates: n(s.entries),
        verifications: n(s.verifications),
        counted: n(s.counted),
        skipped: n(s.entries).saturating_sub(n(s.counted)),
    }
}
