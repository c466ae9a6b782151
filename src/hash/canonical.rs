//! The canonical hash of a logical response (PROTOCOL.md §4), and the
//! group hash a report's response counts under (§11): the plain path.
//!
//! Every string goes into SHA-256 decoded and in place, chunk by chunk;
//! nothing is buffered, so a 1 MiB payload costs one pass of SHA-256.

use core::cmp::Ordering;

use crate::leaf::{CanonicalHash, Malformed};
use crate::message::params::{CapabilityParams, RequestParams, SecretsParams, MAX_SECRET_IDS};
use crate::message::result::{self, CapabilityResult};
use crate::message::workspace::{EntrySpan, OverCapacity, Scratch, Span};
use crate::proto::Canonical;
use crate::read::{Lexer, Text};

use super::writer::Writer;

const SECRETS_TAG: &[u8] = b"\nSecretsResponseResult\n";
const CAPABILITY_TAG: &[u8] = b"\nCapabilityResponseResult\n";

/// A result read and shape-checked, not yet hashed: the verifier hashes
/// only responses that carry a candidate from a configured signer.
#[derive(Clone, Copy)]
pub(crate) struct ReadResult<'a> {
    /// The result's JSON text as it stands in the document.
    pub(super) raw: &'a [u8],
    pub(super) kind: ReadKind<'a>,
}

#[derive(Clone, Copy)]
pub(super) enum ReadKind<'a> {
    /// A secrets result whose entries are indexed in the scratch.
    Secrets(usize),
    /// A capability result.
    Capability(CapabilityResult<'a>),
}

/// Reads the result at the cursor, checking its shape (and indexing a
/// secrets result's entries into `scratch`).
pub(crate) fn read_result_at<'a>(
    params: &RequestParams<'_>,
    doc: &[u8],
    lx: &mut Lexer<'a>,
    depth: usize,
    scratch: &mut Scratch<'_>,
) -> Result<Result<ReadResult<'a>, OverCapacity>, Malformed> {
    let start = lx.pos();
    let kind = match params {
        RequestParams::Secrets(_) => {
            let max_shares = scratch.shares.len();
            match result::index_secrets(doc, lx, depth, scratch.entries, max_shares)? {
                Ok(n) => ReadKind::Secrets(n),
                Err(over) => return Ok(Err(over)),
            }
        }
        RequestParams::Capability(_) => ReadKind::Capability(result::read_capability(lx, depth)?),
    };
    let raw = lx.buf().get(start..lx.pos()).unwrap_or_default();
    Ok(Ok(ReadResult { raw, kind }))
}

/// The canonical hash of a result read by [`read_result_at`] from `doc`.
pub(crate) fn hash_read(
    params: &RequestParams<'_>,
    doc: &[u8],
    read: &ReadResult<'_>,
    scratch: &mut Scratch<'_>,
) -> CanonicalHash {
    match (params, &read.kind) {
        (RequestParams::Secrets(p), ReadKind::Secrets(n)) => {
            let entries = scratch.entries.get_mut(..*n).unwrap_or_default();
            secrets_hash(p, doc, entries, scratch.shares)
        }
        (RequestParams::Capability(p), ReadKind::Capability(r)) => capability_hash(p, r),
        // Unreachable: a result is read with the same parameters.
        (RequestParams::Secrets(p), _) => secrets_hash(p, doc, &mut [], scratch.shares),
        (RequestParams::Capability(p), _) => capability_hash(p, &CapabilityResult::default()),
    }
}

/// The secrets hash over indexed result entries (sorted here, in place).
fn secrets_hash(
    p: &SecretsParams<'_>,
    doc: &[u8],
    entries: &mut [EntrySpan],
    shares: &mut [Span],
) -> CanonicalHash {
    secrets_result(secrets_prefix(p), doc, entries, shares)
}

/// The request's part of every response hash: what comes before the
/// result (PROTOCOL.md §4), the same for every response to one request.
pub(super) fn request_prefix(params: &RequestParams<'_>) -> Writer {
    match params {
        RequestParams::Secrets(p) => secrets_prefix(p),
        RequestParams::Capability(p) => capability_prefix(p),
    }
}

/// Items 1–4 of the secrets hash.
fn secrets_prefix(p: &SecretsParams<'_>) -> Writer {
    let mut w = Writer::new(SECRETS_TAG);
    w.str(&p.workflow_id);
    w.str(&p.owner);
    w.str(&p.execution_id);
    w.str(&p.org_id);

    // Requested ids: sorted by (namespace, key), written key first. The
    // sort moves their places, each read again to compare.
    let ids = p.secrets();
    let mut order = [0usize; MAX_SECRET_IDS];
    let order = ids.places().fill(&mut order);
    let id = |place: usize| ids.at(place).unwrap_or_default();
    crate::leaf::sort::sort_by(order, |&a, &b| {
        let (a, b) = (id(a), id(b));
        cmp_texts(&[a.namespace, a.key], &[b.namespace, b.key])
    });
    w.len(order.len());
    for &place in order.iter() {
        let s = id(place);
        w.str(&s.key);
        w.str(&s.namespace);
    }

    w.str(&p.enclave_public_key);
    if let Some(c) = &p.enclave_config {
        w.config(c);
    }
    w
}

