//! The enclave's own state under the stack bound: every §13 vote sequence
//! of `config/rotation.json`, taken with a [`Rotation`] and a [`VoteWork`]
//! the embedder keeps off the stack (as firmware keeps them in `.bss`).

use relay_verifier::{CanonicalHash, Rotation, RotationConfig, VoteOutcome, VoteWork};
use serde_json::Value;

/// One rotation case: its state, made at start-up, and its steps.
pub struct RotationRun {
    pub rotation: Box<Rotation>,
    pub steps: Vec<(Vec<u8>, u64)>,
    /// What each step comes to, found off the bounded stack.
    pub want: Vec<String>,
}

/// Every rotation case, fresh.
pub fn rotation_runs(file: &Value) -> Vec<RotationRun> {
    let cases = file["rotation_cases"].as_array().expect("rotation_cases");
    cases
        .iter()
        .map(|case| {
            let current = case["current_config_json"].as_str().expect("config");
            let current = RotationConfig::from_json(current.as_bytes()).expect("valid");
            let lifetime = case["vote_lifetime"].as_u64().expect("lifetime");
            let steps: Vec<(Vec<u8>, u64)> = case["steps"]
                .as_array()
                .expect("steps")
                .iter()
                .map(|s| {
                    let body = s["body_json"].as_str().expect("body").as_bytes().to_vec();
                    (body, s["at"].as_u64().expect("at"))
                })
                .collect();
            let fresh = || Box::new(Rotation::with_vote_lifetime(current.clone(), lifetime));
            let mut work = Box::new(VoteWork::new());
            let mut probe = fresh();
            let want = steps
                .iter()
                .map(|(body, at)| outcome(&mut probe, &mut work, body, *at))
                .collect();
            RotationRun {
                rotation: fresh(),
                steps,
                want,
            }
        })
        .collect()
}

/// One vote's outcome, in a word and the hash.
#[inline(never)]
pub fn outcome(rotation: &mut Rotation, work: &mut VoteWork, body: &[u8], at: u64) -> String {
    match rotation.take_vote(body, at, work) {
        Ok(VoteOutcome::Applied(a)) => format!("applied {}", a.hash()),
        Ok(VoteOutcome::Collected {
            hash, collected, ..
        }) => format!("collected {hash} {collected}"),
        Ok(VoteOutcome::AlreadyCurrent) => "already_current".into(),
        Ok(_) => "other".into(),
        Err(e) => e.reason().into(),
    }
}

/// Takes every step of every run; whether each came to what it did off the
/// bounded stack. Only library calls and comparisons: no formatting.
#[inline(never)]
pub fn rotate_all(runs: &mut [RotationRun], work: &mut VoteWork) -> bool {
    runs.iter_mut().all(|run| {
        let RotationRun {
            rotation,
            steps,
            want,
        } = run;
        steps.iter().zip(want.iter()).all(|((body, at), want)| {
            let got = rotation.take_vote(body, *at, work);
            let word = match &got {
                Ok(VoteOutcome::Applied(_)) => "applied",
                Ok(VoteOutcome::Collected { .. }) => "collected",
                Ok(VoteOutcome::AlreadyCurrent) => "already_current",
                Ok(_) => "other",
                Err(e) => e.reason(),
            };
            want.starts_with(word)
        })
    })
}

#[cfg(feature = "fuzzing")]
pub use guard::*;

/// The §14 vectors give raw hashes: they go in through `__fuzz`.
#[cfg(feature = "fuzzing")]
mod guard {
    use serde_json::Value;

    /// One replay-guard case: its slots, made at start-up, and its steps
    /// (operation, hash, time, whether the outcome is `started`).
    pub struct GuardRun {
        pub slots: Vec<relay_verifier::ReplaySlot>,
        pub capacity: usize,
        pub lifetime: u64,
        pub steps: Vec<(u8, [u8; 32], u64, String)>,
    }

    /// Every case of `replay/guard.json`.
    pub fn guard_runs(file: &Value) -> Vec<GuardRun> {
        let cases = file["cases"].as_array().expect("cases");
        cases
            .iter()
            .map(|case| {
                let capacity = case["capacity"].as_u64().expect("capacity") as usize;
                let steps = case["steps"]
                    .as_array()
                    .expect("steps")
                    .iter()
                    .map(|s| {
                        let op = match s["op"].as_str().expect("op") {
                            "begin" => 0,
                            "finish" => 1,
                            _ => 2,
                        };
                        let hash = hex::decode(s["hash"].as_str().expect("hash")).expect("hex");
                        let hash: [u8; 32] = hash.try_into().expect("32 bytes");
                        let want = s["expect"].as_str().expect("expect").to_string();
                        (op, hash, s["at"].as_u64().expect("at"), want)
                    })
                    .collect();
                GuardRun {
                    slots: vec![relay_verifier::ReplaySlot::EMPTY; capacity * 2],
                    capacity,
                    lifetime: case["lifetime"].as_u64().expect("lifetime"),
                    steps,
                }
            })
            .collect()
    }

    /// Runs every step of every guard case; whether each outcome's name is
    /// the one the vectors give. Only library calls and comparisons.
    #[inline(never)]
    pub fn guard_all(runs: &mut [GuardRun]) -> bool {
        use relay_verifier::__fuzz::{replay_abandon, replay_begin, replay_finish};
        runs.iter_mut().all(|run| {
            let mut guard = relay_verifier::ReplayGuard::new(&mut run.slots)
                .with_capacity(run.capacity)
                .with_lifetime(run.lifetime);
            run.steps.iter().all(|(op, hash, at, want)| {
                let got = match op {
                    0 => match replay_begin(&mut guard, hash, *at) {
                        Ok(()) => "started",
                        Err(why) => why.name(),
                    },
                    1 => replay_finish(&mut guard, hash, *at).name(),
                    _ => replay_abandon(&mut guard, hash, *at).name(),
                };
                got == want
            })
        })
    }
}

/// Each rotation case's config in force: its JSON, the vote lifetime and
/// (found off the bounded stack) its hash, for the start-up bound.
pub fn start_configs(file: &Value) -> Vec<(Vec<u8>, u64, CanonicalHash)> {
    let cases = file["rotation_cases"].as_array().expect("rotation_cases");
    cases
        .iter()
        .map(|case| {
            let json = case["current_config_json"].as_str().expect("config");
            let lifetime = case["vote_lifetime"].as_u64().expect("lifetime");
            let hash = RotationConfig::from_json(json.as_bytes())
                .expect("valid")
                .hash();
            (json.as_bytes().to_vec(), lifetime, hash)
        })
        .collect()
}

/// An enclave's start-up, case by case: the config in force read by
/// `RotationConfig::from_json` and a `Rotation` written into `room` (kept
/// off the stack, as firmware keeps it). Whether every one started with
/// the config and lifetime it names.
#[inline(never)]
pub fn start_all(configs: &[(Vec<u8>, u64, CanonicalHash)], room: &mut Rotation) -> bool {
    configs.iter().all(|(json, lifetime, hash)| {
        match RotationConfig::from_json(json) {
            Ok(current) => *room = Rotation::with_vote_lifetime(current, *lifetime),
            Err(_) => return false,
        }
        room.current().hash() == *hash && room.vote_lifetime() == *lifetime
    })
}
