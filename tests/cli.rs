//! The `relay-verifier` binary, run as a user would: exit codes, JSON output
//! and the conformance runner over `../shared/vectors`.
#![cfg(feature = "cli")]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use serde_json::{json, Value};

const BIN: &str = env!("CARGO_BIN_EXE_relay-verifier");

fn vectors_path(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/vectors")
        .join(name)
}

fn load(name: &str) -> Value {
    let path = vectors_path(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {path:?}: {e}"));
    serde_json::from_str(&text).expect("vector file is JSON")
}

fn case<'v>(file: &'v Value, key: &str, name: &str) -> &'v Value {
    file[key]
        .as_array()
        .expect("case array")
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no case {name}"))
}

/// A fresh directory under the system temp dir, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(label: &str) -> Self {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!(
            "relay-verifier-cli-{}-{label}-{n}",
            std::process::id()
        ));
        std::fs::create_dir_all(&dir).expect("create temp dir");
        TempDir(dir)
    }

    fn write(&self, name: &str, contents: impl AsRef<[u8]>) -> PathBuf {
        let path = self.0.join(name);
        std::fs::write(&path, contents).expect("write temp file");
        path
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn run(args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut child = Command::new(BIN)
        .args(args)
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn relay-verifier");
    if let Some(bytes) = stdin {
        let mut pipe = child.stdin.take().expect("stdin pipe");
        // A child that exits before reading (a usage error) closes the
        // pipe: a broken pipe here is its answer, not the test's failure.
        if let Err(e) = pipe.write_all(bytes) {
            assert_eq!(e.kind(), std::io::ErrorKind::BrokenPipe, "write stdin: {e}");
        }
    }
    child.wait_with_output().expect("wait for relay-verifier")
}

fn stdout(out: &Output) -> String {
    String::from_utf8(out.stdout.clone()).expect("stdout is UTF-8")
}

fn json_out(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}): {}\nstderr: {}",
            stdout(out),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

fn p(path: &Path) -> &str {
    path.to_str().expect("temp path is UTF-8")
}

/// A verify case's inputs as files: signers (one per line), params, body.
struct VerifyFiles {
    dir: TempDir,
    signers: PathBuf,
    params: PathBuf,
    body: PathBuf,
}

fn verify_files(case: &Value) -> VerifyFiles {
    let dir = TempDir::new("verify");
    let keys: Vec<&str> = case["signers"]
        .as_array()
        .expect("signers")
        .iter()
        .map(|k| k.as_str().expect("hex key"))
        .collect();
    VerifyFiles {
        signers: dir.write("signers.txt", keys.join("\n") + "\n"),
        params: dir.write("params.json", case["params_json"].as_str().expect("params")),
        body: dir.write("body.json", case["body_json"].as_str().expect("body_json")),
        dir,
    }
}

fn verify_args<'a>(case: &'a Value, files: &'a VerifyFiles, f: &'a str) -> Vec<&'a str> {
    vec![
        "verify",
        "--signers-file",
        p(&files.signers),
        "--f",
        f,
        "--method",
        case["method"].as_str().expect("method"),
        "--params",
        p(&files.params),
        "--body",
        p(&files.body),
    ]
}

/// How many checks `vectors` runs over `hash.json` and `verify.json`: every
/// case, plus each valid hash case's signed response and attestation data.
fn expected_checks() -> (usize, usize) {
    let cases: usize = [("hash.json", "hash_cases"), ("verify.json", "verify_cases")]
        .iter()
        .map(|(file, key)| load(file)[*key].as_array().expect("cases").len())
        .sum();
    let hash = load("hash.json");
    let valid: Vec<&Value> = hash["hash_cases"]
        .as_array()
        .expect("hash_cases")
        .iter()
        .filter(|c| c.get("error").is_none_or(Value::is_null))
        .collect();
    let signing: usize = ["signed_response_json", "attestation_user_data"]
        .iter()
        .map(|key| valid.iter().filter(|c| c.get(*key).is_some()).count())
        .sum();
    (cases, signing)
}

