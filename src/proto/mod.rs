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

mod b64;
mod encode;
mod message;
mod wire;

pub use self::encode::ReportPayload;

use self::b64::{Cursor, Encoder};
use self::message::{scan_capability, Member, ReportScan, Span, Value, REPORT_NAME};
use self::wire::{discard, field_tag, put_varint, skip_value, varint, varint_len, within};
use self::wire::{Input, Slice, BYTES};
use crate::read::text::Text;

/// The type URL the canonical form names.
const TYPE_URL_PREFIX: &[u8] = b"type.googleapis.com/";

/// A payload the §11 rewrite applies to, ready to stream its canonical form.
#[derive(Clone, Copy)]
pub(crate) struct Canonical<'t> {
    text: Text<'t>,
    /// The text is plain base64 without CR/LF: cursors over it seek in O(1).
    seekable: bool,
    report: ReportScan,
    /// Sizes of the canonical `ReportResponse`, `Any` and
    /// `CapabilityResponse`.
    report_len: u64,
    outer_len: u64,
}

/// Runs `write` into `dst`, which it must fill exactly: `None` when it
/// fails, or writes fewer or more bytes than `dst` holds.
pub(crate) fn fill(
    dst: &mut [u8],
    write: impl FnOnce(&mut dyn FnMut(&[u8])) -> Option<()>,
) -> Option<()> {
    let mut at = 0usize;
    let mut over = false;
    write(&mut |chunk: &[u8]| {
        match dst.get_mut(at..at.saturating_add(chunk.len())) {
            Some(slot) => slot.copy_from_slice(chunk),
            None => over = true,
        }
        at = at.saturating_add(chunk.len());
    })?;
    (!over && at == dst.len()).then_some(())
}

/// A length-delimited field of `len` bytes, tag included (fields 1–15).
fn field_len(len: u64) -> Option<u64> {
    1u64.checked_add(varint_len(len))?.checked_add(len)
}

/// A field written only when non-empty.
fn optional_field_len(len: u64) -> Option<u64> {
    if len == 0 {
        Some(0)
    } else {
        field_len(len)
    }
}

/// Size of a report's fields 1–4 in deterministic encoding (§11 rule 5).
fn known_fields_len(report: &ReportScan) -> Option<u64> {
    let seq_len = if report.seq_nr == 0 {
        0
    } else {
        1 + varint_len(report.seq_nr)
    };
    [
        optional_field_len(report.config_digest.len)?,
        seq_len,
        optional_field_len(report.report_context.len)?,
        optional_field_len(report.raw_report.len)?,
    ]
    .into_iter()
    .try_fold(0u64, u64::checked_add)
}

/// Sizes of the `Any` and the `CapabilityResponse` around a
/// `ReportResponse` of `report_len` bytes.
fn envelope_lens(report_len: u64) -> Option<(u64, u64)> {
    let type_url_len = (TYPE_URL_PREFIX.len() + REPORT_NAME.len()) as u64;
    let any_len = field_len(type_url_len)?.checked_add(optional_field_len(report_len)?)?;
    Some((any_len, field_len(any_len)?))
}

/// Writes the `CapabilityResponse` and `Any` headers around a
/// `ReportResponse` of `report_len` bytes (which follow, when non-empty).
fn write_envelope(report_len: u64, out: &mut impl FnMut(&[u8])) -> Option<()> {
    let (any_len, _) = envelope_lens(report_len)?;
    out(&[0x0A]);
    put_varint(any_len, out);
    out(&[0x0A]);
    put_varint((TYPE_URL_PREFIX.len() + REPORT_NAME.len()) as u64, out);
    out(TYPE_URL_PREFIX);
    out(REPORT_NAME);
    if report_len != 0 {
        out(&[0x12]);
        put_varint(report_len, out);
    }
    Some(())
}

