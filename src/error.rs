//! One error type per operation: [`ConfigError`] for loading the signer set,
//! [`ParamsError`] for request parameters, [`Error`] for verifying a body
//! (and hashing a result). Each names its PROTOCOL.md §7 reason
//! (`reason()`), and each stays within 128 bytes so that a `Result` is
//! cheap to return on a small stack.

use core::fmt;

use crate::hash::CanonicalHash;
use crate::verify::VerifyStats;

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
impl std::error::Error for ConfigError {}
#[cfg(feature = "std")]
#[cfg_attr(docsrs, doc(cfg(feature = "std")))]
impl std::error::Error for ParamsError {}
#[cfg(feature = "std")]
#[cfg_attr(docsrs, doc(cfg(feature = "std")))]
impl std::error::Error for Malformed {}
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

/// Which method a set of parameters belongs to, for error messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MethodKind {
    /// `confidential.secrets.get`.
    Secrets,
    /// `confidential.capability.execute`.
    Capability,
}

impl fmt::Display for MethodKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            MethodKind::Secrets => "secrets",
            MethodKind::Capability => "capability",
        })
    }
}

/// The rule of PROTOCOL.md §2 that a set of request parameters breaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ParamsError {
    /// The method name is neither of the two known methods.
    UnknownMethod,
    /// The parameters are not valid JSON of the expected shape.
    Json(Malformed),
    /// A required string field is empty or absent.
    Required {
        /// Which request.
        method: MethodKind,
        /// The JSON key.
        field: &'static str,
    },
    /// `owner` is not `0x` followed by 40 hex digits.
    OwnerFormat(MethodKind),
    /// `enclave_public_key` is not even-length hex.
    EnclaveKeyNotHex,
    /// `secrets` is empty, absent or `null`.
    SecretsEmpty,
    /// `secrets[index].key` is empty.
    SecretKeyRequired {
        /// Position in `secrets`.
        index: usize,
    },
    /// `secrets[index].namespace` is empty.
    SecretNamespaceRequired {
        /// Position in `secrets`.
        index: usize,
    },
    /// `enclave_config.signers` is empty or `null`.
    ConfigSignersEmpty(MethodKind),
    /// `enclave_config.signers[index]` is empty.
    ConfigSignerEmpty {
        /// Which request.
        method: MethodKind,
        /// Position in `signers`.
        index: usize,
    },
    /// `enclave_config.f` is zero.
    ConfigFaultBoundZero(MethodKind),
    /// `enclave_config.master_public_key` is empty.
    ConfigMasterKeyEmpty(MethodKind),
    /// A byte field is not standard padded base64.
    NotBase64 {
        /// The JSON key.
        field: &'static str,
    },
    /// More items than this build can hold.
    Capacity {
        /// What overflowed.
        what: &'static str,
        /// The capacity.
        max: usize,
    },
}

impl ParamsError {
    /// The reason as the reference vectors name it: `invalid_params`.
    pub fn reason(&self) -> &'static str {
        "invalid_params"
    }
}

impl fmt::Display for ParamsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            ParamsError::UnknownMethod => f.write_str("unknown method"),
            ParamsError::Json(m) => write!(f, "not valid parameters JSON: {m}"),
            ParamsError::Required { method, field } => {
                write!(f, "{method} request: {field} is required")
            }
            ParamsError::OwnerFormat(method) => write!(
                f,
                "{method} request: owner must be 0x followed by 40 hex digits"
            ),
            ParamsError::EnclaveKeyNotHex => {
                f.write_str("secrets request: enclave_public_key must be even-length hex")
            }
            ParamsError::SecretsEmpty => f.write_str("secrets request: secrets must be non-empty"),
            ParamsError::SecretKeyRequired { index } => {
                write!(f, "secrets request: secrets[{index}].key is required")
            }
            ParamsError::SecretNamespaceRequired { index } => {
                write!(f, "secrets request: secrets[{index}].namespace is required")
            }
            ParamsError::ConfigSignersEmpty(method) => {
                write!(
                    f,
                    "{method} request: enclave_config.signers must be non-empty"
                )
            }
            ParamsError::ConfigSignerEmpty { method, index } => {
                write!(
                    f,
                    "{method} request: enclave_config.signers[{index}] is empty"
                )
            }
            ParamsError::ConfigFaultBoundZero(method) => {
                write!(
                    f,
                    "{method} request: enclave_config.f must be greater than 0"
                )
            }
            ParamsError::ConfigMasterKeyEmpty(method) => write!(
                f,
                "{method} request: enclave_config.master_public_key must be non-empty"
            ),
            ParamsError::NotBase64 { field } => write!(f, "{field} is not padded base64"),
            ParamsError::Capacity { what, max } => {
                write!(f, "more than {max} {what} (capacity of this build)")
            }
        }
    }
}

