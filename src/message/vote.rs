//! A §13 vote (Go `UpdateConfigRequest`), read in place:
//! `{"config": base64(config JSON), "signature": base64(64 bytes)}`.
//!
//! Both keys are required strings of canonical base64 (PROTOCOL.md §13
//! rule 1); the object follows the §7 rules through [`Object`] (repeated
//! and case-folded keys malformed, unknown keys skipped). The proposed
//! config is decoded into a caller's buffer and read by
//! [`crate::message::config`].

use crate::leaf::{Expected, Malformed};
use crate::message::config::ConfigJson;
use crate::message::params::ByteString;
use crate::message::request::base64;
use crate::read::object::Object;
use crate::read::text::Text;
use crate::read::Lexer;

const KEYS: &[&str] = &["config", "signature"];

/// A vote body, read in place.
#[derive(Clone, Copy, Debug)]
pub(crate) struct VoteBody<'a> {
    config: Text<'a>,
    /// Offset of the `config` string in the body.
    config_at: usize,
    signature: [u8; 64],
}

impl<'a> VoteBody<'a> {
    /// Reads a vote object that is the whole of `body`.
    pub(crate) fn from_json(body: &'a [u8]) -> Result<Self, Malformed> {
        Lexer::no_byte_order_mark(body)?;
        let mut lx = Lexer::new(body);
        lx.peek();
        let start = lx.pos();
        let mut object = Object::open(&mut lx, KEYS, 0, Expected::Object)?;
        let mut config = None;
        let mut signature = None;
        while let Some(field) = object.next(&mut lx)? {
            lx.peek();
            let at = lx.pos();
            // Required strings: `null` is not a vote's field.
            let text = match base64(&mut lx)? {
                Some(text) => text,
                None => return Err(Malformed::new(at, Expected::CanonicalBase64)),
            };
            if field.index == 0 {
                config = Some((text, at));
            } else {
                signature =
                    Some(signature_64(text).ok_or(Malformed::new(at, Expected::Signature64))?);
            }
        }
        lx.end()?;
        let (config, config_at) =
            config.ok_or(Malformed::new(start, Expected::RequiredKey("config")))?;
        let signature =
            signature.ok_or(Malformed::new(start, Expected::RequiredKey("signature")))?;
        Ok(VoteBody {
            config,
            config_at,
            signature,
        })
    }

    /// The signature.
    pub(crate) fn signature(&self) -> &[u8; 64] {
        &self.signature
    }

    /// Decodes the proposed config's JSON into `buf`; `malformed` (at the
    /// `config` string, in the body) when it does not fit.
    pub(crate) fn config_into<'b>(&self, buf: &'b mut [u8]) -> Result<&'b [u8], Malformed> {
        let too_long = Malformed::new(self.config_at, Expected::WithinFixedMemory);
        let mut n = 0usize;
        for byte in ByteString::Base64(self.config).bytes() {
            *buf.get_mut(n).ok_or(too_long)? = byte;
            n = n.saturating_add(1);
        }
        buf.get(..n).ok_or(too_long)
    }
}

/// Reads the proposed config out of its decoded JSON (offsets are into
/// that JSON, not the body).
pub(crate) fn read_config(json: &[u8]) -> Result<ConfigJson<'_>, Malformed> {
    ConfigJson::from_json(json)
}

/// Decodes canonical base64 text (checked) of exactly 64 bytes.
fn signature_64(text: Text<'_>) -> Option<[u8; 64]> {
    let mut out = [0u8; 64];
    let mut n = 0usize;
    for byte in ByteString::Base64(text).bytes() {
        *out.get_mut(n)? = byte;
        n = n.saturating_add(1);
    }
    (n == out.len()).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::{format, string::ToString};

    const SIG: &str =
        "3kNMX02yZ/W2Th0/JLPyTwjuvs7G+mcIQjsuwXzyiQpxn+OkkAIYYN9ImVftkcqfKN3r1I0dNMOqRfaIMgcBDg==";

    fn read(body: &str) -> Result<VoteBody<'_>, Malformed> {
        VoteBody::from_json(body.as_bytes())
    }

    #[test]
    fn reads_a_vote_and_decodes_its_config() {
        let body = format!(r#"{{"x":null,"config":"e30=","signature":"{SIG}"}}"#);
        let v = read(&body).unwrap();
        let mut buf = [0u8; 8];
        assert_eq!(v.config_into(&mut buf).unwrap(), b"{}");
        assert_eq!(v.signature()[0], 0xde);
        let mut tiny = [0u8; 1];
        let e = v.config_into(&mut tiny).unwrap_err();
        assert_eq!((e.offset, e.expected), (19, Expected::WithinFixedMemory));
    }

    #[test]
    fn refuses_what_section_13_calls_malformed() {
        let short = "AAAA";
        for (body, offset, expected) in [
            (
                format!(r#"{{"signature":"{SIG}"}}"#),
                0,
                Expected::RequiredKey("config"),
            ),
            (
                r#" {"config":"e30="}"#.to_string(),
                1,
                Expected::RequiredKey("signature"),
            ),
            (
                format!(r#"{{"config":null,"signature":"{SIG}"}}"#),
                10,
                Expected::CanonicalBase64,
            ),
            (
                format!(r#"{{"config":"e30=","signature":"{short}"}}"#),
                29,
                Expected::Signature64,
            ),
            (
                format!(r#"{{"config":"e31=","signature":"{SIG}"}}"#),
                10,
                Expected::CanonicalBase64,
            ),
            (
                format!(r#"{{"Config":"e30=","signature":"{SIG}"}}"#),
                1,
                Expected::ExactKey("config"),
            ),
            (
                format!(r#"{{"config":"e30=","config":"e30=","signature":"{SIG}"}}"#),
                17,
                Expected::UniqueKey("config"),
            ),
        ] {
            let e = read(&body).unwrap_err();
            assert_eq!((e.offset, e.expected), (offset, expected), "{body}");
        }
        assert!(read("null").is_err());
        assert!(read(&format!(r#"{{"config":"e30=","signature":"{SIG}"}} x"#)).is_err());
    }
}
