//! Gateways: the untrusted fan-in between the relay DON and the enclave.

use std::string::String;
use std::vec::Vec;

use super::node::{NodeResponse, SignatureJson};

/// Today's gateway: every node response, as received, in a bundle.
pub fn bundle<'r>(responses: impl IntoIterator<Item = &'r NodeResponse>) -> String {
    bundle_raw(responses.into_iter().map(NodeResponse::to_json))
}

/// A bundle of responses given as JSON text (which may be junk).
pub fn bundle_raw(responses: impl IntoIterator<Item = String>) -> String {
    let mut out = String::from("{\"responses\":[");
    for (i, r) in responses.into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&r);
    }
    out.push_str("]}");
    out
}

/// The earlier gateway: one result and the signatures of the nodes that
/// agreed on it, sorted by signer (PROTOCOL.md §6).
pub fn merge(result_json: &str, mut signatures: Vec<SignatureJson>) -> String {
    signatures.sort_by(|a, b| a.signer.cmp(&b.signer));
    let response = NodeResponse {
        result_json: result_json.into(),
        signatures: Some(signatures),
        signature: None,
    };
    response.to_json()
}
