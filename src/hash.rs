//! The canonical hash of a logical response (PROTOCOL.md §4) and the payload
//! a relay node signs over it (§5).
//!
//! Every string goes into SHA-256 decoded and in place, chunk by chunk;
//! nothing is buffered, so a 1 MiB payload costs one pass of SHA-256.

use core::cmp::Ordering;
use core::fmt;

use sha2::{Digest, Sha256};

use crate::error::{Error, Expected, Malformed};
use crate::json::Lexer;
use crate::params::{
    ByteString, CapabilityParams, EnclaveConfig, RequestParams, SecretsParams, MAX_CONFIG_SIGNERS,
    MAX_SECRET_IDS,
};
use crate::proto::Canonical;
use crate::result::{self, CapabilityResult, EntrySpan, OverCapacity, Scratch, Span, Workspace};
use crate::text::Text;

const DOMAIN: &[u8] = b"CONFIDENTIAL_COMPUTE_PAYLOAD";
const SECRETS_TAG: &[u8] = b"\nSecretsResponseResult\n";
const CAPABILITY_TAG: &[u8] = b"\nCapabilityResponseResult\n";

/// Length of the payload a relay node signs.
pub const SIGNATURE_PAYLOAD_LEN: usize = 174;

/// The SHA-256 canonical hash of one logical response.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct CanonicalHash([u8; 32]);

impl CanonicalHash {
    /// Wraps 32 bytes.
    pub const fn from_bytes(bytes: [u8; 32]) -> Self {
        CanonicalHash(bytes)
    }

    /// The hash's bytes.
    pub const fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// The 174-byte message a relay node signs for this hash (PROTOCOL.md §5):
    /// ragep2p's domain-separated "arbitrary message" framing.
    pub fn signature_payload(&self) -> [u8; SIGNATURE_PAYLOAD_LEN] {
        self.framed_payload(b"CONFIDENTIAL_RELAY_PAYLOAD_")
    }

    /// The §5 framing of this hash under `tag`; `N` is 147 plus the tag's
    /// length (one framing for both doors: relay responses and, §12,
    /// compute requests).
    pub(crate) fn framed_payload<const N: usize>(&self, tag: &[u8]) -> [u8; N] {
        const CONTEXT: &[u8] = b"ragep2p arbitrary message signing";
        let mut out = [0u8; N];
        let parts: [&[u8]; 8] = [
            &[0x20; 64],
            CONTEXT,
            &[0x00],
            &(tag.len() as u64).to_be_bytes(),
            tag,
            &[0x00], // short-message marker: the hash is under 1024 bytes
            &32u64.to_be_bytes(),
            &self.0,
        ];
        let mut at = 0usize;
        for part in parts {
            let end = at.saturating_add(part.len());
            if let Some(dst) = out.get_mut(at..end) {
                dst.copy_from_slice(part);
            }
            at = end;
        }
        debug_assert_eq!(at, N);
        out
    }
}

impl CanonicalHash {
    /// Parses 64 hex digits (either case).
    pub fn from_hex(hex_digits: &str) -> Option<Self> {
        let mut out = [0u8; 32];
        hex::decode_to_slice(hex_digits, &mut out).ok()?;
        Some(CanonicalHash(out))
    }
}

impl fmt::Display for CanonicalHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut digits = [0u8; 64];
        match hex::encode_to_slice(self.0, &mut digits) {
            Ok(()) => f.write_str(core::str::from_utf8(&digits).map_err(|_| fmt::Error)?),
            Err(_) => Err(fmt::Error),
        }
    }
}

impl fmt::Debug for CanonicalHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CanonicalHash({self})")
    }
}

