//! A C ABI for `relay-verifier`: load a signer set and `F` into storage the
//! caller owns, verify a gateway's body for given request parameters, read
//! the outcome from a plain struct; keep an enclave's §13 signer-set
//! rotation and §14 replay guard in storage the caller owns too. Nothing
//! allocates; every pointer and length is checked; a panic is caught and
//! reported as `RV_STATUS_INTERNAL`, never unwound into C.
//!
//! One module per job: `verifier` (loading), `relay`, `report` and
//! `compute` (the doors that fill an [`RvOutcome`]), `content` (the
//! verified result's payload or secrets, for callers that cannot borrow
//! the core's proof), `capability` (content or report hand-out in one
//! verification), `hashing` (the hashes the protocol signs), `rotation` (votes),
//! `rotation_config` (the config in force, read back), `replay` (the
//! guard), `status` and `outcome` (what comes back), and `boundary` (the
//! checks every entry point makes); with feature `panic-probe` only,
//! `probe` (a door that panics on purpose, for the Go package's test).
#![deny(unsafe_op_in_unsafe_fn)]
#![deny(clippy::undocumented_unsafe_blocks)]
#![deny(missing_docs)]

mod boundary;
mod capability;
mod compute;
mod content;
mod hashing;
mod outcome;
#[cfg(feature = "panic-probe")]
mod probe;
mod relay;
mod replay;
mod report;
mod rotation;
mod rotation_config;
mod status;
mod verifier;

pub use capability::rv_verify_capability;
pub use compute::rv_verify_compute;
pub use content::{
    rv_verify_content, RvContentOut, RvSecret, RvSpan, RV_CONTENT_CAPABILITY, RV_CONTENT_NONE,
    RV_CONTENT_REPORT, RV_CONTENT_SECRETS,
};
pub use hashing::{
    rv_canonical_hash, rv_compute_request_hash, rv_config_hash, RV_COMPUTE_SIGNATURE_PAYLOAD_LEN,
    RV_CONFIG_SIGNATURE_PAYLOAD_LEN, RV_SIGNATURE_PAYLOAD_LEN,
};
pub use outcome::{RvOutcome, RvStats};
#[cfg(feature = "panic-probe")]
pub use probe::rv_probe_panic;
pub use relay::{rv_verify, RV_METHOD_CAPABILITY_EXECUTE, RV_METHOD_SECRETS_GET};
pub use replay::{
    rv_replay_abandon, rv_replay_begin, rv_replay_finish, rv_replay_init, RvReplayGuard,
    RvReplaySlot, RV_DEFAULT_REPLAY_LIFETIME, RV_REPLAY_SLOT_SIZE,
};
pub use report::{rv_verify_report, RvMergedSignature, RvReportOut};
pub use rotation::{
    rv_rotation_init, rv_rotation_vote, rv_vote_name, RvRotation, RvVote, RvVoteOutcome,
    RvVoteWork, RV_DEFAULT_VOTE_LIFETIME, RV_ROTATION_SIZE, RV_VOTE_WORK_SIZE,
};
pub use rotation_config::{
    rv_rotation_info, rv_rotation_master_public_key, rv_rotation_signer, rv_verifier_from_rotation,
    RvRotationInfo,
};
pub use status::{rv_status_name, RvStatus};
pub use verifier::{
    rv_verifier_init, rv_verifier_signer, rv_verifier_signer_count, RvVerifier, RV_KEY_LEN,
    RV_MAX_SIGNERS, RV_VERIFIER_SIZE,
};
