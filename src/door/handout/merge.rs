//! §11's merge of the counted responses' OCR signatures, in the caller's
//! work buffer: two heapsorts over 16-byte records, no heap.

use core::cmp::Ordering;

use crate::leaf::sort::{heapsort, Heap};
use crate::proto::Signatures;

use super::table::{quad, set_quad, RECORD};

/// A merge record: `signer_id`, then the distinct response's ordinal
/// (while sorting by pair) or the carrier count (once merged), then where
/// the signature lies in the `sigs` part. Little-endian `u32`s.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Record {
    pub(super) signer_id: u32,
    pub(super) aux: u32,
    pub(super) start: u32,
    pub(super) len: u32,
}

impl Record {
    pub(super) fn read(records: &[u8], i: usize) -> Option<Record> {
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

    pub(super) fn signature<'s>(&self, sigs: &'s [u8]) -> &'s [u8] {
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
pub(super) fn merge<'w>(sigs: &[u8], regions: &[u8], records: &'w mut [u8]) -> Option<&'w [u8]> {
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
