//! The enclave's whole configuration as §13 hashes and rotates it (Go
//! `types.EnclaveConfig`): the signers in the order given, the opaque
//! `masterPublicKey` and `t`, and `f`; valid under §7 (rule 5) whenever
//! one exists.

use core::fmt;

use crate::hash::config::{config_user_data, hash_parts};
use crate::leaf::{CanonicalHash, Malformed};
use crate::message::config::{ConfigJson, MAX_MASTER_KEY_LEN};
use crate::message::params::ByteString;
use crate::trust::config::{Config, ConfigError, SignerIndex, MAX_SIGNERS};

/// The enclave's configuration (Go `types.EnclaveConfig`): the signers in
/// the order given, `masterPublicKey`, `t` and `f`. The verifier uses the
/// signers and `f` ([`RotationConfig::config`]); the master key and `t`
/// belong to the threshold-decryption DON and are kept and handed back,
/// never checked. Always a valid §7 configuration.
///
/// Fixed size: the [`Config`], the given order (64 bytes), the master key
/// (up to [`MAX_MASTER_KEY_LEN`] bytes) and the hash.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RotationConfig {
    config: Config,
    /// Position in the order given → index in the sorted [`SignerSet`].
    order: heapless::Vec<SignerIndex, MAX_SIGNERS>,
    master_public_key: heapless::Vec<u8, MAX_MASTER_KEY_LEN>,
    t: u32,
    hash: CanonicalHash,
}

impl RotationConfig {
    /// A configuration from its parts: the signers in the order that is
    /// hashed, then the opaque master key and `t`, and `f`. Refuses what §7
    /// refuses, and a master key over [`MAX_MASTER_KEY_LEN`] bytes.
    pub fn new(
        signers: &[[u8; 32]],
        master_public_key: &[u8],
        t: u32,
        f: u32,
    ) -> Result<Self, RotationConfigError> {
        let mut config = RotationConfig::EMPTY;
        config
            .load_signers(signers, f)
            .map_err(RotationConfigError::Invalid)?;
        config.master_public_key = heapless::Vec::from_slice(master_public_key)
            .map_err(|_| RotationConfigError::MasterKeyTooLong)?;
        config.seal(signers, t);
        Ok(config)
    }

    /// Reads a configuration written as Go writes it
    /// (`{"signers":[base64,…],"masterPublicKey":base64,"t":2,"f":1}`,
    /// §13 rule 1) and checks it as [`RotationConfig::new`] does.
    pub fn from_json(json: &[u8]) -> Result<Self, RotationConfigError> {
        let read = ConfigJson::from_json(json).map_err(RotationConfigError::Malformed)?;
        let mut keys = heapless::Vec::new();
        let mut config = RotationConfig::EMPTY;
        config
            .load_read(&read, &mut keys)
            .map_err(RotationConfigError::Invalid)?;
        Ok(config)
    }

    /// Nothing: only the room a config is loaded into in place.
    pub(crate) const EMPTY: RotationConfig = RotationConfig {
        config: Config::EMPTY,
        order: heapless::Vec::new(),
        master_public_key: heapless::Vec::new(),
        t: 0,
        hash: CanonicalHash::from_bytes([0; 32]),
    };

    /// §13 rule 5 on a config read from JSON (shape already checked),
    /// loaded into `self` in place with `keys` as room for the decoded
    /// signers: what a vote builds, off the stack ([`crate::VoteWork`]).
    /// `self` holds nothing usable on error.
    pub(crate) fn load_read(
        &mut self,
        c: &ConfigJson<'_>,
        keys: &mut heapless::Vec<[u8; 32], MAX_SIGNERS>,
    ) -> Result<(), ConfigError> {
        keys.clear();
        for (index, signer) in c.signers().enumerate() {
            let mut key = [0u8; 32];
            let mut len = 0usize;
            for byte in signer.bytes() {
                if let Some(slot) = key.get_mut(len) {
                    *slot = byte;
                }
                len = len.saturating_add(1);
            }
            if len != key.len() {
                return Err(ConfigError::KeyLength { index, len });
            }
            keys.push(key).map_err(|_| too_many())?;
        }
        self.load_signers(keys, c.f())?;
        self.master_public_key.clear();
        for byte in c.master_public_key().bytes() {
            // Checked against the capacity when read (malformed beyond it).
            let _ = self.master_public_key.push(byte);
        }
        self.seal(keys, c.t());
        Ok(())
    }

    /// §7 on the signers and `f`, loaded in place with the order given.
    fn load_signers(&mut self, signers: &[[u8; 32]], f: u32) -> Result<(), ConfigError> {
        self.config
            .load(signers, usize::try_from(f).unwrap_or(usize::MAX))?;
        self.order.clear();
        for key in signers {
            // Every key is in the set it was loaded into.
            let index = self.config.signers().index_of(key).unwrap_or_default();
            self.order.push(index).map_err(|_| too_many())?;
        }
        Ok(())
    }

