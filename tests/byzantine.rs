//! The simulated Byzantine relay DON against the verifier: safety, liveness,
//! determinism and round trips, for N in {4, 7, 16, 31} (F = ⌊(N−1)/3⌋).
//!
//! Each property runs `CASES` random scenarios per N (so 4 × CASES in all);
//! scenarios combine every [`Fault`] kind on up to F nodes with a gateway
//! that drops honest responses, duplicates, pads with junk and foreign
//! forgeries, and shuffles.
#![cfg(feature = "signing")]

use proptest::prelude::*;
use proptest::test_runner::TestCaseError;
use relay_verifier::signing::report::{ConsensusReport, OcrSignature};
use relay_verifier::signing::simulator::{Fault, GatewayFaults, RelayDon, Scenario};
use relay_verifier::signing::{gateway, LogicalResult, RelayNode, ResponseShape, SecretValue};
use relay_verifier::{RequestParams, Verdict, VerifiedResponse, Verifier};

mod common;
use common::requests::params;

/// Random scenarios per N and per property.
const CASES: u32 = 128;

const SIZES: [usize; 4] = [4, 7, 16, 31];

fn entry(key: &str, ns: &str, ct: &str, shares: Option<Vec<String>>) -> SecretValue {
    SecretValue {
        key: key.into(),
        namespace: ns.into(),
        ciphertext: ct.into(),
        encrypted_shares: shares,
    }
}

/// Honest results: arbitrary text (escapes, non-ASCII) in every string.
fn honest_result(secrets: bool) -> impl Strategy<Value = LogicalResult> {
    let text = "[a-zA-Z0-9+/=<>&\"\\\\\u{0}-\u{1f}é😀\u{2028}]{0,12}";
    if secrets {
        (
            text,
            text,
            proptest::option::of(proptest::collection::vec(text, 0..4)),
        )
            .prop_map(|(a, b, shares)| {
                LogicalResult::Secrets(Some(vec![
                    entry("DB_URL", "main", &a, shares),
                    entry("API_KEY", "main", &b, None),
                ]))
            })
            .boxed()
    } else {
        (text, text)
            .prop_map(|(payload, error)| LogicalResult::Capability { payload, error })
            .boxed()
    }
}

/// A [`Run`] for one of the sizes: F = ⌊(N−1)/3⌋, up to F faulty nodes, up to
/// N − F honest responses dropped.
fn setup() -> impl Strategy<Value = Run> {
    (0..SIZES.len(), any::<u64>()).prop_flat_map(|(i, seed)| {
        let n = SIZES[i];
        let f = (n - 1) / 3;
        (Just(n), Just(f), 0..=f, 0..=n - f, Just(seed))
    })
}

fn honest_nodes(don: &RelayDon, scenario: &Scenario) -> Vec<[u8; 32]> {
    don.signer_keys()
        .into_iter()
        .enumerate()
        .filter(|(i, _)| !scenario.faulty.contains_key(i))
        .map(|(_, k)| k)
        .collect()
}

/// One simulated DON and gateway: (N, F, faulty count, dropped honest
/// responses, seed), as `setup` draws them.
type Run = (usize, usize, usize, usize, u64);

