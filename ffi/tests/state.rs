//! The enclave's own state through the C ABI: every case of
//! `config/rotation.json` (§13) through `rv_rotation_init` and
//! `rv_rotation_vote`, every case of `replay/guard.json` (§14) through
//! `rv_replay_begin` / `rv_replay_finish` / `rv_replay_abandon`, without
//! allocating; and careless callers.
//!
//! The guard vectors name raw request hashes, and no request is known whose
//! hash is one of them. The C ABI has no door that begins a raw hash (that
//! would let C run an unverified request once), so each distinct vector
//! hash stands for one real compute request, signed here by F+1 of four
//! seeded nodes, which `rv_replay_begin` verifies and begins; `finish` and
//! `abandon` take that request's hash, as a C caller would. §14's outcomes
//! depend on which hashes are equal, never on their bytes, so every step's
//! expected outcome holds for the stand-ins; the slot layouts the vector
//! hashes give are the core's tests' business (tests/replay_guard.rs).
#![allow(clippy::undocumented_unsafe_blocks)] // test calls into the ABI under test

use std::collections::BTreeMap;
use std::mem::MaybeUninit;

use base64::{engine::general_purpose::STANDARD as B64, Engine as _};
use ed25519_compact::{KeyPair, Seed};
use relay_verifier::{config_user_data, CanonicalHash, ComputeRequest};
use relay_verifier_ffi::*;
use serde_json::Value;

#[path = "../../tests/counting/mod.rs"]
mod counting;
use counting::allocations;
mod common;
use common::*;

fn status_name(status: RvStatus) -> &'static str {
    c_text(rv_status_name(status as i32))
}

/// Vote work full of junk: its contents must not matter.
fn junk_work() -> Box<RvVoteWork> {
    let mut work = Box::new(MaybeUninit::<RvVoteWork>::uninit());
    unsafe {
        work.as_mut_ptr()
            .cast::<u8>()
            .write_bytes(0xa5, size_of::<RvVoteWork>())
    };
    unsafe { Box::from_raw(Box::into_raw(work).cast::<RvVoteWork>()) }
}

fn init_rotation(rotation: &mut RvRotation, json: &str, lifetime: u64) -> RvStatus {
    unsafe { rv_rotation_init(rotation, json.as_ptr(), json.len(), lifetime) }
}

fn info(rotation: &RvRotation) -> RvRotationInfo {
    let mut info = *zeroed_box::<RvRotationInfo>();
    assert_eq!(
        unsafe { rv_rotation_info(rotation, &mut info) },
        RvStatus::Ok
    );
    info
}

/// One step's outcome against the vector's `expect`; `None` when it holds.
fn mismatch(status: RvStatus, out: &RvVoteOutcome, want: &Value) -> Option<String> {
    let outcome = want["outcome"].as_str().unwrap();
    let hash_is = |key: &str| out.has_hash && hex::encode(out.hash) == want[key].as_str().unwrap();
    let ok = c_text(rv_vote_name(out.vote as i32)) == outcome
        && out.status == status
        && match outcome {
            "applied" => {
                let signers: Vec<Value> = out.signers[..out.signer_count as usize]
                    .iter()
                    .map(|k| Value::from(B64.encode(k)))
                    .collect();
                status == RvStatus::Ok
                    && hash_is("hash")
                    && Value::Array(signers) == want["signers"]
                    && out.user_data == config_user_data(&CanonicalHash::from_bytes(out.hash))
            }
            "collected" => {
                status == RvStatus::Ok
                    && hash_is("hash")
                    && Some(u64::from(out.collected)) == want["collected"].as_u64()
                    && Some(u64::from(out.required)) == want["required"].as_u64()
            }
            "already_current" => status == RvStatus::Ok && out.has_hash,
            _ => {
                status_name(status) == want["reason"].as_str().unwrap()
                    && out.has_offset == (status == RvStatus::Malformed)
            }
        };
    (!ok).then(|| format!("got {} {out:?}, want {want}", status_name(status)))
}

