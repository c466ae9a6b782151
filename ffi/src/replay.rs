//! PROTOCOL.md §14 from C: the replay guard over slots the caller owns.
//!
//! `begin` admits only a verified compute request: it takes the verifier
//! and the batch, verifies it as `rv_verify_compute` does, and begins the
//! winning request's hash. A C caller cannot hold the move-only
//! `Execution` the Rust API hands out, so it keeps that hash and passes it
//! to `finish` or `abandon`, which act only on a live in-progress entry.
//! Between calls the guard's counts are kept (`ReplayState`) beside the
//! caller's pointer to its slots.

use core::mem::{align_of, size_of};
use core::ptr::addr_of_mut;

use relay_verifier::{
    BeginRefusal, CanonicalHash, ComputeVerdict, FinishOutcome, ReplayGuard, ReplaySlot,
    ReplayState,
};

use crate::boundary::{bytes, disjoint, guard as catch_panics, panicked, span};
use crate::compute::{admitted, refusal};
use crate::outcome::RvOutcome;
use crate::status::RvStatus;
use crate::verifier::{loaded as loaded_verifier, RvVerifier};

/// Bytes of one [`RvReplaySlot`].
pub const RV_REPLAY_SLOT_SIZE: usize = 41;
/// §14's default entry lifetime, in seconds (24 hours).
pub const RV_DEFAULT_REPLAY_LIFETIME: u64 = 86_400;

/// Written last by `rv_replay_init`, checked first by every call.
const MAGIC: u64 = u64::from_be_bytes(*b"rvreplay");

// C's slots are read as the core's: same size, alignment 1, and the core
// reads any 41 bytes as a valid slot (its kind is a byte; unknown values
// read as an executed entry), so whatever C leaves there is sound.
const _: () = assert!(size_of::<ReplaySlot>() == RV_REPLAY_SLOT_SIZE);
const _: () = assert!(size_of::<RvReplaySlot>() == RV_REPLAY_SLOT_SIZE);
const _: () = assert!(align_of::<ReplaySlot>() == 1 && align_of::<RvReplaySlot>() == 1);
// The counts live in `state`, a `[u64; 4]`.
const _: () = assert!(size_of::<ReplayState>() <= size_of::<[u64; 4]>());
const _: () = assert!(align_of::<ReplayState>() <= align_of::<u64>());
const _: () = assert!(RV_DEFAULT_REPLAY_LIFETIME == relay_verifier::DEFAULT_REPLAY_LIFETIME);

/// One slot of a guard's storage: `RV_REPLAY_SLOT_SIZE` (41) bytes,
/// alignment 1. An array of them is the caller's; `rv_replay_init` empties
/// it, and any bytes it may hold later are memory-safe to read.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct RvReplaySlot {
    opaque: [u8; RV_REPLAY_SLOT_SIZE],
}

/// A replay guard: the caller's slots (by pointer) and what the guard knows
/// of them. Zero it before the first `rv_replay_init`. Every call changes
/// it: one thread at a time (an enclave running several requests locks the
/// guard around each call only). Do not copy it: a copy shares the slots
/// but not the counts.
#[repr(C)]
pub struct RvReplayGuard {
    magic: u64,
    slots: *mut RvReplaySlot,
    slot_count: usize,
    state: [u64; 4],
}

