//! relay-verifier on a Cortex-M4F: every baked-in reference case, then the
//! stack high-water mark, printed over semihosting. Exits non-zero when a
//! case fails. `cargo run --release` runs it under QEMU (mps2-an386).
#![no_std]
#![no_main]

use cortex_m_rt::entry;
use cortex_m_semihosting::{debug, hprintln};
use panic_semihosting as _;

mod cases;
mod check;
mod stack;

#[entry]
fn main() -> ! {
    let mut passed = 0usize;
    let mut failed = 0usize;
    for case in cases::CASES {
        match check::run(case) {
            Ok(()) => passed += 1,
            Err(why) => {
                failed += 1;
                hprintln!("FAIL {}: {}", case.name, why);
            }
        }
    }
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
