//! One strict reader for every JSON object whose keys the crate looks up
//! (PROTOCOL.md §7: repeated known keys and case-folded known keys are
//! malformed; unknown keys are skipped, their values still validated).
//!
//! Every reader of the envelope, the results and the parameters goes
//! through [`Object`], so the rule that decides which key is which lives in
//! one place and cannot drift between eight copies.

use crate::leaf::{Expected, Malformed};
use crate::read::json::{Lexer, Result};
use crate::read::text::Text;

/// A known key met while reading an object; the lexer stands at its value,
/// which the caller must consume.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Field {
    /// Position of the key in the reader's list of known keys.
    pub index: usize,
    /// Offset of the key's opening quote (for errors about this field).
    pub offset: usize,
}

/// Reads the keys of one open object.
///
/// ```text
/// let mut obj = Object::open(&mut lx, &["signer", "signature"], depth, Expected::Object)?;
/// while let Some(field) = obj.next(&mut lx)? {
///     match field.index { 0 => /* read the value */, _ => ... }
/// }
/// ```
///
/// A known key seen twice, or a key that is not known but that Go's decoder
/// would take for a known one (ASCII case, U+017F for `s`, U+212A for `k`),
/// is [`Malformed`] at the key's offset. Any other key is skipped.
#[derive(Clone, Debug)]
pub(crate) struct Object {
    keys: &'static [&'static str],
    seen: u64,
    first: bool,
    depth: usize,
}

impl Object {
    /// Opens the object at the cursor (failing with `expected` if the next
    /// value is not an object). `depth` is the number of containers around
    /// it, for the nesting limit of unknown values. At most 64 keys.
    pub fn open(
        lx: &mut Lexer<'_>,
        keys: &'static [&'static str],
        depth: usize,
        expected: Expected,
    ) -> Result<Self> {
        debug_assert!(keys.len() <= 64);
        lx.begin_object(expected)?;
        Ok(Object {
            keys,
            seen: 0,
            first: true,
            depth,
        })
    }

    /// `null` (consumed, `None`) or an object, opened; anything else fails
    /// with [`Expected::ObjectOrNull`].
    pub fn open_or_null(
        lx: &mut Lexer<'_>,
        keys: &'static [&'static str],
        depth: usize,
    ) -> Result<Option<Self>> {
        if lx.null()? {
            return Ok(None);
        }
        Self::open(lx, keys, depth, Expected::ObjectOrNull).map(Some)
    }

    /// Depth of this object's values (for readers of nested containers).
    pub fn value_depth(&self) -> usize {
        self.depth.saturating_add(1)
    }

    /// The next known key, with the lexer at its value; `None` once the
    /// object is closed. Unknown keys and their values are skipped.
    pub fn next(&mut self, lx: &mut Lexer<'_>) -> Result<Option<Field>> {
        while let Some(key) = lx.next_key(&mut self.first)? {
            if let Some(index) = self.keys.iter().position(|k| key.text == *k) {
                let bit = 1u64.checked_shl(index as u32).unwrap_or(0);
                if self.seen & bit != 0 {
                    return Err(Malformed {
                        offset: key.offset,
                        expected: Expected::UniqueKey(self.name(index)),
                    });
                }
                self.seen |= bit;
                return Ok(Some(Field {
                    index,
                    offset: key.offset,
                }));
            }
            if let Some(name) = self.keys.iter().find(|k| folds_to(key.text, k)) {
                return Err(Malformed {
                    offset: key.offset,
                    expected: Expected::ExactKey(name),
                });
            }
            lx.skip_value(self.value_depth())?;
        }
        Ok(None)
    }

    fn name(&self, index: usize) -> &'static str {
        self.keys.get(index).copied().unwrap_or_default()
    }
}

