//! The enclave's trust anchor: the relay signer set and the fault bound.

use core::fmt;

use ed25519_compact::PublicKey;

/// Most relay signers a [`SignerSet`] holds (counted signers are a `u64` mask).
pub const MAX_SIGNERS: usize = 64;

/// Position of a key in a [`SignerSet`] (keys are kept sorted bytewise).
pub(crate) type SignerIndex = u8;

/// Distinct, valid 32-byte ed25519 public keys of the relay DON, sorted
/// bytewise. Weak (small-order) and non-canonical keys are refused on load.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignerSet {
    keys: heapless::Vec<[u8; 32], MAX_SIGNERS>,
}

impl SignerSet {
    /// Loads keys given as byte slices; each must be exactly 32 bytes.
    ///
    /// ```
    /// use relay_verifier::SignerSet;
    /// let k = hex_literal(b"97e4a26f944161a5f334b7c02ce12d1878d32fa6fa2f925fb02adc29ddb3beec");
    /// assert_eq!(SignerSet::from_slices([&k[..], &k[..]]).unwrap_err().to_string(),
    ///            "signer 1 repeats an earlier key");
    /// # fn hex_literal(h: &[u8]) -> [u8; 32] { let mut o = [0; 32]; hex::decode_to_slice(h, &mut o).unwrap(); o }
    /// ```
    pub fn from_slices<'k>(keys: impl IntoIterator<Item = &'k [u8]>) -> Result<Self, ConfigError> {
        let mut set = SignerSet::EMPTY;
        set.load(keys)?;
        Ok(set)
    }

    /// No signers: only the room a set is loaded into in place.
    pub(crate) const EMPTY: SignerSet = SignerSet {
        keys: heapless::Vec::new(),
    };

    /// §7's key rules, loading into `self` in place (firmware builds a
    /// rotated config off its stack); `self` holds nothing usable on error.
    pub(crate) fn load<'k>(
        &mut self,
        keys: impl IntoIterator<Item = &'k [u8]>,
    ) -> Result<(), ConfigError> {
        let set = &mut self.keys;
        set.clear();
        for (index, key) in keys.into_iter().enumerate() {
            let bytes: [u8; 32] = key.try_into().map_err(|_| ConfigError::KeyLength {
                index,
                len: key.len(),
            })?;
            match PublicKey::new(bytes).validate() {
                Ok(()) => {}
                Err(ed25519_compact::Error::WeakPublicKey) => {
                    return Err(ConfigError::WeakKey { index })
                }
                Err(_) => return Err(ConfigError::InvalidKey { index }),
            }
            if set.contains(&bytes) {
                return Err(ConfigError::DuplicateSigner { index });
            }
            set.push(bytes)
                .map_err(|_| ConfigError::TooManySigners { max: MAX_SIGNERS })?;
        }
        crate::leaf::sort::sort_by(set, |a, b| a.cmp(b));
        Ok(())
    }

    /// Loads 32-byte keys.
    pub fn new(keys: &[[u8; 32]]) -> Result<Self, ConfigError> {
        Self::from_slices(keys.iter().map(|k| &k[..]))
    }

    /// Number of signers.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether the set is empty.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// The keys, sorted bytewise.
    pub fn keys(&self) -> &[[u8; 32]] {
        &self.keys
    }

    /// The position of `key`, if it is configured.
    pub(crate) fn index_of(&self, key: &[u8; 32]) -> Option<SignerIndex> {
        self.keys
            .binary_search(key)
            .ok()
            .and_then(|i| SignerIndex::try_from(i).ok())
    }

    pub(crate) fn key(&self, index: SignerIndex) -> Option<&[u8; 32]> {
        self.keys.get(usize::from(index))
    }
}

/// Signer set, fault bound `F` and the number of signers a result needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    signers: SignerSet,
    f: usize,
    threshold: usize,
}

impl Config {
    /// The signer set with fault bound `f`: a result needs `f + 1` signers.
    /// Refuses `f = 0` and `f + 1 > N`.
    pub fn new(signers: SignerSet, f: usize) -> Result<Self, ConfigError> {
        let threshold = Self::f_plus_one(f, signers.len())?;
        Ok(Config {
            signers,
            f,
            threshold,
        })
    }

    /// F+1, when `f` is a fault bound §7 accepts for `n` signers.
    fn f_plus_one(f: usize, n: usize) -> Result<usize, ConfigError> {
        if f == 0 {
            return Err(ConfigError::FaultBoundZero);
        }
        let threshold = f.checked_add(1).ok_or(ConfigError::ThresholdUnreachable {
            threshold: usize::MAX,
            signers: n,
        })?;
        if threshold > n {
            return Err(ConfigError::ThresholdUnreachable {
                threshold,
                signers: n,
            });
        }
        Ok(threshold)
    }

    /// No signers: only the room a config is loaded into in place.
    pub(crate) const EMPTY: Config = Config {
        signers: SignerSet::EMPTY,
        f: 0,
        threshold: 0,
    };

    /// [`Config::new`] in place, from keys in any order (as
    /// [`SignerSet::new`]); `self` holds nothing usable on error.
    pub(crate) fn load(&mut self, keys: &[[u8; 32]], f: usize) -> Result<(), ConfigError> {
        self.signers.load(keys.iter().map(|k| &k[..]))?;
        self.threshold = Self::f_plus_one(f, self.signers.len())?;
        self.f = f;
        Ok(())
    }

