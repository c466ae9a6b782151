//! One verification for a capability result, whatever it carries
//! (`rv_verify_capability`): the content door's payload and error, or the
//! report door's §11 hand-out. A caller that does not know beforehand
//! whether the result is a report would otherwise verify twice.

use core::mem::size_of;

use relay_verifier::{Error, Method, RequestParams, Verdict};

use crate::boundary::outputs_clash;
use crate::content::{hand_out, Buffers};
use crate::outcome::{fill_outcome, RvOutcome};
use crate::relay::{accepted, rejection, relay_inputs};
use crate::report::{hand_out_report, ReportBuffers, RvReportOut};
use crate::status::RvStatus;
use crate::verifier::RvVerifier;
use crate::RvContentOut;

/// Verifies the gateway's `body` for a capability request (`params`, JSON)
/// once, as `rv_verify` with `RV_METHOD_CAPABILITY_EXECUTE`, and hands out
/// what the verified result carries: a plain result's `payload` and
/// `error` into `content` (`RV_CONTENT_CAPABILITY`, `report->is_report`
/// false), as `rv_verify_content` does; a consensus report
/// (`RV_CONTENT_REPORT`, `report->is_report` set) into `report`, `work`
/// and the report's buffers, as `rv_verify_report` does.
///
/// Returns `outcome->status`:
/// - `RV_STATUS_OK`: accepted, and whichever of the two applies written.
/// - `RV_STATUS_BUFFER_TOO_SMALL`: accepted, but a buffer is short; the
///   sizes needed are written as the two doors write them (`text_len`;
///   `work_needed`, `payload_len`, `merged_count`). Repeat the call with
///   them. Buffers sized from the body (`text_cap`, `work_len` and
///   `payload_cap` at `body_len`, `merged_cap` at `body_len / 64 + 1`)
///   needed no repeat for any reference vector.
/// - the verifier's reasons and the caller's mistakes, as for `rv_verify`,
///   with nothing handed out.
///
/// `RV_STATUS_INVALID_ARGUMENT` without writing anything when `content`,
/// `report` or `outcome` is null or misaligned, a buffer is null with a
/// non-zero length, runs past the address space or is misaligned, or any
/// output overlaps another or an input.
///
/// # Safety
///
/// As [`rv_verify_content`](crate::rv_verify_content) for `content` and as
/// [`rv_verify_report`](crate::rv_verify_report) for the rest.
#[no_mangle]
#[allow(clippy::too_many_arguments)] // the C signature: verifier, two inputs, four outputs
pub unsafe extern "C" fn rv_verify_capability(
    verifier: *const RvVerifier,
    params: *const u8,
    params_len: usize,
    body: *const u8,
    body_len: usize,
    content: *mut RvContentOut,
    work: *mut u8,
    work_len: usize,
    report: *mut RvReportOut,
    outcome: *mut RvOutcome,
) -> RvStatus {
    let inputs = [
        (verifier as usize, size_of::<RvVerifier>()),
        (params as usize, params_len),
        (body as usize, body_len),
    ];
    if content.is_null()
        || !content.is_aligned()
        || report.is_null()
        || !report.is_aligned()
        || outcome.is_null()
        || !outcome.is_aligned()
    {
        return RvStatus::InvalidArgument;
    }
    // SAFETY: both non-null and aligned; the caller promises the structs
    // with their buffer fields set.
    let (texts, reports) = unsafe {
        (
            Buffers::read(content),
            ReportBuffers::read(report, work, work_len),
        )
    };
    // outcome, content, text, secrets, shares, then report, work, payload,
    // merged (the report's list starts with outcome again).
    let (Some(c), Some(r)) = (
        texts.spans(content, outcome),
        reports.spans(report, outcome),
    ) else {
        return RvStatus::InvalidArgument;
    };
    let mut outputs = [(0usize, 0usize); 9];
    for (slot, span) in outputs.iter_mut().zip(c.iter().chain(r.iter().skip(1))) {
        *slot = *span;
    }
    if outputs_clash(&inputs, &outputs) {
        return RvStatus::InvalidArgument;
    }
    let mut content_out = texts.empty();
    let mut report_out = RvReportOut::empty(&reports);
    let run = || {
        // SAFETY: forwarded caller contract (`verifier`, `params`, `body`).
        let (v, params, body) =
            unsafe { relay_inputs(verifier, params, params_len, body, body_len) }?;
        let params = match RequestParams::from_json(Method::CapabilityExecute, params) {
            Ok(p) => p,
            Err(e) => return Ok(rejection(&Error::InvalidParams(e))),
        };
        let verified = match v.verify(&params, body) {
            Verdict::Accept(verified) => verified,
            Verdict::Reject(e) => return Ok(rejection(&e)),
        };
        let mut outcome = accepted(v, &verified);
        // SAFETY: every buffer's span was checked above (non-null when not
        // empty, within the address space, aligned) and overlaps nothing
        // else the call reads or writes; the caller promises them writable.
        // A report writes no text, so the content's status is OK for it.
        let text_status = unsafe { hand_out(&verified, &texts, &mut content_out) };
        // SAFETY: as above.
        outcome = unsafe { hand_out_report(&verified, &reports, &mut report_out, outcome) };
        if outcome.status == RvStatus::Ok {
            outcome.status = text_status;
        }
        Ok(outcome)
    };
    // SAFETY: forwarded caller contract (`outcome`), which overlaps no input
    // and no other output (checked above; `fill_outcome` checks the inputs
    // again).
    let status = unsafe { fill_outcome(outcome, &inputs, run) };
    if !matches!(status, RvStatus::Ok | RvStatus::BufferTooSmall) {
        content_out = texts.empty();
        report_out = RvReportOut::empty(&reports);
    }
    // SAFETY: non-null, aligned, overlapping no input or other output
    // (checked above); the caller promises storage for both.
    unsafe {
        content.write(content_out);
        report.write(report_out);
    }
    status
}