/// Safety: with at most F faulty nodes, whatever they and the gateway do, an
/// accepted result is the honest one and an honest node signed it; `also`
/// checks what a particular kind of result adds.
fn safety(
    (n, f, faulty, drop, seed): Run,
    params: &RequestParams<'_>,
    honest: &LogicalResult,
    also: impl Fn(&VerifiedResponse<'_>) -> Result<(), TestCaseError>,
) -> Result<(), TestCaseError> {
    let don = RelayDon::new(n, f, seed);
    let scenario = Scenario::random(n, faulty, drop, seed);
    let sim = don.run(params, honest, &scenario).unwrap();
    let verifier = Verifier::new(don.config().unwrap());
    if let Verdict::Accept(v) = verifier.verify(params, sim.body.as_bytes()) {
        prop_assert_eq!(*v.hash(), sim.honest_hash);
        let honest_keys = honest_nodes(&don, &scenario);
        prop_assert!(v.signers().any(|k| honest_keys.contains(k)));
        prop_assert!(v.signer_count() > f);
        also(&v)?;
    }
    Ok(())
}

/// Liveness: whenever at least F+1 honest responses reach the body, the
/// honest result is accepted, whatever the faulty nodes add.
fn liveness(
    (n, f, faulty, drop, seed): Run,
    params: &RequestParams<'_>,
    honest: &LogicalResult,
) -> Result<(), TestCaseError> {
    let don = RelayDon::new(n, f, seed);
    let scenario = Scenario::random(n, faulty, drop, seed);
    let sim = don.run(params, honest, &scenario).unwrap();
    let verifier = Verifier::new(don.config().unwrap());
    if sim.honest_in_body > f {
        match verifier.verify(params, sim.body.as_bytes()) {
            Verdict::Accept(v) => {
                prop_assert_eq!(*v.hash(), sim.honest_hash);
                prop_assert!(v.signer_count() >= sim.honest_in_body);
            }
            Verdict::Reject(e) => prop_assert!(false, "rejected {}: {e}", e.reason()),
        }
    }
    Ok(())
}

/// Determinism: any order of the bundle gives the same verdict, hash and
/// signers.
fn determinism(
    (n, f, faulty, drop, seed): Run,
    other_order: u64,
    params: &RequestParams<'_>,
    honest: &LogicalResult,
) -> Result<(), TestCaseError> {
    let don = RelayDon::new(n, f, seed);
    let verifier = Verifier::new(don.config().unwrap());
    let a = Scenario::random(n, faulty, drop, seed);
    let mut b = a.clone();
    b.gateway.shuffle = Some(other_order);
    let (sa, sb) = (
        don.run(params, honest, &a).unwrap(),
        don.run(params, honest, &b).unwrap(),
    );
    let summary = |body: &str| match verifier.verify(params, body.as_bytes()) {
        Verdict::Accept(v) => Ok((*v.hash(), v.signers().copied().collect::<Vec<_>>())),
        Verdict::Reject(e) => Err(e.reason()),
    };
    prop_assert_eq!(summary(&sa.body), summary(&sb.body));
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(CASES * SIZES.len() as u32))]

    #[test]
    fn safety_on_any_honest_result(run in setup(), honest in any::<bool>().prop_flat_map(honest_result)) {
        let params = params(matches!(honest, LogicalResult::Secrets(_)));
        safety(run, &params, &honest, |_| Ok(()))?;
    }

    #[test]
    fn liveness_on_both_methods(run in setup(), secrets in any::<bool>()) {
        let honest = if secrets {
            LogicalResult::Secrets(Some(vec![entry("TOKEN", "ops", "Y3Q=", Some(vec!["czE=".into()]))]))
        } else {
            LogicalResult::Capability { payload: "cG9uZw==".into(), error: String::new() }
        };
        liveness(run, &params(secrets), &honest)?;
    }

    #[test]
    fn determinism_on_both_methods(run in setup(), secrets in any::<bool>(), other_order in any::<u64>()) {
        let honest = if secrets {
            LogicalResult::Secrets(None)
        } else {
            LogicalResult::Capability { payload: String::new(), error: "boom".into() }
        };
        determinism(run, other_order, &params(secrets), &honest)?;
    }

    /// Every envelope shape the shim writes parses and verifies.
    #[test]
    fn round_trip(honest in any::<bool>().prop_flat_map(honest_result), shape in 0..3u8, seed in any::<u64>()) {
        let params = params(matches!(honest, LogicalResult::Secrets(_)));
        let don = RelayDon::new(4, 1, seed);
        let verifier = Verifier::new(don.config().unwrap());
        let shape = [ResponseShape::Current, ResponseShape::ArrayOnly, ResponseShape::SingleOnly][shape as usize];
        let responses: Vec<_> = don.nodes()[..2].iter().map(|n| n.respond_as(&params, &honest, shape).unwrap()).collect();
        let want = relay_verifier::signing::hash_any_size(&params, honest.to_go_json().as_bytes()).unwrap();
        // A single node response carries one signer: below quorum, but it parses.
        match verifier.verify(&params, responses[0].to_json().as_bytes()) {
            Verdict::Reject(relay_verifier::Error::NoQuorum(q)) => prop_assert_eq!(q.stats.counted, 1),
            other => prop_assert!(false, "single response: {other:?}"),
        }
        let bundle = gateway::bundle(&responses);
        let v = verifier.verify(&params, bundle.as_bytes()).into_result().unwrap();
        prop_assert_eq!(*v.hash(), want);
        prop_assert_eq!(v.index(), Some(0));
        let sigs = responses.iter().map(|r| r.signature.clone().or_else(|| r.signatures.as_ref().and_then(|s| s.first().cloned())).unwrap()).collect();
        let merged = gateway::merge(&honest.to_go_json(), sigs);
        let v = verifier.verify(&params, merged.as_bytes()).into_result().unwrap();
        prop_assert_eq!(*v.hash(), want);
        prop_assert_eq!(v.index(), None);
    }
}

