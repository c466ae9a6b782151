//! Verification of a gateway's body: parse, hash, check each candidate once,
//! tally, decide. The decision itself is [`crate::quorum`].

use core::fmt;

use base64::Engine as _;
use ed25519_compact::{PublicKey, Signature};

use crate::config::{Config, SignerIndex, SignerSet};
use crate::envelope::{self, Candidate, Responses, Shape};
use crate::error::{Error, Expected, Malformed, NoQuorum};
use crate::handout::{CountedVotes, ReportHandOut};
use crate::hash::{self, CanonicalHash};
use crate::json::Lexer;
use crate::params::{Method, RequestParams, SecretIds};
use crate::postcheck::{self, PostCheckError, SecretsOrder};
use crate::proto::{Canonical, Report};
use crate::quorum::{self, Admission, Counted, QuorumTally, SignerMask};
use crate::result::{self, CapabilityResult, OverCapacity, Scratch, SecretEntries, Workspace};
use crate::text::Text;

/// Largest body accepted (offsets are kept in 32 bits).
pub const MAX_BODY_LEN: usize = u32::MAX as usize;

/// The outcome of verifying one body.
#[must_use = "a verdict must be checked: only `Accept` carries a trusted result"]
#[derive(Debug)]
pub enum Verdict<'a> {
    /// A result reached the threshold of distinct configured signers.
    Accept(VerifiedResponse<'a>),
    /// Refused, with the reason.
    Reject(Error),
}

impl<'a> Verdict<'a> {
    /// The verdict as a `Result`, for `?`.
    pub fn into_result(self) -> Result<VerifiedResponse<'a>, Error> {
        match self {
            Verdict::Accept(v) => Ok(v),
            Verdict::Reject(e) => Err(e),
        }
    }

    /// Whether the body was accepted.
    pub fn is_accept(&self) -> bool {
        matches!(self, Verdict::Accept(_))
    }
}

/// A result that at least `threshold` distinct configured signers signed.
///
/// Only the verifier constructs it; holding one is the proof.
pub struct VerifiedResponse<'a> {
    hash: CanonicalHash,
    signature_hash: CanonicalHash,
    signers: SignerMask,
    signer_set: &'a SignerSet,
    index: Option<usize>,
    result: VerifiedResult<'a>,
    /// The winning group's votes (capability requests): what the §11
    /// hand-out reads the counted responses from.
    votes: CountedVotes,
    body: &'a [u8],
    stats: VerifyStats,
}

impl<'a> VerifiedResponse<'a> {
    /// The winning hash: the hash the counted signers were grouped under
    /// (PROTOCOL.md §7 rule 5, §11). For a capability result carrying a
    /// consensus report it is the group hash, which covers the report but
    /// not its OCR signatures; otherwise the canonical hash of the result.
    pub fn hash(&self) -> &CanonicalHash {
        &self.hash
    }

    /// The group hash: the same as [`VerifiedResponse::hash`].
    pub fn group_hash(&self) -> &CanonicalHash {
        &self.hash
    }

    /// The canonical hash of the verified result exactly as sent (the
    /// response at [`VerifiedResponse::index`]), the hash its own signature
    /// was checked over. It differs from the group hash only when §11
    /// rewrote a report payload.
    pub fn signature_hash(&self) -> &CanonicalHash {
        &self.signature_hash
    }

    /// The signers counted for it, sorted bytewise.
    pub fn signers(&self) -> impl Iterator<Item = &'a [u8; 32]> + '_ {
        let set = self.signer_set;
        self.signers.iter().filter_map(move |i| set.key(i))
    }

    /// How many signers were counted for it.
    pub fn signer_count(&self) -> usize {
        self.signers.count()
    }

    /// For a bundle, the index of the first response in the winning group
    /// that carried a counted signature; `None` for a single response.
    pub fn index(&self) -> Option<usize> {
        self.index
    }

    /// What happened to every candidate signature.
    pub fn stats(&self) -> &VerifyStats {
        &self.stats
    }