#[test]
fn vectors_pass_over_the_shared_files() {
    let (cases, signing) = expected_checks();
    assert!(cases >= 97, "expected every case, found {cases}");
    assert!(
        signing >= 48,
        "expected the signing fields, found {signing}"
    );
    let total = cases + signing;
    let out = run(
        &[
            "vectors",
            p(&vectors_path("hash.json")),
            p(&vectors_path("verify.json")),
        ],
        None,
    );
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(!text.contains("FAIL"), "{text}");
    assert_eq!(
        text.lines().last(),
        Some(format!("{total} passed, 0 failed").as_str())
    );
}

#[test]
fn vectors_verbose_names_every_passing_case() {
    let out = run(
        &["vectors", "--verbose", p(&vectors_path("verify.json"))],
        None,
    );
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.lines().any(|l| l == "ok bundle/all-honest"), "{text}");

    let out = run(
        &["vectors", "--verbose", p(&vectors_path("hash.json"))],
        None,
    );
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    for line in [
        "ok secrets/basic",
        "ok secrets/basic#signed_response",
        "ok secrets/basic#attestation",
    ] {
        assert!(text.lines().any(|l| l == line), "{line}: {text}");
    }
    assert!(!text.contains("invalid/owner-empty#"), "{text}");
}

#[test]
fn vectors_check_signed_responses_byte_for_byte() {
    let hash = load("hash.json");
    let mut doctored = case(&hash, "hash_cases", "capability/basic").clone();
    let response = doctored["signed_response_json"]
        .as_str()
        .expect("signed_response_json")
        .replacen("\"signatures\"", "\"signatures\" ", 1);
    doctored["signed_response_json"] = json!(response);
    doctored["attestation_user_data"] = json!("00".repeat(32));
    let dir = TempDir::new("doctored-signing");
    let file = dir.write(
        "doctored.json",
        json!({ "hash_cases": [doctored] }).to_string(),
    );

    let out = run(&["vectors", p(&file)], None);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains("FAIL capability/basic#signed_response: signed response differs from byte"),
        "{text}"
    );
    assert!(
        text.contains("FAIL capability/basic#attestation: attestation user data"),
        "{text}"
    );
    assert!(!text.contains("FAIL capability/basic:"), "{text}");
    assert_eq!(text.lines().last(), Some("1 passed, 2 failed"));
}

#[test]
fn vectors_report_a_doctored_case() {
    let hash = load("hash.json");
    let verify = load("verify.json");
    let mut wrong = case(&hash, "hash_cases", "secrets/basic").clone();
    wrong["hash"] = json!("00".repeat(32));
    let mut flipped = case(&verify, "verify_cases", "bundle/below-quorum").clone();
    flipped["expect"] = json!({"accept": true, "hash": "00", "signers": [], "index": null});
    let good = case(&verify, "verify_cases", "bundle/all-honest").clone();
    let dir = TempDir::new("doctored");
    let file = dir.write(
        "doctored.json",
        json!({"hash_cases": [wrong], "verify_cases": [flipped, good]}).to_string(),
    );

    let out = run(&["vectors", p(&file)], None);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("FAIL secrets/basic: hash "), "{text}");
    assert!(
        text.contains("FAIL bundle/below-quorum: rejected"),
        "{text}"
    );
    assert!(!text.contains("FAIL bundle/all-honest"), "{text}");
    // The doctored hash case still signs and attests as Go does.
    assert!(!text.contains("FAIL secrets/basic#"), "{text}");
    assert_eq!(text.lines().last(), Some("3 passed, 2 failed"));
}

/// Report cases (§11): every response's group is checked, and a wrong one
/// is reported by its index in the body.
#[test]
fn vectors_check_report_groups_by_response() {
    let report = load("report/verify.json");
    let mut wrong_group = case(&report, "verify_cases", "report/subsets-of-ocr-signatures").clone();
    wrong_group["groups"][2]["group_hash"] = json!("00".repeat(32));
    let mut wrong_flag = case(&report, "verify_cases", "report/payload-not-protobuf").clone();
    wrong_flag["groups"][1]["rewritten"] = json!(true);
    let good = case(&report, "verify_cases", "report/n31-f10-subsets").clone();
    let dir = TempDir::new("groups");
    let file = dir.write(
        "groups.json",
        json!({"verify_cases": [wrong_group, wrong_flag, good]}).to_string(),
    );
    let out = run(&["vectors", p(&file)], None);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains("FAIL report/subsets-of-ocr-signatures: response 2: group_hash "),
        "{text}"
    );
    assert!(
        text.contains("FAIL report/payload-not-protobuf: response 1: rewritten false != true"),
        "{text}"
    );
    assert_eq!(text.lines().last(), Some("1 passed, 2 failed"));
    let out = run(&["vectors", p(&vectors_path("report/verify.json"))], None);
    assert_eq!(stdout(&out).lines().last(), Some("41 passed, 0 failed"));
}

