//! The relay door (PROTOCOL.md §2–§11): a gateway's body in, a [`Verdict`]
//! out. One pass: read strictly, walk each response ([`walk`]), hand each
//! of its candidates to the trust rules ([`candidates`], [`crate::trust`]),
//! decide.

mod candidates;
mod error;
mod verdict;
mod walk;

pub use error::{Error, NoQuorum};
pub use verdict::{Verdict, VerifiedResponse};

use ed25519_compact::{PublicKey, Signature};

use crate::door::handout::CountedVotes;
use crate::door::verifier::{Verifier, MAX_BODY_LEN};
use crate::hash::{self, ResponseHasher};
use crate::leaf::{count32, CandidateTrace, CanonicalHash, Expected, Malformed, VerifyStats};
use crate::message::envelope::{self, Responses, Shape};
use crate::message::params::RequestParams;
use crate::message::workspace::{Scratch, Workspace};
use crate::read::Lexer;
use crate::trust::candidate::VoteCounter;
use crate::trust::quorum::{self, QuorumTally};

use verdict::VerifiedResult;
use walk::Run;
pub(crate) use walk::Shortcuts;

impl Verifier {
    /// Verifies `body` for a request with `params`, with the default
    /// workspace (64 entries per secrets result, 64 shares per entry; a
    /// capability result needs none).
    pub fn verify<'a>(&'a self, params: &'a RequestParams<'a>, body: &'a [u8]) -> Verdict<'a> {
        match params {
            // A capability result indexes nothing: it needs no workspace,
            // and its verification none of the stack one takes.
            RequestParams::Capability(_) => self.verify_scratch(
                params,
                body,
                Scratch::empty(),
                no_trace,
                verify_one,
                Shortcuts::Taken,
            ),
            RequestParams::Secrets(_) => self.verify_default_workspace(params, body),
        }
    }

