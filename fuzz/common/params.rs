//! Target `params`: request parameters and a logical result, parsed and
//! hashed; checked against the naive hash of [`crate::reference`], then
//! signed into a bundle that must verify to the same hash.
//!
//! Input: one flag byte (bit 0: capability), the parameters' JSON, `0xFF`
//! (never part of UTF-8 text), the result's JSON.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use relay_verifier::{
    canonical_hash, canonical_hash_in, Error, Expected, Method, ParamsError, RequestParams,
    Verdict, Workspace,
};
use serde_json::Value;

use super::{check, fixtures, reference};

/// The input for `params_json` and `result_json`.
pub fn encode(method: Method, params_json: &[u8], result_json: &[u8]) -> Vec<u8> {
    let mut out = vec![u8::from(method == Method::CapabilityExecute)];
    out.extend_from_slice(params_json);
    out.push(0xFF);
    out.extend_from_slice(result_json);
    out
}

/// Parses with `serde_json`; `None` for what it refuses but the spec takes
/// (see FUZZING.md): numbers beyond f64, exactly 128 levels of nesting.
fn serde_value(json: &[u8]) -> Option<Value> {
    match serde_json::from_slice(json) {
        Ok(v) => Some(v),
        Err(e) => {
            let why = e.to_string();
            assert!(
                why.starts_with("number out of range")
                    || why.starts_with("recursion limit exceeded"),
                "we took JSON that serde_json refuses: {why}"
            );
            None
        }
    }
}

/// Signs `result_json` by two relay nodes in a bundle and verifies it.
fn round_trip(params: &RequestParams<'_>, result_json: &[u8], hash: relay_verifier::CanonicalHash) {
    let fx = fixtures::get();
    let sig = |i: usize| {
        let k = &fx.relay[i];
        format!(
            "{{\"signer\":\"{}\",\"signature\":\"{}\"}}",
            STANDARD.encode(&k.pk[..]),
            STANDARD.encode(&k.sk.sign(hash.signature_payload(), None)[..])
        )
    };
    let mut body = b"{\"responses\":[{\"result\":".to_vec();
    body.extend_from_slice(result_json);
    body.extend_from_slice(
        format!(
            ",\"signature\":{}}},{{\"signatures\":[{}],\"result\":",
            sig(3),
            sig(5)
        )
        .as_bytes(),
    );
    body.extend_from_slice(result_json);
    body.extend_from_slice(b"}]}");
    let verdict = fx.verifier.verify(params, &body);
    check::verdict(&fx.verifier, params, &body, &verdict);
    match verdict {
        Verdict::Accept(a) => {
            assert_eq!(*a.hash(), hash, "a result hashes alone as in a body");
            assert_eq!(a.index(), Some(0));
            assert_eq!(a.signer_count(), 2);
        }
        // Inside a bundle the result sits three levels deeper.
        Verdict::Reject(Error::Malformed(m)) if m.expected == Expected::DepthAtMost128 => {}
        other => panic!("signed result refused: {other:?}"),
    }
}

/// Runs one input.
pub fn run(data: &[u8]) {
    let Some((&flags, rest)) = data.split_first() else {
        return;
    };
    let method = if flags & 1 == 0 {
        Method::SecretsGet
    } else {
        Method::CapabilityExecute
    };
    let (params_json, result_json) = match rest.iter().position(|&b| b == 0xFF) {
        Some(i) => (&rest[..i], &rest[i + 1..]),
        None => (rest, &b"null"[..]),
    };
    let params = match RequestParams::from_json(method, params_json) {
        Ok(p) => p,
        Err(e) => {
            let _ = e.to_string();
            if let ParamsError::Json(m) = e {
                assert!(m.offset <= params_json.len());
            }
            return;
        }
    };
    assert_eq!(params.method(), method);
    assert_eq!(params.validate(), Ok(()));
    let _ = format!("{params:?}");
    let params_value = serde_value(params_json);

    let hash = match canonical_hash(&params, result_json) {
        Ok(h) => h,
        Err(Error::Malformed(m)) => {
            assert!(m.offset <= result_json.len());
            if m.expected == Expected::WithinCapacity {
                // Only a secrets result can be too big, and only by count.
                let result = serde_value(result_json).expect("a too big result is JSON");
                let (entries, shares) = reference::secrets_size(&result);
                assert!(
                    entries > 64 || shares > 64,
                    "{entries} entries, {shares} shares"
                );
            }
            return;
        }
        Err(e) => panic!("valid params, yet {e}"),
    };
    let payload = hash.signature_payload();
    assert_eq!(&payload[142..], hash.as_bytes());

    // A smaller workspace gives the same hash or says it is too small.
    match canonical_hash_in(&params, result_json, &mut Workspace::<2, 2>::new()) {
        Ok(h) => assert_eq!(h, hash),
        Err(Error::Malformed(m)) => assert_eq!(m.expected, Expected::WithinCapacity),
        Err(e) => panic!("{e}"),
    }

    if let (Some(p), Some(r)) = (params_value, serde_value(result_json)) {
        let want = reference::hash(method, &p, &r);
        assert_eq!(
            hash.as_bytes(),
            &want,
            "canonical hash differs from the reference implementation"
        );
    }
    round_trip(&params, result_json, hash);
}
