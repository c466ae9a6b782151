//! Every reference vector of `../shared/vectors`, through the library.
#![allow(clippy::result_large_err)] // the error is moved once per case

use relay_verifier::{
    canonical_hash, Config, Error, Method, RequestParams, SignerSet, Verdict, Verifier,
};
use serde_json::Value;

mod common;
use common::{assert_no_failures, load_vectors as load, s};

#[test]
fn hash_vectors() {
    let file = load("hash.json");
    let cases = file["hash_cases"].as_array().expect("hash_cases");
    assert!(cases.len() >= 49, "expected all hash cases");
    let mut failures = Vec::new();
    for case in cases {
        let name = s(case, "name");
        let method = Method::from_name(s(case, "method")).expect("known method");
        let params = RequestParams::from_json(method, s(case, "params_json").as_bytes());
        match (case.get("error"), params) {
            (Some(_), Err(_)) => continue,
            (Some(e), Ok(_)) => failures.push(format!("{name}: accepted invalid params ({e})")),
            (None, Err(e)) => failures.push(format!("{name}: refused valid params: {e}")),
            (None, Ok(params)) => {
                match canonical_hash(&params, s(case, "result_json").as_bytes()) {
                    Ok(h) => {
                        if h.to_string() != s(case, "hash") {
                            failures.push(format!("{name}: hash {h} != {}", s(case, "hash")));
                        }
                        if hex::encode(h.signature_payload()) != s(case, "signature_payload") {
                            failures.push(format!("{name}: signature payload differs"));
                        }
                    }
                    Err(e) => failures.push(format!("{name}: {e}")),
                }
            }
        }
    }
    assert_no_failures(&failures);
}

#[test]
fn verify_vectors() {
    verify_file("verify.json", 48);
}

/// PROTOCOL.md §6, §7: case-folded keys, one try per signer per response
/// (`expect.max_verifications`), canonical base64.
#[test]
fn strict_vectors() {
    verify_file("strict/verify.json", 15);
}

/// PROTOCOL.md §11: capability results carrying a consensus report, grouped
/// by their group hash.
#[test]
fn report_vectors() {
    verify_file("report/verify.json", 41);
}

fn verify_file(name: &str, at_least: usize) {
    let file = load(name);
    let cases = file["verify_cases"].as_array().expect("verify_cases");
    assert!(cases.len() >= at_least, "expected all cases of {name}");
    let mut failures = Vec::new();
    for case in cases {
        if let Err(why) = run_verify_case(case) {
            failures.push(format!("{}: {why}", s(case, "name")));
        }
    }
    assert_no_failures(&failures);
}

fn run_verify_case(case: &Value) -> Result<(), String> {
    let expect = &case["expect"];
    let keys: Vec<Vec<u8>> = case["signers"]
        .as_array()
        .ok_or("signers")?
        .iter()
        .map(|k| hex::decode(k.as_str().unwrap_or_default()).expect("hex key"))
        .collect();
    let f = case["f"].as_u64().ok_or("f")? as usize;
    // `malformed/empty-body` carries neither field: the body is empty.
    let body: Vec<u8> = match (case.get("body_json"), case.get("body_base64")) {
        (Some(b), _) => b.as_str().ok_or("body_json")?.as_bytes().to_vec(),
        (None, Some(b)) => {
            use base64::Engine as _;
            base64::engine::general_purpose::STANDARD
                .decode(b.as_str().ok_or("body_base64")?)
                .map_err(|e| e.to_string())?
        }
        (None, None) => Vec::new(),
    };
    let method = Method::from_name(s(case, "method")).map_err(|e| e.to_string())?;
    // Each operation has its own error type; the vectors name each reason.
    let config = match SignerSet::from_slices(keys.iter().map(Vec::as_slice))
        .and_then(|set| Config::new(set, f))
    {
        Ok(c) => c,
        Err(e) => return check_reject(expect, e.reason(), &e),
    };
    let params = match RequestParams::from_json(method, s(case, "params_json").as_bytes()) {
        Ok(p) => p,
        Err(e) => return check_reject(expect, e.reason(), &e),
    };
    let verifier = Verifier::new(config);
    let verdict = verifier.verify(&params, &body);
    let verifications = match &verdict {
        Verdict::Accept(v) => v.stats().verifications,
        Verdict::Reject(Error::NoQuorum(q)) => q.stats.verifications,
        Verdict::Reject(_) => 0,
    };
    if let Some(max) = expect.get("max_verifications") {
        let max = max.as_u64().ok_or("max_verifications")? as u32;
        if verifications > max {
            return Err(format!(
                "{verifications} verifications, at most {max} allowed"
            ));
        }
    }
    match verdict {
        Verdict::Reject(e) => check_reject(expect, e.reason(), &e),
        Verdict::Accept(v) => {
            if expect["accept"] != Value::Bool(true) {
                return Err(format!("accepted, expected {}", expect["reason"]));
            }
            let hash = v.hash().to_string();
            if hash != s(expect, "hash") {
                return Err(format!("hash {hash} != {}", expect["hash"]));
            }
            let signers: Vec<String> = v.signers().map(hex::encode).collect();
            let want: Vec<String> =
                serde_json::from_value(expect["signers"].clone()).map_err(|e| e.to_string())?;
            if signers != want {
                return Err(format!("signers {signers:?} != {want:?}"));
            }
            let index = v
                .index()
                .map(|i| Value::from(i as u64))
                .unwrap_or(Value::Null);
            if index != expect["index"] {
                return Err(format!("index {index} != {}", expect["index"]));
            }
            // PROTOCOL.md §11: the rebuilt payload, merged and counted signatures
            // (the checker lives in `signing`; `cargo test` without features
            // still checks every verdict, hash, signer set and index).
            #[cfg(feature = "signing")]
            relay_verifier::signing::check_hand_out(&v, expect.get("handed_out"))?;
            if let Some(post) = expect.get("post_check") {
                let Some(checked) = v.secrets() else {
                    return Err("post_check on a capability case".into());
                };
                match (checked, post.get("error")) {
                    (Err(e), Some(want)) if want == e.name() => {}
                    (Err(e), _) => return Err(format!("post-check failed: {e}, expected {post}")),
                    (Ok(_), Some(want)) => {
                        return Err(format!("post-check passed, expected {want}"))
                    }
                    (Ok(order), None) => {
                        let got: Vec<Value> = order
                            .iter()
                            .map(|o| {
                                serde_json::json!({
                                    "key": o.id.key.to_string(),
                                    "namespace": o.id.namespace.to_string(),
                                    "present": o.entry.is_some(),
                                })
                            })
                            .collect();
                        if Value::Array(got.clone()) != post["order"] {
                            return Err(format!("order {got:?} != {}", post["order"]));
                        }
                    }
                }
            }
            Ok(())
        }
    }
}

fn check_reject(expect: &Value, reason: &str, e: &dyn std::fmt::Display) -> Result<(), String> {
    if expect["accept"] != Value::Bool(false) {
        return Err(format!("rejected ({e}), expected accept"));
    }
    if expect["reason"] != reason {
        return Err(format!("reason {reason} ({e}) != {}", expect["reason"]));
    }
    if !expect["index"].is_null() {
        return Err("a rejection has no index".into());
    }
    Ok(())
}
