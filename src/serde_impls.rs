//! `serde` support (feature `serde`), without `alloc`: a verdict summary an
//! enclave can log or attest with `serde_json_core::to_slice`, and the
//! trusted configuration read from JSON with `serde_json_core::from_slice`.
//!
//! The gateway's body never goes through serde: it keeps the strict reader
//! (see "Why a hand-written lexer" in the README). Nor is there a typed
//! reader for a capability `payload`: it is base64 of opaque bytes (a
//! protobuf `CapabilityResponse` under PROTOCOL.md §11), not JSON.

use core::fmt;

use serde::de::{self, Deserialize, Deserializer, SeqAccess, Visitor};
use serde::ser::{Serialize, SerializeSeq, SerializeStruct, Serializer};

use crate::{Config, SignerSet, MAX_SIGNERS};
use crate::{Error, ParamsError};
use crate::{Verdict, VerifiedResponse, VerifyStats};

/// A verdict as a flat record for logs and attestations: whether it was
/// accepted, the winning hash and counted signers (hex), the bundle index,
/// the candidate statistics, and for a rejection its reason and, where the
/// input broke, the byte offset. Never any part of the verified result.
///
/// ```
/// # use relay_verifier::{Config, SignerSet, Verifier, Method, RequestParams, VerdictSummary};
/// # let keys = [[0x97, 0xe4, 0xa2, 0x6f, 0x94, 0x41, 0x61, 0xa5, 0xf3, 0x34, 0xb7, 0xc0, 0x2c, 0xe1, 0x2d, 0x18,
/// #   0x78, 0xd3, 0x2f, 0xa6, 0xfa, 0x2f, 0x92, 0x5f, 0xb0, 0x2a, 0xdc, 0x29, 0xdd, 0xb3, 0xbe, 0xec],
/// #   [0x1f, 0x80, 0x29, 0x65, 0x6e, 0xca, 0x0f, 0xb3, 0x2b, 0xca, 0xb2, 0x2b, 0x5d, 0x9d, 0xc8, 0xda,
/// #   0x7c, 0x76, 0xf4, 0xc5, 0x73, 0xbb, 0xa6, 0xa4, 0x69, 0x33, 0xce, 0xe7, 0xa0, 0xb8, 0x2d, 0x74]];
/// # let verifier = Verifier::new(Config::new(SignerSet::new(&keys).unwrap(), 1).unwrap());
/// # let params = RequestParams::from_json(Method::CapabilityExecute,
/// #     br#"{"workflow_id":"w","owner":"0x1234567890abcdef1234567890ABCDEF12345678",
/// #          "execution_id":"e","reference_id":"r","capability_id":"c","payload":"cA=="}"#).unwrap();
/// let verdict = verifier.verify(&params, b"{\"responses\":[1]}");
/// let mut log = [0u8; 512];
/// let n = VerdictSummary::new(&verdict).to_json(&mut log).unwrap();
/// assert_eq!(
///     core::str::from_utf8(&log[..n]).unwrap(),
///     r#"{"accepted":false,"hash":null,"signers":[],"index":null,"stats":null,"reason":"malformed","offset":14}"#
/// );
/// ```
#[cfg_attr(docsrs, doc(cfg(feature = "serde")))]
#[derive(Clone, Copy, Debug)]
pub struct VerdictSummary<'v, 'a> {
    verdict: &'v Verdict<'a>,
}

impl<'v, 'a> VerdictSummary<'v, 'a> {
    /// The summary of `verdict`.
    pub fn new(verdict: &'v Verdict<'a>) -> Self {
        VerdictSummary { verdict }
    }

    /// Writes the summary as JSON into `buf` and returns its length
    /// (`serde_json_core::to_slice`). 1 KiB holds one with 4 signers,
    /// about 4.6 KiB one with 64.
    pub fn to_json(&self, buf: &mut [u8]) -> Result<usize, serde_json_core::ser::Error> {
        serde_json_core::to_slice(self, buf)
    }
}

