//! PROTOCOL.md §7 rule 2: which candidate signatures of a response count,
//! and at what cost. A configured signer's first candidate in a response is
//! its one try there (so a faulty response costs at most N verifications);
//! the tally ([`super::quorum`]) says whether a verification is needed and
//! records the vote.

use base64::Engine as _;

use crate::leaf::{CanonicalHash, SkipCause, VerifyStats};
use crate::message::envelope::Candidate;
use crate::read::Text;

use super::config::{SignerIndex, SignerSet};
use super::quorum::{Admission, Counted, QuorumTally, SignerMask};

/// The two hashes of one response (PROTOCOL.md §11): the hash its
/// signatures are verified over, and the hash its votes are counted under.
/// They differ only for a capability result carrying a consensus report.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ResponseHashes {
    pub signature: CanonicalHash,
    pub group: CanonicalHash,
}

/// Rule 2's memory within one response: the configured signers tried, and
/// the last `signer` text decoded (an honest response names its signer
/// twice, and junk names an unknown one twice).
#[derive(Default)]
pub(crate) struct Tried<'a> {
    signers: SignerMask,
    last_label: Option<Label<'a>>,
}

/// A `signer` text and what it decodes to: the key and its position in
/// the set, or why it names no key.
#[derive(Clone, Copy)]
struct Label<'a> {
    raw: &'a [u8],
    named: Named,
}

type Named = Result<([u8; 32], Option<SignerIndex>), SkipCause>;

impl<'a> Tried<'a> {
    /// The key `text` names and its position in `set`. A shortcut: the
    /// same text as the last one is the same key, so it is decoded once;
    /// [`name`] is the plain path, and the answer is the same.
    fn name(&mut self, text: &Text<'a>, set: &SignerSet) -> Named {
        match self.last_label {
            Some(last) if last.raw == text.raw() => last.named,
            _ => {
                let named = name(text, set);
                self.last_label = Some(Label {
                    raw: text.raw(),
                    named,
                });
                named
            }
        }
    }
}

/// The key `text` names (padded base64 of 32 bytes) and its position in
/// `set`, if configured.
fn name(text: &Text<'_>, set: &SignerSet) -> Named {
    decode_exact(text).map(|key| (key, set.index_of(&key)))
}

/// Counts the votes of one verification: the signer set, the tally, the
/// counters, and the signature check (one ed25519 verification, or a
/// batch collector).
pub(crate) struct VoteCounter<'s, 't, C> {
    pub set: &'s SignerSet,
    pub tally: QuorumTally<'t>,
    pub stats: VerifyStats,
    pub check: C,
}

impl<C> VoteCounter<'_, '_, C>
where
    C: FnMut(&[u8; 32], &[u8; 64], &CanonicalHash) -> bool,
{
    /// One candidate of the response at `index` (its result at
    /// `result_at`): label-driven, one verification at most. `Ok` when it
    /// counted; `label` receives the signer it names once that decodes.
    /// `hashes` gives the response's hashes, computed on first need.
    pub(crate) fn candidate<'a>(
        &mut self,
        c: Candidate<'a>,
        hashes: &mut impl FnMut() -> Result<ResponseHashes, SkipCause>,
        tried: &mut Tried<'a>,
        (index, result_at): (usize, Option<usize>),
        label: &mut Option<[u8; 32]>,
    ) -> Result<(), SkipCause> {
        let text = c.signer.ok_or(SkipCause::Missing)?;
        let (signer, who) = tried.name(&text, self.set)?;
        *label = Some(signer);
        let who = who.ok_or(SkipCause::UnknownSigner)?;
        if tried.signers.contains(who) {
            return Err(SkipCause::RepeatedSigner);
        }
        tried.signers.insert(who);
        let signature: [u8; 64] = decode_exact(&c.signature.ok_or(SkipCause::Missing)?)?;
        let hashes = hashes()?;
        // §11: votes are grouped by the group hash, signatures are checked
        // over the hash of the result as sent.
        match self.tally.admit(who, &hashes.group) {
            Admission::Verify => {}
            Admission::AlreadyCounted => return Err(SkipCause::AlreadyCounted),
            Admission::Equivocator => return Err(SkipCause::Equivocation),
        }
        self.stats.verifications = self.stats.verifications.saturating_add(1);
        if !(self.check)(&signer, &signature, &hashes.signature) {
            return Err(SkipCause::InvalidSignature);
        }
        match self.tally.count(who, &hashes.group, index, result_at) {
            Counted::Yes => {
                self.stats.counted = self.stats.counted.saturating_add(1);
                Ok(())
            }
            Counted::No => Err(SkipCause::AlreadyCounted),
            Counted::Equivocation(withdrawn) => {
                // Votes counted earlier move to `equivocation`, so that
                // candidates = counted + skipped still holds.
                self.stats.withdraw(withdrawn);
                Err(SkipCause::Equivocation)
            }
        }
    }
}

/// Decodes padded base64 text into exactly `N` bytes.
pub(crate) fn decode_exact<const N: usize>(text: &Text<'_>) -> Result<[u8; N], SkipCause> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn set() -> SignerSet {
        let keys: std::vec::Vec<[u8; 32]> = (1..=4u8)
            .map(|i| {
                ed25519_compact::KeyPair::from_seed(ed25519_compact::Seed::new([i; 32]))
                    .pk
                    .as_ref()
                    .try_into()
                    .unwrap()
            })
            .collect();
        SignerSet::new(&keys).unwrap()
    }

    proptest! {
        /// Any sequence of labels (configured keys, unknown keys, junk,
        /// repeats): the repeated-label shortcut names what decoding each
        /// label alone names.
        #[test]
        fn label_shortcut_names_what_decoding_names(picks in proptest::collection::vec(0..8usize, 1..24)) {
            let set = set();
            let labels: std::vec::Vec<std::string::String> = (0..8)
                .map(|i| match i {
                    0..=3 => base64::engine::general_purpose::STANDARD.encode(set.keys()[i]),
                    4 => base64::engine::general_purpose::STANDARD.encode([9u8; 32]),
                    5 => "not base64!".into(),
                    6 => "AAAA".into(),
                    _ => std::string::String::new(),
                })
                .collect();
            let mut tried = Tried::default();
            for &p in &picks {
                let text = Text::new(&labels[p]);
                prop_assert_eq!(tried.name(&text, &set), name(&text, &set));
            }
        }
    }
}
