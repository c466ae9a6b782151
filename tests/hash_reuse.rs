//! The verifier shares work between the hashes of one body's responses:
//! the request's part of every hash is written once, and a §11 group hash
//! is reused for the next response whose canonical form is byte for byte
//! the same. Neither may change a hash. Here every candidate's traced
//! signature hash and group hash are held to `canonical_hash` and
//! `canonical_group_hash` of its own response's result, computed alone,
//! over bundles of report payloads that agree or differ in every part of
//! the canonical form, spelled plainly or with JSON escapes, with their
//! OCR signatures before or after the report's fields (so the same form
//! sits at other offsets of the text). Since the tally sees nothing of a
//! response but these two hashes, its signer and its signature, equal
//! hashes mean an unchanged verdict, stats and trace.
#![cfg(feature = "signing")]

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use proptest::prelude::*;
use relay_verifier::signing::report::{length_delimited_field as ld, varint_field};
use relay_verifier::signing::simulator::{Fault, GatewayFaults, RelayDon, Scenario};
use relay_verifier::signing::{LogicalResult, SecretValue};
use relay_verifier::{
    canonical_group_hash, canonical_hash, CandidateTrace, Method, RequestParams, Verdict, Verifier,
    Workspace,
};

const PARAMS: &str = r#"{"workflow_id":"wf-0001","owner":"0x1234567890abcdef1234567890ABCDEF12345678","execution_id":"4f1c2d3e","org_id":"org-7","reference_id":"step-3","capability_id":"consensus@1.0.0-alpha","payload":"cmVxdWVzdCBib2R5"}"#;

/// Verifies `body` and collects what became of every candidate.
fn traced<'a>(
    verifier: &'a Verifier,
    params: &'a RequestParams<'a>,
    body: &'a str,
) -> (Verdict<'a>, Vec<CandidateTrace>) {
    let mut traces = Vec::new();
    let verdict = verifier.verify_traced(
        params,
        body.as_bytes(),
        &mut Workspace::<64, 64>::new(),
        |t| traces.push(t),
    );
    (verdict, traces)
}

/// One response's result, by the choices that make its canonical form
/// (or no form at all) and its text.
#[derive(Clone, Debug)]
struct Variant {
    digest: u8,
    seq_nr: u8,
    context: u8,
    raw: u8,
    unknown: bool,
    /// OCR signatures carried: bit i for oracle i.
    sigs: u8,
    sigs_first: bool,
    /// 0 plain, 1 `\/` escapes, 2 an escaped CR LF, 3 not a report.
    spelling: u8,
    error: bool,
}

fn variant() -> impl Strategy<Value = Variant> {
    (
        (0..2u8, 0..3u8, 0..2u8, 0..3u8, prop::bool::weighted(0.15)),
        (
            any::<u8>(),
            any::<bool>(),
            0..8u8,
            prop::bool::weighted(0.2),
        ),
    )
        .prop_map(
            |((digest, seq_nr, context, raw, unknown), (sigs, sigs_first, spelling, error))| {
                Variant {
                    digest,
                    seq_nr,
                    context,
                    raw,
                    unknown,
                    sigs,
                    sigs_first,
                    // Mostly plain, as honest nodes write.
                    spelling: spelling.saturating_sub(4),
                    error,
                }
            },
        )
}