/// A rejection's reason name, offset and statistics: the one place that
/// looks inside [`Error`].
fn rejection(e: &Error) -> (&'static str, Option<usize>, Option<&VerifyStats>) {
    let offset = match e {
        Error::Malformed(m) | Error::InvalidParams(ParamsError::Json(m)) => Some(m.offset),
        _ => None,
    };
    let stats = match e {
        Error::NoQuorum(n) => Some(&n.stats),
        _ => None,
    };
    (e.reason(), offset, stats)
}

impl Serialize for VerdictSummary<'_, '_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut out = s.serialize_struct("VerdictSummary", 7)?;
        match self.verdict {
            Verdict::Accept(v) => {
                out.serialize_field("accepted", &true)?;
                out.serialize_field("hash", &Hex(v.hash().as_bytes()))?;
                out.serialize_field("signers", &Signers(v))?;
                out.serialize_field("index", &v.index())?;
                out.serialize_field("stats", &Stats(v.stats()))?;
                out.serialize_field("reason", &None::<&str>)?;
                out.serialize_field("offset", &None::<usize>)?;
            }
            Verdict::Reject(e) => {
                let (reason, offset, stats) = rejection(e);
                out.serialize_field("accepted", &false)?;
                out.serialize_field("hash", &None::<Hex<'_>>)?;
                out.serialize_field("signers", &[0u8; 0])?;
                out.serialize_field("index", &None::<usize>)?;
                out.serialize_field("stats", &stats.map(Stats))?;
                out.serialize_field("reason", &reason)?;
                out.serialize_field("offset", &offset)?;
            }
        }
        out.end()
    }
}

/// 32 bytes as 64 lowercase hex digits.
struct Hex<'b>(&'b [u8; 32]);

impl Serialize for Hex<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut digits = [0u8; 64];
        hex::encode_to_slice(self.0, &mut digits).map_err(serde::ser::Error::custom)?;
        let text = core::str::from_utf8(&digits).map_err(serde::ser::Error::custom)?;
        s.serialize_str(text)
    }
}

/// The counted signers, sorted bytewise, as hex.
struct Signers<'r, 'a>(&'r VerifiedResponse<'a>);

impl Serialize for Signers<'_, '_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(self.0.signer_count()))?;
        for key in self.0.signers() {
            seq.serialize_element(&Hex(key))?;
        }
        seq.end()
    }
}

/// [`VerifyStats`], skipped candidates by cause in a nested object.
struct Stats<'s>(&'s VerifyStats);

impl Serialize for Stats<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let st = self.0;
        let mut out = s.serialize_struct("VerifyStats", 5)?;
        out.serialize_field("responses", &st.responses)?;
        out.serialize_field("candidates", &st.candidates)?;
        out.serialize_field("verifications", &st.verifications)?;
        out.serialize_field("counted", &st.counted)?;
        out.serialize_field("skipped", &Skips(st))?;
        out.end()
    }
}

struct Skips<'s>(&'s VerifyStats);

impl Serialize for Skips<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let k = &self.0.skipped;
        let mut out = s.serialize_struct("Skipped", 8)?;
        out.serialize_field("missing", &k.missing)?;
        out.serialize_field("not_base64", &k.not_base64)?;
        out.serialize_field("wrong_length", &k.wrong_length)?;
        out.serialize_field("unknown_signer", &k.unknown_signer)?;
        out.serialize_field("already_counted", &k.already_counted)?;
        out.serialize_field("equivocation", &k.equivocation)?;
        out.serialize_field("invalid_signature", &k.invalid_signature)?;
        out.serialize_field("over_capacity", &k.over_capacity)?;
        out.end()
    }
}

