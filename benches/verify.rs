//! Verification cost against the cost of the signatures it must check.
//!
//! Bodies come from the signing shim. Every case also records how many
//! ed25519 verifications it performs (from the verdict's stats) in
//! `target/criterion/relay-counts.json`, so `benches/report.py` can turn the
//! timings into the ratios of BENCHMARKS.md.

use std::collections::BTreeMap;
use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use ed25519_compact::{PublicKey, Signature};
use relay_verifier::signing::simulator::{Fault, GatewayFaults, RelayDon, Scenario};
use relay_verifier::signing::{gateway, LogicalResult, SecretValue};
use relay_verifier::{
    canonical_hash, canonical_hash_in, Error, Method, RequestParams, Verdict, Verifier, Workspace,
};
use sha2::{Digest, Sha256};

const SECRETS: &str = r#"{"workflow_id":"wf-0001","owner":"0x1234567890abcdef1234567890ABCDEF12345678",
  "execution_id":"4f1c2d3e","secrets":[{"key":"API_KEY","namespace":"main"},{"key":"DB_URL","namespace":"main"}],
  "enclave_public_key":"04a1b2c3d4e5f607"}"#;
const CAPABILITY: &str = r#"{"workflow_id":"wf-0001","owner":"0x1234567890abcdef1234567890ABCDEF12345678",
  "execution_id":"4f1c2d3e","reference_id":"step-3","capability_id":"http-actions@1.0.0","payload":"cA=="}"#;

fn secrets_params() -> RequestParams<'static> {
    RequestParams::from_json(Method::SecretsGet, SECRETS.as_bytes()).expect("params")
}

fn honest_secrets() -> LogicalResult {
    LogicalResult::Secrets(Some(vec![
        SecretValue {
            key: "API_KEY".into(),
            namespace: "main".into(),
            ciphertext: "Y3QtYXBpLWtleS1jaXBoZXJ0ZXh0".into(),
            encrypted_shares: Some(vec!["czE=".into(), "czI=".into(), "czM=".into()]),
        },
        SecretValue {
            key: "DB_URL".into(),
            namespace: "main".into(),
            ciphertext: "Y3QtZGItdXJs".into(),
            encrypted_shares: Some(vec!["czQ=".into()]),
        },
    ]))
}

/// Verifications and counted signatures per case, for the ratio report.
#[derive(Default)]
struct Counts(BTreeMap<String, (usize, usize, usize)>);

impl Counts {
    fn record(&mut self, name: &str, verifier: &Verifier, params: &RequestParams<'_>, body: &str) {
        let stats = match verifier.verify(params, body.as_bytes()) {
            Verdict::Accept(v) => *v.stats(),
            Verdict::Reject(Error::NoQuorum(q)) => q.stats,
            Verdict::Reject(e) => panic!("{name}: unexpected rejection {e}"),
        };
        let named = stats.candidates
            - stats.skipped.unknown_signer
            - stats.skipped.missing
            - stats.skipped.not_base64
            - stats.skipped.wrong_length;
        self.0.insert(
            name.into(),
            (
                stats.verifications as usize,
                stats.counted as usize,
                named as usize,
            ),
        );
    }

    fn save(&self) {
        let mut out = String::from("{");
        for (i, (k, (v, c, n))) in self.0.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str(&format!(
                "\"{k}\":{{\"verifications\":{v},\"counted\":{c},\"naming_configured\":{n}}}"
            ));
        }
        out.push('}');
        let dir = std::env::var("CARGO_TARGET_DIR").unwrap_or_else(|_| "target".into());
        let _ = std::fs::create_dir_all(format!("{dir}/criterion"));
        let _ = std::fs::write(format!("{dir}/criterion/relay-counts.json"), out);
    }
}

fn baseline(c: &mut Criterion) {
    let don = RelayDon::new(1, 1, 1);
    let params = secrets_params();
    let hash = canonical_hash(&params, honest_secrets().to_go_json().as_bytes()).expect("hash");
    let node = &don.nodes()[0];
    let pk = PublicKey::new(node.public_key());
    let sig = Signature::new(node.sign_hash(&hash));
    let payload = hash.signature_payload();
    let mut g = c.benchmark_group("raw");
    g.bench_function("ed25519_verify_174", |b| {
        b.iter(|| {
            black_box(&pk)
                .verify(black_box(&payload), black_box(&sig))
                .is_ok()
        })
    });
    g.finish();
}

fn honest(c: &mut Criterion, counts: &mut Counts) {
    let mut g = c.benchmark_group("honest");
    let params = secrets_params();
    for (n, f) in [(4, 1), (7, 2), (16, 5), (31, 10)] {
        let don = RelayDon::new(n, f, 7);
        let verifier = Verifier::new(don.config().expect("config"));
        let sim = don
            .run(&params, &honest_secrets(), &Scenario::honest())
            .expect("simulation");
        counts.record(&format!("honest/{n}"), &verifier, &params, &sim.body);
        g.bench_with_input(BenchmarkId::from_parameter(n), &sim.body, |b, body| {
            b.iter(|| {
                verifier
                    .verify(&params, black_box(body.as_bytes()))
                    .is_accept()
            })
        });
        #[cfg(feature = "batch")]
        g.bench_with_input(BenchmarkId::new("batched", n), &sim.body, |b, body| {
            b.iter(|| {
                verifier
                    .verify_batched(&params, black_box(body.as_bytes()))
                    .is_accept()
            })
        });
    }
    g.finish();
}

