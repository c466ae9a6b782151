//! Consensus reports as relay nodes return them (PROTOCOL.md §11).
//!
//! A capability whose answer is a consensus report returns the protobuf
//! `sdk.v1alpha.CapabilityResponse { payload: Any(ReportResponse) }`, base64
//! in the result's `payload`. Each relay node attaches the OCR signatures it
//! collected itself, so honest nodes send the same report with different
//! signature subsets in different orders. This module writes those payloads
//! (deterministic protobuf encoding, as Go's `proto.Marshal` does for these
//! messages) for tests and the simulator.

use std::string::String;
use std::vec::Vec;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use sha2::{Digest, Sha256};

/// The type URL a relay node writes for a `ReportResponse`.
pub const REPORT_TYPE_URL: &str = "type.googleapis.com/sdk.v1alpha.ReportResponse";

/// One OCR signature attributed to an oracle (`AttributedSignature`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OcrSignature {
    /// The oracle's index in the OCR committee.
    pub signer_id: u32,
    /// Its signature over the report (verified on chain, not here).
    pub signature: Vec<u8>,
}

/// A consensus report (`ReportResponse`) with every OCR signature the DON
/// collected; a node sends a subset of them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConsensusReport {
    /// `config_digest` (field 1).
    pub config_digest: Vec<u8>,
    /// `seq_nr` (field 2).
    pub seq_nr: u64,
    /// `report_context` (field 3).
    pub report_context: Vec<u8>,
    /// `raw_report` (field 4).
    pub raw_report: Vec<u8>,
    /// All OCR signatures (field 5); each node sends its own subset.
    pub ocr_signatures: Vec<OcrSignature>,
    /// Encoded fields this version does not know, appended after field 5
    /// (a newer sender's): part of what the group hash covers.
    pub unknown_fields: Vec<u8>,
}

impl ConsensusReport {
    /// A sample report with `signatures` OCR signatures, derived from `seed`.
    pub fn sample(seed: u64, signatures: u32) -> Self {
        let bytes = |label: &str, n: usize| -> Vec<u8> {
            let mut out = Vec::new();
            let mut block = 0u64;
            while out.len() < n {
                let mut h = Sha256::new();
                h.update(label.as_bytes());
                h.update(seed.to_be_bytes());
                h.update(block.to_be_bytes());
                out.extend_from_slice(&h.finalize());
                block += 1;
            }
            out.truncate(n);
            out
        };
        ConsensusReport {
            config_digest: bytes("digest", 32),
            seq_nr: 4242 + seed % 1000,
            report_context: bytes("context", 40),
            raw_report: std::format!("report: price={} feed=ETH/USD", 4_200_000_000 + seed)
                .into_bytes(),
            ocr_signatures: (0..signatures)
                .map(|i| OcrSignature {
                    signer_id: i,
                    signature: bytes(&std::format!("ocr {i}"), 65),
                })
                .collect(),
            unknown_fields: Vec::new(),
        }
    }

    /// The base64 payload carrying this report with `signatures` attached
    /// (in the order given).
    pub fn payload_with(&self, signatures: &[OcrSignature]) -> String {
        wrap(&self.report_bytes(signatures, &[]), &[], &[])
    }

    /// The payload a faulty node may send that still agrees on the report:
    /// `signatures` attached, and bytes outside the report — an earlier
    /// `raw_report` value `earlier_raw` (which protobuf's last-wins reading
    /// drops), an unknown field of the `Any` and one of the outer
    /// `CapabilityResponse`. Its §11 canonical form is the honest one.
    pub fn payload_with_outside_bytes(
        &self,
        signatures: &[OcrSignature],
        earlier_raw: &[u8],
    ) -> String {
        let mut earlier = Vec::new();
        message_field(&mut earlier, 4, earlier_raw);
        wrap(
            &self.report_bytes(signatures, &earlier),
            &varint_field(3, 7),
            &length_delimited_field(9, b"outside"),
        )
    }

