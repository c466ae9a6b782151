//! PROTOCOL.md §12 rule by rule, and the simulated Byzantine Workflow DON
//! against the verifier (safety, liveness, cost, the cheaper trial).
#![cfg(feature = "signing")]

use std::collections::BTreeSet;

#[path = "../fuzz/common/compute_model.rs"]
mod compute_model;

use proptest::prelude::*;
use relay_verifier::signing::compute::{
    batch_json, forged, ComputeFault, ComputeRequestData, SignedComputeRequest, WorkflowDon,
};
use relay_verifier::{
    CanonicalHash, ComputeError, ComputeStats, ComputeVerdict, EntrySkip, EntryTrace, Expected,
    Verifier,
};

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
            Some(EntrySkip::Repeat), // node 2's very bytes again
            None,
        ]
    );
    // Every key counted: a further entry (not a repeat: another signature)
    // costs nothing.
    let mut entries: Vec<SignedComputeRequest> =
        don.nodes().iter().map(|n| n.sign(&request)).collect();
    let mut late = entries[0].clone();
    late.signature.as_mut().unwrap()[5] ^= 0x10;
    entries.push(late);
    let body = batch_json(&entries);
    let traces = traced(&verifier, &body).1;
    let last = traces.last().unwrap();
    assert_eq!((last.outcome, last.trials), (Err(EntrySkip::AllCounted), 0));
}

/// The verdict and every entry's trace.
fn traced<'v>(verifier: &'v Verifier, body: &'v str) -> (ComputeVerdict<'v>, Vec<EntryTrace>) {
    let mut traces = Vec::new();
    let verdict = verifier.verify_compute_traced(body.as_bytes(), |t| traces.push(t));
    (verdict, traces)
}

/// The stats of a verdict that read the whole batch.
fn stats(verdict: &ComputeVerdict<'_>) -> ComputeStats {
    match verdict {
        ComputeVerdict::Accept(v) => *v.stats(),
        ComputeVerdict::Reject(ComputeError::NoQuorum(q)) => q.stats,
        other => panic!("no stats in {other:?}"),
    }
}

/// Every node of a DON of 8 outside `don`'s set signs `request`.
fn foreign(request: &ComputeRequestData) -> Vec<SignedComputeRequest> {
    WorkflowDon::new(8, 2, 0xf0f0)
        .nodes()
        .iter()
        .map(|n| n.sign(request))
        .collect()
}

#[test]
fn a_malformed_last_entry_costs_no_verification() {
    let (don, verifier) = don();
    let body = honest_batch(&don);
    // Four honest entries, then one whose requestID is 31 bytes long.
    let last = body.rfind("\"requestID\":[").unwrap() + "\"requestID\":[".len();
    let mut bad = body.clone();
    bad.replace_range(last..last + body[last..].find(',').unwrap() + 1, "");
    let (verdict, traces) = traced(&verifier, &bad);
    match verdict {
        ComputeVerdict::Reject(ComputeError::Malformed(m)) => {
            assert_eq!(m.expected, Expected::RequestId)
        }
        other => panic!("{other:?}"),
    }
    // Not one entry tried, not one verification: the shape came first.
    assert_eq!(traces, []);
    // The same batch with its last entry well-formed costs verifications.
    let (verdict, traces) = traced(&verifier, &body);
    assert!(verdict.is_accept());
    assert!(traces.iter().map(|t| t.trials).sum::<u32>() >= 4);
}

#[test]
fn only_the_first_2n_entries_are_tried() {
    let (don, verifier) = don();
    let request = ComputeRequestData::example();
    let honest: Vec<SignedComputeRequest> = don.nodes().iter().map(|n| n.sign(&request)).collect();
    // N = 4: eight foreign entries fill the room; two honest ones follow.
    let mut past: Vec<SignedComputeRequest> = foreign(&request);
    past.extend_from_slice(&honest[..2]);
    let body = batch_json(&past);
    let (verdict, traces) = traced(&verifier, &body);
    let s = stats(&verdict);
    assert_eq!(verdict.into_result().unwrap_err().reason(), "no_quorum");
    assert_eq!((s.entries, s.over_capacity, s.counted), (10, 2, 0));
    assert_eq!(s.no_key, 8);
    assert!(s.verifications <= 2 * 4 * 4, "{s}");
    for t in &traces[8..] {
        assert_eq!(
            (t.outcome, t.trials, t.hash),
            (Err(EntrySkip::OverCapacity), 0, None)
        );
    }
    // Six foreign entries, then the same two honest ones: tried, counted.
    let mut within: Vec<SignedComputeRequest> = foreign(&request)[..6].to_vec();
    within.extend_from_slice(&honest[..2]);
    let body = batch_json(&within);
    let v = verifier
        .verify_compute(body.as_bytes())
        .into_result()
        .unwrap();
    assert_eq!(v.entry_indices().collect::<Vec<_>>(), [6, 7]);
    assert_eq!((v.stats().over_capacity, v.stats().counted), (0, 2));
    // The room is by position: entries without a signature take it too.
    let mut unsigned: Vec<SignedComputeRequest> = honest.clone();
    for e in &mut unsigned {
        e.signature = None;
    }
    unsigned.extend_from_slice(&honest);
    unsigned.extend_from_slice(&honest);
    let body = batch_json(&unsigned);
    let (verdict, _) = traced(&verifier, &body);
    let s = stats(&verdict);
    assert_eq!(
        (s.missing, s.counted, s.repeats, s.over_capacity),
        (4, 4, 0, 4)
    );
    assert!(verdict.is_accept());
}

