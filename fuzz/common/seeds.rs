//! Seed corpora, derived from the reference vectors (never written by hand).
//! `cargo test --all-features --test replay -- --ignored write_seed_corpora`
//! writes them under fuzz/corpus/.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use relay_verifier::{Error, Method, Verdict};
use serde_json::Value;

use super::{bundle, fixtures, params};

/// Seeds above this size are left out: the vectors' 64 KiB, 200 KiB and
/// 1 MiB cases would dominate the corpus and slow every mutation, and
/// tests/vectors.rs and tests/bounds.rs run them on every `cargo test`.
const SEED_MAX: usize = 16 * 1024;

fn str_field<'v>(v: &'v Value, key: &str) -> Option<&'v str> {
    v.get(key).and_then(Value::as_str)
}

/// Every gateway body of verify.json and every signed node response of hash.json.
pub fn bodies() -> Vec<Vec<u8>> {
    let (hash, verify) = fixtures::vectors();
    let mut out = Vec::new();
    for case in verify["verify_cases"].as_array().expect("verify_cases") {
        if let Some(b) = str_field(case, "body_json") {
            out.push(b.as_bytes().to_vec());
        } else if let Some(b) = str_field(case, "body_base64") {
            out.push(STANDARD.decode(b).expect("body_base64 is base64"));
        }
    }
    for case in hash["hash_cases"].as_array().expect("hash_cases") {
        if let Some(b) = str_field(case, "signed_response_json") {
            out.push(b.as_bytes().to_vec());
        }
    }
    out
}

/// Every (method, params, result) of hash.json, and verify.json's requests
/// with each of their bodies' results absent.
pub fn params_inputs() -> Vec<Vec<u8>> {
    let (hash, verify) = fixtures::vectors();
    let method = |case: &Value| {
        Method::from_name(str_field(case, "method").expect("method")).expect("known method")
    };
    let mut out = Vec::new();
    for case in hash["hash_cases"].as_array().expect("hash_cases") {
        let p = str_field(case, "params_json").expect("params_json");
        let r = str_field(case, "result_json").expect("result_json");
        out.push(params::encode(method(case), p.as_bytes(), r.as_bytes()));
    }
    for case in verify["verify_cases"].as_array().expect("verify_cases") {
        let p = str_field(case, "params_json").expect("params_json");
        out.push(params::encode(method(case), p.as_bytes(), b"null"));
    }
    out
}

/// Every JSON text of the vectors: bodies, requests, results.
pub fn documents() -> Vec<Vec<u8>> {
    let (hash, verify) = fixtures::vectors();
    let mut out = bodies();
    for case in hash["hash_cases"].as_array().expect("hash_cases") {
        for key in ["params_json", "result_json"] {
            out.extend(str_field(case, key).map(|s| s.as_bytes().to_vec()));
        }
    }
    for case in verify["verify_cases"].as_array().expect("verify_cases") {
        out.extend(str_field(case, "params_json").map(|s| s.as_bytes().to_vec()));
    }
    out
}

/// Structured inputs for `verify`: byte strings from a fixed pseudo-random
/// stream, the first few that reach each kind of verdict.
pub fn scenarios() -> Vec<Vec<u8>> {
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = move || {
        // xorshift64*: deterministic, so the seeds are reproducible.
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        state.wrapping_mul(0x2545_F491_4F6C_DD1D)
    };
    let mut kinds = std::collections::BTreeMap::<&str, usize>::new();
    let mut out = Vec::new();
    for _ in 0..4000 {
        let len = 32 + (next() % 480) as usize;
        let data: Vec<u8> = (0..len).map(|_| next() as u8).collect();
        let Some(kind) = bundle::outcome(&data) else {
            continue;
        };
        let seen = kinds.entry(kind).or_default();
        if *seen < 4 {
            *seen += 1;
            out.push(data);
        }
    }
    out
}

