//! A typed view of a decoded report (`ReportResponse`): its fields and OCR
//! signatures, read in place from a caller's buffer.

use super::message::{self, ReportScan, Span};
use super::wire::{discard, field_tag, skip_value, varint, within, Input, Slice, BYTES};

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
    pub(super) bytes: &'b [u8],
    pub(super) scan: ReportScan,
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
