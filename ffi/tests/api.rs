//! The C ABI against the reference vectors, and against a careless caller.
#![allow(clippy::undocumented_unsafe_blocks)] // test calls into the ABI under test

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::ffi::CStr;
use std::mem::MaybeUninit;

use relay_verifier_ffi::*;
use serde_json::Value;

/// Counts this thread's allocations, to hold the ABI to "allocation-free"
/// (the other tests run on other threads).
struct Counting;
thread_local! {
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.with(|n| n.set(n.get() + 1));
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
}
#[global_allocator]
static GLOBAL: Counting = Counting;

fn zeroed_verifier() -> Box<RvVerifier> {
    // All-zero bytes are a valid, unloaded RvVerifier (a u64 and bytes).
    unsafe { Box::new(MaybeUninit::<RvVerifier>::zeroed().assume_init()) }
}

fn outcome() -> RvOutcome {
    unsafe { MaybeUninit::<RvOutcome>::zeroed().assume_init() }
}

fn name(status: RvStatus) -> &'static str {
    unsafe { CStr::from_ptr(rv_status_name(status as i32)) }
        .to_str()
        .unwrap()
}

/// A case file of `../shared/vectors` beside the repository.
/// A case's signer keys end to end, as `rv_verifier_init` takes them.
fn signer_keys(case: &Value) -> Vec<u8> {
    case["signers"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|k| hex::decode(k.as_str().unwrap()).unwrap())
        .collect()
}

