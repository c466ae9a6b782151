//! What the enclave hands out for a report (PROTOCOL.md §11, "What is
//! handed out"): the canonical report `R` the F+1 attested, the OCR
//! signatures each counted response carried, those signatures merged with
//! their carrier counts, and a payload rebuilt from `R` and the merged
//! list. Never one node's bytes alone: a faulty node counted in the group
//! can neither strip the honest nodes' OCR signatures nor add bytes outside
//! the report.
//!
//! No heap, and little stack: the caller lends one work buffer
//! ([`ReportHandOut::work_len`] bytes) that holds `R`, a 16-byte row per
//! counted vote and per distinct counted response, the `sigs` entries of
//! every distinct counted response and a 16-byte record per entry, which
//! two heapsorts turn into the merged list. Work is `O(P log P)` for
//! `P` entries in all, however a faulty node pads its own, and the buffer
//! is never longer than 8 × the body (each entry takes at least 2 decoded
//! bytes, i.e. 8/3 base64 characters, of the body; a response counted for
//! several signers is read once), so an embedder that sizes it for its
//! largest body is never refused.

use core::fmt;

use crate::message::envelope::{self, Responses, Shape};
use crate::message::result::{self, CapabilityResult};
use crate::proto::{fill, Canonical};
use crate::read::text::Text;
use crate::read::Lexer;
use crate::trust::config::{SignerIndex, SignerSet, MAX_SIGNERS};

mod handed;
mod merge;
mod table;

pub use handed::{CountedReport, HandedOutReport, MergedPairs, MergedSignature, MergedSignatures};

use merge::merge;
use table::{quad, set_quad, total, RECORD};

/// Where each counted signer's vote came from: the result offset of the
/// response its vote was counted in (its first valid one in the winning
/// group), by signer index. Kept with the verdict, since the tally is gone
/// once it is made; 4 bytes a signer, as the verdict travels by value
/// (the response positions are found again by [`response_positions`]).
#[derive(Clone, Copy)]
pub(crate) struct CountedVotes {
    result_at: [u32; MAX_SIGNERS],
}

/// No result: a vote over the empty result carries no report. Zero is no
/// result's offset (a body opens with `{`, so a result stands further in),
/// and an all-zero array costs no constant in flash.
const NO_RESULT: u32 = 0;

impl CountedVotes {
    /// No votes (a secrets result: nothing to hand out).
    pub(crate) const fn none() -> Self {
        CountedVotes {
            result_at: [NO_RESULT; MAX_SIGNERS],
        }
    }

    /// The slots the tally fills ([`crate::trust::quorum::QuorumTally::result_offsets`]).
    pub(crate) fn offsets_mut(&mut self) -> &mut [u32] {
        &mut self.result_at
    }
}

/// Each counted vote as the hand-out lists it: `(response, result offset,
/// signer)`, ascending by response, then signer.
type Counted = heapless::Vec<(u32, u32, SignerIndex), MAX_SIGNERS>;

/// Sets each counted vote's response position: the bundle walked once,
/// each response's span matched with the result offsets. `None` unless
/// `body` is a bundle (its validity was checked when it was verified).
fn response_positions(body: &[u8], counted: &mut Counted) -> Option<()> {
    let Ok(Shape::Bundle(array)) = envelope::read_shape(body) else {
        return None;
    };
    let mut responses = Responses::new(body, array).ok()?;
    let mut k = 0u32;
    while let Some(lx) = responses.next_response().ok()? {
        lx.peek();
        let start = lx.pos();
        lx.skip_value(envelope::RESPONSE_DEPTH).ok()?;
        let span = start..lx.pos();
        for c in counted
            .iter_mut()
            .filter(|c| span.contains(&(c.1 as usize)))
        {
            c.0 = k;
        }
        k = k.checked_add(1)?;
    }
    Some(())
}

/// A verified capability result that carries a consensus report, ready to
/// be handed out ([`crate::VerifiedResponse::report_hand_out`]).
///
/// ```
/// # use relay_verifier::*;
/// # fn demo(verified: &VerifiedResponse<'_>) -> Option<()> {
/// let hand_out = verified.report_hand_out()?;
/// let mut work = vec![0u8; hand_out.work_len()?];
/// let report = hand_out.decode(&mut work).ok()?;
/// let mut payload = vec![0u8; report.payload_len()?];
/// report.write_payload(&mut payload)?; // base64, what to forward
/// for m in report.merged() {
///     let _honest = m.carriers > 1; // carried by F+1: by an honest node
/// }
/// # Some(())
/// # }
/// ```
#[derive(Clone)]
pub struct ReportHandOut<'a> {
    set: &'a SignerSet,
    body: &'a [u8],
    result: CapabilityResult<'a>,
    canonical: Canonical<'a>,
    votes: Counted,
    /// A bundle (responses have positions) rather than a single response.
    bundle: bool,
}

/// Why a report could not be handed out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum HandOutError {
    /// The work buffer is shorter than [`ReportHandOut::work_len`].
    WorkTooSmall {
        /// Bytes needed.
        needed: usize,
    },
    /// A counted response's report could not be read again (cannot happen
    /// for a body that verified; reported rather than assumed).
    Unreadable,
}

impl fmt::Display for HandOutError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HandOutError::WorkTooSmall { needed } => {
                write!(f, "work buffer too small: {needed} bytes needed")
            }
            HandOutError::Unreadable => f.write_str("a counted report could not be read again"),
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for HandOutError {}