/// Item 5 of the secrets hash, after the request's part in `w`.
pub(super) fn secrets_result(
    mut w: Writer,
    doc: &[u8],
    entries: &mut [EntrySpan],
    shares: &mut [Span],
) -> CanonicalHash {
    // Result entries: sorted by (namespace, key, ciphertext); ties keep
    // document order (the order Go's sort leaves short slices in), so the
    // hash never depends on the sort algorithm. The fuzzer found that an
    // earlier tie-break on share positions put `null` shares last.
    crate::leaf::sort::sort_by(entries, |a, b| result::entry_order(doc, a, b));
    w.len(entries.len());
    for e in entries.iter() {
        w.str(&e.key.text(doc));
        w.str(&e.namespace.text(doc));
        w.str(&e.ciphertext.text(doc));
        let k = result::index_shares(doc, e.shares_at, shares);
        let shares = shares.get_mut(..k).unwrap_or_default();
        crate::leaf::sort::sort_by(shares, |a, b| a.text(doc).cmp_decoded(&b.text(doc)));
        w.len(k);
        for s in shares.iter() {
            w.str(&s.text(doc));
        }
    }
    w.finish()
}

/// A result's group hash when it differs in kind from its signature hash:
/// `Some` only for a capability result whose payload the §11 rewrite
/// applies to (it may still equal the signature hash, when the payload was
/// canonical already). `None` means "no rewrite": the group hash is the
/// signature hash.
pub(crate) fn group_hash(
    params: &RequestParams<'_>,
    read: &ReadResult<'_>,
) -> Option<CanonicalHash> {
    match (params, &read.kind) {
        (RequestParams::Capability(p), ReadKind::Capability(r)) => capability_group_hash(p, r),
        _ => None,
    }
}

/// The §11 group hash of a capability result; `None` when the rewrite does
/// not apply.
pub(crate) fn capability_group_hash(
    p: &CapabilityParams<'_>,
    r: &CapabilityResult<'_>,
) -> Option<CanonicalHash> {
    rewritten_hash(capability_prefix(p), r, &Canonical::of(&r.payload)?)
}

/// The capability hash of `r` with its payload's canonical `form`, after
/// the request's part in `w`; `None` if the form could not be written.
#[inline(never)]
pub(super) fn rewritten_hash(
    w: Writer,
    r: &CapabilityResult<'_>,
    form: &Canonical<'_>,
) -> Option<CanonicalHash> {
    let mut complete = None;
    let hash = capability_result(w, r, |w| {
        w.len64(form.base64_len());
        complete = form.write_base64(&mut |chunk| w.raw(chunk));
    });
    complete.map(|()| hash)
}

/// The capability hash of PROTOCOL.md §4.
fn capability_hash(p: &CapabilityParams<'_>, r: &CapabilityResult<'_>) -> CanonicalHash {
    capability_result(capability_prefix(p), r, |w| w.str(&r.payload))
}

/// The capability hash up to the result: the request's fields and config.
fn capability_prefix(p: &CapabilityParams<'_>) -> Writer {
    let mut w = Writer::new(CAPABILITY_TAG);
    for s in [
        &p.workflow_id,
        &p.owner,
        &p.execution_id,
        &p.org_id,
        &p.reference_id,
        &p.capability_id,
        &p.payload,
    ] {
        w.str(s);
    }
    if let Some(c) = &p.enclave_config {
        w.config(c);
    }
    w
}

/// The capability hash after the request's part in `w`, with
/// `str(result.payload)` written by `payload`: the one place both of a
/// response's hashes are laid out.
pub(super) fn capability_result(
    mut w: Writer,
    r: &CapabilityResult<'_>,
    payload: impl FnOnce(&mut Writer),
) -> CanonicalHash {
    payload(&mut w);
    w.str(&r.error);
    w.finish()
}

/// Compares lists of texts by their decoded bytes, element by element.
fn cmp_texts(a: &[Text<'_>], b: &[Text<'_>]) -> Ordering {
    for (x, y) in a.iter().zip(b) {
        match x.cmp_decoded(y) {
            Ordering::Equal => continue,
            other => return other,
        }
    }
    a.len().cmp(&b.len())
}
