//! Request parameters (PROTOCOL.md §2): read from JSON text or built in code,
//! then validated rule by rule.
//!
//! The enclave builds these itself; they feed the canonical hash and are
//! never read from a gateway's body.

use core::fmt;

use base64::Engine as _;

use crate::leaf::{Expected, Malformed};
pub use crate::message::params_error::{MethodKind, ParamsError};
use crate::read::object::Object;
use crate::read::text::Text;
use crate::read::Lexer;

/// Most secret identifiers one secrets request may name.
pub const MAX_SECRET_IDS: usize = 64;
/// Most signers an `enclave_config` may list.
pub const MAX_CONFIG_SIGNERS: usize = 32;

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

/// A secret's identifier: `{"key", "namespace"}`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct SecretId<'a> {
    /// The secret's key.
    pub key: Text<'a>,
    /// The secret's namespace.
    pub namespace: Text<'a>,
}

impl<'a> SecretId<'a> {
    /// An identifier from two plain strings.
    pub const fn new(key: &'a str, namespace: &'a str) -> Self {
        SecretId {
            key: Text::new(key),
            namespace: Text::new(namespace),
        }
    }

    /// An identifier from two [`Text`]s.
    pub const fn from_texts(key: Text<'a>, namespace: Text<'a>) -> Self {
        SecretId { key, namespace }
    }
}

/// A byte string of the request: raw bytes given in code, or the base64
/// text it had in JSON (Go's encoding of `[]byte`).
#[derive(Clone, Copy, Debug)]
pub enum ByteString<'a> {
    /// Bytes as they are.
    Raw(&'a [u8]),
    /// Standard padded base64 text, validated when parsed.
    Base64(Text<'a>),
}

impl<'a> ByteString<'a> {
    /// The decoded bytes, streamed: no length limit and no buffer beyond
    /// one 48-byte block. Stops early on text that is not base64 (which
    /// [`ByteString::decoded_len`] reports).
    pub(crate) fn bytes(&self) -> ByteStream<'a> {
        ByteStream {
            source: match *self {
                ByteString::Raw(b) => Source::Raw(b),
                ByteString::Base64(t) => Source::Base64(t.bytes()),
            },
            block: [0; 48],
            len: 0,
            at: 0,
            invalid: false,
        }
    }

    /// The decoded length, or `None` if the text is not padded standard
    /// base64. Runs the whole decoder once.
    pub(crate) fn decoded_len(&self) -> Option<usize> {
        let mut stream = self.bytes();
        let mut n = 0usize;
        while stream.refill() {
            n = n.saturating_add(usize::from(stream.len));
            stream.at = stream.len;
        }
        (!stream.invalid).then_some(n)
    }

    fn is_empty(&self) -> bool {
        match self {
            ByteString::Raw(b) => b.is_empty(),
            ByteString::Base64(t) => t.is_empty(),
        }
    }
}

/// Decoded bytes of a [`ByteString`], one block at a time.
///
/// The `base64` crate decodes slices; this feeds it 64 characters (16
/// quanta, 48 bytes) at a time so a key of any size needs no buffer for
/// its whole text. Padding is accepted only in the last block.
#[derive(Clone)]
pub(crate) struct ByteStream<'a> {
    source: Source<'a>,
    block: [u8; 48],
    len: u8,
    at: u8,
    invalid: bool,
}

#[derive(Clone)]
enum Source<'a> {
    Raw(&'a [u8]),
    Base64(crate::read::text::DecodedBytes<'a>),
}

impl ByteStream<'_> {
    /// Loads the next block; `false` at the end or on invalid text.
    fn refill(&mut self) -> bool {
        self.at = 0;
        self.len = 0;
        if self.invalid {
            return false;
        }
        match &mut self.source {
            Source::Raw(rest) => {
                let n = rest.len().min(self.block.len());
                let (head, tail) = rest.split_at(n);
                if let Some(dst) = self.block.get_mut(..n) {
                    dst.copy_from_slice(head);
                }
                *rest = tail;
                self.len = n as u8;
            }
            Source::Base64(chars) => {
                let mut text = [0u8; 64];
                let mut n = 0usize;
                for slot in text.iter_mut() {
                    let Some(c) = chars.next() else { break };
                    *slot = c;
                    n += 1;
                }
                let text = text.get(..n).unwrap_or_default();
                if text.is_empty() {
                    return false;
                }
                let padded = text.last() == Some(&b'=');
                let last = chars.clone().next().is_none();
                match base64::engine::general_purpose::STANDARD.decode_slice(text, &mut self.block)
                {
                    Ok(k) if last || !padded => self.len = k as u8,
                    _ => {
                        self.invalid = true;
                        return false;
                    }
                }
            }
        }
        self.len > 0
    }
}

