//! Target `compute`: batches of signed compute requests (PROTOCOL.md §12).
//!
//! The first byte picks the mode. Even: the rest is a raw body, verified
//! and held to invariants (every counted entry really carries a valid
//! signature of its signer over the winning hash, the stats add up, the
//! cheaper precomputed trial reaches the same verdict). Odd: the rest
//! describes a batch (`arbitrary`) built with the signing side from the
//! vectors' Workflow keys and requests, and the verdict must equal a model
//! of §12 and §7 rules 3–4 that knows which signatures are genuine.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

use arbitrary::{Arbitrary, Unstructured};
use base64::engine::general_purpose::STANDARD;
use ed25519_compact::{PublicKey, Signature};
use relay_verifier::signing::compute::{ComputeRequestData, SignedComputeRequest, WorkflowNode};
use relay_verifier::{
    CanonicalHash, ComputeError, ComputeRequest, ComputeStats, ComputeVerdict, Config, EntrySkip,
    EntryTrace, SignerSet, Verifier,
};
use serde_json::Value;

/// Compiled in, so that a fuzz binary needs no file at run time.
pub const COMPUTE_VECTORS: &str = include_str!("../../../shared/vectors/compute/compute.json");

/// Workflow keys a fuzzed signer set draws from (the vectors' first seven).
const UNIVERSE: usize = 7;
/// Most entries per structured batch.
const MAX_ENTRIES: usize = 12;

/// The fixed inputs: keys and request templates from compute.json.
pub struct ComputeFixtures {
    /// The vectors' keys, in file order (relay-node-0..3, foreign, 4..).
    pub nodes: Vec<WorkflowNode>,
    /// A key in no signer set.
    pub foreign: WorkflowNode,
    /// Distinct requests: the hash cases' and the invalid one of the batches.
    pub templates: Vec<ComputeRequestData>,
    /// All of the universe with F = 2: the raw mode's verifier.
    pub verifier: Verifier,
}

/// The vector file, parsed.
pub fn vectors() -> &'static Value {
    static V: OnceLock<Value> = OnceLock::new();
    V.get_or_init(|| serde_json::from_str(COMPUTE_VECTORS).expect("compute.json is JSON"))
}

/// The fixtures, built on first use.
pub fn fixtures() -> &'static ComputeFixtures {
    static F: OnceLock<ComputeFixtures> = OnceLock::new();
    F.get_or_init(|| {
        let v = vectors();
        let mut relay = Vec::new();
        let mut foreign = None;
        for k in v["keys"].as_array().expect("keys") {
            let mut seed = [0u8; 32];
            hex::decode_to_slice(k["seed"].as_str().expect("seed"), &mut seed).expect("hex");
            let node = WorkflowNode::from_seed(seed);
            if k["name"].as_str().is_some_and(|n| n.starts_with("foreign")) {
                foreign.get_or_insert(node);
            } else if relay.len() < UNIVERSE {
                relay.push(node);
            }
        }
        let mut templates: Vec<ComputeRequestData> = Vec::new();
        let mut add = |json: &str| {
            let r = ComputeRequestData::from_json(json.as_bytes()).expect("a vector request reads");
            if templates.iter().all(|t| t.hash() != r.hash()) {
                templates.push(r);
            }
        };
        for case in v["hash_cases"].as_array().expect("hash_cases") {
            add(case["request_json"].as_str().expect("request_json"));
        }
        for case in v["verify_cases"].as_array().expect("verify_cases") {
            if case["expect"]["reason"] == "invalid_request" {
                let items: Vec<Value> =
                    serde_json::from_str(case["body_json"].as_str().expect("body")).expect("array");
                add(&items[0].to_string());
            }
        }
        let keys: Vec<[u8; 32]> = relay.iter().map(WorkflowNode::public_key).collect();
        let config = Config::new(SignerSet::new(&keys).expect("distinct"), 2).expect("F = 2");
        ComputeFixtures {
            nodes: relay,
            foreign: foreign.expect("a foreign key"),
            templates,
            verifier: Verifier::new(config),
        }
    })
}

/// Entry point of the target.
pub fn run(data: &[u8]) {
    match data.split_first() {
        Some((mode, rest)) if mode % 2 == 1 => structured(rest),
        Some((_, rest)) => raw(rest),
        None => {}
    }
}

/// Raw bytes as a body: invariants only.
fn raw(body: &[u8]) {
    let verifier = &fixtures().verifier;
    let mut traces = Vec::new();
    let verdict = verifier.verify_compute_traced(body, |t| traces.push(t));
    invariants(verifier, body, &verdict, &traces);
}

