//! Trial verification of §12 batches: this crate's rule against the Go
//! enclave's, measured interleaved in one process over repeated rounds
//! (each round runs every contender once, in rotating order), so that load
//! from other processes falls on all of them alike. Prints the median and
//! the minimum per contender, and the verifications each performs.
//!
//! `cargo bench --bench compute --features signing,precomputed [-- ROUNDS]`

use std::hint::black_box;
use std::time::{Duration, Instant};

use base64::Engine as _;
use ed25519_compact::{PublicKey, Signature};
use relay_verifier::signing::compute::{batch_json, SignedComputeRequest, WorkflowNode};
use relay_verifier::{
    ComputeRequest, ComputeVerdict, Config, PrecomputedKeys, SignerSet, Verifier,
};
use serde_json::Value;

fn vectors() -> Value {
    let path = format!(
        "{}/../shared/vectors/compute/compute.json",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(path).expect("compute.json")).expect("JSON")
}

/// The Go enclave's rule (`handleExecute`): every signature tried against
/// every key; one entry that verifies under no key, or one entry over
/// another request, refuses the batch. Entries arrive pre-split, which only
/// flatters it.
fn go_rule(keys: &[[u8; 32]], entries: &[String], threshold: usize) -> Option<usize> {
    let mut signers = vec![false; keys.len()];
    let mut first_hash = None;
    for entry in entries {
        let r = ComputeRequest::from_json(entry.as_bytes()).ok()?;
        let hash = r.hash();
        if *first_hash.get_or_insert(hash) != hash {
            return None;
        }
        let sig = base64::engine::general_purpose::STANDARD
            .decode(r.signature()?.to_string())
            .ok()?;
        let sig = Signature::from_slice(&sig).ok()?;
        let payload = hash.compute_signature_payload();
        let mut any = false;
        for (i, key) in keys.iter().enumerate() {
            if PublicKey::new(*key).verify(payload, &sig).is_ok() {
                signers[i] = true;
                any = true;
            }
        }
        if !any {
            return None;
        }
    }
    let n = signers.iter().filter(|&&s| s).count();
    (n >= threshold).then_some(n)
}

struct Contender<'a> {
    name: &'static str,
    run: Box<dyn FnMut() -> usize + 'a>,
    samples: Vec<Duration>,
}

