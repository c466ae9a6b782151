//! What the subcommands share: exit status, errors, input, output.

pub mod compute;
pub mod enclave;
pub mod hash;
pub mod sign;
pub mod simulate;
pub mod state;
pub mod vectors;
pub mod verify;

use std::fmt;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Args;
use relay_verifier::{Config, ConfigError, Error, Method, SignerSet, VerifyStats};
use serde_json::{json, Value};

/// How a subcommand that ran to the end turned out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// Accepted, computed, or every vector passed: exit 0.
    Success,
    /// Rejected, refused, or a vector failed: exit 1.
    Failure,
}

impl From<Status> for ExitCode {
    fn from(status: Status) -> Self {
        match status {
            Status::Success => ExitCode::SUCCESS,
            Status::Failure => ExitCode::from(1),
        }
    }
}

/// A usage or I/O error: the subcommand could not run (exit 2).
#[derive(Debug)]
pub enum CliError {
    /// An input file (or stdin) could not be read.
    Read {
        /// The path, or `-` for stdin.
        path: PathBuf,
        /// Why.
        source: io::Error,
    },
    /// An input was readable but unusable (not hex, not JSON, conflicting options).
    Input(String),
    /// Stdout could not be written.
    Write(io::Error),
    /// An output file could not be written.
    WriteFile {
        /// The path.
        path: PathBuf,
        /// Why.
        source: io::Error,
    },
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CliError::Read { path, source } => {
                write!(f, "cannot read {}: {source}", path.display())
            }
            CliError::Input(why) => f.write_str(why),
            CliError::Write(e) => write!(f, "cannot write output: {e}"),
            CliError::WriteFile { path, source } => {
                write!(f, "cannot write {}: {source}", path.display())
            }
        }
    }
}

impl std::error::Error for CliError {}

/// The result of one subcommand.
pub type Outcome = Result<Status, CliError>;

/// Whether `path` names stdin (`-`).
pub fn is_stdin(path: &Path) -> bool {
    path.as_os_str() == "-"
}

/// Refuses more than one input read from stdin: the second would be empty.
pub fn at_most_one_stdin<'p>(
    inputs: impl IntoIterator<Item = (&'p str, &'p Path)>,
) -> Result<(), CliError> {
    let readers: Vec<&str> = inputs
        .into_iter()
        .filter(|(_, path)| is_stdin(path))
        .map(|(flag, _)| flag)
        .collect();
    if readers.len() > 1 {
        return Err(CliError::Input(format!(
            "only one input can be read from stdin, not {}",
            readers.join(" and ")
        )));
    }
    Ok(())
}

/// Reads a whole file, or stdin for `-`.
pub fn read_input(path: &Path) -> Result<Vec<u8>, CliError> {
    let read = || -> io::Result<Vec<u8>> {
        if is_stdin(path) {
            let mut bytes = Vec::new();
            io::stdin().lock().read_to_end(&mut bytes)?;
            Ok(bytes)
        } else {
            std::fs::read(path)
        }
    };
    read().map_err(|source| CliError::Read {
        path: path.to_path_buf(),
        source,
    })
}

/// Parses JSON text with no nesting limit: a vector file may nest a body,
/// or anything else, deeper than serde_json's default limit of 128 levels,
/// and the cases in it are the verifier's to judge, not the reader's.
pub fn parse_json(bytes: &[u8]) -> Result<Value, serde_json::Error> {
    use serde::Deserialize as _;
    let mut de = serde_json::Deserializer::from_slice(bytes);
    de.disable_recursion_limit();
    let value = Value::deserialize(&mut de)?;
    de.end()?;
    Ok(value)
}

/// Parses a method: the JSON-RPC name or a short alias (`secrets`, `capability`).
/// The request and result files `hash`, `sign` and `simulate` take.
#[derive(Debug, clap::Args)]
pub struct RequestFiles {
    /// Method: confidential.secrets.get, confidential.capability.execute,
    /// or the short forms secrets and capability.
    #[arg(long, value_name = "NAME", value_parser = parse_method)]
    pub method: Method,
    /// The request parameters, as a JSON file (`-` for stdin).
    #[arg(long, value_name = "PATH")]
    pub params: PathBuf,
    /// The logical result (what honest nodes sign), as a JSON file (`-` for stdin).
    #[arg(long, value_name = "PATH")]
    pub result: PathBuf,
}

impl RequestFiles {
    /// Reads the parameters and the result (at most one from stdin).
    pub fn read(&self) -> Result<(Vec<u8>, Vec<u8>), CliError> {
        at_most_one_stdin([
            ("--params", self.params.as_path()),
            ("--result", self.result.as_path()),
        ])?;
        Ok((read_input(&self.params)?, read_input(&self.result)?))
    }
}

/// Parses a method name.
pub fn parse_method(name: &str) -> Result<Method, String> {
    match name {
        "secrets" | "secrets.get" => Ok(Method::SecretsGet),
        "capability" | "capability.execute" => Ok(Method::CapabilityExecute),
        _ => Method::from_name(name).map_err(|_| {
            format!(
                "unknown method `{name}` (expected {}, {}, secrets or capability)",
                Method::SecretsGet.name(),
                Method::CapabilityExecute.name()
            )
        }),
    }
}

/// Decodes one hex public key (an optional `0x` prefix is allowed). Any
/// length is passed on: the library reports a wrong one as `invalid_config`.
pub fn decode_key(text: &str) -> Result<Vec<u8>, String> {
    let digits = text
        .strip_prefix("0x")
        .or_else(|| text.strip_prefix("0X"))
        .unwrap_or(text);
    hex::decode(digits).map_err(|e| format!("`{text}` is not a hex key: {e}"))
}