/// Empties `slot_count` slots at `slots` and makes `guard` a guard over
/// them holding at most `capacity` live entries (at most `slot_count`;
/// twice as many slots as the capacity keeps each call O(1)), each live for
/// `lifetime` seconds (`RV_DEFAULT_REPLAY_LIFETIME` as §14 says). A live
/// entry is never evicted: size the capacity for the peak executions per
/// lifetime. Initialising a guard again forgets every entry.
///
/// # Safety
///
/// `guard` must be null or point to writable storage for an
/// `RvReplayGuard`; `slots` null or `slot_count` writable slots. The slots
/// must stay valid, and be read or written by nothing but this guard's
/// calls, for as long as the guard is used.
#[no_mangle]
pub unsafe extern "C" fn rv_replay_init(
    guard: *mut RvReplayGuard,
    slots: *mut RvReplaySlot,
    slot_count: usize,
    capacity: usize,
    lifetime: u64,
) -> RvStatus {
    catch_panics(|| {
        if guard.is_null() || !guard.is_aligned() {
            return RvStatus::InvalidArgument;
        }
        let Some(slots_len) = slot_count.checked_mul(RV_REPLAY_SLOT_SIZE) else {
            return RvStatus::InvalidArgument;
        };
        let spans = [
            (guard as usize, size_of::<RvReplayGuard>()),
            (slots as usize, slots_len),
        ];
        if span(slots as usize, slots_len).is_none() || !disjoint(&spans) {
            return RvStatus::InvalidArgument;
        }
        // SAFETY: non-null and aligned; the caller promises writable
        // storage. A raw field write: C may hand over uninitialised bytes.
        unsafe { addr_of_mut!((*guard).magic).write(0) };
        // SAFETY: the slots are non-null when not empty and within the
        // address space (checked above), writable and ours (the caller's
        // promise), and do not overlap the guard. Zeroed first because C
        // may hand over uninitialised memory; any bytes are valid slots.
        let Some(slice) = (unsafe { slot_slice(slots, slot_count, true) }) else {
            return RvStatus::InvalidArgument;
        };
        let state = ReplayGuard::new(slice)
            .with_capacity(capacity)
            .with_lifetime(lifetime)
            .suspend();
        let header = RvReplayGuard {
            magic: MAGIC,
            slots,
            slot_count,
            state: pack(state),
        };
        // SAFETY: as above; written whole, with the magic, last.
        unsafe { guard.write(header) };
        RvStatus::Ok
    })
}

/// Verifies `body`, a batch of signed compute requests, as
/// `rv_verify_compute` does, then begins (§14) the request that won:
/// returns `RV_STATUS_OK` (`started`) when it may run now, with the
/// outcome's `index` naming the entry to execute and `hash` the request
/// hash to pass to `rv_replay_finish` or `rv_replay_abandon` afterwards.
/// A verified request that may not run comes back `accepted` with
/// `RV_STATUS_EXECUTED` (a replay), `RV_STATUS_IN_PROGRESS` (a copy is
/// running) or `RV_STATUS_FULL`; a batch that fails verification with the
/// reasons of `rv_verify_compute`, and nothing begun.
///
/// `RV_STATUS_INVALID_ARGUMENT` without writing when `outcome` is null or
/// misaligned, or any of the guard, its slots, the verifier, `body` and
/// `outcome` is null, misaligned or overlaps another. A panic (never
/// expected) leaves the guard unusable (`RV_STATUS_NOT_INITIALISED`): the
/// slots may be half-changed. Initialising it again forgets every entry, so
/// the enclave should then stop using its ephemeral key.
///
/// # Safety
///
/// `guard` must be null or point to an `RvReplayGuard`; `verifier` null or
/// a readable `RvVerifier`; `body` null or `body_len` readable bytes;
/// `outcome` null or writable storage for an `RvOutcome`. None may be used
/// by another thread during the call.
#[no_mangle]
pub unsafe extern "C" fn rv_replay_begin(
    guard: *mut RvReplayGuard,
    verifier: *const RvVerifier,
    body: *const u8,
    body_len: usize,
    now: u64,
    outcome: *mut RvOutcome,
) -> RvStatus {
    if outcome.is_null() || !outcome.is_aligned() || guard.is_null() || !guard.is_aligned() {
        return RvStatus::InvalidArgument;
    }
    // SAFETY: non-null and aligned; the caller promises an `RvReplayGuard`,
    // and any bytes are one (integers and a pointer), so a copy is sound.
    let header = unsafe { guard.read() };
    // An unloaded guard's pointer means nothing: it is refused below.
    let slots_len = match header.magic {
        MAGIC => header.slot_count.saturating_mul(RV_REPLAY_SLOT_SIZE),
        _ => 0,
    };
    let spans = [
        (guard as usize, size_of::<RvReplayGuard>()),
        (header.slots as usize, slots_len),
        (verifier as usize, size_of::<RvVerifier>()),
        (body as usize, body_len),
        (outcome as usize, size_of::<RvOutcome>()),
    ];
    if !disjoint(&spans) {
        return RvStatus::InvalidArgument;
    }
    let mut result = RvOutcome::rejected(RvStatus::Internal);
    let broke = panicked(|| {
        // SAFETY: the guard's slots, the verifier and the body are disjoint
        // from each other and from `guard` and `outcome` (checked above);
        // the caller promises them usable and ours alone during the call.
        result = unsafe { begin(guard, &header, verifier, body, body_len, now) }
            .unwrap_or_else(RvOutcome::rejected);
    });
    if broke {
        result = RvOutcome::rejected(RvStatus::Internal);
        // SAFETY: non-null and aligned (checked above); nothing borrows it.
        unsafe { addr_of_mut!((*guard).magic).write(0) };
    }
    // SAFETY: non-null, aligned, disjoint from every input (checked
    // above); the caller promises writable storage for an `RvOutcome`.
    unsafe { outcome.write(result) };
    result.status
}

