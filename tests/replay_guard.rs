//! PROTOCOL.md §14, the replay guard: every case of
//! `../shared/vectors/replay/guard.json` step by step, and a property test
//! against a plain model (a `BTreeMap`) under random interleavings of
//! begin / finish / abandon and time, small capacities and few slots (so
//! homes collide, chains wrap and removals shift entries).

mod common;

use std::collections::BTreeMap;

use common::{assert_no_failures, load_vectors, s};
use proptest::prelude::*;
use relay_verifier::__fuzz::{replay_abandon, replay_begin, replay_finish};
use relay_verifier::{BeginRefusal, ReplayGuard, ReplaySlot};

/// The §14 string for one operation's outcome.
fn apply(guard: &mut ReplayGuard<'_>, op: &str, hash: &[u8; 32], now: u64) -> String {
    match op {
        "begin" => match replay_begin(guard, hash, now) {
            Ok(()) => "started".to_string(),
            Err(why) => why.to_string(),
        },
        "finish" => replay_finish(guard, hash, now).to_string(),
        "abandon" => replay_abandon(guard, hash, now).to_string(),
        other => panic!("unknown op {other}"),
    }
}

/// Runs every case with `slots(capacity)` slots; returns the mismatches
/// and the number of steps run.
fn run_vectors(slots: impl Fn(usize) -> usize) -> (Vec<String>, usize, usize) {
    let file = load_vectors("replay/guard.json");
    let cases = file["cases"].as_array().expect("cases");
    let (mut failures, mut steps_run) = (Vec::new(), 0);
    for case in cases {
        let name = s(case, "name");
        let capacity = case["capacity"].as_u64().expect("capacity") as usize;
        let lifetime = case["lifetime"].as_u64().expect("lifetime");
        let mut storage = vec![ReplaySlot::EMPTY; slots(capacity)];
        let mut guard = ReplayGuard::new(&mut storage)
            .with_capacity(capacity)
            .with_lifetime(lifetime);
        assert_eq!(guard.capacity(), capacity, "{name}: capacity");
        for (i, step) in case["steps"].as_array().expect("steps").iter().enumerate() {
            let hash: [u8; 32] = hex::decode(s(step, "hash"))
                .expect("hex hash")
                .try_into()
                .expect("32 bytes");
            let (op, at) = (s(step, "op"), step["at"].as_u64().expect("at"));
            let got = apply(&mut guard, op, &hash, at);
            let want = s(step, "expect");
            steps_run += 1;
            if got != want {
                failures.push(format!(
                    "{name} step {i} ({op} at {at}): got {got}, want {want}"
                ));
            }
        }
    }
    (failures, cases.len(), steps_run)
}

#[test]
fn every_replay_vector_passes_with_as_many_slots_as_capacity() {
    let (failures, cases, steps) = run_vectors(|c| c);
    assert_eq!(cases, 12, "guard.json holds 12 cases");
    println!("{cases} cases, {steps} steps");
    assert_no_failures(&failures);
}

#[test]
fn every_replay_vector_passes_with_spare_slots() {
    let (failures, _, _) = run_vectors(|c| 2 * c + 1);
    assert_no_failures(&failures);
}

#[test]
fn capacity_zero_refuses_everything() {
    for slots in [0, 3] {
        let mut storage = vec![ReplaySlot::EMPTY; slots];
        let mut guard = ReplayGuard::new(&mut storage).with_capacity(0);
        let hash = [7; 32];
        assert_eq!(apply(&mut guard, "begin", &hash, 0), "full");
        assert_eq!(apply(&mut guard, "finish", &hash, 0), "not_started");
        assert_eq!(apply(&mut guard, "abandon", &hash, 0), "not_started");
        assert_eq!(apply(&mut guard, "begin", &hash, u64::MAX), "full");
    }
}

#[test]
fn times_at_the_ends_of_u64_do_not_overflow() {
    let mut storage = [ReplaySlot::EMPTY; 2];
    let mut guard = ReplayGuard::new(&mut storage).with_lifetime(u64::MAX);
    assert_eq!(apply(&mut guard, "begin", &[1; 32], u64::MAX), "started");
    assert_eq!(apply(&mut guard, "finish", &[1; 32], u64::MAX), "recorded");
    assert_eq!(apply(&mut guard, "begin", &[1; 32], 0), "executed");
    assert_eq!(apply(&mut guard, "begin", &[2; 32], 0), "started");
    assert_eq!(apply(&mut guard, "begin", &[3; 32], u64::MAX), "full");
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    InProgress,
    Executed,
}

/// §14 stated plainly: a map from hash to its entry. Expired entries count
/// for nothing; they stay until a `begin` needs room (then every expired
/// entry is reclaimed) or their hash begins again, so a clock that goes
/// back can make an expired entry live again only until it is reclaimed.
struct Model {
    capacity: usize,
    lifetime: u64,
    entries: BTreeMap<[u8; 32], (Kind, u64)>,
}