/// Where a body stops being a valid envelope, and what was expected there.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Malformed {
    /// Byte offset into the body (or the parameters text) of the problem.
    pub offset: usize,
    /// What the parser expected at that offset.
    pub expected: Expected,
}

impl Malformed {
    /// What was expected at byte `offset` (for comparisons in tests and
    /// callers' own readers).
    pub const fn new(offset: usize, expected: Expected) -> Self {
        Malformed { offset, expected }
    }
}

impl fmt::Display for Malformed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "at byte {}: expected {}", self.offset, self.expected)
    }
}

/// What the parser expected where it gave up.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Expected {
    /// Any JSON value.
    Value,
    /// A JSON object.
    Object,
    /// An object or `null`.
    ObjectOrNull,
    /// An array or `null`.
    ArrayOrNull,
    /// A string or `null`.
    StringOrNull,
    /// A non-negative integer that fits in 32 bits.
    U32,
    /// A string used as an object key.
    Key,
    /// `:` after a key.
    Colon,
    /// `,` or `}`.
    CommaOrObjectEnd,
    /// `,` or `]`.
    CommaOrArrayEnd,
    /// The closing `"` of a string.
    StringEnd,
    /// One of the escapes of RFC 8259.
    Escape,
    /// Four hex digits after `\u`.
    HexDigits,
    /// A `\u` low surrogate after a high surrogate.
    LowSurrogate,
    /// A low surrogate never stands alone.
    NoLoneLowSurrogate,
    /// Control characters must be escaped inside strings.
    NoControlCharacter,
    /// Strings must be valid UTF-8.
    Utf8,
    /// A digit of a number.
    Digit,
    /// `true`, `false` or `null`.
    Literal,
    /// Nothing but whitespace after the value.
    EndOfInput,
    /// No byte-order mark before the value.
    NoByteOrderMark,
    /// Nesting no deeper than [`crate::MAX_DEPTH`].
    DepthAtMost128,
    /// A known key appears at most once in an object.
    UniqueKey(&'static str),
    /// A known key spelled exactly: not a case variant that Go's decoder
    /// would also read as that key.
    ExactKey(&'static str),
    /// A body is a bundle or a single response, never both.
    BundleOrResponse,
    /// A result no larger than the workspace (entries, shares per entry).
    WithinCapacity,
    /// A JSON array.
    Array,
    /// A compute request's `requestID`: an array of 32 integers 0–255.
    RequestId,
    /// Canonical padded standard base64 (PROTOCOL.md §6) or `null`.
    CanonicalBase64,
}

impl fmt::Display for Expected {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Expected::Value => f.write_str("a JSON value"),
            Expected::Object => f.write_str("an object"),
            Expected::ObjectOrNull => f.write_str("an object or null"),
            Expected::ArrayOrNull => f.write_str("an array or null"),
            Expected::StringOrNull => f.write_str("a string or null"),
            Expected::U32 => f.write_str("an unsigned 32-bit integer"),
            Expected::Key => f.write_str("a string key"),
            Expected::Colon => f.write_str("':' after the key"),
            Expected::CommaOrObjectEnd => f.write_str("',' or '}'"),
            Expected::CommaOrArrayEnd => f.write_str("',' or ']'"),
            Expected::StringEnd => f.write_str("the closing quote of the string"),
            Expected::Escape => f.write_str("a valid escape sequence"),
            Expected::HexDigits => f.write_str("four hex digits after \\u"),
            Expected::LowSurrogate => f.write_str("a low surrogate escape after a high surrogate"),
            Expected::NoLoneLowSurrogate => f.write_str("no lone low surrogate"),
            Expected::NoControlCharacter => f.write_str("no raw control character in a string"),
            Expected::Utf8 => f.write_str("valid UTF-8"),
            Expected::Digit => f.write_str("a digit"),
            Expected::Literal => f.write_str("true, false or null"),
            Expected::EndOfInput => f.write_str("only whitespace after the value"),
            Expected::NoByteOrderMark => f.write_str("no byte-order mark"),
            Expected::DepthAtMost128 => f.write_str("nesting at most 128 levels deep"),
            Expected::UniqueKey(k) => write!(f, "no second \"{k}\" key in this object"),
            Expected::ExactKey(k) => {
                write!(f, "\"{k}\" spelled exactly, not a case-folded variant")
            }
            Expected::WithinCapacity => f.write_str("a result that fits the workspace"),
            Expected::Array => f.write_str("an array"),
            Expected::RequestId => f.write_str("a requestID of exactly 32 integers 0-255"),
            Expected::CanonicalBase64 => f.write_str("canonical padded base64 or null"),
            Expected::BundleOrResponse => f.write_str(
                "a bundle or a single response, not both (\"responses\" and \"result\")",
            ),
        }
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