    /// [`Verifier::verify`] with the default workspace, in a frame of its own.
    #[inline(never)]
    fn verify_default_workspace<'a>(
        &'a self,
        params: &'a RequestParams<'a>,
        body: &'a [u8],
    ) -> Verdict<'a> {
        crate::message::workspace::with_default_scratch(|scratch| {
            self.verify_scratch(
                params,
                body,
                scratch,
                no_trace,
                verify_one,
                Shortcuts::Taken,
            )
        })
    }

    /// [`Verifier::verify`] with a caller-sized workspace.
    pub fn verify_in<'a, const E: usize, const S: usize>(
        &'a self,
        params: &'a RequestParams<'a>,
        body: &'a [u8],
        workspace: &mut Workspace<E, S>,
    ) -> Verdict<'a> {
        self.verify_traced(params, body, workspace, no_trace)
    }

    /// [`Verifier::verify_in`], reporting what became of every candidate
    /// signature, in body order: for diagnostics and test harnesses.
    ///
    /// ```
    /// # use relay_verifier::{Config, SignerSet, Verifier, Method, RequestParams, Workspace};
    /// # let keys = [[0x97, 0xe4, 0xa2, 0x6f, 0x94, 0x41, 0x61, 0xa5, 0xf3, 0x34, 0xb7, 0xc0, 0x2c, 0xe1, 0x2d, 0x18,
    /// #   0x78, 0xd3, 0x2f, 0xa6, 0xfa, 0x2f, 0x92, 0x5f, 0xb0, 0x2a, 0xdc, 0x29, 0xdd, 0xb3, 0xbe, 0xec],
    /// #   [0x1f, 0x80, 0x29, 0x65, 0x6e, 0xca, 0x0f, 0xb3, 0x2b, 0xca, 0xb2, 0x2b, 0x5d, 0x9d, 0xc8, 0xda,
    /// #   0x7c, 0x76, 0xf4, 0xc5, 0x73, 0xbb, 0xa6, 0xa4, 0x69, 0x33, 0xce, 0xe7, 0xa0, 0xb8, 0x2d, 0x74]];
    /// # let verifier = Verifier::new(Config::new(SignerSet::new(&keys).unwrap(), 1).unwrap());
    /// # let params = RequestParams::from_json(Method::CapabilityExecute,
    /// #     br#"{"workflow_id":"w","owner":"0x1234567890abcdef1234567890ABCDEF12345678",
    /// #          "execution_id":"e","reference_id":"r","capability_id":"c","payload":"cA=="}"#)?;
    /// let body = br#"{"result":{},"signature":{"signer":"AAAA","signature":null}}"#;
    /// let mut seen = Vec::new();
    /// let verdict = verifier.verify_traced(&params, body, &mut Workspace::<64, 64>::new(), |t| seen.push(t));
    /// assert!(!verdict.is_accept());
    /// assert_eq!(seen.len(), 1);
    /// # Ok::<(), relay_verifier::ParamsError>(())
    /// ```
    pub fn verify_traced<'a, const E: usize, const S: usize>(
        &'a self,
        params: &'a RequestParams<'a>,
        body: &'a [u8],
        workspace: &mut Workspace<E, S>,
        trace: impl FnMut(CandidateTrace),
    ) -> Verdict<'a> {
        self.verify_with(params, body, workspace, trace, verify_one)
    }

    /// The one pass behind every `verify*` method; `check` is the signature
    /// check (one ed25519 verification, or a batch collector).
    pub(crate) fn verify_with<'a, const E: usize, const S: usize>(
        &'a self,
        params: &'a RequestParams<'a>,
        body: &'a [u8],
        workspace: &mut Workspace<E, S>,
        trace: impl FnMut(CandidateTrace),
        check: impl FnMut(&[u8; 32], &[u8; 64], &CanonicalHash) -> bool,
    ) -> Verdict<'a> {
        self.verify_scratch(
            params,
            body,
            workspace.slices(),
            trace,
            check,
            Shortcuts::Taken,
        )
    }

    /// [`Verifier::verify_traced`] with every speed shortcut of the walk
    /// left out (the last-result reuse, the hash reuse): the plain path the
    /// shortcuts must agree with (`tests/shortcuts.rs`).
    #[cfg(feature = "fuzzing")]
    pub(crate) fn verify_plain<'a, const E: usize, const S: usize>(
        &'a self,
        params: &'a RequestParams<'a>,
        body: &'a [u8],
        workspace: &mut Workspace<E, S>,
        trace: impl FnMut(CandidateTrace),
    ) -> Verdict<'a> {
        let scratch = workspace.slices();
        self.verify_scratch(params, body, scratch, trace, verify_one, Shortcuts::Skipped)
    }

    /// The pass over erased workspace sizes, so that one copy of it serves
    /// every workspace; the tally is sized by the signer set (`trust::quorum::with_tally`).
    fn verify_scratch<'a>(
        &'a self,
        params: &'a RequestParams<'a>,
        body: &'a [u8],
        scratch: Scratch<'_>,
        trace: impl FnMut(CandidateTrace),
        check: impl FnMut(&[u8; 32], &[u8; 64], &CanonicalHash) -> bool,
        shortcuts: Shortcuts,
    ) -> Verdict<'a> {
        let signers = self.config().signers().len();
        let with = (trace, check, shortcuts);
        match quorum::with_tally(signers, |tally| {
            self.run_tally(params, body, scratch, tally, with)
        }) {
            Ok(v) => Verdict::Accept(v),
            Err(e) => Verdict::Reject(e),
        }
    }

    /// The one pass: parse, hash, check each candidate once, tally, decide.
    #[inline(never)]
    fn run_tally<'a, T, C>(
        &'a self,
        params: &'a RequestParams<'a>,
        body: &'a [u8],
        mut scratch: Scratch<'_>,
        tally: QuorumTally<'_>,
        (trace, check, shortcuts): (T, C, Shortcuts),
    ) -> Result<VerifiedResponse<'a>, Error>
    where
        T: FnMut(CandidateTrace),
        C: FnMut(&[u8; 32], &[u8; 64], &CanonicalHash) -> bool,
    {
        params.validate()?;
        if body.len() > MAX_BODY_LEN {
            return Err(Error::Malformed(Malformed {
                offset: MAX_BODY_LEN,
                expected: Expected::EndOfInput,
            }));
        }
        // Strict syntax first: a malformed body costs no signature check.
        // Reading the top level checks it all in one pass (every value is
        // skipped strictly); when that read fails, the syntax check alone
        // says which error comes first, as if it had run before.
        Lexer::no_byte_order_mark(body)?;
        let shape = match envelope::read_shape(body) {
            Ok(shape) => shape,
            Err(shape_error) => {
                Lexer::document(body)?;
                return Err(shape_error.into());
            }
        };
        let votes = VoteCounter {
            set: self.config().signers(),
            tally,
            stats: VerifyStats::default(),
            check,
        };
        let mut run = Run::new(params, body, votes, trace, shortcuts);
        let mut hasher = ResponseHasher::default();
        let bundle = match shape {
            Shape::Bundle(at) => {
                let mut responses = Responses::new(body, at)?;
                let mut index = 0usize;
                while let Some(lx) = responses.next_response()? {
                    run.response(
                        lx,
                        index,
                        envelope::RESPONSE_DEPTH,
                        &mut scratch,
                        &mut hasher,
                    )?;
                    index = index.saturating_add(1);
                }
                true
            }
            Shape::Single => {
                run.response(&mut Lexer::at(body, 0), 0, 0, &mut scratch, &mut hasher)?;
                false
            }
        };
        let threshold = self.config().threshold();
        match run.votes.tally.winner(threshold) {
            Some(w) => Ok(VerifiedResponse {
                hash: w.hash,
                // The result of a counted response was hashed, so it fits.
                signature_hash: signature_hash_at(params, body, w.result_at, &mut scratch).ok_or(
                    Malformed {
                        offset: w.result_at.unwrap_or(0),
                        expected: Expected::WithinCapacity,
                    },
                )?,
                signers: w.signers,
                signer_set: self.config().signers(),
                index: bundle.then_some(w.first_response),
                result: VerifiedResult::read(params, body, w.result_at)?,
                votes: {
                    let mut votes = CountedVotes::none();
                    if let RequestParams::Capability(_) = params {
                        run.votes.tally.result_offsets(&w.hash, votes.offsets_mut());
                    }
                    votes
                },
                body,
                stats: run.votes.stats,
            }),
            None => Err(Error::NoQuorum(NoQuorum {
                threshold: count32(threshold),
                leader: run.votes.tally.leader().map(|(h, n)| (h, count32(n))),
                distinct_hashes: count32(run.votes.tally.distinct_hashes()),
                stats: run.votes.stats,
            })),
        }
    }
}

