//! The rotation and replay-guard doors against a careless C caller: null,
//! misaligned and overlapping pointers, lengths past the address space,
//! storage never loaded, junk in the caller's memory. Each is a status,
//! never a crash.
#![allow(clippy::undocumented_unsafe_blocks)] // test calls into the ABI under test

use std::ptr::{null, null_mut};

use base64::{engine::general_purpose::STANDARD as B64, Engine as _};
use ed25519_compact::{KeyPair, Seed};
use relay_verifier::ComputeRequest;
use relay_verifier_ffi::*;

mod common;
use common::*;

const CONFIG: &str = r#"{"signers":["l+Sib5RBYaXzNLfALOEtGHjTL6b6L5JfsCrcKd2zvuw=","H4ApZW7KD7MryrIrXZ3I2nx29MVzu6akaTPO56C4LXQ=","SjL8EC5TzkJVTqiPHdBwN75rVgPvCed0DHg6vHisA3I=","42v6Xi3e4T5v5sgwZ04Tw11tjIww7F1I/tluW7wNK4s="],"masterPublicKey":"dGRoMi1tYXN0ZXItcHVibGljLWtleS1ieXRlcw==","t":2,"f":1}"#;

fn loaded_rotation() -> Box<RvRotation> {
    let mut r = zeroed_box::<RvRotation>();
    let s = unsafe { rv_rotation_init(&mut *r, CONFIG.as_ptr(), CONFIG.len(), 600) };
    assert_eq!(s, RvStatus::Ok);
    r
}

/// A vote body whose proposed config is `config` and whose signature no
/// one made.
fn unsigned_vote(config: &str) -> String {
    let sig = "A".repeat(86) + "==";
    format!(
        r#"{{"config":"{}","signature":"{sig}"}}"#,
        B64.encode(config)
    )
}

