//! PROTOCOL.md §13 from C: a `Rotation` and the `VoteWork` a vote is
//! taken in, both in storage the caller owns; a vote's outcome in a plain
//! struct; the config in force read back, or loaded into an `RvVerifier`
//! so that an enclave swaps its verifier after an applied vote.

use core::ffi::c_char;
use core::mem::{align_of, size_of};
use core::ptr::addr_of_mut;

use relay_verifier::{
    Rotation, RotationConfig, RotationConfigError, VoteError, VoteOutcome, VoteWork,
};

use crate::boundary::{bytes, disjoint, guard, panicked, span};
use crate::status::RvStatus;
use crate::verifier::{RV_KEY_LEN, RV_MAX_SIGNERS};

/// Bytes of opaque storage in an [`RvRotation`].
pub const RV_ROTATION_SIZE: usize = 8192;
/// Bytes of opaque storage in an [`RvVoteWork`].
pub const RV_VOTE_WORK_SIZE: usize = 13312;
/// §13's vote lifetime, in seconds (`rv_rotation_init`'s usual argument).
pub const RV_DEFAULT_VOTE_LIFETIME: u64 = 600;

/// Written last by `rv_rotation_init`, checked first by every reader.
const MAGIC: u64 = u64::from_be_bytes(*b"rvrotate");

// Both live in `opaque` arrays that follow a `u64`, so they are aligned for
// anything up to a `u64`.
const _: () = assert!(size_of::<Rotation>() <= RV_ROTATION_SIZE);
const _: () = assert!(align_of::<Rotation>() <= align_of::<u64>());
const _: () = assert!(size_of::<VoteWork>() <= RV_VOTE_WORK_SIZE);
const _: () = assert!(align_of::<VoteWork>() <= align_of::<u64>());
const _: () = assert!(RV_DEFAULT_VOTE_LIFETIME == relay_verifier::DEFAULT_VOTE_LIFETIME);
// Neither is ever dropped here: like `Verifier`, `Rotation` and `VoteWork`
// are plain inline data (keys, hashes, counts in fixed arrays and
// `heapless::Vec`s), so skipping a drop frees nothing and a bytewise copy
// refers to nothing outside itself.

/// An enclave's §13 state (the config in force, one vote slot per signer,
/// the last 16 retired config hashes), in storage the caller owns. Zero it
/// before the first `rv_rotation_init`. Calls that take a vote change it:
/// one thread at a time. A bytewise copy is a second, independent rotation.
#[repr(C)]
pub struct RvRotation {
    magic: u64,
    opaque: [u8; RV_ROTATION_SIZE],
}

/// The room `rv_rotation_vote` works in (the proposed config, decoded and
/// built). Its contents do not matter before a call and mean nothing after
/// one: any storage of this size will do, and one may serve every rotation.
#[repr(C)]
pub struct RvVoteWork {
    align: u64,
    opaque: [u8; RV_VOTE_WORK_SIZE],
}

/// What a vote did (PROTOCOL.md §13).
#[repr(i32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RvVote {
    /// Refused: `status` says why; nothing was recorded.
    Rejected = 0,
    /// F+1 current signers' live votes applied the proposed config: it is
    /// now in force (swap the verifier: `rv_verifier_from_rotation`).
    Applied = 1,
    /// Recorded: the proposal has `collected` live votes of `required`.
    Collected = 2,
    /// The proposed config is the one in force; nothing was recorded.
    AlreadyCurrent = 3,
}

