//! `relay-verifier`: verify relay-DON responses, compute canonical hashes,
//! sign and simulate test envelopes, and run the reference vectors from the
//! command line (feature `cli`).
//!
//! Exit codes: 0 accept (or success), 1 reject (or a failed vector, or an
//! error the library reports), 2 usage or I/O error.
#![forbid(unsafe_code)]
#![deny(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
// The library's error is a few hundred bytes, moved once per run.
#![allow(clippy::result_large_err)]

mod relay_verifier_cli;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use relay_verifier_cli::{compute, enclave, hash, sign, simulate, vectors, verify, Outcome};

/// Verifier for confidential-relay DON responses.
#[derive(Debug, Parser)]
#[command(name = "relay-verifier", version)]
struct Cli {
    /// What to do.
    #[command(subcommand)]
    command: Command,
}

/// The subcommands; each has its own argument struct and `run` function.
#[derive(Debug, Subcommand)]
enum Command {
    /// Verify a gateway body against a signer set; prints the verdict as JSON
    /// (exit 0 accept, 1 reject, 2 usage or I/O error).
    Verify(verify::VerifyArgs),
    /// Verify a batch of Workflow-DON-signed compute requests (a JSON array)
    /// against a signer set; prints the verdict as JSON (exit 0 accept, 1
    /// reject, 2 usage or I/O error).
    VerifyCompute(compute::VerifyComputeArgs),
    /// Compute the canonical hash and signature payload of a logical result.
    Hash(hash::HashArgs),
    /// Sign a result as one relay node and print its response.
    Sign(sign::SignArgs),
    /// Simulate a (Byzantine) relay DON and its gateway; write the body.
    Simulate(simulate::SimulateArgs),
    /// Run every case of reference vector files, signed responses and
    /// attestation user data included.
    Vectors(vectors::VectorsArgs),
    /// Take §13 votes against the config in force; prints each outcome and
    /// the config in force after them (exit 1 when a vote is rejected).
    Vote(enclave::VoteArgs),
    /// Run a §14 operation sequence (begin, finish, abandon by request
    /// hash) against a replay guard; prints each outcome (exit 1 when one
    /// differs from its `expect`).
    ReplayGuard(enclave::ReplayGuardArgs),
}

impl Command {
    /// Runs the subcommand.
    fn run(self) -> Outcome {
        match self {
            Command::Verify(args) => verify::run(&args),
            Command::VerifyCompute(args) => compute::run(&args),
            Command::Hash(args) => hash::run(&args),
            Command::Sign(args) => sign::run(&args),
            Command::Simulate(args) => simulate::run(&args),
            Command::Vectors(args) => vectors::run(&args),
            Command::Vote(args) => enclave::run_vote(&args),
            Command::ReplayGuard(args) => enclave::run_replay_guard(&args),
        }
    }
}

fn main() -> ExitCode {
    // Clap exits with 2 on usage errors by itself.
    match Cli::parse().command.run() {
        Ok(status) => status.into(),
        Err(e) => {
            eprintln!("relay-verifier: {e}");
            ExitCode::from(2)
        }
    }
}
