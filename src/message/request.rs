//! One signed compute request of PROTOCOL.md §12, read in place, and its
//! hash.
//!
//! The reader walks an entry once, checking every rule that makes a batch
//! malformed (types, the 32-byte request id, canonical base64 — shares
//! included — and, through [`Object`], repeated and case-folded keys), and
//! records where each field stands. Hashing then visits those places in the hash's own order, since
//! JSON keys may come in any order; nothing is copied.

use core::fmt;

use crate::leaf::{Expected, Malformed};
use crate::message::params::ByteString;
use crate::read::object::Object;
use crate::read::text::Text;
use crate::read::Lexer;

type Result<T> = core::result::Result<T, Malformed>;

/// Depth of an entry object in a §12 batch: batch array → entry.
pub(crate) const ENTRY_DEPTH: usize = 1;

/// The keys of a `SignedComputeRequest` (Go's JSON names), in the order
/// [`read_entry`] matches on.
const KEYS: &[&str] = &[
    "requestID",
    "applicationRequestID",
    "publicData",
    "ciphertexts",
    "CiphertextNames",
    "encryptedDecryptionKeyShares",
    "enclaveEphemeralPublicKey",
    "masterPublicKey",
    "appID",
    "version",
    "signature",
    "perNodeData",
];

/// A list field: where its array starts (`None`: absent or `null`) and how
/// many elements it has.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct ListAt {
    pub(crate) at: Option<usize>,
    pub(crate) len: usize,
}

/// One signed compute request as it stands in a batch: every field
/// checked, nothing copied. Lists are read again from the body on demand.
#[derive(Clone, Copy)]
pub struct ComputeRequest<'a> {
    body: &'a [u8],
    /// Offset of the entry's `{`.
    start: usize,
    request_id: [u8; 32],
    application_request_id: Text<'a>,
    public_data: Text<'a>,
    ciphertexts: ListAt,
    names: ListAt,
    shares: ListAt,
    ephemeral_key: Text<'a>,
    master_key: Text<'a>,
    app_id: Text<'a>,
    version: Text<'a>,
    signature: Option<Text<'a>>,
}

impl<'a> ComputeRequest<'a> {
    /// Reads one request object (a `ComputeRequest` or `SignedComputeRequest`
    /// as Go writes it) that is the whole of `json`.
    pub fn from_json(json: &'a [u8]) -> core::result::Result<Self, Malformed> {
        Lexer::no_byte_order_mark(json)?;
        let mut lx = Lexer::new(json);
        let request = read_entry(&mut lx, 0)?;
        lx.end()?;
        Ok(request)
    }

    /// Offset of the request's `{` in the text it was read from.
    pub fn offset(&self) -> usize {
        self.start
    }

    /// `requestID`.
    pub fn request_id(&self) -> &[u8; 32] {
        &self.request_id
    }

    /// `applicationRequestID` (empty when absent or `null`).
    pub fn application_request_id(&self) -> Text<'a> {
        self.application_request_id
    }

    /// `publicData`, canonical base64 text (empty when absent or `null`).
    pub fn public_data(&self) -> Text<'a> {
        self.public_data
    }

    /// `ciphertexts`, each canonical base64 text (`null` elements empty).
    pub fn ciphertexts(&self) -> TextList<'a> {
        TextList::at(self.body, self.ciphertexts)
    }

    /// `CiphertextNames` (`null` elements empty).
    pub fn ciphertext_names(&self) -> TextList<'a> {
        TextList::at(self.body, self.names)
    }

    /// How many `ciphertexts` and how many `CiphertextNames` there are.
    pub fn counts(&self) -> (usize, usize) {
        (self.ciphertexts.len, self.names.len)
    }

    /// `encryptedDecryptionKeyShares`: this node's shares, one list per
    /// ciphertext, each share canonical base64 text. Not signed.
    pub fn encrypted_decryption_key_shares(&self) -> ShareLists<'a> {
        ShareLists {
            list: TextList::at(self.body, self.shares),
        }
    }

    /// `enclaveEphemeralPublicKey`, canonical base64 text.
    pub fn enclave_ephemeral_public_key(&self) -> Text<'a> {
        self.ephemeral_key
    }

    /// `masterPublicKey`, canonical base64 text.
    pub fn master_public_key(&self) -> Text<'a> {
        self.master_key
    }

    /// `appID`.
    pub fn app_id(&self) -> Text<'a> {
        self.app_id
    }

    /// `version`.
    pub fn version(&self) -> Text<'a> {
        self.version
    }

    /// `signature`, canonical base64 text, unless absent or `null`.
    pub fn signature(&self) -> Option<Text<'a>> {
        self.signature
    }

    /// PROTOCOL.md §12's checks on the request to execute: as many
    /// ciphertexts as names, a non-empty `appID` and `version`.
    pub fn check(&self) -> core::result::Result<(), RequestCheck> {
        if self.ciphertexts.len != self.names.len {
            return Err(RequestCheck::CiphertextCount {
                ciphertexts: self.ciphertexts.len,
                names: self.names.len,
            });
        }
        if self.app_id.is_empty() {
            return Err(RequestCheck::AppIdEmpty);
        }
        if self.version.is_empty() {
            return Err(RequestCheck::VersionEmpty);
        }
        Ok(())
    }
}

