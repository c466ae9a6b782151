//! A simulated relay DON of 7 nodes, 2 of them faulty, answers a secrets
//! request, a capability request and a capability request whose answer is a
//! consensus report, through an untrusted gateway; the enclave side verifies
//! each body and the report says who did what, which signatures counted,
//! why the others did not, and the verdict. In the third, every honest node
//! sends the report with its own OCR signatures, so no two answers hash
//! alike: they are accepted because they share one group hash (§11).
//! Last, the enclave's own state ([`state`]): a compute request run once
//! and its replays refused, and the signer set rotated by votes.
//!
//! ```sh
//! cargo run --example relay_don --features signing
//! ```

// The error carries the no-quorum diagnosis inline (no heap): large by design.
#![allow(clippy::result_large_err)]

mod state;

use relay_verifier::signing::report::ConsensusReport;
use relay_verifier::signing::simulator::{Fault, GatewayFaults, RelayDon, Scenario, Simulation};
use relay_verifier::signing::{LogicalResult, SecretValue};
use relay_verifier::{CandidateTrace, Method, RequestParams, Verdict, Verifier, Workspace};

const SECRETS_PARAMS: &str = r#"{"workflow_id":"wf-0001","owner":"0x1234567890abcdef1234567890ABCDEF12345678",
  "execution_id":"4f1c2d3e","secrets":[{"key":"API_KEY","namespace":"main"},
  {"key":"DB_URL","namespace":"main"},{"key":"TOKEN","namespace":"ops"}],
  "enclave_public_key":"04a1b2c3d4e5f607"}"#;

const CAPABILITY_PARAMS: &str = r#"{"workflow_id":"wf-0001","owner":"0x1234567890abcdef1234567890ABCDEF12345678",
  "execution_id":"4f1c2d3e","reference_id":"step-3","capability_id":"http-actions@1.0.0",
  "payload":"R0VUIC9wcmljZQ=="}"#;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let don = RelayDon::new(7, 2, 2026);
    let verifier = Verifier::new(don.config()?);

    let secrets = RequestParams::from_json(Method::SecretsGet, SECRETS_PARAMS.as_bytes())?;
    let honest = LogicalResult::Secrets(Some(vec![
        secret("API_KEY", "main", "Y3QtYXBp", &["czE=", "czI="]),
        secret("DB_URL", "main", "Y3QtZGI=", &["czM="]),
    ]));
    // Node 1 equivocates and relabels; node 5 staples node 0's signature
    // onto a forgery and sends junk. The gateway loses node 6's answer,
    // repeats one response, pads with junk and a foreign forgery, shuffles.
    let scenario = Scenario::honest()
        .faulty(1, [Fault::Forge(0), Fault::Forge(1), Fault::Relabel])
        .faulty(5, [Fault::Staple, Fault::Junk, Fault::TruncateSignature])
        .gateway(GatewayFaults {
            drop: vec![6],
            shuffle: Some(11),
            duplicate: 1,
            junk: 1,
            foreign: 1,
            merge: false,
        });
    report(
        &don,
        &verifier,
        "secrets request",
        &secrets,
        &honest,
        &scenario,
    )?;

    let capability =
        RequestParams::from_json(Method::CapabilityExecute, CAPABILITY_PARAMS.as_bytes())?;
    let honest = LogicalResult::Capability {
        payload: "eyJwcmljZSI6IDQyfQ==".into(),
        error: String::new(),
    };
    // Both faulty nodes sign the same forged answer: two votes, one short.
    let scenario = Scenario::honest()
        .faulty(2, [Fault::Forge(0), Fault::Foreign])
        .faulty(4, [Fault::Forge(0), Fault::CorruptSignature])
        .gateway(GatewayFaults {
            drop: vec![0, 3],
            shuffle: Some(5),
            ..GatewayFaults::default()
        });
    report(
        &don,
        &verifier,
        "capability request",
        &capability,
        &honest,
        &scenario,
    )?;

    // A consensus report: each honest node attaches the OCR signatures it
    // collected. Node 2 signs two other report bodies; node 4 signs a
    // payload that is not protobuf and the honest report with every OCR
    // signature stripped, which counts in the honest group, and the gateway
    // puts it first: the enclave does not forward those bytes, but a payload
    // rebuilt from the report and every counted node's OCR signatures.
    let honest = LogicalResult::Report(ConsensusReport::sample(2026, 7));
    let scenario = Scenario::honest()
        .faulty(2, [Fault::Forge(0), Fault::Forge(1)])
        .faulty(4, [Fault::StripOcr, Fault::JunkReport])
        .gateway(GatewayFaults {
            drop: vec![5],
            shuffle: Some(2),
            ..GatewayFaults::default()
        });
    report(
        &don,
        &verifier,
        "capability request answered with a consensus report",
        &capability,
        &honest,
        &scenario,
    )?;
    state::act()
}