/// Consensus-report answers (PROTOCOL.md §11): every honest node sends the
/// same report with its own subset and order of OCR signatures.
fn report(seed: u64) -> LogicalResult {
    LogicalResult::Report(ConsensusReport::sample(seed, 7))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(CASES * SIZES.len() as u32 / 2))]

    /// Grouping never admits a report no honest node sent, and the verified
    /// result is one node's own answer, as it was signed.
    #[test]
    fn report_safety(run in setup()) {
        let params = params(false);
        safety(run, &params, &report(run.4), |v| {
            prop_assert!(v.capability().is_none(), "a report is handed out, not returned as sent");
            let payload = v.capability_as_sent().unwrap().payload.as_str().unwrap();
            let as_sent = format!(r#"{{"payload":"{payload}"}}"#);
            prop_assert_eq!(relay_verifier::canonical_hash(&params, as_sent.as_bytes()).unwrap(), *v.signature_hash());
            Ok(())
        })?;
    }

    /// F+1 honest answers, each with different OCR signatures, are accepted.
    #[test]
    fn report_liveness(run in setup()) {
        liveness(run, &params(false), &report(run.4))?;
    }

    #[test]
    fn report_determinism(run in setup(), other_order in any::<u64>()) {
        determinism(run, other_order, &params(false), &report(run.4))?;
    }
}

/// Honest report answers differ as sent but share one group; the report
/// faults land in groups of their own.
#[test]
fn report_answers_group_and_report_faults_do_not() {
    let params = params(false);
    let don = RelayDon::new(7, 2, 11);
    let honest = report(11);
    let sim = don
        .run(
            &params,
            &honest,
            &Scenario::honest()
                .faulty(0, [Fault::JunkReport, Fault::ReportUnknownField])
                .faulty(
                    1,
                    [Fault::Forge(0), Fault::Forge(1), Fault::ReportUnknownField],
                ),
        )
        .unwrap();
    let verifier = Verifier::new(don.config().unwrap());
    let mut traces = Vec::new();
    let v = verifier
        .verify_traced(
            &params,
            sim.body.as_bytes(),
            &mut relay_verifier::Workspace::<64, 64>::new(),
            |t| traces.push(t),
        )
        .into_result()
        .unwrap();
    assert_eq!(*v.hash(), sim.honest_hash);
    assert_eq!(v.signer_count(), 5);
    // Five honest answers: five signature hashes, one group hash.
    let honest_traces: Vec<_> = traces
        .iter()
        .filter(|t| sim.origins[t.response].honest && t.outcome.is_ok())
        .collect();
    let mut sig_hashes: Vec<_> = honest_traces.iter().map(|t| t.hash.unwrap()).collect();
    sig_hashes.sort();
    sig_hashes.dedup();
    assert_eq!(sig_hashes.len(), 5);
    assert!(honest_traces
        .iter()
        .all(|t| t.group_hash == Some(sim.honest_hash)));
    // Node 0's junk and extra-field reports and node 1's forgeries are
    // valid signatures, each counted in a group of its own; node 1 signed
    // three reports, so all its votes are dropped as an equivocator's.
    assert_eq!(v.stats().skipped.equivocation, 3);
    assert_ne!(v.signature_hash(), v.hash());
    // The typed view reads the canonical report the quorum attested: no
    // OCR signatures (those are the hand-out's).
    let LogicalResult::Report(sample) = &honest else {
        unreachable!()
    };
    let mut buf = vec![0u8; v.report_len().unwrap()];
    let r = v.report(&mut buf).unwrap();
    assert_eq!(r.config_digest(), &sample.config_digest[..]);
    assert_eq!(r.seq_nr(), sample.seq_nr);
    assert_eq!(r.report_context(), &sample.report_context[..]);
    assert_eq!(r.raw_report(), &sample.raw_report[..]);
    let sender = don.nodes()[sim.origins[v.index().unwrap()].node.unwrap()].public_key();
    let sent = LogicalResult::Report(sample.clone()).node_json(&sender);
    assert!(sent.contains(v.capability_as_sent().unwrap().payload.as_str().unwrap()));
    assert_eq!(r.signature_count(), 0);
    assert!(v.report(&mut buf[..1]).is_none());
    // The hand-out merges the counted honest nodes' OCR signatures: every
    // one is the sample's own, and none is lost to the faulty nodes.
    let hand_out = v.report_hand_out().unwrap();
    let mut work = vec![0u8; hand_out.work_len().unwrap()];
    let handed = hand_out.decode(&mut work).unwrap();
    assert_eq!(handed.counted().count(), 5);
    let merged: Vec<_> = handed.merged().collect();
    assert!(!merged.is_empty());
    for m in &merged {
        let want = &sample.ocr_signatures[m.signer_id as usize];
        assert_eq!(m.signature, &want.signature[..]);
    }
    assert!(matches!(
        hand_out.decode(&mut work[..1]),
        Err(relay_verifier::HandOutError::WorkTooSmall { .. })
    ));
}