/// The stats of a verdict that read the whole batch.
fn stats_of(v: &ComputeVerdict<'_>) -> Option<ComputeStats> {
    match v {
        ComputeVerdict::Accept(a) => Some(*a.stats()),
        ComputeVerdict::Reject(ComputeError::NoQuorum(q)) => Some(q.stats),
        ComputeVerdict::Reject(_) => None,
    }
}

/// What must hold of any verdict on any body.
pub fn invariants(
    verifier: &Verifier,
    body: &[u8],
    verdict: &ComputeVerdict<'_>,
    traces: &[EntryTrace],
) {
    let config = verifier.config();
    let n = config.signers().len() as u32;
    let _ = format!("{verdict:?}");
    let trials: u32 = traces.iter().map(|t| t.trials).sum();
    // PROTOCOL.md §12's bounded work: at most 2N entries tried, at most N
    // trials each, whatever the body.
    assert!(trials <= 2 * n * n, "{trials} verifications, N = {n}");
    if let Some(s) = stats_of(verdict) {
        assert!(s.verifications <= 2 * n * n, "{s}, N = {n}");
        assert_eq!(s.entries as usize, traces.len());
        assert_eq!(
            s.counted
                + s.missing
                + s.wrong_length
                + s.no_key
                + s.equivocation
                + s.all_counted
                + s.repeats
                + s.over_capacity,
            s.entries,
            "{s:?}"
        );
        assert_eq!(s.over_capacity, s.entries.saturating_sub(2 * n), "{s:?}");
        assert!(s.verifications <= s.entries.saturating_mul(n), "{s:?}");
        assert_eq!(trials, s.verifications);
        for t in traces {
            assert!(t.trials <= n);
            if t.entry >= 2 * n as usize {
                assert_eq!((t.outcome, t.trials), (Err(EntrySkip::OverCapacity), 0));
            }
            if matches!(
                t.outcome,
                Ok(_) | Err(EntrySkip::NoKey) | Err(EntrySkip::AllCounted) | Err(EntrySkip::Repeat)
            ) {
                assert!(t.hash.is_some(), "{t:?}");
            }
            if t.outcome == Err(EntrySkip::Repeat) {
                assert_eq!(t.trials, 0, "{t:?}");
            }
        }
    }
    // A malformed body is refused before any entry is tried.
    if matches!(verdict, ComputeVerdict::Reject(ComputeError::Malformed(_))) {
        assert!(traces.is_empty(), "{traces:?}");
    }
    match verdict {
        ComputeVerdict::Accept(a) => {
            let signers: Vec<&[u8; 32]> = a.signers().collect();
            assert!(signers.len() >= config.threshold());
            assert!(signers.windows(2).all(|w| w[0] < w[1]));
            let entries: Vec<_> = a.entries().collect();
            assert_eq!(entries.len(), signers.len(), "one entry per counted signer");
            assert!(entries.windows(2).all(|w| w[0].index < w[1].index));
            assert_eq!(entries.first().map(|e| e.index), Some(a.index()));
            assert!(a.request().check().is_ok());
            for e in &entries {
                assert!(signers.contains(&e.signer));
                // The entry really carries its signer's valid signature over
                // the winning hash, hashed independently of the reader.
                let text = entry_text(body, e.request.offset());
                let owned = SignedComputeRequest::from_json(text).expect("a counted entry reads");
                assert_eq!(owned.request.hash(), *a.hash());
                let sig = owned.signature.expect("a counted entry is signed");
                let sig = Signature::from_slice(&sig).expect("64 bytes");
                let payload = a.hash().compute_signature_payload();
                assert!(PublicKey::new(*e.signer).verify(payload, &sig).is_ok());
                let _ = e
                    .request
                    .encrypted_decryption_key_shares()
                    .flatten()
                    .count();
            }
        }
        ComputeVerdict::Reject(e) => {
            let _ = e.to_string();
            match e {
                ComputeError::Malformed(m) => assert!(m.offset <= body.len(), "{m:?}"),
                ComputeError::NoQuorum(q) => {
                    assert_eq!(q.threshold as usize, config.threshold());
                    assert!(q.leader.map_or(0, |l| l.1) < q.threshold);
                }
                ComputeError::InvalidRequest(_) => {}
                other => panic!("valid config, yet {other:?}"),
            }
        }
    }
    precomputed(verifier, body, verdict, traces);
}

