//! Target `verify`: a body described by structured input (`arbitrary`),
//! written the way the Go side writes it, signed with the vectors' relay
//! keys, verified, and checked against a model of PROTOCOL.md §7 that
//! knows which signatures are genuine.
//!
//! Byte-level fuzzing rarely forges a valid ed25519 signature, so it never
//! gets past "no quorum"; building bodies from labelled signatures instead
//! puts the equivocation, grouping, tie-break and index rules under test.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet, HashMap};

use arbitrary::{Arbitrary, Unstructured};
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use ed25519_compact::KeyPair;
use relay_verifier::{
    canonical_hash, CanonicalHash, Config, Error, Expected, SignerSet, Verdict, Verifier,
};

use super::{check, fixtures};

/// Most responses and candidates per response: enough for every rule,
/// small enough to keep signing cheap.
const MAX_RESPONSES: usize = 10;
const MAX_CANDIDATES: usize = 6;
/// Junk results stay below 250 bytes, so they cannot nest deep enough
/// (125 levels) to hit the depth limit inside a bundle but not alone.
const MAX_JUNK: usize = 240;

/// One fuzzed body and the configuration it is verified under.
#[derive(Arbitrary, Debug)]
pub struct Scenario {
    /// Secrets or capability request.
    pub secrets: bool,
    /// Signer set size: 2 + n % 6.
    pub n: u8,
    /// F: 1 + f % (N - 1).
    pub f: u8,
    /// Threshold above F + 1 (modulo what N allows).
    pub stricter: u8,
    /// One response (node response or merged envelope) instead of a bundle.
    pub single: bool,
    /// Write an empty bundle as `"responses": null`.
    pub null_responses: bool,
    /// The result most nodes return (a template index).
    pub common: u8,
    /// An unknown top-level field.
    pub extra: Option<u8>,
    /// The responses, in body order.
    pub responses: Vec<Response>,
}

/// One node response.
#[derive(Arbitrary, Debug)]
pub struct Response {
    /// 0..=7: the element is `null` (bundles only).
    pub null: u8,
    /// Its result.
    pub result: ResultChoice,
    /// `signature`: absent, `null`, or a candidate.
    pub signature: Field<Candidate>,
    /// `signatures`: absent, `null`, or a list of candidates.
    pub signatures: Field<Vec<Candidate>>,
    /// An unknown field.
    pub extra: Option<u8>,
    /// Rotates the order of the keys.
    pub key_order: u8,
}

/// An optional field.
#[derive(Arbitrary, Debug)]
pub enum Field<T> {
    /// Present with a value.
    Value(T),
    /// Present and `null`.
    Null,
    /// Not written.
    Absent,
}

/// What a node returned as its result.
#[derive(Arbitrary, Debug)]
pub enum ResultChoice {
    /// The scenario's common result.
    Common,
    /// Another template.
    Template(u8),
    /// No `result` key.
    Absent,
    /// `"result": null`.
    Null,
    /// More entries than the default workspace holds (secrets), or a big
    /// payload (capability).
    Oversized,
    /// Arbitrary bytes.
    Junk(Vec<u8>),
}

/// A candidate signature, described by how it was made.
#[derive(Arbitrary, Debug)]
pub struct Candidate {
    /// What the `signer` label is (see [`Label::of`]).
    pub label: u8,
    /// Which key the label names.
    pub label_arg: u8,
    /// How the signature was made (see [`Sig::of`]).
    pub sig: u8,
    /// Its parameter (other template, bit to flip, other signer).
    pub sig_arg: u16,
    /// How the base64 text is escaped (see [`Escape::of`]).
    pub escape: u8,
    /// Adds an unknown key.
    pub extra: bool,
}

#[derive(Clone, Copy, Debug)]
enum Label {
    Relay(usize),
    Foreign(usize),
    Null,
    Absent,
    NotBase64,
    Short,
    Long,
    WrongType,
    Repeated,
    /// The whole candidate is `null`.
    NullCandidate,
}

