//! §13 under a Byzantine DON (`signing::rotation`): honest signers rotate
//! the set round after round while faulty signers vote for other and
//! invalid configs, outsiders vote, and the host replays old bodies.
//! Checked against the simulator's truth (who signed what, when), not
//! against the implementation's own bookkeeping:
//!
//! - no config is applied without F+1 current signers' live votes for it;
//! - a retired config never returns, and only the rounds' targets apply;
//! - honest votes for one proposal within the lifetime always apply it;
//! - the state stays within its fixed size: taking a vote allocates
//!   nothing and at most 16 retired hashes are kept.
//!
//! `ROTATION_CASES` scenarios per run (up to 7 signers and 4 rounds);
//! `cargo test --release --all-features --test rotation_properties --
//! --ignored` runs three times as many, with up to 11 signers and 16
//! rounds (each scenario some ten times the work).
#![cfg(feature = "signing")]

use proptest::prelude::*;
use relay_verifier::signing::rotation::{RotationDon, VoteKind, MAX_ROUNDS};
use relay_verifier::{
    CanonicalHash, Rotation, RotationConfig, VoteOutcome, VoteWork, RETIRED_CONFIGS,
};

const ROTATION_CASES: u32 = 1_000;

#[path = "counting/mod.rs"]
mod counting;
use counting::allocations;

/// One scenario, every property checked at every vote.
fn check(n: usize, f: usize, lifetime: u64, seed: u64, rounds: usize) -> Result<(), TestCaseError> {
    let don = RotationDon::new(n, f, lifetime, seed);
    let plan = don.plan(rounds);
    let first = RotationConfig::from_json(plan.initial.to_go_json().as_bytes())
        .map_err(|e| TestCaseError::fail(format!("initial config: {e}")))?;
    let mut rotation = Rotation::with_vote_lifetime(first, lifetime);
    let mut work = Box::new(VoteWork::new());
    // Every config that was in force, oldest first.
    let mut in_force: Vec<CanonicalHash> = vec![rotation.current().hash()];
    let mut applied_round = 0usize;
    let mut since_apply = 0usize; // index of the first event after the last apply
    for (i, event) in plan.events.iter().enumerate() {
        let current_keys: Vec<[u8; 32]> = rotation.current().signers().copied().collect();
        let f_now = rotation.current().f() as usize;
        let (rotation_now, work_now) = (&mut rotation, &mut *work);
        // `{ r }` moves the borrows in, so the outcome may outlive the closure.
        let (got, allocated) = allocations(move || {
            { rotation_now }.take_vote(event.body.as_bytes(), event.at, work_now)
        });
        let outcome = match got {
            Ok(VoteOutcome::Applied(a)) => {
                Some((a.hash(), a.signers().copied().collect::<Vec<_>>()))
            }
            _ => None,
        };
        prop_assert_eq!(allocated, 0, "vote {} allocated", i);
        if let Some((hash, signers)) = outcome {
            // F+1 current signers, each with a live vote for it in the log
            // since the last apply.
            prop_assert!(
                signers.len() > f_now,
                "applied by {} of F = {}",
                signers.len(),
                f_now
            );
            for key in &signers {
                prop_assert!(current_keys.contains(key), "a non-member's vote counted");
                let voted = plan.events[since_apply..=i].iter().any(|e| {
                    don.nodes()[e.signer].public_key() == *key
                        && e.proposal == hash
                        && event.at.saturating_sub(e.at) <= lifetime
                });
                prop_assert!(voted, "a signer without a live vote for it counted");
            }
            prop_assert!(!in_force.contains(&hash), "config {} returned", hash);
            prop_assert_eq!(
                Some(&hash),
                plan.targets.get(applied_round),
                "not the round's target"
            );
            prop_assert!(event.kind == VoteKind::Target || event.kind == VoteKind::Replayed);
            in_force.push(hash);
            applied_round += 1;
            since_apply = i + 1;
        }
        prop_assert_eq!(rotation.current().hash(), *in_force.last().unwrap());
        prop_assert!(rotation.retired().count() <= RETIRED_CONFIGS);
    }
    // Honest votes within one lifetime applied every round's target.
    prop_assert_eq!(
        applied_round,
        plan.targets.len(),
        "{} of {} rounds applied",
        applied_round,
        plan.targets.len()
    );
    let retired: Vec<CanonicalHash> = rotation.retired().copied().collect();
    let keep = in_force.len().saturating_sub(1).min(RETIRED_CONFIGS);
    prop_assert_eq!(
        &retired[..],
        &in_force[in_force.len() - 1 - keep..in_force.len() - 1]
    );
    Ok(())
}

/// A DON size, a fault bound with n ≥ 2f + 1, a lifetime, a seed, and up
/// to `rounds` rounds.
fn scenario(
    sizes: std::ops::Range<usize>,
    rounds: usize,
) -> impl Strategy<Value = (usize, usize, u64, u64, usize)> {
    sizes
        .prop_flat_map(|n| (Just(n), 1..=(n - 1) / 2))
        .prop_flat_map(move |(n, f)| (Just(n), Just(f), 1u64..2_000, any::<u64>(), 1..=rounds))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(ROTATION_CASES))]

    #[test]
    fn a_byzantine_don_rotates_only_by_honest_quorums(
        (n, f, lifetime, seed, rounds) in scenario(3..8, 4),
    ) {
        check(n, f, lifetime, seed, rounds)?;
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(ROTATION_CASES * 3))]

    #[test]
    #[ignore = "the long run: cargo test --release --test rotation_properties -- --ignored"]
    fn a_byzantine_don_rotates_only_by_honest_quorums_long(
        (n, f, lifetime, seed, rounds) in scenario(3..12, MAX_ROUNDS),
    ) {
        check(n, f, lifetime, seed, rounds)?;
    }
}