impl<'t> Canonical<'t> {
    /// Reads `payload`; `None` when the rewrite does not apply (any failure
    /// of PROTOCOL.md §11 steps 1–4).
    #[inline(never)]
    pub(crate) fn of(payload: &Text<'t>) -> Option<Self> {
        let mut cursor = Cursor::new(*payload);
        let Member::Payload { named: true, value } = scan_capability(&mut cursor)? else {
            return None;
        };
        let report = match value {
            Value::Absent => ReportScan::default(),
            Value::Report(scan) => scan,
            Value::Invalid => return None,
        };
        let report_len = known_fields_len(&report)?.checked_add(report.unknown_len)?;
        let (_, outer_len) = envelope_lens(report_len)?;
        Some(Canonical {
            text: *payload,
            seekable: cursor.plain_to_end(),
            report,
            report_len,
            outer_len,
        })
    }

    /// Length of the canonical payload's base64 text (what §4 `str` needs
    /// first).
    pub(crate) fn base64_len(&self) -> u64 {
        // In `usize`: a 64-bit division costs a kilobyte of flash on 32-bit
        // targets. The canonical form is no longer than the decoded payload
        // (plus a few length bytes), which is in memory, so it fits.
        usize::try_from(self.outer_len)
            .map_or(u64::MAX, |n| (n.div_ceil(3) as u64).saturating_mul(4))
    }

    /// The payload text this form was read from.
    #[cfg(test)]
    pub(crate) fn text(&self) -> Text<'t> {
        self.text
    }

    /// A fresh cursor over the payload's decoded bytes.
    fn cursor(&self) -> Cursor<'t> {
        Cursor::with_seeking(self.text, self.seekable)
    }

    /// Whether this payload's canonical form is byte for byte `other`'s,
    /// decided without writing either: the same sizes and sequence number,
    /// and the same bytes in each of the three bytes fields. `false` also
    /// when either keeps unknown fields (an honest report has none), or a
    /// text is not plain base64 (escaped, or with CR/LF: honest nodes write
    /// neither), or cannot be read again; then the forms may still be
    /// equal. Plain texts seek in O(1), so the comparison reads no more than
    /// the fields of `self`, however long `other` is.
    pub(crate) fn same_form_as(&self, other: &Canonical<'_>) -> bool {
        let (a, b) = (&self.report, &other.report);
        let shape = |r: &ReportScan| {
            (
                r.config_digest.len,
                r.seq_nr,
                r.report_context.len,
                r.raw_report.len,
                r.unknowns,
            )
        };
        shape(a) == shape(b)
            && a.unknowns == 0
            && self.seekable
            && other.seekable
            && b64::runs_equal(
                (self.text, self.seekable),
                (other.text, other.seekable),
                &[
                    (
                        a.config_digest.start,
                        b.config_digest.start,
                        a.config_digest.len,
                    ),
                    (
                        a.report_context.start,
                        b.report_context.start,
                        a.report_context.len,
                    ),
                    (a.raw_report.start, b.raw_report.start, a.raw_report.len),
                ],
            )
    }

    /// Streams the canonical payload's base64 text into `sink`: exactly
    /// [`Canonical::base64_len`] bytes, or `None` if the payload could not
    /// be read again as it was the first time (which cannot happen for the
    /// same text; then fewer bytes went out).
    pub(crate) fn write_base64(&self, sink: &mut impl FnMut(&[u8])) -> Option<()> {
        let mut enc = Encoder::new(sink);
        let complete = self.write_bytes(&mut |b| enc.put(b));
        let written = enc.finish();
        (complete.is_some() && written == self.base64_len()).then_some(())
    }

    /// The canonical `CapabilityResponse` bytes, in order.
    fn write_bytes(&self, out: &mut impl FnMut(&[u8])) -> Option<()> {
        write_envelope(self.report_len, out)?;
        self.write_report(out)
    }

    /// Size of the canonical report `R` (§11 rule 5).
    pub(crate) fn report_len(&self) -> u64 {
        self.report_len
    }

    /// How many `sigs` entries the payload's report carries, and their size
    /// as [`Canonical::write_signatures`] writes them.
    pub(crate) fn signatures(&self) -> (u64, u64) {
        (self.report.sigs, self.report.sigs_len)
    }

    /// Writes this payload's `sigs` entries as one node carried them, each
    /// with a minimal tag and length: a `ReportResponse` holding only them.
    pub(crate) fn write_signatures(&self, out: &mut impl FnMut(&[u8])) -> Option<()> {
        let whole = self.report.whole;
        let mut cursor = self.cursor();
        cursor.seek(whole.start)?;
        cursor.set_limit(whole.end());
        message::write_signatures(&mut cursor, out)
    }

    /// The canonical report `R` written into `buf` and read there; `None`
    /// when `buf` is shorter than [`Canonical::report_len`].
    pub(crate) fn report_into<'b>(&self, buf: &'b mut [u8]) -> Option<Report<'b>> {
        let dst = buf.get_mut(..usize::try_from(self.report_len).ok()?)?;
        fill(dst, |out| self.write_report(&mut |c| out(c)))?;
        Report::over(dst)
    }

    /// Writes the canonical report `R`: fields 1–4, then unknown fields.
    pub(crate) fn write_report(&self, out: &mut impl FnMut(&[u8])) -> Option<()> {
        let r = &self.report;
        if self.report_len == 0 {
            return Some(());
        }
        let mut cursor = self.cursor();
        copy_field(&mut cursor, 0x0A, r.config_digest, out)?;
        if r.seq_nr != 0 {
            out(&[0x10]);
            put_varint(r.seq_nr, out);
        }
        copy_field(&mut cursor, 0x1A, r.report_context, out)?;
        copy_field(&mut cursor, 0x22, r.raw_report, out)?;
        if r.unknowns > 0 {
            cursor.seek(r.whole.start)?;
            cursor.set_limit(r.whole.end());
            message::write_unknowns(&mut cursor, out)?;
        }
        Some(())
    }
}

