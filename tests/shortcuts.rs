//! The relay walk's speed shortcuts against the plain path they stand in
//! for: the last-result reuse (a result repeated byte for byte is not read
//! again) and the hash reuse (`ResponseHasher`: the request's part of every
//! hash written once, a repeated result's hashes and a repeated §11 form's
//! group hash reused). With both left out (`__fuzz::verify_plain`), every
//! simulated body gives the same verdict — hash, signers, index, counts, or
//! the same error — and the same trace of every candidate.
//!
//! The other shortcuts are held to their plain paths where they live: the
//! word-at-a-time string scans (`read/json`, `word_scan_shortcut_…`), the
//! Go-layout signature reader (`message/envelope`, `go_layout_shortcut_…`),
//! the repeated-label decode (`trust/candidate`, `label_shortcut_…`), and
//! the batch and precomputed backends (`tests/batch.rs`,
//! `door/precomputed`).
#![cfg(all(feature = "signing", feature = "fuzzing"))]

use proptest::prelude::*;
use proptest::test_runner::TestCaseError;
use relay_verifier::__fuzz::verify_plain;
use relay_verifier::signing::report::ConsensusReport;
use relay_verifier::signing::simulator::{RelayDon, Scenario};
use relay_verifier::signing::{LogicalResult, SecretValue};
use relay_verifier::{CandidateTrace, Verdict, Verifier, Workspace};

mod common;
use common::requests::params;

const SIZES: [usize; 4] = [4, 7, 16, 31];

/// An honest result of each kind: secrets (with escapes and shares),
/// a plain capability payload, or a consensus report.
fn honest(kind: u8, seed: u64, text: String) -> LogicalResult {
    match kind {
        0 => LogicalResult::Secrets(Some(vec![
            SecretValue {
                key: "DB_URL".into(),
                namespace: "main".into(),
                ciphertext: text.clone(),
                encrypted_shares: Some(vec![text.clone(), "c2hhcmU=".into()]),
            },
            SecretValue {
                key: "API_KEY".into(),
                namespace: "main".into(),
                ciphertext: "Y3Q=".into(),
                encrypted_shares: None,
            },
        ])),
        1 => LogicalResult::Capability {
            payload: text,
            error: String::new(),
        },
        _ => LogicalResult::Report(ConsensusReport::sample(seed, 7)),
    }
}

type Traced<'a> = (Verdict<'a>, Vec<CandidateTrace>);

fn same(shortcut: &Traced<'_>, plain: &Traced<'_>) -> Result<(), TestCaseError> {
    prop_assert_eq!(&shortcut.1, &plain.1, "traces differ");
    match (&shortcut.0, &plain.0) {
        (Verdict::Accept(a), Verdict::Accept(b)) => {
            prop_assert_eq!(a.hash(), b.hash());
            prop_assert_eq!(a.signature_hash(), b.signature_hash());
            prop_assert_eq!(
                a.signers().collect::<Vec<_>>(),
                b.signers().collect::<Vec<_>>()
            );
            prop_assert_eq!(a.index(), b.index());
            prop_assert_eq!(a.stats(), b.stats());
        }
        (Verdict::Reject(a), Verdict::Reject(b)) => prop_assert_eq!(a, b),
        (a, b) => prop_assert!(false, "verdicts differ: {a:?} / {b:?}"),
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Honest and faulty nodes, a misbehaving gateway (duplicates, junk,
    /// forgeries, shuffles): the shortcuts change no verdict, count or trace.
    #[test]
    fn walk_shortcuts_agree_with_the_plain_path(
        size in 0..SIZES.len(),
        faulty_share in 0.0..1.0f64,
        drop_share in 0.0..1.0f64,
        kind in 0..3u8,
        seed in any::<u64>(),
        text in "[a-zA-Z0-9+/=\"\\\\\u{0}-\u{1f}é😀]{0,12}",
    ) {
        let n = SIZES[size];
        let f = (n - 1) / 3;
        let faulty = (faulty_share * (f + 1) as f64) as usize;
        let drop = (drop_share * (n - f + 1) as f64) as usize;
        let params = params(kind == 0);
        let don = RelayDon::new(n, f, seed);
        let scenario = Scenario::random(n, faulty.min(f), drop.min(n - f), seed);
        let sim = don.run(&params, &honest(kind, seed, text), &scenario).unwrap();
        let verifier = Verifier::new(don.config().unwrap());
        let body = sim.body.as_bytes();
        let mut traces = Vec::new();
        let mut workspace = Workspace::<64, 64>::new();
        let shortcut = verifier.verify_traced(&params, body, &mut workspace, |t| traces.push(t));
        let shortcut = (shortcut, traces);
        let mut traces = Vec::new();
        let mut workspace = Workspace::<64, 64>::new();
        let plain = verify_plain(&verifier, &params, body, &mut workspace, |t| traces.push(t));
        same(&shortcut, &(plain, traces))?;
    }
}

/// Small workspaces: a result over capacity is skipped the same way on
/// both paths (the last-result reuse keeps an over-capacity reading too).
#[test]
fn over_capacity_results_agree_with_the_plain_path() {
    let params = params(true);
    for seed in 0..32u64 {
        let don = RelayDon::new(7, 2, seed);
        let scenario = Scenario::random(7, 2, 2, seed);
        let sim = don
            .run(&params, &honest(0, seed, "YQ==".into()), &scenario)
            .unwrap();
        let verifier = Verifier::new(don.config().unwrap());
        let body = sim.body.as_bytes();
        let mut traces = Vec::new();
        let shortcut = verifier.verify_traced(&params, body, &mut Workspace::<1, 1>::new(), |t| {
            traces.push(t)
        });
        let shortcut = (shortcut, traces);
        let mut traces = Vec::new();
        let plain = verify_plain(
            &verifier,
            &params,
            body,
            &mut Workspace::<1, 1>::new(),
            |t| traces.push(t),
        );
        same(&shortcut, &(plain, traces)).unwrap();
        assert!(
            shortcut.1.iter().any(|t| t.outcome.is_err()),
            "seed {seed}: some candidate is skipped"
        );
    }
}
