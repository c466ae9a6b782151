//! Logical results (PROTOCOL.md §3), read in place from the body.
//!
//! Reading checks the shape (types, repeated keys) and records where each
//! secrets entry's strings stand, in a caller-sized [`Workspace`], so that the
//! hash can sort them without copying a byte of them.

use core::cmp::Ordering;

use crate::error::{Expected, Malformed};
use crate::json::{Lexer, RawString};
use crate::object::Object;
use crate::params::SecretId;
use crate::text::Text;

type Result<T> = core::result::Result<T, Malformed>;

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
    fn of(doc: &[u8], s: Text<'_>) -> Span {
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

const NO_SHARES: u32 = u32::MAX;

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

/// Reads a string field: a string or `null` (the empty string).
fn string_field<'a>(lx: &mut Lexer<'a>) -> Result<Text<'a>> {
    Ok(lx
        .string_or_null()?
        .map_or(Text::new(""), |s: RawString<'a>| s.text))
}

/// Reads the secrets result at the cursor, checks its shape, and indexes its
/// entries into `out`. Returns how many entries there are, or
/// `Ok(Err(OverCapacity))` when they (or one entry's shares) do not fit.
pub(crate) fn index_secrets(
    doc: &[u8],
    lx: &mut Lexer<'_>,
    depth: usize,
    out: &mut [EntrySpan],
    max_shares: usize,
) -> Result<core::result::Result<usize, OverCapacity>> {
    let mut count = 0usize;
    let mut over = false;
    let Some(mut obj) = Object::open_or_null(lx, RESULT_KEYS, depth)? else {
        return Ok(Ok(0));
    };
    while obj.next(lx)?.is_some() {
        if lx.null()? {
            continue;
        }
        lx.begin_array(Expected::ArrayOrNull)?;
        let mut first_entry = true;
        while lx.next_element(&mut first_entry)? {
            let (entry, shares) = read_entry(doc, lx, depth + 2)?;
            match out.get_mut(count) {
                Some(slot) if shares <= max_shares => {
                    *slot = EntrySpan {
                        seq: u32::try_from(count).unwrap_or(u32::MAX),
                        ..entry
                    }
                }
                _ => over = true,
            }
            count = count.saturating_add(1);
        }
    }
    Ok(if over { Err(OverCapacity) } else { Ok(count) })
}

/// Keys of a secrets result.
const RESULT_KEYS: &[&str] = &["secrets"];
/// Keys of a secrets entry.
const ENTRY_KEYS: &[&str] = &["id", "ciphertext", "encrypted_shares"];
/// Keys of a secret identifier.
const ID_KEYS: &[&str] = &["key", "namespace"];
/// Keys of a capability result.
const CAPABILITY_KEYS: &[&str] = &["payload", "error"];

/// One entry object (or `null`); returns its spans and its number of shares.
fn read_entry(doc: &[u8], lx: &mut Lexer<'_>, depth: usize) -> Result<(EntrySpan, usize)> {
    let mut entry = EntrySpan {
        shares_at: NO_SHARES,
        ..EntrySpan::default()
    };
    let mut shares = 0usize;
    let Some(mut obj) = Object::open_or_null(lx, ENTRY_KEYS, depth)? else {
        return Ok((entry, 0));
    };
    while let Some(field) = obj.next(lx)? {
        match field.index {
            0 => {
                let id = read_id(lx, obj.value_depth())?;
                entry.key = Span::of(doc, id.key);
                entry.namespace = Span::of(doc, id.namespace);
            }
            1 => entry.ciphertext = Span::of(doc, string_field(lx)?),
            _ => {
                if lx.null()? {
                    continue;
                }
                lx.peek();
                entry.shares_at = u32::try_from(lx.pos()).unwrap_or(NO_SHARES);
                lx.begin_array(Expected::ArrayOrNull)?;
                let mut first_share = true;
                while lx.next_element(&mut first_share)? {
                    string_field(lx)?;
                    shares = shares.saturating_add(1);
                }
            }
        }
    }
    Ok((entry, shares))
}

/// `{"key", "namespace"}` or `null`.
fn read_id<'a>(lx: &mut Lexer<'a>, depth: usize) -> Result<SecretId<'a>> {
    let mut id = SecretId::new("", "");
    let Some(mut obj) = Object::open_or_null(lx, ID_KEYS, depth)? else {
        return Ok(id);
    };
    while let Some(field) = obj.next(lx)? {
        match field.index {
            0 => id.key = string_field(lx)?,
            _ => id.namespace = string_field(lx)?,
        }
    }
    Ok(id)
}

