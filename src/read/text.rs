//! Zero-copy string values: JSON text decoded on the fly, never copied whole.
//!
//! A [`Text`] is either a plain Rust string or the raw content of a JSON
//! string that the lexer has already validated. Decoding streams out in
//! chunks (a raw run, or the few bytes of one escape), which is what lets a
//! 1 MiB payload go into SHA-256 without a buffer.

use core::cmp::Ordering;
use core::fmt;

/// A string value borrowed from its source, decoded lazily.
#[derive(Clone, Copy)]
pub struct Text<'a> {
    raw: &'a [u8],
    /// The raw bytes hold JSON escapes to resolve.
    escaped: bool,
}

impl<'a> Text<'a> {
    /// A string given in code: taken as is.
    pub const fn new(s: &'a str) -> Self {
        Text {
            raw: s.as_bytes(),
            escaped: false,
        }
    }

    /// The content of a JSON string the lexer has validated.
    pub(crate) fn from_json(raw: &'a [u8], escaped: bool) -> Self {
        Text { raw, escaped }
    }

    /// The decoded string as one borrowed `&str`, when no escape needs
    /// resolving (the common case).
    pub fn as_str(&self) -> Option<&'a str> {
        if self.escaped {
            None
        } else {
            core::str::from_utf8(self.raw).ok()
        }
    }

    /// The text as it stood in the JSON source (escapes unresolved).
    pub fn raw(&self) -> &'a [u8] {
        self.raw
    }

    /// Whether the raw text holds escapes (else raw and decoded agree).
    pub(crate) fn is_escaped(&self) -> bool {
        self.escaped
    }

    /// Length in bytes of the decoded UTF-8 string.
    pub fn len(&self) -> usize {
        if !self.escaped {
            return self.raw.len();
        }
        let mut n = 0usize;
        self.for_each_chunk(|c| n = n.saturating_add(c.len()));
        n
    }

    /// Whether the decoded string is empty.
    pub fn is_empty(&self) -> bool {
        self.raw.is_empty()
    }

    /// Feeds the decoded bytes to `sink`, in order, in as few pieces as the
    /// escapes allow.
    pub fn for_each_chunk(&self, mut sink: impl FnMut(&[u8])) {
        if !self.escaped {
            sink(self.raw);
            return;
        }
        let mut rest = self.raw;
        while !rest.is_empty() {
            let run = rest.iter().position(|&b| b == b'\\').unwrap_or(rest.len());
            let (plain, tail) = rest.split_at(run);
            if !plain.is_empty() {
                sink(plain);
            }
            if tail.is_empty() {
                break;
            }
            let (decoded, used) = decode_escape(tail);
            sink(decoded.as_slice());
            rest = tail.get(used..).unwrap_or_default();
        }
    }

    /// The decoded bytes one at a time.
    pub fn bytes(&self) -> DecodedBytes<'a> {
        DecodedBytes {
            rest: self.raw,
            escaped: self.escaped,
            pending: Utf8Buf::EMPTY,
            next: 0,
        }
    }

    /// Bytewise comparison of the decoded strings (Go's `<` on strings).
    pub fn cmp_decoded(&self, other: &Text<'_>) -> Ordering {
        if !self.escaped && !other.escaped {
            return self.raw.cmp(other.raw);
        }
        self.bytes().cmp(other.bytes())
    }

    /// Whether the decoded strings are equal.
    pub fn eq_decoded(&self, other: &Text<'_>) -> bool {
        if !self.escaped && !other.escaped {
            // Lengths first: most keys differ from a known key in length.
            return self.raw == other.raw;
        }
        self.cmp_decoded(other) == Ordering::Equal
    }

    /// Copies the decoded string into `out`; `None` if it does not fit.
    pub fn decode_into<'o>(&self, out: &'o mut [u8]) -> Option<&'o [u8]> {
        let mut n = 0usize;
        let mut fits = true;
        self.for_each_chunk(|c| {
            let end = n.saturating_add(c.len());
            match out.get_mut(n..end) {
                Some(dst) if fits => {
                    dst.copy_from_slice(c);
                    n = end;
                }
                _ => fits = false,
            }
        });
        if fits {
            out.get(..n)
        } else {
            None
        }
    }
}

impl Default for Text<'_> {
    fn default() -> Self {
        Text::new("")
    }
}

impl<'a> From<&'a str> for Text<'a> {
    fn from(s: &'a str) -> Self {
        Text::new(s)
    }
}

impl PartialEq for Text<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.eq_decoded(other)
    }
}

impl Eq for Text<'_> {}

impl PartialEq<str> for Text<'_> {
    fn eq(&self, other: &str) -> bool {
        self.eq_decoded(&Text::new(other))
    }
}

impl PartialEq<&str> for Text<'_> {
    fn eq(&self, other: &&str) -> bool {
        self.eq_decoded(&Text::new(other))
    }
}

impl fmt::Debug for Text<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("\"")?;
        fmt::Display::fmt(self, f)?;
        f.write_str("\"")
    }
}

/// Writes the decoded string (it is valid UTF-8 by construction).
impl fmt::Display for Text<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut result = Ok(());
        self.for_each_chunk(|c| {
            if result.is_ok() {
                result = match core::str::from_utf8(c) {
                    Ok(s) => f.write_str(s),
                    Err(_) => f.write_str("\u{FFFD}"),
                };
            }
        });
        result
    }
}

/// Up to four bytes of one decoded escape.
#[derive(Clone, Copy)]
struct Utf8Buf {
    bytes: [u8; 4],
    len: u8,
}

impl Utf8Buf {
    const EMPTY: Utf8Buf = Utf8Buf {
        bytes: [0; 4],
        len: 0,
    };

