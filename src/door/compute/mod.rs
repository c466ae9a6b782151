//! The enclave's second door (PROTOCOL.md §12): a batch of compute requests
//! signed by the Workflow DON. A first pass settles the shape of every
//! entry ([`shape`]); a second reads, hashes and hands the first 2N to the
//! trial rule ([`crate::trust::trial`]); the decision is
//! [`crate::trust::quorum`]'s, as for relay responses.

mod verdict;

pub use crate::leaf::{ComputeStats, EntrySkip, EntryTrace};
pub use verdict::{
    ComputeError, ComputeNoQuorum, ComputeVerdict, CountedEntry, VerifiedComputeRequest,
};

use crate::door::verifier::{Verifier, MAX_BODY_LEN};
use crate::leaf::{count32, Expected, Malformed};
use crate::message::request::{self, ENTRY_DEPTH};
use crate::read::Lexer;
use crate::trust::config::{SignerSet, MAX_SIGNERS};
use crate::trust::quorum::{self, QuorumTally};
use crate::trust::trial::{tried_entries, try_entry, with_repeats, KeyTrial, OneByOne, Repeats};

use verdict::CountedAt;

impl Verifier {
    /// Verifies a batch of signed compute requests (PROTOCOL.md §12): the
    /// JSON array the host posts, one entry per Workflow DON node.
    ///
    /// Bounded work: the body's syntax and every entry's shape are settled
    /// before any signature is tried (a malformed entry anywhere costs no
    /// verification); only the first 2N entries are tried, for N configured
    /// signers (later ones are skipped as over capacity, never fatal); an
    /// entry repeating an earlier entry's signature bytes over the same
    /// hash is skipped untried. Keys are tried in set order (sorted
    /// bytewise), at most one verification per configured key per entry, so
    /// a batch costs at most 2N² verifications
    /// ([`ComputeStats::verifications`]).
    pub fn verify_compute<'a>(&'a self, body: &'a [u8]) -> ComputeVerdict<'a> {
        self.verify_compute_traced(body, |_| {})
    }

    /// [`Verifier::verify_compute`], reporting what became of every entry,
    /// in batch order. A malformed batch reports nothing: none was tried.
    pub fn verify_compute_traced<'a>(
        &'a self,
        body: &'a [u8],
        trace: impl FnMut(EntryTrace),
    ) -> ComputeVerdict<'a> {
        self.verify_compute_with(body, trace, &mut OneByOne::new())
    }

    /// The two passes behind every `verify_compute*` method: the shape of
    /// every entry, then the trials.
    pub(crate) fn verify_compute_with<'a>(
        &'a self,
        body: &'a [u8],
        trace: impl FnMut(EntryTrace),
        trial: &mut impl KeyTrial,
    ) -> ComputeVerdict<'a> {
        let signers = self.config().signers().len();
        // The fingerprints live only through the first pass: the trials'
        // stack (the tally, then ed25519) does not carry them.
        let tried = tried_entries(signers);
        let shape = match with_repeats(signers, |repeats| shape(body, tried, repeats)) {
            Ok(shape) => shape,
            Err(e) => return ComputeVerdict::Reject(ComputeError::Malformed(e)),
        };
        // Every layer returns the verdict it is handed, so it is built once,
        // in the caller's slot (a `Result` converted on the way would keep
        // a second 1.3 KiB copy on the stack).
        quorum::with_tally(signers, |tally| {
            self.compute_tally(body, &shape, tally, trace, trial)
        })
    }

    /// The trial pass over a well-formed batch, then the decision.
    #[inline(never)]
    fn compute_tally<'a>(
        &'a self,
        body: &'a [u8],
        shape: &Shape,
        mut tally: QuorumTally<'_>,
        trace: impl FnMut(EntryTrace),
        trial: &mut impl KeyTrial,
    ) -> ComputeVerdict<'a> {
        let set = self.config().signers();
        match trial_pass(set, body, shape, &mut tally, trace, trial) {
            Ok(stats) => self.decide(body, &tally, stats),
            Err(e) => ComputeVerdict::Reject(ComputeError::Malformed(e)),
        }
    }

    /// §7 rules 4–5 on the tally, then §12's checks on the request to
    /// execute. Out of line and not generic: one copy, and its locals (the
    /// counted entries, the verdict being built) stay off the stack the
    /// trials run on.
    #[inline(never)]
    fn decide<'a>(
        &'a self,
        body: &'a [u8],
        tally: &QuorumTally<'_>,
        stats: ComputeStats,
    ) -> ComputeVerdict<'a> {
        let threshold = self.config().threshold();
        let Some(w) = tally.winner(threshold) else {
            let leader = tally.leader().map(|(h, n)| (h, count32(n)));
            return ComputeVerdict::Reject(ComputeError::NoQuorum(ComputeNoQuorum {
                threshold: count32(threshold),
                leader,
                distinct_hashes: count32(tally.distinct_hashes()),
                stats,
            }));
        };
        let mut entries: heapless::Vec<CountedAt, MAX_SIGNERS> = heapless::Vec::new();
        for (signer, entry, at) in tally.votes_for(&w.hash) {
            let _ = entries.push(CountedAt {
                entry: count32(entry),
                at: count32(at.unwrap_or(body.len())),
                signer,
            });
        }
        crate::leaf::sort::sort_by(&mut entries, |a, b| a.entry.cmp(&b.entry));
        // The winner's first response is the smallest counted entry.
        let at = w.result_at.unwrap_or(body.len());
        let request = match request::read_entry(&mut Lexer::at(body, at), ENTRY_DEPTH) {
            Ok(r) => r,
            Err(e) => return ComputeVerdict::Reject(ComputeError::Malformed(e)),
        };
        if let Err(c) = request.check() {
            return ComputeVerdict::Reject(ComputeError::InvalidRequest(c));
        }
        ComputeVerdict::Accept(VerifiedComputeRequest {
            hash: w.hash,
            signers: w.signers,
            signer_set: self.config().signers(),
            body,
            entries,
            index: w.first_response,
            request,
            stats,
        })
    }
}

