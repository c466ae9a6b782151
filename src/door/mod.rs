//! The doors an enclave calls, one per operation, each with its own error
//! type: [`relay`] verifies a gateway's body, [`compute`] a Workflow DON's
//! batch, [`handout`] rebuilds what a verified report hands out, and
//! [`hashing`] hashes one result, [`replay`] admits a verified request
//! to run once. [`verifier`] holds the configuration
//! they share; [`batch`] and [`precomputed`] are faster backends of the
//! same checks.
//!
//! Doors parse, walk and report; every acceptance rule they apply is a
//! call into [`crate::trust`].

#[cfg(feature = "batch")]
pub(crate) mod batch;
pub(crate) mod compute;
pub(crate) mod handout;
pub(crate) mod hashing;
#[cfg(feature = "precomputed")]
pub(crate) mod precomputed;
pub(crate) mod relay;
pub(crate) mod replay;
pub(crate) mod verifier;
