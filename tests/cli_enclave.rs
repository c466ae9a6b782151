//! The CLI's `vote` and `replay-guard` verbs over the shared vectors: an
//! operator's by-hand runs give the vectors' outcomes and exit codes.
#![cfg(feature = "cli")]

mod common;

use std::path::PathBuf;
use std::process::{Command, Output};

use common::{load_vectors, s};
use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_relay-verifier");

fn run(args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .output()
        .expect("run relay-verifier")
}

/// Each stdout line, as JSON.
fn lines(out: &Output) -> Vec<Value> {
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect()
}

fn scratch(name: &str, contents: &str) -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("relay-verifier-cli-enclave-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join(name);
    std::fs::write(&path, contents).expect("write");
    path
}

/// Every rotation case whose votes all come at one time (the verb takes a
/// single `--now`): each outcome, then the final config, as the vectors
/// say; a rejected vote makes the exit status 1.
#[test]
fn vote_takes_the_vectors_votes_by_hand() {
    let file = load_vectors("config/rotation.json");
    let mut run_cases = 0;
    for case in file["rotation_cases"].as_array().expect("cases") {
        let name = s(case, "name");
        let steps = case["steps"].as_array().expect("steps");
        let at = steps[0]["at"].as_u64().expect("at");
        if case["vote_lifetime"].as_u64() != Some(600)
            || steps.iter().any(|st| st["at"].as_u64() != Some(at))
        {
            continue;
        }
        let tag = name.replace('/', "-");
        let config = scratch(
            &format!("{tag}-config.json"),
            s(case, "current_config_json"),
        );
        let votes: Vec<PathBuf> = steps
            .iter()
            .enumerate()
            .map(|(i, st)| scratch(&format!("{tag}-vote{i}.json"), s(st, "body_json")))
            .collect();
        let now = at.to_string();
        let mut args = vec!["vote", "--config", config.to_str().unwrap(), "--now", &now];
        args.extend(votes.iter().map(|v| v.to_str().unwrap()));
        let out = run(&args);
        let got = lines(&out);
        assert_eq!(got.len(), steps.len() + 1, "{name}: {got:?}");
        let mut rejected = false;
        for (step, line) in steps.iter().zip(&got) {
            let want = &step["expect"];
            assert_eq!(line["outcome"], want["outcome"], "{name}: {line}");
            for key in ["hash", "collected", "required", "reason", "signers"] {
                if !want[key].is_null() {
                    assert_eq!(line[key], want[key], "{name}: {key} in {line}");
                }
            }
            rejected |= want["outcome"] == "rejected";
        }
        let last = got.last().expect("the final line");
        assert_eq!(last["config_hash"], case["final_config_hash"], "{name}");
        assert_eq!(
            out.status.code(),
            Some(if rejected { 1 } else { 0 }),
            "{name}"
        );
        run_cases += 1;
    }
    assert!(run_cases >= 25, "only {run_cases} cases at one time");
}

/// Every guard case as an operation file: exit 0, every `ok` true; a
/// wrong `expect` makes it exit 1.
#[test]
fn replay_guard_runs_the_vectors_operations() {
    let file = load_vectors("replay/guard.json");
    for case in file["cases"].as_array().expect("cases") {
        let name = s(case, "name");
        let ops = scratch(
            &format!("{}-ops.json", name.replace('/', "-")),
            &case["steps"].to_string(),
        );
        let capacity = case["capacity"].to_string();
        let lifetime = case["lifetime"].to_string();
        let out = run(&[
            "replay-guard",
            "--capacity",
            &capacity,
            "--lifetime",
            &lifetime,
            ops.to_str().unwrap(),
        ]);
        let got = lines(&out);
        assert_eq!(got.len(), case["steps"].as_array().unwrap().len(), "{name}");
        assert!(got.iter().all(|l| l["ok"] == true), "{name}: {got:?}");
        assert_eq!(out.status.code(), Some(0), "{name}");
    }
    let wrong = scratch(
        "wrong.json",
        r#"[{"op":"begin","hash":"0000000000000000000000000000000000000000000000000000000000000001","at":5,"expect":"executed"}]"#,
    );
    let out = run(&["replay-guard", wrong.to_str().unwrap()]);
    assert_eq!(lines(&out)[0]["outcome"], "started");
    assert_eq!(out.status.code(), Some(1));
    let junk = scratch("junk.json", r#"[{"op":"begin","hash":"zz","at":5}]"#);
    assert_eq!(
        run(&["replay-guard", junk.to_str().unwrap()]).status.code(),
        Some(2)
    );
}
