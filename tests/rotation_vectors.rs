//! PROTOCOL.md §13 against `../shared/vectors/config/rotation.json`: every
//! `hash_cases` entry (config hash, vote payload, user data) and every
//! `rotation_cases` sequence, each step's outcome and the final config hash.

mod common;

use base64::Engine as _;
use common::{assert_no_failures, load_vectors, s};
use relay_verifier::{
    config_hash, config_signature_payload, config_user_data, Rotation, RotationConfig, VoteOutcome,
    VoteWork,
};
use serde_json::Value;

fn b64(key: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(key)
}

#[test]
fn every_hash_case() {
    let v = load_vectors("config/rotation.json");
    let cases = v["hash_cases"].as_array().expect("hash_cases");
    assert!(!cases.is_empty());
    let mut failures = Vec::new();
    for case in cases {
        let name = s(case, "name");
        let hash = match config_hash(s(case, "config_json").as_bytes()) {
            Ok(h) => h,
            Err(e) => {
                failures.push(format!("{name}: config refused: {e}"));
                continue;
            }
        };
        if hash.to_string() != s(case, "hash") {
            failures.push(format!("{name}: hash {hash}, want {}", s(case, "hash")));
        }
        let payload = hex::encode(config_signature_payload(&hash));
        if payload != s(case, "signature_payload") {
            failures.push(format!("{name}: signature payload {payload}"));
        }
        let user_data = hex::encode(config_user_data(&hash));
        if user_data != s(case, "user_data") {
            failures.push(format!("{name}: user data {user_data}"));
        }
    }
    assert_no_failures(&failures);
}

/// One step's outcome in the vectors' words, or `None` when it matches.
fn mismatch(got: &Result<VoteOutcome, relay_verifier::VoteError>, want: &Value) -> Option<String> {
    let outcome = s(want, "outcome");
    let ok = match (got, outcome) {
        (Ok(VoteOutcome::Applied(a)), "applied") => {
            let signers: Vec<String> = a.signers().map(|k| b64(k)).collect();
            let want_signers: Vec<&str> = want["signers"]
                .as_array()
                .map(|a| a.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            a.hash().to_string() == s(want, "hash")
                && signers == want_signers
                && a.config().hash() == a.hash()
                && a.user_data() == config_user_data(&a.hash())
        }
        (
            Ok(VoteOutcome::Collected {
                hash,
                collected,
                required,
            }),
            "collected",
        ) => {
            hash.to_string() == s(want, "hash")
                && Some(*collected as u64) == want["collected"].as_u64()
                && Some(*required as u64) == want["required"].as_u64()
        }
        (Ok(VoteOutcome::AlreadyCurrent), "already_current") => true,
        (Err(e), "rejected") => e.reason() == s(want, "reason"),
        _ => false,
    };
    (!ok).then(|| format!("got {got:?}, want {want}"))
}

#[test]
fn every_rotation_case() {
    let v = load_vectors("config/rotation.json");
    let cases = v["rotation_cases"].as_array().expect("rotation_cases");
    assert!(!cases.is_empty());
    let mut failures = Vec::new();
    let mut steps_run = 0usize;
    for case in cases {
        let name = s(case, "name");
        let current = match RotationConfig::from_json(s(case, "current_config_json").as_bytes()) {
            Ok(c) => c,
            Err(e) => {
                failures.push(format!("{name}: current config refused: {e}"));
                continue;
            }
        };
        let lifetime = case["vote_lifetime"].as_u64().expect("vote_lifetime");
        let mut rotation = Rotation::with_vote_lifetime(current, lifetime);
        let mut work = Box::new(VoteWork::new());
        for (i, step) in case["steps"].as_array().expect("steps").iter().enumerate() {
            let at = step["at"].as_u64().expect("at");
            let got = rotation.take_vote(s(step, "body_json").as_bytes(), at, &mut work);
            steps_run += 1;
            if let Some(m) = mismatch(&got, &step["expect"]) {
                failures.push(format!("{name} step {i}: {m}"));
            }
        }
        let final_hash = rotation.current().hash().to_string();
        if final_hash != s(case, "final_config_hash") {
            failures.push(format!(
                "{name}: final config {final_hash}, want {}",
                s(case, "final_config_hash")
            ));
        }
    }
    assert!(steps_run > cases.len());
    assert_no_failures(&failures);
}
