//! The verifier: one checked configuration, and the doors it opens
//! (relay bodies in [`super::relay`], compute batches in [`super::compute`]).

use crate::trust::config::Config;

/// Largest body accepted (offsets are kept in 32 bits).
pub const MAX_BODY_LEN: usize = u32::MAX as usize;

/// Decides, for one configuration, whether bodies carry a quorum.
///
/// ```
/// use relay_verifier::{Config, SignerSet, Verifier};
/// # let keys = [[0x97, 0xe4, 0xa2, 0x6f, 0x94, 0x41, 0x61, 0xa5, 0xf3, 0x34, 0xb7, 0xc0, 0x2c, 0xe1, 0x2d, 0x18,
/// #   0x78, 0xd3, 0x2f, 0xa6, 0xfa, 0x2f, 0x92, 0x5f, 0xb0, 0x2a, 0xdc, 0x29, 0xdd, 0xb3, 0xbe, 0xec],
/// #   [0x1f, 0x80, 0x29, 0x65, 0x6e, 0xca, 0x0f, 0xb3, 0x2b, 0xca, 0xb2, 0x2b, 0x5d, 0x9d, 0xc8, 0xda,
/// #   0x7c, 0x76, 0xf4, 0xc5, 0x73, 0xbb, 0xa6, 0xa4, 0x69, 0x33, 0xce, 0xe7, 0xa0, 0xb8, 0x2d, 0x74]];
/// let verifier = Verifier::new(Config::new(SignerSet::new(&keys)?, 1)?);
/// # Ok::<(), relay_verifier::ConfigError>(())
/// ```
#[derive(Clone, Debug)]
pub struct Verifier {
    config: Config,
}

impl Verifier {
    /// A verifier for a checked configuration.
    pub fn new(config: Config) -> Self {
        Verifier { config }
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }
}
