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
pub use crate::door::replay::Execution;
pub use crate::door::verifier::{Verifier, MAX_BODY_LEN};
pub use crate::leaf::{
    CandidateTrace, CanonicalHash, Expected, Malformed, SkipCause, Skipped, VerifyStats,
    COMPUTE_SIGNATURE_PAYLOAD_LEN, SIGNATURE_PAYLOAD_LEN,
};
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
pub use crate::trust::postcheck::{OrderedSecret, PostCheckError, SecretsOrder};
pub use crate::trust::replay::{
    AbandonOutcome, BeginRefusal, FinishOutcome, ReplayGuard, ReplaySlot, DEFAULT_REPLAY_LIFETIME,
};