#[test]
fn vectors_refuse_unreadable_files() {
    let out = run(&["vectors", "/nonexistent/relay-vectors.json"], None);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot read"));

    let dir = TempDir::new("not-vectors");
    let not_json = dir.write("not.json", "{");
    assert_eq!(run(&["vectors", p(&not_json)], None).status.code(), Some(2));
    let no_cases = dir.write("empty.json", "{}");
    assert_eq!(run(&["vectors", p(&no_cases)], None).status.code(), Some(2));
    // No file at all is a usage error.
    assert_eq!(run(&["vectors"], None).status.code(), Some(2));
}

#[test]
fn verify_accepts_an_honest_bundle() {
    let verify = load("verify.json");
    let c = case(&verify, "verify_cases", "bundle/all-honest");
    let files = verify_files(c);
    let out = run(&verify_args(c, &files, "1"), None);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    let v = json_out(&out);
    assert_eq!(v["verdict"], "accept");
    assert_eq!(v["hash"], c["expect"]["hash"]);
    assert_eq!(v["signers"], c["expect"]["signers"]);
    assert_eq!(v["index"], c["expect"]["index"]);
    assert_eq!(v["stats"]["counted"], 4);
    // Request order, as the post-check expects, and no ciphertext.
    let order: Vec<Value> = v["secrets"]
        .as_array()
        .expect("secrets")
        .iter()
        .map(|s| json!({"key": s["key"], "namespace": s["namespace"], "present": s["present"]}))
        .collect();
    assert_eq!(Value::Array(order), c["expect"]["post_check"]["order"]);
    assert!(!stdout(&out).contains("ciphertext"));
}

/// A report (PROTOCOL.md §11): `verify` prints what is handed out, the
/// rebuilt payload and the merged signatures, as the vector says.
#[test]
fn verify_prints_a_reports_hand_out() {
    let report = load("report/verify.json");
    let c = case(&report, "verify_cases", "report/subsets-of-ocr-signatures");
    let files = verify_files(c);
    let out = run(&verify_args(c, &files, "1"), None);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    let v = json_out(&out);
    assert_eq!(v["verdict"], "accept");
    assert!(
        v.get("capability").is_none(),
        "one node's bytes are not printed"
    );
    let want = &c["expect"]["handed_out"];
    assert_eq!(v["report"]["payload"], want["payload"]);
    assert_eq!(v["report"]["merged"], want["merged"]);
    assert_eq!(v["report"]["counted"], want["counted"]);
}

#[test]
fn verify_rejects_below_quorum() {
    let verify = load("verify.json");
    let c = case(&verify, "verify_cases", "bundle/below-quorum");
    let files = verify_files(c);
    let out = run(&verify_args(c, &files, "1"), None);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    let v = json_out(&out);
    assert_eq!(v["verdict"], "reject");
    assert_eq!(v["reason"], "no_quorum");
    assert!(v["detail"]
        .as_str()
        .expect("detail")
        .starts_with("no quorum"));
}

#[test]
fn verify_rejects_a_result_for_another_request() {
    let verify = load("verify.json");
    let c = case(&verify, "verify_cases", "postcheck/unexpected-secret");
    let files = verify_files(c);
    let out = run(&verify_args(c, &files, "1"), None);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    let v = json_out(&out);
    assert_eq!(v["verdict"], "reject");
    assert_eq!(v["reason"], "unexpected_secret");
    assert_eq!(v["quorum"]["hash"], c["expect"]["hash"]);
}

#[test]
fn verify_reports_library_config_errors_as_rejects() {
    let verify = load("verify.json");
    let c = case(&verify, "verify_cases", "bundle/all-honest");
    let files = verify_files(c);
    // F = 0, and a threshold above N.
    for extra in [vec![], vec!["--threshold", "5"]] {
        let f = if extra.is_empty() { "0" } else { "1" };
        let mut args = verify_args(c, &files, f);
        args.extend(extra);
        let out = run(&args, None);
        assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
        assert_eq!(json_out(&out)["reason"], "invalid_config");
    }
    // A stricter threshold that the honest bundle still meets.
    let mut args = verify_args(c, &files, "1");
    args.extend(["--threshold", "3"]);
    let out = run(&args, None);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert_eq!(json_out(&out)["threshold"], 3);
}

