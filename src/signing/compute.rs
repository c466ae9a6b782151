//! The Workflow DON side of PROTOCOL.md §12: nodes that sign compute
//! requests and write them as Go writes `[]SignedComputeRequest`, and a
//! Byzantine Workflow DON for host tests.
//!
//! The hash here is computed from owned values, independently of the
//! verifier's in-place reader, so tests and the fuzzer can compare the two.
//!
//! ```
//! use relay_verifier::signing::compute::{ComputeFault, ComputeRequestData, WorkflowDon};
//! use relay_verifier::Verifier;
//!
//! let don = WorkflowDon::new(4, 1, 7);
//! let request = ComputeRequestData::example();
//! let sim = don.run(&request, &[(0, ComputeFault::BadSignature)]);
//! let verifier = Verifier::new(don.config()?);
//! let verified = verifier.verify_compute(sim.body.as_bytes()).into_result()?;
//! assert_eq!(*verified.hash(), request.hash());
//! assert_eq!(verified.index(), 1); // entry 0 carried a bad signature
//! # Ok::<(), relay_verifier::ComputeError>(())
//! ```

use std::string::{String, ToString};
use std::vec::Vec;

use base64::Engine as _;
use ed25519_compact::{KeyPair, Seed};
use sha2::{Digest, Sha256};

use super::gojson::{write_array, write_bytes, write_key, write_string};
use crate::CanonicalHash;
use crate::ComputeRequest;
use crate::Text;
use crate::{Config, SignerSet};
use crate::{ConfigError, Malformed};

/// A compute request as Go's `ComputeRequest` holds it (`None` is Go's nil).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ComputeRequestData {
    /// `requestID`.
    pub request_id: [u8; 32],
    /// `applicationRequestID`.
    pub application_request_id: String,
    /// `publicData`.
    pub public_data: Option<Vec<u8>>,
    /// `ciphertexts`.
    pub ciphertexts: Option<Vec<Vec<u8>>>,
    /// `CiphertextNames`.
    pub ciphertext_names: Option<Vec<String>>,
    /// `encryptedDecryptionKeyShares`: each node's own, never signed.
    pub encrypted_decryption_key_shares: Option<Vec<Vec<Vec<u8>>>>,
    /// `enclaveEphemeralPublicKey`.
    pub enclave_ephemeral_public_key: Option<Vec<u8>>,
    /// `masterPublicKey`.
    pub master_public_key: Option<Vec<u8>>,
    /// `appID`.
    pub app_id: String,
    /// `version`.
    pub version: String,
}

/// One element of the batch: a request, its signature and per-node data.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SignedComputeRequest {
    /// The request (with this node's key shares).
    pub request: ComputeRequestData,
    /// `signature` (`None` writes `null`).
    pub signature: Option<Vec<u8>>,
    /// `perNodeData`, written only when not empty.
    pub per_node_data: Vec<(String, String)>,
}

impl ComputeRequestData {
    /// A request shaped like the reference vectors' `compute/basic`.
    pub fn example() -> Self {
        let mut request_id = [0u8; 32];
        for (b, v) in request_id.iter_mut().zip(160u8..) {
            *b = v;
        }
        ComputeRequestData {
            request_id,
            application_request_id: "app-req-17".into(),
            public_data: Some(b"public data".to_vec()),
            ciphertexts: Some(std::vec![b"ct-api-key".to_vec(), b"ct-db-url".to_vec()]),
            ciphertext_names: Some(std::vec!["API_KEY".into(), "DB_URL".into()]),
            encrypted_decryption_key_shares: Some(std::vec![
                std::vec![b"share-a0".to_vec(), b"share-a1".to_vec()],
                std::vec![b"share-b0".to_vec()],
            ]),
            enclave_ephemeral_public_key: Some(b"ephemeral-public-key-32-bytes...".to_vec()),
            master_public_key: Some(b"tdh2-master-public-key-bytes".to_vec()),
            app_id: "confidential-workflows".into(),
            version: "0.0.7".into(),
        }
    }

    /// Reads a request from JSON with the verifier's strict reader, decoding
    /// its byte strings.
    pub fn from_json(json: &[u8]) -> Result<Self, Malformed> {
        Ok(SignedComputeRequest::from_json(json)?.request)
    }