fn vectors_in(file: &str) -> Value {
    let path = format!("{}/../../shared/vectors/{file}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_slice(&std::fs::read(path).expect("../shared/vectors beside the repo"))
        .unwrap()
}

fn vectors() -> Value {
    vectors_in("verify.json")
}

#[test]
fn every_verify_case_through_the_c_abi_without_allocating() {
    let cases: Vec<Value> = ["verify.json", "strict/verify.json", "report/verify.json"]
        .iter()
        .flat_map(|f| vectors_in(f)["verify_cases"].as_array().unwrap().clone())
        .collect();
    let mut verifier = zeroed_verifier();
    let mut checked = 0;
    let before = ALLOCATIONS.with(Cell::get);
    drop(std::hint::black_box(Box::new(0u64)));
    assert_eq!(
        ALLOCATIONS.with(Cell::get),
        before + 1,
        "the counter counts"
    );
    for case in cases {
        let name_of_case = case["name"].as_str().unwrap();
        let keys = signer_keys(&case);
        let f = case["f"].as_u64().unwrap() as usize;
        let params = case["params_json"].as_str().unwrap().as_bytes();
        let body: Vec<u8> = match (&case["body_json"], &case["body_base64"]) {
            (Value::String(s), _) => s.as_bytes().to_vec(),
            (_, Value::String(_)) => continue, // the invalid-UTF-8 case: covered by the Rust tests
            _ => Vec::new(),
        };
        let method = match case["method"].as_str().unwrap() {
            "confidential.secrets.get" => RV_METHOD_SECRETS_GET,
            _ => RV_METHOD_CAPABILITY_EXECUTE,
        };
        let expect = &case["expect"];
        let mut out = outcome();

        let before = ALLOCATIONS.with(Cell::get);
        let init =
            unsafe { rv_verifier_init(&mut *verifier, keys.as_ptr(), keys.len() / 32, f, 0) };
        let status = if init == RvStatus::Ok {
            unsafe {
                rv_verify(
                    &*verifier,
                    method,
                    params.as_ptr(),
                    params.len(),
                    body.as_ptr(),
                    body.len(),
                    &mut out,
                )
            }
        } else {
            init
        };
        let allocated = ALLOCATIONS.with(Cell::get) - before;
        assert_eq!(allocated, 0, "{name_of_case}: the ABI allocated");

        if expect["accept"] == Value::Bool(true) {
            assert_eq!(status, RvStatus::Ok, "{name_of_case}");
            assert!(out.accepted && out.status == RvStatus::Ok, "{name_of_case}");
            assert_eq!(
                hex::encode(out.hash),
                expect["hash"].as_str().unwrap(),
                "{name_of_case}"
            );
            let want_index = expect["index"].as_i64().unwrap_or(-1);
            assert_eq!(out.index, want_index, "{name_of_case}");
            // The mask, read back through rv_verifier_signer, is the signer list.
            let mut got = Vec::new();
            for i in 0..unsafe { rv_verifier_signer_count(&*verifier) } {
                if out.signer_mask >> i & 1 == 1 {
                    let mut key = [0u8; 32];
                    assert_eq!(
                        unsafe { rv_verifier_signer(&*verifier, i, key.as_mut_ptr()) },
                        RvStatus::Ok
                    );
                    got.push(Value::from(hex::encode(key)));
                }
            }
            assert_eq!(Value::Array(got), expect["signers"], "{name_of_case}");
            assert_eq!(
                out.signer_count as usize,
                expect["signers"].as_array().unwrap().len()
            );
        } else {
            assert_eq!(
                name(status),
                expect["reason"].as_str().unwrap(),
                "{name_of_case}"
            );
            if init == RvStatus::Ok {
                assert!(!out.accepted && out.index == -1 && out.status == status);
                assert_eq!(
                    out.has_offset,
                    status == RvStatus::Malformed,
                    "{name_of_case}"
                );
                if out.has_offset {
                    assert!(out.offset as usize <= body.len(), "{name_of_case}");
                }
            }
        }
        checked += 1;
    }
    assert!(checked >= 100, "only {checked} cases ran");
}

/// The enclave's second door: every compute-request batch of
/// `compute/compute.json` through `rv_verify_compute`, allocation-free.
#[test]
fn every_compute_case_through_the_c_abi_without_allocating() {
    let file = vectors_in("compute/compute.json");
    let cases = file["verify_cases"].as_array().unwrap();
    assert!(cases.len() >= 23, "all compute batches");
    let mut verifier = zeroed_verifier();
    for case in cases {
        let name_of_case = case["name"].as_str().unwrap();
        let keys = signer_keys(case);
        let f = case["f"].as_u64().unwrap() as usize;
        let body = case["body_json"].as_str().unwrap().as_bytes();
        let expect = &case["expect"];
        let mut out = outcome();
        let before = ALLOCATIONS.with(Cell::get);
        let init =
            unsafe { rv_verifier_init(&mut *verifier, keys.as_ptr(), keys.len() / 32, f, 0) };
        let status = if init == RvStatus::Ok {
            unsafe { rv_verify_compute(&*verifier, body.as_ptr(), body.len(), &mut out) }
        } else {
            init
        };
        assert_eq!(
            ALLOCATIONS.with(Cell::get) - before,
            0,
            "{name_of_case}: the ABI allocated"
        );
        if expect["accept"] == Value::Bool(true) {
            assert_eq!(status, RvStatus::Ok, "{name_of_case}");
            assert!(out.accepted, "{name_of_case}");
            assert_eq!(
                hex::encode(out.hash),
                expect["hash"].as_str().unwrap(),
                "{name_of_case}"
            );
            assert_eq!(
                out.index,
                expect["index"].as_i64().unwrap(),
                "{name_of_case}"
            );
            let want: Vec<String> = expect["signers"]
                .as_array()
                .unwrap()
                .iter()
                .map(|k| k.as_str().unwrap().to_owned())
                .collect();
            let mut got = Vec::new();
            for i in 0..unsafe { rv_verifier_signer_count(&*verifier) } {
                if out.signer_mask >> i & 1 == 1 {
                    let mut key = [0u8; 32];
                    unsafe { rv_verifier_signer(&*verifier, i, key.as_mut_ptr()) };
                    got.push(hex::encode(key));
                }
            }
            got.sort();
            let mut want = want;
            want.sort();
            assert_eq!(got, want, "{name_of_case}");
            assert_eq!(out.signer_count as usize, want.len(), "{name_of_case}");
        } else {
            assert_eq!(
                name(status),
                expect["reason"].as_str().unwrap(),
                "{name_of_case}"
            );
            if init == RvStatus::Ok {
                assert!(!out.accepted && out.index == -1, "{name_of_case}");
                assert_eq!(
                    out.has_offset,
                    status == RvStatus::Malformed,
                    "{name_of_case}"
                );
            }
        }
    }
    // A careless caller: null outcome, null body with a length.
    assert_eq!(
        unsafe { rv_verify_compute(&*verifier, std::ptr::null(), 0, std::ptr::null_mut()) },
        RvStatus::InvalidArgument
    );
    let mut out = outcome();
    assert_eq!(
        unsafe { rv_verify_compute(&*verifier, std::ptr::null(), 5, &mut out) },
        RvStatus::InvalidArgument
    );
    assert_eq!(name(RvStatus::InvalidRequest), "invalid_request");
}

/// The first accepted case's inputs: keys, params, body.
fn honest() -> (Vec<u8>, Vec<u8>, Vec<u8>) {
    let doc = vectors();
    let case = doc["verify_cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "bundle/exactly-f-plus-1")
        .unwrap()
        .clone();
    let keys = signer_keys(&case);
    (
        keys,
        case["params_json"].as_str().unwrap().as_bytes().to_vec(),
        case["body_json"].as_str().unwrap().as_bytes().to_vec(),
    )
}

#[test]
fn careless_callers_get_statuses() {
    let (keys, params, body) = honest();
    let mut v = zeroed_verifier();
    let mut out = outcome();
    let s = RV_METHOD_SECRETS_GET;
    unsafe {
        // Never loaded.
        assert_eq!(
            rv_verify(
                &*v,
                s,
                params.as_ptr(),
                params.len(),
                body.as_ptr(),
                body.len(),
                &mut out
            ),
            RvStatus::NotInitialised
        );
        assert_eq!(out.status, RvStatus::NotInitialised);
        assert_eq!(rv_verifier_signer_count(&*v), 0);
        // Null pointers.
        assert_eq!(
            rv_verifier_init(std::ptr::null_mut(), keys.as_ptr(), 4, 1, 0),
            RvStatus::InvalidArgument
        );
        assert_eq!(
            rv_verifier_init(&mut *v, std::ptr::null(), 4, 1, 0),
            RvStatus::InvalidArgument
        );
        assert_eq!(
            rv_verifier_init(&mut *v, keys.as_ptr(), usize::MAX, 1, 0),
            RvStatus::InvalidArgument
        );
        assert_eq!(
            rv_verifier_init(&mut *v, keys.as_ptr(), 4, 1, 0),
            RvStatus::Ok
        );
        assert_eq!(
            rv_verify(
                std::ptr::null(),
                s,
                params.as_ptr(),
                params.len(),
                body.as_ptr(),
                body.len(),
                &mut out
            ),
            RvStatus::InvalidArgument
        );
        assert_eq!(
            rv_verify(
                &*v,
                s,
                std::ptr::null(),
                3,
                body.as_ptr(),
                body.len(),
                &mut out
            ),
            RvStatus::InvalidArgument
        );
        assert_eq!(
            rv_verify(
                &*v,
                s,
                params.as_ptr(),
                params.len(),
                body.as_ptr(),
                body.len(),
                std::ptr::null_mut()
            ),
            RvStatus::InvalidArgument
        );
        // A length that runs past the address space.
        assert_eq!(
            rv_verify(
                &*v,
                s,
                params.as_ptr(),
                usize::MAX,
                body.as_ptr(),
                body.len(),
                &mut out
            ),
            RvStatus::InvalidArgument
        );
        // Null with length 0 is an empty body: malformed, not a crash.
        assert_eq!(
            rv_verify(
                &*v,
                s,
                params.as_ptr(),
                params.len(),
                std::ptr::null(),
                0,
                &mut out
            ),
            RvStatus::Malformed
        );
        // Unknown method.
        assert_eq!(
            rv_verify(
                &*v,
                0,
                params.as_ptr(),
                params.len(),
                body.as_ptr(),
                body.len(),
                &mut out
            ),
            RvStatus::InvalidArgument
        );
        // Outcome storage inside the body it describes.
        let mut buf = vec![0u64; (body.len() + size_of::<RvOutcome>()) / 8 + 1];
        let base = buf.as_mut_ptr().cast::<u8>();
        std::ptr::copy_nonoverlapping(body.as_ptr(), base, body.len());
        assert_eq!(
            rv_verify(
                &*v,
                s,
                params.as_ptr(),
                params.len(),
                base,
                body.len(),
                base.cast::<RvOutcome>()
            ),
            RvStatus::InvalidArgument
        );
        // Signer position out of range.
        let mut key = [0u8; 32];
        assert_eq!(
            rv_verifier_signer(&*v, 4, key.as_mut_ptr()),
            RvStatus::InvalidArgument
        );
        assert_eq!(
            rv_verifier_signer(&*v, 0, std::ptr::null_mut()),
            RvStatus::InvalidArgument
        );
        // A failed init unloads: nothing verifies against a half-loaded set.
        assert_eq!(
            rv_verifier_init(&mut *v, keys.as_ptr(), 4, 0, 0),
            RvStatus::InvalidConfig
        );
        assert_eq!(
            rv_verify(
                &*v,
                s,
                params.as_ptr(),
                params.len(),
                body.as_ptr(),
                body.len(),
                &mut out
            ),
            RvStatus::NotInitialised
        );
        // Thresholds: 2F+1 = 3 of 4 not met by this two-signer bundle; 5 unreachable.
        assert_eq!(
            rv_verifier_init(&mut *v, keys.as_ptr(), 4, 1, 3),
            RvStatus::Ok
        );
        assert_eq!(
            rv_verify(
                &*v,
                s,
                params.as_ptr(),
                params.len(),
                body.as_ptr(),
                body.len(),
                &mut out
            ),
            RvStatus::NoQuorum
        );
        assert_eq!(
            rv_verifier_init(&mut *v, keys.as_ptr(), 4, 1, 5),
            RvStatus::InvalidConfig
        );
    }
    assert_eq!(name(RvStatus::NoQuorum), "no_quorum");
    let unknown = unsafe { CStr::from_ptr(rv_status_name(99)) };
    assert_eq!(unknown.to_str().unwrap(), "unknown");
}

#[test]
fn a_copied_verifier_verifies() {
    let (keys, params, body) = honest();
    let mut v = zeroed_verifier();
    let mut out = outcome();
    unsafe {
        assert_eq!(
            rv_verifier_init(&mut *v, keys.as_ptr(), 4, 1, 0),
            RvStatus::Ok
        );
        let copy = zeroed_verifier();
        let copy = Box::into_raw(copy);
        std::ptr::copy_nonoverlapping(&*v as *const RvVerifier, copy, 1);
        drop(v);
        assert_eq!(
            rv_verify(
                copy,
                RV_METHOD_SECRETS_GET,
                params.as_ptr(),
                params.len(),
                body.as_ptr(),
                body.len(),
                &mut out
            ),
            RvStatus::Ok
        );
        drop(Box::from_raw(copy));
    }
    assert_eq!(out.signer_count, 2);
}
