//! The configuration a §13 vote proposes (Go `types.EnclaveConfig`), read
//! in place: `{"signers":[base64,…],"masterPublicKey":base64,"t":u32,"f":u32}`.
//!
//! Only the shape is checked here (PROTOCOL.md §13 rule 1): `signers` an
//! array of canonical base64 strings or `null`, `masterPublicKey` canonical
//! base64 or `null`, `t` and `f` integers 0 … 2^32−1 without fraction or
//! exponent, or `null`; an absent field is empty or 0. Whether the signers
//! make a valid §7 configuration is the trust core's question.

use crate::leaf::{Expected, Malformed};
use crate::message::params::ByteString;
use crate::message::request::{base64, list, ListAt, TextList};
use crate::read::object::Object;
use crate::read::text::Text;
use crate::read::Lexer;

/// Most bytes of `masterPublicKey` a configuration may carry: it is kept
/// (opaque) in fixed memory. A longer key is `malformed`, at its offset.
pub const MAX_MASTER_KEY_LEN: usize = 2048;

/// Most bytes of configuration JSON a vote may carry (the decoded `config`
/// of the vote body). A config of 64 signers and a master key of
/// [`MAX_MASTER_KEY_LEN`] bytes, written as Go writes it, takes under
/// 5,900 bytes; a longer one (whitespace, unknown keys) is `malformed`.
pub const MAX_CONFIG_JSON_LEN: usize = 6144;

/// Go's JSON names, in the order [`ConfigJson::from_json`] matches on.
const KEYS: &[&str] = &["signers", "masterPublicKey", "t", "f"];

/// A configuration as JSON text, every field checked for shape, nothing
/// copied.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ConfigJson<'a> {
    text: &'a [u8],
    signers: ListAt,
    master_key: Text<'a>,
    t: u32,
    f: u32,
}

impl<'a> ConfigJson<'a> {
    /// Reads a configuration object that is the whole of `json`.
    pub(crate) fn from_json(json: &'a [u8]) -> Result<Self, Malformed> {
        Lexer::no_byte_order_mark(json)?;
        let mut lx = Lexer::new(json);
        let mut object = Object::open(&mut lx, KEYS, 0, Expected::Object)?;
        let mut c = ConfigJson {
            text: json,
            signers: ListAt::default(),
            master_key: Text::default(),
            t: 0,
            f: 0,
        };
        while let Some(field) = object.next(&mut lx)? {
            match field.index {
                0 => c.signers = list(&mut lx, |lx| base64(lx).map(drop))?,
                1 => c.master_key = master_key(&mut lx)?,
                2 => c.t = u32_or_null(&mut lx)?,
                _ => c.f = u32_or_null(&mut lx)?,
            }
        }
        lx.end()?;
        Ok(c)
    }

    /// The signers, canonical base64 text each, in the order given.
    pub(crate) fn signers(&self) -> impl Iterator<Item = ByteString<'a>> {
        TextList::at(self.text, self.signers).map(ByteString::Base64)
    }

    /// How many signers `signers` lists.
    pub(crate) fn signer_count(&self) -> usize {
        self.signers.len
    }

    /// `masterPublicKey`, canonical base64 text (empty when absent or `null`).
    pub(crate) fn master_public_key(&self) -> ByteString<'a> {
        ByteString::Base64(self.master_key)
    }

    /// `t`.
    pub(crate) fn t(&self) -> u32 {
        self.t
    }

    /// `f`.
    pub(crate) fn f(&self) -> u32 {
        self.f
    }
}

/// `masterPublicKey`: canonical base64 or `null`, at most
/// [`MAX_MASTER_KEY_LEN`] bytes once decoded.
fn master_key<'a>(lx: &mut Lexer<'a>) -> Result<Text<'a>, Malformed> {
    lx.peek();
    let at = lx.pos();
    let text = base64(lx)?.unwrap_or_default();
    let len = ByteString::Base64(text).decoded_len().unwrap_or(0);
    if len > MAX_MASTER_KEY_LEN {
        return Err(Malformed::new(at, Expected::WithinFixedMemory));
    }
    Ok(text)
}

/// An integer 0 … 2^32−1 without fraction or exponent, or `null` (0).
fn u32_or_null(lx: &mut Lexer<'_>) -> Result<u32, Malformed> {
    if lx.null()? {
        return Ok(0);
    }
    lx.u32()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::{format, vec, vec::Vec};

    fn read(json: &str) -> Result<ConfigJson<'_>, Malformed> {
        ConfigJson::from_json(json.as_bytes())
    }

    #[test]
    fn reads_the_go_shape_and_its_nulls() {
        let c = read(r#"{"signers":["AAE=",null],"masterPublicKey":"AQ==","t":2,"f":1,"x":[1]}"#)
            .unwrap();
        assert_eq!(c.signer_count(), 2);
        let lens: Vec<_> = c.signers().map(|s| s.decoded_len()).collect();
        assert_eq!(lens, [Some(2), Some(0)]);
        assert_eq!((c.t(), c.f()), (2, 1));
        let c = read(r#"{"signers":null,"masterPublicKey":null,"t":null,"f":null}"#).unwrap();
        assert_eq!((c.signer_count(), c.t(), c.f()), (0, 0, 0));
        assert_eq!(read("{}").unwrap().signer_count(), 0);
    }

    #[test]
    fn refuses_what_section_13_calls_malformed() {
        for (json, offset) in [
            (r#"{"t":1.0}"#, 5),
            (r#"{"t":1e0}"#, 5),
            (r#"{"f":-1}"#, 5),
            (r#"{"f":4294967296}"#, 5),
            (r#"{"f":"1"}"#, 5),
            (r#"{"F":1}"#, 1),
            (r#"{"f":1,"f":1}"#, 7),
            (r#"{"signers":["AB=="]}"#, 12),
            (r#"{"signers":"AAE="}"#, 11),
            (r#"{"masterPublicKey":1}"#, 19),
            (r#"{} x"#, 3),
        ] {
            assert_eq!(read(json).unwrap_err().offset, offset, "{json}");
        }
        assert_eq!(read(r#"{"f":4294967295}"#).unwrap().f(), u32::MAX);
    }

    #[test]
    fn refuses_a_master_key_beyond_its_fixed_room() {
        use base64::Engine as _;
        let key = |n: usize| base64::engine::general_purpose::STANDARD.encode(vec![7u8; n]);
        let ok = format!(r#"{{"masterPublicKey":"{}"}}"#, key(MAX_MASTER_KEY_LEN));
        assert!(read(&ok).is_ok());
        let long = format!(r#"{{"masterPublicKey":"{}"}}"#, key(MAX_MASTER_KEY_LEN + 1));
        let e = read(&long).unwrap_err();
        assert_eq!((e.offset, e.expected), (19, Expected::WithinFixedMemory));
    }
}
