//! Target `report`: the PROTOCOL.md §11 rewrite (capability payloads that
//! carry a consensus report) against the naive decoder of
//! [`crate::report`], through the library's hidden `fuzzing` hook and its
//! public `canonical_group_hash` and `Report`.
//!
//! Input: a flag byte, a parameter byte, then bytes whose meaning the flags
//! choose (bits 0–1): 0 a `CapabilityResponse`, 1 a `ReportResponse` (put in
//! the canonical shell), 2 the base64 text itself, 3 a `ReportResponse` with
//! CR/LF put into its text. Bit 2 spells the text with JSON escapes.
//!
//! Properties, beyond "no panic":
//! * the canonical payload (or "no rewrite") equals the naive decoder's,
//!   and its streamed length equals the length announced first;
//! * canonicalising a canonical payload gives it back;
//! * dropping or reordering the report's OCR signatures never changes the
//!   canonical payload;
//! * `canonical_hash` and `canonical_group_hash` equal the naive §4 hash of
//!   the payload as sent and as rewritten;
//! * `Report` reads the fields and signatures the naive decoder reads.

use std::sync::OnceLock;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use relay_verifier::__fuzz::{canonical_payload, for_each_string};
use relay_verifier::{canonical_group_hash, canonical_hash, Method, Report, RequestParams, Text};
use serde_json::{json, Value};

use super::reference;
use super::report::{self as naive, RefReport};

/// The request of the report vectors.
const PARAMS: &str = r#"{"workflow_id":"wf-0001","owner":"0x1234567890abcdef1234567890ABCDEF12345678","execution_id":"4f1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e","org_id":"org-7","reference_id":"step-3","capability_id":"consensus@1.0.0-alpha","payload":"cmVxdWVzdCBib2R5"}"#;

