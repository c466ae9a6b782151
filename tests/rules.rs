//! One focused test per rule of PROTOCOL.md and per error variant: exact
//! error variants, exact offsets, exact verification counts.
//!
//! Bodies are built here by hand (PROTOCOL.md §6) and signed with
//! ed25519-compact over the §5 payload of the library's canonical hash, so
//! every count below is what one signature more or less would change.
#![allow(clippy::result_large_err)]

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use ed25519_compact::{KeyPair, Seed};
use relay_verifier::{
    canonical_hash, canonical_hash_in, ByteString, CanonicalHash, CapabilityParams,
    CapabilityResult, Config, ConfigError, EnclaveConfig, Error, Expected, Malformed, Method,
    MethodKind, NoQuorum, ParamsError, PostCheckError, RequestParams, SecretId, SecretsParams,
    SignerSet, SkipCause, Skipped, Text, Verdict, VerifiedResponse, Verifier, VerifyStats,
    Workspace, MAX_SECRET_IDS, MAX_SIGNERS, SIGNATURE_PAYLOAD_LEN,
};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

// ---------------------------------------------------------------- fixtures

const OWNER: &str = "0x1234567890abcdef1234567890ABCDEF12345678";

const CAP: &str = r#"{"workflow_id":"wf","owner":"0x1234567890abcdef1234567890ABCDEF12345678","execution_id":"e","reference_id":"r","capability_id":"c","payload":"cA=="}"#;

const SECRETS: &str = r#"{"workflow_id":"wf","owner":"0x1234567890abcdef1234567890ABCDEF12345678","execution_id":"e","secrets":[{"key":"API_KEY","namespace":"main"},{"key":"DB_URL","namespace":"main"},{"key":"TOKEN","namespace":"ops"}],"enclave_public_key":"04a1b2"}"#;

/// Three distinct capability results.
const R1: &str = r#"{"payload":"b2s="}"#;
const R2: &str = r#"{"payload":"ZXZpbA=="}"#;
const R3: &str = r#"{"error":"boom"}"#;

/// A seed outside every signer set built here.
const FOREIGN: u8 = 200;

fn keypair(seed: u8) -> KeyPair {
    KeyPair::from_seed(Seed::new([seed; 32]))
}

fn public(seed: u8) -> [u8; 32] {
    *keypair(seed).pk
}

/// Seed `seed`'s signature over the §5 payload of `h`.
fn sign(seed: u8, h: &CanonicalHash) -> [u8; 64] {
    let payload = h.signature_payload();
    assert_eq!(payload.len(), SIGNATURE_PAYLOAD_LEN);
    *keypair(seed).sk.sign(payload, None)
}

/// `{"signer": base64(label), "signature": base64(signature)}`.
fn sig_obj(label: &[u8], signature: &[u8]) -> String {
    format!(
        r#"{{"signer":"{}","signature":"{}"}}"#,
        B64.encode(label),
        B64.encode(signature)
    )
}

/// An honest signature of `seed` over `h`, labelled with its own key.
fn sig(seed: u8, h: &CanonicalHash) -> String {
    sig_obj(&public(seed), &sign(seed, h))
}

/// A node response as today's nodes write it: result, the deprecated array,
/// and `signature` (the same signature twice).
fn node(result: &str, sig: &str) -> String {
    format!(r#"{{"result":{result},"signatures":[{sig}],"signature":{sig}}}"#)
}

/// A response carrying its signature only in `signature`.
fn single(result: &str, sig: &str) -> String {
    format!(r#"{{"result":{result},"signature":{sig}}}"#)
}

fn bundle(responses: &[String]) -> Vec<u8> {
    format!(r#"{{"responses":[{}]}}"#, responses.join(",")).into_bytes()
}

fn signer_set(seeds: impl IntoIterator<Item = u8>) -> SignerSet {
    let keys: Vec<[u8; 32]> = seeds.into_iter().map(public).collect();
    SignerSet::new(&keys).unwrap()
}

/// Signers seeded 1..=n, fault bound f.
fn verifier(n: u8, f: usize) -> Verifier {
    Verifier::new(Config::new(signer_set(1..=n), f).unwrap())
}

fn cap_params() -> RequestParams<'static> {
    RequestParams::from_json(Method::CapabilityExecute, CAP.as_bytes()).unwrap()
}

fn secrets_params() -> RequestParams<'static> {
    RequestParams::from_json(Method::SecretsGet, SECRETS.as_bytes()).unwrap()
}

fn hash_of(params: &RequestParams<'_>, result: &str) -> CanonicalHash {
    canonical_hash(params, result.as_bytes()).unwrap()
}

fn sorted_keys(seeds: &[u8]) -> Vec<[u8; 32]> {
    let mut keys: Vec<[u8; 32]> = seeds.iter().copied().map(public).collect();
    keys.sort();
    keys
}

fn accepted<'a>(v: Verdict<'a>) -> VerifiedResponse<'a> {
    match v {
        Verdict::Accept(r) => r,
        Verdict::Reject(e) => panic!("expected accept, got {}: {e}", e.reason()),
    }
}

fn rejected(v: Verdict<'_>) -> Error {
    match v {
        Verdict::Reject(e) => e,
        Verdict::Accept(r) => panic!("expected a rejection, got {r:?}"),
    }
}

fn no_quorum(v: Verdict<'_>) -> NoQuorum {
    match rejected(v) {
        Error::NoQuorum(nq) => nq,
        e => panic!("expected no_quorum, got {}: {e}", e.reason()),
    }
}

fn malformed(v: Verdict<'_>) -> Malformed {
    match rejected(v) {
        Error::Malformed(m) => m,
        e => panic!("expected malformed, got {}: {e}", e.reason()),
    }
}

fn stats(
    responses: usize,
    candidates: usize,
    verifications: usize,
    counted: usize,
    skipped: Skipped,
) -> VerifyStats {
    let mut s = VerifyStats::default();
    s.responses = responses as u32;
    s.candidates = candidates as u32;
    s.verifications = verifications as u32;
    s.counted = counted as u32;
    s.skipped = skipped;
    assert_eq!(
        candidates,
        counted + total_skipped(&skipped),
        "bad expectation"
    );
    s
}

/// A `Skipped` with the counts `set` gives it.
fn skip(set: impl FnOnce(&mut Skipped)) -> Skipped {
    let mut k = Skipped::default();
    set(&mut k);
    k
}

fn total_skipped(s: &Skipped) -> usize {
    (s.missing
        + s.not_base64
        + s.wrong_length
        + s.unknown_signer
        + s.already_counted
        + s.equivocation
        + s.invalid_signature
        + s.over_capacity
        + s.repeated_signer) as usize
}

/// Verifies and records every candidate's outcome, in body order.
fn traced<'a>(
    v: &'a Verifier,
    params: &'a RequestParams<'a>,
    body: &'a [u8],
) -> (Verdict<'a>, Vec<Result<(), SkipCause>>) {
    let mut seen = Vec::new();
    let verdict = v.verify_traced(params, body, &mut Workspace::<64, 64>::new(), |t| {
        seen.push(t.outcome)
    });
    (verdict, seen)
}

/// Display conventions: lowercase first letter, no final period.
fn assert_message_style(s: &str) {
    let first = s.chars().next().expect("non-empty message");
    assert!(!first.is_uppercase(), "starts uppercase: {s:?}");
    assert!(!s.ends_with('.'), "ends with a period: {s:?}");
}

// ------------------------------------------------------------ §7 configuration

#[test]
fn config_refuses_f_zero() {
    assert_eq!(
        Config::new(signer_set(1..=4), 0),
        Err(ConfigError::FaultBoundZero)
    );
}

#[test]
fn config_refuses_f_plus_one_above_n() {
    assert_eq!(
        Config::new(signer_set(1..=4), 4),
        Err(ConfigError::ThresholdUnreachable {
            threshold: 5,
            signers: 4
        })
    );
    // F+1 = N is the boundary that is still allowed.
    let c = Config::new(signer_set(1..=4), 3).unwrap();
    assert_eq!((c.f(), c.threshold(), c.signers().len()), (3, 4, 4));
    // An empty set can never reach F+1.
    assert_eq!(
        Config::new(SignerSet::new(&[]).unwrap(), 1),
        Err(ConfigError::ThresholdUnreachable {
            threshold: 2,
            signers: 0
        })
    );
}

#[test]
fn config_refuses_duplicate_keys() {
    let (a, b) = (public(1), public(2));
    assert_eq!(
        SignerSet::new(&[a, b, a]),
        Err(ConfigError::DuplicateSigner { index: 2 })
    );
    assert_eq!(
        SignerSet::from_slices([&b[..], &b[..]]),
        Err(ConfigError::DuplicateSigner { index: 1 })
    );
}

#[test]
fn config_refuses_keys_not_32_bytes() {
    let a = public(1);
    let long = [a.as_slice(), &[0u8]].concat();
    assert_eq!(
        SignerSet::from_slices([&a[..], &long[..]]),
        Err(ConfigError::KeyLength { index: 1, len: 33 })
    );
    assert_eq!(
        SignerSet::from_slices([&[][..]]),
        Err(ConfigError::KeyLength { index: 0, len: 0 })
    );
    assert_eq!(
        SignerSet::from_slices([&a[..], &public(2)[..], &a[..31]]),
        Err(ConfigError::KeyLength { index: 2, len: 31 })
    );
}

#[test]
fn config_refuses_weak_and_invalid_keys() {
    // The identity point (order 1) and the all-zero encoding (y = 0, order 4).
    let mut identity = [0u8; 32];
    identity[0] = 1;
    assert_eq!(
        SignerSet::new(&[public(1), identity]),
        Err(ConfigError::WeakKey { index: 1 })
    );
    assert_eq!(
        SignerSet::new(&[[0u8; 32]]),
        Err(ConfigError::WeakKey { index: 0 })
    );
    // y = 2 is not the y-coordinate of any curve point.
    let mut not_a_point = [0u8; 32];
    not_a_point[0] = 2;
    assert_eq!(
        SignerSet::new(&[public(1), public(2), not_a_point]),
        Err(ConfigError::InvalidKey { index: 2 })
    );
}

#[test]
fn config_threshold_bounds() {
    let set = signer_set(1..=4);
    assert_eq!(
        Config::with_threshold(set.clone(), 1, 1),
        Err(ConfigError::ThresholdBelowFPlusOne {
            threshold: 1,
            minimum: 2
        })
    );
    assert_eq!(
        Config::with_threshold(set.clone(), 1, 5),
        Err(ConfigError::ThresholdUnreachable {
            threshold: 5,
            signers: 4
        })
    );
    // F = 0 is refused whatever the threshold.
    assert_eq!(
        Config::with_threshold(set.clone(), 0, 2),
        Err(ConfigError::FaultBoundZero)
    );
    assert_eq!(
        Config::with_threshold(set.clone(), 1, 4)
            .unwrap()
            .threshold(),
        4
    );
    assert_eq!(Config::with_threshold(set, 1, 2).unwrap().threshold(), 2);
}

