//! The C ABI against the reference vectors, and against a careless caller.
#![allow(clippy::undocumented_unsafe_blocks)] // test calls into the ABI under test

use std::ffi::CStr;
use std::mem::MaybeUninit;

use relay_verifier_ffi::*;
use serde_json::Value;

#[path = "../../tests/counting/mod.rs"]
mod counting;
use counting::allocations;
mod common;
use common::*;

fn name(status: RvStatus) -> &'static str {
    c_text(rv_status_name(status as i32))
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
    let mut verifier = zeroed_box::<RvVerifier>();
    let mut checked = 0;
    let ((), counted) = allocations(|| drop(std::hint::black_box(Box::new(0u64))));
    assert_eq!(counted, 1, "the counter counts");
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

        let ((init, status), allocated) = allocations(|| {
            let init =
                unsafe { rv_verifier_init(&mut *verifier, keys.as_ptr(), keys.len() / 32, f, 0) };
            if init != RvStatus::Ok {
                return (init, init);
            }
            let status = unsafe {
                rv_verify(
                    &*verifier,
                    method,
                    params.as_ptr(),
                    params.len(),
                    body.as_ptr(),
                    body.len(),
                    &mut out,
                )
            };
            (init, status)
        });
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
    let mut verifier = zeroed_box::<RvVerifier>();
    for case in cases {
        let name_of_case = case["name"].as_str().unwrap();
        let keys = signer_keys(case);
        let f = case["f"].as_u64().unwrap() as usize;
        let body = case["body_json"].as_str().unwrap().as_bytes();
        let expect = &case["expect"];
        let mut out = outcome();
        let ((init, status), allocated) = allocations(|| {
            let init =
                unsafe { rv_verifier_init(&mut *verifier, keys.as_ptr(), keys.len() / 32, f, 0) };
            if init != RvStatus::Ok {
                return (init, init);
            }
            let status =
                unsafe { rv_verify_compute(&*verifier, body.as_ptr(), body.len(), &mut out) };
            (init, status)
        });
        assert_eq!(allocated, 0, "{name_of_case}: the ABI allocated");
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
    let mut v = zeroed_box::<RvVerifier>();
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
    let mut v = zeroed_box::<RvVerifier>();
    let mut out = outcome();
    unsafe {
        assert_eq!(
            rv_verifier_init(&mut *v, keys.as_ptr(), 4, 1, 0),
            RvStatus::Ok
        );
        let copy = zeroed_box::<RvVerifier>();
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

// ---------------------------------------------------------------------------
// rv_verify_report: the §11 hand-out of a report through the C ABI.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;

/// Generous buffers for one hand-out, and the `RvReportOut` naming them.
struct ReportBufs {
    work: Vec<u8>,
    payload: Vec<u8>,
    merged: Vec<RvMergedSignature>,
}

const NO_SIGNATURE: RvMergedSignature = RvMergedSignature {
    signer_id: u32::MAX,
    carriers: u32::MAX,
    signature: std::ptr::null(),
    signature_len: usize::MAX,
};

impl ReportBufs {
    fn new(work: usize, payload: usize, merged: usize) -> Self {
        ReportBufs {
            work: vec![0xA5; work],
            payload: vec![0xA5; payload],
            merged: vec![NO_SIGNATURE; merged],
        }
    }

    fn big() -> Self {
        ReportBufs::new(1 << 18, 1 << 17, 256)
    }

    /// Report storage naming these buffers.
    fn storage(&mut self) -> Storage {
        Storage::new(
            (self.payload.as_mut_ptr(), self.payload.len()),
            (self.merged.as_mut_ptr(), self.merged.len()),
        )
    }
}

/// Storage for an `RvReportOut` as C may hand it over: the four buffer
/// fields set, every other byte garbage (a `bool` included), so never read
/// as an `RvReportOut` until a call has written it.
struct Storage(Box<MaybeUninit<RvReportOut>>);

impl Storage {
    fn new(payload: (*mut u8, usize), merged: (*mut RvMergedSignature, usize)) -> Self {
        let mut s = Storage(Box::new(MaybeUninit::uninit()));
        unsafe { std::ptr::write_bytes(s.ptr().cast::<u8>(), 0x5A, size_of::<RvReportOut>()) };
        s.set_payload(payload.0, payload.1);
        s.set_merged(merged.0, merged.1);
        s
    }

    fn ptr(&mut self) -> *mut RvReportOut {
        self.0.as_mut_ptr()
    }

    fn set_payload(&mut self, at: *mut u8, cap: usize) {
        let p = self.ptr();
        unsafe {
            std::ptr::addr_of_mut!((*p).payload).write(at);
            std::ptr::addr_of_mut!((*p).payload_cap).write(cap);
        }
    }

    fn set_merged(&mut self, at: *mut RvMergedSignature, cap: usize) {
        let p = self.ptr();
        unsafe {
            std::ptr::addr_of_mut!((*p).merged).write(at);
            std::ptr::addr_of_mut!((*p).merged_cap).write(cap);
        }
    }

    /// Its bytes, garbage included.
    fn bytes(&self) -> Vec<u8> {
        let p = self.0.as_ptr().cast::<u8>();
        unsafe { std::slice::from_raw_parts(p, size_of::<RvReportOut>()) }.to_vec()
    }

    /// The report a call wrote (whole: any status but an unusable output).
    fn written(&self) -> RvReportOut {
        unsafe { self.0.assume_init_read() }
    }
}

/// Calls `rv_verify_report` with `bufs` and returns status, report, outcome;
/// fails if the call allocated.
fn verify_report(
    v: &RvVerifier,
    params: &[u8],
    body: &[u8],
    bufs: &mut ReportBufs,
) -> (RvStatus, RvReportOut, RvOutcome) {
    let mut report = bufs.storage();
    let mut out = outcome();
    let (status, allocated) = allocations(|| unsafe {
        rv_verify_report(
            v,
            params.as_ptr(),
            params.len(),
            body.as_ptr(),
            body.len(),
            bufs.work.as_mut_ptr(),
            bufs.work.len(),
            report.ptr(),
            &mut out,
        )
    });
    assert_eq!(allocated, 0, "rv_verify_report allocated");
    // Every caller of this helper passes usable buffers, so the call wrote
    // the whole report.
    assert_ne!(
        status,
        RvStatus::InvalidArgument,
        "the helper's buffers are valid"
    );
    (status, report.written(), out)
}

/// The bytes a pointer and length of the hand-out name.
fn slice<'a>(ptr: *const u8, len: usize) -> &'a [u8] {
    if len == 0 {
        return &[];
    }
    assert!(!ptr.is_null());
    unsafe { std::slice::from_raw_parts(ptr, len) }
}

/// The merged list as the vectors write it.
fn merged_json(report: &RvReportOut, bufs: &ReportBufs) -> Value {
    Value::Array(
        bufs.merged[..report.merged_count]
            .iter()
            .map(|m| {
                serde_json::json!({
                    "signer_id": m.signer_id,
                    "signature": STANDARD.encode(slice(m.signature, m.signature_len)),
                    "carriers": m.carriers,
                })
            })
            .collect(),
    )
}

fn report_cases() -> Vec<Value> {
    vectors_in("report/verify.json")["verify_cases"]
        .as_array()
        .unwrap()
        .clone()
}

fn report_case(name: &str) -> (Vec<u8>, usize, Vec<u8>, Vec<u8>, Value) {
    let case = report_cases()
        .into_iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no case {name}"));
    (
        signer_keys(&case),
        case["f"].as_u64().unwrap() as usize,
        case["params_json"].as_str().unwrap().as_bytes().to_vec(),
        case["body_json"].as_str().unwrap().as_bytes().to_vec(),
        case["expect"].clone(),
    )
}

fn loaded_verifier(keys: &[u8], f: usize) -> Box<RvVerifier> {
    let mut v = zeroed_box::<RvVerifier>();
    let init = unsafe { rv_verifier_init(&mut *v, keys.as_ptr(), keys.len() / 32, f, 0) };
    assert_eq!(init, RvStatus::Ok);
    v
}

/// Every case of report/verify.json through `rv_verify_report`: the same
/// verdict as `rv_verify`, and where the vector says what is handed out,
/// the same payload byte for byte and the same merged list in order.
#[test]
fn every_report_case_hands_out_the_vectors_payload_and_merged_list() {
    let mut handed_out = 0;
    let mut not_reports = 0;
    for case in report_cases() {
        let name_of_case = case["name"].as_str().unwrap();
        let keys = signer_keys(&case);
        let f = case["f"].as_u64().unwrap() as usize;
        let params = case["params_json"].as_str().unwrap().as_bytes();
        let body = case["body_json"].as_str().unwrap().as_bytes();
        let expect = &case["expect"];
        let v = loaded_verifier(&keys, f);
        let mut bufs = ReportBufs::big();

        // (The helper holds the call to zero allocations.)
        let (status, report, out) = verify_report(&v, params, body, &mut bufs);

        // The same verdict as rv_verify.
        let mut plain = outcome();
        let plain_status = unsafe {
            rv_verify(
                &*v,
                RV_METHOD_CAPABILITY_EXECUTE,
                params.as_ptr(),
                params.len(),
                body.as_ptr(),
                body.len(),
                &mut plain,
            )
        };
        assert_eq!(status, plain_status, "{name_of_case}");
        assert_eq!(
            out, plain,
            "{name_of_case}: outcome differs from rv_verify's"
        );
        assert_eq!(out.status, status);
        // The buffer fields come back as the caller set them.
        assert_eq!(report.payload, bufs.payload.as_mut_ptr(), "{name_of_case}");
        assert_eq!(report.payload_cap, bufs.payload.len());
        assert_eq!(report.merged, bufs.merged.as_mut_ptr());
        assert_eq!(report.merged_cap, bufs.merged.len());

        let Some(want) = expect.get("handed_out") else {
            // Rejected, or accepted with a result that is not a report.
            assert_eq!(
                expect["accept"] == Value::Bool(true),
                status == RvStatus::Ok
            );
            assert!(!report.is_report, "{name_of_case}: handed out a non-report");
            assert_eq!(
                (report.work_needed, report.payload_len, report.merged_count),
                (0, 0, 0),
                "{name_of_case}"
            );
            assert!(report.raw_report.is_null() && report.error.is_null());
            assert!(bufs.payload.iter().all(|&b| b == 0xA5), "{name_of_case}");
            if status == RvStatus::Ok {
                not_reports += 1;
            }
            continue;
        };
        assert_eq!(status, RvStatus::Ok, "{name_of_case}");
        assert!(report.is_report, "{name_of_case}");
        let payload = want["payload"].as_str().unwrap().as_bytes();
        assert_eq!(report.payload_len, payload.len(), "{name_of_case}");
        assert_eq!(
            &bufs.payload[..report.payload_len],
            payload,
            "{name_of_case}: payload"
        );
        assert!(
            bufs.payload[report.payload_len..]
                .iter()
                .all(|&b| b == 0xA5),
            "{name_of_case}: written past the payload"
        );
        assert_eq!(
            merged_json(&report, &bufs),
            want["merged"],
            "{name_of_case}: merged"
        );
        assert!(bufs.merged[report.merged_count..]
            .iter()
            .all(|m| *m == NO_SIGNATURE));
        assert_eq!(
            report.counted_count,
            want["counted"].as_array().unwrap().len(),
            "{name_of_case}"
        );
        assert!(report.work_needed > 0 && report.work_needed <= bufs.work.len());
        // Every pointer handed out lies in the work buffer.
        let work = bufs.work.as_ptr_range();
        let inside =
            |p: *const u8, n: usize| n == 0 || (work.contains(&p) && p.wrapping_add(n) <= work.end);
        for m in &bufs.merged[..report.merged_count] {
            assert!(inside(m.signature, m.signature_len), "{name_of_case}");
        }
        // The report's fields: those the payload carries.
        let text = std::str::from_utf8(payload).unwrap();
        let mut buf = vec![0u8; text.len()];
        let r = relay_verifier::Report::decode(&relay_verifier::Text::new(text), &mut buf)
            .expect("the vector's payload is a report");
        assert_eq!(report.seq_nr, r.seq_nr(), "{name_of_case}");
        for (ptr, len, want) in [
            (
                report.config_digest,
                report.config_digest_len,
                r.config_digest(),
            ),
            (
                report.report_context,
                report.report_context_len,
                r.report_context(),
            ),
            (report.raw_report, report.raw_report_len, r.raw_report()),
        ] {
            assert!(inside(ptr, len), "{name_of_case}");
            assert_eq!(slice(ptr, len), want, "{name_of_case}");
        }
        assert_eq!(
            report.error_len, 0,
            "{name_of_case}: no vector has an error"
        );
        handed_out += 1;
    }
    assert!(handed_out >= 25, "only {handed_out} hand-outs checked");
    assert!(not_reports >= 5, "only {not_reports} non-report results");
}

/// Too small a buffer: `RV_STATUS_BUFFER_TOO_SMALL` with the sizes needed,
/// nothing written where it would not fit, and the retry succeeds.
#[test]
fn too_small_buffers_report_the_sizes_needed() {
    let (keys, f, params, body, expect) = report_case("report/subsets-of-ocr-signatures");
    let want_payload = expect["handed_out"]["payload"].as_str().unwrap().as_bytes();
    let want_merged = expect["handed_out"]["merged"].as_array().unwrap().len();
    let v = loaded_verifier(&keys, f);

    // No buffers at all: only the work size is known.
    let mut none = ReportBufs::new(0, 0, 0);
    let (status, report, out) = verify_report(&v, &params, &body, &mut none);
    assert_eq!(status, RvStatus::BufferTooSmall);
    assert_eq!(name(status), "buffer_too_small");
    assert!(out.accepted && out.status == RvStatus::BufferTooSmall);
    assert_eq!(hex::encode(out.hash), expect["hash"].as_str().unwrap());
    assert!(report.is_report && report.work_needed > 0);
    assert_eq!((report.payload_len, report.merged_count), (0, 0));
    assert_eq!(report.counted_count, 4);
    assert!(report.raw_report.is_null());
    let work_needed = report.work_needed;

    // One byte short of the work.
    let mut short = ReportBufs::new(work_needed - 1, 1 << 12, 16);
    let (status, report, _) = verify_report(&v, &params, &body, &mut short);
    assert_eq!(status, RvStatus::BufferTooSmall);
    assert_eq!(report.work_needed, work_needed);
    assert!(
        short.work.iter().all(|&b| b == 0xA5),
        "work written though short"
    );
    assert!(short.payload.iter().all(|&b| b == 0xA5));

    // Work enough, no payload or merged room: now both sizes are known.
    let mut no_room = ReportBufs::new(work_needed, 0, 0);
    let (status, report, _) = verify_report(&v, &params, &body, &mut no_room);
    assert_eq!(status, RvStatus::BufferTooSmall);
    assert_eq!(report.payload_len, want_payload.len());
    assert_eq!(report.merged_count, want_merged);

    // One byte or one entry short: still too small, nothing written there.
    for (payload, merged) in [
        (want_payload.len() - 1, want_merged),
        (want_payload.len(), want_merged - 1),
    ] {
        let mut almost = ReportBufs::new(work_needed, payload, merged);
        let (status, report, _) = verify_report(&v, &params, &body, &mut almost);
        assert_eq!(status, RvStatus::BufferTooSmall, "{payload} {merged}");
        assert_eq!(
            (report.payload_len, report.merged_count),
            (want_payload.len(), want_merged)
        );
        assert!(almost.payload.iter().all(|&b| b == 0xA5), "payload written");
        assert!(
            almost.merged.iter().all(|m| *m == NO_SIGNATURE),
            "merged written"
        );
    }

    // Exactly the sizes written: handed out.
    let mut exact = ReportBufs::new(work_needed, want_payload.len(), want_merged);
    let (status, report, out) = verify_report(&v, &params, &body, &mut exact);
    assert_eq!(status, RvStatus::Ok);
    assert!(out.accepted && out.status == RvStatus::Ok);
    assert_eq!(&exact.payload[..], want_payload);
    assert_eq!(merged_json(&report, &exact), expect["handed_out"]["merged"]);
}

/// A capability result that is not a report (and a secrets request, which
/// `rv_verify_report` does not take).
#[test]
fn a_result_that_is_not_a_report_is_not_handed_out() {
    let doc = vectors();
    let case = doc["verify_cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| {
            c["method"] == "confidential.capability.execute"
                && c["expect"]["accept"] == Value::Bool(true)
                && c["body_json"].is_string()
        })
        .expect("an accepted capability case")
        .clone();
    let keys = signer_keys(&case);
    let v = loaded_verifier(&keys, case["f"].as_u64().unwrap() as usize);
    let params = case["params_json"].as_str().unwrap().as_bytes();
    let body = case["body_json"].as_str().unwrap().as_bytes();
    let mut bufs = ReportBufs::new(0, 0, 0);
    let (status, report, out) = verify_report(&v, params, body, &mut bufs);
    assert_eq!(status, RvStatus::Ok, "{}", case["name"]);
    assert!(out.accepted);
    assert_eq!(
        hex::encode(out.hash),
        case["expect"]["hash"].as_str().unwrap()
    );
    assert!(!report.is_report);
    assert_eq!(report.work_needed, 0);

    // Secrets parameters are not capability parameters.
    let (keys, params, body) = honest();
    let v = loaded_verifier(&keys, 1);
    let (status, report, out) = verify_report(&v, &params, &body, &mut bufs);
    assert_eq!(status, RvStatus::InvalidParams);
    assert!(!out.accepted && !report.is_report);
}

/// Null, misaligned and overlapping pointers: `RV_STATUS_INVALID_ARGUMENT`
/// and nothing written.
#[test]
fn careless_report_callers_are_refused_without_writes() {
    let (keys, f, params, body, _) = report_case("report/identical");
    let v = loaded_verifier(&keys, f);
    let mut bufs = ReportBufs::big();
    let sentinel = {
        let mut o = outcome();
        o.index = 12345;
        o
    };
    fn call(
        v: *const RvVerifier,
        params: &[u8],
        body: (*const u8, usize),
        work: (*mut u8, usize),
        report: *mut RvReportOut,
        out: *mut RvOutcome,
    ) -> RvStatus {
        unsafe {
            rv_verify_report(
                v,
                params.as_ptr(),
                params.len(),
                body.0,
                body.1,
                work.0,
                work.1,
                report,
                out,
            )
        }
    }
    let body_arg = (body.as_ptr(), body.len());
    let work_arg = (bufs.work.as_mut_ptr(), bufs.work.len());
    let payload_at = bufs.payload.as_mut_ptr();
    let merged_at = bufs.merged.as_mut_ptr();
    let mut out = sentinel;
    // A refused call: INVALID_ARGUMENT, neither the outcome nor the report
    // storage touched.
    let refused = |out: &mut RvOutcome,
                   rep: &mut Storage,
                   body: (*const u8, usize),
                   work: (*mut u8, usize),
                   outcome: Option<*mut RvOutcome>,
                   what: &str| {
        let before = rep.bytes();
        let at = outcome.unwrap_or(out);
        let status = call(&*v, &params, body, work, rep.ptr(), at);
        assert_eq!(status, RvStatus::InvalidArgument, "{what}");
        assert_eq!(rep.bytes(), before, "{what}: report written");
        assert_eq!(*out, sentinel, "{what}: outcome written");
    };

    // Null report or outcome.
    let status = call(
        &*v,
        &params,
        body_arg,
        work_arg,
        std::ptr::null_mut(),
        &mut out,
    );
    assert_eq!(status, RvStatus::InvalidArgument);
    assert_eq!(out, sentinel, "outcome written for a null report");
    let mut rep = bufs.storage();
    refused(
        &mut out,
        &mut rep,
        body_arg,
        work_arg,
        Some(std::ptr::null_mut()),
        "null outcome",
    );

    // Misaligned report, outcome and merged array.
    let mut raw = vec![0u64; size_of::<RvReportOut>() / 8 + 2];
    let odd = unsafe { raw.as_mut_ptr().cast::<u8>().add(1) }.cast::<RvReportOut>();
    let status = call(&*v, &params, body_arg, work_arg, odd, &mut out);
    assert_eq!(status, RvStatus::InvalidArgument);
    assert!(raw.iter().all(|&w| w == 0), "misaligned report written");
    let mut raw_out = vec![0u64; size_of::<RvOutcome>() / 8 + 2];
    let odd_out = unsafe { raw_out.as_mut_ptr().cast::<u8>().add(4) }.cast::<RvOutcome>();
    refused(
        &mut out,
        &mut bufs.storage(),
        body_arg,
        work_arg,
        Some(odd_out),
        "misaligned outcome",
    );
    assert!(
        raw_out.iter().all(|&w| w == 0),
        "misaligned outcome written"
    );
    let mut rep = bufs.storage();
    let odd_merged = unsafe { merged_at.cast::<u8>().add(1) }.cast();
    rep.set_merged(odd_merged, 4);
    refused(
        &mut out,
        &mut rep,
        body_arg,
        work_arg,
        None,
        "misaligned merged",
    );

    // Null buffers with a length; lengths past the address space.
    let mut rep = bufs.storage();
    rep.set_payload(std::ptr::null_mut(), 64);
    refused(&mut out, &mut rep, body_arg, work_arg, None, "null payload");
    let mut rep = bufs.storage();
    rep.set_merged(std::ptr::null_mut(), 4);
    refused(&mut out, &mut rep, body_arg, work_arg, None, "null merged");
    refused(
        &mut out,
        &mut bufs.storage(),
        body_arg,
        (std::ptr::null_mut(), 10),
        None,
        "null work",
    );
    let mut rep = bufs.storage();
    rep.set_merged(merged_at, usize::MAX / 8);
    refused(
        &mut out,
        &mut rep,
        body_arg,
        work_arg,
        None,
        "merged past the address space",
    );
    let mut rep = bufs.storage();
    rep.set_payload(payload_at, usize::MAX);
    refused(
        &mut out,
        &mut rep,
        body_arg,
        work_arg,
        None,
        "payload past the address space",
    );
    let huge_work = (work_arg.0, usize::MAX);
    refused(
        &mut out,
        &mut bufs.storage(),
        body_arg,
        huge_work,
        None,
        "work past the address space",
    );

    // Overlaps: each output with an input, and outputs with each other.
    let mut arena = vec![0u64; (body.len() + (1 << 16)) / 8];
    let base = arena.as_mut_ptr().cast::<u8>();
    unsafe { std::ptr::copy_nonoverlapping(body.as_ptr(), base, body.len()) };
    let body_in_arena = (base.cast_const(), body.len());
    refused(
        &mut out,
        &mut bufs.storage(),
        body_in_arena,
        (base, 1 << 12),
        None,
        "work over the body",
    );
    let tail = unsafe { base.add(body.len() - 4) };
    refused(
        &mut out,
        &mut bufs.storage(),
        body_in_arena,
        (tail, 1 << 12),
        None,
        "work over the body's end",
    );
    for (target, what) in [
        (base, "payload over the body"),
        (work_arg.0, "payload over the work"),
        (params.as_ptr().cast_mut(), "payload over the params"),
        (
            (&raw const *v).cast_mut().cast::<u8>(),
            "payload over the verifier",
        ),
    ] {
        let mut rep = bufs.storage();
        rep.set_payload(unsafe { target.add(8) }, 16);
        refused(&mut out, &mut rep, body_in_arena, work_arg, None, what);
    }
    let mut rep = bufs.storage();
    rep.set_merged(payload_at.cast(), 2);
    refused(
        &mut out,
        &mut rep,
        body_arg,
        work_arg,
        None,
        "merged over the payload",
    );
    let mut rep = bufs.storage();
    rep.set_merged(work_arg.0.cast(), 2);
    refused(
        &mut out,
        &mut rep,
        body_arg,
        work_arg,
        None,
        "merged over the work",
    );
    // The report storage inside the work buffer, or inside the payload
    // buffer it names itself.
    let rep = bufs.storage();
    for (at, what) in [
        (work_arg.0, "report inside the work"),
        (
            unsafe { payload_at.add(64) },
            "report inside its payload buffer",
        ),
    ] {
        let image = rep.bytes();
        unsafe { std::ptr::copy_nonoverlapping(image.as_ptr(), at, image.len()) };
        let status = call(&*v, &params, body_arg, work_arg, at.cast(), &mut out);
        assert_eq!(status, RvStatus::InvalidArgument, "{what}");
        let after = unsafe { std::slice::from_raw_parts(at, image.len()) };
        assert_eq!(after, &image[..], "{what}: report written");
        assert_eq!(out, sentinel, "{what}: outcome written");
    }
    // The outcome inside the payload buffer, the merged array or the report.
    refused(
        &mut out,
        &mut bufs.storage(),
        body_arg,
        work_arg,
        Some(payload_at.cast()),
        "outcome in the payload",
    );
    refused(
        &mut out,
        &mut bufs.storage(),
        body_arg,
        work_arg,
        Some(work_arg.0.cast()),
        "outcome in the work",
    );
    let mut rep = bufs.storage();
    let rep_ptr = rep.ptr();
    refused(
        &mut out,
        &mut rep,
        body_arg,
        work_arg,
        Some(rep_ptr.cast()),
        "outcome over the report",
    );
    assert!(
        bufs.merged.iter().all(|m| *m == NO_SIGNATURE),
        "merged written"
    );

    // An unloaded verifier and a null body are the verifier's refusals:
    // statuses in the outcome, the report written with nothing handed out.
    let unloaded = zeroed_box::<RvVerifier>();
    let mut rep = bufs.storage();
    let status = call(&*unloaded, &params, body_arg, work_arg, rep.ptr(), &mut out);
    assert_eq!(status, RvStatus::NotInitialised);
    let written = rep.written();
    assert!(!written.is_report && out.status == RvStatus::NotInitialised);
    let mut rep = bufs.storage();
    let status = call(
        &*v,
        &params,
        (std::ptr::null(), 4),
        work_arg,
        rep.ptr(),
        &mut out,
    );
    assert_eq!(status, RvStatus::InvalidArgument);
    let written = rep.written();
    assert!(!written.is_report && out.status == RvStatus::InvalidArgument);
    assert_eq!(written.payload, payload_at, "buffer fields kept");
    assert_eq!(written.merged_cap, bufs.merged.len(), "buffer fields kept");

    // And the same buffers, used properly, hand the report out.
    let mut rep = bufs.storage();
    let status = call(&*v, &params, body_arg, work_arg, rep.ptr(), &mut out);
    assert_eq!(status, RvStatus::Ok);
    let written = rep.written();
    assert!(written.is_report && written.merged_count == 2);
}

/// The result's `error` text, which the counted signers attest with the
/// report, is handed out decoded (escapes resolved) in the work buffer.
#[test]
fn a_reports_error_text_is_handed_out_decoded() {
    use ed25519_compact::{KeyPair, Seed};
    use relay_verifier::{canonical_hash, Method, RequestParams};

    let (keys, f, params, body, expect) = report_case("report/identical");
    let doc: Value = serde_json::from_slice(&body).unwrap();
    let payload = doc["responses"][0]["result"]["payload"].as_str().unwrap();
    let result =
        format!(r#"{{"payload":"{payload}","error":"late \u003cbut\u003e signed \/ ok"}}"#);
    let request = RequestParams::from_json(Method::CapabilityExecute, &params).unwrap();
    let hash = canonical_hash(&request, result.as_bytes()).unwrap();
    let hash_doc = vectors_in("hash.json");
    let responses: Vec<String> = ["relay-node-0", "relay-node-1"]
        .iter()
        .map(|node| {
            let seed = hash_doc["keys"]
                .as_array()
                .unwrap()
                .iter()
                .find(|k| k["name"] == *node)
                .unwrap()["seed"]
                .as_str()
                .unwrap();
            let pair = KeyPair::from_seed(Seed::from_slice(&hex::decode(seed).unwrap()).unwrap());
            let signature = pair.sk.sign(hash.signature_payload(), None);
            format!(
                r#"{{"result":{result},"signature":{{"signer":"{}","signature":"{}"}}}}"#,
                STANDARD.encode(&pair.pk[..]),
                STANDARD.encode(&signature[..])
            )
        })
        .collect();
    let bundle = format!(r#"{{"responses":[{}]}}"#, responses.join(","));
    let v = loaded_verifier(&keys, f);
    let mut bufs = ReportBufs::big();
    let (status, report, out) = verify_report(&v, &params, bundle.as_bytes(), &mut bufs);
    assert_eq!(status, RvStatus::Ok);
    assert_eq!(out.signer_count, 2);
    assert!(report.is_report && report.counted_count == 2);
    assert_eq!(
        slice(report.error, report.error_len),
        b"late <but> signed / ok"
    );
    // Both nodes carried the same OCR signatures: each has two carriers.
    let merged = merged_json(&report, &bufs);
    let want = expect["handed_out"]["merged"].as_array().unwrap();
    assert_eq!(merged.as_array().unwrap().len(), want.len());
    for (m, w) in merged.as_array().unwrap().iter().zip(want) {
        assert_eq!(m["signer_id"], w["signer_id"]);
        assert_eq!(m["signature"], w["signature"]);
        assert_eq!(m["carriers"], 2);
    }
    // The error text is part of what `work` must hold.
    let mut short = ReportBufs::new(report.work_needed - 1, 1 << 12, 16);
    let (status, again, _) = verify_report(&v, &params, bundle.as_bytes(), &mut short);
    assert_eq!(status, RvStatus::BufferTooSmall);
    assert_eq!(again.work_needed, report.work_needed);
}
