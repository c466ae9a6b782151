//! The canonical hash value (PROTOCOL.md §4) and the payload a node signs
//! over it (§5, and §12's compute framing). A value type with no rules of
//! its own: everything above it names hashes with it.

use core::fmt;

/// Length of the payload a relay node signs.
pub const SIGNATURE_PAYLOAD_LEN: usize = 174;

/// The SHA-256 canonical hash of one logical response.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct CanonicalHash([u8; 32]);

impl CanonicalHash {
    /// Wraps 32 bytes.
    pub const fn from_bytes(bytes: [u8; 32]) -> Self {
        CanonicalHash(bytes)
    }

    /// The hash's bytes.
    pub const fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// The 174-byte message a relay node signs for this hash (PROTOCOL.md §5):
    /// ragep2p's domain-separated "arbitrary message" framing.
    pub fn signature_payload(&self) -> [u8; SIGNATURE_PAYLOAD_LEN] {
        self.framed_payload(b"CONFIDENTIAL_RELAY_PAYLOAD_")
    }

    /// The §5 framing of this hash under `tag`; `N` is 147 plus the tag's
    /// length (one framing for both doors: relay responses and, §12,
    /// compute requests).
    pub(crate) fn framed_payload<const N: usize>(&self, tag: &[u8]) -> [u8; N] {
        const CONTEXT: &[u8] = b"ragep2p arbitrary message signing";
        let mut out = [0u8; N];
        let parts: [&[u8]; 8] = [
            &[0x20; 64],
            CONTEXT,
            &[0x00],
            &(tag.len() as u64).to_be_bytes(),
            tag,
            &[0x00], // short-message marker: the hash is under 1024 bytes
            &32u64.to_be_bytes(),
            &self.0,
        ];
        let mut at = 0usize;
        for part in parts {
            let end = at.saturating_add(part.len());
            if let Some(dst) = out.get_mut(at..end) {
                dst.copy_from_slice(part);
            }
            at = end;
        }
        debug_assert_eq!(at, N);
        out
    }
}

impl CanonicalHash {
    /// Parses 64 hex digits (either case).
    pub fn from_hex(hex_digits: &str) -> Option<Self> {
        let mut out = [0u8; 32];
        hex::decode_to_slice(hex_digits, &mut out).ok()?;
        Some(CanonicalHash(out))
    }
}

impl fmt::Display for CanonicalHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut digits = [0u8; 64];
        match hex::encode_to_slice(self.0, &mut digits) {
            Ok(()) => f.write_str(core::str::from_utf8(&digits).map_err(|_| fmt::Error)?),
            Err(_) => Err(fmt::Error),
        }
    }
}

impl fmt::Debug for CanonicalHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CanonicalHash({self})")
    }
}

/// Length of the payload a Workflow DON node signs (§5 framing, §12 tag).
pub const COMPUTE_SIGNATURE_PAYLOAD_LEN: usize = 176;

impl CanonicalHash {
    /// The 176-byte message a Workflow DON node signs for a compute request
    /// with this hash (PROTOCOL.md §12: §5 with `CONFIDENTIAL_COMPUTE_PAYLOAD_`).
    pub fn compute_signature_payload(&self) -> [u8; COMPUTE_SIGNATURE_PAYLOAD_LEN] {
        self.framed_payload(b"CONFIDENTIAL_COMPUTE_PAYLOAD_")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_payload_layout() {
        let h = CanonicalHash::from_bytes([0xAB; 32]);
        let p = h.signature_payload();
        assert_eq!(&p[..64], &[0x20; 64][..]);
        assert_eq!(&p[64..97], b"ragep2p arbitrary message signing");
        assert_eq!(p[97], 0);
        assert_eq!(&p[98..106], &27u64.to_be_bytes());
        assert_eq!(&p[106..133], b"CONFIDENTIAL_RELAY_PAYLOAD_");
        assert_eq!(p[133], 0);
        assert_eq!(&p[134..142], &32u64.to_be_bytes());
        assert_eq!(&p[142..], &[0xAB; 32][..]);
    }

    #[test]
    fn display_is_lowercase_hex() {
        let mut b = [0u8; 32];
        b[0] = 0xF9;
        b[31] = 0x0A;
        let h = CanonicalHash::from_bytes(b);
        let mut s = heapless::String::<64>::new();
        core::fmt::write(&mut s, format_args!("{h}")).unwrap();
        assert!(s.starts_with("f900") && s.ends_with("000a"));
        assert_eq!(CanonicalHash::from_hex(&s), Some(h));
        assert_eq!(CanonicalHash::from_hex("f9"), None);
    }
}
