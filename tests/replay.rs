//! Stable replay of the fuzz targets: every committed corpus file and every
//! regression (an input that once crashed a target, kept after the fix)
//! runs through the same entry functions the cargo-fuzz targets call, so CI
//! without nightly still guards them. The seeds derived from the reference
//! vectors run too, so a fresh checkout exercises every target.
//!
//! Needs the hidden `fuzzing` feature for the differential target; the
//! batch comparison inside the verify target runs when `batch` is on.
#![cfg(feature = "fuzzing")]

#[path = "../fuzz/common/mod.rs"]
// Harness code: tables of entry points and reference data, not API.
#[allow(dead_code)]
mod common;

use std::path::Path;

fn files(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out: Vec<_> = std::fs::read_dir(dir)
        .map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    out.sort();
    out
}

#[test]
fn every_corpus_and_regression_file_replays() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let mut total = 0;
    for (name, run) in common::targets() {
        let mut n = 0;
        for kind in ["corpus", "regressions"] {
            for path in files(&root.join(kind).join(name)) {
                let bytes = std::fs::read(&path).expect("readable fuzz input");
                run(&bytes);
                n += 1;
            }
        }
        assert!(n > 0, "no committed inputs for target {name}");
        total += n;
    }
    assert!(total > 100, "only {total} inputs replayed");
}

#[test]
fn seeds_from_the_vectors_replay() {
    let targets = common::targets();
    for (name, seeds) in common::seeds::all() {
        let Some((_, run)) = targets.iter().find(|(t, _)| *t == name) else {
            continue;
        };
        assert!(!seeds.is_empty(), "no seeds for {name}");
        for seed in seeds {
            run(&seed);
        }
    }
}

/// Writes the seeds derived from the vectors into `fuzz/corpus/<target>/`,
/// each named by a prefix of its SHA-256, so rerunning adds nothing twice.
/// Follow with `cargo fuzz cmin <target> -- -use_counters=0` to keep only
/// seeds that add coverage.
#[test]
#[ignore = "writes fuzz/corpus; run by hand to reseed"]
fn write_seed_corpora() {
    use sha2::{Digest, Sha256};
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus");
    for (name, seeds) in common::seeds::all() {
        let dir = root.join(name);
        std::fs::create_dir_all(&dir).expect("corpus directory");
        for seed in seeds {
            let file = hex::encode(&Sha256::digest(&seed)[..20]);
            std::fs::write(dir.join(file), seed).expect("seed written");
        }
    }
}

/// The committed `vote` and `replay_guard` inputs reach every outcome
/// §13 and §14 name, so the stable replay holds each to the models.
#[test]
fn the_state_corpora_reach_every_outcome() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus");
    let reached = |name: &str, run: fn(&[u8]) -> std::collections::BTreeSet<&'static str>| {
        let mut all = std::collections::BTreeSet::new();
        for path in files(&root.join(name)) {
            all.extend(run(&std::fs::read(&path).expect("readable fuzz input")));
        }
        all
    };
    let vote = reached("vote", common::vote::run_summary);
    for outcome in [
        "applied",
        "collected",
        "already_current",
        "malformed",
        "unknown_signer",
        "retired_config",
        "invalid_config",
    ] {
        assert!(vote.contains(outcome), "no vote input reaches {outcome}");
    }
    let guard = reached("replay_guard", common::replay_guard::run_summary);
    for outcome in [
        "started",
        "executed",
        "in_progress",
        "full",
        "recorded",
        "released",
        "not_started",
    ] {
        assert!(
            guard.contains(outcome),
            "no replay_guard input reaches {outcome}"
        );
    }
}
