//! The hashes the protocol signs, computed from the same reading of the
//! text the verifier uses: a relay result's canonical hash (§4–§5), a
//! compute request's (§12) and an enclave config's (§13). For a signer
//! written in C or Go (the relay nodes are), and for checking the
//! reference vectors through the ABI.

use relay_verifier::{
    canonical_hash, config_hash, config_signature_payload, config_user_data, ComputeRequest,
    Method, RequestParams, COMPUTE_SIGNATURE_PAYLOAD_LEN, CONFIG_SIGNATURE_PAYLOAD_LEN,
    SIGNATURE_PAYLOAD_LEN,
};

use crate::boundary::{bytes, disjoint, guard, span};
use crate::relay::{RV_METHOD_CAPABILITY_EXECUTE, RV_METHOD_SECRETS_GET};
use crate::status::RvStatus;

// Literals, so that cbindgen writes them into the header; the asserts
// hold them to the core's lengths.

/// Bytes a relay node signs for a result (`rv_canonical_hash`).
pub const RV_SIGNATURE_PAYLOAD_LEN: usize = 174;
/// Bytes a Workflow node signs for a compute request.
pub const RV_COMPUTE_SIGNATURE_PAYLOAD_LEN: usize = 176;
/// Bytes a current signer signs for a §13 vote.
pub const RV_CONFIG_SIGNATURE_PAYLOAD_LEN: usize = 182;
const _: () = assert!(RV_SIGNATURE_PAYLOAD_LEN == SIGNATURE_PAYLOAD_LEN);
const _: () = assert!(RV_COMPUTE_SIGNATURE_PAYLOAD_LEN == COMPUTE_SIGNATURE_PAYLOAD_LEN);
const _: () = assert!(RV_CONFIG_SIGNATURE_PAYLOAD_LEN == CONFIG_SIGNATURE_PAYLOAD_LEN);

/// The canonical hash of a logical result (`result`, JSON) for request
/// parameters (`params`, JSON; `method` one of `RV_METHOD_*`) into
/// `hash_out` (32 bytes), and, when `payload_out` is not null, the
/// `RV_SIGNATURE_PAYLOAD_LEN` bytes a node signs. `RV_STATUS_INVALID_PARAMS`
/// or `RV_STATUS_MALFORMED` for text the verifier would refuse, with
/// nothing written; `RV_STATUS_INVALID_ARGUMENT` for a null `hash_out`, an
/// unknown method, or an output overlapping an input or the other output.
///
/// # Safety
///
/// `params` and `result` null or readable for their lengths; `hash_out`
/// null or 32 writable bytes; `payload_out` null or
/// `RV_SIGNATURE_PAYLOAD_LEN` writable bytes. None used by another thread
/// during the call.
#[no_mangle]
pub unsafe extern "C" fn rv_canonical_hash(
    method: u32,
    params: *const u8,
    params_len: usize,
    result: *const u8,
    result_len: usize,
    hash_out: *mut u8,
    payload_out: *mut u8,
) -> RvStatus {
    let method = match method {
        RV_METHOD_SECRETS_GET => Method::SecretsGet,
        RV_METHOD_CAPABILITY_EXECUTE => Method::CapabilityExecute,
        _ => return RvStatus::InvalidArgument,
    };
    let inputs = [(params as usize, params_len), (result as usize, result_len)];
    guard(|| {
        // SAFETY: forwarded caller contract (`params`, `result`).
        let (Some(params), Some(result)) = (unsafe { bytes(params, params_len) }, unsafe {
            bytes(result, result_len)
        }) else {
            return RvStatus::InvalidArgument;
        };
        let hash = match RequestParams::from_json(method, params) {
            Err(_) => return RvStatus::InvalidParams,
            Ok(p) => match canonical_hash(&p, result) {
                Ok(h) => h,
                Err(_) => return RvStatus::Malformed,
            },
        };
        // SAFETY: forwarded caller contract (`hash_out`, `payload_out`).
        unsafe {
            write_hashes(
                &inputs,
                hash_out,
                hash.as_bytes(),
                &[(payload_out, &hash.signature_payload())],
            )
        }
    })
}

