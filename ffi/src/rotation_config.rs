//! The config a rotation holds in force, read back from C: its hash, user
//! data, `F`, `t`, signers and master key, or loaded into an `RvVerifier`
//! (what an enclave does after an applied vote).

use core::mem::size_of;

use relay_verifier::RotationConfig;

use crate::boundary::{disjoint, guard};
use crate::rotation::{count, loaded, RvRotation};
use crate::status::RvStatus;
use crate::verifier::{with_threshold, RvVerifier, RV_KEY_LEN};

/// The config in force, as `rv_rotation_info` reads it.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RvRotationInfo {
    /// Its §13 config hash.
    pub hash: [u8; 32],
    /// Its attestation user data (§13).
    pub user_data: [u8; 32],
    /// Its signers (`rv_rotation_signer` reads them in the order given).
    pub signer_count: u32,
    /// Its fault bound `F`.
    pub f: u32,
    /// Its `t` (the threshold-decryption DON's, kept and handed back).
    pub t: u32,
    /// Retired config hashes remembered (at most 16).
    pub retired_count: u32,
    /// Length of its opaque master public key
    /// (`rv_rotation_master_public_key` copies it).
    pub master_public_key_len: usize,
    /// Seconds a vote stays live.
    pub vote_lifetime: u64,
}

/// Reads the config in force into `info`.
///
/// # Safety
///
/// `rotation` must be null or point to a readable `RvRotation`; `info`
/// null or writable storage for an `RvRotationInfo`. Neither may be
/// written by another thread during the call.
#[no_mangle]
pub unsafe extern "C" fn rv_rotation_info(
    rotation: *const RvRotation,
    info: *mut RvRotationInfo,
) -> RvStatus {
    guard(|| {
        let spans = [
            (rotation as usize, size_of::<RvRotation>()),
            (info as usize, size_of::<RvRotationInfo>()),
        ];
        if info.is_null() || !info.is_aligned() || !disjoint(&spans) {
            return RvStatus::InvalidArgument;
        }
        // SAFETY: forwarded caller contract.
        let r = match unsafe { loaded(rotation) } {
            Ok(r) => r,
            Err(status) => return status,
        };
        let c = r.current();
        let read = RvRotationInfo {
            hash: *c.hash().as_bytes(),
            user_data: c.user_data(),
            signer_count: count(c.len()),
            f: c.f(),
            t: c.t(),
            retired_count: count(r.retired().count()),
            master_public_key_len: c.master_public_key().len(),
            vote_lifetime: r.vote_lifetime(),
        };
        // SAFETY: non-null, aligned, not overlapping the rotation (checked
        // above); the caller promises writable storage.
        unsafe { info.write(read) };
        RvStatus::Ok
    })
}

/// Copies the `position`-th signer of the config in force, in the order
/// given (the order §13 hashes and a vote's `signers` use; an
/// `RvVerifier` numbers keys sorted instead), to `key_out`.
///
/// # Safety
///
/// `rotation` must be null or point to a readable `RvRotation`; `key_out`
/// null or 32 writable bytes.
#[no_mangle]
pub unsafe extern "C" fn rv_rotation_signer(
    rotation: *const RvRotation,
    position: usize,
    key_out: *mut u8,
) -> RvStatus {
    // SAFETY: forwarded caller contract.
    unsafe {
        copy_out(rotation, key_out, RV_KEY_LEN, |c| {
            c.signers().nth(position).map(|k| &k[..])
        })
    }
}

