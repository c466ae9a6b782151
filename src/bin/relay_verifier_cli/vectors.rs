//! `vectors`: the conformance runner over reference vector files
//! (`../shared/vectors/README.md` has the schema). A case passes exactly
//! when it passes in `tests/vectors.rs`; a valid hash case's
//! `signed_response_json` and `attestation_user_data` are checked as in
//! `tests/signing_vectors.rs`, each as a case of its own
//! (`<name>#signed_response`, `<name>#attestation`). Cases of
//! `compute/compute.json` (PROTOCOL.md §12) run as in
//! `tests/compute_vectors.rs`.

use std::io::{self, Write};
use std::path::PathBuf;

use base64::Engine as _;
use clap::Args;
use relay_verifier::signing::{attestation_user_data, check_hand_out, LogicalResult, RelayNode};
use relay_verifier::{
    canonical_group_hash, canonical_hash, Config, ConfigError, Error, Method, Report,
    RequestParams, Text, Verdict, Verifier,
};
use serde_json::{json, Value};

use super::sign::parse_seed;
use super::{configure, parse_json, read_input, CliError, Outcome, Status};

/// Arguments of `vectors`.
#[derive(Debug, Args)]
pub struct VectorsArgs {
    /// Vector files; each holds `hash_cases`, `verify_cases` or both, a
    /// rotation file's `hash_cases` and `rotation_cases`, or a replay-guard
    /// file's `cases`.
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Also print `ok <name>` for every case that passes.
    #[arg(long, short)]
    pub verbose: bool,
}

/// Which kind of case, and so how to run it.
#[derive(Clone, Copy)]
enum Kind {
    Hash,
    Verify,
    /// A rotation file's `hash_cases` (PROTOCOL.md §13).
    ConfigHash,
    Rotation,
    /// A replay-guard file's `cases` (§14).
    Guard,
}

impl Kind {
    /// The key of the case array in a vector file.
    fn key(self) -> &'static str {
        match self {
            Kind::Hash | Kind::ConfigHash => "hash_cases",
            Kind::Verify => "verify_cases",
            Kind::Rotation => "rotation_cases",
            Kind::Guard => "cases",
        }
    }

    /// Runs a case: its own check, then (for a valid hash case) one check
    /// per signing field it carries, each with the suffix of its name.
    fn run(self, case: &Value) -> Vec<(&'static str, Result<(), String>)> {
        match self {
            // compute.json (PROTOCOL.md §12): batches carry no parameters.
            Kind::Verify if case.get("params_json").is_none() => {
                vec![("", super::compute::batch_case(case))]
            }
            Kind::Hash if case.get("request_json").is_some() => {
                vec![("", super::compute::hash_case(case))]
            }
            Kind::Verify => vec![("", verify_case(case))],
            Kind::ConfigHash => vec![("", super::state::config_hash_case(case))],
            Kind::Rotation => vec![("", super::state::rotation_case(case))],
            Kind::Guard => vec![("", super::state::guard_case(case))],
            Kind::Hash => {
                let mut checks = vec![("", hash_case(case))];
                if case.get("error").is_some_and(|e| !e.is_null()) {
                    return checks;
                }
                if case.get("signed_response_json").is_some() {
                    checks.push(("#signed_response", signed_response_case(case)));
                }
                if case.get("attestation_user_data").is_some() {
                    checks.push(("#attestation", attestation_case(case)));
                }
                checks
            }
        }
    }
}

/// Stack of the runner's thread. serde_json reads, clones, prints and drops
/// a vector file's values by recursion, about 1.5 KiB a level unoptimised
/// (the main thread's 8 MiB ends near 5,000 levels), and nothing bounds
/// the nesting of a file, whose cases are the verifier's to judge, not the
/// reader's. Reserved, not committed: only the levels read use memory.
const RUNNER_STACK: usize = 512 << 20;

/// Runs every case of every file: `FAIL <name>: <why>` per failure, then
/// `N passed, M failed`. Exit 1 on any failure; 2 when a file cannot be
/// read or holds no cases, before any case runs.
pub fn run(args: &VectorsArgs) -> Outcome {
    std::thread::scope(|s| {
        let runner = std::thread::Builder::new()
            .name("vectors".into())
            .stack_size(RUNNER_STACK)
            .spawn_scoped(s, || run_files(args))
            .map_err(|e| CliError::Input(format!("cannot start the runner: {e}")))?;
        runner
            .join()
            .unwrap_or_else(|p| std::panic::resume_unwind(p))
    })
}