#[test]
fn stricter_threshold_needs_that_many_signers() {
    let v = Verifier::new(Config::with_threshold(signer_set(1..=4), 1, 3).unwrap());
    let p = cap_params();
    let h = hash_of(&p, R1);
    let two = bundle(&[single(R1, &sig(1, &h)), single(R1, &sig(2, &h))]);
    let nq = no_quorum(v.verify(&p, &two));
    assert_eq!(nq.threshold, 3);
    assert_eq!(nq.leader, Some((h, 2)));
    let three = bundle(&[
        single(R1, &sig(1, &h)),
        single(R1, &sig(2, &h)),
        single(R1, &sig(3, &h)),
    ]);
    assert_eq!(accepted(v.verify(&p, &three)).signer_count(), 3);
}

#[test]
fn config_refuses_more_than_max_signers() {
    assert_eq!(MAX_SIGNERS, 64);
    let keys: Vec<[u8; 32]> = (1..=65u8).map(public).collect();
    assert_eq!(
        SignerSet::new(&keys),
        Err(ConfigError::TooManySigners { max: 64 })
    );
    let set = SignerSet::new(&keys[..64]).unwrap();
    assert_eq!(set.len(), 64);
    // Kept sorted bytewise.
    assert!(set.keys().windows(2).all(|w| w[0] < w[1]));
}

#[test]
fn config_error_messages() {
    let cases: [(ConfigError, &str); 8] = [
        (
            ConfigError::FaultBoundZero,
            "the fault bound f must be at least 1",
        ),
        (
            ConfigError::ThresholdUnreachable {
                threshold: 5,
                signers: 4,
            },
            "threshold 5 can never be met by 4 signers",
        ),
        (
            ConfigError::ThresholdBelowFPlusOne {
                threshold: 1,
                minimum: 2,
            },
            "threshold 1 is below F+1 = 2",
        ),
        (
            ConfigError::DuplicateSigner { index: 2 },
            "signer 2 repeats an earlier key",
        ),
        (
            ConfigError::KeyLength { index: 1, len: 33 },
            "signer 1 is 33 bytes, not 32",
        ),
        (
            ConfigError::InvalidKey { index: 3 },
            "signer 3 is not a valid ed25519 public key",
        ),
        (
            ConfigError::WeakKey { index: 0 },
            "signer 0 is a small-order (weak) key",
        ),
        (
            ConfigError::TooManySigners { max: 64 },
            "more than 64 signers",
        ),
    ];
    for (e, want) in cases {
        assert_eq!(e.to_string(), want);
        assert!(!want.ends_with('.'));
        assert_eq!(e.reason(), "invalid_config");
        assert_message_style(&e.to_string());
    }
}

// ---------------------------------------------------------------- §2 params

fn params_err(method: Method, json: &str) -> Result<(), ParamsError> {
    RequestParams::from_json(method, json.as_bytes()).map(|_| ())
}

fn secrets_value() -> Value {
    serde_json::from_str(SECRETS).unwrap()
}

fn cap_value() -> Value {
    serde_json::from_str(CAP).unwrap()
}

#[test]
fn params_required_fields_absent_empty_or_null() {
    let cases = [
        (
            Method::SecretsGet,
            secrets_value(),
            MethodKind::Secrets,
            &["workflow_id", "owner", "execution_id", "enclave_public_key"][..],
        ),
        (
            Method::CapabilityExecute,
            cap_value(),
            MethodKind::Capability,
            &[
                "workflow_id",
                "owner",
                "execution_id",
                "reference_id",
                "capability_id",
                "payload",
            ][..],
        ),
    ];
    for (method, base, kind, fields) in cases {
        assert_eq!(params_err(method, &base.to_string()), Ok(()));
        for &field in fields {
            let want = Err(ParamsError::Required {
                method: kind,
                field,
            });
            let mut absent = base.clone();
            absent.as_object_mut().unwrap().remove(field);
            assert_eq!(params_err(method, &absent.to_string()), want, "{field}");
            for empty in [json!(""), Value::Null] {
                let mut v = base.clone();
                v[field] = empty;
                assert_eq!(params_err(method, &v.to_string()), want, "{field}");
            }
        }
    }
    // org_id is the one optional string.
    let mut v = secrets_value();
    v["org_id"] = json!("");
    assert_eq!(params_err(Method::SecretsGet, &v.to_string()), Ok(()));
}

#[test]
fn params_owner_must_be_0x_and_40_hex_digits() {
    let forty = "1234567890abcdef1234567890ABCDEF12345678";
    let bad = [
        format!("0X{forty}"),
        format!("00{forty}"),
        format!("0x{}", &forty[..39]),
        format!("0x{forty}0"),
        format!("0x{}g", &forty[..39]),
        format!(" 0x{forty}"),
        "0x".to_string(),
    ];
    for (method, base, kind) in [
        (Method::SecretsGet, secrets_value(), MethodKind::Secrets),
        (
            Method::CapabilityExecute,
            cap_value(),
            MethodKind::Capability,
        ),
    ] {
        for owner in &bad {
            let mut v = base.clone();
            v["owner"] = json!(owner);
            assert_eq!(
                params_err(method, &v.to_string()),
                Err(ParamsError::OwnerFormat(kind)),
                "{owner}"
            );
        }
        for good in [
            format!("0x{}", forty.to_lowercase()),
            format!("0x{}", forty.to_uppercase()),
        ] {
            let mut v = base.clone();
            v["owner"] = json!(good);
            assert_eq!(params_err(method, &v.to_string()), Ok(()), "{good}");
        }
    }
    // Escaped digits are checked decoded.
    let escaped = SECRETS.replace("\"0x12", "\"\\u0030\\u007812");
    assert_eq!(params_err(Method::SecretsGet, &escaped), Ok(()));
}

#[test]
fn params_owner_is_hashed_as_given_never_normalized() {
    let lower = CAP.replace(OWNER, &OWNER.to_lowercase());
    let lower = RequestParams::from_json(Method::CapabilityExecute, lower.as_bytes()).unwrap();
    assert_ne!(hash_of(&lower, R1), hash_of(&cap_params(), R1));
}

#[test]
fn params_enclave_public_key_even_length_hex() {
    for bad in ["0a0", "0", "zz", "0x0a", "0a 0"] {
        let mut v = secrets_value();
        v["enclave_public_key"] = json!(bad);
        assert_eq!(
            params_err(Method::SecretsGet, &v.to_string()),
            Err(ParamsError::EnclaveKeyNotHex),
            "{bad}"
        );
    }
    for good in ["0a0B", "AB", "ffff"] {
        let mut v = secrets_value();
        v["enclave_public_key"] = json!(good);
        assert_eq!(params_err(Method::SecretsGet, &v.to_string()), Ok(()));
    }
}

#[test]
fn params_secrets_list_non_empty() {
    for empty in [json!([]), Value::Null] {
        let mut v = secrets_value();
        v["secrets"] = empty;
        assert_eq!(
            params_err(Method::SecretsGet, &v.to_string()),
            Err(ParamsError::SecretsEmpty)
        );
    }
    let mut v = secrets_value();
    v.as_object_mut().unwrap().remove("secrets");
    assert_eq!(
        params_err(Method::SecretsGet, &v.to_string()),
        Err(ParamsError::SecretsEmpty)
    );
}

#[test]
fn params_secret_ids_need_key_and_namespace() {
    let with = |ids: Value| {
        let mut v = secrets_value();
        v["secrets"] = ids;
        params_err(Method::SecretsGet, &v.to_string())
    };
    assert_eq!(
        with(json!([{"key":"a","namespace":"n"},{"key":"","namespace":"n"}])),
        Err(ParamsError::SecretKeyRequired { index: 1 })
    );
    assert_eq!(
        with(json!([{"key":"a"}])),
        Err(ParamsError::SecretNamespaceRequired { index: 0 })
    );
    assert_eq!(
        with(json!([{"key":"a","namespace":"n"},{"key":"b","namespace":"m"},null])),
        Err(ParamsError::SecretKeyRequired { index: 2 })
    );
    assert_eq!(
        with(json!([{"key":"a","namespace":null}])),
        Err(ParamsError::SecretNamespaceRequired { index: 0 })
    );
}

#[test]
fn params_secret_ids_capacity() {
    assert_eq!(MAX_SECRET_IDS, 64);
    let ids = |n: usize| -> Value {
        (0..n)
            .map(|i| json!({"key": format!("k{i}"), "namespace": "n"}))
            .collect()
    };
    let mut v = secrets_value();
    v["secrets"] = ids(64);
    assert_eq!(params_err(Method::SecretsGet, &v.to_string()), Ok(()));
    v["secrets"] = ids(65);
    assert_eq!(
        params_err(Method::SecretsGet, &v.to_string()),
        Err(ParamsError::Capacity {
            what: "secret identifiers",
            max: 64
        })
    );
}

#[test]
fn params_repeated_secret_ids_are_allowed_and_hashed() {
    // §2 does not forbid a repeated identifier (§9 says how it is ordered).
    let mut v = secrets_value();
    v["secrets"] = json!([{"key":"A","namespace":"n"},{"key":"A","namespace":"n"}]);
    let twice = v.to_string();
    let twice = RequestParams::from_json(Method::SecretsGet, twice.as_bytes()).unwrap();
    v["secrets"] = json!([{"key":"A","namespace":"n"}]);
    let once = v.to_string();
    let once = RequestParams::from_json(Method::SecretsGet, once.as_bytes()).unwrap();
    // `len(#ids)` counts both.
    assert_ne!(hash_of(&twice, "{}"), hash_of(&once, "{}"));
}

