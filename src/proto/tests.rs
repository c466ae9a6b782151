//! The §11 rules one at a time, on hand-built payloads.

use std::string::String;
use std::vec::Vec;
use std::{format, vec};

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;

use super::canonical::*;
use super::message::*;
use super::report::*;
use super::*;
use crate::read::{Lexer, Text};

const TYPE_URL: &[u8] = b"type.googleapis.com/sdk.v1alpha.ReportResponse";

fn varint(mut v: u64) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let low = (v & 0x7F) as u8;
        v >>= 7;
        if v == 0 {
            out.push(low);
            return out;
        }
        out.push(low | 0x80);
    }
}

fn tag(number: u64, wire: u8) -> Vec<u8> {
    varint(number << 3 | u64::from(wire))
}

/// A length-delimited field.
fn ld(number: u64, bytes: &[u8]) -> Vec<u8> {
    let mut out = tag(number, 2);
    out.extend(varint(bytes.len() as u64));
    out.extend_from_slice(bytes);
    out
}

fn cat(parts: &[&[u8]]) -> Vec<u8> {
    parts.concat()
}

fn any(type_url: &[u8], value: &[u8]) -> Vec<u8> {
    cat(&[&ld(1, type_url), &ld(2, value)])
}

/// CapabilityResponse{payload: Any{TYPE_URL, report}}.
fn wrap(report: &[u8]) -> Vec<u8> {
    ld(1, &any(TYPE_URL, report))
}

fn sig(signature: &[u8], signer: u64) -> Vec<u8> {
    ld(5, &cat(&[&ld(1, signature), &tag(2, 0), &varint(signer)]))
}

/// A plain report: digest, seq 9, context, raw.
fn body() -> Vec<u8> {
    cat(&[
        &ld(1, &[0xD1; 32]),
        &tag(2, 0),
        &varint(9),
        &ld(3, b"ctx"),
        &ld(4, b"raw report"),
    ])
}

fn b64(bytes: &[u8]) -> String {
    STANDARD.encode(bytes)
}

/// The canonical payload of `text` (as Text::new), decoded; None = no rewrite.
fn canonical(text: &str) -> Option<Vec<u8>> {
    canonical_of(Text::new(text))
}

fn canonical_of(text: Text<'_>) -> Option<Vec<u8>> {
    let c = Canonical::of(&text)?;
    let mut out = Vec::new();
    c.write_base64(&mut |chunk| out.extend_from_slice(chunk))?;
    assert_eq!(out.len() as u64, c.base64_len());
    Some(
        STANDARD
            .decode(out)
            .expect("canonical payload is padded base64"),
    )
}

fn rewrites(payload: &[u8]) -> Option<Vec<u8>> {
    canonical(&b64(payload))
}

#[test]
fn drops_signatures_and_keeps_the_report() {
    let with = cat(&[&body(), &sig(b"A", 1), &sig(b"B", 2)]);
    let without = body();
    assert_eq!(rewrites(&wrap(&with)), Some(wrap(&without)));
    assert_eq!(rewrites(&wrap(&without)), Some(wrap(&without)));
}

#[test]
fn overlong_varints_are_read_and_written_minimal() {
    // seq_nr 9 as a 10-byte varint; the tag of field 3 overlong too.
    let overlong = cat(&[
        &ld(1, &[0xD1; 32]),
        &tag(2, 0),
        &[0x89, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00],
        &[0x9A, 0x00, 3],
        b"ctx",
        &ld(4, b"raw report"),
    ]);
    assert_eq!(rewrites(&wrap(&overlong)), Some(wrap(&body())));
    // A 10th byte above 1 overflows.
    let overflow = cat(&[
        &body(),
        &tag(2, 0),
        &[0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x02],
    ]);
    assert_eq!(rewrites(&wrap(&overflow)), None);
    // Eleven bytes never end.
    let long = cat(&[&body(), &tag(2, 0), &[0x80; 10], &[0]]);
    assert_eq!(rewrites(&wrap(&long)), None);
}