/// [`run`], on the runner's thread.
fn run_files(args: &VectorsArgs) -> Outcome {
    let mut suites = Vec::new();
    for path in &args.files {
        let bad = |why: String| CliError::Input(format!("{}: {why}", path.display()));
        let doc = parse_json(&read_input(path)?).map_err(|e| bad(format!("not JSON: {e}")))?;
        let mut found = false;
        // A rotation file's hash cases are §13 config hashes; a file of
        // bare `cases` is the replay guard's.
        let kinds: &[Kind] = if doc.get("rotation_cases").is_some() {
            &[Kind::ConfigHash, Kind::Rotation]
        } else if doc.get("cases").is_some() {
            &[Kind::Guard]
        } else {
            &[Kind::Hash, Kind::Verify]
        };
        for &kind in kinds {
            let Some(cases) = doc.get(kind.key()) else {
                continue;
            };
            let cases = cases
                .as_array()
                .ok_or_else(|| bad(format!("{} is not an array", kind.key())))?;
            found = true;
            suites.push((path, kind, cases.clone()));
        }
        if !found {
            return Err(bad(
                "holds none of hash_cases, verify_cases, rotation_cases or cases".into(),
            ));
        }
    }

    let mut out = io::stdout().lock();
    let (mut passed, mut failed) = (0usize, 0usize);
    for (path, kind, cases) in &suites {
        for (i, case) in cases.iter().enumerate() {
            let name = match case.get("name").and_then(Value::as_str) {
                Some(name) => name.to_owned(),
                None => format!("{}#{}[{i}]", path.display(), kind.key()),
            };
            for (suffix, check) in kind.run(case) {
                match check {
                    Ok(()) => {
                        passed += 1;
                        if args.verbose {
                            writeln!(out, "ok {name}{suffix}").map_err(CliError::Write)?;
                        }
                    }
                    Err(why) => {
                        failed += 1;
                        writeln!(out, "FAIL {name}{suffix}: {why}").map_err(CliError::Write)?;
                    }
                }
            }
        }
    }
    writeln!(out, "{passed} passed, {failed} failed").map_err(CliError::Write)?;
    out.flush().map_err(CliError::Write)?;
    Ok(if failed == 0 {
        Status::Success
    } else {
        Status::Failure
    })
}

/// A string field of a case.
pub fn text<'v>(v: &'v Value, key: &str) -> Result<&'v str, String> {
    v.get(key)
        .and_then(Value::as_str)
        .ok_or_else(|| format!("{key} is not a string"))
}

/// A case's method.
fn method(case: &Value) -> Result<Method, String> {
    let name = text(case, "method")?;
    Method::from_name(name).map_err(|e| format!("method {name}: {e}"))
}

/// A hash case: invalid parameters refused (`error`), or the exact hash and
/// signature payload.
fn hash_case(case: &Value) -> Result<(), String> {
    let params = RequestParams::from_json(method(case)?, text(case, "params_json")?.as_bytes());
    match (case.get("error").filter(|e| !e.is_null()), params) {
        (Some(_), Err(_)) => Ok(()),
        (Some(e), Ok(_)) => Err(format!("accepted invalid params (expected {e})")),
        (None, Err(e)) => Err(format!("refused valid params: {e}")),
        (None, Ok(params)) => {
            let h = canonical_hash(&params, text(case, "result_json")?.as_bytes())
                .map_err(|e| e.to_string())?;
            let want = text(case, "hash")?;
            if h.to_string() != want {
                return Err(format!("hash {h} != {want}"));
            }
            let payload = hex::encode(h.signature_payload());
            let want = text(case, "signature_payload")?;
            if payload != want {
                return Err(format!("signature payload {payload} != {want}"));
            }
            Ok(())
        }
    }
}

/// A valid hash case's `signed_response_json`: what the node with
/// `node_seed` writes for `result_json`, byte for byte.
fn signed_response_case(case: &Value) -> Result<(), String> {
    let method = method(case)?;
    let params = RequestParams::from_json(method, text(case, "params_json")?.as_bytes())
        .map_err(|e| format!("refused valid params: {e}"))?;
    let result = LogicalResult::from_json(method, text(case, "result_json")?.as_bytes())
        .map_err(|e| format!("refused the result: {e}"))?;
    let seed = parse_seed(text(case, "node_seed")?).map_err(|e| format!("node_seed: {e}"))?;
    let got = RelayNode::from_seed(seed)
        .respond(&params, &result)
        .map_err(|e| format!("cannot sign: {e}"))?
        .to_json();
    let want = text(case, "signed_response_json")?;
    match first_difference(&got, want) {
        None => Ok(()),
        Some(at) => Err(format!(
            "signed response differs from byte {at}: got `{}`, want `{}`",
            excerpt(&got, at),
            excerpt(want, at)
        )),
    }
}

