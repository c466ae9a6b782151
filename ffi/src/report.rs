//! The §11 hand-out of a consensus report (`rv_verify_report`) into the
//! caller's buffers.

use core::mem::size_of;

use relay_verifier::{Error, Method, RequestParams, Verdict, VerifiedResponse, Verifier};

use crate::boundary::{outputs_clash, span, zeroed};
use crate::outcome::{fill_outcome, RvOutcome};
use crate::relay::{accepted, rejection, relay_inputs};
use crate::status::RvStatus;
use crate::verifier::RvVerifier;

/// One merged OCR signature of a handed-out report (PROTOCOL.md §11): a
/// (`signer_id`, `signature`) pair and how many counted responses carry
/// it. A pair with `carriers` of at least F+1 is carried by an honest node.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RvMergedSignature {
    /// The oracle's index in the OCR configuration.
    pub signer_id: u32,
    /// Counted responses that carry this pair (at least 1).
    pub carriers: u32,
    /// The signature bytes, inside the caller's `work` buffer (not
    /// verified here: the chain verifies them).
    pub signature: *const u8,
    /// Their length.
    pub signature_len: usize,
}

/// What `rv_verify_report` hands out for a report. The caller sets the
/// four buffer fields (`payload`, `payload_cap`, `merged`, `merged_cap`);
/// the call leaves them as they are and writes every other field.
///
/// Every pointer it writes points into the caller's `work` buffer and is
/// valid while that buffer is; they are null unless the status is
/// `RV_STATUS_OK` and `is_report` is set.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RvReportOut {
    /// In: where to write the payload (base64 text, not NUL-terminated);
    /// may be null when `payload_cap` is 0.
    pub payload: *mut u8,
    /// In: bytes available at `payload`.
    pub payload_cap: usize,
    /// In: where to write the merged signatures; may be null when
    /// `merged_cap` is 0.
    pub merged: *mut RvMergedSignature,
    /// In: entries available at `merged`.
    pub merged_cap: usize,
    /// Whether the verified result carries a report. False for a rejected
    /// body and for a result that is not a report (hand that one out
    /// exactly as sent: the body's bytes are what the quorum signed).
    pub is_report: bool,
    /// Bytes of `work` the hand-out needs.
    pub work_needed: usize,
    /// Length of the payload text: written at `payload` when it fits;
    /// 0 while `work` is too small to know it.
    pub payload_len: usize,
    /// Number of merged signatures: written at `merged` when they fit; 0
    /// while `work` is too small to know it.
    pub merged_count: usize,
    /// Counted responses (one per counted signer) whose OCR signatures
    /// were merged.
    pub counted_count: usize,
    /// The report's sequence number.
    pub seq_nr: u64,
    /// The report's config digest.
    pub config_digest: *const u8,
    /// Its length.
    pub config_digest_len: usize,
    /// The report's context.
    pub report_context: *const u8,
    /// Its length.
    pub report_context_len: usize,
    /// The raw report (what the chain's Forwarder checks the signatures
    /// over, with the context).
    pub raw_report: *const u8,
    /// Its length.
    pub raw_report_len: usize,
    /// The result's `error` text (UTF-8, not NUL-terminated), which the
    /// counted signers attested with the report; usually empty.
    pub error: *const u8,
    /// Its length.
    pub error_len: usize,
}

impl RvReportOut {
    /// Nothing handed out, with the caller's four buffer fields kept.
    pub(crate) fn empty(buffers: &ReportBuffers) -> Self {
        RvReportOut {
            payload: buffers.payload,
            payload_cap: buffers.payload_cap,
            merged: buffers.merged,
            merged_cap: buffers.merged_cap,
            is_report: false,
            work_needed: 0,
            payload_len: 0,
            merged_count: 0,
            counted_count: 0,
            seq_nr: 0,
            config_digest: core::ptr::null(),
            config_digest_len: 0,
            report_context: core::ptr::null(),
            report_context_len: 0,
            raw_report: core::ptr::null(),
            raw_report_len: 0,
            error: core::ptr::null(),
            error_len: 0,
        }
    }
}