impl Iterator for ByteStream<'_> {
    type Item = u8;

    fn next(&mut self) -> Option<u8> {
        if self.at >= self.len && !self.refill() {
            return None;
        }
        let b = self.block.get(usize::from(self.at)).copied();
        self.at = self.at.saturating_add(1);
        b
    }
}

/// The requested secret identifiers of a [`SecretsParams`], in request
/// order ([`SecretsParams::secrets`]).
///
/// A few words, whatever the count: the slice given to
/// [`SecretsParams::new`], or where the `secrets` array stands in the JSON
/// text [`RequestParams::from_json`] read (checked in full then), each
/// identifier read again from it on demand.
#[derive(Clone, Copy)]
pub struct SecretIds<'a>(List<'a, SecretId<'a>>);

/// The signer keys of an [`EnclaveConfig`], in the order given
/// ([`EnclaveConfig::signers`]): the slice given to [`EnclaveConfig::new`],
/// or the `signers` array of the JSON text, read again on demand.
#[derive(Clone, Copy)]
pub struct ConfigSigners<'a>(List<'a, ByteString<'a>>);

impl<'a> SecretIds<'a> {
    /// How many identifiers (at most [`MAX_SECRET_IDS`]).
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are none (which `validate` refuses).
    pub fn is_empty(&self) -> bool {
        self.0.len() == 0
    }

    /// The identifiers, in request order.
    pub fn iter(&self) -> SecretIdsIter<'a> {
        SecretIdsIter(self.0.iter())
    }

    /// The identifier at request position `index`; read from the start of
    /// the array for parameters read from JSON (iterate to read them all).
    pub fn get(&self, index: usize) -> Option<SecretId<'a>> {
        self.iter().nth(index)
    }

    /// Where each identifier stands, in request order: a key for
    /// [`SecretIds::at`] (random access for sorting, with no copy of the
    /// identifiers).
    pub(crate) fn places(&self) -> impl Iterator<Item = usize> + 'a {
        self.0.iter().map(|(place, _)| place)
    }

    /// The identifier at `place` (from [`SecretIds::places`]). Out of line:
    /// the hash's sort calls it from its comparison.
    #[inline(never)]
    pub(crate) fn at(&self, place: usize) -> Option<SecretId<'a>> {
        self.0.at(place)
    }
}

impl<'a> ConfigSigners<'a> {
    /// How many keys (at most [`MAX_CONFIG_SIGNERS`]).
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are none (which `validate` refuses).
    pub fn is_empty(&self) -> bool {
        self.0.len() == 0
    }

    /// The keys, in the order given.
    pub fn iter(&self) -> ConfigSignersIter<'a> {
        ConfigSignersIter(self.0.iter())
    }

    /// The key at position `index`; read from the start of the array for
    /// parameters read from JSON.
    pub fn get(&self, index: usize) -> Option<ByteString<'a>> {
        self.iter().nth(index)
    }

    /// Where each key stands, in order: a key for [`ConfigSigners::at`].
    pub(crate) fn places(&self) -> impl Iterator<Item = usize> + 'a {
        self.0.iter().map(|(place, _)| place)
    }

    /// The key at `place` (from [`ConfigSigners::places`]).
    pub(crate) fn at(&self, place: usize) -> Option<ByteString<'a>> {
        self.0.at(place)
    }
}

impl fmt::Debug for SecretIds<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl fmt::Debug for ConfigSigners<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl<'a> IntoIterator for SecretIds<'a> {
    type Item = SecretId<'a>;
    type IntoIter = SecretIdsIter<'a>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

impl<'a> IntoIterator for ConfigSigners<'a> {
    type Item = ByteString<'a>;
    type IntoIter = ConfigSignersIter<'a>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

/// The identifiers of a [`SecretIds`], in request order.
#[derive(Clone)]
pub struct SecretIdsIter<'a>(ListIter<'a, SecretId<'a>>);

/// The keys of a [`ConfigSigners`], in order.
#[derive(Clone)]
pub struct ConfigSignersIter<'a>(ListIter<'a, ByteString<'a>>);

impl<'a> Iterator for SecretIdsIter<'a> {
    type Item = SecretId<'a>;

