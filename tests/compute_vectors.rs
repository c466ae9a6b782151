//! Every case of `../shared/vectors/compute/compute.json` (PROTOCOL.md §12),
//! through the library.

use relay_verifier::{ComputeRequest, ComputeVerdict, Config, SignerSet, Verifier};
use serde_json::Value;

mod common;
use common::{assert_no_failures, load_vectors, s};

fn load() -> Value {
    load_vectors("compute/compute.json")
}

#[test]
fn hash_cases() {
    let file = load();
    let cases = file["hash_cases"].as_array().expect("hash_cases");
    assert_eq!(cases.len(), 8, "all hash cases");
    let mut failures = Vec::new();
    for case in cases {
        let name = s(case, "name");
        match ComputeRequest::from_json(s(case, "request_json").as_bytes()) {
            Ok(r) => {
                let h = r.hash();
                if h.to_string() != s(case, "hash") {
                    failures.push(format!("{name}: hash {h} != {}", s(case, "hash")));
                }
                if hex::encode(h.compute_signature_payload()) != s(case, "signature_payload") {
                    failures.push(format!("{name}: signature payload differs"));
                }
            }
            Err(e) => failures.push(format!("{name}: {e}")),
        }
    }
    assert_no_failures(&failures);
}

/// Builds the case's verifier; `Err` carries the reason when the
/// configuration itself is refused.
fn verifier(case: &Value) -> Result<Verifier, &'static str> {
    let keys: Vec<Vec<u8>> = case["signers"]
        .as_array()
        .expect("signers")
        .iter()
        .map(|k| hex::decode(k.as_str().expect("hex key")).expect("hex"))
        .collect();
    let f = case["f"].as_u64().expect("f") as usize;
    SignerSet::from_slices(keys.iter().map(|k| &k[..]))
        .and_then(|set| Config::new(set, f))
        .map(Verifier::new)
        .map_err(|_| "invalid_config")
}

fn run_case(case: &Value) -> Result<(), String> {
    let expect = &case["expect"];
    let verifier = match verifier(case) {
        Ok(v) => v,
        Err(reason) => {
            return match expect["reason"].as_str() {
                Some(r) if r == reason => Ok(()),
                _ => Err(format!("configuration refused, expected {expect}")),
            }
        }
    };
    let body = s(case, "body_json").as_bytes();
    match (verifier.verify_compute(body), expect["accept"].as_bool()) {
        (ComputeVerdict::Accept(v), Some(true)) => {
            let hash = v.hash().to_string();
            if hash != s(expect, "hash") {
                return Err(format!("hash {hash} != {}", s(expect, "hash")));
            }
            let signers: Vec<String> = v.signers().map(hex::encode).collect();
            let want: Vec<String> = expect["signers"]
                .as_array()
                .expect("signers")
                .iter()
                .map(|k| k.as_str().expect("hex").to_owned())
                .collect();
            if signers != want {
                return Err(format!("signers {signers:?} != {want:?}"));
            }
            if Some(v.index() as u64) != expect["index"].as_u64() {
                return Err(format!("index {} != {}", v.index(), expect["index"]));
            }
            let entries: Vec<u64> = v.entry_indices().map(|i| i as u64).collect();
            let want: Vec<u64> = expect["entries"]
                .as_array()
                .expect("entries")
                .iter()
                .map(|i| i.as_u64().expect("index"))
                .collect();
            if entries != want {
                return Err(format!("entries {entries:?} != {want:?}"));
            }
            // The counted entries carry the request's hash; the first is the
            // request to execute.
            for e in v.entries() {
                if e.request.hash() != *v.hash() {
                    return Err(format!("entry {} has another hash", e.index));
                }
            }
            if v.request().offset() != v.entries().next().map_or(0, |e| e.request.offset()) {
                return Err("request is not the first counted entry".into());
            }
            Ok(())
        }
        (ComputeVerdict::Reject(e), Some(false)) => {
            if Some(e.reason()) == expect["reason"].as_str() {
                Ok(())
            } else {
                Err(format!(
                    "rejected as {} ({e}), expected {expect}",
                    e.reason()
                ))
            }
        }
        (ComputeVerdict::Accept(v), _) => Err(format!("accepted ({v:?}), expected {expect}")),
        (ComputeVerdict::Reject(e), _) => Err(format!("rejected ({e}), expected {expect}")),
    }
}

