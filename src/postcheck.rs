//! PROTOCOL.md §9: a verified secrets result must answer the request it was
//! asked for, entry for entry.

use core::fmt;

use crate::params::{SecretId, SecretsParams, MAX_SECRET_IDS};
use crate::result::{SecretEntries, SecretEntry};

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

/// The verified entries in request order (PROTOCOL.md §9).
#[derive(Clone, Debug)]
pub struct SecretsOrder<'a, 'p> {
    entries: SecretEntries<'a>,
    params: &'p SecretsParams<'p>,
    /// (request position, result position) for each distinct requested id.
    slots: heapless::Vec<(u8, Option<u32>), MAX_SECRET_IDS>,
}

/// One requested secret and, if the result has it, its entry.
#[derive(Clone, Copy, Debug)]
pub struct OrderedSecret<'a, 'p> {
    /// The identifier as requested.
    pub id: SecretId<'p>,
    /// The verified entry, or `None` when the result lacks it.
    pub entry: Option<SecretEntry<'a>>,
}

impl<'a, 'p> SecretsOrder<'a, 'p> {
    /// Requested secrets in request order (each distinct id once).
    pub fn iter(&self) -> impl Iterator<Item = OrderedSecret<'a, 'p>> + '_ {
        self.slots.iter().filter_map(move |&(req, found)| {
            let id = *self.params.secrets.get(usize::from(req))?;
            let entry = found.and_then(|pos| self.entries.clone().nth(pos as usize));
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

fn same(a: &SecretId<'_>, b: &SecretId<'_>) -> bool {
    a.key.eq_decoded(&b.key) && a.namespace.eq_decoded(&b.namespace)
}

pub(crate) fn order<'a, 'p>(
    params: &'p SecretsParams<'p>,
    entries: SecretEntries<'a>,
) -> Result<SecretsOrder<'a, 'p>, PostCheckError> {
    let requested = &params.secrets;
    // The first request position of each id: where its entry is recorded.
    let mut found: [Option<u32>; MAX_SECRET_IDS] = [None; MAX_SECRET_IDS];
    for (pos, e) in entries.clone().enumerate() {
        let Some(slot) = requested.iter().position(|id| same(id, &e.id)) else {
            return Err(PostCheckError::UnexpectedSecret { entry: pos });
        };
        let Some(cell) = found.get_mut(slot) else {
            return Err(PostCheckError::UnexpectedSecret { entry: pos });
        };
        if cell.is_some() {
            return Err(PostCheckError::DuplicateSecret { entry: pos });
        }
        *cell = u32::try_from(pos).ok();
    }
    let mut slots = heapless::Vec::new();
    for (i, id) in requested.iter().enumerate() {
        let first = requested.iter().position(|other| same(other, id));
        if first == Some(i) {
            let _ = slots.push((i as u8, found.get(i).copied().flatten()));
        }
    }
    Ok(SecretsOrder {
        entries,
        params,
        slots,
    })
}
