//! A Byzantine relay DON, deterministic from a seed, for host tests.
//!
//! N nodes answer one request; the nodes listed as faulty do whatever their
//! [`Fault`]s say, and the gateway drops, duplicates, reorders and pads. The
//! [`Simulation`] keeps, for every response of the body, who sent it and
//! what it is, so a test (or a reader) can check the verifier's account.
//!
//! ```
//! use relay_verifier::signing::simulator::{Fault, RelayDon, Scenario};
//! use relay_verifier::signing::LogicalResult;
//! use relay_verifier::{Method, RequestParams, Verifier};
//!
//! let don = RelayDon::new(7, 2, 42);
//! let params = RequestParams::from_json(
//!     Method::CapabilityExecute,
//!     br#"{"workflow_id":"wf","owner":"0x1234567890abcdef1234567890ABCDEF12345678",
//!         "execution_id":"e","reference_id":"r","capability_id":"c","payload":"cA=="}"#,
//! )?;
//! let honest = LogicalResult::Capability { payload: "b2s=".into(), error: String::new() };
//! let scenario = Scenario::honest()
//!     .faulty(0, [Fault::Forge(0)])
//!     .faulty(1, [Fault::Forge(0), Fault::Relabel]);
//! let sim = don.run(&params, &honest, &scenario)?;
//! let verifier = Verifier::new(don.config()?);
//! let verified = verifier.verify(&params, sim.body.as_bytes()).into_result()?;
//! assert_eq!(*verified.hash(), sim.honest_hash);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::collections::BTreeMap;
use std::format;
use std::string::{String, ToString};
use std::vec::Vec;

use sha2::{Digest, Sha256};

use super::gateway;
use super::model::{LogicalResult, SecretValue};
use super::node::{hash_any_size, NodeResponse, RelayNode, SignatureJson};
use super::report::{ConsensusReport, OcrSignature};
use crate::CanonicalHash;
use crate::RequestParams;
use crate::{Config, SignerSet};
use crate::{ConfigError, Error};

/// One thing a faulty node does. A faulty node with several faults sends
/// one response per fault (none for [`Fault::Silent`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Fault {
    /// Sends nothing.
    Silent,
    /// Answers honestly (faulty nodes may).
    Honest,
    /// Answers honestly, twice.
    Duplicate,
    /// Signs forged result number `k` (two different `k`s: equivocation).
    Forge(u8),
    /// Signs a forged result but labels the signature with an honest
    /// node's key.
    Relabel,
    /// Answers the honest result with one bit of its signature flipped.
    CorruptSignature,
    /// Answers the honest result with a 63-byte signature.
    TruncateSignature,
    /// Answers the honest result with a 31-byte signer label.
    TruncateSigner,
    /// Staples an honest node's valid signature onto a forged result.
    Staple,
    /// Has a key outside the configured set sign the honest result.
    Foreign,
    /// Sends a response that is valid JSON but carries no usable signature.
    Junk,
    /// Signs a secrets result with more entries than the default workspace
    /// holds (for a capability request: a forged result).
    OverCapacity,
    /// Signs a report payload that is base64 but not a protobuf message:
    /// it groups by its own hash (for other results: forged result 5).
    JunkReport,
    /// Signs the honest report with one more field this version does not
    /// know: a different report, so a different group (for other results:
    /// forged result 6).
    ReportUnknownField,
    /// Answers the honest report with no OCR signatures at all: counted in
    /// the honest group (the report agrees), it would deny delivery if its
    /// bytes were handed out (for other results: answers honestly).
    StripOcr,
    /// Answers the honest report with every OCR signature replaced by
    /// bytes of its own under the same `signer_id`s.
    ReplaceOcr,
    /// Answers the honest report with its own OCR signatures and 40 junk
    /// ones: new `signer_id`s, and others under the honest ones.
    PadOcr,
    /// Answers the honest report with bytes outside it: an earlier
    /// `raw_report` value, an unknown `Any` field and an unknown outer field.
    ReportOuterBytes,
}