#[test]
fn every_rotation_case_through_the_c_abi_without_allocating() {
    let file = vectors_in("config/rotation.json");
    let cases = file["rotation_cases"].as_array().unwrap();
    let mut rotation = zeroed_box::<RvRotation>();
    let mut work = junk_work();
    let mut verifier = zeroed_box::<RvVerifier>();
    let mut out = zeroed_box::<RvVoteOutcome>();
    let (mut failures, mut steps, mut applied) = (Vec::new(), 0, 0);
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let current = case["current_config_json"].as_str().unwrap();
        let lifetime = case["vote_lifetime"].as_u64().unwrap();
        let (init, mut abi_allocations) =
            allocations(|| init_rotation(&mut rotation, current, lifetime));
        assert_eq!(init, RvStatus::Ok, "{name}");
        for (i, step) in case["steps"].as_array().unwrap().iter().enumerate() {
            let body = step["body_json"].as_str().unwrap();
            let at = step["at"].as_u64().unwrap();
            let (status, allocated) = allocations(|| unsafe {
                rv_rotation_vote(
                    &mut *rotation,
                    &mut *work,
                    body.as_ptr(),
                    body.len(),
                    at,
                    &mut *out,
                )
            });
            abi_allocations += allocated;
            steps += 1;
            if let Some(m) = mismatch(status, &out, &step["expect"]) {
                failures.push(format!("{name} step {i}: {m}"));
            }
            if out.vote == RvVote::Applied {
                // The enclave swaps its verifier to the config now in force.
                applied += 1;
                let now = info(&rotation);
                assert_eq!(now.hash, out.hash, "{name} step {i}");
                let swapped = unsafe { rv_verifier_from_rotation(&mut *verifier, &*rotation, 0) };
                assert_eq!(swapped, RvStatus::Ok, "{name} step {i}");
                let count = unsafe { rv_verifier_signer_count(&*verifier) };
                assert_eq!(count, now.signer_count as usize, "{name} step {i}");
            }
        }
        assert_eq!(abi_allocations, 0, "{name}: the ABI allocated");
        let final_hash = hex::encode(info(&rotation).hash);
        if final_hash != case["final_config_hash"].as_str().unwrap() {
            failures.push(format!("{name}: final config {final_hash}"));
        }
    }
    println!("{} cases, {steps} votes, {applied} applied", cases.len());
    assert!(cases.len() >= 36 && steps >= 121 && applied > 0);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_hash_case_loads_or_is_refused_as_section_13_says() {
    let file = vectors_in("config/rotation.json");
    let mut rotation = zeroed_box::<RvRotation>();
    let mut loaded = 0;
    for case in file["hash_cases"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let json = case["config_json"].as_str().unwrap();
        match init_rotation(&mut rotation, json, RV_DEFAULT_VOTE_LIFETIME) {
            RvStatus::Ok => {
                let i = info(&rotation);
                assert_eq!(
                    hex::encode(i.hash),
                    case["hash"].as_str().unwrap(),
                    "{name}"
                );
                assert_eq!(
                    hex::encode(i.user_data),
                    case["user_data"].as_str().unwrap()
                );
                assert_eq!(i.vote_lifetime, 600);
                assert_eq!(i.retired_count, 0);
                // The signers in the order given, and the master key, as written.
                let config: Value = serde_json::from_str(json).unwrap();
                let keys = config["signers"].as_array().unwrap();
                assert_eq!(keys.len(), i.signer_count as usize);
                for (p, key) in keys.iter().enumerate() {
                    let mut got = [0u8; 32];
                    let s = unsafe { rv_rotation_signer(&*rotation, p, got.as_mut_ptr()) };
                    assert_eq!(s, RvStatus::Ok);
                    assert_eq!(B64.encode(got), key.as_str().unwrap(), "{name} signer {p}");
                }
                let want = B64
                    .decode(config["masterPublicKey"].as_str().unwrap_or(""))
                    .unwrap();
                let (mut key, mut len) = (vec![0u8; want.len()], usize::MAX);
                let s = unsafe {
                    rv_rotation_master_public_key(&*rotation, key.as_mut_ptr(), key.len(), &mut len)
                };
                assert_eq!((s, len, &key), (RvStatus::Ok, want.len(), &want), "{name}");
                loaded += 1;
            }
            // F = 0 and no signers: not a valid §7 configuration.
            s => assert_eq!(s, RvStatus::InvalidConfig, "{name}"),
        }
    }
    assert!(loaded >= 5);
}

/// Four seeded Workflow-DON nodes with F = 1, as a loaded verifier.
fn compute_nodes() -> (Vec<KeyPair>, Box<RvVerifier>) {
    let nodes: Vec<KeyPair> = (1..=4u8)
        .map(|i| KeyPair::from_seed(Seed::new([i; 32])))
        .collect();
    let keys: Vec<u8> = nodes.iter().flat_map(|n| n.pk.to_vec()).collect();
    let mut verifier = zeroed_box::<RvVerifier>();
    let s = unsafe { rv_verifier_init(&mut *verifier, keys.as_ptr(), 4, 1, 0) };
    assert_eq!(s, RvStatus::Ok);
    (nodes, verifier)
}

