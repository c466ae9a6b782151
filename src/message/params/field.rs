//! Readers of one field of the parameters: a string, a byte string, a
//! `u32`, each with Go's reading of `null`.

use crate::leaf::Expected;
use crate::read::text::Text;
use crate::read::Lexer;

use super::bytes::ByteString;
use super::error::{json, ParamsError, Read};

/// A string field (`null` reads as empty, as Go does).
pub(super) fn text<'a>(lx: &mut Lexer<'a>) -> Read<Text<'a>> {
    Ok(json(lx.string_or_null())?.map_or(Text::new(""), |s| s.text))
}

/// A `[]byte` field: base64 text or `null`.
pub(super) fn byte_string<'a>(lx: &mut Lexer<'a>, field: &'static str) -> Read<ByteString<'a>> {
    let t = text(lx)?;
    let b = ByteString::Base64(t);
    if !t.is_empty() && b.decoded_len().is_none() {
        return Err(ParamsError::NotBase64 { field });
    }
    Ok(b)
}

/// A `u32` field; `null` reads as 0, as Go leaves the field unset.
pub(super) fn u32_or_null(lx: &mut Lexer<'_>) -> Read<u32> {
    match lx.peek() {
        Some(b'n') => json(lx.null()).map(|_| 0),
        Some(b'-' | b'0'..=b'9') => json(lx.u32()),
        _ => json(lx.fail(Expected::U32)),
    }
}
