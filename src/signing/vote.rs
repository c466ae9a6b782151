//! §13 votes as the Go nodes write them: the proposed `EnclaveConfig`
//! marshalled by `encoding/json`, hashed, the hash's vote payload signed,
//! and the `PATCH /config` body `{"config": base64, "signature": base64}`.

use std::string::{String, ToString};
use std::vec::Vec;

use serde_json::Value;

use super::gojson::{write_array, write_bytes, write_key};
use super::RelayNode;
use crate::{config_hash, config_signature_payload, CanonicalHash};

/// An enclave configuration as Go's `types.EnclaveConfig` holds it, valid
/// or not (a simulated faulty node proposes invalid ones): signers of any
/// length, and `None` for a nil slice, which Go writes as `null`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EnclaveConfigData {
    /// `signers`, in the order hashed.
    pub signers: Option<Vec<Vec<u8>>>,
    /// `masterPublicKey`, opaque.
    pub master_public_key: Option<Vec<u8>>,
    /// `t`, opaque.
    pub t: u32,
    /// `f`, the fault bound.
    pub f: u32,
}

impl EnclaveConfigData {
    /// A configuration of 32-byte keys.
    pub fn new(signers: &[[u8; 32]], master_public_key: &[u8], t: u32, f: u32) -> Self {
        EnclaveConfigData {
            signers: Some(signers.iter().map(|k| k.to_vec()).collect()),
            master_public_key: Some(master_public_key.to_vec()),
            t,
            f,
        }
    }

    /// Reads a configuration as Go's `json.Unmarshal` would for the fields
    /// a shim writes back (for tests that rebuild the vectors' bodies);
    /// `None` when the JSON is not such an object.
    pub fn from_json(json: &[u8]) -> Option<Self> {
        use base64::Engine as _;
        let b64 = base64::engine::general_purpose::STANDARD;
        let v: Value = serde_json::from_slice(json).ok()?;
        let bytes = |v: &Value| -> Option<Option<Vec<u8>>> {
            match v {
                Value::Null => Some(None),
                Value::String(s) => b64.decode(s).ok().map(Some),
                _ => None,
            }
        };
        let signers = match v.get("signers")? {
            Value::Null => None,
            Value::Array(items) => Some(
                items
                    .iter()
                    .map(|k| bytes(k).flatten())
                    .collect::<Option<Vec<_>>>()?,
            ),
            _ => return None,
        };
        let number = |key: &str| v.get(key)?.as_u64().and_then(|n| u32::try_from(n).ok());
        Some(EnclaveConfigData {
            signers,
            master_public_key: bytes(v.get("masterPublicKey")?)?,
            t: number("t")?,
            f: number("f")?,
        })
    }

    /// The configuration's JSON, byte for byte as Go's `json.Marshal`
    /// writes `types.EnclaveConfig`.
    pub fn to_go_json(&self) -> String {
        let mut out = String::from("{");
        let mut first = true;
        write_key(&mut out, &mut first, "signers");
        write_array(&mut out, self.signers.as_deref(), |out, key| {
            write_bytes(out, Some(key))
        });
        write_key(&mut out, &mut first, "masterPublicKey");
        write_bytes(&mut out, self.master_public_key.as_deref());
        write_key(&mut out, &mut first, "t");
        out.push_str(&self.t.to_string());
        write_key(&mut out, &mut first, "f");
        out.push_str(&self.f.to_string());
        out.push('}');
        out
    }

    /// Its §13 config hash.
    pub fn hash(&self) -> CanonicalHash {
        // The JSON is Go's own: it always reads.
        config_hash(self.to_go_json().as_bytes()).unwrap_or_default()
    }
}

impl RelayNode {
    /// Signs the §13 vote payload for `config_hash`.
    pub fn sign_config_hash(&self, config_hash: &CanonicalHash) -> [u8; 64] {
        self.sign_raw(&config_signature_payload(config_hash))
    }

    /// This node's vote for `config`: the `PATCH /config` body.
    pub fn vote(&self, config: &EnclaveConfigData) -> String {
        let json = config.to_go_json();
        let signature = self.sign_config_hash(&config.hash());
        vote_body(json.as_bytes(), &signature)
    }
}

/// The `PATCH /config` body as Go's `json.Marshal(UpdateConfigRequest)`
/// writes it.
pub fn vote_body(config_json: &[u8], signature: &[u8]) -> String {
    let mut out = String::from("{");
    let mut first = true;
    write_key(&mut out, &mut first, "config");
    write_bytes(&mut out, Some(config_json));
    write_key(&mut out, &mut first, "signature");
    write_bytes(&mut out, Some(signature));
    out.push('}');
    out
}