/// The text of the entry object starting at `offset`.
fn entry_text(body: &[u8], offset: usize) -> &[u8] {
    let rest = &body[offset..];
    let mut de = serde_json::Deserializer::from_slice(rest).into_iter::<serde::de::IgnoredAny>();
    let _ = de.next();
    &rest[..de.byte_offset()]
}

/// The cheaper trial must decide exactly as the full one, entry by entry.
#[cfg(feature = "precomputed")]
fn precomputed(verifier: &Verifier, body: &[u8], full: &ComputeVerdict<'_>, traces: &[EntryTrace]) {
    use relay_verifier::PrecomputedKeys;
    /// Tables per signer set seen (prefixes of the universe: at most 7).
    type Cache = std::sync::Mutex<Vec<(Vec<[u8; 32]>, &'static PrecomputedKeys)>>;
    static KEYS: OnceLock<Cache> = OnceLock::new();
    let cache = KEYS.get_or_init(Default::default);
    let want = verifier.config().signers().keys().to_vec();
    let pre = {
        let mut c = cache.lock().expect("cache");
        match c.iter().find(|(k, _)| *k == want) {
            Some((_, p)) => *p,
            None => {
                let p: &'static PrecomputedKeys =
                    Box::leak(Box::new(PrecomputedKeys::new(verifier.config())));
                c.push((want, p));
                p
            }
        }
    };
    let mut fast_traces = Vec::new();
    let fast = verifier.verify_compute_precomputed_traced(pre, body, |t| fast_traces.push(t));
    // Same outcome and the same count for every entry: a signature whose R
    // or s no key can accept is refused once, but counted as the plain
    // trial's one failed verification per key.
    assert_eq!(fast_traces, traces, "precomputed trial traces differ");
    assert_eq!(
        format!("{fast:?}"),
        format!("{full:?}"),
        "precomputed trial differs"
    );
    if let (ComputeVerdict::Accept(a), ComputeVerdict::Accept(b)) = (&fast, full) {
        assert!(a.signers().eq(b.signers()));
        assert!(a.entry_indices().eq(b.entry_indices()));
    }
}

#[cfg(not(feature = "precomputed"))]
fn precomputed(_: &Verifier, _: &[u8], _: &ComputeVerdict<'_>, _: &[EntryTrace]) {}

/// A structured batch.
#[derive(Arbitrary, Debug)]
pub struct Batch {
    /// Signer set size: 2 + n % 6 keys of the universe.
    pub n: u8,
    /// F: 1 + f % (N - 1).
    pub f: u8,
    /// The entries, in batch order.
    pub entries: Vec<Entry>,
    /// Writes the batch with spaces and an unknown key per entry.
    pub loose: bool,
}

/// One element of the batch.
#[derive(Arbitrary, Debug)]
pub struct Entry {
    /// Who signs: a key of the universe (`% 8 == 7`: the foreign key).
    pub signer: u8,
    /// Which request template.
    pub request: u8,
    /// 0..=3 honest; 4 a flipped bit, 5 short, 6 `null`, 7 absent; then
    /// tampered shares (still valid).
    pub fault: u8,
}

/// What the model says a structured batch's verdict is.
#[derive(Debug, PartialEq, Eq)]
enum Expect {
    Accept {
        hash: CanonicalHash,
        signers: BTreeSet<[u8; 32]>,
        entries: Vec<usize>,
    },
    Reject(&'static str),
}

fn structured(data: &[u8]) {
    let Ok(batch) = Batch::arbitrary(&mut Unstructured::new(data)) else {
        return;
    };
    let fx = fixtures();
    let n = 2 + usize::from(batch.n) % (UNIVERSE - 1);
    let f = 1 + usize::from(batch.f) % (n - 1);
    let keys: Vec<[u8; 32]> = fx.nodes[..n].iter().map(WorkflowNode::public_key).collect();
    let verifier = Verifier::new(Config::new(SignerSet::new(&keys).expect("set"), f).expect("F"));

    let mut written = Vec::new();
    // (signer key if it is a valid signature, hash, entry index)
    let mut genuine: Vec<(Option<[u8; 32]>, CanonicalHash)> = Vec::new();
    for e in batch.entries.iter().take(MAX_ENTRIES) {
        let template = &fx.templates[usize::from(e.request) % fx.templates.len()];
        let who = usize::from(e.signer) % (UNIVERSE + 1);
        let node = fx.nodes.get(who).unwrap_or(&fx.foreign);
        let mut signed = node.sign(template);
        let mut valid = true;
        match e.fault {
            0..=3 => {}
            4 => {
                if let Some(b) = signed.signature.as_mut().and_then(|s| s.get_mut(9)) {
                    *b ^= 0x04;
                }
                valid = false;
            }
            5 => {
                if let Some(s) = signed.signature.as_mut() {
                    s.pop();
                }
                valid = false;
            }
            6 | 7 => {
                signed.signature = None;
                valid = false;
            }
            _ => {
                signed.request.encrypted_decryption_key_shares = Some(vec![vec![vec![e.fault; 3]]]);
            }
        }
        let mut json = signed.to_go_json();
        // The signing side wrote Go's bytes: the entry reads back as written.
        let back = SignedComputeRequest::from_json(json.as_bytes()).expect("an entry reads");
        assert_eq!(back.to_go_json(), json);
        if e.fault == 7 {
            json = json.replace(",\"signature\":null", "");
        }
        if batch.loose {
            json = json.replacen('{', "{ \"unknownField\" : [1, {\"x\": null}] ,\n ", 1);
        }
        written.push(json);
        let key = node.public_key();
        genuine.push((
            (valid && keys.contains(&key)).then_some(key),
            template.hash(),
        ));
    }
    let sep = if batch.loose { " ,\n" } else { "," };
    let body = format!("[{}]", written.join(sep));
    let mut traces = Vec::new();
    let verdict = verifier.verify_compute_traced(body.as_bytes(), |t| traces.push(t));
    invariants(&verifier, body.as_bytes(), &verdict, &traces);

    let expect = model(&genuine, n, verifier.config().threshold(), fx);
    let got = match &verdict {
        ComputeVerdict::Accept(a) => Expect::Accept {
            hash: *a.hash(),
            signers: a.signers().copied().collect(),
            entries: a.entry_indices().collect(),
        },
        ComputeVerdict::Reject(e) => Expect::Reject(e.reason()),
    };
    assert_eq!(got, expect, "{body}");
}

/// §12 with §7 rules 3–4, from the labels: of the first 2N entries (no
/// repeat rule: a repeat changes no verdict), each genuine signature counts
/// for its signer at its first entry per hash; a signer on three or more
/// hashes counts nowhere; the winner has the most signers, then the
/// smallest hash; the request at its first entry must pass the checks.
fn model(
    entries: &[(Option<[u8; 32]>, CanonicalHash)],
    n: usize,
    threshold: usize,
    fx: &ComputeFixtures,
) -> Expect {
    let winner = super::compute_model::winner(entries, n, threshold);
    let Some((hash, group)) = &winner else {
        return Expect::Reject("no_quorum");
    };
    let mut idx: Vec<usize> = group.values().copied().collect();
    idx.sort();
    let template = fx
        .templates
        .iter()
        .find(|t| t.hash() == *hash)
        .expect("a template");
    let json = template.to_go_json();
    if ComputeRequest::from_json(json.as_bytes())
        .expect("reads")
        .check()
        .is_err()
    {
        return Expect::Reject("invalid_request");
    }
    Expect::Accept {
        hash: *hash,
        signers: group.keys().copied().collect(),
        entries: idx,
    }
}

/// Seeds: every batch body of compute.json (raw mode), and structured
/// inputs from a fixed pseudo-random stream, the first few of each verdict.
pub fn seeds() -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    for case in vectors()["verify_cases"].as_array().expect("verify_cases") {
        let mut seed = vec![0u8];
        match case["body_base64"].as_str() {
            Some(b) => seed.extend(base64::Engine::decode(&STANDARD, b).expect("base64 body")),
            None => seed.extend_from_slice(case["body_json"].as_str().expect("body").as_bytes()),
        }
        if seed.len() <= 16 * 1024 {
            out.push(seed);
        }
    }
    let mut state = 0x2545_F491_4F6C_DD1Du64;
    let mut next = move || {
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        state.wrapping_mul(0x9E37_79B9_7F4A_7C15)
    };
    let mut kinds = BTreeMap::<String, usize>::new();
    for _ in 0..600 {
        let len = 8 + (next() % 64) as usize;
        let mut data: Vec<u8> = vec![1];
        data.extend((0..len).map(|_| next() as u8));
        let Ok(batch) = Batch::arbitrary(&mut Unstructured::new(&data[1..])) else {
            continue;
        };
        let kind = format!("{}-{}", batch.entries.len().min(4), batch.loose);
        let seen = kinds.entry(kind).or_default();
        if *seen < 3 {
            *seen += 1;
            out.push(data);
        }
    }
    out
}
