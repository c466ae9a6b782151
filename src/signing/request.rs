//! The request side: parameters written as Go writes them, and the
//! attestation user data that binds them (PROTOCOL.md §10).

use std::string::{String, ToString};

use sha2::{Digest, Sha256};

use super::gojson::{write_array, write_bytes, write_key, write_raw_value, write_string};
use crate::Text;
use crate::{ByteString, CapabilityParams, EnclaveConfig, RequestParams, SecretsParams};

/// The parameters as Go's `encoding/json` writes the request struct: fields
/// in declaration order, `omitempty` fields dropped when empty.
///
/// `signed_compute_requests` is kept as raw JSON and written compacted with
/// Go's string escaping: byte-identical when it came from Go, as it does
/// in practice (its struct is opaque to the relay protocol).
pub fn go_params_json(params: &RequestParams<'_>) -> String {
    let mut out = String::new();
    out.push('{');
    let first = &mut true;
    match params {
        RequestParams::Secrets(p) => write_secrets(&mut out, first, p),
        RequestParams::Capability(p) => write_capability(&mut out, first, p),
    }
    out.push('}');
    out
}

/// `SHA-256("CONFIDENTIAL_COMPUTE_PAYLOAD" ‖ str(tag) ‖ bytes(params_json))`
/// with `params_json` the Go encoding of `params` with `attestation` empty.
pub fn attestation_user_data(params: &RequestParams<'_>) -> [u8; 32] {
    let mut without = params.clone();
    match &mut without {
        RequestParams::Secrets(p) => p.attestation = Text::new(""),
        RequestParams::Capability(p) => p.attestation = Text::new(""),
    }
    let tag: &[u8] = match params {
        RequestParams::Secrets(_) => b"ConfidentialSecretsGet",
        RequestParams::Capability(_) => b"ConfidentialCapabilityExecute",
    };
    let json = go_params_json(&without);
    let mut h = Sha256::new();
    h.update(b"CONFIDENTIAL_COMPUTE_PAYLOAD");
    h.update((tag.len() as u64).to_be_bytes());
    h.update(tag);
    h.update((json.len() as u64).to_be_bytes());
    h.update(json.as_bytes());
    h.finalize().into()
}

fn field(out: &mut String, first: &mut bool, key: &str, value: &Text<'_>) {
    write_key(out, first, key);
    write_string(out, &value.to_string());
}

fn optional(out: &mut String, first: &mut bool, key: &str, value: &Text<'_>) {
    if !value.is_empty() {
        field(out, first, key, value);
    }
}

fn write_secrets(out: &mut String, first: &mut bool, p: &SecretsParams<'_>) {
    field(out, first, "workflow_id", &p.workflow_id);
    field(out, first, "owner", &p.owner);
    field(out, first, "execution_id", &p.execution_id);
    optional(out, first, "org_id", &p.org_id);
    write_key(out, first, "secrets");
    let ids: std::vec::Vec<_> = p.secrets().iter().collect();
    write_array(out, Some(&ids), |out, id| {
        let inner = &mut true;
        out.push('{');
        field(out, inner, "key", &id.key);
        field(out, inner, "namespace", &id.namespace);
        out.push('}');
    });
    field(out, first, "enclave_public_key", &p.enclave_public_key);
    write_config(out, first, p.enclave_config.as_ref());
    optional(out, first, "attestation", &p.attestation);
    // `omitempty` drops both a nil and an empty slice.
    if let Some(raw) = p.signed_compute_requests {
        let compact = trim(raw);
        if compact != b"null" && !is_empty_array(compact) {
            write_key(out, first, "signed_compute_requests");
            write_raw_value(out, compact);
        }
    }
}

fn trim(json: &[u8]) -> &[u8] {
    let start = json.iter().take_while(|b| b.is_ascii_whitespace()).count();
    let rest = json.get(start..).unwrap_or_default();
    let end = rest.len()
        - rest
            .iter()
            .rev()
            .take_while(|b| b.is_ascii_whitespace())
            .count();
    rest.get(..end).unwrap_or_default()
}

fn is_empty_array(json: &[u8]) -> bool {
    json.first() == Some(&b'[')
        && json
            .get(1..)
            .unwrap_or_default()
            .iter()
            .all(|b| b.is_ascii_whitespace() || *b == b']')
}

fn write_capability(out: &mut String, first: &mut bool, p: &CapabilityParams<'_>) {
    field(out, first, "workflow_id", &p.workflow_id);
    field(out, first, "owner", &p.owner);
    field(out, first, "execution_id", &p.execution_id);
    optional(out, first, "org_id", &p.org_id);
    field(out, first, "reference_id", &p.reference_id);
    field(out, first, "capability_id", &p.capability_id);
    field(out, first, "payload", &p.payload);
    write_config(out, first, p.enclave_config.as_ref());
    optional(out, first, "attestation", &p.attestation);
}

fn write_config(out: &mut String, first: &mut bool, config: Option<&EnclaveConfig<'_>>) {
    let Some(c) = config else { return };
    write_key(out, first, "enclave_config");
    out.push_str("{\"signers\":");
    // An empty list can only have come from `null` (validation refuses `[]`).
    let signers: std::vec::Vec<_> = c.signers().iter().collect();
    write_array(
        out,
        (!signers.is_empty()).then_some(&signers[..]),
        write_byte_string,
    );
    out.push_str(",\"master_public_key\":");
    write_byte_string(out, &c.master_public_key);
    out.push_str(&std::format!(",\"t\":{},\"f\":{}}}", c.t, c.f));
}

/// Go decodes `[]byte` from base64 and writes it back in canonical form;
/// an empty one stays `""` unless it was nil.
fn write_byte_string(out: &mut String, b: &ByteString<'_>) {
    let bytes: std::vec::Vec<u8> = b.bytes().collect();
    write_bytes(out, Some(&bytes));
}