impl Fault {
    /// Every fault kind, with forged results 0 and 1.
    pub const ALL: [Fault; 19] = [
        Fault::Silent,
        Fault::Honest,
        Fault::Duplicate,
        Fault::Forge(0),
        Fault::Forge(1),
        Fault::Relabel,
        Fault::CorruptSignature,
        Fault::TruncateSignature,
        Fault::TruncateSigner,
        Fault::Staple,
        Fault::Foreign,
        Fault::Junk,
        Fault::OverCapacity,
        Fault::JunkReport,
        Fault::ReportUnknownField,
        Fault::StripOcr,
        Fault::ReplaceOcr,
        Fault::PadOcr,
        Fault::ReportOuterBytes,
    ];
}

/// What the gateway does to the responses it received.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GatewayFaults {
    /// Nodes whose responses it drops.
    pub drop: Vec<usize>,
    /// Shuffles the responses with this seed (`None`: node order).
    pub shuffle: Option<u64>,
    /// Repeats this many responses (the first ones, after shuffling).
    pub duplicate: usize,
    /// Adds this many junk responses.
    pub junk: usize,
    /// Adds this many responses signed by keys outside the set.
    pub foreign: usize,
    /// Writes the earlier merged envelope instead of a bundle: the honest
    /// result with every signature over it.
    pub merge: bool,
}

/// Who does what in one run.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Scenario {
    /// Faulty nodes and their faults.
    pub faulty: BTreeMap<usize, Vec<Fault>>,
    /// The gateway's behaviour.
    pub gateway: GatewayFaults,
}

impl Scenario {
    /// Every node honest, the gateway faithful.
    pub fn honest() -> Self {
        Scenario::default()
    }

    /// Makes `node` faulty with `faults`.
    pub fn faulty(mut self, node: usize, faults: impl IntoIterator<Item = Fault>) -> Self {
        self.faulty.insert(node, faults.into_iter().collect());
        self
    }

    /// Sets the gateway's behaviour.
    pub fn gateway(mut self, gateway: GatewayFaults) -> Self {
        self.gateway = gateway;
        self
    }

    /// A random scenario: `faulty` distinct nodes with one to three faults
    /// each, a shuffling gateway that may duplicate and pad, and that drops
    /// up to `drop_honest` honest nodes.
    pub fn random(n: usize, faulty: usize, drop_honest: usize, seed: u64) -> Self {
        let mut rng = SplitMix64(seed);
        let mut nodes: Vec<usize> = (0..n).collect();
        rng.shuffle(&mut nodes);
        let mut s = Scenario::honest();
        for &node in nodes.iter().take(faulty) {
            let k = 1 + rng.below(3);
            let faults = (0..k)
                .filter_map(|_| Fault::ALL.get(rng.below(Fault::ALL.len())).copied())
                .collect();
            s.faulty.insert(node, faults);
        }
        let honest: Vec<usize> = nodes.iter().skip(faulty).copied().collect();
        let drops = rng.below(drop_honest.saturating_add(1));
        s.gateway = GatewayFaults {
            drop: honest.into_iter().take(drops).collect(),
            shuffle: Some(rng.next()),
            duplicate: rng.below(3),
            junk: rng.below(3),
            foreign: rng.below(2),
            merge: false,
        };
        s
    }
}

/// Where a response of the body came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Origin {
    /// The node that sent it, or `None` when the gateway made it up.
    pub node: Option<usize>,
    /// What it is, in a few words.
    pub what: String,
    /// Whether it carries a valid signature over the honest result by an
    /// honest configured node.
    pub honest: bool,
}

/// The outcome of one simulated request.
#[derive(Clone, Debug)]
pub struct Simulation {
    /// The body the enclave receives.
    pub body: String,
    /// The hash every honest node signed.
    pub honest_hash: CanonicalHash,
    /// For each response of the body, in order, where it came from (a
    /// merged envelope has one entry per signature instead).
    pub origins: Vec<Origin>,
    /// How many honest nodes' responses reached the body.
    pub honest_in_body: usize,
}