/// The outcome of one vote, written whole by `rv_rotation_vote`.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RvVoteOutcome {
    /// `RV_STATUS_OK` for a vote taken (applied, collected, already
    /// current); else why not: `RV_STATUS_MALFORMED`,
    /// `RV_STATUS_UNKNOWN_SIGNER`, `RV_STATUS_RETIRED_CONFIG`,
    /// `RV_STATUS_INVALID_CONFIG`, or the caller's mistake.
    pub status: RvStatus,
    /// What the vote did.
    pub vote: RvVote,
    /// Whether `hash` is set: for every vote but a malformed one or one no
    /// current signer signed.
    pub has_hash: bool,
    /// The proposed config's §13 hash.
    pub hash: [u8; 32],
    /// Applied: the attestation user data of the config now in force.
    pub user_data: [u8; 32],
    /// Applied, collected: current signers with a live vote for it.
    pub collected: u32,
    /// Applied, collected: F+1 of the config that was in force.
    pub required: u32,
    /// Applied: how many signers applied it (`signers[0 .. signer_count)`).
    pub signer_count: u32,
    /// Applied: the keys whose live votes applied it, in the replaced
    /// config's order.
    pub signers: [[u8; RV_KEY_LEN]; RV_MAX_SIGNERS],
    /// Malformed: whether `offset` is set.
    pub has_offset: bool,
    /// Malformed: whether `offset` is in the decoded proposed config
    /// rather than in the vote body.
    pub offset_in_config: bool,
    /// Malformed: the byte offset of the problem.
    pub offset: u64,
}

impl RvVoteOutcome {
    fn rejected(status: RvStatus) -> Self {
        RvVoteOutcome {
            status,
            vote: RvVote::Rejected,
            has_hash: false,
            hash: [0; 32],
            user_data: [0; 32],
            collected: 0,
            required: 0,
            signer_count: 0,
            signers: [[0; RV_KEY_LEN]; RV_MAX_SIGNERS],
            has_offset: false,
            offset_in_config: false,
            offset: 0,
        }
    }

    fn with_hash(mut self, hash: &[u8; 32]) -> Self {
        self.has_hash = true;
        self.hash = *hash;
        self
    }
}

/// Loads the first config (JSON as Go writes it:
/// `{"signers":[base64,…],"masterPublicKey":base64,"t":2,"f":1}`) into
/// `rotation`, with no votes, nothing retired, and votes live for
/// `vote_lifetime` seconds (`RV_DEFAULT_VOTE_LIFETIME` as §13 says).
/// `RV_STATUS_MALFORMED` or `RV_STATUS_INVALID_CONFIG` for a config §13
/// refuses. On any failure the rotation is left unloaded.
///
/// # Safety
///
/// `rotation` must be null or point to writable storage for an
/// `RvRotation`; `config_json` null or `config_len` readable bytes. Neither
/// may be used by another thread during the call.
#[no_mangle]
pub unsafe extern "C" fn rv_rotation_init(
    rotation: *mut RvRotation,
    config_json: *const u8,
    config_len: usize,
    vote_lifetime: u64,
) -> RvStatus {
    guard(|| {
        if rotation.is_null() || !rotation.is_aligned() {
            return RvStatus::InvalidArgument;
        }
        let spans = [
            (rotation as usize, size_of::<RvRotation>()),
            (config_json as usize, config_len),
        ];
        if !disjoint(&spans) {
            return RvStatus::InvalidArgument;
        }
        // SAFETY: non-null and aligned; the caller promises an
        // `RvRotation` no one else uses during the call, and every bit
        // pattern is one (a u64 and bytes).
        let out = unsafe { &mut *rotation };
        out.magic = 0;
        // SAFETY: the caller promises `config_len` readable bytes at a
        // non-null pointer; `bytes` checks null and the range.
        let Some(json) = (unsafe { bytes(config_json, config_len) }) else {
            return RvStatus::InvalidArgument;
        };
        let config = match RotationConfig::from_json(json) {
            Ok(c) => c,
            Err(RotationConfigError::Malformed(_)) => return RvStatus::Malformed,
            Err(_) => return RvStatus::InvalidConfig,
        };
        let slot = out.opaque.as_mut_ptr().cast::<Rotation>();
        // SAFETY: `opaque` is large enough and aligned for a `Rotation`
        // (const asserts above); a previous one owns nothing to leak.
        unsafe { slot.write(Rotation::with_vote_lifetime(config, vote_lifetime)) };
        out.magic = MAGIC;
        RvStatus::Ok
    })
}

