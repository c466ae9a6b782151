//! relay-verifier on a Cortex-M4F: every baked-in reference case (verify,
//! §13 rotation, §14 replay guard), then the stack high-water mark, printed
//! over semihosting. Exits non-zero when a case fails. `cargo run
//! --release` runs it under QEMU (mps2-an386).
#![no_std]
#![no_main]

use core::cell::RefCell;
use core::mem::MaybeUninit;

use cortex_m::interrupt::Mutex;
use cortex_m_rt::entry;
use cortex_m_semihosting::{debug, hprintln};
use panic_semihosting as _;
use relay_verifier::{ReplaySlot, Rotation, RotationConfig, VoteWork, Workspace};

mod cases;
mod check;
mod stack;
mod state;

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

/// The enclave's own state, in `.bss` for the same reason: the §13
/// rotation (7,816 B here), the room a vote is decoded in (`VoteWork`,
/// 12,412 B) and the §14 guard's slots (41 B each, as many as the largest
/// capacity). The library builds a `Rotation` and its config by value
/// (`RotationConfig::from_json` holds about 10 KB of stack), so each
/// case's start-up reads the config into `config` in one frame and builds
/// the `Rotation` into `rotation` in the next, never one under the other.
struct State {
    rotation: MaybeUninit<Rotation>,
    config: Option<RotationConfig>,
    work: VoteWork,
    slots: [ReplaySlot; cases::GUARD_SLOTS],
}

static STATE: Mutex<RefCell<State>> = Mutex::new(RefCell::new(State {
    rotation: MaybeUninit::uninit(),
    config: None,
    work: VoteWork::new(),
    slots: [ReplaySlot::EMPTY; cases::GUARD_SLOTS],
}));

#[derive(Default)]
struct Tally {
    passed: usize,
    failed: usize,
}

impl Tally {
    /// Counts `outcome`; a failure is handed back to be printed.
    fn count<E>(&mut self, outcome: Result<(), E>) -> Option<E> {
        match outcome {
            Ok(()) => {
                self.passed += 1;
                None
            }
            Err(why) => {
                self.failed += 1;
                Some(why)
            }
        }
    }
}

/// The deepest case so far: its name and its high-water mark.
struct Deepest {
    name: &'static str,
    bytes: usize,
}

impl Deepest {
    const NONE: Deepest = Deepest { name: "", bytes: 0 };

    /// Reads the high-water mark since the last `stack::repaint`.
    fn measure(&mut self, name: &'static str) {
        let bytes = stack::high_water().total;
        if bytes > self.bytes {
            *self = Deepest { name, bytes };
        }
    }
}

#[entry]
fn main() -> ! {
    // What ran before the cases (start-up, the runtime).
    let start_up = Deepest {
        name: "start-up",
        bytes: stack::high_water().total,
    };
    let (mut deep_verify, mut deep_rotation, mut deep_guard) =
        (Deepest::NONE, Deepest::NONE, Deepest::NONE);
    let verify = cortex_m::interrupt::free(|cs| {
        run_verify(&mut BUFFERS.borrow(cs).borrow_mut(), &mut deep_verify)
    });
    let (hashes, votes, ops) = cortex_m::interrupt::free(|cs| {
        let mut state = STATE.borrow(cs).borrow_mut();
        let State {
            rotation,
            config,
            work,
            slots,
        } = &mut *state;
        (
            run_hashes(&mut deep_rotation),
            run_rotation(rotation, config, work, &mut deep_rotation),
            run_guard(slots, &mut deep_guard),
        )
    });
    hprintln!("verify: {} passed, {} failed", verify.passed, verify.failed);
    hprintln!(
        "rotation: {} hash cases passed, {} failed; {} steps in {} sequences passed, {} failed",
        hashes.passed,
        hashes.failed,
        votes.passed,
        cases::ROTATION_CASES.len(),
        votes.failed
    );
    hprintln!(
        "guard: {} ops in {} cases passed, {} failed",
        ops.passed,
        cases::GUARD_CASES.len(),
        ops.failed
    );
    hprintln!(
        "stack by kind: verify {}, rotation {}, guard {} bytes",
        deep_verify.bytes,
        deep_rotation.bytes,
        deep_guard.bytes
    );
    let deepest = [start_up, deep_verify, deep_rotation, deep_guard]
        .into_iter()
        .fold(Deepest::NONE, |a, b| if b.bytes > a.bytes { b } else { a });
    hprintln!(
        "stack high-water: {} bytes (deepest case: {})",
        deepest.bytes,
        deepest.name
    );
    let fits = deepest.bytes < STACK_LIMIT;
    if !fits {
        hprintln!(
            "FAIL stack: {} bytes, the limit is {}",
            deepest.bytes,
            STACK_LIMIT
        );
    }
    let all = [verify, hashes, votes, ops];
    let passed = all.iter().all(|t| t.failed == 0 && t.passed > 0);
    debug::exit(if passed && fits {
        debug::EXIT_SUCCESS
    } else {
        debug::EXIT_FAILURE
    });
    loop {
        cortex_m::asm::wfi();
    }
}