impl Label {
    fn of(c: &Candidate) -> Self {
        let arg = usize::from(c.label_arg);
        match c.label {
            0..=159 => Label::Relay(arg % fixtures::UNIVERSE),
            160..=191 => Label::Foreign(arg % 2),
            192..=199 => Label::Null,
            200..=207 => Label::Absent,
            208..=215 => Label::NotBase64,
            216..=223 => Label::Short,
            224..=231 => Label::Long,
            232..=235 => Label::WrongType,
            236..=239 => Label::Repeated,
            _ => Label::NullCandidate,
        }
    }
}

#[derive(Clone, Copy, Debug)]
enum Sig {
    Valid,
    /// Over another template's hash.
    OtherResult(usize),
    /// A valid signature with one bit flipped.
    Corrupted(usize),
    Truncated,
    /// By relay key `k`, whatever the label says.
    By(usize),
    Null,
    Absent,
    NotBase64,
    WrongType,
}

impl Sig {
    fn of(c: &Candidate) -> Self {
        let arg = usize::from(c.sig_arg);
        match c.sig {
            160..=175 => Sig::OtherResult(arg),
            176..=191 => Sig::Corrupted(arg % 512),
            192..=199 => Sig::Truncated,
            200..=215 => Sig::By(arg % fixtures::UNIVERSE),
            216..=223 => Sig::Null,
            224..=231 => Sig::Absent,
            232..=239 => Sig::NotBase64,
            240..=243 => Sig::WrongType,
            _ => Sig::Valid,
        }
    }
}

/// Base64 text may be spelled with any JSON escapes: it decodes the same.
#[derive(Clone, Copy)]
enum Escape {
    Plain,
    /// `\/` and `\u002b`.
    Punctuation,
    /// Every character as `\u00XX`.
    All,
}

impl Escape {
    fn of(c: &Candidate) -> Self {
        match c.escape {
            0..=191 => Escape::Plain,
            192..=223 => Escape::Punctuation,
            _ => Escape::All,
        }
    }

    fn literal(self, text: &str) -> String {
        let mut out = String::from("\"");
        for ch in text.chars() {
            match (self, ch) {
                (Escape::Punctuation, '/') => out.push_str("\\/"),
                (Escape::Punctuation, '+') => out.push_str("\\u002b"),
                (Escape::All, _) => out.push_str(&format!("\\u{:04X}", u32::from(ch))),
                _ => out.push(ch),
            }
        }
        out.push('"');
        out
    }
}

/// What the model says of one candidate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Fate {
    /// Breaks the envelope's shape: the whole body is malformed.
    Malformed,
    Missing,
    NotBase64,
    WrongLength,
    UnknownSigner,
    OverCapacity,
    /// Names a configured signer that an earlier candidate of the same
    /// response named: not tried (§7 rule 2).
    Repeated,
    /// Names configured signer `relay` (universe index); `genuine` when the
    /// signature verifies under it over this response's hash.
    Checked {
        relay: usize,
        genuine: bool,
    },
}

/// What the model knows of a response's result.
#[derive(Clone, Copy, Debug)]
enum Hashed {
    Hash(CanonicalHash),
    /// Well-formed, but over the workspace's capacity: no hash.
    OverCapacity,
    /// Valid JSON of the wrong shape: the body is malformed.
    Shape,
    /// Not one JSON value: embedding it may change the body's structure.
    Unknown,
}

/// Signatures by (key index, hash).
type SignatureCache = HashMap<(usize, [u8; 32]), [u8; 64]>;

thread_local! {
    /// Signing dominates the cost of a run; bodies repeat (key, hash) pairs.
    static SIGNATURES: RefCell<SignatureCache> = RefCell::new(HashMap::new());
}

/// Key `k`: relay keys first, then the foreign ones.
fn key(k: usize) -> &'static KeyPair {
    let fx = fixtures::get();
    fx.relay
        .get(k)
        .unwrap_or_else(|| &fx.foreign[k - fixtures::UNIVERSE])
}

fn sign(k: usize, hash: &CanonicalHash) -> [u8; 64] {
    SIGNATURES.with(|cache| {
        let mut cache = cache.borrow_mut();
        if cache.len() > 4096 {
            cache.clear();
        }
        *cache
            .entry((k, *hash.as_bytes()))
            .or_insert_with(|| *key(k).sk.sign(hash.signature_payload(), None))
    })
}

