//! Parameters read from JSON text (PROTOCOL.md §2): any valid spelling,
//! strictly (repeated and case-folded keys, wrong types refused), into
//! place.

use crate::leaf::{Expected, Malformed};
use crate::read::object::Object;
use crate::read::text::Text;
use crate::read::Lexer;

use super::bytes::ByteString;
use super::error::{json, ParamsError, Read};
use super::field::{byte_string, text, u32_or_null};
use super::lists::{
    check_signer, read_list, ConfigSigners, List, SecretIds, IDS_CAPACITY, SIGNERS_CAPACITY,
};
use super::request::{CapabilityParams, EnclaveConfig, Method, RequestParams, SecretsParams};

impl<'a> RequestParams<'a> {
    /// Reads the parameters of `method` from JSON text and validates them.
    ///
    /// Any valid JSON is accepted (whitespace, key order, escapes, unknown
    /// fields); a repeated known key or a wrong type is refused.
    pub fn from_json(method: Method, json: &'a [u8]) -> Result<Self, ParamsError> {
        Lexer::document(json).map_err(ParamsError::Json)?;
        let mut lx = Lexer::new(json);
        // Read into place (one copy of the value, never a move of it).
        let mut params = match method {
            Method::SecretsGet => RequestParams::Secrets(SecretsParams::empty()),
            Method::CapabilityExecute => RequestParams::Capability(CapabilityParams::empty()),
        };
        match &mut params {
            RequestParams::Secrets(p) => read_secrets(&mut lx, json, p)?,
            RequestParams::Capability(p) => read_capability(&mut lx, p)?,
        }
        lx.end().map_err(ParamsError::Json)?;
        params.validate()?;
        Ok(params)
    }
}

/// Keys every request has, first in both key lists below.
const COMMON_KEYS: usize = 6;
/// Keys of secrets request parameters.
const SECRETS_KEYS: &[&str] = &[
    "workflow_id",
    "owner",
    "execution_id",
    "org_id",
    "attestation",
    "enclave_config",
    "secrets",
    "enclave_public_key",
    "signed_compute_requests",
];
/// Keys of capability request parameters.
const CAPABILITY_KEYS: &[&str] = &[
    "workflow_id",
    "owner",
    "execution_id",
    "org_id",
    "attestation",
    "enclave_config",
    "reference_id",
    "capability_id",
    "payload",
];
/// Keys of `enclave_config`.
const CONFIG_KEYS: &[&str] = &["signers", "master_public_key", "t", "f"];

/// The fields both requests share, borrowed from either parameter type.
struct Common<'p, 'a> {
    workflow_id: &'p mut Text<'a>,
    owner: &'p mut Text<'a>,
    execution_id: &'p mut Text<'a>,
    org_id: &'p mut Text<'a>,
    attestation: &'p mut Text<'a>,
    enclave_config: &'p mut Option<EnclaveConfig<'a>>,
}

impl<'a> Common<'_, 'a> {
    /// Reads the value of shared key number `index` (below [`COMMON_KEYS`]).
    fn read(&mut self, lx: &mut Lexer<'a>, index: usize) -> Read<()> {
        match index {
            0 => *self.workflow_id = text(lx)?,
            1 => *self.owner = text(lx)?,
            2 => *self.execution_id = text(lx)?,
            3 => *self.org_id = text(lx)?,
            4 => *self.attestation = text(lx)?,
            _ => read_config(lx, self.enclave_config)?,
        }
        Ok(())
    }
}

impl SecretsParams<'_> {
    fn empty() -> Self {
        SecretsParams {
            workflow_id: Text::new(""),
            owner: Text::new(""),
            execution_id: Text::new(""),
            org_id: Text::new(""),
            secrets: SecretIds(List::Given(&[])),
            enclave_public_key: Text::new(""),
            enclave_config: None,
            attestation: Text::new(""),
            signed_compute_requests: None,
        }
    }
}

