//! The protobuf wire format as protobuf-go reads it: varints, tags, and
//! skipping (or copying) a field's value, groups included.
//!
//! Every read is bounded by the input's limit (the end of the enclosing
//! message), so a length that runs past it is truncation, as in Go.

/// Largest field number a message accepts (protobuf-go `MaxValidNumber`).
pub(super) const MAX_FIELD: u64 = (1 << 29) - 1;

/// Largest field number inside a group: protobuf-go checks group contents
/// with `protowire.ConsumeTag`, which only refuses what overflows an `int32`.
const MAX_GROUP_FIELD: u64 = i32::MAX as u64;

/// How deeply groups may nest. protobuf-go allows 10,001 levels; a fixed
/// stack here holds 64 (256 bytes). Honest reports hold no group at all,
/// so a deeper one only means "no rewrite" for a response no honest node sent.
pub(super) const MAX_GROUP_DEPTH: usize = 64;

pub(super) const VARINT: u8 = 0;
pub(super) const BYTES: u8 = 2;

/// A bounded forward reader of decoded bytes.
pub(super) trait Input {
    /// Offset of the next byte.
    fn pos(&self) -> u64;
    /// End of the current message: reads stop there.
    fn limit(&self) -> u64;
    fn set_limit(&mut self, limit: u64);
    /// Whether a byte is left before the limit; `None` if the input is broken.
    fn more(&mut self) -> Option<bool>;
    /// The next byte; `None` at the limit, at the end, or on a broken input.
    fn byte(&mut self) -> Option<u8>;
    /// Consumes `n` bytes, handing them to `out`; `None` if they are not all
    /// there before the limit.
    fn take(&mut self, n: u64, out: &mut dyn FnMut(&[u8])) -> Option<()>;
}

/// A sink that keeps nothing.
pub(super) fn discard(_: &[u8]) {}

/// A varint of up to 10 bytes, overlong forms accepted; a 10th byte above 1
/// overflows. Every byte read goes to `out`.
#[inline(never)]
pub(super) fn varint<I: Input>(input: &mut I, out: &mut dyn FnMut(&[u8])) -> Option<u64> {
    let mut value = 0u64;
    for k in 0..10u32 {
        let b = input.byte()?;
        out(&[b]);
        if k == 9 && b > 1 {
            return None;
        }
        value |= u64::from(b & 0x7F) << (7 * k);
        if b < 0x80 {
            return Some(value);
        }
    }
    None
}

/// A field's tag at message level: field number in 1 ..= 2^29-1.
pub(super) fn field_tag<I: Input>(input: &mut I) -> Option<(u32, u8)> {
    let tag = varint(input, &mut discard)?;
    let number = tag >> 3;
    if number == 0 || number > MAX_FIELD {
        return None;
    }
    Some((u32::try_from(number).ok()?, (tag & 7) as u8))
}

/// Bytes of `value` as a minimal varint.
pub(super) fn varint_len(value: u64) -> u64 {
    // In `u32` (at most 64 bits): 64-bit arithmetic costs flash at each of
    // its inlined uses on 32-bit targets.
    let bits = 64 - value.leading_zeros();
    u64::from(bits.saturating_sub(1) / 7 + 1)
}

/// `value` as a minimal varint, into `out`.
pub(super) fn put_varint(value: u64, out: &mut impl FnMut(&[u8])) {
    let mut buf = [0u8; 10];
    let mut n = 0;
    let mut v = value;
    loop {
        let low = (v & 0x7F) as u8;
        v >>= 7;
        if let Some(slot) = buf.get_mut(n) {
            *slot = if v == 0 { low } else { low | 0x80 };
        }
        n += 1;
        if v == 0 {
            break;
        }
    }
    out(buf.get(..n).unwrap_or_default());
}

/// The tag of field `number` with wire type `wire`, unencoded.
pub(super) fn tag_value(number: u32, wire: u8) -> u64 {
    (u64::from(number) << 3) | u64::from(wire & 7)
}

