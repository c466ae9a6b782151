//! The trust core: every rule that decides acceptance, and nothing else.
//!
//! - [`config`]: the signer set and `F`, and what makes them valid (§7);
//! - [`candidate`]: which candidate signatures count, one try per signer
//!   per response (§7 rule 2);
//! - [`quorum`]: grouping, equivocation, the threshold and the winner
//!   (§7 rules 3–5), shared by both doors;
//! - [`trial`]: which entries of a compute batch count, tried against the
//!   keys, with §12's bounded work;
//! - [`postcheck`]: a verified secrets result answers its request (§9);
//! - [`replay`]: a verified request runs at most once while it lives (§14).
//! - [`enclave_config`]: the whole configuration §13 rotates, valid under
//!   §7 (§13 rule 5);
//! - [`rotation`]: a vote of the current set, §13 steps 1–7, in fixed
//!   memory.
//!
//! Uses only the layers below it (hashes and leaf types, the messages it
//! judges); no door, no serde, no std. An auditor reads this folder and
//! [`crate::hash`] to trust a verdict.

pub(crate) mod candidate;
pub(crate) mod config;
pub(crate) mod enclave_config;
pub(crate) mod postcheck;
pub(crate) mod quorum;
pub(crate) mod replay;
pub(crate) mod rotation;
pub(crate) mod trial;
