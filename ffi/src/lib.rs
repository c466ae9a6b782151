//! A C ABI for `relay-verifier`: load a signer set and `F` into storage the
//! caller owns, verify a gateway's body for given request parameters, read
//! the outcome from a plain struct. Nothing allocates; every pointer and
//! length is checked; a panic is caught and reported as
//! `RV_STATUS_INTERNAL`, never unwound into C.
//!
//! All calls into the verifier are in [`verify_relay`], [`verify_report`],
//! [`verify_compute`] and [`configure`]: the enclave's two doors (relay
//! responses, signed compute requests) fill the same [`RvOutcome`]; a
//! capability result that carries a consensus report is handed out as
//! PROTOCOL.md §11 says through [`RvReportOut`].
#![deny(unsafe_op_in_unsafe_fn)]
#![deny(clippy::undocumented_unsafe_blocks)]
#![deny(missing_docs)]

use core::ffi::c_char;
use core::mem::{align_of, size_of};
use std::panic::{catch_unwind, AssertUnwindSafe};

use relay_verifier::{
    ComputeError, ComputeStats, ComputeVerdict, Config, Error, Method, ParamsError, RequestParams,
    SignerSet, Verdict, VerifiedResponse, Verifier, VerifyStats,
};

/// Bytes of opaque storage in an [`RvVerifier`].
pub const RV_VERIFIER_SIZE: usize = 2304;
/// Most signers a verifier holds.
pub const RV_MAX_SIGNERS: usize = 64;
/// Length of an ed25519 public key.
pub const RV_KEY_LEN: usize = 32;
/// `method` of [`rv_verify`]: `confidential.secrets.get`.
pub const RV_METHOD_SECRETS_GET: u32 = 1;
/// `method` of [`rv_verify`]: `confidential.capability.execute`.
pub const RV_METHOD_CAPABILITY_EXECUTE: u32 = 2;

/// Written last by `rv_verifier_init`, checked first by every reader.
const MAGIC: u64 = u64::from_be_bytes(*b"rvverify");

// The verifier lives inside `RvVerifier::opaque`, which follows a `u64`.
const _: () = assert!(size_of::<Verifier>() <= RV_VERIFIER_SIZE);
const _: () = assert!(align_of::<Verifier>() <= align_of::<u64>());
// `Verifier` is never dropped here: C owns the storage and may overwrite or
// copy it bytewise. That is sound because it is plain inline data (keys in a
// fixed-capacity `heapless::Vec` of byte arrays, counts): skipping its drop
// frees nothing, and a copy refers to nothing outside itself.
const _: () = assert!(relay_verifier::MAX_SIGNERS == RV_MAX_SIGNERS);

/// What a call came to. `RV_STATUS_OK` (0) only for a loaded verifier or an
/// accepted body; positive values are the verifier's four reasons, negative
/// ones the caller's mistakes and internal failures.
#[repr(i32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RvStatus {
    /// Loaded, or accepted.
    Ok = 0,
    /// The signer set, `F` or the threshold is unusable.
    InvalidConfig = 1,
    /// The request parameters break a rule of PROTOCOL.md §2.
    InvalidParams = 2,
    /// The body is not a well-formed envelope (`offset` says where).
    Malformed = 3,
    /// No result gathered enough distinct configured signers.
    NoQuorum = 4,
    /// The compute request that reached quorum fails PROTOCOL.md §12's
    /// request checks (`rv_verify_compute` only).
    InvalidRequest = 5,
    /// A null or misaligned pointer, a length past the address space,
    /// overlapping buffers, or an unknown method.
    InvalidArgument = -1,
    /// The verifier was not loaded by a successful `rv_verifier_init`.
    NotInitialised = -2,
    /// A panic inside the library, caught at the boundary.
    Internal = -3,
    /// A caller's buffer is too small for what is handed out
    /// (`rv_verify_report` only): the sizes needed are written, so the
    /// call can be repeated with larger buffers.
    BufferTooSmall = -4,
}

