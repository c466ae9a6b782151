//! Where untrusted bytes stop making sense: a byte offset and what was
//! expected there. Every reader of the crate reports its failures this way,
//! so this type sits below all of them.

use core::fmt;

/// Where a body stops being a valid envelope, and what was expected there.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Malformed {
    /// Byte offset into the body (or the parameters text) of the problem.
    pub offset: usize,
    /// What the parser expected at that offset.
    pub expected: Expected,
}

impl Malformed {
    /// What was expected at byte `offset` (for comparisons in tests and
    /// callers' own readers).
    pub const fn new(offset: usize, expected: Expected) -> Self {
        Malformed { offset, expected }
    }
}

impl fmt::Display for Malformed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "at byte {}: expected {}", self.offset, self.expected)
    }
}

/// What the parser expected where it gave up.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Expected {
    /// Any JSON value.
    Value,
    /// A JSON object.
    Object,
    /// An object or `null`.
    ObjectOrNull,
    /// An array or `null`.
    ArrayOrNull,
    /// A string or `null`.
    StringOrNull,
    /// A non-negative integer that fits in 32 bits.
    U32,
    /// A string used as an object key.
    Key,
    /// `:` after a key.
    Colon,
    /// `,` or `}`.
    CommaOrObjectEnd,
    /// `,` or `]`.
    CommaOrArrayEnd,
    /// The closing `"` of a string.
    StringEnd,
    /// One of the escapes of RFC 8259.
    Escape,
    /// Four hex digits after `\u`.
    HexDigits,
    /// A `\u` low surrogate after a high surrogate.
    LowSurrogate,
    /// A low surrogate never stands alone.
    NoLoneLowSurrogate,
    /// Control characters must be escaped inside strings.
    NoControlCharacter,
    /// Strings must be valid UTF-8.
    Utf8,
    /// A digit of a number.
    Digit,
    /// `true`, `false` or `null`.
    Literal,
    /// Nothing but whitespace after the value.
    EndOfInput,
    /// No byte-order mark before the value.
    NoByteOrderMark,
    /// Nesting no deeper than [`crate::MAX_DEPTH`].
    DepthAtMost128,
    /// A known key appears at most once in an object.
    UniqueKey(&'static str),
    /// A known key spelled exactly: not a case variant that Go's decoder
    /// would also read as that key.
    ExactKey(&'static str),
    /// A body is a bundle or a single response, never both.
    BundleOrResponse,
    /// A result no larger than the workspace (entries, shares per entry).
    WithinCapacity,
    /// A JSON array.
    Array,
    /// A compute request's `requestID`: an array of 32 integers 0–255.
    RequestId,
    /// Canonical padded standard base64 (PROTOCOL.md §6) or `null`.
    CanonicalBase64,
    /// A key this object must have (a §13 vote's `config`, `signature`).
    RequiredKey(&'static str),
    /// A 64-byte signature in canonical base64 (a §13 vote).
    Signature64,
    /// A value within the fixed memory reserved for it (a §13 config's
    /// JSON and master key).
    WithinFixedMemory,
}

impl fmt::Display for Expected {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Expected::Value => f.write_str("a JSON value"),
            Expected::Object => f.write_str("an object"),
            Expected::ObjectOrNull => f.write_str("an object or null"),
            Expected::ArrayOrNull => f.write_str("an array or null"),
            Expected::StringOrNull => f.write_str("a string or null"),
            Expected::U32 => f.write_str("an unsigned 32-bit integer"),
            Expected::Key => f.write_str("a string key"),
            Expected::Colon => f.write_str("':' after the key"),
            Expected::CommaOrObjectEnd => f.write_str("',' or '}'"),
            Expected::CommaOrArrayEnd => f.write_str("',' or ']'"),
            Expected::StringEnd => f.write_str("the closing quote of the string"),
            Expected::Escape => f.write_str("a valid escape sequence"),
            Expected::HexDigits => f.write_str("four hex digits after \\u"),
            Expected::LowSurrogate => f.write_str("a low surrogate escape after a high surrogate"),
            Expected::NoLoneLowSurrogate => f.write_str("no lone low surrogate"),
            Expected::NoControlCharacter => f.write_str("no raw control character in a string"),
            Expected::Utf8 => f.write_str("valid UTF-8"),
            Expected::Digit => f.write_str("a digit"),
            Expected::Literal => f.write_str("true, false or null"),
            Expected::EndOfInput => f.write_str("only whitespace after the value"),
            Expected::NoByteOrderMark => f.write_str("no byte-order mark"),
            Expected::DepthAtMost128 => f.write_str("nesting at most 128 levels deep"),
            Expected::UniqueKey(k) => write!(f, "no second \"{k}\" key in this object"),
            Expected::ExactKey(k) => {
                write!(f, "\"{k}\" spelled exactly, not a case-folded variant")
            }
            Expected::WithinCapacity => f.write_str("a result that fits the workspace"),
            Expected::Array => f.write_str("an array"),
            Expected::RequestId => f.write_str("a requestID of exactly 32 integers 0-255"),
            Expected::CanonicalBase64 => f.write_str("canonical padded base64 or null"),
            Expected::RequiredKey(k) => write!(f, "a \"{k}\" key in this object"),
            Expected::Signature64 => f.write_str("a 64-byte signature in canonical base64"),
            Expected::WithinFixedMemory => f.write_str("a value within its fixed memory"),
            Expected::BundleOrResponse => f.write_str(
                "a bundle or a single response, not both (\"responses\" and \"result\")",
            ),
        }
    }
}

#[cfg(feature = "std")]
#[cfg_attr(docsrs, doc(cfg(feature = "std")))]
impl std::error::Error for Malformed {}