fn adversarial(c: &mut Criterion, counts: &mut Counts) {
    let mut g = c.benchmark_group("adversarial");
    let params = secrets_params();
    let honest = honest_secrets();
    let (n, f) = (7, 2);
    let don = RelayDon::new(n, f, 9);
    let verifier = Verifier::new(don.config().expect("config"));
    let run = |scenario: &Scenario| {
        don.run(&params, &honest, scenario)
            .expect("simulation")
            .body
    };

    // 40 foreign-key forgeries ahead of an honest quorum of F+1.
    let quorum_only = GatewayFaults {
        drop: (f + 1..n).collect(),
        foreign: 40,
        ..GatewayFaults::default()
    };
    let foreign = {
        let body = run(&Scenario::honest().gateway(quorum_only));
        // Move the honest responses after the junk: the worst order.
        let inner = body
            .trim_start_matches("{\"responses\":[")
            .trim_end_matches("]}");
        let split = nth_response_end(inner, f + 1);
        format!(
            "{{\"responses\":[{},{}]}}",
            &inner[split + 1..],
            &inner[..split]
        )
    };
    // F equivocators, each signing two forged results and the honest one.
    let mut equivocate = Scenario::honest();
    for i in 0..f {
        equivocate = equivocate.faulty(i, [Fault::Forge(0), Fault::Forge(1), Fault::Honest]);
    }
    let equivocators = run(&equivocate);
    // Every signature corrupted but F: one short of quorum.
    let mut corrupt = Scenario::honest();
    for i in f..n {
        corrupt = corrupt.faulty(i, [Fault::CorruptSignature]);
    }
    let corrupted = run(&corrupt);
    // Every response repeated four times.
    let once = don
        .nodes()
        .iter()
        .map(|node| node.respond(&params, &honest).expect("respond"))
        .collect::<Vec<_>>();
    let repeated: Vec<_> = (0..4).flat_map(|_| once.iter()).collect();
    let duplicated = gateway::bundle(repeated);

    for (name, body) in [
        ("foreign_junk_40", foreign),
        ("f_equivocators", equivocators),
        ("corrupted_one_short", corrupted),
        ("duplicated_x4", duplicated),
    ] {
        counts.record(&format!("adversarial/{name}"), &verifier, &params, &body);
        g.bench_with_input(BenchmarkId::from_parameter(name), &body, |b, body| {
            b.iter(|| {
                verifier
                    .verify(&params, black_box(body.as_bytes()))
                    .is_accept()
            })
        });
    }
    g.finish();
}

/// Byte index of the comma after the `k`-th top-level response in `inner`.
fn nth_response_end(inner: &str, k: usize) -> usize {
    let (mut depth, mut seen, mut in_str, mut esc) = (0i32, 0, false, false);
    for (i, ch) in inner.char_indices() {
        match (in_str, esc, ch) {
            (true, true, _) => esc = false,
            (true, false, '\\') => esc = true,
            (true, false, '"') => in_str = false,
            (true, false, _) => {}
            (false, _, '"') => in_str = true,
            (false, _, '{' | '[') => depth += 1,
            (false, _, '}' | ']') => depth -= 1,
            (false, _, ',') if depth == 0 => {
                seen += 1;
                if seen == k {
                    return i;
                }
            }
            _ => {}
        }
    }
    inner.len()
}

fn hashing(c: &mut Criterion) {
    let mut g = c.benchmark_group("hash");
    let params =
        RequestParams::from_json(Method::CapabilityExecute, CAPABILITY.as_bytes()).expect("params");
    let payload: String = (0..1 << 20)
        .map(|i| b"ABCDabcd0123+/xy"[i % 16] as char)
        .collect();
    let result = format!("{{\"payload\":\"{payload}\"}}");
    g.throughput(Throughput::Bytes(result.len() as u64));
    g.bench_function("capability_1mib", |b| {
        b.iter(|| canonical_hash(&params, black_box(result.as_bytes())).expect("hash"))
    });
    g.bench_function("raw_sha256_1mib", |b| {
        b.iter(|| Sha256::digest(black_box(result.as_bytes())))
    });

    let secrets = secrets_params();
    let entries: Vec<String> = (0..256)
        .map(|i| {
            format!(
                r#"{{"id":{{"key":"KEY_{i:03}","namespace":"ns"}},"ciphertext":"Y2lwaGVydGV4dC1vZi1zZWNyZXQ{i:03}=","encrypted_shares":["c2hhcmUtMQ==","c2hhcmUtMg=="]}}"#
            )
        })
        .collect();
    let result = format!("{{\"secrets\":[{}]}}", entries.join(","));
    g.throughput(Throughput::Bytes(result.len() as u64));
    g.bench_function("secrets_256", |b| {
        let mut ws = Box::new(Workspace::<256, 4>::new());
        b.iter(|| canonical_hash_in(&secrets, black_box(result.as_bytes()), &mut ws).expect("hash"))
    });
    g.bench_function("raw_sha256_secrets_256", |b| {
        b.iter(|| Sha256::digest(black_box(result.as_bytes())))
    });
    g.finish();
}

fn all(c: &mut Criterion) {
    let mut counts = Counts::default();
    baseline(c);
    honest(c, &mut counts);
    adversarial(c, &mut counts);
    hashing(c);
    counts.save();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(30)
        .warm_up_time(std::time::Duration::from_millis(500))
        .measurement_time(std::time::Duration::from_secs(2));
    targets = all
}
criterion_main!(benches);
