//! PROTOCOL.md §11 written a second time, as the oracle of the `report`
//! target and of tests/report_groups.rs: the whole payload decoded into a
//! `Vec`, fields collected into lists, groups matched by recursion, the
//! canonical form built in memory. Deliberately naive; it shares no code
//! with the library (only `std` and the `base64` crate's encoder).

use std::ops::Range;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;

/// The message name an Any must carry.
pub const REPORT_NAME: &str = "sdk.v1alpha.ReportResponse";
/// The canonical form's type URL.
pub const TYPE_URL: &str = "type.googleapis.com/sdk.v1alpha.ReportResponse";
/// The library's documented group nesting limit (protobuf-go's is 10,001).
pub const MAX_GROUP_DEPTH: usize = 64;

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Go's `StdEncoding.DecodeString`: CR and LF dropped first, then quanta of
/// four; `=` only as `xx==` or `xxx=` in the last one; unused bits ignored.
pub fn go_base64(text: &[u8]) -> Option<Vec<u8>> {
    let digits: Vec<u8> = text
        .iter()
        .copied()
        .filter(|&c| c != b'\r' && c != b'\n')
        .collect();
    if !digits.len().is_multiple_of(4) {
        return None;
    }
    let mut out = Vec::new();
    let quanta = digits.len() / 4;
    for (q, quad) in digits.chunks(4).enumerate() {
        let last = q + 1 == quanta;
        let pads = quad.iter().rev().take_while(|&&c| c == b'=').count();
        if pads > 2 || (pads > 0 && !last) {
            return None;
        }
        let mut bits = 0u32;
        for &c in &quad[..4 - pads] {
            let v = ALPHABET.iter().position(|&a| a == c)? as u32;
            bits = bits << 6 | v;
        }
        bits <<= 6 * pads as u32;
        let bytes = bits.to_be_bytes();
        out.extend_from_slice(&bytes[1..4 - pads]);
    }
    Some(out)
}

/// One field of a message, as it stood on the wire.
#[derive(Clone, Debug)]
pub struct Field {
    pub number: u64,
    pub wire: u8,
    /// The whole field, tag included.
    pub whole: Range<usize>,
    /// The value as it came (after the tag; a group through its end tag).
    pub value: Range<usize>,
    /// A varint's value.
    pub int: u64,
    /// A length-delimited field's contents.
    pub contents: Range<usize>,
}

fn varint(b: &[u8], at: &mut usize) -> Option<u64> {
    let mut v = 0u64;
    for k in 0..10 {
        let byte = *b.get(*at)?;
        *at += 1;
        if k == 9 && byte > 1 {
            return None;
        }
        v |= u64::from(byte & 0x7F) << (7 * k);
        if byte < 0x80 {
            return Some(v);
        }
    }
    None
}

fn skip(b: &[u8], at: &mut usize, n: u64) -> Option<Range<usize>> {
    let start = *at;
    let end = start.checked_add(usize::try_from(n).ok()?)?;
    if end > b.len() {
        return None;
    }
    *at = end;
    Some(start..end)
}

/// A scalar value of wire type 0, 1, 2 or 5: (varint, contents).
fn scalar(b: &[u8], at: &mut usize, wire: u8) -> Option<(u64, Range<usize>)> {
    match wire {
        0 => Some((varint(b, at)?, 0..0)),
        1 => Some((0, skip(b, at, 8)?)),
        2 => {
            let n = varint(b, at)?;
            Some((0, skip(b, at, n)?))
        }
        5 => Some((0, skip(b, at, 4)?)),
        _ => None,
    }
}

/// A group's contents through its end tag, nested groups by recursion.
fn group(b: &[u8], at: &mut usize, number: u64, depth: usize) -> Option<()> {
    loop {
        let tag = varint(b, at)?;
        let inner = tag >> 3;
        if inner == 0 || inner > i32::MAX as u64 {
            return None;
        }
        match (tag & 7) as u8 {
            4 if inner == number => return Some(()),
            4 => return None,
            3 if depth < MAX_GROUP_DEPTH => group(b, at, inner, depth + 1)?,
            3 => return None,
            wire => {
                scalar(b, at, wire)?;
            }
        }
    }
}