/// Whether `key` (decoded) equals the ASCII `name` under the case folding
/// Go's `encoding/json` applies to object keys.
///
/// Go folds each character to the smallest member of its Unicode simple
/// case-folding orbit and compares the results. Known keys are ASCII, so a
/// non-ASCII character matters only if its orbit holds an ASCII letter, and
/// in Unicode's simple folding (CaseFolding.txt statuses C and S) exactly
/// two do: U+017F LATIN SMALL LETTER LONG S (orbit S, s, ſ) and U+212A
/// KELVIN SIGN (orbit K, k, K). U+0130 and U+0131 (Turkish dotted and
/// dotless I) fold only under the full and Turkic mappings, which Go's
/// `unicode.SimpleFold` leaves out; the full foldings of ß and the ligatures
/// (ß → ss, ﬁ → fi) change the length and are not simple either.
///
/// Hand-written: no no_std crate offers folding equality, and a general
/// Unicode table would be thousands of entries for two that can matter.
pub(crate) fn folds_to(key: Text<'_>, name: &str) -> bool {
    // Length first: each ASCII letter of `name` matches one to three bytes
    // (ſ is two, K three), so most unknown keys are out without a decode.
    let len = key.raw().len();
    if !key.is_escaped() && (len < name.len() || len > name.len().saturating_mul(3)) {
        return false;
    }
    let mut key = key.bytes();
    for want in name.bytes() {
        let matched = match key.next() {
            Some(b) if b.is_ascii() => b.eq_ignore_ascii_case(&want),
            // U+017F, UTF-8 C5 BF.
            Some(0xC5) => key.next() == Some(0xBF) && want.eq_ignore_ascii_case(&b's'),
            // U+212A, UTF-8 E2 84 AA.
            Some(0xE2) => {
                key.next() == Some(0x84)
                    && key.next() == Some(0xAA)
                    && want.eq_ignore_ascii_case(&b'k')
            }
            _ => false,
        };
        if !matched {
            return false;
        }
    }
    key.next().is_none()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(json: &str) -> Text<'_> {
        Lexer::new(json.as_bytes()).string().expect("string").text
    }

    #[test]
    fn folding_matches_go_for_ascii_names() {
        for (json, name) in [
            (r#""Result""#, "result"),
            (r#""RESPONSES""#, "responses"),
            ("\"\u{17F}ignature\"", "signature"),
            ("\"\u{212A}ey\"", "key"),
            (r#""\u017figner""#, "signer"),
            (r#""\u212Aey""#, "key"),
            (r#""\u004eamespace""#, "namespace"),
            (r#""result""#, "result"),
            (r#""T""#, "t"),
        ] {
            assert!(folds_to(key(json), name), "{json} ~ {name}");
        }
        for (json, name) in [
            (r#""Results""#, "result"),
            (r#""resul""#, "result"),
            ("\"\u{130}d\"", "id"),
            ("\"\u{131}d\"", "id"),
            ("\"\u{212B}\"", "a"),
            ("\"\u{17E}igner\"", "signer"),
            ("\"\u{2129}ey\"", "key"),
            ("\"\u{DF}\"", "ss"),
            ("\"\u{FB01}\"", "fi"),
            (r#""""#, "t"),
        ] {
            assert!(!folds_to(key(json), name), "{json} !~ {name}");
        }
    }

    const KEYS: &[&str] = &["signer", "signature"];

    fn read(doc: &str) -> Result<[Option<usize>; 3]> {
        let mut lx = Lexer::new(doc.as_bytes());
        let mut obj = Object::open(&mut lx, KEYS, 0, Expected::Object)?;
        let mut got = [None; 3];
        let mut n = 0;
        while let Some(f) = obj.next(&mut lx)? {
            lx.skip_value(1)?;
            got[n] = Some(f.index);
            n += 1;
        }
        lx.end()?;
        Ok(got)
    }

    #[test]
    fn known_keys_in_any_order_unknown_ones_skipped() {
        assert_eq!(
            read(r#"{"x":[{"signer":1}],"signature":2,"Signers":3,"\u0073igner":4}"#),
            Ok([Some(1), Some(0), None])
        );
    }

    #[test]
    fn repeated_and_folded_keys_fail_at_the_key() {
        let cases = [
            (
                r#"{"signer":1, "signer":2}"#,
                13,
                Expected::UniqueKey("signer"),
            ),
            (r#"{"Signer":1}"#, 1, Expected::ExactKey("signer")),
            (
                "{\"a\":1,\"\u{17F}ignature\":2}",
                7,
                Expected::ExactKey("signature"),
            ),
        ];
        for (doc, offset, expected) in cases {
            assert_eq!(read(doc), Err(Malformed { offset, expected }), "{doc}");
        }
        // Unknown values still obey the nesting limit.
        let mut deep = std::string::String::from("{\"x\":");
        deep.push_str(&"[".repeat(128));
        deep.push_str(&"]".repeat(128));
        deep.push('}');
        assert_eq!(
            read(&deep).map_err(|e| e.expected),
            Err(Expected::DepthAtMost128)
        );
    }
}
