//! The payload §11 hands out for a report: `CapabilityResponse{ payload =
//! Any{ ReportResponse = R with a chosen list of OCR signatures } }`, in
//! protobuf-go's deterministic encoding. The hand-out writes its merged
//! signatures with it; an embedder may write any other selection.

use super::b64::Encoder;
use super::canonical::{
    envelope_lens, field_len, fill, known_fields_len, optional_field_len, write_envelope,
};
use super::message::{write_unknowns, SIGS_TAG};
use super::report::{AttributedSignature, Report};
use super::wire::{put_varint, varint_len, Slice};

/// The §11 payload for a report and a selection of OCR signatures: the
/// report's fields 1–4, the signatures in the order given as field 5, then
/// the report's unknown fields, inside the canonical `Any` and
/// `CapabilityResponse` (PROTOCOL.md §11, "What is handed out").
///
/// The signature iterator is walked twice (sizes first: every length
/// prefix comes before its bytes), so it must be `Clone`. Nothing is
/// buffered: the base64 text streams out in blocks.
///
/// ```
/// use relay_verifier::{AttributedSignature, Report, ReportPayload, Text};
/// // A report with seq_nr 7, raw_report "hi" and one signature (see `Report`).
/// let sent = Text::new(
///     "Cj8KLnR5cGUuZ29vZ2xlYXBpcy5jb20vc2RrLnYxYWxwaGEuUmVwb3J0UmVzcG9uc2USDRAHIgJoaSoFCgFzEAI=",
/// );
/// let mut buf = [0u8; 64];
/// let report = Report::decode(&sent, &mut buf).unwrap();
/// // The same report with no signatures at all ...
/// let bare = ReportPayload::new(report, core::iter::empty());
/// let mut out = [0u8; 128];
/// let n = bare.write_base64_into(&mut out).unwrap();
/// assert_eq!(n, bare.base64_len().unwrap());
/// // ... and with the one it carried: the payload as sent, byte for byte.
/// let again = ReportPayload::new(report, report.signatures());
/// let n = again.write_base64_into(&mut out).unwrap();
/// assert_eq!(&out[..n], sent.raw());
/// # let _ = AttributedSignature { signer_id: 2, signature: b"s" };
/// ```
#[derive(Clone, Debug)]
pub struct ReportPayload<'r, I> {
    report: Report<'r>,
    signatures: I,
}

/// Size of one `sigs` entry's value: field 1 unless empty, field 2 unless 0.
fn signature_value_len(sig: &AttributedSignature<'_>) -> Option<u64> {
    let id = if sig.signer_id == 0 {
        0
    } else {
        1 + varint_len(u64::from(sig.signer_id))
    };
    optional_field_len(u64::try_from(sig.signature.len()).ok()?)?.checked_add(id)
}

impl<'r, 's, I> ReportPayload<'r, I>
where
    I: Iterator<Item = AttributedSignature<'s>> + Clone,
{
    /// The payload for `report` (its fields and unknown fields; the
    /// signatures it carries itself are ignored) and `signatures`.
    pub fn new(report: Report<'r>, signatures: I) -> Self {
        ReportPayload { report, signatures }
    }

    /// Size of the `ReportResponse` written.
    fn report_len(&self) -> Option<u64> {
        let mut len =
            known_fields_len(&self.report.scan)?.checked_add(self.report.scan.unknown_len)?;
        for sig in self.signatures.clone() {
            len = len.checked_add(field_len(signature_value_len(&sig)?)?)?;
        }
        Some(len)
    }

    /// Size of the encoded `CapabilityResponse`, in bytes.
    pub fn encoded_len(&self) -> Option<usize> {
        let (_, outer) = envelope_lens(self.report_len()?)?;
        usize::try_from(outer).ok()
    }

    /// Length of the payload's base64 text: what
    /// [`ReportPayload::write_base64_into`] needs.
    pub fn base64_len(&self) -> Option<usize> {
        self.encoded_len()?.div_ceil(3).checked_mul(4)
    }

    /// Streams the encoded `CapabilityResponse` (raw protobuf bytes).
    pub fn write(&self, out: &mut impl FnMut(&[u8])) -> Option<()> {
        let report_len = self.report_len()?;
        write_envelope(report_len, out)?;
        let r = &self.report;
        bytes_field(0x0A, r.config_digest(), out);
        if r.seq_nr() != 0 {
            out(&[0x10]);
            put_varint(r.seq_nr(), out);
        }
        bytes_field(0x1A, r.report_context(), out);
        bytes_field(0x22, r.raw_report(), out);
        for sig in self.signatures.clone() {
            out(&[SIGS_TAG]);
            put_varint(signature_value_len(&sig)?, out);
            bytes_field(0x0A, sig.signature, out);
            if sig.signer_id != 0 {
                out(&[0x10]);
                put_varint(u64::from(sig.signer_id), out);
            }
        }
        if r.scan.unknowns > 0 {
            write_unknowns(&mut Slice::new(r.bytes), out)?;
        }
        Some(())
    }

    /// Streams the payload's base64 text (padded standard alphabet) into
    /// `sink`; returns its length.
    pub fn write_base64(&self, sink: &mut impl FnMut(&[u8])) -> Option<usize> {
        let mut enc = Encoder::new(sink);
        let done = self.write(&mut |b| enc.put(b));
        let written = enc.finish();
        done?;
        usize::try_from(written).ok()
    }

    /// Writes the payload's base64 text into `out`; returns its length, or
    /// `None` when `out` is shorter than [`ReportPayload::base64_len`].
    pub fn write_base64_into(&self, out: &mut [u8]) -> Option<usize> {
        let need = self.base64_len()?;
        let dst = out.get_mut(..need)?;
        fill(dst, |sink| self.write_base64(&mut |c| sink(c)).map(drop))?;
        Some(need)
    }
}

/// A bytes field, left out when empty (proto3).
fn bytes_field(tag: u8, value: &[u8], out: &mut impl FnMut(&[u8])) {
    if value.is_empty() {
        return;
    }
    out(&[tag]);
    put_varint(value.len() as u64, out);
    out(value);
}
