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

use core::cmp::Ordering;
use core::fmt;

use crate::leaf::sort::{heapsort, Heap};
use crate::message::envelope::{self, Responses, Shape};
use crate::message::result::{self, CapabilityResult};
use crate::proto::{fill, AttributedSignature, Canonical, Report, ReportPayload, Signatures};
use crate::read::text::Text;
use crate::read::Lexer;
use crate::trust::config::{SignerIndex, SignerSet, MAX_SIGNERS};

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

/// Bytes of one merged-signature record in the work buffer.
const RECORD: usize = 16;

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

/// The work buffer's length for the parts' sizes of `layout`.
fn total(lens: [usize; 5]) -> Option<usize> {
    lens.into_iter().try_fold(0usize, usize::checked_add)
}

/// Four little-endian `u32`s at position `i` of a table in the work buffer
/// (16 bytes each: the records, the counted votes, the distinct responses).
fn quad(table: &[u8], i: usize) -> Option<[u32; 4]> {
    let b = table.get(i.checked_mul(RECORD)?..)?.get(..RECORD)?;
    let word = |k: usize| {
        b.get(k * 4..k * 4 + 4)
            .and_then(|w| <[u8; 4]>::try_from(w).ok())
            .map_or(0, u32::from_le_bytes)
    };
    Some([word(0), word(1), word(2), word(3)])
}

fn set_quad(table: &mut [u8], i: usize, words: [u32; 4]) {
    let Some(b) = i
        .checked_mul(RECORD)
        .and_then(|at| table.get_mut(at..)?.get_mut(..RECORD))
    else {
        return;
    };
    for (chunk, w) in b.chunks_exact_mut(4).zip(words) {
        chunk.copy_from_slice(&w.to_le_bytes());
    }
}

/// A merge record: `signer_id`, then the distinct response's ordinal
/// (while sorting by pair) or the carrier count (once merged), then where
/// the signature lies in the `sigs` part. Little-endian `u32`s.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Record {
    signer_id: u32,
    aux: u32,
    start: u32,
    len: u32,
}

impl Record {
    fn read(records: &[u8], i: usize) -> Option<Record> {
        let [signer_id, aux, start, len] = quad(records, i)?;
        Some(Record {
            signer_id,
            aux,
            start,
            len,
        })
    }

    fn write(self, records: &mut [u8], i: usize) {
        set_quad(records, i, [self.signer_id, self.aux, self.start, self.len]);
    }

    fn signature<'s>(&self, sigs: &'s [u8]) -> &'s [u8] {
        let start = self.start as usize;
        sigs.get(start..start.saturating_add(self.len as usize))
            .unwrap_or_default()
    }
}

/// The records as a heap for `sort::heapsort`.
struct Records<'r, F> {
    records: &'r mut [u8],
    sigs: &'r [u8],
    order: F,
}

impl<F: FnMut(&Record, &Record, &[u8]) -> Ordering> Heap for Records<'_, F> {
    fn less(&mut self, a: usize, b: usize) -> bool {
        match (Record::read(self.records, a), Record::read(self.records, b)) {
            (Some(x), Some(y)) => (self.order)(&x, &y, self.sigs) == Ordering::Less,
            _ => false,
        }
    }

    fn swap(&mut self, a: usize, b: usize) {
        if let (Some(x), Some(y)) = (Record::read(self.records, a), Record::read(self.records, b)) {
            x.write(self.records, b);
            y.write(self.records, a);
        }
    }
}

fn sort_records(
    records: &mut [u8],
    n: usize,
    sigs: &[u8],
    order: impl FnMut(&Record, &Record, &[u8]) -> Ordering,
) {
    heapsort(
        n,
        &mut Records {
            records,
            sigs,
            order,
        },
    );
}

