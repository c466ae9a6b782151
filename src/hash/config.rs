//! PROTOCOL.md §13's hashes: the config hash (Go `EnclaveConfig.Hash`),
//! the attestation user data of an applied config (Go
//! `SetConfigResponse.UserDataHash`), and the §5 payload a vote signs.
//!
//! The config hash writes the signers **in the order given**, not sorted
//! as §4's `cfg` sorts them: a reordered set is another config.

use crate::hash::Writer;
use crate::leaf::{CanonicalHash, Malformed};
use crate::message::config::ConfigJson;
use crate::message::params::ByteString;

/// Length of the payload a current signer signs for a vote (§5 framing
/// with the 35-byte tag `CONFIDENTIAL_COMPUTE_CONFIG_UPDATE_`).
pub const CONFIG_SIGNATURE_PAYLOAD_LEN: usize = 182;

const CONFIG_TAG: &[u8] = b"\nEnclaveConfig\n";
const USER_DATA_TAG: &[u8] = b"\nSetConfigResponse\n";
const VOTE_TAG: &[u8] = b"CONFIDENTIAL_COMPUTE_CONFIG_UPDATE_";

/// The config hash over its parts: `len(#signers)`, each signer as
/// `bytes`, `bytes(masterPublicKey)`, `u32(t)`, `u32(f)`.
pub(crate) fn hash_parts<'b>(
    count: usize,
    signers: impl Iterator<Item = ByteString<'b>>,
    master_public_key: &ByteString<'_>,
    t: u32,
    f: u32,
) -> CanonicalHash {
    let mut w = Writer::new(CONFIG_TAG);
    w.len(count);
    for signer in signers {
        w.byte_string(&signer);
    }
    w.byte_string(master_public_key);
    w.raw(&t.to_be_bytes());
    w.raw(&f.to_be_bytes());
    w.finish()
}

/// The hash of a config read from JSON (its values were checked as
/// canonical base64 when read).
pub(crate) fn hash_read(c: &ConfigJson<'_>) -> CanonicalHash {
    hash_parts(
        c.signer_count(),
        c.signers(),
        &c.master_public_key(),
        c.t(),
        c.f(),
    )
}

/// The §13 config hash of a configuration given as JSON, as Go writes
/// it (`{"signers":[base64,…],"masterPublicKey":base64,"t":2,"f":1}`), read
/// under §13 rule 1. The config need not be valid under §7: every config
/// has a hash.
///
/// ```
/// let json = br#"{"signers":null,"masterPublicKey":null,"t":0,"f":0}"#;
/// let hash = relay_verifier::config_hash(json).unwrap();
/// assert_eq!(hash.to_string(),
///     "51b3ba09600c9cb8b52529cfb0dddca24499661ec2f0ecfaef51747c93b2b078");
/// ```
pub fn config_hash(json: &[u8]) -> Result<CanonicalHash, Malformed> {
    ConfigJson::from_json(json).map(|c| hash_read(&c))
}

/// The attestation user data of an applied config (§13): SHA-256 of
/// `CONFIDENTIAL_COMPUTE_PAYLOAD`, `\nSetConfigResponse\n` and the config
/// hash, 32 raw bytes.
pub fn config_user_data(config_hash: &CanonicalHash) -> [u8; 32] {
    let mut w = Writer::new(USER_DATA_TAG);
    w.raw(config_hash.as_bytes());
    *w.finish().as_bytes()
}

/// The 182-byte payload a current signer signs to vote for the config
/// with this hash (§13: §5's framing, tag
/// `CONFIDENTIAL_COMPUTE_CONFIG_UPDATE_`).
pub fn config_signature_payload(config_hash: &CanonicalHash) -> [u8; CONFIG_SIGNATURE_PAYLOAD_LEN] {
    config_hash.framed_payload(VOTE_TAG)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signers_are_hashed_in_the_order_given() {
        let a = br#"{"signers":["AAE=","AAI="],"t":1,"f":1}"#;
        let b = br#"{"signers":["AAI=","AAE="],"t":1,"f":1}"#;
        assert_ne!(config_hash(a).unwrap(), config_hash(b).unwrap());
        let raw = hash_parts(
            2,
            [ByteString::Raw(&[0, 1]), ByteString::Raw(&[0, 2])].into_iter(),
            &ByteString::Raw(&[]),
            1,
            1,
        );
        assert_eq!(config_hash(a).unwrap(), raw);
    }

    #[test]
    fn vote_payload_frames_the_hash_under_its_tag() {
        let p = config_signature_payload(&CanonicalHash::from_bytes([9; 32]));
        assert_eq!(&p[98..106], &35u64.to_be_bytes());
        assert_eq!(&p[106..141], VOTE_TAG);
        assert_eq!(&p[150..], &[9; 32]);
    }
}