/// A relay DON of N nodes with keys derived from a seed.
#[derive(Clone, Debug)]
pub struct RelayDon {
    nodes: Vec<RelayNode>,
    f: usize,
    seed: u64,
}

impl RelayDon {
    /// `n` nodes, fault bound `f`, keys derived from `seed`.
    pub fn new(n: usize, f: usize, seed: u64) -> Self {
        let nodes = (0..n)
            .map(|i| RelayNode::from_seed(derive(b"relay-don node", seed, i)))
            .collect();
        RelayDon { nodes, f, seed }
    }

    /// The nodes, in index order.
    pub fn nodes(&self) -> &[RelayNode] {
        &self.nodes
    }

    /// The nodes' public keys: the enclave's signer set.
    pub fn signer_keys(&self) -> Vec<[u8; 32]> {
        self.nodes.iter().map(RelayNode::public_key).collect()
    }

    /// The enclave's configuration for this DON.
    pub fn config(&self) -> Result<Config, ConfigError> {
        Config::new(SignerSet::new(&self.signer_keys())?, self.f)
    }

    /// A node outside the set (the same for a given DON and `i`).
    pub fn foreign_node(&self, i: usize) -> RelayNode {
        RelayNode::from_seed(derive(b"relay-don foreign", self.seed, i))
    }

    /// Runs one request: every node answers `honest` unless the scenario
    /// makes it faulty, then the gateway does its part.
    pub fn run(
        &self,
        params: &RequestParams<'_>,
        honest: &LogicalResult,
        scenario: &Scenario,
    ) -> Result<Simulation, Error> {
        let honest_json = honest.to_go_json();
        let honest_hash = hash_any_size(params, honest_json.as_bytes())?;
        let mut sent: Vec<(String, Origin)> = Vec::new();
        let mut merged: Vec<(SignatureJson, Origin)> = Vec::new();
        let anchor = self.first_honest(scenario);
        for (i, node) in self.nodes.iter().enumerate() {
            let responses = match scenario.faulty.get(&i) {
                None => std::vec![(
                    node.respond(params, honest)?,
                    Origin {
                        node: Some(i),
                        what: "honest answer".into(),
                        honest: true,
                    }
                )],
                Some(faults) => {
                    let mut out = Vec::new();
                    for fault in faults {
                        out.extend(self.faulty_response(i, node, *fault, params, honest, anchor)?);
                    }
                    out
                }
            };
            for (r, origin) in responses {
                if scenario.gateway.drop.contains(&i) {
                    continue;
                }
                if scenario.gateway.merge {
                    // The merger keeps one signature per node that agreed.
                    let first = r
                        .signature
                        .iter()
                        .chain(r.signatures.iter().flatten())
                        .next();
                    if let (true, Some(s)) = (r.result_json == honest_json, first) {
                        if !merged.iter().any(|(m, _)| m.signer == s.signer) {
                            merged.push((s.clone(), origin.clone()));
                        }
                    }
                } else {
                    sent.push((r.to_json(), origin));
                }
            }
        }
        let honest_in_body = if scenario.gateway.merge {
            let mut who: Vec<_> = merged
                .iter()
                .filter(|m| m.1.honest)
                .map(|m| m.1.node)
                .collect();
            who.dedup();
            who.len()
        } else {
            let mut who: Vec<_> = sent
                .iter()
                .filter(|m| m.1.honest)
                .map(|m| m.1.node)
                .collect();
            who.sort();
            who.dedup();
            who.len()
        };
        if scenario.gateway.merge {
            let (sigs, origins): (Vec<_>, Vec<_>) = merged.into_iter().unzip();
            return Ok(Simulation {
                body: gateway::merge(&honest_json, sigs),
                honest_hash,
                origins,
                honest_in_body,
            });
        }
        self.gateway_extras(params, honest, scenario, &mut sent)?;
        if let Some(seed) = scenario.gateway.shuffle {
            SplitMix64(seed).shuffle(&mut sent);
        }
        for k in 0..scenario.gateway.duplicate.min(sent.len()) {
            if let Some((json, origin)) = sent.get(k).cloned() {
                let what = format!("{} (repeated by the gateway)", origin.what);
                sent.push((json, Origin { what, ..origin }));
            }
        }
        let (jsons, origins): (Vec<_>, Vec<_>) = sent.into_iter().unzip();
        Ok(Simulation {
            body: gateway::bundle_raw(jsons),
            honest_hash,
            origins,
            honest_in_body,
        })
    }

