//! The `vote` target: §13 vote bodies against a [`Rotation`], step by step
//! against the plain model of `vote_model.rs`.
//!
//! First byte odd: a structured scenario (`arbitrary`): an initial config,
//! four proposals, and steps that each pick a proposal (or the current or a
//! retired config), a signer among the vectors' keys, a time step and an
//! optional byte mutation of the body. Even: raw bodies (the rotation
//! vectors' seeds), `0xFF`-separated, each after a big-endian u16 time,
//! under the vectors' config picked by the second byte.
//!
//! Bodies the harness wrote unmutated must get exactly the model's
//! outcome. A mutated or raw body is read by a naive `serde_json` reader
//! first: when it refuses, the crate must reject (`malformed` or
//! `unknown_signer`); when it reads a vote, the crate must give the model's
//! outcome or `malformed` (§7 is stricter than `serde_json`: folded and
//! repeated keys). After every step the config in force and the retired
//! list must be the model's, so a rejection that changed state shows.

use std::collections::BTreeSet;
use std::sync::OnceLock;

use arbitrary::{Arbitrary, Unstructured};
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use ed25519_compact::{KeyPair, Seed};
use relay_verifier::{
    config_hash, config_signature_payload, config_user_data, CanonicalHash, Rotation,
    RotationConfig, VoteError, VoteOutcome, VoteWork,
};
use serde_json::Value;

use super::vote_model::{KeyVerdict, ModelConfig, ModelOutcome, ModelVote, Undecided, VoteModel};

/// Compiled in, so that a fuzz binary needs no file at run time.
pub const ROTATION_VECTORS: &str = include_str!("../../../shared/vectors/config/rotation.json");

/// The vectors' small-order key (`rotate/invalid-weak-key`).
const WEAK: [u8; 32] = {
    let mut k = [0u8; 32];
    k[0] = 1;
    k
};

/// The vectors' master key bytes.
const MASTER: &[u8] = b"tdh2-master-public-key-bytes";

/// The most steps a scenario runs (each costs up to 2N verifications).
const MAX_STEPS: usize = 48;

pub struct VoteFixtures {
    /// relay-node-0 .. relay-node-7: who may be in a config.
    pub pool: Vec<KeyPair>,
    /// foreign-node-0 and config-outsider-0: never in a config.
    pub outsiders: Vec<KeyPair>,
    /// Every public key of rotation.json (all made from seeds: valid points).
    pub known: BTreeSet<[u8; 32]>,
    /// The distinct current configs of the rotation cases (JSON).
    pub vector_configs: Vec<String>,
    /// The rotation cases as raw-mode inputs.
    pub seeds: Vec<Vec<u8>>,
}

pub fn fixtures() -> &'static VoteFixtures {
    static F: OnceLock<VoteFixtures> = OnceLock::new();
    F.get_or_init(|| {
        let v: Value = serde_json::from_str(ROTATION_VECTORS).expect("rotation.json");
        let keys = v["keys"].as_array().expect("keys");
        let pair = |name: &str| {
            let k = keys.iter().find(|k| k["name"] == name).expect("named key");
            let seed: [u8; 32] = hex::decode(k["seed"].as_str().expect("seed"))
                .expect("hex")
                .try_into()
                .expect("32-byte seed");
            KeyPair::from_seed(Seed::new(seed))
        };
        let pool = (0..8).map(|i| pair(&format!("relay-node-{i}"))).collect();
        let outsiders = vec![pair("foreign-node-0"), pair("config-outsider-0")];
        let known = keys
            .iter()
            .map(|k| {
                hex::decode(k["public"].as_str().expect("public"))
                    .expect("hex")
                    .try_into()
                    .expect("32-byte key")
            })
            .collect();
        let mut vector_configs: Vec<String> = Vec::new();
        let mut seeds = Vec::new();
        for case in v["rotation_cases"].as_array().expect("rotation_cases") {
            let current = case["current_config_json"].as_str().expect("current");
            if !vector_configs.iter().any(|c| c == current) {
                vector_configs.push(current.to_string());
            }
            let which = vector_configs
                .iter()
                .position(|c| c == current)
                .expect("in");
            let mut input = vec![0u8, which as u8];
            for (i, step) in case["steps"].as_array().expect("steps").iter().enumerate() {
                if i > 0 {
                    input.push(0xFF);
                }
                let at = step["at"].as_u64().expect("at") as u16;
                input.extend_from_slice(&at.to_be_bytes());
                input.extend_from_slice(step["body_json"].as_str().expect("body").as_bytes());
            }
            seeds.push(input);
        }
        VoteFixtures {
            pool,
            outsiders,
            known,
            vector_configs,
            seeds,
        }
    })
}

