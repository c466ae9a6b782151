//! Hostile and random input: the verifier only ever answers with a verdict.

use proptest::prelude::*;
use relay_verifier::{
    canonical_hash, Config, Error, Expected, Method, RequestParams, SignerSet, Verdict, Verifier,
};
use sha2::{Digest, Sha256};

const CAP_PARAMS: &str = r#"{"workflow_id":"wf","owner":"0x1234567890abcdef1234567890ABCDEF12345678","execution_id":"e","reference_id":"r","capability_id":"c","payload":"cA=="}"#;

fn verifier() -> Verifier {
    let keys: Vec<[u8; 32]> = (1..=4u8)
        .map(|i| *ed25519_compact::KeyPair::from_seed(ed25519_compact::Seed::new([i; 32])).pk)
        .collect();
    Verifier::new(Config::new(SignerSet::new(&keys).unwrap(), 1).unwrap())
}

fn vector_bodies() -> Vec<(String, Vec<u8>)> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/vectors/verify.json");
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    v["verify_cases"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| {
            Some((
                c["params_json"].as_str()?.to_owned(),
                c["body_json"].as_str()?.as_bytes().to_vec(),
            ))
        })
        .collect()
}

/// An independent statement of PROTOCOL.md §4 for the capability hash.
fn reference_capability_hash(result_payload: &str) -> String {
    let mut h = Sha256::new();
    h.update(b"CONFIDENTIAL_COMPUTE_PAYLOAD\nCapabilityResponseResult\n");
    for s in [
        "wf",
        "0x1234567890abcdef1234567890ABCDEF12345678",
        "e",
        "",
        "r",
        "c",
        "cA==",
        result_payload,
        "",
    ] {
        h.update((s.len() as u64).to_be_bytes());
        h.update(s.as_bytes());
    }
    hex::encode(h.finalize())
}

/// Escapes every character as `\uXXXX` (surrogate pairs above the BMP).
fn escape_all(s: &str) -> String {
    let mut out = String::from("\"");
    for unit in s.encode_utf16() {
        out.push_str(&format!("\\u{unit:04x}"));
    }
    out.push('"');
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn random_bytes_never_accept(body in proptest::collection::vec(any::<u8>(), 0..512)) {
        let v = verifier();
        let params = RequestParams::from_json(Method::CapabilityExecute, CAP_PARAMS.as_bytes()).unwrap();
        let verdict = v.verify(&params, &body);
        prop_assert!(matches!(verdict, Verdict::Reject(Error::Malformed(_) | Error::NoQuorum(_))));
    }

    #[test]
    fn mutated_vector_bodies_are_deterministic(
        pick in any::<prop::sample::Index>(),
        at in any::<prop::sample::Index>(),
        byte in any::<u8>(),
        cut in any::<bool>(),
    ) {
        let bodies = vector_bodies();
        let (params_json, body) = &bodies[pick.index(bodies.len())];
        let Ok(params) = RequestParams::from_json(Method::SecretsGet, params_json.as_bytes()) else {
            return Ok(());
        };
        let mut body = body.clone();
        let i = at.index(body.len().max(1));
        if cut { body.truncate(i) } else if let Some(b) = body.get_mut(i) { *b = byte }
        let v = verifier();
        let a = format!("{:?}", v.verify(&params, &body));
        let b = format!("{:?}", v.verify(&params, &body));
        prop_assert_eq!(a, b);
    }

    #[test]
    fn hash_covers_decoded_strings(s in any::<String>()) {
        let params = RequestParams::from_json(Method::CapabilityExecute, CAP_PARAMS.as_bytes()).unwrap();
        let want = reference_capability_hash(&s);
        let minimal = format!("{{\"payload\":{}}}", serde_json::to_string(&s).unwrap());
        let escaped = format!("{{ \"error\" : \"\", \"payload\" : {} }}", escape_all(&s));
        prop_assert_eq!(canonical_hash(&params, minimal.as_bytes()).unwrap().to_string(), want.clone());
        prop_assert_eq!(canonical_hash(&params, escaped.as_bytes()).unwrap().to_string(), want);
    }
}

