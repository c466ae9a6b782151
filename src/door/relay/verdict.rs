//! What the relay door answers: a [`Verdict`], and in it the proof type
//! [`VerifiedResponse`] only the verifier builds.

use core::fmt;

use crate::door::handout::{CountedVotes, ReportHandOut};
use crate::leaf::{CanonicalHash, Malformed, VerifyStats};
use crate::message::params::{Method, RequestParams, SecretIds};
use crate::message::result::{self, CapabilityResult, SecretEntries};
use crate::proto::{Canonical, Report};
use crate::read::Lexer;
use crate::trust::config::SignerSet;
use crate::trust::postcheck::{self, PostCheckError, SecretsOrder};
use crate::trust::quorum::SignerMask;

use super::Error;

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
    pub(super) hash: CanonicalHash,
    pub(super) signature_hash: CanonicalHash,
    pub(super) signers: SignerMask,
    pub(super) signer_set: &'a SignerSet,
    pub(super) index: Option<usize>,
    pub(super) result: VerifiedResult<'a>,
    /// The winning group's votes (capability requests): what the §11
    /// hand-out reads the counted responses from.
    pub(super) votes: CountedVotes,
    pub(super) body: &'a [u8],
    pub(super) stats: VerifyStats,
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
pub(super) enum VerifiedResult<'a> {
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
    pub(super) fn read(
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
