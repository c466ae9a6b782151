//! `simulate`: a deterministic Byzantine relay DON answers one request and
//! its gateway writes the body the enclave would receive.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::PathBuf;

use clap::Args;
use relay_verifier::signing::simulator::{Fault, RelayDon, Scenario, Simulation};
use relay_verifier::signing::LogicalResult;
use relay_verifier::{Error, Method, RequestParams};

use super::{is_stdin, refusal, write_output, CliError, Outcome, RequestFiles, Status};

/// The most nodes a DON may have (the verifier itself takes at most 64).
const MAX_NODES: usize = 1024;
/// The most responses the gateway may repeat or add, per kind.
const MAX_EXTRAS: usize = 10_000;

/// Arguments of `simulate`.
#[derive(Debug, Args)]
pub struct SimulateArgs {
    /// Number of relay nodes N (node keys are derived from --seed).
    #[arg(long = "n", value_name = "N")]
    pub n: usize,
    /// The fault bound F the DON is configured with (a result needs F+1 signers).
    #[arg(long = "f", value_name = "F")]
    pub f: usize,
    /// Seed of the node keys, and of --random-faults unless --scenario-seed is given.
    #[arg(long, value_name = "U64")]
    pub seed: u64,
    /// Seed of --random-faults (default: --seed).
    #[arg(long, value_name = "U64")]
    pub scenario_seed: Option<u64>,
    /// The request and the logical result.
    #[command(flatten)]
    pub request: RequestFiles,
    /// A faulty node and what it does, as `I=FAULT,FAULT` (repeatable; it
    /// sends one response per fault). Faults: silent, honest, duplicate,
    /// forge-K, relabel, corrupt-signature, truncate-signature,
    /// truncate-signer, staple, foreign, junk, over-capacity.
    #[arg(long, value_name = "I=FAULTS", value_parser = parse_faulty)]
    pub faulty: Vec<FaultyNode>,
    /// K random faulty nodes with random faults, and a random gateway that
    /// shuffles, repeats and pads (explicit --faulty and gateway flags win).
    #[arg(long, value_name = "K")]
    pub random_faults: Option<usize>,
    /// Nodes whose responses the gateway drops (comma separated, repeatable).
    #[arg(long, value_name = "I,...", value_delimiter = ',')]
    pub drop: Vec<usize>,
    /// The gateway shuffles the responses with this seed.
    #[arg(long, value_name = "SEED")]
    pub shuffle: Option<u64>,
    /// The gateway repeats its first K responses.
    #[arg(long, value_name = "K")]
    pub duplicate: Option<usize>,
    /// The gateway adds K junk responses.
    #[arg(long, value_name = "K")]
    pub junk: Option<usize>,
    /// The gateway adds K forgeries signed by keys outside the set.
    #[arg(long, value_name = "K")]
    pub foreign: Option<usize>,
    /// The gateway writes the earlier merged envelope (the honest result with
    /// every signature over it) instead of a bundle.
    #[arg(long)]
    pub merge: bool,
    /// Where to write the body (`-`, the default, for stdout; a file gets
    /// the body's exact bytes, stdout a newline after them).
    #[arg(long, value_name = "PATH", default_value = "-")]
    pub out: PathBuf,
    /// Where to write the signer set: hex public keys, one per line, in node
    /// order (as `verify --signers-file` reads them).
    #[arg(long, value_name = "PATH")]
    pub signers_out: Option<PathBuf>,
}

/// One `--faulty` flag: a node index and its faults.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FaultyNode {
    /// The node's index, from 0.
    pub node: usize,
    /// What it does, in order.
    pub faults: Vec<Fault>,
}

