//! What a call came to, and its name as the vectors spell it.

use core::ffi::c_char;

/// What a call came to. `RV_STATUS_OK` (0) for a loaded verifier, an
/// accepted body, a vote taken (applied, collected or already current) and
/// a replay-guard step done (started, recorded, released); positive values
/// are the reasons PROTOCOL.md gives for a refusal, negative ones the
/// caller's mistakes and internal failures.
#[repr(i32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RvStatus {
    /// Loaded, accepted, or done.
    Ok = 0,
    /// The signer set, `F` or the threshold is unusable; for a vote or a
    /// rotation's first config, not a valid §7 configuration.
    InvalidConfig = 1,
    /// The request parameters break a rule of PROTOCOL.md §2.
    InvalidParams = 2,
    /// The body (a vote, a rotation's config) is not well formed (`offset`
    /// says where, when the call has an outcome).
    Malformed = 3,
    /// No result gathered enough distinct configured signers.
    NoQuorum = 4,
    /// The compute request that reached quorum fails PROTOCOL.md §12's
    /// request checks (`rv_verify_compute`, `rv_replay_begin`).
    InvalidRequest = 5,
    /// §13: no current signer's key verifies the vote's signature.
    UnknownSigner = 6,
    /// §13: the vote proposes one of the last 16 retired configs.
    RetiredConfig = 7,
    /// §14 `begin`: a copy of the request is running now.
    InProgress = 8,
    /// §14 `begin`: the request already ran within the lifetime (a replay).
    Executed = 9,
    /// §14 `begin`: the guard holds its capacity of live entries.
    Full = 10,
    /// §14 `finish` or `abandon`: the hash has no live in-progress entry.
    NotStarted = 11,
    /// §9 (`rv_verify_content`): the verified secrets name an identifier
    /// the request did not ask for; the result must not be used.
    UnexpectedSecret = 12,
    /// §9 (`rv_verify_content`): the verified secrets name an identifier
    /// twice; the result must not be used.
    DuplicateSecret = 13,
    /// A null or misaligned pointer, a length past the address space,
    /// overlapping buffers, or an unknown method.
    InvalidArgument = -1,
    /// The storage (verifier, rotation, guard) was not loaded by a
    /// successful init, or a panic left it unusable.
    NotInitialised = -2,
    /// A panic inside the library, caught at the boundary.
    Internal = -3,
    /// A caller's buffer is too small for what is handed out
    /// (`rv_verify_report`, `rv_rotation_master_public_key`): the sizes
    /// needed are written, so the call can be repeated with larger buffers.
    BufferTooSmall = -4,
}

/// The name of a status as the reference vectors spell reasons (`"ok"`,
/// `"invalid_config"`, `"invalid_params"`, `"malformed"`, `"no_quorum"`,
/// `"invalid_request"`, `"unknown_signer"`, `"retired_config"`,
/// `"in_progress"`, `"executed"`, `"full"`, `"not_started"`,
/// `"unexpected_secret"`, `"duplicate_secret"`, `"invalid_argument"`,
/// `"not_initialised"`, `"internal"`, `"buffer_too_small"`; `"unknown"`
/// for any other value). A static, NUL-terminated string: never free it.
#[no_mangle]
pub extern "C" fn rv_status_name(status: i32) -> *const c_char {
    let name: &'static core::ffi::CStr = match status {
        0 => c"ok",
        1 => c"invalid_config",
        2 => c"invalid_params",
        3 => c"malformed",
        4 => c"no_quorum",
        5 => c"invalid_request",
        6 => c"unknown_signer",
        7 => c"retired_config",
        8 => c"in_progress",
        9 => c"executed",
        10 => c"full",
        11 => c"not_started",
        12 => c"unexpected_secret",
        13 => c"duplicate_secret",
        -1 => c"invalid_argument",
        -2 => c"not_initialised",
        -3 => c"internal",
        -4 => c"buffer_too_small",
        _ => c"unknown",
    };
    name.as_ptr()
}
