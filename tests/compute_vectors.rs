//! Every case of `../shared/vectors/compute/compute.json` (PROTOCOL.md §12),
//! through the library.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use relay_verifier::{
    ComputeError, ComputeRequest, ComputeStats, ComputeVerdict, Config, SignerSet, Verifier,
};
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

/// A case's body: `body_json`, or `body_base64` for bytes that are not
/// UTF-8.
fn body(case: &Value) -> Vec<u8> {
    match case["body_base64"].as_str() {
        Some(b) => STANDARD.decode(b).expect("base64 body"),
        None => s(case, "body_json").as_bytes().to_vec(),
    }
}

/// Which trial verifies the batch.
#[derive(Clone, Copy, Debug)]
enum Backend {
    /// `verify_compute`: one full verification per key tried.
    Plain,
    /// `verify_compute_precomputed` (feature `precomputed`).
    #[cfg_attr(not(feature = "precomputed"), allow(dead_code))]
    Precomputed,
}

/// The stats of a verdict that read the whole batch.
fn stats_of(verdict: &ComputeVerdict<'_>) -> Option<ComputeStats> {
    match verdict {
        ComputeVerdict::Accept(v) => Some(*v.stats()),
        ComputeVerdict::Reject(ComputeError::NoQuorum(q)) => Some(q.stats),
        ComputeVerdict::Reject(_) => None,
    }
}

/// The case's verdict through `backend`, and the trials its trace summed.
fn verify<'a>(
    verifier: &'a Verifier,
    body: &'a [u8],
    backend: Backend,
) -> (ComputeVerdict<'a>, u32) {
    let mut trials = 0u32;
    let count = |t: relay_verifier::EntryTrace| trials += t.trials;
    let verdict = match backend {
        Backend::Plain => verifier.verify_compute_traced(body, count),
        #[cfg(feature = "precomputed")]
        Backend::Precomputed => {
            let keys = relay_verifier::PrecomputedKeys::new(verifier.config());
            verifier.verify_compute_precomputed_traced(&keys, body, count)
        }
        #[cfg(not(feature = "precomputed"))]
        Backend::Precomputed => unreachable!("built without the precomputed backend"),
    };
    (verdict, trials)
}

/// What a case cost: its verifications, as its trace summed them and as
/// its stats say, within `expect.max_verifications` where the case sets
/// it; none at all for a malformed body (its shape is settled first).
fn check_cost(expect: &Value, verdict: &ComputeVerdict<'_>, trials: u32) -> Result<(), String> {
    if let Some(s) = stats_of(verdict) {
        if s.verifications != trials {
            return Err(format!(
                "stats say {} verifications, the trace {trials}",
                s.verifications
            ));
        }
    }
    if expect["reason"] == "malformed" && trials != 0 {
        return Err(format!(
            "{trials} verifications on a malformed body, expected none"
        ));
    }
    let Some(max) = expect.get("max_verifications") else {
        return Ok(());
    };
    let max = max.as_u64().expect("max_verifications is a count");
    if u64::from(trials) > max {
        let stats = stats_of(verdict).map_or(String::new(), |s| format!(" ({s})"));
        return Err(format!(
            "{trials} verifications, at most {max} allowed{stats}"
        ));
    }
    Ok(())
}

fn run_case(case: &Value, backend: Backend) -> Result<(), String> {
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
    let body = body(case);
    let (verdict, trials) = verify(&verifier, &body, backend);
    check_cost(expect, &verdict, trials)?;
    match (verdict, expect["accept"].as_bool()) {
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

/// Every batch case through `backend`: verdict, hash, signers, entries,
/// and the cost (`expect.max_verifications`).
fn batch_cases_through(backend: Backend) {
    let file = load();
    let cases = file["verify_cases"].as_array().expect("verify_cases");
    assert_eq!(cases.len(), 27, "all batch cases");
    let bounded = cases
        .iter()
        .filter(|c| c["expect"].get("max_verifications").is_some())
        .count();
    assert!(bounded >= 19, "only {bounded} cases bound their cost");
    let mut failures = Vec::new();
    for case in cases {
        if let Err(why) = run_case(case, backend) {
            failures.push(format!("{} ({backend:?}): {why}", s(case, "name")));
        }
    }
    assert_no_failures(&failures);
}

#[test]
fn batch_cases() {
    batch_cases_through(Backend::Plain);
}

/// The precomputed trial: the same verdicts, within the same bounds.
#[cfg(feature = "precomputed")]
#[test]
fn batch_cases_precomputed() {
    batch_cases_through(Backend::Precomputed);
}

/// Both trials count alike (PROTOCOL.md §12's bound is on verifications,
/// whichever backend makes them): the same stats, case by case.
#[cfg(feature = "precomputed")]
#[test]
fn both_backends_count_alike() {
    let file = load();
    let mut failures = Vec::new();
    for case in file["verify_cases"].as_array().expect("verify_cases") {
        let Ok(verifier) = verifier(case) else {
            continue;
        };
        let body = body(case);
        let (plain, plain_trials) = verify(&verifier, &body, Backend::Plain);
        let (fast, fast_trials) = verify(&verifier, &body, Backend::Precomputed);
        let (plain, fast) = (stats_of(&plain), stats_of(&fast));
        if (plain, plain_trials) != (fast, fast_trials) {
            failures.push(format!(
                "{}: plain {plain:?} ({plain_trials} trials), precomputed {fast:?} ({fast_trials})",
                s(case, "name")
            ));
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
        let body = body(case);
        let verdict = verifier.verify_compute(&body);
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
        // Go's bytes are what Go wrote: only a case with Go's verdict
        // (`go_reference`) is Go's writing; other spellings are judged on
        // the verdict alone. serde_json would fold a malformed body's
        // repeated key away.
        if case.get("go_reference").is_none()
            || case.get("body_json").is_none()
            || case["expect"]["reason"] == "malformed"
        {
            continue;
        }
        let body: Value = serde_json::from_str(s(case, "body_json")).expect("JSON body");
        let Some(items) = body.as_array() else {
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
