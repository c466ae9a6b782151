//! The verifier in caller storage: loaded from keys and `F` (or from a
//! rotation's config in force), read back key by key.

use core::mem::{align_of, size_of};

use relay_verifier::{Config, SignerSet, Verifier};

use crate::boundary::{bytes, guard, overlaps};
use crate::status::RvStatus;

/// Bytes of opaque storage in an [`RvVerifier`].
pub const RV_VERIFIER_SIZE: usize = 2304;
/// Most signers a verifier holds.
pub const RV_MAX_SIGNERS: usize = 64;
/// Length of an ed25519 public key.
pub const RV_KEY_LEN: usize = 32;

/// Written last by `rv_verifier_init`, checked first by every reader.
const MAGIC: u64 = u64::from_be_bytes(*b"rvverify");

// The verifier lives inside `RvVerifier::opaque`, which follows a `u64`.
const _: () = assert!(size_of::<Verifier>() <= RV_VERIFIER_SIZE);
const _: () = assert!(align_of::<Verifier>() <= align_of::<u64>());
// `Verifier` is never dropped here: C owns the storage and may overwrite or
// copy it bytewise. That is sound because it is plain inline data (keys in a
// fixed-capacity `heapless::Vec` of byte arrays, counts): skipping its drop
// frees nothing, and a copy refers to nothing outside itself.
const _: () = assert!(relay_verifier::MAX_SIGNERS == RV_MAX_SIGNERS);

/// A loaded verifier, in storage the caller owns (static, stack or heap).
/// Zero it before the first `rv_verifier_init`; after a successful init it
/// may be copied bytewise and shared between threads for `rv_verify`.
#[repr(C)]
pub struct RvVerifier {
    magic: u64,
    opaque: [u8; RV_VERIFIER_SIZE],
}

/// Loads `key_count` 32-byte ed25519 public keys (contiguous at `keys`) and
/// the fault bound `f` into `verifier`. `threshold` 0 means `F+1`; otherwise
/// it must be at least `F+1` (e.g. `2F+1`) and at most the number of keys.
/// Refuses `F = 0`, repeated, weak or invalid keys and more than
/// `RV_MAX_SIGNERS` keys with `RV_STATUS_INVALID_CONFIG`. On any failure the
/// verifier is left unloaded.
///
/// # Safety
///
/// `verifier` must be null or point to writable storage for an
/// `RvVerifier`; `keys` must be null or point to `key_count * 32` readable
/// bytes. Neither may be written by another thread during the call.
#[no_mangle]
pub unsafe extern "C" fn rv_verifier_init(
    verifier: *mut RvVerifier,
    keys: *const u8,
    key_count: usize,
    f: usize,
    threshold: usize,
) -> RvStatus {
    guard(|| {
        if verifier.is_null() || !verifier.is_aligned() {
            return RvStatus::InvalidArgument;
        }
        let Some(keys_len) = key_count.checked_mul(RV_KEY_LEN) else {
            return RvStatus::InvalidArgument;
        };
        if overlaps(
            verifier as usize,
            size_of::<RvVerifier>(),
            keys as usize,
            keys_len,
        ) {
            return RvStatus::InvalidArgument;
        }
        // SAFETY: non-null and aligned (checked above); the caller promises
        // it points to an `RvVerifier` no one else writes during the call.
        // Every bit pattern is a valid `RvVerifier` (a u64 and bytes).
        let out = unsafe { &mut *verifier };
        out.unload();
        // SAFETY: the caller promises `key_count * 32` readable bytes at a
        // non-null `keys`; `bytes` checks null and the address range.
        let Some(keys) = (unsafe { bytes(keys, keys_len) }) else {
            return RvStatus::InvalidArgument;
        };
        let loaded = match configure(keys, f, threshold) {
            Ok(v) => v,
            Err(status) => return status,
        };
        out.install(loaded);
        RvStatus::Ok
    })
}

impl RvVerifier {
    /// Marks the storage unloaded, before anything else is written to it.
    pub(crate) fn unload(&mut self) {
        self.magic = 0;
    }