#[test]
fn over_capacity_honest_entries_do_not_count() {
    let (don, verifier) = don();
    let request = ComputeRequestData::example();
    // Eight entries signed by node 0 over eight other requests (its third
    // proves it an equivocator), then every node's honest entry.
    let mut entries: Vec<SignedComputeRequest> = (0..8)
        .map(|k| don.nodes()[0].sign(&forged(&request, k)))
        .collect();
    entries.extend(don.nodes().iter().map(|n| n.sign(&request)));
    let body = batch_json(&entries);
    let (verdict, traces) = traced(&verifier, &body);
    let s = stats(&verdict);
    match verdict {
        ComputeVerdict::Reject(ComputeError::NoQuorum(q)) => {
            assert_eq!(q.leader, None, "node 0 was excluded, no one else counted");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!((s.over_capacity, s.counted), (4, 2));
    assert!(traces[8..]
        .iter()
        .all(|t| t.outcome == Err(EntrySkip::OverCapacity) && t.trials == 0));
    // The honest entries first: accepted, without node 0, whose first
    // forged requests are still tried and prove it an equivocator.
    entries.rotate_left(8);
    let body = batch_json(&entries);
    let v = verifier
        .verify_compute(body.as_bytes())
        .into_result()
        .unwrap();
    assert_eq!(*v.hash(), request.hash());
    assert_eq!(v.signer_count(), 3);
    assert!(v.signers().all(|k| *k != don.nodes()[0].public_key()));
}

#[test]
fn repeats_are_free() {
    let (don, verifier) = don();
    let request = ComputeRequestData::example();
    let signed: Vec<SignedComputeRequest> = don.nodes().iter().map(|n| n.sign(&request)).collect();
    // Node 2's entry seven times, then node 3's.
    let mut entries = vec![signed[2].clone(); 7];
    entries.push(signed[3].clone());
    let body = batch_json(&entries);
    let (verdict, traces) = traced(&verifier, &body);
    let s = stats(&verdict);
    assert_eq!((s.counted, s.repeats), (2, 6));
    assert!(s.verifications <= 4 + 3, "{s}");
    for t in &traces[1..7] {
        assert_eq!(t.outcome, Err(EntrySkip::Repeat));
        assert_eq!(t.trials, 0);
        assert_eq!(t.hash, Some(request.hash()));
    }
    let v = verdict.into_result().unwrap();
    assert_eq!(v.entry_indices().collect::<Vec<_>>(), [0, 7]);
    // An invalid signature repeated: tried once, against every key.
    let mut bad = signed[1].clone();
    bad.signature.as_mut().unwrap()[5] ^= 0x10;
    let body = batch_json(&vec![bad; 5]);
    let (verdict, traces) = traced(&verifier, &body);
    assert_eq!(stats(&verdict).verifications, 4);
    assert_eq!(traces[0].outcome, Err(EntrySkip::NoKey));
    assert!(traces[1..]
        .iter()
        .all(|t| t.outcome == Err(EntrySkip::Repeat)));
    // The same signature bytes over another request are no repeat: tried.
    let mut other = signed[2].clone();
    other.request = forged(&request, 0);
    let body = batch_json(&[signed[2].clone(), other]);
    let (_, traces) = traced(&verifier, &body);
    assert_eq!(traces[1].outcome, Err(EntrySkip::NoKey));
    assert_eq!(
        traces[1].trials, 4,
        "every key: none is counted for that request"
    );
    // Same signature, same hash, other shares (not hashed): a repeat.
    let mut reshared = signed[2].clone();
    reshared.request.encrypted_decryption_key_shares = Some(vec![vec![b"x".to_vec()]]);
    let body = batch_json(&[signed[2].clone(), reshared]);
    let (_, traces) = traced(&verifier, &body);
    assert_eq!(
        (traces[1].outcome, traces[1].trials),
        (Err(EntrySkip::Repeat), 0)
    );
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
        let bad_nodes: BTreeSet<usize> = faulty.iter().map(|x| x.0).collect();
        prop_assume!(bad_nodes.len() <= f);
        faulty.sort();
        let mut sim = don.run(&request, &faulty);
        // §12 tries the first 2N entries: an honest batch has N, so faulty
        // nodes here send at most N (below, the batch is also rotated).
        while sim.origins.len() > 2 * n {
            faulty.pop();
            sim = don.run(&request, &faulty);
        }
        let bad_nodes: BTreeSet<usize> = faulty.iter().map(|x| x.0).collect();
        let verdict = verifier.verify_compute(sim.body.as_bytes());
        let v = verdict.into_result().map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(*v.hash(), request.hash());
        prop_assert!(v.signer_count() >= n - bad_nodes.len());
        prop_assert!(v.stats().verifications as usize <= v.stats().entries as usize * n);
        prop_assert!(v.stats().verifications as usize <= 2 * n * n);
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

/// One entry of a generated batch.
#[derive(Clone, Copy, Debug)]
enum Made {
    /// Node `i` (of N) signs request `k` (0: the example, else forged).
    Signed(usize, u8),
    /// A key outside the set signs request `k`.
    Foreign(u8),
    /// Node `i`'s signature of request `k`, one bit flipped.
    Invalid(usize, u8),
    /// A 63-byte signature.
    Short,
    /// `signature: null`.
    Unsigned,
    /// The bytes of an earlier entry (the `j`-th, modulo those before).
    Replay(usize),
}

fn made() -> impl Strategy<Value = Made> {
    prop_oneof![
        4 => (any::<usize>(), 0u8..3).prop_map(|(i, k)| Made::Signed(i, k)),
        1 => (0u8..3).prop_map(Made::Foreign),
        1 => (any::<usize>(), 0u8..3).prop_map(|(i, k)| Made::Invalid(i, k)),
        1 => Just(Made::Short),
        1 => Just(Made::Unsigned),
        3 => any::<usize>().prop_map(Made::Replay),
    ]
}

fn request_number(k: u8) -> ComputeRequestData {
    match k {
        0 => ComputeRequestData::example(),
        k => forged(&ComputeRequestData::example(), k - 1),
    }
}

/// What a generated entry is known to be: the configured key of its valid
/// signature (if any), and its hash.
type Label = (Option<[u8; 32]>, CanonicalHash);

/// A batch as `made` says, with each entry's label.
fn build(don: &WorkflowDon, made: &[Made]) -> (Vec<SignedComputeRequest>, Vec<Label>) {
    let n = don.nodes().len();
    let outsider = WorkflowDon::new(1, 1, 0xf0f0).nodes()[0].clone();
    let mut entries: Vec<SignedComputeRequest> = Vec::new();
    let mut labels: Vec<Label> = Vec::new();
    let unsigned = || {
        let mut e = don.nodes()[0].sign(&request_number(0));
        e.signature = None;
        e
    };
    for m in made {
        let (entry, key) = match *m {
            Made::Signed(i, k) => {
                let node = &don.nodes()[i % n];
                (node.sign(&request_number(k)), Some(node.public_key()))
            }
            Made::Foreign(k) => (outsider.sign(&request_number(k)), None),
            Made::Invalid(i, k) => {
                let mut e = don.nodes()[i % n].sign(&request_number(k));
                e.signature.as_mut().unwrap()[9] ^= 0x04;
                (e, None)
            }
            Made::Short => {
                let mut e = don.nodes()[0].sign(&request_number(0));
                e.signature.as_mut().unwrap().pop();
                (e, None)
            }
            Made::Replay(j) if !entries.is_empty() => {
                let j = j % entries.len();
                (entries[j].clone(), labels[j].0)
            }
            // The first entry has nothing to replay.
            Made::Replay(_) | Made::Unsigned => (unsigned(), None),
        };
        labels.push((key, entry.request.hash()));
        entries.push(entry);
    }
    (entries, labels)
}

/// The verdict §12 and §7 rules 3–4 give, from the labels alone, with no
/// repeat rule: of the first 2N entries, each valid signature counts for
/// its key at its first entry per hash; a key on three or more hashes
/// counts nowhere; the winner has at least `threshold` keys, then the
/// most, then the smallest hash. `(hash, signers, entries)`, or `None`.
fn reference(
    labels: &[Label],
    n: usize,
    threshold: usize,
) -> Option<(CanonicalHash, BTreeSet<[u8; 32]>, Vec<usize>)> {
    let (hash, group) = compute_model::winner(labels, n, threshold)?;
    let mut at: Vec<usize> = group.values().copied().collect();
    at.sort();
    Some((hash, group.into_keys().collect(), at))
}

/// The verdict as `(hash, signers, entries)`, or the reason.
type Decided = Result<(CanonicalHash, BTreeSet<[u8; 32]>, Vec<usize>), &'static str>;

fn decided(verdict: &ComputeVerdict<'_>) -> Decided {
    match verdict {
        ComputeVerdict::Accept(v) => Ok((
            *v.hash(),
            v.signers().copied().collect(),
            v.entry_indices().collect(),
        )),
        ComputeVerdict::Reject(e) => Err(e.reason()),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// §12's bounded work: whatever a batch holds and in whatever order
    /// (honest, foreign, invalid, short, unsigned and replayed entries, up
    /// to 3N of them), it costs at most 2N² verifications, at most N an
    /// entry, none past the first 2N; and the verdict is the one the rules
    /// give without the repeat rule, unchanged when the first 2N entries
    /// (and, apart, the rest) are shuffled.
    #[test]
    fn no_batch_costs_more_than_2n_squared(
        n in 2usize..=16,
        seed in any::<u64>(),
        made in proptest::collection::vec(made(), 0..48),
        shuffle in any::<u64>(),
    ) {
        let f = ((n - 1) / 3).max(1);
        let don = WorkflowDon::new(n, f, seed);
        let verifier = Verifier::new(don.config().unwrap());
        let made = &made[..made.len().min(3 * n)];
        let (entries, labels) = build(&don, made);
        let body = batch_json(&entries);
        let (verdict, traces) = traced(&verifier, &body);
        let s = stats(&verdict);
        prop_assert!(s.verifications as usize <= 2 * n * n, "{}", s);
        prop_assert_eq!(traces.iter().map(|t| t.trials).sum::<u32>(), s.verifications);
        prop_assert_eq!(s.entries as usize, entries.len());
        prop_assert_eq!(s.over_capacity as usize, entries.len().saturating_sub(2 * n));
        for t in &traces {
            prop_assert!(t.trials as usize <= n, "{:?}", t);
            if t.entry >= 2 * n {
                prop_assert_eq!((t.outcome, t.trials), (Err(EntrySkip::OverCapacity), 0));
            }
            if t.outcome == Err(EntrySkip::Repeat) {
                prop_assert_eq!(t.trials, 0);
            }
        }
        let want = reference(&labels, n, verifier.config().threshold())
            .ok_or("no_quorum");
        let got = decided(&verdict);
        prop_assert_eq!(&got, &want);

        // Shuffled within the first 2N and within the rest: the same
        // request and signers (positions move).
        let mut order: Vec<usize> = (0..entries.len()).collect();
        let cut = order.len().min(2 * n);
        let mut state = shuffle | 1;
        let mut next = move |below: usize| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % below as u64) as usize
        };
        for part in [0..cut, cut..order.len()] {
            for i in part.clone().skip(1).rev() {
                let j = part.start + next(i - part.start + 1);
                order.swap(i, j);
            }
        }
        let moved: Vec<SignedComputeRequest> = order.iter().map(|&i| entries[i].clone()).collect();
        let moved_body = batch_json(&moved);
        let again = decided(&verifier.verify_compute(moved_body.as_bytes()));
        prop_assert_eq!(
            again.map(|(h, k, _)| (h, k)),
            got.map(|(h, k, _)| (h, k))
        );

        // The cheaper trial: the same verdict and the same counts.
        if let Some((fast, fast_traces)) = precomputed_traced(&verifier, body.as_bytes()) {
            prop_assert_eq!(fast, s);
            prop_assert_eq!(fast_traces, traces);
        }
    }
}

/// The precomputed backend's stats and traces, when the feature is on.
#[cfg(feature = "precomputed")]
fn precomputed_traced(verifier: &Verifier, body: &[u8]) -> Option<(ComputeStats, Vec<EntryTrace>)> {
    let keys = relay_verifier::PrecomputedKeys::new(verifier.config());
    let mut traces = Vec::new();
    let verdict = verifier.verify_compute_precomputed_traced(&keys, body, |t| traces.push(t));
    Some((stats(&verdict), traces))
}

#[cfg(not(feature = "precomputed"))]
fn precomputed_traced(_: &Verifier, _: &[u8]) -> Option<(ComputeStats, Vec<EntryTrace>)> {
    None
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