fn report(label: &str, contenders: &mut [Contender<'_>], verifications: &[usize]) {
    println!("\n{label}");
    println!(
        "{:<28} {:>12} {:>12} {:>14}",
        "contender", "median", "min", "verifications"
    );
    for (c, v) in contenders.iter_mut().zip(verifications) {
        c.samples.sort();
        let median = c.samples[c.samples.len() / 2];
        let min = c.samples[0];
        println!(
            "{:<28} {:>9.3} ms {:>9.3} ms {:>14}",
            c.name,
            median.as_secs_f64() * 1e3,
            min.as_secs_f64() * 1e3,
            v
        );
    }
}

fn measure(rounds: usize, contenders: &mut [Contender<'_>]) {
    for round in 0..rounds {
        let n = contenders.len();
        for k in 0..n {
            let c = &mut contenders[(round + k) % n];
            let start = Instant::now();
            black_box((c.run)());
            c.samples.push(start.elapsed());
        }
    }
}

fn entries_of(body: &str) -> Vec<String> {
    let items: Vec<Value> = serde_json::from_str(body).expect("array");
    items.iter().map(Value::to_string).collect()
}

fn verifications(verdict: ComputeVerdict<'_>) -> usize {
    match verdict {
        ComputeVerdict::Accept(v) => v.stats().verifications as usize,
        ComputeVerdict::Reject(e) => panic!("refused: {e}"),
    }
}

fn compare(label: &str, rounds: usize, verifier: &Verifier, given_keys: &[[u8; 32]], body: &str) {
    let pre = PrecomputedKeys::new(verifier.config());
    let entries = entries_of(body);
    let threshold = verifier.config().threshold();
    let ours = verifications(verifier.verify_compute(body.as_bytes()));
    let fast = verifications(verifier.verify_compute_precomputed(&pre, body.as_bytes()));
    let go_counted = go_rule(given_keys, &entries, threshold).expect("Go accepts");
    let go = entries.len() * given_keys.len();
    let mut contenders = vec![
        Contender {
            name: "ours: full verification",
            run: Box::new(|| verifier.verify_compute(body.as_bytes()).is_accept() as usize),
            samples: Vec::new(),
        },
        Contender {
            name: "ours: precomputed trial",
            run: Box::new(|| {
                verifier
                    .verify_compute_precomputed(&pre, body.as_bytes())
                    .is_accept() as usize
            }),
            samples: Vec::new(),
        },
        Contender {
            name: "Go rule (every key)",
            run: Box::new(|| go_rule(given_keys, &entries, threshold).unwrap_or(0)),
            samples: Vec::new(),
        },
    ];
    measure(rounds, &mut contenders);
    report(label, &mut contenders, &[ours, fast, go]);
    assert_eq!(go_counted, threshold);
}

fn main() {
    let rounds: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(21);
    let file = vectors();
    let case = file["verify_cases"]
        .as_array()
        .expect("verify_cases")
        .iter()
        .find(|c| c["name"] == "batch/n31-f10-quorum")
        .expect("batch/n31-f10-quorum");
    let given_keys: Vec<[u8; 32]> = case["signers"]
        .as_array()
        .expect("signers")
        .iter()
        .map(|k| {
            hex::decode(k.as_str().expect("hex"))
                .expect("hex")
                .try_into()
                .expect("32")
        })
        .collect();
    let f = case["f"].as_u64().expect("f") as usize;
    let verifier =
        Verifier::new(Config::new(SignerSet::new(&given_keys).expect("set"), f).expect("config"));
    let body = case["body_json"].as_str().expect("body");

    let start = Instant::now();
    let pre = PrecomputedKeys::new(verifier.config());
    println!(
        "tables for {} keys: {:.3} ms (once per configuration)",
        given_keys.len(),
        start.elapsed().as_secs_f64() * 1e3
    );
    drop(pre);
    compare(
        &format!("batch/n31-f10-quorum (vector; the last eleven keys in the vector's order), {rounds} rounds"),
        rounds,
        &verifier,
        &given_keys,
        body,
    );

    // The worst case for set order (sorted bytewise): the eleven largest keys.
    let seeds: Vec<(Vec<u8>, [u8; 32])> = file["keys"]
        .as_array()
        .expect("keys")
        .iter()
        .map(|k| {
            (
                hex::decode(k["public"].as_str().expect("hex")).expect("hex"),
                hex::decode(k["seed"].as_str().expect("hex"))
                    .expect("hex")
                    .try_into()
                    .expect("32"),
            )
        })
        .collect();
    let mut sorted = given_keys.clone();
    sorted.sort();
    let request = SignedComputeRequest::from_json(entries_of(body)[0].as_bytes())
        .expect("entry")
        .request;
    let worst: Vec<SignedComputeRequest> = sorted[sorted.len() - (f + 1)..]
        .iter()
        .rev()
        .map(|k| {
            let seed = seeds.iter().find(|(p, _)| p == k).expect("seed").1;
            WorkflowNode::from_seed(seed).sign(&request)
        })
        .collect();
    let worst = batch_json(&worst);
    compare(
        &format!("n31-f10, the eleven largest keys, largest first (worst for set order), {rounds} rounds"),
        rounds,
        &verifier,
        &given_keys,
        &worst,
    );

    // One trial alone: a full verification against a precomputed one, both
    // failing (the common trial), amortised over 31 keys per entry.
    let pre = PrecomputedKeys::new(verifier.config());
    let one_entry = format!("[{}]", entries_of(body)[0]);
    let single =
        Verifier::new(Config::new(SignerSet::new(&given_keys).expect("set"), 1).expect("config"));
    let mut contenders = vec![
        Contender {
            name: "one entry, full",
            run: Box::new(|| single.verify_compute(one_entry.as_bytes()).is_accept() as usize),
            samples: Vec::new(),
        },
        Contender {
            name: "one entry, precomputed",
            run: Box::new(|| {
                single
                    .verify_compute_precomputed(&pre, one_entry.as_bytes())
                    .is_accept() as usize
            }),
            samples: Vec::new(),
        },
    ];
    let mut counts = [0usize; 2];
    let _ = single.verify_compute_traced(one_entry.as_bytes(), |t| counts[0] += t.trials as usize);
    let _ = single.verify_compute_precomputed_traced(&pre, one_entry.as_bytes(), |t| {
        counts[1] += t.trials as usize
    });
    measure(rounds * 10, &mut contenders);
    report(
        "one entry of the vector batch (no quorum: F+1 = 2), trials until its key",
        &mut contenders,
        &counts,
    );
}
