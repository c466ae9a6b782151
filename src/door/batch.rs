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
//! Decompressing a public key costs about a fifth of a verification, so
//! [`BatchVerifier`] decompresses the signer set once, when it is built;
//! [`Verifier::verify_batched`] does it again on every call.
//!
//! Batch and single verification may disagree on crafted edge cases (a
//! signer's own non-canonical or small-order `R`). Only a configured signer
//! can produce those, and it could sign anything anyway; weak keys are
//! refused when the signer set is loaded.

use std::vec::Vec;

use ed25519_dalek::VerifyingKey;

use crate::door::relay::Verdict;
use crate::door::verifier::Verifier;
use crate::leaf::CanonicalHash;
use crate::message::params::RequestParams;
use crate::message::workspace::Workspace;
use crate::trust::config::{Config, SignerSet};

/// A [`Verifier`] whose signer keys are decompressed once, for
/// [`BatchVerifier::verify_batched`] (feature `batch`, allocates).
#[cfg_attr(docsrs, doc(cfg(feature = "batch")))]
#[derive(Clone, Debug)]
pub struct BatchVerifier {
    verifier: Verifier,
    /// The signer set's keys in set order; `None` for a key ed25519-dalek
    /// refuses (then every batch naming it fails over to one-by-one).
    keys: Vec<Option<VerifyingKey>>,
}

impl BatchVerifier {
    /// A batch verifier for a checked configuration.
    pub fn new(config: Config) -> Self {
        Self::from(Verifier::new(config))
    }

    /// The one-by-one verifier behind it.
    pub fn verifier(&self) -> &Verifier {
        &self.verifier
    }

    /// [`Verifier::verify`] with batch signature verification: the same
    /// verdict, faster when the signatures are valid.
    pub fn verify_batched<'a>(
        &'a self,
        params: &'a RequestParams<'a>,
        body: &'a [u8],
    ) -> Verdict<'a> {
        let set = self.verifier.config().signers();
        batched(&self.verifier, params, body, |key| {
            set.index_of(key)
                .and_then(|i| self.keys.get(usize::from(i)).copied().flatten())
        })
    }
}

impl From<Verifier> for BatchVerifier {
    fn from(verifier: Verifier) -> Self {
        let keys = decompress(verifier.config().signers());
        BatchVerifier { verifier, keys }
    }
}

impl Verifier {
    #[cfg_attr(docsrs, doc(cfg(feature = "batch")))]
    /// [`Verifier::verify`] with batch signature verification: the same
    /// verdict, faster when the signatures are valid (allocates). Keys are
    /// decompressed on every call: a [`BatchVerifier`] does it once.
    pub fn verify_batched<'a>(
        &'a self,
        params: &'a RequestParams<'a>,
        body: &'a [u8],
    ) -> Verdict<'a> {
        batched(self, params, body, |key| VerifyingKey::from_bytes(key).ok())
    }
}

fn decompress(set: &SignerSet) -> Vec<Option<VerifyingKey>> {
    set.keys()
        .iter()
        .map(|k| VerifyingKey::from_bytes(k).ok())
        .collect()
}

/// The optimistic pass, then the batch; `key` turns a configured signer's
/// bytes into its decompressed key.
fn batched<'a>(
    verifier: &'a Verifier,
    params: &'a RequestParams<'a>,
    body: &'a [u8],
    mut key: impl FnMut(&[u8; 32]) -> Option<VerifyingKey>,
) -> Verdict<'a> {
    let mut checked = Batch::with_capacity(verifier.config().signers().len());
    let optimistic = verifier.verify_with(
        params,
        body,
        &mut Workspace::<64, 64>::new(),
        |_| {},
        |signer, sig, hash| {
            checked.push(key(signer), sig, hash);
            true
        },
    );
    if checked.all_valid() {
        optimistic
    } else {
        verifier.verify(params, body)
    }
}

/// The signatures an optimistic pass relied on.
struct Batch {
    keys: Vec<VerifyingKey>,
    signatures: Vec<ed25519_dalek::Signature>,
    payloads: Vec<[u8; crate::SIGNATURE_PAYLOAD_LEN]>,
    /// A key could not be decompressed: the batch cannot hold.
    refused: bool,
}

impl Batch {
    fn with_capacity(n: usize) -> Self {
        Batch {
            keys: Vec::with_capacity(n),
            signatures: Vec::with_capacity(n),
            payloads: Vec::with_capacity(n),
            refused: false,
        }
    }

    fn push(&mut self, key: Option<VerifyingKey>, sig: &[u8; 64], hash: &CanonicalHash) {
        match key {
            Some(k) => self.keys.push(k),
            None => self.refused = true,
        }
        self.signatures
            .push(ed25519_dalek::Signature::from_bytes(sig));
        self.payloads.push(hash.signature_payload());
    }

    /// Whether every recorded signature verifies, in one batch.
    fn all_valid(&self) -> bool {
        if self.refused {
            return false;
        }
        if self.signatures.is_empty() {
            return true;
        }
        let messages: Vec<&[u8]> = self.payloads.iter().map(|p| &p[..]).collect();
        ed25519_dalek::verify_batch(&messages, &self.signatures, &self.keys).is_ok()
    }
}
