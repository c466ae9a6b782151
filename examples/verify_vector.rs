//! Verifies gateway bodies from the Go reference vectors, the way an enclave
//! would, and explains each verdict.
//!
//! ```sh
//! cargo run --example verify_vector                      # a few telling cases
//! cargo run --example verify_vector -- bundle/split-no-quorum
//! ```
//!
//! The vectors live in `../shared/vectors/verify.json`; set
//! `RELAY_VECTORS` to read another directory.

use std::process::ExitCode;

use base64::Engine as _;
use relay_verifier::{Config, Method, RequestParams, SignerSet, Verdict, Verifier};
use serde_json::Value;

/// Shown when no case is named: an honest bundle, a forged minority, a
/// split vote, a secrets result that answers another request, a bad body.
const TOUR: &[&str] = &[
    "bundle/all-honest",
    "dons/n16-f5-five-forgers",
    "bundle/split-no-quorum",
    "postcheck/unexpected-secret",
    "malformed/lone-surrogate",
];

fn main() -> ExitCode {
    let dir = std::env::var("RELAY_VECTORS")
        .unwrap_or_else(|_| concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/vectors").into());
    let path = format!("{dir}/verify.json");
    let file: Value = match std::fs::read_to_string(&path)
        .map_err(|e| e.to_string())
        .and_then(|t| serde_json::from_str(&t).map_err(|e| e.to_string()))
    {
        Ok(v) => v,
        Err(e) => {
            eprintln!("cannot read {path}: {e}");
            return ExitCode::from(2);
        }
    };
    let cases = file["verify_cases"].as_array().cloned().unwrap_or_default();
    let wanted: Vec<String> = match std::env::args().skip(1).collect::<Vec<_>>() {
        names if names.is_empty() => TOUR.iter().map(|s| s.to_string()).collect(),
        names => names,
    };
    let mut status = ExitCode::SUCCESS;
    for name in &wanted {
        match cases.iter().find(|c| c["name"] == name.as_str()) {
            Some(case) => {
                if let Err(e) = explain(case) {
                    eprintln!("{name}: {e}");
                    status = ExitCode::from(2);
                }
            }
            None => {
                eprintln!("no case named {name} in {path}");
                status = ExitCode::from(2);
            }
        }
    }
    status
}

fn field<'v>(case: &'v Value, key: &str) -> Result<&'v str, String> {
    case[key]
        .as_str()
        .ok_or_else(|| format!("case has no {key}"))
}

fn explain(case: &Value) -> Result<(), String> {
    let keys = case["signers"]
        .as_array()
        .ok_or("case has no signers")?
        .iter()
        .map(|k| hex::decode(k.as_str().unwrap_or_default()).map_err(|e| e.to_string()))
        .collect::<Result<Vec<_>, _>>()?;
    let f = case["f"].as_u64().ok_or("case has no f")? as usize;
    let body = match (case.get("body_json"), case.get("body_base64")) {
        (Some(Value::String(b)), _) => b.as_bytes().to_vec(),
        (_, Some(Value::String(b))) => base64::engine::general_purpose::STANDARD
            .decode(b)
            .map_err(|e| e.to_string())?,
        _ => Vec::new(),
    };
    let method = Method::from_name(field(case, "method")?).map_err(|e| e.to_string())?;
    let params_json = field(case, "params_json")?;

    println!("== {}", field(case, "name")?);
    println!("   {}", case["note"].as_str().unwrap_or(""));
    println!(
        "   {} signers, f = {f}, quorum {}; {} body of {} bytes",
        keys.len(),
        f + 1,
        method.name(),
        body.len()
    );

    // The enclave's side: its own configuration and request, then one call.
    let config = match SignerSet::from_slices(keys.iter().map(Vec::as_slice))
        .and_then(|set| Config::new(set, f))
    {
        Ok(c) => c,
        Err(e) => {
            println!("   REJECT invalid_config: {e}\n");
            return Ok(());
        }
    };
    let params = match RequestParams::from_json(method, params_json.as_bytes()) {
        Ok(p) => p,
        Err(e) => {
            println!("   REJECT invalid_params: {e}\n");
            return Ok(());
        }
    };
    let verifier = Verifier::new(config);
    match verifier.verify(&params, &body) {
        Verdict::Accept(v) => {
            println!("   ACCEPT hash {}", v.hash());
            println!(
                "   signed by {} of {} configured signers; response index {:?}",
                v.signer_count(),
                keys.len(),
                v.index()
            );
            println!("   {}", v.stats());
            if let Some(checked) = v.secrets() {
                match checked {
                    Ok(order) => {
                        for s in order.iter() {
                            let shares = s.entry.map(|e| e.encrypted_shares().count());
                            match shares {
                                Some(n) => println!(
                                    "   secret {}/{}: present, {n} encrypted shares",
                                    s.id.namespace, s.id.key
                                ),
                                None => {
                                    println!("   secret {}/{}: missing", s.id.namespace, s.id.key)
                                }
                            }
                        }
                    }
                    Err(e) => println!(
                        "   but the result does not answer the request: {} ({e})",
                        e.name()
                    ),
                }
            }
            if let Some(c) = v.capability() {
                println!(
                    "   capability payload of {} characters, error {:?}",
                    c.payload.len(),
                    c.error
                );
            }
        }
        Verdict::Reject(e) => println!("   REJECT {}: {e}", e.reason()),
    }
    println!(
        "   expected: {}\n",
        if case["expect"]["accept"] == Value::Bool(true) {
            "accept".to_string()
        } else {
            format!("reject {}", case["expect"]["reason"])
        }
    );
    Ok(())
}