/// A compute request's hash (`request`: one `ComputeRequest` as JSON) into
/// `hash_out`, and when `payload_out` is not null the
/// `RV_COMPUTE_SIGNATURE_PAYLOAD_LEN` bytes a Workflow node signs.
/// `RV_STATUS_MALFORMED` for a request the verifier would refuse to read;
/// otherwise as `rv_canonical_hash`.
///
/// # Safety
///
/// As `rv_canonical_hash`, for `request` and the two outputs.
#[no_mangle]
pub unsafe extern "C" fn rv_compute_request_hash(
    request: *const u8,
    request_len: usize,
    hash_out: *mut u8,
    payload_out: *mut u8,
) -> RvStatus {
    let inputs = [(request as usize, request_len)];
    guard(|| {
        // SAFETY: forwarded caller contract (`request`).
        let Some(request) = (unsafe { bytes(request, request_len) }) else {
            return RvStatus::InvalidArgument;
        };
        let Ok(r) = ComputeRequest::from_json(request) else {
            return RvStatus::Malformed;
        };
        let hash = r.hash();
        // SAFETY: forwarded caller contract (`hash_out`, `payload_out`).
        unsafe {
            write_hashes(
                &inputs,
                hash_out,
                hash.as_bytes(),
                &[(payload_out, &hash.compute_signature_payload())],
            )
        }
    })
}

/// An enclave config's §13 hash (`config`: an `EnclaveConfig` as Go
/// writes it) into `hash_out`, and when not null the
/// `RV_CONFIG_SIGNATURE_PAYLOAD_LEN` bytes a vote signs (`payload_out`)
/// and the 32 bytes of attestation user data once it is applied
/// (`user_data_out`). `RV_STATUS_MALFORMED` for a config §13 cannot read;
/// otherwise as `rv_canonical_hash`.
///
/// # Safety
///
/// As `rv_canonical_hash`, for `config` and the three outputs
/// (`user_data_out` null or 32 writable bytes).
#[no_mangle]
pub unsafe extern "C" fn rv_config_hash(
    config: *const u8,
    config_len: usize,
    hash_out: *mut u8,
    payload_out: *mut u8,
    user_data_out: *mut u8,
) -> RvStatus {
    let inputs = [(config as usize, config_len)];
    guard(|| {
        // SAFETY: forwarded caller contract (`config`).
        let Some(config) = (unsafe { bytes(config, config_len) }) else {
            return RvStatus::InvalidArgument;
        };
        let Ok(hash) = config_hash(config) else {
            return RvStatus::Malformed;
        };
        let extra: [(*mut u8, &[u8]); 2] = [
            (payload_out, &config_signature_payload(&hash)),
            (user_data_out, &config_user_data(&hash)),
        ];
        // SAFETY: forwarded caller contract (the three outputs).
        unsafe { write_hashes(&inputs, hash_out, hash.as_bytes(), &extra) }
    })
}

/// Writes `hash` to `hash_out` and each extra value to its output when that
/// is not null, after checking that no output is null (`hash_out`), past
/// the address space or overlapping an input or another output; nothing
/// is written otherwise.
///
/// # Safety
///
/// Each non-null output must be writable for its value's length and used
/// by nothing else during the call.
unsafe fn write_hashes(
    inputs: &[(usize, usize)],
    hash_out: *mut u8,
    hash: &[u8; 32],
    extra: &[(*mut u8, &[u8])],
) -> RvStatus {
    if hash_out.is_null() {
        return RvStatus::InvalidArgument;
    }
    let mut spans = [(0usize, 0usize); 6];
    let outputs = core::iter::once((hash_out, &hash[..])).chain(extra.iter().copied());
    let mut n = 0;
    for (ptr, value) in outputs.clone().filter(|(p, _)| !p.is_null()) {
        let Some(s) = span(ptr as usize, value.len()) else {
            return RvStatus::InvalidArgument;
        };
        let Some(slot) = spans.get_mut(n) else {
            return RvStatus::Internal;
        };
        *slot = s;
        n += 1;
    }
    for input in inputs {
        let Some(slot) = spans.get_mut(n) else {
            return RvStatus::Internal;
        };
        *slot = *input;
        n += 1;
    }
    if !disjoint(spans.get(..n).unwrap_or_default()) {
        return RvStatus::InvalidArgument;
    }
    for (ptr, value) in outputs.filter(|(p, _)| !p.is_null()) {
        // SAFETY: non-null, within the address space, overlapping no input
        // or other output (checked above); the caller promises it writable
        // for the value's length. u8 needs no alignment.
        unsafe { core::ptr::copy_nonoverlapping(value.as_ptr(), ptr, value.len()) };
    }
    RvStatus::Ok
}