    /// Like [`Config::new`], with a stricter threshold (such as `2F+1`),
    /// which must be at least `F+1` and at most `N`.
    pub fn with_threshold(
        signers: SignerSet,
        f: usize,
        threshold: usize,
    ) -> Result<Self, ConfigError> {
        let base = Self::new(signers, f)?;
        if threshold < base.threshold {
            return Err(ConfigError::ThresholdBelowFPlusOne {
                threshold,
                minimum: base.threshold,
            });
        }
        Self::checked(base.signers, f, threshold)
    }

    fn checked(signers: SignerSet, f: usize, threshold: usize) -> Result<Self, ConfigError> {
        if threshold > signers.len() {
            return Err(ConfigError::ThresholdUnreachable {
                threshold,
                signers: signers.len(),
            });
        }
        Ok(Config {
            signers,
            f,
            threshold,
        })
    }

    /// The signer set.
    pub fn signers(&self) -> &SignerSet {
        &self.signers
    }

    /// The fault bound `F`.
    pub fn f(&self) -> usize {
        self.f
    }

    /// Distinct signers a result needs.
    pub fn threshold(&self) -> usize {
        self.threshold
    }
}

/// A configuration the verifier refuses to run with (PROTOCOL.md §7).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConfigError {
    /// `F` is zero: one signature would decide alone.
    FaultBoundZero,
    /// The threshold can never be met by the configured signers.
    ThresholdUnreachable {
        /// Signatures needed.
        threshold: usize,
        /// Configured signers.
        signers: usize,
    },
    /// The stricter threshold asked for is below `F+1`.
    ThresholdBelowFPlusOne {
        /// The threshold asked for.
        threshold: usize,
        /// `F+1`.
        minimum: usize,
    },
    /// The same key appears twice in the signer set.
    DuplicateSigner {
        /// Position of the second occurrence.
        index: usize,
    },
    /// A key is not 32 bytes long.
    KeyLength {
        /// Position of the key.
        index: usize,
        /// Its length in bytes.
        len: usize,
    },
    /// A key is not a canonical encoding of a curve point.
    InvalidKey {
        /// Position of the key.
        index: usize,
    },
    /// A key is a point of small order, under which forgeries are trivial.
    WeakKey {
        /// Position of the key.
        index: usize,
    },
    /// More keys than the signer set can hold.
    TooManySigners {
        /// The capacity, [`crate::MAX_SIGNERS`].
        max: usize,
    },
}

impl ConfigError {
    /// The reason as the reference vectors name it: `invalid_config`.
    pub fn reason(&self) -> &'static str {
        "invalid_config"
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            ConfigError::FaultBoundZero => f.write_str("the fault bound f must be at least 1"),
            ConfigError::ThresholdUnreachable { threshold, signers } => write!(
                f,
                "threshold {threshold} can never be met by {signers} signers"
            ),
            ConfigError::ThresholdBelowFPlusOne { threshold, minimum } => {
                write!(f, "threshold {threshold} is below F+1 = {minimum}")
            }
            ConfigError::DuplicateSigner { index } => {
                write!(f, "signer {index} repeats an earlier key")
            }
            ConfigError::KeyLength { index, len } => {
                write!(f, "signer {index} is {len} bytes, not 32")
            }
            ConfigError::InvalidKey { index } => {
                write!(f, "signer {index} is not a valid ed25519 public key")
            }
            ConfigError::WeakKey { index } => {
                write!(f, "signer {index} is a small-order (weak) key")
            }
            ConfigError::TooManySigners { max } => {
                write!(f, "more than {max} signers")
            }
        }
    }
}

#[cfg(feature = "std")]
#[cfg_attr(docsrs, doc(cfg(feature = "std")))]
impl std::error::Error for ConfigError {}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(seed: u8) -> [u8; 32] {
        *ed25519_compact::KeyPair::from_seed(ed25519_compact::Seed::new([seed; 32])).pk
    }

    #[test]
    fn refuses_bad_sets() {
        let (a, b) = (key(1), key(2));
        assert_eq!(
            SignerSet::new(&[a, b, a]),
            Err(ConfigError::DuplicateSigner { index: 2 })
        );
        assert_eq!(
            SignerSet::from_slices([&a[..], &b[..31]]),
            Err(ConfigError::KeyLength { index: 1, len: 31 })
        );
        // The identity point (small order) and a non-canonical y.
        let mut identity = [0u8; 32];
        identity[0] = 1;
        assert_eq!(
            SignerSet::new(&[a, identity]),
            Err(ConfigError::WeakKey { index: 1 })
        );
        let too_many: heapless::Vec<[u8; 32], 65> = (1..=65u8).map(key).collect();
        assert_eq!(
            SignerSet::new(&too_many),
            Err(ConfigError::TooManySigners { max: 64 })
        );
    }

    #[test]
    fn thresholds() {
        let set = SignerSet::new(&[key(1), key(2), key(3), key(4)]).unwrap();
        assert_eq!(
            Config::new(set.clone(), 0),
            Err(ConfigError::FaultBoundZero)
        );
        assert_eq!(
            Config::new(set.clone(), 4),
            Err(ConfigError::ThresholdUnreachable {
                threshold: 5,
                signers: 4
            })
        );
        assert_eq!(Config::new(set.clone(), 1).unwrap().threshold(), 2);
        assert_eq!(
            Config::with_threshold(set.clone(), 1, 3)
                .unwrap()
                .threshold(),
            3
        );
        assert_eq!(
            Config::with_threshold(set, 1, 1),
            Err(ConfigError::ThresholdBelowFPlusOne {
                threshold: 1,
                minimum: 2
            })
        );
    }
}
