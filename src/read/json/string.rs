//! Strings: read strictly (UTF-8, escapes, no raw control characters, no
//! lone surrogates), or only delimited when the document was validated.

use crate::leaf::Expected;
use crate::read::text::{hex_value, Text};

use super::scan::{plain_prefix, quote_free_prefix, validated_string_len};
use super::{Lexer, RawString, Result};

impl<'a> Lexer<'a> {
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
        if self.validated {
            return self.validated_string(offset, start);
        }
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

    /// In a validated document only: when the bytes at the cursor are
    /// `prefix` (ending with a string's opening quote) and then a string
    /// without escapes, consumes both and returns the string's content.
    /// Otherwise `None`, and the cursor does not move. For fast paths over
    /// the layout Go writes, with the general reader as the fallback.
    pub fn plain_string_after(&mut self, prefix: &[u8]) -> Option<&'a [u8]> {
        if !self.validated {
            return None;
        }
        let rest = self.buf.get(self.pos..)?.strip_prefix(prefix)?;
        let len = quote_free_prefix(rest);
        if rest.get(len) != Some(&b'"') {
            return None;
        }
        let content = rest.get(..len)?;
        self.pos = self
            .pos
            .saturating_add(prefix.len())
            .saturating_add(len)
            .saturating_add(1);
        Some(content)
    }

    /// Consumes `b` if it is the very next byte (no whitespace skipped).
    pub fn eat_exact(&mut self, b: u8) -> bool {
        if self.byte() == Some(b) {
            self.bump();
            true
        } else {
            false
        }
    }

    /// The rest of a string already validated, from its first content byte
    /// at `start`: only the closing quote is looked for.
    fn validated_string(&mut self, offset: usize, start: usize) -> Result<RawString<'a>> {
        let rest = self.buf.get(start..).unwrap_or_default();
        let Some((len, escaped)) = validated_string_len(rest) else {
            self.pos = self.buf.len();
            return self.fail(Expected::StringEnd);
        };
        let raw = rest.get(..len).unwrap_or_default();
        self.pos = start.saturating_add(len);
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
}