impl Model {
    fn live(&self, hash: &[u8; 32], now: u64) -> Option<Kind> {
        let (kind, recorded) = *self.entries.get(hash)?;
        (now.saturating_sub(recorded) <= self.lifetime).then_some(kind)
    }

    fn live_entries(&self, now: u64) -> Vec<([u8; 32], Kind)> {
        let hashes: Vec<[u8; 32]> = self.entries.keys().copied().collect();
        hashes
            .into_iter()
            .filter_map(|h| Some((h, self.live(&h, now)?)))
            .collect()
    }

    fn apply(&mut self, op: Op, hash: [u8; 32], now: u64) -> String {
        let live = self.live(&hash, now);
        match op {
            Op::Begin => match live {
                Some(Kind::InProgress) => "in_progress".into(),
                Some(Kind::Executed) => "executed".into(),
                None => {
                    if self.entries.len() >= self.capacity {
                        // Room is needed: expired entries are reclaimed.
                        let lifetime = self.lifetime;
                        self.entries
                            .retain(|_, (_, at)| now.saturating_sub(*at) <= lifetime);
                    }
                    if self.entries.len() >= self.capacity {
                        return "full".into();
                    }
                    self.entries.insert(hash, (Kind::InProgress, now));
                    "started".into()
                }
            },
            Op::Finish if live == Some(Kind::InProgress) => {
                self.entries.insert(hash, (Kind::Executed, now));
                "recorded".into()
            }
            Op::Abandon if live == Some(Kind::InProgress) => {
                self.entries.remove(&hash);
                "released".into()
            }
            Op::Finish | Op::Abandon => "not_started".into(),
        }
    }
}

#[derive(Clone, Copy, Debug)]
enum Op {
    Begin,
    Finish,
    Abandon,
}

impl Op {
    fn name(self) -> &'static str {
        match self {
            Op::Begin => "begin",
            Op::Finish => "finish",
            Op::Abandon => "abandon",
        }
    }
}

/// Hash `id` of a small pool: few distinct first bytes, so homes collide.
fn pooled(id: u8) -> [u8; 32] {
    let mut hash = [0; 32];
    hash[7] = id % 3;
    hash[0] = id / 5;
    hash[31] = id;
    hash
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![Just(Op::Begin), Just(Op::Finish), Just(Op::Abandon)]
}

/// Same outcomes as the model at every step; never `started` over a live
/// executed entry; after `full`, every live entry still answers as the
/// model says (a full guard forgets nothing).
fn check_against_model(
    capacity: usize,
    spare: usize,
    lifetime: u64,
    steps: Vec<(Op, u8, i64)>,
) -> Result<(), TestCaseError> {
    let mut storage = vec![ReplaySlot::EMPTY; capacity + spare];
    let mut guard = ReplayGuard::new(&mut storage)
        .with_capacity(capacity)
        .with_lifetime(lifetime);
    let mut model = Model {
        capacity,
        lifetime,
        entries: BTreeMap::new(),
    };
    let mut now: u64 = 1_000;
    for (i, (op, id, dt)) in steps.into_iter().enumerate() {
        now = now.saturating_add_signed(dt);
        let hash = pooled(id);
        let executed_before = model.live(&hash, now) == Some(Kind::Executed);
        let want = model.apply(op, hash, now);
        let got = apply(&mut guard, op.name(), &hash, now);
        prop_assert_eq!(&got, &want, "step {} {} #{} at {}", i, op.name(), id, now);
        prop_assert!(
            !(executed_before && got == "started"),
            "replay admitted at step {}",
            i
        );
        if got == "full" {
            for (live, kind) in model.live_entries(now) {
                let answer = replay_begin(&mut guard, &live, now);
                let want = match kind {
                    Kind::InProgress => BeginRefusal::InProgress,
                    Kind::Executed => BeginRefusal::Executed,
                };
                prop_assert_eq!(
                    answer,
                    Err(want),
                    "full guard forgot an entry at step {}",
                    i
                );
            }
        }
    }
    Ok(())
}

/// Steps: an operation, a hash of a pool of 10, a time step (sometimes back).
fn steps(max: usize) -> impl Strategy<Value = Vec<(Op, u8, i64)>> {
    prop::collection::vec((op(), 0u8..10, -15i64..25), 1..max)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2_000))]

    #[test]
    fn the_guard_answers_as_the_model(
        capacity in 0usize..6,
        spare in 0usize..4,
        lifetime in 0u64..40,
        steps in steps(120),
    ) {
        check_against_model(capacity, spare, lifetime, steps)?;
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(50_000))]

    /// The long run: `cargo test --release --all-features --test
    /// replay_guard -- --ignored`.
    #[test]
    #[ignore = "the long run"]
    fn the_guard_answers_as_the_model_long(
        capacity in 0usize..12,
        spare in 0usize..8,
        lifetime in 0u64..60,
        steps in steps(400),
    ) {
        check_against_model(capacity, spare, lifetime, steps)?;
    }
}
