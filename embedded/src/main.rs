//! relay-verifier on a Cortex-M4F: every baked-in reference case, then the
//! stack high-water mark, printed over semihosting. Exits non-zero when a
//! case fails. `cargo run --release` runs it under QEMU (mps2-an386).
#![no_std]
#![no_main]

use core::cell::RefCell;

use cortex_m::interrupt::Mutex;
use cortex_m_rt::entry;
use cortex_m_semihosting::{debug, hprintln};
use panic_semihosting as _;

mod cases;
mod check;
mod stack;

/// The §11 hand-out's buffers, in `.bss` rather than on the stack (whose
/// high-water mark is what this run measures): the work buffer (the
/// 31-node report needs about 30 KB) and the rebuilt payload.
static BUFFERS: Mutex<RefCell<([u8; 64 * 1024], [u8; 8 * 1024])>> =
    Mutex::new(RefCell::new(([0; 64 * 1024], [0; 8 * 1024])));

#[entry]
fn main() -> ! {
    let mut passed = 0usize;
    let mut failed = 0usize;
    cortex_m::interrupt::free(|cs| {
        let mut buffers = BUFFERS.borrow(cs).borrow_mut();
        let (work, payload) = &mut *buffers;
        for case in cases::CASES {
            match check::run(case, work, payload) {
                Ok(()) => passed += 1,
                Err(why) => {
                    failed += 1;
                    hprintln!("FAIL {}: {}", case.name, why);
                }
            }
        }
    });
    let high_water = stack::high_water();
    hprintln!("{} passed, {} failed", passed, failed);
    hprintln!("stack high-water: {} bytes", high_water.total);
    debug::exit(if failed == 0 && passed > 0 {
        debug::EXIT_SUCCESS
    } else {
        debug::EXIT_FAILURE
    });
    loop {
        cortex_m::asm::wfi();
    }
}
