//! The enclave's own state (§13, §14): what a replay-guard call and a vote
//! cost. Measured as `benches/compute.rs` measures: contenders interleaved
//! in one process, over rounds (each round runs both sides once, in
//! alternating order), median and minimum reported per side.
//!
//! - **Replay guard** against `std::collections::HashMap` doing the same
//!   bookkeeping (what a hosted enclave, Go's included, reaches for), at
//!   128 slots (a Cortex-M's 64 requests) and 2^20 slots (500,000 requests
//!   a day at half load), filled to 25–90 % with live executed entries.
//!   One step is three calls: `begin` a fresh hash (started), `abandon` it
//!   (released), `begin` an executed one (refused). Linear probing's cost
//!   grows with load, so the guard's docs ask for twice the capacity in
//!   slots; the 75 and 90 % rows show what skimping costs.
//! - **The sweep**: a full guard whose every entry has expired reclaims
//!   them all in the next `begin`, one pass over the slots.
//! - **A vote**: `Rotation::take_vote` for a vote that is collected, by the
//!   first and by the last current signer (the voter is found by trying
//!   the keys in order, so the last one costs N verifications), against
//!   one ed25519 verification.
//!
//! `cargo bench --bench state --features signing,fuzzing [-- ROUNDS]`

use std::collections::HashMap;
use std::hint::black_box;
use std::time::{Duration, Instant};

use ed25519_compact::{PublicKey, Signature};
use relay_verifier::__fuzz::{replay_abandon, replay_begin, replay_finish};
use relay_verifier::signing::{EnclaveConfigData, RelayNode};
use relay_verifier::{
    config_signature_payload, AbandonOutcome, BeginRefusal, FinishOutcome, ReplayGuard, ReplaySlot,
    Rotation, RotationConfig, VoteOutcome, VoteWork,
};
use sha2::{Digest, Sha256};

/// A request hash: SHA-256 outputs, as §14 keys are.
fn request_hash(i: u64) -> [u8; 32] {
    Sha256::digest(i.to_le_bytes()).into()
}

fn median_min(mut v: Vec<Duration>) -> (Duration, Duration) {
    v.sort();
    (v[v.len() / 2], v[0])
}

fn ratio_median_min(mut v: Vec<f64>) -> (f64, f64) {
    v.sort_by(|a, b| a.total_cmp(b));
    (v[v.len() / 2], v[0])
}

/// The guard's bookkeeping with a map: kind (0 in progress, 1 executed)
/// and when it was recorded; nothing expires within the benchmark.
#[derive(Default)]
struct MapGuard {
    entries: HashMap<[u8; 32], (u8, u64)>,
}

impl MapGuard {
    fn begin(&mut self, hash: &[u8; 32], now: u64) -> Result<(), u8> {
        if let Some(&(kind, _)) = self.entries.get(hash) {
            return Err(kind);
        }
        self.entries.insert(*hash, (0, now));
        Ok(())
    }
    fn finish(&mut self, hash: &[u8; 32], now: u64) {
        self.entries.insert(*hash, (1, now));
    }
    fn abandon(&mut self, hash: &[u8; 32]) -> bool {
        self.entries.remove(hash).is_some()
    }
}

const STEPS: usize = 2_000;
const NOW: u64 = 1_000;

