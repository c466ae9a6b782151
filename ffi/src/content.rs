//! The verified result's content (`rv_verify_content`): a capability
//! result's payload and error, or a secrets result's entries in request
//! order after PROTOCOL.md §9's check, decoded into the caller's buffers.
//! `RvOutcome` says who signed what; this says what they signed, for a
//! caller (Go, through cgo) that cannot borrow the core's `VerifiedResponse`.

use core::mem::size_of;

use relay_verifier::{
    Error, Method, PostCheckError, RequestParams, Text, Verdict, VerifiedResponse,
};

use crate::boundary::{outputs_clash, span, zeroed};
use crate::outcome::{fill_outcome, RvOutcome};
use crate::relay::{
    accepted, rejection, relay_inputs, RV_METHOD_CAPABILITY_EXECUTE, RV_METHOD_SECRETS_GET,
};
use crate::status::RvStatus;
use crate::verifier::RvVerifier;

/// `RvContentOut::kind`: nothing handed out (a refusal).
pub const RV_CONTENT_NONE: u32 = 0;
/// `RvContentOut::kind`: a capability result (`payload`, `error`).
pub const RV_CONTENT_CAPABILITY: u32 = 1;
/// `RvContentOut::kind`: secrets in request order (`secrets`).
pub const RV_CONTENT_SECRETS: u32 = 2;
/// `RvContentOut::kind`: a capability result that carries a consensus
/// report; nothing else is written: `rv_verify_report` hands it out.
pub const RV_CONTENT_REPORT: u32 = 3;

/// Decoded text at `text[offset .. offset + len)` of the caller's buffer.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RvSpan {
    /// Where it starts in `RvContentOut::text`.
    pub offset: usize,
    /// Its length in bytes (UTF-8, not NUL-terminated).
    pub len: usize,
}

/// One requested secret, in request order (each distinct identifier once).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RvSecret {
    /// The identifier as requested.
    pub key: RvSpan,
    /// Its namespace.
    pub namespace: RvSpan,
    /// Whether the verified result holds it; when not, the fields below
    /// are empty.
    pub present: bool,
    /// Its ciphertext (base64 text).
    pub ciphertext: RvSpan,
    /// Its encrypted shares are `shares[first_share .. first_share +
    /// share_count)`, sorted bytewise (the order the hash covers).
    pub first_share: usize,
    /// How many.
    pub share_count: usize,
}

/// What `rv_verify_content` hands out. The caller sets the six buffer
/// fields; the call leaves them as they are and writes the others.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RvContentOut {
    /// In: where decoded text goes; may be null when `text_cap` is 0.
    pub text: *mut u8,
    /// In: bytes available at `text`.
    pub text_cap: usize,
    /// In: where the secrets go; may be null when `secrets_cap` is 0.
    pub secrets: *mut RvSecret,
    /// In: entries available at `secrets`.
    pub secrets_cap: usize,
    /// In: where the shares' spans go; may be null when `shares_cap` is 0.
    pub shares: *mut RvSpan,
    /// In: entries available at `shares`.
    pub shares_cap: usize,
    /// `RV_CONTENT_*`: what the verified result is.
    pub kind: u32,
    /// Bytes of `text` the content needs (written when it fits).
    pub text_len: usize,
    /// Secrets handed out (or needed).
    pub secret_count: usize,
    /// Share spans handed out (or needed).
    pub share_count: usize,
    /// A capability result's payload (base64 text).
    pub payload: RvSpan,
    /// A capability result's error text.
    pub error: RvSpan,
}