/// Every fault kind at once on F nodes of each size: the honest result wins.
#[test]
fn every_fault_kind_together() {
    for n in SIZES {
        let f = (n - 1) / 3;
        let don = RelayDon::new(n, f, n as u64);
        for secrets in [true, false] {
            let params = params(secrets);
            let honest = if secrets {
                LogicalResult::Secrets(Some(vec![entry("API_KEY", "main", "Y3Q=", None)]))
            } else {
                LogicalResult::Capability {
                    payload: "eA==".into(),
                    error: String::new(),
                }
            };
            let mut scenario = Scenario::honest().gateway(GatewayFaults {
                shuffle: Some(7),
                duplicate: 3,
                junk: 3,
                foreign: 2,
                ..GatewayFaults::default()
            });
            for i in 0..f {
                scenario = scenario.faulty(i, Fault::ALL.iter().copied().skip(i % 3));
            }
            let sim = don.run(&params, &honest, &scenario).unwrap();
            let verifier = Verifier::new(don.config().unwrap());
            let v = verifier
                .verify(&params, sim.body.as_bytes())
                .into_result()
                .unwrap();
            assert_eq!(*v.hash(), sim.honest_hash, "n = {n}");
            assert_eq!(
                v.signer_count(),
                n - f,
                "every honest node counted, n = {n}"
            );
            let stats = v.stats();
            // Foreign, junk, truncated and duplicate candidates cost nothing.
            assert!(stats.verifications <= stats.candidates - stats.skipped.unknown_signer);
            assert!(stats.skipped.unknown_signer >= 2);
        }
    }
}

/// The merged envelope of the earlier gateway, from the simulator.
#[test]
fn merged_envelope_from_the_simulator() {
    let don = RelayDon::new(7, 2, 1);
    let params = params(false);
    let honest = LogicalResult::Capability {
        payload: "eA==".into(),
        error: String::new(),
    };
    let scenario = Scenario::honest()
        .faulty(3, [Fault::Forge(0)])
        .gateway(GatewayFaults {
            merge: true,
            drop: vec![0, 1],
            ..GatewayFaults::default()
        });
    let sim = don.run(&params, &honest, &scenario).unwrap();
    let verifier = Verifier::new(don.config().unwrap());
    let v = verifier
        .verify(&params, sim.body.as_bytes())
        .into_result()
        .unwrap();
    assert_eq!(*v.hash(), sim.honest_hash);
    assert_eq!(v.signer_count(), 4);
    assert_eq!(v.index(), None);
}

/// Honest results too large for the default workspace are skipped; a
/// larger workspace accepts them.
#[test]
fn over_capacity_honest_result_needs_a_bigger_workspace() {
    let don = RelayDon::new(4, 1, 9);
    let params = params(true);
    let honest = LogicalResult::Secrets(Some(
        (0..70)
            .map(|i| entry(&format!("k{i}"), "main", "eA==", None))
            .collect(),
    ));
    let sim = don.run(&params, &honest, &Scenario::honest()).unwrap();
    let verifier = Verifier::new(don.config().unwrap());
    match verifier.verify(&params, sim.body.as_bytes()) {
        Verdict::Reject(relay_verifier::Error::NoQuorum(q)) => {
            // Each node's first candidate finds the result over capacity;
            // its second (the same signer, in `signatures`) is not tried.
            assert_eq!(q.stats.skipped.over_capacity, 4);
            assert_eq!(q.stats.skipped.repeated_signer, 4);
            assert_eq!(q.stats.verifications, 0);
        }
        other => panic!("expected no quorum, got {other:?}"),
    }
    let mut big = relay_verifier::Workspace::<128, 8>::new();
    let v = verifier
        .verify_in(&params, sim.body.as_bytes(), &mut big)
        .into_result()
        .unwrap();
    assert_eq!(*v.hash(), sim.honest_hash);
}

