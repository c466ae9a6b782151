//! A report handed out, read in place in the caller's work buffer: `R`,
//! the counted responses, the merged signatures and the payload.

use core::fmt;

use crate::proto::{AttributedSignature, Report, ReportPayload, Signatures};
use crate::trust::config::{SignerIndex, SignerSet};

use super::merge::Record;
use super::table::{quad, RECORD};

/// A report handed out: `R`, the counted responses' OCR signatures, the
/// merged signatures and the payload built from them, read in place in the
/// caller's work buffer ([`ReportHandOut::decode`](crate::ReportHandOut::decode)).
#[derive(Clone)]
pub struct HandedOutReport<'a, 'w> {
    pub(super) report: Report<'w>,
    pub(super) set: &'a SignerSet,
    /// (response, signer, start, end) a counted vote, in order.
    pub(super) counted: &'w [u8],
    pub(super) bundle: bool,
    pub(super) sigs: &'w [u8],
    pub(super) merged: &'w [u8],
}

/// One counted response of a handed-out report.
#[derive(Clone, Debug)]
pub struct CountedReport<'a, 'w> {
    /// The response's position in the bundle; `None` for a single
    /// response (as [`crate::VerifiedResponse::index`]).
    pub index: Option<usize>,
    /// The relay signer whose vote it carried.
    pub signer: &'a [u8; 32],
    /// The OCR signatures it carried, in its order.
    pub signatures: Signatures<'w>,
}

/// One merged OCR signature: a pair and how many counted responses carry
/// it. A pair with `carriers` ≥ F+1 is carried by an honest node.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MergedSignature<'w> {
    /// The oracle's index in the OCR configuration.
    pub signer_id: u32,
    /// The signature bytes (not verified here: the chain verifies them).
    pub signature: &'w [u8],
    /// Counted responses carrying this pair.
    pub carriers: u32,
}

/// The merged signatures, in §11's order ([`HandedOutReport::merged`]).
#[derive(Clone, Debug)]
pub struct MergedSignatures<'w> {
    records: &'w [u8],
    sigs: &'w [u8],
    next: usize,
}

impl<'w> Iterator for MergedSignatures<'w> {
    type Item = MergedSignature<'w>;

    fn next(&mut self) -> Option<Self::Item> {
        let r = Record::read(self.records, self.next)?;
        self.next += 1;
        Some(MergedSignature {
            signer_id: r.signer_id,
            signature: r.signature(self.sigs),
            carriers: r.aux,
        })
    }
}

/// The merged signatures as [`AttributedSignature`]s, for
/// [`ReportPayload`]: optionally only those with at least `min` carriers.
#[derive(Clone, Debug)]
pub struct MergedPairs<'w> {
    merged: MergedSignatures<'w>,
    min: u32,
}

impl<'w> Iterator for MergedPairs<'w> {
    type Item = AttributedSignature<'w>;

    fn next(&mut self) -> Option<Self::Item> {
        let min = self.min;
        self.merged
            .by_ref()
            .find(|m| m.carriers >= min)
            .map(|m| AttributedSignature {
                signer_id: m.signer_id,
                signature: m.signature,
            })
    }
}

impl<'a, 'w> HandedOutReport<'a, 'w> {
    /// The canonical report `R` the counted signers attested: fields 1–4
    /// and unknown fields, no OCR signatures.
    pub fn report(&self) -> Report<'w> {
        self.report
    }

    /// The counted responses: for each signer of the winning group, the
    /// response its vote was counted in, ascending by position.
    pub fn counted(&self) -> impl Iterator<Item = CountedReport<'a, 'w>> + '_ {
        (0..self.counted.len() / RECORD)
            .filter_map(|i| quad(self.counted, i))
            .map(|[response, signer, start, end]| CountedReport {
                index: self.bundle.then_some(response as usize),
                signer: SignerIndex::try_from(signer)
                    .ok()
                    .and_then(|s| self.set.key(s))
                    .unwrap_or(&[0; 32]),
                signatures: Signatures::over(
                    self.sigs
                        .get(start as usize..end as usize)
                        .unwrap_or_default(),
                ),
            })
    }

    /// The merged signatures, most carried first, then by `signer_id`.
    pub fn merged(&self) -> MergedSignatures<'w> {
        MergedSignatures {
            records: self.merged,
            sigs: self.sigs,
            next: 0,
        }
    }

    /// The merged pairs carried by at least `min` counted responses (`1`:
    /// all of them; F+1: only those an honest node carries), for
    /// [`ReportPayload`].
    pub fn merged_pairs(&self, min: u32) -> MergedPairs<'w> {
        MergedPairs {
            merged: self.merged(),
            min,
        }
    }

    /// The payload to hand out: `R` with every merged signature.
    pub fn payload(&self) -> ReportPayload<'w, MergedPairs<'w>> {
        ReportPayload::new(self.report, self.merged_pairs(1))
    }

    /// Length of the payload's base64 text.
    pub fn payload_len(&self) -> Option<usize> {
        self.payload().base64_len()
    }

    /// Writes the payload's base64 text into `out`; its length, or `None`
    /// when `out` is shorter than [`HandedOutReport::payload_len`].
    pub fn write_payload(&self, out: &mut [u8]) -> Option<usize> {
        self.payload().write_base64_into(out)
    }

    /// Streams the payload's base64 text into `sink`; its length.
    pub fn stream_payload(&self, sink: &mut impl FnMut(&[u8])) -> Option<usize> {
        self.payload().write_base64(sink)
    }
}

impl fmt::Debug for HandedOutReport<'_, '_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HandedOutReport")
            .field("counted", &(self.counted.len() / RECORD))
            .field("merged", &(self.merged.len() / RECORD))
            .finish_non_exhaustive()
    }
}