    fn as_slice(&self) -> &[u8] {
        self.bytes.get(..usize::from(self.len)).unwrap_or_default()
    }

    fn from_char(c: char) -> Self {
        let mut bytes = [0u8; 4];
        let len = c.encode_utf8(&mut bytes).len() as u8;
        Utf8Buf { bytes, len }
    }
}

/// Decodes the escape at the start of `s` (which begins with `\`).
/// Returns the bytes it stands for and how many source bytes it used.
/// Input is pre-validated; anything unexpected decodes to U+FFFD, never panics.
fn decode_escape(s: &[u8]) -> (Utf8Buf, usize) {
    let simple = |b: u8| {
        (
            Utf8Buf {
                bytes: [b, 0, 0, 0],
                len: 1,
            },
            2,
        )
    };
    match s.get(1) {
        Some(b'"') => simple(b'"'),
        Some(b'\\') => simple(b'\\'),
        Some(b'/') => simple(b'/'),
        Some(b'b') => simple(0x08),
        Some(b'f') => simple(0x0C),
        Some(b'n') => simple(b'\n'),
        Some(b'r') => simple(b'\r'),
        Some(b't') => simple(b'\t'),
        Some(b'u') => {
            let hi = hex4(s.get(2..6));
            match hi {
                Some(h @ 0xD800..=0xDBFF) => {
                    let lo = if s.get(6..8) == Some(b"\\u") {
                        hex4(s.get(8..12))
                    } else {
                        None
                    };
                    match lo {
                        Some(l @ 0xDC00..=0xDFFF) => {
                            let cp =
                                0x10000 + ((u32::from(h) - 0xD800) << 10) + (u32::from(l) - 0xDC00);
                            let c = char::from_u32(cp).unwrap_or('\u{FFFD}');
                            (Utf8Buf::from_char(c), 12)
                        }
                        _ => (Utf8Buf::from_char('\u{FFFD}'), 6),
                    }
                }
                Some(u) => {
                    let c = char::from_u32(u32::from(u)).unwrap_or('\u{FFFD}');
                    (Utf8Buf::from_char(c), 6)
                }
                None => (Utf8Buf::from_char('\u{FFFD}'), s.len().min(2)),
            }
        }
        _ => (Utf8Buf::from_char('\u{FFFD}'), s.len().clamp(1, 2)),
    }
}

fn hex4(digits: Option<&[u8]>) -> Option<u16> {
    let digits = digits?;
    let mut v: u16 = 0;
    for &d in digits {
        v = (v << 4) | u16::from(hex_value(d)?);
    }
    Some(v)
}

/// Iterator over the decoded bytes of a [`Text`].
#[derive(Clone)]
pub struct DecodedBytes<'a> {
    rest: &'a [u8],
    escaped: bool,
    pending: Utf8Buf,
    next: u8,
}

impl Iterator for DecodedBytes<'_> {
    type Item = u8;

    fn next(&mut self) -> Option<u8> {
        if self.next < self.pending.len {
            let b = self.pending.bytes.get(usize::from(self.next)).copied();
            self.next = self.next.saturating_add(1);
            return b;
        }
        let (&first, tail) = self.rest.split_first()?;
        if first != b'\\' || !self.escaped {
            self.rest = tail;
            return Some(first);
        }
        let (decoded, used) = decode_escape(self.rest);
        self.rest = self.rest.get(used..).unwrap_or_default();
        self.pending = decoded;
        self.next = 1;
        decoded.bytes.first().copied()
    }
}

/// The value of one hex digit.
pub(crate) fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::read::Lexer;

    fn parse(json: &str) -> Text<'_> {
        Lexer::new(json.as_bytes())
            .string()
            .expect("valid string")
            .text
    }

    fn decoded(t: Text<'_>) -> ([u8; 64], usize) {
        let mut out = [0u8; 64];
        let n = t.decode_into(&mut out).expect("fits").len();
        (out, n)
    }

    #[test]
    fn decodes_every_escape() {
        let t = parse(r#""a\u003c\u0026\u003e\"\\\/\b\f\n\r\t\u2028\u0001\ud83d\ude00é""#);
        let (buf, n) = decoded(t);
        let want = "a<&>\"\\/\u{8}\u{c}\n\r\t\u{2028}\u{1}😀é".as_bytes();
        assert_eq!(&buf[..n], want);
        assert_eq!(t.len(), want.len());
        assert!(t.bytes().eq(want.iter().copied()));
        assert_eq!(t, "a<&>\"\\/\u{8}\u{c}\n\r\t\u{2028}\u{1}😀é");
    }

    #[test]
    fn compares_decoded_bytes_not_escapes() {
        // "\u0041" is "A" (0x41) which sorts before "B" though '\\' > 'B'.
        assert_eq!(
            parse(r#""\u0041""#).cmp_decoded(&Text::new("B")),
            Ordering::Less
        );
        assert_eq!(
            parse(r#""\u00e9""#).cmp_decoded(&Text::new("é")),
            Ordering::Equal
        );
        // U+FF61 (EF BD A1) sorts after U+1F600 (F0 ..) bytewise? No: EF < F0.
        assert_eq!(
            parse(r#""\uff61""#).cmp_decoded(&parse(r#""\ud83d\ude00""#)),
            Ordering::Less
        );
        assert!(!parse(r#""ab""#).is_empty());
        assert!(parse(r#""""#).is_empty());
    }

    #[test]
    fn decode_into_refuses_what_does_not_fit() {
        let mut small = [0u8; 2];
        assert!(Text::new("abc").decode_into(&mut small).is_none());
        assert_eq!(Text::new("ab").decode_into(&mut small), Some(&b"ab"[..]));
    }
}