#[test]
fn a_known_field_with_another_wire_type_is_unknown() {
    // seq_nr as fixed64, raw_report as varint: both kept as unknown fields.
    let odd = cat(&[&tag(2, 1), &[7; 8], &tag(4, 0), &[0x85, 0x00]]);
    let got = rewrites(&wrap(&cat(&[&body(), &odd]))).unwrap();
    assert_eq!(got, wrap(&cat(&[&body(), &odd])));
    // sigs as a varint is unknown too, so it stays.
    let sigs_varint = cat(&[&tag(5, 0), &[3]]);
    assert_eq!(
        rewrites(&wrap(&cat(&[&sigs_varint, &body()]))),
        Some(wrap(&cat(&[&body(), &sigs_varint])))
    );
}

#[test]
fn unknown_fields_keep_order_with_minimal_tags_and_values_as_sent() {
    // Field 9 with an overlong tag, and a varint value that is overlong.
    let u1 = cat(&[&[0xC8, 0x80, 0x00], &[0x81, 0x00]]); // field 9, wire 0
    let u2 = ld(100, b"x");
    let report = cat(&[&u1, &body(), &sig(b"s", 1), &u2]);
    let want = cat(&[&body(), &tag(9, 0), &[0x81, 0x00], &u2]);
    assert_eq!(rewrites(&wrap(&report)), Some(wrap(&want)));
}

#[test]
fn groups_are_matched_kept_and_bounded() {
    // Field 7 group holding a nested group 8 and a varint.
    let group = cat(&[
        &tag(7, 3),
        &tag(8, 3),
        &tag(1, 0),
        &[5],
        &tag(8, 4),
        &tag(7, 4),
    ]);
    let report = cat(&[&body(), &group]);
    assert_eq!(rewrites(&wrap(&report)), Some(wrap(&report)));
    // Mismatched end, unmatched end, and a group left open.
    let mismatched = cat(&[&tag(7, 3), &tag(8, 4)]);
    assert_eq!(rewrites(&wrap(&cat(&[&body(), &mismatched]))), None);
    assert_eq!(rewrites(&wrap(&cat(&[&body(), &tag(7, 4)]))), None);
    assert_eq!(rewrites(&wrap(&cat(&[&body(), &tag(7, 3)]))), None);
    // Field numbers above 2^29-1 are accepted inside a group (protobuf-go's
    // ConsumeTag), not at message level.
    let big = cat(&[&tag(7, 3), &tag(1 << 30, 0), &[1], &tag(7, 4)]);
    assert!(rewrites(&wrap(&cat(&[&body(), &big]))).is_some());
    // Nesting: MAX_GROUP_DEPTH levels decode, one more does not.
    let nest = |depth: usize| {
        let mut g = Vec::new();
        for _ in 0..depth {
            g.extend(tag(7, 3));
        }
        for _ in 0..depth {
            g.extend(tag(7, 4));
        }
        g
    };
    let deepest = cat(&[&body(), &nest(wire::MAX_GROUP_DEPTH)]);
    assert_eq!(rewrites(&wrap(&deepest)), Some(wrap(&deepest)));
    let deeper = cat(&[&body(), &nest(wire::MAX_GROUP_DEPTH + 1)]);
    assert_eq!(rewrites(&wrap(&deeper)), None);
    // A group in the outer message or the Any is checked, then dropped.
    let outer = cat(&[&wrap(&body()), &group]);
    assert_eq!(rewrites(&outer), Some(wrap(&body())));
    assert_eq!(rewrites(&cat(&[&wrap(&body()), &tag(7, 3)])), None);
}

#[test]
fn field_numbers_outside_the_range_fail() {
    for bad in [tag(0, 0), tag(1 << 29, 0), tag(u64::from(u32::MAX), 0)] {
        let report = cat(&[&body(), &bad, &[1]]);
        assert_eq!(rewrites(&wrap(&report)), None);
        // In the outer message too, though its unknown fields are dropped.
        assert_eq!(rewrites(&cat(&[&wrap(&body()), &bad, &[1]])), None);
    }
    let highest = cat(&[&body(), &tag((1 << 29) - 1, 0), &[1]]);
    assert_eq!(rewrites(&wrap(&highest)), Some(wrap(&highest)));
}