/// The canonical hash of the result at `result_at` (the empty result when
/// `None`), as sent. The body was validated, so it reads; `None` only when
/// the result is over the workspace's capacity, which cannot be the case for
/// the result of a counted response.
fn signature_hash_at(
    params: &RequestParams<'_>,
    body: &[u8],
    result_at: Option<usize>,
    scratch: &mut crate::message::workspace::Scratch<'_>,
) -> Option<CanonicalHash> {
    let (doc, at): (&[u8], usize) = match result_at {
        Some(at) => (body, at),
        None => (b"null", 0),
    };
    let mut lx = Lexer::at(doc, at);
    // Depth 0: the result's nesting was checked when the body was read.
    let read = hash::read_result_at(params, doc, &mut lx, 0, scratch)
        .ok()?
        .ok()?;
    Some(hash::hash_read(params, doc, &read, scratch))
}

/// The trace of the untraced entry points: one function (not a closure per
/// caller), so that they share one copy of the pass.
fn no_trace(_: CandidateTrace) {}

/// One ed25519 verification of the §5 payload under `signer`.
fn verify_one(signer: &[u8; 32], signature: &[u8; 64], hash: &CanonicalHash) -> bool {
    PublicKey::new(*signer)
        .verify(hash.signature_payload(), &Signature::new(*signature))
        .is_ok()
}