impl Variant {
    fn payload(&self) -> Vec<u8> {
        let digest: Vec<u8> = if self.digest == 0 {
            (0xC0..=0xDF).collect()
        } else {
            Vec::new()
        };
        let mut raw: Vec<u8> = b"\x01report: price=4200000000 ".to_vec();
        match self.raw {
            0 => {}
            1 => *raw.last_mut().unwrap() = b'!',
            _ => raw.push(b'+'),
        }
        let mut fields = ld(1, &digest);
        if self.seq_nr > 0 {
            fields.extend(varint_field(2, [0, 4242, 4243][usize::from(self.seq_nr)]));
        }
        fields.extend(ld(3, &[0x30 + self.context; 40]));
        fields.extend(ld(4, &raw));
        if self.unknown {
            fields.extend(ld(9, b"kept"));
        }
        let mut sigs = Vec::new();
        for oracle in 0..8u8 {
            if self.sigs & (1 << oracle) != 0 {
                // 64 to 71 bytes: the fields land at every offset mod 3.
                let mut sig = ld(1, &vec![0x50 + oracle; 64 + usize::from(oracle)]);
                sig.extend(varint_field(2, u64::from(oracle)));
                sigs.extend(ld(5, &sig));
            }
        }
        let report = if self.sigs_first {
            [sigs, fields].concat()
        } else {
            [fields, sigs].concat()
        };
        let any = [
            ld(1, b"type.googleapis.com/sdk.v1alpha.ReportResponse"),
            ld(2, &report),
        ]
        .concat();
        ld(1, &any)
    }

