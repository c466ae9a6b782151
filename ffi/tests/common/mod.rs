//! What the ABI test binaries share: the shared vectors, all-zero ABI
//! structs, a verifier loaded from a vector case, C strings.
#![allow(dead_code)] // each test binary uses some of these

use std::ffi::{c_char, CStr};
use std::mem::MaybeUninit;

use relay_verifier_ffi::*;
use serde_json::Value;

/// A file of `../shared/vectors`, parsed.
pub fn vectors_in(file: &str) -> Value {
    let path = format!("{}/../../shared/vectors/{file}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_slice(&std::fs::read(path).expect("../shared/vectors beside the repo"))
        .unwrap()
}

/// A case's `signers`, hex-decoded and concatenated as the ABI takes them.
pub fn signer_keys(case: &Value) -> Vec<u8> {
    case["signers"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|k| hex::decode(k.as_str().unwrap()).unwrap())
        .collect()
}

/// A case's method as the ABI numbers it.
pub fn method(case: &Value) -> u32 {
    match case["method"].as_str().unwrap() {
        "confidential.secrets.get" => RV_METHOD_SECRETS_GET,
        _ => RV_METHOD_CAPABILITY_EXECUTE,
    }
}

/// All-zero bytes, a valid value of every ABI struct tested: unloaded
/// storage, or plain integers, null pointers, `false` and enums at 0.
pub fn zeroed<T>() -> T {
    unsafe { MaybeUninit::zeroed().assume_init() }
}

/// [`zeroed`], on the heap (the storage types are kilobytes).
pub fn zeroed_box<T>() -> Box<T> {
    unsafe { Box::new(MaybeUninit::<T>::zeroed().assume_init()) }
}

/// An outcome for a door to fill.
pub fn outcome() -> RvOutcome {
    zeroed()
}

/// A verifier loaded with the case's `signers` and `f`; `None` when the
/// ABI refuses them.
pub fn loaded(case: &Value) -> Option<Box<RvVerifier>> {
    let keys = signer_keys(case);
    let mut v = zeroed_box::<RvVerifier>();
    let f = case["f"].as_u64().unwrap() as usize;
    let s = unsafe { rv_verifier_init(&mut *v, keys.as_ptr(), keys.len() / 32, f, 0) };
    (s == RvStatus::Ok).then_some(v)
}

/// A static C string the ABI returned (a status or vote name).
pub fn c_text(p: *const c_char) -> &'static str {
    unsafe { CStr::from_ptr(p) }.to_str().unwrap()
}