/// Writes the body (and the signer set), prints a summary to stderr (exit
/// 0); or the library's refusal as `{"reason", "detail"}` (exit 1).
pub fn run(args: &SimulateArgs) -> Outcome {
    if is_stdin(&args.out) && args.signers_out.as_deref().is_some_and(is_stdin) {
        return Err(CliError::Input(
            "--out and --signers-out cannot both be stdout".into(),
        ));
    }
    let scenario = scenario(args)?;
    let (params_json, result_json) = args.request.read()?;
    let don = RelayDon::new(args.n, args.f, args.seed);
    let sim = match simulate(
        &don,
        args.request.method,
        &params_json,
        &result_json,
        &scenario,
    ) {
        Ok(sim) => sim,
        Err(e) => return refusal(&e),
    };
    if let Some(path) = &args.signers_out {
        let keys: String = don
            .signer_keys()
            .iter()
            .map(|k| hex::encode(k) + "\n")
            .collect();
        write_output(Some(path), keys.as_bytes())?;
    }
    if is_stdin(&args.out) {
        write_output(None, format!("{}\n", sim.body).as_bytes())?;
    } else {
        write_output(Some(&args.out), sim.body.as_bytes())?;
    }
    eprint!("{}", summary(args, &scenario, &sim));
    Ok(Status::Success)
}

/// Parses the request and the honest result, then runs the DON.
fn simulate(
    don: &RelayDon,
    method: Method,
    params_json: &[u8],
    result_json: &[u8],
    scenario: &Scenario,
) -> Result<Simulation, Error> {
    let params = RequestParams::from_json(method, params_json)?;
    let honest = LogicalResult::from_json(method, result_json)?;
    don.run(&params, &honest, scenario)
}

/// The scenario the flags describe, checked against N.
fn scenario(args: &SimulateArgs) -> Result<Scenario, CliError> {
    let n = args.n;
    let bad = |why: String| Err(CliError::Input(why));
    if n == 0 || n > MAX_NODES {
        return bad(format!("--n must be from 1 to {MAX_NODES}, not {n}"));
    }
    for (flag, count) in [
        ("--duplicate", args.duplicate),
        ("--junk", args.junk),
        ("--foreign", args.foreign),
    ] {
        if let Some(k) = count.filter(|k| *k > MAX_EXTRAS) {
            return bad(format!("{flag} is at most {MAX_EXTRAS}, not {k}"));
        }
    }
    let mut scenario = match args.random_faults {
        Some(k) if k > n => return bad(format!("--random-faults {k} exceeds --n {n}")),
        Some(k) => Scenario::random(n, k, 0, args.scenario_seed.unwrap_or(args.seed)),
        None => Scenario::honest(),
    };
    // Repeated flags for one node add up; together they replace a random pick.
    let mut explicit: BTreeMap<usize, Vec<Fault>> = BTreeMap::new();
    for f in &args.faulty {
        explicit.entry(f.node).or_default().extend(&f.faults);
    }
    if let Some(node) = explicit.keys().chain(&args.drop).find(|i| **i >= n) {
        return bad(format!(
            "node {node} does not exist: nodes are 0 to {}",
            n - 1
        ));
    }
    scenario.faulty.extend(explicit);
    let gateway = &mut scenario.gateway;
    for node in &args.drop {
        if !gateway.drop.contains(node) {
            gateway.drop.push(*node);
        }
    }
    gateway.shuffle = args.shuffle.or(gateway.shuffle);
    gateway.duplicate = args.duplicate.unwrap_or(gateway.duplicate);
    gateway.junk = args.junk.unwrap_or(gateway.junk);
    gateway.foreign = args.foreign.unwrap_or(gateway.foreign);
    gateway.merge |= args.merge;
    Ok(scenario)
}

