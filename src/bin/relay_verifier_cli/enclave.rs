//! The enclave's own state by hand: `vote` takes §13 votes against a
//! config file, `replay-guard` runs a §14 operation sequence.

use std::path::PathBuf;
use std::time::{SystemTime, UNIX_EPOCH};

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use clap::Args;
use relay_verifier::signing::EnclaveConfigData;
use relay_verifier::{
    ReplayGuard, ReplaySlot, Rotation, RotationConfig, VoteOutcome, VoteWork,
    DEFAULT_REPLAY_LIFETIME, DEFAULT_VOTE_LIFETIME,
};
use serde_json::{json, Value};

use super::state::{guard_op, number};
use super::vectors::text;
use super::{at_most_one_stdin, emit, parse_json, read_input, CliError, Outcome, Status};

/// Arguments of `vote`.
#[derive(Debug, Args)]
pub struct VoteArgs {
    /// The config in force, as Go writes it
    /// (`{"signers":[base64,…],"masterPublicKey":base64,"t":2,"f":1}`).
    #[arg(long, value_name = "PATH")]
    pub config: PathBuf,
    /// Vote bodies (`{"config":base64,"signature":base64}`), taken in
    /// order (`-` for stdin).
    #[arg(value_name = "VOTE", required = true)]
    pub votes: Vec<PathBuf>,
    /// The time of every vote, in seconds (default: the clock now).
    #[arg(long, value_name = "SECONDS")]
    pub now: Option<u64>,
    /// How long a vote stays live, in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = DEFAULT_VOTE_LIFETIME)]
    pub lifetime: u64,
}

/// Takes every vote; prints one JSON line per vote, then the config in
/// force. Exit 0 when no vote was rejected, 1 otherwise.
pub fn run_vote(args: &VoteArgs) -> Outcome {
    let stdin_users = std::iter::once(("--config", args.config.as_path()))
        .chain(args.votes.iter().map(|p| ("VOTE", p.as_path())));
    at_most_one_stdin(stdin_users)?;
    let json = read_input(&args.config)?;
    let current = RotationConfig::from_json(&json)
        .map_err(|e| CliError::Input(format!("the config in force: {e}")))?;
    let now = match args.now {
        Some(now) => now,
        None => SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_err(|e| CliError::Input(format!("the clock: {e}")))?
            .as_secs(),
    };
    let mut rotation = Rotation::with_vote_lifetime(current, args.lifetime);
    let mut work = Box::new(VoteWork::new());
    let mut status = Status::Success;
    for path in &args.votes {
        let body = read_input(path)?;
        let line = match rotation.take_vote(&body, now, &mut work) {
            Ok(VoteOutcome::Applied(a)) => json!({
                "vote": path,
                "outcome": "applied",
                "hash": a.hash().to_string(),
                "signers": a.signers().map(|k| B64.encode(k)).collect::<Vec<_>>(),
                "user_data": hex::encode(a.user_data()),
            }),
            Ok(VoteOutcome::Collected {
                hash,
                collected,
                required,
            }) => json!({
                "vote": path,
                "outcome": "collected",
                "hash": hash.to_string(),
                "collected": collected,
                "required": required,
            }),
            Ok(VoteOutcome::AlreadyCurrent) => json!({"vote": path, "outcome": "already_current"}),
            Ok(other) => json!({"vote": path, "outcome": format!("{other:?}")}),
            Err(e) => {
                status = Status::Failure;
                json!({
                    "vote": path,
                    "outcome": "rejected",
                    "reason": e.reason(),
                    "error": e.to_string(),
                })
            }
        };
        emit(&line)?;
    }
    let current = rotation.current();
    let keys: Vec<[u8; 32]> = current.signers().copied().collect();
    let config_json =
        EnclaveConfigData::new(&keys, current.master_public_key(), current.t(), current.f())
            .to_go_json();
    emit(&json!({
        "config_hash": current.hash().to_string(),
        "user_data": hex::encode(current.user_data()),
        "config_json": config_json,
    }))?;
    Ok(status)
}

/// Arguments of `replay-guard`.
#[derive(Debug, Args)]
pub struct ReplayGuardArgs {
    /// The operations: a JSON array of `{"op","hash","at"}` (`op`: begin,
    /// finish or abandon; `hash`: 64 hex digits; `at`: seconds), each with
    /// an optional `expect` to check (`-`, the default, for stdin).
    #[arg(value_name = "PATH", default_value = "-")]
    pub operations: PathBuf,
    /// Live entries the guard may hold.
    #[arg(long, default_value_t = 16)]
    pub capacity: usize,
    /// How long an executed entry is kept, in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = DEFAULT_REPLAY_LIFETIME)]
    pub lifetime: u64,
}

/// Runs every operation against one guard; prints one JSON line each.
/// Exit 1 when an operation's outcome is not its `expect`.
pub fn run_replay_guard(args: &ReplayGuardArgs) -> Outcome {
    let ops = parse_json(&read_input(&args.operations)?)
        .map_err(|e| CliError::Input(format!("operations: {e}")))?;
    let ops = ops
        .as_array()
        .ok_or_else(|| CliError::Input("operations: not a JSON array".into()))?;
    let mut slots = vec![ReplaySlot::EMPTY; args.capacity.saturating_mul(2).max(1)];
    let mut guard = ReplayGuard::new(&mut slots)
        .with_capacity(args.capacity)
        .with_lifetime(args.lifetime);
    let mut status = Status::Success;
    for (i, step) in ops.iter().enumerate() {
        let (op, hash, at) =
            operation(step).map_err(|e| CliError::Input(format!("operation {i}: {e}")))?;
        let got = guard_op(&mut guard, op, &hash, at)
            .map_err(|e| CliError::Input(format!("operation {i}: {e}")))?;
        let mut line = serde_json::Map::new();
        line.insert("op".into(), json!(op));
        line.insert("hash".into(), json!(hex::encode(hash)));
        line.insert("at".into(), json!(at));
        line.insert("outcome".into(), json!(got));
        if let Some(want) = step.get("expect").and_then(Value::as_str) {
            let ok = want == got;
            if !ok {
                status = Status::Failure;
            }
            line.insert("expect".into(), json!(want));
            line.insert("ok".into(), json!(ok));
        }
        let line = Value::Object(line);
        emit(&line)?;
    }
    Ok(status)
}

/// An operation's name, hash and time.
fn operation(step: &Value) -> Result<(&str, [u8; 32], u64), String> {
    let hash: [u8; 32] = hex::decode(text(step, "hash")?)
        .ok()
        .and_then(|h| h.try_into().ok())
        .ok_or("hash is not 64 hex digits")?;
    Ok((text(step, "op")?, hash, number(step, "at")?))
}
