//! `rv_verify_capability` against the reference vectors: the verdict of
//! `rv_verify`, the content of `rv_verify_content` for a plain result and
//! the hand-out of `rv_verify_report` for a report, from one call; and
//! against a careless caller.
#![allow(clippy::undocumented_unsafe_blocks)] // test calls into the ABI under test

use relay_verifier_ffi::*;
use serde_json::Value;

mod common;
use common::*;

/// Every buffer of one call, in Rust memory.
struct Bufs {
    text: Vec<u8>,
    work: Vec<u8>,
    payload: Vec<u8>,
    merged: Vec<RvMergedSignature>,
}

const NO_SIGNATURE: RvMergedSignature = RvMergedSignature {
    signer_id: 0,
    carriers: 0,
    signature: std::ptr::null(),
    signature_len: 0,
};

impl Bufs {
    fn new(text: usize, work: usize, payload: usize, merged: usize) -> Self {
        Bufs {
            text: vec![0xA5; text],
            work: vec![0xA5; work],
            payload: vec![0xA5; payload],
            merged: vec![NO_SIGNATURE; merged],
        }
    }

    /// Calls the door; returns status, content, report, outcome.
    fn call(
        &mut self,
        v: &RvVerifier,
        params: &[u8],
        body: &[u8],
    ) -> (RvStatus, RvContentOut, RvReportOut, RvOutcome) {
        let mut content: RvContentOut = zeroed();
        content.text = self.text.as_mut_ptr();
        content.text_cap = self.text.len();
        let mut report: RvReportOut = zeroed();
        report.payload = self.payload.as_mut_ptr();
        report.payload_cap = self.payload.len();
        report.merged = self.merged.as_mut_ptr();
        report.merged_cap = self.merged.len();
        let mut out: RvOutcome = zeroed();
        let s = unsafe {
            rv_verify_capability(
                v,
                params.as_ptr(),
                params.len(),
                body.as_ptr(),
                body.len(),
                &mut content,
                self.work.as_mut_ptr(),
                self.work.len(),
                &mut report,
                &mut out,
            )
        };
        (s, content, report, out)
    }

    fn text(&self, s: RvSpan) -> &str {
        std::str::from_utf8(&self.text[s.offset..s.offset + s.len]).unwrap()
    }
}

fn capability_cases() -> Vec<Value> {
    ["verify.json", "strict/verify.json", "report/verify.json"]
        .iter()
        .flat_map(|f| vectors_in(f)["verify_cases"].as_array().unwrap().clone())
        .filter(|c| c["method"] == "confidential.capability.execute")
        .collect()
}

/// Every capability case, with every buffer sized at the body's length:
/// one call, no repeat, and what the two single doors hand out.
#[test]
fn every_capability_case_in_one_call() {
    let (mut plain_results, mut reports) = (0, 0);
    for case in capability_cases() {
        let Some(v) = loaded(&case) else { continue };
        let name = case["name"].as_str().unwrap();
        let params = case["params_json"].as_str().unwrap().as_bytes();
        let body = case["body_json"].as_str().unwrap_or_default().as_bytes();
        let n = body.len();
        let mut b = Bufs::new(n, n, n, n / 64 + 1);
        let (s, content, report, out) = b.call(&v, params, body);

        let mut plain: RvOutcome = zeroed();
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
        assert_eq!((s, out), (plain_status, plain), "{name}");
        let expect = &case["expect"];
        if s != RvStatus::Ok {
            assert_eq!(content.kind, RV_CONTENT_NONE, "{name}");
            assert!(!report.is_report, "{name}");
            continue;
        }
        if let Some(want) = expect.get("handed_out") {
            assert_eq!(content.kind, RV_CONTENT_REPORT, "{name}");
            assert!(report.is_report, "{name}");
            let payload = &b.payload[..report.payload_len];
            assert_eq!(
                payload,
                want["payload"].as_str().unwrap().as_bytes(),
                "{name}"
            );
            let merged = want["merged"].as_array().unwrap();
            assert_eq!(report.merged_count, merged.len(), "{name}");
            reports += 1;
        } else {
            assert_eq!(content.kind, RV_CONTENT_CAPABILITY, "{name}");
            assert!(!report.is_report, "{name}");
            // The content door's payload and error, byte for byte.
            let mut text = vec![0u8; n];
            let mut c: RvContentOut = zeroed();
            c.text = text.as_mut_ptr();
            c.text_cap = text.len();
            let mut o: RvOutcome = zeroed();
            let cs = unsafe {
                rv_verify_content(
                    &*v,
                    RV_METHOD_CAPABILITY_EXECUTE,
                    params.as_ptr(),
                    params.len(),
                    body.as_ptr(),
                    body.len(),
                    &mut c,
                    &mut o,
                )
            };
            assert_eq!(cs, RvStatus::Ok, "{name}");
            let of = |s: RvSpan| std::str::from_utf8(&text[s.offset..s.offset + s.len]).unwrap();
            assert_eq!(b.text(content.payload), of(c.payload), "{name}");
            assert_eq!(b.text(content.error), of(c.error), "{name}");
            plain_results += 1;
        }
    }
    assert!(
        plain_results >= 10 && reports >= 25,
        "{plain_results} plain, {reports} reports"
    );
}

