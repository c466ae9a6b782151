//! PROTOCOL.md §9: a verified secrets result must answer the request it was
//! asked for, entry for entry.

use core::fmt;

use crate::message::params::{SecretId, SecretIds, MAX_SECRET_IDS};
use crate::message::result::{self, SecretEntry};

/// A verified secrets result that does not belong to the request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum PostCheckError {
    /// The result names an identifier the request did not ask for.
    UnexpectedSecret {
        /// Position of the entry in the result.
        entry: usize,
    },
    /// The result names the same identifier twice.
    DuplicateSecret {
        /// Position of the second entry in the result.
        entry: usize,
    },
}

impl PostCheckError {
    /// The name the reference vectors use: `unexpected_secret` or `duplicate_secret`.
    pub fn name(&self) -> &'static str {
        match self {
            PostCheckError::UnexpectedSecret { .. } => "unexpected_secret",
            PostCheckError::DuplicateSecret { .. } => "duplicate_secret",
        }
    }
}

impl fmt::Display for PostCheckError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            PostCheckError::UnexpectedSecret { entry } => {
                write!(
                    f,
                    "result entry {entry} names a secret that was not requested"
                )
            }
            PostCheckError::DuplicateSecret { entry } => {
                write!(f, "result entry {entry} names a secret a second time")
            }
        }
    }
}

#[cfg(feature = "std")]
#[cfg_attr(docsrs, doc(cfg(feature = "std")))]
impl std::error::Error for PostCheckError {}

/// The verified entries in request order (PROTOCOL.md §9): each distinct
/// requested identifier once, at its first position, with its entry or
/// marked missing.
#[derive(Clone)]
pub struct SecretsOrder<'a> {
    doc: &'a [u8],
    array_at: Option<usize>,
    requested: SecretIds<'a>,
    /// (request position, body position of its entry) per distinct id,
    /// in request order.
    slots: heapless::Vec<(u8, Option<u32>), MAX_SECRET_IDS>,
}

/// One requested secret and, if the result has it, its entry.
#[derive(Clone, Copy, Debug)]
#[non_exhaustive]
pub struct OrderedSecret<'a> {
    /// The identifier as requested.
    pub id: SecretId<'a>,
    /// The verified entry, or `None` when the result lacks it.
    pub entry: Option<SecretEntry<'a>>,
}

impl<'a> SecretsOrder<'a> {
    /// Requested secrets in request order (each distinct id once).
    pub fn iter(&self) -> impl Iterator<Item = OrderedSecret<'a>> + '_ {
        // Slots ascend in request position: one pass over the identifiers.
        let mut ids = self.requested.iter().enumerate();
        self.slots.iter().filter_map(move |&(req, found)| {
            let (_, id) = ids.find(|(i, _)| *i == usize::from(req))?;
            let entry = found.and_then(|seq| result::entry_at(self.doc, self.array_at, seq));
            Some(OrderedSecret { id, entry })
        })
    }

    /// How many distinct identifiers were requested.
    pub fn len(&self) -> usize {
        self.slots.len()
    }

    /// Whether nothing was requested (never, for valid parameters).
    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }
}

impl fmt::Debug for SecretsOrder<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

fn same(a: &SecretId<'_>, b: &SecretId<'_>) -> bool {
    a.key.eq_decoded(&b.key) && a.namespace.eq_decoded(&b.namespace)
}

/// PROTOCOL.md §9 over the secrets array at `array_at` of `doc` (the
/// verified result) for the identifiers `requested`.
pub(crate) fn order<'a>(
    requested: SecretIds<'a>,
    doc: &'a [u8],
    array_at: Option<usize>,
) -> Result<SecretsOrder<'a>, PostCheckError> {
    // The first request position of each id: where its entry is recorded.
    let mut found: [Option<u32>; MAX_SECRET_IDS] = [None; MAX_SECRET_IDS];
    for e in result::body_entries(doc, array_at) {
        let id = SecretId {
            key: e.key.text(doc),
            namespace: e.namespace.text(doc),
        };
        let entry = e.seq as usize;
        let Some(slot) = requested.iter().position(|r| same(&r, &id)) else {
            return Err(PostCheckError::UnexpectedSecret { entry });
        };
        let Some(cell) = found.get_mut(slot) else {
            return Err(PostCheckError::UnexpectedSecret { entry });
        };
        if cell.is_some() {
            return Err(PostCheckError::DuplicateSecret { entry });
        }
        *cell = Some(e.seq);
    }
    let mut slots = heapless::Vec::new();
    for (i, id) in requested.iter().enumerate() {
        let first = requested.iter().position(|other| same(&other, &id));
        if first == Some(i) {
            let _ = slots.push((i as u8, found.get(i).copied().flatten()));
        }
    }
    Ok(SecretsOrder {
        doc,
        array_at,
        requested,
        slots,
    })
}