    /// PROTOCOL.md §9, for a secrets request: the verified entries checked
    /// against the identifiers the verification was given, in request
    /// order, missing ones marked. `None` for a capability request.
    pub fn secrets(&self) -> Option<Result<SecretsOrder<'a>, PostCheckError>> {
        match self.result {
            VerifiedResult::Secrets {
                requested,
                doc,
                array_at,
            } => Some(postcheck::order(requested, doc, array_at)),
            VerifiedResult::Capability(_) => None,
        }
    }

    /// The verified secrets entries *without* the §9 check, in the order
    /// the hash covers (by namespace, key, ciphertext): they may name
    /// secrets that were not requested, or one twice. `None` for a
    /// capability request. Prefer [`VerifiedResponse::secrets`].
    pub fn secrets_unchecked(&self) -> Option<SecretEntries<'a>> {
        match self.result {
            VerifiedResult::Secrets { doc, array_at, .. } => {
                Some(SecretEntries::new(doc, array_at))
            }
            VerifiedResult::Capability(_) => None,
        }
    }

    /// The verified capability result, exactly as the counted signers
    /// signed it; `None` for a secrets request, and `None` when its payload
    /// carries a consensus report (§11).
    ///
    /// A report's signers are grouped by the report alone, so the bytes of
    /// the response at [`VerifiedResponse::index`] are one node's: a faulty
    /// node counted in the group chooses its OCR signatures and any bytes
    /// outside the report. Rather than hand those out under this name, a
    /// report goes through [`VerifiedResponse::report_hand_out`], which
    /// rebuilds the payload from what the quorum attested;
    /// [`VerifiedResponse::capability_as_sent`] names one node's bytes for
    /// what they are.
    pub fn capability(&self) -> Option<CapabilityResult<'a>> {
        let r = self.capability_as_sent()?;
        Canonical::of(&r.payload).is_none().then_some(r)
    }

    /// The capability result of the response at [`VerifiedResponse::index`]
    /// exactly as that one node sent it, report or not; `None` for a
    /// secrets request. For a report its OCR signatures and any bytes
    /// outside the report are that node's choice: forward
    /// [`VerifiedResponse::report_hand_out`]'s payload instead.
    pub fn capability_as_sent(&self) -> Option<CapabilityResult<'a>> {
        match self.result {
            VerifiedResult::Capability(r) => Some(r),
            VerifiedResult::Secrets { .. } => None,
        }
    }

    /// What §11 hands out when the verified capability result carries a
    /// consensus report: the canonical report, every counted response's
    /// OCR signatures, their merge, and the payload rebuilt from those.
    /// `None` for a secrets request or a result that carries no report.
    pub fn report_hand_out(&self) -> Option<ReportHandOut<'a>> {
        ReportHandOut::of(
            self.signer_set,
            self.body,
            self.capability_as_sent()?,
            &self.votes,
            self.index.is_some(),
        )
    }

    /// The canonical report `R` the counted signers attested (§11 rule 5:
    /// fields 1–4 and unknown fields, no OCR signatures), decoded into
    /// `buf` and read in place there. `None` when the result carries no
    /// report or `buf` is shorter than [`VerifiedResponse::report_len`].
    pub fn report<'b>(&self, buf: &'b mut [u8]) -> Option<Report<'b>> {
        Canonical::of(&self.capability_as_sent()?.payload)?.report_into(buf)
    }

    /// The buffer [`VerifiedResponse::report`] needs, when the verified
    /// capability result carries a report.
    pub fn report_len(&self) -> Option<usize> {
        let canonical = Canonical::of(&self.capability_as_sent()?.payload)?;
        usize::try_from(canonical.report_len()).ok()
    }
}

/// The verified result, located (secrets) or read (capability) once the
/// winner is known, with what the §9 check needs.
#[derive(Clone, Copy)]
enum VerifiedResult<'a> {
    Secrets {
        /// The identifiers the verification was given.
        requested: SecretIds<'a>,
        doc: &'a [u8],
        /// The result's `secrets` array, unless absent or `null`.
        array_at: Option<usize>,
    },
    Capability(CapabilityResult<'a>),
}