/// Takes one vote body (`{"config": base64, "signature": base64}`) at
/// `now` (seconds, from a clock the enclave trusts): §13's steps 1–7, in
/// `work`. Writes the outcome and returns `outcome->status`, or
/// `RV_STATUS_INVALID_ARGUMENT` without writing when `outcome` is null or
/// misaligned, or any of `rotation`, `work`, `body`, `outcome` is null,
/// misaligned or overlaps another. A panic (never expected) leaves the
/// rotation unloaded (`RV_STATUS_NOT_INITIALISED` from then on), since it
/// may have stopped halfway.
///
/// # Safety
///
/// `rotation` must be null or point to an `RvRotation`, `work` null or
/// writable storage for an `RvVoteWork`, `body` null or `body_len`
/// readable bytes, `outcome` null or writable storage for an
/// `RvVoteOutcome`. None may be used by another thread during the call.
#[no_mangle]
pub unsafe extern "C" fn rv_rotation_vote(
    rotation: *mut RvRotation,
    work: *mut RvVoteWork,
    body: *const u8,
    body_len: usize,
    now: u64,
    outcome: *mut RvVoteOutcome,
) -> RvStatus {
    let aligned = !rotation.is_null()
        && rotation.is_aligned()
        && !work.is_null()
        && work.is_aligned()
        && !outcome.is_null()
        && outcome.is_aligned();
    let spans = [
        (rotation as usize, size_of::<RvRotation>()),
        (work as usize, size_of::<RvVoteWork>()),
        (outcome as usize, size_of::<RvVoteOutcome>()),
        (body as usize, body_len),
    ];
    if !aligned || span(body as usize, body_len).is_none() || !disjoint(&spans) {
        return RvStatus::InvalidArgument;
    }
    let mut result = RvVoteOutcome::rejected(RvStatus::Internal);
    // SAFETY: the three structs are non-null, aligned and disjoint from each
    // other and the body (checked above); the caller promises them usable
    // and ours alone during the call, and the body readable.
    let broke = panicked(|| result = unsafe { vote(rotation, work, body, body_len, now) });
    if broke {
        result = RvVoteOutcome::rejected(RvStatus::Internal);
        // SAFETY: non-null and aligned (checked above), and no reference
        // into it outlived the unwound call. Unloaded: the panic may have
        // stopped the vote between retiring a config and swapping it out.
        unsafe { addr_of_mut!((*rotation).magic).write(0) };
    }
    // SAFETY: non-null, aligned, overlapping no input (checked above); the
    // caller promises writable storage for an `RvVoteOutcome`.
    unsafe { outcome.write(result) };
    result.status
}

/// The vote itself, once the pointers are checked.
///
/// # Safety
///
/// `rotation` and `work` non-null, aligned, disjoint, and the caller's
/// promise of exclusive use; `body` as [`bytes`] takes it.
unsafe fn vote(
    rotation: *mut RvRotation,
    work: *mut RvVoteWork,
    body: *const u8,
    body_len: usize,
    now: u64,
) -> RvVoteOutcome {
    // SAFETY: forwarded contract.
    let rotation = match unsafe { loaded_mut(rotation) } {
        Ok(r) => r,
        Err(status) => return RvVoteOutcome::rejected(status),
    };
    // SAFETY: forwarded contract; `bytes` checks null and the range.
    let Some(body) = (unsafe { bytes(body, body_len) }) else {
        return RvVoteOutcome::rejected(RvStatus::InvalidArgument);
    };
    // SAFETY: `work` is non-null and aligned, ours alone for the call, and
    // its `opaque` is large enough and aligned for a `VoteWork` (const
    // asserts above). Whatever C left there is overwritten, not read, so
    // any bytes will do.
    let work = unsafe {
        let room = addr_of_mut!((*work).opaque).cast::<VoteWork>();
        room.write(VoteWork::new());
        &mut *room
    };
    let current = rotation.current().hash();
    let required = rotation.current().config().f().saturating_add(1);
    let mut out = RvVoteOutcome::rejected(RvStatus::Ok);
    out.required = count(required);
    match rotation.take_vote(body, now, work) {
        Ok(VoteOutcome::Applied(applied)) => {
            out = out.with_hash(applied.hash().as_bytes());
            out.vote = RvVote::Applied;
            out.user_data = applied.user_data();
            for (slot, key) in out.signers.iter_mut().zip(applied.signers()) {
                *slot = *key;
                out.signer_count = out.signer_count.saturating_add(1);
            }
            out.collected = out.signer_count;
        }
        Ok(VoteOutcome::Collected {
            hash,
            collected,
            required,
        }) => {
            out = out.with_hash(hash.as_bytes());
            out.vote = RvVote::Collected;
            out.collected = count(collected);
            out.required = count(required);
        }
        Ok(VoteOutcome::AlreadyCurrent) => {
            out = out.with_hash(current.as_bytes());
            out.vote = RvVote::AlreadyCurrent;
        }
        // An outcome added to the library later: not understood here.
        Ok(_) => return RvVoteOutcome::rejected(RvStatus::Internal),
        Err(e) => return refusal(&e),
    }
    out
}

