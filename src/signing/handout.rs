//! The §11 hand-out as the reference vectors write it (`expect.handed_out`
//! in `vectors/report/verify.json`), and a comparison that names what
//! differs: one copy for the library's tests and the CLI's runner.

use std::string::String;
use std::vec::Vec;
use std::{format, vec};

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use serde_json::{json, Value};

use crate::{HandOutError, VerifiedResponse};

/// The hand-out of `verified` in the vectors' schema (`payload`, `merged`
/// with `carriers`, `counted` with `index`, `signer` and `sigs`); `None`
/// when its result carries no report.
pub fn hand_out_json(verified: &VerifiedResponse<'_>) -> Option<Result<Value, HandOutError>> {
    let hand_out = verified.report_hand_out()?;
    let Some(len) = hand_out.work_len() else {
        return Some(Err(HandOutError::Unreadable));
    };
    let mut work = vec![0u8; len];
    let report = match hand_out.decode(&mut work) {
        Ok(r) => r,
        Err(e) => return Some(Err(e)),
    };
    let mut payload = vec![0u8; report.payload_len().unwrap_or(0)];
    let n = report.write_payload(&mut payload).unwrap_or(0);
    payload.truncate(n);
    let merged: Vec<Value> = report
        .merged()
        .map(|m| {
            json!({
                "signer_id": m.signer_id,
                "signature": STANDARD.encode(m.signature),
                "carriers": m.carriers,
            })
        })
        .collect();
    let counted: Vec<Value> = report
        .counted()
        .map(|c| {
            let sigs: Vec<Value> = c
                .signatures
                .map(|s| json!({"signer_id": s.signer_id, "signature": STANDARD.encode(s.signature)}))
                .collect();
            json!({"index": c.index, "signer": hex::encode(c.signer), "sigs": sigs})
        })
        .collect();
    Some(Ok(json!({
        "payload": String::from_utf8_lossy(&payload),
        "merged": merged,
        "counted": counted,
    })))
}

/// What differs between a hand-out (`got`, as [`hand_out_json`] writes it)
/// and a vector's `expect.handed_out`, a line per part; empty when equal.
pub fn hand_out_differences(got: &Value, want: &Value) -> Vec<String> {
    let mut out = Vec::new();
    for part in ["payload", "merged", "counted"] {
        let (g, w) = (&got[part], &want[part]);
        if g == w {
            continue;
        }
        match (g.as_array(), w.as_array()) {
            (Some(ga), Some(wa)) if ga.len() != wa.len() => out.push(format!(
                "handed_out.{part}: {} entries, expected {}",
                ga.len(),
                wa.len()
            )),
            (Some(ga), Some(wa)) => {
                for (i, (a, b)) in ga.iter().zip(wa).enumerate().filter(|(_, (a, b))| a != b) {
                    out.push(format!("handed_out.{part}[{i}]: {a} != {b}"));
                }
            }
            _ => out.push(format!("handed_out.{part}: {g} != {w}")),
        }
    }
    out
}

/// Checks `verified` against a case's `expect.handed_out` (`None`: the case
/// expects no report hand-out); the error names every part that differs.
pub fn check_hand_out(verified: &VerifiedResponse<'_>, want: Option<&Value>) -> Result<(), String> {
    match (hand_out_json(verified), want) {
        (None, None) => Ok(()),
        (Some(got), Some(want)) => {
            let got = got.map_err(|e| format!("hand-out failed: {e}"))?;
            let diff = hand_out_differences(&got, want);
            if diff.is_empty() {
                Ok(())
            } else {
                Err(diff.join("; "))
            }
        }
        (Some(_), None) => Err("handed out a report the case does not expect".into()),
        (None, Some(_)) => Err("handed out no report, expected handed_out".into()),
    }
}
