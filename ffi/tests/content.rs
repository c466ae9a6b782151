//! The content and hash doors against the reference vectors, and against a
//! careless caller.
#![allow(clippy::undocumented_unsafe_blocks)] // test calls into the ABI under test

use relay_verifier_ffi::*;
use serde_json::Value;

mod common;
use common::*;

struct Buffers {
    text: Vec<u8>,
    secrets: Vec<RvSecret>,
    shares: Vec<RvSpan>,
}

impl Buffers {
    fn new(text: usize, secrets: usize, shares: usize) -> Self {
        Buffers {
            text: vec![0; text],
            secrets: vec![RvSecret::default(); secrets],
            shares: vec![RvSpan::default(); shares],
        }
    }
    fn out(&mut self) -> RvContentOut {
        let mut out: RvContentOut = zeroed();
        out.text = self.text.as_mut_ptr();
        out.text_cap = self.text.len();
        out.secrets = self.secrets.as_mut_ptr();
        out.secrets_cap = self.secrets.len();
        out.shares = self.shares.as_mut_ptr();
        out.shares_cap = self.shares.len();
        out
    }
    fn text(&self, s: RvSpan) -> &str {
        std::str::from_utf8(&self.text[s.offset..s.offset + s.len]).unwrap()
    }
}

/// Every verify case: the content door's verdict is `rv_verify`'s, and a
/// secrets case's post-check (order or error) is the vector's.
#[test]
fn every_verify_case_through_the_content_door() {
    let mut checked = 0;
    for file in ["verify.json", "strict/verify.json", "report/verify.json"] {
        for case in vectors_in(file)["verify_cases"].as_array().unwrap() {
            let Some(v) = loaded(case) else { continue };
            let params = case["params_json"].as_str().unwrap().as_bytes();
            let body = case["body_json"].as_str().unwrap_or_default().as_bytes();
            let (mut plain, mut got) = (outcome(), outcome());
            let m = method(case);
            let s = unsafe {
                rv_verify(
                    &*v,
                    m,
                    params.as_ptr(),
                    params.len(),
                    body.as_ptr(),
                    body.len(),
                    &mut plain,
                )
            };
            let mut b = Buffers::new(1 << 16, 64, 256);
            let mut out = b.out();
            let c = unsafe {
                rv_verify_content(
                    &*v,
                    m,
                    params.as_ptr(),
                    params.len(),
                    body.as_ptr(),
                    body.len(),
                    &mut out,
                    &mut got,
                )
            };
            let name = case["name"].as_str().unwrap();
            assert_eq!(got.accepted, plain.accepted, "{name}");
            assert_eq!(got.hash, plain.hash, "{name}");
            let post = &case["expect"]["post_check"];
            if let Some(e) = post["error"].as_str() {
                let n = unsafe { std::ffi::CStr::from_ptr(rv_status_name(c as i32)) };
                assert_eq!(n.to_str().unwrap(), e, "{name}");
                assert_eq!(out.kind, RV_CONTENT_SECRETS, "{name}");
            } else if s == RvStatus::Ok {
                assert_eq!(c, RvStatus::Ok, "{name}");
                if let Some(order) = post["order"].as_array() {
                    let got: Vec<Value> = b.secrets[..out.secret_count]
                        .iter()
                        .map(|x| serde_json::json!({"key": b.text(x.key), "namespace": b.text(x.namespace), "present": x.present}))
                        .collect();
                    assert_eq!(&got, order, "{name}");
                }
                assert_ne!(out.kind, RV_CONTENT_NONE, "{name}");
                checked += 1;
            } else {
                assert_eq!(c, s, "{name}");
                assert_eq!(out.kind, RV_CONTENT_NONE, "{name}");
            }
        }
    }
    assert!(checked > 20);
}

