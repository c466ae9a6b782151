//! The hashing door: the canonical hash of one result, for callers that
//! hash outside a verification (hosts, tests, the signing side).

use super::relay::Error;
use crate::hash::{group_hash, hash_read, read_result_at};
use crate::leaf::{CanonicalHash, Expected, Malformed};
use crate::message::params::RequestParams;
use crate::message::workspace::{OverCapacity, Scratch, Workspace};
use crate::read::Lexer;

/// text) for a request with `params`, using a default workspace.
///
/// ```
/// use relay_verifier::{canonical_hash, Method, RequestParams};
/// let params = RequestParams::from_json(
///     Method::CapabilityExecute,
///     br#"{"workflow_id":"wf","owner":"0x1234567890abcdef1234567890ABCDEF12345678",
///         "execution_id":"e","reference_id":"r","capability_id":"c","payload":"cA=="}"#,
/// ).unwrap();
/// let a = canonical_hash(&params, br#"{"payload":"b2s="}"#).unwrap();
/// let b = canonical_hash(&params, br#"{ "error": "", "payload": "b2s\u003d" }"#).unwrap();
/// assert_eq!(a, b); // same decoded strings, same hash
/// ```
pub fn canonical_hash(
    params: &RequestParams<'_>,
    result_json: &[u8],
) -> Result<CanonicalHash, Error> {
    crate::message::workspace::with_default_scratch(|scratch| {
        hash_document(params, result_json, scratch, HashKind::Signature)
    })
}

/// [`canonical_hash`] with a caller-sized workspace, for large results.
pub fn canonical_hash_in<const E: usize, const S: usize>(
    params: &RequestParams<'_>,
    result_json: &[u8],
    workspace: &mut Workspace<E, S>,
) -> Result<CanonicalHash, Error> {
    hash_document(params, result_json, workspace.slices(), HashKind::Signature)
}

/// The hash a capability result is *grouped* under (PROTOCOL.md §11): the
/// §4 hash with a payload that carries a consensus report replaced by its
/// canonical form, which drops the report's OCR signatures. For any other
/// result (a secrets result, a payload that is not such a report) it is
/// [`canonical_hash`].
///
/// ```
/// use relay_verifier::{canonical_group_hash, canonical_hash, Method, RequestParams};
/// let params = RequestParams::from_json(
///     Method::CapabilityExecute,
///     br#"{"workflow_id":"wf","owner":"0x1234567890abcdef1234567890ABCDEF12345678",
///         "execution_id":"e","reference_id":"r","capability_id":"c","payload":"cA=="}"#,
/// ).unwrap();
/// // A report (seq_nr 7, raw_report "hi") with one OCR signature, and without it.
/// let signed = br#"{"payload":"Cj8KLnR5cGUuZ29vZ2xlYXBpcy5jb20vc2RrLnYxYWxwaGEuUmVwb3J0UmVzcG9uc2USDRAHIgJoaSoFCgFzEAI="}"#;
/// let bare = br#"{"payload":"CjgKLnR5cGUuZ29vZ2xlYXBpcy5jb20vc2RrLnYxYWxwaGEuUmVwb3J0UmVzcG9uc2USBhAHIgJoaQ=="}"#;
/// assert_ne!(canonical_hash(&params, signed).unwrap(), canonical_hash(&params, bare).unwrap());
/// assert_eq!(
///     canonical_group_hash(&params, signed).unwrap(),
///     canonical_group_hash(&params, bare).unwrap(),
/// );
/// // `bare` is already canonical: its group hash is its signature hash.
/// assert_eq!(canonical_group_hash(&params, bare), canonical_hash(&params, bare));
/// ```
pub fn canonical_group_hash(
    params: &RequestParams<'_>,
    result_json: &[u8],
) -> Result<CanonicalHash, Error> {
    crate::message::workspace::with_default_scratch(|scratch| {
        hash_document(params, result_json, scratch, HashKind::Group)
    })
}

/// Which of a response's two hashes (PROTOCOL.md §11).
#[derive(Clone, Copy, PartialEq, Eq)]
enum HashKind {
    /// Over the result as sent: what signatures are verified over.
    Signature,
    /// What the response is counted under.
    Group,
}

fn hash_document(
    params: &RequestParams<'_>,
    result_json: &[u8],
    mut scratch: Scratch<'_>,
    kind: HashKind,
) -> Result<CanonicalHash, Error> {
    params.validate()?;
    // One strict pass: the reader checks everything `Lexer::document` does
    // (no signature depends on it here), which keeps hashing a large
    // payload close to the cost of SHA-256 itself.
    Lexer::no_byte_order_mark(result_json)?;
    let mut lx = Lexer::new(result_json);
    let read = read_result_at(params, result_json, &mut lx, 0, &mut scratch)?;
    lx.end()?;
    let read = read.map_err(|OverCapacity| {
        Error::Malformed(Malformed {
            offset: 0,
            expected: Expected::WithinCapacity,
        })
    })?;
    let group = match kind {
        HashKind::Group => group_hash(params, &read),
        HashKind::Signature => None,
    };
    Ok(group.unwrap_or_else(|| hash_read(params, result_json, &read, &mut scratch)))
}