/// A valid hash case's `attestation_user_data`, as hex.
fn attestation_case(case: &Value) -> Result<(), String> {
    let params = RequestParams::from_json(method(case)?, text(case, "params_json")?.as_bytes())
        .map_err(|e| format!("refused valid params: {e}"))?;
    let got = hex::encode(attestation_user_data(&params));
    let want = text(case, "attestation_user_data")?;
    if got != want.to_ascii_lowercase() {
        return Err(format!("attestation user data {got} != {want}"));
    }
    Ok(())
}

/// The offset of the first byte where `a` and `b` differ (`None`: equal).
fn first_difference(a: &str, b: &str) -> Option<usize> {
    if a == b {
        return None;
    }
    let common = a.bytes().zip(b.bytes()).take_while(|(x, y)| x == y).count();
    Some(common)
}

/// Up to 40 bytes of `s` from `at` (rounded down to a character boundary).
fn excerpt(s: &str, at: usize) -> &str {
    let start = (0..=at.min(s.len()))
        .rev()
        .find(|i| s.is_char_boundary(*i))
        .unwrap_or(0);
    let rest = s.get(start..).unwrap_or_default();
    let end = (0..=rest.len().min(40))
        .rev()
        .find(|i| rest.is_char_boundary(*i))
        .unwrap_or(0);
    rest.get(..end).unwrap_or_default()
}

/// The body of a verify or compute case: `body_json`, else `body_base64`,
/// else empty (`malformed/empty-body` carries neither).
pub fn body(case: &Value) -> Result<Vec<u8>, String> {
    match (case.get("body_json"), case.get("body_base64")) {
        (Some(_), _) => Ok(text(case, "body_json")?.as_bytes().to_vec()),
        (None, Some(_)) => base64::engine::general_purpose::STANDARD
            .decode(text(case, "body_base64")?)
            .map_err(|e| format!("body_base64: {e}")),
        (None, None) => Ok(Vec::new()),
    }
}