/// Writes a non-empty bytes field: `tag`, length, and the bytes of `span`.
fn copy_field(
    cursor: &mut Cursor<'_>,
    tag: u8,
    span: Span,
    out: &mut impl FnMut(&[u8]),
) -> Option<()> {
    if span.len == 0 {
        return Some(());
    }
    out(&[tag]);
    put_varint(span.len, out);
    cursor.seek(span.start)?;
    cursor.take(span.len, out)
}

/// A consensus report carried by a capability payload (PROTOCOL.md §11),
/// decoded into a caller's buffer and read in place.
///
/// Fields follow protobuf-go's decoding, as the group hash does: a field
/// written twice has its last value, unknown fields are skipped here.
///
/// ```
/// use relay_verifier::{Report, Text};
/// // CapabilityResponse{payload: Any{type_url: ".../sdk.v1alpha.ReportResponse",
/// //   value: ReportResponse{seq_nr: 7, raw_report: "hi",
/// //                         sigs: [{signature: "s", signer_id: 2}]}}}
/// let payload = Text::new(
///     "Cj8KLnR5cGUuZ29vZ2xlYXBpcy5jb20vc2RrLnYxYWxwaGEuUmVwb3J0UmVzcG9uc2USDRAHIgJoaSoFCgFzEAI=",
/// );
/// let mut buf = [0u8; 64];
/// let n = Report::decoded_len(&payload).unwrap();
/// let report = Report::decode(&payload, &mut buf[..n]).unwrap();
/// assert_eq!(report.seq_nr(), 7);
/// assert_eq!(report.raw_report(), b"hi");
/// let sig = report.signatures().next().unwrap();
/// assert_eq!((sig.signer_id, sig.signature), (2, &b"s"[..]));
/// ```
#[derive(Clone, Copy, Debug)]
pub struct Report<'b> {
    bytes: &'b [u8],
    scan: ReportScan,
}

/// One OCR signature of a [`Report`], as carried (not verified here: the
/// chain verifies them).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AttributedSignature<'b> {
    /// The oracle's index in the OCR configuration.
    pub signer_id: u32,
    /// The signature bytes.
    pub signature: &'b [u8],
}

impl<'b> Report<'b> {
    /// Bytes [`Report::decode`] needs: the size of the encoded
    /// `ReportResponse`. `None` when `payload` carries no report (the same
    /// payloads the group hash leaves as sent).
    pub fn decoded_len(payload: &Text<'_>) -> Option<usize> {
        usize::try_from(Canonical::of(payload)?.report.whole.len).ok()
    }