fn secret(key: &str, namespace: &str, ciphertext: &str, shares: &[&str]) -> SecretValue {
    SecretValue {
        key: key.into(),
        namespace: namespace.into(),
        ciphertext: ciphertext.into(),
        encrypted_shares: Some(shares.iter().map(|s| s.to_string()).collect()),
    }
}

fn report(
    don: &RelayDon,
    verifier: &Verifier,
    title: &str,
    params: &RequestParams<'_>,
    honest: &LogicalResult,
    scenario: &Scenario,
) -> Result<(), relay_verifier::Error> {
    let sim = don.run(params, honest, scenario)?;
    let f = verifier.config().f();
    println!(
        "== {title} ({}): {} relay nodes, F = {f}, quorum {}",
        params.method().name(),
        don.nodes().len(),
        verifier.config().threshold()
    );
    println!(
        "   honest result hash {}",
        short(&sim.honest_hash.to_string())
    );
    for i in 0..don.nodes().len() {
        match scenario.faulty.get(&i) {
            Some(faults) => println!("   node {i}: FAULTY {faults:?}"),
            None if scenario.gateway.drop.contains(&i) => {
                println!("   node {i}: honest, but the gateway drops its answer")
            }
            None => println!("   node {i}: honest"),
        }
    }
    println!(
        "   gateway: {} responses, {} bytes, {} honest nodes' answers reach the enclave\n",
        sim.origins.len(),
        sim.body.len(),
        sim.honest_in_body
    );

    // The enclave's side: one call; the trace explains every candidate.
    let mut traces: Vec<CandidateTrace> = Vec::new();
    let verdict = verifier.verify_traced(
        params,
        sim.body.as_bytes(),
        &mut Workspace::<64, 64>::new(),
        |t| traces.push(t),
    );
    print_responses(don, &sim, &traces);
    match verdict {
        Verdict::Accept(v) => {
            let who: Vec<String> = v.signers().map(|k| name(don, k)).collect();
            println!(
                "\n   ACCEPT {} — signed by {} ({}), result read from response {}",
                short(&v.hash().to_string()),
                who.len(),
                who.join(", "),
                v.index().map_or("-".into(), |i| i.to_string())
            );
            println!(
                "   the honest result: {}",
                if *v.hash() == sim.honest_hash {
                    "yes"
                } else {
                    "NO"
                }
            );
            if let Some(checked) = v.secrets() {
                match checked {
                    Ok(order) => {
                        for s in order.iter() {
                            let state = s.entry.map_or("missing".to_string(), |e| {
                                format!(
                                    "present, encrypted shares: {}",
                                    e.encrypted_shares().count()
                                )
                            });
                            println!("   secret {}/{}: {state}", s.id.namespace, s.id.key);
                        }
                    }
                    Err(e) => println!("   post-check failed: {e}"),
                }
            }
            if let Some(c) = v.capability() {
                let p = c.payload.to_string();
                println!("   capability payload {}", short_text(&p, 48));
            }
            if let Some(hand_out) = v.report_hand_out() {
                print_hand_out(don, &v, &hand_out);
            }
            println!("   {}", v.stats());
        }
        Verdict::Reject(e) => println!("\n   REJECT {}: {e}", e.reason()),
    }
    println!();
    Ok(())
}