    /// The §12 hash, computed from the owned values.
    pub fn hash(&self) -> CanonicalHash {
        let mut h = Sha256::new();
        let len = |h: &mut Sha256, n: usize| h.update((n as u64).to_be_bytes());
        let bytes = |h: &mut Sha256, b: &[u8]| {
            len(h, b.len());
            h.update(b);
        };
        h.update(b"CONFIDENTIAL_COMPUTE_PAYLOAD\nComputeRequest\n");
        h.update(self.request_id);
        bytes(&mut h, self.public_data.as_deref().unwrap_or_default());
        let names = self.ciphertext_names.as_deref().unwrap_or_default();
        len(&mut h, names.len());
        for n in names {
            bytes(&mut h, n.as_bytes());
        }
        let cts = self.ciphertexts.as_deref().unwrap_or_default();
        len(&mut h, cts.len());
        for c in cts {
            bytes(&mut h, c);
        }
        bytes(
            &mut h,
            self.enclave_ephemeral_public_key
                .as_deref()
                .unwrap_or_default(),
        );
        bytes(
            &mut h,
            self.master_public_key.as_deref().unwrap_or_default(),
        );
        bytes(&mut h, self.app_id.as_bytes());
        let last = if self.version == "0.0.6" {
            &self.version
        } else {
            &self.application_request_id
        };
        bytes(&mut h, last.as_bytes());
        CanonicalHash::from_bytes(h.finalize().into())
    }

    /// The request as Go writes a `ComputeRequest`.
    pub fn to_go_json(&self) -> String {
        let mut out = String::new();
        out.push('{');
        self.write_fields(&mut out, &mut true);
        out.push('}');
        out
    }

    fn write_fields(&self, out: &mut String, first: &mut bool) {
        write_key(out, first, "requestID");
        write_array(out, Some(&self.request_id[..]), |out, b| {
            out.push_str(&b.to_string());
        });
        write_key(out, first, "applicationRequestID");
        write_string(out, &self.application_request_id);
        write_key(out, first, "publicData");
        write_bytes(out, self.public_data.as_deref());
        write_key(out, first, "ciphertexts");
        write_array(out, self.ciphertexts.as_deref(), |out, c| {
            write_bytes(out, Some(c));
        });
        write_key(out, first, "CiphertextNames");
        write_array(out, self.ciphertext_names.as_deref(), |out, n| {
            write_string(out, n);
        });
        write_key(out, first, "encryptedDecryptionKeyShares");
        write_array(
            out,
            self.encrypted_decryption_key_shares.as_deref(),
            |out, list| write_array(out, Some(list), |out, s| write_bytes(out, Some(s))),
        );
        write_key(out, first, "enclaveEphemeralPublicKey");
        write_bytes(out, self.enclave_ephemeral_public_key.as_deref());
        write_key(out, first, "masterPublicKey");
        write_bytes(out, self.master_public_key.as_deref());
        write_key(out, first, "appID");
        write_string(out, &self.app_id);
        write_key(out, first, "version");
        write_string(out, &self.version);
    }
}

impl SignedComputeRequest {
    /// The element as Go writes it in the batch.
    pub fn to_go_json(&self) -> String {
        let mut out = String::new();
        out.push('{');
        let first = &mut true;
        self.request.write_fields(&mut out, first);
        write_key(&mut out, first, "signature");
        write_bytes(&mut out, self.signature.as_deref());
        if !self.per_node_data.is_empty() {
            write_key(&mut out, first, "perNodeData");
            out.push('{');
            let inner = &mut true;
            for (k, v) in &self.per_node_data {
                write_key(&mut out, inner, k);
                write_string(&mut out, v);
            }
            out.push('}');
        }
        out.push('}');
        out
    }

    /// Reads one element with the verifier's strict reader (`perNodeData`
    /// is not kept).
    pub fn from_json(json: &[u8]) -> Result<Self, Malformed> {
        let r = ComputeRequest::from_json(json)?;
        let list = |l: crate::TextList<'_>| l.map(|t| decode(&t)).collect::<Vec<_>>();
        let raw = |key: &str| has_non_null(json, key);
        Ok(SignedComputeRequest {
            request: ComputeRequestData {
                request_id: *r.request_id(),
                application_request_id: r.application_request_id().to_string(),
                public_data: present_if(raw("publicData"), decode(&r.public_data())),
                ciphertexts: present_if(raw("ciphertexts"), list(r.ciphertexts())),
                ciphertext_names: present_if(
                    raw("CiphertextNames"),
                    r.ciphertext_names().map(|t| t.to_string()).collect(),
                ),
                encrypted_decryption_key_shares: present_if(
                    raw("encryptedDecryptionKeyShares"),
                    r.encrypted_decryption_key_shares().map(list).collect(),
                ),
                enclave_ephemeral_public_key: present_if(
                    raw("enclaveEphemeralPublicKey"),
                    decode(&r.enclave_ephemeral_public_key()),
                ),
                master_public_key: present_if(
                    raw("masterPublicKey"),
                    decode(&r.master_public_key()),
                ),
                app_id: r.app_id().to_string(),
                version: r.version().to_string(),
            },
            signature: r.signature().map(|s| decode(&s)),
            per_node_data: Vec::new(),
        })
    }
}

