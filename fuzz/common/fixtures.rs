//! Fixed inputs of every target, all taken from the reference vectors: the
//! relay keys, the two requests of verify.json, and the logical results of
//! hash.json as templates.

use std::sync::OnceLock;

use ed25519_compact::{KeyPair, Seed};
use relay_verifier::{
    canonical_hash, CanonicalHash, Config, Method, RequestParams, SignerSet, Verifier,
};
use serde_json::Value;

/// Compiled in, so that a fuzz binary needs no file at run time.
pub const HASH_VECTORS: &str = include_str!("../../../shared/vectors/hash.json");
/// See [`HASH_VECTORS`].
pub const VERIFY_VECTORS: &str = include_str!("../../../shared/vectors/verify.json");

/// Relay keys a fuzzed signer set draws from: relay-node-0 to relay-node-6.
pub const UNIVERSE: usize = 7;

/// Larger results would only slow every execution down; the big vectors are
/// covered by tests/vectors.rs and tests/bounds.rs.
const TEMPLATE_MAX: usize = 4096;

/// Everything a target needs that does not come from its input.
pub struct Fixtures {
    /// relay-node-0 .. relay-node-6.
    pub relay: Vec<KeyPair>,
    /// Keys in no signer set: foreign-node-0 and relay-node-7.
    pub foreign: Vec<KeyPair>,
    /// The secrets request of verify.json, with hash.json's secrets results.
    pub secrets: MethodFixture,
    /// The capability request of verify.json, with its results.
    pub capability: MethodFixture,
    /// All of [`Fixtures::relay`] with F = 1: the vectors' 4- and 7-node
    /// bodies can all reach their quorum under it.
    pub verifier: Verifier,
}

/// One method's request and the results a fuzzed node may return for it.
pub struct MethodFixture {
    /// The request, parsed.
    pub params: RequestParams<'static>,
    /// Distinct results of hash.json for this method, with their hash under
    /// [`MethodFixture::params`].
    pub templates: Vec<Template>,
    /// Hash of an absent or `null` result.
    pub null_hash: CanonicalHash,
}

/// A logical result and its canonical hash.
pub struct Template {
    /// JSON text, as hash.json gives it.
    pub json: &'static str,
    /// Its hash under the fixture's request.
    pub hash: CanonicalHash,
}

impl Fixtures {
    /// The fixture of one method.
    pub fn method(&self, secrets: bool) -> &MethodFixture {
        if secrets {
            &self.secrets
        } else {
            &self.capability
        }
    }
}

/// The fixtures, built on first use.
pub fn get() -> &'static Fixtures {
    static FIXTURES: OnceLock<Fixtures> = OnceLock::new();
    FIXTURES.get_or_init(load)
}

/// The parsed vector files.
pub fn vectors() -> &'static (Value, Value) {
    static VECTORS: OnceLock<(Value, Value)> = OnceLock::new();
    VECTORS.get_or_init(|| {
        let parse = |text: &str| serde_json::from_str(text).expect("vector file is JSON");
        (parse(HASH_VECTORS), parse(VERIFY_VECTORS))
    })
}

fn leak(s: &str) -> &'static str {
    Box::leak(s.to_owned().into_boxed_str())
}

fn key_pair(hash: &Value, name: &str) -> KeyPair {
    let seed = hash["keys"]
        .as_array()
        .expect("keys")
        .iter()
        .find(|k| k["name"] == name)
        .and_then(|k| k["seed"].as_str())
        .unwrap_or_else(|| panic!("no key {name}"));
    let mut bytes = [0u8; 32];
    hex::decode_to_slice(seed, &mut bytes).expect("hex seed");
    KeyPair::from_seed(Seed::new(bytes))
}

fn method_fixture(hash: &Value, verify: &Value, method: Method) -> MethodFixture {
    let params_json = verify["verify_cases"]
        .as_array()
        .expect("verify_cases")
        .iter()
        .filter(|c| c["method"] == method.name())
        .filter_map(|c| c["params_json"].as_str())
        .find(|p| RequestParams::from_json(method, p.as_bytes()).is_ok())
        .map(leak)
        .expect("a valid request per method");
    let params = RequestParams::from_json(method, params_json.as_bytes()).expect("valid params");
    let mut templates: Vec<Template> = Vec::new();
    for case in hash["hash_cases"].as_array().expect("hash_cases") {
        let Some(json) = case["result_json"].as_str() else {
            continue;
        };
        let fresh = templates.iter().all(|t| t.json != json);
        if case["method"] == method.name() && json.len() <= TEMPLATE_MAX && fresh {
            let hash = canonical_hash(&params, json.as_bytes()).expect("vector result hashes");
            templates.push(Template {
                json: leak(json),
                hash,
            });
        }
    }
    let null_hash = canonical_hash(&params, b"null").expect("null result hashes");
    MethodFixture {
        params,
        templates,
        null_hash,
    }
}

fn load() -> Fixtures {
    let (hash, verify) = vectors();
    let relay: Vec<KeyPair> = (0..UNIVERSE)
        .map(|i| key_pair(hash, &format!("relay-node-{i}")))
        .collect();
    let foreign = ["foreign-node-0", "relay-node-7"]
        .iter()
        .map(|name| key_pair(hash, name))
        .collect();
    let keys: Vec<[u8; 32]> = relay.iter().map(|k| *k.pk).collect();
    let config = Config::new(SignerSet::new(&keys).expect("distinct keys"), 1).expect("F = 1");
    Fixtures {
        secrets: method_fixture(hash, verify, Method::SecretsGet),
        capability: method_fixture(hash, verify, Method::CapabilityExecute),
        relay,
        foreign,
        verifier: Verifier::new(config),
    }
}