/// §11's merge: every distinct (`signer_id`, `signature`) pair of the
/// counted lists with the number of counted responses carrying it; per
/// `signer_id` only the pair carried most, then the bytewise-smallest;
/// ordered by carriers (most first), then `signer_id`. Returns the records
/// part holding the merged list.
fn merge<'w>(sigs: &[u8], regions: &[u8], records: &'w mut [u8]) -> Option<&'w [u8]> {
    // One record per entry, tagged with its distinct response's ordinal.
    let mut n = 0usize;
    for ordinal in 0..regions.len() / RECORD {
        let [_, _, from, to] = quad(regions, ordinal)?;
        let own = sigs.get(from as usize..to as usize)?;
        let mut entries = Signatures::over(own);
        while let Some((signer_id, start, end)) = entries.step_span() {
            let rec = Record {
                signer_id,
                aux: u32::try_from(ordinal).ok()?,
                start: u32::try_from((from as usize).checked_add(start)?).ok()?,
                len: u32::try_from(end.checked_sub(start)?).ok()?,
            };
            rec.write(records, n);
            n = n.checked_add(1)?;
        }
    }
    let by_pair = |a: &Record, b: &Record, sigs: &[u8]| {
        a.signer_id
            .cmp(&b.signer_id)
            .then_with(|| a.signature(sigs).cmp(b.signature(sigs)))
            .then(a.aux.cmp(&b.aux))
    };
    sort_records(records, n, sigs, by_pair);
    // Distinct pairs, each with the number of distinct ordinals carrying it.
    let same_pair = |a: &Record, b: &Record| {
        a.signer_id == b.signer_id && a.signature(sigs) == b.signature(sigs)
    };
    let mut pairs = 0usize;
    let mut i = 0usize;
    while i < n {
        let first = Record::read(records, i)?;
        let weight = |r: &Record| quad(regions, r.aux as usize).map_or(0, |q| q[1]);
        let (mut carriers, mut last) = (weight(&first), first.aux);
        let mut j = i + 1;
        while let Some(r) = Record::read(records, j).filter(|r| j < n && same_pair(&first, r)) {
            if r.aux != last {
                carriers = carriers.saturating_add(weight(&r));
                last = r.aux;
            }
            j += 1;
        }
        Record {
            aux: carriers,
            ..first
        }
        .write(records, pairs);
        pairs += 1;
        i = j;
    }
    // Per signer_id the pair carried most; pairs of one id are in signature
    // order, so the first of the most carried is the bytewise-smallest.
    let mut kept = 0usize;
    let mut i = 0usize;
    while i < pairs {
        let mut best = Record::read(records, i)?;
        let mut j = i + 1;
        while let Some(r) =
            Record::read(records, j).filter(|r| j < pairs && r.signer_id == best.signer_id)
        {
            if r.aux > best.aux {
                best = r;
            }
            j += 1;
        }
        best.write(records, kept);
        kept += 1;
        i = j;
    }
    sort_records(records, kept, sigs, |a, b, _| {
        b.aux.cmp(&a.aux).then(a.signer_id.cmp(&b.signer_id))
    });
    let records: &'w [u8] = records;
    records.get(..kept.checked_mul(RECORD)?)
}

/// A report handed out: `R`, the counted responses' OCR signatures, the
/// merged signatures and the payload built from them, read in place in the
/// caller's work buffer ([`ReportHandOut::decode`]).
#[derive(Clone)]
pub struct HandedOutReport<'a, 'w> {
    report: Report<'w>,
    set: &'a SignerSet,
    /// (response, signer, start, end) a counted vote, in order.
    counted: &'w [u8],
    bundle: bool,
    sigs: &'w [u8],
    merged: &'w [u8],
}

/// One counted response of a handed-out report.
#[derive(Clone, Debug)]
pub struct CountedReport<'a, 'w> {
    /// The response's position in the bundle; `None` for a single
    /// response (as [`crate::VerifiedResponse::index`]).
    pub index: Option<usize>,
    /// The relay signer whose vote it carried.
    pub signer: &'a [u8; 32],
    /// The OCR signatures it carried, in its order.
    pub signatures: Signatures<'w>,
}

/// One merged OCR signature: a pair and how many counted responses carry
/// it. A pair with `carriers` ≥ F+1 is carried by an honest node.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MergedSignature<'w> {
    /// The oracle's index in the OCR configuration.
    pub signer_id: u32,
    /// The signature bytes (not verified here: the chain verifies them).
    pub signature: &'w [u8],
    /// Counted responses carrying this pair.
    pub carriers: u32,
}

