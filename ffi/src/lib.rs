//! A C ABI for `relay-verifier`: load a signer set and `F` into storage the
//! caller owns, verify a gateway's body for given request parameters, read
//! the outcome from a plain struct. Nothing allocates; every pointer and
//! length is checked; a panic is caught and reported as
//! `RV_STATUS_INTERNAL`, never unwound into C.
//!
//! All calls into the verifier are in [`verify_relay`], [`verify_compute`]
//! and [`configure`]: the enclave's two doors (relay responses, signed
//! compute requests) fill the same [`RvOutcome`].
#![deny(unsafe_op_in_unsafe_fn)]
#![deny(clippy::undocumented_unsafe_blocks)]
#![deny(missing_docs)]

use core::ffi::c_char;
use core::mem::{align_of, size_of};
use std::panic::{catch_unwind, AssertUnwindSafe};

use relay_verifier::{
    ComputeError, ComputeStats, ComputeVerdict, Config, Error, Method, ParamsError, RequestParams,
    SignerSet, Verdict, Verifier, VerifyStats,
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
        // SAFETY: forwarded caller contract (`verifier`).
        let v = unsafe { loaded(verifier) }?;
        // SAFETY: the caller promises `params_len` and `body_len` readable
        // bytes at non-null pointers; `bytes` checks null and the range.
        let (Some(params), Some(body)) = (unsafe { bytes(params, params_len) }, unsafe {
            bytes(body, body_len)
        }) else {
            return Err(RvStatus::InvalidArgument);
        };
        Ok(verify_relay(v, method, params, body))
    };
    // SAFETY: forwarded caller contract (`outcome`).
    unsafe { fill_outcome(outcome, &inputs, work) }
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
/// `"invalid_argument"`, `"not_initialised"`, `"internal"`; `"unknown"` for
/// any other value). A static, NUL-terminated string: never free it.
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
    let verified = match verifier.verify(&params, body) {
        Verdict::Accept(v) => v,
        Verdict::Reject(e) => return rejection(&e),
    };
    let signer_mask = signer_mask(verifier, verified.signers());
    RvOutcome {
        status: RvStatus::Ok,
        accepted: true,
        hash: *verified.hash().as_bytes(),
        signer_count: u32::try_from(verified.signer_count()).unwrap_or(u32::MAX),
        signer_mask,
        index: verified
            .index()
            .map_or(-1, |i| i64::try_from(i).unwrap_or(i64::MAX)),
        has_offset: false,
        offset: 0,
        stats: stats(verified.stats()),
    }
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
