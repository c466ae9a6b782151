//! Byte strings of the parameters (Go's `[]byte`): raw bytes given in
//! code, or base64 text streamed out of the JSON without a buffer.

use base64::Engine as _;

use crate::read::text::Text;

/// A byte string of the request: raw bytes given in code, or the base64
/// text it had in JSON (Go's encoding of `[]byte`).
#[derive(Clone, Copy, Debug)]
pub enum ByteString<'a> {
    /// Bytes as they are.
    Raw(&'a [u8]),
    /// Standard padded base64 text, validated when parsed.
    Base64(Text<'a>),
}

impl<'a> ByteString<'a> {
    /// The decoded bytes, streamed: no length limit and no buffer beyond
    /// one 48-byte block. Stops early on text that is not base64 (which
    /// [`ByteString::decoded_len`] reports).
    pub(crate) fn bytes(&self) -> ByteStream<'a> {
        ByteStream {
            source: match *self {
                ByteString::Raw(b) => Source::Raw(b),
                ByteString::Base64(t) => Source::Base64(t.bytes()),
            },
            block: [0; 48],
            len: 0,
            at: 0,
            invalid: false,
        }
    }

    /// The decoded length, or `None` if the text is not padded standard
    /// base64. Runs the whole decoder once.
    pub(crate) fn decoded_len(&self) -> Option<usize> {
        let mut stream = self.bytes();
        let mut n = 0usize;
        while stream.refill() {
            n = n.saturating_add(usize::from(stream.len));
            stream.at = stream.len;
        }
        (!stream.invalid).then_some(n)
    }

    pub(super) fn is_empty(&self) -> bool {
        match self {
            ByteString::Raw(b) => b.is_empty(),
            ByteString::Base64(t) => t.is_empty(),
        }
    }
}

/// Decoded bytes of a [`ByteString`], one block at a time.
///
/// The `base64` crate decodes slices; this feeds it 64 characters (16
/// quanta, 48 bytes) at a time so a key of any size needs no buffer for
/// its whole text. Padding is accepted only in the last block.
#[derive(Clone)]
pub(crate) struct ByteStream<'a> {
    source: Source<'a>,
    block: [u8; 48],
    len: u8,
    at: u8,
    invalid: bool,
}

#[derive(Clone)]
enum Source<'a> {
    Raw(&'a [u8]),
    Base64(crate::read::text::DecodedBytes<'a>),
}

impl ByteStream<'_> {
    /// Loads the next block; `false` at the end or on invalid text.
    fn refill(&mut self) -> bool {
        self.at = 0;
        self.len = 0;
        if self.invalid {
            return false;
        }
        match &mut self.source {
            Source::Raw(rest) => {
                let n = rest.len().min(self.block.len());
                let (head, tail) = rest.split_at(n);
                if let Some(dst) = self.block.get_mut(..n) {
                    dst.copy_from_slice(head);
                }
                *rest = tail;
                self.len = n as u8;
            }
            Source::Base64(chars) => {
                let mut text = [0u8; 64];
                let mut n = 0usize;
                for slot in text.iter_mut() {
                    let Some(c) = chars.next() else { break };
                    *slot = c;
                    n += 1;
                }
                let text = text.get(..n).unwrap_or_default();
                if text.is_empty() {
                    return false;
                }
                let padded = text.last() == Some(&b'=');
                let last = chars.clone().next().is_none();
                match base64::engine::general_purpose::STANDARD.decode_slice(text, &mut self.block)
                {
                    Ok(k) if last || !padded => self.len = k as u8,
                    _ => {
                        self.invalid = true;
                        return false;
                    }
                }
            }
        }
        self.len > 0
    }
}

impl Iterator for ByteStream<'_> {
    type Item = u8;

    fn next(&mut self) -> Option<u8> {
        if self.at >= self.len && !self.refill() {
            return None;
        }
        let b = self.block.get(usize::from(self.at)).copied();
        self.at = self.at.saturating_add(1);
        b
    }
}
