//! A speed shortcut beside the lexer's byte-at-a-time string reader: eight
//! bytes at a time, find where a string's plain run ends. The test
//! `word_scans_agree_with_bytewise_scans` holds every scan equal to the
//! byte-at-a-time answer.

/// Whether a byte inside a string needs a closer look: a quote, a
/// backslash, a control character or part of a multi-byte sequence.
/// Eight copies of byte `b`.
const fn splat(b: u8) -> u64 {
    0x0101_0101_0101_0101 * b as u64
}

const HIGH_BITS: u64 = splat(0x80);

/// High bit of each zero byte of `v`; exact for the lowest one (bytes
/// above it may be flagged spuriously, through the borrow).
#[inline(always)]
fn zero_bytes(v: u64) -> u64 {
    v.wrapping_sub(splat(1)) & !v & HIGH_BITS
}

/// Flags bytes of `w` (eight string bytes, little-endian) that need a
/// closer look: `"`, `\`, a control character, or a byte of a multi-byte
/// UTF-8 sequence. Exact for the lowest flagged byte.
#[inline(always)]
fn attention(w: u64) -> u64 {
    // `w - 0x20…` borrows out of a byte below 0x20 (its high bit set, as
    // it is for every byte at or above 0x80).
    zero_bytes(w ^ splat(b'"'))
        | zero_bytes(w ^ splat(b'\\'))
        | ((w.wrapping_sub(splat(0x20)) | w) & HIGH_BITS)
}

/// Flags `"` and `\` bytes of `w`; exact for the lowest one.
#[inline(always)]
fn quote_or_backslash(w: u64) -> u64 {
    zero_bytes(w ^ splat(b'"')) | zero_bytes(w ^ splat(b'\\'))
}

/// Index of the first byte of `s` that `flags` marks, eight bytes at a
/// time: `Ok(index)`, or `Err(end)` where the whole words end (the tail
/// short of a word is left to the caller).
#[cfg_attr(target_pointer_width = "64", inline(always))]
#[cfg_attr(not(target_pointer_width = "64"), inline(never))]
fn first_flagged(s: &[u8], flags: impl Fn(u64) -> u64) -> core::result::Result<usize, usize> {
    let mut n = 0usize;
    for word in s.chunks_exact(8) {
        let mut w = [0u8; 8];
        w.copy_from_slice(word);
        let m = flags(u64::from_le_bytes(w));
        if m != 0 {
            return Ok(n.saturating_add(m.trailing_zeros() as usize / 8));
        }
        n = n.saturating_add(8);
    }
    Err(n)
}

/// Whether a byte inside a string needs a closer look (see [`attention`]).
#[inline(always)]
pub(super) fn needs_attention(b: u8) -> bool {
    // `|`, not `||`: branch-free, so the block loop below vectorizes.
    !(0x20..0x80).contains(&b) | (b == b'"') | (b == b'\\')
}

/// Length of the prefix of `s` made of printable ASCII other than `"` and
/// `\`. Short strings (keys, labels, signatures) are scanned a word at a
/// time; past 32 plain bytes, 64-byte blocks with a branch-free fold that
/// the compiler turns into SIMD compares (base64 payloads). Hand-written
/// because `memchr` finds one to three given bytes, not a class, and this
/// crate has no `unsafe`.
pub(super) fn plain_prefix(s: &[u8]) -> usize {
    let head = s.get(..32).unwrap_or(s);
    let n = match first_flagged(head, attention) {
        Ok(found) => return found,
        Err(n) if n < 32 => return n + tail_plain(s.get(n..).unwrap_or_default()),
        Err(n) => n,
    };
    let plain = |block: &[u8]| !block.iter().fold(false, |acc, &b| acc | needs_attention(b));
    let rest = s.get(n..).unwrap_or_default();
    let n = n + rest.chunks_exact(64).take_while(|b| plain(b)).count() * 64;
    match first_flagged(s.get(n..).unwrap_or_default(), attention) {
        Ok(found) => n + found,
        Err(m) => n + m + tail_plain(s.get(n + m..).unwrap_or_default()),
    }
}

/// Plain bytes at the start of `s`, one at a time (fewer than eight are
/// left, or a flagged byte is first).
fn tail_plain(s: &[u8]) -> usize {
    s.iter().take_while(|&&b| !needs_attention(b)).count()
}

/// Length of a validated string's content `s` (up to its closing quote),
/// and whether it holds an escape; `None` if it never closes.
#[cfg_attr(target_pointer_width = "64", inline(always))]
#[cfg_attr(not(target_pointer_width = "64"), inline(never))]
pub(super) fn validated_string_len(s: &[u8]) -> Option<(usize, bool)> {
    let mut n = quote_free_prefix(s);
    let mut escaped = false;
    loop {
        match s.get(n)? {
            b'"' => return Some((n, escaped)),
            // The escaped byte cannot end the string: step over both.
            _ => {
                escaped = true;
                n = n.saturating_add(2);
                n = n.saturating_add(quote_free_prefix(s.get(n..).unwrap_or_default()));
            }
        }
    }
}

/// Length of the prefix of `s` free of `"` and `\` (a validated string's
/// content up to its end or next escape). Out of line on 32-bit targets,
/// where its 64-bit words take flash in each of its three callers.
#[cfg_attr(target_pointer_width = "64", inline(always))]
#[cfg_attr(not(target_pointer_width = "64"), inline(never))]
pub(super) fn quote_free_prefix(s: &[u8]) -> usize {
    match first_flagged(s, quote_or_backslash) {
        Ok(found) => found,
        Err(n) => {
            n + s
                .get(n..)
                .unwrap_or_default()
                .iter()
                .take_while(|&&b| b != b'"' && b != b'\\')
                .count()
        }
    }
}