fn judge(key: &[u8; 32]) -> KeyVerdict {
    if *key == WEAK {
        KeyVerdict::Invalid
    } else if fixtures().known.contains(key) {
        KeyVerdict::Valid
    } else {
        KeyVerdict::Unknown
    }
}

/// A proposed config, as the input describes it.
#[derive(Arbitrary, Debug, Clone)]
pub struct Spec {
    /// Which of the eight pool keys, in pool order before `rotate`.
    pub members: u8,
    pub rotate: u8,
    /// `% 8`: 0 the weak key added, 1 a 31-byte key, 2 the first key
    /// twice, 3 an outsider added; otherwise nothing.
    pub extra: u8,
    /// `% 4`.
    pub f: u8,
    pub t: u8,
    /// `% 4`: absent, `null`, `""`, the vectors' bytes.
    pub master: u8,
    /// Bits: 1 fields reversed, 2 spaces, 4 an unknown key, 8 `null` for
    /// empty or zero fields.
    pub style: u8,
}

impl Spec {
    /// The config's JSON, written from the spec.
    fn json(&self) -> String {
        let fx = fixtures();
        let mut keys: Vec<Vec<u8>> = (0..8)
            .filter(|i| self.members & (1 << i) != 0)
            .map(|i| fx.pool[i].pk.to_vec())
            .collect();
        if !keys.is_empty() {
            let n = keys.len();
            keys.rotate_left(usize::from(self.rotate) % n);
        }
        match self.extra % 8 {
            0 => keys.push(WEAK.to_vec()),
            1 => keys.push(fx.pool[3].pk[..31].to_vec()),
            2 if !keys.is_empty() => keys.push(keys[0].clone()),
            3 => keys.push(fx.outsiders[1].pk.to_vec()),
            _ => {}
        }
        let nulls = self.style & 8 != 0;
        let (comma, colon) = if self.style & 2 != 0 {
            (", ", ": ")
        } else {
            (",", ":")
        };
        let mut fields: Vec<String> = Vec::new();
        let signers = if keys.is_empty() && nulls {
            "null".to_string()
        } else {
            let quoted: Vec<String> = keys
                .iter()
                .map(|k| format!("\"{}\"", STANDARD.encode(k)))
                .collect();
            format!("[{}]", quoted.join(comma))
        };
        fields.push(format!("\"signers\"{colon}{signers}"));
        match self.master % 4 {
            0 => {}
            1 => fields.push(format!("\"masterPublicKey\"{colon}null")),
            2 => fields.push(format!("\"masterPublicKey\"{colon}\"\"")),
            _ => fields.push(format!(
                "\"masterPublicKey\"{colon}\"{}\"",
                STANDARD.encode(MASTER)
            )),
        }
        let t = u32::from(self.t % 8);
        if t == 0 && nulls {
            fields.push(format!("\"t\"{colon}null"));
        } else {
            fields.push(format!("\"t\"{colon}{t}"));
        }
        let f = self.f % 4;
        if !(f == 0 && nulls) {
            fields.push(format!("\"f\"{colon}{f}"));
        }
        if self.style & 1 != 0 {
            fields.reverse();
        }
        if self.style & 4 != 0 {
            fields.insert(
                1.min(fields.len()),
                format!("\"x\"{colon}[1,{{\"y\":null}}]"),
            );
        }
        format!("{{{}}}", fields.join(comma))
    }
}

/// Who signs a vote.
#[derive(Arbitrary, Debug, Clone)]
pub enum Signer {
    /// `% 10`: pool keys 0..8, then the two outsiders.
    Key(u8),
    /// That key, over the proposed hash with its last byte flipped.
    WrongHash(u8),
    /// 64 bytes of this value.
    Junk(u8),
}

#[derive(Arbitrary, Debug, Clone)]
pub struct Step {
    /// `% 6`: proposals 0..4, the current config, a retired one
    /// (`/ 6` picks which).
    pub proposal: u8,
    pub signer: Signer,
    pub dt: i16,
    /// `% 8`: 0 flip a byte, 1 insert one, 2 remove one, 3 truncate; else
    /// none.
    pub mutation: u8,
    pub at: u16,
    pub byte: u8,
    /// Bits: 1 signature first, 2 spaces, 4 an unknown key.
    pub body_style: u8,
}

