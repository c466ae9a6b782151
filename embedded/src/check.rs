//! The one place that calls relay-verifier: configuration, parameters,
//! verification and the verdict's accessors, compared with the expectation.

use relay_verifier::{Config, Error, RequestParams, SignerSet, Verdict, Verifier, Workspace};

use relay_verifier::VerifiedResponse;

use crate::cases::{Case, Expect, HandedOut, PostCheck};

/// Runs one case; `Err` says what differed. `workspace` is the room a
/// secrets result is indexed in; `work` and `payload` are the buffers a
/// report's hand-out is written into (PROTOCOL.md §11).
pub fn run(
    case: &Case,
    workspace: &mut Workspace,
    work: &mut [u8],
    payload: &mut [u8],
) -> Result<(), &'static str> {
    // Borrowed in place: the verifier (2 KiB for 64 keys) is not moved
    // out of the `Result` into a second copy.
    let built = start_up(case);
    let verifier = match &built {
        Ok(v) => v,
        Err(reason) => return rejected(case, reason),
    };
    handle(case, verifier, workspace, work, payload)
}

/// What an enclave does once, at start-up: its relay DON's keys and fault
/// bound, checked into a verifier. A frame of its own, gone before any
/// request: the signer set and the configuration it becomes are values of
/// 2 KiB each, moved into one another.
#[inline(never)]
fn start_up(case: &Case) -> Result<Verifier, &'static str> {
    let config =
        SignerSet::from_slices(case.signers.iter().copied()).and_then(|set| match case.threshold {
            Some(t) => Config::with_threshold(set, case.f, t),
            None => Config::new(set, case.f),
        });
    match config {
        Ok(c) => Ok(Verifier::new(c)),
        Err(e) => Err(e.reason()),
    }
}

/// What an enclave does per request, in one frame: its own parameters
/// parsed, the gateway's body verified, the verdict read (in a frame of
/// its own, after the verification, whose deepest calls it never shares).
#[inline(never)]
fn handle(
    case: &Case,
    verifier: &Verifier,
    workspace: &mut Workspace,
    work: &mut [u8],
    payload: &mut [u8],
) -> Result<(), &'static str> {
    let params = match RequestParams::from_json(case.method, case.params) {
        Ok(p) => p,
        Err(e) => return rejected(case, e.reason()),
    };
    let verdict = verifier.verify_in(&params, case.body, workspace);
    check_verdict(case, &verdict, work, payload)
}

/// The verdict against the case's expectation: the cost, the verdict and
/// reason, and for an acceptance everything the verified response reads.
#[inline(never)]
fn check_verdict(
    case: &Case,
    verdict: &Verdict<'_>,
    work: &mut [u8],
    payload: &mut [u8],
) -> Result<(), &'static str> {
    let verifications = match verdict {
        Verdict::Accept(v) => v.stats().verifications,
        Verdict::Reject(Error::NoQuorum(q)) => q.stats.verifications,
        Verdict::Reject(_) => 0,
    };
    if case
        .max_verifications
        .is_some_and(|max| verifications as usize > max)
    {
        return Err("more signature verifications than allowed");
    }
    let verified = match verdict {
        Verdict::Accept(v) => v,
        Verdict::Reject(e) => return rejected(case, e.reason()),
    };
    let Expect::Accept {
        hash,
        signers,
        index,
        post,
    } = &case.expect
    else {
        return Err("accepted, expected a rejection");
    };
    if verified.hash().as_bytes()[..] != hash[..] {
        return Err("winning hash differs");
    }
    if verified.signer_count() != signers.len()
        || !verified
            .signers()
            .zip(signers.iter())
            .all(|(a, b)| a[..] == b[..])
    {
        return Err("counted signers differ");
    }
    if verified.index() != *index {
        return Err("index differs");
    }
    hand_out(verified, case.handed_out.as_ref(), work, payload)?;
    match (post, verified.secrets()) {
        (PostCheck::None, _) => Ok(()),
        (PostCheck::Error(want), Some(Err(e))) if e.name() == *want => Ok(()),
        (PostCheck::Error(_), _) => Err("post-check did not fail as expected"),
        (PostCheck::Order(want), Some(Ok(got))) => {
            let same = got.len() == want.len()
                && got
                    .iter()
                    .zip(want.iter())
                    .all(|(g, (key, namespace, present))| {
                        g.id.key == *key
                            && g.id.namespace == *namespace
                            && g.entry.is_some() == *present
                    });
            if same {
                Ok(())
            } else {
                Err("post-check order differs")
            }
        }
        (PostCheck::Order(_), _) => Err("post-check failed, expected an order"),
    }
}

/// PROTOCOL.md §11: a report result's rebuilt payload, byte for byte, and
/// its merged signatures, in a work buffer of the firmware's own.
fn hand_out(
    verified: &VerifiedResponse<'_>,
    want: Option<&HandedOut>,
    work: &mut [u8],
    payload: &mut [u8],
) -> Result<(), &'static str> {
    let (hand_out, want) = match (verified.report_hand_out(), want) {
        (None, None) => return Ok(()),
        (Some(h), Some(w)) => (h, w),
        (Some(_), None) => return Err("a report handed out, none expected"),
        (None, Some(_)) => return Err("no report handed out"),
    };
    let out = hand_out
        .decode(work)
        .map_err(|_| "the hand-out does not fit the work buffer")?;
    let n = out
        .write_payload(payload)
        .ok_or("the handed-out payload does not fit its buffer")?;
    if payload.get(..n) != Some(want.payload) {
        return Err("handed-out payload differs");
    }
    let mut merged = out.merged();
    for &(id, signature, carriers) in want.merged {
        match merged.next() {
            Some(m) if m.signer_id == id && m.signature == signature && m.carriers == carriers => {}
            _ => return Err("merged signatures differ"),
        }
    }
    if merged.next().is_some() {
        return Err("more merged signatures than expected");
    }
    Ok(())
}

/// A rejection for `reason`: right only if the case expects that reason.
fn rejected(case: &Case, reason: &str) -> Result<(), &'static str> {
    match case.expect {
        Expect::Reject { reason: want } if want == reason => Ok(()),
        Expect::Reject { .. } => Err("rejected for another reason"),
        Expect::Accept { .. } => Err("rejected, expected accept"),
    }
}