/// Whether the top-level object of `json` has `key` with a non-null value
/// (Go's nil versus empty, which the reader does not keep).
fn has_non_null(json: &[u8], key: &str) -> bool {
    match serde_json::from_slice::<serde_json::Value>(json) {
        Ok(serde_json::Value::Object(m)) => m.get(key).is_some_and(|v| !v.is_null()),
        _ => false,
    }
}

/// Decodes base64 text the reader has checked.
fn decode(t: &Text<'_>) -> Vec<u8> {
    base64::engine::general_purpose::STANDARD
        .decode(t.to_string())
        .unwrap_or_default()
}

/// Writes a batch as the host posts it: a JSON array of elements.
pub fn batch_json(entries: &[SignedComputeRequest]) -> String {
    let mut out = String::from("[");
    for (i, e) in entries.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&e.to_go_json());
    }
    out.push(']');
    out
}

/// A Workflow DON node with its ed25519 key.
#[derive(Clone, Debug)]
pub struct WorkflowNode {
    keys: KeyPair,
}

impl WorkflowNode {
    /// A node from its 32-byte ed25519 seed.
    pub fn from_seed(seed: [u8; 32]) -> Self {
        WorkflowNode {
            keys: KeyPair::from_seed(Seed::new(seed)),
        }
    }

    /// The node's public key.
    pub fn public_key(&self) -> [u8; 32] {
        *self.keys.pk
    }

    /// Signs the §12 payload of `hash` (deterministic).
    pub fn sign_hash(&self, hash: &CanonicalHash) -> [u8; 64] {
        *self.keys.sk.sign(hash.compute_signature_payload(), None)
    }

    /// Signs `request` as Go's node does.
    pub fn sign(&self, request: &ComputeRequestData) -> SignedComputeRequest {
        SignedComputeRequest {
            request: request.clone(),
            signature: Some(self.sign_hash(&request.hash()).to_vec()),
            per_node_data: Vec::new(),
        }
    }
}

/// What a faulty Workflow DON node does instead of signing honestly.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ComputeFault {
    /// Sends nothing.
    Silent,
    /// The honest request with one bit of its signature flipped.
    BadSignature,
    /// The honest request with a 63-byte signature.
    ShortSignature,
    /// The honest request with `signature: null`.
    NoSignature,
    /// The honest request signed by a key outside the set.
    ForeignKey,
    /// Signs different request number `k` (another `appID`).
    DifferentRequest(u8),
    /// Signs three different requests (a proven equivocator).
    Equivocate,
    /// Its own shares replaced after signing (shares are not signed, so it
    /// still counts: the enclave's decryption must catch bad shares).
    TamperedShares,
    /// Signs honestly, twice.
    Duplicate,
}

/// Who sent one element of a simulated batch, and what it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EntryOrigin {
    /// The node (index into [`WorkflowDon::nodes`]).
    pub node: usize,
    /// The fault it acted out, if any.
    pub fault: Option<ComputeFault>,
    /// Whether its signature is a valid one by its own configured key.
    pub valid: bool,
    /// The hash it signed, or claims to.
    pub hash: CanonicalHash,
}

/// A simulated batch: the body and who sent what.
#[derive(Clone, Debug)]
pub struct ComputeSimulation {
    /// The JSON array the host posts.
    pub body: String,
    /// One origin per element of `body`, in order.
    pub origins: Vec<EntryOrigin>,
}

/// N Workflow DON nodes, deterministic from a seed.
#[derive(Clone, Debug)]
pub struct WorkflowDon {
    nodes: Vec<WorkflowNode>,
    f: usize,
    seed: u64,
}

impl WorkflowDon {
    /// `n` nodes with fault bound `f`, keys derived from `seed`.
    pub fn new(n: usize, f: usize, seed: u64) -> Self {
        let nodes = (0..n)
            .map(|i| WorkflowNode::from_seed(derive_seed(seed, i as u64, b"workflow-node")))
            .collect();
        WorkflowDon { nodes, f, seed }
    }

    /// The nodes.
    pub fn nodes(&self) -> &[WorkflowNode] {
        &self.nodes
    }

    /// The enclave's configuration for this DON.
    pub fn config(&self) -> Result<Config, ConfigError> {
        let keys: Vec<[u8; 32]> = self.nodes.iter().map(WorkflowNode::public_key).collect();
        Config::new(SignerSet::new(&keys)?, self.f)
    }

    /// Node `i`'s own key shares for `request`: each node encrypts its own.
    pub fn shares_of(&self, node: usize, request: &ComputeRequestData) -> Vec<Vec<Vec<u8>>> {
        let count = request.ciphertexts.as_ref().map_or(0, Vec::len);
        (0..count)
            .map(|c| std::vec![std::format!("share-{node}-{c}").into_bytes()])
            .collect()
    }