impl CapabilityParams<'_> {
    const fn empty() -> Self {
        CapabilityParams::new(
            Text::new(""),
            Text::new(""),
            Text::new(""),
            Text::new(""),
            Text::new(""),
            Text::new(""),
        )
    }
}

fn read_secrets<'a>(lx: &mut Lexer<'a>, src: &'a [u8], p: &mut SecretsParams<'a>) -> Read<()> {
    let mut obj = json(Object::open(lx, SECRETS_KEYS, 0, Expected::Object))?;
    while let Some(field) = json(obj.next(lx))? {
        match field.index.checked_sub(COMMON_KEYS) {
            None => Common {
                workflow_id: &mut p.workflow_id,
                owner: &mut p.owner,
                execution_id: &mut p.execution_id,
                org_id: &mut p.org_id,
                attestation: &mut p.attestation,
                enclave_config: &mut p.enclave_config,
            }
            .read(lx, field.index)?,
            Some(0) => p.secrets = SecretIds(read_list(lx, IDS_CAPACITY, |_| Ok(()))?),
            Some(1) => p.enclave_public_key = text(lx)?,
            Some(_) => p.signed_compute_requests = json(compute_requests(lx, src))?,
        }
    }
    Ok(())
}

/// `signed_compute_requests`: never hashed, but Go decodes it as
/// `[]SignedComputeRequest`, so anything but an array of objects (or
/// `null`s) or `null` fails there and is refused here. Returns the array's
/// raw text; `None` for `null`.
fn compute_requests<'a>(
    lx: &mut Lexer<'a>,
    src: &'a [u8],
) -> core::result::Result<Option<&'a [u8]>, Malformed> {
    if lx.null()? {
        return Ok(None);
    }
    lx.peek();
    let start = lx.pos();
    lx.begin_array(Expected::ArrayOrNull)?;
    let mut first = true;
    while lx.next_element(&mut first)? {
        if !matches!(lx.peek(), Some(b'{' | b'n')) {
            return lx.fail(Expected::ObjectOrNull);
        }
        lx.skip_value(2)?;
    }
    Ok(src.get(start..lx.pos()))
}

fn read_capability<'a>(lx: &mut Lexer<'a>, p: &mut CapabilityParams<'a>) -> Read<()> {
    let mut obj = json(Object::open(lx, CAPABILITY_KEYS, 0, Expected::Object))?;
    while let Some(field) = json(obj.next(lx))? {
        match field.index.checked_sub(COMMON_KEYS) {
            None => Common {
                workflow_id: &mut p.workflow_id,
                owner: &mut p.owner,
                execution_id: &mut p.execution_id,
                org_id: &mut p.org_id,
                attestation: &mut p.attestation,
                enclave_config: &mut p.enclave_config,
            }
            .read(lx, field.index)?,
            Some(0) => p.reference_id = text(lx)?,
            Some(1) => p.capability_id = text(lx)?,
            Some(_) => p.payload = text(lx)?,
        }
    }
    Ok(())
}

/// Reads `enclave_config` (or `null`) into `slot`, in place.
fn read_config<'a>(lx: &mut Lexer<'a>, slot: &mut Option<EnclaveConfig<'a>>) -> Read<()> {
    let Some(mut obj) = json(Object::open_or_null(lx, CONFIG_KEYS, 1))? else {
        *slot = None;
        return Ok(());
    };
    let config = slot.insert(EnclaveConfig {
        signers: ConfigSigners(List::Given(&[])),
        master_public_key: ByteString::Raw(&[]),
        t: 0,
        f: 0,
    });
    while let Some(field) = json(obj.next(lx))? {
        match field.index {
            0 => config.signers = ConfigSigners(read_list(lx, SIGNERS_CAPACITY, check_signer)?),
            1 => config.master_public_key = byte_string(lx, "enclave_config.master_public_key")?,
            2 => config.t = u32_or_null(lx)?,
            _ => config.f = u32_or_null(lx)?,
        }
    }
    Ok(())
}