    /// Decodes the report `payload` carries into `buf`. `None` when it
    /// carries none, or `buf` is shorter than [`Report::decoded_len`].
    pub fn decode(payload: &Text<'_>, buf: &'b mut [u8]) -> Option<Report<'b>> {
        let canonical = Canonical::of(payload)?;
        let whole = canonical.report.whole;
        let dst = buf.get_mut(..usize::try_from(whole.len).ok()?)?;
        let mut cursor = canonical.cursor();
        cursor.seek(whole.start)?;
        fill(dst, |out| cursor.take(whole.len, out))?;
        Some(Report {
            bytes: dst,
            scan: canonical.report,
        })
    }

    /// A report over `bytes`, an encoded `ReportResponse` (the canonical
    /// `R`, or the `sigs` entries of one counted response).
    pub(crate) fn over(bytes: &'b [u8]) -> Option<Report<'b>> {
        let scan = message::scan_report(&mut Slice::new(bytes))?;
        Some(Report { bytes, scan })
    }

    fn field(&self, span: Span) -> &'b [u8] {
        let bytes: &'b [u8] = self.bytes;
        let start = span.start.saturating_sub(self.scan.whole.start);
        usize::try_from(start)
            .ok()
            .zip(usize::try_from(span.len).ok())
            .and_then(|(s, n)| bytes.get(s..s.checked_add(n)?))
            .unwrap_or_default()
    }

    /// The encoded `ReportResponse`, as sent (signatures included).
    pub fn as_bytes(&self) -> &'b [u8] {
        self.bytes
    }

    /// `config_digest` (field 1).
    pub fn config_digest(&self) -> &'b [u8] {
        self.field(self.scan.config_digest)
    }

    /// `seq_nr` (field 2).
    pub fn seq_nr(&self) -> u64 {
        self.scan.seq_nr
    }

    /// `report_context` (field 3).
    pub fn report_context(&self) -> &'b [u8] {
        self.field(self.scan.report_context)
    }

    /// `raw_report` (field 4).
    pub fn raw_report(&self) -> &'b [u8] {
        self.field(self.scan.raw_report)
    }

    /// How many `sigs` entries the report carries.
    pub fn signature_count(&self) -> usize {
        usize::try_from(self.scan.sigs).unwrap_or(usize::MAX)
    }

    /// The `sigs` entries (field 5), in wire order.
    pub fn signatures(&self) -> Signatures<'b> {
        Signatures {
            bytes: self.bytes,
            input: Slice::new(self.bytes),
            done: false,
        }
    }
}

/// Iterator over a [`Report`]'s OCR signatures, in wire order.
#[derive(Clone)]
pub struct Signatures<'b> {
    bytes: &'b [u8],
    input: Slice<'b>,
    done: bool,
}

impl<'b> Signatures<'b> {
    /// The `sigs` entries of the encoded `ReportResponse` in `bytes`.
    pub(crate) fn over(bytes: &'b [u8]) -> Self {
        Signatures {
            bytes,
            input: Slice::new(bytes),
            done: false,
        }
    }

    fn step(&mut self) -> Option<AttributedSignature<'b>> {
        let (signer_id, start, end) = self.step_span()?;
        Some(AttributedSignature {
            signer_id,
            signature: self.bytes.get(start..end)?,
        })
    }

    /// The next entry's `signer_id` and where its signature lies in the
    /// bytes iterated over.
    pub(crate) fn step_span(&mut self) -> Option<(u32, usize, usize)> {
        while self.input.more()? {
            let (number, wire) = field_tag(&mut self.input)?;
            if (number, wire) != (5, BYTES) {
                skip_value(&mut self.input, number, wire, &mut discard)?;
                continue;
            }
            let len = varint(&mut self.input, &mut discard)?;
            let (sig, signer_id) = within(&mut self.input, len, message::signature_fields)?;
            let start = usize::try_from(sig.start).ok()?;
            let end = usize::try_from(sig.end()).ok()?;
            return Some((signer_id, start, end));
        }
        None
    }
}

impl<'b> Iterator for Signatures<'b> {
    type Item = AttributedSignature<'b>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let next = self.step();
        self.done = next.is_none();
        next
    }
}

impl core::fmt::Debug for Signatures<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Signatures").finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests;