/// Classifies junk as a result, the way the verifier will see it.
fn hash_junk(params: &relay_verifier::RequestParams<'_>, junk: &[u8]) -> Hashed {
    match canonical_hash(params, junk) {
        Ok(h) => Hashed::Hash(h),
        Err(Error::Malformed(m)) => match m.expected {
            Expected::WithinCapacity => Hashed::OverCapacity,
            Expected::Object
            | Expected::ObjectOrNull
            | Expected::ArrayOrNull
            | Expected::StringOrNull
            | Expected::U32
            | Expected::UniqueKey(_) => Hashed::Shape,
            _ => Hashed::Unknown,
        },
        Err(e) => panic!("fixed params refused: {e}"),
    }
}

/// A body under construction and the model's view of it.
struct Built {
    body: Vec<u8>,
    /// Per response: its hash (as the model sees it) and candidate fates.
    responses: Vec<(Hashed, Vec<Fate>)>,
}

fn oversized(secrets: bool) -> String {
    if secrets {
        format!("{{\"secrets\":[{}null]}}", "null,".repeat(64))
    } else {
        format!("{{\"payload\":\"{}\"}}", "QUJD".repeat(1024))
    }
}

/// Writes one candidate object; returns its fate.
fn candidate(
    out: &mut Vec<u8>,
    c: &Candidate,
    hashed: Hashed,
    set_size: usize,
    secrets: bool,
    named: &mut BTreeSet<usize>,
) -> Fate {
    let fx = fixtures::get();
    let label = Label::of(c);
    let sig = Sig::of(c);
    let esc = Escape::of(c);
    if let Label::NullCandidate = label {
        out.extend_from_slice(b"null");
        return Fate::Missing;
    }
    let hash = match hashed {
        Hashed::Hash(h) => h,
        _ => fx.method(secrets).null_hash,
    };
    let signer_key = match label {
        Label::Relay(i) => Some(i),
        Label::Foreign(j) => Some(fixtures::UNIVERSE + j),
        _ => None,
    };
    // Whose key signs, over which hash.
    let (by, over) = match sig {
        Sig::By(k) => (k, hash),
        Sig::OtherResult(t) => {
            let templates = &fx.method(secrets).templates;
            (signer_key.unwrap_or(0), templates[t % templates.len()].hash)
        }
        _ => (signer_key.unwrap_or(0), hash),
    };
    let mut signature = sign(by, &over).to_vec();
    match sig {
        Sig::Corrupted(bit) => signature[bit / 8] ^= 1 << (bit % 8),
        Sig::Truncated => signature.truncate(63),
        _ => {}
    }
    let genuine = signer_key == Some(by) && over == hash && !matches!(sig, Sig::Corrupted(_));

    let mut fields: Vec<String> = Vec::new();
    let signer_text = |bytes: &[u8]| esc.literal(&STANDARD.encode(bytes));
    match label {
        Label::Relay(_) | Label::Foreign(_) => {
            let pk = key(signer_key.unwrap_or(0)).pk;
            fields.push(format!("\"signer\":{}", signer_text(&pk[..])));
        }
        Label::Null => fields.push("\"signer\":null".into()),
        Label::NotBase64 => fields.push(format!("\"signer\":{}", esc.literal("not base64!"))),
        Label::Short => fields.push(format!("\"signer\":{}", signer_text(&[7u8; 31]))),
        Label::Long => fields.push(format!("\"signer\":{}", signer_text(&[7u8; 33]))),
        Label::WrongType => fields.push("\"signer\":32".into()),
        Label::Repeated => {
            let pk = key(0).pk;
            fields.push(format!("\"signer\":{}", signer_text(&pk[..])));
            fields.push(format!("\"signer\":{}", signer_text(&pk[..])));
        }
        Label::Absent | Label::NullCandidate => {}
    }
    match sig {
        Sig::Null => fields.push("\"signature\":null".into()),
        Sig::Absent => {}
        Sig::NotBase64 => fields.push("\"signature\":\"@@@@\"".into()),
        Sig::WrongType => fields.push("\"signature\":[]".into()),
        _ => fields.push(format!("\"signature\":{}", signer_text(&signature))),
    }
    if c.extra {
        fields.push("\"signer_note\":{\"signer\":1,\"signature\":[null]}".into());
    }
    if c.escape % 2 == 1 {
        fields.reverse();
    }
    out.push(b'{');
    out.extend_from_slice(fields.join(",").as_bytes());
    out.push(b'}');

    if matches!(label, Label::WrongType | Label::Repeated) || matches!(sig, Sig::WrongType) {
        return Fate::Malformed;
    }
    // §7 rule 2: the signer label first; a configured signer's first
    // candidate in a response is its one try there, whatever its signature.
    match label {
        Label::Null | Label::Absent => return Fate::Missing,
        Label::NotBase64 => return Fate::NotBase64,
        Label::Short | Label::Long => return Fate::WrongLength,
        _ => {}
    }
    let relay = match label {
        Label::Relay(i) if i < set_size => i,
        _ => return Fate::UnknownSigner,
    };
    if !named.insert(relay) {
        return Fate::Repeated;
    }
    match sig {
        Sig::Null | Sig::Absent => return Fate::Missing,
        Sig::NotBase64 => return Fate::NotBase64,
        Sig::Truncated => return Fate::WrongLength,
        _ => {}
    }
    // Only a configured signer's candidate needs the response's hash.
    match hashed {
        Hashed::OverCapacity => Fate::OverCapacity,
        _ => Fate::Checked { relay, genuine },
    }
}

