//! Logical results as owned values (PROTOCOL.md §3), the way a Go node holds
//! them: `None` is a nil slice and is written as `null`.

use std::string::{String, ToString};
use std::vec::Vec;

use serde_json::Value;

use super::gojson::{write_array, write_key, write_string};
use super::report::ConsensusReport;
use crate::Error;
use crate::Method;

/// One secret in a secrets result.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SecretValue {
    /// The secret's key.
    pub key: String,
    /// The secret's namespace.
    pub namespace: String,
    /// Base64 ciphertext, carried as text.
    pub ciphertext: String,
    /// Encrypted shares (`None` = nil slice).
    pub encrypted_shares: Option<Vec<String>>,
}

/// The result a relay node computed for one request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LogicalResult {
    /// `{"secrets": […]}` (`None` = nil slice).
    Secrets(Option<Vec<SecretValue>>),
    /// `{"payload", "error"}`, each omitted when empty.
    Capability {
        /// The capability's answer.
        payload: String,
        /// The capability's error text.
        error: String,
    },
    /// A capability answer carrying a consensus report (PROTOCOL.md §11):
    /// every node sends the same report with its own subset of the OCR
    /// signatures, so each node's result differs while their group hash
    /// does not. As a whole it is written in the canonical form.
    Report(ConsensusReport),
}

impl LogicalResult {
    /// Reads a result for `method` from JSON, checking it as strictly as
    /// the verifier does, then decoding it the way Go's `json.Unmarshal`
    /// fills the struct (`null` leaves the zero value).
    pub fn from_json(method: Method, json: &[u8]) -> Result<Self, Error> {
        crate::read::Lexer::document(json)?;
        let shape_error = |offset: usize| {
            Error::Malformed(crate::Malformed {
                offset,
                expected: crate::Expected::ObjectOrNull,
            })
        };
        let value: Value = serde_json::from_slice(json).map_err(|_| shape_error(0))?;
        let text = |v: Option<&Value>| v.and_then(Value::as_str).unwrap_or_default().to_string();
        match method {
            Method::CapabilityExecute => Ok(LogicalResult::Capability {
                payload: text(value.get("payload")),
                error: text(value.get("error")),
            }),
            Method::SecretsGet => {
                let secrets = value.get("secrets").and_then(Value::as_array).map(|list| {
                    list.iter()
                        .map(|e| SecretValue {
                            key: text(e.pointer("/id/key")),
                            namespace: text(e.pointer("/id/namespace")),
                            ciphertext: text(e.get("ciphertext")),
                            encrypted_shares: e
                                .get("encrypted_shares")
                                .and_then(Value::as_array)
                                .map(|s| s.iter().map(|x| text(Some(x))).collect()),
                        })
                        .collect()
                });
                Ok(LogicalResult::Secrets(secrets))
            }
        }
    }

    /// The method this result answers.
    pub fn method(&self) -> Method {
        match self {
            LogicalResult::Secrets(_) => Method::SecretsGet,
            LogicalResult::Capability { .. } | LogicalResult::Report(_) => {
                Method::CapabilityExecute
            }
        }
    }

    /// The result as node `node_key` writes it: for a report, with that
    /// node's own OCR signatures; otherwise [`LogicalResult::to_go_json`].
    pub fn node_json(&self, node_key: &[u8; 32]) -> String {
        match self {
            LogicalResult::Report(r) => capability_json(&r.payload_of_node(node_key), ""),
            _ => self.to_go_json(),
        }
    }

    /// The result as Go writes it.
    pub fn to_go_json(&self) -> String {
        let mut out = String::new();
        self.write_go(&mut out);
        out
    }

    pub(crate) fn write_go(&self, out: &mut String) {
        out.push('{');
        let mut first = true;
        match self {
            LogicalResult::Secrets(secrets) => {
                write_key(out, &mut first, "secrets");
                write_array(out, secrets.as_deref(), |out, s| s.write_go(out));
            }
            LogicalResult::Capability { payload, error } => {
                write_capability(out, &mut first, payload, error);
            }
            LogicalResult::Report(r) => {
                write_capability(out, &mut first, &r.canonical_payload(), "");
            }
        }
        out.push('}');
    }
}

/// A capability result `{"payload","error"}` as Go writes it.
fn capability_json(payload: &str, error: &str) -> String {
    let mut out = String::from("{");
    write_capability(&mut out, &mut true, payload, error);
    out.push('}');
    out
}

fn write_capability(out: &mut String, first: &mut bool, payload: &str, error: &str) {
    if !payload.is_empty() {
        write_key(out, first, "payload");
        write_string(out, payload);
    }
    if !error.is_empty() {
        write_key(out, first, "error");
        write_string(out, error);
    }
}

impl SecretValue {
    fn write_go(&self, out: &mut String) {
        out.push_str("{\"id\":{\"key\":");
        write_string(out, &self.key);
        out.push_str(",\"namespace\":");
        write_string(out, &self.namespace);
        out.push_str("},\"ciphertext\":");
        write_string(out, &self.ciphertext);
        out.push_str(",\"encrypted_shares\":");
        write_array(out, self.encrypted_shares.as_deref(), |out, s| {
            write_string(out, s)
        });
        out.push('}');
    }
}
