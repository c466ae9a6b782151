//! Request parameters (PROTOCOL.md §2): read from JSON text or built in code,
//! then validated rule by rule.
//!
//! The enclave builds these itself; they feed the canonical hash and are
//! never read from a gateway's body.
//!
//! Split by job: the types ([`request`]), the lists they borrow
//! ([`lists`]), byte strings ([`bytes`]), identifiers ([`id`]), one
//! field's readers ([`field`]), reading from JSON ([`read`]), the rules
//! ([`validate`]) and their errors ([`error`]).

mod bytes;
mod error;
mod field;
mod id;
mod lists;
mod read;
mod request;
mod validate;

#[cfg(test)]
mod tests;

pub use bytes::ByteString;
pub use error::{MethodKind, ParamsError};
pub use id::SecretId;
pub use lists::{
    ConfigSigners, ConfigSignersIter, SecretIds, SecretIdsIter, MAX_CONFIG_SIGNERS, MAX_SECRET_IDS,
};
pub use request::{CapabilityParams, EnclaveConfig, Method, RequestParams, SecretsParams};
