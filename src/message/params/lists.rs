//! The lists the parameters borrow (requested secret identifiers, the
//! enclave config's signer keys): a slice given in code, or where the array
//! stands in checked JSON text, each element read again on demand. So the
//! parameters stay a few words, whatever the count.

use core::fmt;

use crate::leaf::Expected;
use crate::read::Lexer;

use super::bytes::ByteString;
use super::error::{json, ParamsError, Read};
use super::field::text;
use super::id::{read_id, SecretId};

/// Most secret identifiers one secrets request may name.
pub const MAX_SECRET_IDS: usize = 64;
/// Most signers an `enclave_config` may list.
pub const MAX_CONFIG_SIGNERS: usize = 32;

/// The requested secret identifiers of a [`SecretsParams`](crate::SecretsParams), in request
/// order ([`SecretsParams::secrets`](crate::SecretsParams::secrets)).
///
/// A few words, whatever the count: the slice given to
/// [`SecretsParams::new`](crate::SecretsParams::new), or where the `secrets` array stands in the JSON
/// text [`RequestParams::from_json`](crate::RequestParams::from_json) read (checked in full then), each
/// identifier read again from it on demand.
#[derive(Clone, Copy)]
pub struct SecretIds<'a>(pub(super) List<'a, SecretId<'a>>);

/// The signer keys of an [`EnclaveConfig`](crate::EnclaveConfig), in the order given
/// ([`EnclaveConfig::signers`](crate::EnclaveConfig::signers)): the slice given to [`EnclaveConfig::new`](crate::EnclaveConfig::new),
/// or the `signers` array of the JSON text, read again on demand.
#[derive(Clone, Copy)]
pub struct ConfigSigners<'a>(pub(super) List<'a, ByteString<'a>>);

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
    pub(crate) fn places(&self) -> Places<'a> {
        self.0.places()
    }

    /// The identifier at `place` (from [`SecretIds::places`]).
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
    pub(crate) fn places(&self) -> Places<'a> {
        self.0.places()
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
        self.0.next()
    }
}

impl<'a> Iterator for ConfigSignersIter<'a> {
    type Item = ByteString<'a>;

    fn next(&mut self) -> Option<ByteString<'a>> {
        self.0.next()
    }
}

/// An element of a list the parameters borrow: read at the cursor, with
/// the reader `from_json` used the first time (so a second reading of
/// checked text gives the same values).
pub(super) trait Element<'a>: Copy + 'a {
    fn read(lx: &mut Lexer<'a>) -> Read<Self>;
}

impl<'a> Element<'a> for SecretId<'a> {
    /// At nesting depth 2 (parameters → `secrets` → identifier).
    fn read(lx: &mut Lexer<'a>) -> Read<Self> {
        json(read_id(lx, 2))
    }
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
pub(super) enum List<'a, T> {
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

    /// Where each element stands: its index in a given list, its offset
    /// in JSON text (one walk for every element type).
    fn places(&self) -> Places<'a> {
        match *self {
            List::Given(items) => Places::Given {
                len: items.len(),
                next: 0,
            },
            List::Json { doc, at, .. } => Places::Json(JsonItems::new(doc, at)),
        }
    }

    fn iter(&self) -> ListIter<'a, T> {
        ListIter {
            list: *self,
            places: self.places(),
        }
    }

    /// The element at `place`. Out of line: one copy of each element
    /// reader, for iteration and random access alike.
    #[inline(never)]
    fn at(&self, place: usize) -> Option<T> {
        match *self {
            List::Given(items) => items.get(place).copied(),
            List::Json { doc, .. } => T::read(&mut Lexer::at(doc, place)).ok(),
        }
    }
}

/// The elements of a list, in order: each place, then the element there.
#[derive(Clone)]
struct ListIter<'a, T> {
    list: List<'a, T>,
    places: Places<'a>,
}

impl<'a, T: Element<'a>> Iterator for ListIter<'a, T> {
    type Item = T;

    fn next(&mut self) -> Option<T> {
        let place = self.places.next()?;
        self.list.at(place)
    }
}

/// Where the elements of a list stand, in order (not generic: the walk is
/// the same for every element type).
#[derive(Clone)]
pub(crate) enum Places<'a> {
    Given { len: usize, next: usize },
    Json(JsonItems<'a>),
}

impl Places<'_> {
    /// Writes the places into `out`, in order, as many as it holds;
    /// returns the part written (the hash sorts it).
    pub(crate) fn fill(self, out: &mut [usize]) -> &mut [usize] {
        let mut n = 0;
        for (slot, place) in out.iter_mut().zip(self) {
            *slot = place;
            n += 1;
        }
        out.get_mut(..n).unwrap_or_default()
    }
}

impl Iterator for Places<'_> {
    type Item = usize;

    fn next(&mut self) -> Option<usize> {
        match self {
            Places::Given { len, next } => {
                let place = *next;
                if place >= *len {
                    return None;
                }
                *next = place.saturating_add(1);
                Some(place)
            }
            Places::Json(items) => items.next_place(),
        }
    }
}

/// The elements of a checked JSON array, one step at a time.
#[derive(Clone)]
pub(crate) struct JsonItems<'a> {
    lx: Lexer<'a>,
    first: bool,
    done: bool,
    /// The cursor is at an element, to be stepped over first.
    at_element: bool,
}

impl<'a> JsonItems<'a> {
    fn new(doc: &'a [u8], at: usize) -> Self {
        let mut lx = Lexer::at(doc, at);
        let open = lx.begin_array(Expected::ArrayOrNull).is_ok();
        JsonItems {
            lx,
            first: true,
            done: !open,
            at_element: false,
        }
    }

    /// Moves to the next element; its place, or `None` at the end.
    fn next_place(&mut self) -> Option<usize> {
        // Checked text: an error cannot happen, and would end the list.
        let stepped = !self.at_element || self.lx.skip_value(0).is_ok();
        if self.done || !stepped || !self.lx.next_element(&mut self.first).unwrap_or(false) {
            self.done = true;
            return None;
        }
        self.at_element = true;
        self.lx.peek();
        Some(self.lx.pos())
    }
}

/// More than [`MAX_SECRET_IDS`] identifiers.
pub(super) const IDS_CAPACITY: ParamsError = ParamsError::Capacity {
    what: "secret identifiers",
    max: MAX_SECRET_IDS,
};
/// More than [`MAX_CONFIG_SIGNERS`] signers.
pub(super) const SIGNERS_CAPACITY: ParamsError = ParamsError::Capacity {
    what: "enclave_config signers",
    max: MAX_CONFIG_SIGNERS,
};

/// Reads a list field (an array or `null`, each element checked by
/// `check`), refusing more elements than `full` allows; keeps where the
/// array stands, not its elements.
pub(super) fn read_list<'a, T: Element<'a>>(
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
pub(super) fn check_signer(s: &ByteString<'_>) -> Read<()> {
    if !s.is_empty() && s.decoded_len().is_none() {
        return Err(ParamsError::NotBase64 {
            field: "enclave_config.signers",
        });
    }
    Ok(())
}
