//! The signing shim against the Go reference: byte-identical node responses
//! and attestation user data for every valid case of `hash.json`.
#![cfg(feature = "signing")]

use relay_verifier::signing::{attestation_user_data, LogicalResult, RelayNode};
use relay_verifier::{Method, RequestParams};
use serde_json::Value;

mod common;
use common::{assert_no_failures, load_vectors};

fn cases() -> Vec<Value> {
    load_vectors("hash.json")["hash_cases"]
        .as_array()
        .expect("hash_cases")
        .clone()
}

fn seed(case: &Value) -> [u8; 32] {
    let bytes = hex::decode(case["node_seed"].as_str().expect("node_seed")).expect("hex");
    bytes.try_into().expect("32-byte seed")
}

#[test]
fn node_responses_are_byte_identical_to_go() {
    let mut checked = 0;
    let mut failures = Vec::new();
    for case in cases() {
        let Some(want) = case.get("signed_response_json").and_then(Value::as_str) else {
            continue;
        };
        let name = case["name"].as_str().unwrap_or("?");
        let method = Method::from_name(case["method"].as_str().unwrap()).unwrap();
        let params =
            RequestParams::from_json(method, case["params_json"].as_str().unwrap().as_bytes())
                .unwrap();
        let result =
            LogicalResult::from_json(method, case["result_json"].as_str().unwrap().as_bytes())
                .unwrap();
        let got = RelayNode::from_seed(seed(&case))
            .respond(&params, &result)
            .unwrap()
            .to_json();
        if got != want {
            failures.push(format!("{name}:\n  got  {got}\n  want {want}"));
        }
        checked += 1;
    }
    assert!(checked >= 24, "only {checked} signed responses checked");
    assert_no_failures(&failures);
}

#[test]
fn attestation_user_data_matches_go() {
    let mut checked = 0;
    let mut failures = Vec::new();
    for case in cases() {
        let Some(want) = case.get("attestation_user_data").and_then(Value::as_str) else {
            continue;
        };
        let name = case["name"].as_str().unwrap_or("?");
        let method = Method::from_name(case["method"].as_str().unwrap()).unwrap();
        let params =
            RequestParams::from_json(method, case["params_json"].as_str().unwrap().as_bytes())
                .unwrap();
        let got = hex::encode(attestation_user_data(&params));
        if got != want {
            failures.push(format!("{name}: {got} != {want}"));
        }
        checked += 1;
    }
    assert!(checked >= 24, "only {checked} cases checked");
    assert_no_failures(&failures);
}
