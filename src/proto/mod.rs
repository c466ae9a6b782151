//! Capability payloads that carry a consensus report (PROTOCOL.md §11).
//!
//! Honest relay nodes return the same report with different subsets of its
//! OCR signatures, so responses are grouped under a second hash: the §4 hash
//! with `payload` replaced by a canonical form that drops the signatures.
//! This module decides whether that rewrite applies and streams the
//! canonical payload, and gives embedders a typed view of the report.
//!
//! The payload is base64 inside a JSON string and may be megabytes: nothing
//! is buffered whole. One forward pass over the decoded stream validates
//! everything and records where the last value of each field stands
//! ([`Canonical`]), reading each Any `value` as a report when it comes (a
//! later one may replace it). Writing the canonical form then seeks to those
//! places: O(1) in plain base64, by decoding forward otherwise, from the
//! start at most four times (three bytes fields and the unknown fields may
//! each lie behind the cursor), so the work stays linear in the payload.
//! Groups are matched on a fixed stack of 64 levels (`wire::MAX_GROUP_DEPTH`).
//!
//! Hand-written rather than taken from a crate: the no_std, no-alloc
//! protobuf crates looked at (`femtopb`, `micropb`, `noproto`, and
//! `quick-protobuf`, whose no_std mode still needs `alloc`) all decode from
//! one contiguous slice or into fixed-capacity containers, none keeps
//! unknown fields (groups included) in order for re-encoding, and none
//! claims protobuf-go's exact failure rules (overlong varints, field-number
//! ranges, end-group matching), which decide the group hash here.
//!
//! Uses only [`crate::read`] (the payload's JSON text) and [`crate::leaf`];
//! `mod.rs` is a facade over the files that do the work.

mod b64;
mod canonical;
mod encode;
mod message;
mod report;
mod wire;

pub(crate) use self::canonical::{fill, Canonical};
pub use self::encode::ReportPayload;
pub use self::report::{AttributedSignature, Report, Signatures};

#[cfg(test)]
mod tests;
