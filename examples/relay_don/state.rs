//! The last act: the enclave's own state (§13, §14). The enclave runs a
//! verified compute request once and refuses the host's replays. Then the
//! DON votes a fifth node in while a faulty signer, an outsider and the
//! host try their luck. After the rotation the enclave verifies with the
//! new set.

use relay_verifier::signing::compute::{batch_json, ComputeRequestData, WorkflowNode};
use relay_verifier::signing::{EnclaveConfigData, RelayNode};
use relay_verifier::{
    Execution, FinishOutcome, ReplayGuard, ReplaySlot, Rotation, RotationConfig, Verifier,
    VoteError, VoteOutcome, VoteWork,
};

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

/// One DON member: a seed signs votes (as a relay node) and compute
/// requests (as a workflow node) with one key.
struct Member {
    name: &'static str,
    relay: RelayNode,
    workflow: WorkflowNode,
}

pub fn act() -> Result<()> {
    let members: Vec<Member> = ["node A", "node B", "node C", "node D", "node E"]
        .iter()
        .zip(11u8..)
        .map(|(&name, seed)| Member {
            name,
            relay: RelayNode::from_seed([seed; 32]),
            workflow: WorkflowNode::from_seed([seed; 32]),
        })
        .collect();
    let keys: Vec<[u8; 32]> = members.iter().map(|m| m.relay.public_key()).collect();
    let (a, b, c, d, e) = (
        &members[0],
        &members[1],
        &members[2],
        &members[3],
        &members[4],
    );

    println!("== the enclave's own state: one run per request (§14), the signer set rotated by votes (§13)");
    // Configure: A-D in force (F = 1), as Go writes an EnclaveConfig. E waits to join.
    let first = EnclaveConfigData::new(&keys[..4], b"threshold master key", 2, 1);
    let mut rotation = Rotation::new(RotationConfig::from_json(first.to_go_json().as_bytes())?);
    let mut verifier = Verifier::new(rotation.current().config().clone());
    let mut slots = [ReplaySlot::EMPTY; 64]; // a microcontroller's worth
    let mut guard = ReplayGuard::new(&mut slots).with_lifetime(86_400);
    let mut now = 1_767_225_600; // seconds, from the enclave's own clock
    println!(
        "   in force: A, B, C, D (F = 1, config {}); replay guard: {} slots, a day's lifetime",
        short(&rotation.current().hash().to_string()),
        guard.capacity()
    );

    // A compute batch signed by A and B (F+1): run once, then refused.
    let request = ComputeRequestData::example();
    let batch = batch_json(&[a.workflow.sign(&request), b.workflow.sign(&request)]);
    let verified = verifier.verify_compute(batch.as_bytes()).into_result()?;
    println!(
        "   batch signed by A and B verifies: request {}",
        short(&verified.hash().to_string())
    );
    let execution: Execution = guard
        .begin(&verified, now)
        .map_err(|why| format!("a fresh request was refused: {why}"))?;
    println!("   begin        -> started");
    let again = verifier.verify_compute(batch.as_bytes()).into_result()?;
    println!(
        "   host posts it again while it runs -> {}",
        refusal(guard.begin(&again, now + 1))
    );
    now += 4;
    let finished = execution.finish(&mut guard, now);
    println!("   finish       -> {finished}");
    if finished != FinishOutcome::Recorded {
        return Err("a running request was not recorded".into());
    }
    let replay = verifier.verify_compute(batch.as_bytes()).into_result()?;
    println!(
        "   host replays it an hour later -> {}",
        refusal(guard.begin(&replay, now + 3_600))
    );

    // The votes: `PATCH /config` bodies as the Go nodes write them.
    let next = EnclaveConfigData::new(&keys, b"threshold master key", 3, 1);
    let rogue = EnclaveConfigData::new(&keys[3..], b"threshold master key", 1, 0);
    let captured = EnclaveConfigData::new(&[keys[3], keys[4], keys[0]], b"other key", 2, 1);
    let mut work = Box::new(VoteWork::new()); // firmware: static memory
    let a_vote = a.relay.vote(&next);
    let votes: Vec<(String, String)> = vec![
        (
            "D votes for D and E alone, F = 0".into(),
            d.relay.vote(&rogue),
        ),
        (
            "E (not a signer yet) votes for the next set".into(),
            e.relay.vote(&next),
        ),
        (
            "D votes for a set it would rule with E".into(),
            d.relay.vote(&captured),
        ),
        ("A votes for A-E, F = 1".into(), a_vote.clone()),
        (
            "the host sends A's vote cut short".into(),
            a_vote[..40].to_string(),
        ),
        ("the host replays A's vote".into(), a_vote.clone()),
        ("C votes for A-E, F = 1".into(), c.relay.vote(&next)),
        (
            "the host replays B's old vote for A-D".into(),
            b.relay.vote(&first),
        ),
    ];
    println!("   votes (F+1 = 2 live votes of current signers apply a config):");
    for (what, body) in &votes {
        now += 30;
        match rotation.take_vote(body.as_bytes(), now, &mut work) {
            Ok(VoteOutcome::Applied(applied)) => {
                let voters: Vec<&str> = applied
                    .signers()
                    .filter_map(|k| members.iter().find(|m| m.relay.public_key() == *k))
                    .map(|m| m.name)
                    .collect();
                println!(
                    "   {what:<46} -> applied {} by {}: {} signers in force, attest user data {}",
                    short(&applied.hash().to_string()),
                    voters.join(" and "),
                    applied.config().config().signers().len(),
                    short(&hex(&applied.user_data())),
                );
                verifier = Verifier::new(applied.verifier_config()); // the swap
            }
            Ok(VoteOutcome::Collected {
                collected,
                required,
                ..
            }) => println!("   {what:<46} -> collected {collected} of {required}"),
            Ok(other) => println!("   {what:<46} -> {other:?}"),
            Err(error) => {
                let detail = match &error {
                    VoteError::Malformed(at) => format!(", {at}"),
                    VoteError::InvalidConfig { error, .. } => format!(", {error}"),
                    _ => String::new(),
                };
                println!("   {what:<46} -> {}{detail}", error.reason());
            }
        }
    }
    if verifier.config().signers().len() != 5 {
        return Err("the honest votes did not rotate the set in".into());
    }

    // After the rotation E's signature counts.
    let request = ComputeRequestData {
        application_request_id: "after-rotation".into(),
        ..ComputeRequestData::example()
    };
    let batch = batch_json(&[e.workflow.sign(&request), c.workflow.sign(&request)]);
    let verified = verifier.verify_compute(batch.as_bytes()).into_result()?;
    println!(
        "   a batch signed by E and C verifies under the new set: {} signers counted",
        verified.signer_count()
    );
    match guard.begin(&verified, now) {
        Ok(run) => println!(
            "   begin        -> started, then {}",
            run.finish(&mut guard, now + 2)
        ),
        Err(why) => return Err(format!("a fresh request was refused: {why}").into()),
    }
    Ok(())
}

fn refusal<T>(outcome: std::result::Result<T, relay_verifier::BeginRefusal>) -> String {
    match outcome {
        Ok(_) => "started (a second run!)".into(),
        Err(why) => format!("refused: {why}"),
    }
}

fn short(hex: &str) -> String {
    format!("{}…", &hex[..hex.len().min(12)])
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
