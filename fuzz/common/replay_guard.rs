//! The `replay_guard` target: random begin / finish / abandon sequences
//! against [`ReplayGuard`] with few slots and a small capacity (homes
//! collide, chains wrap, removals shift entries), compared step by step
//! with the map of `replay_model.rs`.
//!
//! Input (`arbitrary`): capacity, spare slots, lifetime, start time, then
//! steps of (op, hash from a pool of 12, time step). Beyond equal outcomes:
//! `started` never over a live executed entry, and when the guard answers
//! `full` it still refuses every live entry of the model (nothing live was
//! evicted).

use std::collections::BTreeSet;

use arbitrary::{Arbitrary, Unstructured};
use relay_verifier::__fuzz::{replay_abandon, replay_begin, replay_finish};
use relay_verifier::{BeginRefusal, ReplayGuard, ReplaySlot};

use super::replay_model::{GuardModel, Kind, Op};

const MAX_STEPS: usize = 256;

#[derive(Arbitrary, Debug)]
pub struct GuardInput {
    /// `% 7`: 0 to 6 live entries.
    pub capacity: u8,
    /// `% 4`: slots beyond the capacity.
    pub spare: u8,
    /// `% 6`: 0, 1, 5, 30, 86,400 or u64::MAX seconds.
    pub lifetime: u8,
    /// `% 3`: starts at 0, 1,000 or u64::MAX − 100.
    pub start: u8,
    pub steps: Vec<GuardStep>,
}

#[derive(Arbitrary, Debug)]
pub struct GuardStep {
    /// `% 3`: begin, finish, abandon.
    pub op: u8,
    /// `% 12`: which hash of the pool.
    pub id: u8,
    /// Seconds; negative sends the clock back.
    pub dt: i8,
}

/// Hash `id` of the pool: the first eight bytes (the home) take few
/// values, so chains collide; the last byte tells them apart.
pub fn pooled(id: u8) -> [u8; 32] {
    let mut hash = [0u8; 32];
    hash[0] = id / 5;
    hash[7] = id % 3;
    hash[31] = id;
    hash
}

fn apply(guard: &mut ReplayGuard<'_>, op: Op, hash: &[u8; 32], now: u64) -> &'static str {
    match op {
        Op::Begin => match replay_begin(guard, hash, now) {
            Ok(()) => "started",
            Err(why) => why.name(),
        },
        Op::Finish => replay_finish(guard, hash, now).name(),
        Op::Abandon => replay_abandon(guard, hash, now).name(),
    }
}

/// Entry point of the `replay_guard` target.
pub fn run(data: &[u8]) {
    run_summary(data);
}

/// Runs an input; the outcome names it reached (for seed selection).
pub fn run_summary(data: &[u8]) -> BTreeSet<&'static str> {
    let mut seen = BTreeSet::new();
    let Ok(input) = GuardInput::arbitrary(&mut Unstructured::new(data)) else {
        return seen;
    };
    let capacity = usize::from(input.capacity % 7);
    let slots = capacity + usize::from(input.spare % 4);
    let lifetime = [0, 1, 5, 30, 86_400, u64::MAX][usize::from(input.lifetime % 6)];
    let mut now = [0, 1_000, u64::MAX - 100][usize::from(input.start % 3)];
    let mut storage = vec![ReplaySlot::EMPTY; slots];
    let mut guard = ReplayGuard::new(&mut storage)
        .with_capacity(capacity)
        .with_lifetime(lifetime);
    assert_eq!((guard.capacity(), guard.lifetime()), (capacity, lifetime));
    let mut model = GuardModel::new(capacity, lifetime);
    for (i, step) in input.steps.iter().take(MAX_STEPS).enumerate() {
        now = now.saturating_add_signed(i64::from(step.dt));
        let op = [Op::Begin, Op::Finish, Op::Abandon][usize::from(step.op % 3)];
        let hash = pooled(step.id % 12);
        let executed_before = model.live(&hash, now) == Some(Kind::Executed);
        let want = model.apply(op, hash, now);
        let got = apply(&mut guard, op, &hash, now);
        assert_eq!(got, want, "step {i}: {op:?} #{} at {now}", step.id % 12);
        seen.insert(got);
        assert!(
            !(executed_before && got == "started"),
            "step {i}: a live executed request began again"
        );
        if got == "full" {
            // A begin of a live hash changes nothing (§14), in the model
            // too, so the run goes on as before.
            for (live, kind) in model.live_entries(now) {
                let want = match kind {
                    Kind::InProgress => BeginRefusal::InProgress,
                    Kind::Executed => BeginRefusal::Executed,
                };
                assert_eq!(
                    replay_begin(&mut guard, &live, now),
                    Err(want),
                    "step {i}: a full guard lost a live entry"
                );
            }
        }
    }
    seen
}

/// The first inputs of a fixed pseudo-random stream that reach each
/// outcome (with and without the clock going back).
pub fn seeds() -> Vec<Vec<u8>> {
    super::seeds::first_to_reach(0x2545_F491_4F6C_DD1D, 500, &[], 160, run_summary)
}
