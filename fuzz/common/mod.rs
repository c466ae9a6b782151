//! The fuzz targets' code, shared with the stable replay: each cargo-fuzz
//! target in `fuzz_targets/` is one call into here, and `tests/replay.rs`
//! includes this module by path to run every corpus and regression file
//! through the same functions without nightly.

pub mod bundle;
pub mod check;
#[cfg(feature = "signing")]
pub mod compute;
pub mod compute_model;
#[cfg(feature = "fuzzing")]
pub mod differential;
pub mod envelope;
pub mod fixtures;
#[cfg(feature = "fuzzing")]
pub mod grouping;
pub mod params;
pub mod reference;
#[cfg(feature = "fuzzing")]
pub mod replay_guard;
pub mod replay_model;
pub mod report;
pub mod seeds;
pub mod vote;
pub mod vote_model;

/// A target: name (as in `fuzz/Cargo.toml` and `fuzz/corpus/`) and entry.
pub type Target = (&'static str, fn(&[u8]));

/// Every target.
pub fn targets() -> Vec<Target> {
    let t: Vec<Target> = vec![
        ("envelope", envelope::run),
        ("verify", bundle::run),
        ("params", params::run),
        ("vote", vote::run),
    ];
    #[cfg(feature = "signing")]
    let t = {
        let mut t = t;
        t.push(("compute", compute::run as fn(&[u8])));
        t
    };
    #[cfg(feature = "fuzzing")]
    let t = {
        let mut t = t;
        t.push(("json_differential", differential::run as fn(&[u8])));
        t.push(("report", grouping::run));
        t.push(("replay_guard", replay_guard::run));
        t
    };
    t
}
