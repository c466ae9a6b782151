//! Why a set of request parameters is refused (PROTOCOL.md §2), and the
//! result type its readers return.

use core::fmt;

use crate::leaf::Malformed;

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

#[cfg(feature = "std")]
#[cfg_attr(docsrs, doc(cfg(feature = "std")))]
impl std::error::Error for ParamsError {}

/// What a reader of the parameters returns.
pub(super) type Read<T> = Result<T, ParamsError>;

/// A JSON error as a parameters error.
pub(super) fn json<T>(r: Result<T, Malformed>) -> Read<T> {
    r.map_err(ParamsError::Json)
}