/// Leaves the ciphertexts and shares out.
impl fmt::Debug for ComputeRequest<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ComputeRequest")
            .field("offset", &self.start)
            .field("app_id", &self.app_id)
            .field("version", &self.version)
            .field("ciphertexts", &self.ciphertexts.len)
            .finish_non_exhaustive()
    }
}

/// Why a signed request that won its quorum cannot be executed (§12).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RequestCheck {
    /// `ciphertexts` and `CiphertextNames` differ in length.
    CiphertextCount {
        /// Ciphertexts.
        ciphertexts: usize,
        /// Names.
        names: usize,
    },
    /// `appID` is empty.
    AppIdEmpty,
    /// `version` is empty.
    VersionEmpty,
}

impl fmt::Display for RequestCheck {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            RequestCheck::CiphertextCount { ciphertexts, names } => {
                write!(f, "{ciphertexts} ciphertexts but {names} ciphertext names")
            }
            RequestCheck::AppIdEmpty => f.write_str("appID is empty"),
            RequestCheck::VersionEmpty => f.write_str("version is empty"),
        }
    }
}

/// The strings of a list field (`null` elements read as empty), read from
/// the body one at a time. The list was checked when its request was read.
#[derive(Clone, Debug)]
pub struct TextList<'a> {
    lx: Lexer<'a>,
    first: bool,
    done: bool,
}

impl<'a> TextList<'a> {
    pub(crate) fn at(body: &'a [u8], list: ListAt) -> Self {
        let mut lx = Lexer::at(body, list.at.unwrap_or(body.len()));
        let done = list.at.is_none() || !lx.eat(b'[');
        TextList {
            lx,
            first: true,
            done,
        }
    }

    /// The position of the next element, when there is one.
    fn next_at(&mut self) -> Option<()> {
        if self.done {
            return None;
        }
        match self.lx.next_element(&mut self.first) {
            Ok(true) => Some(()),
            _ => {
                self.done = true;
                None
            }
        }
    }
}

impl<'a> Iterator for TextList<'a> {
    type Item = Text<'a>;

    fn next(&mut self) -> Option<Text<'a>> {
        self.next_at()?;
        match self.lx.string_or_null() {
            Ok(s) => Some(s.map(|s| s.text).unwrap_or_default()),
            Err(_) => {
                self.done = true;
                None
            }
        }
    }
}

/// `encryptedDecryptionKeyShares`: one [`TextList`] per ciphertext (a
/// `null` list is empty).
#[derive(Clone, Debug)]
pub struct ShareLists<'a> {
    list: TextList<'a>,
}

impl<'a> Iterator for ShareLists<'a> {
    type Item = TextList<'a>;

    fn next(&mut self) -> Option<TextList<'a>> {
        self.list.next_at()?;
        let lx = &mut self.list.lx;
        let at = lx.peek().map(|_| lx.pos());
        let inner = TextList::at(lx.buf(), ListAt { at, len: 0 });
        // Step over the inner list (checked already: cannot fail).
        if lx.skip_value(0).is_err() {
            self.list.done = true;
            return None;
        }
        Some(inner)
    }
}

/// Reads the entry object at the cursor, where `depth` containers are open
/// around it.
pub(crate) fn read_entry<'a>(lx: &mut Lexer<'a>, depth: usize) -> Result<ComputeRequest<'a>> {
    lx.peek();
    let start = lx.pos();
    // Repeated keys, and keys Go would fold into a known one, are refused
    // by the shared object reader (§7).
    let mut object = Object::open(lx, KEYS, depth, Expected::Object)?;
    let mut r = ComputeRequest {
        body: lx.buf(),
        start,
        request_id: [0; 32],
        application_request_id: Text::default(),
        public_data: Text::default(),
        ciphertexts: ListAt::default(),
        names: ListAt::default(),
        shares: ListAt::default(),
        ephemeral_key: Text::default(),
        master_key: Text::default(),
        app_id: Text::default(),
        version: Text::default(),
        signature: None,
    };
    let mut has_id = false;
    while let Some(field) = object.next(lx)? {
        match field.index {
            0 => {
                r.request_id = request_id(lx)?;
                has_id = true;
            }
            1 => r.application_request_id = text(lx)?,
            2 => r.public_data = base64(lx)?.unwrap_or_default(),
            3 => r.ciphertexts = list(lx, |lx| base64(lx).map(drop))?,
            4 => r.names = list(lx, |lx| text(lx).map(drop))?,
            5 => r.shares = list(lx, |lx| list(lx, |lx| base64(lx).map(drop)).map(drop))?,
            6 => r.ephemeral_key = base64(lx)?.unwrap_or_default(),
            7 => r.master_key = base64(lx)?.unwrap_or_default(),
            8 => r.app_id = text(lx)?,
            9 => r.version = text(lx)?,
            10 => r.signature = base64(lx)?,
            _ => per_node_data(lx)?,
        }
    }
    if !has_id {
        return Err(Malformed {
            offset: start,
            expected: Expected::RequestId,
        });
    }
    Ok(r)
}