#[derive(Arbitrary, Debug, Clone)]
pub struct Scenario {
    pub initial: Spec,
    pub proposals: [Spec; 4],
    /// `% 5`: 0, 1, 10, 600 or u64::MAX seconds.
    pub lifetime: u8,
    /// `% 3`: starts at 0, 1,000,000 or u64::MAX − 1,000.
    pub start: u8,
    pub steps: Vec<Step>,
}

/// The crate's outcome in the model's terms, and the hash a rejection
/// carried.
fn observed(got: &Result<VoteOutcome<'_>, VoteError>) -> (ModelOutcome, Option<CanonicalHash>) {
    match got {
        Ok(VoteOutcome::Applied(a)) => {
            let hash = a.hash();
            assert_eq!(a.config().hash(), hash, "applied config's own hash");
            assert_eq!(a.user_data(), config_user_data(&hash), "user data");
            assert_eq!(a.verifier_config(), *a.config().config(), "verifier config");
            (
                ModelOutcome::Applied {
                    hash,
                    signers: a.signers().copied().collect(),
                },
                None,
            )
        }
        Ok(VoteOutcome::Collected {
            hash,
            collected,
            required,
        }) => (
            ModelOutcome::Collected {
                hash: *hash,
                collected: *collected,
                required: *required,
            },
            None,
        ),
        Ok(VoteOutcome::AlreadyCurrent) => (ModelOutcome::AlreadyCurrent, None),
        Ok(other) => panic!("an outcome §13 does not name: {other:?}"),
        Err(e) => {
            let hash = match e {
                VoteError::RetiredConfig { hash } | VoteError::InvalidConfig { hash, .. } => {
                    Some(*hash)
                }
                _ => None,
            };
            (ModelOutcome::Rejected(e.reason()), hash)
        }
    }
}

/// Canonical standard base64 (padding, zero trailing bits), or nothing.
fn naive_b64(text: &str) -> Option<Vec<u8>> {
    let bytes = STANDARD.decode(text).ok()?;
    (STANDARD.encode(&bytes) == text).then_some(bytes)
}

fn naive_u32(v: Option<&Value>) -> Option<u32> {
    match v {
        None | Some(Value::Null) => Some(0),
        Some(Value::Number(n)) => u32::try_from(n.as_u64()?).ok(),
        Some(_) => None,
    }
}

/// A config JSON read with `serde_json` (Go's shape, absent or `null` is
/// empty or 0), hashed by the crate.
pub fn naive_config(json: &[u8]) -> Option<ModelConfig> {
    let v: Value = serde_json::from_slice(json).ok()?;
    let o = v.as_object()?;
    let signers = match o.get("signers") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(a)) => a
            .iter()
            .map(|s| match s {
                Value::Null => Some(Vec::new()),
                Value::String(s) => naive_b64(s),
                _ => None,
            })
            .collect::<Option<Vec<_>>>()?,
        Some(_) => return None,
    };
    let master_public_key = match o.get("masterPublicKey") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::String(s)) => naive_b64(s)?,
        Some(_) => return None,
    };
    Some(ModelConfig {
        signers,
        master_public_key,
        t: naive_u32(o.get("t"))?,
        f: naive_u32(o.get("f"))?,
        hash: config_hash(json).ok()?,
    })
}

/// A vote body read with `serde_json`.
pub fn naive_vote(body: &[u8]) -> Option<ModelVote> {
    let v: Value = serde_json::from_slice(body).ok()?;
    let o = v.as_object()?;
    let config = naive_b64(o.get("config")?.as_str()?)?;
    let signature = naive_b64(o.get("signature")?.as_str()?)?.try_into().ok()?;
    Some(ModelVote {
        proposed: naive_config(&config)?,
        signature,
    })
}

