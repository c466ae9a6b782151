//! The relay-response door (`rv_verify`): request parameters, a gateway's
//! body, an outcome.

use core::mem::size_of;

use relay_verifier::{
    Error, Method, ParamsError, RequestParams, Verdict, VerifiedResponse, Verifier, VerifyStats,
};

use crate::boundary::bytes;
use crate::outcome::{fill_outcome, signer_mask, RvOutcome, RvStats};
use crate::status::RvStatus;
use crate::verifier::{loaded, RvVerifier};

/// `method` of [`rv_verify`]: `confidential.secrets.get`.
pub const RV_METHOD_SECRETS_GET: u32 = 1;
/// `method` of [`rv_verify`]: `confidential.capability.execute`.
pub const RV_METHOD_CAPABILITY_EXECUTE: u32 = 2;

/// Verifies the gateway's `body` for the enclave's own request parameters
/// (`params`, JSON; `method` one of `RV_METHOD_*`) and writes the outcome to
/// `outcome`. Returns `outcome->status`, or `RV_STATUS_INVALID_ARGUMENT`
/// without touching `outcome` when `outcome` is null, misaligned or
/// overlaps the verifier, `params` or `body`.
///
/// # Safety
///
/// `verifier` must be null or point to a readable `RvVerifier`; `params` and
/// `body` must be null or point to `params_len` and `body_len` readable
/// bytes; `outcome` must be null or point to writable storage for an
/// `RvOutcome`. None may be written by another thread during the call.
#[no_mangle]
pub unsafe extern "C" fn rv_verify(
    verifier: *const RvVerifier,
    method: u32,
    params: *const u8,
    params_len: usize,
    body: *const u8,
    body_len: usize,
    outcome: *mut RvOutcome,
) -> RvStatus {
    let inputs = [
        (verifier as usize, size_of::<RvVerifier>()),
        (params as usize, params_len),
        (body as usize, body_len),
    ];
    let work = || {
        // SAFETY: forwarded caller contract (`verifier`, `params`, `body`).
        let (v, params, body) =
            unsafe { relay_inputs(verifier, params, params_len, body, body_len) }?;
        Ok(verify_relay(v, method, params, body))
    };
    // SAFETY: forwarded caller contract (`outcome`).
    unsafe { fill_outcome(outcome, &inputs, work) }
}

/// The loaded verifier and the parameters and body of a relay call
/// (`rv_verify`, `rv_verify_report`): `InvalidArgument` for a null pointer
/// with a length or a range past the address space, `NotInitialised` for a
/// verifier `rv_verifier_init` did not load.
///
/// # Safety
///
/// As [`rv_verify`]: `verifier` null or a readable `RvVerifier`, `params`
/// and `body` null or `params_len` and `body_len` readable bytes, none
/// written by another thread while the returned borrows live.
pub(crate) unsafe fn relay_inputs<'a>(
    verifier: *const RvVerifier,
    params: *const u8,
    params_len: usize,
    body: *const u8,
    body_len: usize,
) -> Result<(&'a Verifier, &'a [u8], &'a [u8]), RvStatus> {
    // SAFETY: forwarded caller contract (`verifier`).
    let v = unsafe { loaded(verifier) }?;
    // SAFETY: the caller promises `params_len` and `body_len` readable
    // bytes at non-null pointers; `bytes` checks null and the range.
    let (Some(params), Some(body)) = (unsafe { bytes(params, params_len) }, unsafe {
        bytes(body, body_len)
    }) else {
        return Err(RvStatus::InvalidArgument);
    };
    Ok((v, params, body))
}

/// The relay-response path: parameters, verification, outcome.
fn verify_relay(verifier: &Verifier, method: u32, params: &[u8], body: &[u8]) -> RvOutcome {
    let method = match method {
        RV_METHOD_SECRETS_GET => Method::SecretsGet,
        RV_METHOD_CAPABILITY_EXECUTE => Method::CapabilityExecute,
        _ => return RvOutcome::rejected(RvStatus::InvalidArgument),
    };
    let params = match RequestParams::from_json(method, params) {
        Ok(p) => p,
        Err(e) => return rejection(&Error::InvalidParams(e)),
    };
    match verifier.verify(&params, body) {
        Verdict::Accept(v) => accepted(verifier, &v),
        Verdict::Reject(e) => rejection(&e),
    }
}

/// The outcome of an accepted relay body.
pub(crate) fn accepted(verifier: &Verifier, verified: &VerifiedResponse<'_>) -> RvOutcome {
    RvOutcome {
        status: RvStatus::Ok,
        accepted: true,
        hash: *verified.hash().as_bytes(),
        signer_count: u32::try_from(verified.signer_count()).unwrap_or(u32::MAX),
        signer_mask: signer_mask(verifier, verified.signers()),
        index: verified
            .index()
            .map_or(-1, |i| i64::try_from(i).unwrap_or(i64::MAX)),
        has_offset: false,
        offset: 0,
        stats: stats(verified.stats()),
    }
}

/// A rejection's status, offset and statistics.
pub(crate) fn rejection(e: &Error) -> RvOutcome {
    let (status, offset, stats_of) = match e {
        Error::InvalidParams(ParamsError::Json(m)) => {
            (RvStatus::InvalidParams, Some(m.offset), None)
        }
        Error::InvalidParams(_) => (RvStatus::InvalidParams, None, None),
        Error::Malformed(m) => (RvStatus::Malformed, Some(m.offset), None),
        Error::NoQuorum(n) => (RvStatus::NoQuorum, None, Some(stats(&n.stats))),
        // A reason added to the library later: still a refusal.
        _ => (RvStatus::Internal, None, None),
    };
    RvOutcome::refused(status, offset, stats_of)
}

fn stats(s: &VerifyStats) -> RvStats {
    let n = u64::from;
    let k = &s.skipped;
    let skipped = [
        k.missing,
        k.not_base64,
        k.wrong_length,
        k.unknown_signer,
        k.already_counted,
        k.equivocation,
        k.invalid_signature,
        k.over_capacity,
        k.repeated_signer,
    ]
    .iter()
    .fold(0u64, |sum, &x| sum.saturating_add(n(x)));
    RvStats {
        responses: n(s.responses),
        candidates: n(s.candidates),
        verifications: n(s.verifications),
        counted: n(s.counted),
        skipped,
    }
}
