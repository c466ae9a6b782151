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
//! * `Report` reads the fields and signatures the naive decoder reads;
//! * a report that decodes is also answered by a bundle of 2–4 relay nodes
//!   (bits 3–4: how many more than 2), each carrying its own subset of the
//!   OCR signatures in its own order, signed with the vectors' keys,
//!   optionally with (bit 5) a broken-signature response ahead of a
//!   counted signer's valid one, (bit 4 of `param`) a counted signer's
//!   second response, (bit 3 of `param`) a node repeating one signature,
//!   (bit 6) another report signed by a key outside the group, (bit 7) a
//!   last node with none of the report's signatures but another one for
//!   its first `signer_id` (a tie on carriers for two nodes). The verdict is
//!   checked as every verdict is ([`check::verdict`], which runs
//!   [`check::hand_out`]: work, payload and merged-list invariants), and
//!   the hand-out against a model (§11: counted responses, merge, payload
//!   rebuilt by the naive encoder). The bundle is verified again with its
//!   responses in another order: the model again, and whenever the same
//!   responses are counted, the same payload and merged list.

use std::sync::OnceLock;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use relay_verifier::__fuzz::{canonical_payload, for_each_string};
use relay_verifier::{canonical_group_hash, canonical_hash, Method, Report, RequestParams, Text};
use serde_json::{json, Value};

use super::report::{self as naive, RefReport};
use super::{check, fixtures, reference};

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
    bundles(*flags, *param, &text, &report);

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

/// One response of a bundle: who signs it, its payload text, and whether
/// its signature is genuine.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Node {
    /// Relay key (universe index).
    key: usize,
    text: String,
    valid: bool,
    /// In the report's group (not the other report).
    grouped: bool,
}

/// The report's bytes with one more `sigs` entry appended (a short
/// signature: every length fits one byte).
fn with_signature(r: &RefReport, signer_id: u32, signature: &[u8]) -> Vec<u8> {
    assert!(signature.len() < 0x80);
    let mut entry = vec![0x0A, signature.len() as u8];
    entry.extend_from_slice(signature);
    entry.push(0x10);
    let mut id = signer_id;
    while id >= 0x80 {
        entry.push(id as u8 | 0x80);
        id >>= 7;
    }
    entry.push(id as u8);
    let mut out = r.bytes.clone();
    out.push(0x2A);
    out.push(entry.len() as u8);
    out.extend_from_slice(&entry);
    out
}

/// Node `i`'s own subset of the report's OCR signatures, reversed for odd
/// `i`: a subset chosen by `param` rotated by `i`.
fn subset_of(r: &RefReport, param: u8, i: usize) -> Vec<u8> {
    let n = r.sig_fields.len();
    let mask = param.rotate_left(i as u32);
    let mut kept: Vec<usize> = (0..n).filter(|k| mask >> (k % 8) & 1 == 1).collect();
    if i % 2 == 1 {
        kept.reverse();
    }
    let order: Vec<Option<usize>> = kept
        .into_iter()
        .map(Some)
        .chain(std::iter::repeat(None))
        .take(n)
        .collect();
    rearranged(r, &order)
}

/// The report's bytes with its `sigs` fields replaced: slot k gets field
/// `fields[k]` (the same field may come several times).
fn only_fields(r: &RefReport, fields: &[usize]) -> Vec<u8> {
    let order: Vec<Option<usize>> = fields
        .iter()
        .copied()
        .map(Some)
        .chain(std::iter::repeat(None))
        .take(r.sig_fields.len())
        .collect();
    rearranged(r, &order)
}

/// The responses a report is answered with (see the module's comment).
fn nodes_for(flags: u8, param: u8, text: &str, report: &RefReport) -> Vec<Node> {
    let count = 2 + usize::from(flags >> 3 & 3).min(2);
    let start = usize::from(param) % fixtures::UNIVERSE;
    let key_of = |i: usize| (start + i) % fixtures::UNIVERSE;
    let node = |key, text: String, valid, grouped| Node {
        key,
        text,
        valid,
        grouped,
    };
    let n = report.sig_fields.len();
    let mut out = Vec::new();
    if flags & 0x20 != 0 {
        let broken = naive::payload_with(&with_signature(report, 55, b"broken"));
        out.push(node(key_of(1), broken, false, true));
    }
    for i in 0..count {
        let bytes = if i + 1 == count && flags & 0x80 != 0 {
            // None of the report's signatures, but another one for its
            // first signer_id: carried once, as that signer's own may be.
            let bare = RefReport {
                bytes: only_fields(report, &[]),
                sig_fields: Vec::new(),
                ..report.clone()
            };
            let id = report.sigs.first().map_or(9, |s| s.0);
            with_signature(&bare, id, b"only mine")
        } else if i == 1 && param & 0x08 != 0 && n > 1 {
            // One signature, n times over: still one carrier.
            only_fields(report, &vec![usize::from(param) % n; n])
        } else if i == 0 {
            out.push(node(key_of(i), text.to_string(), true, true));
            continue;
        } else {
            subset_of(report, param, i)
        };
        out.push(node(key_of(i), naive::payload_with(&bytes), true, true));
    }
    if param & 0x10 != 0 {
        let again = naive::payload_with(&subset_of(report, param ^ 0xFF, 1));
        out.push(node(key_of(0), again, true, true));
    }
    if flags & 0x40 != 0 {
        // Another report (one more unknown field) by a key outside the group.
        let mut other = with_signature(report, 77, b"elsewhere");
        other.extend_from_slice(&[0x78, 0x01]);
        out.push(node(
            key_of(count),
            naive::payload_with(&other),
            true,
            false,
        ));
    }
    out
}

