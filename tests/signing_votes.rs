//! The signing side writes §13 votes as the Go nodes do: every config of
//! `config/rotation.json` and every vote body signed by one of its keys,
//! rebuilt from its parts by the shim, byte for byte.
#![cfg(feature = "signing")]

mod common;

use base64::Engine as _;
use common::{assert_no_failures, load_vectors, s};
use relay_verifier::signing::{vote_body, EnclaveConfigData, RelayNode};
use relay_verifier::{config_hash, config_signature_payload};
use serde_json::Value;

fn b64() -> base64::engine::GeneralPurpose {
    base64::engine::general_purpose::STANDARD
}

/// The vectors' keys, as nodes.
fn nodes(file: &Value) -> Vec<RelayNode> {
    file["keys"]
        .as_array()
        .expect("keys")
        .iter()
        .map(|k| {
            let seed: [u8; 32] = hex::decode(s(k, "seed"))
                .expect("hex")
                .try_into()
                .expect("32");
            RelayNode::from_seed(seed)
        })
        .collect()
}

/// Every config the file holds as Go wrote it: hash cases and the configs
/// in force before each rotation case.
#[test]
fn configs_are_written_as_go_writes_them() {
    let file = load_vectors("config/rotation.json");
    let mut configs: Vec<(String, &str)> = Vec::new();
    for case in file["hash_cases"].as_array().expect("hash_cases") {
        configs.push((s(case, "name").to_string(), s(case, "config_json")));
    }
    for case in file["rotation_cases"].as_array().expect("rotation_cases") {
        configs.push((s(case, "name").to_string(), s(case, "current_config_json")));
    }
    let mut failures = Vec::new();
    for (name, json) in &configs {
        match EnclaveConfigData::from_json(json.as_bytes()) {
            Some(data) if data.to_go_json() == *json => {
                if Ok(data.hash()) != config_hash(json.as_bytes()) {
                    failures.push(format!("{name}: hash differs"));
                }
            }
            Some(data) => failures.push(format!("{name}: wrote {}", data.to_go_json())),
            None => failures.push(format!("{name}: not read")),
        }
    }
    assert!(configs.len() > 40, "{} configs", configs.len());
    assert_no_failures(&failures);
}

/// Every vote body whose config is Go's `EnclaveConfig` JSON and whose
/// signature one of the file's keys makes: the shim writes the same bytes.
/// The bodies Go would not write (the malformed cases, unknown keys, a
/// bad signature) are counted apart and must be the ones named so.
#[test]
fn votes_are_written_as_go_writes_them() {
    let file = load_vectors("config/rotation.json");
    let nodes = nodes(&file);
    let (mut rebuilt, mut hand_made, mut failures) = (0usize, Vec::new(), Vec::new());
    for case in file["rotation_cases"].as_array().expect("rotation_cases") {
        let name = s(case, "name");
        for (i, step) in case["steps"].as_array().expect("steps").iter().enumerate() {
            let body = s(step, "body_json");
            let Some((config, data, node)) = parts(body, &nodes) else {
                hand_made.push(format!("{name}#{i}"));
                continue;
            };
            let by_hand = vote_body(config.as_bytes(), &node.sign_config_hash(&data.hash()));
            let by_vote = node.vote(&data);
            if by_hand != body || by_vote != body {
                failures.push(format!("{name}#{i}: wrote {by_vote}"));
            }
            rebuilt += 1;
        }
    }
    println!("{rebuilt} bodies rebuilt; written by hand: {hand_made:?}");
    assert!(rebuilt >= 100, "only {rebuilt} bodies rebuilt");
    let expected_by_hand = |id: &String| {
        [
            "malformed/",
            "valid/unknown-keys",
            "valid/null-fields",
            "invalid/bad-signature",
        ]
        .iter()
        .any(|p| id.starts_with(p))
    };
    for id in hand_made.iter().filter(|id| !expected_by_hand(id)) {
        failures.push(format!("{id}: not rebuilt by the shim"));
    }
    assert_no_failures(&failures);
}

/// A body's config JSON, read as Go's `EnclaveConfig` and written back
/// unchanged, and the file's node whose signature over it is the body's;
/// `None` for a body Go's marshaller would not have written.
fn parts<'n>(
    body: &str,
    nodes: &'n [RelayNode],
) -> Option<(String, EnclaveConfigData, &'n RelayNode)> {
    let v: Value = serde_json::from_str(body).ok()?;
    // Two members, once each, compact: what a marshaller writes.
    if v.as_object()?.len() != 2 || serde_json::to_string(&v).ok()? != body {
        return None;
    }
    let config = String::from_utf8(b64().decode(v["config"].as_str()?).ok()?).ok()?;
    let signature = b64().decode(v["signature"].as_str()?).ok()?;
    let data = EnclaveConfigData::from_json(config.as_bytes())?;
    if data.to_go_json() != config {
        return None;
    }
    let hash = config_hash(config.as_bytes()).ok()?;
    let payload = config_signature_payload(&hash);
    let node = nodes.iter().find(|n| {
        ed25519_compact::PublicKey::new(n.public_key())
            .verify(
                payload,
                &ed25519_compact::Signature::from_slice(&signature)
                    .unwrap_or(ed25519_compact::Signature::new([0; 64])),
            )
            .is_ok()
    })?;
    Some((config, data, node))
}