/// Short buffers: the sizes needed, then the same content with them.
#[test]
fn short_buffers_say_what_they_need() {
    let doc = vectors_in("verify.json");
    let case = doc["verify_cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["expect"]["post_check"]["order"].is_array())
        .unwrap();
    let v = loaded(case).unwrap();
    let params = case["params_json"].as_str().unwrap().as_bytes();
    let body = case["body_json"].as_str().unwrap().as_bytes();
    let call = |b: &mut Buffers| {
        let (mut out, mut o) = (b.out(), outcome());
        let s = unsafe {
            rv_verify_content(
                &*v,
                RV_METHOD_SECRETS_GET,
                params.as_ptr(),
                params.len(),
                body.as_ptr(),
                body.len(),
                &mut out,
                &mut o,
            )
        };
        (s, out, o)
    };
    let (s, out, o) = call(&mut Buffers::new(0, 0, 0));
    assert_eq!(s, RvStatus::BufferTooSmall);
    assert!(o.accepted && out.text_len > 0 && out.secret_count == 3);
    let mut b = Buffers::new(out.text_len, out.secret_count, out.share_count);
    let (s, again, _) = call(&mut b);
    assert_eq!(s, RvStatus::Ok);
    assert_eq!(again.text_len, out.text_len);
}

/// Every hash case of hash.json and compute.json, and config.json's.
#[test]
fn every_hash_case_through_the_hash_doors() {
    for case in vectors_in("hash.json")["hash_cases"].as_array().unwrap() {
        let (p, r) = (
            case["params_json"].as_str().unwrap(),
            case["result_json"].as_str().unwrap(),
        );
        let (mut h, mut payload) = ([0u8; 32], [0u8; RV_SIGNATURE_PAYLOAD_LEN]);
        let s = unsafe {
            rv_canonical_hash(
                method(case),
                p.as_ptr(),
                p.len(),
                r.as_ptr(),
                r.len(),
                h.as_mut_ptr(),
                payload.as_mut_ptr(),
            )
        };
        if case["error"].is_null() {
            assert_eq!(s, RvStatus::Ok, "{}", case["name"]);
            assert_eq!(hex::encode(h), case["hash"].as_str().unwrap());
            assert_eq!(
                hex::encode(payload),
                case["signature_payload"].as_str().unwrap()
            );
        } else {
            assert_eq!(s, RvStatus::InvalidParams, "{}", case["name"]);
        }
    }
    for case in vectors_in("compute/compute.json")["hash_cases"]
        .as_array()
        .unwrap()
    {
        let r = case["request_json"].as_str().unwrap();
        let (mut h, mut payload) = ([0u8; 32], [0u8; RV_COMPUTE_SIGNATURE_PAYLOAD_LEN]);
        let s = unsafe {
            rv_compute_request_hash(r.as_ptr(), r.len(), h.as_mut_ptr(), payload.as_mut_ptr())
        };
        assert_eq!(s, RvStatus::Ok);
        assert_eq!(hex::encode(h), case["hash"].as_str().unwrap());
        assert_eq!(
            hex::encode(payload),
            case["signature_payload"].as_str().unwrap()
        );
    }
    for case in vectors_in("config/rotation.json")["hash_cases"]
        .as_array()
        .unwrap()
    {
        let c = case["config_json"].as_str().unwrap();
        let (mut h, mut payload, mut user) =
            ([0u8; 32], [0u8; RV_CONFIG_SIGNATURE_PAYLOAD_LEN], [0u8; 32]);
        let s = unsafe {
            rv_config_hash(
                c.as_ptr(),
                c.len(),
                h.as_mut_ptr(),
                payload.as_mut_ptr(),
                user.as_mut_ptr(),
            )
        };
        assert_eq!(s, RvStatus::Ok);
        assert_eq!(hex::encode(h), case["hash"].as_str().unwrap());
        assert_eq!(
            hex::encode(payload),
            case["signature_payload"].as_str().unwrap()
        );
        assert_eq!(hex::encode(user), case["user_data"].as_str().unwrap());
    }
}

/// Null, misaligned and overlapping outputs are statuses, with nothing
/// written.
#[test]
fn careless_callers_get_statuses() {
    let r = br#"{"payload":"cG9uZw=="}"#;
    let p = br#"{"workflow_id":"wf","owner":"0x1234567890abcdef1234567890ABCDEF12345678","execution_id":"e1","reference_id":"r1","capability_id":"c@1","payload":"cGluZw=="}"#;
    let m = RV_METHOD_CAPABILITY_EXECUTE;
    let mut h = [0u8; 64];
    unsafe {
        assert_eq!(
            rv_canonical_hash(
                m,
                p.as_ptr(),
                p.len(),
                r.as_ptr(),
                r.len(),
                std::ptr::null_mut(),
                std::ptr::null_mut()
            ),
            RvStatus::InvalidArgument
        );
        assert_eq!(
            rv_canonical_hash(
                9,
                p.as_ptr(),
                p.len(),
                r.as_ptr(),
                r.len(),
                h.as_mut_ptr(),
                std::ptr::null_mut()
            ),
            RvStatus::InvalidArgument
        );
        assert_eq!(
            rv_canonical_hash(
                m,
                std::ptr::null(),
                4,
                r.as_ptr(),
                r.len(),
                h.as_mut_ptr(),
                std::ptr::null_mut()
            ),
            RvStatus::InvalidArgument
        );
        // The payload output overlapping the hash output.
        let mut big = [0u8; 256];
        let at = big.as_mut_ptr();
        assert_eq!(
            rv_canonical_hash(m, p.as_ptr(), p.len(), r.as_ptr(), r.len(), at, at.add(16)),
            RvStatus::InvalidArgument
        );
        assert_eq!(big, [0u8; 256]);
        assert_eq!(
            rv_canonical_hash(
                m,
                p.as_ptr(),
                p.len(),
                r.as_ptr(),
                r.len(),
                h.as_mut_ptr(),
                std::ptr::null_mut()
            ),
            RvStatus::Ok
        );
        assert_eq!(
            rv_compute_request_hash(b"{".as_ptr(), 1, h.as_mut_ptr(), std::ptr::null_mut()),
            RvStatus::Malformed
        );
        assert_eq!(
            rv_config_hash(
                std::ptr::null(),
                0,
                h.as_mut_ptr(),
                std::ptr::null_mut(),
                std::ptr::null_mut()
            ),
            RvStatus::Malformed
        );
    }
    let case = &vectors_in("verify.json")["verify_cases"][0];
    let v = loaded(case).unwrap();
    let mut b = Buffers::new(64, 4, 4);
    let mut o = outcome();
    unsafe {
        assert_eq!(
            rv_verify_content(
                &*v,
                m,
                p.as_ptr(),
                p.len(),
                r.as_ptr(),
                r.len(),
                std::ptr::null_mut(),
                &mut o
            ),
            RvStatus::InvalidArgument
        );
        let mut out = b.out();
        assert_eq!(
            rv_verify_content(
                &*v,
                m,
                p.as_ptr(),
                p.len(),
                r.as_ptr(),
                r.len(),
                &mut out,
                std::ptr::null_mut()
            ),
            RvStatus::InvalidArgument
        );
        // Text buffer overlapping the body.
        out.text = r.as_ptr() as *mut u8;
        assert_eq!(
            rv_verify_content(
                &*v,
                m,
                p.as_ptr(),
                p.len(),
                r.as_ptr(),
                r.len(),
                &mut out,
                &mut o
            ),
            RvStatus::InvalidArgument
        );
        // Misaligned secrets.
        let mut out = b.out();
        out.secrets = (out.secrets as *mut u8).add(1) as *mut RvSecret;
        assert_eq!(
            rv_verify_content(
                &*v,
                m,
                p.as_ptr(),
                p.len(),
                r.as_ptr(),
                r.len(),
                &mut out,
                &mut o
            ),
            RvStatus::InvalidArgument
        );
        let zero = zeroed_box::<RvVerifier>();
        let mut out = b.out();
        assert_eq!(
            rv_verify_content(
                &*zero,
                m,
                p.as_ptr(),
                p.len(),
                r.as_ptr(),
                r.len(),
                &mut out,
                &mut o
            ),
            RvStatus::NotInitialised
        );
        assert_eq!(out.kind, RV_CONTENT_NONE);
    }
}
