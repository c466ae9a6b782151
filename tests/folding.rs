//! PROTOCOL.md §7: a key that is not a known key but that Go's
//! case-insensitive decoder would read as one is malformed, at every level
//! where the crate reads known keys (envelope, response, signature, result,
//! secrets entries, identifiers; request parameters → `invalid_params`).
//! And §2: `null` for `t`/`f` is 0, `signed_compute_requests` is an array
//! of objects or `null`.
//!
//! Each test takes a body that verifies, respells one key occurrence at a
//! time, and expects the rejection at exactly that key's offset.
#![allow(clippy::result_large_err)]

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use ed25519_compact::{KeyPair, Seed};
use relay_verifier::{
    canonical_hash, CanonicalHash, Config, Error, Expected, Malformed, Method, ParamsError,
    RequestParams, SignerSet, Verdict, Verifier,
};

const OWNER: &str = "0x1234567890abcdef1234567890ABCDEF12345678";

fn keypair(seed: u8) -> KeyPair {
    KeyPair::from_seed(Seed::new([seed; 32]))
}

fn sig(seed: u8, h: &CanonicalHash) -> String {
    let kp = keypair(seed);
    format!(
        r#"{{"signer":"{}","signature":"{}"}}"#,
        B64.encode(*kp.pk),
        B64.encode(*kp.sk.sign(h.signature_payload(), None))
    )
}

fn verifier() -> Verifier {
    let keys: Vec<[u8; 32]> = (1..=3).map(|s| *keypair(s).pk).collect();
    Verifier::new(Config::new(SignerSet::new(&keys).unwrap(), 1).unwrap())
}