/// The §11 hand-out of a report: the report the quorum attested, the OCR
/// signatures each counted node carried, their merge and the payload
/// rebuilt from those, beside the verified response's own bytes.
fn print_hand_out(
    don: &RelayDon,
    v: &relay_verifier::VerifiedResponse<'_>,
    hand_out: &relay_verifier::ReportHandOut<'_>,
) {
    println!(
        "   a report: its own signature was over {}, its group is {}",
        short(&v.signature_hash().to_string()),
        short(&v.hash().to_string())
    );
    let mut work = vec![0u8; hand_out.work_len().unwrap_or(0)];
    let Ok(out) = hand_out.decode(&mut work) else {
        println!("   the hand-out could not be read");
        return;
    };
    let r = out.report();
    println!(
        "   report R: seq_nr {}, config digest {}, raw report {:?}",
        r.seq_nr(),
        short(&hex(r.config_digest())),
        String::from_utf8_lossy(r.raw_report()),
    );
    for c in out.counted() {
        let ids: Vec<u32> = c.signatures.map(|s| s.signer_id).collect();
        println!(
            "   counted response {} from {}: OCR signatures of ids {ids:?}",
            c.index.map_or("-".to_string(), |i| i.to_string()),
            name(don, c.signer)
        );
    }
    let merged: Vec<String> = out
        .merged()
        .map(|m| format!("{}×{}", m.signer_id, m.carriers))
        .collect();
    println!(
        "   merged OCR signatures (id×carriers): {}",
        merged.join(" ")
    );
    let mut payload = vec![0u8; out.payload_len().unwrap_or(0)];
    let n = out.write_payload(&mut payload).unwrap_or(0);
    let payload = String::from_utf8_lossy(&payload[..n]).into_owned();
    let sent = v
        .capability_as_sent()
        .map(|c| c.payload.to_string())
        .unwrap_or_default();
    println!(
        "   handed out: payload of {} characters {}",
        payload.len(),
        short_text(&payload, 40)
    );
    println!(
        "   (response {} as its one node sent it: {} characters, not handed out)",
        v.index().map_or("-".to_string(), |i| i.to_string()),
        sent.len()
    );
}

fn print_responses(don: &RelayDon, sim: &Simulation, traces: &[CandidateTrace]) {
    println!("   #   from      what");
    for (i, origin) in sim.origins.iter().enumerate() {
        let from = origin
            .node
            .map_or("gateway".to_string(), |n| format!("node {n}"));
        println!("   {i:<3} {from:<9} {}", origin.what);
        for t in traces.iter().filter(|t| t.response == i) {
            let label = t.signer.map_or("?".to_string(), |k| name(don, &k));
            let result = |h: relay_verifier::CanonicalHash| {
                if h == sim.honest_hash {
                    "the honest result".to_string()
                } else {
                    short(&h.to_string())
                }
            };
            let on = match (t.hash, t.group_hash) {
                (Some(h), Some(g)) if g != h => {
                    format!(
                        " over {}, grouped under {}",
                        short(&h.to_string()),
                        result(g)
                    )
                }
                (Some(h), _) => format!(" over {}", result(h)),
                _ => String::new(),
            };
            match t.outcome {
                Ok(()) => println!("         - {label}{on}: counted"),
                Err(cause) => println!("         - {label}{on}: skipped, {cause}"),
            }
        }
    }
}

fn name(don: &RelayDon, key: &[u8; 32]) -> String {
    don.signer_keys()
        .iter()
        .position(|k| k == key)
        .map_or("a foreign key".to_string(), |i| format!("node {i}"))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn short_text(text: &str, n: usize) -> String {
    match text.get(..n) {
        Some(head) if text.len() > n => format!("{head}… ({} bytes)", text.len()),
        _ => text.to_string(),
    }
}

fn short(hex: &str) -> String {
    format!("{}…", hex.get(..12).unwrap_or(hex))
}
