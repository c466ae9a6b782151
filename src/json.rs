//! A strict, allocation-free JSON pull lexer (RFC 8259 plus the limits of PROTOCOL.md §7).
//!
//! Hand-written because no no_std crate gives all of: bounded nesting without
//! recursion, rejection of lone surrogates and raw control characters, byte
//! offsets in every error, and zero-copy access to a string's raw text so that
//! it can be decoded straight into the hash. `serde-json-core` recurses per
//! level when skipping ignored values, accepts `[,1]` and raw control
//! characters, and cannot decode surrogate pairs.
//!
//! The lexer never indexes out of bounds: every read goes through `get`.

use crate::error::{Expected, Malformed};
use crate::text::Text;

/// Deepest nesting of arrays and objects accepted anywhere in a document.
pub const MAX_DEPTH: usize = 128;

pub(crate) type Result<T> = core::result::Result<T, Malformed>;

/// A cursor over one JSON document.
#[derive(Clone, Debug)]
pub(crate) struct Lexer<'a> {
    buf: &'a [u8],
    pos: usize,
}

/// A JSON string as it stands in the document (between the quotes).
#[derive(Clone, Copy, Debug)]
pub(crate) struct RawString<'a> {
    /// Offset of the opening quote.
    pub offset: usize,
    pub text: Text<'a>,
}

impl<'a> Lexer<'a> {
    pub fn new(buf: &'a [u8]) -> Self {
        Lexer { buf, pos: 0 }
    }

    /// A lexer over `buf`, positioned at `pos` (a span recorded earlier).
    pub fn at(buf: &'a [u8], pos: usize) -> Self {
        Lexer { buf, pos }
    }

    pub fn pos(&self) -> usize {
        self.pos
    }

