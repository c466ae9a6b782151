//! The work buffer's tables: rows of four little-endian `u32`s (the
//! merge records, the counted votes, the distinct responses).

/// Bytes of one merged-signature record in the work buffer.
pub(super) const RECORD: usize = 16;

/// The work buffer's length for the parts' sizes of `layout`.
pub(super) fn total(lens: [usize; 5]) -> Option<usize> {
    lens.into_iter().try_fold(0usize, usize::checked_add)
}

/// Four little-endian `u32`s at position `i` of a table in the work buffer
/// (16 bytes each: the records, the counted votes, the distinct responses).
pub(super) fn quad(table: &[u8], i: usize) -> Option<[u32; 4]> {
    let b = table.get(i.checked_mul(RECORD)?..)?.get(..RECORD)?;
    let word = |k: usize| {
        b.get(k * 4..k * 4 + 4)
            .and_then(|w| <[u8; 4]>::try_from(w).ok())
            .map_or(0, u32::from_le_bytes)
    };
    Some([word(0), word(1), word(2), word(3)])
}

pub(super) fn set_quad(table: &mut [u8], i: usize, words: [u32; 4]) {
    let Some(b) = i
        .checked_mul(RECORD)
        .and_then(|at| table.get_mut(at..)?.get_mut(..RECORD))
    else {
        return;
    };
    for (chunk, w) in b.chunks_exact_mut(4).zip(words) {
        chunk.copy_from_slice(&w.to_le_bytes());
    }
}
