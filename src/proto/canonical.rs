//! The canonical form of a report payload (§11): one forward pass that
//! validates everything and records where each field stands, then streams
//! the payload without its OCR signatures.

use super::b64::{self, Cursor, Encoder};
use super::message::{self, scan_capability, Member, ReportScan, Span, Value, REPORT_NAME};
use super::report::Report;
use super::wire::{put_varint, varint_len, Input};
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
pub(super) fn field_len(len: u64) -> Option<u64> {
    1u64.checked_add(varint_len(len))?.checked_add(len)
}

/// A field written only when non-empty.
pub(super) fn optional_field_len(len: u64) -> Option<u64> {
    if len == 0 {
        Some(0)
    } else {
        field_len(len)
    }
}

/// Size of a report's fields 1–4 in deterministic encoding (§11 rule 5).
pub(super) fn known_fields_len(report: &ReportScan) -> Option<u64> {
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
pub(super) fn envelope_lens(report_len: u64) -> Option<(u64, u64)> {
    let type_url_len = (TYPE_URL_PREFIX.len() + REPORT_NAME.len()) as u64;
    let any_len = field_len(type_url_len)?.checked_add(optional_field_len(report_len)?)?;
    Some((any_len, field_len(any_len)?))
}

/// Writes the `CapabilityResponse` and `Any` headers around a
/// `ReportResponse` of `report_len` bytes (which follow, when non-empty).
pub(super) fn write_envelope(report_len: u64, out: &mut impl FnMut(&[u8])) -> Option<()> {
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

/// Decoding a report needs its canonical scan (the same payloads the group
/// hash rewrites).
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
}