/// Extra values: valid JSON that must be skipped, some with known key names
/// one level down.
const EXTRAS: [&str; 6] = [
    "null",
    "{\"a\":[1,-2.5e+3,true,false,null,\"\\u00e9\\ud83d\\ude00\"]}",
    "[[[[[[[[[[]]]]]]]]]]",
    "{\"result\":1,\"signatures\":\"x\",\"responses\":{}}",
    "{\"signer\":\"AAAA\",\"signature\":null}",
    "1e400",
];

fn response(out: &mut Vec<u8>, r: &Response, s: &Scenario, set_size: usize) -> (Hashed, Vec<Fate>) {
    let fx = fixtures::get();
    let m = fx.method(s.secrets);
    let template = |i: u8| &m.templates[usize::from(i) % m.templates.len()];
    let (result, hashed): (Option<Vec<u8>>, Hashed) = match &r.result {
        ResultChoice::Common => {
            let t = template(s.common);
            (Some(t.json.as_bytes().to_vec()), Hashed::Hash(t.hash))
        }
        ResultChoice::Template(i) => {
            let t = template(*i);
            (Some(t.json.as_bytes().to_vec()), Hashed::Hash(t.hash))
        }
        ResultChoice::Absent => (None, Hashed::Hash(m.null_hash)),
        ResultChoice::Null => (Some(b"null".to_vec()), Hashed::Hash(m.null_hash)),
        ResultChoice::Oversized => {
            let json = oversized(s.secrets);
            let hashed = hash_junk(&m.params, json.as_bytes());
            (Some(json.into_bytes()), hashed)
        }
        ResultChoice::Junk(bytes) => {
            let junk = &bytes[..bytes.len().min(MAX_JUNK)];
            (Some(junk.to_vec()), hash_junk(&m.params, junk))
        }
    };
    let mut fates = Vec::new();
    let mut named = BTreeSet::new();
    let mut fields: Vec<Vec<u8>> = Vec::new();
    if let Some(result) = result {
        let mut f = b"\"result\":".to_vec();
        f.extend_from_slice(&result);
        fields.push(f);
    }
    match &r.signature {
        Field::Value(c) if !matches!(Label::of(c), Label::NullCandidate) => {
            let mut f = b"\"signature\":".to_vec();
            fates.push(candidate(
                &mut f, c, hashed, set_size, s.secrets, &mut named,
            ));
            fields.push(f);
        }
        // `"signature": null` is no candidate at all.
        Field::Value(_) | Field::Null => fields.push(b"\"signature\":null".to_vec()),
        Field::Absent => {}
    }
    match &r.signatures {
        Field::Value(list) => {
            let mut f = b"\"signatures\":[".to_vec();
            for (i, c) in list.iter().take(MAX_CANDIDATES).enumerate() {
                if i > 0 {
                    f.push(b',');
                }
                fates.push(candidate(
                    &mut f, c, hashed, set_size, s.secrets, &mut named,
                ));
            }
            f.push(b']');
            fields.push(f);
        }
        Field::Null => fields.push(b"\"signatures\":null".to_vec()),
        Field::Absent => {}
    }
    if let Some(e) = r.extra {
        fields
            .push(format!("\"node_note\":{}", EXTRAS[usize::from(e) % EXTRAS.len()]).into_bytes());
    }
    if !fields.is_empty() {
        let k = usize::from(r.key_order) % fields.len();
        fields.rotate_left(k);
    }
    out.push(b'{');
    out.extend_from_slice(&fields.join(&b","[..]));
    out.push(b'}');
    (hashed, fates)
}

