//! `hash`: the canonical hash of a logical result and the payload a node signs.

use std::path::PathBuf;

use clap::Args;
use relay_verifier::{canonical_hash, CanonicalHash, Error, Method, RequestParams};
use serde_json::json;

use super::{at_most_one_stdin, emit, parse_method, read_input, refusal, Outcome, Status};

/// Arguments of `hash`.
#[derive(Debug, Args)]
pub struct HashArgs {
    /// Method: confidential.secrets.get, confidential.capability.execute,
    /// or the short forms secrets and capability.
    #[arg(long, value_name = "NAME", value_parser = parse_method)]
    pub method: Method,
    /// The request parameters, as a JSON file (`-` for stdin).
    #[arg(long, value_name = "PATH")]
    pub params: PathBuf,
    /// The logical result, as a JSON file (`-` for stdin).
    #[arg(long, value_name = "PATH")]
    pub result: PathBuf,
}

/// Prints `{"hash", "signature_payload"}` (exit 0), or the library's refusal
/// as `{"reason", "detail"}` (exit 1).
pub fn run(args: &HashArgs) -> Outcome {
    at_most_one_stdin([
        ("--params", args.params.as_path()),
        ("--result", args.result.as_path()),
    ])?;
    let params_json = read_input(&args.params)?;
    let result_json = read_input(&args.result)?;
    match hash(args.method, &params_json, &result_json) {
        Ok(h) => {
            emit(&json!({
                "hash": h.to_string(),
                "signature_payload": hex::encode(h.signature_payload()),
            }))?;
            Ok(Status::Success)
        }
        Err(e) => refusal(&e),
    }
}

/// Parses the parameters and hashes the result under them.
fn hash(method: Method, params_json: &[u8], result_json: &[u8]) -> Result<CanonicalHash, Error> {
    let params = RequestParams::from_json(method, params_json)?;
    canonical_hash(&params, result_json)
}