/// A name for a verdict, to keep seeds of every kind.
pub fn verdict_kind(v: &Verdict<'_>, single: bool) -> &'static str {
    match (v, single) {
        (Verdict::Accept(_), false) => "accept-bundle",
        (Verdict::Accept(_), true) => "accept-single",
        (Verdict::Reject(Error::NoQuorum(q)), _) if q.stats.skipped.equivocation > 0 => {
            "no-quorum-equivocation"
        }
        (Verdict::Reject(Error::NoQuorum(q)), _) if q.stats.skipped.over_capacity > 0 => {
            "no-quorum-over-capacity"
        }
        (Verdict::Reject(Error::NoQuorum(_)), _) => "no-quorum",
        (Verdict::Reject(Error::Malformed(_)), _) => "malformed",
        (Verdict::Reject(_), _) => "other",
    }
}

/// Compiled in like the other vectors (see `fixtures`).
const REPORT_VECTORS: &str = include_str!("../../../shared/vectors/report/verify.json");

/// Every capability payload of the report vectors, as text (flags 2), and
/// each report they carry in the canonical shell (flags 1; flags 5 adds
/// JSON escapes), so that mutations reach the report decoder.
pub fn report_inputs() -> Vec<Vec<u8>> {
    let file: Value = serde_json::from_str(REPORT_VECTORS).expect("vector file is JSON");
    let mut out = Vec::new();
    for case in file["verify_cases"].as_array().expect("verify_cases") {
        let body: Value =
            serde_json::from_str(str_field(case, "body_json").expect("body_json")).expect("JSON");
        let responses = match body.get("responses").and_then(Value::as_array) {
            Some(list) => list.clone(),
            None => vec![body],
        };
        for r in responses {
            let Some(payload) = r.pointer("/result/payload").and_then(Value::as_str) else {
                continue;
            };
            let mut text = vec![2u8, 0];
            text.extend_from_slice(payload.as_bytes());
            out.push(text);
            let report = super::report::go_base64(payload.as_bytes())
                .and_then(|b| super::report::decode_payload(&b));
            if let Some(report) = report {
                // Plain; with JSON escapes; then bundles with a tie on
                // carriers, and with a broken response, a repeated signer,
                // a repeated signature and another report.
                for (flags, param) in [(1u8, 0x55u8), (5, 3), (0x81, 0x55), (0x69, 0x5D)] {
                    let mut seed = vec![flags, param];
                    seed.extend_from_slice(&report.bytes);
                    out.push(seed);
                }
            }
        }
    }
    out
}

/// Seeds per target, keyed by target name.
pub fn all() -> Vec<(&'static str, Vec<Vec<u8>>)> {
    let small = |v: Vec<Vec<u8>>| v.into_iter().filter(|s| s.len() <= SEED_MAX).collect();
    let mut targets = vec![
        ("envelope", small(bodies())),
        ("params", small(params_inputs())),
        ("verify", scenarios()),
        ("vote", super::vote::seeds()),
    ];
    if cfg!(feature = "fuzzing") {
        targets.push(("json_differential", small(documents())));
        targets.push(("report", small(report_inputs())));
        #[cfg(feature = "fuzzing")]
        targets.push(("replay_guard", super::replay_guard::seeds()));
    }
    #[cfg(feature = "signing")]
    targets.push(("compute", super::compute::seeds()));
    targets
}

/// Inputs drawn from a fixed xorshift64* stream started at `state` (so the
/// seeds are reproducible): `tries` inputs of `prefix` then `len` stream
/// bytes, each kept only when `reaches` finds in it an outcome no earlier
/// input reached.
pub fn first_to_reach<T: Ord>(
    mut state: u64,
    tries: usize,
    prefix: &[u8],
    len: usize,
    reaches: impl Fn(&[u8]) -> std::collections::BTreeSet<T>,
) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let mut reached = std::collections::BTreeSet::new();
    for _ in 0..tries {
        let mut input = prefix.to_vec();
        for _ in 0..len {
            state ^= state >> 12;
            state ^= state << 25;
            state ^= state >> 27;
            input.push((state.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 56) as u8);
        }
        let got = reaches(&input);
        if !got.iter().all(|o| reached.contains(o)) {
            reached.extend(got);
            out.push(input);
        }
    }
    out
}