/// Verifies `body` as `rv_verify` does and hands out the verified result's
/// content into `content`'s buffers: for a capability request its
/// `payload` and `error` (`RV_CONTENT_CAPABILITY`; `RV_CONTENT_REPORT`
/// with nothing else when it carries a consensus report, which only
/// `rv_verify_report` hands out), for a secrets request every requested
/// secret in request order (`RV_CONTENT_SECRETS`).
///
/// Returns `outcome->status`:
/// - `RV_STATUS_OK`: accepted, content written.
/// - `RV_STATUS_UNEXPECTED_SECRET`, `RV_STATUS_DUPLICATE_SECRET`: accepted
///   (`outcome->accepted` is set), but the secrets fail §9's check: the
///   result must not be used; nothing handed out.
/// - `RV_STATUS_BUFFER_TOO_SMALL`: accepted, but `text_cap`, `secrets_cap`
///   or `shares_cap` is below `text_len`, `secret_count` or `share_count`,
///   which are written; the buffers' contents are unspecified. Call again
///   with buffers that large.
/// - the verifier's reasons and the caller's mistakes, as for `rv_verify`.
///
/// `RV_STATUS_INVALID_ARGUMENT` without writing when `content` or `outcome`
/// is null or misaligned, a buffer is null with a non-zero length, runs
/// past the address space or is misaligned, or any output overlaps another
/// or an input.
///
/// # Safety
///
/// As [`rv_verify`](crate::rv_verify) for `verifier`, `params`, `body` and
/// `outcome`; `content` must be null or point to an `RvContentOut` whose
/// six buffer fields are set, each buffer null or writable for its
/// capacity. None may be used by another thread during the call.
#[no_mangle]
#[allow(clippy::too_many_arguments)] // the C signature: verifier, method, two inputs, two outputs
pub unsafe extern "C" fn rv_verify_content(
    verifier: *const RvVerifier,
    method: u32,
    params: *const u8,
    params_len: usize,
    body: *const u8,
    body_len: usize,
    content: *mut RvContentOut,
    outcome: *mut RvOutcome,
) -> RvStatus {
    let inputs = [
        (verifier as usize, size_of::<RvVerifier>()),
        (params as usize, params_len),
        (body as usize, body_len),
    ];
    if content.is_null() || !content.is_aligned() || outcome.is_null() || !outcome.is_aligned() {
        return RvStatus::InvalidArgument;
    }
    // SAFETY: non-null and aligned, and the caller promises an
    // `RvContentOut`.
    let buffers = unsafe { Buffers::read(content) };
    let Some(outputs) = buffers.spans(content, outcome) else {
        return RvStatus::InvalidArgument;
    };
    if outputs_clash(&inputs, &outputs) {
        return RvStatus::InvalidArgument;
    }
    let mut out = buffers.empty();
    let run = || {
        // SAFETY: forwarded caller contract (`verifier`, `params`, `body`).
        let (v, params, body) =
            unsafe { relay_inputs(verifier, params, params_len, body, body_len) }?;
        let method = match method {
            RV_METHOD_SECRETS_GET => Method::SecretsGet,
            RV_METHOD_CAPABILITY_EXECUTE => Method::CapabilityExecute,
            _ => return Err(RvStatus::InvalidArgument),
        };
        let params = match RequestParams::from_json(method, params) {
            Ok(p) => p,
            Err(e) => return Ok(rejection(&Error::InvalidParams(e))),
        };
        let verified = match v.verify(&params, body) {
            Verdict::Accept(verified) => verified,
            Verdict::Reject(e) => return Ok(rejection(&e)),
        };
        let mut outcome = accepted(v, &verified);
        // SAFETY: the buffers' spans were checked above (non-null when not
        // empty, within the address space, aligned) and overlap nothing
        // else the call reads or writes; the caller promises them writable.
        outcome.status = unsafe { hand_out(&verified, &buffers, &mut out) };
        Ok(outcome)
    };
    // SAFETY: forwarded caller contract (`outcome`); `outcome` overlaps no
    // input and no other output (checked above).
    let status = unsafe { fill_outcome(outcome, &inputs, run) };
    if !matches!(status, RvStatus::Ok | RvStatus::BufferTooSmall) {
        let kind = out.kind;
        out = buffers.empty();
        // A §9 refusal still says what the result was.
        if matches!(
            status,
            RvStatus::UnexpectedSecret | RvStatus::DuplicateSecret
        ) {
            out.kind = kind;
        }
    }
    // SAFETY: non-null, aligned, overlapping no input or other output
    // (checked above); the caller promises storage for an `RvContentOut`.
    unsafe { content.write(out) };
    status
}

/// The caller's buffers, as given.
pub(crate) struct Buffers {
    text: *mut u8,
    text_cap: usize,
    secrets: *mut RvSecret,
    secrets_cap: usize,
    shares: *mut RvSpan,
    shares_cap: usize,
}

impl Buffers {
    /// The six buffer fields of `content`.
    ///
    /// # Safety
    ///
    /// `content` non-null, aligned, pointing to an `RvContentOut` whose
    /// buffer fields are set. `addr_of!` reads those fields alone, since C
    /// may have left the others (a `u32`, spans) uninitialised.
    pub(crate) unsafe fn read(content: *const RvContentOut) -> Self {
        // SAFETY: forwarded contract; any bits are a pointer or a `usize`.
        unsafe {
            Buffers {
                text: core::ptr::addr_of!((*content).text).read(),
                text_cap: core::ptr::addr_of!((*content).text_cap).read(),
                secrets: core::ptr::addr_of!((*content).secrets).read(),
                secrets_cap: core::ptr::addr_of!((*content).secrets_cap).read(),
                shares: core::ptr::addr_of!((*content).shares).read(),
                shares_cap: core::ptr::addr_of!((*content).shares_cap).read(),
            }
        }
    }