/// Indexes the shares of the entry whose array starts at `at` into `out`.
pub(crate) fn index_shares(doc: &[u8], at: u32, out: &mut [Span]) -> usize {
    if at == NO_SHARES {
        return 0;
    }
    let mut lx = Lexer::at(doc, at as usize);
    let mut n = 0usize;
    if lx.begin_array(Expected::ArrayOrNull).is_err() {
        return 0;
    }
    let mut first = true;
    while let Ok(true) = lx.next_element(&mut first) {
        let Ok(t) = string_field(&mut lx) else { break };
        if let Some(slot) = out.get_mut(n) {
            *slot = Span::of(doc, t);
            n += 1;
        }
    }
    n
}

/// A capability result: `{"payload", "error"}` (or `null`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct CapabilityResult<'a> {
    /// The capability's answer (base64 text, hashed as text).
    pub payload: Text<'a>,
    /// The capability's error text.
    pub error: Text<'a>,
}

impl<'a> CapabilityResult<'a> {
    /// A result from its two strings (for comparisons).
    pub const fn new(payload: Text<'a>, error: Text<'a>) -> Self {
        CapabilityResult { payload, error }
    }
}

/// Reads a capability result at the cursor, checking its shape.
pub(crate) fn read_capability<'a>(
    lx: &mut Lexer<'a>,
    depth: usize,
) -> Result<CapabilityResult<'a>> {
    let mut r = CapabilityResult::default();
    let Some(mut obj) = Object::open_or_null(lx, CAPABILITY_KEYS, depth)? else {
        return Ok(r);
    };
    while let Some(field) = obj.next(lx)? {
        match field.index {
            0 => r.payload = string_field(lx)?,
            _ => r.error = string_field(lx)?,
        }
    }
    Ok(r)
}

/// The canonical order of secrets entries (PROTOCOL.md §4): by
/// (namespace, key, ciphertext), ties in document order.
pub(crate) fn entry_order(doc: &[u8], a: &EntrySpan, b: &EntrySpan) -> Ordering {
    let fields = |e: &EntrySpan| [e.namespace, e.key, e.ciphertext];
    fields(a)
        .iter()
        .zip(fields(b).iter())
        .map(|(x, y)| x.text(doc).cmp_decoded(&y.text(doc)))
        .find(|o| o.is_ne())
        .unwrap_or(Ordering::Equal)
        .then(a.seq.cmp(&b.seq))
}

/// The elements of the array at `at` (or none), each read by `read`, with
/// its position. Stops at the end or at the first read error (the arrays
/// walked here were validated while the body was verified).
fn walk_array<'a, T>(
    doc: &'a [u8],
    at: Option<usize>,
    mut read: impl FnMut(&mut Lexer<'a>) -> Result<T> + 'a,
) -> impl Iterator<Item = (u32, T)> + 'a {
    let mut lx = Lexer::at(doc, at.unwrap_or(doc.len()));
    let mut open = at.is_some() && lx.begin_array(Expected::ArrayOrNull).is_ok();
    let mut first = true;
    let mut seq = 0u32;
    core::iter::from_fn(move || {
        if !open || !matches!(lx.next_element(&mut first), Ok(true)) {
            open = false;
            return None;
        }
        match read(&mut lx) {
            Ok(item) => {
                let here = seq;
                seq = seq.saturating_add(1);
                Some((here, item))
            }
            Err(_) => {
                open = false;
                None
            }
        }
    })
}

/// The smallest item strictly after `last` in `order`: one step of a
/// selection walk, which hands out a canonical order with no buffer.
fn next_after<T: Copy>(
    items: impl Iterator<Item = T>,
    last: Option<T>,
    order: impl Fn(&T, &T) -> Ordering,
) -> Option<T> {
    items
        .filter(|x| last.as_ref().is_none_or(|l| order(l, x).is_lt()))
        .min_by(|x, y| order(x, y))
}

/// One entry of a verified secrets result: its identifier, ciphertext and
/// shares, everything the canonical hash covers and nothing else.
#[derive(Clone, Copy)]
#[non_exhaustive]
pub struct SecretEntry<'a> {
    /// The secret's identifier.
    pub id: SecretId<'a>,
    /// Its ciphertext (base64 text).
    pub ciphertext: Text<'a>,
    doc: &'a [u8],
    shares_at: u32,
}

