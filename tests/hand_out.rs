//! PROTOCOL.md §11, "What is handed out": the merge rules one at a time, on
//! bundles whose OCR signatures are chosen by hand.
#![cfg(feature = "signing")]

use relay_verifier::signing::report::{ConsensusReport, OcrSignature};
use relay_verifier::signing::{gateway, LogicalResult, RelayNode};
use relay_verifier::{
    Config, HandOutError, Method, ReportPayload, RequestParams, SignerSet, Verifier,
};

const PARAMS: &str = r#"{"workflow_id":"wf","owner":"0x1234567890abcdef1234567890ABCDEF12345678",
  "execution_id":"e","reference_id":"r","capability_id":"c","payload":"cA=="}"#;

fn sig(id: u32, bytes: &[u8]) -> OcrSignature {
    OcrSignature {
        signer_id: id,
        signature: bytes.to_vec(),
    }
}

/// Verifies a bundle of one response per list (node `i` carries
/// `lists[i]`) and returns the merged list and each counted response's
/// (index, signature ids).
#[allow(clippy::type_complexity)]
fn hand_out(
    lists: &[Vec<OcrSignature>],
) -> (Vec<(u32, Vec<u8>, u32)>, Vec<(Option<usize>, Vec<u32>)>) {
    let params = RequestParams::from_json(Method::CapabilityExecute, PARAMS.as_bytes()).unwrap();
    let nodes: Vec<RelayNode> = (1..=4u8).map(|i| RelayNode::from_seed([i; 32])).collect();
    let keys: Vec<[u8; 32]> = nodes.iter().map(RelayNode::public_key).collect();
    let report = ConsensusReport::sample(9, 0);
    let responses: Vec<_> = lists
        .iter()
        .zip(&nodes)
        .map(|(list, node)| {
            let answer = LogicalResult::Capability {
                payload: report.payload_with(list),
                error: String::new(),
            };
            node.respond(&params, &answer).unwrap()
        })
        .collect();
    let body = gateway::bundle(&responses);
    let verifier = Verifier::new(Config::new(SignerSet::new(&keys).unwrap(), 1).unwrap());
    let v = verifier
        .verify(&params, body.as_bytes())
        .into_result()
        .unwrap();
    let h = v.report_hand_out().expect("a report");
    let need = h.work_len().unwrap();
    let mut work = vec![0u8; need];
    assert_eq!(
        h.decode(&mut work[..need - 1]).err(),
        Some(HandOutError::WorkTooSmall { needed: need })
    );
    let out = h.decode(&mut work).unwrap();
    // The payload is R with the merged pairs, as the Go side encodes it.
    let merged: Vec<_> = out
        .merged()
        .map(|m| (m.signer_id, m.signature.to_vec(), m.carriers))
        .collect();
    let pairs: Vec<_> = merged.iter().map(|(id, s, _)| sig(*id, s)).collect();
    let mut payload = vec![0u8; out.payload_len().unwrap()];
    let n = out.write_payload(&mut payload).unwrap();
    assert_eq!(
        std::str::from_utf8(&payload[..n]).unwrap(),
        report.payload_with(&pairs)
    );
    assert!(out.write_payload(&mut payload[..n - 1]).is_none());
    let mut streamed = Vec::new();
    out.stream_payload(&mut |c| streamed.extend_from_slice(c))
        .unwrap();
    assert_eq!(streamed, payload);
    // The encoder over the same selection writes the same bytes.
    let again = ReportPayload::new(out.report(), out.merged_pairs(1));
    assert_eq!(again.base64_len(), Some(n));
    let counted = out
        .counted()
        .map(|c| (c.index, c.signatures.map(|s| s.signer_id).collect()))
        .collect();
    (merged, counted)
}

#[test]
fn a_pair_carried_twice_by_one_response_counts_once() {
    let (merged, counted) = hand_out(&[
        vec![sig(1, b"bb"), sig(1, b"bb"), sig(2, b"x")],
        vec![sig(2, b"x")],
    ]);
    assert_eq!(counted, vec![(Some(0), vec![1, 1, 2]), (Some(1), vec![2])]);
    assert_eq!(merged, vec![(2, b"x".to_vec(), 2), (1, b"bb".to_vec(), 1)]);
}

#[test]
fn per_signer_id_the_most_carried_then_the_smallest_signature() {
    let (merged, _) = hand_out(&[
        vec![sig(1, b"bb"), sig(3, b"zz")],
        vec![sig(1, b"aa"), sig(3, b"yy")],
        vec![sig(1, b"bb")],
    ]);
    // id 1: "bb" twice beats "aa" once; id 3: a tie, "yy" < "zz".
    assert_eq!(merged, vec![(1, b"bb".to_vec(), 2), (3, b"yy".to_vec(), 1)]);
}

#[test]
fn order_is_carriers_then_signer_id_and_zero_fields_are_omitted() {
    let (merged, _) = hand_out(&[
        vec![sig(7, b"s7"), sig(0, b"s0"), sig(5, b"")],
        vec![sig(7, b"s7"), sig(5, b"")],
        vec![sig(0, b"s0"), sig(7, b"s7")],
    ]);
    assert_eq!(
        merged,
        vec![
            (7, b"s7".to_vec(), 3),
            (0, b"s0".to_vec(), 2),
            (5, Vec::new(), 2)
        ]
    );
}

#[test]
fn no_signatures_anywhere_hands_out_the_bare_report() {
    let (merged, counted) = hand_out(&[vec![], vec![]]);
    assert!(merged.is_empty());
    assert_eq!(counted.len(), 2);
}

/// A merged envelope (one response, every signer's signature on it): each
/// counted signer's vote is that one response, read once, and each pair it
/// carries has one carrier per counted signer.
#[test]
fn a_merged_envelope_counts_one_carrier_per_signer() {
    let params = RequestParams::from_json(Method::CapabilityExecute, PARAMS.as_bytes()).unwrap();
    let nodes: Vec<RelayNode> = (1..=4u8).map(|i| RelayNode::from_seed([i; 32])).collect();
    let keys: Vec<[u8; 32]> = nodes.iter().map(RelayNode::public_key).collect();
    let report = ConsensusReport::sample(9, 3);
    let answer = LogicalResult::Capability {
        payload: report.payload_with(&report.ocr_signatures),
        error: String::new(),
    };
    let result = answer.to_go_json();
    let hash = relay_verifier::signing::hash_any_size(&params, result.as_bytes()).unwrap();
    let body = gateway::merge(
        &result,
        nodes[..3].iter().map(|n| n.signature(&hash)).collect(),
    );
    let verifier = Verifier::new(Config::new(SignerSet::new(&keys).unwrap(), 1).unwrap());
    let v = verifier
        .verify(&params, body.as_bytes())
        .into_result()
        .unwrap();
    assert_eq!(v.index(), None);
    let h = v.report_hand_out().unwrap();
    let mut work = vec![0u8; h.work_len().unwrap()];
    let out = h.decode(&mut work).unwrap();
    assert!(out
        .counted()
        .all(|c| c.index.is_none() && c.signatures.count() == 3));
    assert_eq!(out.counted().count(), 3);
    let merged: Vec<_> = out.merged().map(|m| (m.signer_id, m.carriers)).collect();
    assert_eq!(merged, vec![(0, 3), (1, 3), (2, 3)]);
    let mut payload = vec![0u8; out.payload_len().unwrap()];
    let n = out.write_payload(&mut payload).unwrap();
    assert_eq!(
        std::str::from_utf8(&payload[..n]).unwrap(),
        report.payload_with(&report.ocr_signatures)
    );
}