/// A §12 batch of one request (its id `id`) signed by nodes 1 and 2, and
/// the request's hash.
fn signed_batch(nodes: &[KeyPair], id: usize) -> (Vec<u8>, [u8; 32]) {
    let request_id = (0..32).map(|i| i.to_string()).collect::<Vec<_>>().join(",");
    let entry = format!(
        r#"{{"requestID":[{request_id}],"applicationRequestID":"a-{id}","publicData":null,"ciphertexts":["Y3Q="],"CiphertextNames":["API_KEY"],"encryptedDecryptionKeyShares":null,"enclaveEphemeralPublicKey":null,"masterPublicKey":null,"appID":"app","version":"0.0.7""#
    );
    let hash = ComputeRequest::from_json(format!("{entry}}}").as_bytes())
        .unwrap()
        .hash();
    let signed: Vec<String> = nodes[1..3]
        .iter()
        .map(|n| {
            let sig = B64.encode(*n.sk.sign(hash.compute_signature_payload(), None));
            format!(r#"{entry},"signature":"{sig}"}}"#)
        })
        .collect();
    (
        format!("[{}]", signed.join(",")).into_bytes(),
        *hash.as_bytes(),
    )
}

/// Every guard case with `slots(capacity)` slots, full of junk before
/// `rv_replay_init`. Returns the mismatches and the steps run.
fn run_guard_vectors(slots: impl Fn(usize) -> usize) -> (Vec<String>, usize) {
    let file = vectors_in("replay/guard.json");
    let (nodes, verifier) = compute_nodes();
    let (mut failures, mut steps) = (Vec::new(), 0);
    for case in file["cases"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let capacity = case["capacity"].as_u64().unwrap() as usize;
        let lifetime = case["lifetime"].as_u64().unwrap();
        let mut storage = vec![0xffu8; slots(capacity) * RV_REPLAY_SLOT_SIZE];
        let mut guard = zeroed_box::<RvReplayGuard>();
        let status = unsafe {
            rv_replay_init(
                &mut *guard,
                storage.as_mut_ptr().cast::<RvReplaySlot>(),
                slots(capacity),
                capacity,
                lifetime,
            )
        };
        assert_eq!(status, RvStatus::Ok, "{name}");
        // Each distinct vector hash stands for one real, signed request.
        let mut stand_ins: BTreeMap<String, (Vec<u8>, [u8; 32])> = BTreeMap::new();
        for step in case["steps"].as_array().unwrap() {
            let id = stand_ins.len();
            let key = step["hash"].as_str().unwrap().to_string();
            stand_ins
                .entry(key)
                .or_insert_with(|| signed_batch(&nodes, id));
        }
        let mut out = *zeroed_box::<RvOutcome>();
        let mut abi_allocations = 0;
        for (i, step) in case["steps"].as_array().unwrap().iter().enumerate() {
            let (batch, hash) = &stand_ins[step["hash"].as_str().unwrap()];
            let at = step["at"].as_u64().unwrap();
            let op = step["op"].as_str().unwrap();
            let (status, allocated) = allocations(|| unsafe {
                match op {
                    "begin" => {
                        let s = rv_replay_begin(
                            &mut *guard,
                            &*verifier,
                            batch.as_ptr(),
                            batch.len(),
                            at,
                            &mut out,
                        );
                        assert!(out.accepted && out.hash == *hash, "{name} step {i}");
                        s
                    }
                    "finish" => rv_replay_finish(&mut *guard, hash.as_ptr(), at),
                    "abandon" => rv_replay_abandon(&mut *guard, hash.as_ptr(), at),
                    other => panic!("unknown op {other}"),
                }
            });
            abi_allocations += allocated;
            let got = match (op, status) {
                ("begin", RvStatus::Ok) => "started",
                ("finish", RvStatus::Ok) => "recorded",
                ("abandon", RvStatus::Ok) => "released",
                (_, s) => status_name(s),
            };
            steps += 1;
            let want = step["expect"].as_str().unwrap();
            if got != want {
                failures.push(format!(
                    "{name} step {i} ({op} at {at}): got {got}, want {want}"
                ));
            }
        }
        assert_eq!(abi_allocations, 0, "{name}: the ABI allocated");
    }
    (failures, steps)
}

#[test]
fn every_guard_case_through_the_c_abi_with_as_many_slots_as_capacity() {
    let (failures, steps) = run_guard_vectors(|c| c);
    println!("{steps} steps");
    assert!(steps >= 87, "every step of the 12 cases");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_guard_case_through_the_c_abi_with_spare_slots() {
    let (failures, _) = run_guard_vectors(|c| 2 * c + 1);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