    fn next(&mut self) -> Option<SecretId<'a>> {
        self.0.next().map(|(_, id)| id)
    }
}

impl<'a> Iterator for ConfigSignersIter<'a> {
    type Item = ByteString<'a>;

    fn next(&mut self) -> Option<ByteString<'a>> {
        self.0.next().map(|(_, key)| key)
    }
}

/// An element of a list the parameters borrow: read at the cursor, with
/// the reader `from_json` used the first time (so a second reading of
/// checked text gives the same values).
trait Element<'a>: Copy + 'a {
    fn read(lx: &mut Lexer<'a>) -> Read<Self>;
}

impl<'a> Element<'a> for SecretId<'a> {
    /// At nesting depth 2 (parameters → `secrets` → identifier).
    fn read(lx: &mut Lexer<'a>) -> Read<Self> {
        json(read_id(lx, 2))
    }
}

/// `{"key", "namespace"}` or `null` (both empty), inside `depth`
/// containers. (result.rs reads a result entry's `id` with its own copy,
/// inlined there: a call per entry costs its hot loop about 2 %.)
fn read_id<'a>(lx: &mut Lexer<'a>, depth: usize) -> Result<SecretId<'a>, Malformed> {
    let mut id = SecretId::new("", "");
    if let Some(mut obj) = Object::open_or_null(lx, ID_KEYS, depth)? {
        while let Some(field) = obj.next(lx)? {
            let value = lx.string_or_null()?.map_or(Text::new(""), |s| s.text);
            match field.index {
                0 => id.key = value,
                _ => id.namespace = value,
            }
        }
    }
    Ok(id)
}

impl<'a> Element<'a> for ByteString<'a> {
    /// Base64 text or `null` (empty); `from_json` checks the base64 apart
    /// ([`check_signer`]), once.
    fn read(lx: &mut Lexer<'a>) -> Read<Self> {
        text(lx).map(ByteString::Base64)
    }
}

/// A list given in code, or an array of checked JSON text.
#[derive(Clone, Copy)]
enum List<'a, T> {
    Given(&'a [T]),
    /// `len` elements of the array whose `[` is at `at` in `doc`.
    Json {
        doc: &'a [u8],
        at: usize,
        len: usize,
    },
}

impl<'a, T: Element<'a>> List<'a, T> {
    fn len(&self) -> usize {
        match *self {
            List::Given(items) => items.len(),
            List::Json { len, .. } => len,
        }
    }

    /// Each element with its place: its index in a given list, its offset
    /// in JSON text.
    fn iter(&self) -> ListIter<'a, T> {
        match *self {
            List::Given(items) => ListIter::Given { items, next: 0 },
            List::Json { doc, at, .. } => ListIter::Json(JsonItems::new(doc, at)),
        }
    }

    fn at(&self, place: usize) -> Option<T> {
        match *self {
            List::Given(items) => items.get(place).copied(),
            List::Json { doc, .. } => T::read(&mut Lexer::at(doc, place)).ok(),
        }
    }
}

#[derive(Clone)]
enum ListIter<'a, T> {
    Given { items: &'a [T], next: usize },
    Json(JsonItems<'a>),
}

/// The elements of a checked JSON array, one step at a time (the part of
/// the walk that does not depend on the element type: one copy of it).
#[derive(Clone)]
struct JsonItems<'a> {
    lx: Lexer<'a>,
    first: bool,
    done: bool,
}

impl<'a> JsonItems<'a> {
    fn new(doc: &'a [u8], at: usize) -> Self {
        let mut lx = Lexer::at(doc, at);
        let open = lx.begin_array(Expected::ArrayOrNull).is_ok();
        JsonItems {
            lx,
            first: true,
            done: !open,
        }
    }

    /// Moves to the next element; its place, or `None` at the end.
    fn next_place(&mut self) -> Option<usize> {
        // Checked text: an error cannot happen, and would end the list.
        if self.done || !self.lx.next_element(&mut self.first).unwrap_or(false) {
            self.done = true;
            return None;
        }
        self.lx.peek();
        Some(self.lx.pos())
    }
}

impl<'a, T: Element<'a>> Iterator for ListIter<'a, T> {
    type Item = (usize, T);

    fn next(&mut self) -> Option<(usize, T)> {
        match self {
            ListIter::Given { items, next } => {
                let place = *next;
                let item = items.get(place).copied()?;
                *next = place.saturating_add(1);
                Some((place, item))
            }
            ListIter::Json(items) => {
                let place = items.next_place()?;
                let item = T::read(&mut items.lx).ok();
                items.done = item.is_none();
                Some((place, item?))
            }
        }
    }
}