#[test]
fn batch_cases() {
    let file = load();
    let cases = file["verify_cases"].as_array().expect("verify_cases");
    assert_eq!(cases.len(), 23, "all batch cases");
    let mut failures = Vec::new();
    for case in cases {
        if let Err(why) = run_case(case) {
            failures.push(format!("{}: {why}", s(case, "name")));
        }
    }
    assert_no_failures(&failures);
}

/// The vectors' DIVERGENCE cases: where Go's verdict on a batch that one
/// faulty node spoiled differs from this crate's, the verdict here is the
/// vector's (Go's refusals become quorums, Go's last-key-wins a refusal).
#[test]
fn divergences_decide_otherwise_than_go() {
    let file = load();
    let mut differ = 0;
    for case in file["verify_cases"].as_array().expect("verify_cases") {
        let note = case["note"].as_str().unwrap_or_default();
        if !note.contains("DIVERGENCE") {
            continue;
        }
        let go = case["go_reference"]["accept"].as_bool().expect("go accept");
        let ours = case["expect"]["accept"].as_bool().expect("accept");
        let verifier = verifier(case).expect("config");
        let verdict = verifier.verify_compute(s(case, "body_json").as_bytes());
        assert_eq!(verdict.is_accept(), ours, "{}", s(case, "name"));
        if go != ours {
            differ += 1;
        }
    }
    assert!(
        differ >= 7,
        "{differ} DIVERGENCE cases decide otherwise than Go"
    );
}

/// The signing side writes what Go writes: every `request_json` and every
/// batch body byte for byte, and a node's signature exactly (ed25519 is
/// deterministic).
#[cfg(feature = "signing")]
#[test]
fn signing_side_writes_go_bytes() {
    use relay_verifier::signing::compute::{
        batch_json, ComputeRequestData, SignedComputeRequest, WorkflowNode,
    };
    let file = load();
    let mut failures = Vec::new();
    for case in file["hash_cases"].as_array().expect("hash_cases") {
        let json = s(case, "request_json");
        let data = ComputeRequestData::from_json(json.as_bytes()).expect("request reads");
        if data.to_go_json() != json {
            failures.push(format!("{}: rewritten request differs", s(case, "name")));
        }
        if data.hash().to_string() != s(case, "hash") {
            failures.push(format!("{}: owned hash differs", s(case, "name")));
        }
    }
    let nodes: Vec<WorkflowNode> = file["keys"]
        .as_array()
        .expect("keys")
        .iter()
        .map(|k| {
            let seed: [u8; 32] = hex::decode(s(k, "seed")).unwrap().try_into().unwrap();
            WorkflowNode::from_seed(seed)
        })
        .collect();
    let mut resigned = 0;
    for case in file["verify_cases"].as_array().expect("verify_cases") {
        let name = s(case, "name");
        let body: Value = serde_json::from_str(s(case, "body_json")).expect("JSON body");
        // serde_json would fold a malformed body's repeated key away.
        let Some(items) = body
            .as_array()
            .filter(|_| case["expect"]["reason"] != "malformed")
        else {
            continue;
        };
        let entries: Result<Vec<SignedComputeRequest>, _> = items
            .iter()
            .map(|e| SignedComputeRequest::from_json(e.to_string().as_bytes()))
            .collect();
        let entries = entries.expect("a well-formed body's entries read");
        if batch_json(&entries) != s(case, "body_json") {
            failures.push(format!("{name}: rewritten body differs"));
        }
        for e in &entries {
            let Some(node) = nodes
                .iter()
                .find(|n| n.sign(&e.request).signature == e.signature)
            else {
                continue; // a faulty entry: bad, short or foreign signature
            };
            assert_eq!(node.sign(&e.request).to_go_json(), e.to_go_json());
            resigned += 1;
        }
    }
    assert!(resigned >= 40, "{resigned} entries re-signed");
    assert_no_failures(&failures);
}
