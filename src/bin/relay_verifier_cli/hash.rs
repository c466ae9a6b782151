//! `hash`: the canonical hash of a logical result and the payload a node signs.

use clap::Args;
use relay_verifier::{canonical_hash, CanonicalHash, Error, Method, RequestParams};
use serde_json::json;

use super::{emit, refusal, Outcome, RequestFiles, Status};

/// Arguments of `hash`.
#[derive(Debug, Args)]
pub struct HashArgs {
    /// The request and the logical result.
    #[command(flatten)]
    pub request: RequestFiles,
}

/// Prints `{"hash", "signature_payload"}` (exit 0), or the library's refusal
/// as `{"reason", "detail"}` (exit 1).
pub fn run(args: &HashArgs) -> Outcome {
    let (params_json, result_json) = args.request.read()?;
    match hash(args.request.method, &params_json, &result_json) {
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