/// Copies the opaque master public key of the config in force to `out`
/// (`out_cap` bytes) and its length to `len_out`; `RV_STATUS_BUFFER_TOO_SMALL`
/// (length written, key not) when it does not fit.
///
/// # Safety
///
/// `rotation` must be null or point to a readable `RvRotation`; `out` null
/// or `out_cap` writable bytes; `len_out` null or a writable `size_t`.
#[no_mangle]
pub unsafe extern "C" fn rv_rotation_master_public_key(
    rotation: *const RvRotation,
    out: *mut u8,
    out_cap: usize,
    len_out: *mut usize,
) -> RvStatus {
    let spans = [
        (rotation as usize, size_of::<RvRotation>()),
        (out as usize, out_cap),
        (len_out as usize, size_of::<usize>()),
    ];
    if len_out.is_null() || !len_out.is_aligned() || !disjoint(&spans) {
        return RvStatus::InvalidArgument;
    }
    let mut len = 0;
    let status = guard(|| {
        // SAFETY: forwarded caller contract.
        let r = match unsafe { loaded(rotation) } {
            Ok(r) => r,
            Err(status) => return status,
        };
        len = r.current().master_public_key().len();
        if out_cap < len {
            return RvStatus::BufferTooSmall;
        }
        // SAFETY: forwarded caller contract; `out` overlaps neither the
        // rotation nor `len_out` (checked above).
        unsafe { copy_out(rotation, out, len, |c| Some(c.master_public_key())) }
    });
    if matches!(status, RvStatus::Ok | RvStatus::BufferTooSmall) {
        // SAFETY: non-null, aligned, disjoint from the rest (checked above).
        unsafe { len_out.write(len) };
    }
    status
}

/// Loads the signers and `F` of the rotation's config in force into
/// `verifier`, as `rv_verifier_init` would (`threshold` 0 = `F+1`): what an
/// enclave does after an applied vote. On failure the verifier is left
/// unloaded.
///
/// # Safety
///
/// `verifier` must be null or point to writable storage for an
/// `RvVerifier`; `rotation` null or a readable `RvRotation`. Neither may be
/// used by another thread during the call.
#[no_mangle]
pub unsafe extern "C" fn rv_verifier_from_rotation(
    verifier: *mut RvVerifier,
    rotation: *const RvRotation,
    threshold: usize,
) -> RvStatus {
    guard(|| {
        let spans = [
            (verifier as usize, size_of::<RvVerifier>()),
            (rotation as usize, size_of::<RvRotation>()),
        ];
        if verifier.is_null() || !verifier.is_aligned() || !disjoint(&spans) {
            return RvStatus::InvalidArgument;
        }
        // SAFETY: non-null and aligned; the caller promises an `RvVerifier`
        // no one else uses during the call (any bit pattern is one).
        let out = unsafe { &mut *verifier };
        out.unload();
        // SAFETY: forwarded caller contract; disjoint from `verifier`.
        let r = match unsafe { loaded(rotation) } {
            Ok(r) => r,
            Err(status) => return status,
        };
        let config = r.current().config();
        match with_threshold(config.signers().clone(), config.f(), threshold) {
            Ok(v) => {
                out.install(v);
                RvStatus::Ok
            }
            Err(status) => status,
        }
    })
}

/// Copies `len` bytes that `pick` finds in the config in force to `out`:
/// `RV_STATUS_INVALID_ARGUMENT` when `out` is null or overlaps the
/// rotation, or `pick` finds nothing of that length.
///
/// # Safety
///
/// `rotation` null or a readable `RvRotation`; `out` null or `len`
/// writable bytes.
unsafe fn copy_out(
    rotation: *const RvRotation,
    out: *mut u8,
    len: usize,
    pick: impl FnOnce(&RotationConfig) -> Option<&[u8]>,
) -> RvStatus {
    guard(|| {
        let spans = [
            (rotation as usize, size_of::<RvRotation>()),
            (out as usize, len),
        ];
        if (out.is_null() && len > 0) || !disjoint(&spans) {
            return RvStatus::InvalidArgument;
        }
        // SAFETY: forwarded caller contract.
        let r = match unsafe { loaded(rotation) } {
            Ok(r) => r,
            Err(status) => return status,
        };
        let Some(found) = pick(r.current()).filter(|b| b.len() == len) else {
            return RvStatus::InvalidArgument;
        };
        if len > 0 {
            // SAFETY: `out` is non-null, does not overlap the rotation, and
            // the caller promises `len` writable bytes; u8 needs no
            // alignment.
            unsafe { core::ptr::copy_nonoverlapping(found.as_ptr(), out, len) };
        }
        RvStatus::Ok
    })
}
