//! A speed shortcut beside [`super::canonical`]: the hashes of one
//! verification's responses, with the work they share done once. It skips
//! work, never changes a hash; `honest_report_responses_reuse_the_first_group_hash`
//! below and `tests/hash_reuse.rs` hold it equal to the plain path.

use crate::leaf::CanonicalHash;
use crate::message::params::RequestParams;
use crate::message::result::CapabilityResult;
use crate::message::workspace::Scratch;
use crate::proto::Canonical;
use crate::read::Text;

use super::canonical::{
    capability_result, hash_read, request_prefix, rewritten_hash, secrets_result, ReadKind,
    ReadResult,
};
use super::writer::Writer;

/// The two hashes of each response of one verification (PROTOCOL.md §11),
/// with the work they share done once: the request's part of every hash
/// (SHA-256's state after it is kept and copied); the last hashes with the
/// result text they were computed from, which honest responses repeat (the
/// same result, each node's own signature); and the last group hash with
/// the canonical form it was computed over, which honest report responses
/// repeat (they differ only in the OCR signatures the form drops). Hashes
/// are reused only for byte-identical result text, or a byte-identical
/// form and the same `error`, so every hash is the one [`hash_read`] and
/// [`super::group_hash`] give: only work is skipped, never a decision changed.
#[derive(Default)]
pub(crate) struct ResponseHasher<'t> {
    prefix: Option<Writer>,
    last_result: Option<LastResult<'t>>,
    last_group: Option<LastGroup<'t>>,
}

/// A response's two hashes and the result text they are of.
struct LastResult<'t> {
    raw: &'t [u8],
    signature: CanonicalHash,
    group: CanonicalHash,
}

/// A group hash and what it covers besides the request.
struct LastGroup<'t> {
    form: Canonical<'t>,
    error: Text<'t>,
    hash: CanonicalHash,
}

impl<'t> ResponseHasher<'t> {
    /// The signature hash and the group hash of a result read by
    /// [`read_result_at`] from `doc`. `params` must be the same on every
    /// call: one hasher serves one verification.
    pub(crate) fn hashes(
        &mut self,
        params: &RequestParams<'_>,
        doc: &[u8],
        read: &ReadResult<'t>,
        scratch: &mut Scratch<'_>,
    ) -> (CanonicalHash, CanonicalHash) {
        // The same text is the same result: the same hashes. (A slice
        // comparison: lengths first, then the bytes.)
        if let Some(last) = &self.last_result {
            if !read.raw.is_empty() && last.raw == read.raw {
                return (last.signature, last.group);
            }
        }
        let prefix = self.prefix.get_or_insert_with(|| request_prefix(params));
        let (signature, group) = match (params, &read.kind) {
            (RequestParams::Secrets(_), ReadKind::Secrets(n)) => {
                let hash = secrets_after(prefix, doc, *n, scratch);
                (hash, hash)
            }
            (RequestParams::Capability(_), ReadKind::Capability(r)) => {
                let signature = capability_after(prefix, r);
                let group = group_reusing(prefix, &mut self.last_group, r).unwrap_or(signature);
                (signature, group)
            }
            // Unreachable: a result is read with the same parameters. Not
            // a capability pair, so no §11 rewrite: the group hash is the
            // signature hash (what `group_hash` gives here, without linking
            // a second copy of the rewrite).
            _ => {
                let signature = hash_read(params, doc, read, scratch);
                (signature, signature)
            }
        };
        self.last_result = Some(LastResult {
            raw: read.raw,
            signature,
            group,
        });
        (signature, group)
    }
}

/// The secrets hash of the `n` entries indexed in `scratch`, after the
/// request's part in `prefix`.
fn secrets_after(
    prefix: &Writer,
    doc: &[u8],
    n: usize,
    scratch: &mut Scratch<'_>,
) -> CanonicalHash {
    let entries = scratch.entries.get_mut(..n).unwrap_or_default();
    secrets_result(prefix.clone(), doc, entries, scratch.shares)
}

/// The capability hash of `r` as sent, after the request's part in `prefix`.
fn capability_after(prefix: &Writer, r: &CapabilityResult<'_>) -> CanonicalHash {
    capability_result(prefix.clone(), r, |w| w.str(&r.payload))
}

