//! PROTOCOL.md §4 written a second time, over `serde_json` values, as the
//! oracle of the `params` target. Deliberately naive: owned strings,
//! `sort`, no streaming.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use relay_verifier::Method;
use serde_json::Value;
use sha2::{Digest, Sha256};

/// A result entry: (namespace, key, ciphertext) and its shares.
type Entry = ([Vec<u8>; 3], Vec<Vec<u8>>);

struct Hasher(Sha256);

impl Hasher {
    fn len(&mut self, n: usize) {
        self.0.update((n as u64).to_be_bytes());
    }

    fn bytes(&mut self, b: &[u8]) {
        self.len(b.len());
        self.0.update(b);
    }
}

/// A string field: absent and `null` are empty, as in Go.
fn text(v: &Value, key: &str) -> Vec<u8> {
    v.get(key)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .as_bytes()
        .to_vec()
}

fn list<'v>(v: &'v Value, key: &str) -> &'v [Value] {
    v.get(key)
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default()
}

fn config(h: &mut Hasher, c: &Value) {
    let decode = |v: &Value| {
        STANDARD
            .decode(v.as_str().unwrap_or_default())
            .expect("accepted params hold base64")
    };
    let mut signers: Vec<Vec<u8>> = list(c, "signers").iter().map(decode).collect();
    signers.sort();
    h.len(signers.len());
    for s in &signers {
        h.bytes(s);
    }
    h.bytes(&c.get("master_public_key").map(decode).unwrap_or_default());
    for field in ["t", "f"] {
        let n = c.get(field).and_then(Value::as_u64).unwrap_or_default();
        h.0.update(
            u32::try_from(n)
                .expect("accepted params hold u32")
                .to_be_bytes(),
        );
    }
}

/// The canonical hash of `result` for a request `params` (both already
/// accepted by the library, so their shapes are right).
pub fn hash(method: Method, params: &Value, result: &Value) -> [u8; 32] {
    let secrets = method == Method::SecretsGet;
    let mut h = Hasher(Sha256::new());
    h.0.update(b"CONFIDENTIAL_COMPUTE_PAYLOAD");
    h.0.update(if secrets {
        &b"\nSecretsResponseResult\n"[..]
    } else {
        &b"\nCapabilityResponseResult\n"[..]
    });
    let mut common = vec!["workflow_id", "owner", "execution_id", "org_id"];
    if !secrets {
        common.extend(["reference_id", "capability_id", "payload"]);
    }
    for field in common {
        h.bytes(&text(params, field));
    }
    let with_config = |h: &mut Hasher| {
        if let Some(c) = params.get("enclave_config").filter(|c| !c.is_null()) {
            config(h, c);
        }
    };
    if !secrets {
        with_config(&mut h);
        h.bytes(&text(result, "payload"));
        h.bytes(&text(result, "error"));
        return h.0.finalize().into();
    }
    let mut ids: Vec<(Vec<u8>, Vec<u8>)> = list(params, "secrets")
        .iter()
        .map(|id| (text(id, "namespace"), text(id, "key")))
        .collect();
    ids.sort();
    h.len(ids.len());
    for (namespace, key) in &ids {
        h.bytes(key);
        h.bytes(namespace);
    }
    h.bytes(&text(params, "enclave_public_key"));
    with_config(&mut h);
    // A stable sort: entries that tie keep their order in the result.
    let mut entries: Vec<Entry> = list(result, "secrets")
        .iter()
        .map(|e| {
            let id = e.get("id").cloned().unwrap_or(Value::Null);
            let shares = list(e, "encrypted_shares")
                .iter()
                .map(|s| s.as_str().unwrap_or_default().as_bytes().to_vec())
                .collect();
            (
                [
                    text(&id, "namespace"),
                    text(&id, "key"),
                    text(e, "ciphertext"),
                ],
                shares,
            )
        })
        .collect();
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    h.len(entries.len());
    for ([namespace, key, ciphertext], mut shares) in entries {
        h.bytes(&key);
        h.bytes(&namespace);
        h.bytes(&ciphertext);
        shares.sort();
        h.len(shares.len());
        for s in &shares {
            h.bytes(s);
        }
    }
    h.0.finalize().into()
}

/// Entries and the largest share count of a secrets result.
pub fn secrets_size(result: &Value) -> (usize, usize) {
    let entries = list(result, "secrets");
    let shares = entries
        .iter()
        .map(|e| list(e, "encrypted_shares").len())
        .max()
        .unwrap_or_default();
    (entries.len(), shares)
}