fn params() -> &'static (RequestParams<'static>, Value) {
    static PARSED: OnceLock<(RequestParams<'static>, Value)> = OnceLock::new();
    PARSED.get_or_init(|| {
        let p = RequestParams::from_json(Method::CapabilityExecute, PARAMS.as_bytes())
            .expect("valid params");
        (p, serde_json::from_str(PARAMS).expect("JSON"))
    })
}

/// The payload text an input stands for.
fn text_of(flags: u8, param: u8, bytes: &[u8]) -> Option<String> {
    Some(match flags & 3 {
        0 => STANDARD.encode(bytes),
        1 => naive::payload_with(bytes),
        2 => std::str::from_utf8(bytes).ok()?.to_string(),
        _ => {
            let plain = naive::payload_with(bytes);
            let every = usize::from(param % 16) + 1;
            let mut out = String::new();
            for (i, c) in plain.chars().enumerate() {
                out.push(c);
                if i % every == 0 {
                    out.push_str(if param & 0x10 == 0 { "\r\n" } else { "\n" });
                }
            }
            out
        }
    })
}

/// `text` as the body of a JSON string, every `every`-th character as a
/// `\u` escape and `/` as `\/`.
fn json_string(text: &str, every: usize) -> String {
    let mut out = String::from("\"");
    for (i, c) in text.chars().enumerate() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '/' => out.push_str("\\/"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x20 || i % every == 0 => {
                let mut units = [0u16; 2];
                for u in c.encode_utf16(&mut units) {
                    out.push_str(&format!("\\u{u:04x}"));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The library's canonical payload of `t`, checked against its announced
/// length.
fn ours(t: Text<'_>) -> Option<String> {
    let mut out = Vec::new();
    let announced = canonical_payload(t, |chunk| out.extend_from_slice(chunk))?;
    assert_eq!(
        announced,
        out.len() as u64,
        "streamed length differs from announced"
    );
    Some(String::from_utf8(out).expect("base64 is ASCII"))
}

/// The report with its `sigs` fields rearranged: slot k of `sig_fields`
/// gets the field `order[k]` (or nothing when `None`).
fn rearranged(r: &RefReport, order: &[Option<usize>]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut at = 0;
    for (slot, range) in r.sig_fields.iter().enumerate() {
        out.extend_from_slice(&r.bytes[at..range.start]);
        if let Some(Some(k)) = order.get(slot) {
            out.extend_from_slice(&r.bytes[r.sig_fields[*k].clone()]);
        }
        at = range.end;
    }
    out.extend_from_slice(&r.bytes[at..]);
    out
}

fn check_report_view(text: &str, r: &RefReport) {
    let t = Text::new(text);
    let n = Report::decoded_len(&t).expect("a report decodes");
    assert_eq!(n, r.bytes.len());
    let mut buf = vec![0u8; n];
    if n > 0 {
        assert!(
            Report::decode(&t, &mut buf[..n - 1]).is_none(),
            "short buffer taken"
        );
    }
    let view = Report::decode(&t, &mut buf).expect("a report decodes");
    assert_eq!(view.as_bytes(), &r.bytes[..]);
    assert_eq!(view.config_digest(), &r.config_digest[..]);
    assert_eq!(view.seq_nr(), r.seq_nr);
    assert_eq!(view.report_context(), &r.report_context[..]);
    assert_eq!(view.raw_report(), &r.raw_report[..]);
    assert_eq!(view.signature_count(), r.sigs.len());
    let sigs: Vec<(u32, Vec<u8>)> = view
        .signatures()
        .map(|s| (s.signer_id, s.signature.to_vec()))
        .collect();
    assert_eq!(sigs, r.sigs);
}

/// Runs one input.
pub fn run(data: &[u8]) {
    let [flags, param, rest @ ..] = data else {
        return;
    };
    let Some(text) = text_of(*flags, *param, rest) else {
        return;
    };
    let theirs = naive::canonical_payload(text.as_bytes());
    let plain = ours(Text::new(&text));
    assert_eq!(
        plain, theirs,
        "canonical payload differs from the naive decoder"
    );

    // The same string spelled with JSON escapes.
    if flags & 4 != 0 {
        let doc = json_string(&text, usize::from(param % 7) + 2);
        let mut seen = 0;
        for_each_string(doc.as_bytes(), |_, t| {
            seen += 1;
            assert_eq!(ours(t), theirs, "escaped text reads differently");
        })
        .expect("a JSON string");
        assert_eq!(seen, 1);
    }

    // Both hashes against the naive §4 hash.
    let (p, pv) = params();
    let result = json!({ "payload": text });
    let result_json = serde_json::to_vec(&result).expect("serializes");
    let sig = canonical_hash(p, &result_json).expect("hashable");
    assert_eq!(
        *sig.as_bytes(),
        reference::hash(Method::CapabilityExecute, pv, &result)
    );
    let group = canonical_group_hash(p, &result_json).expect("hashable");
    let grouped_as = theirs.clone().map_or(result, |c| json!({ "payload": c }));
    assert_eq!(
        *group.as_bytes(),
        reference::hash(Method::CapabilityExecute, pv, &grouped_as)
    );

    let Some(canonical) = theirs else {
        return;
    };
    assert_eq!(
        ours(Text::new(&canonical)).as_ref(),
        Some(&canonical),
        "not idempotent"
    );
    let decoded = naive::go_base64(text.as_bytes()).expect("was decoded");
    let report = naive::decode_payload(&decoded).expect("was decoded");
    check_report_view(&text, &report);

    // OCR signatures: all dropped, reversed, and a subset chosen by `param`.
    let n = report.sig_fields.len();
    if n == 0 {
        return;
    }
    let reversed: Vec<Option<usize>> = (0..n).rev().map(Some).collect();
    let subset: Vec<Option<usize>> = (0..n)
        .map(|k| (param >> (k % 8) & 1 == 1).then_some(k))
        .collect();
    for order in [vec![None; n], reversed, subset] {
        let variant = naive::payload_with(&rearranged(&report, &order));
        assert_eq!(
            ours(Text::new(&variant)).as_ref(),
            Some(&canonical),
            "OCR signatures changed the group"
        );
    }
}