impl<'a> VerifiedResult<'a> {
    /// The result at `result_at` (`None`: the empty result) of `body`.
    fn read(
        params: &'a RequestParams<'a>,
        body: &'a [u8],
        result_at: Option<usize>,
    ) -> Result<Self, Malformed> {
        Ok(match params {
            RequestParams::Secrets(p) => VerifiedResult::Secrets {
                requested: p.secrets(),
                doc: body,
                array_at: result::secrets_array_at(body, result_at)?,
            },
            RequestParams::Capability(_) => VerifiedResult::Capability(match result_at {
                Some(at) => result::read_capability(&mut Lexer::at(body, at), 0)?,
                None => CapabilityResult::default(),
            }),
        })
    }

    fn method(&self) -> Method {
        match self {
            VerifiedResult::Secrets { .. } => Method::SecretsGet,
            VerifiedResult::Capability(_) => Method::CapabilityExecute,
        }
    }
}

/// Leaves the body out: it carries ciphertexts.
impl fmt::Debug for VerifiedResponse<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VerifiedResponse")
            .field("hash", &self.hash)
            .field("signers", &self.signer_count())
            .field("index", &self.index)
            .field("method", &self.result.method())
            .field("stats", &self.stats)
            .finish_non_exhaustive()
    }
}

/// Counts of what happened to the candidate signatures of one body.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct VerifyStats {
    /// Responses read.
    pub responses: u32,
    /// Candidate signatures seen (`signature` plus `signatures` elements).
    pub candidates: u32,
    /// ed25519 verifications performed.
    pub verifications: u32,
    /// Candidates counted towards a hash.
    pub counted: u32,
    /// Candidates skipped, by cause.
    pub skipped: Skipped,
}

/// Why candidates were skipped. None of these fails a body.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Skipped {
    /// `signer` or `signature` absent or `null`, or the candidate `null`.
    pub missing: u32,
    /// Text that is not padded standard base64.
    pub not_base64: u32,
    /// A signer that is not 32 bytes or a signature that is not 64.
    pub wrong_length: u32,
    /// A signer outside the configured set (costs no verification).
    pub unknown_signer: u32,
    /// Signer already counted for this hash (costs no verification).
    pub already_counted: u32,
    /// Signer already counted on two other hashes (costs no verification).
    pub equivocation: u32,
    /// The signature did not verify under the key it names.
    pub invalid_signature: u32,
    /// The response's result did not fit the workspace, so had no hash.
    pub over_capacity: u32,
    /// A later candidate naming a configured signer that an earlier
    /// candidate of the same response already named (costs no verification).
    pub repeated_signer: u32,
}

impl fmt::Display for VerifyStats {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = &self.skipped;
        write!(
            f,
            "{} responses, {} candidates, {} verifications, {} counted; skipped: \
             {} missing, {} not base64, {} wrong length, {} unknown signer, \
             {} already counted, {} equivocation, {} invalid, {} over capacity, \
             {} repeated signer",
            self.responses,
            self.candidates,
            self.verifications,
            self.counted,
            s.missing,
            s.not_base64,
            s.wrong_length,
            s.unknown_signer,
            s.already_counted,
            s.equivocation,
            s.invalid_signature,
            s.over_capacity,
            s.repeated_signer
        )
    }
}

/// Decides, for one configuration, whether bodies carry a quorum.
///
/// ```
/// use relay_verifier::{Config, SignerSet, Verifier};
/// # let keys = [[0x97, 0xe4, 0xa2, 0x6f, 0x94, 0x41, 0x61, 0xa5, 0xf3, 0x34, 0xb7, 0xc0, 0x2c, 0xe1, 0x2d, 0x18,
/// #   0x78, 0xd3, 0x2f, 0xa6, 0xfa, 0x2f, 0x92, 0x5f, 0xb0, 0x2a, 0xdc, 0x29, 0xdd, 0xb3, 0xbe, 0xec],
/// #   [0x1f, 0x80, 0x29, 0x65, 0x6e, 0xca, 0x0f, 0xb3, 0x2b, 0xca, 0xb2, 0x2b, 0x5d, 0x9d, 0xc8, 0xda,
/// #   0x7c, 0x76, 0xf4, 0xc5, 0x73, 0xbb, 0xa6, 0xa4, 0x69, 0x33, 0xce, 0xe7, 0xa0, 0xb8, 0x2d, 0x74]];
/// let verifier = Verifier::new(Config::new(SignerSet::new(&keys)?, 1)?);
/// # Ok::<(), relay_verifier::ConfigError>(())
/// ```
#[derive(Clone, Debug)]
pub struct Verifier {
    config: Config,
}