impl<'a> ReportHandOut<'a> {
    /// The hand-out of a verified result, when its payload is a report
    /// (§11 steps 1–4 succeed on it).
    pub(crate) fn of(
        set: &'a SignerSet,
        body: &'a [u8],
        result: CapabilityResult<'a>,
        votes_by_signer: &CountedVotes,
        bundle: bool,
    ) -> Option<Self> {
        let canonical = Canonical::of(&result.payload)?;
        let mut votes = Counted::new();
        for (signer, &at) in (0..).zip(votes_by_signer.result_at.iter()) {
            if at != NO_RESULT {
                let _ = votes.push((0, at, signer));
            }
        }
        if bundle {
            response_positions(body, &mut votes)?;
        }
        crate::leaf::sort::sort_by(&mut votes, |a, b| (a.0, a.2).cmp(&(b.0, b.2)));
        Some(ReportHandOut {
            set,
            body,
            result,
            canonical,
            votes,
            bundle,
        })
    }

    /// The result's `error` text, which the counted signers attested too.
    pub fn error(&self) -> Text<'a> {
        self.result.error
    }

    /// How many responses were counted (one per counted signer).
    pub fn counted_count(&self) -> usize {
        self.votes.len()
    }

    /// The distinct responses the votes were counted in, with how many
    /// votes each carried (several signers may share one response: a
    /// merged envelope), in order. Each is read once, so the work stays
    /// linear in the body however many signers a response carries.
    fn distinct(&self) -> impl Iterator<Item = (u32, u32)> + '_ {
        let mut votes = self.votes.iter().peekable();
        core::iter::from_fn(move || {
            let &(_, at, _) = votes.next()?;
            let mut weight = 1u32;
            while votes.next_if(|v| v.1 == at).is_some() {
                weight += 1;
            }
            Some((at, weight))
        })
    }

    /// The report payload of the response whose result is at `at`.
    fn report_at(&self, at: u32) -> Option<Canonical<'a>> {
        let at = usize::try_from(at).ok()?;
        let r = result::read_capability(&mut Lexer::at(self.body, at), 0).ok()?;
        Canonical::of(&r.payload)
    }

    /// Sizes of the work buffer's parts: `R`, the counted votes' table,
    /// the distinct responses' table, their `sigs` entries, the records.
    fn layout(&self) -> Option<[usize; 5]> {
        let r = usize::try_from(self.canonical.report_len()).ok()?;
        let (mut count, mut len, mut distinct) = (0u64, 0u64, 0usize);
        for (at, _) in self.distinct() {
            let (n, l) = self.report_at(at)?.signatures();
            count = count.checked_add(n)?;
            len = len.checked_add(l)?;
            distinct += 1;
        }
        Some([
            r,
            self.votes.len().checked_mul(RECORD)?,
            distinct.checked_mul(RECORD)?,
            usize::try_from(len).ok()?,
            usize::try_from(count).ok()?.checked_mul(RECORD)?,
        ])
    }

    /// Bytes [`ReportHandOut::decode`] needs, at most 8 × the body's
    /// length; `None` only if a counted report cannot be read again.
    pub fn work_len(&self) -> Option<usize> {
        total(self.layout()?)
    }

    /// Reads `R`, the counted responses' OCR signatures and their merge
    /// into `work`.
    pub fn decode<'w>(&self, work: &'w mut [u8]) -> Result<HandedOutReport<'a, 'w>, HandOutError> {
        let lens = self.layout().ok_or(HandOutError::Unreadable)?;
        let needed = total(lens).ok_or(HandOutError::Unreadable)?;
        let work = work
            .get_mut(..needed)
            .ok_or(HandOutError::WorkTooSmall { needed })?;
        let [r_len, counted_len, regions_len, sigs_len, _] = lens;
        let (r_buf, rest) = work.split_at_mut(r_len);
        let (counted, rest) = rest.split_at_mut(counted_len);
        let (regions, rest) = rest.split_at_mut(regions_len);
        let (sigs_buf, records) = rest.split_at_mut(sigs_len);
        let report = self
            .canonical
            .report_into(r_buf)
            .ok_or(HandOutError::Unreadable)?;
        // Each distinct response's `sigs` entries, and its place: (result
        // offset, votes it carried, start, end) in `regions`.
        let mut end = 0u32;
        for (i, (at, weight)) in self.distinct().enumerate() {
            let c = self.report_at(at).ok_or(HandOutError::Unreadable)?;
            let len = u32::try_from(c.signatures().1).map_err(|_| HandOutError::Unreadable)?;
            let start = end;
            end = start.checked_add(len).ok_or(HandOutError::Unreadable)?;
            let dst = sigs_buf
                .get_mut(start as usize..end as usize)
                .ok_or(HandOutError::Unreadable)?;
            fill(dst, |out| c.write_signatures(&mut |b| out(b))).ok_or(HandOutError::Unreadable)?;
            set_quad(regions, i, [at, weight, start, end]);
        }
        // Each counted vote: (response, signer, start, end) of its response.
        for (i, &(response, at, signer)) in self.votes.iter().enumerate() {
            let [_, _, start, end] = (0..regions_len / RECORD)
                .filter_map(|k| quad(regions, k))
                .find(|q| q[0] == at)
                .ok_or(HandOutError::Unreadable)?;
            set_quad(counted, i, [response, u32::from(signer), start, end]);
        }
        let sigs: &'w [u8] = sigs_buf;
        let counted: &'w [u8] = counted;
        let merged = merge(sigs, regions, records).ok_or(HandOutError::Unreadable)?;
        Ok(HandedOutReport {
            report,
            set: self.set,
            counted,
            bundle: self.bundle,
            sigs,
            merged,
        })
    }
}

impl fmt::Debug for ReportHandOut<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReportHandOut")
            .field("counted", &self.counted_count())
            .finish_non_exhaustive()
    }
}
