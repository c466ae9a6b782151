//! Batch verification (feature `batch`): the same verdict, fewer curve
//! operations when every signature is valid.
//!
//! One pass runs the verifier with every signature check answered "valid"
//! while recording it; the recorded signatures are then checked together
//! with `ed25519-dalek`'s batch equation. If the batch holds, every answer
//! the pass relied on was right, so its verdict is the verdict. If not, the
//! body is verified again one signature at a time with `ed25519-compact`,
//! which identifies the bad ones. Bodies carrying invalid signatures thus
//! pay for both; honest ones pay for one batch.
//!
//! Batch and single verification may disagree on crafted edge cases (a
//! signer's own non-canonical or small-order `R`). Only a configured signer
//! can produce those, and it could sign anything anyway; weak keys are
//! refused when the signer set is loaded.

use std::vec::Vec;

use crate::hash::CanonicalHash;
use crate::params::RequestParams;
use crate::result::Workspace;
use crate::verify::{Verdict, Verifier};

impl Verifier {
    #[cfg_attr(docsrs, doc(cfg(feature = "batch")))]
    /// [`Verifier::verify`] with batch signature verification: the same
    /// verdict, faster when the signatures are valid (allocates).
    pub fn verify_batched<'a>(
        &'a self,
        params: &'a RequestParams<'a>,
        body: &'a [u8],
    ) -> Verdict<'a> {
        let mut checked: Vec<([u8; 32], [u8; 64], CanonicalHash)> = Vec::new();
        let optimistic = self.verify_with(
            params,
            body,
            &mut Workspace::<64, 64>::new(),
            |_| {},
            |key, sig, hash| {
                checked.push((*key, *sig, *hash));
                true
            },
        );
        if all_valid(&checked) {
            optimistic
        } else {
            self.verify(params, body)
        }
    }
}

/// Whether every `(key, signature, hash)` verifies, in one batch.
fn all_valid(checked: &[([u8; 32], [u8; 64], CanonicalHash)]) -> bool {
    if checked.is_empty() {
        return true;
    }
    let mut keys = Vec::with_capacity(checked.len());
    for (key, _, _) in checked {
        match ed25519_dalek::VerifyingKey::from_bytes(key) {
            Ok(k) => keys.push(k),
            Err(_) => return false,
        }
    }
    let payloads: Vec<_> = checked
        .iter()
        .map(|(_, _, h)| h.signature_payload())
        .collect();
    let messages: Vec<&[u8]> = payloads.iter().map(|p| &p[..]).collect();
    let signatures: Vec<_> = checked
        .iter()
        .map(|(_, s, _)| ed25519_dalek::Signature::from_bytes(s))
        .collect();
    ed25519_dalek::verify_batch(&messages, &signatures, &keys).is_ok()
}