/// No buffers at all: accepted, the sizes needed, then the same with them.
#[test]
fn short_buffers_say_what_they_need() {
    let case = capability_cases()
        .into_iter()
        .find(|c| c.get("expect").and_then(|e| e.get("handed_out")).is_some())
        .unwrap();
    let v = loaded(&case).unwrap();
    let params = case["params_json"].as_str().unwrap().as_bytes();
    let body = case["body_json"].as_str().unwrap().as_bytes();
    let (s, _, report, out) = Bufs::new(0, 0, 0, 0).call(&v, params, body);
    assert_eq!(s, RvStatus::BufferTooSmall);
    assert!(out.accepted && report.is_report && report.work_needed > 0);
    let (s, _, report, _) = Bufs::new(0, report.work_needed, 0, 0).call(&v, params, body);
    assert_eq!(s, RvStatus::BufferTooSmall);
    let mut b = Bufs::new(
        0,
        report.work_needed,
        report.payload_len,
        report.merged_count,
    );
    let (s, content, again, _) = b.call(&v, params, body);
    assert_eq!(s, RvStatus::Ok);
    assert_eq!(
        (content.kind, again.payload_len),
        (RV_CONTENT_REPORT, report.payload_len)
    );

    let case = capability_cases()
        .into_iter()
        .find(|c| c["expect"]["accept"] == true && c["expect"].get("handed_out").is_none())
        .unwrap();
    let v = loaded(&case).unwrap();
    let params = case["params_json"].as_str().unwrap().as_bytes();
    let body = case["body_json"].as_str().unwrap().as_bytes();
    let (s, content, _, _) = Bufs::new(0, 0, 0, 0).call(&v, params, body);
    if content.text_len > 0 {
        assert_eq!(s, RvStatus::BufferTooSmall);
    }
    let (s, again, _, _) = Bufs::new(content.text_len, 0, 0, 0).call(&v, params, body);
    assert_eq!((s, again.kind), (RvStatus::Ok, RV_CONTENT_CAPABILITY));
}

/// Null, misaligned and overlapping outputs: refused, nothing written.
#[test]
fn careless_callers_are_refused_without_writes() {
    let case = capability_cases()
        .into_iter()
        .find(|c| c.get("expect").and_then(|e| e.get("handed_out")).is_some())
        .unwrap();
    let v = loaded(&case).unwrap();
    let params = case["params_json"].as_str().unwrap().as_bytes();
    let body = case["body_json"].as_str().unwrap().as_bytes();
    let mut b = Bufs::new(4096, 1 << 16, 4096, 64);
    let mut content: RvContentOut = zeroed();
    let mut report: RvReportOut = zeroed();
    report.payload = b.payload.as_mut_ptr();
    report.payload_cap = b.payload.len();
    report.merged = b.merged.as_mut_ptr();
    report.merged_cap = b.merged.len();
    let sentinel = || {
        let mut o: RvOutcome = zeroed();
        o.index = 77;
        o
    };
    let call = |content: *mut RvContentOut,
                work: *mut u8,
                work_len: usize,
                report: *mut RvReportOut,
                out: *mut RvOutcome| unsafe {
        rv_verify_capability(
            &*v,
            params.as_ptr(),
            params.len(),
            body.as_ptr(),
            body.len(),
            content,
            work,
            work_len,
            report,
            out,
        )
    };
    let work = b.work.as_mut_ptr();
    let wl = b.work.len();
    let mut out = sentinel();
    use std::ptr::null_mut as null;
    assert_eq!(
        call(null(), work, wl, &mut report, &mut out),
        RvStatus::InvalidArgument
    );
    assert_eq!(
        call(&mut content, work, wl, null(), &mut out),
        RvStatus::InvalidArgument
    );
    assert_eq!(
        call(&mut content, work, wl, &mut report, null()),
        RvStatus::InvalidArgument
    );
    assert_eq!(
        call(&mut content, null(), 64, &mut report, &mut out),
        RvStatus::InvalidArgument
    );
    // The text buffer inside the work buffer.
    content.text = work;
    content.text_cap = 16;
    assert_eq!(
        call(&mut content, work, wl, &mut report, &mut out),
        RvStatus::InvalidArgument
    );
    // The work buffer over the body.
    content.text = null();
    content.text_cap = 0;
    let at_body = body.as_ptr().cast_mut();
    assert_eq!(
        call(&mut content, at_body, 16, &mut report, &mut out),
        RvStatus::InvalidArgument
    );
    // A misaligned content struct.
    let mut raw = vec![0u64; size_of::<RvContentOut>() / 8 + 2];
    let skewed = unsafe { raw.as_mut_ptr().cast::<u8>().add(1) }.cast::<RvContentOut>();
    assert_eq!(
        call(skewed, work, wl, &mut report, &mut out),
        RvStatus::InvalidArgument
    );
    assert_eq!(out.index, 77, "an outcome was written");
    // And a usable call still works.
    assert_eq!(
        call(&mut content, work, wl, &mut report, &mut out),
        RvStatus::Ok
    );
    assert!(report.is_report);
}
