//! `verify-compute`: one batch of Workflow-DON-signed compute requests
//! (PROTOCOL.md §12) against a signer set, verdict as JSON; and the
//! conformance checks of `vectors/compute/compute.json` cases.

use std::path::PathBuf;

use clap::Args;
use relay_verifier::signing::compute::{batch_json, ComputeRequestData, SignedComputeRequest};
use relay_verifier::{
    ComputeError, ComputeRequest, ComputeStats, ComputeVerdict, EntryTrace, VerifiedComputeRequest,
    Verifier,
};
use serde_json::{json, Map, Value};

use super::vectors::{body, case_config, text};
use super::{at_most_one_stdin, emit, parse_json, read_input, Outcome, SignerArgs, Status};

/// Arguments of `verify-compute`.
#[derive(Debug, Args)]
pub struct VerifyComputeArgs {
    /// The Workflow DON's signer set and F.
    #[command(flatten)]
    pub signers: SignerArgs,
    /// The batch the host posts: a JSON array (`-`, the default, for stdin).
    #[arg(long, value_name = "PATH", default_value = "-")]
    pub body: PathBuf,
}

/// Reads the inputs, verifies, prints the verdict: exit 0 on accept, 1 on
/// reject, 2 when an input cannot be read or a key is not hex.
pub fn run(args: &VerifyComputeArgs) -> Outcome {
    let stdin_users = [
        args.signers.stdin_user(),
        Some(("--body", args.body.as_path())),
    ];
    at_most_one_stdin(stdin_users.into_iter().flatten())?;
    let keys = args.signers.keys()?;
    let body = read_input(&args.body)?;
    let (verdict, status) = match args.signers.configure(&keys) {
        Err(e) => reject(&ComputeError::from(e)),
        Ok(config) => {
            let verifier = Verifier::new(config);
            match verifier.verify_compute(&body) {
                ComputeVerdict::Accept(v) => {
                    (accept(&v, verifier.config().threshold()), Status::Success)
                }
                ComputeVerdict::Reject(e) => reject(&e),
            }
        }
    };
    emit(&verdict)?;
    Ok(status)
}

fn stats_json(s: &ComputeStats) -> Value {
    json!({
        "entries": s.entries,
        "verifications": s.verifications,
        "counted": s.counted,
        "skipped": {
            "missing": s.missing,
            "wrong_length": s.wrong_length,
            "no_key": s.no_key,
            "equivocation": s.equivocation,
            "all_counted": s.all_counted,
            "repeats": s.repeats,
            "over_capacity": s.over_capacity,
        },
    })
}

/// An accepted batch: hash, signers, the request to execute (without its
/// ciphertexts) and the counted entries with their share counts.
fn accept(v: &VerifiedComputeRequest<'_>, threshold: usize) -> Value {
    let r = v.request();
    let entries: Vec<Value> = v
        .entries()
        .map(|e| {
            json!({
                "index": e.index,
                "signer": hex::encode(e.signer),
                "shares": e.request.encrypted_decryption_key_shares().map(Iterator::count).collect::<Vec<_>>(),
            })
        })
        .collect();
    json!({
        "verdict": "accept",
        "hash": v.hash().to_string(),
        "signers": v.signers().map(hex::encode).collect::<Vec<_>>(),
        "signer_count": v.signer_count(),
        "threshold": threshold,
        "index": v.index(),
        "entries": entries,
        "request": request_json(r),
        "stats": stats_json(v.stats()),
    })
}

/// What the enclave would execute, without ciphertexts or keys.
fn request_json(r: &ComputeRequest<'_>) -> Value {
    json!({
        "request_id": hex::encode(r.request_id()),
        "application_request_id": r.application_request_id().to_string(),
        "app_id": r.app_id().to_string(),
        "version": r.version().to_string(),
        "ciphertext_names": r.ciphertext_names().map(|t| t.to_string()).collect::<Vec<_>>(),
    })
}

fn reject(e: &ComputeError) -> (Value, Status) {
    let mut out = Map::new();
    out.insert("verdict".into(), "reject".into());
    out.insert("reason".into(), e.reason().into());
    out.insert("detail".into(), e.to_string().into());
    match e {
        ComputeError::Malformed(m) => {
            out.insert("offset".into(), m.offset.into());
        }
        ComputeError::NoQuorum(nq) => {
            out.insert("threshold".into(), nq.threshold.into());
            out.insert("distinct_hashes".into(), nq.distinct_hashes.into());
            if let Some((hash, n)) = nq.leader {
                out.insert(
                    "leader".into(),
                    json!({ "hash": hash.to_string(), "signers": n }),
                );
            }
            out.insert("stats".into(), stats_json(&nq.stats));
        }
        _ => {}
    }
    (Value::Object(out), Status::Failure)
}

