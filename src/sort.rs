//! A small in-place heapsort.
//!
//! `core`'s `sort_unstable_by` is fast but large: on `thumbv7em` it added
//! about 22 KiB of flash for this crate's five call sites (measured with
//! `size/measure.sh`). Every sort here is over a bounded index (ids,
//! signers, a workspace of entries or shares), and heapsort keeps the
//! `n log n` bound with no recursion, no allocation and a few hundred bytes
//! of code. Callers' orders are total, so stability does not matter.

use core::cmp::Ordering;

/// Sorts `v` ascending by `cmp`.
pub(crate) fn sort_by<T>(v: &mut [T], mut cmp: impl FnMut(&T, &T) -> Ordering) {
    let n = v.len();
    for start in (0..n / 2).rev() {
        sift_down(v, start, n, &mut cmp);
    }
    for end in (1..n).rev() {
        v.swap(0, end);
        sift_down(v, 0, end, &mut cmp);
    }
}

/// Restores the max-heap property below `root` within `v[..end]`.
fn sift_down<T>(
    v: &mut [T],
    mut root: usize,
    end: usize,
    cmp: &mut impl FnMut(&T, &T) -> Ordering,
) {
    loop {
        let left = root.saturating_mul(2).saturating_add(1);
        if left >= end {
            return;
        }
        let right = left + 1;
        let child = match (v.get(left), v.get(right)) {
            (Some(l), Some(r)) if right < end && cmp(l, r) == Ordering::Less => right,
            _ => left,
        };
        match (v.get(root), v.get(child)) {
            (Some(r), Some(c)) if cmp(r, c) == Ordering::Less => {
                v.swap(root, child);
                root = child;
            }
            _ => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorts_like_core() {
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        for n in [0usize, 1, 2, 3, 7, 64, 65, 200] {
            let mut v: std::vec::Vec<u16> = (0..n)
                .map(|_| {
                    seed ^= seed << 13;
                    seed ^= seed >> 7;
                    seed ^= seed << 17;
                    (seed % 50) as u16
                })
                .collect();
            let mut want = v.clone();
            want.sort_unstable();
            sort_by(&mut v, |a, b| a.cmp(b));
            assert_eq!(v, want, "n = {n}");
        }
    }
}