/// Verifies the gateway's `body` for a capability request (`params`, JSON),
/// as `rv_verify` with `RV_METHOD_CAPABILITY_EXECUTE`, and, when the
/// accepted result carries a consensus report, hands it out as PROTOCOL.md
/// §11 says into `report`: the payload rebuilt from the report the quorum
/// attested and the merged OCR signatures of every counted response (never
/// one node's bytes), the merged signatures themselves, and the report's
/// fields. `work` is scratch the hand-out is read into; the pointers
/// written into `report` and `report->merged` point into it.
///
/// Returns `outcome->status`:
/// - `RV_STATUS_OK`: accepted. `report->is_report` says whether the result
///   is a report; when it is not, nothing else is handed out here (the
///   result is handed out exactly as sent).
/// - `RV_STATUS_BUFFER_TOO_SMALL`: accepted (`outcome->accepted` is set),
///   but `work_len` is below `report->work_needed`, `payload_cap` below
///   `report->payload_len` or `merged_cap` below `report->merged_count`;
///   nothing is written at `payload` or `merged`. Repeat the call with
///   buffers of those sizes (`payload_len` and `merged_count` are known only
///   once `work` is large enough, so a first call with no buffers at all
///   may need two more).
/// - the verifier's reasons and the caller's mistakes, as for `rv_verify`,
///   with nothing handed out.
///
/// Returns `RV_STATUS_INVALID_ARGUMENT` without writing anything when
/// `report` or `outcome` is null or misaligned, a buffer is null with a
/// non-zero length, runs past the address space or (`merged`) is
/// misaligned, or any of `outcome`, `report`, `work`, `payload`, `merged`
/// overlaps another of them or the verifier, `params` or `body`.
///
/// # Safety
///
/// As [`rv_verify`] for `verifier`, `params`, `body` and `outcome`;
/// `report` must be null or point to an `RvReportOut` whose four buffer
/// fields are set; `work`, `report->payload` and `report->merged` must be
/// null or point to `work_len` bytes, `payload_cap` bytes and `merged_cap`
/// entries of writable storage. None may be used by another thread during
/// the call.
#[no_mangle]
#[allow(clippy::too_many_arguments)] // the C signature: verifier, two inputs, three outputs
pub unsafe extern "C" fn rv_verify_report(
    verifier: *const RvVerifier,
    params: *const u8,
    params_len: usize,
    body: *const u8,
    body_len: usize,
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
    if report.is_null() || !report.is_aligned() || outcome.is_null() || !outcome.is_aligned() {
        return RvStatus::InvalidArgument;
    }
    // SAFETY: non-null and aligned, and the caller promises an
    // `RvReportOut` whose buffer fields are set.
    let buffers = unsafe { ReportBuffers::read(report, work, work_len) };
    let Some(spans) = buffers.spans(report, outcome) else {
        return RvStatus::InvalidArgument;
    };
    if outputs_clash(&inputs, &spans) {
        return RvStatus::InvalidArgument;
    }
    let mut handed = RvReportOut::empty(&buffers);
    // Everything but `outcome` itself (`spans[0]`).
    let mut others = [(0usize, 0usize); 7];
    for (slot, span) in others
        .iter_mut()
        .zip(inputs.iter().chain(spans.iter().skip(1)))
    {
        *slot = *span;
    }
    let run = || {
        // SAFETY: forwarded caller contract (`verifier`, `params`, `body`).
        let (v, params, body) =
            unsafe { relay_inputs(verifier, params, params_len, body, body_len) }?;
        // SAFETY: the buffers' spans were checked above (non-null when not
        // empty, within the address space, `merged` aligned) and overlap
        // neither each other, nor `report`, `outcome`, the verifier,
        // `params` or `body`; the caller promises them writable and unused
        // by anyone else during the call.
        Ok(unsafe { verify_report(v, params, body, &buffers, &mut handed) })
    };
    // SAFETY: forwarded caller contract (`outcome`), which overlaps no input
    // and no other output (checked above; `others` has it check again).
    let status = unsafe { fill_outcome(outcome, &others, run) };
    if !matches!(status, RvStatus::Ok | RvStatus::BufferTooSmall) {
        handed = RvReportOut::empty(&buffers);
    }
    // SAFETY: non-null and aligned, overlapping no input and no other output
    // (checked above); the caller promises writable storage for an
    // `RvReportOut`.
    unsafe { report.write(handed) };
    status
}

/// The caller's buffers of `rv_verify_report`, as given.
pub(crate) struct ReportBuffers {
    work: *mut u8,
    work_len: usize,
    payload: *mut u8,
    payload_cap: usize,
    merged: *mut RvMergedSignature,
    merged_cap: usize,
}

impl ReportBuffers {
    /// `work` and the four buffer fields of `report`.
    ///
    /// # Safety
    ///
    /// `report` non-null, aligned, pointing to an `RvReportOut` whose
    /// buffer fields are set. `addr_of!` reads those fields without making
    /// a reference to the whole struct, whose other fields C may have left
    /// uninitialised (a `bool` among them).
    pub(crate) unsafe fn read(report: *const RvReportOut, work: *mut u8, work_len: usize) -> Self {
        // SAFETY: forwarded contract; any bits are a pointer or a `usize`.
        unsafe {
            ReportBuffers {
                work,
                work_len,
                payload: core::ptr::addr_of!((*report).payload).read(),
                payload_cap: core::ptr::addr_of!((*report).payload_cap).read(),
                merged: core::ptr::addr_of!((*report).merged).read(),
                merged_cap: core::ptr::addr_of!((*report).merged_cap).read(),
            }
        }
    }