fn build(s: &Scenario, set_size: usize) -> Built {
    let mut body = Vec::new();
    let mut responses = Vec::new();
    let extra = s.extra.map(|e| {
        format!(
            ",\"gateway_note\":{}",
            EXTRAS[usize::from(e) % EXTRAS.len()]
        )
    });
    if s.single {
        match s.responses.first() {
            Some(r) => responses.push(response(&mut body, r, s, set_size)),
            None => {
                body.extend_from_slice(b"{}");
                let null_hash = fixtures::get().method(s.secrets).null_hash;
                responses.push((Hashed::Hash(null_hash), Vec::new()));
            }
        }
        if let Some(extra) = extra {
            // Into the object: replace its closing brace.
            body.pop();
            if body.len() > 1 {
                body.extend_from_slice(extra.as_bytes());
            } else {
                body.extend_from_slice(&extra.as_bytes()[1..]);
            }
            body.push(b'}');
        }
        return Built { body, responses };
    }
    body.extend_from_slice(b"{\"responses\":");
    if s.responses.is_empty() && s.null_responses {
        body.extend_from_slice(b"null");
    } else {
        body.push(b'[');
        for (i, r) in s.responses.iter().take(MAX_RESPONSES).enumerate() {
            if i > 0 {
                body.push(b',');
            }
            if r.null < 8 {
                body.extend_from_slice(b"null");
                let null_hash = fixtures::get().method(s.secrets).null_hash;
                responses.push((Hashed::Hash(null_hash), Vec::new()));
            } else {
                responses.push(response(&mut body, r, s, set_size));
            }
        }
        body.push(b']');
    }
    if let Some(extra) = extra {
        body.extend_from_slice(extra.as_bytes());
    }
    body.push(b'}');
    Built { body, responses }
}

/// The model's verdict (PROTOCOL.md §7): the winning hash, its signers
/// (relay indices) and first response, or none.
struct Expectation {
    winner: Option<(CanonicalHash, BTreeSet<usize>, usize)>,
    distinct_hashes: usize,
    counted: usize,
}

fn expect(built: &Built, threshold: usize) -> Expectation {
    // Genuine (signer, hash) pairs, with the first response carrying each.
    let mut first: BTreeMap<(usize, CanonicalHash), usize> = BTreeMap::new();
    for (index, (hashed, fates)) in built.responses.iter().enumerate() {
        for fate in fates {
            if let (
                Fate::Checked {
                    relay,
                    genuine: true,
                },
                Hashed::Hash(h),
            ) = (fate, hashed)
            {
                first.entry((*relay, *h)).or_insert(index);
            }
        }
    }
    let mut hashes_of: BTreeMap<usize, usize> = BTreeMap::new();
    for (relay, _) in first.keys() {
        *hashes_of.entry(*relay).or_default() += 1;
    }
    // A signer genuine on a third hash is an equivocator: none of its votes count.
    let honest = |relay: &usize| hashes_of[relay] <= 2;
    let mut groups: BTreeMap<CanonicalHash, (BTreeSet<usize>, usize)> = BTreeMap::new();
    let mut counted = 0;
    for ((relay, hash), index) in &first {
        if honest(relay) {
            counted += 1;
            let g = groups.entry(*hash).or_insert((BTreeSet::new(), usize::MAX));
            g.0.insert(*relay);
            g.1 = g.1.min(*index);
        }
    }
    // Most signers, then the smallest hash (BTreeMap order).
    let winner = groups
        .iter()
        .filter(|(_, (signers, _))| signers.len() >= threshold)
        .max_by(|a, b| a.1 .0.len().cmp(&b.1 .0.len()).then(b.0.cmp(a.0)))
        .map(|(h, (signers, index))| (*h, signers.clone(), *index));
    Expectation {
        winner,
        distinct_hashes: groups.len(),
        counted,
    }
}