/// The body of a vote for `json`, signed as `signer` says.
fn body(json: &str, hash: &CanonicalHash, signer: &Signer, style: u8) -> Vec<u8> {
    let fx = fixtures();
    let key = |k: u8| {
        let k = usize::from(k % 10);
        if k < 8 {
            &fx.pool[k]
        } else {
            &fx.outsiders[k - 8]
        }
    };
    let signature: [u8; 64] = match signer {
        Signer::Key(k) => *key(*k).sk.sign(config_signature_payload(hash), None),
        Signer::WrongHash(k) => {
            let mut other = *hash.as_bytes();
            other[31] ^= 1;
            let other = CanonicalHash::from_bytes(other);
            *key(*k).sk.sign(config_signature_payload(&other), None)
        }
        Signer::Junk(b) => [*b; 64],
    };
    let colon = if style & 2 != 0 { ": " } else { ":" };
    let mut fields = vec![
        format!("\"config\"{colon}\"{}\"", STANDARD.encode(json)),
        format!("\"signature\"{colon}\"{}\"", STANDARD.encode(signature)),
    ];
    if style & 1 != 0 {
        fields.reverse();
    }
    if style & 4 != 0 {
        fields.insert(1, format!("\"Configs\"{colon}{{\"config\":1}}"));
    }
    format!("{{{}}}", fields.join(",")).into_bytes()
}

/// Applies a step's byte mutation; whether it changed anything.
fn mutate(body: &mut Vec<u8>, step: &Step) -> bool {
    let len = body.len();
    let at = usize::from(step.at);
    match step.mutation % 8 {
        0 if len > 0 => body[at % len] ^= step.byte | 1,
        1 => body.insert(at % (len + 1), step.byte),
        2 if len > 0 => {
            body.remove(at % len);
        }
        3 if len > 0 => body.truncate(at % len),
        _ => return false,
    }
    true
}

/// The harness's state: the crate's rotation and the model, side by side.
struct Pair {
    rotation: Rotation,
    work: Box<VoteWork>,
    model: VoteModel,
}

impl Pair {
    fn new(json: &[u8], lifetime: u64) -> Self {
        let config = RotationConfig::from_json(json).expect("a valid initial config");
        let model = naive_config(json).expect("the model reads the initial config");
        assert_eq!(model.hash, config.hash(), "initial config hash");
        Pair {
            rotation: Rotation::with_vote_lifetime(config, lifetime),
            work: Box::new(VoteWork::new()),
            model: VoteModel::new(model, lifetime),
        }
    }

    /// One vote on both sides. `exact`: the harness wrote the body as is,
    /// so the naive reader must read it and the crate must not call it
    /// malformed. Returns the outcome's name.
    fn step(&mut self, body: &[u8], now: u64, exact: bool) -> &'static str {
        let before = self.model.clone();
        let got = self.rotation.take_vote(body, now, &mut self.work);
        let (got, rejected_hash) = observed(&got);
        let naive = naive_vote(body);
        match &naive {
            None => {
                assert!(!exact, "the naive reader refused a body the harness wrote");
                assert!(
                    matches!(got, ModelOutcome::Rejected("malformed" | "unknown_signer")),
                    "serde_json refuses this body but the crate answered {got:?}"
                );
            }
            Some(_) if got == ModelOutcome::Rejected("malformed") => {
                // §7 is stricter than serde_json; never for the harness's own.
                assert!(!exact, "a body the harness wrote was malformed");
            }
            Some(vote) => {
                let want = match self.model.take(vote, now, judge) {
                    Ok(want) => want,
                    // A key only the crate can judge: follow its rule 5.
                    Err(Undecided) => match got {
                        ModelOutcome::Rejected("invalid_config") => got.clone(),
                        _ => {
                            let voter = self
                                .model
                                .voter(&vote.proposed.hash, &vote.signature)
                                .expect("rule 2 passed in the model");
                            self.model.record(voter, vote.proposed.clone(), now)
                        }
                    },
                };
                assert_eq!(got, want, "outcome at {now}");
                if let Some(h) = rejected_hash {
                    assert_eq!(h, vote.proposed.hash, "the rejection's hash");
                }
            }
        }
        if matches!(got, ModelOutcome::Rejected(_)) {
            assert_eq!(
                self.model.current, before.current,
                "a rejection changed the model"
            );
        }
        self.check_state();
        match got {
            ModelOutcome::Applied { .. } => "applied",
            ModelOutcome::Collected { .. } => "collected",
            ModelOutcome::AlreadyCurrent => "already_current",
            ModelOutcome::Rejected(r) => r,
        }
    }

    /// The config in force and the retired window are the model's.
    fn check_state(&self) {
        let c = self.rotation.current();
        let m = &self.model.current;
        assert_eq!(c.hash(), m.hash, "config in force");
        let signers: Vec<Vec<u8>> = c.signers().map(|k| k.to_vec()).collect();
        assert_eq!(signers, m.signers, "signers in force, in order");
        assert_eq!((c.t(), c.f()), (m.t, m.f), "t and f in force");
        assert_eq!(c.master_public_key(), &m.master_public_key[..]);
        let retired: Vec<CanonicalHash> = self.rotation.retired().copied().collect();
        assert_eq!(retired, self.model.retired_window(), "retired hashes");
    }
}