/// A loaded verifier, in storage the caller owns (static, stack or heap).
/// Zero it before the first `rv_verifier_init`; after a successful init it
/// may be copied bytewise and shared between threads for `rv_verify`.
#[repr(C)]
pub struct RvVerifier {
    magic: u64,
    opaque: [u8; RV_VERIFIER_SIZE],
}

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
    fn refused(status: RvStatus, offset: Option<usize>, stats: Option<RvStats>) -> Self {
        let mut out = RvOutcome::rejected(status);
        if let Some(offset) = offset {
            out.has_offset = true;
            out.offset = u64::try_from(offset).unwrap_or(u64::MAX);
        }
        out.stats = stats.unwrap_or_default();
        out
    }

    fn rejected(status: RvStatus) -> Self {
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
    fn empty(buffers: &ReportBuffers) -> Self {
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

/// Loads `key_count` 32-byte ed25519 public keys (contiguous at `keys`) and
/// the fault bound `f` into `verifier`. `threshold` 0 means `F+1`; otherwise
/// it must be at least `F+1` (e.g. `2F+1`) and at most the number of keys.
/// Refuses `F = 0`, repeated, weak or invalid keys and more than
/// `RV_MAX_SIGNERS` keys with `RV_STATUS_INVALID_CONFIG`. On any failure the
/// verifier is left unloaded.
///
/// # Safety
///
/// `verifier` must be null or point to writable storage for an
/// `RvVerifier`; `keys` must be null or point to `key_count * 32` readable
/// bytes. Neither may be written by another thread during the call.
#[no_mangle]
pub unsafe extern "C" fn rv_verifier_init(
    verifier: *mut RvVerifier,
    keys: *const u8,
    key_count: usize,
    f: usize,
    threshold: usize,
) -> RvStatus {
    guard(|| {
        if verifier.is_null() || !verifier.is_aligned() {
            return RvStatus::InvalidArgument;
        }
        let Some(keys_len) = key_count.checked_mul(RV_KEY_LEN) else {
            return RvStatus::InvalidArgument;
        };
        if overlaps(
            verifier as usize,
            size_of::<RvVerifier>(),
            keys as usize,
            keys_len,
        ) {
            return RvStatus::InvalidArgument;
        }
        // SAFETY: non-null and aligned (checked above); the caller promises
        // it points to an `RvVerifier` no one else writes during the call.
        // Every bit pattern is a valid `RvVerifier` (a u64 and bytes).
        let out = unsafe { &mut *verifier };
        out.magic = 0;
        // SAFETY: the caller promises `key_count * 32` readable bytes at a
        // non-null `keys`; `bytes` checks null and the address range.
        let Some(keys) = (unsafe { bytes(keys, keys_len) }) else {
            return RvStatus::InvalidArgument;
        };
        let loaded = match configure(keys, f, threshold) {
            Ok(v) => v,
            Err(status) => return status,
        };
        let slot = out.opaque.as_mut_ptr().cast::<Verifier>();
        // SAFETY: `opaque` is at least `size_of::<Verifier>()` bytes and,
        // following a u64 in a repr(C) struct, aligned for it (const
        // asserts above); `Verifier` owns nothing, so overwriting a previous
        // one leaks nothing.
        unsafe { slot.write(loaded) };
        out.magic = MAGIC;
        RvStatus::Ok
    })
}

/// The number of signers of a loaded verifier (0 if it is not loaded).
///
/// # Safety
///
/// `verifier` must be null or point to a readable `RvVerifier`.
#[no_mangle]
pub unsafe extern "C" fn rv_verifier_signer_count(verifier: *const RvVerifier) -> usize {
    let mut count = 0;
    guard(|| {
        // SAFETY: forwarded caller contract.
        match unsafe { loaded(verifier) } {
            Ok(v) => {
                count = v.config().signers().len();
                RvStatus::Ok
            }
            Err(status) => status,
        }
    });
    count
}

/// Copies the `position`-th key of a loaded verifier (keys sorted bytewise,
/// as `RvOutcome::signer_mask` numbers them) to `key_out`.
///
/// # Safety
///
/// `verifier` must be null or point to a readable `RvVerifier`; `key_out`
/// must be null or point to 32 writable bytes.
#[no_mangle]
pub unsafe extern "C" fn rv_verifier_signer(
    verifier: *const RvVerifier,
    position: usize,
    key_out: *mut u8,
) -> RvStatus {
    guard(|| {
        if key_out.is_null()
            || overlaps(
                verifier as usize,
                size_of::<RvVerifier>(),
                key_out as usize,
                RV_KEY_LEN,
            )
        {
            return RvStatus::InvalidArgument;
        }
        // SAFETY: forwarded caller contract.
        let v = match unsafe { loaded(verifier) } {
            Ok(v) => v,
            Err(status) => return status,
        };
        let Some(key) = v.config().signers().keys().get(position) else {
            return RvStatus::InvalidArgument;
        };
        // SAFETY: `key_out` is non-null, does not overlap the verifier, and
        // the caller promises 32 writable bytes there; u8 needs no alignment.
        unsafe { core::ptr::copy_nonoverlapping(key.as_ptr(), key_out, RV_KEY_LEN) };
        RvStatus::Ok
    })
}

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
    // SAFETY: `report` is non-null and aligned, and the caller promises it
    // points to an `RvReportOut`. `addr_of!` reads the four buffer fields
    // without making a reference to the whole struct, whose other fields C
    // may have left uninitialised (a `bool` among them); any bit pattern is
    // a valid pointer or `usize`.
    let buffers = unsafe {
        ReportBuffers {
            work,
            work_len,
            payload: core::ptr::addr_of!((*report).payload).read(),
            payload_cap: core::ptr::addr_of!((*report).payload_cap).read(),
            merged: core::ptr::addr_of!((*report).merged).read(),
            merged_cap: core::ptr::addr_of!((*report).merged_cap).read(),
        }
    };
    let Some(spans) = buffers.spans(report, outcome) else {
        return RvStatus::InvalidArgument;
    };
    let clash = spans.iter().enumerate().any(|(i, &(at, len))| {
        inputs.iter().any(|&(b, b_len)| overlaps(at, len, b, b_len))
            || spans[i + 1..]
                .iter()
                .any(|&(b, b_len)| overlaps(at, len, b, b_len))
    });
    if clash {
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

/// The name of a status as the reference vectors spell reasons (`"ok"`,
/// `"invalid_config"`, `"invalid_params"`, `"malformed"`, `"no_quorum"`,
/// `"invalid_request"`, `"invalid_argument"`, `"not_initialised"`,
/// `"internal"`, `"buffer_too_small"`; `"unknown"` for any other value). A static, NUL-terminated string: never free it.
#[no_mangle]
pub extern "C" fn rv_status_name(status: i32) -> *const c_char {
    let name: &'static core::ffi::CStr = match status {
        0 => c"ok",
        1 => c"invalid_config",
        2 => c"invalid_params",
        3 => c"malformed",
        4 => c"no_quorum",
        5 => c"invalid_request",
        -1 => c"invalid_argument",
        -2 => c"not_initialised",
        -3 => c"internal",
        -4 => c"buffer_too_small",
        _ => c"unknown",
    };
    name.as_ptr()
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
unsafe fn fill_outcome(
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

/// Runs `f`, turning a panic into `RV_STATUS_INTERNAL`.
fn guard(f: impl FnOnce() -> RvStatus) -> RvStatus {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or(RvStatus::Internal)
}

/// Whether two byte ranges share an address (empty ranges share none).
fn overlaps(a: usize, a_len: usize, b: usize, b_len: usize) -> bool {
    if a_len == 0 || b_len == 0 {
        return false;
    }
    let a_end = a.saturating_add(a_len);
    let b_end = b.saturating_add(b_len);
    a < b_end && b < a_end
}

/// `len` bytes at `ptr`; empty for `len` 0 whatever `ptr` is; `None` for a
/// null pointer or a range past the address space.
///
/// # Safety
///
/// A non-null `ptr` must point to `len` readable bytes that stay unchanged
/// for `'a`.
unsafe fn bytes<'a>(ptr: *const u8, len: usize) -> Option<&'a [u8]> {
    if len == 0 {
        return Some(&[]);
    }
    if ptr.is_null() || len > isize::MAX as usize || (ptr as usize).checked_add(len).is_none() {
        return None;
    }
    // SAFETY: non-null, u8 needs no alignment, the range does not wrap and
    // is at most isize::MAX; the caller promises it is readable and unchanged.
    Some(unsafe { core::slice::from_raw_parts(ptr, len) })
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
unsafe fn relay_inputs<'a>(
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

/// The verifier in a loaded `RvVerifier`.
///
/// # Safety
///
/// A non-null `ptr` must point to a readable `RvVerifier` that stays
/// unchanged for `'a`.
unsafe fn loaded<'a>(ptr: *const RvVerifier) -> Result<&'a Verifier, RvStatus> {
    if ptr.is_null() || !ptr.is_aligned() {
        return Err(RvStatus::InvalidArgument);
    }
    // SAFETY: non-null and aligned; the caller promises a readable
    // `RvVerifier`, and every bit pattern is one.
    let storage = unsafe { &*ptr };
    if storage.magic != MAGIC {
        return Err(RvStatus::NotInitialised);
    }
    // SAFETY: `magic` is set only by `rv_verifier_init`, right after it
    // wrote a valid `Verifier` into `opaque` (aligned and large enough: const
    // asserts above), and cleared before any other write to the storage. A
    // bytewise copy of a loaded storage is a loaded storage (`Verifier`
    // holds no pointers). Storage that C filled otherwise and that happens to
    // hold the 64-bit magic breaks the documented contract.
    Ok(unsafe { &*storage.opaque.as_ptr().cast::<Verifier>() })
}

/// Signer set, `F`, threshold (0 = `F+1`) into a verifier.
fn configure(keys: &[u8], f: usize, threshold: usize) -> Result<Verifier, RvStatus> {
    let set = SignerSet::from_slices(keys.chunks_exact(RV_KEY_LEN))
        .map_err(|_| RvStatus::InvalidConfig)?;
    let config = match threshold {
        0 => Config::new(set, f),
        t => Config::with_threshold(set, f, t),
    };
    config
        .map(Verifier::new)
        .map_err(|_| RvStatus::InvalidConfig)
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
fn accepted(verifier: &Verifier, verified: &VerifiedResponse<'_>) -> RvOutcome {
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

/// The caller's buffers of `rv_verify_report`, as given.
struct ReportBuffers {
    work: *mut u8,
    work_len: usize,
    payload: *mut u8,
    payload_cap: usize,
    merged: *mut RvMergedSignature,
    merged_cap: usize,
}

impl ReportBuffers {
    /// The five outputs' address ranges (`outcome`, `report`, `work`,
    /// `payload`, `merged`); `None` when a buffer is null with a non-zero
    /// length, runs past the address space or (`merged`) is misaligned.
    fn spans(
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

/// A buffer's address range, as [`bytes`] would accept it: any address
/// when empty, else non-null and within the address space.
fn span(at: usize, len: usize) -> Option<(usize, usize)> {
    let usable =
        len == 0 || (at != 0 && len <= isize::MAX as usize && at.checked_add(len).is_some());
    usable.then_some((at, len))
}

/// `len` bytes at `ptr`, zeroed (C may hand over uninitialised storage),
/// as a slice; `None` for a null pointer or a range past the address space.
///
/// # Safety
///
/// A non-null `ptr` must point to `len` writable bytes that nothing else
/// reads or writes for `'a`.
unsafe fn zeroed<'a>(ptr: *mut u8, len: usize) -> Option<&'a mut [u8]> {
    if len == 0 {
        return Some(&mut []);
    }
    span(ptr as usize, len)?;
    // SAFETY: non-null, u8 needs no alignment, the range does not wrap and
    // is at most isize::MAX (checked by `span`); the caller promises it is
    // writable and ours alone.
    unsafe { ptr.write_bytes(0, len) };
    // SAFETY: as above, and every byte is now initialised.
    Some(unsafe { core::slice::from_raw_parts_mut(ptr, len) })
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
    let mut outcome = accepted(verifier, &verified);
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

/// The compute-request path: the batch, verification, outcome.
fn verify_compute(verifier: &Verifier, body: &[u8]) -> RvOutcome {
    let verified = match verifier.verify_compute(body) {
        ComputeVerdict::Accept(v) => v,
        ComputeVerdict::Reject(e) => {
            let (status, offset, stats_of) = match &e {
                ComputeError::InvalidConfig(_) => (RvStatus::InvalidConfig, None, None),
                ComputeError::Malformed(m) => (RvStatus::Malformed, Some(m.offset), None),
                ComputeError::NoQuorum(n) => {
                    (RvStatus::NoQuorum, None, Some(compute_stats(&n.stats)))
                }
                ComputeError::InvalidRequest(_) => (RvStatus::InvalidRequest, None, None),
                // A reason added to the library later: still a refusal.
                _ => (RvStatus::Internal, None, None),
            };
            return RvOutcome::refused(status, offset, stats_of);
        }
    };
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

/// Bit `i` for each of `signers` that is the verifier's `i`-th key.
fn signer_mask<'k>(verifier: &Verifier, signers: impl Iterator<Item = &'k [u8; 32]>) -> u64 {
    let keys = verifier.config().signers().keys();
    signers
        .filter_map(|k| keys.binary_search(k).ok())
        .fold(0u64, |mask, i| {
            mask | 1u64.checked_shl(i as u32).unwrap_or(0)
        })
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

/// A rejection's status, offset and statistics.
fn rejection(e: &Error) -> RvOutcome {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_becomes_internal() {
        assert_eq!(guard(|| panic!("inside the library")), RvStatus::Internal);
        assert_eq!(guard(|| RvStatus::NoQuorum), RvStatus::NoQuorum);
    }

    #[test]
    fn overlap_is_exact() {
        assert!(overlaps(100, 10, 109, 1));
        assert!(!overlaps(100, 10, 110, 5));
        assert!(!overlaps(100, 0, 100, 5));
        assert!(overlaps(usize::MAX - 1, 10, usize::MAX - 1, 1));
    }
}