#[test]
fn wire_types_6_and_7_fail() {
    for wire in [6, 7] {
        assert_eq!(rewrites(&wrap(&cat(&[&body(), &tag(9, wire)]))), None);
    }
}

#[test]
fn truncation_fails_everywhere() {
    let full = wrap(&cat(&[&body(), &sig(b"sig", 4)]));
    for cut in 0..full.len() {
        assert_eq!(rewrites(&full[..cut]), None, "cut at {cut}");
    }
    // A field that runs past its enclosing message (but not past the end).
    let report = cat(&[&body(), &tag(5, 2), &[3], &ld(1, b"toolong")]);
    assert_eq!(rewrites(&wrap(&report)), None);
}

#[test]
fn every_signature_entry_must_decode() {
    let bad = ld(5, &[0x0A, 0x05, b'x']);
    assert_eq!(rewrites(&wrap(&cat(&[&body(), &bad]))), None);
    // Unknown fields inside an entry are fine (and dropped with it).
    let odd = ld(5, &cat(&[&ld(1, b"s"), &ld(9, b"extra")]));
    assert_eq!(rewrites(&wrap(&cat(&[&body(), &odd]))), Some(wrap(&body())));
}

#[test]
fn strings_must_be_utf8() {
    let bad_url = cat(&[b"type.googleapis.com/\xFF/".as_slice(), REPORT_NAME]);
    assert_eq!(rewrites(&ld(1, &any(&bad_url, &body()))), None);
    // The error member, even when a payload comes after it.
    let bad_error = cat(&[&ld(2, b"\xED\xA0\x80"), &wrap(&body())]);
    assert_eq!(rewrites(&bad_error), None);
    let good_error = cat(&[&ld(2, "é".as_bytes()), &wrap(&body())]);
    assert_eq!(rewrites(&good_error), Some(wrap(&body())));
    // Bytes fields are not checked.
    let raw = cat(&[&ld(4, b"\xFF\xFE")]);
    assert_eq!(rewrites(&wrap(&raw)), Some(wrap(&raw)));
}

#[test]
fn type_url_must_name_the_report() {
    for (url, ok) in [
        (&b"sdk.v1alpha.ReportResponse"[..], true),
        (b"type.googleapis.com/sdk.v1alpha.ReportResponse", true),
        (b"example.com/a/b/sdk.v1alpha.ReportResponse", true),
        (b"/sdk.v1alpha.ReportResponse", true),
        (b"xsdk.v1alpha.ReportResponse", false),
        (b"type.googleapis.com/sdk.v1beta.ReportResponse", false),
        (b"sdk.v1alpha.ReportResponse/", false),
        (b"dk.v1alpha.ReportResponse", false),
        (b"", false),
    ] {
        let got = rewrites(&ld(1, &any(url, &body())));
        assert_eq!(got.is_some(), ok, "{}", String::from_utf8_lossy(url));
    }
}

#[test]
fn oneof_and_merge_follow_protobuf_go() {
    let other = cat(&[&ld(4, b"other")]);
    // payload then error: error wins.
    assert_eq!(rewrites(&cat(&[&wrap(&body()), &ld(2, b"e")])), None);
    // error then payload: the payload, fresh.
    assert_eq!(
        rewrites(&cat(&[&ld(2, b"e"), &wrap(&body())])),
        Some(wrap(&body()))
    );
    // payload twice: merged, the later value wins; a later type URL alone
    // keeps the earlier value.
    let twice = cat(&[&wrap(&other), &wrap(&body())]);
    assert_eq!(rewrites(&twice), Some(wrap(&body())));
    let url_later = cat(&[&ld(1, &ld(2, &body())), &ld(1, &ld(1, TYPE_URL))]);
    assert_eq!(rewrites(&url_later), Some(wrap(&body())));
    // payload, error, payload without a type URL: the fresh Any names nothing.
    let fresh = cat(&[&wrap(&other), &ld(2, b"e"), &ld(1, &ld(2, &body()))]);
    assert_eq!(rewrites(&fresh), None);
    // A later invalid value makes the payload undecodable as a report; a
    // later valid one repairs an earlier invalid one.
    let bad = [0x0A, 0x09];
    assert_eq!(
        rewrites(&cat(&[&wrap(&body()), &ld(1, &ld(2, &bad))])),
        None
    );
    assert_eq!(
        rewrites(&cat(&[&wrap(&bad), &ld(1, &ld(2, &body()))])),
        Some(wrap(&body()))
    );
    // The payload field with the wrong wire type is an unknown field.
    assert_eq!(
        rewrites(&cat(&[&wrap(&body()), &tag(1, 0), &[1]])),
        Some(wrap(&body()))
    );
    // Scalars: the last value, an explicit zero included.
    let zeroed = cat(&[&body(), &tag(2, 0), &[0], &ld(3, b"")]);
    let want = cat(&[&ld(1, &[0xD1; 32]), &ld(4, b"raw report")]);
    assert_eq!(rewrites(&wrap(&zeroed)), Some(wrap(&want)));
}

