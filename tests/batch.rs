//! The batch backend gives exactly the verdict of one-by-one verification.
#![cfg(all(feature = "batch", feature = "signing"))]

use proptest::prelude::*;
use relay_verifier::signing::simulator::{RelayDon, Scenario};
use relay_verifier::signing::LogicalResult;
use relay_verifier::{BatchVerifier, Method, RequestParams, Verdict, Verifier};

const PARAMS: &str = r#"{"workflow_id":"wf","owner":"0x1234567890abcdef1234567890ABCDEF12345678",
  "execution_id":"e","reference_id":"r","capability_id":"c","payload":"cA=="}"#;

/// The hash, signers and index of an accepted result.
type Accepted = (String, Vec<[u8; 32]>, Option<usize>);

/// What a verdict decides: the accepted result, or the reason.
fn decision(v: Verdict<'_>) -> Result<Accepted, &'static str> {
    match v {
        Verdict::Accept(v) => Ok((
            v.hash().to_string(),
            v.signers().copied().collect(),
            v.index(),
        )),
        Verdict::Reject(e) => Err(e.reason()),
    }
}

#[test]
fn every_vector_body_gets_the_same_verdict() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/vectors/verify.json");
    let file: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let mut compared = 0;
    for case in file["verify_cases"].as_array().unwrap() {
        let keys: Vec<Vec<u8>> = case["signers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|k| hex::decode(k.as_str().unwrap()).unwrap())
            .collect();
        let Ok(set) = relay_verifier::SignerSet::from_slices(keys.iter().map(Vec::as_slice)) else {
            continue;
        };
        let Ok(config) = relay_verifier::Config::new(set, case["f"].as_u64().unwrap() as usize)
        else {
            continue;
        };
        let method = Method::from_name(case["method"].as_str().unwrap()).unwrap();
        let Ok(params) =
            RequestParams::from_json(method, case["params_json"].as_str().unwrap().as_bytes())
        else {
            continue;
        };
        let Some(body) = case["body_json"].as_str() else {
            continue;
        };
        let verifier = Verifier::new(config);
        let single = decision(verifier.verify(&params, body.as_bytes()));
        assert_eq!(
            decision(verifier.verify_batched(&params, body.as_bytes())),
            single,
            "{}",
            case["name"]
        );
        let prepared = BatchVerifier::from(verifier.clone());
        assert_eq!(
            decision(prepared.verify_batched(&params, body.as_bytes())),
            single,
            "prepared keys: {}",
            case["name"]
        );
        compared += 1;
    }
    assert!(compared >= 35, "only {compared} vector bodies compared");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    /// Random Byzantine bodies (forged, relabelled, corrupted, stapled…):
    /// batch and single verification decide the same.
    #[test]
    fn simulated_bodies_get_the_same_verdict(seed in any::<u64>(), n in prop::sample::select(vec![4usize, 7, 16]), drop in 0usize..4) {
        let f = (n - 1) / 3;
        let params = RequestParams::from_json(Method::CapabilityExecute, PARAMS.as_bytes()).unwrap();
        let honest = LogicalResult::Capability { payload: "b2s=".into(), error: String::new() };
        let don = RelayDon::new(n, f, seed);
        let sim = don.run(&params, &honest, &Scenario::random(n, f, drop, seed)).unwrap();
        let verifier = Verifier::new(don.config().unwrap());
        let single = decision(verifier.verify(&params, sim.body.as_bytes()));
        prop_assert_eq!(
            decision(verifier.verify_batched(&params, sim.body.as_bytes())),
            single.clone()
        );
        let prepared = BatchVerifier::new(don.config().unwrap());
        prop_assert_eq!(
            decision(prepared.verify_batched(&params, sim.body.as_bytes())),
            single
        );
    }
}
