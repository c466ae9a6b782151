//! What the test files driven by `../shared/vectors` share: loading a
//! vector file, reading a case's string field, and failing once with
//! every failed case listed.
#![allow(dead_code)] // each test binary uses its own part

use serde_json::Value;

/// The vector file `name`, a path under `../shared/vectors`.
pub fn load_vectors(name: &str) -> Value {
    let path = format!("{}/../shared/vectors/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {path}: {e}"));
    serde_json::from_str(&text).expect("vector file is JSON")
}

/// The string field `key` of a case; panics naming it when it is not one.
pub fn s<'v>(v: &'v Value, key: &str) -> &'v str {
    v[key]
        .as_str()
        .unwrap_or_else(|| panic!("{key} is not a string in {v}"))
}

/// Fails with every collected failure, one a line.
pub fn assert_no_failures(failures: &[String]) {
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// A secrets request and a capability request for simulated DONs.
pub mod requests {
    use relay_verifier::{Method, RequestParams};

    pub const SECRETS_PARAMS: &str = r#"{"workflow_id":"wf-1","owner":"0x1234567890abcdef1234567890ABCDEF12345678",
  "execution_id":"ex-1","secrets":[{"key":"API_KEY","namespace":"main"},{"key":"DB_URL","namespace":"main"},
  {"key":"TOKEN","namespace":"ops"}],"enclave_public_key":"04a1b2"}"#;
    pub const CAPABILITY_PARAMS: &str = r#"{"workflow_id":"wf-1","owner":"0x1234567890abcdef1234567890ABCDEF12345678",
  "execution_id":"ex-1","reference_id":"step-1","capability_id":"http@1","payload":"cGluZw=="}"#;

    /// The secrets request, or the capability request.
    pub fn params(secrets: bool) -> RequestParams<'static> {
        if secrets {
            RequestParams::from_json(Method::SecretsGet, SECRETS_PARAMS.as_bytes()).unwrap()
        } else {
            RequestParams::from_json(Method::CapabilityExecute, CAPABILITY_PARAMS.as_bytes())
                .unwrap()
        }
    }
}
