//! The §14 door: only a verified compute request is admitted to the
//! replay guard, and what `begin` admits is an [`Execution`] to finish
//! or abandon.
//!
//! The rule lives in [`crate::trust::replay`]; this file ties it to
//! §12's proof type, and lets an embedder that cannot hold a borrow or a
//! move-only token between calls (a C caller) set the guard aside
//! ([`ReplayState`]) and finish or abandon by hash.

use crate::door::compute::VerifiedComputeRequest;
use crate::leaf::CanonicalHash;
use crate::trust::replay::{AbandonOutcome, BeginRefusal, FinishOutcome, ReplayGuard, ReplaySlot};

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

/// A [`ReplayGuard`]'s settings and counts without its slots: what an
/// embedder that cannot keep the borrow of the slots from one call to the
/// next (a C caller across an ABI) keeps instead.
/// [`ReplayGuard::suspend`] makes it; [`ReplayGuard::resume`] takes the
/// same slots up again. Plain integers: any copy is as good as another.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReplayState {
    capacity: usize,
    lifetime: u64,
    occupied: usize,
    oldest: u64,
}

impl<'s> ReplayGuard<'s> {
    /// Lets go of the slots, keeping what the guard knows of them.
    pub fn suspend(self) -> ReplayState {
        ReplayState {
            capacity: self.capacity,
            lifetime: self.lifetime,
            occupied: self.occupied,
            oldest: self.oldest,
        }
    }

    /// The guard [`ReplayGuard::suspend`] set aside, over the same slots,
    /// unchanged since. Other slots, or slots changed meanwhile, make only
    /// its counts wrong: a hash a slot holds live is still refused, and the
    /// guard may answer `full` early, or hold more than its capacity (never
    /// more than its slots).
    pub fn resume(slots: &'s mut [ReplaySlot], state: ReplayState) -> Self {
        let len = slots.len();
        ReplayGuard {
            slots,
            capacity: state.capacity.min(len),
            lifetime: state.lifetime,
            occupied: state.occupied.min(len),
            oldest: state.oldest,
        }
    }

    /// §14 `finish` by request hash, for an embedder that cannot hold the
    /// [`Execution`] `begin` handed out (a C caller keeps the hash): as
    /// [`Execution::finish`]. Acts only on a live in-progress entry.
    pub fn finish_by_hash(&mut self, hash: &CanonicalHash, now: u64) -> FinishOutcome {
        self.finish_hash(hash.as_bytes(), now)
    }

    /// §14 `abandon` by request hash, as [`Execution::abandon`]. It releases
    /// whichever execution of that hash is in progress, so only the code
    /// that began it may call it: a released request may run again.
    pub fn abandon_by_hash(&mut self, hash: &CanonicalHash, now: u64) -> AbandonOutcome {
        self.abandon_hash(hash.as_bytes(), now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_suspended_guard_resumes_where_it_was() {
        let mut slots = [ReplaySlot::EMPTY; 4];
        let hash = CanonicalHash::from_bytes([7; 32]);
        let mut guard = ReplayGuard::new(&mut slots).with_capacity(1);
        assert_eq!(guard.begin_hash(hash.as_bytes(), 0), Ok(()));
        let state = guard.suspend();
        let mut guard = ReplayGuard::resume(&mut slots, state);
        assert_eq!(guard.capacity(), 1);
        assert_eq!(guard.begin_hash(&[8; 32], 0), Err(BeginRefusal::Full));
        assert_eq!(guard.finish_by_hash(&hash, 1), FinishOutcome::Recorded);
        assert_eq!(guard.abandon_by_hash(&hash, 1), AbandonOutcome::NotStarted);
        assert_eq!(
            guard.begin_hash(hash.as_bytes(), 2),
            Err(BeginRefusal::Executed)
        );
        // A state over fewer slots than it counted is clamped to them.
        let mut few = [ReplaySlot::EMPTY; 0];
        let guard = ReplayGuard::resume(&mut few, state);
        assert_eq!(guard.capacity(), 0);
    }
}
