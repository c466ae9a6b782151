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
        if self.validated {
            return self.skip_validated();
        }
        self.walk_value(depth, &mut |_, _| {})
    }

    /// Skips one value of a validated document: strings are delimited,
    /// brackets counted, a word at a time; nothing is checked again.
    fn skip_validated(&mut self) -> Result<()> {
        match self.peek() {
            Some(b'"') => self.string().map(drop),
            Some(b'{' | b'[') => {
                let mut open = 0usize;
                let mut at = self.pos;
                loop {
                    // Between strings there are only a few bytes (`":"`,
                    // `","`, numbers): a byte loop beats a word scan there.
                    match self.buf.get(at) {
                        Some(b'"') => {
                            let content = at.saturating_add(1);
                            let rest = self.buf.get(content..).unwrap_or_default();
                            let Some((len, _)) = validated_string_len(rest) else {
                                self.pos = self.buf.len();
                                return self.fail(Expected::StringEnd);
                            };
                            at = content.saturating_add(len).saturating_add(1);
                        }
                        Some(b'{' | b'[') => {
                            open = open.saturating_add(1);
                            at = at.saturating_add(1);
                        }
                        Some(b'}' | b']') => {
                            at = at.saturating_add(1);
                            open = open.saturating_sub(1);
                            if open == 0 {
                                self.pos = at;
                                return Ok(());
                            }
                        }
                        Some(_) => at = at.saturating_add(1),
                        None => {
                            self.pos = at;
                            return self.fail(Expected::Value);
                        }
                    }
                }
            }
            Some(_) => {
                while let Some(b) = self.byte() {
                    if matches!(b, b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r') {
                        break;
                    }
                    self.bump();
                }
                Ok(())
            }
            None => self.fail(Expected::Value),
        }
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
/// Eight copies of byte `b`.
const fn splat(b: u8) -> u64 {
    0x0101_0101_0101_0101 * b as u64
}

const HIGH_BITS: u64 = splat(0x80);

/// High bit of each zero byte of `v`; exact for the lowest one (bytes
/// above it may be flagged spuriously, through the borrow).
#[inline(always)]
fn zero_bytes(v: u64) -> u64 {
    v.wrapping_sub(splat(1)) & !v & HIGH_BITS
}

/// Flags bytes of `w` (eight string bytes, little-endian) that need a
/// closer look: `"`, `\`, a control character, or a byte of a multi-byte
/// UTF-8 sequence. Exact for the lowest flagged byte.
#[inline(always)]
fn attention(w: u64) -> u64 {
    // `w - 0x20…` borrows out of a byte below 0x20 (its high bit set, as
    // it is for every byte at or above 0x80).
    zero_bytes(w ^ splat(b'"'))
        | zero_bytes(w ^ splat(b'\\'))
        | ((w.wrapping_sub(splat(0x20)) | w) & HIGH_BITS)
}

/// Flags `"` and `\` bytes of `w`; exact for the lowest one.
#[inline(always)]
fn quote_or_backslash(w: u64) -> u64 {
    zero_bytes(w ^ splat(b'"')) | zero_bytes(w ^ splat(b'\\'))
}

/// Index of the first byte of `s` that `flags` marks, eight bytes at a
/// time: `Ok(index)`, or `Err(end)` where the whole words end (the tail
/// short of a word is left to the caller).
#[cfg_attr(target_pointer_width = "64", inline(always))]
#[cfg_attr(not(target_pointer_width = "64"), inline(never))]
fn first_flagged(s: &[u8], flags: impl Fn(u64) -> u64) -> core::result::Result<usize, usize> {
    let mut n = 0usize;
    for word in s.chunks_exact(8) {
        let mut w = [0u8; 8];
        w.copy_from_slice(word);
        let m = flags(u64::from_le_bytes(w));
        if m != 0 {
            return Ok(n.saturating_add(m.trailing_zeros() as usize / 8));
        }
        n = n.saturating_add(8);
    }
    Err(n)
}

/// Whether a byte inside a string needs a closer look (see [`attention`]).
#[inline(always)]
fn needs_attention(b: u8) -> bool {
    // `|`, not `||`: branch-free, so the block loop below vectorizes.
    !(0x20..0x80).contains(&b) | (b == b'"') | (b == b'\\')
}

/// Length of the prefix of `s` made of printable ASCII other than `"` and
/// `\`. Short strings (keys, labels, signatures) are scanned a word at a
/// time; past 32 plain bytes, 64-byte blocks with a branch-free fold that
/// the compiler turns into SIMD compares (base64 payloads). Hand-written
/// because `memchr` finds one to three given bytes, not a class, and this
/// crate has no `unsafe`.
fn plain_prefix(s: &[u8]) -> usize {
    let head = s.get(..32).unwrap_or(s);
    let n = match first_flagged(head, attention) {
        Ok(found) => return found,
        Err(n) if n < 32 => return n + tail_plain(s.get(n..).unwrap_or_default()),
        Err(n) => n,
    };
    let plain = |block: &[u8]| !block.iter().fold(false, |acc, &b| acc | needs_attention(b));
    let rest = s.get(n..).unwrap_or_default();
    let n = n + rest.chunks_exact(64).take_while(|b| plain(b)).count() * 64;
    match first_flagged(s.get(n..).unwrap_or_default(), attention) {
        Ok(found) => n + found,
        Err(m) => n + m + tail_plain(s.get(n + m..).unwrap_or_default()),
    }
}

/// Plain bytes at the start of `s`, one at a time (fewer than eight are
/// left, or a flagged byte is first).
fn tail_plain(s: &[u8]) -> usize {
    s.iter().take_while(|&&b| !needs_attention(b)).count()
}

/// Length of a validated string's content `s` (up to its closing quote),
/// and whether it holds an escape; `None` if it never closes.
#[cfg_attr(target_pointer_width = "64", inline(always))]
#[cfg_attr(not(target_pointer_width = "64"), inline(never))]
fn validated_string_len(s: &[u8]) -> Option<(usize, bool)> {
    let mut n = quote_free_prefix(s);
    let mut escaped = false;
    loop {
        match s.get(n)? {
            b'"' => return Some((n, escaped)),
            // The escaped byte cannot end the string: step over both.
            _ => {
                escaped = true;
                n = n.saturating_add(2);
                n = n.saturating_add(quote_free_prefix(s.get(n..).unwrap_or_default()));
            }
        }
    }
}

/// Length of the prefix of `s` free of `"` and `\` (a validated string's
/// content up to its end or next escape). Out of line on 32-bit targets,
/// where its 64-bit words take flash in each of its three callers.
#[cfg_attr(target_pointer_width = "64", inline(always))]
#[cfg_attr(not(target_pointer_width = "64"), inline(never))]
fn quote_free_prefix(s: &[u8]) -> usize {
    match first_flagged(s, quote_or_backslash) {
        Ok(found) => found,
        Err(n) => {
            n + s
                .get(n..)
                .unwrap_or_default()
                .iter()
                .take_while(|&&b| b != b'"' && b != b'\\')
                .count()
        }
    }
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
    fn word_scans_agree_with_bytewise_scans() {
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
