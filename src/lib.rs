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
#[cfg(feature = "batch")]
mod batch;
mod compute;
mod config;
mod envelope;
mod error;
mod handout;
mod hash;
mod json;
mod object;
mod params;
mod postcheck;
#[cfg(feature = "precomputed")]
mod precomputed;
mod proto;
mod quorum;
mod request;
mod result;
#[cfg(feature = "serde")]
mod serde_impls;
#[cfg(feature = "signing")]
#[cfg_attr(docsrs, doc(cfg(feature = "signing")))]
pub mod signing;
mod sort;
mod text;
mod verify;

#[cfg(feature = "batch")]
pub use crate::batch::BatchVerifier;
pub use crate::compute::{
    ComputeError, ComputeNoQuorum, ComputeStats, ComputeVerdict, CountedEntry, EntrySkip,
    EntryTrace, VerifiedComputeRequest,
};
pub use crate::config::{Config, SignerSet, MAX_SIGNERS};
pub use crate::error::{
    ConfigError, Error, Expected, Malformed, MethodKind, NoQuorum, ParamsError,
};
pub use crate::handout::{
    CountedReport, HandOutError, HandedOutReport, MergedPairs, MergedSignature, MergedSignatures,
    ReportHandOut,
};
pub use crate::hash::{
    canonical_group_hash, canonical_hash, canonical_hash_in, CanonicalHash, SIGNATURE_PAYLOAD_LEN,
};
pub use crate::json::MAX_DEPTH;
pub use crate::params::{
    ByteString, CapabilityParams, ConfigSigners, ConfigSignersIter, EnclaveConfig, Method,
    RequestParams, SecretId, SecretIds, SecretIdsIter, SecretsParams, MAX_CONFIG_SIGNERS,
    MAX_SECRET_IDS,
};
pub use crate::postcheck::{OrderedSecret, PostCheckError, SecretsOrder};
#[cfg(feature = "precomputed")]
pub use crate::precomputed::PrecomputedKeys;
pub use crate::proto::{AttributedSignature, Report, ReportPayload, Signatures};
pub use crate::request::{
    ComputeRequest, RequestCheck, ShareLists, TextList, COMPUTE_SIGNATURE_PAYLOAD_LEN,
};
pub use crate::result::{CapabilityResult, SecretEntries, SecretEntry, Shares, Workspace};
#[cfg(feature = "serde")]
pub use crate::serde_impls::VerdictSummary;
pub use crate::text::{DecodedBytes, Text};
pub use crate::verify::{
    CandidateTrace, SkipCause, Skipped, Verdict, VerifiedResponse, Verifier, VerifyStats,
    MAX_BODY_LEN,
};