    /// Writes `loaded` into the storage, then the magic that says so.
    pub(crate) fn install(&mut self, loaded: Verifier) {
        self.magic = 0;
        let slot = self.opaque.as_mut_ptr().cast::<Verifier>();
        // SAFETY: `opaque` is at least `size_of::<Verifier>()` bytes and,
        // following a u64 in a repr(C) struct, aligned for it (const
        // asserts above); `Verifier` owns nothing, so overwriting a previous
        // one leaks nothing.
        unsafe { slot.write(loaded) };
        self.magic = MAGIC;
    }
}

/// The number of signers of a loaded verifier (0 if it is not loaded).
///
/// # Safety
///
/// `verifier` must be null or point to a readable `RvVerifier`.
#[no_mangle]
pub unsafe extern "C" fn rv_verifier_signer_count(verifier: *const RvVerifier) -> usize {
    let mut count = 0;
    guard(|| {
        // SAFETY: forwarded caller contract.
        match unsafe { loaded(verifier) } {
            Ok(v) => {
                count = v.config().signers().len();
                RvStatus::Ok
            }
            Err(status) => status,
        }
    });
    count
}

/// Copies the `position`-th key of a loaded verifier (keys sorted bytewise,
/// as `RvOutcome::signer_mask` numbers them) to `key_out`.
///
/// # Safety
///
/// `verifier` must be null or point to a readable `RvVerifier`; `key_out`
/// must be null or point to 32 writable bytes.
#[no_mangle]
pub unsafe extern "C" fn rv_verifier_signer(
    verifier: *const RvVerifier,
    position: usize,
    key_out: *mut u8,
) -> RvStatus {
    guard(|| {
        if key_out.is_null()
            || overlaps(
                verifier as usize,
                size_of::<RvVerifier>(),
                key_out as usize,
                RV_KEY_LEN,
            )
        {
            return RvStatus::InvalidArgument;
        }
        // SAFETY: forwarded caller contract.
        let v = match unsafe { loaded(verifier) } {
            Ok(v) => v,
            Err(status) => return status,
        };
        let Some(key) = v.config().signers().keys().get(position) else {
            return RvStatus::InvalidArgument;
        };
        // SAFETY: `key_out` is non-null, does not overlap the verifier, and
        // the caller promises 32 writable bytes there; u8 needs no alignment.
        unsafe { core::ptr::copy_nonoverlapping(key.as_ptr(), key_out, RV_KEY_LEN) };
        RvStatus::Ok
    })
}

/// The verifier in a loaded `RvVerifier`.
///
/// # Safety
///
/// A non-null `ptr` must point to a readable `RvVerifier` that stays
/// unchanged for `'a`.
pub(crate) unsafe fn loaded<'a>(ptr: *const RvVerifier) -> Result<&'a Verifier, RvStatus> {
    if ptr.is_null() || !ptr.is_aligned() {
        return Err(RvStatus::InvalidArgument);
    }
    // SAFETY: non-null and aligned; the caller promises a readable
    // `RvVerifier`, and every bit pattern is one.
    let storage = unsafe { &*ptr };
    if storage.magic != MAGIC {
        return Err(RvStatus::NotInitialised);
    }
    // SAFETY: `magic` is set only by `rv_verifier_init`, right after it
    // wrote a valid `Verifier` into `opaque` (aligned and large enough: const
    // asserts above), and cleared before any other write to the storage. A
    // bytewise copy of a loaded storage is a loaded storage (`Verifier`
    // holds no pointers). Storage that C filled otherwise and that happens to
    // hold the 64-bit magic breaks the documented contract.
    Ok(unsafe { &*storage.opaque.as_ptr().cast::<Verifier>() })
}

/// Signer set, `F`, threshold (0 = `F+1`) into a verifier.
fn configure(keys: &[u8], f: usize, threshold: usize) -> Result<Verifier, RvStatus> {
    let set = SignerSet::from_slices(keys.chunks_exact(RV_KEY_LEN))
        .map_err(|_| RvStatus::InvalidConfig)?;
    with_threshold(set, f, threshold)
}

/// A verifier for a signer set and `F`, with the threshold (0 = `F+1`).
pub(crate) fn with_threshold(
    set: SignerSet,
    f: usize,
    threshold: usize,
) -> Result<Verifier, RvStatus> {
    let config = match threshold {
        0 => Config::new(set, f),
        t => Config::with_threshold(set, f, t),
    };
    config
        .map(Verifier::new)
        .map_err(|_| RvStatus::InvalidConfig)
}
