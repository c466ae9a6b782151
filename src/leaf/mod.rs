//! Leaf types: values every layer names and no layer decides with — the
//! canonical hash value, where a reader gave up ([`Malformed`]), the
//! counters of a verification and of a compute batch, a small sort, and
//! the replay guard's slot table.
//!
//! Uses nothing else of the crate.

pub(crate) mod compute_stats;
pub(crate) mod hash;
pub(crate) mod malformed;
pub(crate) mod replay_slots;
pub(crate) mod sort;
pub(crate) mod stats;

pub use compute_stats::{ComputeStats, EntrySkip, EntryTrace};
pub use hash::{CanonicalHash, COMPUTE_SIGNATURE_PAYLOAD_LEN, SIGNATURE_PAYLOAD_LEN};
pub use malformed::{Expected, Malformed};
pub(crate) use stats::count32;
pub use stats::{CandidateTrace, SkipCause, Skipped, VerifyStats};