/// Every field of a message, or `None` if it does not decode.
pub fn fields(b: &[u8]) -> Option<Vec<Field>> {
    let mut out = Vec::new();
    let mut at = 0;
    while at < b.len() {
        let start = at;
        let tag = varint(b, &mut at)?;
        let number = tag >> 3;
        if number == 0 || number > (1 << 29) - 1 {
            return None;
        }
        let wire = (tag & 7) as u8;
        let value_start = at;
        let (int, contents) = match wire {
            3 => {
                group(b, &mut at, number, 1)?;
                (0, 0..0)
            }
            _ => scalar(b, &mut at, wire)?,
        };
        out.push(Field {
            number,
            wire,
            whole: start..at,
            value: value_start..at,
            int,
            contents,
        });
    }
    Some(out)
}

/// A decoded `ReportResponse`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RefReport {
    pub config_digest: Vec<u8>,
    pub seq_nr: u64,
    pub report_context: Vec<u8>,
    pub raw_report: Vec<u8>,
    /// (signer_id, signature), in wire order.
    pub sigs: Vec<(u32, Vec<u8>)>,
    /// Unknown fields in canonical form: minimal tag, value as it came.
    pub unknown: Vec<u8>,
    /// The encoded message (the Any's value).
    pub bytes: Vec<u8>,
    /// Where each `sigs` field stands in `bytes`, tag included.
    pub sig_fields: Vec<Range<usize>>,
}

fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push(v as u8 | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn put_bytes(out: &mut Vec<u8>, tag: u8, bytes: &[u8]) {
    out.push(tag);
    put_varint(out, bytes.len() as u64);
    out.extend_from_slice(bytes);
}

fn report(bytes: &[u8]) -> Option<RefReport> {
    let mut r = RefReport {
        bytes: bytes.to_vec(),
        ..RefReport::default()
    };
    for f in fields(bytes)? {
        let contents = bytes[f.contents.clone()].to_vec();
        match (f.number, f.wire) {
            (1, 2) => r.config_digest = contents,
            (2, 0) => r.seq_nr = f.int,
            (3, 2) => r.report_context = contents,
            (4, 2) => r.raw_report = contents,
            (5, 2) => {
                let mut signer = 0u32;
                let mut signature = Vec::new();
                for g in fields(&contents)? {
                    match (g.number, g.wire) {
                        (1, 2) => signature = contents[g.contents].to_vec(),
                        (2, 0) => signer = g.int as u32,
                        _ => {}
                    }
                }
                r.sigs.push((signer, signature));
                r.sig_fields.push(f.whole);
            }
            _ => {
                put_varint(&mut r.unknown, f.number << 3 | u64::from(f.wire));
                r.unknown.extend_from_slice(&bytes[f.value]);
            }
        }
    }
    Some(r)
}

/// The report a decoded payload carries, if the §11 rewrite applies.
pub fn decode_payload(payload: &[u8]) -> Option<RefReport> {
    // The oneof: the fields of every `payload` member since the last
    // `error` member (or the start); `None` = no member or `error`.
    let mut any_fields: Option<Vec<(u64, u8, Vec<u8>)>> = None;
    for f in fields(payload)? {
        let contents = &payload[f.contents.clone()];
        match (f.number, f.wire) {
            (1, 2) => {
                let mut merged = any_fields.take().unwrap_or_default();
                for g in fields(contents)? {
                    let c = contents[g.contents.clone()].to_vec();
                    if (g.number, g.wire) == (1, 2) {
                        std::str::from_utf8(&c).ok()?;
                    }
                    merged.push((g.number, g.wire, c));
                }
                any_fields = Some(merged);
            }
            (2, 2) => {
                std::str::from_utf8(contents).ok()?;
                any_fields = None;
            }
            _ => {}
        }
    }
    let any = any_fields?;
    let last = |n: u64| {
        any.iter()
            .rev()
            .find(|(num, wire, _)| *num == n && *wire == 2)
            .map(|(_, _, c)| c.clone())
            .unwrap_or_default()
    };
    let url = String::from_utf8(last(1)).ok()?;
    if !(url == REPORT_NAME || url.ends_with(&format!("/{REPORT_NAME}"))) {
        return None;
    }
    report(&last(2))
}

/// The canonical `CapabilityResponse` of a report.
pub fn canonical_bytes(r: &RefReport) -> Vec<u8> {
    payload_bytes(r, &[])
}

/// The `CapabilityResponse` PROTOCOL.md §11 hands out for a report with
/// the signatures `sigs`: fields 1–4, then `sigs` in the order given as
/// field 5 (zero fields left out), then the unknown fields.
pub fn payload_bytes(r: &RefReport, sigs: &[(u32, Vec<u8>)]) -> Vec<u8> {
    let mut body = Vec::new();
    if !r.config_digest.is_empty() {
        put_bytes(&mut body, 0x0A, &r.config_digest);
    }
    if r.seq_nr != 0 {
        body.push(0x10);
        put_varint(&mut body, r.seq_nr);
    }
    if !r.report_context.is_empty() {
        put_bytes(&mut body, 0x1A, &r.report_context);
    }
    if !r.raw_report.is_empty() {
        put_bytes(&mut body, 0x22, &r.raw_report);
    }
    for (signer_id, signature) in sigs {
        let mut entry = Vec::new();
        if !signature.is_empty() {
            put_bytes(&mut entry, 0x0A, signature);
        }
        if *signer_id != 0 {
            entry.push(0x10);
            put_varint(&mut entry, u64::from(*signer_id));
        }
        put_bytes(&mut body, 0x2A, &entry);
    }
    body.extend_from_slice(&r.unknown);
    let mut any = Vec::new();
    put_bytes(&mut any, 0x0A, TYPE_URL.as_bytes());
    if !body.is_empty() {
        put_bytes(&mut any, 0x12, &body);
    }
    let mut outer = Vec::new();
    put_bytes(&mut outer, 0x0A, &any);
    outer
}

/// The canonical payload text of a payload text, or `None` (no rewrite).
pub fn canonical_payload(text: &[u8]) -> Option<String> {
    let r = decode_payload(&go_base64(text)?)?;
    Some(STANDARD.encode(canonical_bytes(&r)))
}

/// §11's merge of the counted responses' OCR signatures (one list per
/// counted response): every distinct pair with the number of lists that
/// carry it; per `signer_id` the pair carried most, then the bytewise
/// smallest; most carried first, then by `signer_id`.
pub fn merge(counted: &[Vec<(u32, Vec<u8>)>]) -> Vec<(u32, Vec<u8>, u32)> {
    let mut carriers: std::collections::BTreeMap<(u32, Vec<u8>), u32> = Default::default();
    for list in counted {
        let distinct: std::collections::BTreeSet<&(u32, Vec<u8>)> = list.iter().collect();
        for pair in distinct {
            *carriers.entry(pair.clone()).or_default() += 1;
        }
    }
    let mut best: std::collections::BTreeMap<u32, (Vec<u8>, u32)> = Default::default();
    for ((id, sig), n) in carriers {
        match best.get(&id) {
            // Pairs come in signature order: an equal count keeps the smaller.
            Some((_, m)) if *m >= n => {}
            _ => {
                best.insert(id, (sig, n));
            }
        }
    }
    let mut out: Vec<(u32, Vec<u8>, u32)> = best
        .into_iter()
        .map(|(id, (sig, n))| (id, sig, n))
        .collect();
    out.sort_by(|a, b| b.2.cmp(&a.2).then(a.0.cmp(&b.0)));
    out
}

/// A payload carrying `report` as its Any's value (the canonical shell).
pub fn payload_with(report: &[u8]) -> String {
    let mut any = Vec::new();
    put_bytes(&mut any, 0x0A, TYPE_URL.as_bytes());
    put_bytes(&mut any, 0x12, report);
    let mut outer = Vec::new();
    put_bytes(&mut outer, 0x0A, &any);
    STANDARD.encode(outer)
}
