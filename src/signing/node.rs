//! A relay node: signs the canonical hash of its result and writes its
//! response exactly as the Go node does (PROTOCOL.md §5, §8).

use std::boxed::Box;
use std::string::String;

use ed25519_compact::{KeyPair, Seed};

use super::gojson::{write_array, write_bytes, write_key};
use super::model::LogicalResult;
use crate::Error;
use crate::RequestParams;
use crate::Workspace;
use crate::{canonical_hash_in, CanonicalHash};

/// Which signature fields a node response carries.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ResponseShape {
    /// Today's node: `signatures: [sig]` and `signature: sig`.
    #[default]
    Current,
    /// Older nodes: only the deprecated `signatures` array.
    ArrayOnly,
    /// Only the single `signature` field.
    SingleOnly,
}

/// One signature as it travels: `{"signer", "signature"}`, either field
/// possibly mangled by a test (`None` writes `null`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignatureJson {
    /// The signer label (normally a 32-byte public key).
    pub signer: Option<std::vec::Vec<u8>>,
    /// The signature bytes (normally 64).
    pub signature: Option<std::vec::Vec<u8>>,
}

impl SignatureJson {
    /// A well-formed signature by `signer`.
    pub fn new(signer: [u8; 32], signature: [u8; 64]) -> Self {
        SignatureJson {
            signer: Some(signer.to_vec()),
            signature: Some(signature.to_vec()),
        }
    }

    /// Appends the Go encoding.
    pub fn write_go(&self, out: &mut String) {
        out.push_str("{\"signer\":");
        write_bytes(out, self.signer.as_deref());
        out.push_str(",\"signature\":");
        write_bytes(out, self.signature.as_deref());
        out.push('}');
    }
}

/// A node response: a result and the signatures it carries.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NodeResponse {
    /// The result, already written as Go JSON.
    pub result_json: String,
    /// Signatures for the `signatures` array (`None` = field omitted).
    pub signatures: Option<std::vec::Vec<SignatureJson>>,
    /// The single `signature` field (`None` = field omitted).
    pub signature: Option<SignatureJson>,
}

impl NodeResponse {
    /// The response as Go writes it.
    pub fn to_json(&self) -> String {
        let mut out = String::new();
        self.write_go(&mut out);
        out
    }

    /// Appends the Go encoding.
    pub fn write_go(&self, out: &mut String) {
        out.push('{');
        let first = &mut true;
        write_key(out, first, "result");
        out.push_str(&self.result_json);
        if let Some(list) = &self.signatures {
            write_key(out, first, "signatures");
            write_array(out, Some(list), |out, s| s.write_go(out));
        }
        if let Some(s) = &self.signature {
            write_key(out, first, "signature");
            s.write_go(out);
        }
        out.push('}');
    }
}

/// A relay node with its ed25519 key.
#[derive(Clone, Debug)]
pub struct RelayNode {
    keys: KeyPair,
}

impl RelayNode {
    /// A node from its 32-byte ed25519 seed (Go's `ed25519.NewKeyFromSeed`).
    pub fn from_seed(seed: [u8; 32]) -> Self {
        RelayNode {
            keys: KeyPair::from_seed(Seed::new(seed)),
        }
    }

    /// The node's public key: its entry in the enclave's signer set.
    pub fn public_key(&self) -> [u8; 32] {
        *self.keys.pk
    }

    /// Signs the §5 payload of `hash` (deterministic, as RFC 8032 and Go are).
    pub fn sign_hash(&self, hash: &CanonicalHash) -> [u8; 64] {
        self.sign_raw(&hash.signature_payload())
    }

    /// Signs `message` as it is.
    pub(crate) fn sign_raw(&self, message: &[u8]) -> [u8; 64] {
        *self.keys.sk.sign(message, None)
    }

    /// The signature of this node over `hash`, ready for a response.
    pub fn signature(&self, hash: &CanonicalHash) -> SignatureJson {
        SignatureJson::new(self.public_key(), self.sign_hash(hash))
    }

    /// Answers a request: hashes `result` under `params`, signs it and
    /// returns today's response shape.
    pub fn respond(
        &self,
        params: &RequestParams<'_>,
        result: &LogicalResult,
    ) -> Result<NodeResponse, Error> {
        self.respond_as(params, result, ResponseShape::Current)
    }

    /// [`RelayNode::respond`] with a chosen response shape.
    pub fn respond_as(
        &self,
        params: &RequestParams<'_>,
        result: &LogicalResult,
        shape: ResponseShape,
    ) -> Result<NodeResponse, Error> {
        let result_json = result.node_json(&self.public_key());
        let hash = hash_any_size(params, result_json.as_bytes())?;
        let sig = self.signature(&hash);
        let (signatures, signature) = match shape {
            ResponseShape::Current => (Some(std::vec![sig.clone()]), Some(sig)),
            ResponseShape::ArrayOnly => (Some(std::vec![sig]), None),
            ResponseShape::SingleOnly => (None, Some(sig)),
        };
        Ok(NodeResponse {
            result_json,
            signatures,
            signature,
        })
    }
}

/// Hashes a result of any realistic size: nodes are not bound by the
/// enclave's workspace (which is what lets tests build over-capacity bodies).
pub fn hash_any_size(
    params: &RequestParams<'_>,
    result_json: &[u8],
) -> Result<CanonicalHash, Error> {
    let mut ws: Box<Workspace<4096, 4096>> = Box::default();
    canonical_hash_in(params, result_json, &mut ws)
}