/// The group hash of `r` when the §11 rewrite applies, after the request's
/// part in `prefix`: `last`'s when the canonical form and `error` are the
/// same, else computed, and then kept in `last`. (The form is read here,
/// compared or written in [`reuse_or_hash`]: one frame at a time.)
fn group_reusing<'t>(
    prefix: &Writer,
    last: &mut Option<LastGroup<'t>>,
    r: &CapabilityResult<'t>,
) -> Option<CanonicalHash> {
    reuse_or_hash(prefix, last, r, Canonical::of(&r.payload)?)
}

fn reuse_or_hash<'t>(
    prefix: &Writer,
    last: &mut Option<LastGroup<'t>>,
    r: &CapabilityResult<'t>,
    form: Canonical<'t>,
) -> Option<CanonicalHash> {
    if let Some(last) = last {
        if last.error.eq_decoded(&r.error) && form.same_form_as(&last.form) {
            return Some(last.hash);
        }
    }
    let hash = rewritten_hash(prefix.clone(), r, &form)?;
    *last = Some(LastGroup {
        form,
        error: r.error,
        hash,
    });
    Some(hash)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::door::hashing::{canonical_group_hash, canonical_hash};
    use crate::message::workspace::Workspace;

    /// The report vector's 31 responses: each hash from the hasher is the
    /// one computed alone, and after the first, every group hash is reused
    /// (the kept form stays the first response's); a repeated result text
    /// reuses both hashes.
    #[test]
    fn honest_report_responses_reuse_the_first_group_hash() {
        let file: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../shared/vectors/report/verify.json"
            ))
            .unwrap(),
        )
        .unwrap();
        let case = file["verify_cases"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == "report/n31-f10-subsets")
            .unwrap();
        let params = RequestParams::from_json(
            crate::Method::CapabilityExecute,
            case["params_json"].as_str().unwrap().as_bytes(),
        )
        .unwrap();
        let body: serde_json::Value =
            serde_json::from_str(case["body_json"].as_str().unwrap()).unwrap();
        let payloads: std::vec::Vec<std::string::String> = body["responses"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["result"]["payload"].as_str().unwrap().into())
            .collect();
        assert_eq!(payloads.len(), 31);
        let mut results: std::vec::Vec<std::string::String> = payloads
            .iter()
            .map(|p| std::format!(r#"{{"payload":"{p}"}}"#))
            .collect();
        results.push(std::format!(
            r#"{{"payload":"{}","error":"e"}}"#,
            payloads[1]
        ));
        let read = |i: usize, error: &'static str| ReadResult {
            raw: results[i].as_bytes(),
            kind: ReadKind::Capability(CapabilityResult::new(
                Text::new(&payloads[i.min(30)]),
                Text::new(error),
            )),
        };
        let mut workspace = Workspace::<1, 1>::new();
        let mut scratch = workspace.slices();
        let mut hasher = ResponseHasher::default();
        for (i, json) in results.iter().take(31).enumerate() {
            let (signature, group) = hasher.hashes(&params, b"", &read(i, ""), &mut scratch);
            let json = json.as_bytes();
            assert_eq!(signature, canonical_hash(&params, json).unwrap());
            assert_eq!(group, canonical_group_hash(&params, json).unwrap());
            assert_ne!(signature, group, "response {i} carries signatures");
            let kept = hasher.last_group.as_ref().unwrap().form.text();
            assert_eq!(kept.raw().as_ptr(), payloads[0].as_ptr(), "response {i}");
        }
        // An error text makes another result: computed, and kept.
        let with_error = ReadResult {
            raw: results[31].as_bytes(),
            kind: ReadKind::Capability(CapabilityResult::new(
                Text::new(&payloads[1]),
                Text::new("e"),
            )),
        };
        let (_, group) = hasher.hashes(&params, b"", &with_error, &mut scratch);
        let json = results[31].as_bytes();
        assert_eq!(group, canonical_group_hash(&params, json).unwrap());
        let kept = hasher.last_group.as_ref().unwrap().form.text();
        assert_eq!(kept.raw().as_ptr(), payloads[1].as_ptr());
        // The same result text again: its hashes come back without being
        // computed (here the read behind the text is another one's, which
        // the verifier never does, to tell the two apart).
        let (signature, group) = hasher.hashes(&params, b"", &read(31, ""), &mut scratch);
        assert_eq!(signature, canonical_hash(&params, json).unwrap());
        assert_eq!(group, canonical_group_hash(&params, json).unwrap());
        let (signature, _) = hasher.hashes(&params, b"", &read(0, ""), &mut scratch);
        assert_eq!(
            signature,
            canonical_hash(&params, results[0].as_bytes()).unwrap()
        );
    }
}
