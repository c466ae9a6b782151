//! Entry points for the differential fuzz target (feature `fuzzing`,
//! hidden): the strict validator, the strings it decodes, and the §14
//! replay guard over raw hashes.
//!
//! Not part of the supported API: names and shapes may change.

use crate::leaf::Malformed;
use crate::read::text::Text;
use crate::read::Lexer;

/// Where a string stood in the document.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// An object key.
    Key,
    /// A string value.
    Value,
}

/// The verifier's own whole-document check (what `verify` runs first).
pub fn validate(doc: &[u8]) -> Result<(), Malformed> {
    Lexer::document(doc)
}

/// Validates `doc` as [`validate`] does, handing every key and string
/// value to `seen` in document order.
pub fn for_each_string<'a>(
    doc: &'a [u8],
    mut seen: impl FnMut(Role, Text<'a>),
) -> Result<(), Malformed> {
    Lexer::no_byte_order_mark(doc)?;
    let mut lx = Lexer::new(doc);
    lx.walk_value(0, &mut |key, t| {
        seen(if key { Role::Key } else { Role::Value }, t)
    })?;
    lx.end()
}

/// The PROTOCOL.md §11 canonical payload of `payload`, as base64 text
/// streamed into `sink`; returns the length announced before streaming
/// (what §4 `str` writes first). `None`: the rewrite does not apply.
pub fn canonical_payload(payload: Text<'_>, mut sink: impl FnMut(&[u8])) -> Option<u64> {
    let canonical = crate::proto::Canonical::of(&payload)?;
    canonical.write_base64(&mut sink)?;
    Some(canonical.base64_len())
}

/// [`crate::Verifier::verify_traced`] without the walk's speed shortcuts
/// (the last-result reuse and the hash reuse): the plain path, for
/// differential tests and fuzzing.
pub fn verify_plain<'a, const E: usize, const S: usize>(
    verifier: &'a crate::Verifier,
    params: &'a crate::RequestParams<'a>,
    body: &'a [u8],
    workspace: &mut crate::Workspace<E, S>,
    trace: impl FnMut(crate::CandidateTrace),
) -> crate::Verdict<'a> {
    verifier.verify_plain(params, body, workspace, trace)
}

/// §14 `begin` for a raw request hash, bypassing the proof type: for the
/// replay vectors (hashes given as hex) and differential tests.
pub fn replay_begin(
    guard: &mut crate::ReplayGuard<'_>,
    hash: &[u8; 32],
    now: u64,
) -> Result<(), crate::BeginRefusal> {
    guard.begin_hash(hash, now)
}

/// §14 `finish` for a raw request hash.
pub fn replay_finish(
    guard: &mut crate::ReplayGuard<'_>,
    hash: &[u8; 32],
    now: u64,
) -> crate::FinishOutcome {
    guard.finish_hash(hash, now)
}

/// §14 `abandon` for a raw request hash.
pub fn replay_abandon(
    guard: &mut crate::ReplayGuard<'_>,
    hash: &[u8; 32],
    now: u64,
) -> crate::AbandonOutcome {
    guard.abandon_hash(hash, now)
}