/// The body of `nodes`, each signed over its own result's hash.
fn body_of(nodes: &[Node]) -> Vec<u8> {
    let fx = fixtures::get();
    let (p, _) = params();
    let responses: Vec<Value> = nodes
        .iter()
        .map(|n| {
            let result = json!({ "payload": n.text });
            let hash = canonical_hash(p, &serde_json::to_vec(&result).expect("serializes"))
                .expect("hashable");
            let pair = &fx.relay[n.key];
            let mut signature = *pair.sk.sign(hash.signature_payload(), None);
            if !n.valid {
                signature[17] ^= 0x40;
            }
            json!({
                "result": result,
                "signature": {
                    "signer": STANDARD.encode(&pair.pk[..]),
                    "signature": STANDARD.encode(signature),
                }
            })
        })
        .collect();
    serde_json::to_vec(&json!({ "responses": responses })).expect("serializes")
}

/// The model's hand-out of `nodes` (§11): each signer's first valid
/// response in the group is counted; their signatures merged; the payload
/// rebuilt from R and the merge.
fn model(nodes: &[Node], report: &RefReport) -> check::HandOut {
    let fx = fixtures::get();
    let mut seen = std::collections::BTreeSet::new();
    let mut counted = Vec::new();
    for (index, n) in nodes.iter().enumerate() {
        if n.valid && n.grouped && seen.insert(n.key) {
            let sigs = naive::go_base64(n.text.as_bytes())
                .and_then(|b| naive::decode_payload(&b))
                .expect("a node's payload is a report")
                .sigs;
            counted.push((index, *fx.relay[n.key].pk, sigs));
        }
    }
    let lists: Vec<Vec<(u32, Vec<u8>)>> = counted.iter().map(|c| c.2.clone()).collect();
    let merged = naive::merge(&lists);
    let pairs: Vec<(u32, Vec<u8>)> = merged.iter().map(|m| (m.0, m.1.clone())).collect();
    let payload = STANDARD
        .encode(naive::payload_bytes(report, &pairs))
        .into_bytes();
    check::HandOut {
        payload,
        merged,
        counted,
    }
}

/// Verifies `nodes` as a bundle and checks the hand-out against the model.
fn verify_nodes(nodes: &[Node], report: &RefReport) -> check::HandOut {
    let fx = fixtures::get();
    let (p, _) = params();
    let body = body_of(nodes);
    let verdict = fx.verifier.verify(p, &body);
    check::verdict(&fx.verifier, p, &body, &verdict);
    let relay_verifier::Verdict::Accept(a) = &verdict else {
        panic!(
            "a report signed by 2+ nodes refused: {verdict:?}\n{}",
            String::from_utf8_lossy(&body)
        );
    };
    let got = check::hand_out(a).expect("a report result is handed out");
    let want = model(nodes, report);
    assert_eq!(got.counted, want.counted, "counted responses");
    assert_eq!(got.merged, want.merged, "merged signatures");
    assert_eq!(
        String::from_utf8_lossy(&got.payload),
        String::from_utf8_lossy(&want.payload),
        "payload"
    );
    got
}

/// The bundle checks of a report that decodes (see the module's comment).
fn bundles(flags: u8, param: u8, text: &str, report: &RefReport) {
    let nodes = nodes_for(flags, param, text, report);
    let first = verify_nodes(&nodes, report);
    // Another order: reversed, then rotated.
    let mut other = nodes.clone();
    other.reverse();
    let k = usize::from(param >> 5) % other.len();
    other.rotate_left(k);
    let second = verify_nodes(&other, report);
    // The same responses counted (as texts per signer): the same hand-out.
    let counted_texts = |order: &[Node], h: &check::HandOut| {
        let mut v: Vec<(usize, String)> = h
            .counted
            .iter()
            .map(|c| (order[c.0].key, order[c.0].text.clone()))
            .collect();
        v.sort();
        v
    };
    if counted_texts(&nodes, &first) == counted_texts(&other, &second) {
        assert_eq!(first.payload, second.payload, "order changed the payload");
        assert_eq!(first.merged, second.merged, "order changed the merge");
    }
}