/// A bundle of two honest node responses to `result`, and the hash.
fn honest_bundle(params: &RequestParams<'_>, result: &str) -> (String, CanonicalHash) {
    let h = canonical_hash(params, result.as_bytes()).unwrap();
    let responses: Vec<String> = (1..=2)
        .map(|s| {
            let sig = sig(s, &h);
            format!(r#"{{"result":{result},"signatures":[{sig}],"signature":{sig}}}"#)
        })
        .collect();
    (format!(r#"{{"responses":[{}]}}"#, responses.join(",")), h)
}

/// The spellings of `name` that Go's decoder reads as `name`.
fn variants(name: &str) -> Vec<String> {
    let mut out = vec![name.to_ascii_uppercase()];
    let mut capital = name.to_owned();
    capital[..1].make_ascii_uppercase();
    out.push(capital);
    if let Some(i) = name.find('s') {
        out.push(format!("{}\u{17F}{}", &name[..i], &name[i + 1..]));
        out.push(format!("{}\\u017f{}", &name[..i], &name[i + 1..]));
    }
    if let Some(i) = name.find('k') {
        out.push(format!("{}\u{212A}{}", &name[..i], &name[i + 1..]));
    }
    let last = name.len() - 1;
    out.push(format!(
        "{}\\u00{:02X}",
        &name[..last],
        name.as_bytes()[last] ^ 0x20
    ));
    out.retain(|v| v != name);
    out
}

/// Every offset at which `"name":` stands as a key in `doc`.
fn key_offsets(doc: &str, name: &str) -> Vec<usize> {
    let needle = format!("\"{name}\":");
    doc.match_indices(&needle).map(|(i, _)| i).collect()
}

fn respell(doc: &str, at: usize, name: &str, variant: &str) -> String {
    format!("{}\"{variant}\"{}", &doc[..at], &doc[at + name.len() + 2..])
}

fn check_body_keys(method: Method, params_json: &str, result: &str, names: &[&'static str]) {
    let params = RequestParams::from_json(method, params_json.as_bytes()).unwrap();
    let v = verifier();
    let (body, h) = honest_bundle(&params, result);
    match v.verify(&params, body.as_bytes()) {
        Verdict::Accept(a) => assert_eq!(*a.hash(), h),
        Verdict::Reject(e) => panic!("the honest body must verify: {e}"),
    }
    let mut checked = 0;
    for name in names {
        let offsets = key_offsets(&body, name);
        assert!(!offsets.is_empty(), "{name} occurs in the body");
        for at in offsets {
            for variant in variants(name) {
                let bad = respell(&body, at, name, &variant);
                let got = match v.verify(&params, bad.as_bytes()) {
                    Verdict::Reject(Error::Malformed(m)) => m,
                    other => panic!("{variant} at {at}: expected malformed, got {other:?}"),
                };
                assert_eq!(
                    got,
                    Malformed::new(at, Expected::ExactKey(name)),
                    "{variant} at {at}"
                );
                checked += 1;
            }
        }
    }
    assert!(checked >= names.len() * 2);
}

const SECRETS: &str = r#"{"workflow_id":"wf","owner":"0x1234567890abcdef1234567890ABCDEF12345678","execution_id":"e","secrets":[{"key":"API_KEY","namespace":"main"}],"enclave_public_key":"04a1b2"}"#;
const CAP: &str = r#"{"workflow_id":"wf","owner":"0x1234567890abcdef1234567890ABCDEF12345678","execution_id":"e","reference_id":"r","capability_id":"c","payload":"cA=="}"#;

#[test]
fn folded_keys_in_secrets_bodies_are_malformed_where_they_stand() {
    check_body_keys(
        Method::SecretsGet,
        SECRETS,
        r#"{"secrets":[{"id":{"key":"API_KEY","namespace":"main"},"ciphertext":"Y3Q=","encrypted_shares":["czE="]}]}"#,
        &[
            "responses",
            "result",
            "signatures",
            "signature",
            "signer",
            "secrets",
            "id",
            "key",
            "namespace",
            "ciphertext",
            "encrypted_shares",
        ],
    );
}

#[test]
fn folded_keys_in_capability_bodies_are_malformed_where_they_stand() {
    check_body_keys(
        Method::CapabilityExecute,
        CAP,
        r#"{"payload":"b2s=","error":"e"}"#,
        &[
            "responses",
            "result",
            "signatures",
            "signature",
            "signer",
            "payload",
            "error",
        ],
    );
}

#[test]
fn folded_keys_of_a_single_response_are_malformed() {
    let params = RequestParams::from_json(Method::CapabilityExecute, CAP.as_bytes()).unwrap();
    let h = canonical_hash(&params, br#"{"payload":"b2s="}"#).unwrap();
    let body = format!(
        r#"{{"result":{{"payload":"b2s="}},"signature":{}}}"#,
        sig(1, &h)
    );
    for (variant, name) in [("Result", "result"), ("\u{17F}ignature", "signature")] {
        let bad = body.replacen(&format!("\"{name}\""), &format!("\"{variant}\""), 1);
        assert_eq!(
            verifier()
                .verify(&params, bad.as_bytes())
                .into_result()
                .err(),
            Some(Error::Malformed(Malformed::new(
                bad.find(&format!("\"{variant}\"")).unwrap(),
                Expected::ExactKey(name)
            )))
        );
    }
}

#[test]
fn keys_that_fold_to_no_known_key_are_ignored() {
    // U+0130 and U+0131 (Turkish I) fold onto `i` only under the Turkic
    // mappings, which simple folding leaves out: "İd" and "ıd" are not "id".
    let params = RequestParams::from_json(Method::SecretsGet, SECRETS.as_bytes()).unwrap();
    let plain = r#"{"secrets":[{"id":{"key":"API_KEY","namespace":"main"},"ciphertext":"Y3Q="}]}"#;
    let extra = r#"{"Secret":0,"secrets":[{"İd":1,"ıd":2,"IDs":3,"id":{"key":"API_KEY","namespace":"main","Keys":4},"ciphertext":"Y3Q=","Ciphertext_":5}]}"#;
    let h = canonical_hash(&params, plain.as_bytes()).unwrap();
    let (body, h2) = honest_bundle(&params, extra);
    assert_eq!(h, h2);
    let body = body.replacen(r#"{"responses""#, r#"{"Response":0,"responses""#, 1);
    let v = verifier();
    let a = v.verify(&params, body.as_bytes()).into_result().unwrap();
    assert_eq!(*a.hash(), h);
}

fn params_json_error(method: Method, text: &str) -> Option<Malformed> {
    match RequestParams::from_json(method, text.as_bytes()) {
        Err(ParamsError::Json(m)) => Some(m),
        _ => None,
    }
}

#[test]
fn folded_params_keys_are_invalid_params_where_they_stand() {
    let config = r#","enclave_config":{"signers":["AA=="],"master_public_key":"AA==","t":1,"f":1}"#;
    let secrets = format!("{}{config}}}", &SECRETS[..SECRETS.len() - 1]);
    let capability = format!("{}{config}}}", &CAP[..CAP.len() - 1]);
    let with_extras = format!(
        "{}{}",
        &secrets[..secrets.len() - 1],
        r#","org_id":"o","attestation":"","signed_compute_requests":null}"#
    );
    for (method, text) in [
        (Method::SecretsGet, with_extras.as_str()),
        (Method::CapabilityExecute, capability.as_str()),
    ] {
        assert!(
            RequestParams::from_json(method, text.as_bytes()).is_ok(),
            "{text}"
        );
        let names: &[&'static str] = &[
            "workflow_id",
            "owner",
            "execution_id",
            "org_id",
            "attestation",
            "enclave_config",
            "secrets",
            "enclave_public_key",
            "signed_compute_requests",
            "reference_id",
            "capability_id",
            "payload",
            "key",
            "namespace",
            "signers",
            "master_public_key",
            "t",
            "f",
        ];
        for name in names {
            for at in key_offsets(text, name) {
                for variant in variants(name) {
                    let bad = respell(text, at, name, &variant);
                    assert_eq!(
                        params_json_error(method, &bad),
                        Some(Malformed::new(at, Expected::ExactKey(name))),
                        "{bad}"
                    );
                }
            }
        }
    }
}

#[test]
fn null_t_and_f_read_as_zero() {
    let with = |config: &str| {
        format!(
            r#"{{"workflow_id":"wf","owner":"{OWNER}","execution_id":"e","reference_id":"r","capability_id":"c","payload":"cA==","enclave_config":{config}}}"#
        )
    };
    let null_t = with(r#"{"signers":["AA=="],"master_public_key":"AA==","t":null,"f":1}"#);
    let zero_t = with(r#"{"signers":["AA=="],"master_public_key":"AA==","t":0,"f":1}"#);
    let a = RequestParams::from_json(Method::CapabilityExecute, null_t.as_bytes()).unwrap();
    let b = RequestParams::from_json(Method::CapabilityExecute, zero_t.as_bytes()).unwrap();
    let r = br#"{"payload":"b2s="}"#;
    assert_eq!(
        canonical_hash(&a, r).unwrap(),
        canonical_hash(&b, r).unwrap()
    );
    // `f: null` is f = 0, which §2 refuses like an explicit 0.
    let null_f = with(r#"{"signers":["AA=="],"master_public_key":"AA==","t":1,"f":null}"#);
    let zero_f = with(r#"{"signers":["AA=="],"master_public_key":"AA==","t":1,"f":0}"#);
    let e1 = RequestParams::from_json(Method::CapabilityExecute, null_f.as_bytes()).unwrap_err();
    let e2 = RequestParams::from_json(Method::CapabilityExecute, zero_f.as_bytes()).unwrap_err();
    assert_eq!(e1, e2);
    assert!(matches!(e1, ParamsError::ConfigFaultBoundZero(_)), "{e1}");
    // Any other non-number is still a type error.
    let text_t = with(r#"{"signers":["AA=="],"master_public_key":"AA==","t":"1","f":1}"#);
    assert_eq!(
        params_json_error(Method::CapabilityExecute, &text_t).map(|m| m.expected),
        Some(Expected::U32)
    );
}

#[test]
fn signed_compute_requests_must_be_an_array_of_objects_or_null() {
    let with = |value: &str| {
        format!(
            "{},\"signed_compute_requests\":{value}}}",
            &SECRETS[..SECRETS.len() - 1]
        )
    };
    for ok in ["null", "[]", "[{}]", r#"[{"requestID":[1]},null]"#] {
        let text = with(ok);
        assert!(
            RequestParams::from_json(Method::SecretsGet, text.as_bytes()).is_ok(),
            "{ok}"
        );
    }
    let at = SECRETS.len() - 1 + ",\"signed_compute_requests\":".len();
    for (bad, offset, expected) in [
        ("{}", 0, Expected::ArrayOrNull),
        ("\"[]\"", 0, Expected::ArrayOrNull),
        ("1", 0, Expected::ArrayOrNull),
        ("true", 0, Expected::ArrayOrNull),
        ("[1]", 1, Expected::ObjectOrNull),
        ("[{},[]]", 4, Expected::ObjectOrNull),
        ("[\"x\"]", 1, Expected::ObjectOrNull),
    ] {
        let text = with(bad);
        assert_eq!(
            params_json_error(Method::SecretsGet, &text),
            Some(Malformed::new(at + offset, expected)),
            "{bad}"
        );
    }
}

/// Issue #11 item 3: only what the hash covers comes out, in the hash's
/// order: entries by (namespace, key, ciphertext), ties in body order, and
/// each entry's shares sorted, whatever order the body lists them in.
#[test]
fn verified_entries_and_shares_come_out_in_canonical_order() {
    let params = RequestParams::from_json(Method::SecretsGet, SECRETS.as_bytes()).unwrap();
    let e = |key: &str, ns: &str, ct: &str, shares: &str| {
        format!(
            r#"{{"x":1,"encrypted_shares":{shares},"ciphertext":"{ct}","id":{{"namespace":"{ns}","key":"{key}"}}}}"#
        )
    };
    let result = format!(
        r#"{{"secrets":[{},{},{},{}]}}"#,
        e("TOKEN", "main", "Yg==", r#"["Yw==","YQ==","Yg==","YQ=="]"#),
        e("API_KEY", "main", "Yw==", "null"),
        e("API_KEY", "main", "YQ==", r#"["Yg=="]"#),
        e("API_KEY", "main", "YQ==", r#"["YQ=="]"#),
    );
    let (body, h) = honest_bundle(&params, &result);
    let v = verifier();
    let a = v.verify(&params, body.as_bytes()).into_result().unwrap();
    assert_eq!(*a.hash(), h);
    let got: Vec<(String, String, Vec<String>)> = a
        .secrets_unchecked()
        .unwrap()
        .map(|e| {
            (
                e.id.key.to_string(),
                e.ciphertext.to_string(),
                e.encrypted_shares().map(|s| s.to_string()).collect(),
            )
        })
        .collect();
    let s = |x: &str| x.to_string();
    assert_eq!(
        got,
        [
            // The tie on (main, API_KEY, YQ==) keeps body order.
            (s("API_KEY"), s("YQ=="), vec![s("Yg==")]),
            (s("API_KEY"), s("YQ=="), vec![s("YQ==")]),
            (s("API_KEY"), s("Yw=="), vec![]),
            (
                s("TOKEN"),
                s("Yg=="),
                vec![s("YQ=="), s("YQ=="), s("Yg=="), s("Yw==")]
            ),
        ]
    );
    // Item 4: the checked reader applies §9 to the request's own ids
    // (only API_KEY/main was requested).
    assert_eq!(
        a.secrets().unwrap().unwrap_err().name(),
        "unexpected_secret"
    );
    assert!(a.capability().is_none());
}