#[test]
fn params_enclave_config_rules() {
    let config = |c: Value| {
        let mut v = secrets_value();
        v["enclave_config"] = c;
        params_err(Method::SecretsGet, &v.to_string())
    };
    let m = MethodKind::Secrets;
    assert_eq!(
        config(json!({"signers":[],"master_public_key":"bWs=","t":1,"f":1})),
        Err(ParamsError::ConfigSignersEmpty(m))
    );
    assert_eq!(
        config(json!({"signers":null,"master_public_key":"bWs=","t":1,"f":1})),
        Err(ParamsError::ConfigSignersEmpty(m))
    );
    assert_eq!(
        config(json!({"master_public_key":"bWs=","t":1,"f":1})),
        Err(ParamsError::ConfigSignersEmpty(m))
    );
    assert_eq!(
        config(json!({"signers":["AQ==","AQI=",""],"master_public_key":"bWs=","t":1,"f":1})),
        Err(ParamsError::ConfigSignerEmpty {
            method: m,
            index: 2
        })
    );
    assert_eq!(
        config(json!({"signers":["AQ==",null],"master_public_key":"bWs=","t":1,"f":1})),
        Err(ParamsError::ConfigSignerEmpty {
            method: m,
            index: 1
        })
    );
    assert_eq!(
        config(json!({"signers":["AQ=="],"master_public_key":"bWs=","t":1,"f":0})),
        Err(ParamsError::ConfigFaultBoundZero(m))
    );
    assert_eq!(
        config(json!({"signers":["AQ=="],"master_public_key":"bWs=","t":1})),
        Err(ParamsError::ConfigFaultBoundZero(m))
    );
    assert_eq!(
        config(json!({"signers":["AQ=="],"master_public_key":"","t":1,"f":1})),
        Err(ParamsError::ConfigMasterKeyEmpty(m))
    );
    assert_eq!(
        config(json!({"signers":["AQ=="],"t":1,"f":1})),
        Err(ParamsError::ConfigMasterKeyEmpty(m))
    );
    // Byte strings are Go's `[]byte`: standard padded base64.
    assert_eq!(
        config(json!({"signers":["AQ"],"master_public_key":"bWs=","t":1,"f":1})),
        Err(ParamsError::NotBase64 {
            field: "enclave_config.signers"
        })
    );
    assert_eq!(
        config(json!({"signers":["AQ=="],"master_public_key":"b-s_","t":1,"f":1})),
        Err(ParamsError::NotBase64 {
            field: "enclave_config.master_public_key"
        })
    );
    let many: Vec<String> = (0..33u8).map(|i| B64.encode([i])).collect();
    assert_eq!(
        config(json!({"signers":many,"master_public_key":"bWs=","t":1,"f":1})),
        Err(ParamsError::Capacity {
            what: "enclave_config signers",
            max: 32
        })
    );
    assert_eq!(
        config(json!({"signers":many[..32],"master_public_key":"bWs=","t":0,"f":1})),
        Ok(())
    );
    assert_eq!(config(Value::Null), Ok(()));
    // The capability request names itself.
    let mut v = cap_value();
    v["enclave_config"] = json!({"signers":["AQ=="],"master_public_key":"bWs=","t":1,"f":0});
    assert_eq!(
        params_err(Method::CapabilityExecute, &v.to_string()),
        Err(ParamsError::ConfigFaultBoundZero(MethodKind::Capability))
    );
    v["enclave_config"] = json!({"signers":[],"master_public_key":"bWs=","t":1,"f":1});
    assert_eq!(
        params_err(Method::CapabilityExecute, &v.to_string()),
        Err(ParamsError::ConfigSignersEmpty(MethodKind::Capability))
    );
}

/// An `enclave_config` as raw parts: signers, master key, `t`, `f`.
type RawConfig<'a> = (&'a [&'a [u8]], &'a [u8], u32, u32);

/// §4 for the capability hash, written independently of the library.
fn reference_capability_hash(
    strings: [&str; 7],
    cfg: Option<RawConfig<'_>>,
    result: (&str, &str),
) -> CanonicalHash {
    let mut h = Sha256::new();
    h.update(b"CONFIDENTIAL_COMPUTE_PAYLOAD\nCapabilityResponseResult\n");
    let bytes = |h: &mut Sha256, b: &[u8]| {
        h.update((b.len() as u64).to_be_bytes());
        h.update(b);
    };
    for s in strings {
        bytes(&mut h, s.as_bytes());
    }
    if let Some((signers, master, t, f)) = cfg {
        let mut sorted = signers.to_vec();
        sorted.sort();
        h.update((sorted.len() as u64).to_be_bytes());
        for s in sorted {
            bytes(&mut h, s);
        }
        bytes(&mut h, master);
        h.update(t.to_be_bytes());
        h.update(f.to_be_bytes());
    }
    bytes(&mut h, result.0.as_bytes());
    bytes(&mut h, result.1.as_bytes());
    CanonicalHash::from_bytes(h.finalize().into())
}

#[test]
fn params_enclave_config_is_hashed_sorted_and_decoded() {
    let mut v = cap_value();
    v["enclave_config"] = json!({"signers":["AwQ=","AQI="],"master_public_key":"bWs=","t":2,"f":1});
    let text = v.to_string();
    let p = RequestParams::from_json(Method::CapabilityExecute, text.as_bytes()).unwrap();
    let want = reference_capability_hash(
        ["wf", OWNER, "e", "", "r", "c", "cA=="],
        Some((&[&[3, 4], &[1, 2]], b"mk", 2, 1)),
        ("b2s=", ""),
    );
    assert_eq!(hash_of(&p, R1), want);
}

#[test]
fn params_enclave_config_accepts_long_byte_strings() {
    // §2 sets no length limit on `master_public_key` or a config signer (a
    // threshold-decryption master key can be hundreds of bytes): valid
    // base64 must be accepted and hashed, never called "not padded base64".
    for len in [32usize, 128, 129, 300] {
        let long = vec![7u8; len];
        for (signer, master) in [(&[1u8, 2][..], &long[..]), (&long[..], &b"mk"[..])] {
            let mut v = cap_value();
            v["enclave_config"] = json!({
                "signers": [B64.encode(signer)],
                "master_public_key": B64.encode(master),
                "t": 1,
                "f": 1
            });
            let text = v.to_string();
            let p = RequestParams::from_json(Method::CapabilityExecute, text.as_bytes())
                .unwrap_or_else(|e| panic!("{len} bytes: {e:?}"));
            let want = reference_capability_hash(
                ["wf", OWNER, "e", "", "r", "c", "cA=="],
                Some((&[signer], master, 1, 1)),
                ("b2s=", ""),
            );
            assert_eq!(hash_of(&p, R1), want, "{len} bytes");
        }
    }
}