impl<'a> SecretEntry<'a> {
    fn from_span(doc: &'a [u8], e: &EntrySpan) -> Self {
        SecretEntry {
            id: SecretId {
                key: e.key.text(doc),
                namespace: e.namespace.text(doc),
            },
            ciphertext: e.ciphertext.text(doc),
            doc,
            shares_at: e.shares_at,
        }
    }

    /// The encrypted shares in the order the hash covers them: sorted
    /// bytewise (equal shares are interchangeable), never the body's order.
    pub fn encrypted_shares(&self) -> Shares<'a> {
        Shares {
            doc: self.doc,
            at: (self.shares_at != NO_SHARES).then_some(self.shares_at as usize),
            last: None,
        }
    }
}

/// Iterator over an entry's encrypted shares, in canonical order.
///
/// Each step scans the entry's shares once (a selection walk: no buffer,
/// quadratic in the number of shares, which the workspace bounds).
#[derive(Clone)]
pub struct Shares<'a> {
    doc: &'a [u8],
    at: Option<usize>,
    last: Option<(u32, Span)>,
}

impl<'a> Iterator for Shares<'a> {
    type Item = Text<'a>;

    fn next(&mut self) -> Option<Text<'a>> {
        let doc = self.doc;
        let shares = walk_array(doc, self.at, |lx| Ok(Span::of(doc, string_field(lx)?)));
        let next = next_after(shares, self.last, |(i, a), (j, b)| {
            a.text(doc).cmp_decoded(&b.text(doc)).then(i.cmp(j))
        })?;
        self.last = Some(next);
        Some(next.1.text(doc))
    }
}

/// Where the `secrets` array of the (validated) result at `at` starts.
pub(crate) fn secrets_array_at(doc: &[u8], at: Option<usize>) -> Result<Option<usize>> {
    let Some(at) = at else { return Ok(None) };
    let mut lx = Lexer::at(doc, at);
    let Some(mut obj) = Object::open_or_null(&mut lx, RESULT_KEYS, 0)? else {
        return Ok(None);
    };
    if obj.next(&mut lx)?.is_none() || lx.null()? {
        return Ok(None);
    }
    lx.peek();
    Ok(Some(lx.pos()))
}

/// The entries of the secrets array at `array_at`, in body order, as spans
/// carrying their body position.
pub(crate) fn body_entries(
    doc: &[u8],
    array_at: Option<usize>,
) -> impl Iterator<Item = EntrySpan> + '_ {
    walk_array(doc, array_at, move |lx| read_entry(doc, lx, 0))
        .map(|(seq, (entry, _))| EntrySpan { seq, ..entry })
}

/// The entries of a verified secrets result in canonical order: the order
/// the hash covers (PROTOCOL.md §4), never the body's own order.
///
/// Each step scans the result once (a selection walk: no buffer, quadratic
/// in the number of entries, which the workspace bounds).
#[derive(Clone)]
pub struct SecretEntries<'a> {
    doc: &'a [u8],
    array_at: Option<usize>,
    last: Option<EntrySpan>,
}

impl<'a> SecretEntries<'a> {
    /// Entries of the secrets array that starts at `array_at` in `doc`.
    pub(crate) fn new(doc: &'a [u8], array_at: Option<usize>) -> Self {
        SecretEntries {
            doc,
            array_at,
            last: None,
        }
    }
}

impl<'a> Iterator for SecretEntries<'a> {
    type Item = SecretEntry<'a>;

    fn next(&mut self) -> Option<SecretEntry<'a>> {
        let doc = self.doc;
        let next = next_after(body_entries(doc, self.array_at), self.last, |a, b| {
            entry_order(doc, a, b)
        })?;
        self.last = Some(next);
        Some(SecretEntry::from_span(doc, &next))
    }
}

/// The entry at body position `seq` of the secrets array at `array_at`.
pub(crate) fn entry_at(doc: &[u8], array_at: Option<usize>, seq: u32) -> Option<SecretEntry<'_>> {
    let e = body_entries(doc, array_at).find(|e| e.seq == seq)?;
    Some(SecretEntry::from_span(doc, &e))
}

// Debug output names entries, never the body they borrow (ciphertexts).
impl core::fmt::Debug for SecretEntry<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("SecretEntry")
            .field("id", &self.id)
            .field("ciphertext_len", &self.ciphertext.len())
            .finish_non_exhaustive()
    }
}

impl core::fmt::Debug for Shares<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Shares").finish_non_exhaustive()
    }
}

impl core::fmt::Debug for SecretEntries<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("SecretEntries").finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_workspace_is_three_and_a_half_kib() {
        assert_eq!(core::mem::size_of::<Workspace<64, 64>>(), 3584);
    }
}