fn guard_rows(rounds: usize) {
    println!("## Replay guard: ns per call (3 calls a step), {rounds} rounds of {STEPS} steps");
    println!();
    println!("| slots | filled | guard median | guard min | HashMap median | HashMap min | guard ÷ map (median of rounds) | min of rounds |");
    println!("|---|---|---|---|---|---|---|---|");
    for slots in [128usize, 1 << 20] {
        for percent in [25usize, 50, 75, 90] {
            let filled = slots * percent / 100;
            let mut storage = vec![ReplaySlot::EMPTY; slots];
            let mut guard = ReplayGuard::new(&mut storage).with_lifetime(u64::MAX / 4);
            let mut map = MapGuard::default();
            map.entries.reserve(slots);
            for i in 0..filled as u64 {
                let h = request_hash(i);
                assert_eq!(replay_begin(&mut guard, &h, NOW), Ok(()));
                assert_eq!(replay_finish(&mut guard, &h, NOW), FinishOutcome::Recorded);
                map.begin(&h, NOW).expect("fresh");
                map.finish(&h, NOW);
            }
            let fresh: Vec<[u8; 32]> = (0..STEPS as u64)
                .map(|i| request_hash(u64::MAX - i))
                .collect();
            let executed: Vec<[u8; 32]> = (0..STEPS as u64)
                .map(|i| request_hash(i % filled as u64))
                .collect();

            let run_guard = |guard: &mut ReplayGuard<'_>| {
                let t = Instant::now();
                let mut refused = 0usize;
                for (f, e) in fresh.iter().zip(&executed) {
                    let started = replay_begin(guard, black_box(f), NOW).is_ok();
                    let released = replay_abandon(guard, f, NOW) == AbandonOutcome::Released;
                    let again = replay_begin(guard, black_box(e), NOW);
                    refused +=
                        usize::from(started && released && again == Err(BeginRefusal::Executed));
                }
                let d = t.elapsed();
                assert_eq!(refused, STEPS, "the guard answered every step as §14 says");
                d
            };
            let run_map = |map: &mut MapGuard| {
                let t = Instant::now();
                let mut refused = 0usize;
                for (f, e) in fresh.iter().zip(&executed) {
                    let started = map.begin(black_box(f), NOW).is_ok();
                    let released = map.abandon(f);
                    let again = map.begin(black_box(e), NOW);
                    refused += usize::from(started && released && again == Err(1));
                }
                let d = t.elapsed();
                assert_eq!(refused, STEPS, "the map answered every step");
                d
            };

            let (mut g, mut m, mut r) = (Vec::new(), Vec::new(), Vec::new());
            for round in 0..rounds {
                let (dg, dm) = if round % 2 == 0 {
                    let dg = run_guard(&mut guard);
                    (dg, run_map(&mut map))
                } else {
                    let dm = run_map(&mut map);
                    (run_guard(&mut guard), dm)
                };
                let per_call = |d: Duration| d / (3 * STEPS as u32);
                g.push(per_call(dg));
                m.push(per_call(dm));
                r.push(dg.as_secs_f64() / dm.as_secs_f64());
            }
            let ((gm, gn), (mm, mn), (rm, rn)) =
                (median_min(g), median_min(m), ratio_median_min(r));
            println!(
                "| {slots} | {percent} % ({filled}) | {} | {} | {} | {} | {rm:.2} | {rn:.2} |",
                gm.as_nanos(),
                gn.as_nanos(),
                mm.as_nanos(),
                mn.as_nanos()
            );
        }
    }
    println!();
}

fn sweep_rows(rounds: usize) {
    println!(
        "## The sweep: one `begin` on a full guard whose entries have all expired, {rounds} rounds"
    );
    println!();
    println!(
        "| slots | capacity (held) | the sweeping begin, median | min | the next begin, median |"
    );
    println!("|---|---|---|---|---|");
    for slots in [128usize, 1 << 20] {
        let capacity = slots / 2;
        let mut storage = vec![ReplaySlot::EMPTY; slots];
        let (mut sweeping, mut after) = (Vec::new(), Vec::new());
        for round in 0..rounds as u64 {
            let mut guard = ReplayGuard::new(&mut storage)
                .with_capacity(capacity)
                .with_lifetime(100);
            for i in 0..capacity as u64 {
                let h = request_hash(i ^ (round << 40));
                assert_eq!(replay_begin(&mut guard, &h, 0), Ok(()));
                assert_eq!(replay_finish(&mut guard, &h, 0), FinishOutcome::Recorded);
            }
            let late = request_hash(u64::MAX - round);
            assert_eq!(
                replay_begin(&mut guard, &late, 0),
                Err(BeginRefusal::Full),
                "full while its entries live"
            );
            let t = Instant::now();
            let swept = replay_begin(&mut guard, black_box(&late), 200);
            sweeping.push(t.elapsed());
            assert_eq!(swept, Ok(()), "every entry expired: room again");
            let next = request_hash(u64::MAX - round - 1_000);
            let t = Instant::now();
            let began = replay_begin(&mut guard, black_box(&next), 200);
            after.push(t.elapsed());
            assert_eq!(began, Ok(()));
        }
        let ((sm, sn), (am, _)) = (median_min(sweeping), median_min(after));
        println!(
            "| {slots} | {capacity} | {} µs | {} µs | {} ns |",
            sm.as_micros(),
            sn.as_micros(),
            am.as_nanos()
        );
    }
    println!();
}

