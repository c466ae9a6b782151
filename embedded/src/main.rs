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
use relay_verifier::Workspace;

mod cases;
mod check;
mod stack;

/// The most stack the run may use: the high-water mark must stay below it
/// (issue 19), or the run fails.
const STACK_LIMIT: usize = 16 * 1024;

/// The buffers the verifier borrows from its caller, in `.bss` rather than
/// on the stack (whose high-water mark is what this run measures), as
/// firmware with a small stack would lend them: the §11 hand-out's work
/// buffer (the 31-node report needs about 30 KB) and rebuilt payload, and
/// the workspace a secrets result is indexed in (`Verifier::verify_in`;
/// `verify` builds the same 3.5 KiB on the stack).
struct Buffers {
    work: [u8; 64 * 1024],
    payload: [u8; 8 * 1024],
    workspace: Workspace,
}

static BUFFERS: Mutex<RefCell<Buffers>> = Mutex::new(RefCell::new(Buffers {
    work: [0; 64 * 1024],
    payload: [0; 8 * 1024],
    workspace: Workspace::new(),
}));

#[entry]
fn main() -> ! {
    let mut passed = 0usize;
    let mut failed = 0usize;
    // The deepest case: its name and its high-water mark.
    let mut deepest = ("", 0usize);
    // What ran before the cases (start-up, the runtime).
    let before = stack::high_water().total;
    cortex_m::interrupt::free(|cs| {
        let mut buffers = BUFFERS.borrow(cs).borrow_mut();
        let Buffers {
            work,
            payload,
            workspace,
        } = &mut *buffers;
        for case in cases::CASES {
            stack::repaint();
            let outcome = check::run(case, workspace, work, payload);
            let high_water = stack::high_water().total;
            if high_water > deepest.1 {
                deepest = (case.name, high_water);
            }
            match outcome {
                Ok(()) => passed += 1,
                Err(why) => {
                    failed += 1;
                    hprintln!("FAIL {}: {}", case.name, why);
                }
            }
        }
    });
    let high_water = before.max(deepest.1);
    hprintln!("{} passed, {} failed", passed, failed);
    hprintln!(
        "stack high-water: {} bytes (deepest case: {})",
        high_water,
        deepest.0
    );
    let fits = high_water < STACK_LIMIT;
    if !fits {
        hprintln!(
            "FAIL stack: {} bytes, the limit is {}",
            high_water,
            STACK_LIMIT
        );
    }
    debug::exit(if failed == 0 && passed > 0 && fits {
        debug::EXIT_SUCCESS
    } else {
        debug::EXIT_FAILURE
    });
    loop {
        cortex_m::asm::wfi();
    }
}
