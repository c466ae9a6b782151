//! PROTOCOL.md §12 rule by rule, and the simulated Byzantine Workflow DON
//! against the verifier (safety, liveness, cost, the cheaper trial).
#![cfg(feature = "signing")]

use proptest::prelude::*;
use relay_verifier::signing::compute::{
    batch_json, forged, ComputeFault, ComputeRequestData, WorkflowDon,
};
use relay_verifier::{ComputeError, ComputeVerdict, EntrySkip, Expected, Verifier};

fn don() -> (WorkflowDon, Verifier) {
    let don = WorkflowDon::new(4, 1, 11);
    let verifier = Verifier::new(don.config().unwrap());
    (don, verifier)
}

fn honest_batch(don: &WorkflowDon) -> String {
    don.run(&ComputeRequestData::example(), &[]).body
}

fn malformed(verifier: &Verifier, body: &str) -> Expected {
    match verifier.verify_compute(body.as_bytes()) {
        ComputeVerdict::Reject(ComputeError::Malformed(m)) => m.expected,
        other => panic!("expected malformed, got {other:?} for {body}"),
    }
}

#[test]
fn every_honest_entry_counts_and_shares_are_per_node() {
    let (don, verifier) = don();
    let body = honest_batch(&don);
    let v = verifier
        .verify_compute(body.as_bytes())
        .into_result()
        .unwrap();
    assert_eq!(v.signer_count(), 4);
    assert_eq!(v.entry_indices().collect::<Vec<_>>(), [0, 1, 2, 3]);
    let first_shares: Vec<String> = v
        .entries()
        .map(|e| {
            let list: Vec<String> = e
                .request
                .encrypted_decryption_key_shares()
                .flatten()
                .map(|t| t.to_string())
                .collect();
            list.join("|")
        })
        .collect();
    // Each node's own shares, in entry order (not hashed, so not equal).
    assert_eq!(first_shares.len(), 4);
    assert!(first_shares.windows(2).all(|w| w[0] != w[1]));
    // Each entry tried the keys below its own in set order, at most.
    assert!(v.stats().verifications <= 4 + 3 + 2 + 1);
}