/// A case's configuration from its hex signer keys, `f`, and the stricter
/// threshold when the case sets one (none of today's vectors does): `Err`
/// when the case itself is malformed, `Ok(Err)` when the library refuses
/// the configuration (which a case may expect).
pub fn case_config(case: &Value) -> Result<Result<Config, ConfigError>, String> {
    let keys = case
        .get("signers")
        .and_then(Value::as_array)
        .ok_or("signers is not an array")?
        .iter()
        .map(|k| {
            let k = k.as_str().ok_or("a signer is not a string")?;
            hex::decode(k).map_err(|e| format!("signer {k}: {e}"))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let count = |key: &str| -> Result<Option<usize>, String> {
        match case.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => v
                .as_u64()
                .and_then(|n| usize::try_from(n).ok())
                .map(Some)
                .ok_or_else(|| format!("{key} is not a count")),
        }
    };
    let f = count("f")?.ok_or("f is missing")?;
    let threshold = count("threshold")?;
    Ok(configure(&keys, f, threshold))
}

/// A verify case: configuration, parameters, then the body; the verdict,
/// hash, signers, index and post-check must all be as expected.
fn verify_case(case: &Value) -> Result<(), String> {
    let expect = case.get("expect").ok_or("expect is missing")?;
    let config = case_config(case)?;
    let body = body(case)?;
    let method = method(case)?;
    let params_json = text(case, "params_json")?;

    let config = match config {
        Ok(c) => c,
        Err(e) => return check_reject(expect, e.reason(), &e),
    };
    let params = match RequestParams::from_json(method, params_json.as_bytes()) {
        Ok(p) => p,
        Err(e) => return check_reject(expect, e.reason(), &e),
    };
    if let Some(groups) = case.get("groups") {
        check_groups(&params, &body, groups)?;
    }
    let verifier = Verifier::new(config);
    let verdict = verifier.verify(&params, &body);
    check_verifications(expect, &verdict)?;
    let v = match verdict {
        Verdict::Reject(e) => return check_reject(expect, e.reason(), &e),
        Verdict::Accept(v) => v,
    };
    if expect.get("accept") != Some(&Value::Bool(true)) {
        return Err(format!("accepted, expected {}", field(expect, "reason")));
    }
    let hash = v.hash().to_string();
    let want = text(expect, "hash")?;
    if hash != want {
        return Err(format!("hash {hash} != {want}"));
    }
    let signers: Vec<Value> = v.signers().map(|k| hex::encode(k).into()).collect();
    let signers = Value::Array(signers);
    if signers != *field(expect, "signers") {
        return Err(format!("signers {signers} != {}", field(expect, "signers")));
    }
    let index = v.index().map_or(Value::Null, Value::from);
    if index != *field(expect, "index") {
        return Err(format!("index {index} != {}", field(expect, "index")));
    }
    // PROTOCOL.md §11: the rebuilt payload, merged and counted signatures.
    check_hand_out(&v, expect.get("handed_out"))?;
    let Some(post) = expect.get("post_check") else {
        return Ok(());
    };
    let Some(checked) = v.secrets() else {
        return Err("post_check on a capability case".into());
    };
    match (checked, post.get("error")) {
        (Err(e), Some(want)) if want == e.name() => Ok(()),
        (Err(e), _) => Err(format!("post-check failed: {e}, expected {post}")),
        (Ok(_), Some(want)) => Err(format!("post-check passed, expected {want}")),
        (Ok(order), None) => {
            let got: Vec<Value> = order
                .iter()
                .map(|o| {
                    json!({
                        "key": o.id.key.to_string(),
                        "namespace": o.id.namespace.to_string(),
                        "present": o.entry.is_some(),
                    })
                })
                .collect();
            let got = Value::Array(got);
            if got != *field(post, "order") {
                return Err(format!("order {got} != {}", field(post, "order")));
            }
            Ok(())
        }
    }
}

/// `expect.max_verifications`, where present: the most signature
/// verifications the case may cost (PROTOCOL.md §7 rule 2).
fn check_verifications(expect: &Value, verdict: &Verdict<'_>) -> Result<(), String> {
    let Some(max) = expect.get("max_verifications") else {
        return Ok(());
    };
    let max = max
        .as_u64()
        .ok_or_else(|| format!("max_verifications {max} is not a count"))?;
    let done = match verdict {
        Verdict::Accept(v) => v.stats().verifications,
        Verdict::Reject(Error::NoQuorum(q)) => q.stats.verifications,
        Verdict::Reject(_) => 0,
    };
    if done as u64 > max {
        return Err(format!("{done} verifications, at most {max} allowed"));
    }
    Ok(())
}

/// A report case's `groups` (PROTOCOL.md §11): for response `i` of the body,
/// the hash its signatures are verified over, the hash it is counted under,
/// and whether the rewrite applied. A mismatch names the response.
fn check_groups(params: &RequestParams<'_>, body: &[u8], groups: &Value) -> Result<(), String> {
    let groups = groups.as_array().ok_or("groups is not an array")?;
    let body: Value = super::parse_json(body).map_err(|e| format!("body: {e}"))?;
    let responses = match body.get("responses") {
        Some(list) => list.as_array().cloned().unwrap_or_default(),
        None => vec![body],
    };
    if responses.len() != groups.len() {
        return Err(format!(
            "{} groups for {} responses",
            groups.len(),
            responses.len()
        ));
    }
    for (i, (response, want)) in responses.iter().zip(groups).enumerate() {
        // Re-serialized: the hashes are over decoded strings.
        let result = response.get("result").unwrap_or(&Value::Null).to_string();
        let sig = canonical_hash(params, result.as_bytes())
            .map_err(|e| format!("response {i}: result does not hash: {e}"))?;
        let group = canonical_group_hash(params, result.as_bytes())
            .map_err(|e| format!("response {i}: result does not hash: {e}"))?;
        let payload = response
            .pointer("/result/payload")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let rewritten = Report::decoded_len(&Text::new(payload)).is_some();
        let got = json!({
            "sig_hash": sig.to_string(),
            "group_hash": group.to_string(),
            "rewritten": rewritten,
        });
        for key in ["sig_hash", "group_hash", "rewritten"] {
            if got.get(key) != want.get(key) {
                return Err(format!(
                    "response {i}: {key} {} != {}",
                    field(&got, key),
                    field(want, key)
                ));
            }
        }
    }
    Ok(())
}

/// A field of an object, `null` when absent (as `expect` leaves `index` out).
fn field<'v>(v: &'v Value, key: &str) -> &'v Value {
    v.get(key).unwrap_or(&Value::Null)
}

/// A rejection must be expected, for the same reason, and carry no index.
fn check_reject(expect: &Value, reason: &str, e: &dyn std::fmt::Display) -> Result<(), String> {
    if expect.get("accept") != Some(&Value::Bool(false)) {
        return Err(format!("rejected ({e}), expected accept"));
    }
    let want = field(expect, "reason");
    if want != reason {
        return Err(format!("reason {reason} ({e}) != {want}"));
    }
    if !field(expect, "index").is_null() {
        return Err("a rejection has no index".into());
    }
    Ok(())
}
