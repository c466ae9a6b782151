//! SHA-256 with the primitives of PROTOCOL.md §4: a domain and tag, then
//! big-endian lengths and strings decoded in place, chunk by chunk (also
//! §12's request hash). Nothing is buffered.

use core::cmp::Ordering;

use sha2::{Digest, Sha256};

use crate::leaf::CanonicalHash;
use crate::message::params::{ByteString, EnclaveConfig, MAX_CONFIG_SIGNERS};
use crate::read::Text;

const DOMAIN: &[u8] = b"CONFIDENTIAL_COMPUTE_PAYLOAD";

/// SHA-256 with the primitives of PROTOCOL.md §4 (also §12's request hash).
#[derive(Clone)]
pub(crate) struct Writer(Sha256);

impl Writer {
    pub(crate) fn new(tag: &[u8]) -> Self {
        let mut w = Writer(Sha256::new());
        w.0.update(DOMAIN);
        w.0.update(tag);
        w
    }

    pub(crate) fn len(&mut self, n: usize) {
        self.len64(n as u64);
    }

    pub(crate) fn len64(&mut self, n: u64) {
        self.0.update(n.to_be_bytes());
    }

    /// Bytes with no length prefix (§12's 32-byte request id).
    pub(crate) fn raw(&mut self, bytes: &[u8]) {
        self.0.update(bytes);
    }

    pub(crate) fn str(&mut self, s: &Text<'_>) {
        self.len(s.len());
        s.for_each_chunk(|c| self.0.update(c));
    }

    /// `bytes(b)`, streamed from the decoder (values were checked by
    /// `validate`, so the length is always known).
    pub(crate) fn byte_string(&mut self, b: &ByteString<'_>) {
        self.len(b.decoded_len().unwrap_or(0));
        let mut block = [0u8; 48];
        let mut n = 0;
        for byte in b.bytes() {
            if let Some(slot) = block.get_mut(n) {
                *slot = byte;
                n += 1;
            }
            if n == block.len() {
                self.0.update(block);
                n = 0;
            }
        }
        self.0.update(block.get(..n).unwrap_or_default());
    }

    pub(crate) fn config(&mut self, c: &EnclaveConfig<'_>) {
        // Sort signer places by decoded bytes; values were checked by
        // `validate`, so a failed decode cannot happen and sorts as empty.
        let signers = c.signers();
        let mut order = [0usize; MAX_CONFIG_SIGNERS];
        let order = signers.places().fill(&mut order);
        crate::leaf::sort::sort_by(order, |&a, &b| match (signers.at(a), signers.at(b)) {
            (Some(x), Some(y)) => x.bytes().cmp(y.bytes()),
            _ => Ordering::Equal,
        });
        self.len(order.len());
        for &place in order.iter() {
            if let Some(s) = signers.at(place) {
                self.byte_string(&s);
            }
        }
        self.byte_string(&c.master_public_key);
        self.0.update(c.t.to_be_bytes());
        self.0.update(c.f.to_be_bytes());
    }

    // Out of line: SHA-256's finalisation (padding, the last block) is
    // 200 B on `thumbv7em`, and LLVM inlines it into each hash's writer.
    #[inline(never)]
    pub(crate) fn finish(self) -> CanonicalHash {
        CanonicalHash::from_bytes(self.0.finalize().into())
    }
}