/// Verification, then `begin` for the winner.
///
/// # Safety
///
/// As [`rv_replay_begin`], with its pointers checked.
unsafe fn begin(
    guard: *mut RvReplayGuard,
    header: &RvReplayGuard,
    verifier: *const RvVerifier,
    body: *const u8,
    body_len: usize,
    now: u64,
) -> Result<RvOutcome, RvStatus> {
    if header.magic != MAGIC {
        return Err(RvStatus::NotInitialised);
    }
    // SAFETY: forwarded caller contract.
    let v = unsafe { loaded_verifier(verifier) }?;
    // SAFETY: forwarded caller contract; `bytes` checks null and the range.
    let body = unsafe { bytes(body, body_len) }.ok_or(RvStatus::InvalidArgument)?;
    let verified = match v.verify_compute(body) {
        ComputeVerdict::Accept(verified) => verified,
        ComputeVerdict::Reject(e) => return Ok(refusal(&e)),
    };
    let mut out = admitted(v, &verified);
    // SAFETY: the slots `rv_replay_init` checked, emptied and stored with
    // the magic; the caller promises them valid and ours, and they overlap
    // no input (checked by the entry).
    let slots = unsafe { slot_slice(header.slots, header.slot_count, false) }
        .ok_or(RvStatus::InvalidArgument)?;
    let mut replay = ReplayGuard::resume(slots, unpack(&header.state));
    let begun = replay.begin(&verified, now);
    // SAFETY: non-null and aligned (checked by the entry); a field write.
    unsafe { addr_of_mut!((*guard).state).write(pack(replay.suspend())) };
    match begun {
        // The caller holds the hash from here: `out.hash`.
        Ok(execution) => debug_assert_eq!(execution.hash().as_bytes(), &out.hash),
        Err(BeginRefusal::InProgress) => out.status = RvStatus::InProgress,
        Err(BeginRefusal::Executed) => out.status = RvStatus::Executed,
        Err(BeginRefusal::Full) => out.status = RvStatus::Full,
        // A refusal added to the library later: still a refusal.
        Err(_) => out.status = RvStatus::Internal,
    }
    Ok(out)
}

/// §14 `finish` after a successful execution: the in-progress entry of
/// `hash` (32 bytes, as `rv_replay_begin` wrote it to `outcome->hash`)
/// becomes executed at `now`, so a replay is refused for a lifetime from
/// `now`. `RV_STATUS_OK` (`recorded`), or `RV_STATUS_NOT_STARTED` when the
/// hash has no live in-progress entry (it was never begun, or it expired).
///
/// # Safety
///
/// `guard` must be null or point to an `RvReplayGuard`; `hash` null or 32
/// readable bytes. Neither may be used by another thread during the call.
#[no_mangle]
pub unsafe extern "C" fn rv_replay_finish(
    guard: *mut RvReplayGuard,
    hash: *const u8,
    now: u64,
) -> RvStatus {
    // SAFETY: forwarded caller contract.
    unsafe {
        by_hash(guard, hash, |g, h| match g.finish_by_hash(h, now) {
            FinishOutcome::Recorded => RvStatus::Ok,
            _ => RvStatus::NotStarted,
        })
    }
}

/// §14 `abandon` after a failed execution: the in-progress entry of `hash`
/// is removed and the request may be retried. `RV_STATUS_OK` (`released`)
/// or `RV_STATUS_NOT_STARTED`. Only the code that began the request may
/// call it: it releases whichever execution of that hash is running.
///
/// # Safety
///
/// As `rv_replay_finish`.
#[no_mangle]
pub unsafe extern "C" fn rv_replay_abandon(
    guard: *mut RvReplayGuard,
    hash: *const u8,
    now: u64,
) -> RvStatus {
    // SAFETY: forwarded caller contract.
    unsafe {
        by_hash(guard, hash, |g, h| match g.abandon_by_hash(h, now) {
            relay_verifier::AbandonOutcome::Released => RvStatus::Ok,
            _ => RvStatus::NotStarted,
        })
    }
}

