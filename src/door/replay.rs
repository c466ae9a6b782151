//! The §14 door: only a verified compute request is admitted to the
//! replay guard, and what `begin` admits is an [`Execution`] to finish
//! or abandon.
//!
//! The rule lives in [`crate::trust::replay`]; this file ties it to
//! §12's proof type.

use crate::door::compute::VerifiedComputeRequest;
use crate::leaf::CanonicalHash;
use crate::trust::replay::{AbandonOutcome, BeginRefusal, FinishOutcome, ReplayGuard};

impl ReplayGuard<'_> {
    /// §14 `begin` for a verified request (its hash, [`VerifiedComputeRequest::hash`]):
    /// `Ok` (`started`) with the [`Execution`] to finish or abandon, or why
    /// not (`in_progress`, `executed`, `full`).
    ///
    /// Only a request that passed §12 can be admitted: the proof type is
    /// built by [`crate::Verifier::verify_compute`] alone.
    ///
    /// An enclave's life with one batch: configure, verify, begin, execute,
    /// finish; the host's replay of the same batch is then refused.
    ///
    /// ```
    /// use relay_verifier::{
    ///     BeginRefusal, ComputeRequest, Config, FinishOutcome, ReplayGuard, ReplaySlot, SignerSet,
    ///     Verifier,
    /// };
    /// # use ed25519_compact::{KeyPair, Seed};
    /// # use base64::{engine::general_purpose::STANDARD, Engine as _};
    /// # let nodes: Vec<KeyPair> = (1..=4u8).map(|i| KeyPair::from_seed(Seed::new([i; 32]))).collect();
    /// # let keys: Vec<[u8; 32]> = nodes.iter().map(|n| *n.pk).collect();
    /// # let id = (0..32).map(|i| i.to_string()).collect::<Vec<_>>().join(",");
    /// # let entry = format!(r#"{{"requestID":[{id}],"applicationRequestID":"a-1","publicData":null,"ciphertexts":["Y3Q="],"CiphertextNames":["API_KEY"],"encryptedDecryptionKeyShares":null,"enclaveEphemeralPublicKey":null,"masterPublicKey":null,"appID":"app","version":"0.0.7""#);
    /// # let hash = ComputeRequest::from_json(format!("{entry}}}").as_bytes())?.hash();
    /// # let signed: Vec<String> = nodes[1..3].iter().map(|n| {
    /// #     let sig = STANDARD.encode(*n.sk.sign(hash.compute_signature_payload(), None));
    /// #     format!(r#"{entry},"signature":"{sig}"}}"#)
    /// # }).collect();
    /// # let batch = format!("[{}]", signed.join(","));
    /// let verifier = Verifier::new(Config::new(SignerSet::new(&keys)?, 1)?);
    /// // The embedder's storage: 64 slots of ReplaySlot::SIZE (41) bytes.
    /// let mut slots = [ReplaySlot::EMPTY; 64];
    /// let mut guard = ReplayGuard::new(&mut slots).with_lifetime(86_400);
    /// let now = 1_700_000_000; // seconds, from a trusted clock
    ///
    /// let verified = verifier.verify_compute(batch.as_bytes()).into_result()?;
    /// match guard.begin(&verified, now) {
    ///     Ok(execution) => {
    ///         // ... decrypt and run verified.request() ...
    ///         assert_eq!(execution.finish(&mut guard, now + 5), FinishOutcome::Recorded);
    ///     }
    ///     Err(why) => panic!("not admitted: {why}"),
    /// }
    ///
    /// // The host posts the same batch again: it verifies, and is a replay.
    /// let replayed = verifier.verify_compute(batch.as_bytes()).into_result()?;
    /// let refusal = guard.begin(&replayed, now + 60).err();
    /// assert_eq!(refusal, Some(BeginRefusal::Executed));
    /// assert_eq!(refusal.map(|r| r.to_string()).as_deref(), Some("executed"));
    /// # Ok::<(), relay_verifier::ComputeError>(())
    /// ```
    pub fn begin(
        &mut self,
        request: &VerifiedComputeRequest<'_>,
        now: u64,
    ) -> Result<Execution, BeginRefusal> {
        let hash = *request.hash();
        self.begin_hash(hash.as_bytes(), now)?;
        Ok(Execution { hash })
    }
}

/// A request admitted by [`ReplayGuard::begin`] and running: its entry is
/// in progress until [`Execution::finish`] or [`Execution::abandon`]
/// consumes this.
///
/// **Dropping it without either leaves the entry in progress** (fail
/// safe): the request cannot run again, nor be retried, until the entry
/// expires one lifetime after `begin`. Nothing is freed behind the
/// embedder's back, so an execution that panicked or was forgotten never
/// opens the door to a second run.
///
/// It borrows nothing: the guard is passed back to `finish` or `abandon`,
/// so an enclave can run several requests at once and lock the guard only
/// around each call. Passed to another guard, it finds no entry there
/// (`not_started`) and the entry in its own guard stays in progress.
#[must_use = "finish or abandon the execution; dropped, its request stays in progress until it expires"]
#[derive(Debug, PartialEq, Eq)]
pub struct Execution {
    hash: CanonicalHash,
}

impl Execution {
    /// The request hash being executed.
    pub fn hash(&self) -> &CanonicalHash {
        &self.hash
    }

    /// §14 `finish`, after a successful execution: the entry becomes
    /// executed, recorded at `now` (`recorded`), so a replay is refused for
    /// a lifetime from `now`; `not_started` if the entry had expired.
    pub fn finish(self, guard: &mut ReplayGuard<'_>, now: u64) -> FinishOutcome {
        guard.finish_hash(self.hash.as_bytes(), now)
    }

    /// §14 `abandon`, after a failed execution: the entry is removed
    /// (`released`) and the request may be retried; `not_started` if the
    /// entry had expired.
    pub fn abandon(self, guard: &mut ReplayGuard<'_>, now: u64) -> AbandonOutcome {
        guard.abandon_hash(self.hash.as_bytes(), now)
    }
}