#[test]
fn the_body_must_be_an_array_of_objects() {
    let (don, verifier) = don();
    assert_eq!(malformed(&verifier, "null"), Expected::Array);
    assert_eq!(malformed(&verifier, "{}"), Expected::Array);
    assert_eq!(malformed(&verifier, "[null]"), Expected::Object);
    assert_eq!(malformed(&verifier, "[1]"), Expected::Object);
    assert_eq!(malformed(&verifier, "[] x"), Expected::EndOfInput);
    let body = honest_batch(&don);
    assert_eq!(
        malformed(&verifier, &body.replacen('[', "[{},", 1)),
        Expected::RequestId
    );
    match verifier.verify_compute(b" [ ] ") {
        ComputeVerdict::Reject(e) => assert_eq!(e.reason(), "no_quorum"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn folded_and_repeated_keys_are_malformed() {
    let (don, verifier) = don();
    let body = honest_batch(&don);
    for (from, to, want) in [
        ("\"appID\"", "\"AppID\"", Expected::ExactKey("appID")),
        (
            "\"signature\"",
            "\"\u{17f}ignature\"",
            Expected::ExactKey("signature"),
        ),
        (
            "\"masterPublicKey\"",
            "\"masterPublic\u{212a}ey\"",
            Expected::ExactKey("masterPublicKey"),
        ),
        (
            "\"version\"",
            "\"version\":\"x\",\"version\"",
            Expected::UniqueKey("version"),
        ),
    ] {
        assert_eq!(
            malformed(&verifier, &body.replacen(from, to, 1)),
            want,
            "{to}"
        );
    }
    // An escaped spelling of a known key is that key.
    let escaped = body.replacen("\"appID\"", "\"app\\u0049D\"", 1);
    assert!(verifier.verify_compute(escaped.as_bytes()).is_accept());
}

#[test]
fn every_base64_field_must_be_canonical_shares_included() {
    let (don, verifier) = don();
    let body = honest_batch(&don);
    // A share: not hashed, still checked. "c2g=" is canonical; "c2h=" has
    // non-zero unused bits (Go would accept it).
    let share = body.find("encryptedDecryptionKeyShares\":[[\"").unwrap() + 33;
    let end = share + body[share..].find('"').unwrap();
    let mut bad = body.clone();
    bad.replace_range(share..end, "c2h=");
    let mut good = body.clone();
    good.replace_range(share..end, "c2g=");
    assert_eq!(malformed(&verifier, &bad), Expected::CanonicalBase64);
    assert!(verifier.verify_compute(good.as_bytes()).is_accept());
    // An escaped newline is valid JSON, and what Go's decoder skips: not §6.
    for field in [
        "publicData",
        "enclaveEphemeralPublicKey",
        "masterPublicKey",
        "signature",
    ] {
        let at = body.find(&format!("\"{field}\":\"")).unwrap() + field.len() + 4;
        let mut b = body.clone();
        b.insert_str(at, "\\n");
        assert_eq!(
            malformed(&verifier, &b),
            Expected::CanonicalBase64,
            "{field}"
        );
    }
}

#[test]
fn wrong_types_are_malformed_unknown_keys_are_not() {
    let (don, verifier) = don();
    let body = honest_batch(&don);
    for (from, to) in [
        ("\"appID\":\"", "\"appID\":1,\"x\":\""),
        ("\"CiphertextNames\":[", "\"CiphertextNames\":[1,"),
        ("\"ciphertexts\":[", "\"ciphertexts\":{\"a\":"),
        (
            "\"signature\":\"",
            "\"perNodeData\":{\"a\":1},\"signature\":\"",
        ),
        ("\"requestID\":[", "\"requestID\":[0,"),
    ] {
        let b = body.replacen(from, to, 1);
        assert!(
            !matches!(
                verifier.verify_compute(b.as_bytes()),
                ComputeVerdict::Accept(_)
            ),
            "{to}"
        );
    }
    let extra = body.replace(
        "\"signature\":",
        "\"later\":[{\"deep\":[null]}],\"signature\":",
    );
    assert!(verifier.verify_compute(extra.as_bytes()).is_accept());
    let per_node = body.replace(
        "\"signature\":",
        "\"perNodeData\":{\"k\":\"v\",\"n\":null},\"signature\":",
    );
    assert!(verifier.verify_compute(per_node.as_bytes()).is_accept());
}

#[test]
fn skipped_entries_say_why() {
    let (don, verifier) = don();
    let request = ComputeRequestData::example();
    let sim = don.run(
        &request,
        &[
            (0, ComputeFault::NoSignature),
            (1, ComputeFault::ShortSignature),
            (2, ComputeFault::Duplicate),
        ],
    );
    let mut outcomes = Vec::new();
    let v = verifier
        .verify_compute_traced(sim.body.as_bytes(), |t| outcomes.push(t.outcome.err()))
        .into_result()
        .unwrap();
    assert_eq!(v.signer_count(), 2);
    assert_eq!(
        outcomes,
        [
            Some(EntrySkip::Missing),
            Some(EntrySkip::WrongLength),
            None,
            Some(EntrySkip::NoKey), // node 2 again: its key is counted
            None,
        ]
    );
    // Every key counted: a further entry costs nothing.
    let all = don.run(&request, &[(3, ComputeFault::Duplicate)]);
    let mut trials = Vec::new();
    let _ = verifier.verify_compute_traced(all.body.as_bytes(), |t| trials.push(t.trials));
    assert_eq!(trials.last(), Some(&0));
}

#[test]
fn the_request_checks_run_on_the_winner() {
    let (don, verifier) = don();
    let mut request = ComputeRequestData::example();
    request.ciphertext_names = Some(vec!["ONLY_ONE".into()]);
    let body = don.run(&request, &[]).body;
    match verifier.verify_compute(body.as_bytes()) {
        ComputeVerdict::Reject(e) => assert_eq!(e.reason(), "invalid_request"),
        other => panic!("{other:?}"),
    }
    let mut request = ComputeRequestData::example();
    request.version = String::new();
    let body = batch_json(
        &don.nodes()
            .iter()
            .map(|n| n.sign(&request))
            .collect::<Vec<_>>(),
    );
    match verifier.verify_compute(body.as_bytes()) {
        ComputeVerdict::Reject(e) => assert_eq!(e.to_string(), "invalid request: version is empty"),
        other => panic!("{other:?}"),
    }
}

const SIZES: [usize; 4] = [4, 7, 16, 31];

fn fault() -> impl Strategy<Value = ComputeFault> {
    prop_oneof![
        Just(ComputeFault::Silent),
        Just(ComputeFault::BadSignature),
        Just(ComputeFault::ShortSignature),
        Just(ComputeFault::NoSignature),
        Just(ComputeFault::ForeignKey),
        (0u8..3).prop_map(ComputeFault::DifferentRequest),
        Just(ComputeFault::Equivocate),
        Just(ComputeFault::TamperedShares),
        Just(ComputeFault::Duplicate),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// At most F faulty nodes: the honest request wins, signed by at least
    /// the honest nodes; no entry costs more than N trials; the cheaper
    /// trial reaches the same verdict; shuffling the batch changes nothing
    /// but the entry positions.
    #[test]
    fn byzantine_workflow_don(
        size in 0usize..4,
        seed in any::<u64>(),
        faults in proptest::collection::vec((any::<prop::sample::Index>(), fault()), 0..12),
        rotate in any::<prop::sample::Index>(),
    ) {
        let n = SIZES[size];
        let f = (n - 1) / 3;
        let don = WorkflowDon::new(n, f, seed);
        let verifier = Verifier::new(don.config().unwrap());
        let request = ComputeRequestData::example();
        let mut faulty: Vec<(usize, ComputeFault)> =
            faults.iter().map(|(i, k)| (i.index(f.max(1)) * (n / f.max(1)) % n, *k)).collect();
        let bad_nodes: std::collections::BTreeSet<usize> = faulty.iter().map(|x| x.0).collect();
        prop_assume!(bad_nodes.len() <= f);
        faulty.sort();
        let sim = don.run(&request, &faulty);
        let verdict = verifier.verify_compute(sim.body.as_bytes());
        let v = verdict.into_result().map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(*v.hash(), request.hash());
        prop_assert!(v.signer_count() >= n - bad_nodes.len());
        prop_assert!(v.stats().verifications as usize <= v.stats().entries as usize * n);
        for e in v.entries() {
            prop_assert_eq!(e.request.hash(), request.hash());
        }
        let pre = relay_verifier_precomputed(&verifier, sim.body.as_bytes());
        if let Some((hash, signers, entries)) = pre {
            prop_assert_eq!(hash, *v.hash());
            prop_assert_eq!(signers, v.signers().copied().collect::<Vec<_>>());
            prop_assert_eq!(entries, v.entry_indices().collect::<Vec<_>>());
        }
        // The same entries in another order: same hash and signers.
        let items: Vec<serde_json::Value> = serde_json::from_str(&sim.body).unwrap();
        let mut texts: Vec<String> = items.iter().map(|i| i.to_string()).collect();
        let k = rotate.index(texts.len().max(1));
        texts.rotate_left(k);
        let rotated = format!("[{}]", texts.join(","));
        let w = verifier.verify_compute(rotated.as_bytes()).into_result().unwrap();
        prop_assert_eq!(*w.hash(), *v.hash());
        prop_assert!(w.signers().eq(v.signers()));
    }

    /// F+1 nodes signing another request win against fewer honest ones:
    /// the verifier decides by signatures, not by which request is "right".
    #[test]
    fn a_forged_request_needs_f_plus_one_signers(seed in any::<u64>(), k in 0u8..3) {
        let don = WorkflowDon::new(7, 2, seed);
        let verifier = Verifier::new(don.config().unwrap());
        let request = ComputeRequestData::example();
        let two: Vec<(usize, ComputeFault)> =
            (0..2).map(|i| (i, ComputeFault::DifferentRequest(k))).collect();
        let sim = don.run(&request, &two);
        let v = verifier.verify_compute(sim.body.as_bytes()).into_result().unwrap();
        prop_assert_eq!(*v.hash(), request.hash());
        prop_assert_ne!(*v.hash(), forged(&request, k).hash());
    }
}

#[cfg(feature = "precomputed")]
fn relay_verifier_precomputed(
    verifier: &Verifier,
    body: &[u8],
) -> Option<(relay_verifier::CanonicalHash, Vec<[u8; 32]>, Vec<usize>)> {
    let keys = relay_verifier::PrecomputedKeys::new(verifier.config());
    let v = verifier
        .verify_compute_precomputed(&keys, body)
        .into_result()
        .ok()?;
    Some((
        *v.hash(),
        v.signers().copied().collect(),
        v.entry_indices().collect(),
    ))
}

#[cfg(not(feature = "precomputed"))]
fn relay_verifier_precomputed(
    _: &Verifier,
    _: &[u8],
) -> Option<(relay_verifier::CanonicalHash, Vec<[u8; 32]>, Vec<usize>)> {
    None
}