/// The merged signatures, in §11's order ([`HandedOutReport::merged`]).
#[derive(Clone, Debug)]
pub struct MergedSignatures<'w> {
    records: &'w [u8],
    sigs: &'w [u8],
    next: usize,
}

impl<'w> Iterator for MergedSignatures<'w> {
    type Item = MergedSignature<'w>;

    fn next(&mut self) -> Option<Self::Item> {
        let r = Record::read(self.records, self.next)?;
        self.next += 1;
        Some(MergedSignature {
            signer_id: r.signer_id,
            signature: r.signature(self.sigs),
            carriers: r.aux,
        })
    }
}

/// The merged signatures as [`AttributedSignature`]s, for
/// [`ReportPayload`]: optionally only those with at least `min` carriers.
#[derive(Clone, Debug)]
pub struct MergedPairs<'w> {
    merged: MergedSignatures<'w>,
    min: u32,
}

impl<'w> Iterator for MergedPairs<'w> {
    type Item = AttributedSignature<'w>;

    fn next(&mut self) -> Option<Self::Item> {
        let min = self.min;
        self.merged
            .by_ref()
            .find(|m| m.carriers >= min)
            .map(|m| AttributedSignature {
                signer_id: m.signer_id,
                signature: m.signature,
            })
    }
}

impl<'a, 'w> HandedOutReport<'a, 'w> {
    /// The canonical report `R` the counted signers attested: fields 1–4
    /// and unknown fields, no OCR signatures.
    pub fn report(&self) -> Report<'w> {
        self.report
    }

    /// The counted responses: for each signer of the winning group, the
    /// response its vote was counted in, ascending by position.
    pub fn counted(&self) -> impl Iterator<Item = CountedReport<'a, 'w>> + '_ {
        (0..self.counted.len() / RECORD)
            .filter_map(|i| quad(self.counted, i))
            .map(|[response, signer, start, end]| CountedReport {
                index: self.bundle.then_some(response as usize),
                signer: SignerIndex::try_from(signer)
                    .ok()
                    .and_then(|s| self.set.key(s))
                    .unwrap_or(&[0; 32]),
                signatures: Signatures::over(
                    self.sigs
                        .get(start as usize..end as usize)
                        .unwrap_or_default(),
                ),
            })
    }

    /// The merged signatures, most carried first, then by `signer_id`.
    pub fn merged(&self) -> MergedSignatures<'w> {
        MergedSignatures {
            records: self.merged,
            sigs: self.sigs,
            next: 0,
        }
    }

    /// The merged pairs carried by at least `min` counted responses (`1`:
    /// all of them; F+1: only those an honest node carries), for
    /// [`ReportPayload`].
    pub fn merged_pairs(&self, min: u32) -> MergedPairs<'w> {
        MergedPairs {
            merged: self.merged(),
            min,
        }
    }

    /// The payload to hand out: `R` with every merged signature.
    pub fn payload(&self) -> ReportPayload<'w, MergedPairs<'w>> {
        ReportPayload::new(self.report, self.merged_pairs(1))
    }

    /// Length of the payload's base64 text.
    pub fn payload_len(&self) -> Option<usize> {
        self.payload().base64_len()
    }

    /// Writes the payload's base64 text into `out`; its length, or `None`
    /// when `out` is shorter than [`HandedOutReport::payload_len`].
    pub fn write_payload(&self, out: &mut [u8]) -> Option<usize> {
        self.payload().write_base64_into(out)
    }

    /// Streams the payload's base64 text into `sink`; its length.
    pub fn stream_payload(&self, sink: &mut impl FnMut(&[u8])) -> Option<usize> {
        self.payload().write_base64(sink)
    }
}

impl fmt::Debug for HandedOutReport<'_, '_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HandedOutReport")
            .field("counted", &(self.counted.len() / RECORD))
            .field("merged", &(self.merged.len() / RECORD))
            .finish_non_exhaustive()
    }
}
