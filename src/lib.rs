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
// Without a heap there is nothing to box into: errors (a few hundred bytes,
// with the no-quorum diagnosis) and parameters (fixed-capacity lists) are
// moved by value, once per verification.
#![allow(clippy::result_large_err, clippy::large_enum_variant)]
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
mod config;
mod envelope;
mod error;
mod hash;
mod json;
mod object;
mod params;
mod postcheck;
mod quorum;
mod result;
#[cfg(feature = "signing")]
#[cfg_attr(docsrs, doc(cfg(feature = "signing")))]
pub mod signing;
mod sort;
mod text;
mod verify;

#[cfg(feature = "batch")]
pub use crate::batch::BatchVerifier;
pub use crate::config::{Config, SignerSet, MAX_SIGNERS};
pub use crate::error::{
    ConfigError, Error, Expected, Malformed, MethodKind, NoQuorum, ParamsError,
};
pub use crate::hash::{canonical_hash, canonical_hash_in, CanonicalHash, SIGNATURE_PAYLOAD_LEN};
pub use crate::json::MAX_DEPTH;
pub use crate::params::{
    ByteString, CapabilityParams, EnclaveConfig, Method, RequestParams, SecretId, SecretsParams,
    MAX_CONFIG_SIGNERS, MAX_SECRET_IDS,
};
pub use crate::postcheck::{OrderedSecret, PostCheckError, SecretsOrder};
pub use crate::result::{CapabilityResult, SecretEntries, SecretEntry, Shares, Workspace};
pub use crate::text::{DecodedBytes, Text};
pub use crate::verify::{
    CandidateTrace, SkipCause, Skipped, Verdict, VerifiedResponse, Verifier, VerifyStats,
    MAX_BODY_LEN,
};