    fn first_honest(&self, scenario: &Scenario) -> usize {
        (0..self.nodes.len())
            .find(|i| !scenario.faulty.contains_key(i))
            .unwrap_or(0)
    }

    fn gateway_extras(
        &self,
        params: &RequestParams<'_>,
        honest: &LogicalResult,
        scenario: &Scenario,
        sent: &mut Vec<(String, Origin)>,
    ) -> Result<(), Error> {
        for j in 0..scenario.gateway.junk {
            let origin = Origin {
                node: None,
                what: "junk added by the gateway".into(),
                honest: false,
            };
            sent.push((junk(j), origin));
        }
        for j in 0..scenario.gateway.foreign {
            let r = self
                .foreign_node(1000 + j)
                .respond(params, &forge(honest, 7))?;
            let origin = Origin {
                node: None,
                what: "forgery signed by a key outside the set, added by the gateway".into(),
                honest: false,
            };
            sent.push((r.to_json(), origin));
        }
        Ok(())
    }

    /// The responses faulty node `i` sends for one fault.
    #[allow(clippy::too_many_arguments)]
    fn faulty_response(
        &self,
        i: usize,
        node: &RelayNode,
        fault: Fault,
        params: &RequestParams<'_>,
        honest: &LogicalResult,
        anchor: usize,
    ) -> Result<Vec<(NodeResponse, Origin)>, Error> {
        // The honest node whose key relabelled and stapled signatures abuse.
        let victim = self.nodes.get(anchor).unwrap_or(node);
        let origin = |what: &str, honest: bool| Origin {
            node: Some(i),
            what: what.to_string(),
            honest,
        };
        let forged = |k: u8| node.respond(params, &forge(honest, k));
        let honest_answer = || node.respond(params, honest);
        Ok(match fault {
            Fault::Silent => Vec::new(),
            // A faulty node's honest signature is still not an honest node's.
            Fault::Honest => std::vec![(honest_answer()?, origin("answers honestly", false))],
            Fault::Duplicate => {
                let r = honest_answer()?;
                std::vec![
                    (r.clone(), origin("answers honestly", false)),
                    (r, origin("answers honestly, again", false)),
                ]
            }
            Fault::Forge(k) => {
                std::vec![(
                    forged(k)?,
                    origin(&format!("signs forged result {k}"), false)
                )]
            }
            Fault::Relabel => {
                let mut r = forged(0)?;
                let label = victim.public_key().to_vec();
                relabel(&mut r, |s| s.signer = Some(label.clone()));
                std::vec![(
                    r,
                    origin(
                        &format!("signs forged result 0 labelled as node {anchor}"),
                        false
                    )
                )]
            }
            Fault::CorruptSignature => {
                let mut r = honest_answer()?;
                relabel(&mut r, |s| {
                    if let Some(b) = s.signature.as_mut().and_then(|v| v.get_mut(17)) {
                        *b ^= 0x40;
                    }
                });
                std::vec![(r, origin("honest result, signature corrupted", false))]
            }
            Fault::TruncateSignature => {
                let mut r = honest_answer()?;
                relabel(&mut r, |s| {
                    if let Some(v) = s.signature.as_mut() {
                        v.truncate(63);
                    }
                });
                std::vec![(r, origin("honest result, signature cut to 63 bytes", false))]
            }
            Fault::TruncateSigner => {
                let mut r = honest_answer()?;
                relabel(&mut r, |s| {
                    if let Some(v) = s.signer.as_mut() {
                        v.truncate(31);
                    }
                });
                std::vec![(
                    r,
                    origin("honest result, signer label cut to 31 bytes", false)
                )]
            }
            Fault::Staple => {
                let mut r = forged(0)?;
                let stolen =
                    victim.signature(&hash_any_size(params, honest.to_go_json().as_bytes())?);
                relabel(&mut r, |s| *s = stolen.clone());
                std::vec![(
                    r,
                    origin(
                        &format!(
                            "forged result 0 with node {anchor}'s honest signature stapled on"
                        ),
                        false
                    )
                )]
            }
            Fault::Foreign => {
                let r = self.foreign_node(i).respond(params, honest)?;
                std::vec![(
                    r,
                    origin("honest result signed by a key outside the set", false)
                )]
            }
            Fault::Junk => {
                let r = NodeResponse {
                    result_json: "null".into(),
                    signatures: Some(std::vec![SignatureJson {
                        signer: None,
                        signature: None
                    }]),
                    signature: Some(SignatureJson {
                        signer: Some(std::vec![0x42; 5]),
                        signature: Some(std::vec![0; 64]),
                    }),
                };
                std::vec![(
                    r,
                    origin("junk: null result, null and short signatures", false)
                )]
            }
            Fault::OverCapacity => {
                let big = match honest {
                    LogicalResult::Secrets(_) => oversized(),
                    LogicalResult::Capability { .. } | LogicalResult::Report(_) => forge(honest, 9),
                };
                let r = node.respond(params, &big)?;
                std::vec![(
                    r,
                    origin("signs a result too large for the workspace", false)
                )]
            }
            Fault::JunkReport => {
                let junk = match honest {
                    LogicalResult::Report(_) => LogicalResult::Capability {
                        // Field 1, length 0x7f, then nothing: truncated.
                        payload: "Cn8AAA==".into(),
                        error: String::new(),
                    },
                    _ => forge(honest, 5),
                };
                std::vec![(
                    node.respond(params, &junk)?,
                    origin("signs a report payload that is not protobuf", false)
                )]
            }
            Fault::ReportUnknownField => {
                let other = match honest {
                    LogicalResult::Report(r) => {
                        let mut r = r.clone();
                        r.unknown_fields
                            .extend(super::report::unknown_varint_field(99, i as u64 + 1));
                        LogicalResult::Report(r)
                    }
                    _ => forge(honest, 6),
                };
                std::vec![(
                    node.respond(params, &other)?,
                    origin("signs the report with an extra unknown field", false)
                )]
            }
            Fault::StripOcr | Fault::ReplaceOcr | Fault::PadOcr | Fault::ReportOuterBytes => {
                let LogicalResult::Report(r) = honest else {
                    return Ok(std::vec![(
                        honest_answer()?,
                        origin("answers honestly", false)
                    )]);
                };
                let (payload, what) = tamper_ocr(r, fault, &node.public_key());
                let answer = LogicalResult::Capability {
                    payload,
                    error: String::new(),
                };
                std::vec![(node.respond(params, &answer)?, origin(what, false))]
            }
        })
    }
}