#[test]
fn params_wrong_types_are_json_errors_with_offsets() {
    let cases: [(Method, &str, usize, Expected); 9] = [
        (
            Method::SecretsGet,
            r#"{"workflow_id":5}"#,
            15,
            Expected::StringOrNull,
        ),
        (
            Method::SecretsGet,
            r#"{"secrets":{}}"#,
            11,
            Expected::ArrayOrNull,
        ),
        (
            Method::SecretsGet,
            r#"{"secrets":["x"]}"#,
            12,
            Expected::ObjectOrNull,
        ),
        (
            Method::SecretsGet,
            r#"{"enclave_config":[]}"#,
            18,
            Expected::ObjectOrNull,
        ),
        (
            Method::SecretsGet,
            r#"{"enclave_config":{"t":-1}}"#,
            23,
            Expected::U32,
        ),
        (
            Method::SecretsGet,
            r#"{"enclave_config":{"f":4294967296}}"#,
            23,
            Expected::U32,
        ),
        (
            Method::CapabilityExecute,
            r#"{"enclave_config":{"t":1.5}}"#,
            23,
            Expected::U32,
        ),
        (Method::CapabilityExecute, r#"[]"#, 0, Expected::Object),
        (
            Method::CapabilityExecute,
            r#"{} x"#,
            3,
            Expected::EndOfInput,
        ),
    ];
    for (method, text, offset, expected) in cases {
        assert_eq!(
            params_err(method, text),
            Err(ParamsError::Json(Malformed::new(offset, expected))),
            "{text}"
        );
    }
}

#[test]
fn params_repeated_known_key_is_refused_naming_it() {
    let cases: [(Method, &str, usize, &str); 5] = [
        (
            Method::SecretsGet,
            r#"{"workflow_id":"a","workflow_id":"b"}"#,
            19,
            "workflow_id",
        ),
        // Keys compare decoded: `workflow_\u0069d` is `workflow_id`.
        (
            Method::CapabilityExecute,
            r#"{"workflow_id":"a","workflow_\u0069d":"a"}"#,
            19,
            "workflow_id",
        ),
        (
            Method::SecretsGet,
            r#"{"secrets":[{"key":"a","key":"b"}]}"#,
            23,
            "key",
        ),
        (
            Method::SecretsGet,
            r#"{"enclave_config":{"f":1,"f":1}}"#,
            25,
            "f",
        ),
        (
            Method::CapabilityExecute,
            r#"{"payload":"a","payload":"a"}"#,
            15,
            "payload",
        ),
    ];
    for (method, text, offset, key) in cases {
        assert_eq!(
            params_err(method, text),
            Err(ParamsError::Json(Malformed::new(
                offset,
                Expected::UniqueKey(key)
            ))),
            "{text}"
        );
    }
}

#[test]
fn params_unknown_fields_ignored_and_unhashed_fields_unhashed() {
    let base = hash_of(&cap_params(), R1);
    let mut v = cap_value();
    v["future"] = json!({"deep": [1, {"x": null}], "secrets": {}});
    v["attestation"] = json!("YXR0ZXN0");
    v["org_id"] = Value::Null;
    v["enclave_config"] = Value::Null;
    let text = v.to_string();
    let p = RequestParams::from_json(Method::CapabilityExecute, text.as_bytes()).unwrap();
    assert_eq!(hash_of(&p, R1), base);
    // A repeated unknown key is no error.
    let dup = CAP.replacen('{', r#"{"x":1,"x":2,"#, 1);
    assert_eq!(params_err(Method::CapabilityExecute, &dup), Ok(()));

    let base = hash_of(&secrets_params(), "{}");
    let mut v = secrets_value();
    v["attestation"] = json!("YXR0ZXN0");
    v["signed_compute_requests"] = json!([{"anything": [true]}]);
    v["secrets"][0]["extra"] = json!({"k": [[]]});
    let text = v.to_string();
    let p = RequestParams::from_json(Method::SecretsGet, text.as_bytes()).unwrap();
    assert_eq!(hash_of(&p, "{}"), base);
    // org_id: absent, null and "" hash alike; any other value does not.
    v["org_id"] = json!("");
    let text = v.to_string();
    let p = RequestParams::from_json(Method::SecretsGet, text.as_bytes()).unwrap();
    assert_eq!(hash_of(&p, "{}"), base);
    v["org_id"] = json!("o");
    let text = v.to_string();
    let p = RequestParams::from_json(Method::SecretsGet, text.as_bytes()).unwrap();
    assert_ne!(hash_of(&p, "{}"), base);
}

#[test]
fn params_escapes_in_keys_and_values_decode() {
    let escaped = r#" { "workflow_\u0069d" : "w\u0066", "owner":"0x1234567890abcdef1234567890ABCDEF12345678",
        "execution_id":"\u0065", "reference_id":"r", "capability_\u0069d":"\u0063",
        "payload":"cA\u003d\u003d" } "#;
    let p = RequestParams::from_json(Method::CapabilityExecute, escaped.as_bytes()).unwrap();
    let RequestParams::Capability(c) = &p else {
        panic!("capability")
    };
    assert_eq!(c.workflow_id, "wf");
    assert_eq!(c.payload, "cA==");
    assert_eq!(hash_of(&p, R1), hash_of(&cap_params(), R1));
    assert_eq!(
        hash_of(&p, R1),
        reference_capability_hash(["wf", OWNER, "e", "", "r", "c", "cA=="], None, ("b2s=", ""))
    );
}

#[test]
fn params_unknown_method() {
    assert_eq!(
        Method::from_name("confidential.secrets.put"),
        Err(ParamsError::UnknownMethod)
    );
    for m in [Method::SecretsGet, Method::CapabilityExecute] {
        assert_eq!(Method::from_name(m.name()), Ok(m));
    }
}

#[test]
fn params_built_in_code_validate_like_json() {
    let ids = [
        SecretId::new("API_KEY", "main"),
        SecretId::new("DB_URL", "main"),
        SecretId::new("TOKEN", "ops"),
    ];
    let code = SecretsParams::new(
        Text::new("wf"),
        Text::new(OWNER),
        "e".into(),
        &ids,
        "04a1b2".into(),
    )
    .unwrap();
    // Borrowed, not copied: the identifiers read back are the slice's.
    assert!(code.secrets().iter().eq(ids.iter().copied()));
    assert_eq!(code.secrets().len(), 3);
    assert_eq!(code.secrets().get(2), Some(ids[2]));
    assert_eq!(code.validate(), Ok(()));
    let code = RequestParams::Secrets(code);
    let result = r#"{"secrets":[{"id":{"key":"TOKEN","namespace":"ops"},"ciphertext":"YQ=="}]}"#;
    assert_eq!(hash_of(&code, result), hash_of(&secrets_params(), result));

    // An enclave config given as raw bytes hashes like its base64 JSON form.
    let cfg = EnclaveConfig::new(
        &[ByteString::Raw(&[3, 4]), ByteString::Raw(&[1, 2])],
        ByteString::Raw(b"mk"),
        2,
        1,
    )
    .unwrap();
    assert_eq!(cfg.signers().len(), 2);
    let mut code = CapabilityParams::new(
        "wf".into(),
        OWNER.into(),
        "e".into(),
        "r".into(),
        "c".into(),
        "cA==".into(),
    );
    code.enclave_config = Some(cfg.clone());
    let mut v = cap_value();
    v["enclave_config"] = json!({"signers":["AwQ=","AQI="],"master_public_key":"bWs=","t":2,"f":1});
    let text = v.to_string();
    let from_json = RequestParams::from_json(Method::CapabilityExecute, text.as_bytes()).unwrap();
    let code = RequestParams::Capability(code);
    assert_eq!(hash_of(&code, R1), hash_of(&from_json, R1));

    // Invalid parameters built in code are refused by the same rules, by
    // `validate`, by `canonical_hash` and by the verifier before the body
    // is even read.
    let RequestParams::Capability(mut bad) = code.clone() else {
        unreachable!()
    };
    bad.owner = Text::new("0xnothex");
    assert_eq!(
        bad.validate(),
        Err(ParamsError::OwnerFormat(MethodKind::Capability))
    );
    let bad = RequestParams::Capability(bad);
    assert_eq!(
        canonical_hash(&bad, R1.as_bytes()),
        Err(Error::InvalidParams(ParamsError::OwnerFormat(
            MethodKind::Capability
        )))
    );
    let e = rejected(verifier(4, 1).verify(&bad, b"not json"));
    assert_eq!(
        e,
        Error::InvalidParams(ParamsError::OwnerFormat(MethodKind::Capability))
    );
    assert_eq!(e.reason(), "invalid_params");

    let RequestParams::Capability(mut bad) = code else {
        unreachable!()
    };
    let mut zero_f = cfg.clone();
    zero_f.f = 0;
    bad.enclave_config = Some(zero_f);
    assert_eq!(
        RequestParams::Capability(bad.clone()).validate(),
        Err(ParamsError::ConfigFaultBoundZero(MethodKind::Capability))
    );
    bad.enclave_config = Some(
        EnclaveConfig::new(
            &[ByteString::Raw(&[1]), ByteString::Raw(&[])],
            cfg.master_public_key,
            cfg.t,
            cfg.f,
        )
        .unwrap(),
    );
    assert_eq!(
        bad.validate(),
        Err(ParamsError::ConfigSignerEmpty {
            method: MethodKind::Capability,
            index: 1
        })
    );
    let empty =
        SecretsParams::new("wf".into(), OWNER.into(), "e".into(), &[], "04".into()).unwrap();
    assert_eq!(empty.validate(), Err(ParamsError::SecretsEmpty));
    // More identifiers than the build holds is a capacity error, not a panic.
    let many = vec![SecretId::new("k", "n"); MAX_SECRET_IDS + 1];
    assert_eq!(
        SecretsParams::new("wf".into(), OWNER.into(), "e".into(), &many, "04".into()).unwrap_err(),
        ParamsError::Capacity {
            what: "secret identifiers",
            max: MAX_SECRET_IDS
        }
    );
}

#[test]
fn params_error_messages() {
    let cases: [(ParamsError, &str); 14] = [
        (ParamsError::UnknownMethod, "unknown method"),
        (
            ParamsError::Json(Malformed::new(3, Expected::EndOfInput)),
            "not valid parameters JSON: at byte 3: expected only whitespace after the value",
        ),
        (
            ParamsError::Required {
                method: MethodKind::Capability,
                field: "payload",
            },
            "capability request: payload is required",
        ),
        (
            ParamsError::OwnerFormat(MethodKind::Secrets),
            "secrets request: owner must be 0x followed by 40 hex digits",
        ),
        (
            ParamsError::EnclaveKeyNotHex,
            "secrets request: enclave_public_key must be even-length hex",
        ),
        (
            ParamsError::SecretsEmpty,
            "secrets request: secrets must be non-empty",
        ),
        (
            ParamsError::SecretKeyRequired { index: 1 },
            "secrets request: secrets[1].key is required",
        ),
        (
            ParamsError::SecretNamespaceRequired { index: 0 },
            "secrets request: secrets[0].namespace is required",
        ),
        (
            ParamsError::ConfigSignersEmpty(MethodKind::Capability),
            "capability request: enclave_config.signers must be non-empty",
        ),
        (
            ParamsError::ConfigSignerEmpty {
                method: MethodKind::Secrets,
                index: 2,
            },
            "secrets request: enclave_config.signers[2] is empty",
        ),
        (
            ParamsError::ConfigFaultBoundZero(MethodKind::Secrets),
            "secrets request: enclave_config.f must be greater than 0",
        ),
        (
            ParamsError::ConfigMasterKeyEmpty(MethodKind::Capability),
            "capability request: enclave_config.master_public_key must be non-empty",
        ),
        (
            ParamsError::NotBase64 {
                field: "enclave_config.signers",
            },
            "enclave_config.signers is not padded base64",
        ),
        (
            ParamsError::Capacity {
                what: "secret identifiers",
                max: 64,
            },
            "more than 64 secret identifiers (capacity of this build)",
        ),
    ];
    for (e, want) in cases {
        assert_eq!(e.to_string(), want);
        assert_message_style(want);
        let outer = Error::from(e);
        assert_eq!(outer.reason(), "invalid_params");
        assert_eq!(
            outer.to_string(),
            format!("invalid request parameters: {want}")
        );
    }
}

// ------------------------------------------------------------- §7 the quorum

#[test]
fn quorum_is_label_driven_one_verification_per_candidate() {
    // Node 1 signs, but the label names node 2: checked under key 2 only,
    // so it is invalid even though it would verify under key 1.
    let v = verifier(4, 1);
    let p = cap_params();
    let h = hash_of(&p, R1);
    let relabelled = sig_obj(&public(2), &sign(1, &h));
    let body = bundle(&[single(R1, &relabelled), single(R1, &sig(3, &h))]);
    let (verdict, trace) = traced(&v, &p, &body);
    assert_eq!(trace, [Err(SkipCause::InvalidSignature), Ok(())]);
    let nq = no_quorum(verdict);
    assert_eq!(
        nq.stats,
        stats(
            2,
            2,
            2,
            1,
            skip(|k| {
                k.invalid_signature = 1;
            })
        )
    );
    assert_eq!(nq.leader, Some((h, 1)));
    // The same signature under its true label counts.
    let body = bundle(&[single(R1, &sig(1, &h)), single(R1, &sig(3, &h))]);
    let r = accepted(v.verify(&p, &body));
    assert_eq!(r.stats().verifications, 2);
    assert_eq!(
        r.signers().copied().collect::<Vec<_>>(),
        sorted_keys(&[1, 3])
    );
}

#[test]
fn quorum_invalid_candidate_does_not_block_a_later_valid_one() {
    let v = verifier(4, 1);
    let p = cap_params();
    let h = hash_of(&p, R1);
    let junk = sig_obj(&public(1), &[0x5a; 64]);
    let body = bundle(&[
        single(R1, &junk),
        single(R1, &sig(1, &h)),
        single(R1, &sig(2, &h)),
    ]);
    let r = accepted(v.verify(&p, &body));
    assert_eq!(r.index(), Some(1));
    assert_eq!(
        *r.stats(),
        stats(
            3,
            3,
            3,
            2,
            skip(|k| {
                k.invalid_signature = 1;
            })
        )
    );
}

/// §7 rule 2: within one response only the first candidate naming a
/// configured signer is tried, whatever it holds; later ones cost nothing.
#[test]
fn quorum_one_try_per_signer_per_response() {
    let v = verifier(4, 1);
    let p = cap_params();
    let h = hash_of(&p, R1);
    // Signer 1's key relabelled onto a junk signature, 200 times, then its
    // genuine signature: only the first is verified, and it fails.
    let junk = sig_obj(&public(1), &[7; 64]);
    let mut stuffed = vec![junk; 200];
    stuffed.push(sig(1, &h));
    let faulty = format!(r#"{{"result":{R1},"signatures":[{}]}}"#, stuffed.join(","));
    let body = bundle(std::slice::from_ref(&faulty));
    let (verdict, trace) = traced(&v, &p, &body);
    assert_eq!(trace.len(), 201);
    assert_eq!(trace[0], Err(SkipCause::InvalidSignature));
    assert!(trace[1..]
        .iter()
        .all(|t| *t == Err(SkipCause::RepeatedSigner)));
    let nq = no_quorum(verdict);
    assert_eq!(nq.stats.verifications, 1);
    assert_eq!(nq.stats.skipped.repeated_signer, 200);
    // A null signature uses the try up too.
    let null_first = format!(
        r#"{{"result":{R1},"signature":{{"signer":"{}","signature":null}},"signatures":[{}]}}"#,
        B64.encode(public(2)),
        sig(2, &h)
    );
    // Other responses still count: signers 2 and 3 answer honestly later.
    let honest = [node(R1, &sig(2, &h)), node(R1, &sig(3, &h))];
    let body = bundle(&[faulty, null_first, honest[0].clone(), honest[1].clone()]);
    let r = accepted(v.verify(&p, &body));
    assert_eq!(r.signer_count(), 2);
    assert_eq!(r.index(), Some(2));
    assert_eq!(r.stats().verifications, 3);
    assert_eq!(r.stats().skipped.missing, 1);
}

#[test]
fn quorum_duplicate_signer_on_same_hash_counts_once_without_reverification() {
    let v = verifier(4, 1);
    let p = cap_params();
    let h = hash_of(&p, R1);
    // Each node response carries its signature twice (array and field).
    let body = bundle(&[node(R1, &sig(1, &h)), node(R1, &sig(1, &h))]);
    let (verdict, trace) = traced(&v, &p, &body);
    // `signature` is read first, then the array.
    assert_eq!(
        trace,
        [
            Ok(()),
            Err(SkipCause::RepeatedSigner),
            Err(SkipCause::AlreadyCounted),
            Err(SkipCause::RepeatedSigner)
        ]
    );
    let nq = no_quorum(verdict);
    assert_eq!(
        nq.stats,
        stats(
            2,
            4,
            1,
            1,
            skip(|k| {
                k.already_counted = 1;
                k.repeated_signer = 2;
            })
        )
    );
    assert_eq!(nq.leader, Some((h, 1)));
    assert_eq!(nq.distinct_hashes, 1);
}

#[test]
fn quorum_foreign_signer_costs_no_verification() {
    let v = verifier(4, 1);
    let p = cap_params();
    let h = hash_of(&p, R1);
    let body = bundle(&[node(R1, &sig(FOREIGN, &h)), single(R1, &sig(1, &h))]);
    let nq = no_quorum(v.verify(&p, &body));
    assert_eq!(
        nq.stats,
        stats(
            2,
            3,
            1,
            1,
            skip(|k| {
                k.unknown_signer = 2;
            })
        )
    );
    // A label outside the set is unknown even if the signature is junk.
    let body = single(R1, &sig_obj(&public(FOREIGN), &[0; 64]));
    let nq = no_quorum(v.verify(&p, body.as_bytes()));
    assert_eq!(nq.stats.skipped.unknown_signer, 1);
    assert_eq!(nq.stats.verifications, 0);
}

#[test]
fn quorum_signature_field_and_signatures_array_both_count() {
    let v = verifier(4, 1);
    let p = cap_params();
    let h = hash_of(&p, R1);
    // One response: node 1 in `signature`, node 2 in `signatures`.
    let body = format!(
        r#"{{"result":{R1},"signature":{},"signatures":[{}]}}"#,
        sig(1, &h),
        sig(2, &h)
    );
    let r = accepted(v.verify(&p, body.as_bytes()));
    assert_eq!(r.index(), None);
    assert_eq!(
        r.signers().copied().collect::<Vec<_>>(),
        sorted_keys(&[1, 2])
    );
    assert_eq!(*r.stats(), stats(1, 2, 2, 2, Skipped::default()));
    // In a bundle: one node wrote only the field, the other only the array.
    let body = bundle(&[
        single(R1, &sig(3, &h)),
        format!(r#"{{"signatures":[{}],"result":{R1}}}"#, sig(4, &h)),
    ]);
    let r = accepted(v.verify(&p, &body));
    assert_eq!(r.index(), Some(0));
    assert_eq!(
        r.signers().copied().collect::<Vec<_>>(),
        sorted_keys(&[3, 4])
    );
}

#[test]
fn quorum_stapled_signature_over_another_result_is_invalid() {
    let v = verifier(4, 1);
    let p = cap_params();
    let (h1, h2) = (hash_of(&p, R1), hash_of(&p, R2));
    // Node 1's genuine signature over R2, attached to R1.
    let body = bundle(&[single(R1, &sig(1, &h2)), single(R1, &sig(2, &h1))]);
    let nq = no_quorum(v.verify(&p, &body));
    assert_eq!(
        nq.stats,
        stats(
            2,
            2,
            2,
            1,
            skip(|k| {
                k.invalid_signature = 1;
            })
        )
    );
    assert_eq!(nq.leader, Some((h1, 1)));
    // Where it belongs, it verifies.
    let body = bundle(&[single(R2, &sig(1, &h2)), single(R1, &sig(2, &h1))]);
    assert_eq!(no_quorum(v.verify(&p, &body)).stats.counted, 2);
}

#[test]
fn quorum_equivocator_on_a_third_hash_is_excluded() {
    let v = verifier(4, 1);
    let p = cap_params();
    let (h1, h2, h3) = (hash_of(&p, R1), hash_of(&p, R2), hash_of(&p, R3));
    let body = bundle(&[
        single(R1, &sig(1, &h1)),
        single(R2, &sig(1, &h2)),
        // Its third hash: verified once (a forged label must not exclude a
        // signer), which proves node 1 faulty and withdraws its two votes.
        single(R3, &sig(1, &h3)),
        // From then on, node 1 costs no verification at all.
        single(R1, &sig(1, &h1)),
        single(R1, &sig(2, &h1)),
        single(R1, &sig(3, &h1)),
    ]);
    let (verdict, trace) = traced(&v, &p, &body);
    assert_eq!(
        trace,
        [
            Ok(()),
            Ok(()),
            Err(SkipCause::Equivocation),
            Err(SkipCause::Equivocation),
            Ok(()),
            Ok(())
        ]
    );
    let r = accepted(verdict);
    assert_eq!(*r.hash(), h1);
    assert_eq!(
        r.signers().copied().collect::<Vec<_>>(),
        sorted_keys(&[2, 3])
    );
    // Node 1's vote at index 0 was withdrawn: the first counted is 4.
    assert_eq!(r.index(), Some(4));
    assert_eq!(
        *r.stats(),
        stats(
            6,
            6,
            5,
            2,
            skip(|k| {
                k.equivocation = 4;
            })
        )
    );
}

#[test]
fn quorum_two_hashes_per_signer_are_allowed_and_forged_third_excludes_nobody() {
    let v = verifier(4, 1);
    let p = cap_params();
    let (h1, h2, h3) = (hash_of(&p, R1), hash_of(&p, R2), hash_of(&p, R3));
    let body = bundle(&[
        single(R1, &sig(1, &h1)),
        single(R2, &sig(1, &h2)),
        // Labelled node 1 but made by node 2: invalid, no equivocation.
        single(R3, &sig_obj(&public(1), &sign(2, &h3))),
        single(R1, &sig(2, &h1)),
    ]);
    let r = accepted(v.verify(&p, &body));
    assert_eq!(*r.hash(), h1);
    assert_eq!(r.index(), Some(0));
    assert_eq!(
        r.signers().copied().collect::<Vec<_>>(),
        sorted_keys(&[1, 2])
    );
    assert_eq!(
        *r.stats(),
        stats(
            4,
            4,
            4,
            3,
            skip(|k| {
                k.invalid_signature = 1;
            })
        )
    );
}

#[test]
fn quorum_most_signers_win() {
    let v = verifier(5, 1);
    let p = cap_params();
    let (ha, hb) = (hash_of(&p, R1), hash_of(&p, R2));
    // Three signers on the bytewise-larger hash beat two on the smaller.
    let ((small, hs), (big, hb_)) = if ha < hb {
        ((R1, ha), (R2, hb))
    } else {
        ((R2, hb), (R1, ha))
    };
    let body = bundle(&[
        single(small, &sig(4, &hs)),
        single(small, &sig(5, &hs)),
        single(big, &sig(1, &hb_)),
        single(big, &sig(2, &hb_)),
        single(big, &sig(3, &hb_)),
    ]);
    let r = accepted(v.verify(&p, &body));
    assert_eq!(*r.hash(), hb_);
    assert_eq!(r.signer_count(), 3);
    assert_eq!(r.index(), Some(2));
}

#[test]
fn quorum_tie_goes_to_the_smallest_hash() {
    let v = verifier(4, 1);
    let p = cap_params();
    let (ha, hb) = (hash_of(&p, R1), hash_of(&p, R2));
    let ((small, hs), (big, hg)) = if ha < hb {
        ((R1, ha), (R2, hb))
    } else {
        ((R2, hb), (R1, ha))
    };
    assert!(hs < hg);
    // The larger hash comes first in the body and both reach F+1 = 2.
    let body = bundle(&[
        single(big, &sig(1, &hg)),
        single(big, &sig(2, &hg)),
        single(small, &sig(3, &hs)),
        single(small, &sig(4, &hs)),
    ]);
    let r = accepted(v.verify(&p, &body));
    assert_eq!(*r.hash(), hs);
    assert_eq!(
        r.signers().copied().collect::<Vec<_>>(),
        sorted_keys(&[3, 4])
    );
    assert_eq!(r.index(), Some(2));
    let cap = r.capability().unwrap();
    assert_eq!(cap, expected_capability(small));
}

/// The capability result a result JSON reads as.
fn expected_capability(result: &str) -> CapabilityResult<'static> {
    let v: Value = serde_json::from_str(result).unwrap();
    let leak = |s: Option<&str>| -> Text<'static> {
        Text::new(Box::leak(s.unwrap_or("").to_string().into_boxed_str()))
    };
    CapabilityResult::new(leak(v["payload"].as_str()), leak(v["error"].as_str()))
}

#[test]
fn quorum_index_is_the_first_response_with_a_counted_signature() {
    let v = verifier(4, 1);
    let p = cap_params();
    let h = hash_of(&p, R1);
    // Three spellings of the same logical result: same hash.
    let spell = [
        r#"{"payload":"b2s="}"#,
        r#"{"payload":"b2s\u003d"}"#,
        r#"{ "error" : "", "payload" : "\u0062\u0032s=" }"#,
    ];
    for s in spell {
        assert_eq!(hash_of(&p, s), h);
    }
    let body = bundle(&[
        // Index 0: right result, invalid signature.
        single(spell[0], &sig_obj(&public(1), &[9; 64])),
        // Index 1: another result.
        single(R2, &sig(3, &hash_of(&p, R2))),
        // Index 2: the first counted signature for h.
        single(spell[1], &sig(1, &h)),
        single(spell[2], &sig(2, &h)),
    ]);
    let r = accepted(v.verify(&p, &body));
    assert_eq!(r.index(), Some(2));
    // The verified result is read from that response.
    let cap = r.capability().unwrap();
    assert_eq!(cap.payload, "b2s=");
    assert_eq!(cap.payload.raw(), br"b2s\u003d");
    assert_eq!(cap.payload.as_str(), None);
    assert!(r.secrets().is_none());
}

#[test]
fn quorum_merged_envelope_is_accepted_with_no_index() {
    let v = verifier(4, 1);
    let p = cap_params();
    let h = hash_of(&p, R1);
    let body = format!(
        r#"{{"result":{R1},"signatures":[{},{},{}]}}"#,
        sig(1, &h),
        sig(2, &h),
        sig(4, &h)
    );
    let r = accepted(v.verify(&p, body.as_bytes()));
    assert_eq!(*r.hash(), h);
    assert_eq!(r.index(), None);
    assert_eq!(
        r.signers().copied().collect::<Vec<_>>(),
        sorted_keys(&[1, 2, 4])
    );
    assert_eq!(*r.stats(), stats(1, 3, 3, 3, Skipped::default()));
}

#[test]
fn quorum_empty_bundles_have_no_quorum() {
    let v = verifier(4, 1);
    let p = cap_params();
    for body in [
        &br#"{"responses":[]}"#[..],
        br#"{"responses":null}"#,
        b" { \"responses\" : [ ] } ",
    ] {
        let nq = no_quorum(v.verify(&p, body));
        assert_eq!(nq.threshold, 2);
        assert!(nq.leader.is_none());
        assert_eq!(nq.distinct_hashes, 0);
        assert_eq!(nq.stats, VerifyStats::default());
    }
    // `{}` is one response with nothing in it; `null` elements likewise.
    let nq = no_quorum(v.verify(&p, b"{}"));
    assert_eq!(nq.stats, stats(1, 0, 0, 0, Skipped::default()));
    let nq = no_quorum(v.verify(&p, br#"{"responses":[null,{}]}"#));
    assert_eq!(nq.stats, stats(2, 0, 0, 0, Skipped::default()));
    // A `null` signatures array is the empty list.
    let nq = no_quorum(v.verify(&p, br#"{"result":{},"signatures":null}"#));
    assert_eq!(nq.stats, stats(1, 0, 0, 0, Skipped::default()));
}

#[test]
fn quorum_skip_causes_missing_not_base64_wrong_length() {
    let v = verifier(4, 1);
    let p = cap_params();
    let h = hash_of(&p, R1);
    let pk = B64.encode(public(1));
    let good = B64.encode(sign(1, &h));
    let candidates = [
        // missing
        "null".to_string(),
        format!(r#"{{"signer":"{pk}","signature":null}}"#),
        format!(r#"{{"signer":null,"signature":"{good}"}}"#),
        format!(r#"{{"signer":"{pk}"}}"#),
        "{}".to_string(),
        // not base64: bad characters, URL-safe alphabet, no padding
        format!(r#"{{"signer":"!!!!","signature":"{good}"}}"#),
        format!(
            r#"{{"signer":"{pk}","signature":"{}"}}"#,
            good.replace(['+', '/'], "-")
        ),
        format!(
            r#"{{"signer":"{pk}","signature":"{}"}}"#,
            good.trim_end_matches('=')
        ),
        // wrong length: 31-byte signer, 63- and 65-byte signatures, a very long text
        format!(
            r#"{{"signer":"{}","signature":"{good}"}}"#,
            B64.encode(&public(1)[..31])
        ),
        format!(
            r#"{{"signer":"{pk}","signature":"{}"}}"#,
            B64.encode(&sign(1, &h)[..63])
        ),
        format!(
            r#"{{"signer":"{pk}","signature":"{}"}}"#,
            B64.encode([&sign(1, &h)[..], &[0]].concat())
        ),
        format!(
            r#"{{"signer":"{pk}","signature":"{}"}}"#,
            B64.encode([0u8; 300])
        ),
    ];
    // One response each: within a response, only the first candidate naming
    // a configured signer is tried (rule 2).
    let body = bundle(
        &candidates
            .iter()
            .map(|c| format!(r#"{{"result":{R1},"signatures":[{c}]}}"#))
            .collect::<Vec<_>>(),
    );
    let (verdict, trace) = traced(&v, &p, &body);
    use SkipCause::*;
    assert_eq!(
        trace,
        [
            Missing,
            Missing,
            Missing,
            Missing,
            Missing,
            NotBase64,
            NotBase64,
            NotBase64,
            WrongLength,
            WrongLength,
            WrongLength,
            WrongLength
        ]
        .map(Err)
    );
    let nq = no_quorum(verdict);
    assert_eq!(
        nq.stats,
        stats(
            12,
            12,
            0,
            0,
            skip(|k| {
                k.missing = 5;
                k.not_base64 = 3;
                k.wrong_length = 4;
            })
        )
    );
    assert_eq!(nq.distinct_hashes, 0);
    // None of them failed the body: two more signers and it is accepted.
    let body = format!(
        r#"{{"result":{R1},"signatures":[{},{},{}]}}"#,
        candidates.join(","),
        sig(2, &h),
        sig(3, &h)
    );
    assert_eq!(accepted(v.verify(&p, body.as_bytes())).signer_count(), 2);
}

#[test]
fn quorum_base64_text_is_read_json_decoded() {
    // Any valid JSON spelling of the base64 text: `\/` and `\u002b`.
    let v = verifier(4, 1);
    let p = cap_params();
    let h = hash_of(&p, R1);
    let escape = |s: String| s.replace('/', "\\/").replace('+', "\\u002b");
    let body = bundle(
        &[1u8, 2, 3]
            .map(|i| single(R1, &escape(sig(i, &h))))
            .into_iter()
            .collect::<Vec<_>>(),
    );
    let r = accepted(v.verify(&p, &body));
    assert_eq!(r.signer_count(), 3);
}

#[test]
fn quorum_over_capacity_result_is_skipped_not_fatal() {
    let v = verifier(4, 1);
    let p = secrets_params();
    let result = r#"{"secrets":[{"id":{"key":"API_KEY","namespace":"main"},"ciphertext":"YQ==","encrypted_shares":["czE="]},{"id":{"key":"DB_URL","namespace":"main"},"ciphertext":"Yg==","encrypted_shares":null},{"id":{"key":"TOKEN","namespace":"ops"},"ciphertext":"Yw==","encrypted_shares":[]}]}"#;
    let h = hash_of(&p, result);
    let body = bundle(&[node(result, &sig(1, &h)), node(result, &sig(2, &h))]);
    // Three entries, room for two: every candidate is skipped, unverified.
    let nq = no_quorum(v.verify_in(&p, &body, &mut Workspace::<2, 2>::new()));
    assert_eq!(
        nq.stats,
        stats(
            2,
            4,
            0,
            0,
            skip(|k| {
                k.over_capacity = 2;
                k.repeated_signer = 2;
            })
        )
    );
    assert_eq!(nq.distinct_hashes, 0);
    // With room, the same body is accepted.
    let r = accepted(v.verify_in(&p, &body, &mut Workspace::<3, 1>::new()));
    assert_eq!(*r.hash(), h);
    assert_eq!(
        *r.stats(),
        stats(
            2,
            4,
            2,
            2,
            skip(|k| {
                k.repeated_signer = 2;
            })
        )
    );
    // Shares count too: one share of room for an entry with two.
    let two_shares = r#"{"secrets":[{"id":{"key":"TOKEN","namespace":"ops"},"ciphertext":"Yw==","encrypted_shares":["czE=","czI="]}]}"#;
    let h2 = hash_of(&p, two_shares);
    let body = bundle(&[
        single(two_shares, &sig(1, &h2)),
        single(two_shares, &sig(2, &h2)),
    ]);
    let nq = no_quorum(v.verify_in(&p, &body, &mut Workspace::<4, 1>::new()));
    assert_eq!(nq.stats.skipped.over_capacity, 2);
    assert_eq!(nq.stats.verifications, 0);
    // The hashing entry point says so instead.
    assert_eq!(
        canonical_hash_in(&p, result.as_bytes(), &mut Workspace::<2, 2>::new()),
        Err(Error::Malformed(Malformed::new(
            0,
            Expected::WithinCapacity
        )))
    );
}

#[test]
fn no_quorum_reports_threshold_leaders_distinct_hashes_and_stats() {
    let v = verifier(5, 1);
    let p = cap_params();
    let results = [R1, R2, R3, r#"{"payload":"NA=="}"#, r#"{"payload":"NQ=="}"#];
    let hashes: Vec<CanonicalHash> = results.iter().map(|r| hash_of(&p, r)).collect();
    let mut responses: Vec<String> = results
        .iter()
        .zip(&hashes)
        .zip(1u8..)
        .map(|((r, h), seed)| single(r, &sig(seed, h)))
        .collect();
    responses.push(single(R1, &sig_obj(&public(2), &[1; 64])));
    let nq = no_quorum(v.verify(&p, &bundle(&responses)));
    assert_eq!(nq.threshold, 2);
    assert_eq!(nq.distinct_hashes, 5);
    // The leader: one signer each, so the smallest hash.
    let want = hashes.iter().min().copied();
    assert_eq!(nq.leader, want.map(|h| (h, 1)));
    assert_eq!(
        nq.stats,
        stats(
            6,
            6,
            6,
            5,
            skip(|k| {
                k.invalid_signature = 1;
            })
        )
    );
    let text = Error::NoQuorum(nq.clone()).to_string();
    assert!(text.starts_with("no quorum: no result reached 2 signers (5 distinct hashes counted; "));
    assert!(text.contains(&format!("leading {}: 1", want.unwrap())));
    assert!(text.ends_with(
        "); 6 responses, 6 candidates, 6 verifications, 5 counted; skipped: 0 missing, \
         0 not base64, 0 wrong length, 0 unknown signer, 0 already counted, 0 equivocation, \
         1 invalid, 0 over capacity, 0 repeated signer"
    ));
    assert_message_style(&text);
}

// --------------------------------------------------------- §7 malformed bodies

fn malformed_cap(body: &[u8]) -> Malformed {
    malformed(verifier(4, 1).verify(&cap_params(), body))
}

fn at(offset: usize, expected: Expected) -> Malformed {
    Malformed::new(offset, expected)
}

#[test]
fn malformed_trailing_garbage() {
    // {"result":{}} is 13 bytes; a space, then `x` at 14.
    assert_eq!(
        malformed_cap(br#"{"result":{}} x"#),
        at(14, Expected::EndOfInput)
    );
    assert_eq!(malformed_cap(b"{}{}"), at(2, Expected::EndOfInput));
    // Trailing whitespace is fine.
    let nq = no_quorum(verifier(4, 1).verify(&cap_params(), b"{} \n\t\r"));
    assert_eq!(nq.stats.responses, 1);
}

#[test]
fn malformed_costs_no_signature_check() {
    // A body with a quorum in it and garbage after: rejected whole, before
    // any candidate is looked at.
    let v = verifier(4, 1);
    let p = cap_params();
    let h = hash_of(&p, R1);
    let mut body = bundle(&[node(R1, &sig(1, &h)), node(R1, &sig(2, &h))]);
    assert!(v.verify(&p, &body).is_accept());
    let len = body.len();
    body.push(b',');
    let (verdict, trace) = traced(&v, &p, &body);
    assert_eq!(malformed(verdict), at(len, Expected::EndOfInput));
    assert!(trace.is_empty());
}

#[test]
fn malformed_lone_surrogates() {
    // `{"result":{"payload":"` is 22 bytes: the escape starts at 22, and
    // after `\ud800` (28) a low surrogate was due.
    assert_eq!(
        malformed_cap(br#"{"result":{"payload":"\ud800"}}"#),
        at(28, Expected::LowSurrogate)
    );
    assert_eq!(
        malformed_cap(br#"{"result":{"payload":"\ud800\u0041"}}"#),
        at(28, Expected::LowSurrogate)
    );
    assert_eq!(
        malformed_cap(br#"{"result":{"payload":"\udc00"}}"#),
        at(22, Expected::NoLoneLowSurrogate)
    );
    // A proper pair is fine.
    assert!(matches!(
        rejected(verifier(4, 1).verify(&cap_params(), br#"{"result":{"payload":"\ud83d\ude00"}}"#)),
        Error::NoQuorum(_)
    ));
}

#[test]
fn malformed_raw_control_character() {
    assert_eq!(
        malformed_cap(b"{\"result\":{\"payload\":\"a\tb\"}}"),
        at(23, Expected::NoControlCharacter)
    );
    // Also in a key, and in an ignored field: `{"x":"` is 6 bytes.
    assert_eq!(
        malformed_cap(b"{\"x\":\"\x00\"}"),
        at(6, Expected::NoControlCharacter)
    );
    assert_eq!(
        malformed_cap(b"{\"\x1f\":1}"),
        at(2, Expected::NoControlCharacter)
    );
}

#[test]
fn malformed_invalid_utf8() {
    for bad in [
        &b"\xff"[..],
        b"\xc3(",
        b"\xc0\xaf",
        b"\xed\xa0\x80",
        b"\xf4\x90\x80\x80",
        b"\xe2\x82",
    ] {
        let mut body = br#"{"result":{"payload":""#.to_vec();
        body.extend_from_slice(bad);
        body.extend_from_slice(br#""}}"#);
        assert_eq!(malformed_cap(&body), at(22, Expected::Utf8), "{bad:?}");
    }
    // Valid multi-byte UTF-8 is fine.
    let body = "{\"result\":{\"payload\":\"é😀\u{2028}\"}}";
    assert!(matches!(
        rejected(verifier(4, 1).verify(&cap_params(), body.as_bytes())),
        Error::NoQuorum(_)
    ));
}

#[test]
fn malformed_repeated_known_key() {
    // Single response: the second `"result"` starts at 13.
    assert_eq!(
        malformed_cap(br#"{"result":{},"result":{}}"#),
        at(13, Expected::UniqueKey("result"))
    );
    // Spelled with an escape, still the same key.
    assert_eq!(
        malformed_cap(br#"{"result":{},"r\u0065sult":{}}"#),
        at(13, Expected::UniqueKey("result"))
    );
    // In a bundle: `{"responses":[{` is 15 bytes, second key at 27.
    assert_eq!(
        malformed_cap(br#"{"responses":[{"result":{},"result":{}}]}"#),
        at(27, Expected::UniqueKey("result"))
    );
    assert_eq!(
        malformed_cap(br#"{"responses":[],"responses":[]}"#),
        at(16, Expected::UniqueKey("responses"))
    );
    // Inside a result and inside a candidate.
    assert_eq!(
        malformed_cap(br#"{"result":{"payload":"","payload":""}}"#),
        at(24, Expected::UniqueKey("payload"))
    );
    assert_eq!(
        malformed_cap(br#"{"signature":{"signer":null,"signer":null}}"#),
        at(28, Expected::UniqueKey("signer"))
    );
    assert_eq!(
        malformed_cap(br#"{"signature":null,"signature":null}"#),
        at(18, Expected::UniqueKey("signature"))
    );
    // An unknown key may repeat.
    assert!(matches!(
        rejected(verifier(4, 1).verify(&cap_params(), br#"{"x":1,"x":2}"#)),
        Error::NoQuorum(_)
    ));
}

#[test]
fn malformed_nesting_deeper_than_128_inside_an_unknown_field() {
    let v = verifier(4, 1);
    let p = cap_params();
    let nested = |open: usize| {
        let mut b = br#"{"x":"#.to_vec();
        b.extend(std::iter::repeat_n(b'[', open));
        b.extend(std::iter::repeat_n(b']', open));
        b.push(b'}');
        b
    };
    // The body object is level 1: 127 arrays make 128 levels, accepted.
    let nq = no_quorum(v.verify(&p, &nested(127)));
    assert_eq!(nq.stats, stats(1, 0, 0, 0, Skipped::default()));
    // 128 arrays make 129: refused at the 128th `[`, offset 5 + 127.
    assert_eq!(
        malformed(v.verify(&p, &nested(128))),
        at(132, Expected::DepthAtMost128)
    );
    // In a bundle's response: body, array and response are three levels, so
    // the 126th `[` is level 129; `{"responses":[{"x":` is 19 bytes.
    let in_bundle = |open: usize| {
        let mut b = br#"{"responses":[{"x":"#.to_vec();
        b.extend(std::iter::repeat_n(b'[', open));
        b.extend(std::iter::repeat_n(b']', open));
        b.extend_from_slice(b"}]}");
        b
    };
    assert!(matches!(
        rejected(v.verify(&p, &in_bundle(125))),
        Error::NoQuorum(_)
    ));
    assert_eq!(
        malformed(v.verify(&p, &in_bundle(126))),
        at(144, Expected::DepthAtMost128)
    );
}

#[test]
fn malformed_shapes_and_types() {
    let cases: [(&[u8], usize, Expected); 14] = [
        (b"", 0, Expected::Value),
        (b"   ", 3, Expected::Value),
        (b"\xef\xbb\xbf{}", 0, Expected::NoByteOrderMark),
        (b"[]", 0, Expected::Object),
        (b"null", 0, Expected::Object),
        (
            br#"{"responses":[],"result":{}}"#,
            16,
            Expected::BundleOrResponse,
        ),
        (
            br#"{"result":null,"responses":null}"#,
            1,
            Expected::BundleOrResponse,
        ),
        (br#"{"responses":{}}"#, 13, Expected::ArrayOrNull),
        (br#"{"responses":[5]}"#, 14, Expected::ObjectOrNull),
        (br#"{"result":{"payload":5}}"#, 21, Expected::StringOrNull),
        (br#"{"result":[]}"#, 10, Expected::ObjectOrNull),
        (br#"{"signatures":{}}"#, 14, Expected::ArrayOrNull),
        (br#"{"signature":[]}"#, 13, Expected::ObjectOrNull),
        (br#"{"signature":{"signer":5}}"#, 23, Expected::StringOrNull),
    ];
    for (body, offset, expected) in cases {
        assert_eq!(
            malformed_cap(body),
            at(offset, expected),
            "{:?}",
            String::from_utf8_lossy(body)
        );
    }
    // Secrets results are shape-checked too.
    let v = verifier(4, 1);
    let p = secrets_params();
    assert_eq!(
        malformed(v.verify(&p, br#"{"result":{"secrets":{}}}"#)),
        at(21, Expected::ArrayOrNull)
    );
    // `{"result":{"secrets":[{"ciphertext":` is 36 bytes.
    assert_eq!(
        malformed(v.verify(&p, br#"{"result":{"secrets":[{"ciphertext":5}]}}"#)),
        at(36, Expected::StringOrNull)
    );
}

#[test]
fn malformed_later_response_rejects_the_whole_body() {
    // Even after a quorum was reached, a type error later fails the body.
    let v = verifier(4, 1);
    let p = cap_params();
    let h = hash_of(&p, R1);
    let good = [single(R1, &sig(1, &h)), single(R1, &sig(2, &h))];
    let prefix = format!(r#"{{"responses":[{},{},"#, good[0], good[1]);
    let body = format!(r#"{prefix}{{"result":{{"payload":5}}}}]}}"#);
    // `{"result":{"payload":` is 21 bytes into the third response.
    assert_eq!(
        malformed(v.verify(&p, body.as_bytes())),
        at(prefix.len() + 21, Expected::StringOrNull)
    );
}

// ------------------------------------------------------------- §9 post-check

fn entry(key: &str, ns: &str, ct: &str, shares: &str) -> String {
    format!(
        r#"{{"id":{{"key":"{key}","namespace":"{ns}"}},"ciphertext":"{ct}","encrypted_shares":{shares}}}"#
    )
}

/// Accepts `result` signed by nodes 1 and 2, and runs the post-check.
fn post_check(params: &RequestParams<'_>, result: &str, check: impl FnOnce(&VerifiedResponse<'_>)) {
    let v = verifier(4, 1);
    let h = hash_of(params, result);
    let body = bundle(&[node(result, &sig(1, &h)), node(result, &sig(2, &h))]);
    let r = accepted(v.verify(params, &body));
    assert_eq!(*r.hash(), h);
    assert!(matches!(params, RequestParams::Secrets(_)));
    check(&r);
}

#[test]
fn postcheck_unexpected_secret() {
    let result = format!(
        r#"{{"secrets":[{},{}]}}"#,
        entry("API_KEY", "main", "YQ==", "null"),
        // Requested under another namespace only.
        entry("TOKEN", "main", "Yg==", "null")
    );
    post_check(&secrets_params(), &result, |r| {
        let e = r.secrets().unwrap().unwrap_err();
        assert_eq!(e, PostCheckError::UnexpectedSecret { entry: 1 });
        assert_eq!(e.name(), "unexpected_secret");
        assert_eq!(
            e.to_string(),
            "result entry 1 names a secret that was not requested"
        );
        assert_message_style(&e.to_string());
    });
}

#[test]
fn postcheck_duplicate_secret() {
    let result = format!(
        r#"{{"secrets":[{},{},{}]}}"#,
        entry("DB_URL", "main", "YQ==", "null"),
        entry("API_KEY", "main", "Yg==", "null"),
        // Same id, another ciphertext; spelled with an escape.
        entry("DB\\u005fURL", "main", "Yw==", "[]")
    );
    post_check(&secrets_params(), &result, |r| {
        let e = r.secrets().unwrap().unwrap_err();
        assert_eq!(e, PostCheckError::DuplicateSecret { entry: 2 });
        assert_eq!(e.name(), "duplicate_secret");
        assert_eq!(e.to_string(), "result entry 2 names a secret a second time");
        assert_message_style(&e.to_string());
    });
}

#[test]
fn postcheck_request_order_with_missing_marked() {
    // Result order differs from request order; DB_URL is missing.
    let result = format!(
        r#"{{"secrets":[{},{}]}}"#,
        entry("TOKEN", "ops", "dG9r", r#"["czE=","czA="]"#),
        entry("API\\u005fKEY", "main", "YXBp", "null")
    );
    post_check(&secrets_params(), &result, |r| {
        let all: Vec<_> = r.secrets_unchecked().unwrap().collect();
        assert_eq!(all.len(), 2);
        // Unchecked entries come in the hash's order, (namespace, key).
        assert_eq!(all[0].id.namespace, "main");
        assert_eq!(all[1].id.key, "TOKEN");
        let order = r.secrets().unwrap().unwrap();
        assert_eq!(order.len(), 3);
        assert!(!order.is_empty());
        let got: Vec<(String, String, Option<String>, Vec<String>)> = order
            .iter()
            .map(|o| {
                (
                    o.id.key.to_string(),
                    o.id.namespace.to_string(),
                    o.entry.map(|e| e.ciphertext.to_string()),
                    o.entry
                        .map(|e| e.encrypted_shares().map(|s| s.to_string()).collect())
                        .unwrap_or_default(),
                )
            })
            .collect();
        let s = |x: &str| x.to_string();
        assert_eq!(
            got,
            [
                (s("API_KEY"), s("main"), Some(s("YXBp")), vec![]),
                (s("DB_URL"), s("main"), None, vec![]),
                // Shares in the order the hash covers (sorted), not the
                // order the result lists them in.
                (
                    s("TOKEN"),
                    s("ops"),
                    Some(s("dG9r")),
                    vec![s("czA="), s("czE=")]
                ),
            ]
        );
    });
}

#[test]
fn postcheck_repeated_request_id_appears_once_at_first_position() {
    let mut v = secrets_value();
    v["secrets"] = json!([
        {"key":"B","namespace":"n"},
        {"key":"A","namespace":"n"},
        {"key":"B","namespace":"n"}
    ]);
    let text = v.to_string();
    let p = RequestParams::from_json(Method::SecretsGet, text.as_bytes()).unwrap();
    let result = format!(r#"{{"secrets":[{}]}}"#, entry("B", "n", "Yg==", "null"));
    post_check(&p, &result, |r| {
        let order = r.secrets().unwrap().unwrap();
        let got: Vec<(String, bool)> = order
            .iter()
            .map(|o| (o.id.key.to_string(), o.entry.is_some()))
            .collect();
        assert_eq!(got, [("B".to_string(), true), ("A".to_string(), false)]);
    });
}

#[test]
fn postcheck_empty_result_marks_everything_missing() {
    post_check(&secrets_params(), r#"{"secrets":null}"#, |r| {
        let order = r.secrets().unwrap().unwrap();
        let got: Vec<(String, bool)> = order
            .iter()
            .map(|o| (o.id.key.to_string(), o.entry.is_some()))
            .collect();
        assert_eq!(
            got,
            [
                ("API_KEY".to_string(), false),
                ("DB_URL".to_string(), false),
                ("TOKEN".to_string(), false)
            ]
        );
        assert_eq!(r.secrets_unchecked().unwrap().count(), 0);
        assert!(r.capability().is_none());
    });
}

// ----------------------------------------------------- results and messages

#[test]
fn capability_result_accessor() {
    let v = verifier(4, 1);
    let p = cap_params();
    let result = r#"{"payload":"cGF5","error":"oops \u003c1\u003e","extra":[1]}"#;
    let h = hash_of(&p, result);
    assert_eq!(
        h,
        reference_capability_hash(
            ["wf", OWNER, "e", "", "r", "c", "cA=="],
            None,
            ("cGF5", "oops <1>")
        )
    );
    let body = bundle(&[node(result, &sig(1, &h)), node(result, &sig(3, &h))]);
    let r = accepted(v.verify(&p, &body));
    let cap = r.capability().unwrap();
    assert_eq!(cap.payload, "cGF5");
    assert_eq!(cap.error, "oops <1>");
    assert_eq!(cap.error.to_string(), "oops <1>");
    assert!(r.secrets().is_none());

    // An absent or null result is the empty result: `{}`'s hash.
    let empty = hash_of(&p, "{}");
    assert_eq!(hash_of(&p, "null"), empty);
    let body = bundle(&[
        format!(r#"{{"signature":{}}}"#, sig(1, &empty)),
        format!(r#"{{"result":null,"signature":{}}}"#, sig(2, &empty)),
    ]);
    let r = accepted(v.verify(&p, &body));
    assert_eq!(*r.hash(), empty);
    assert_eq!(r.index(), Some(0));
    let cap = r.capability().unwrap();
    assert!(cap.payload.is_empty() && cap.error.is_empty());
}

#[test]
fn error_display_per_reason() {
    let v = verifier(4, 1);
    let p = cap_params();
    let config = Config::new(signer_set(1..=4), 0).unwrap_err();
    assert_eq!(config.reason(), "invalid_config");
    assert_eq!(config.to_string(), "the fault bound f must be at least 1");
    let cases: [(Error, &str, &str); 3] = [
        (
            Error::from(
                RequestParams::from_json(Method::SecretsGet, br#"{"workflow_id":"w"}"#)
                    .unwrap_err(),
            ),
            "invalid_params",
            "invalid request parameters: secrets request: owner is required",
        ),
        (
            rejected(v.verify(&p, br#"{"result":{}} x"#)),
            "malformed",
            "malformed body: at byte 14: expected only whitespace after the value",
        ),
        (
            rejected(v.verify(&p, br#"{"responses":[]}"#)),
            "no_quorum",
            "no quorum: no result reached 2 signers (0 distinct hashes counted); 0 responses, \
             0 candidates, 0 verifications, 0 counted; skipped: 0 missing, 0 not base64, \
             0 wrong length, 0 unknown signer, 0 already counted, 0 equivocation, 0 invalid, \
             0 over capacity, 0 repeated signer",
        ),
    ];
    for (e, reason, text) in cases {
        assert_eq!(e.reason(), reason);
        assert_eq!(e.to_string(), text);
        assert_message_style(&e.to_string());
    }
    // Every `Expected` reads as a lowercase phrase without a final period.
    for x in [
        Expected::Value,
        Expected::Object,
        Expected::ObjectOrNull,
        Expected::ArrayOrNull,
        Expected::StringOrNull,
        Expected::U32,
        Expected::Key,
        Expected::Colon,
        Expected::CommaOrObjectEnd,
        Expected::CommaOrArrayEnd,
        Expected::StringEnd,
        Expected::Escape,
        Expected::HexDigits,
        Expected::LowSurrogate,
        Expected::NoLoneLowSurrogate,
        Expected::NoControlCharacter,
        Expected::Utf8,
        Expected::Digit,
        Expected::Literal,
        Expected::EndOfInput,
        Expected::NoByteOrderMark,
        Expected::DepthAtMost128,
        Expected::UniqueKey("result"),
        Expected::BundleOrResponse,
        Expected::WithinCapacity,
    ] {
        let m = Error::Malformed(at(7, x)).to_string();
        assert!(m.starts_with("malformed body: at byte 7: expected "), "{m}");
        assert_message_style(&x.to_string());
        assert_message_style(&m);
    }
    assert_eq!(
        Expected::UniqueKey("result").to_string(),
        "no second \"result\" key in this object"
    );
}

const CIPHERTEXT: &str = "Q0lQSEVSVEVYVC1TRU5USU5FTC03NzQx";
const SHARE: &str = "U0hBUkUtU0VOVElORUwtOTkwMg==";

fn assert_no_secret(what: &str, text: &str) {
    for needle in [
        CIPHERTEXT,
        SHARE,
        "CIPHERTEXT-SENTINEL",
        "SHARE-SENTINEL",
        // The bytes of the body, as a derived `Debug` of `&[u8]` prints them.
        "81, 48, 108, 81, 83, 69, 86",
    ] {
        assert!(!text.contains(needle), "{what} leaks {needle}: {text}");
    }
}

#[test]
fn verdicts_never_print_ciphertexts_or_shares() {
    let v = verifier(4, 1);
    let p = secrets_params();
    let result = format!(
        r#"{{"secrets":[{}]}}"#,
        entry("TOKEN", "ops", CIPHERTEXT, &format!(r#"["{SHARE}"]"#))
    );
    let h = hash_of(&p, &result);
    let body = bundle(&[node(&result, &sig(1, &h)), node(&result, &sig(2, &h))]);

    // Accepted: the result is there to read, but not in Debug.
    let verdict = v.verify(&p, &body);
    assert_no_secret("Verdict::Accept", &format!("{verdict:?}"));
    let r = accepted(verdict);
    assert_no_secret("VerifiedResponse", &format!("{r:?}"));
    assert_no_secret("VerifyStats", &format!("{} {:?}", r.stats(), r.stats()));
    let e = r.secrets_unchecked().unwrap().next().unwrap();
    assert_eq!(e.ciphertext, CIPHERTEXT);
    assert_eq!(e.encrypted_shares().next().unwrap(), SHARE);

    // No quorum: one signer only.
    let one = bundle(&[node(&result, &sig(1, &h))]);
    let verdict = v.verify(&p, &one);
    assert_no_secret("Verdict::Reject(no_quorum)", &format!("{verdict:?}"));
    let e = rejected(verdict);
    assert_eq!(e.reason(), "no_quorum");
    assert_no_secret("no_quorum Display", &e.to_string());

    // Malformed: the same body with trailing garbage, and with a bad byte
    // inside the ciphertext itself.
    let mut bad = body.clone();
    bad.extend_from_slice(b" x");
    let verdict = v.verify(&p, &bad);
    assert_no_secret("Verdict::Reject(malformed)", &format!("{verdict:?}"));
    assert_no_secret("malformed Display", &rejected(verdict).to_string());
    let broken =
        String::from_utf8(body)
            .unwrap()
            .replacen(CIPHERTEXT, &format!("{CIPHERTEXT}\\q"), 1);
    let e = rejected(v.verify(&p, broken.as_bytes()));
    assert!(matches!(
        e,
        Error::Malformed(Malformed {
            expected: Expected::Escape,
            ..
        })
    ));
    assert_no_secret("malformed Debug", &format!("{e:?}"));
    assert_no_secret("malformed Display", &e.to_string());
}
