//! Target `json_differential`: the crate's JSON acceptance and string
//! decoding against `serde_json` on the same bytes (needs the library's
//! `fuzzing` feature).
//!
//! Both must take the same documents and decode the same strings, keys
//! included, in document order. The documented exceptions (FUZZING.md) are
//! serde_json limits, each checked to be what it claims:
//! * a number beyond f64's range (`1e400`): valid JSON, serde_json refuses;
//! * exactly 128 levels of nesting: the spec's limit is 128, serde_json's 127.
//!
//! Lone surrogates, invalid UTF-8 and raw control characters are refused by
//! both. Repeated keys are taken by both at this level; the spec refuses a
//! repeated *known* key, which the envelope and params readers check (the
//! `envelope`, `verify` and `params` targets cover those).

use std::fmt;

use relay_verifier::__fuzz::{for_each_string, validate, Role};
use relay_verifier::{Expected, Text};
use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

use super::check::decoded;

type Strings = Vec<(bool, Vec<u8>)>;

/// Collects every string of a value, keys flagged, in document order.
struct Collect<'s>(&'s mut Strings);
/// Collects a key.
struct Key<'s>(&'s mut Strings);

impl<'de> DeserializeSeed<'de> for Collect<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> DeserializeSeed<'de> for Key<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for Key<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a key")
    }

    fn visit_str<E>(self, s: &str) -> Result<(), E> {
        self.0.push((true, s.as_bytes().to_vec()));
        Ok(())
    }
}

impl<'de> Visitor<'de> for Collect<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_str<E>(self, s: &str) -> Result<(), E> {
        self.0.push((false, s.as_bytes().to_vec()));
        Ok(())
    }

    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        Ok(())
    }

    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        Ok(())
    }

    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        Ok(())
    }

    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        Ok(())
    }

    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq.next_element_seed(Collect(self.0))?.is_some() {}
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while map.next_key_seed(Key(self.0))?.is_some() {
            map.next_value_seed(Collect(self.0))?;
        }
        Ok(())
    }
}

fn serde_strings(doc: &[u8]) -> Result<Strings, serde_json::Error> {
    let mut out = Vec::new();
    let mut de = serde_json::Deserializer::from_slice(doc);
    Collect(&mut out).deserialize(&mut de)?;
    de.end()?;
    Ok(out)
}

/// Every way [`Text`] hands out its string agrees.
fn text_agrees(t: &Text<'_>) -> Vec<u8> {
    let bytes = decoded(t);
    assert_eq!(t.len(), bytes.len());
    assert_eq!(t.is_empty(), bytes.is_empty());
    assert!(t.bytes().eq(bytes.iter().copied()));
    let mut buf = vec![0u8; bytes.len()];
    assert_eq!(t.decode_into(&mut buf), Some(&bytes[..]));
    if !bytes.is_empty() {
        assert_eq!(t.decode_into(&mut buf[1..]), None);
    }
    let s = std::str::from_utf8(&bytes).expect("decoded strings are UTF-8");
    if let Some(plain) = t.as_str() {
        assert_eq!(plain, s);
    }
    assert_eq!(t.to_string(), s);
    assert!(t.eq_decoded(&Text::new(s)));
    assert_eq!(*t, s);
    bytes
}

/// Runs one document.
pub fn run(doc: &[u8]) {
    let mut ours: Strings = Vec::new();
    let walked = for_each_string(doc, |role, t| {
        ours.push((role == Role::Key, text_agrees(&t)));
    });
    assert_eq!(walked, validate(doc));
    if let Err(m) = walked {
        assert!(m.offset <= doc.len());
    }
    match (walked, serde_strings(doc)) {
        (Ok(()), Ok(theirs)) => assert_eq!(ours, theirs, "decoded strings differ"),
        (Ok(()), Err(e)) => {
            let why = e.to_string();
            if why.starts_with("recursion limit exceeded") {
                // One level more would be too deep for us too.
                let mut wrapped = b"[".to_vec();
                wrapped.extend_from_slice(doc);
                wrapped.push(b']');
                let deeper = validate(&wrapped).map_err(|m| m.expected);
                assert_eq!(deeper, Err(Expected::DepthAtMost128), "serde_json: {why}");
            } else {
                assert!(why.starts_with("number out of range"), "serde_json: {why}");
            }
        }
        (Err(m), Ok(_)) => panic!("serde_json takes what we refuse: {m}"),
        (Err(_), Err(_)) => {}
    }
}
