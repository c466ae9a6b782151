//! `verify`: one gateway body against a signer set, verdict as JSON.

use std::path::PathBuf;

use base64::Engine as _;
use clap::Args;
use relay_verifier::{
    CapabilityResult, Error, Method, RequestParams, SecretsOrder, Verdict, VerifiedResponse,
    Verifier,
};
use serde_json::{json, Map, Value};

use super::{
    at_most_one_stdin, emit, parse_method, read_input, stats_json, Outcome, SignerArgs, Status,
};

/// Arguments of `verify`.
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The signer set and F.
    #[command(flatten)]
    pub signers: SignerArgs,
    /// Method: confidential.secrets.get, confidential.capability.execute,
    /// or the short forms secrets and capability.
    #[arg(long, value_name = "NAME", value_parser = parse_method)]
    pub method: Method,
    /// The enclave's request parameters, as a JSON file (`-` for stdin).
    #[arg(long, value_name = "PATH")]
    pub params: PathBuf,
    /// The gateway's body (`-`, the default, for stdin).
    #[arg(long, value_name = "PATH", default_value = "-")]
    pub body: PathBuf,
}

/// Reads the inputs, verifies, prints the verdict: exit 0 on accept, 1 on
/// reject. Unreadable inputs and keys that are not hex are errors (exit 2);
/// a signer set or `F` the library refuses is a reject (`invalid_config`).
pub fn run(args: &VerifyArgs) -> Outcome {
    let stdin_users = [
        args.signers.stdin_user(),
        Some(("--params", args.params.as_path())),
        Some(("--body", args.body.as_path())),
    ];
    at_most_one_stdin(stdin_users.into_iter().flatten())?;
    let keys = args.signers.keys()?;
    let params_json = read_input(&args.params)?;
    let body = read_input(&args.body)?;
    let (verdict, status) = judge(args, &keys, &params_json, &body);
    emit(&verdict)?;
    Ok(status)
}

/// The verdict as JSON, and the exit status it maps to. Configuration and
/// parameters are checked in that order, as the reference vectors expect.
fn judge(args: &VerifyArgs, keys: &[Vec<u8>], params_json: &[u8], body: &[u8]) -> (Value, Status) {
    let config = match args.signers.configure(keys) {
        Ok(c) => c,
        Err(e) => return refusal(e.reason(), &e, Map::new()),
    };
    let params = match RequestParams::from_json(args.method, params_json) {
        Ok(p) => p,
        Err(e) => return refusal(e.reason(), &e, Map::new()),
    };
    let verifier = Verifier::new(config);
    match verifier.verify(&params, body) {
        Verdict::Reject(e) => reject(&e),
        Verdict::Accept(v) => accept(&v, &params, verifier.config().threshold()),
    }
}

/// What a quorum established: hash, signers, bundle index, counters.
fn quorum(v: &VerifiedResponse<'_>, threshold: usize) -> Map<String, Value> {
    let mut out = Map::new();
    out.insert("hash".into(), v.hash().to_string().into());
    let signers: Vec<Value> = v.signers().map(|k| hex::encode(k).into()).collect();
    out.insert("signers".into(), signers.into());
    out.insert("signer_count".into(), v.signer_count().into());
    out.insert("threshold".into(), threshold.into());
    out.insert("index".into(), v.index().map_or(Value::Null, Value::from));
    out.insert("stats".into(), stats_json(v.stats()));
    out
}

/// An accepted body; a secrets result must still answer the request
/// (PROTOCOL.md §9), or it is rejected after all.
fn accept(
    v: &VerifiedResponse<'_>,
    params: &RequestParams<'_>,
    threshold: usize,
) -> (Value, Status) {
    let mut out = Map::new();
    out.insert("verdict".into(), "accept".into());
    out.insert("method".into(), params.method().name().into());
    out.extend(quorum(v, threshold));
    match v.secrets() {
        Some(checked) => match checked {
            Ok(order) => {
                out.insert("secrets".into(), secrets_json(&order));
            }
            Err(e) => {
                // The signers agree, but on an answer to another request: the
                // caller must not use it, so this is a reject (exit 1).
                let out = json!({
                    "verdict": "reject",
                    "reason": e.name(),
                    "detail": format!("secrets result does not match the request: {e}"),
                    "quorum": quorum(v, threshold),
                });
                return (out, Status::Failure);
            }
        },
        None => {
            if let Some(c) = v.capability() {
                out.insert("capability".into(), capability_json(&c));
            }
            // A report (PROTOCOL.md §11): what is handed out, not one
            // node's bytes.
            match relay_verifier::signing::hand_out_json(v) {
                Some(Ok(report)) => {
                    out.insert("report".into(), report);
                }
                Some(Err(e)) => {
                    out.insert("report".into(), json!({ "error": e.to_string() }));
                }
                None => {}
            }
        }
    }
    (Value::Object(out), Status::Success)
}

/// The requested secrets in request order, without ciphertexts.
fn secrets_json(order: &SecretsOrder<'_>) -> Value {
    order
        .iter()
        .map(|s| {
            json!({
                "key": s.id.key.to_string(),
                "namespace": s.id.namespace.to_string(),
                "present": s.entry.is_some(),
                "shares": s.entry.map(|e| e.encrypted_shares().count()),
            })
        })
        .collect()
}

/// A capability result's sizes and error text, without the payload.
fn capability_json(c: &CapabilityResult<'_>) -> Value {
    let payload = c.payload.to_string();
    // The payload is hashed as text; its decoded size is informative only.
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(&payload)
        .ok()
        .map(|b| b.len());
    json!({
        "payload_base64_len": payload.len(),
        "payload_bytes": decoded,
        "error": c.error.to_string(),
    })
}

/// A rejection: the reason as the vectors name it, the library's message,
/// and what the error carries for diagnosis.
fn reject(e: &Error) -> (Value, Status) {
    let mut out = Map::new();
    match e {
        Error::Malformed(m) => {
            out.insert("offset".into(), m.offset.into());
        }
        Error::NoQuorum(nq) => {
            out.insert("threshold".into(), nq.threshold.into());
            out.insert("distinct_hashes".into(), nq.distinct_hashes.into());
            let leaders: Vec<Value> = nq
                .leader
                .iter()
                .map(|(hash, signers)| json!({ "hash": hash.to_string(), "signers": signers }))
                .collect();
            out.insert("leaders".into(), leaders.into());
            out.insert("stats".into(), stats_json(&nq.stats));
        }
        _ => {}
    }
    refusal(e.reason(), e, out)
}

/// A refusal of any operation: its reason as the vectors name it, the
/// library's message, then `extra` (what the error carries for diagnosis).
fn refusal(
    reason: &str,
    detail: &dyn std::fmt::Display,
    extra: Map<String, Value>,
) -> (Value, Status) {
    let mut out = Map::new();
    out.insert("verdict".into(), "reject".into());
    out.insert("reason".into(), reason.into());
    out.insert("detail".into(), detail.to_string().into());
    out.extend(extra);
    (Value::Object(out), Status::Failure)
}