    /// Sets `t` and the hash, once the signers and the master key are in.
    fn seal(&mut self, signers: &[[u8; 32]], t: u32) {
        self.t = t;
        self.hash = hash_parts(
            signers.len(),
            signers.iter().map(|k| ByteString::Raw(k)),
            &ByteString::Raw(&self.master_public_key),
            t,
            u32::try_from(self.config.f()).unwrap_or(u32::MAX),
        );
    }

    /// The signer set and `F` to verify with (hand it to `Verifier::new`).
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The signers, in the order given (the order that is hashed).
    pub fn signers(&self) -> impl Iterator<Item = &[u8; 32]> + '_ {
        self.order
            .iter()
            .filter_map(|&index| self.config.signers().key(index))
    }

    /// The number of signers, N.
    pub fn len(&self) -> usize {
        self.order.len()
    }

    /// Whether there are no signers (never, for a valid configuration).
    pub fn is_empty(&self) -> bool {
        self.order.is_empty()
    }

    /// `masterPublicKey`, opaque.
    pub fn master_public_key(&self) -> &[u8] {
        &self.master_public_key
    }

    /// `t`, opaque.
    pub fn t(&self) -> u32 {
        self.t
    }

    /// `f`, the fault bound F.
    pub fn f(&self) -> u32 {
        u32::try_from(self.config.f()).unwrap_or(u32::MAX)
    }

    /// The §13 config hash.
    pub fn hash(&self) -> CanonicalHash {
        self.hash
    }

    /// The attestation user data of this config once applied (§13).
    pub fn user_data(&self) -> [u8; 32] {
        config_user_data(&self.hash)
    }
}

fn too_many() -> ConfigError {
    ConfigError::TooManySigners { max: MAX_SIGNERS }
}

/// Why a [`RotationConfig`] cannot be built.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RotationConfigError {
    /// The JSON breaks §13 rule 1, at this offset.
    Malformed(Malformed),
    /// Not a valid §7 configuration.
    Invalid(ConfigError),
    /// The master key is longer than [`MAX_MASTER_KEY_LEN`] bytes.
    MasterKeyTooLong,
}

impl fmt::Display for RotationConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RotationConfigError::Malformed(m) => write!(f, "malformed config: {m}"),
            RotationConfigError::Invalid(e) => write!(f, "invalid config: {e}"),
            RotationConfigError::MasterKeyTooLong => {
                write!(f, "master public key over {MAX_MASTER_KEY_LEN} bytes")
            }
        }
    }
}

#[cfg(feature = "std")]
#[cfg_attr(docsrs, doc(cfg(feature = "std")))]
impl std::error::Error for RotationConfigError {}

#[cfg(test)]
mod tests {
    use super::*;

    const JSON: &[u8] = br#"{"signers":["H4ApZW7KD7MryrIrXZ3I2nx29MVzu6akaTPO56C4LXQ=","l+Sib5RBYaXzNLfALOEtGHjTL6b6L5JfsCrcKd2zvuw="],"masterPublicKey":"AQI=","t":7,"f":1}"#;

    #[test]
    fn keeps_the_order_given_and_hashes_as_the_json_does() {
        let c = RotationConfig::from_json(JSON).unwrap();
        let first = c.signers().next().unwrap();
        assert_eq!(first[0], 0x1f, "the given order, not the sorted one");
        assert_eq!(c.config().signers().keys()[0][0], 0x1f);
        let keys: heapless::Vec<[u8; 32], 2> = c.signers().copied().collect();
        assert_eq!(keys[1][0], 0x97);
        assert_eq!((c.t(), c.f(), c.master_public_key()), (7, 1, &[1u8, 2][..]));
        assert_eq!(Some(c.hash()), crate::hash::config::config_hash(JSON).ok());
        let again = RotationConfig::new(&keys, &[1, 2], 7, 1).unwrap();
        assert_eq!(again, c);
        let reversed = RotationConfig::new(&[keys[1], keys[0]], &[1, 2], 7, 1).unwrap();
        assert_ne!(reversed.hash(), c.hash());
    }

    #[test]
    fn refuses_what_rule_5_refuses() {
        let keys: heapless::Vec<[u8; 32], 2> = RotationConfig::from_json(JSON)
            .unwrap()
            .signers()
            .copied()
            .collect();
        let invalid = |r: Result<RotationConfig, RotationConfigError>| match r {
            Err(RotationConfigError::Invalid(e)) => Some(e),
            _ => None,
        };
        assert_eq!(
            invalid(RotationConfig::new(&keys, &[], 0, 0)),
            Some(ConfigError::FaultBoundZero)
        );
        assert!(invalid(RotationConfig::new(&keys, &[], 0, 2)).is_some());
        assert!(invalid(RotationConfig::new(&[keys[0], keys[0]], &[], 0, 1)).is_some());
        let short = br#"{"signers":["AAE=","AAI="],"f":1}"#;
        assert_eq!(
            invalid(RotationConfig::from_json(short)),
            Some(ConfigError::KeyLength { index: 0, len: 2 })
        );
        let long = [0u8; MAX_MASTER_KEY_LEN + 1];
        assert_eq!(
            RotationConfig::new(&keys, &long, 0, 1),
            Err(RotationConfigError::MasterKeyTooLong)
        );
    }
}