/// What the first pass learned of a well-formed batch.
struct Shape {
    /// How many entries it has.
    entries: usize,
    /// Which of the tried entries repeat an earlier one ([`Repeats`]).
    repeats: EntrySet,
}

/// A set of entry positions below 128 (2N for N ≤ [`MAX_SIGNERS`]).
#[derive(Clone, Copy, Default)]
struct EntrySet(u128);

impl EntrySet {
    fn bit(entry: usize) -> u128 {
        u32::try_from(entry)
            .ok()
            .and_then(|e| 1u128.checked_shl(e))
            .unwrap_or(0)
    }

    fn insert(&mut self, entry: usize) {
        self.0 |= Self::bit(entry);
    }

    fn contains(self, entry: usize) -> bool {
        self.0 & Self::bit(entry) != 0
    }
}

/// §12's bounded work, first pass: the body's syntax (§7) and the shape of
/// every entry, to the end, settled before any signature is tried, so that
/// a malformed entry anywhere (the last one too) costs no verification;
/// and, among the first `tried` entries, the repeats.
#[inline(never)]
fn shape(body: &[u8], tried: usize, mut repeats: Repeats<'_>) -> Result<Shape, Malformed> {
    if body.len() > MAX_BODY_LEN {
        return Err(Malformed {
            offset: MAX_BODY_LEN,
            expected: Expected::EndOfInput,
        });
    }
    Lexer::document(body)?;
    let mut lx = Lexer::new(body);
    lx.begin_array(Expected::Array)?;
    let mut first = true;
    let mut shape = Shape {
        entries: 0,
        repeats: EntrySet::default(),
    };
    while lx.next_element(&mut first)? {
        let entry = request::read_entry(&mut lx, ENTRY_DEPTH)?;
        if shape.entries < tried && repeats.seen_before(&entry) {
            shape.repeats.insert(shape.entries);
        }
        shape.entries = shape.entries.saturating_add(1);
    }
    Ok(shape)
}

/// The second pass over a well-formed batch: tries the first
/// [`tried_entries`] (but the repeats), counts the rest over capacity, and
/// traces every entry in batch order.
fn trial_pass(
    set: &SignerSet,
    body: &[u8],
    shape: &Shape,
    tally: &mut QuorumTally<'_>,
    mut trace: impl FnMut(EntryTrace),
    trial: &mut impl KeyTrial,
) -> Result<ComputeStats, Malformed> {
    let tried = tried_entries(set.len());
    let mut stats = ComputeStats::default();
    let mut lx = Lexer::new(body);
    lx.begin_array(Expected::Array)?;
    let mut first = true;
    for index in 0..shape.entries {
        let mut t = EntryTrace {
            entry: index,
            hash: None,
            trials: 0,
            outcome: Err(EntrySkip::OverCapacity),
        };
        // Past the first 2N the body is not read again: the first pass
        // read every entry.
        if index < tried && lx.next_element(&mut first)? {
            let entry = request::read_entry(&mut lx, ENTRY_DEPTH)?;
            let repeat = shape.repeats.contains(index);
            t.outcome = try_entry(set, tally, trial, &entry, index, repeat, &mut t);
        }
        stats.record(&t);
        trace(t);
    }
    Ok(stats)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verdict_and_error_stay_small() {
        let e = core::mem::size_of::<ComputeError>();
        let v = core::mem::size_of::<VerifiedComputeRequest<'_>>();
        std::println!("ComputeError: {e} bytes, VerifiedComputeRequest: {v} bytes");
        assert!(e <= 128, "{e}");
        // 64 counted entries (12 bytes each) and the request's field spans.
        assert!(v <= 1280, "{v}");
    }
}
