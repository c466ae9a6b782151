//! The four messages of PROTOCOL.md §11, read with protobuf-go's rules:
//! last value wins, an embedded message seen twice is merged, the oneof
//! keeps its last member, a known field with another wire type is unknown.
//!
//! Reading records where things are (decoded offsets), never the bytes.

use super::wire::{
    discard, field_tag, skip_value, tag_value, varint, varint_len, within, Input, BYTES, VARINT,
};

/// A run of decoded bytes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) struct Span {
    pub start: u64,
    pub len: u64,
}

impl Span {
    pub fn end(&self) -> u64 {
        self.start.saturating_add(self.len)
    }
}

/// A `ReportResponse` that decoded: where its fields' last values stand.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct ReportScan {
    /// The whole message (the Any's `value`).
    pub whole: Span,
    pub config_digest: Span,
    pub seq_nr: u64,
    pub report_context: Span,
    pub raw_report: Span,
    /// Unknown fields: how many, and their canonical size (minimal tags
    /// plus values as they came).
    pub unknowns: u64,
    pub unknown_len: u64,
    /// `sigs` entries, and their size re-encoded with minimal tags and
    /// lengths (what [`write_signatures`] writes).
    pub sigs: u64,
    pub sigs_len: u64,
}

/// What the `value` of the current Any holds.
#[derive(Clone, Copy, Debug)]
pub(super) enum Value {
    /// Never set: the empty `ReportResponse`.
    Absent,
    Report(ReportScan),
    /// Not a `ReportResponse`.
    Invalid,
}

/// The member of `CapabilityResponse.response` after the whole payload.
#[derive(Clone, Copy, Debug)]
pub(super) enum Member {
    None,
    Error,
    /// `payload`: whether the Any's `type_url` names `ReportResponse`, and
    /// its value.
    Payload {
        named: bool,
        value: Value,
    },
}

/// `ReportResponse` fields 1–5 with their declared wire types; anything
/// else (another number, or one of these with another wire type) is an
/// unknown field.
fn is_known_report_field(number: u32, wire: u8) -> bool {
    matches!((number, wire), (1 | 3 | 4 | 5, BYTES) | (2, VARINT))
}

/// Reads a whole `CapabilityResponse` (to the end of the input).
pub(super) fn scan_capability<I: Input>(input: &mut I) -> Option<Member> {
    let mut member = Member::None;
    while input.more()? {
        let (number, wire) = field_tag(input)?;
        match (number, wire) {
            (1, BYTES) => {
                // The same member again merges into its Any; after `error`
                // (or nothing) the Any starts empty.
                let (mut named, mut value) = match member {
                    Member::Payload { named, value } => (named, value),
                    _ => (false, Value::Absent),
                };
                let len = varint(input, &mut discard)?;
                within(input, len, |i| scan_any(i, &mut named, &mut value))?;
                member = Member::Payload { named, value };
            }
            (2, BYTES) => {
                let len = varint(input, &mut discard)?;
                let mut utf8 = Utf8::default();
                input.take(len, &mut |c| utf8.feed(c))?;
                if !utf8.is_complete() {
                    return None;
                }
                member = Member::Error;
            }
            _ => skip_value(input, number, wire, &mut discard)?,
        }
    }
    Some(member)
}

/// Reads one occurrence of `google.protobuf.Any`, merging into `named` and
/// `value`. Every `value` is read as a `ReportResponse` when it comes (the
/// type URL may follow it, or a later occurrence may replace it), so each
/// byte is read once.
fn scan_any<I: Input>(input: &mut I, named: &mut bool, value: &mut Value) -> Option<()> {
    while input.more()? {
        let (number, wire) = field_tag(input)?;
        match (number, wire) {
            (1, BYTES) => {
                let len = varint(input, &mut discard)?;
                let mut utf8 = Utf8::default();
                let mut name = NameTail::default();
                input.take(len, &mut |c| {
                    utf8.feed(c);
                    name.feed(c);
                })?;
                if !utf8.is_complete() {
                    return None;
                }
                *named = name.names_report();
            }
            (2, BYTES) => {
                let len = varint(input, &mut discard)?;
                let end = input.pos().checked_add(len)?;
                *value = match within(input, len, scan_report) {
                    Some(report) => Value::Report(report),
                    None => {
                        // Not a report: the bytes are still the Any's value.
                        let left = end.checked_sub(input.pos())?;
                        input.take(left, &mut discard)?;
                        Value::Invalid
                    }
                };
            }
            _ => skip_value(input, number, wire, &mut discard)?,
        }
    }
    Some(())
}

/// Reads a `ReportResponse` filling the input to its limit.
pub(super) fn scan_report<I: Input>(input: &mut I) -> Option<ReportScan> {
    let start = input.pos();
    let mut scan = ReportScan {
        whole: Span {
            start,
            len: input.limit().checked_sub(start)?,
        },
        ..ReportScan::default()
    };
    while input.more()? {
        let (number, wire) = field_tag(input)?;
        if !is_known_report_field(number, wire) {
            let at = input.pos();
            skip_value(input, number, wire, &mut discard)?;
            let size = varint_len(tag_value(number, wire)).checked_add(input.pos() - at)?;
            scan.unknown_len = scan.unknown_len.checked_add(size)?;
            scan.unknowns += 1;
            continue;
        }
        match number {
            1 => scan.config_digest = bytes_field(input)?,
            2 => scan.seq_nr = varint(input, &mut discard)?,
            3 => scan.report_context = bytes_field(input)?,
            4 => scan.raw_report = bytes_field(input)?,
            _ => {
                let len = varint(input, &mut discard)?;
                within(input, len, signature_fields)?;
                scan.sigs += 1;
                let size = 1u64.checked_add(varint_len(len))?.checked_add(len)?;
                scan.sigs_len = scan.sigs_len.checked_add(size)?;
            }
        }
    }
    Some(scan)
}

