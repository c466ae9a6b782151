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
pub(crate) fn sort_by<T>(v: &mut [T], cmp: impl FnMut(&T, &T) -> Ordering) {
    let n = v.len();
    heapsort(n, &mut Slice { v, cmp });
}

/// What heapsort needs of a sequence: compare and swap by position. The
/// sort itself then exists once, not once per element type and order
/// (about 1.5 KiB of flash for the call sites on `thumbv7em`).
pub(crate) trait Heap {
    /// Whether the element at `a` orders before the one at `b`.
    fn less(&mut self, a: usize, b: usize) -> bool;
    fn swap(&mut self, a: usize, b: usize);
}

struct Slice<'v, T, F> {
    v: &'v mut [T],
    cmp: F,
}

impl<T, F: FnMut(&T, &T) -> Ordering> Heap for Slice<'_, T, F> {
    fn less(&mut self, a: usize, b: usize) -> bool {
        match (self.v.get(a), self.v.get(b)) {
            (Some(x), Some(y)) => (self.cmp)(x, y) == Ordering::Less,
            _ => false,
        }
    }

    fn swap(&mut self, a: usize, b: usize) {
        // Two disjoint borrows rather than `<[T]>::swap`, which may overlap
        // and so costs a `memmove` (1.5 KiB of flash on `thumbv7em`).
        let (lo, hi) = (a.min(b), a.max(b));
        let (left, right) = self.v.split_at_mut(hi.min(self.v.len()));
        if let (Some(x), Some(y)) = (left.get_mut(lo), right.first_mut()) {
            core::mem::swap(x, y);
        }
    }
}

/// Heapsort of the `n` elements behind `h`.
pub(crate) fn heapsort(n: usize, h: &mut dyn Heap) {
    for start in (0..n / 2).rev() {
        sift_down(h, start, n);
    }
    for end in (1..n).rev() {
        h.swap(0, end);
        sift_down(h, 0, end);
    }
}

/// Restores the max-heap property below `root` within the first `end`.
fn sift_down(h: &mut dyn Heap, mut root: usize, end: usize) {
    loop {
        let left = root.saturating_mul(2).saturating_add(1);
        if left >= end {
            return;
        }
        let right = left + 1;
        let child = if right < end && h.less(left, right) {
            right
        } else {
            left
        };
        if !h.less(root, child) {
            return;
        }
        h.swap(root, child);
        root = child;
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
