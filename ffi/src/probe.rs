//! Feature `panic-probe` only: a door whose body panics, behind the same
//! catch as every other entry point, so that a test in another language
//! (the Go package's) can watch a real Rust panic come back as
//! `RV_STATUS_INTERNAL` instead of unwinding into its frames.

use crate::boundary::guard;
use crate::status::RvStatus;

/// Panics inside the boundary's catch; returns `RV_STATUS_INTERNAL`.
#[no_mangle]
pub extern "C" fn rv_probe_panic() -> RvStatus {
    guard(|| panic!("rv_probe_panic: a panic on purpose, which must not cross the C ABI"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_probe_panics_and_comes_back_as_internal() {
        assert_eq!(rv_probe_panic(), RvStatus::Internal);
    }
}