/// What was simulated, for a person: the DON, the faults, each response.
fn summary(args: &SimulateArgs, scenario: &Scenario, sim: &Simulation) -> String {
    let mut out = String::new();
    let quorum = args.f.saturating_add(1);
    let _ = writeln!(
        out,
        "relay DON: N={} F={} seed={}, quorum {quorum}",
        args.n, args.f, args.seed
    );
    for (node, faults) in &scenario.faulty {
        let names: Vec<String> = faults.iter().map(|f| fault_name(*f)).collect();
        let _ = writeln!(out, "faulty node {node}: {}", names.join(", "));
    }
    let g = &scenario.gateway;
    let _ = writeln!(
        out,
        "gateway: drop {:?}, shuffle {}, duplicate {}, junk {}, foreign {}{}",
        g.drop,
        g.shuffle.map_or("no".into(), |s| s.to_string()),
        g.duplicate,
        g.junk,
        g.foreign,
        if g.merge { ", merged envelope" } else { "" }
    );
    let _ = writeln!(out, "honest hash: {}", sim.honest_hash);
    let item = if g.merge { "signature" } else { "response" };
    for (i, origin) in sim.origins.iter().enumerate() {
        let from = origin
            .node
            .map_or("gateway".to_string(), |n| format!("node {n}"));
        let _ = writeln!(out, "{item} {i}: {from}: {}", origin.what);
    }
    let _ = writeln!(
        out,
        "honest nodes in the body: {} (quorum {quorum})",
        sim.honest_in_body
    );
    out
}

/// Parses `I=FAULT,FAULT`.
pub fn parse_faulty(text: &str) -> Result<FaultyNode, String> {
    let (node, faults) = text
        .split_once('=')
        .ok_or_else(|| format!("`{text}` is not I=FAULT,FAULT"))?;
    let node = node
        .trim()
        .parse()
        .map_err(|e| format!("node `{node}` is not an index: {e}"))?;
    let faults = faults
        .split(',')
        .map(|f| parse_fault(f.trim()))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(FaultyNode { node, faults })
}

/// Parses one fault name (kebab-case; `forge-K` for forged result K).
pub fn parse_fault(name: &str) -> Result<Fault, String> {
    if let Some(k) = name.strip_prefix("forge-") {
        return k
            .parse()
            .map(Fault::Forge)
            .map_err(|_| format!("`{name}`: forge-K takes K from 0 to 255"));
    }
    Fault::ALL
        .iter()
        .copied()
        .filter(|f| !matches!(f, Fault::Forge(_)))
        .find(|f| fault_name(*f) == name)
        .ok_or_else(|| {
            format!(
                "unknown fault `{name}` (expected silent, honest, duplicate, forge-K, \
                 relabel, corrupt-signature, truncate-signature, truncate-signer, staple, \
                 foreign, junk, over-capacity, junk-report, report-unknown-field, \
                 strip-ocr, replace-ocr, pad-ocr or report-outer-bytes)"
            )
        })
}

/// A fault's name on the command line.
pub fn fault_name(fault: Fault) -> String {
    match fault {
        Fault::Silent => "silent",
        Fault::Honest => "honest",
        Fault::Duplicate => "duplicate",
        Fault::Forge(k) => return format!("forge-{k}"),
        Fault::Relabel => "relabel",
        Fault::CorruptSignature => "corrupt-signature",
        Fault::TruncateSignature => "truncate-signature",
        Fault::TruncateSigner => "truncate-signer",
        Fault::Staple => "staple",
        Fault::Foreign => "foreign",
        Fault::Junk => "junk",
        Fault::OverCapacity => "over-capacity",
        Fault::JunkReport => "junk-report",
        Fault::ReportUnknownField => "report-unknown-field",
        Fault::StripOcr => "strip-ocr",
        Fault::ReplaceOcr => "replace-ocr",
        Fault::PadOcr => "pad-ocr",
        Fault::ReportOuterBytes => "report-outer-bytes",
    }
    .into()
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn every_fault_name_parses_back() {
        for fault in Fault::ALL {
            assert_eq!(parse_fault(&fault_name(fault)), Ok(fault));
        }
        assert_eq!(parse_fault("forge-200"), Ok(Fault::Forge(200)));
        assert!(parse_fault("forge-256").is_err());
        assert!(parse_fault("forge").is_err());
        assert!(parse_fault("Silent").is_err());
    }

    #[test]
    fn faulty_flags_parse() {
        assert_eq!(
            parse_faulty("3=forge-1, relabel").unwrap(),
            FaultyNode {
                node: 3,
                faults: vec![Fault::Forge(1), Fault::Relabel]
            }
        );
        assert!(parse_faulty("3").is_err());
        assert!(parse_faulty("x=silent").is_err());
        assert!(parse_faulty("1=").is_err());
    }
}