/// Every verify case, the stack repainted before each.
#[inline(never)]
fn run_verify(buffers: &mut Buffers, deepest: &mut Deepest) -> Tally {
    let Buffers {
        work,
        payload,
        workspace,
    } = buffers;
    let mut tally = Tally::default();
    for case in cases::CASES {
        stack::repaint();
        let outcome = check::run(case, workspace, work, payload);
        deepest.measure(case.name);
        if let Some(why) = tally.count(outcome) {
            hprintln!("FAIL {}: {}", case.name, why);
        }
    }
    tally
}

/// Every §13 hash case.
#[inline(never)]
fn run_hashes(deepest: &mut Deepest) -> Tally {
    let mut tally = Tally::default();
    for case in cases::HASH_CASES {
        stack::repaint();
        let outcome = state::hash_case(case);
        deepest.measure(case.name);
        if let Some(why) = tally.count(outcome) {
            hprintln!("FAIL {}: {}", case.name, why);
        }
    }
    tally
}

/// Every §13 vote sequence from its config in force, each step counted,
/// and the config in force at the end (a wrong one counts as a failure).
/// The stack is repainted per sequence: its deepest step is the figure.
#[inline(never)]
fn run_rotation(
    room: &mut MaybeUninit<Rotation>,
    config: &mut Option<RotationConfig>,
    work: &mut VoteWork,
    deepest: &mut Deepest,
) -> Tally {
    let mut tally = Tally::default();
    for case in cases::ROTATION_CASES {
        stack::repaint();
        let started = state::read_config(case, config)
            .and_then(|()| state::start_rotation(case, config, room));
        let rotation = match started {
            Ok(r) => r,
            Err(why) => {
                tally.failed += 1;
                hprintln!("FAIL {}: {}", case.name, why);
                continue;
            }
        };
        for (i, step) in case.steps.iter().enumerate() {
            if let Some(d) = tally.count(state::vote(rotation, work, step)) {
                hprintln!(
                    "FAIL {} step {}: {} differs (got {})",
                    case.name,
                    i,
                    d.what,
                    d.got
                );
            }
        }
        if let Err(why) = state::final_config(rotation, case) {
            tally.failed += 1;
            hprintln!("FAIL {}: {}", case.name, why);
        }
        deepest.measure(case.name);
    }
    tally
}

/// Every §14 guard case over the static slots, each operation counted.
#[inline(never)]
fn run_guard(slots: &mut [ReplaySlot], deepest: &mut Deepest) -> Tally {
    let mut tally = Tally::default();
    for case in cases::GUARD_CASES {
        stack::repaint();
        let mut guard = match state::guard(case, slots) {
            Ok(g) => g,
            Err(why) => {
                tally.failed += 1;
                hprintln!("FAIL {}: {}", case.name, why);
                continue;
            }
        };
        for (i, step) in case.steps.iter().enumerate() {
            if let Some(got) = tally.count(state::guard_op(&mut guard, step)) {
                hprintln!(
                    "FAIL {} step {} ({}): got {}, want {}",
                    case.name,
                    i,
                    step.op.name(),
                    got,
                    step.expect
                );
            }
        }
        deepest.measure(case.name);
    }
    tally
}
