//! What the compute door answers: a [`ComputeVerdict`], and in it the
//! proof type [`VerifiedComputeRequest`] only the verifier builds, or a
//! [`ComputeError`].

use core::fmt;

use crate::leaf::{CanonicalHash, ComputeStats, Malformed};
use crate::message::request::{self, ComputeRequest, RequestCheck, ENTRY_DEPTH};
use crate::read::Lexer;
use crate::trust::config::{ConfigError, SignerIndex, SignerSet, MAX_SIGNERS};
use crate::trust::quorum::SignerMask;

/// The outcome of verifying one batch of signed compute requests.
#[must_use = "a verdict must be checked: only `Accept` carries a trusted request"]
#[derive(Debug)]
pub enum ComputeVerdict<'a> {
    /// A request reached the threshold of distinct configured signers and
    /// passed the §12 request checks.
    Accept(VerifiedComputeRequest<'a>),
    /// Refused, with the reason.
    Reject(ComputeError),
}

impl<'a> ComputeVerdict<'a> {
    /// The verdict as a `Result`, for `?`.
    pub fn into_result(self) -> Result<VerifiedComputeRequest<'a>, ComputeError> {
        match self {
            ComputeVerdict::Accept(v) => Ok(v),
            ComputeVerdict::Reject(e) => Err(e),
        }
    }

    /// Whether the batch was accepted.
    pub fn is_accept(&self) -> bool {
        matches!(self, ComputeVerdict::Accept(_))
    }
}

/// One counted entry: its position in the batch, where it starts, and the
/// configured signer whose vote it carried.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct CountedAt {
    pub(super) entry: u32,
    pub(super) at: u32,
    pub(super) signer: SignerIndex,
}

/// A compute request that at least `threshold` distinct configured signers
/// signed, and that passed the §12 request checks.
///
/// Only the verifier constructs it; holding one is the proof.
pub struct VerifiedComputeRequest<'a> {
    pub(super) hash: CanonicalHash,
    pub(super) signers: SignerMask,
    pub(super) signer_set: &'a SignerSet,
    pub(super) body: &'a [u8],
    /// Ascending by entry; the first is the request to execute.
    pub(super) entries: heapless::Vec<CountedAt, MAX_SIGNERS>,
    pub(super) index: usize,
    pub(super) request: ComputeRequest<'a>,
    pub(super) stats: ComputeStats,
}

/// A counted entry of a verified batch: one signer's copy of the request,
/// carrying that node's own key shares.
#[derive(Clone, Copy, Debug)]
pub struct CountedEntry<'a> {
    /// Position of the entry in the batch.
    pub index: usize,
    /// The configured signer whose signature it carried.
    pub signer: &'a [u8; 32],
    /// The entry (same hash as the verified request; its own shares).
    pub request: ComputeRequest<'a>,
}

impl<'a> VerifiedComputeRequest<'a> {
    /// The winning request hash.
    pub fn hash(&self) -> &CanonicalHash {
        &self.hash
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

    /// Index of the request to execute: the first entry that carried a
    /// counted signature for the winning hash.
    pub fn index(&self) -> usize {
        self.index
    }

    /// The request to execute (the entry at [`Self::index`]).
    pub fn request(&self) -> &ComputeRequest<'a> {
        &self.request
    }

    /// Positions of the counted entries, ascending: for each counted signer,
    /// the first entry that carried its counted signature.
    pub fn entry_indices(&self) -> impl Iterator<Item = usize> + '_ {
        self.entries.iter().map(|c| c.entry as usize)
    }

    /// The counted entries, ascending, each with its signer: the enclave
    /// needs every one of these nodes' key shares.
    pub fn entries(&self) -> impl Iterator<Item = CountedEntry<'a>> + '_ {
        let (body, set) = (self.body, self.signer_set);
        // Re-read in place; each was read once in the pass, so none fails.
        self.entries.iter().filter_map(move |c| {
            Some(CountedEntry {
                index: c.entry as usize,
                signer: set.key(c.signer)?,
                request: request::read_entry(&mut Lexer::at(body, c.at as usize), ENTRY_DEPTH)
                    .ok()?,
            })
        })
    }

    /// What happened to every entry.
    pub fn stats(&self) -> &ComputeStats {
        &self.stats
    }
}

/// Leaves the body out: it carries ciphertexts and key shares.
impl fmt::Debug for VerifiedComputeRequest<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VerifiedComputeRequest")
            .field("hash", &self.hash)
            .field("signers", &self.signer_count())
            .field("index", &self.index())
            .field("stats", &self.stats)
            .finish_non_exhaustive()
    }
}

/// Why a batch of compute requests was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ComputeError {
    /// The enclave's own configuration is unusable.
    InvalidConfig(ConfigError),
    /// The batch breaks a rule of PROTOCOL.md §12 or §7's JSON rules.
    Malformed(Malformed),
    /// No request gathered enough signers.
    NoQuorum(ComputeNoQuorum),
    /// The winning request fails §12's request checks.
    InvalidRequest(RequestCheck),
}

impl ComputeError {
    /// The reason as the reference vectors name it: `invalid_config`,
    /// `malformed`, `no_quorum` or `invalid_request`.
    pub fn reason(&self) -> &'static str {
        match self {
            ComputeError::InvalidConfig(_) => "invalid_config",
            ComputeError::Malformed(_) => "malformed",
            ComputeError::NoQuorum(_) => "no_quorum",
            ComputeError::InvalidRequest(_) => "invalid_request",
        }
    }
}

impl fmt::Display for ComputeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ComputeError::InvalidConfig(e) => write!(f, "invalid configuration: {e}"),
            ComputeError::Malformed(e) => write!(f, "malformed batch: {e}"),
            ComputeError::NoQuorum(e) => write!(f, "no quorum: {e}"),
            ComputeError::InvalidRequest(e) => write!(f, "invalid request: {e}"),
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for ComputeError {}

impl From<ConfigError> for ComputeError {
    fn from(e: ConfigError) -> Self {
        ComputeError::InvalidConfig(e)
    }
}

impl From<Malformed> for ComputeError {
    fn from(e: Malformed) -> Self {
        ComputeError::Malformed(e)
    }
}

/// Diagnosis of a well-formed batch in which no request reached the
/// threshold.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ComputeNoQuorum {
    /// Signers needed.
    pub threshold: u32,
    /// The request with the most counted signers, and how many.
    pub leader: Option<(CanonicalHash, u32)>,
    /// How many distinct request hashes gathered a counted signer.
    pub distinct_hashes: u32,
    /// What happened to every entry.
    pub stats: ComputeStats,
}

impl fmt::Display for ComputeNoQuorum {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "no request reached {} signers ({} distinct hashes counted",
            self.threshold, self.distinct_hashes
        )?;
        if let Some((hash, n)) = self.leader {
            write!(f, "; best {hash}: {n}")?;
        }
        write!(f, "); {}", self.stats)
    }
}