impl Verifier {
    /// A verifier for a checked configuration.
    pub fn new(config: Config) -> Self {
        Verifier { config }
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Verifies `body` for a request with `params`, with the default
    /// workspace (64 entries per secrets result, 64 shares per entry; a
    /// capability result needs none).
    pub fn verify<'a>(&'a self, params: &'a RequestParams<'a>, body: &'a [u8]) -> Verdict<'a> {
        match params {
            // A capability result indexes nothing: it needs no workspace,
            // and its verification none of the stack one takes.
            RequestParams::Capability(_) => {
                self.verify_scratch(params, body, Scratch::empty(), no_trace, verify_one)
            }
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
        result::with_default_scratch(|scratch| {
            self.verify_scratch(params, body, scratch, no_trace, verify_one)
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
        self.verify_scratch(params, body, workspace.slices(), trace, check)
    }

    /// The pass over erased workspace sizes, so that one copy of it serves
    /// every workspace; the tally is sized by the signer set (quorum.rs).
    fn verify_scratch<'a>(
        &'a self,
        params: &'a RequestParams<'a>,
        body: &'a [u8],
        scratch: Scratch<'_>,
        trace: impl FnMut(CandidateTrace),
        check: impl FnMut(&[u8; 32], &[u8; 64], &CanonicalHash) -> bool,
    ) -> Verdict<'a> {
        let signers = self.config.signers().len();
        match quorum::with_tally(signers, |tally| {
            self.run_tally(params, body, scratch, tally, trace, check)
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
        trace: T,
        check: C,
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
        let mut run = Run {
            set: self.config.signers(),
            params,
            body,
            tally,
            stats: VerifyStats::default(),
            trace,
            check,
            last: None,
        };
        let mut hasher = hash::ResponseHasher::default();
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
        let threshold = self.config.threshold();
        match run.tally.winner(threshold) {
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
                signer_set: self.config.signers(),
                index: bundle.then_some(w.first_response),
                result: VerifiedResult::read(params, body, w.result_at)?,
                votes: {
                    let mut votes = CountedVotes::none();
                    if let RequestParams::Capability(_) = params {
                        run.tally.result_offsets(&w.hash, votes.offsets_mut());
                    }
                    votes
                },
                body,
                stats: run.stats,
            }),
            None => Err(Error::NoQuorum(NoQuorum {
                threshold: count32(threshold),
                leader: run.tally.leader().map(|(h, n)| (h, count32(n))),
                distinct_hashes: count32(run.tally.distinct_hashes()),
                stats: run.stats,
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
    scratch: &mut result::Scratch<'_>,
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

/// A response's result as read: its shape-checked reading (or over
/// capacity), and whether it is the [`LastResult`].
type ResultRead<'a> = (Result<hash::ReadResult<'a>, OverCapacity>, bool);

/// The last result read into the scratch: honest nodes send the same
/// result byte for byte, so a repetition is not read again (and
/// [`hash::ResponseHasher`] does not hash the same text again).
#[derive(Clone, Copy)]
struct LastResult<'a> {
    /// The result's JSON text (an object).
    raw: &'a [u8],
    read: Result<hash::ReadResult<'a>, OverCapacity>,
}

/// State of one verification.
struct Run<'a, 'p, 't, T, C> {
    set: &'a SignerSet,
    params: &'p RequestParams<'p>,
    body: &'a [u8],
    tally: QuorumTally<'t>,
    stats: VerifyStats,
    trace: T,
    check: C,
    last: Option<LastResult<'a>>,
}

impl<'a, T, C> Run<'a, '_, '_, T, C>
where
    T: FnMut(CandidateTrace),
    C: FnMut(&[u8; 32], &[u8; 64], &CanonicalHash) -> bool,
{
    /// PROTOCOL.md §7 rules 1 and 2 for the response at the cursor of
    /// `lx`, at `depth`.
    fn response(
        &mut self,
        lx: &mut Lexer<'a>,
        index: usize,
        depth: usize,
        scratch: &mut result::Scratch<'_>,
        hasher: &mut hash::ResponseHasher<'a>,
    ) -> Result<(), Malformed> {
        self.stats.responses = self.stats.responses.saturating_add(1);
        let mut response = envelope::Response::new(lx);
        response.open(lx, depth)?;
        let read = self.result_of(&mut response, lx, depth, scratch)?;
        self.candidates(&response, read, index, depth, scratch, hasher)
    }

    /// PROTOCOL.md §7 rule 2 for the candidates of one response.
    #[inline(never)]
    fn candidates(
        &mut self,
        response: &envelope::Response<'a>,
        (read, is_last): ResultRead<'a>,
        index: usize,
        depth: usize,
        scratch: &mut result::Scratch<'_>,
        hasher: &mut hash::ResponseHasher<'a>,
    ) -> Result<(), Malformed> {
        let doc = self.body;
        let mut hashes: Option<Hashes> = None;
        let result_at = response.result_at;
        let params = self.params;
        // Rule 2: a configured signer's first candidate in this response is
        // its one try here, so a faulty response costs at most N checks.
        let mut tried = Tried::default();
        response.for_each_candidate(depth, &mut |c| {
            self.stats.candidates = self.stats.candidates.saturating_add(1);
            let mut signer = None;
            let mut hashes_of_response = || match read {
                Ok(r) => {
                    Ok(*hashes.get_or_insert_with(|| Hashes::of(hasher, params, doc, &r, scratch)))
                }
                Err(OverCapacity) => Err(SkipCause::OverCapacity),
            };
            let outcome = self.candidate(
                c,
                &mut hashes_of_response,
                &mut tried,
                index,
                result_at,
                &mut signer,
            );
            if let Err(cause) = outcome {
                bump(cause.counter(&mut self.stats.skipped));
            }
            (self.trace)(CandidateTrace {
                response: index,
                hash: hashes.map(|h| h.signature),
                group_hash: hashes.map(|h| h.group),
                signer,
                outcome,
            });
        })?;
        // A hash of a result that is not the last read may have used the
        // scratch that the last one's reading indexes.
        if !is_last && hashes.is_some() {
            self.last = None;
        }
        Ok(())
    }

    /// Walks the response to its result and reads that (rule 1 reads and
    /// shape-checks every result; the hash itself is computed on demand,
    /// so junk from unknown keys costs no SHA-256). Not inlined: its
    /// frame is gone when the candidates are checked.
    #[inline(never)]
    fn result_of(
        &mut self,
        response: &mut envelope::Response<'a>,
        lx: &mut Lexer<'a>,
        depth: usize,
        scratch: &mut result::Scratch<'_>,
    ) -> Result<ResultRead<'a>, Malformed> {
        let mut read_result = None;
        while let Some(at) = response.next_result(lx)? {
            let read = match self.repeat_of_last(lx, at) {
                Some(read) => Ok((read, true)),
                None => hash::read_result_at(self.params, self.body, lx, depth + 1, scratch)
                    .map(|read| (self.keep_last(at, lx.pos(), read), true)),
            };
            if read.is_err() {
                response.step_over(lx, at)?;
            }
            read_result = Some(read);
        }
        match read_result {
            Some(read) => read,
            None => {
                // The empty result: no entries, so nothing of the document
                // is read when it is hashed.
                let null: &'static [u8] = b"null";
                let lx = &mut Lexer::new(null);
                Ok((
                    hash::read_result_at(self.params, null, lx, 0, scratch)?,
                    false,
                ))
            }
        }
    }

    /// When the result at `at` repeats the last one read byte for byte,
    /// moves `lx` past it and returns that reading (the same text is the
    /// same value: JSON values delimit themselves; it is in the scratch).
    #[inline(never)]
    fn repeat_of_last(
        &self,
        lx: &mut Lexer<'a>,
        at: usize,
    ) -> Option<Result<hash::ReadResult<'a>, OverCapacity>> {
        let last = self.last.as_ref()?;
        let end = at.saturating_add(last.raw.len());
        if self.body.get(at..end) != Some(last.raw) {
            return None;
        }
        *lx = Lexer::at(self.body, end);
        Some(last.read)
    }

    /// Remembers the result read from `at` to `end` as the last one.
    #[inline(never)]
    fn keep_last(
        &mut self,
        at: usize,
        end: usize,
        read: Result<hash::ReadResult<'a>, OverCapacity>,
    ) -> Result<hash::ReadResult<'a>, OverCapacity> {
        self.last = Some(LastResult {
            raw: self.body.get(at..end).unwrap_or_default(),
            read,
        });
        read
    }

    /// One candidate: label-driven, one verification at most. `Ok` when it
    /// counted; `label` receives the signer it names once that decodes.
    fn candidate(
        &mut self,
        c: Candidate<'a>,
        hashes_of_response: &mut impl FnMut() -> Result<Hashes, SkipCause>,
        tried: &mut Tried<'a>,
        index: usize,
        result_at: Option<usize>,
        label: &mut Option<[u8; 32]>,
    ) -> Result<(), SkipCause> {
        let text = c.signer.ok_or(SkipCause::Missing)?;
        // The same text names the same signer: decode and look it up once.
        let named = match tried.last_label {
            Some(last) if last.raw == text.raw() => last.named,
            _ => {
                let named = decode_exact(&text).map(|key| (key, self.set.index_of(&key)));
                tried.last_label = Some(Label {
                    raw: text.raw(),
                    named,
                });
                named
            }
        };
        let (signer, who) = named?;
        *label = Some(signer);
        let who = who.ok_or(SkipCause::UnknownSigner)?;
        if tried.signers.contains(who) {
            return Err(SkipCause::RepeatedSigner);
        }
        tried.signers.insert(who);
        let signature: [u8; 64] = decode_exact(&c.signature.ok_or(SkipCause::Missing)?)?;
        let hashes = hashes_of_response()?;
        // §11: votes are grouped by the group hash, signatures are checked
        // over the hash of the result as sent.
        match self.tally.admit(who, &hashes.group) {
            Admission::Verify => {}
            Admission::AlreadyCounted => return Err(SkipCause::AlreadyCounted),
            Admission::Equivocator => return Err(SkipCause::Equivocation),
        }
        bump(&mut self.stats.verifications);
        if !(self.check)(&signer, &signature, &hashes.signature) {
            return Err(SkipCause::InvalidSignature);
        }
        match self.tally.count(who, &hashes.group, index, result_at) {
            Counted::Yes => {
                bump(&mut self.stats.counted);
                Ok(())
            }
            Counted::No => Err(SkipCause::AlreadyCounted),
            Counted::Equivocation(withdrawn) => {
                // Votes counted earlier move to `equivocation`, so that
                // candidates = counted + skipped still holds.
                let withdrawn = count32(withdrawn);
                self.stats.counted = self.stats.counted.saturating_sub(withdrawn);
                let s = &mut self.stats.skipped.equivocation;
                *s = s.saturating_add(withdrawn);
                Err(SkipCause::Equivocation)
            }
        }
    }
}

/// Rule 2's memory within one response: the configured signers tried, and
/// the last `signer` text decoded (an honest response names its signer
/// twice, and junk names an unknown one twice).
#[derive(Default)]
struct Tried<'a> {
    signers: SignerMask,
    last_label: Option<Label<'a>>,
}

/// A `signer` text and what it decodes to: the key and its position in
/// the set, or why it names no key.
#[derive(Clone, Copy)]
struct Label<'a> {
    raw: &'a [u8],
    named: Result<([u8; 32], Option<SignerIndex>), SkipCause>,
}

