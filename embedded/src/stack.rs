//! Stack high-water mark. cortex-m-rt's `paint-stack` fills the RAM between
//! `_stack_end` (end of the statics) and `_stack_start` (the initial stack
//! pointer) with `STACK_PAINT_VALUE` before `main`; the lowest word no longer
//! holding it is the deepest the stack went.

use cortex_m_rt::STACK_PAINT_VALUE;

extern "C" {
    static _stack_start: u32;
    static _stack_end: u32;
}

/// The initial stack pointer (top of the stack).
fn top() -> usize {
    // Only the address of the linker symbol is taken, never its contents.
    core::ptr::addr_of!(_stack_start) as usize
}

fn bottom() -> usize {
    core::ptr::addr_of!(_stack_end) as usize
}

/// The current stack pointer.
fn pointer() -> usize {
    cortex_m::register::msp::read() as usize
}

pub struct HighWater {
    /// Bytes between the top of the stack and the deepest word written.
    pub total: usize,
}

/// Paints the stack below the caller again (leaving 256 bytes under the
/// current stack pointer alone), so that the next [`high_water`] measures
/// only what runs after this call: the deepest single case, not the run.
pub fn repaint() {
    let mut at = bottom();
    let limit = pointer().saturating_sub(256);
    while at < limit {
        // SAFETY: as in `high_water`, `at` is word-aligned and between the
        // statics and the live stack; nothing lives below the stack
        // pointer here (no interrupt is enabled), so nothing reads it.
        unsafe { core::ptr::write_volatile(at as *mut u32, STACK_PAINT_VALUE) };
        at += 4;
    }
}

/// Scans the painted region upwards for the first scrubbed word.
pub fn high_water() -> HighWater {
    let mut at = bottom();
    let limit = pointer();
    while at < limit {
        // SAFETY: `at` is word-aligned (cortex-m-rt asserts `_stack_end % 4 == 0`),
        // inside RAM between the statics and the live stack, which nothing
        // else references; a volatile read keeps the compiler from assuming
        // its contents.
        let word = unsafe { core::ptr::read_volatile(at as *const u32) };
        if word != STACK_PAINT_VALUE {
            break;
        }
        at += 4;
    }
    HighWater { total: top() - at }
}