/// Computes the canonical hash of `result_json` (a logical result as JSON
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
    result::with_default_scratch(|scratch| {
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
    result::with_default_scratch(|scratch| {
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

/// A result read and shape-checked, not yet hashed: the verifier hashes
/// only responses that carry a candidate from a configured signer.
#[derive(Clone, Copy)]
pub(crate) struct ReadResult<'a> {
    /// The result's JSON text as it stands in the document.
    raw: &'a [u8],
    kind: ReadKind<'a>,
}

#[derive(Clone, Copy)]
enum ReadKind<'a> {
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

/// SHA-256 with the primitives of PROTOCOL.md §4 (also §12's request hash).
#[derive(Clone)]
pub(crate) struct Writer(Sha256);

impl Writer {
    pub(crate) fn new(tag: &[u8]) -> Self {
        let mut w = Writer(Sha256::new());
        w.0.update(DOMAIN);
        w.0.update(tag);
        w
    }

    pub(crate) fn len(&mut self, n: usize) {
        self.len64(n as u64);
    }

    pub(crate) fn len64(&mut self, n: u64) {
        self.0.update(n.to_be_bytes());
    }

    /// Bytes with no length prefix (§12's 32-byte request id).
    pub(crate) fn raw(&mut self, bytes: &[u8]) {
        self.0.update(bytes);
    }

    pub(crate) fn str(&mut self, s: &Text<'_>) {
        self.len(s.len());
        s.for_each_chunk(|c| self.0.update(c));
    }

    /// `bytes(b)`, streamed from the decoder (values were checked by
    /// `validate`, so the length is always known).
    pub(crate) fn byte_string(&mut self, b: &ByteString<'_>) {
        self.len(b.decoded_len().unwrap_or(0));
        let mut block = [0u8; 48];
        let mut n = 0;
        for byte in b.bytes() {
            if let Some(slot) = block.get_mut(n) {
                *slot = byte;
                n += 1;
            }
            if n == block.len() {
                self.0.update(block);
                n = 0;
            }
        }
        self.0.update(block.get(..n).unwrap_or_default());
    }

    fn config(&mut self, c: &EnclaveConfig<'_>) {
        // Sort signer places by decoded bytes; values were checked by
        // `validate`, so a failed decode cannot happen and sorts as empty.
        let signers = c.signers();
        let mut order = [0usize; MAX_CONFIG_SIGNERS];
        let mut n = 0;
        for (slot, place) in order.iter_mut().zip(signers.places()) {
            *slot = place;
            n += 1;
        }
        let order = order.get_mut(..n).unwrap_or_default();
        crate::sort::sort_by(order, |&a, &b| match (signers.at(a), signers.at(b)) {
            (Some(x), Some(y)) => x.bytes().cmp(y.bytes()),
            _ => Ordering::Equal,
        });
        self.len(n);
        for &place in order.iter() {
            if let Some(s) = signers.at(place) {
                self.byte_string(&s);
            }
        }
        self.byte_string(&c.master_public_key);
        self.0.update(c.t.to_be_bytes());
        self.0.update(c.f.to_be_bytes());
    }

    // Out of line: SHA-256's finalisation (padding, the last block) is
    // 200 B on `thumbv7em`, and LLVM inlines it into each hash's writer.
    #[inline(never)]
    pub(crate) fn finish(self) -> CanonicalHash {
        CanonicalHash(self.0.finalize().into())
    }
}

fn cmp_texts(a: &[Text<'_>], b: &[Text<'_>]) -> Ordering {
    for (x, y) in a.iter().zip(b) {
        match x.cmp_decoded(y) {
            Ordering::Equal => continue,
            other => return other,
        }
    }
    a.len().cmp(&b.len())
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
fn request_prefix(params: &RequestParams<'_>) -> Writer {
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
    let mut n = 0;
    for (slot, place) in order.iter_mut().zip(ids.places()) {
        *slot = place;
        n += 1;
    }
    let order = order.get_mut(..n).unwrap_or_default();
    let id = |place: usize| ids.at(place).unwrap_or_default();
    crate::sort::sort_by(order, |&a, &b| {
        let (a, b) = (id(a), id(b));
        cmp_texts(&[a.namespace, a.key], &[b.namespace, b.key])
    });
    w.len(n);
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
fn secrets_result(
    mut w: Writer,
    doc: &[u8],
    entries: &mut [EntrySpan],
    shares: &mut [Span],
) -> CanonicalHash {
    // Result entries: sorted by (namespace, key, ciphertext); ties keep
    // document order (the order Go's sort leaves short slices in), so the
    // hash never depends on the sort algorithm. The fuzzer found that an
    // earlier tie-break on share positions put `null` shares last.
    crate::sort::sort_by(entries, |a, b| result::entry_order(doc, a, b));
    w.len(entries.len());
    for e in entries.iter() {
        w.str(&e.key.text(doc));
        w.str(&e.namespace.text(doc));
        w.str(&e.ciphertext.text(doc));
        let k = result::index_shares(doc, e.shares_at, shares);
        let shares = shares.get_mut(..k).unwrap_or_default();
        crate::sort::sort_by(shares, |a, b| a.text(doc).cmp_decoded(&b.text(doc)));
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
fn rewritten_hash(
    w: Writer,
    r: &CapabilityResult<'_>,
    form: &Canonical<'_>,
) -> Option<CanonicalHash> {
    let mut complete = None;
    let hash = capability_result(w, r, |w| {
        w.len64(form.base64_len());
        complete = form.write_base64(&mut |chunk| w.0.update(chunk));
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
fn capability_result(
    mut w: Writer,
    r: &CapabilityResult<'_>,
    payload: impl FnOnce(&mut Writer),
) -> CanonicalHash {
    payload(&mut w);
    w.str(&r.error);
    w.finish()
}

/// The two hashes of each response of one verification (PROTOCOL.md §11),
/// with the work they share done once: the request's part of every hash
/// (SHA-256's state after it is kept and copied); the last hashes with the
/// result text they were computed from, which honest responses repeat (the
/// same result, each node's own signature); and the last group hash with
/// the canonical form it was computed over, which honest report responses
/// repeat (they differ only in the OCR signatures the form drops). Hashes
/// are reused only for byte-identical result text, or a byte-identical
/// form and the same `error`, so every hash is the one [`hash_read`] and
/// [`group_hash`] give: only work is skipped, never a decision changed.
#[derive(Default)]
pub(crate) struct ResponseHasher<'t> {
    prefix: Option<Writer>,
    last_result: Option<LastResult<'t>>,
    last_group: Option<LastGroup<'t>>,
}

/// A response's two hashes and the result text they are of.
struct LastResult<'t> {
    raw: &'t [u8],
    signature: CanonicalHash,
    group: CanonicalHash,
}

/// A group hash and what it covers besides the request.
struct LastGroup<'t> {
    form: Canonical<'t>,
    error: Text<'t>,
    hash: CanonicalHash,
}

impl<'t> ResponseHasher<'t> {
    /// The signature hash and the group hash of a result read by
    /// [`read_result_at`] from `doc`. `params` must be the same on every
    /// call: one hasher serves one verification.
    pub(crate) fn hashes(
        &mut self,
        params: &RequestParams<'_>,
        doc: &[u8],
        read: &ReadResult<'t>,
        scratch: &mut Scratch<'_>,
    ) -> (CanonicalHash, CanonicalHash) {
        // The same text is the same result: the same hashes. (A slice
        // comparison: lengths first, then the bytes.)
        if let Some(last) = &self.last_result {
            if !read.raw.is_empty() && last.raw == read.raw {
                return (last.signature, last.group);
            }
        }
        let prefix = self.prefix.get_or_insert_with(|| request_prefix(params));
        let (signature, group) = match (params, &read.kind) {
            (RequestParams::Secrets(_), ReadKind::Secrets(n)) => {
                let hash = secrets_after(prefix, doc, *n, scratch);
                (hash, hash)
            }
            (RequestParams::Capability(_), ReadKind::Capability(r)) => {
                let signature = capability_after(prefix, r);
                let group = group_reusing(prefix, &mut self.last_group, r).unwrap_or(signature);
                (signature, group)
            }
            // Unreachable: a result is read with the same parameters. Not
            // a capability pair, so no §11 rewrite: the group hash is the
            // signature hash (what `group_hash` gives here, without linking
            // a second copy of the rewrite).
            _ => {
                let signature = hash_read(params, doc, read, scratch);
                (signature, signature)
            }
        };
        self.last_result = Some(LastResult {
            raw: read.raw,
            signature,
            group,
        });
        (signature, group)
    }
}

/// The secrets hash of the `n` entries indexed in `scratch`, after the
/// request's part in `prefix`.
fn secrets_after(
    prefix: &Writer,
    doc: &[u8],
    n: usize,
    scratch: &mut Scratch<'_>,
) -> CanonicalHash {
    let entries = scratch.entries.get_mut(..n).unwrap_or_default();
    secrets_result(prefix.clone(), doc, entries, scratch.shares)
}

/// The capability hash of `r` as sent, after the request's part in `prefix`.
fn capability_after(prefix: &Writer, r: &CapabilityResult<'_>) -> CanonicalHash {
    capability_result(prefix.clone(), r, |w| w.str(&r.payload))
}

/// The group hash of `r` when the §11 rewrite applies, after the request's
/// part in `prefix`: `last`'s when the canonical form and `error` are the
/// same, else computed, and then kept in `last`. (The form is read here,
/// compared or written in [`reuse_or_hash`]: one frame at a time.)
fn group_reusing<'t>(
    prefix: &Writer,
    last: &mut Option<LastGroup<'t>>,
    r: &CapabilityResult<'t>,
) -> Option<CanonicalHash> {
    reuse_or_hash(prefix, last, r, Canonical::of(&r.payload)?)
}

fn reuse_or_hash<'t>(
    prefix: &Writer,
    last: &mut Option<LastGroup<'t>>,
    r: &CapabilityResult<'t>,
    form: Canonical<'t>,
) -> Option<CanonicalHash> {
    if let Some(last) = last {
        if last.error.eq_decoded(&r.error) && form.same_form_as(&last.form) {
            return Some(last.hash);
        }
    }
    let hash = rewritten_hash(prefix.clone(), r, &form)?;
    *last = Some(LastGroup {
        form,
        error: r.error,
        hash,
    });
    Some(hash)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_payload_layout() {
        let h = CanonicalHash::from_bytes([0xAB; 32]);
        let p = h.signature_payload();
        assert_eq!(&p[..64], &[0x20; 64][..]);
        assert_eq!(&p[64..97], b"ragep2p arbitrary message signing");
        assert_eq!(p[97], 0);
        assert_eq!(&p[98..106], &27u64.to_be_bytes());
        assert_eq!(&p[106..133], b"CONFIDENTIAL_RELAY_PAYLOAD_");
        assert_eq!(p[133], 0);
        assert_eq!(&p[134..142], &32u64.to_be_bytes());
        assert_eq!(&p[142..], &[0xAB; 32][..]);
    }

    /// The report vector's 31 responses: each hash from the hasher is the
    /// one computed alone, and after the first, every group hash is reused
    /// (the kept form stays the first response's); a repeated result text
    /// reuses both hashes.
    #[test]
    fn honest_report_responses_reuse_the_first_group_hash() {
        let file: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../shared/vectors/report/verify.json"
            ))
            .unwrap(),
        )
        .unwrap();
        let case = file["verify_cases"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == "report/n31-f10-subsets")
            .unwrap();
        let params = RequestParams::from_json(
            crate::Method::CapabilityExecute,
            case["params_json"].as_str().unwrap().as_bytes(),
        )
        .unwrap();
        let body: serde_json::Value =
            serde_json::from_str(case["body_json"].as_str().unwrap()).unwrap();
        let payloads: std::vec::Vec<std::string::String> = body["responses"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["result"]["payload"].as_str().unwrap().into())
            .collect();
        assert_eq!(payloads.len(), 31);
        let mut results: std::vec::Vec<std::string::String> = payloads
            .iter()
            .map(|p| std::format!(r#"{{"payload":"{p}"}}"#))
            .collect();
        results.push(std::format!(
            r#"{{"payload":"{}","error":"e"}}"#,
            payloads[1]
        ));
        let read = |i: usize, error: &'static str| ReadResult {
            raw: results[i].as_bytes(),
            kind: ReadKind::Capability(CapabilityResult::new(
                Text::new(&payloads[i.min(30)]),
                Text::new(error),
            )),
        };
        let mut workspace = Workspace::<1, 1>::new();
        let mut scratch = workspace.slices();
        let mut hasher = ResponseHasher::default();
        for (i, json) in results.iter().take(31).enumerate() {
            let (signature, group) = hasher.hashes(&params, b"", &read(i, ""), &mut scratch);
            let json = json.as_bytes();
            assert_eq!(signature, canonical_hash(&params, json).unwrap());
            assert_eq!(group, canonical_group_hash(&params, json).unwrap());
            assert_ne!(signature, group, "response {i} carries signatures");
            let kept = hasher.last_group.as_ref().unwrap().form.text();
            assert_eq!(kept.raw().as_ptr(), payloads[0].as_ptr(), "response {i}");
        }
        // An error text makes another result: computed, and kept.
        let with_error = ReadResult {
            raw: results[31].as_bytes(),
            kind: ReadKind::Capability(CapabilityResult::new(
                Text::new(&payloads[1]),
                Text::new("e"),
            )),
        };
        let (_, group) = hasher.hashes(&params, b"", &with_error, &mut scratch);
        let json = results[31].as_bytes();
        assert_eq!(group, canonical_group_hash(&params, json).unwrap());
        let kept = hasher.last_group.as_ref().unwrap().form.text();
        assert_eq!(kept.raw().as_ptr(), payloads[1].as_ptr());
        // The same result text again: its hashes come back without being
        // computed (here the read behind the text is another one's, which
        // the verifier never does, to tell the two apart).
        let (signature, group) = hasher.hashes(&params, b"", &read(31, ""), &mut scratch);
        assert_eq!(signature, canonical_hash(&params, json).unwrap());
        assert_eq!(group, canonical_group_hash(&params, json).unwrap());
        let (signature, _) = hasher.hashes(&params, b"", &read(0, ""), &mut scratch);
        assert_eq!(
            signature,
            canonical_hash(&params, results[0].as_bytes()).unwrap()
        );
    }

    #[test]
    fn display_is_lowercase_hex() {
        let mut b = [0u8; 32];
        b[0] = 0xF9;
        b[31] = 0x0A;
        let h = CanonicalHash::from_bytes(b);
        let mut s = heapless::String::<64>::new();
        core::fmt::write(&mut s, format_args!("{h}")).unwrap();
        assert!(s.starts_with("f900") && s.ends_with("000a"));
        assert_eq!(CanonicalHash::from_hex(&s), Some(h));
        assert_eq!(CanonicalHash::from_hex("f9"), None);
    }
}
