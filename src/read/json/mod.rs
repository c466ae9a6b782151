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

use crate::leaf::{Expected, Malformed};
use crate::read::text::Text;

mod scan;
mod skip;
mod string;

/// Deepest nesting of arrays and objects accepted anywhere in a document.
pub const MAX_DEPTH: usize = 128;

pub(crate) type Result<T> = core::result::Result<T, Malformed>;

/// A cursor over one JSON document.
///
/// A lexer made with [`Lexer::new`] checks everything; one made with
/// [`Lexer::at`] re-reads a document that a strict lexer has already
/// checked, so its strings and skipped values are only delimited, not
/// validated again (types are still checked: that is what readers do).
#[derive(Clone, Debug)]
pub(crate) struct Lexer<'a> {
    buf: &'a [u8],
    pos: usize,
    /// The document was validated: find string and value ends only.
    validated: bool,
}

/// A JSON string as it stands in the document (between the quotes).
#[derive(Clone, Copy, Debug)]
pub(crate) struct RawString<'a> {
    /// Offset of the opening quote.
    pub offset: usize,
    pub text: Text<'a>,
}

impl<'a> Lexer<'a> {
    /// A strict lexer at the start of `buf`.
    pub fn new(buf: &'a [u8]) -> Self {
        Lexer {
            buf,
            pos: 0,
            validated: false,
        }
    }

    /// A lexer over `buf`, positioned at `pos` (a span recorded earlier),
    /// for a document a strict lexer has already checked in full: strings
    /// and skipped values are delimited, not validated again. On bytes that
    /// were never checked it still never panics, but may accept them.
    pub fn at(buf: &'a [u8], pos: usize) -> Self {
        Lexer {
            buf,
            pos,
            validated: true,
        }
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

    /// Inlined on 64-bit hosts, where it is hot; out of line on the
    /// 32-bit (embedded) targets, where its copies cost flash.
    #[cfg_attr(target_pointer_width = "64", inline)]
    #[cfg_attr(not(target_pointer_width = "64"), inline(never))]
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
}

#[cfg(test)]
mod tests {
    use super::scan::*;
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
    fn word_scan_shortcut_agrees_with_bytewise_scans() {
        let naive_plain = |s: &[u8]| s.iter().take_while(|&&b| !needs_attention(b)).count();
        let naive_quote = |s: &[u8]| s.iter().take_while(|&&b| b != b'"' && b != b'\\').count();
        let fillers = [
            b'A', b' ', b'!', b'#', b'~', 0x7F, b'+', b';', b'=', b'|', b'z',
        ];
        let specials = [
            0x00, 0x01, 0x1F, b'"', b'\\', 0x80, 0xC3, 0xFF, b'A', b'[', b']', b'{', b'}', b':',
        ];
        let mut buf = [0u8; 200];
        for len in 0..buf.len() {
            for (i, &fill) in fillers.iter().enumerate() {
                buf.fill(fill);
                for at in [0, 1, 7, 8, 9, 31, 32, 33, 95, 96, 97, 150] {
                    for &special in &specials {
                        let s = &mut buf[..len];
                        if let Some(b) = s.get_mut(at) {
                            *b = special;
                        }
                        // A second flagged byte right after, to tempt the borrow.
                        if let Some(b) = s.get_mut(at + 1) {
                            *b = specials[(i + at) % specials.len()];
                        }
                        assert_eq!(plain_prefix(s), naive_plain(s), "{s:?}");
                        assert_eq!(quote_free_prefix(s), naive_quote(s), "{s:?}");
                        s.fill(fill);
                    }
                }
            }
        }
    }

    #[test]
    fn validated_reads_end_where_strict_reads_end() {
        for doc in [
            r#"{"a":[1,-2.5e3,true,false,null,"x\"]}",{"b":{}}],"c":"\u00e9\\"}"#,
            r#"[ "\\\"" , [ [ ] ] , { "k" : "v" } ]"#,
            r#""a\\""#,
            "123",
            "-0.5E+2 ",
            "null",
            r#"{"s":"é😀\ud83d\ude00"}"#,
        ] {
            let bytes = doc.as_bytes();
            let mut strict = Lexer::new(bytes);
            strict.skip_value(0).unwrap();
            let mut validated = Lexer::at(bytes, 0);
            validated.skip_value(0).unwrap();
            assert_eq!(validated.pos(), strict.pos(), "{doc}");
            if bytes.first() == Some(&b'"') {
                let a = Lexer::new(bytes).string().unwrap();
                let b = Lexer::at(bytes, 0).string().unwrap();
                assert_eq!(a.text.raw(), b.text.raw());
                assert_eq!(a.text, b.text);
            }
        }
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