/// Post-check (§9) on results with unexpected, duplicate and missing secrets.
#[test]
fn post_check_on_signed_results() {
    let params = params(true);
    assert!(matches!(params, RequestParams::Secrets(_)));
    let nodes: Vec<RelayNode> = (1..=4u8).map(|i| RelayNode::from_seed([i; 32])).collect();
    let keys: Vec<[u8; 32]> = nodes.iter().map(RelayNode::public_key).collect();
    let verifier = Verifier::new(
        relay_verifier::Config::new(relay_verifier::SignerSet::new(&keys).unwrap(), 1).unwrap(),
    );
    let check = |result: LogicalResult| {
        let responses: Vec<_> = nodes[1..3]
            .iter()
            .map(|n| n.respond(&params, &result).unwrap())
            .collect();
        let body = gateway::bundle(&responses);
        let v = verifier
            .verify(&params, body.as_bytes())
            .into_result()
            .unwrap();
        v.secrets()
            .unwrap()
            .map(|o| {
                o.iter()
                    .map(|s| (s.id.key.to_string(), s.entry.is_some()))
                    .collect::<Vec<_>>()
            })
            .map_err(|e| e.name())
    };
    let unexpected = LogicalResult::Secrets(Some(vec![entry("OTHER", "main", "eA==", None)]));
    assert_eq!(check(unexpected), Err("unexpected_secret"));
    let duplicate = LogicalResult::Secrets(Some(vec![
        entry("TOKEN", "ops", "eA==", None),
        entry("TOKEN", "ops", "eQ==", None),
    ]));
    assert_eq!(check(duplicate), Err("duplicate_secret"));
    let partial = LogicalResult::Secrets(Some(vec![entry("TOKEN", "ops", "eA==", None)]));
    assert_eq!(
        check(partial),
        Ok(vec![
            ("API_KEY".into(), false),
            ("DB_URL".into(), false),
            ("TOKEN".into(), true)
        ])
    );
}

/// The faults a node counted in the honest report's group can commit on
/// what it carries (PROTOCOL.md §11, "What is handed out"), and honesty.
const OCR_FAULTS: [Fault; 5] = [
    Fault::StripOcr,
    Fault::ReplaceOcr,
    Fault::PadOcr,
    Fault::ReportOuterBytes,
    Fault::Honest,
];

/// The hand-out of an accepted report: the payload text and the merged
/// (signer_id, signature, carriers) list.
type HandOut = (String, Vec<(u32, Vec<u8>, u32)>);

/// Also each counted response's OCR signatures, and its relay signer.
type Counted = Vec<(Vec<(u32, Vec<u8>)>, [u8; 32])>;

