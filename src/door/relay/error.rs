//! The relay door's error: why a body was refused (PROTOCOL.md §7's
//! reasons), with the diagnosis of a body in which no result won.

use core::fmt;

use crate::leaf::{CanonicalHash, Malformed, VerifyStats};
use crate::message::params::ParamsError;

/// Why a body was refused by the verifier (or a result by
/// [`crate::canonical_hash`]).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// The enclave's own request parameters break a rule of PROTOCOL.md §2:
    /// no canonical hash can be formed.
    InvalidParams(ParamsError),
    /// The gateway's body is not a well-formed envelope; nothing was counted.
    Malformed(Malformed),
    /// The body was well-formed, but no result gathered enough signers.
    NoQuorum(NoQuorum),
}

impl Error {
    /// The reason as the reference vectors name it: `invalid_params`,
    /// `malformed` or `no_quorum`.
    pub fn reason(&self) -> &'static str {
        match self {
            Error::InvalidParams(_) => "invalid_params",
            Error::Malformed(_) => "malformed",
            Error::NoQuorum(_) => "no_quorum",
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::InvalidParams(e) => write!(f, "invalid request parameters: {e}"),
            Error::Malformed(e) => write!(f, "malformed body: {e}"),
            Error::NoQuorum(e) => write!(f, "no quorum: {e}"),
        }
    }
}

// `source()` stays `None`: `Display` already prints the detail, and a
// reporter walking the chain would print it twice.
#[cfg(feature = "std")]
#[cfg_attr(docsrs, doc(cfg(feature = "std")))]
impl std::error::Error for Error {}
#[cfg(feature = "std")]
#[cfg_attr(docsrs, doc(cfg(feature = "std")))]
impl std::error::Error for NoQuorum {}

impl From<ParamsError> for Error {
    fn from(e: ParamsError) -> Self {
        Error::InvalidParams(e)
    }
}

impl From<Malformed> for Error {
    fn from(e: Malformed) -> Self {
        Error::Malformed(e)
    }
}

/// Diagnosis of a well-formed body in which no result reached the threshold.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct NoQuorum {
    /// Signers needed for a result to win.
    pub threshold: u32,
    /// The hash with the most counted signers (ties: the smallest), and
    /// how many; `None` when no signature counted.
    pub leader: Option<(CanonicalHash, u32)>,
    /// How many distinct hashes gathered at least one counted signer.
    pub distinct_hashes: u32,
    /// What happened to every candidate signature.
    pub stats: VerifyStats,
}

impl fmt::Display for NoQuorum {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "no result reached {} signers ({} distinct hashes counted",
            self.threshold, self.distinct_hashes
        )?;
        if let Some((hash, n)) = &self.leader {
            write!(f, "; leading {hash}: {n}")?;
        }
        write!(f, "); {}", self.stats)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ConfigError;

    /// Issue #11: every error a caller gets back fits 128 bytes (clippy's
    /// `result_large_err` bound), so returning one costs little stack.
    #[test]
    fn errors_stay_within_128_bytes() {
        let sizes = [
            ("Error", core::mem::size_of::<Error>()),
            ("ConfigError", core::mem::size_of::<ConfigError>()),
            ("ParamsError", core::mem::size_of::<ParamsError>()),
            (
                "PostCheckError",
                core::mem::size_of::<crate::PostCheckError>(),
            ),
        ];
        for (name, size) in sizes {
            std::println!("{name}: {size} bytes");
            assert!(size <= 128, "{name} is {size} bytes");
        }
    }
}