#[test]
fn verify_reads_the_body_from_stdin() {
    let verify = load("verify.json");
    let c = case(&verify, "verify_cases", "capability/all-honest");
    let dir = TempDir::new("stdin");
    // Signers as a JSON array this time, and the short method alias.
    let signers = dir.write("signers.json", c["signers"].to_string());
    let params = dir.write("params.json", c["params_json"].as_str().expect("params"));
    let body = c["body_json"].as_str().expect("body").as_bytes();
    let out = run(
        &[
            "verify",
            "--signers-file",
            p(&signers),
            "--f",
            "1",
            "--method",
            "capability",
            "--params",
            p(&params),
        ],
        Some(body),
    );
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    let v = json_out(&out);
    assert_eq!(v["verdict"], "accept");
    assert_eq!(v["hash"], c["expect"]["hash"]);
    assert_eq!(v["method"], "confidential.capability.execute");
    assert!(v["capability"].is_object());
}

#[test]
fn verify_takes_signers_on_the_command_line() {
    let verify = load("verify.json");
    let c = case(&verify, "verify_cases", "bundle/exactly-f-plus-1");
    let dir = TempDir::new("flags");
    let params = dir.write("params.json", c["params_json"].as_str().expect("params"));
    let mut args = vec![
        "verify",
        "--f",
        "1",
        "--method",
        "confidential.secrets.get",
        "--params",
        p(&params),
        "--body",
        "-",
    ];
    for key in c["signers"].as_array().expect("signers") {
        args.extend(["--signer", key.as_str().expect("hex key")]);
    }
    let out = run(
        &args,
        Some(c["body_json"].as_str().expect("body").as_bytes()),
    );
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert_eq!(json_out(&out)["signers"], c["expect"]["signers"]);
}

