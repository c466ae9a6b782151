//! The parameters of one request (PROTOCOL.md §2), for either method:
//! the types, built in code or read by [`super::read`].

use crate::read::text::Text;

use super::bytes::ByteString;
use super::error::ParamsError;
use super::id::SecretId;
use super::lists::{
    ConfigSigners, List, SecretIds, IDS_CAPACITY, MAX_CONFIG_SIGNERS, MAX_SECRET_IDS,
    SIGNERS_CAPACITY,
};

/// The two JSON-RPC methods of the relay.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    /// `confidential.secrets.get`.
    SecretsGet,
    /// `confidential.capability.execute`.
    CapabilityExecute,
}

impl Method {
    /// The method's JSON-RPC name.
    pub const fn name(self) -> &'static str {
        match self {
            Method::SecretsGet => "confidential.secrets.get",
            Method::CapabilityExecute => "confidential.capability.execute",
        }
    }

    /// The method with this JSON-RPC name.
    pub fn from_name(name: &str) -> Result<Self, ParamsError> {
        match name {
            "confidential.secrets.get" => Ok(Method::SecretsGet),
            "confidential.capability.execute" => Ok(Method::CapabilityExecute),
            _ => Err(ParamsError::UnknownMethod),
        }
    }
}

/// `enclave_config`: the threshold-decryption DON the result is bound to.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct EnclaveConfig<'a> {
    /// The DON's signer keys (hashed sorted bytewise); see
    /// [`EnclaveConfig::signers`].
    pub(crate) signers: ConfigSigners<'a>,
    /// The DON's master public key.
    pub master_public_key: ByteString<'a>,
    /// Decryption threshold.
    pub t: u32,
    /// Fault bound of that DON.
    pub f: u32,
}

impl<'a> EnclaveConfig<'a> {
    /// A configuration built in code, borrowing `signers`; more than
    /// [`MAX_CONFIG_SIGNERS`] signers is [`ParamsError::Capacity`]. The §2
    /// rules are checked by `validate`, as for parameters read from JSON.
    pub fn new(
        signers: &'a [ByteString<'a>],
        master_public_key: ByteString<'a>,
        t: u32,
        f: u32,
    ) -> Result<Self, ParamsError> {
        if signers.len() > MAX_CONFIG_SIGNERS {
            return Err(SIGNERS_CAPACITY);
        }
        Ok(EnclaveConfig {
            signers: ConfigSigners(List::Given(signers)),
            master_public_key,
            t,
            f,
        })
    }

    /// The DON's signer keys, in the order given.
    pub fn signers(&self) -> ConfigSigners<'a> {
        self.signers
    }
}

/// Parameters of `confidential.secrets.get`.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct SecretsParams<'a> {
    /// `workflow_id`, required.
    pub workflow_id: Text<'a>,
    /// `owner`, `0x` and 40 hex digits.
    pub owner: Text<'a>,
    /// `execution_id`, required.
    pub execution_id: Text<'a>,
    /// `org_id`, optional (empty when absent).
    pub org_id: Text<'a>,
    /// The requested secrets, in request order; see
    /// [`SecretsParams::secrets`].
    pub(crate) secrets: SecretIds<'a>,
    /// `enclave_public_key`, even-length hex.
    pub enclave_public_key: Text<'a>,
    /// `enclave_config`, optional.
    pub enclave_config: Option<EnclaveConfig<'a>>,
    /// `attestation`: never hashed.
    pub attestation: Text<'a>,
    /// `signed_compute_requests` as raw JSON: never hashed.
    pub signed_compute_requests: Option<&'a [u8]>,
}

impl<'a> SecretsParams<'a> {
    /// Parameters built in code, borrowing `secrets`, with no `org_id`,
    /// `enclave_config`, `attestation` or `signed_compute_requests` (set
    /// those fields after). More than [`MAX_SECRET_IDS`] identifiers is
    /// [`ParamsError::Capacity`]; the §2 rules are checked by `validate`.
    pub fn new(
        workflow_id: Text<'a>,
        owner: Text<'a>,
        execution_id: Text<'a>,
        secrets: &'a [SecretId<'a>],
        enclave_public_key: Text<'a>,
    ) -> Result<Self, ParamsError> {
        if secrets.len() > MAX_SECRET_IDS {
            return Err(IDS_CAPACITY);
        }
        Ok(SecretsParams {
            workflow_id,
            owner,
            execution_id,
            org_id: Text::default(),
            secrets: SecretIds(List::Given(secrets)),
            enclave_public_key,
            enclave_config: None,
            attestation: Text::default(),
            signed_compute_requests: None,
        })
    }

    /// The requested secrets, in request order.
    pub fn secrets(&self) -> SecretIds<'a> {
        self.secrets
    }
}

/// Parameters of `confidential.capability.execute`.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct CapabilityParams<'a> {
    /// `workflow_id`, required.
    pub workflow_id: Text<'a>,
    /// `owner`, `0x` and 40 hex digits.
    pub owner: Text<'a>,
    /// `execution_id`, required.
    pub execution_id: Text<'a>,
    /// `org_id`, optional (empty when absent).
    pub org_id: Text<'a>,
    /// `reference_id`, required.
    pub reference_id: Text<'a>,
    /// `capability_id`, required.
    pub capability_id: Text<'a>,
    /// `payload`, required.
    pub payload: Text<'a>,
    /// `enclave_config`, optional.
    pub enclave_config: Option<EnclaveConfig<'a>>,
    /// `attestation`: never hashed.
    pub attestation: Text<'a>,
}

impl<'a> CapabilityParams<'a> {
    /// Parameters built in code, with no `org_id`, `enclave_config` or
    /// `attestation` (set those fields after); the §2 rules are checked by
    /// `validate`.
    pub const fn new(
        workflow_id: Text<'a>,
        owner: Text<'a>,
        execution_id: Text<'a>,
        reference_id: Text<'a>,
        capability_id: Text<'a>,
        payload: Text<'a>,
    ) -> Self {
        CapabilityParams {
            workflow_id,
            owner,
            execution_id,
            org_id: Text::new(""),
            reference_id,
            capability_id,
            payload,
            enclave_config: None,
            attestation: Text::new(""),
        }
    }
}

/// The parameters of one request, for either method.
///
/// A small value: 264 bytes on 64-bit targets, 136 on 32-bit ones (a unit
/// test holds it under 320 and 160). It holds no secret identifier and no
/// signer key itself: parameters read by [`RequestParams::from_json`] keep
/// where the `secrets` and `enclave_config.signers` arrays stand in the
/// JSON text they borrow, and read them again on demand (the text was
/// checked in full when read); parameters built in code borrow the
/// caller's slices. So "parse the parameters, then verify" fits one frame
/// of an embedder's small stack.
#[derive(Clone, Debug)]
pub enum RequestParams<'a> {
    /// `confidential.secrets.get`.
    Secrets(SecretsParams<'a>),
    /// `confidential.capability.execute`.
    Capability(CapabilityParams<'a>),
}

impl<'a> RequestParams<'a> {
    /// The method these parameters belong to.
    pub fn method(&self) -> Method {
        match self {
            RequestParams::Secrets(_) => Method::SecretsGet,
            RequestParams::Capability(_) => Method::CapabilityExecute,
        }
    }
}