#[test]
fn careless_rotation_callers_get_statuses() {
    let mut r = zeroed_box::<RvRotation>();
    let mut work = zeroed_box::<RvVoteWork>();
    let mut out = zeroed_box::<RvVoteOutcome>();
    let mut info = zeroed_box::<RvRotationInfo>();
    let vote = unsigned_vote(CONFIG);
    let c = CONFIG.as_bytes();
    unsafe {
        // Init: null storage, null JSON with a length, JSON inside the storage.
        assert_eq!(
            rv_rotation_init(null_mut(), c.as_ptr(), c.len(), 600),
            RvStatus::InvalidArgument
        );
        assert_eq!(
            rv_rotation_init(&mut *r, null(), 5, 600),
            RvStatus::InvalidArgument
        );
        let inside = (&*r as *const RvRotation).cast::<u8>().add(100);
        assert_eq!(
            rv_rotation_init(&mut *r, inside, 10, 600),
            RvStatus::InvalidArgument
        );
        let misaligned = (&mut *r as *mut RvRotation)
            .cast::<u8>()
            .add(1)
            .cast::<RvRotation>();
        assert_eq!(
            rv_rotation_init(misaligned, c.as_ptr(), c.len(), 600),
            RvStatus::InvalidArgument
        );
        // §13 refusals of the first config leave the rotation unloaded.
        assert_eq!(
            rv_rotation_init(&mut *r, c.as_ptr(), c.len() - 1, 600),
            RvStatus::Malformed
        );
        let f0 = CONFIG.replace(r#""f":1"#, r#""f":0"#);
        assert_eq!(
            rv_rotation_init(&mut *r, f0.as_ptr(), f0.len(), 600),
            RvStatus::InvalidConfig
        );

        // Never loaded: every reader says so.
        assert_eq!(rv_rotation_info(&*r, &mut *info), RvStatus::NotInitialised);
        let s = rv_rotation_vote(&mut *r, &mut *work, vote.as_ptr(), vote.len(), 0, &mut *out);
        assert_eq!(
            (s, out.status, out.vote),
            (RvStatus::NotInitialised, s, RvVote::Rejected)
        );
        let mut v = zeroed_box::<RvVerifier>();
        assert_eq!(
            rv_verifier_from_rotation(&mut *v, &*r, 0),
            RvStatus::NotInitialised
        );
        assert_eq!(rv_verifier_signer_count(&*v), 0, "left unloaded");

        let mut r = loaded_rotation();
        // Vote: null, misaligned or overlapping storage, null body with a length.
        let b = vote.as_bytes();
        assert_eq!(
            rv_rotation_vote(&mut *r, &mut *work, b.as_ptr(), b.len(), 0, null_mut()),
            RvStatus::InvalidArgument
        );
        assert_eq!(
            rv_rotation_vote(null_mut(), &mut *work, b.as_ptr(), b.len(), 0, &mut *out),
            RvStatus::InvalidArgument
        );
        assert_eq!(
            rv_rotation_vote(&mut *r, null_mut(), b.as_ptr(), b.len(), 0, &mut *out),
            RvStatus::InvalidArgument
        );
        assert_eq!(
            rv_rotation_vote(&mut *r, &mut *work, null(), 4, 0, &mut *out),
            RvStatus::InvalidArgument
        );
        assert_eq!(
            rv_rotation_vote(
                &mut *r,
                &mut *work,
                usize::MAX as *const u8,
                2,
                0,
                &mut *out
            ),
            RvStatus::InvalidArgument
        );
        let body_in_outcome = (&*out as *const RvVoteOutcome).cast::<u8>();
        assert_eq!(
            rv_rotation_vote(&mut *r, &mut *work, body_in_outcome, 8, 0, &mut *out),
            RvStatus::InvalidArgument
        );
        let work_is_rotation = (&mut *r as *mut RvRotation).cast::<RvVoteWork>();
        assert_eq!(
            rv_rotation_vote(&mut *r, work_is_rotation, b.as_ptr(), b.len(), 0, &mut *out),
            RvStatus::InvalidArgument
        );
        let misaligned = (&mut *out as *mut RvVoteOutcome)
            .cast::<u8>()
            .add(1)
            .cast::<RvVoteOutcome>();
        assert_eq!(
            rv_rotation_vote(&mut *r, &mut *work, b.as_ptr(), b.len(), 0, misaligned),
            RvStatus::InvalidArgument
        );

        // §13 refusals: where a malformed vote broke, and in which text.
        let s = rv_rotation_vote(&mut *r, &mut *work, b.as_ptr(), b.len() - 1, 0, &mut *out);
        assert_eq!(s, RvStatus::Malformed);
        assert!(
            out.has_offset
                && !out.offset_in_config
                && out.offset <= b.len() as u64
                && !out.has_hash
        );
        let bad_config = unsigned_vote("[");
        let s = rv_rotation_vote(
            &mut *r,
            &mut *work,
            bad_config.as_ptr(),
            bad_config.len(),
            0,
            &mut *out,
        );
        assert_eq!(s, RvStatus::Malformed);
        assert!(out.has_offset && out.offset_in_config);
        let s = rv_rotation_vote(&mut *r, &mut *work, b.as_ptr(), b.len(), 0, &mut *out);
        assert_eq!(
            (s, out.vote, out.has_offset),
            (RvStatus::UnknownSigner, RvVote::Rejected, false)
        );
        assert_eq!(c_text(rv_status_name(s as i32)), "unknown_signer");

        // Readers: positions past the signers, null and overlapping outputs.
        let mut key = [0u8; 32];
        assert_eq!(
            rv_rotation_signer(&*r, 4, key.as_mut_ptr()),
            RvStatus::InvalidArgument
        );
        assert_eq!(
            rv_rotation_signer(&*r, 0, null_mut()),
            RvStatus::InvalidArgument
        );
        assert_eq!(rv_rotation_signer(&*r, 3, key.as_mut_ptr()), RvStatus::Ok);
        assert_eq!(
            B64.encode(key),
            "42v6Xi3e4T5v5sgwZ04Tw11tjIww7F1I/tluW7wNK4s=",
            "order given"
        );
        let inside = (&mut *r as *mut RvRotation).cast::<u8>().add(64);
        assert_eq!(
            rv_rotation_signer(&*r, 0, inside),
            RvStatus::InvalidArgument
        );
        assert_eq!(rv_rotation_info(&*r, null_mut()), RvStatus::InvalidArgument);
        assert_eq!(rv_rotation_info(&*r, &mut *info), RvStatus::Ok);
        assert_eq!(
            (
                info.signer_count,
                info.f,
                info.t,
                info.master_public_key_len
            ),
            (4, 1, 2, 28)
        );
        let (mut mpk, mut len) = ([0u8; 8], 0usize);
        assert_eq!(
            rv_rotation_master_public_key(&*r, mpk.as_mut_ptr(), 8, &mut len),
            RvStatus::BufferTooSmall
        );
        assert_eq!(
            (len, mpk),
            (28, [0; 8]),
            "the length needed, nothing written"
        );
        assert_eq!(
            rv_rotation_master_public_key(&*r, mpk.as_mut_ptr(), 8, null_mut()),
            RvStatus::InvalidArgument
        );
        assert_eq!(
            rv_rotation_master_public_key(&*r, null_mut(), 30, &mut len),
            RvStatus::InvalidArgument
        );

        // A verifier from the config in force, with and without a threshold.
        let mut v = zeroed_box::<RvVerifier>();
        assert_eq!(
            rv_verifier_from_rotation(&mut *v, &*r, 5),
            RvStatus::InvalidConfig
        );
        assert_eq!(rv_verifier_signer_count(&*v), 0, "left unloaded");
        assert_eq!(rv_verifier_from_rotation(&mut *v, &*r, 3), RvStatus::Ok);
        assert_eq!(rv_verifier_signer_count(&*v), 4);
        assert_eq!(
            rv_verifier_from_rotation(null_mut(), &*r, 0),
            RvStatus::InvalidArgument
        );
        let v_is_r = (&mut *r as *mut RvRotation).cast::<RvVerifier>();
        assert_eq!(
            rv_verifier_from_rotation(v_is_r, &*r, 0),
            RvStatus::InvalidArgument
        );
    }
    assert_eq!(c_text(rv_vote_name(99)), "unknown");
    assert_eq!(
        c_text(rv_vote_name(RvVote::AlreadyCurrent as i32)),
        "already_current"
    );
    let names: Vec<&str> = (6..=11).map(|s| c_text(rv_status_name(s))).collect();
    assert_eq!(
        names,
        [
            "unknown_signer",
            "retired_config",
            "in_progress",
            "executed",
            "full",
            "not_started"
        ]
    );
}

#[test]
fn a_copied_rotation_is_a_second_rotation() {
    let r = loaded_rotation();
    let mut copy = zeroed_box::<RvRotation>();
    unsafe {
        std::ptr::copy_nonoverlapping(&*r as *const RvRotation, &mut *copy, 1);
        let mut info = zeroed_box::<RvRotationInfo>();
        assert_eq!(rv_rotation_info(&*copy, &mut *info), RvStatus::Ok);
        assert_eq!(info.signer_count, 4);
    }
}

/// Four seeded nodes, F = 1, as a verifier; and a batch signed by two.
fn verifier_and_batch() -> (Box<RvVerifier>, Vec<u8>, [u8; 32]) {
    let nodes: Vec<KeyPair> = (1..=4u8)
        .map(|i| KeyPair::from_seed(Seed::new([i; 32])))
        .collect();
    let keys: Vec<u8> = nodes.iter().flat_map(|n| n.pk.to_vec()).collect();
    let mut v = zeroed_box::<RvVerifier>();
    assert_eq!(
        unsafe { rv_verifier_init(&mut *v, keys.as_ptr(), 4, 1, 0) },
        RvStatus::Ok
    );
    let id = (0..32).map(|i| i.to_string()).collect::<Vec<_>>().join(",");
    let entry = format!(
        r#"{{"requestID":[{id}],"applicationRequestID":"a-1","publicData":null,"ciphertexts":["Y3Q="],"CiphertextNames":["API_KEY"],"encryptedDecryptionKeyShares":null,"enclaveEphemeralPublicKey":null,"masterPublicKey":null,"appID":"app","version":"0.0.7""#
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
        v,
        format!("[{}]", signed.join(",")).into_bytes(),
        *hash.as_bytes(),
    )
}

#[test]
fn careless_guard_callers_get_statuses() {
    let (v, batch, hash) = verifier_and_batch();
    let mut slots = vec![0u8; 8 * RV_REPLAY_SLOT_SIZE];
    let sp = slots.as_mut_ptr().cast::<RvReplaySlot>();
    let mut g = zeroed_box::<RvReplayGuard>();
    let mut out = *zeroed_box::<RvOutcome>();
    let (b, n) = (batch.as_ptr(), batch.len());
    unsafe {
        // Never loaded.
        assert_eq!(
            rv_replay_begin(&mut *g, &*v, b, n, 0, &mut out),
            RvStatus::NotInitialised
        );
        assert_eq!(out.status, RvStatus::NotInitialised);
        assert_eq!(
            rv_replay_finish(&mut *g, hash.as_ptr(), 0),
            RvStatus::NotInitialised
        );
        assert_eq!(
            rv_replay_abandon(&mut *g, hash.as_ptr(), 0),
            RvStatus::NotInitialised
        );

        // Init: null guard, null slots with a count, a count past the
        // address space, slots over the guard.
        assert_eq!(
            rv_replay_init(null_mut(), sp, 8, 4, 60),
            RvStatus::InvalidArgument
        );
        assert_eq!(
            rv_replay_init(&mut *g, null_mut(), 8, 4, 60),
            RvStatus::InvalidArgument
        );
        assert_eq!(
            rv_replay_init(&mut *g, sp, usize::MAX / 8, 4, 60),
            RvStatus::InvalidArgument
        );
        let over = (&mut *g as *mut RvReplayGuard).cast::<RvReplaySlot>();
        assert_eq!(
            rv_replay_init(&mut *g, over, 1, 1, 60),
            RvStatus::InvalidArgument
        );
        assert_eq!(rv_replay_init(&mut *g, sp, 8, 4, 60), RvStatus::Ok);

        // Begin: null or overlapping outputs and inputs, an unloaded verifier.
        assert_eq!(
            rv_replay_begin(&mut *g, &*v, b, n, 0, null_mut()),
            RvStatus::InvalidArgument
        );
        assert_eq!(
            rv_replay_begin(null_mut(), &*v, b, n, 0, &mut out),
            RvStatus::InvalidArgument
        );
        assert_eq!(
            rv_replay_begin(&mut *g, &*v, null(), n, 0, &mut out),
            RvStatus::InvalidArgument
        );
        assert_eq!(
            rv_replay_begin(&mut *g, &*v, slots.as_ptr(), 41, 0, &mut out),
            RvStatus::InvalidArgument
        );
        let out_in_slots = slots.as_mut_ptr().add(8).cast::<RvOutcome>();
        assert_eq!(
            rv_replay_begin(&mut *g, &*v, b, n, 0, out_in_slots),
            RvStatus::InvalidArgument
        );
        let unloaded = zeroed_box::<RvVerifier>();
        assert_eq!(
            rv_replay_begin(&mut *g, &*unloaded, b, n, 0, &mut out),
            RvStatus::NotInitialised
        );
        // A batch that fails verification begins nothing.
        assert_eq!(
            rv_replay_begin(&mut *g, &*v, b, n - 1, 0, &mut out),
            RvStatus::Malformed
        );
        assert!(!out.accepted && out.has_offset);
        assert_eq!(
            rv_replay_finish(&mut *g, hash.as_ptr(), 0),
            RvStatus::NotStarted
        );

        // The life of one request, then its replay.
        assert_eq!(
            rv_replay_begin(&mut *g, &*v, b, n, 0, &mut out),
            RvStatus::Ok
        );
        assert_eq!((out.hash, out.index), (hash, 0));
        assert_eq!(
            rv_replay_begin(&mut *g, &*v, b, n, 1, &mut out),
            RvStatus::InProgress
        );
        assert!(out.accepted);
        assert_eq!(
            rv_replay_finish(&mut *g, null(), 2),
            RvStatus::InvalidArgument
        );
        assert_eq!(
            rv_replay_finish(null_mut(), hash.as_ptr(), 2),
            RvStatus::InvalidArgument
        );
        assert_eq!(rv_replay_finish(&mut *g, hash.as_ptr(), 2), RvStatus::Ok);
        assert_eq!(
            rv_replay_abandon(&mut *g, hash.as_ptr(), 3),
            RvStatus::NotStarted
        );
        assert_eq!(
            rv_replay_begin(&mut *g, &*v, b, n, 3, &mut out),
            RvStatus::Executed
        );
        // Past the lifetime (60 s from finish) it may run again.
        assert_eq!(
            rv_replay_begin(&mut *g, &*v, b, n, 63, &mut out),
            RvStatus::Ok
        );
        assert_eq!(rv_replay_abandon(&mut *g, hash.as_ptr(), 64), RvStatus::Ok);

        // Junk in the slots (the C program wrote over them): memory-safe,
        // and whatever it reads as, never a crash.
        for (i, byte) in slots.iter_mut().enumerate() {
            *byte = (i * 37 + 11) as u8;
        }
        let sp = slots.as_mut_ptr().cast::<RvReplaySlot>();
        for now in [0, 1_000, u64::MAX] {
            let s = rv_replay_begin(&mut *g, &*v, b, n, now, &mut out);
            assert!(s as i32 >= 0, "{s:?}");
            let _ = rv_replay_finish(&mut *g, hash.as_ptr(), now);
            let _ = rv_replay_abandon(&mut *g, [0xa5; 32].as_ptr(), now);
        }
        // Init again: everything forgotten.
        assert_eq!(rv_replay_init(&mut *g, sp, 8, 4, 60), RvStatus::Ok);
        assert_eq!(
            rv_replay_begin(&mut *g, &*v, b, n, 0, &mut out),
            RvStatus::Ok
        );

        // No slots: every request is refused, still verified.
        let mut empty = zeroed_box::<RvReplayGuard>();
        assert_eq!(
            rv_replay_init(&mut *empty, null_mut(), 0, 0, 60),
            RvStatus::Ok
        );
        assert_eq!(
            rv_replay_begin(&mut *empty, &*v, b, n, 0, &mut out),
            RvStatus::Full
        );
        assert!(out.accepted && out.hash == hash);
    }
}