    /// The encoded `ReportResponse`: `prefix` (fields a faulty node puts
    /// first), fields 1-4, `signatures`, unknown fields.
    fn report_bytes(&self, signatures: &[OcrSignature], prefix: &[u8]) -> Vec<u8> {
        let mut report = prefix.to_vec();
        bytes_field(&mut report, 1, &self.config_digest);
        if self.seq_nr != 0 {
            tag(&mut report, 2, 0);
            varint(&mut report, self.seq_nr);
        }
        bytes_field(&mut report, 3, &self.report_context);
        bytes_field(&mut report, 4, &self.raw_report);
        for s in signatures {
            let mut sig = Vec::new();
            bytes_field(&mut sig, 1, &s.signature);
            if s.signer_id != 0 {
                tag(&mut sig, 2, 0);
                varint(&mut sig, u64::from(s.signer_id));
            }
            message_field(&mut report, 5, &sig);
        }
        report.extend_from_slice(&self.unknown_fields);
        report
    }

    /// The payload without OCR signatures: the §11 canonical form, whose
    /// result hash is the group hash of every honest node's answer.
    pub fn canonical_payload(&self) -> String {
        self.payload_with(&[])
    }

    /// The payload node `node_key` sends: its own subset of the OCR
    /// signatures, in its own order (a pure function of the key).
    pub fn payload_of_node(&self, node_key: &[u8; 32]) -> String {
        self.payload_with(&self.own_signatures(node_key))
    }

    /// The OCR signatures node `node_key` attaches: its own subset, in its
    /// own order (a pure function of the key).
    pub fn own_signatures(&self, node_key: &[u8; 32]) -> Vec<OcrSignature> {
        let mut state = u64::from_be_bytes(
            Sha256::digest(node_key)
                .get(..8)
                .and_then(|b| b.try_into().ok())
                .unwrap_or([0; 8]),
        );
        let mut next = || {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            state >> 33
        };
        let mut chosen: Vec<OcrSignature> = self
            .ocr_signatures
            .iter()
            .filter(|_| next() % 3 != 0)
            .cloned()
            .collect();
        for i in (1..chosen.len()).rev() {
            let j = (next() % (i as u64 + 1)) as usize;
            chosen.swap(i, j);
        }
        chosen
    }
}

/// `CapabilityResponse{ payload = Any{ type_url, value = report, any_extra },
/// outer_extra }`, base64.
fn wrap(report: &[u8], any_extra: &[u8], outer_extra: &[u8]) -> String {
    let mut any = Vec::new();
    bytes_field(&mut any, 1, REPORT_TYPE_URL.as_bytes());
    bytes_field(&mut any, 2, report);
    any.extend_from_slice(any_extra);
    let mut response = Vec::new();
    message_field(&mut response, 1, &any);
    response.extend_from_slice(outer_extra);
    STANDARD.encode(response)
}

fn varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn tag(out: &mut Vec<u8>, field: u32, wire_type: u8) {
    varint(out, (u64::from(field) << 3) | u64::from(wire_type));
}

/// A length-delimited field, omitted when empty (proto3 `bytes`/`string`).
fn bytes_field(out: &mut Vec<u8>, field: u32, value: &[u8]) {
    if !value.is_empty() {
        message_field(out, field, value);
    }
}

/// A length-delimited field, always written (an embedded message).
fn message_field(out: &mut Vec<u8>, field: u32, value: &[u8]) {
    tag(out, field, 2);
    varint(out, value.len() as u64);
    out.extend_from_slice(value);
}

/// An unknown field `field` (varint wire type) with `value`, encoded as a
/// newer sender would append it.
pub fn unknown_varint_field(field: u32, value: u64) -> Vec<u8> {
    varint_field(field, value)
}

/// Field `field` of varint wire type with `value`, always written: for
/// tests that build report payloads field by field.
pub fn varint_field(field: u32, value: u64) -> Vec<u8> {
    let mut out = Vec::new();
    tag(&mut out, field, 0);
    varint(&mut out, value);
    out
}

/// Field `field`, length-delimited, with `value`, always written (even
/// when empty): for tests that build report payloads field by field.
pub fn length_delimited_field(field: u32, value: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    message_field(&mut out, field, value);
    out
}
