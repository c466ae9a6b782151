//! The rules of PROTOCOL.md §2, each named by its [`ParamsError`]:
//! checked when parameters are read, and again before any hash.

use crate::read::text::Text;

use super::error::{MethodKind, ParamsError};
use super::request::{CapabilityParams, EnclaveConfig, RequestParams, SecretsParams};

impl RequestParams<'_> {
    /// Checks every rule of PROTOCOL.md §2, in field order.
    pub fn validate(&self) -> Result<(), ParamsError> {
        match self {
            RequestParams::Secrets(p) => p.validate(),
            RequestParams::Capability(p) => p.validate(),
        }
    }
}

impl SecretsParams<'_> {
    /// Checks every rule of PROTOCOL.md §2 for a secrets request.
    pub fn validate(&self) -> Result<(), ParamsError> {
        let m = MethodKind::Secrets;
        required(m, "workflow_id", &self.workflow_id)?;
        check_owner(m, &self.owner)?;
        required(m, "execution_id", &self.execution_id)?;
        if self.secrets.is_empty() {
            return Err(ParamsError::SecretsEmpty);
        }
        for (index, id) in self.secrets.iter().enumerate() {
            if id.key.is_empty() {
                return Err(ParamsError::SecretKeyRequired { index });
            }
            if id.namespace.is_empty() {
                return Err(ParamsError::SecretNamespaceRequired { index });
            }
        }
        required(m, "enclave_public_key", &self.enclave_public_key)?;
        let key = &self.enclave_public_key;
        if !key.len().is_multiple_of(2) || !key.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(ParamsError::EnclaveKeyNotHex);
        }
        check_config(m, self.enclave_config.as_ref())
    }
}

impl CapabilityParams<'_> {
    /// Checks every rule of PROTOCOL.md §2 for a capability request.
    pub fn validate(&self) -> Result<(), ParamsError> {
        let m = MethodKind::Capability;
        required(m, "workflow_id", &self.workflow_id)?;
        check_owner(m, &self.owner)?;
        required(m, "execution_id", &self.execution_id)?;
        required(m, "reference_id", &self.reference_id)?;
        required(m, "capability_id", &self.capability_id)?;
        required(m, "payload", &self.payload)?;
        check_config(m, self.enclave_config.as_ref())
    }
}

fn required(method: MethodKind, field: &'static str, value: &Text<'_>) -> Result<(), ParamsError> {
    if value.is_empty() {
        Err(ParamsError::Required { method, field })
    } else {
        Ok(())
    }
}

pub(super) fn check_owner(method: MethodKind, owner: &Text<'_>) -> Result<(), ParamsError> {
    required(method, "owner", owner)?;
    let mut bytes = owner.bytes();
    let prefixed = bytes.next() == Some(b'0') && bytes.next() == Some(b'x');
    let mut digits = 0usize;
    for b in bytes {
        if !b.is_ascii_hexdigit() {
            return Err(ParamsError::OwnerFormat(method));
        }
        digits = digits.saturating_add(1);
    }
    if prefixed && digits == 40 {
        Ok(())
    } else {
        Err(ParamsError::OwnerFormat(method))
    }
}

fn check_config(method: MethodKind, config: Option<&EnclaveConfig<'_>>) -> Result<(), ParamsError> {
    let Some(c) = config else { return Ok(()) };
    if c.signers.is_empty() {
        return Err(ParamsError::ConfigSignersEmpty(method));
    }
    for (index, s) in c.signers.iter().enumerate() {
        if s.is_empty() {
            return Err(ParamsError::ConfigSignerEmpty { method, index });
        }
        if s.decoded_len().is_none() {
            return Err(ParamsError::NotBase64 {
                field: "enclave_config.signers",
            });
        }
    }
    if c.f == 0 {
        return Err(ParamsError::ConfigFaultBoundZero(method));
    }
    if c.master_public_key.is_empty() {
        return Err(ParamsError::ConfigMasterKeyEmpty(method));
    }
    if c.master_public_key.decoded_len().is_none() {
        return Err(ParamsError::NotBase64 {
            field: "enclave_config.master_public_key",
        });
    }
    Ok(())
}