fn hand_out_of(v: &VerifiedResponse<'_>) -> (HandOut, Counted) {
    let hand_out = v.report_hand_out().expect("a report result");
    let mut work = vec![0u8; hand_out.work_len().unwrap()];
    let report = hand_out.decode(&mut work).unwrap();
    let mut payload = vec![0u8; report.payload_len().unwrap()];
    let n = report.write_payload(&mut payload).unwrap();
    assert_eq!(n, payload.len());
    let merged = report
        .merged()
        .map(|m| (m.signer_id, m.signature.to_vec(), m.carriers))
        .collect();
    let counted = report
        .counted()
        .map(|c| {
            let sigs = c
                .signatures
                .map(|s| (s.signer_id, s.signature.to_vec()))
                .collect();
            (sigs, *c.signer)
        })
        .collect();
    ((String::from_utf8(payload).unwrap(), merged), counted)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(CASES * SIZES.len() as u32 / 2))]

    /// Whatever the faulty nodes counted in the report's group carry and
    /// whichever response the gateway puts first, the hand-out is the same,
    /// keeps every pair F+1 counted honest nodes carry, and is the honest
    /// report with the merged signatures, encoded as the Go side would.
    #[test]
    fn report_hand_out_ignores_order_and_keeps_honest_pairs(
        run in setup(),
        picks in proptest::collection::vec(0..OCR_FAULTS.len(), 10),
        other_order in any::<u64>(),
    ) {
        let (n, f, faulty, drop, seed) = run;
        let params = params(false);
        let sample = ConsensusReport::sample(seed, 7);
        let honest = LogicalResult::Report(sample.clone());
        let don = RelayDon::new(n, f, seed);
        let mut scenario = Scenario::random(n, faulty, drop, seed);
        for (k, faults) in scenario.faulty.values_mut().enumerate() {
            *faults = vec![OCR_FAULTS[picks[k % picks.len()]]];
        }
        let verifier = Verifier::new(don.config().unwrap());
        let sim = don.run(&params, &honest, &scenario).unwrap();
        let Verdict::Accept(v) = verifier.verify(&params, sim.body.as_bytes()) else {
            return Ok(());
        };
        prop_assert!(v.capability().is_none());
        let work = v.report_hand_out().unwrap().work_len().unwrap();
        prop_assert!(work <= 8 * sim.body.len(), "{} work bytes for a {}-byte body", work, sim.body.len());
        let (out, counted) = hand_out_of(&v);
        // The payload is the honest report with the merged pairs, nothing else.
        let merged_sigs: Vec<_> = out.1.iter().map(|(id, sig, _)| OcrSignature {
            signer_id: *id,
            signature: sig.clone(),
        }).collect();
        prop_assert_eq!(&out.0, &sample.payload_with(&merged_sigs));
        // Every pair carried by F+1 counted honest responses is merged.
        let honest_keys = honest_nodes(&don, &scenario);
        let mut carried: std::collections::BTreeMap<(u32, Vec<u8>), usize> = Default::default();
        for (sigs, key) in &counted {
            if honest_keys.contains(key) {
                let mut own: Vec<_> = sigs.clone();
                own.sort();
                own.dedup();
                for pair in own {
                    *carried.entry(pair).or_default() += 1;
                }
            }
        }
        for ((id, sig), count) in carried.into_iter().filter(|(_, c)| *c > f) {
            prop_assert!(
                out.1.iter().any(|(i, s, c)| *i == id && *s == sig && *c as usize >= count),
                "pair of signer_id {} carried by {} honest responses is missing", id, count
            );
        }
        // Another order of the same responses: the same hand-out.
        scenario.gateway.shuffle = Some(other_order);
        let sim = don.run(&params, &honest, &scenario).unwrap();
        if let Verdict::Accept(w) = verifier.verify(&params, sim.body.as_bytes()) {
            if w.signers().eq(v.signers()) {
                prop_assert_eq!(hand_out_of(&w).0, out);
            }
        }
    }
}

/// The issue's reproduction (N = 4, F = 1): a faulty node whose report
/// agrees with the honest one answers first with every OCR signature
/// stripped, or with bytes outside the report. It is counted, and the
/// verified response is its own, but what is handed out is the honest
/// report with the honest nodes' signatures merged.
#[test]
fn a_faulty_first_response_no_longer_chooses_the_payload() {
    let params = params(false);
    let sample = ConsensusReport::sample(3, 7);
    let honest = LogicalResult::Report(sample.clone());
    let don = RelayDon::new(4, 1, 3);
    let verifier = Verifier::new(don.config().unwrap());
    for fault in [Fault::StripOcr, Fault::ReportOuterBytes, Fault::PadOcr] {
        let scenario = Scenario::honest().faulty(0, [fault]);
        let sim = don.run(&params, &honest, &scenario).unwrap();
        let v = verifier
            .verify(&params, sim.body.as_bytes())
            .into_result()
            .unwrap();
        assert_eq!(
            v.index(),
            Some(0),
            "{fault:?}: the faulty response comes first"
        );
        assert_eq!(v.signer_count(), 4, "{fault:?}: and is counted");
        let sent = v.capability_as_sent().unwrap().payload.to_string();
        let ((payload, merged), counted) = hand_out_of(&v);
        assert_ne!(payload, sent, "{fault:?}");
        assert_eq!(counted.len(), 4);
        // Every honest node's own signatures are merged, each pair once.
        for key in &don.signer_keys()[1..] {
            for s in sample.own_signatures(key) {
                assert!(
                    merged
                        .iter()
                        .any(|(id, sig, _)| *id == s.signer_id && *sig == s.signature),
                    "{fault:?}: signer_id {} lost",
                    s.signer_id
                );
            }
        }
        let ids: Vec<u32> = merged.iter().map(|m| m.0).collect();
        let mut distinct = ids.clone();
        distinct.sort();
        distinct.dedup();
        assert_eq!(
            ids.len(),
            distinct.len(),
            "{fault:?}: one pair per signer_id"
        );
        // Nothing outside the report: exactly R with the merged pairs.
        let pairs: Vec<OcrSignature> = merged
            .iter()
            .map(|(id, sig, _)| OcrSignature {
                signer_id: *id,
                signature: sig.clone(),
            })
            .collect();
        assert_eq!(payload, sample.payload_with(&pairs), "{fault:?}");
    }
}