/// More than [`MAX_SECRET_IDS`] identifiers.
const IDS_CAPACITY: ParamsError = ParamsError::Capacity {
    what: "secret identifiers",
    max: MAX_SECRET_IDS,
};
/// More than [`MAX_CONFIG_SIGNERS`] signers.
const SIGNERS_CAPACITY: ParamsError = ParamsError::Capacity {
    what: "enclave_config signers",
    max: MAX_CONFIG_SIGNERS,
};

/// Reads a list field (an array or `null`, each element checked by
/// `check`), refusing more elements than `full` allows; keeps where the
/// array stands, not its elements.
fn read_list<'a, T: Element<'a>>(
    lx: &mut Lexer<'a>,
    full: ParamsError,
    check: impl Fn(&T) -> Read<()>,
) -> Read<List<'a, T>> {
    let max = match full {
        ParamsError::Capacity { max, .. } => max,
        _ => 0,
    };
    if json(lx.null())? {
        return Ok(List::Given(&[]));
    }
    lx.peek();
    let at = lx.pos();
    json(lx.begin_array(Expected::ArrayOrNull))?;
    let mut first = true;
    let mut len = 0usize;
    while json(lx.next_element(&mut first))? {
        let item = T::read(lx)?;
        check(&item)?;
        if len >= max {
            return Err(full);
        }
        len = len.saturating_add(1);
    }
    Ok(List::Json {
        doc: lx.buf(),
        at,
        len,
    })
}

/// An `enclave_config.signers` element must be padded base64 (or empty).
fn check_signer(s: &ByteString<'_>) -> Read<()> {
    if !s.is_empty() && s.decoded_len().is_none() {
        return Err(ParamsError::NotBase64 {
            field: "enclave_config.signers",
        });
    }
    Ok(())
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

    /// The method these parameters belong to.
    pub fn method(&self) -> Method {
        match self {
            RequestParams::Secrets(_) => Method::SecretsGet,
            RequestParams::Capability(_) => Method::CapabilityExecute,
        }
    }

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

fn check_owner(method: MethodKind, owner: &Text<'_>) -> Result<(), ParamsError> {
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

type Read<T> = Result<T, ParamsError>;

fn json<T>(r: Result<T, Malformed>) -> Read<T> {
    r.map_err(ParamsError::Json)
}

/// A string field (`null` reads as empty, as Go does).
fn text<'a>(lx: &mut Lexer<'a>) -> Read<Text<'a>> {
    Ok(json(lx.string_or_null())?.map_or(Text::new(""), |s| s.text))
}

