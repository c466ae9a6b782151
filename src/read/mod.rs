//! Readers of untrusted bytes: the strict JSON lexer ([`json`]), zero-copy
//! strings and their escapes ([`text`]), and the strict object reader that
//! refuses repeated and case-folded keys ([`object`]).
//!
//! Uses only [`crate::leaf`]. Knows JSON, not the protocol: no key name of
//! PROTOCOL.md appears here.

pub(crate) mod json;
pub(crate) mod object;
pub(crate) mod text;

pub(crate) use json::Lexer;
pub use text::{DecodedBytes, Text};
