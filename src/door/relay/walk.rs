//! The relay door's walk over one body: each response opened, its result
//! read and shape-checked (§7 rule 1) once, with the last-result shortcut;
//! its candidates are then taken by [`super::candidates`].

use crate::hash::{self, ResponseHasher};
use crate::leaf::{CandidateTrace, CanonicalHash, Malformed};
use crate::message::envelope;
use crate::message::params::RequestParams;
use crate::message::workspace::{OverCapacity, Scratch};
use crate::read::Lexer;
use crate::trust::candidate::VoteCounter;

/// A response's result as read: its shape-checked reading (or over
/// capacity), and whether it is the [`LastResult`].
pub(super) type ResultRead<'a> = (Result<hash::ReadResult<'a>, OverCapacity>, bool);

/// A speed shortcut: the last result read into the scratch. Honest nodes
/// send the same result byte for byte, so a repetition is not read again
/// (and [`ResponseHasher`] does not hash the same text again). The plain
/// path is [`hash::read_result_at`] on every result; `tests/hash_reuse.rs`
/// holds the two to the same verdicts and counts.
#[derive(Clone, Copy)]
pub(super) struct LastResult<'a> {
    /// The result's JSON text (an object).
    raw: &'a [u8],
    read: Result<hash::ReadResult<'a>, OverCapacity>,
}

/// Whether the walk takes its speed shortcuts (the [`LastResult`] reuse,
/// the [`ResponseHasher`]) or the plain path they stand in for. Every entry
/// point takes them; the plain path exists to be compared with, and only
/// the `fuzzing` feature builds it (so it costs the embedder no flash).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Shortcuts {
    Taken,
    #[cfg(feature = "fuzzing")]
    Skipped,
}

/// State of one verification.
pub(super) struct Run<'a, 'p, 't, T, C> {
    pub(super) params: &'p RequestParams<'p>,
    pub(super) body: &'a [u8],
    pub(super) votes: VoteCounter<'a, 't, C>,
    pub(super) trace: T,
    pub(super) last: Option<LastResult<'a>>,
    pub(super) shortcuts: Shortcuts,
}

impl<'a, 'p, 't, T, C> Run<'a, 'p, 't, T, C>
where
    T: FnMut(CandidateTrace),
    C: FnMut(&[u8; 32], &[u8; 64], &CanonicalHash) -> bool,
{
    pub(super) fn new(
        params: &'p RequestParams<'p>,
        body: &'a [u8],
        votes: VoteCounter<'a, 't, C>,
        trace: T,
        shortcuts: Shortcuts,
    ) -> Self {
        Run {
            params,
            body,
            votes,
            trace,
            last: None,
            shortcuts,
        }
    }

    /// PROTOCOL.md §7 rules 1 and 2 for the response at the cursor of
    /// `lx`, at `depth`.
    pub(super) fn response(
        &mut self,
        lx: &mut Lexer<'a>,
        index: usize,
        depth: usize,
        scratch: &mut Scratch<'_>,
        hasher: &mut ResponseHasher<'a>,
    ) -> Result<(), Malformed> {
        let stats = &mut self.votes.stats;
        stats.responses = stats.responses.saturating_add(1);
        let mut response = envelope::Response::new(lx);
        response.open(lx, depth)?;
        let read = self.result_of(&mut response, lx, depth, scratch)?;
        self.candidates(&response, read, index, depth, scratch, hasher)
    }

    /// Walks the response to its result and reads that (rule 1 reads and
    /// shape-checks every result; the hash itself is computed on demand,
    /// so junk from unknown keys costs no SHA-256). Not inlined: its
    /// frame is gone when the candidates are checked.
    #[inline(never)]
    fn result_of(
        &mut self,
        response: &mut envelope::Response<'a>,
        lx: &mut Lexer<'a>,
        depth: usize,
        scratch: &mut Scratch<'_>,
    ) -> Result<ResultRead<'a>, Malformed> {
        let mut read_result = None;
        while let Some(at) = response.next_result(lx)? {
            let read = match self.repeat_of_last(lx, at) {
                Some(read) => Ok((read, true)),
                None => hash::read_result_at(self.params, self.body, lx, depth + 1, scratch)
                    .map(|read| (self.keep_last(at, lx.pos(), read), true)),
            };
            if read.is_err() {
                response.step_over(lx, at)?;
            }
            read_result = Some(read);
        }
        match read_result {
            Some(read) => read,
            None => {
                // The empty result: no entries, so nothing of the document
                // is read when it is hashed.
                let null: &'static [u8] = b"null";
                let lx = &mut Lexer::new(null);
                Ok((
                    hash::read_result_at(self.params, null, lx, 0, scratch)?,
                    false,
                ))
            }
        }
    }

    /// [`LastResult`]: when the result at `at` repeats the last one read
    /// byte for byte, moves `lx` past it and returns that reading (the same
    /// text is the same value: JSON values delimit themselves; it is in the
    /// scratch).
    #[inline(never)]
    fn repeat_of_last(
        &self,
        lx: &mut Lexer<'a>,
        at: usize,
    ) -> Option<Result<hash::ReadResult<'a>, OverCapacity>> {
        #[cfg(feature = "fuzzing")]
        if self.shortcuts == Shortcuts::Skipped {
            return None;
        }
        let last = self.last.as_ref()?;
        let end = at.saturating_add(last.raw.len());
        if self.body.get(at..end) != Some(last.raw) {
            return None;
        }
        *lx = Lexer::at(self.body, end);
        Some(last.read)
    }

    /// Remembers the result read from `at` to `end` as the last one.
    #[inline(never)]
    fn keep_last(
        &mut self,
        at: usize,
        end: usize,
        read: Result<hash::ReadResult<'a>, OverCapacity>,
    ) -> Result<hash::ReadResult<'a>, OverCapacity> {
        self.last = Some(LastResult {
            raw: self.body.get(at..end).unwrap_or_default(),
            read,
        });
        read
    }
}