    /// Every node answers `request` in node order; those listed in `faults`
    /// act out their fault (a node listed twice acts out both).
    pub fn run(
        &self,
        request: &ComputeRequestData,
        faults: &[(usize, ComputeFault)],
    ) -> ComputeSimulation {
        let mut entries = Vec::new();
        let mut origins = Vec::new();
        for (i, node) in self.nodes.iter().enumerate() {
            let mut own = request.clone();
            own.encrypted_decryption_key_shares = Some(self.shares_of(i, request));
            let mine: Vec<ComputeFault> = faults
                .iter()
                .filter(|(n, _)| *n == i)
                .map(|&(_, f)| f)
                .collect();
            if mine.is_empty() {
                entries.push(node.sign(&own));
                origins.push(EntryOrigin {
                    node: i,
                    fault: None,
                    valid: true,
                    hash: own.hash(),
                });
            }
            for fault in mine {
                for (entry, valid) in self.act(i, &own, fault) {
                    origins.push(EntryOrigin {
                        node: i,
                        fault: Some(fault),
                        valid,
                        hash: entry.request.hash(),
                    });
                    entries.push(entry);
                }
            }
        }
        ComputeSimulation {
            body: batch_json(&entries),
            origins,
        }
    }

    /// What faulty node `i` sends for its honest request `own`.
    fn act(
        &self,
        i: usize,
        own: &ComputeRequestData,
        fault: ComputeFault,
    ) -> Vec<(SignedComputeRequest, bool)> {
        let Some(node) = self.nodes.get(i) else {
            return Vec::new();
        };
        let mut signed = node.sign(own);
        match fault {
            ComputeFault::Silent => Vec::new(),
            ComputeFault::BadSignature => {
                if let Some(b) = signed.signature.as_mut().and_then(|s| s.get_mut(5)) {
                    *b ^= 0x10;
                }
                std::vec![(signed, false)]
            }
            ComputeFault::ShortSignature => {
                if let Some(s) = signed.signature.as_mut() {
                    s.pop();
                }
                std::vec![(signed, false)]
            }
            ComputeFault::NoSignature => {
                signed.signature = None;
                std::vec![(signed, false)]
            }
            ComputeFault::ForeignKey => {
                let foreign = WorkflowNode::from_seed(derive_seed(self.seed, i as u64, b"foreign"));
                std::vec![(foreign.sign(own), false)]
            }
            ComputeFault::DifferentRequest(k) => {
                std::vec![(node.sign(&forged(own, k)), true)]
            }
            ComputeFault::Equivocate => {
                (0..3).map(|k| (node.sign(&forged(own, k)), true)).collect()
            }
            ComputeFault::TamperedShares => {
                signed.request.encrypted_decryption_key_shares =
                    Some(std::vec![std::vec![b"tampered".to_vec()]]);
                std::vec![(signed, true)]
            }
            ComputeFault::Duplicate => std::vec![(signed.clone(), true), (signed, true)],
        }
    }
}

/// Forged request number `k`: another `appID`, so another hash.
pub fn forged(request: &ComputeRequestData, k: u8) -> ComputeRequestData {
    let mut r = request.clone();
    r.app_id = std::format!("{}-forged-{k}", r.app_id);
    r
}

/// Go's nil for a field that was absent or `null`.
fn present_if<T>(present: bool, value: T) -> Option<T> {
    present.then_some(value)
}

fn derive_seed(seed: u64, i: u64, label: &[u8]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(label);
    h.update(seed.to_be_bytes());
    h.update(i.to_be_bytes());
    h.finalize().into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ComputeVerdict;
    use crate::Verifier;

    #[test]
    fn owned_hash_matches_the_in_place_reader() {
        let r = ComputeRequestData::example();
        let json = r.to_go_json();
        let read = ComputeRequest::from_json(json.as_bytes()).unwrap();
        assert_eq!(read.hash(), r.hash());
        assert_eq!(ComputeRequestData::from_json(json.as_bytes()).unwrap(), r);
    }

    #[test]
    fn faults_cost_only_their_own_votes() {
        let don = WorkflowDon::new(7, 2, 3);
        let request = ComputeRequestData::example();
        let verifier = Verifier::new(don.config().unwrap());
        let sim = don.run(
            &request,
            &[
                (0, ComputeFault::Equivocate),
                (1, ComputeFault::ForeignKey),
                (2, ComputeFault::TamperedShares),
                (3, ComputeFault::Silent),
            ],
        );
        let ComputeVerdict::Accept(v) = verifier.verify_compute(sim.body.as_bytes()) else {
            panic!("three honest nodes and a tampering one reach F+1 = 3");
        };
        assert_eq!(*v.hash(), request.hash());
        // Node 0's three requests drop out; node 2 still counts.
        assert_eq!(v.signer_count(), 4);
        assert_eq!(v.stats().equivocation, 1);
    }
}
