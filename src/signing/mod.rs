//! The signing side, for host tests and integrators (feature `signing`).
//!
//! Nothing here belongs in an enclave: it holds private keys and allocates.
//! It produces what the verifier checks, byte for byte as the Go stack does:
//!
//! - [`RelayNode`]: signs a result's canonical hash and writes its response
//!   exactly as a Go relay node does (PROTOCOL.md §5, §8);
//! - [`report`]: consensus-report payloads, each node with its own OCR
//!   signatures (§11);
//! - [`go_params_json`] and [`attestation_user_data`]: the request side (§10);
//! - [`gateway`]: today's bundler and the earlier merger (§6);
//! - [`simulator`]: a deterministic Byzantine relay DON;
//! - [`hand_out_json`]: the §11 hand-out as the reference vectors write it;
//! - [`compute`]: Workflow DON nodes that sign compute requests (§12), and
//!   a Byzantine Workflow DON;
//! - [`RelayNode::vote`] and [`EnclaveConfigData`]: §13 votes for a new
//!   signer set, and [`rotation`]: a DON rotating its set while faulty
//!   nodes vote against it.
//!
//! ```
//! use relay_verifier::signing::{gateway, LogicalResult, RelayNode};
//! use relay_verifier::{Config, Method, RequestParams, SignerSet, Verifier};
//!
//! let nodes: Vec<RelayNode> = (1..=4u8).map(|i| RelayNode::from_seed([i; 32])).collect();
//! let keys: Vec<[u8; 32]> = nodes.iter().map(RelayNode::public_key).collect();
//! let params = RequestParams::from_json(
//!     Method::CapabilityExecute,
//!     br#"{"workflow_id":"wf","owner":"0x1234567890abcdef1234567890ABCDEF12345678",
//!         "execution_id":"e","reference_id":"r","capability_id":"c","payload":"cA=="}"#,
//! )?;
//! let result = LogicalResult::Capability { payload: "b2s=".into(), error: String::new() };
//! let responses = nodes[..2]
//!     .iter()
//!     .map(|n| n.respond(&params, &result))
//!     .collect::<Result<Vec<_>, _>>()?;
//! let body = gateway::bundle(&responses);
//!
//! let verifier = Verifier::new(Config::new(SignerSet::new(&keys)?, 1)?);
//! let verified = verifier.verify(&params, body.as_bytes()).into_result()?;
//! assert_eq!(verified.signer_count(), 2);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod compute;
pub mod gateway;
mod gojson;
mod handout;
mod model;
mod node;
pub mod report;
mod request;
pub mod rotation;
pub mod simulator;
mod vote;

pub use gojson::write_string as write_go_string;
pub use handout::{check_hand_out, hand_out_differences, hand_out_json};
pub use model::{LogicalResult, SecretValue};
pub use node::{hash_any_size, NodeResponse, RelayNode, ResponseShape, SignatureJson};
pub use request::{attestation_user_data, go_params_json};
pub use vote::{vote_body, EnclaveConfigData};
