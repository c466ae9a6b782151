//! The checks every entry point makes at the boundary: panics caught,
//! caller buffers read or zeroed only when non-null and within the address
//! space, overlaps found.

use std::panic::{catch_unwind, AssertUnwindSafe};

use crate::status::RvStatus;

/// Runs `f`, turning a panic into `RV_STATUS_INTERNAL`.
pub(crate) fn guard(f: impl FnOnce() -> RvStatus) -> RvStatus {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or(RvStatus::Internal)
}

/// Whether two byte ranges share an address (empty ranges share none).
pub(crate) fn overlaps(a: usize, a_len: usize, b: usize, b_len: usize) -> bool {
    if a_len == 0 || b_len == 0 {
        return false;
    }
    let a_end = a.saturating_add(a_len);
    let b_end = b.saturating_add(b_len);
    a < b_end && b < a_end
}

/// Whether no two of the byte ranges share an address.
pub(crate) fn disjoint(spans: &[(usize, usize)]) -> bool {
    spans.iter().enumerate().all(|(i, &(a, a_len))| {
        spans
            .iter()
            .skip(i.saturating_add(1))
            .all(|&(b, b_len)| !overlaps(a, a_len, b, b_len))
    })
}

/// Whether an output range overlaps another output or any input (inputs
/// are only read, so they may share bytes with each other).
pub(crate) fn outputs_clash(inputs: &[(usize, usize)], outputs: &[(usize, usize)]) -> bool {
    !disjoint(outputs)
        || outputs
            .iter()
            .any(|&(at, len)| inputs.iter().any(|&(b, b_len)| overlaps(at, len, b, b_len)))
}

/// Runs `f` and says whether it panicked, so that a caller whose state a
/// panic may have left half-changed can mark that state unusable.
pub(crate) fn panicked(f: impl FnOnce()) -> bool {
    catch_unwind(AssertUnwindSafe(f)).is_err()
}

/// `len` bytes at `ptr`; empty for `len` 0 whatever `ptr` is; `None` for a
/// null pointer or a range past the address space.
///
/// # Safety
///
/// A non-null `ptr` must point to `len` readable bytes that stay unchanged
/// for `'a`.
pub(crate) unsafe fn bytes<'a>(ptr: *const u8, len: usize) -> Option<&'a [u8]> {
    if len == 0 {
        return Some(&[]);
    }
    if ptr.is_null() || len > isize::MAX as usize || (ptr as usize).checked_add(len).is_none() {
        return None;
    }
    // SAFETY: non-null, u8 needs no alignment, the range does not wrap and
    // is at most isize::MAX; the caller promises it is readable and unchanged.
    Some(unsafe { core::slice::from_raw_parts(ptr, len) })
}

/// A buffer's address range, as [`bytes`] would accept it: any address
/// when empty, else non-null and within the address space.
pub(crate) fn span(at: usize, len: usize) -> Option<(usize, usize)> {
    let usable =
        len == 0 || (at != 0 && len <= isize::MAX as usize && at.checked_add(len).is_some());
    usable.then_some((at, len))
}

/// `len` bytes at `ptr`, zeroed (C may hand over uninitialised storage),
/// as a slice; `None` for a null pointer or a range past the address space.
///
/// # Safety
///
/// A non-null `ptr` must point to `len` writable bytes that nothing else
/// reads or writes for `'a`.
pub(crate) unsafe fn zeroed<'a>(ptr: *mut u8, len: usize) -> Option<&'a mut [u8]> {
    if len == 0 {
        return Some(&mut []);
    }
    span(ptr as usize, len)?;
    // SAFETY: non-null, u8 needs no alignment, the range does not wrap and
    // is at most isize::MAX (checked by `span`); the caller promises it is
    // writable and ours alone.
    unsafe { ptr.write_bytes(0, len) };
    // SAFETY: as above, and every byte is now initialised.
    Some(unsafe { core::slice::from_raw_parts_mut(ptr, len) })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_becomes_internal() {
        assert_eq!(guard(|| panic!("inside the library")), RvStatus::Internal);
        assert_eq!(guard(|| RvStatus::NoQuorum), RvStatus::NoQuorum);
        // The frames that must mark their state unusable after a panic.
        assert!(panicked(|| panic!("inside a vote")));
        assert!(!panicked(|| ()));
    }

    #[test]
    fn disjoint_checks_every_pair() {
        assert!(disjoint(&[(100, 10), (110, 5), (0, 0), (100, 0)]));
        assert!(!disjoint(&[(100, 10), (200, 5), (205, 1), (109, 1)]));
    }

    #[test]
    fn overlap_is_exact() {
        assert!(overlaps(100, 10, 109, 1));
        assert!(!overlaps(100, 10, 110, 5));
        assert!(!overlaps(100, 0, 100, 5));
        assert!(overlaps(usize::MAX - 1, 10, usize::MAX - 1, 1));
    }
}