#[test]
fn empty_reports_and_absent_values() {
    // A report of nothing: the Any's value is left out.
    assert_eq!(rewrites(&wrap(b"")), Some(ld(1, &ld(1, TYPE_URL))));
    assert_eq!(
        rewrites(&ld(1, &ld(1, TYPE_URL))),
        Some(ld(1, &ld(1, TYPE_URL)))
    );
    // Only signatures: the same.
    assert_eq!(
        rewrites(&wrap(&sig(b"s", 1))),
        Some(ld(1, &ld(1, TYPE_URL)))
    );
    // No member at all, or an empty payload.
    assert_eq!(rewrites(b""), None);
    assert_eq!(canonical(""), None);
    assert_eq!(rewrites(&ld(1, b"")), None);
}

#[test]
fn base64_follows_go_std_encoding() {
    let payload = wrap(&cat(&[&body(), &sig(b"sig", 3)]));
    let want = Some(wrap(&body()));
    let text = b64(&payload);
    assert_eq!(canonical(&text), want);
    // CR and LF anywhere, padding included.
    let mut broken = String::new();
    for (i, c) in text.chars().enumerate() {
        broken.push(c);
        if i % 5 == 0 {
            broken.push_str("\r\n");
        }
    }
    assert_eq!(canonical(&broken), want);
    assert_eq!(canonical(&format!("\n{text}\n\r")), want);
    // Padding is required; '=' only at the end.
    let pad = |n: usize| wrap(&cat(&[&body(), &ld(9, &vec![0u8; n])]));
    let mut endings = 0;
    for n in 0..3 {
        let p = pad(n);
        let t = b64(&p);
        if t.ends_with('=') {
            assert_eq!(canonical(t.trim_end_matches('=')), None);
            let mut split = t.clone();
            split.insert(t.len() - 1, '\n');
            assert!(canonical(&split).is_some());
            assert_eq!(canonical(&format!("{t}A")), None);
            assert_eq!(canonical(&format!("{t}=")), None);
            endings += 1;
        }
    }
    assert_eq!(endings, 2, "both padded endings tried");
    assert_eq!(canonical(&format!("{text}AAAA")), None);
    assert_eq!(canonical(&format!("{}=AAA", &text[..4])), None);
    assert_eq!(canonical("A==="), None);
    assert_eq!(canonical("-_--"), None);
    assert_eq!(canonical("Zm9v\u{e9}"), None);
}

#[test]
fn non_zero_unused_bits_are_accepted() {
    // A payload whose last quantum has two padding digits: flip the unused
    // low bits of its last digit.
    let p = (0..3)
        .map(|n| wrap(&cat(&[&body(), &ld(9, &vec![0; n])])))
        .find(|p| p.len() % 3 == 1)
        .unwrap();
    let text = b64(&p);
    assert!(text.ends_with("=="));
    let canonical_text = canonical(&text);
    assert!(canonical_text.is_some());
    let mut bytes = text.into_bytes();
    let last = bytes.len() - 3;
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let digit = alphabet.iter().position(|&c| c == bytes[last]).unwrap();
    bytes[last] = alphabet[digit | 0x0F];
    let flipped = String::from_utf8(bytes).unwrap();
    assert_eq!(canonical(&flipped), canonical_text);
}