/// The frame of `finish` and `abandon`: the hash copied in, the guard
/// resumed over its slots, `step` run, the counts kept.
///
/// # Safety
///
/// As [`rv_replay_finish`].
unsafe fn by_hash(
    guard: *mut RvReplayGuard,
    hash: *const u8,
    step: impl FnOnce(&mut ReplayGuard<'_>, &CanonicalHash) -> RvStatus,
) -> RvStatus {
    if guard.is_null() || !guard.is_aligned() {
        return RvStatus::InvalidArgument;
    }
    // SAFETY: the caller promises 32 readable bytes at a non-null `hash`;
    // `bytes` checks null and the range. Copied before the slots are
    // borrowed, so it may lie anywhere.
    let Some(hash) = (unsafe { bytes(hash, 32) }).and_then(|h| <[u8; 32]>::try_from(h).ok()) else {
        return RvStatus::InvalidArgument;
    };
    // SAFETY: non-null and aligned; any bytes are an `RvReplayGuard`.
    let header = unsafe { guard.read() };
    if header.magic != MAGIC {
        return RvStatus::NotInitialised;
    }
    let slots_len = header.slot_count.saturating_mul(RV_REPLAY_SLOT_SIZE);
    if !disjoint(&[
        (guard as usize, size_of::<RvReplayGuard>()),
        (header.slots as usize, slots_len),
    ]) {
        return RvStatus::InvalidArgument;
    }
    let mut status = RvStatus::Internal;
    let broke = panicked(|| {
        // SAFETY: the slots `rv_replay_init` checked and stored with the
        // magic, disjoint from the guard; the caller promises them ours.
        let Some(slots) = (unsafe { slot_slice(header.slots, header.slot_count, false) }) else {
            status = RvStatus::InvalidArgument;
            return;
        };
        let mut replay = ReplayGuard::resume(slots, unpack(&header.state));
        status = step(&mut replay, &CanonicalHash::from_bytes(hash));
        // SAFETY: non-null and aligned (checked above); a field write.
        unsafe { addr_of_mut!((*guard).state).write(pack(replay.suspend())) };
    });
    if broke {
        // SAFETY: as above; nothing borrows the guard after the unwind.
        unsafe { addr_of_mut!((*guard).magic).write(0) };
        return RvStatus::Internal;
    }
    status
}

/// The caller's slots as the core's, zeroed first when `zero`; `None` for
/// a null pointer with slots or a range past the address space.
///
/// # Safety
///
/// A non-null `slots` must point to `count` slots that are valid, writable
/// and used by nothing else for `'a`.
unsafe fn slot_slice<'a>(
    slots: *mut RvReplaySlot,
    count: usize,
    zero: bool,
) -> Option<&'a mut [ReplaySlot]> {
    if count == 0 {
        return Some(&mut []);
    }
    let len = count.checked_mul(RV_REPLAY_SLOT_SIZE)?;
    span(slots as usize, len)?;
    if zero {
        // SAFETY: non-null, within the address space (checked above),
        // writable and ours (the caller's promise); bytes need no alignment.
        unsafe { slots.cast::<u8>().write_bytes(0, len) };
    }
    // SAFETY: as above; `ReplaySlot` has the size and alignment of
    // `RvReplaySlot` and any bytes are a valid one (const asserts and the
    // core's documented representation), and C's storage is initialised
    // (zeroed by init, written only by these calls since, or by C itself).
    Some(unsafe { core::slice::from_raw_parts_mut(slots.cast::<ReplaySlot>(), count) })
}

/// The guard's counts as the `u64`s the C struct keeps.
fn pack(state: ReplayState) -> [u64; 4] {
    let mut words = [0u64; 4];
    // SAFETY: `words` is large enough and aligned for a `ReplayState`
    // (const asserts above); a plain copy of a `Copy` value.
    unsafe { words.as_mut_ptr().cast::<ReplayState>().write(state) };
    words
}

/// The counts `pack` kept. Only ever called on a guard whose magic says
/// `rv_replay_init` packed them.
fn unpack(words: &[u64; 4]) -> ReplayState {
    // SAFETY: large enough and aligned (const asserts above); `ReplayState`
    // is plain integers (the core says so: "any copy is as good as
    // another"), so any bytes read as one, and these were written by
    // `pack`.
    unsafe { words.as_ptr().cast::<ReplayState>().read() }
}
