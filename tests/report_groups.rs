//! PROTOCOL.md §11 against `../shared/vectors/report/verify.json`: for every
//! response of every case, its signature hash, its group hash and whether
//! the rewrite applied; and the report view against a naive second decoder
//! (`fuzz/common/report.rs`).
#![allow(clippy::result_large_err)] // the error is moved once per case

mod common;
#[path = "../fuzz/common/report.rs"]
#[allow(dead_code)]
mod reference;

use common::{assert_no_failures, load_vectors};

use relay_verifier::{canonical_group_hash, canonical_hash, Method, Report, RequestParams, Text};
use serde_json::Value;

fn cases() -> Vec<Value> {
    load_vectors("report/verify.json")["verify_cases"]
        .as_array()
        .expect("verify_cases")
        .clone()
}

/// Each response's `result` (re-serialized: hashes are over decoded
/// strings, so the spelling does not matter) and the case's groups.
fn responses(case: &Value) -> Vec<(Value, &Value)> {
    let body: Value =
        serde_json::from_str(case["body_json"].as_str().expect("body_json")).expect("body is JSON");
    let list = match body.get("responses") {
        Some(r) => r.as_array().expect("responses").clone(),
        None => vec![body],
    };
    let groups = case["groups"].as_array().expect("groups");
    assert_eq!(
        list.len(),
        groups.len(),
        "{}: one group per response",
        case["name"]
    );
    list.into_iter()
        .map(|r| r.get("result").cloned().unwrap_or(Value::Null))
        .zip(groups)
        .collect()
}

fn payload_of(result: &Value) -> String {
    result
        .get("payload")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

#[test]
fn every_response_hashes_and_groups_as_the_vectors_say() {
    let cases = cases();
    assert_eq!(cases.len(), 41, "all report cases");
    let mut failures = Vec::new();
    let mut responses_seen = 0;
    let mut canonical_already = 0;
    for case in &cases {
        let name = case["name"].as_str().expect("name");
        let method = Method::from_name(case["method"].as_str().expect("method")).expect("method");
        let params_json = case["params_json"].as_str().expect("params_json");
        let params = RequestParams::from_json(method, params_json.as_bytes()).expect("params");
        for (i, (result, group)) in responses(case).iter().enumerate() {
            responses_seen += 1;
            let json = serde_json::to_string(result).expect("result serializes");
            let sig = canonical_hash(&params, json.as_bytes()).expect("hashable");
            let grouped = canonical_group_hash(&params, json.as_bytes()).expect("hashable");
            let want_sig = group["sig_hash"].as_str().expect("sig_hash");
            let want_group = group["group_hash"].as_str().expect("group_hash");
            let rewritten = group["rewritten"].as_bool().expect("rewritten");
            if sig.to_string() != want_sig {
                failures.push(format!("{name}[{i}]: signature hash {sig} != {want_sig}"));
            }
            if grouped.to_string() != want_group {
                failures.push(format!("{name}[{i}]: group hash {grouped} != {want_group}"));
            }
            // "Rewrite applied" is "carries a report": a payload that was
            // canonical already keeps its hash though it was rewritten.
            let payload = payload_of(result);
            let carries = Report::decoded_len(&Text::new(&payload)).is_some();
            if carries != rewritten {
                failures.push(format!(
                    "{name}[{i}]: rewrite applied {carries}, want {rewritten}"
                ));
            }
            if !rewritten && sig != grouped {
                failures.push(format!("{name}[{i}]: no rewrite, yet two hashes"));
            }
            if rewritten && sig == grouped {
                canonical_already += 1;
            }
        }
    }
    assert_no_failures(&failures);
    assert!(responses_seen > 100, "only {responses_seen} responses");
    // The vectors do have rewritten payloads whose hash does not change.
    assert!(canonical_already > 0);
}

#[test]
fn report_view_matches_a_naive_decoder_on_every_vector_payload() {
    let mut reports = 0;
    let mut signatures = 0;
    for case in cases() {
        let name = case["name"].as_str().expect("name").to_string();
        for (result, group) in responses(&case) {
            let payload = payload_of(&result);
            let text = Text::new(&payload);
            let naive = reference::go_base64(payload.as_bytes())
                .and_then(|bytes| reference::decode_payload(&bytes));
            assert_eq!(
                naive.is_some(),
                group["rewritten"].as_bool().expect("rewritten"),
                "{name}: the naive decoder disagrees with the vector"
            );
            let Some(naive) = naive else {
                assert!(Report::decoded_len(&text).is_none(), "{name}");
                continue;
            };
            let n = Report::decoded_len(&text).expect("a report");
            assert_eq!(n, naive.bytes.len(), "{name}");
            let mut buf = vec![0u8; n];
            let report = Report::decode(&text, &mut buf).expect("decodes");
            assert_eq!(report.as_bytes(), &naive.bytes[..], "{name}");
            assert_eq!(report.config_digest(), &naive.config_digest[..], "{name}");
            assert_eq!(report.seq_nr(), naive.seq_nr, "{name}");
            assert_eq!(report.report_context(), &naive.report_context[..], "{name}");
            assert_eq!(report.raw_report(), &naive.raw_report[..], "{name}");
            assert_eq!(report.signature_count(), naive.sigs.len(), "{name}");
            let sigs: Vec<(u32, Vec<u8>)> = report
                .signatures()
                .map(|s| (s.signer_id, s.signature.to_vec()))
                .collect();
            assert_eq!(sigs, naive.sigs, "{name}");
            reports += 1;
            signatures += sigs.len();
        }
    }
    assert!(reports > 80, "only {reports} reports");
    assert!(signatures > 100, "only {signatures} signatures");
}

#[test]
fn honest_reports_carry_what_the_vectors_built() {
    // The subsets case: every response carries the same report body, with
    // its 32-byte config digest and sequence number, and 3 or 4 of the
    // OCR signatures of oracles 0-3, each 65 bytes.
    let case = cases()
        .into_iter()
        .find(|c| c["name"] == "report/subsets-of-ocr-signatures")
        .expect("case");
    for (result, _) in responses(&case) {
        let payload = payload_of(&result);
        let text = Text::new(&payload);
        let mut buf = vec![0u8; Report::decoded_len(&text).expect("report")];
        let report = Report::decode(&text, &mut buf).expect("decodes");
        let digest: Vec<u8> = (0xC0..=0xDF).collect();
        assert_eq!(report.config_digest(), &digest[..]);
        assert_eq!(report.seq_nr(), 4242);
        assert!(report
            .raw_report()
            .starts_with(b"\x01report: price=4200000000"));
        assert!((3..=4).contains(&report.signature_count()));
        let mut ids: Vec<u32> = report.signatures().map(|s| s.signer_id).collect();
        assert!(report.signatures().all(|s| s.signature.len() == 65));
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), report.signature_count());
        assert!(ids.iter().all(|&id| id < 4));
    }
}