/// Builds, verifies and checks one scenario; returns the kind of verdict.
pub fn check(s: &Scenario) -> &'static str {
    let fx = fixtures::get();
    let n = 2 + usize::from(s.n) % 6;
    let f = 1 + usize::from(s.f) % (n - 1);
    let threshold = f + 1 + usize::from(s.stricter) % (n - f);
    let keys: Vec<[u8; 32]> = fx.relay[..n].iter().map(|k| *k.pk).collect();
    let set = SignerSet::new(&keys).expect("distinct relay keys");
    let verifier = Verifier::new(Config::with_threshold(set, f, threshold).expect("valid config"));
    let params = &fx.method(s.secrets).params;

    let built = build(s, n);
    let verdict = verifier.verify(params, &built.body);
    check::verdict(&verifier, params, &built.body, &verdict);
    check::batched(&verifier, params, &built.body, &verdict);
    if let Some(stats) = check::stats_of(&verdict) {
        assert!(stats.verifications <= stats.candidates);
    }

    let kind = super::seeds::verdict_kind(&verdict, s.single);

    let fates = || built.responses.iter().flat_map(|(_, f)| f.iter());
    if built
        .responses
        .iter()
        .any(|(h, _)| matches!(h, Hashed::Unknown))
    {
        return kind; // the body's structure is the junk's to decide
    }
    let shape_error = built
        .responses
        .iter()
        .any(|(h, _)| matches!(h, Hashed::Shape))
        || fates().any(|f| *f == Fate::Malformed);
    if shape_error {
        assert!(
            matches!(verdict, Verdict::Reject(Error::Malformed(_))),
            "malformed body accepted as well-formed: {verdict:?}\n{}",
            String::from_utf8_lossy(&built.body)
        );
        return kind;
    }

    let want = expect(&built, threshold);
    let stats = check::stats_of(&verdict).unwrap_or_else(|| {
        panic!(
            "well-formed body refused: {verdict:?}\n{}",
            String::from_utf8_lossy(&built.body)
        )
    });
    let count = |fate: Fate| fates().filter(|f| **f == fate).count() as u32;
    let k = &stats.skipped;
    assert_eq!(stats.responses as usize, built.responses.len());
    assert_eq!(stats.candidates as usize, fates().count());
    assert_eq!(k.missing, count(Fate::Missing));
    assert_eq!(k.not_base64, count(Fate::NotBase64));
    assert_eq!(k.wrong_length, count(Fate::WrongLength));
    assert_eq!(k.unknown_signer, count(Fate::UnknownSigner));
    assert_eq!(k.over_capacity, count(Fate::OverCapacity));
    assert_eq!(k.repeated_signer, count(Fate::Repeated));
    assert_eq!(stats.counted as usize, want.counted, "counted votes");

    match (&verdict, &want.winner) {
        (Verdict::Accept(a), Some((hash, signers, index))) => {
            assert_eq!(a.hash(), hash, "winning hash");
            let expected: Vec<[u8; 32]> = {
                let mut v: Vec<[u8; 32]> = signers.iter().map(|&i| *fx.relay[i].pk).collect();
                v.sort();
                v
            };
            let got: Vec<[u8; 32]> = a.signers().copied().collect();
            assert_eq!(got, expected, "winning signers");
            assert_eq!(a.index(), (!s.single).then_some(*index), "winning response");
        }
        (Verdict::Reject(Error::NoQuorum(q)), None) => {
            assert_eq!(q.distinct_hashes as usize, want.distinct_hashes);
        }
        (v, w) => panic!(
            "verdict {v:?}, model {w:?}\n{}",
            String::from_utf8_lossy(&built.body)
        ),
    }
    kind
}

/// Decodes a [`Scenario`] as `fuzz_target!` would, and checks it.
pub fn outcome(data: &[u8]) -> Option<&'static str> {
    let s = Scenario::arbitrary_take_rest(Unstructured::new(data)).ok()?;
    Some(check(&s))
}

/// The target's entry.
pub fn run(data: &[u8]) {
    let _ = outcome(data);
}
