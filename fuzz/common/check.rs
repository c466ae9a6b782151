//! Invariants every verdict must satisfy, whatever the body.

use std::collections::BTreeSet;

use relay_verifier::{
    canonical_group_hash, canonical_hash, CandidateTrace, CanonicalHash, Error, HandOutError,
    Report, RequestParams, SkipCause, Text, Verdict, VerifiedResponse, Verifier, VerifyStats,
};

use super::report as naive;

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
/// A capability result is hashed as §11 groups it (its group hash, which
/// is its signature hash unless its payload is a report): the winning hash
/// is a group hash.
fn rehash(
    params: &RequestParams<'_>,
    accepted: &relay_verifier::VerifiedResponse<'_>,
) -> CanonicalHash {
    let json = if let Some(r) = accepted.capability_as_sent() {
        let json = format!(
            "{{\"payload\":{},\"error\":{}}}",
            literal(&r.payload),
            literal(&r.error)
        );
        return canonical_group_hash(params, json.as_bytes())
            .expect("a verified result hashes again");
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

/// OCR signatures, owned: (`signer_id`, signature).
pub type Pairs = Vec<(u32, Vec<u8>)>;

/// One counted response, owned: index, relay signer, its OCR signatures.
pub type Counted = (usize, [u8; 32], Pairs);

/// What a report's hand-out came to (PROTOCOL.md §11), owned.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HandOut {
    /// The payload text (base64).
    pub payload: Vec<u8>,
    /// The merged signatures: `signer_id`, signature, carriers, in order.
    pub merged: Vec<(u32, Vec<u8>, u32)>,
    /// The counted responses: index, relay signer, OCR signatures.
    pub counted: Vec<Counted>,
}

/// The §11 hand-out of an accepted result whose payload is a report, after
/// checking what must hold of any: it decodes with exactly
/// `work_len()` bytes of work and refuses one fewer; `payload_len()` is
/// what `write_payload` writes and `stream_payload` streams; the payload
/// decodes to `report()`'s fields with `merged()`'s pairs as its
/// signatures, and rewrites (§11 rule 5) to the verified result's
/// canonical form; the merged list is in §11's order with one entry per
/// `signer_id` and 1 ..= counted carriers; the counted responses are one
/// per counted signer. `None` when the result is not a report.
pub fn hand_out(a: &VerifiedResponse<'_>) -> Option<HandOut> {
    let h = a.report_hand_out()?;
    let as_sent = a
        .capability_as_sent()
        .expect("a report is a capability result");
    assert!(
        a.capability().is_none(),
        "a report handed out as one node sent it"
    );
    assert!(h.error().eq_decoded(&as_sent.error), "error text differs");
    let counted_count = h.counted_count();
    assert_eq!(
        counted_count,
        a.signer_count(),
        "one counted response per signer"
    );

    // (a) Work: exactly `work_len()`.
    let need = h.work_len().expect("a verified report reads again");
    if need > 0 {
        let mut short = vec![0u8; need - 1];
        assert_eq!(
            h.decode(&mut short).err(),
            Some(HandOutError::WorkTooSmall { needed: need }),
            "a short work buffer taken"
        );
    }
    let mut work = vec![0u8; need];
    let r = h.decode(&mut work).expect("decodes with work_len() bytes");

    // (b) One payload, however it is asked for.
    let len = r.payload_len().expect("a payload length");
    let mut payload = vec![0u8; len];
    assert_eq!(r.write_payload(&mut payload), Some(len), "written length");
    if len > 0 {
        let mut short = vec![0u8; len - 1];
        assert_eq!(
            r.write_payload(&mut short),
            None,
            "a short payload buffer taken"
        );
    }
    let mut streamed = Vec::new();
    assert_eq!(
        r.stream_payload(&mut |c| streamed.extend_from_slice(c)),
        Some(len),
        "streamed length"
    );
    assert_eq!(streamed, payload, "streamed payload differs from written");

    // The merged list: §11's order, one entry per signer_id.
    let merged: Vec<(u32, Vec<u8>, u32)> = r
        .merged()
        .map(|m| (m.signer_id, m.signature.to_vec(), m.carriers))
        .collect();
    for (_, _, carriers) in &merged {
        assert!(
            *carriers >= 1 && *carriers as usize <= counted_count,
            "{merged:?}"
        );
    }
    for w in merged.windows(2) {
        assert!(
            w[0].2 > w[1].2 || (w[0].2 == w[1].2 && w[0].0 < w[1].0),
            "merged out of order: {merged:?}"
        );
    }
    let ids: BTreeSet<u32> = merged.iter().map(|m| m.0).collect();
    assert_eq!(ids.len(), merged.len(), "a signer_id merged twice");
    let pairs = |min: u32| -> Pairs {
        r.merged_pairs(min)
            .map(|p| (p.signer_id, p.signature.to_vec()))
            .collect()
    };
    let all: Pairs = merged.iter().map(|m| (m.0, m.1.clone())).collect();
    assert_eq!(pairs(1), all);
    let honest: Pairs = merged
        .iter()
        .filter(|m| m.2 >= 2)
        .map(|m| (m.0, m.1.clone()))
        .collect();
    assert_eq!(pairs(2), honest);

    // (c) The payload is R with the merged signatures.
    let text = std::str::from_utf8(&payload).expect("base64 is ASCII");
    let t = Text::new(text);
    let mut buf = vec![0u8; Report::decoded_len(&t).expect("the payload is a report")];
    let d = Report::decode(&t, &mut buf).expect("the payload is a report");
    let rep = r.report();
    assert_eq!(rep.signature_count(), 0, "R carries no OCR signatures");
    assert_eq!(d.config_digest(), rep.config_digest());
    assert_eq!(d.seq_nr(), rep.seq_nr());
    assert_eq!(d.report_context(), rep.report_context());
    assert_eq!(d.raw_report(), rep.raw_report());
    let carried: Pairs = d
        .signatures()
        .map(|s| (s.signer_id, s.signature.to_vec()))
        .collect();
    assert_eq!(
        carried, all,
        "the payload's signatures are not the merged list"
    );
    assert_eq!(
        naive::canonical_payload(text.as_bytes()),
        naive::canonical_payload(&decoded(&as_sent.payload)),
        "the payload is not in the verified result's group"
    );
    assert!(
        naive::canonical_payload(text.as_bytes()).is_some(),
        "the payload is no report"
    );

    // The counted responses: ascending, one per counted signer (signers
    // sharing one response, as in a merged envelope, share its position).
    let counted: Vec<Counted> = r
        .counted()
        .map(|c| {
            let sigs = c
                .signatures
                .map(|s| (s.signer_id, s.signature.to_vec()))
                .collect();
            // A single response has no position: 0 here.
            (c.index.unwrap_or(0), *c.signer, sigs)
        })
        .collect();
    assert_eq!(counted.len(), counted_count);
    assert!(
        counted.windows(2).all(|w| w[0].0 <= w[1].0),
        "counted not ascending"
    );
    let mut signers: Vec<[u8; 32]> = counted.iter().map(|c| c.1).collect();
    signers.sort();
    let verdict_signers: Vec<[u8; 32]> = a.signers().copied().collect();
    assert_eq!(
        signers, verdict_signers,
        "counted responses are not the signers'"
    );
    if let Some(i) = a.index() {
        assert_eq!(
            counted.first().map(|c| c.0),
            Some(i),
            "index is not the first counted"
        );
    }
    Some(HandOut {
        payload,
        merged,
        counted,
    })
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
            if let RequestParams::Capability(_) = params {
                let _ = hand_out(a);
            } else {
                assert!(a.report_hand_out().is_none(), "a secrets result handed out");
            }
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

/// The relay walk's speed shortcuts (last-result reuse, hash reuse) must
/// leave the verdict, the counts and the trace as the plain path has them.
#[cfg(feature = "fuzzing")]
pub fn shortcuts(
    verifier: &Verifier,
    params: &RequestParams<'_>,
    body: &[u8],
    verdict: &Verdict<'_>,
    traces: &[CandidateTrace],
) {
    let mut plain_traces = Vec::new();
    let plain = relay_verifier::__fuzz::verify_plain(
        verifier,
        params,
        body,
        &mut relay_verifier::Workspace::<64, 64>::new(),
        |t| plain_traces.push(t),
    );
    assert_eq!(
        format!("{plain:?}"),
        format!("{verdict:?}"),
        "the plain path differs"
    );
    if let (Verdict::Accept(a), Verdict::Accept(b)) = (&plain, verdict) {
        assert!(a.signers().eq(b.signers()));
        assert_eq!(a.signature_hash(), b.signature_hash());
    }
    assert_eq!(plain_traces, traces, "the plain path's trace differs");
}

/// Without the `fuzzing` feature there is nothing to compare.
#[cfg(not(feature = "fuzzing"))]
pub fn shortcuts(
    _: &Verifier,
    _: &RequestParams<'_>,
    _: &[u8],
    _: &Verdict<'_>,
    _: &[CandidateTrace],
) {
}