#[test]
fn verify_usage_and_io_errors_exit_2() {
    let verify = load("verify.json");
    let c = case(&verify, "verify_cases", "bundle/all-honest");
    let files = verify_files(c);
    let missing = "/nonexistent/relay-body.json";

    let mut args = verify_args(c, &files, "1");
    let body_at = args.len() - 1;
    args[body_at] = missing;
    let out = run(&args, None);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    assert!(String::from_utf8_lossy(&out.stderr).contains(missing));

    let bad_key = files.dir.write("bad-keys.txt", "not-hex\n");
    let mut args = verify_args(c, &files, "1");
    args[2] = p(&bad_key);
    assert_eq!(run(&args, None).status.code(), Some(2));

    let mut args = verify_args(c, &files, "1");
    args[6] = "confidential.nothing";
    assert_eq!(run(&args, None).status.code(), Some(2));

    // No signers at all.
    let out = run(
        &[
            "verify",
            "--f",
            "1",
            "--method",
            "secrets",
            "--params",
            p(&files.params),
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn hash_matches_the_vectors() {
    let hash = load("hash.json");
    let dir = TempDir::new("hash");
    for name in ["secrets/basic", "capability/basic"] {
        let c = case(&hash, "hash_cases", name);
        let params = dir.write("params.json", c["params_json"].as_str().expect("params"));
        let result = dir.write("result.json", c["result_json"].as_str().expect("result"));
        let out = run(
            &[
                "hash",
                "--method",
                c["method"].as_str().expect("method"),
                "--params",
                p(&params),
                "--result",
                p(&result),
            ],
            None,
        );
        assert_eq!(out.status.code(), Some(0), "{name}: {}", stdout(&out));
        let v = json_out(&out);
        assert_eq!(v["hash"], c["hash"], "{name}");
        assert_eq!(v["signature_payload"], c["signature_payload"], "{name}");
    }
}

#[test]
fn hash_refuses_invalid_params() {
    let hash = load("hash.json");
    let c = hash["hash_cases"]
        .as_array()
        .expect("hash_cases")
        .iter()
        .find(|c| c.get("error").is_some())
        .expect("an invalid-params case");
    let dir = TempDir::new("hash-invalid");
    let params = dir.write("params.json", c["params_json"].as_str().expect("params"));
    let out = run(
        &[
            "hash",
            "--method",
            c["method"].as_str().expect("method"),
            "--params",
            p(&params),
            "--result",
            "-",
        ],
        Some(c["result_json"].as_str().expect("result").as_bytes()),
    );
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert_eq!(json_out(&out)["reason"], "invalid_params");
}

/// A hash case's request and result as files, for `sign` and `simulate`.
struct RequestFiles {
    dir: TempDir,
    method: String,
    params: PathBuf,
    result: PathBuf,
}

fn request_files(name: &str) -> RequestFiles {
    let hash = load("hash.json");
    let c = case(&hash, "hash_cases", name);
    let dir = TempDir::new("request");
    RequestFiles {
        method: c["method"].as_str().expect("method").to_owned(),
        params: dir.write("params.json", c["params_json"].as_str().expect("params")),
        result: dir.write("result.json", c["result_json"].as_str().expect("result")),
        dir,
    }
}

#[test]
fn sign_matches_the_vectors_byte_for_byte() {
    let hash = load("hash.json");
    for name in ["secrets/basic", "capability/basic"] {
        let c = case(&hash, "hash_cases", name);
        let files = request_files(name);
        let out = run(
            &[
                "sign",
                "--seed",
                c["node_seed"].as_str().expect("node_seed"),
                "--method",
                &files.method,
                "--params",
                p(&files.params),
                "--result",
                p(&files.result),
            ],
            None,
        );
        assert_eq!(out.status.code(), Some(0), "{name}: {}", stdout(&out));
        let want = c["signed_response_json"]
            .as_str()
            .expect("signed_response_json");
        assert_eq!(stdout(&out), format!("{want}\n"), "{name}");
    }
}

#[test]
fn sign_writes_the_older_shapes() {
    let hash = load("hash.json");
    let c = case(&hash, "hash_cases", "capability/basic");
    let files = request_files("capability/basic");
    let seed = c["node_seed"].as_str().expect("node_seed");
    let shape = |shape: &str| {
        let out = run(
            &[
                "sign",
                "--seed",
                seed,
                "--method",
                "capability",
                "--params",
                p(&files.params),
                "--result",
                "-",
                "--shape",
                shape,
            ],
            Some(c["result_json"].as_str().expect("result").as_bytes()),
        );
        assert_eq!(out.status.code(), Some(0), "{shape}: {}", stdout(&out));
        json_out(&out)
    };
    let current = shape("current");
    let array = shape("array-only");
    let single = shape("single-only");
    assert_eq!(array["signatures"], current["signatures"]);
    assert!(array.get("signature").is_none());
    assert_eq!(single["signature"], current["signature"]);
    assert!(single.get("signatures").is_none());
}

#[test]
fn sign_errors() {
    let files = request_files("secrets/basic");
    let empty = files.dir.write("empty-params.json", "{}");
    let seed = "11".repeat(32);
    let call = |seed: &str, params: &Path| {
        run(
            &[
                "sign",
                "--seed",
                seed,
                "--method",
                &files.method,
                "--params",
                p(params),
                "--result",
                p(&files.result),
            ],
            None,
        )
    };
    // A seed that is not hex, or not 32 bytes, is a usage error.
    for bad in ["zz", "0011", &"11".repeat(33)] {
        let out = call(bad, &files.params);
        assert_eq!(out.status.code(), Some(2), "{bad}");
        assert!(out.stdout.is_empty());
    }
    // The same seed with a 0x prefix is fine.
    let out = call(&format!("0x{seed}"), &files.params);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    // Parameters the library refuses are exit 1, with the reason.
    let out = call(&seed, &empty);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert_eq!(json_out(&out)["reason"], "invalid_params");
    // An unreadable file is an I/O error.
    let out = call(&seed, Path::new("/nonexistent/relay-params.json"));
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
}

/// Runs `simulate` with `extra` flags, then `verify` on what it wrote.
fn simulate_then_verify(files: &RequestFiles, n: &str, f: &str, extra: &[&str]) -> Output {
    let dir = TempDir::new("simulate");
    let body = dir.0.join("body.json");
    let keys = dir.0.join("signers.txt");
    let mut args = vec![
        "simulate",
        "--n",
        n,
        "--f",
        f,
        "--method",
        &files.method,
        "--params",
        p(&files.params),
        "--result",
        p(&files.result),
        "--signers-out",
        p(&keys),
        "--out",
        p(&body),
    ];
    args.extend(extra);
    let out = run(&args, None);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{args:?}: {}{}",
        stdout(&out),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.stdout.is_empty(), "the body went to --out");
    run(
        &[
            "verify",
            "--signers-file",
            p(&keys),
            "--f",
            f,
            "--method",
            &files.method,
            "--params",
            p(&files.params),
            "--body",
            p(&body),
        ],
        None,
    )
}

#[test]
fn simulate_then_verify_accepts_up_to_f_random_faults() {
    let hash = load("hash.json");
    for name in ["secrets/basic", "capability/basic"] {
        let want = case(&hash, "hash_cases", name)["hash"].clone();
        let files = request_files(name);
        for seed in 0..12u64 {
            // Up to F faulty nodes, with whatever faults the seed draws.
            let k = (seed % 4).to_string();
            let seed = seed.to_string();
            for (n, f, k) in [("4", "1", "1"), ("7", "2", "2"), ("10", "3", k.as_str())] {
                let out =
                    simulate_then_verify(&files, n, f, &["--seed", &seed, "--random-faults", k]);
                assert_eq!(
                    out.status.code(),
                    Some(0),
                    "{name} N={n} F={f} K={k} seed {seed}: {}",
                    stdout(&out)
                );
                let v = json_out(&out);
                assert_eq!(v["verdict"], "accept");
                assert_eq!(v["hash"], want, "{name}: the honest result won");
            }
        }
    }
}

#[test]
fn simulate_then_verify_rejects_without_a_quorum() {
    let files = request_files("secrets/basic");
    // One forger and three honest nodes the gateway drops.
    let out = simulate_then_verify(
        &files,
        "4",
        "1",
        &[
            "--seed",
            "7",
            "--faulty",
            "0=forge-0",
            "--drop",
            "1,2",
            "--drop",
            "3",
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert_eq!(json_out(&out)["reason"], "no_quorum");

    // Faulty nodes that split their forgeries, relabel and staple, with the
    // honest nodes dropped: no result reaches F+1 valid signers.
    let out = simulate_then_verify(
        &files,
        "7",
        "2",
        &[
            "--seed",
            "3",
            "--faulty",
            "0=forge-0",
            "--faulty",
            "1=forge-1",
            "--faulty",
            "2=relabel,staple",
            "--drop",
            "3,4,5,6",
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert_eq!(json_out(&out)["reason"], "no_quorum");
}

#[test]
fn simulate_gateway_flags_and_merged_envelopes() {
    let files = request_files("capability/basic");
    let out = simulate_then_verify(
        &files,
        "4",
        "1",
        &[
            "--seed",
            "9",
            "--faulty",
            "1=junk,corrupt-signature,truncate-signer",
            "--shuffle",
            "5",
            "--duplicate",
            "2",
            "--junk",
            "3",
            "--foreign",
            "1",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(json_out(&out)["index"].is_u64());

    let out = simulate_then_verify(&files, "4", "1", &["--seed", "9", "--merge"]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(json_out(&out)["index"].is_null());
}

#[test]
fn simulate_is_deterministic_and_writes_stdout() {
    let files = request_files("secrets/basic");
    let args = [
        "simulate",
        "--n",
        "5",
        "--f",
        "1",
        "--seed",
        "11",
        "--random-faults",
        "1",
        "--method",
        &files.method,
        "--params",
        p(&files.params),
        "--result",
        p(&files.result),
    ];
    let first = run(&args, None);
    let second = run(&args, None);
    assert_eq!(first.status.code(), Some(0));
    assert_eq!(first.stdout, second.stdout);
    assert!(stdout(&first).ends_with("]}\n"), "{}", stdout(&first));
    let summary = String::from_utf8_lossy(&first.stderr);
    assert!(summary.contains("relay DON: N=5 F=1 seed=11"), "{summary}");
    assert!(summary.contains("response 0: "), "{summary}");
}

#[test]
fn simulate_usage_errors_exit_2() {
    let files = request_files("secrets/basic");
    let base = [
        "simulate",
        "--n",
        "4",
        "--f",
        "1",
        "--seed",
        "1",
        "--method",
        "secrets",
        "--params",
        p(&files.params),
        "--result",
        p(&files.result),
    ];
    for extra in [
        vec!["--faulty", "0=bogus"],
        vec!["--faulty", "0=forge-300"],
        vec!["--faulty", "0"],
        vec!["--faulty", "4=silent"],
        vec!["--drop", "9"],
        vec!["--random-faults", "5"],
        vec!["--signers-out", "-"],
    ] {
        let mut args = base.to_vec();
        args.extend(&extra);
        let out = run(&args, None);
        assert_eq!(out.status.code(), Some(2), "{extra:?}: {}", stdout(&out));
        assert!(out.stdout.is_empty(), "{extra:?}");
        assert!(!out.stderr.is_empty(), "{extra:?}");
    }
    let out = run(&[&base[..], &["--faulty", "1=silent,bogus"]].concat(), None);
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown fault `bogus`"));
}

#[test]
fn vectors_run_the_compute_cases() {
    let file = load("compute/compute.json");
    let total = file["hash_cases"].as_array().expect("hash_cases").len()
        + file["verify_cases"].as_array().expect("verify_cases").len();
    let out = run(&["vectors", p(&vectors_path("compute/compute.json"))], None);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert_eq!(
        text.lines().last(),
        Some(format!("{total} passed, 0 failed").as_str())
    );
}

/// A compute case's cost is checked against `expect.max_verifications`,
/// and a failure names both counts.
#[test]
fn vectors_check_compute_costs() {
    let file = load("compute/compute.json");
    let mut tight = case(&file, "verify_cases", "bounded/repeated-signature-free").clone();
    tight["expect"]["max_verifications"] = json!(2);
    let mut roomy = case(&file, "verify_cases", "bounded/n64-foreign-flood").clone();
    roomy["name"] = json!("roomy");
    let dir = TempDir::new("costs");
    let doc = json!({"verify_cases": [tight, roomy]});
    let out = run(
        &["vectors", p(&dir.write("costs.json", doc.to_string()))],
        None,
    );
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    let fail = text
        .lines()
        .find(|l| l.starts_with("FAIL bounded/repeated-signature-free: "))
        .unwrap_or_else(|| panic!("{text}"));
    // Node 2's entry (at most 4 keys tried), six free repeats, node 3's.
    assert!(
        fail.contains(" verifications, at most 2 allowed ("),
        "{fail}"
    );
    assert!(fail.contains("\"repeats\":6"), "{fail}");
    assert_eq!(text.lines().last(), Some("1 passed, 1 failed"));
}

/// Compute cases may carry their body as `body_base64` (bytes that are not
/// UTF-8); only a case with Go's verdict (`go_reference`) must be written
/// as the signing side writes it, byte for byte.
#[test]
fn vectors_take_compute_bodies_of_any_spelling() {
    let file = load("compute/compute.json");
    let quorum = case(&file, "verify_cases", "batch/quorum");
    let body = quorum["body_json"].as_str().expect("body");
    let spaced = body.replacen(",{", " ,\n {", 1);
    let mut base64 = quorum.clone();
    base64["name"] = json!("base64");
    base64.as_object_mut().unwrap().remove("body_json");
    base64["body_base64"] = json!(STANDARD.encode(body));
    let mut not_utf8 = quorum.clone();
    not_utf8["name"] = json!("not-utf8");
    not_utf8.as_object_mut().unwrap().remove("body_json");
    not_utf8["body_base64"] = json!(STANDARD.encode(b"[\xff]"));
    not_utf8["expect"] = json!({"accept": false, "reason": "malformed", "index": null});
    // Another valid spelling: judged on its verdict alone without Go's…
    let mut own = quorum.clone();
    own["name"] = json!("own-spelling");
    own["body_json"] = json!(spaced);
    own.as_object_mut().unwrap().remove("go_reference");
    // …and refused as Go's writing with it.
    let mut claimed = own.clone();
    claimed["name"] = json!("claimed-go");
    claimed["go_reference"] = quorum["go_reference"].clone();
    let dir = TempDir::new("spellings");
    let doc = json!({"verify_cases": [base64, not_utf8, own, claimed]});
    let out = run(
        &["vectors", p(&dir.write("spellings.json", doc.to_string()))],
        None,
    );
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains("FAIL claimed-go: the signing side writes the batch differently"),
        "{text}"
    );
    assert_eq!(text.lines().last(), Some("3 passed, 1 failed"));
}

/// Nesting never stops the runner: a body nested 10,000 deep is the
/// verifier's to refuse (malformed), and a vector file nested that deep
/// itself is read without serde_json's recursion limit.
#[test]
fn vectors_read_deeply_nested_files() {
    let file = load("compute/compute.json");
    let quorum = case(&file, "verify_cases", "batch/quorum");
    let deep = |open: &str, inner: &str, close: &str| {
        format!("{}{inner}{}", open.repeat(10_000), close.repeat(10_000))
    };
    let mut compute = quorum.clone();
    compute["name"] = json!("deep-compute");
    compute["body_json"] = json!(deep("[", "", "]"));
    compute["expect"] = json!({"accept": false, "reason": "malformed", "index": null});
    compute.as_object_mut().unwrap().remove("go_reference");
    let verify = load("verify.json");
    let mut relay = case(&verify, "verify_cases", "bundle/all-honest").clone();
    relay["name"] = json!("deep-relay");
    relay["body_json"] = json!(format!(r#"{{"responses":{}}}"#, deep("[", "", "]")));
    relay["expect"] = json!({"accept": false, "reason": "malformed", "index": null});
    let mut noted = compute.clone();
    noted["name"] = json!("deep-note");
    noted["note"] = json!("NOTE");
    let doc = json!({"verify_cases": [compute, relay, noted]})
        .to_string()
        .replace("\"NOTE\"", &deep("[{\"a\":", "0", "}]"));
    let dir = TempDir::new("deep");
    let out = run(&["vectors", p(&dir.write("deep.json", doc))], None);
    let text = stdout(&out);
    let errors = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{text}{errors}");
    assert!(!errors.contains("recursion limit"), "{errors}");
    assert_eq!(text.lines().last(), Some("3 passed, 0 failed"));
}

/// `verify-compute` on a vector batch: the verdict, the entries whose key
/// shares the enclave needs, and exit codes 0, 1 and 2.
#[test]
fn verify_compute_reports_entries_and_exit_codes() {
    let file = load("compute/compute.json");
    let dir = TempDir::new("compute");
    let case = case(&file, "verify_cases", "batch/invalid-signature-skipped");
    let signers = dir.write("signers.json", case["signers"].to_string());
    let body = case["body_json"].as_str().expect("body").as_bytes();
    let args = ["verify-compute", "--signers-file", p(&signers), "--f", "1"];
    let out = run(&args, Some(body));
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    let v = json_out(&out);
    assert_eq!(v["hash"], case["expect"]["hash"]);
    assert_eq!(v["index"], json!(1));
    let indices: Vec<Value> = v["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .map(|e| e["index"].clone())
        .collect();
    assert_eq!(Value::Array(indices), case["expect"]["entries"]);
    assert_eq!(v["stats"]["skipped"]["no_key"], json!(1));
    assert_eq!(v["stats"]["skipped"]["repeats"], json!(0));
    assert_eq!(v["stats"]["skipped"]["over_capacity"], json!(0));

    let out = run(&args, Some(b"{}"));
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(json_out(&out)["reason"], json!("malformed"));
    let out = run(
        &["verify-compute", "--signer", "zz", "--f", "1"],
        Some(b"[]"),
    );
    assert_eq!(out.status.code(), Some(2));
}

/// The enclave's state files (§13, §14): every case passes, and a doctored
/// step is named by its case and step.
#[test]
fn vectors_replay_rotation_and_guard_steps() {
    let out = run(
        &[
            "vectors",
            p(&vectors_path("config/rotation.json")),
            p(&vectors_path("replay/guard.json")),
        ],
        None,
    );
    assert_eq!(stdout(&out).lines().last(), Some("54 passed, 0 failed"));

    let mut guard = load("replay/guard.json");
    let step = &mut guard["cases"][0]["steps"][0];
    let want = if step["expect"] == "started" {
        "full"
    } else {
        "started"
    };
    step["expect"] = json!(want);
    let name = guard["cases"][0]["name"].as_str().unwrap().to_string();
    let dir = TempDir::new("state");
    let file = dir.write("guard.json", guard.to_string());
    let out = run(&["vectors", p(&file)], None);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains(&format!("FAIL {name}: step 0 (")), "{text}");
    assert!(text.contains(&format!("want {want}")), "{text}");
}