    /// The whole document under the cursor.
    pub fn buf(&self) -> &'a [u8] {
        self.buf
    }

    pub fn fail<T>(&self, expected: Expected) -> Result<T> {
        Err(Malformed {
            offset: self.pos,
            expected,
        })
    }

    fn byte(&self) -> Option<u8> {
        self.buf.get(self.pos).copied()
    }

    fn bump(&mut self) {
        self.pos = self.pos.saturating_add(1);
    }

    fn skip_ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.byte() {
            self.bump();
        }
    }

    /// The next significant byte, after whitespace.
    pub fn peek(&mut self) -> Option<u8> {
        self.skip_ws();
        self.byte()
    }

    /// Consumes `b` if it is the next significant byte.
    pub fn eat(&mut self, b: u8) -> bool {
        if self.peek() == Some(b) {
            self.bump();
            true
        } else {
            false
        }
    }

    /// Validates a whole document: one value, nothing but whitespace after it.
    pub fn document(buf: &'a [u8]) -> Result<()> {
        Lexer::no_byte_order_mark(buf)?;
        let mut lx = Lexer::new(buf);
        lx.skip_value(0)?;
        lx.end()
    }

    /// Refuses a leading UTF-8 byte-order mark (RFC 8259 §8.1).
    pub fn no_byte_order_mark(buf: &'a [u8]) -> Result<()> {
        if buf.starts_with(&[0xEF, 0xBB, 0xBF]) {
            return Lexer::new(buf).fail(Expected::NoByteOrderMark);
        }
        Ok(())
    }

    /// Succeeds when only whitespace is left.
    pub fn end(&mut self) -> Result<()> {
        match self.peek() {
            None => Ok(()),
            Some(_) => self.fail(Expected::EndOfInput),
        }
    }

    /// Consumes `null` if it is next.
    pub fn null(&mut self) -> Result<bool> {
        if self.peek() == Some(b'n') {
            self.literal(b"null")?;
            Ok(true)
        } else {
            Ok(false)
        }
    }

    fn literal(&mut self, word: &[u8]) -> Result<()> {
        let end = self.pos.saturating_add(word.len());
        if self.buf.get(self.pos..end) == Some(word) {
            self.pos = end;
            Ok(())
        } else {
            self.fail(Expected::Literal)
        }
    }

    /// Opens an object (`{`), or fails with `expected`.
    pub fn begin_object(&mut self, expected: Expected) -> Result<()> {
        if self.eat(b'{') {
            Ok(())
        } else {
            self.fail(expected)
        }
    }

    /// Opens an array (`[`), or fails with `expected`.
    pub fn begin_array(&mut self, expected: Expected) -> Result<()> {
        if self.eat(b'[') {
            Ok(())
        } else {
            self.fail(expected)
        }
    }

    /// The next key of an open object, with its `:` consumed; `None` at `}`.
    /// `first` must start `true` and is managed here.
    pub fn next_key(&mut self, first: &mut bool) -> Result<Option<RawString<'a>>> {
        if self.eat(b'}') {
            return Ok(None);
        }
        if !*first && !self.eat(b',') {
            return self.fail(Expected::CommaOrObjectEnd);
        }
        *first = false;
        if self.peek() != Some(b'"') {
            return self.fail(Expected::Key);
        }
        let key = self.string()?;
        if !self.eat(b':') {
            return self.fail(Expected::Colon);
        }
        Ok(Some(key))
    }

    /// Whether an open array has another element; consumes `,` or `]`.
    pub fn next_element(&mut self, first: &mut bool) -> Result<bool> {
        if self.eat(b']') {
            return Ok(false);
        }
        if !*first && !self.eat(b',') {
            return self.fail(Expected::CommaOrArrayEnd);
        }
        *first = false;
        // A value must follow, not a stray `]` after a comma.
        if self.peek() == Some(b']') {
            return self.fail(Expected::Value);
        }
        Ok(true)
    }

    /// A string, or `null` (as the empty string); anything else fails.
    pub fn string_or_null(&mut self) -> Result<Option<RawString<'a>>> {
        match self.peek() {
            Some(b'"') => self.string().map(Some),
            Some(b'n') => self.literal(b"null").map(|()| None),
            _ => self.fail(Expected::StringOrNull),
        }
    }

    /// A JSON string at the cursor: every escape checked, surrogates paired,
    /// no raw control characters, valid UTF-8.
    pub fn string(&mut self) -> Result<RawString<'a>> {
        self.skip_ws();
        let offset = self.pos;
        if self.byte() != Some(b'"') {
            return self.fail(Expected::Key);
        }
        self.bump();
        let start = self.pos;
        let mut escaped = false;
        loop {
            let rest = self.buf.get(self.pos..).unwrap_or_default();
            self.pos = self.pos.saturating_add(plain_prefix(rest));
            let Some(b) = self.byte() else {
                return self.fail(Expected::StringEnd);
            };
            match b {
                b'"' => break,
                b'\\' => {
                    escaped = true;
                    self.escape()?;
                }
                0x00..=0x1F => return self.fail(Expected::NoControlCharacter),
                0x80..=0xFF => self.utf8_sequence()?,
                _ => self.bump(),
            }
        }
        let raw = self.buf.get(start..self.pos).unwrap_or_default();
        self.bump();
        Ok(RawString {
            offset,
            text: Text::from_json(raw, escaped),
        })
    }

    /// One multi-byte UTF-8 sequence starting at the cursor.
    fn utf8_sequence(&mut self) -> Result<()> {
        let rest = self.buf.get(self.pos..).unwrap_or_default();
        let want = match rest.first() {
            Some(0xC2..=0xDF) => 2,
            Some(0xE0..=0xEF) => 3,
            Some(0xF0..=0xF4) => 4,
            _ => return self.fail(Expected::Utf8),
        };
        match rest.get(..want).map(core::str::from_utf8) {
            Some(Ok(_)) => {
                self.pos = self.pos.saturating_add(want);
                Ok(())
            }
            _ => self.fail(Expected::Utf8),
        }
    }

    /// One escape sequence starting at the backslash under the cursor.
    fn escape(&mut self) -> Result<()> {
        self.bump();
        match self.byte() {
            Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => {
                self.bump();
                Ok(())
            }
            Some(b'u') => {
                let at = self.pos.saturating_sub(1);
                self.bump();
                let unit = self.hex4()?;
                match unit {
                    0xD800..=0xDBFF => {
                        let second = self.pos;
                        let pair = self.buf.get(second..second.saturating_add(2));
                        if pair != Some(b"\\u") {
                            return self.fail(Expected::LowSurrogate);
                        }
                        self.pos = second.saturating_add(2);
                        let low = self.hex4()?;
                        if !(0xDC00..=0xDFFF).contains(&low) {
                            self.pos = second;
                            return self.fail(Expected::LowSurrogate);
                        }
                        Ok(())
                    }
                    0xDC00..=0xDFFF => {
                        self.pos = at;
                        self.fail(Expected::NoLoneLowSurrogate)
                    }
                    _ => Ok(()),
                }
            }
            _ => self.fail(Expected::Escape),
        }
    }

    fn hex4(&mut self) -> Result<u16> {
        let mut v: u16 = 0;
        for _ in 0..4 {
            let Some(d) = self.byte().and_then(hex_value) else {
                return self.fail(Expected::HexDigits);
            };
            v = (v << 4) | u16::from(d);
            self.bump();
        }
        Ok(v)
    }

    /// A number per RFC 8259; returns its text.
    pub fn number(&mut self) -> Result<&'a [u8]> {
        self.skip_ws();
        let start = self.pos;
        if self.byte() == Some(b'-') {
            self.bump();
        }
        match self.byte() {
            Some(b'0') => self.bump(),
            Some(b'1'..=b'9') => self.digits(),
            _ => return self.fail(Expected::Digit),
        }
        if self.byte() == Some(b'.') {
            self.bump();
            self.one_or_more_digits()?;
        }
        if let Some(b'e' | b'E') = self.byte() {
            self.bump();
            if let Some(b'+' | b'-') = self.byte() {
                self.bump();
            }
            self.one_or_more_digits()?;
        }
        Ok(self.buf.get(start..self.pos).unwrap_or_default())
    }

    fn digits(&mut self) {
        while let Some(b'0'..=b'9') = self.byte() {
            self.bump();
        }
    }

    fn one_or_more_digits(&mut self) -> Result<()> {
        if !matches!(self.byte(), Some(b'0'..=b'9')) {
            return self.fail(Expected::Digit);
        }
        self.digits();
        Ok(())
    }

    /// A non-negative integer that fits a `u32` (Go's `uint32` decoding).
    pub fn u32(&mut self) -> Result<u32> {
        self.skip_ws();
        let at = self.pos;
        let text = self.number()?;
        let mut v: u32 = 0;
        for &d in text {
            let digit = match d {
                b'0'..=b'9' => u32::from(d - b'0'),
                _ => {
                    return Err(Malformed {
                        offset: at,
                        expected: Expected::U32,
                    })
                }
            };
            v = match v.checked_mul(10).and_then(|v| v.checked_add(digit)) {
                Some(v) => v,
                None => {
                    return Err(Malformed {
                        offset: at,
                        expected: Expected::U32,
                    })
                }
            };
        }
        Ok(v)
    }

    /// Skips one value of any kind, validating it, without recursion.
    ///
    /// `depth` is the number of containers already open around the value.
    pub fn skip_value(&mut self, depth: usize) -> Result<()> {
        self.walk_value(depth, &mut |_, _| {})
    }

    /// [`Lexer::skip_value`], handing every key and string value to `seen`
    /// in document order (for the differential fuzz target).
    pub fn walk_value(
        &mut self,
        depth: usize,
        seen: &mut impl FnMut(bool, Text<'a>),
    ) -> Result<()> {
        // Bit i set: the container opened at local level i is an object.
        let mut kinds: u128 = 0;
        let mut level: usize = 0;
        'value: loop {
            match self.peek() {
                Some(open @ (b'{' | b'[')) => {
                    if depth.saturating_add(level) >= MAX_DEPTH {
                        return self.fail(Expected::DepthAtMost128);
                    }
                    self.bump();
                    let is_object = open == b'{';
                    let bit = 1u128.checked_shl(level as u32).unwrap_or(0);
                    if is_object {
                        kinds |= bit;
                    } else {
                        kinds &= !bit;
                    }
                    level = level.saturating_add(1);
                    if is_object {
                        if !self.eat(b'}') {
                            self.key_and_colon(seen)?;
                            continue 'value;
                        }
                    } else if !self.eat(b']') {
                        continue 'value;
                    }
                    level = level.saturating_sub(1);
                }
                Some(b'"') => {
                    let s = self.string()?;
                    seen(false, s.text);
                }
                Some(b't') => self.literal(b"true")?,
                Some(b'f') => self.literal(b"false")?,
                Some(b'n') => self.literal(b"null")?,
                Some(b'-' | b'0'..=b'9') => {
                    self.number()?;
                }
                _ => return self.fail(Expected::Value),
            }
            // A value is complete: close containers until one continues.
            loop {
                let Some(top) = level.checked_sub(1) else {
                    return Ok(());
                };
                let is_object = (kinds >> top) & 1 == 1;
                if self.eat(b',') {
                    if is_object {
                        self.key_and_colon(seen)?;
                    }
                    continue 'value;
                }
                let close = if is_object { b'}' } else { b']' };
                if self.eat(close) {
                    level = top;
                    continue;
                }
                return self.fail(if is_object {
                    Expected::CommaOrObjectEnd
                } else {
                    Expected::CommaOrArrayEnd
                });
            }
        }
    }

    fn key_and_colon(&mut self, seen: &mut impl FnMut(bool, Text<'a>)) -> Result<()> {
        if self.peek() != Some(b'"') {
            return self.fail(Expected::Key);
        }
        let key = self.string()?;
        seen(true, key.text);
        if !self.eat(b':') {
            return self.fail(Expected::Colon);
        }
        Ok(())
    }
}