/// A `hash_cases` entry of compute.json: hash and signature payload, and
/// the signing side's rewrite of `request_json`, byte for byte.
pub fn hash_case(case: &Value) -> Result<(), String> {
    let json = text(case, "request_json")?;
    let r = ComputeRequest::from_json(json.as_bytes()).map_err(|e| format!("refused: {e}"))?;
    let h = r.hash();
    let want = text(case, "hash")?;
    if h.to_string() != want {
        return Err(format!("hash {h} != {want}"));
    }
    let payload = hex::encode(h.compute_signature_payload());
    if payload != text(case, "signature_payload")? {
        return Err(format!("signature payload {payload} differs"));
    }
    let rewritten = ComputeRequestData::from_json(json.as_bytes())
        .map_err(|e| e.to_string())?
        .to_go_json();
    if rewritten != json {
        return Err("the signing side writes the request differently".into());
    }
    Ok(())
}

/// A `verify_cases` entry of compute.json: verdict, hash, signers, index,
/// entries, reason, the cost (`expect.max_verifications`, and none at all
/// for a malformed body); and, for a well-formed body that Go wrote (the
/// case carries `go_reference`), the signing side's rewrite of it, byte
/// for byte. A case without Go's verdict may spell its body otherwise,
/// and is judged on the verdict alone.
pub fn batch_case(case: &Value) -> Result<(), String> {
    let expect = case.get("expect").ok_or("expect is missing")?;
    let config = case_config(case)?;
    let body = body(case)?;
    let mut verifications = 0u64;
    let got = match config {
        Err(e) => reject(&ComputeError::from(e)).0,
        Ok(config) => {
            let verifier = Verifier::new(config);
            let count = |t: EntryTrace| verifications += u64::from(t.trials);
            match verifier.verify_compute_traced(&body, count) {
                ComputeVerdict::Accept(v) => accept(&v, verifier.config().threshold()),
                ComputeVerdict::Reject(e) => reject(&e).0,
            }
        }
    };
    let accepted = field(&got, "verdict") == "accept";
    if Some(accepted) != expect.get("accept").and_then(Value::as_bool) {
        return Err(format!("verdict {got}, expected {expect}"));
    }
    if accepted {
        let indices: Vec<Value> = field(&got, "entries")
            .as_array()
            .map(|es| es.iter().map(|e| field(e, "index").clone()).collect())
            .unwrap_or_default();
        for (key, value) in [
            ("hash", field(&got, "hash").clone()),
            ("signers", field(&got, "signers").clone()),
            ("index", field(&got, "index").clone()),
            ("entries", Value::Array(indices)),
        ] {
            if expect.get(key) != Some(&value) {
                return Err(format!("{key} {value} != {}", expect[key]));
            }
        }
    } else if field(&got, "reason") != field(expect, "reason") {
        return Err(format!(
            "reason {} != {}",
            field(&got, "reason"),
            field(expect, "reason")
        ));
    }
    check_cost(expect, &got, verifications)?;
    if case.get("go_reference").is_some() && field(expect, "reason") != "malformed" {
        let text = std::str::from_utf8(&body).map_err(|e| format!("body: {e}"))?;
        rewrite_body(text)?;
    }
    Ok(())
}

/// What a batch cost against what the case allows: at most
/// `expect.max_verifications` (PROTOCOL.md §12: 2N² at most), and none on
/// a malformed body, whose shape is settled before any signature is tried.
fn check_cost(expect: &Value, got: &Value, verifications: u64) -> Result<(), String> {
    let stats = got
        .get("stats")
        .map_or(String::new(), |s| format!(" ({s})"));
    if field(expect, "reason") == "malformed" && verifications != 0 {
        return Err(format!(
            "{verifications} verifications on a malformed body, expected none{stats}"
        ));
    }
    let Some(max) = expect.get("max_verifications") else {
        return Ok(());
    };
    let max = max
        .as_u64()
        .ok_or_else(|| format!("max_verifications {max} is not a count"))?;
    if verifications > max {
        return Err(format!(
            "{verifications} verifications, at most {max} allowed{stats}"
        ));
    }
    Ok(())
}

/// Reads every element with the signing side and writes the batch again.
fn rewrite_body(body: &str) -> Result<(), String> {
    let items = match parse_json(body.as_bytes()).map_err(|e| e.to_string())? {
        Value::Array(items) => items,
        other => return Err(format!("the body is not an array: {other}")),
    };
    let entries = items
        .iter()
        .map(|e| SignedComputeRequest::from_json(e.to_string().as_bytes()))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| e.to_string())?;
    if batch_json(&entries) != body {
        return Err("the signing side writes the batch differently".into());
    }
    Ok(())
}

/// A field of an object, `null` when absent.
fn field<'v>(v: &'v Value, key: &str) -> &'v Value {
    v.get(key).unwrap_or(&Value::Null)
}
