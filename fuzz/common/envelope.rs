//! Target `envelope`: raw bytes as a gateway body, verified for both
//! requests of the vectors under a fixed configuration.

use relay_verifier::{Error, Verdict, Workspace};
use serde::de::IgnoredAny;

use super::{check, fixtures};

fn malformed(v: &Verdict<'_>) -> Option<relay_verifier::Malformed> {
    match v {
        Verdict::Reject(Error::Malformed(m)) => Some(*m),
        _ => None,
    }
}

/// Runs `body` through the verifier for both methods.
pub fn run(body: &[u8]) {
    let fx = fixtures::get();
    let verifier = &fx.verifier;
    // serde_json accepts more than the spec (deeper nesting, lone surrogates
    // in skipped strings), so only this direction holds: not JSON to serde
    // is malformed to us.
    let json = serde_json::from_slice::<IgnoredAny>(body).is_ok();
    for secrets in [true, false] {
        let params = &fx.method(secrets).params;
        let mut traces = Vec::new();
        let verdict = verifier.verify_traced(params, body, &mut Workspace::<64, 64>::new(), |t| {
            traces.push(t)
        });
        check::verdict(verifier, params, body, &verdict);
        check::trace(&traces, &verdict);
        check::batched(verifier, params, body, &verdict);
        check::shortcuts(verifier, params, body, &verdict, &traces);
        if !json {
            assert!(
                malformed(&verdict).is_some(),
                "took invalid JSON: {verdict:?}"
            );
        }
        if secrets {
            // The workspace bounds what can be hashed, never what is well-formed.
            let small = verifier.verify_in(params, body, &mut Workspace::<1, 1>::new());
            check::verdict(verifier, params, body, &small);
            assert_eq!(malformed(&verdict), malformed(&small));
        }
    }
}
