#![doc = include_str!("../README.md")]
#![no_std]
// docs.rs builds with `--cfg docsrs` and marks feature-gated items.
#![cfg_attr(docsrs, feature(doc_cfg))]
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![deny(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
// Without a heap there is nothing to box into: parameters (fixed-capacity
// lists, the secrets variant far larger than the capability one) are held
// by value. Errors are not exempt: each stays within 128 bytes.
#![allow(clippy::large_enum_variant)]
#![cfg_attr(
    test,
    allow(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::indexing_slicing,
        clippy::panic
    )
)]

#[cfg(any(feature = "std", test))]
extern crate std;

#[cfg(feature = "fuzzing")]
#[doc(hidden)]
#[path = "fuzzing.rs"]
pub mod __fuzz;
mod door;
mod hash;
mod leaf;
mod message;
mod proto;
mod read;
#[cfg(feature = "serde")]
mod serde_impls;
#[cfg(feature = "signing")]
#[cfg_attr(docsrs, doc(cfg(feature = "signing")))]
pub mod signing;
mod trust;

#[cfg(feature = "batch")]
pub use crate::door::batch::BatchVerifier;
pub use crate::door::compute::{
    ComputeError, ComputeNoQuorum, ComputeStats, ComputeVerdict, CountedEntry, EntrySkip,
    EntryTrace, VerifiedComputeRequest,
};
pub use crate::door::handout::{
    CountedReport, HandOutError, HandedOutReport, MergedPairs, MergedSignature, MergedSignatures,
    ReportHandOut,
};
pub use crate::door::hashing::{canonical_group_hash, canonical_hash, canonical_hash_in};
#[cfg(feature = "precomputed")]
pub use crate::door::precomputed::PrecomputedKeys;
pub use crate::door::relay::{Error, NoQuorum, Verdict, VerifiedResponse};
pub use crate::door::replay::{Execution, ReplayState};
pub use crate::door::verifier::{Verifier, MAX_BODY_LEN};
pub use crate::hash::config::{
    config_hash, config_signature_payload, config_user_data, CONFIG_SIGNATURE_PAYLOAD_LEN,
};
pub use crate::leaf::{
    CandidateTrace, CanonicalHash, Expected, Malformed, SkipCause, Skipped, VerifyStats,
    COMPUTE_SIGNATURE_PAYLOAD_LEN, SIGNATURE_PAYLOAD_LEN,
};
pub use crate::message::config::{MAX_CONFIG_JSON_LEN, MAX_MASTER_KEY_LEN};
pub use crate::message::params::{
    ByteString, CapabilityParams, ConfigSigners, ConfigSignersIter, EnclaveConfig, Method,
    RequestParams, SecretId, SecretIds, SecretIdsIter, SecretsParams, MAX_CONFIG_SIGNERS,
    MAX_SECRET_IDS,
};
pub use crate::message::params::{MethodKind, ParamsError};
pub use crate::message::request::{ComputeRequest, RequestCheck, ShareLists, TextList};
pub use crate::message::result::{CapabilityResult, SecretEntries, SecretEntry, Shares};
pub use crate::message::workspace::Workspace;
pub use crate::proto::{AttributedSignature, Report, ReportPayload, Signatures};
pub use crate::read::json::MAX_DEPTH;
pub use crate::read::{DecodedBytes, Text};
#[cfg(feature = "serde")]
pub use crate::serde_impls::VerdictSummary;
pub use crate::trust::config::{Config, ConfigError, SignerSet, MAX_SIGNERS};
pub use crate::trust::enclave_config::{RotationConfig, RotationConfigError};
pub use crate::trust::postcheck::{OrderedSecret, PostCheckError, SecretsOrder};
pub use crate::trust::replay::{
    AbandonOutcome, BeginRefusal, FinishOutcome, ReplayGuard, ReplaySlot, DEFAULT_REPLAY_LIFETIME,
};
/// An enclave's signer set rotated by votes of the current set (PROTOCOL.md §13).
///
/// ```
/// use base64::{engine::general_purpose::STANDARD as B64, Engine as _};
/// use ed25519_compact::{KeyPair, Seed};
/// use relay_verifier::{
///     config_hash, config_signature_payload, Rotation, RotationConfig, Verifier, VoteOutcome,
///     VoteWork,
/// };
///
/// let nodes: Vec<KeyPair> = (1..=5u8).map(|i| KeyPair::from_seed(Seed::new([i; 32]))).collect();
/// let config = |keys: &[KeyPair], f: u32| {
///     let signers: Vec<String> = keys.iter().map(|k| format!("\"{}\"", B64.encode(*k.pk))).collect();
///     format!(r#"{{"signers":[{}],"masterPublicKey":"AQI=","t":2,"f":{f}}}"#, signers.join(","))
/// };
/// // Four signers, F = 1, in force.
/// let first_config = config(&nodes[..4], 1);
/// let mut rotation = Rotation::new(RotationConfig::from_json(first_config.as_bytes()).unwrap());
/// // The room a vote's proposed config is decoded in (12 KiB: firmware keeps
/// // it in static memory, a host in a box).
/// let mut work = Box::new(VoteWork::new());
///
/// // Nodes 0 and 1 vote to let node 4 in.
/// let vote = |node: &KeyPair, proposal: &str| {
///     let hash = config_hash(proposal.as_bytes()).unwrap();
///     let signature = node.sk.sign(config_signature_payload(&hash), None);
///     format!(r#"{{"config":"{}","signature":"{}"}}"#, B64.encode(proposal), B64.encode(*signature))
/// };
/// let proposal = config(&nodes, 1);
/// let hash = config_hash(proposal.as_bytes()).unwrap();
/// let first = rotation.take_vote(vote(&nodes[0], &proposal).as_bytes(), 1_000, &mut work);
/// assert!(matches!(first, Ok(VoteOutcome::Collected { collected: 1, required: 2, .. })));
/// let second = rotation.take_vote(vote(&nodes[1], &proposal).as_bytes(), 1_030, &mut work);
/// let Ok(VoteOutcome::Applied(applied)) = second else {
///     panic!("F+1 = 2 live votes apply the proposal");
/// };
/// assert_eq!(applied.hash(), hash);
/// assert!(applied.signers().eq([&*nodes[0].pk, &*nodes[1].pk]));
/// let _attest_this: [u8; 32] = applied.user_data();
/// let verifier = Verifier::new(applied.verifier_config());
/// assert_eq!(verifier.config().signers().len(), 5);
///
/// // The first config is retired: votes for it never bring it back.
/// let back = rotation.take_vote(vote(&nodes[0], &first_config).as_bytes(), 1_060, &mut work);
/// assert_eq!(back.unwrap_err().reason(), "retired_config");
/// assert_eq!(rotation.current().hash(), hash);
/// ```
pub use crate::trust::rotation::Rotation;
pub use crate::trust::rotation::{
    Applied, VoteError, VoteOutcome, VoteWork, DEFAULT_VOTE_LIFETIME, RETIRED_CONFIGS,
};
