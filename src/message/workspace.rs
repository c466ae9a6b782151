//! Where a secrets result's strings stand (spans into the body, not
//! copies), and the caller-sized room that indexes them while hashing.

use crate::read::text::Text;

/// Where a string stands in the document: enough to rebuild its [`Text`].
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Span {
    start: u32,
    end: u32,
    escaped: bool,
}

impl Span {
    /// Records `s`, which must borrow from `doc`. Documents over 4 GiB are
    /// refused earlier ([`crate::MAX_BODY_LEN`]).
    pub(crate) fn of(doc: &[u8], s: Text<'_>) -> Span {
        if s.raw().is_empty() {
            return Span::default();
        }
        let base = doc.as_ptr() as usize;
        let start = (s.raw().as_ptr() as usize).saturating_sub(base);
        let end = start.saturating_add(s.raw().len());
        Span {
            start: u32::try_from(start).unwrap_or(u32::MAX),
            end: u32::try_from(end).unwrap_or(u32::MAX),
            escaped: s.raw().contains(&b'\\'),
        }
    }

    pub fn text<'a>(&self, doc: &'a [u8]) -> Text<'a> {
        let raw = doc
            .get(self.start as usize..self.end as usize)
            .unwrap_or_default();
        Text::from_json(raw, self.escaped)
    }
}

/// One secrets entry, as spans into the document.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct EntrySpan {
    pub key: Span,
    pub namespace: Span,
    pub ciphertext: Span,
    /// Offset of the `encrypted_shares` array; `u32::MAX` when null/absent.
    pub shares_at: u32,
    /// Position in the result's array: ties in the sort keep this order.
    pub seq: u32,
}

/// Scratch space for hashing a secrets result: an index of its entries and
/// of one entry's shares. Sized by the caller; [`crate::Verifier::verify`]
/// uses the room of a `Workspace<64, 64>` (3.5 KiB of stack) for a secrets
/// request and none for a capability request.
///
/// A response whose result has more entries (or an entry more shares) than
/// the workspace holds cannot be hashed: its signatures are skipped and
/// counted as `over_capacity`, and the body is not rejected for it.
pub struct Workspace<const ENTRIES: usize = 64, const SHARES: usize = 64> {
    pub(crate) entries: [EntrySpan; ENTRIES],
    pub(crate) shares: [Span; SHARES],
}

impl<const ENTRIES: usize, const SHARES: usize> Workspace<ENTRIES, SHARES> {
    /// An empty workspace. `const`, so that an embedder can lend one from
    /// a `static` (`.bss`) rather than from its stack.
    pub const fn new() -> Self {
        const NO_SPAN: Span = Span {
            start: 0,
            end: 0,
            escaped: false,
        };
        const NO_ENTRY: EntrySpan = EntrySpan {
            key: NO_SPAN,
            namespace: NO_SPAN,
            ciphertext: NO_SPAN,
            shares_at: 0,
            seq: 0,
        };
        Workspace {
            entries: [NO_ENTRY; ENTRIES],
            shares: [NO_SPAN; SHARES],
        }
    }

    pub(crate) fn slices(&mut self) -> Scratch<'_> {
        Scratch {
            entries: &mut self.entries,
            shares: &mut self.shares,
        }
    }
}

impl<const E: usize, const S: usize> Default for Workspace<E, S> {
    fn default() -> Self {
        Self::new()
    }
}

/// The workspace with its sizes erased.
pub(crate) struct Scratch<'w> {
    pub entries: &'w mut [EntrySpan],
    pub shares: &'w mut [Span],
}

impl Scratch<'static> {
    /// No room: enough for a capability result, which indexes nothing.
    pub fn empty() -> Self {
        Scratch {
            entries: &mut [],
            shares: &mut [],
        }
    }
}

/// Runs `f` with the room of the default `Workspace<64, 64>`, as two local
/// arrays built in place: a `Workspace` local is built in a temporary and
/// moved, which costs its 3.5 KiB of stack twice. Out of line, so that the
/// arrays are on the stack only while `f` runs, not in the caller's frame
/// through all its other calls.
#[inline(never)]
pub(crate) fn with_default_scratch<R>(f: impl FnOnce(Scratch<'_>) -> R) -> R {
    let mut entries = [EntrySpan::default(); 64];
    let mut shares = [Span::default(); 64];
    f(Scratch {
        entries: &mut entries,
        shares: &mut shares,
    })
}

/// A result that parsed but does not fit the workspace.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct OverCapacity;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_workspace_is_three_and_a_half_kib() {
        assert_eq!(core::mem::size_of::<Workspace<64, 64>>(), 3584);
    }
}