/// A rejected vote's status, hash and offset.
fn refusal(e: &VoteError) -> RvVoteOutcome {
    let malformed = |offset: usize, in_config: bool| {
        let mut out = RvVoteOutcome::rejected(RvStatus::Malformed);
        out.has_offset = true;
        out.offset_in_config = in_config;
        out.offset = u64::try_from(offset).unwrap_or(u64::MAX);
        out
    };
    match e {
        VoteError::Malformed(m) => malformed(m.offset, false),
        VoteError::MalformedConfig(m) => malformed(m.offset, true),
        VoteError::UnknownSigner => RvVoteOutcome::rejected(RvStatus::UnknownSigner),
        VoteError::RetiredConfig { hash } => {
            RvVoteOutcome::rejected(RvStatus::RetiredConfig).with_hash(hash.as_bytes())
        }
        VoteError::InvalidConfig { hash, .. } => {
            RvVoteOutcome::rejected(RvStatus::InvalidConfig).with_hash(hash.as_bytes())
        }
        // A reason added to the library later: still a refusal.
        _ => RvVoteOutcome::rejected(RvStatus::Internal),
    }
}

pub(crate) fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// The name of a vote's outcome as the vectors spell it (`"rejected"`,
/// `"applied"`, `"collected"`, `"already_current"`; `"unknown"` for any
/// other value). A static, NUL-terminated string: never free it.
#[no_mangle]
pub extern "C" fn rv_vote_name(vote: i32) -> *const c_char {
    let name: &'static core::ffi::CStr = match vote {
        0 => c"rejected",
        1 => c"applied",
        2 => c"collected",
        3 => c"already_current",
        _ => c"unknown",
    };
    name.as_ptr()
}

/// The rotation in a loaded `RvRotation`.
///
/// # Safety
///
/// A non-null `ptr` must point to a readable `RvRotation` that stays
/// unchanged for `'a`.
pub(crate) unsafe fn loaded<'a>(ptr: *const RvRotation) -> Result<&'a Rotation, RvStatus> {
    if ptr.is_null() || !ptr.is_aligned() {
        return Err(RvStatus::InvalidArgument);
    }
    // SAFETY: non-null and aligned; the caller promises a readable
    // `RvRotation`, and every bit pattern is one.
    let storage = unsafe { &*ptr };
    if storage.magic != MAGIC {
        return Err(RvStatus::NotInitialised);
    }
    // SAFETY: `magic` is set only by `rv_rotation_init`, right after it
    // wrote a valid `Rotation` into `opaque` (large enough and aligned:
    // const asserts above), and cleared before anything else writes the
    // storage; a vote changes the `Rotation` only through safe code, and a
    // panic during one clears `magic`. A bytewise copy of a loaded storage
    // is a loaded storage. Storage C filled otherwise and that happens to
    // hold the magic breaks the documented contract.
    Ok(unsafe { &*storage.opaque.as_ptr().cast::<Rotation>() })
}

/// The rotation in a loaded `RvRotation`, to take a vote.
///
/// # Safety
///
/// As [`loaded`], and nothing else may read or write the storage for `'a`.
unsafe fn loaded_mut<'a>(ptr: *mut RvRotation) -> Result<&'a mut Rotation, RvStatus> {
    // SAFETY: forwarded contract; checks null, alignment and the magic.
    unsafe { loaded(ptr) }?;
    // SAFETY: as in `loaded`, and the caller promises exclusive use, so a
    // unique reference is sound; `addr_of_mut!` keeps the pointer's write
    // permission.
    Ok(unsafe { &mut *addr_of_mut!((*ptr).opaque).cast::<Rotation>() })
}
