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
