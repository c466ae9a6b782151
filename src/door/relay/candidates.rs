//! The relay door's candidate loop: every candidate signature of one
//! response, in order, handed to the rule-2 counter
//! ([`crate::trust::candidate`]) with the response's hashes computed on
//! first need (by the [`ResponseHasher`] shortcut, or the plain path), and
//! traced.

use crate::hash::ResponseHasher;
use crate::leaf::{CandidateTrace, CanonicalHash, Malformed, SkipCause};
use crate::message::envelope;
use crate::message::workspace::{OverCapacity, Scratch};
use crate::trust::candidate::{ResponseHashes, Tried};

use super::walk::{ResultRead, Run, Shortcuts};

impl<'a, T, C> Run<'a, '_, '_, T, C>
where
    T: FnMut(CandidateTrace),
    C: FnMut(&[u8; 32], &[u8; 64], &CanonicalHash) -> bool,
{
    /// PROTOCOL.md §7 rule 2 for the candidates of one response.
    #[inline(never)]
    pub(super) fn candidates(
        &mut self,
        response: &envelope::Response<'a>,
        (read, is_last): ResultRead<'a>,
        index: usize,
        depth: usize,
        scratch: &mut Scratch<'_>,
        hasher: &mut ResponseHasher<'a>,
    ) -> Result<(), Malformed> {
        let doc = self.body;
        let mut hashes: Option<ResponseHashes> = None;
        let result_at = response.result_at;
        let params = self.params;
        let shortcuts = self.shortcuts;
        let mut tried = Tried::default();
        response.for_each_candidate(depth, &mut |c| {
            let votes = &mut self.votes;
            votes.stats.candidates = votes.stats.candidates.saturating_add(1);
            let mut signer = None;
            let mut hashes_of_response = || match read {
                Ok(r) => Ok(*hashes.get_or_insert_with(|| {
                    let (signature, group) = match shortcuts {
                        Shortcuts::Taken => hasher.hashes(params, doc, &r, scratch),
                        #[cfg(feature = "fuzzing")]
                        Shortcuts::Skipped => plain_hashes(params, doc, &r, scratch),
                    };
                    ResponseHashes { signature, group }
                })),
                Err(OverCapacity) => Err(SkipCause::OverCapacity),
            };
            let outcome = votes.candidate(
                c,
                &mut hashes_of_response,
                &mut tried,
                (index, result_at),
                &mut signer,
            );
            if let Err(cause) = outcome {
                votes.stats.skip(cause);
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
}

/// The plain path [`ResponseHasher`] stands in for: a response's two
/// hashes, each computed alone. Out of line: its frame stays off the
/// shortcut's path.
#[cfg(feature = "fuzzing")]
#[inline(never)]
fn plain_hashes(
    params: &crate::message::params::RequestParams<'_>,
    doc: &[u8],
    read: &crate::hash::ReadResult<'_>,
    scratch: &mut Scratch<'_>,
) -> (CanonicalHash, CanonicalHash) {
    let signature = crate::hash::hash_read(params, doc, read, scratch);
    let group = crate::hash::group_hash(params, read).unwrap_or(signature);
    (signature, group)
}
