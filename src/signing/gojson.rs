//! JSON as Go's `encoding/json` writes it (PROTOCOL.md §8).
//!
//! Written by hand because no serializer offers Go's HTML-safe escaping
//! (`<`, `>`, `&`, U+2028, U+2029) together with its exact short escapes.

use std::fmt::Write as _;
use std::string::{String, ToString};

use base64::Engine as _;

/// Appends `s` as a JSON string literal, escaped the way Go escapes it.
pub fn write_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            // HTML-safe escapes, and the two line separators JavaScript
            // would otherwise break on.
            '<' | '>' | '&' | '\u{2028}' | '\u{2029}' => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c if u32::from(c) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Appends a Go `[]byte`: padded standard base64, or `null` for nil.
pub fn write_bytes(out: &mut String, bytes: Option<&[u8]>) {
    match bytes {
        Some(b) => {
            out.push('"');
            base64::engine::general_purpose::STANDARD.encode_string(b, out);
            out.push('"');
        }
        None => out.push_str("null"),
    }
}

/// Appends a Go slice: `null` for nil, else `[` items `]` comma-separated.
pub fn write_array<T>(
    out: &mut String,
    items: Option<&[T]>,
    mut item: impl FnMut(&mut String, &T),
) {
    let Some(items) = items else {
        out.push_str("null");
        return;
    };
    out.push('[');
    for (i, x) in items.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        item(out, x);
    }
    out.push(']');
}

/// Appends `"key":` after a comma when the object already has members.
pub fn write_key(out: &mut String, first: &mut bool, key: &str) {
    if !std::mem::take(first) {
        out.push(',');
    }
    write_string(out, key);
    out.push(':');
}

/// Appends a JSON value that is already valid JSON, compacted and with its
/// strings re-escaped the Go way (for fields kept as raw JSON).
pub fn write_raw_value(out: &mut String, json: &[u8]) {
    let mut rest = json;
    while let Some((&b, tail)) = rest.split_first() {
        if b == b'"' {
            // The value was validated, so a closing quote exists.
            let end = string_end(tail);
            let (body, after) = tail.split_at(end.min(tail.len()));
            let decoded = crate::Text::from_json(body, body.contains(&b'\\'));
            write_string(out, &decoded.to_string());
            rest = after.get(1..).unwrap_or_default();
        } else {
            if !b.is_ascii_whitespace() {
                out.push(char::from(b));
            }
            rest = tail;
        }
    }
}

/// Index of the unescaped closing quote in `s` (which follows an opening one).
fn string_end(s: &[u8]) -> usize {
    let mut i = 0;
    while let Some(&b) = s.get(i) {
        match b {
            b'\\' => i += 2,
            b'"' => return i,
            _ => i += 1,
        }
    }
    s.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_like_go() {
        let mut out = String::new();
        write_string(
            &mut out,
            "a<b>&\"\\\n\r\t\u{8}\u{c}\u{1}\u{1f}\u{2028}\u{2029}é😀\u{7f}",
        );
        assert_eq!(
            out,
            r#""a\u003cb\u003e\u0026\"\\\n\r\t\b\f\u0001\u001f\u2028\u2029é😀"#.to_string()
                + "\u{7f}\""
        );
    }

    #[test]
    fn raw_values_are_compacted_and_reescaped() {
        let mut out = String::new();
        write_raw_value(
            &mut out,
            br#" [ {"a" : "x\u0041\/<", "b":[1, 2.5e3 ,null]} ] "#,
        );
        assert_eq!(out, r#"[{"a":"xA/\u003c","b":[1,2.5e3,null]}]"#);
    }

    #[test]
    fn nil_bytes_are_null() {
        let mut out = String::new();
        write_bytes(&mut out, None);
        write_bytes(&mut out, Some(b"hi"));
        assert_eq!(out, r#"null"aGk=""#);
    }
}
