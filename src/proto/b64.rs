//! Base64 as Go's `StdEncoding` decodes it, streamed out of a [`Text`], and
//! the padded standard encoding streamed into a sink.
//!
//! The `base64` crate decodes and encodes the blocks; what it has no mode
//! for is Go's framing: CR and LF skipped anywhere (padding included), `=`
//! only in the last quantum, nothing but CR/LF after it. That framing is the
//! small state machine here.

use base64::alphabet;
use base64::engine::general_purpose::STANDARD;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use base64::Engine as _;

use super::wire::Input;
use crate::read::text::{DecodedBytes, Text};

/// Go's `StdEncoding` when decoding: padding required, and non-zero unused
/// bits in the last digit accepted (unlike PROTOCOL.md §6).
const GO_STD: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_decode_allow_trailing_bits(true)
        .with_decode_padding_mode(DecodePaddingMode::RequireCanonical),
);

/// Digits decoded per block (64 quanta), and the bytes they give: large
/// enough that the engine's per-call cost is small, small for a stack (two
/// cursors are open at once when forms are compared) and for the few bytes
/// a seek needs.
const BLOCK_DIGITS: usize = 256;
const BLOCK_BYTES: usize = 192;

/// The base64 text, one character at a time.
#[derive(Clone)]
enum Chars<'t> {
    /// Text with no escape: the raw bytes are the characters.
    Plain { raw: &'t [u8], at: usize },
    /// Text with JSON escapes, resolved on the fly.
    Escaped(DecodedBytes<'t>),
}

impl Chars<'_> {
    fn next(&mut self) -> Option<u8> {
        match self {
            Chars::Plain { raw, at } => {
                let c = raw.get(*at).copied();
                *at = at.saturating_add(1);
                c
            }
            Chars::Escaped(it) => it.next(),
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    /// More text to decode.
    Open,
    /// The text ended well: the block holds the last bytes.
    Finished,
    /// The text is not Go base64.
    Failed,
}

/// A forward cursor over the bytes a payload's base64 decodes to.
///
/// Reads are bounded by a limit (the end of the enclosing protobuf message);
/// [`Cursor::seek`] moves anywhere: in O(1) when the text is known to be
/// plain base64 (decoded offset `3q` is digit `4q`), otherwise by decoding
/// forward, from the start if the target lies behind. Whether it is plain is
/// learnt by reading the text to its end once ([`Cursor::plain_to_end`]),
/// not by a scan of its own.
pub(super) struct Cursor<'t> {
    text: Text<'t>,
    /// No escapes and no CR/LF: offsets map arithmetically.
    seekable: bool,
    /// No escape, and no CR/LF met so far.
    plain: bool,
    chars: Chars<'t>,
    block: [u8; BLOCK_BYTES],
    at: usize,
    len: usize,
    /// Decoded offset of `block[at]`.
    pos: u64,
    limit: u64,
    state: State,
}

impl<'t> Cursor<'t> {
    /// A cursor over `text`, seeking by decoding forward.
    pub(super) fn new(text: Text<'t>) -> Self {
        Self::with_seeking(text, false)
    }

    /// A cursor over `text`, which an earlier cursor read to its end and
    /// found `seekable` ([`Cursor::plain_to_end`]).
    pub(super) fn with_seeking(text: Text<'t>, seekable: bool) -> Self {
        Cursor {
            text,
            seekable: seekable && !text.is_escaped(),
            plain: !text.is_escaped(),
            chars: Self::chars_of(text),
            block: [0; BLOCK_BYTES],
            at: 0,
            len: 0,
            pos: 0,
            limit: u64::MAX,
            state: State::Open,
        }
    }

    /// Whether the whole text was read, and it holds no escape and no
    /// CR/LF: then a later cursor over it can seek arithmetically.
    pub(super) fn plain_to_end(&self) -> bool {
        self.plain && self.state == State::Finished
    }

    fn chars_of(text: Text<'t>) -> Chars<'t> {
        // A `Text` from the lexer is valid UTF-8: no need to check it again.
        if text.is_escaped() {
            Chars::Escaped(text.bytes())
        } else {
            Chars::Plain {
                raw: text.raw(),
                at: 0,
            }
        }
    }

    /// Makes `block[at..len]` non-empty; `Some(false)` at the end of the
    /// decoded stream, `None` when the text is not Go base64.
    fn fill(&mut self) -> Option<bool> {
        while self.at >= self.len {
            match self.state {
                State::Open => self.decode_block(),
                State::Finished => return Some(false),
                State::Failed => return None,
            }
        }
        Some(true)
    }

    fn fail(&mut self) {
        self.state = State::Failed;
        self.at = 0;
        self.len = 0;
    }

    /// Decodes up to [`BLOCK_DIGITS`] digits into the block.
    fn decode_block(&mut self) {
        if self.decode_plain_block() {
            return;
        }
        let mut digits = [0u8; BLOCK_DIGITS];
        let mut n = 0usize;
        let mut padded = false;
        while n < BLOCK_DIGITS {
            match self.chars.next() {
                None => break,
                Some(b'\r' | b'\n') => self.plain = false,
                Some(b'=') => {
                    if !self.padding_ends_text(n % 4) {
                        return self.fail();
                    }
                    padded = true;
                    break;
                }
                Some(c) => {
                    if let Some(slot) = digits.get_mut(n) {
                        *slot = c;
                    }
                    n += 1;
                }
            }
        }
        let mut total = n;
        if padded {
            // Complete the quantum for the engine: n % 4 is 2 or 3 here,
            // and n < BLOCK_DIGITS, so the padding fits.
            while !total.is_multiple_of(4) {
                match digits.get_mut(total) {
                    Some(slot) => *slot = b'=',
                    None => return self.fail(),
                }
                total += 1;
            }
            self.state = State::Finished;
        } else if n < BLOCK_DIGITS {
            // The text ended; Go requires padding, so a partial quantum fails.
            if !n.is_multiple_of(4) {
                return self.fail();
            }
            self.state = State::Finished;
        }
        let digits = digits.get(..total).unwrap_or_default();
        match GO_STD.decode_slice(digits, &mut self.block) {
            Ok(k) => {
                self.at = 0;
                self.len = k;
            }
            Err(_) => self.fail(),
        }
    }

    /// The common case without a copy: the engine decodes a plain text's
    /// next digits in place. It refuses CR, LF and a `=` anywhere but in a
    /// last quantum, so it succeeds exactly where Go's framing needs nothing
    /// more, except for padding that ends a window the text goes on after;
    /// anything it refuses, and such a window, is left to the general loop
    /// (which decides it by Go's rules). Returns false to leave the block to
    /// that loop.
    fn decode_plain_block(&mut self) -> bool {
        let Chars::Plain { raw, at } = &mut self.chars else {
            return false;
        };
        let rest = raw.get(*at..).unwrap_or_default();
        let window = rest.get(..BLOCK_DIGITS).unwrap_or(rest);
        let last = window.len() == rest.len();
        if window.len() % 4 != 0 || (!last && window.last() == Some(&b'=')) {
            return false;
        }
        match GO_STD.decode_slice(window, &mut self.block) {
            Ok(k) => {
                *at = at.saturating_add(window.len());
                if last {
                    self.state = State::Finished;
                }
                self.at = 0;
                self.len = k;
                true
            }
            Err(_) => false,
        }
    }

    /// After a `=` at position `j` of its quantum: Go accepts `xx==` and
    /// `xxx=`, with CR/LF anywhere, and then nothing but CR/LF.
    fn padding_ends_text(&mut self, j: usize) -> bool {
        if j < 2 {
            return false;
        }
        if j == 2 {
            loop {
                match self.chars.next() {
                    Some(b'\r' | b'\n') => self.plain = false,
                    Some(b'=') => break,
                    _ => return false,
                }
            }
        }
        loop {
            match self.chars.next() {
                None => return true,
                Some(b'\r' | b'\n') => self.plain = false,
                Some(_) => return false,
            }
        }
    }

    /// Moves to decoded offset `target` (no limit applies).
    pub(super) fn seek(&mut self, target: u64) -> Option<()> {
        let buffered = (self.len.saturating_sub(self.at)) as u64;
        if target >= self.pos && target - self.pos <= buffered {
            let step = usize::try_from(target - self.pos).ok()?;
            self.at = self.at.saturating_add(step);
            self.pos = target;
            return Some(());
        }
        if self.seekable {
            // In `usize`: a 64-bit division costs a kilobyte of flash on
            // 32-bit targets, and a target past `usize` has no digit anyway.
            let quantum = usize::try_from(target).ok()? / 3;
            let digit = quantum.checked_mul(4)?;
            if let Chars::Plain { at, .. } = &mut self.chars {
                *at = digit;
            }
            self.at = 0;
            self.len = 0;
            self.pos = (quantum as u64) * 3;
            self.state = State::Open;
        } else if target < self.pos {
            self.chars = Self::chars_of(self.text);
            self.at = 0;
            self.len = 0;
            self.pos = 0;
            self.state = State::Open;
        }
        let saved = self.limit;
        self.limit = u64::MAX;
        let moved = self.take(target - self.pos, &mut |_| {});
        self.limit = saved;
        moved
    }
}

/// Whether each run `(a_at, b_at, len)` of decoded bytes is the same in
/// the text `a` and the text `b` (each with whether it is seekable);
/// `false` too when either cannot be read.
pub(super) fn runs_equal(
    a: (Text<'_>, bool),
    b: (Text<'_>, bool),
    runs: &[(u64, u64, u64)],
) -> bool {
    let mut x = Cursor::with_seeking(a.0, a.1);
    let mut y = Cursor::with_seeking(b.0, b.1);
    runs.iter()
        .all(|&(a_at, b_at, len)| run_equal(&mut x, a_at, &mut y, b_at, len))
}

fn run_equal(a: &mut Cursor<'_>, a_at: u64, b: &mut Cursor<'_>, b_at: u64, len: u64) -> bool {
    if len == 0 {
        return true;
    }
    if a.seek(a_at).is_none() || b.seek(b_at).is_none() {
        return false;
    }
    let mut left = len;
    while left > 0 {
        if a.fill() != Some(true) || b.fill() != Some(true) {
            return false;
        }
        let avail = a.len.saturating_sub(a.at).min(b.len.saturating_sub(b.at));
        let k = usize::try_from(left).map_or(avail, |l| l.min(avail));
        if a.block.get(a.at..a.at + k) != b.block.get(b.at..b.at + k) {
            return false;
        }
        a.at += k;
        a.pos += k as u64;
        b.at += k;
        b.pos += k as u64;
        left -= k as u64;
    }
    true
}

impl Input for Cursor<'_> {
    fn pos(&self) -> u64 {
        self.pos
    }

    fn limit(&self) -> u64 {
        self.limit
    }

    fn set_limit(&mut self, limit: u64) {
        self.limit = limit;
    }

    fn more(&mut self) -> Option<bool> {
        if self.pos >= self.limit {
            return Some(false);
        }
        self.fill()
    }

    // Out of line: inlined into every varint and tag read it costs flash.
    #[inline(never)]
    fn byte(&mut self) -> Option<u8> {
        if self.pos >= self.limit || !self.fill()? {
            return None;
        }
        let b = *self.block.get(self.at)?;
        self.at += 1;
        self.pos += 1;
        Some(b)
    }

    fn take(&mut self, n: u64, out: &mut dyn FnMut(&[u8])) -> Option<()> {
        self.take_into(n, out)
    }
}

impl Cursor<'_> {
    /// [`Input::take`] for every sink: one copy of the loop (a copy per
    /// closure cost flash), called once per decoded block.
    #[inline(never)]
    fn take_into(&mut self, n: u64, out: &mut dyn FnMut(&[u8])) -> Option<()> {
        if self.pos.checked_add(n)? > self.limit {
            return None;
        }
        let mut left = n;
        while left > 0 {
            if !self.fill()? {
                return None;
            }
            let avail = self.len.saturating_sub(self.at);
            let k = usize::try_from(left).map_or(avail, |l| l.min(avail));
            out(self.block.get(self.at..self.at + k)?);
            self.at += k;
            self.pos += k as u64;
            left -= k as u64;
        }
        Some(())
    }
}

/// Padded standard base64 of a byte stream, handed to `sink` in blocks.
pub(super) struct Encoder<'s, F: FnMut(&[u8])> {
    sink: &'s mut F,
    buf: [u8; 384],
    n: usize,
    written: u64,
}

impl<'s, F: FnMut(&[u8])> Encoder<'s, F> {
    pub(super) fn new(sink: &'s mut F) -> Self {
        Encoder {
            sink,
            buf: [0; 384],
            n: 0,
            written: 0,
        }
    }

    /// Out of line: the canonical form is written in a dozen pieces, and
    /// a copy of this at each cost flash.
    #[inline(never)]
    pub(super) fn put(&mut self, mut bytes: &[u8]) {
        while !bytes.is_empty() {
            let room = self.buf.len() - self.n;
            let (now, later) = bytes.split_at(room.min(bytes.len()));
            if let Some(dst) = self.buf.get_mut(self.n..self.n + now.len()) {
                dst.copy_from_slice(now);
            }
            self.n += now.len();
            bytes = later;
            if self.n == self.buf.len() {
                self.flush();
            }
        }
    }

    /// Encodes what is buffered: a multiple of 3 bytes except at the end.
    fn flush(&mut self) {
        let mut text = [0u8; 512];
        let bytes = self.buf.get(..self.n).unwrap_or_default();
        if let Ok(k) = STANDARD.encode_slice(bytes, &mut text) {
            (self.sink)(text.get(..k).unwrap_or_default());
            self.written += k as u64;
        }
        self.n = 0;
    }

    /// Pads and flushes the end; returns the characters written in all.
    pub(super) fn finish(mut self) -> u64 {
        self.flush();
        self.written
    }
}