pub(crate) fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Whether a byte inside a string needs a closer look: a quote, a
/// backslash, a control character or part of a multi-byte sequence.
#[inline(always)]
fn needs_attention(b: u8) -> bool {
    // `|`, not `||`: branch-free, so the block loop below vectorizes.
    !(0x20..0x80).contains(&b) | (b == b'"') | (b == b'\\')
}

/// Length of the prefix of `s` made of printable ASCII other than `"` and
/// `\`: the bulk of base64 payloads, skipped a block at a time. A
/// branch-free fold the compiler turns into SIMD compares, because `memchr`
/// finds one or two bytes, not a class, and this crate has no `unsafe`.
fn plain_prefix(s: &[u8]) -> usize {
    let plain = |block: &[u8]| !block.iter().fold(false, |acc, &b| acc | needs_attention(b));
    // Long runs 64 bytes at a time, short strings (keys, labels) 8 at a time.
    let mut n = s.chunks_exact(64).take_while(|b| plain(b)).count() * 64;
    let rest = s.get(n..).unwrap_or_default();
    n += rest.chunks_exact(8).take_while(|b| plain(b)).count() * 8;
    let tail = s.get(n..).unwrap_or_default();
    n + tail.iter().take_while(|&&b| !needs_attention(b)).count()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(doc: &str) -> Result<()> {
        Lexer::document(doc.as_bytes())
    }

    #[test]
    fn accepts_valid_documents() {
        for doc in [
            "{}",
            "[]",
            " { \"a\" : [1, -0.5e+3, true, false, null, \"x\"] } ",
            "\"\\ud83d\\ude00\"",
            "\"\\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\"",
            "0",
            "-0",
            "1E9",
            "\"é😀\"",
        ] {
            assert_eq!(check(doc), Ok(()), "{doc}");
        }
    }

    #[test]
    fn rejects_invalid_documents_with_offsets() {
        let cases: &[(&[u8], usize, Expected)] = &[
            (b"", 0, Expected::Value),
            (b"[,1]", 1, Expected::Value),
            (b"[1,]", 3, Expected::Value),
            (b"{\"a\":1,}", 7, Expected::Key),
            (b"{\"a\" 1}", 5, Expected::Colon),
            (b"[1 2]", 3, Expected::CommaOrArrayEnd),
            (b"{} x", 3, Expected::EndOfInput),
            (b"\"\x01\"", 1, Expected::NoControlCharacter),
            (b"\"\\x\"", 2, Expected::Escape),
            (b"\"\\u+041\"", 3, Expected::HexDigits),
            (b"\"\\ud800\"", 7, Expected::LowSurrogate),
            (b"\"\\ud800\\u0041\"", 7, Expected::LowSurrogate),
            (b"\"\\udc00\"", 1, Expected::NoLoneLowSurrogate),
            (b"\"\xff\"", 1, Expected::Utf8),
            (b"\"\xed\xa0\x80\"", 1, Expected::Utf8),
            (b"\"\xc3\"", 1, Expected::Utf8),
            (b"\"abc", 4, Expected::StringEnd),
            (b"01", 1, Expected::EndOfInput),
            (b"1.", 2, Expected::Digit),
            (b"-", 1, Expected::Digit),
            (b"1e", 2, Expected::Digit),
            (b"tru", 0, Expected::Literal),
            (b"\xef\xbb\xbf{}", 0, Expected::NoByteOrderMark),
        ];
        for (doc, offset, expected) in cases {
            let err = Lexer::document(doc).expect_err("must fail");
            assert_eq!(
                (err.offset, err.expected),
                (*offset, *expected),
                "{:?}",
                core::str::from_utf8(doc)
            );
        }
    }

    #[test]
    fn nesting_is_bounded_without_recursion() {
        let mut ok = [0u8; 256];
        ok[..128].fill(b'[');
        ok[128..].fill(b']');
        assert_eq!(Lexer::document(&ok), Ok(()));
        let mut deep = [0u8; 258];
        deep[..129].fill(b'[');
        deep[129..].fill(b']');
        let err = Lexer::document(&deep).expect_err("too deep");
        assert_eq!((err.offset, err.expected), (128, Expected::DepthAtMost128));
        // A million open brackets costs no stack.
        let huge = [b'['; 1 << 20];
        assert_eq!(
            Lexer::document(&huge).map_err(|e| e.expected),
            Err(Expected::DepthAtMost128)
        );
    }

    #[test]
    fn u32_follows_go_uint32() {
        for (text, want) in [("0", Some(0)), ("4294967295", Some(u32::MAX))] {
            assert_eq!(Lexer::new(text.as_bytes()).u32().ok(), want);
        }
        for bad in ["4294967296", "-1", "1.0", "1e3"] {
            assert_eq!(
                Lexer::new(bad.as_bytes()).u32().map_err(|e| e.expected),
                Err(Expected::U32),
                "{bad}"
            );
        }
    }
}