/// The two hashes of one response (PROTOCOL.md §11): the hash its
/// signatures are verified over, and the hash its votes are counted under.
/// They differ only for a capability result carrying a consensus report.
#[derive(Clone, Copy, Debug)]
struct Hashes {
    signature: CanonicalHash,
    group: CanonicalHash,
}

impl Hashes {
    /// `hasher` shares work between the responses of one verification.
    fn of<'a>(
        hasher: &mut hash::ResponseHasher<'a>,
        params: &RequestParams<'_>,
        doc: &[u8],
        read: &hash::ReadResult<'a>,
        scratch: &mut result::Scratch<'_>,
    ) -> Self {
        let (signature, group) = hasher.hashes(params, doc, read, scratch);
        Hashes { signature, group }
    }
}

fn bump(n: &mut u32) {
    *n = n.saturating_add(1);
}

/// A count for a report; saturates (counts here are bounded far below).
fn count32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// Why a candidate signature did not count. None of these fails a body.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SkipCause {
    /// `signer` or `signature` absent or `null`, or the candidate `null`.
    Missing,
    /// Text that is not padded standard base64.
    NotBase64,
    /// A signer that is not 32 bytes or a signature that is not 64.
    WrongLength,
    /// A signer outside the configured set.
    UnknownSigner,
    /// The signer is already counted for this hash.
    AlreadyCounted,
    /// The signer is already counted on two other hashes.
    Equivocation,
    /// The signature did not verify under the key it names.
    InvalidSignature,
    /// The response's result did not fit the workspace.
    OverCapacity,
    /// An earlier candidate of the same response named this signer: that
    /// was its one try in this response (PROTOCOL.md §7 rule 2).
    RepeatedSigner,
}