/// A length-delimited field's value, consumed.
fn bytes_field<I: Input>(input: &mut I) -> Option<Span> {
    let len = varint(input, &mut discard)?;
    let start = input.pos();
    input.take(len, &mut discard)?;
    Some(Span { start, len })
}

/// Reads an `AttributedSignature` filling the input to its limit: the
/// last `signature` and the last `signer_id` (as Go's `uint32` conversion
/// leaves it).
pub(super) fn signature_fields<I: Input>(input: &mut I) -> Option<(Span, u32)> {
    let mut signature = Span::default();
    let mut signer = 0u32;
    while input.more()? {
        match field_tag(input)? {
            (1, BYTES) => signature = bytes_field(input)?,
            (2, VARINT) => signer = varint(input, &mut discard)? as u32,
            (number, wire) => skip_value(input, number, wire, &mut discard)?,
        }
    }
    Some((signature, signer))
}

/// Re-reads a `ReportResponse` (already scanned) and writes its unknown
/// fields, in order, each as a minimal tag and its value as it came.
pub(super) fn write_unknowns<I: Input>(input: &mut I, out: &mut impl FnMut(&[u8])) -> Option<()> {
    while input.more()? {
        let (number, wire) = field_tag(input)?;
        if is_known_report_field(number, wire) {
            skip_value(input, number, wire, &mut discard)?;
        } else {
            super::wire::put_varint(tag_value(number, wire), out);
            skip_value(input, number, wire, out)?;
        }
    }
    Some(())
}

/// Re-reads a `ReportResponse` (already scanned) and writes its `sigs`
/// entries, in order, each as a minimal tag and length and its value as it
/// came: what one node carried, for the §11 hand-out.
pub(super) fn write_signatures<I: Input>(input: &mut I, out: &mut impl FnMut(&[u8])) -> Option<()> {
    while input.more()? {
        match field_tag(input)? {
            (5, BYTES) => {
                let len = varint(input, &mut discard)?;
                out(&[SIGS_TAG]);
                super::wire::put_varint(len, out);
                input.take(len, &mut |c| out(c))?;
            }
            (number, wire) => skip_value(input, number, wire, &mut discard)?,
        }
    }
    Some(())
}

/// The minimal tag of `ReportResponse.sigs` (field 5, length-delimited).
pub(super) const SIGS_TAG: u8 = 0x2A;

/// Streaming UTF-8 validation (what Go's proto3 `string` decoding checks):
/// no overlong forms, no surrogates, nothing above U+10FFFF.
#[derive(Default)]
struct Utf8 {
    /// Continuation bytes still expected.
    need: u8,
    /// Range the next continuation byte must fall in.
    lo: u8,
    hi: u8,
    bad: bool,
}

impl Utf8 {
    fn feed(&mut self, chunk: &[u8]) {
        for &b in chunk {
            self.push(b);
        }
    }

    fn push(&mut self, b: u8) {
        if self.need > 0 {
            if b < self.lo || b > self.hi {
                self.bad = true;
            }
            self.need -= 1;
            self.lo = 0x80;
            self.hi = 0xBF;
            return;
        }
        let (need, lo, hi) = match b {
            0x00..=0x7F => (0, 0x80, 0xBF),
            0xC2..=0xDF => (1, 0x80, 0xBF),
            0xE0 => (2, 0xA0, 0xBF),
            0xE1..=0xEC | 0xEE..=0xEF => (2, 0x80, 0xBF),
            0xED => (2, 0x80, 0x9F),
            0xF0 => (3, 0x90, 0xBF),
            0xF1..=0xF3 => (3, 0x80, 0xBF),
            0xF4 => (3, 0x80, 0x8F),
            _ => {
                self.bad = true;
                (0, 0x80, 0xBF)
            }
        };
        self.need = need;
        self.lo = lo;
        self.hi = hi;
    }

    fn is_complete(&self) -> bool {
        !self.bad && self.need == 0
    }
}

/// The message name an Any must carry (anypb `MessageIs`).
pub(super) const REPORT_NAME: &[u8] = b"sdk.v1alpha.ReportResponse";
const TAIL: usize = REPORT_NAME.len() + 1;

/// The last bytes of a type URL, enough to tell whether it names
/// `ReportResponse`: equal to the name, or ending in `/` and the name.
#[derive(Default)]
struct NameTail {
    ring: [u8; TAIL],
    seen: u64,
    /// Where the next byte goes in `ring`: positions are kept in `usize`,
    /// as a 64-bit remainder costs a kilobyte of flash on 32-bit targets.
    next: usize,
}

impl NameTail {
    fn feed(&mut self, chunk: &[u8]) {
        for &b in chunk {
            if let Some(slot) = self.ring.get_mut(self.next) {
                *slot = b;
            }
            self.next = if self.next + 1 == TAIL {
                0
            } else {
                self.next + 1
            };
            self.seen += 1;
        }
    }

    /// Whether the bytes seen end with the name, preceded by `/` if `slash`.
    fn ends_with_name(&self, slash: bool) -> bool {
        let k = REPORT_NAME.len() + usize::from(slash);
        if self.seen < k as u64 {
            return false;
        }
        // k <= TAIL: the last k bytes are all still in the ring.
        let first = self.next + TAIL - k;
        (0..k).all(|i| {
            let want = match i.checked_sub(usize::from(slash)) {
                Some(j) => REPORT_NAME.get(j),
                None => Some(&b'/'),
            };
            self.ring.get((first + i) % TAIL) == want
        })
    }

    fn names_report(&self) -> bool {
        self.ends_with_name(self.seen != REPORT_NAME.len() as u64)
    }
}