    /// The outputs' address ranges (`outcome`, `content`, `text`,
    /// `secrets`, `shares`); `None` when one is unusable.
    pub(crate) fn spans(
        &self,
        content: *const RvContentOut,
        outcome: *const RvOutcome,
    ) -> Option<[(usize, usize); 5]> {
        let secrets_len = self.secrets_cap.checked_mul(size_of::<RvSecret>())?;
        let shares_len = self.shares_cap.checked_mul(size_of::<RvSpan>())?;
        let aligned = (self.secrets_cap == 0 || self.secrets.is_aligned())
            && (self.shares_cap == 0 || self.shares.is_aligned());
        aligned.then_some(())?;
        Some([
            span(outcome as usize, size_of::<RvOutcome>())?,
            span(content as usize, size_of::<RvContentOut>())?,
            span(self.text as usize, self.text_cap)?,
            span(self.secrets as usize, secrets_len)?,
            span(self.shares as usize, shares_len)?,
        ])
    }

    /// Nothing handed out, the buffer fields kept.
    pub(crate) fn empty(&self) -> RvContentOut {
        RvContentOut {
            text: self.text,
            text_cap: self.text_cap,
            secrets: self.secrets,
            secrets_cap: self.secrets_cap,
            shares: self.shares,
            shares_cap: self.shares_cap,
            kind: RV_CONTENT_NONE,
            text_len: 0,
            secret_count: 0,
            share_count: 0,
            payload: RvSpan::default(),
            error: RvSpan::default(),
        }
    }
}

/// Writes what fits and counts everything, so that one pass both hands
/// out and, when a buffer is short, says how large it must be.
struct Sink<'b> {
    text: &'b mut [u8],
    buffers: &'b Buffers,
    text_len: usize,
    secrets: usize,
    shares: usize,
}

impl Sink<'_> {
    fn text(&mut self, t: Text<'_>) -> RvSpan {
        let at = self.text_len;
        let len = t.len();
        self.text_len = at.saturating_add(len);
        if let Some(room) = self.text.get_mut(at..self.text_len) {
            // Decodes exactly `len` bytes into a slice of that length.
            let _ = t.decode_into(room);
        }
        RvSpan { offset: at, len }
    }

    fn share(&mut self, s: RvSpan) {
        if self.shares < self.buffers.shares_cap {
            // SAFETY: below `shares_cap`; `shares` is non-null, aligned and
            // writable for `shares_cap` entries when that is not 0 (the
            // entry's checks and the caller's contract). A raw write: the
            // storage may be uninitialised.
            unsafe { self.buffers.shares.add(self.shares).write(s) };
        }
        self.shares = self.shares.saturating_add(1);
    }

    fn secret(&mut self, s: RvSecret) {
        if self.secrets < self.buffers.secrets_cap {
            // SAFETY: as in `share`, for `secrets`.
            unsafe { self.buffers.secrets.add(self.secrets).write(s) };
        }
        self.secrets = self.secrets.saturating_add(1);
    }
}

/// The content of `verified` into the buffers; the status to return.
///
/// # Safety
///
/// `buffers` as checked by [`rv_verify_content`]: each non-null when not
/// empty, within the address space, aligned, writable for its capacity
/// and overlapping nothing else the call uses.
pub(crate) unsafe fn hand_out(
    verified: &VerifiedResponse<'_>,
    buffers: &Buffers,
    out: &mut RvContentOut,
) -> RvStatus {
    // SAFETY: forwarded (`text`, `text_cap`).
    let Some(text) = (unsafe { zeroed(buffers.text, buffers.text_cap) }) else {
        return RvStatus::Internal;
    };
    let mut sink = Sink {
        text,
        buffers,
        text_len: 0,
        secrets: 0,
        shares: 0,
    };
    if let Some(order) = verified.secrets() {
        out.kind = RV_CONTENT_SECRETS;
        let order = match order {
            Ok(order) => order,
            Err(PostCheckError::UnexpectedSecret { .. }) => return RvStatus::UnexpectedSecret,
            Err(PostCheckError::DuplicateSecret { .. }) => return RvStatus::DuplicateSecret,
            // A check added to the library later: still a refusal.
            Err(_) => return RvStatus::Internal,
        };
        for s in order.iter() {
            let mut secret = RvSecret {
                key: sink.text(s.id.key),
                namespace: sink.text(s.id.namespace),
                first_share: sink.shares,
                ..RvSecret::default()
            };
            if let Some(entry) = s.entry {
                secret.present = true;
                secret.ciphertext = sink.text(entry.ciphertext);
                for share in entry.encrypted_shares() {
                    let span = sink.text(share);
                    sink.share(span);
                }
                secret.share_count = sink.shares.saturating_sub(secret.first_share);
            }
            sink.secret(secret);
        }
    } else if let Some(r) = verified.capability() {
        out.kind = RV_CONTENT_CAPABILITY;
        out.payload = sink.text(r.payload);
        out.error = sink.text(r.error);
    } else {
        out.kind = RV_CONTENT_REPORT;
    }
    out.text_len = sink.text_len;
    out.secret_count = sink.secrets;
    out.share_count = sink.shares;
    let fits = sink.text_len <= buffers.text_cap
        && sink.secrets <= buffers.secrets_cap
        && sink.shares <= buffers.shares_cap;
    if fits {
        RvStatus::Ok
    } else {
        RvStatus::BufferTooSmall
    }
}