/// A `[]byte` field: base64 text or `null`.
fn byte_string<'a>(lx: &mut Lexer<'a>, field: &'static str) -> Read<ByteString<'a>> {
    let t = text(lx)?;
    let b = ByteString::Base64(t);
    if !t.is_empty() && b.decoded_len().is_none() {
        return Err(ParamsError::NotBase64 { field });
    }
    Ok(b)
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
/// Keys of a requested secret identifier.
const ID_KEYS: &[&str] = &["key", "namespace"];
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

/// A `u32` field; `null` reads as 0, as Go leaves the field unset.
fn u32_or_null(lx: &mut Lexer<'_>) -> Read<u32> {
    match lx.peek() {
        Some(b'n') => json(lx.null()).map(|_| 0),
        Some(b'-' | b'0'..=b'9') => json(lx.u32()),
        _ => json(lx.fail(Expected::U32)),
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    const OWNER: &str = "0x1234567890abcdef1234567890ABCDEF12345678";

    fn secrets_json(extra: &str) -> heapless::String<1024> {
        let mut s = heapless::String::new();
        let _ = core::fmt::write(
            &mut s,
            format_args!(
                "{{\"workflow_id\":\"wf\",\"owner\":\"{OWNER}\",\"execution_id\":\"e\",\
                 \"secrets\":[{{\"key\":\"k\",\"namespace\":\"n\"}}],\
                 \"enclave_public_key\":\"0a0B\"{extra}}}"
            ),
        );
        s
    }

    #[test]
    fn reads_any_valid_json_spelling() {
        let doc = " {\"enclave_public_key\" : \"0a0B\", \"unknown\": {\"deep\": [1, {\"x\": null}]},\
                   \"secrets\":[{\"namespace\":\"n\",\"key\":\"\\u006b\"}], \"execution_id\":\"e\",\
                   \"owner\":\"0x1234567890abcdef1234567890ABCDEF12345678\", \"workflow_id\":\"w\\/f\"} ";
        let p = RequestParams::from_json(Method::SecretsGet, doc.as_bytes()).expect("valid");
        let RequestParams::Secrets(p) = p else {
            panic!("secrets")
        };
        assert_eq!(p.workflow_id, "w/f");
        assert_eq!(p.secrets().get(0), Some(SecretId::new("k", "n")));
        assert_eq!(p.secrets().len(), 1);
    }

    #[test]
    fn parameters_are_small() {
        // The documented bound of `RequestParams`: 264 bytes on 64-bit
        // targets (136 on 32-bit ones), down from 4,048 (2,028) when the
        // identifiers and signer keys were held inline.
        let bound = if cfg!(target_pointer_width = "64") {
            320
        } else {
            160
        };
        assert!(core::mem::size_of::<RequestParams<'_>>() <= bound);
    }

    #[test]
    fn lists_are_read_again_as_read_first() {
        let doc = "{\"workflow_id\":\"wf\",\"owner\":\"0x1234567890abcdef1234567890ABCDEF12345678\",\
                   \"execution_id\":\"e\",\"secrets\" : [ {\"namespace\":\"n1\",\"key\":\"k\\u0031\",\"x\":[{}]} ,\
                   {\"key\":\"k2\",\"namespace\":\"n2\"},{\"key\":\"k3\",\"namespace\":\"n1\"} ],\
                   \"enclave_public_key\":\"0a\",\"enclave_config\":{\"signers\":[ \"AQI=\" ,\"AQ==\"],\
                   \"master_public_key\":\"AA==\",\"t\":1,\"f\":1}}";
        let p = RequestParams::from_json(Method::SecretsGet, doc.as_bytes()).expect("valid");
        let RequestParams::Secrets(p) = p else {
            panic!("secrets")
        };
        let ids = p.secrets();
        let want = [
            SecretId::new("k1", "n1"),
            SecretId::new("k2", "n2"),
            SecretId::new("k3", "n1"),
        ];
        assert_eq!(ids.len(), 3);
        assert!(ids
            .iter()
            .zip(want.iter())
            .all(|(a, b)| a.key == b.key && a.namespace == b.namespace));
        assert_eq!(ids.iter().count(), 3);
        assert!(ids.get(3).is_none());
        // Random access by place gives the same identifiers.
        let mut n = 0;
        for (place, id) in ids.places().zip(ids.iter()) {
            assert_eq!(ids.at(place), Some(id));
            n += 1;
        }
        assert_eq!(n, 3);
        let signers = p.enclave_config.as_ref().expect("config").signers();
        assert_eq!(signers.len(), 2);
        let decoded: std::vec::Vec<std::vec::Vec<u8>> =
            signers.iter().map(|s| s.bytes().collect()).collect();
        assert_eq!(decoded, [std::vec![1u8, 2], std::vec![1]]);
        for place in signers.places() {
            assert!(signers.at(place).is_some());
        }
    }

    #[test]
    fn capacity_is_counted_while_reading() {
        let ids = |n: usize| {
            let one = "{\"key\":\"k\",\"namespace\":\"n\"}";
            std::vec![one; n].join(",")
        };
        let doc = |n: usize| {
            std::format!(
                "{{\"workflow_id\":\"wf\",\"owner\":\"{OWNER}\",\"execution_id\":\"e\",\
                 \"secrets\":[{}],\"enclave_public_key\":\"0a\"}}",
                ids(n)
            )
        };
        let full = doc(MAX_SECRET_IDS);
        let p = RequestParams::from_json(Method::SecretsGet, full.as_bytes());
        let Ok(RequestParams::Secrets(p)) = p else {
            panic!("64 identifiers are valid")
        };
        assert_eq!(p.secrets().iter().count(), MAX_SECRET_IDS);
        assert_eq!(
            RequestParams::from_json(Method::SecretsGet, doc(MAX_SECRET_IDS + 1).as_bytes()).err(),
            Some(IDS_CAPACITY)
        );
        let signers = std::vec!["\"AA==\""; MAX_CONFIG_SIGNERS + 1].join(",");
        let config = std::format!(
            ",\"enclave_config\":{{\"signers\":[{signers}],\"master_public_key\":\"AA==\",\"t\":1,\"f\":1}}"
        );
        assert_eq!(
            RequestParams::from_json(Method::SecretsGet, secrets_json(&config).as_bytes()).err(),
            Some(SIGNERS_CAPACITY)
        );
    }

    #[test]
    fn each_rule_is_named() {
        let cases: &[(&str, ParamsError)] = &[
            (",\"workflow_id\":\"\"", ParamsError::Json(Malformed { offset: 0, expected: Expected::UniqueKey("workflow_id") })),
            (",\"enclave_config\":{\"signers\":[],\"master_public_key\":\"AA==\",\"t\":1,\"f\":1}",
             ParamsError::ConfigSignersEmpty(MethodKind::Secrets)),
            (",\"enclave_config\":{\"signers\":[\"AA==\",\"\"],\"master_public_key\":\"AA==\",\"t\":1,\"f\":1}",
             ParamsError::ConfigSignerEmpty { method: MethodKind::Secrets, index: 1 }),
            (",\"enclave_config\":{\"signers\":[\"AA==\"],\"master_public_key\":\"AA==\",\"t\":1,\"f\":0}",
             ParamsError::ConfigFaultBoundZero(MethodKind::Secrets)),
            (",\"enclave_config\":{\"signers\":[\"AA==\"],\"master_public_key\":null,\"t\":1,\"f\":1}",
             ParamsError::ConfigMasterKeyEmpty(MethodKind::Secrets)),
            (",\"enclave_config\":{\"signers\":[\"A\"],\"master_public_key\":\"AA==\",\"t\":1,\"f\":1}",
             ParamsError::NotBase64 { field: "enclave_config.signers" }),
        ];
        for (extra, want) in cases {
            let doc = secrets_json(extra);
            let got =
                RequestParams::from_json(Method::SecretsGet, doc.as_bytes()).expect_err("invalid");
            match (got, want) {
                (ParamsError::Json(g), ParamsError::Json(w)) => assert_eq!(g.expected, w.expected),
                (g, w) => assert_eq!(g, *w, "{extra}"),
            }
        }
        assert!(RequestParams::from_json(
            Method::SecretsGet,
            secrets_json(",\"enclave_config\":null").as_bytes()
        )
        .is_ok());
    }

    #[test]
    fn owner_and_key_formats() {
        let m = MethodKind::Secrets;
        assert_eq!(check_owner(m, &Text::new(OWNER)), Ok(()));
        for bad in [
            "0X1234567890abcdef1234567890ABCDEF12345678",
            "1234567890abcdef1234567890ABCDEF1234567800",
            "0x1234567890abcdef1234567890ABCDEF1234567",
            "0x1234567890abcdef1234567890ABCDEF1234567g",
        ] {
            assert_eq!(
                check_owner(m, &Text::new(bad)),
                Err(ParamsError::OwnerFormat(m)),
                "{bad}"
            );
        }
        assert_eq!(
            check_owner(m, &Text::new("")),
            Err(ParamsError::Required {
                method: m,
                field: "owner"
            })
        );
    }

    #[test]
    fn byte_strings_stream_without_a_length_limit() {
        use base64::Engine as _;
        let b64 = base64::engine::general_purpose::STANDARD;
        for len in [0usize, 1, 47, 48, 49, 200, 1000] {
            let bytes: std::vec::Vec<u8> = (0..len).map(|i| (i * 7) as u8).collect();
            let text = b64.encode(&bytes);
            let b = ByteString::Base64(Text::new(&text));
            assert_eq!(b.decoded_len(), Some(len));
            assert_eq!(b.bytes().collect::<std::vec::Vec<_>>(), bytes);
            assert_eq!(ByteString::Raw(&bytes).bytes().count(), len);
        }
    }

    #[test]
    fn padding_only_at_the_very_end() {
        // 64 characters ending in "==" form a whole block, then more text.
        let early = std::format!("{}AA==AAAA", "A".repeat(60));
        assert_eq!(ByteString::Base64(Text::new(&early)).decoded_len(), None);
        for bad in ["A", "AA=", "A===", "AB=C", "@AAA", "AAAA AAAA"] {
            assert_eq!(
                ByteString::Base64(Text::new(bad)).decoded_len(),
                None,
                "{bad}"
            );
        }
        assert_eq!(ByteString::Base64(Text::new("AA==")).decoded_len(), Some(1));
    }
}