    /// The five outputs' address ranges (`outcome`, `report`, `work`,
    /// `payload`, `merged`); `None` when a buffer is null with a non-zero
    /// length, runs past the address space or (`merged`) is misaligned.
    pub(crate) fn spans(
        &self,
        report: *const RvReportOut,
        outcome: *const RvOutcome,
    ) -> Option<[(usize, usize); 5]> {
        let merged_len = self
            .merged_cap
            .checked_mul(size_of::<RvMergedSignature>())?;
        let merged_ok = self.merged_cap == 0 || self.merged.is_aligned();
        merged_ok.then_some(())?;
        Some([
            span(outcome as usize, size_of::<RvOutcome>())?,
            span(report as usize, size_of::<RvReportOut>())?,
            span(self.work as usize, self.work_len)?,
            span(self.payload as usize, self.payload_cap)?,
            span(self.merged as usize, merged_len)?,
        ])
    }
}

/// The capability path of `rv_verify_report`: parameters, verification,
/// outcome, and the §11 hand-out of a report into `out` and the buffers.
///
/// # Safety
///
/// Each of `buffers`' three buffers, when not empty, must be non-null,
/// within the address space (`merged` aligned), writable for its length,
/// and overlap nothing else the call reads or writes.
unsafe fn verify_report(
    verifier: &Verifier,
    params: &[u8],
    body: &[u8],
    buffers: &ReportBuffers,
    out: &mut RvReportOut,
) -> RvOutcome {
    let params = match RequestParams::from_json(Method::CapabilityExecute, params) {
        Ok(p) => p,
        Err(e) => return rejection(&Error::InvalidParams(e)),
    };
    let verified = match verifier.verify(&params, body) {
        Verdict::Accept(v) => v,
        Verdict::Reject(e) => return rejection(&e),
    };
    // SAFETY: forwarded contract.
    unsafe { hand_out_report(&verified, buffers, out, accepted(verifier, &verified)) }
}

/// The §11 hand-out of a verified result that carries a report into `out`
/// and the buffers; `outcome` (the accepted one) with its status set. A
/// result that is no report leaves `out` as it is.
///
/// # Safety
///
/// As [`verify_report`] for `buffers`.
pub(crate) unsafe fn hand_out_report(
    verified: &VerifiedResponse<'_>,
    buffers: &ReportBuffers,
    out: &mut RvReportOut,
    mut outcome: RvOutcome,
) -> RvOutcome {
    let Some(hand_out) = verified.report_hand_out() else {
        return outcome;
    };
    let internal = RvOutcome::rejected(RvStatus::Internal);
    out.is_report = true;
    out.counted_count = hand_out.counted_count();
    // The hand-out's own part of `work`, then the decoded error text.
    let error = hand_out.error();
    let Some((own, needed)) = hand_out
        .work_len()
        .and_then(|own| Some((own, own.checked_add(error.len())?)))
    else {
        return internal;
    };
    out.work_needed = needed;
    if buffers.work_len < needed {
        outcome.status = RvStatus::BufferTooSmall;
        return outcome;
    }
    // SAFETY: `work` holds `work_len` >= `needed` writable bytes that
    // overlap nothing else (the caller's contract, checked by the entry).
    let Some(work) = (unsafe { zeroed(buffers.work, needed) }) else {
        return internal;
    };
    let (own_part, error_part) = work.split_at_mut(own);
    let (Ok(handed), Some(error)) = (hand_out.decode(own_part), error.decode_into(error_part))
    else {
        return internal;
    };
    let Some(payload_len) = handed.payload_len() else {
        return internal;
    };
    out.payload_len = payload_len;
    out.merged_count = handed.merged().count();
    if buffers.payload_cap < out.payload_len || buffers.merged_cap < out.merged_count {
        outcome.status = RvStatus::BufferTooSmall;
        return outcome;
    }
    // SAFETY: `payload` holds `payload_cap` >= `payload_len` writable bytes
    // that overlap nothing else (the caller's contract, checked by the
    // entry).
    let Some(payload) = (unsafe { zeroed(buffers.payload, payload_len) }) else {
        return internal;
    };
    if handed.write_payload(payload) != Some(payload_len) {
        return internal;
    }
    for (i, m) in handed.merged().enumerate().take(buffers.merged_cap) {
        let entry = RvMergedSignature {
            signer_id: m.signer_id,
            carriers: m.carriers,
            signature: m.signature.as_ptr(),
            signature_len: m.signature.len(),
        };
        // SAFETY: `i` < `merged_count` <= `merged_cap` (checked above);
        // `merged` is non-null and aligned when `merged_cap` is not 0, and
        // holds `merged_cap` writable entries that overlap nothing else (the
        // caller's contract, checked by the entry). A raw write: the storage
        // may be uninitialised.
        unsafe { buffers.merged.add(i).write(entry) };
    }
    let r = handed.report();
    out.seq_nr = r.seq_nr();
    (out.config_digest, out.config_digest_len) = parts(r.config_digest());
    (out.report_context, out.report_context_len) = parts(r.report_context());
    (out.raw_report, out.raw_report_len) = parts(r.raw_report());
    (out.error, out.error_len) = parts(error);
    outcome
}

/// A slice as C's pointer and length.
fn parts(bytes: &[u8]) -> (*const u8, usize) {
    (bytes.as_ptr(), bytes.len())
}