#[test]
fn a_megabyte_of_brackets_is_a_clean_rejection() {
    let v = verifier();
    let params =
        RequestParams::from_json(Method::CapabilityExecute, CAP_PARAMS.as_bytes()).unwrap();
    let mut body = b"{\"x\":".to_vec();
    body.resize(1 << 20, b'[');
    match v.verify(&params, &body) {
        Verdict::Reject(Error::Malformed(m)) => {
            assert_eq!(m.expected, Expected::DepthAtMost128);
            assert_eq!(m.offset, 5 + 127);
        }
        other => panic!("{other:?}"),
    }
}

/// Secrets and capability results with every shape the reader knows,
/// as seeds for byte-level mutation.
const RESULT_SEEDS: &[(&str, bool)] = &[
    (
        r#"{"secrets":[{"id":{"key":"API_KEY","namespace":"main"},"ciphertext":"Y3Q=","encrypted_shares":["czE=",null]},null],"x":[1,-2.5e3,{"y":true}]}"#,
        true,
    ),
    (
        r#"{"payload":"b2s\u003d","error":"","extra":{"deep":[[[{}]]]}}"#,
        false,
    ),
    (r#"null"#, false),
    (r#" {"secrets" : null } "#, true),
];

/// The single-pass strict read of `canonical_hash` refuses exactly what the
/// verifier's validate-then-read refuses, on mutated results.
fn same_acceptance(seed: usize, edits: Vec<(usize, u8)>, cut: usize) -> Result<(), TestCaseError> {
    let (text, secrets) = RESULT_SEEDS[seed % RESULT_SEEDS.len()];
    let mut result = text.as_bytes().to_vec();
    for (at, byte) in edits {
        if !result.is_empty() {
            let i = at % result.len();
            result[i] = byte;
        }
    }
    result.truncate(result.len().saturating_sub(cut));
    let params = if secrets {
        RequestParams::from_json(
            Method::SecretsGet,
            br#"{"workflow_id":"w","owner":"0x1234567890abcdef1234567890ABCDEF12345678","execution_id":"e","secrets":[{"key":"k","namespace":"n"}],"enclave_public_key":"00"}"#,
        )
        .unwrap()
    } else {
        RequestParams::from_json(Method::CapabilityExecute, CAP_PARAMS.as_bytes()).unwrap()
    };
    let single = canonical_hash(&params, &result);
    let mut body = b"{\"result\":".to_vec();
    body.extend_from_slice(&result);
    body.push(b'}');
    let v = verifier();
    let two_pass = v.verify(&params, &body);
    let body_malformed = matches!(two_pass, Verdict::Reject(Error::Malformed(_)));
    // A result that is only whitespace leaves the body `{"result":}`.
    let blank = result.iter().all(u8::is_ascii_whitespace);
    prop_assert_eq!(
        single.is_err(),
        body_malformed || blank,
        "result {:?}: single pass {:?}, verify {:?}",
        String::from_utf8_lossy(&result),
        single,
        two_pass
    );
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2048))]

    #[test]
    fn single_pass_hash_is_as_strict_as_verify(
        seed in 0usize..4,
        edits in proptest::collection::vec((any::<usize>(), prop_oneof![
            Just(b'"'), Just(b'\\'), Just(b'{'), Just(b'}'), Just(b'['), Just(b']'),
            Just(b','), Just(b':'), Just(b' '), Just(0x01u8), Just(0xC3u8), Just(0xFFu8),
            Just(b'u'), Just(b'n'), Just(b'0'), Just(b'e'), any::<u8>()
        ]), 0..3),
        cut in 0usize..3,
    ) {
        same_acceptance(seed, edits, cut)?;
    }
}