/// The configuration, built as the reference vectors build it: signer set,
/// then `F`, then the optional stricter threshold.
/// The trusted side of `verify` and `verify-compute`: the signer set and
/// the fault bound, from the command line and an optional keys file.
#[derive(Debug, Args)]
#[command(group(
    clap::ArgGroup::new("signer_source")
        .args(["signers", "signers_file"])
        .required(true)
        .multiple(true)
))]
pub struct SignerArgs {
    /// A configured signer: 32-byte ed25519 public key in hex (repeatable;
    /// counted after the keys of --signers-file).
    #[arg(long = "signer", value_name = "HEX")]
    pub signers: Vec<String>,
    /// File of hex public keys: whitespace separated (`#` starts a comment),
    /// or a JSON array of hex strings.
    #[arg(long, value_name = "PATH")]
    pub signers_file: Option<PathBuf>,
    /// The fault bound F: acceptance needs F+1 signers.
    #[arg(long = "f", value_name = "F")]
    pub f: usize,
    /// A stricter threshold than F+1 (such as 2F+1), at most the number of signers.
    #[arg(long, value_name = "N")]
    pub threshold: Option<usize>,
}

impl SignerArgs {
    /// The keys file as a stdin user, for [`at_most_one_stdin`].
    pub fn stdin_user(&self) -> Option<(&'static str, &Path)> {
        self.signers_file.as_deref().map(|p| ("--signers-file", p))
    }

    /// The keys, file first, then each `--signer`; not hex is an input error.
    pub fn keys(&self) -> Result<Vec<Vec<u8>>, CliError> {
        let mut keys = Vec::new();
        if let Some(path) = &self.signers_file {
            keys = signers_file(path, &read_input(path)?)?;
        }
        for key in &self.signers {
            keys.push(decode_key(key).map_err(|e| CliError::Input(format!("--signer: {e}")))?);
        }
        Ok(keys)
    }

    /// The configuration the library builds from `keys` and F (and the
    /// threshold, when given); its refusal is the caller's `invalid_config`.
    pub fn configure(&self, keys: &[Vec<u8>]) -> Result<Config, ConfigError> {
        configure(keys, self.f, self.threshold)
    }
}

/// A configuration from raw keys, F and an optional stricter threshold.
pub fn configure(
    keys: &[Vec<u8>],
    f: usize,
    threshold: Option<usize>,
) -> Result<Config, ConfigError> {
    let set = SignerSet::from_slices(keys.iter().map(Vec::as_slice))?;
    match threshold {
        Some(t) => Config::with_threshold(set, f, t),
        None => Config::new(set, f),
    }
}

/// Keys from a signers file: a JSON array of hex strings, or hex tokens.
pub fn signers_file(path: &Path, bytes: &[u8]) -> Result<Vec<Vec<u8>>, CliError> {
    let bad = |why: String| CliError::Input(format!("{}: {why}", path.display()));
    let text = std::str::from_utf8(bytes).map_err(|e| bad(format!("not UTF-8 text: {e}")))?;
    let tokens: Vec<String> = if text.trim_start().starts_with('[') {
        serde_json::from_str(text)
            .map_err(|e| bad(format!("not a JSON array of hex strings: {e}")))?
    } else {
        text.lines()
            .map(|line| line.split('#').next().unwrap_or_default())
            .flat_map(str::split_whitespace)
            .map(str::to_owned)
            .collect()
    };
    tokens.iter().map(|t| decode_key(t).map_err(bad)).collect()
}

/// The verification counters as JSON.
pub fn stats_json(stats: &VerifyStats) -> Value {
    let s = &stats.skipped;
    json!({
        "responses": stats.responses,
        "candidates": stats.candidates,
        "verifications": stats.verifications,
        "counted": stats.counted,
        "skipped": {
            "missing": s.missing,
            "not_base64": s.not_base64,
            "wrong_length": s.wrong_length,
            "unknown_signer": s.unknown_signer,
            "already_counted": s.already_counted,
            "equivocation": s.equivocation,
            "invalid_signature": s.invalid_signature,
            "over_capacity": s.over_capacity,
        },
    })
}

/// Writes `bytes` to the file at `path`, or to stdout for `None` or `-`.
pub fn write_output(path: Option<&Path>, bytes: &[u8]) -> Result<(), CliError> {
    match path {
        Some(path) if !is_stdin(path) => {
            std::fs::write(path, bytes).map_err(|source| CliError::WriteFile {
                path: path.to_path_buf(),
                source,
            })
        }
        _ => {
            let mut out = io::stdout().lock();
            out.write_all(bytes)
                .and_then(|()| out.flush())
                .map_err(CliError::Write)
        }
    }
}

/// Prints the library's refusal as `{"reason", "detail"}`: exit 1.
pub fn refusal(e: &Error) -> Outcome {
    emit(&json!({ "reason": e.reason(), "detail": e.to_string() }))?;
    Ok(Status::Failure)
}

/// Writes one JSON document and a newline to stdout.
pub fn emit(value: &Value) -> Result<(), CliError> {
    let mut out = io::stdout().lock();
    serde_json::to_writer(&mut out, value)
        .map_err(io::Error::from)
        .and_then(|()| writeln!(out))
        .and_then(|()| out.flush())
        .map_err(CliError::Write)
}
