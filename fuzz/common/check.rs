//! Invariants every verdict must satisfy, whatever the body.

use relay_verifier::{
    canonical_hash, CandidateTrace, CanonicalHash, Error, RequestParams, SkipCause, Text, Verdict,
    Verifier, VerifyStats,
};

/// The decoded bytes of a string value.
pub fn decoded(t: &Text<'_>) -> Vec<u8> {
    let mut out = Vec::new();
    t.for_each_chunk(|c| out.extend_from_slice(c));
    out
}

/// A decoded string as a JSON string literal.
fn literal(t: &Text<'_>) -> String {
    let s = String::from_utf8(decoded(t)).expect("decoded strings are UTF-8");
    serde_json::to_string(&s).expect("a string serializes")
}

/// Rebuilds the verified result from what the library hands out and hashes
/// it again: the result the caller gets must be the one that was signed.
fn rehash(
    params: &RequestParams<'_>,
    accepted: &relay_verifier::VerifiedResponse<'_>,
) -> CanonicalHash {
    let json = if let Some(r) = accepted.capability_as_sent() {
        format!(
            "{{\"payload\":{},\"error\":{}}}",
            literal(&r.payload),
            literal(&r.error)
        )
    } else {
        let entries: Vec<String> = accepted
            .secrets_unchecked()
            .expect("a secrets result")
            .map(|e| {
                let shares: Vec<String> = e.encrypted_shares().map(|s| literal(&s)).collect();
                format!(
                    "{{\"id\":{{\"key\":{},\"namespace\":{}}},\"ciphertext\":{},\"encrypted_shares\":[{}]}}",
                    literal(&e.id.key),
                    literal(&e.id.namespace),
                    literal(&e.ciphertext),
                    shares.join(",")
                )
            })
            .collect();
        format!("{{\"secrets\":[{}]}}", entries.join(","))
    };
    canonical_hash(params, json.as_bytes()).expect("a verified result hashes again")
}

/// Every candidate is counted or skipped for exactly one cause, and at most
/// one verification is spent on each.
pub fn stats(s: &VerifyStats) {
    let k = &s.skipped;
    let skipped = k.missing
        + k.not_base64
        + k.wrong_length
        + k.unknown_signer
        + k.already_counted
        + k.equivocation
        + k.invalid_signature
        + k.over_capacity
        + k.repeated_signer;
    assert_eq!(s.counted + skipped, s.candidates, "{s:?}");
    assert!(s.verifications <= s.candidates, "{s:?}");
    assert!(s.counted + k.invalid_signature <= s.verifications, "{s:?}");
}

/// The statistics of a verdict, when it has any.
pub fn stats_of<'v>(verdict: &'v Verdict<'_>) -> Option<&'v VerifyStats> {
    match verdict {
        Verdict::Accept(a) => Some(a.stats()),
        Verdict::Reject(Error::NoQuorum(q)) => Some(&q.stats),
        Verdict::Reject(_) => None,
    }
}

/// The trace tells the same story as the statistics.
pub fn trace(traces: &[CandidateTrace], verdict: &Verdict<'_>) {
    let Some(s) = stats_of(verdict) else { return };
    assert_eq!(traces.len(), s.candidates as usize);
    let count = |cause: SkipCause| traces.iter().filter(|t| t.outcome == Err(cause)).count() as u32;
    let k = &s.skipped;
    assert_eq!(count(SkipCause::Missing), k.missing);
    assert_eq!(count(SkipCause::NotBase64), k.not_base64);
    assert_eq!(count(SkipCause::WrongLength), k.wrong_length);
    assert_eq!(count(SkipCause::UnknownSigner), k.unknown_signer);
    assert_eq!(count(SkipCause::InvalidSignature), k.invalid_signature);
    assert_eq!(count(SkipCause::AlreadyCounted), k.already_counted);
    assert_eq!(count(SkipCause::OverCapacity), k.over_capacity);
    // Equivocation withdraws votes already traced as counted, so the
    // trace's counted and equivocation figures are an upper and lower bound.
    let counted = traces.iter().filter(|t| t.outcome.is_ok()).count() as u32;
    assert!(counted >= s.counted);
    assert!(counted - s.counted + count(SkipCause::Equivocation) == k.equivocation);
    // The hash is computed once a configured signer's candidate needs it.
    for t in traces {
        match t.outcome {
            Err(SkipCause::OverCapacity) => assert!(t.hash.is_none()),
            Ok(())
            | Err(SkipCause::AlreadyCounted)
            | Err(SkipCause::Equivocation)
            | Err(SkipCause::InvalidSignature) => assert!(t.hash.is_some()),
            Err(_) => {}
        }
    }
}

/// Invariants of any verdict of `verifier` on `body`.
pub fn verdict(verifier: &Verifier, params: &RequestParams<'_>, body: &[u8], v: &Verdict<'_>) {
    let config = verifier.config();
    let _ = format!("{v:?}");
    match v {
        Verdict::Accept(a) => {
            stats(a.stats());
            let signers: Vec<&[u8; 32]> = a.signers().collect();
            assert_eq!(signers.len(), a.signer_count());
            assert!(
                signers.len() >= config.threshold(),
                "accepted below threshold"
            );
            assert!(
                signers.windows(2).all(|w| w[0] < w[1]),
                "signers not sorted"
            );
            for s in &signers {
                assert!(config.signers().keys().contains(s), "unconfigured signer");
            }
            assert!(a.stats().counted as usize >= signers.len());
            if let Some(i) = a.index() {
                assert!(i < a.stats().responses as usize);
            }
            assert_eq!(
                rehash(params, a),
                *a.hash(),
                "verified result is not the signed one"
            );
            // PROTOCOL.md §9 on whatever was accepted: an answer, never a
            // panic; each present entry is the identifier requested.
            if let (RequestParams::Secrets(p), Some(Ok(order))) = (params, a.secrets()) {
                assert!(order.len() <= p.secrets().len());
                for o in order.iter() {
                    if let Some(e) = o.entry {
                        assert_eq!(e.id, o.id);
                    }
                }
                let _ = format!("{:?}", order.iter().collect::<Vec<_>>());
            }
        }
        Verdict::Reject(e) => {
            let _ = e.to_string();
            match e {
                Error::Malformed(m) => assert!(m.offset <= body.len(), "{m:?}"),
                Error::NoQuorum(q) => {
                    stats(&q.stats);
                    assert_eq!(q.threshold as usize, config.threshold());
                    assert_eq!(q.leader.is_some(), q.distinct_hashes > 0);
                    assert!(q.leader.iter().all(|(_, n)| *n < q.threshold && *n > 0));
                }
                other => panic!("valid config and params, yet {other:?}"),
            }
        }
    }
}

/// The batch backend must reach the verdict the exact one reaches; it
/// only differs on crafted signatures, which no target writes.
#[cfg(feature = "batch")]
pub fn batched(verifier: &Verifier, params: &RequestParams<'_>, body: &[u8], exact: &Verdict<'_>) {
    let batched = verifier.verify_batched(params, body);
    assert_eq!(
        format!("{batched:?}"),
        format!("{exact:?}"),
        "verify_batched differs"
    );
    if let (Verdict::Accept(a), Verdict::Accept(b)) = (&batched, exact) {
        assert!(a.signers().eq(b.signers()));
    }
}

/// Without the `batch` feature there is nothing to compare.
#[cfg(not(feature = "batch"))]
pub fn batched(_: &Verifier, _: &RequestParams<'_>, _: &[u8], _: &Verdict<'_>) {}