fn vote_rows(rounds: usize) {
    println!("## A vote (collected), µs, {rounds} rounds");
    println!();
    println!("| N | F | body bytes | first signer median | min | last signer median | min | one verification median | last ÷ verification |");
    println!("|---|---|---|---|---|---|---|---|---|");
    let master_key = [7u8; 64];
    for n in [4usize, 16, 64] {
        let f = (n - 1) / 3;
        let nodes: Vec<RelayNode> = (0..n)
            .map(|i| RelayNode::from_seed(request_hash(i as u64)))
            .collect();
        let keys: Vec<[u8; 32]> = nodes.iter().map(RelayNode::public_key).collect();
        let current = RotationConfig::new(&keys, &master_key, 2, f as u32).expect("config");
        // One rotation per voter: the same vote taken again stays one
        // collected vote, where two voters would make F+1 at N = 4.
        let mut by_first = Rotation::new(current.clone());
        let mut by_last = Rotation::new(current);
        let mut work = Box::new(VoteWork::new());
        let mut next_keys = keys.clone();
        next_keys.rotate_left(1);
        let proposal = EnclaveConfigData::new(&next_keys, &master_key, 2, f as u32);
        let first = nodes[0].vote(&proposal);
        let last = nodes[n - 1].vote(&proposal);
        let payload = config_signature_payload(&proposal.hash());
        let key = PublicKey::new(keys[n - 1]);
        let sig = Signature::new(nodes[n - 1].sign_config_hash(&proposal.hash()));

        let mut take = |rotation: &mut Rotation, body: &str| {
            let t = Instant::now();
            let outcome = rotation.take_vote(black_box(body.as_bytes()), 10, &mut work);
            let d = t.elapsed();
            assert!(
                matches!(outcome, Ok(VoteOutcome::Collected { .. })),
                "a single vote is collected: {outcome:?}"
            );
            d
        };
        let (mut a, mut z, mut v) = (Vec::new(), Vec::new(), Vec::new());
        for round in 0..rounds {
            if round % 2 == 0 {
                a.push(take(&mut by_first, &first));
                z.push(take(&mut by_last, &last));
            } else {
                z.push(take(&mut by_last, &last));
                a.push(take(&mut by_first, &first));
            }
            let t = Instant::now();
            let ok = key.verify(black_box(&payload), &sig).is_ok();
            v.push(t.elapsed());
            assert!(ok);
        }
        let ((am, an), (zm, zn), (vm, _)) = (median_min(a), median_min(z), median_min(v));
        println!(
            "| {n} | {f} | {} | {:.1} | {:.1} | {:.1} | {:.1} | {:.1} | {:.1} |",
            last.len(),
            am.as_secs_f64() * 1e6,
            an.as_secs_f64() * 1e6,
            zm.as_secs_f64() * 1e6,
            zn.as_secs_f64() * 1e6,
            vm.as_secs_f64() * 1e6,
            zm.as_secs_f64() / vm.as_secs_f64()
        );
    }
    println!();
}

fn main() {
    // `cargo bench` passes `--bench`; a number among the arguments is the rounds.
    let rounds = std::env::args()
        .filter_map(|a| a.parse::<usize>().ok())
        .next()
        .unwrap_or(31)
        .max(1);
    guard_rows(rounds);
    sweep_rows(rounds.min(11));
    vote_rows(rounds);
}