/// Consumes the value of a field whose tag was just read, handing every
/// byte to `out` (a group's run through its end-group tag). Fails on wire
/// types 4 (an end-group tag with no group open), 6 and 7, truncation,
/// overflow, and groups that do not close as they opened.
pub(super) fn skip_value<I: Input>(
    input: &mut I,
    number: u32,
    wire: u8,
    out: &mut dyn FnMut(&[u8]),
) -> Option<()> {
    match wire {
        3 => group(input, number, out),
        _ => scalar(input, wire, out),
    }
}

fn scalar<I: Input>(input: &mut I, wire: u8, out: &mut dyn FnMut(&[u8])) -> Option<()> {
    match wire {
        VARINT => varint(input, out).map(drop),
        1 => input.take(8, out),
        BYTES => {
            let n = varint(input, out)?;
            input.take(n, out)
        }
        5 => input.take(4, out),
        _ => None,
    }
}

/// A group's contents and its end tag, with start and end matched on a
/// fixed stack instead of by recursion.
fn group<I: Input>(input: &mut I, number: u32, out: &mut dyn FnMut(&[u8])) -> Option<()> {
    let mut open = [0u32; MAX_GROUP_DEPTH];
    *open.first_mut()? = number;
    let mut depth = 1usize;
    loop {
        let tag = varint(input, out)?;
        let inner = tag >> 3;
        if inner == 0 || inner > MAX_GROUP_FIELD {
            return None;
        }
        let inner = u32::try_from(inner).ok()?;
        match (tag & 7) as u8 {
            4 => {
                if open.get(depth.checked_sub(1)?) != Some(&inner) {
                    return None;
                }
                depth -= 1;
                if depth == 0 {
                    return Some(());
                }
            }
            3 => {
                *open.get_mut(depth)? = inner;
                depth += 1;
            }
            wire => scalar(input, wire, out)?,
        }
    }
}

/// Runs `read` over the next `len` bytes as a message of their own: the
/// limit narrows to them, and `read` must end exactly at their end.
pub(super) fn within<I: Input, T>(
    input: &mut I,
    len: u64,
    read: impl FnOnce(&mut I) -> Option<T>,
) -> Option<T> {
    let end = input.pos().checked_add(len)?;
    let outer = input.limit();
    if end > outer {
        return None;
    }
    input.set_limit(end);
    let result = read(input);
    input.set_limit(outer);
    let result = result?;
    (input.pos() == end).then_some(result)
}

/// A contiguous, already decoded message.
#[derive(Clone)]
pub(super) struct Slice<'b> {
    bytes: &'b [u8],
    pos: usize,
    limit: usize,
}

impl<'b> Slice<'b> {
    pub(super) fn new(bytes: &'b [u8]) -> Self {
        Slice {
            bytes,
            pos: 0,
            limit: bytes.len(),
        }
    }
}

impl Input for Slice<'_> {
    fn pos(&self) -> u64 {
        self.pos as u64
    }

    fn limit(&self) -> u64 {
        self.limit as u64
    }

    fn set_limit(&mut self, limit: u64) {
        self.limit = usize::try_from(limit)
            .unwrap_or(usize::MAX)
            .min(self.bytes.len());
    }

    fn more(&mut self) -> Option<bool> {
        Some(self.pos < self.limit)
    }

    fn byte(&mut self) -> Option<u8> {
        if self.pos >= self.limit {
            return None;
        }
        let b = *self.bytes.get(self.pos)?;
        self.pos += 1;
        Some(b)
    }

    fn take(&mut self, n: u64, out: &mut dyn FnMut(&[u8])) -> Option<()> {
        let end = self.pos.checked_add(usize::try_from(n).ok()?)?;
        if end > self.limit {
            return None;
        }
        out(self.bytes.get(self.pos..end)?);
        self.pos = end;
        Some(())
    }
}