#[test]
fn escaped_json_text_decodes_like_plain_text() {
    let payload = wrap(&cat(&[
        &ld(9, b"u"),
        &body(),
        &sig(b"sig", 3),
        &ld(10, b"v"),
    ]));
    let text = b64(&payload);
    // Escape every third character, and put an escaped newline in.
    let mut json = String::from("\"");
    for (i, c) in text.chars().enumerate() {
        if i % 3 == 0 {
            json.push_str(&format!("\\u{:04x}", c as u32));
        } else if c == '/' {
            json.push_str("\\/");
        } else {
            json.push(c);
        }
        if i == 10 {
            json.push_str("\\r\\n");
        }
    }
    json.push('"');
    let escaped = Lexer::new(json.as_bytes()).string().unwrap().text;
    assert!(escaped.as_str().is_none());
    assert_eq!(canonical_of(escaped), canonical(&text));
    assert!(canonical(&text).is_some());
}

#[test]
fn report_view_reads_last_values_and_signatures_in_order() {
    let report = cat(&[
        &ld(4, b"old raw"),
        &sig(b"first", 7),
        &body(),
        &ld(9, b"unknown"),
        &sig(b"second", 1 << 32 | 5),
    ]);
    let text = b64(&wrap(&report));
    let payload = Text::new(&text);
    let n = Report::decoded_len(&payload).unwrap();
    assert_eq!(n, report.len());
    let mut small = vec![0u8; n - 1];
    assert!(Report::decode(&payload, &mut small).is_none());
    let mut buf = vec![0u8; n + 3];
    let r = Report::decode(&payload, &mut buf).unwrap();
    assert_eq!(r.as_bytes(), &report[..]);
    assert_eq!(r.config_digest(), &[0xD1; 32]);
    assert_eq!(r.seq_nr(), 9);
    assert_eq!(r.report_context(), b"ctx");
    assert_eq!(r.raw_report(), b"raw report");
    assert_eq!(r.signature_count(), 2);
    let sigs: Vec<_> = r.signatures().collect();
    assert_eq!(
        sigs,
        [
            AttributedSignature {
                signer_id: 7,
                signature: b"first"
            },
            // uint32 keeps the low 32 bits, as Go's conversion does.
            AttributedSignature {
                signer_id: 5,
                signature: b"second"
            },
        ]
    );
    assert!(Report::decoded_len(&Text::new("Zm9v")).is_none());
}

#[test]
fn seeking_is_the_same_with_and_without_arithmetic() {
    // The same payload as plain text (seekable) and with a newline (not):
    // fields out of order force backward seeks.
    let report = cat(&[
        &ld(4, &[0x44; 100]),
        &ld(9, &[0x99; 7]),
        &ld(3, &[0x33; 50]),
        &ld(1, &[0x11; 33]),
        &tag(2, 0),
        &varint(300),
        &ld(11, b"z"),
    ]);
    let text = b64(&wrap(&report));
    let want = Some(wrap(&cat(&[
        &ld(1, &[0x11; 33]),
        &tag(2, 0),
        &varint(300),
        &ld(3, &[0x33; 50]),
        &ld(4, &[0x44; 100]),
        &ld(9, &[0x99; 7]),
        &ld(11, b"z"),
    ])));
    assert_eq!(canonical(&text), want);
    assert_eq!(canonical(&format!("{text}\n")), want);
}

/// A report long enough that its text spans several decoding windows
/// (256 digits), with its fields out of order so writing seeks back.
fn long_report() -> Vec<u8> {
    let raw: Vec<u8> = (0..900u32).map(|i| (i * 7 % 251) as u8).collect();
    cat(&[
        &ld(4, &raw),
        &sig(&[0x51; 65], 1),
        &ld(3, &[0x33; 40]),
        &sig(&[0x52; 65], 2),
        &ld(1, &[0x11; 32]),
        &tag(2, 0),
        &varint(4242),
    ])
}