/// The honest report `r` as a faulty node answers it under `fault` (one of
/// the four OCR-signature faults): the same report, so the same group.
fn tamper_ocr(r: &ConsensusReport, fault: Fault, key: &[u8; 32]) -> (String, &'static str) {
    let mark = |s: &OcrSignature, k: u8| {
        let mut sig = s.clone();
        for b in &mut sig.signature {
            *b ^= 0x5a ^ k;
        }
        sig
    };
    match fault {
        Fault::StripOcr => (
            r.payload_with(&[]),
            "the honest report, OCR signatures stripped",
        ),
        Fault::ReplaceOcr => {
            let replaced: Vec<OcrSignature> = r.ocr_signatures.iter().map(|s| mark(s, 1)).collect();
            (
                r.payload_with(&replaced),
                "the honest report, OCR signatures replaced",
            )
        }
        Fault::PadOcr => {
            let mut padded = r.own_signatures(key);
            for k in 0..20u8 {
                padded.push(OcrSignature {
                    signer_id: 1000 + u32::from(k),
                    signature: std::vec![k; 65],
                });
                if let Some(s) = r
                    .ocr_signatures
                    .get(usize::from(k) % r.ocr_signatures.len().max(1))
                {
                    padded.push(mark(s, k.wrapping_add(2)));
                }
            }
            (
                r.payload_with(&padded),
                "the honest report, padded with junk OCR signatures",
            )
        }
        _ => (
            r.payload_with_outside_bytes(&r.own_signatures(key), b"an earlier raw report"),
            "the honest report with bytes outside it",
        ),
    }
}