impl SkipCause {
    fn counter(self, s: &mut Skipped) -> &mut u32 {
        match self {
            SkipCause::Missing => &mut s.missing,
            SkipCause::NotBase64 => &mut s.not_base64,
            SkipCause::WrongLength => &mut s.wrong_length,
            SkipCause::UnknownSigner => &mut s.unknown_signer,
            SkipCause::AlreadyCounted => &mut s.already_counted,
            SkipCause::Equivocation => &mut s.equivocation,
            SkipCause::InvalidSignature => &mut s.invalid_signature,
            SkipCause::OverCapacity => &mut s.over_capacity,
            SkipCause::RepeatedSigner => &mut s.repeated_signer,
        }
    }
}

impl fmt::Display for SkipCause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SkipCause::Missing => "signer or signature missing",
            SkipCause::NotBase64 => "not base64",
            SkipCause::WrongLength => "wrong length",
            SkipCause::UnknownSigner => "signer not in the configured set",
            SkipCause::AlreadyCounted => "signer already counted for this result",
            SkipCause::Equivocation => "signer already counted on two other results",
            SkipCause::InvalidSignature => "signature invalid under the key it names",
            SkipCause::OverCapacity => "result over the workspace's capacity",
            SkipCause::RepeatedSigner => "signer already tried in this response",
        })
    }
}

