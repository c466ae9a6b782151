//! The `serde` feature against the reference vectors: the verdict summary
//! says what each verify case expects, and the configuration reads back.
#![cfg(feature = "serde")]

use relay_verifier::{
    Config, Error, Method, RequestParams, SignerSet, Verdict, VerdictSummary, Verifier,
};
use serde_json::Value;

/// The verify cases of `verify.json`, `strict/` and `report/`.
fn cases() -> Vec<Value> {
    ["verify.json", "strict/verify.json", "report/verify.json"]
        .iter()
        .flat_map(|file| {
            let path = format!("{}/../shared/vectors/{file}", env!("CARGO_MANIFEST_DIR"));
            let doc: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
            doc["verify_cases"].as_array().unwrap().clone()
        })
        .collect()
}

fn hex_keys(case: &Value) -> Vec<[u8; 32]> {
    case["signers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| {
            let mut key = [0u8; 32];
            hex::decode_to_slice(k.as_str().unwrap(), &mut key).unwrap();
            key
        })
        .collect()
}

/// The configuration JSON an enclave would be given for `case`.
fn config_json(case: &Value) -> String {
    serde_json::json!({ "signers": case["signers"], "f": case["f"] }).to_string()
}

#[test]
fn summaries_state_what_the_vectors_expect() {
    let mut accepted = 0;
    let mut rejected = 0;
    for case in cases() {
        let name = case["name"].as_str().unwrap();
        let Some(body) = case["body_json"].as_str() else {
            continue;
        };
        let expect = &case["expect"];
        // Configuration through serde: it must agree with the checked constructors.
        let direct = SignerSet::new(&hex_keys(&case))
            .and_then(|s| Config::new(s, case["f"].as_u64().unwrap() as usize));
        let via_json = Config::from_json(config_json(&case).as_bytes());
        assert_eq!(direct.is_ok(), via_json.is_ok(), "{name}");
        let Ok(config) = via_json else {
            assert_eq!(expect["reason"], "invalid_config", "{name}");
            continue;
        };
        assert_eq!(Ok(&config), direct.as_ref(), "{name}");
        let method = match case["method"].as_str().unwrap() {
            "confidential.secrets.get" => Method::SecretsGet,
            _ => Method::CapabilityExecute,
        };
        let params = match RequestParams::from_json(
            method,
            case["params_json"].as_str().unwrap().as_bytes(),
        ) {
            Ok(p) => p,
            Err(e) => {
                assert_eq!(expect["reason"], Error::from(e).reason(), "{name}");
                continue;
            }
        };
        let verifier = Verifier::new(config);
        let verdict = verifier.verify(&params, body.as_bytes());
        let mut buf = [0u8; 8192];
        let n = VerdictSummary::new(&verdict).to_json(&mut buf).unwrap();
        let summary: Value = serde_json::from_slice(&buf[..n]).unwrap();
        assert_eq!(summary["accepted"], expect["accept"], "{name}");
        assert_eq!(
            summary["index"],
            *expect.get("index").unwrap_or(&Value::Null),
            "{name}"
        );
        match &verdict {
            Verdict::Accept(v) => {
                accepted += 1;
                assert_eq!(summary["hash"], expect["hash"], "{name}");
                assert_eq!(summary["signers"], expect["signers"], "{name}");
                assert_eq!(summary["reason"], Value::Null);
                assert_eq!(summary["stats"]["counted"], v.stats().counted, "{name}");
            }
            Verdict::Reject(e) => {
                rejected += 1;
                assert_eq!(summary["reason"], expect["reason"], "{name}");
                assert_eq!(summary["hash"], Value::Null);
                let malformed = matches!(e, Error::Malformed(_));
                assert_eq!(summary["offset"].is_u64(), malformed, "{name}");
                assert_eq!(
                    summary["stats"].is_object(),
                    matches!(e, Error::NoQuorum(_)),
                    "{name}"
                );
            }
        }
    }
    assert!(
        accepted >= 10 && rejected >= 10,
        "{accepted} accepted, {rejected} rejected"
    );
}

#[test]
fn a_summary_that_does_not_fit_is_an_error_not_a_truncation() {
    let case = cases()
        .into_iter()
        .find(|c| c["name"] == "bundle/all-honest")
        .unwrap();
    let config = Config::from_json(config_json(&case).as_bytes()).unwrap();
    let params = RequestParams::from_json(
        Method::SecretsGet,
        case["params_json"].as_str().unwrap().as_bytes(),
    )
    .unwrap();
    let verifier = Verifier::new(config);
    let verdict = verifier.verify(&params, case["body_json"].as_str().unwrap().as_bytes());
    assert!(verdict.is_accept());
    let mut small = [0u8; 64];
    assert!(VerdictSummary::new(&verdict).to_json(&mut small).is_err());
    let mut enough = [0u8; 1024];
    assert!(VerdictSummary::new(&verdict).to_json(&mut enough).is_ok());
}

#[test]
fn configuration_json_is_validated_like_the_constructors() {
    let k0 = "97e4a26f944161a5f334b7c02ce12d1878d32fa6fa2f925fb02adc29ddb3beec";
    let k1 = "1f8029656eca0fb32bcab22b5d9dc8da7c76f4c573bba6a46933cee7a0b82d74";
    let ok = |json: String| Config::from_json(json.as_bytes());
    let c = ok(format!(r#"{{"signers":["{k0}","{k1}"],"f":1}}"#)).unwrap();
    assert_eq!((c.signers().len(), c.f(), c.threshold()), (2, 1, 2));
    // Uppercase hex is the same key.
    let upper = k0.to_uppercase();
    assert_eq!(
        ok(format!(r#"{{"signers":["{upper}","{k1}"],"f":1}}"#)).unwrap(),
        c
    );
    // F = 0, F+1 > N, a repeated key, a threshold below F+1: refused like Config::new.
    for bad in [
        format!(r#"{{"signers":["{k0}","{k1}"],"f":0}}"#),
        format!(r#"{{"signers":["{k0}","{k1}"],"f":2}}"#),
        format!(r#"{{"signers":["{k0}","{k0}"],"f":1}}"#),
        format!(r#"{{"signers":["{k0}","{k1}"],"f":1,"threshold":1}}"#),
        // Not a key: short, not hex, a small-order point.
        format!(r#"{{"signers":["{}","{k1}"],"f":1}}"#, &k0[..62]),
        format!(r#"{{"signers":["zz{}","{k1}"],"f":1}}"#, &k0[2..]),
        format!(r#"{{"signers":["{}","{k1}"],"f":1}}"#, "00".repeat(32)),
        // Shape: unknown or repeated field, missing F, trailing text.
        format!(r#"{{"signers":["{k0}","{k1}"],"f":1,"t":2}}"#),
        format!(r#"{{"signers":["{k0}","{k1}"],"f":1,"f":1}}"#),
        format!(r#"{{"signers":["{k0}","{k1}"]}}"#),
        format!(r#"{{"signers":["{k0}","{k1}"],"f":1}} x"#),
    ] {
        assert!(ok(bad.clone()).is_err(), "accepted {bad}");
    }
    // A stricter threshold.
    let c = ok(format!(
        r#"{{"signers":["{k0}","{k1}"],"f":1,"threshold":2}}"#
    ))
    .unwrap();
    assert_eq!(c.threshold(), 2);
}
