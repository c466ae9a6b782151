//! The enclave's state in the vectors runner: §13 rotation files
//! (`config/rotation.json`: config hashes and vote sequences) and §14
//! replay-guard files (`replay/guard.json`: operation sequences), each
//! step checked, every mismatching step named.

use base64::Engine as _;
use relay_verifier::__fuzz::{replay_abandon, replay_begin, replay_finish};
use relay_verifier::{
    config_hash, config_signature_payload, config_user_data, ReplayGuard, ReplaySlot, Rotation,
    RotationConfig, VoteError, VoteOutcome, VoteWork,
};
use serde_json::Value;

use super::vectors::text;

pub fn number(v: &Value, key: &str) -> Result<u64, String> {
    v.get(key)
        .and_then(Value::as_u64)
        .ok_or_else(|| format!("{key} is not a number"))
}

/// A `hash_cases` entry of a rotation file: the config hash, the payload a
/// vote signs and the attestation user data.
pub fn config_hash_case(case: &Value) -> Result<(), String> {
    let hash = config_hash(text(case, "config_json")?.as_bytes())
        .map_err(|e| format!("config refused: {e}"))?;
    let mut wrong = Vec::new();
    if hash.to_string() != text(case, "hash")? {
        wrong.push(format!("hash {hash}"));
    }
    if hex::encode(config_signature_payload(&hash)) != text(case, "signature_payload")? {
        wrong.push("signature payload".to_string());
    }
    if hex::encode(config_user_data(&hash)) != text(case, "user_data")? {
        wrong.push("user data".to_string());
    }
    match wrong.is_empty() {
        true => Ok(()),
        false => Err(format!("differs in: {}", wrong.join(", "))),
    }
}

/// A `rotation_cases` entry: every vote in order, then the final config.
pub fn rotation_case(case: &Value) -> Result<(), String> {
    let current = RotationConfig::from_json(text(case, "current_config_json")?.as_bytes())
        .map_err(|e| format!("current config refused: {e}"))?;
    let mut rotation = Rotation::with_vote_lifetime(current, number(case, "vote_lifetime")?);
    let steps = case
        .get("steps")
        .and_then(Value::as_array)
        .ok_or("steps is not an array")?;
    let mut wrong = Vec::new();
    let mut work = Box::new(VoteWork::new());
    for (i, step) in steps.iter().enumerate() {
        let body = text(step, "body_json")?.as_bytes();
        let got = rotation.take_vote(body, number(step, "at")?, &mut work);
        let want = step.get("expect").ok_or("a step without expect")?;
        if let Some(why) = vote_mismatch(&got, want) {
            wrong.push(format!("step {i}: {why}"));
        }
    }
    let last = rotation.current().hash().to_string();
    if last != text(case, "final_config_hash")? {
        wrong.push(format!("final config {last}"));
    }
    match wrong.is_empty() {
        true => Ok(()),
        false => Err(wrong.join("; ")),
    }
}

/// What differs between a vote's outcome and the step's `expect`.
fn vote_mismatch(got: &Result<VoteOutcome, VoteError>, want: &Value) -> Option<String> {
    let field = |key: &str| want.get(key).cloned().unwrap_or(Value::Null);
    let outcome = field("outcome");
    let same = match (got, outcome.as_str()) {
        (Ok(VoteOutcome::Applied(a)), Some("applied")) => {
            let signers: Vec<Value> = a
                .signers()
                .map(|k| Value::from(base64::engine::general_purpose::STANDARD.encode(k)))
                .collect();
            field("hash") == a.hash().to_string().as_str()
                && Value::from(signers) == field("signers")
        }
        (
            Ok(VoteOutcome::Collected {
                hash,
                collected,
                required,
            }),
            Some("collected"),
        ) => {
            field("hash") == hash.to_string().as_str()
                && field("collected") == *collected
                && field("required") == *required
        }
        (Ok(VoteOutcome::AlreadyCurrent), Some("already_current")) => true,
        (Err(e), Some("rejected")) => field("reason") == e.reason(),
        _ => false,
    };
    let got = match got {
        Ok(o) => format!("{o:?}"),
        Err(e) => format!("rejected: {} ({e})", e.reason()),
    };
    (!same).then(|| format!("got {got}, want {want}"))
}

/// One §14 operation on a raw request hash (`begin`, `finish`,
/// `abandon`), and the name of its outcome.
pub fn guard_op(
    guard: &mut ReplayGuard<'_>,
    op: &str,
    hash: &[u8; 32],
    at: u64,
) -> Result<&'static str, String> {
    Ok(match op {
        "begin" => match replay_begin(guard, hash, at) {
            Ok(()) => "started",
            Err(refusal) => refusal.name(),
        },
        "finish" => replay_finish(guard, hash, at).name(),
        "abandon" => replay_abandon(guard, hash, at).name(),
        other => return Err(format!("unknown op {other}")),
    })
}

/// A replay-guard case: every operation at its time, against a guard of
/// the case's capacity and lifetime over as many slots.
pub fn guard_case(case: &Value) -> Result<(), String> {
    let capacity = usize::try_from(number(case, "capacity")?).map_err(|_| "capacity too large")?;
    let mut slots = vec![ReplaySlot::EMPTY; capacity];
    let mut guard = ReplayGuard::new(&mut slots).with_lifetime(number(case, "lifetime")?);
    let steps = case
        .get("steps")
        .and_then(Value::as_array)
        .ok_or("steps is not an array")?;
    let mut wrong = Vec::new();
    for (i, step) in steps.iter().enumerate() {
        let op = text(step, "op")?;
        let at = number(step, "at")?;
        let hash: [u8; 32] = hex::decode(text(step, "hash")?)
            .ok()
            .and_then(|h| h.try_into().ok())
            .ok_or("hash is not 64 hex digits")?;
        let got = guard_op(&mut guard, op, &hash, at).map_err(|e| format!("step {i}: {e}"))?;
        let want = text(step, "expect")?;
        if got != want {
            wrong.push(format!("step {i} ({op} at {at}): got {got}, want {want}"));
        }
    }
    match wrong.is_empty() {
        true => Ok(()),
        false => Err(wrong.join("; ")),
    }
}