/// Applies `f` to every signature a response carries.
fn relabel(r: &mut NodeResponse, mut f: impl FnMut(&mut SignatureJson)) {
    for s in r.signatures.iter_mut().flatten() {
        f(s);
    }
    if let Some(s) = r.signature.as_mut() {
        f(s);
    }
}

/// Forged result number `k`: same shape as the honest one, other content.
pub fn forge(honest: &LogicalResult, k: u8) -> LogicalResult {
    let mark = format!("Zm9yZ2Vk{k:02}");
    match honest {
        LogicalResult::Secrets(list) => {
            let mut list = list.clone().unwrap_or_default();
            match list.first_mut() {
                Some(e) => e.ciphertext = mark,
                None => list.push(SecretValue {
                    key: "forged".into(),
                    namespace: "forged".into(),
                    ciphertext: mark,
                    encrypted_shares: None,
                }),
            }
            LogicalResult::Secrets(Some(list))
        }
        LogicalResult::Capability { error, .. } => LogicalResult::Capability {
            payload: mark,
            error: error.clone(),
        },
        // Another report body: same digest and sequence number, other data.
        LogicalResult::Report(r) => {
            let mut r = r.clone();
            r.raw_report
                .extend_from_slice(format!(" forged {k}").as_bytes());
            LogicalResult::Report(r)
        }
    }
}

/// A secrets result with 65 entries: one more than the default workspace.
fn oversized() -> LogicalResult {
    LogicalResult::Secrets(Some(
        (0..65)
            .map(|i| SecretValue {
                key: format!("k{i}"),
                namespace: "big".into(),
                ciphertext: "eA==".into(),
                encrypted_shares: None,
            })
            .collect(),
    ))
}

/// Junk a gateway might add: valid JSON of the right shape, nothing usable.
fn junk(j: usize) -> String {
    match j % 3 {
        0 => "{}".into(),
        1 => r#"{"result":null,"signatures":null,"signature":null,"extra":[1,{"x":"y"}]}"#.into(),
        _ => r#"{"signatures":[null,{"signer":"@@@@","signature":"AA=="}],"signature":{}}"#.into(),
    }
}

/// A 32-byte seed from a label, the DON seed and an index.
pub(crate) fn derive(label: &[u8], seed: u64, i: usize) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(label);
    h.update(seed.to_be_bytes());
    h.update((i as u64).to_be_bytes());
    h.finalize().into()
}

/// SplitMix64: a tiny deterministic generator, so that a scenario is a
/// pure function of its seed without a `rand` dependency.
pub(crate) struct SplitMix64(pub(crate) u64);

impl SplitMix64 {
    pub(crate) fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform enough below `n` for test scenarios (`0` when `n` is 0).
    pub(crate) fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }

    fn shuffle<T>(&mut self, v: &mut [T]) {
        for i in (1..v.len()).rev() {
            let j = self.below(i + 1);
            v.swap(i, j);
        }
    }
}