/// `requestID`: exactly 32 integers 0–255 (Go's `[32]uint8`, but a short
/// array is refused rather than zero-filled: a DIVERGENCE).
fn request_id(lx: &mut Lexer<'_>) -> Result<[u8; 32]> {
    lx.peek();
    let at = lx.pos();
    let fail = || Malformed {
        offset: at,
        expected: Expected::RequestId,
    };
    lx.begin_array(Expected::RequestId)?;
    let mut id = [0u8; 32];
    let mut first = true;
    let mut n = 0usize;
    while lx.next_element(&mut first)? {
        let byte = lx.u32().ok().and_then(|v| u8::try_from(v).ok());
        match (byte, id.get_mut(n)) {
            (Some(b), Some(slot)) => *slot = b,
            _ => return Err(fail()),
        }
        n += 1;
    }
    if n != id.len() {
        return Err(fail());
    }
    Ok(id)
}

/// A string, `null` read as empty (as Go leaves a string on `null`).
fn text<'a>(lx: &mut Lexer<'a>) -> Result<Text<'a>> {
    Ok(lx.string_or_null()?.map(|s| s.text).unwrap_or_default())
}

/// A byte string: canonical base64 text (§6) or `null`.
pub(crate) fn base64<'a>(lx: &mut Lexer<'a>) -> Result<Option<Text<'a>>> {
    let Some(s) = lx.string_or_null()? else {
        return Ok(None);
    };
    if ByteString::Base64(s.text).decoded_len().is_none() {
        return Err(Malformed {
            offset: s.offset,
            expected: Expected::CanonicalBase64,
        });
    }
    Ok(Some(s.text))
}

/// An array or `null`, each element read by `element`.
pub(crate) fn list<'a>(
    lx: &mut Lexer<'a>,
    mut element: impl FnMut(&mut Lexer<'a>) -> Result<()>,
) -> Result<ListAt> {
    if lx.null()? {
        return Ok(ListAt::default());
    }
    lx.peek();
    let at = lx.pos();
    lx.begin_array(Expected::ArrayOrNull)?;
    let mut first = true;
    let mut len = 0usize;
    while lx.next_element(&mut first)? {
        element(lx)?;
        len = len.saturating_add(1);
    }
    Ok(ListAt { at: Some(at), len })
}

/// `perNodeData`: an object of strings, or `null`. Not signed, not kept.
fn per_node_data(lx: &mut Lexer<'_>) -> Result<()> {
    if lx.null()? {
        return Ok(());
    }
    lx.begin_object(Expected::ObjectOrNull)?;
    let mut first = true;
    while lx.next_key(&mut first)?.is_some() {
        lx.string_or_null()?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folded_and_repeated_keys_are_refused_at_the_key() {
        for (doc, offset, want) in [
            (r#"{"RequestID":[]}"#, 1, Expected::ExactKey("requestID")),
            (
                "{\"\u{17f}ignature\":null}",
                1,
                Expected::ExactKey("signature"),
            ),
            (
                r#"{"appID":"a", "appID":"b"}"#,
                14,
                Expected::UniqueKey("appID"),
            ),
        ] {
            let err = ComputeRequest::from_json(doc.as_bytes()).expect_err(doc);
            assert_eq!((err.offset, err.expected), (offset, want), "{doc}");
        }
    }

    #[test]
    fn request_id_is_32_bytes() {
        let ok: std::string::String = std::format!(
            "[{}]",
            (0..32u8)
                .map(|i| std::format!("{i}"))
                .collect::<std::vec::Vec<_>>()
                .join(",")
        );
        assert_eq!(request_id(&mut Lexer::new(ok.as_bytes())).unwrap()[31], 31);
        for bad in ["[]", "null", "\"x\"", "[1.0]", "[-0]", "[256]"] {
            assert_eq!(
                request_id(&mut Lexer::new(bad.as_bytes())).map_err(|e| e.expected),
                Err(Expected::RequestId),
                "{bad}"
            );
        }
        let long = ok.replace(']', ",0]");
        assert!(request_id(&mut Lexer::new(long.as_bytes())).is_err());
    }
}