/// The enclave's configuration, from trusted JSON:
/// `{"signers": ["<64 hex digits>", ...], "f": 1}`, with an optional
/// `"threshold"` (at least `F+1`). Validated exactly as [`SignerSet::new`]
/// and [`Config::new`] / [`Config::with_threshold`] validate; unknown and
/// repeated fields are refused.
///
/// ```
/// use relay_verifier::Config;
/// let json = br#"{"signers":["97e4a26f944161a5f334b7c02ce12d1878d32fa6fa2f925fb02adc29ddb3beec",
///                            "1f8029656eca0fb32bcab22b5d9dc8da7c76f4c573bba6a46933cee7a0b82d74"],
///                "f":1}"#;
/// let (config, _) = serde_json_core::from_slice::<Config>(json).unwrap();
/// assert_eq!((config.signers().len(), config.threshold()), (2, 2));
/// ```
#[cfg_attr(docsrs, doc(cfg(feature = "serde")))]
impl<'de> Deserialize<'de> for Config {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_struct("Config", &FIELDS, ConfigVisitor)
    }
}

impl Config {
    /// Reads a configuration from trusted JSON (see its `Deserialize`);
    /// nothing may follow it but whitespace.
    #[cfg_attr(docsrs, doc(cfg(feature = "serde")))]
    pub fn from_json(json: &[u8]) -> Result<Config, serde_json_core::de::Error> {
        serde_json_core::from_slice(json).map(|(config, _)| config)
    }
}

const FIELDS: [&str; 3] = ["signers", "f", "threshold"];

struct ConfigVisitor;

impl<'de> Visitor<'de> for ConfigVisitor {
    type Value = Config;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object with signers, f and optionally threshold")
    }

    fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<Config, A::Error> {
        let mut signers: Option<SignerKeys> = None;
        let mut f: Option<usize> = None;
        let mut threshold: Option<usize> = None;
        while let Some(key) = map.next_key::<FieldName>()? {
            match key {
                FieldName::Signers if signers.is_none() => signers = Some(map.next_value()?),
                FieldName::F if f.is_none() => f = Some(map.next_value()?),
                FieldName::Threshold if threshold.is_none() => threshold = Some(map.next_value()?),
                FieldName::Signers => return Err(de::Error::duplicate_field("signers")),
                FieldName::F => return Err(de::Error::duplicate_field("f")),
                FieldName::Threshold => return Err(de::Error::duplicate_field("threshold")),
            }
        }
        let signers = signers.ok_or_else(|| de::Error::missing_field("signers"))?;
        let f = f.ok_or_else(|| de::Error::missing_field("f"))?;
        let set = SignerSet::new(&signers.0).map_err(de::Error::custom)?;
        match threshold {
            None => Config::new(set, f),
            Some(t) => Config::with_threshold(set, f, t),
        }
        .map_err(de::Error::custom)
    }
}

enum FieldName {
    Signers,
    F,
    Threshold,
}

impl<'de> Deserialize<'de> for FieldName {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = FieldName;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("signers, f or threshold")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<FieldName, E> {
                match v {
                    "signers" => Ok(FieldName::Signers),
                    "f" => Ok(FieldName::F),
                    "threshold" => Ok(FieldName::Threshold),
                    other => Err(E::unknown_field(other, &FIELDS)),
                }
            }
        }
        d.deserialize_identifier(V)
    }
}

/// Up to [`MAX_SIGNERS`] keys, each 64 hex digits.
struct SignerKeys(heapless::Vec<[u8; 32], MAX_SIGNERS>);

impl<'de> Deserialize<'de> for SignerKeys {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = SignerKeys;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "at most {MAX_SIGNERS} hex-encoded 32-byte keys")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<SignerKeys, A::Error> {
                let mut keys = heapless::Vec::new();
                while let Some(HexKey(key)) = seq.next_element()? {
                    keys.push(key)
                        .map_err(|_| de::Error::invalid_length(MAX_SIGNERS + 1, &self))?;
                }
                Ok(SignerKeys(keys))
            }
        }
        d.deserialize_seq(V)
    }
}

struct HexKey([u8; 32]);

impl<'de> Deserialize<'de> for HexKey {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = HexKey;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("64 hex digits")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<HexKey, E> {
                let mut key = [0u8; 32];
                hex::decode_to_slice(v, &mut key)
                    .map_err(|_| E::invalid_value(de::Unexpected::Str(v), &self))?;
                Ok(HexKey(key))
            }
        }
        d.deserialize_str(V)
    }
}