    /// The result as JSON text.
    fn result_json(&self) -> String {
        let text = if self.spelling == 3 {
            "cA==".to_string()
        } else {
            STANDARD.encode(self.payload())
        };
        let spelled = match self.spelling {
            1 => text.replace('/', "\\/"),
            2 => format!("{}\\r\\n{}", &text[..20], &text[20..]),
            _ => text,
        };
        let error = if self.error { r#","error":"late""# } else { "" };
        format!(r#"{{"payload":"{spelled}"{error}}}"#)
    }
}

fn params() -> RequestParams<'static> {
    RequestParams::from_json(Method::CapabilityExecute, PARAMS.as_bytes()).unwrap()
}

/// Verifies a bundle of `variants`, response i signed by node `i % n`
/// over its hash as sent, and holds every traced hash to the hashes of
/// that response's result computed alone. Returns how many responses
/// share their group hash with the one before while their signature
/// hashes differ (where reuse can apply).
fn check(variants: &[Variant], n: usize, f: usize) -> usize {
    let params = params();
    let don = RelayDon::new(n, f, 3);
    let verifier = Verifier::new(don.config().unwrap());
    let results: Vec<String> = variants.iter().map(Variant::result_json).collect();
    let hashes: Vec<_> = results
        .iter()
        .map(|r| {
            (
                canonical_hash(&params, r.as_bytes()).unwrap(),
                canonical_group_hash(&params, r.as_bytes()).unwrap(),
            )
        })
        .collect();
    let responses: Vec<String> = results
        .iter()
        .zip(&hashes)
        .enumerate()
        .map(|(i, (result, (signature_hash, _)))| {
            let node = &don.nodes()[i % n];
            format!(
                r#"{{"result":{result},"signature":{{"signer":"{}","signature":"{}"}}}}"#,
                STANDARD.encode(node.public_key()),
                STANDARD.encode(node.sign_hash(signature_hash)),
            )
        })
        .collect();
    let body = format!(r#"{{"responses":[{}]}}"#, responses.join(","));
    let (verdict, traces) = traced(&verifier, &params, &body);
    assert_eq!(traces.len(), variants.len(), "one candidate per response");
    for t in &traces {
        let (signature_hash, group_hash) = hashes[t.response];
        assert_eq!(t.hash, Some(signature_hash), "response {}", t.response);
        assert_eq!(t.group_hash, Some(group_hash), "response {}", t.response);
        // A node signing the same form twice is counted once; the rest count.
        assert!(matches!(
            t.outcome,
            Ok(())
                | Err(relay_verifier::SkipCause::AlreadyCounted)
                | Err(relay_verifier::SkipCause::Equivocation)
        ));
    }
    if let Verdict::Accept(v) = &verdict {
        let i = v.index().unwrap();
        assert_eq!(*v.hash(), hashes[i].1);
        assert_eq!(*v.signature_hash(), hashes[i].0);
    }
    hashes
        .windows(2)
        .filter(|w| w[0].1 == w[1].1 && w[0].0 != w[1].0)
        .count()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn reused_hashes_are_the_hashes(picks in prop::collection::vec((variant(), any::<bool>()), 1..10)) {
        // Now and then the previous result again, byte for byte.
        let mut variants: Vec<Variant> = Vec::new();
        for (v, again) in picks {
            let v = match variants.last() {
                Some(last) if again => last.clone(),
                _ => v,
            };
            variants.push(v);
        }
        check(&variants, 7, 2);
    }

    /// Secrets bundles of the simulated DON: honest results repeat byte
    /// for byte; forged, relabelled and stapled ones lie in between.
    #[test]
    fn secrets_hashes_are_the_hashes(seed in any::<u64>(), shuffle in any::<u64>(), duplicate in 0..4usize) {
        check_secrets(seed, shuffle, duplicate);
    }

    /// Honest report responses: one form, each node with its own subset
    /// of the OCR signatures, now and then a different form in between.
    #[test]
    fn honest_subsets_share_one_form(
        sigs in prop::collection::vec((any::<u8>(), any::<bool>(), prop::bool::weighted(0.1)), 4..16),
    ) {
        let honest = Variant {
            digest: 0, seq_nr: 1, context: 0, raw: 0, unknown: false,
            sigs: 0, sigs_first: false, spelling: 0, error: false,
        };
        let variants: Vec<Variant> = sigs
            .iter()
            .map(|&(sigs, sigs_first, other)| Variant {
                sigs,
                sigs_first,
                raw: if other { 2 } else { 0 },
                ..honest.clone()
            })
            .collect();
        check(&variants, 16, 5);
    }
}

#[test]
fn honest_subsets_group_together() {
    let variants: Vec<Variant> = (0..8u8)
        .map(|i| Variant {
            digest: 0,
            seq_nr: 1,
            context: 0,
            raw: 0,
            unknown: false,
            sigs: 0b1111_0000u8.rotate_left(u32::from(i)),
            sigs_first: i % 3 == 0,
            spelling: u8::from(i == 5),
            error: false,
        })
        .collect();
    // Seven of eight follow one of the same form with other signatures.
    assert_eq!(check(&variants, 4, 1), 7);
}

/// A simulated secrets bundle: every traced hash is the hash of its own
/// response's result, computed alone.
fn check_secrets(seed: u64, shuffle: u64, duplicate: usize) {
    let params = RequestParams::from_json(
        Method::SecretsGet,
        br#"{"workflow_id":"wf","owner":"0x1234567890abcdef1234567890ABCDEF12345678",
             "execution_id":"e","secrets":[{"key":"K","namespace":"n"}],"enclave_public_key":"04"}"#,
    )
    .unwrap();
    let honest = LogicalResult::Secrets(Some(vec![SecretValue {
        key: "K".into(),
        namespace: "n".into(),
        ciphertext: "Y3Q=".into(),
        encrypted_shares: Some(vec!["czE=".into(), "czI=".into()]),
    }]));
    let don = RelayDon::new(7, 2, seed);
    let verifier = Verifier::new(don.config().unwrap());
    let scenario = Scenario::honest()
        .faulty(0, [Fault::Forge(0), Fault::Honest])
        .faulty(1, [Fault::Relabel, Fault::Staple])
        .gateway(GatewayFaults {
            shuffle: Some(shuffle),
            duplicate,
            ..GatewayFaults::default()
        });
    let body = don.run(&params, &honest, &scenario).unwrap().body;
    let parsed: serde_json::Value = serde_json::from_str(&body).unwrap();
    let results: Vec<String> = parsed["responses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["result"].to_string())
        .collect();
    let (verdict, traces) = traced(&verifier, &params, &body);
    assert!(verdict.is_accept());
    let mut hashed = 0;
    for t in &traces {
        if let Some(hash) = t.hash {
            let want = canonical_hash(&params, results[t.response].as_bytes()).unwrap();
            assert_eq!(hash, want, "response {}", t.response);
            assert_eq!(t.group_hash, Some(want));
            hashed += 1;
        }
    }
    assert!(hashed >= 5, "the honest responses were hashed");
}