#[test]
fn framing_is_decided_the_same_at_every_window_boundary() {
    let text = b64(&wrap(&long_report()));
    assert!(text.len() > 1100);
    let want = canonical(&text);
    assert!(want.is_some());
    for at in [
        254, 255, 256, 257, 510, 511, 512, 513, 767, 768, 1023, 1024, 1025,
    ] {
        for (insert, decodes) in [("\n", true), ("\r\n", true), ("=", false), ("==", false)] {
            let mut t = text.clone();
            t.insert_str(at, insert);
            let got = canonical(&t);
            if decodes {
                assert_eq!(got, want, "{insert:?} at {at}");
            } else {
                assert_eq!(got, None, "{insert:?} at {at}");
            }
        }
        // Padding that ends a window the text goes on after.
        let mut t = text.clone();
        t.replace_range(at - 2..at, "==");
        assert_eq!(canonical(&t), None, "== before {at}");
    }
}

/// The canonical forms of two payload texts, judged equal without writing.
fn same_form(a: &str, b: &str) -> bool {
    let (a, b) = (Text::new(a), Text::new(b));
    let (x, y) = (Canonical::of(&a).unwrap(), Canonical::of(&b).unwrap());
    let same = x.same_form_as(&y);
    assert_eq!(same, y.same_form_as(&x), "symmetric");
    if same {
        assert_eq!(
            canonical_of(a),
            canonical_of(b),
            "judged equal, written different"
        );
    }
    same
}

#[test]
fn same_form_is_equal_canonical_bytes() {
    let report = long_report();
    let text = b64(&wrap(&report));
    // Other signatures, in another order, before the fields: other offsets.
    let resigned = cat(&[&sig(&[0x53; 65], 3), &sig(&[0x51; 65], 1), &report]);
    assert!(same_form(&text, &b64(&wrap(&resigned))));
    // Shifted by one and two bytes: the texts no longer line up.
    for pad in [1usize, 2, 3] {
        let shifted = cat(&[&sig(&vec![0x54; 60 + pad], 4), &report]);
        assert!(same_form(&text, &b64(&wrap(&shifted))), "shift {pad}");
    }
    // Not plain base64 (a newline) on either side: never judged.
    let broken = format!("{}\r\n{}", &text[..700], &text[700..]);
    assert!(!same_form(&format!("{text}\n"), &text));
    assert!(!same_form(&text, &broken));
    assert!(!same_form(&broken, &broken));
    // The same text is the same form.
    assert!(same_form(&text, &text));
    // One byte of each field changed, at its start and its end.
    // raw_report comes first: its tag, a two-byte length, 900 bytes.
    let mut changed = 0;
    for i in [3, 3 + 899] {
        let mut r = report.clone();
        r[i] ^= 1;
        assert!(!same_form(&text, &b64(&wrap(&r))), "byte {i}");
        changed += 1;
    }
    assert_eq!(changed, 2);
    for field in [
        cat(&[&report, &ld(1, &[0x12; 32])]),
        cat(&[&report, &ld(3, &[0x33; 41])]),
        cat(&[&report, &tag(2, 0), &varint(4243)]),
        cat(&[&report, &tag(2, 0), &varint(0)]),
        cat(&[&report, &ld(1, b"")]),
    ] {
        assert!(!same_form(&text, &b64(&wrap(&field))));
    }
    // Unknown fields are never judged, even when the forms are equal.
    let unknown = cat(&[&report, &ld(9, b"u")]);
    assert!(!same_form(&b64(&wrap(&unknown)), &b64(&wrap(&unknown))));
    // Escaped JSON text against plain text.
    let mut json = String::from("\"");
    for c in text.chars() {
        if c == '/' {
            json.push_str("\\/");
        } else {
            json.push(c);
        }
    }
    json.push('"');
    let escaped = Lexer::new(json.as_bytes()).string().unwrap().text;
    assert!(escaped.is_escaped());
    let plain = Text::new(&text);
    let (x, y) = (
        Canonical::of(&escaped).unwrap(),
        Canonical::of(&plain).unwrap(),
    );
    assert!(!x.same_form_as(&y) && !y.same_form_as(&x) && !x.same_form_as(&x));
    assert!(y.same_form_as(&y));
}