/// Entry point of the `vote` target.
pub fn run(data: &[u8]) {
    run_summary(data);
}

/// Runs an input; the outcome names it reached (for seed selection).
pub fn run_summary(data: &[u8]) -> BTreeSet<&'static str> {
    match data.split_first() {
        Some((mode, rest)) if mode % 2 == 1 => structured(rest),
        Some((_, rest)) => raw(rest),
        None => BTreeSet::new(),
    }
}

fn raw(data: &[u8]) -> BTreeSet<&'static str> {
    let mut seen = BTreeSet::new();
    let Some((which, rest)) = data.split_first() else {
        return seen;
    };
    let fx = fixtures();
    let json = &fx.vector_configs[usize::from(*which) % fx.vector_configs.len()];
    let mut pair = Pair::new(json.as_bytes(), 600);
    for segment in rest.split(|b| *b == 0xFF).take(MAX_STEPS) {
        let [hi, lo, body @ ..] = segment else {
            continue;
        };
        seen.insert(pair.step(body, u64::from(u16::from_be_bytes([*hi, *lo])), false));
    }
    seen
}

fn structured(data: &[u8]) -> BTreeSet<&'static str> {
    let mut seen = BTreeSet::new();
    let Ok(s) = Scenario::arbitrary(&mut Unstructured::new(data)) else {
        return seen;
    };
    let lifetime = [0, 1, 10, 600, u64::MAX][usize::from(s.lifetime % 5)];
    let mut now = [0, 1_000_000, u64::MAX - 1_000][usize::from(s.start % 3)];
    let initial = s.initial.json();
    let initial = match naive_config(initial.as_bytes()) {
        Some(c) if super::vote_model::valid(&c, judge) == Some(true) => initial,
        _ => fixtures().vector_configs[0].clone(),
    };
    let mut pair = Pair::new(initial.as_bytes(), lifetime);
    let proposals: Vec<(String, CanonicalHash)> = s
        .proposals
        .iter()
        .map(|p| {
            let json = p.json();
            let hash = config_hash(json.as_bytes()).expect("the harness writes configs right");
            (json, hash)
        })
        .collect();
    // Every config text used so far, to propose the current or a retired one.
    let mut texts: Vec<(CanonicalHash, String)> = vec![(pair.model.current.hash, initial)];
    texts.extend(proposals.iter().map(|(j, h)| (*h, j.clone())));
    for step in s.steps.iter().take(MAX_STEPS) {
        now = now.saturating_add_signed(i64::from(step.dt));
        let text_of = |h: &CanonicalHash| {
            texts
                .iter()
                .find(|(t, _)| t == h)
                .map(|(_, j)| j.clone())
                .expect("every config in force was proposed by the harness")
        };
        let k = usize::from(step.proposal / 6);
        let (json, hash) = match step.proposal % 6 {
            i @ 0..=3 => proposals[usize::from(i)].clone(),
            4 => {
                let h = pair.model.current.hash;
                (text_of(&h), h)
            }
            _ => match pair.model.retired.get(k % pair.model.retired.len().max(1)) {
                Some(h) => (text_of(h), *h),
                None => proposals[k % 4].clone(),
            },
        };
        let mut bytes = body(&json, &hash, &step.signer, step.body_style);
        let mutated = mutate(&mut bytes, step);
        seen.insert(pair.step(&bytes, now, !mutated));
    }
    seen
}

/// Seeds: the rotation cases as raw inputs, and the first structured inputs
/// of a fixed pseudo-random stream that reach each outcome.
pub fn seeds() -> Vec<Vec<u8>> {
    let mut out = fixtures().seeds.clone();
    // Structured inputs (mode byte 1).
    out.extend(super::seeds::first_to_reach(
        0x9E37_79B9_7F4A_7C15,
        300,
        &[1],
        240,
        run_summary,
    ));
    out
}