/// What became of one candidate signature ([`Verifier::verify_traced`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct CandidateTrace {
    /// Index of the response carrying it (0 for a single response).
    pub response: usize,
    /// That response's canonical hash as sent (the hash its signatures are
    /// verified over), once a candidate needed it (a response with only
    /// unknown or undecodable signers is never hashed; `None` also when over
    /// capacity).
    pub hash: Option<CanonicalHash>,
    /// The hash its votes count under (PROTOCOL.md §11): the same as `hash`
    /// unless the result is a capability payload carrying a consensus report.
    pub group_hash: Option<CanonicalHash>,
    /// The signer it names, when that decoded to 32 bytes.
    pub signer: Option<[u8; 32]>,
    /// Counted, or skipped and why.
    pub outcome: Result<(), SkipCause>,
}

/// Decodes padded base64 text into exactly `N` bytes.
fn decode_exact<const N: usize>(text: &Text<'_>) -> Result<[u8; N], SkipCause> {
    let mut key = [0u8; N];
    decode_exact_into(text, &mut key)?;
    Ok(key)
}

/// Decodes padded base64 text into exactly `out.len()` bytes (at most 72).
/// One copy for keys and signatures alike: it is not hot (a repeated label
/// is decoded once) and each copy costs flash.
#[inline(never)]
fn decode_exact_into(text: &Text<'_>, out: &mut [u8]) -> Result<(), SkipCause> {
    // 96 characters hold 72 bytes: room to tell "too long" from "not base64".
    let mut chars = [0u8; 96];
    let Some(chars) = text.decode_into(&mut chars) else {
        return Err(SkipCause::WrongLength);
    };
    let mut bytes = [0u8; 72];
    let n = base64::engine::general_purpose::STANDARD
        .decode_slice(chars, &mut bytes)
        .map_err(|_| SkipCause::NotBase64)?;
    let decoded = bytes.get(..n).ok_or(SkipCause::WrongLength)?;
    if decoded.len() != out.len() {
        return Err(SkipCause::WrongLength);
    }
    out.copy_from_slice(decoded);
    Ok(())
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
