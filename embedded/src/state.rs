//! The enclave's own state against the vectors: §13 config hashes and
//! votes, and the §14 replay guard. The state (the `Rotation`, the
//! `VoteWork` a vote is decoded in, the guard's slots) is the caller's,
//! lent from statics; each vote and each guard operation is a frame of its
//! own, as a request handler would be.

use core::mem::MaybeUninit;

// Raw request hashes: the guard vectors give hashes, not verified
// requests, so they go in through the `fuzzing` entry points.
use relay_verifier::__fuzz::{replay_abandon, replay_begin, replay_finish};
use relay_verifier::{
    config_hash, config_signature_payload, config_user_data, ReplayGuard, ReplaySlot, Rotation,
    RotationConfig, VoteOutcome, VoteWork,
};

use crate::cases::{GuardCase, GuardOp, GuardStep, HashCase, RotationCase, VoteExpect, VoteStep};

/// A step that came to something else: which part differed, and the
/// outcome (or rejection reason) it came to.
pub struct Differs {
    pub what: &'static str,
    pub got: &'static str,
}

/// §13's hashes of one config: its hash, the payload a vote for it signs,
/// the user data attested once it applies.
pub fn hash_case(case: &HashCase) -> Result<(), &'static str> {
    let hash = config_hash(case.config).map_err(|_| "config refused")?;
    if *hash.as_bytes() != case.hash {
        return Err("config hash differs");
    }
    if config_signature_payload(&hash)[..] != case.signature_payload[..] {
        return Err("signature payload differs");
    }
    if config_user_data(&hash) != case.user_data {
        return Err("user data differs");
    }
    Ok(())
}

/// Start-up, first half: the config in force read into its static room,
/// in a frame of its own (the library's reading holds about 10 KB), not
/// under the frame that builds the `Rotation`.
#[inline(never)]
pub fn read_config(
    case: &RotationCase,
    room: &mut Option<RotationConfig>,
) -> Result<(), &'static str> {
    match RotationConfig::from_json(case.current) {
        Ok(c) => {
            *room = Some(c);
            Ok(())
        }
        Err(_) => Err("current config refused"),
    }
}

/// Start-up, second half: the `Rotation` built from the config read into
/// its static room (`write` drops nothing: a `Rotation` owns no
/// resources).
#[inline(never)]
pub fn start_rotation<'r>(
    case: &RotationCase,
    config: &mut Option<RotationConfig>,
    room: &'r mut MaybeUninit<Rotation>,
) -> Result<&'r mut Rotation, &'static str> {
    let current = config.take().ok_or("no config read")?;
    Ok(room.write(Rotation::with_vote_lifetime(current, case.vote_lifetime)))
}

/// One vote, taken and compared with what the step expects.
#[inline(never)]
pub fn vote(rotation: &mut Rotation, work: &mut VoteWork, step: &VoteStep) -> Result<(), Differs> {
    let differs = |what, got| Err(Differs { what, got });
    match (rotation.take_vote(step.body, step.at, work), &step.expect) {
        (Ok(VoteOutcome::Applied(a)), VoteExpect::Applied { hash, signers }) => {
            let applied = a.hash();
            if applied.as_bytes() != hash || a.config().hash() != applied {
                return differs("applied hash", "applied");
            }
            if !a.signers().eq(signers.iter()) {
                return differs("applied signers", "applied");
            }
            if a.user_data() != config_user_data(&applied) {
                return differs("applied user data", "applied");
            }
            Ok(())
        }
        (
            Ok(VoteOutcome::Collected {
                hash,
                collected,
                required,
            }),
            VoteExpect::Collected {
                hash: want_hash,
                collected: want_collected,
                required: want_required,
            },
        ) => {
            if hash.as_bytes() != want_hash {
                differs("collected hash", "collected")
            } else if collected != *want_collected || required != *want_required {
                differs("collected count", "collected")
            } else {
                Ok(())
            }
        }
        (Ok(VoteOutcome::AlreadyCurrent), VoteExpect::AlreadyCurrent) => Ok(()),
        (Err(e), VoteExpect::Rejected { reason }) if e.reason() == *reason => Ok(()),
        (Err(e), _) => differs("outcome", e.reason()),
        (Ok(VoteOutcome::Applied(_)), _) => differs("outcome", "applied"),
        (Ok(VoteOutcome::Collected { .. }), _) => differs("outcome", "collected"),
        (Ok(VoteOutcome::AlreadyCurrent), _) => differs("outcome", "already_current"),
        (Ok(_), _) => differs("outcome", "another outcome"),
    }
}

/// The config in force after the last vote.
pub fn final_config(rotation: &Rotation, case: &RotationCase) -> Result<(), &'static str> {
    if *rotation.current().hash().as_bytes() == case.final_hash {
        Ok(())
    } else {
        Err("final config hash differs")
    }
}

/// A guard with the case's capacity and lifetime over as many of the
/// static slots as its capacity (emptied by `new`).
pub fn guard<'s>(
    case: &GuardCase,
    slots: &'s mut [ReplaySlot],
) -> Result<ReplayGuard<'s>, &'static str> {
    let slots = slots
        .get_mut(..case.capacity)
        .ok_or("capacity over the static slots")?;
    let guard = ReplayGuard::new(slots)
        .with_capacity(case.capacity)
        .with_lifetime(case.lifetime);
    if guard.capacity() != case.capacity {
        return Err("capacity not taken");
    }
    Ok(guard)
}

/// One guard operation; `Err` holds the §14 name it came to instead.
#[inline(never)]
pub fn guard_op(guard: &mut ReplayGuard<'_>, step: &GuardStep) -> Result<(), &'static str> {
    let got = match step.op {
        GuardOp::Begin => match replay_begin(guard, &step.hash, step.at) {
            Ok(()) => "started",
            Err(refusal) => refusal.name(),
        },
        GuardOp::Finish => replay_finish(guard, &step.hash, step.at).name(),
        GuardOp::Abandon => replay_abandon(guard, &step.hash, step.at).name(),
    };
    if got == step.expect {
        Ok(())
    } else {
        Err(got)
    }
}
