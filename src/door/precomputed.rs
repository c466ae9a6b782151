//! Cheaper trial verification for §12 batches (feature `precomputed`).
//!
//! An entry's signature `(R, s)` is tried against up to N keys, and the
//! cofactored equation `[8]([s]B − R − [k]A) = 0` splits in two: `[s]B − R`
//! is the same for every key (once per entry), only `[k]A` differs, with
//! `k = SHA-512(R ‖ A ‖ M)`. With a fixed-base table for every configured
//! key (built once per configuration, 30 KiB a key), `[k]A` costs 64
//! table additions instead of a 253-doubling double-scalar multiplication,
//! and no key or `R` is decompressed per trial.
//!
//! The checks are `ed25519-compact`'s, in the same order of meaning: `s`
//! canonical, `R` a canonical encoding of a point that is not of small
//! order, the cofactored equation. Every trial therefore decides as a full
//! verification would (tested against it, edge cases included).

use std::boxed::Box;
use std::vec::Vec;

use curve25519_dalek::edwards::{CompressedEdwardsY, EdwardsBasepointTable, EdwardsPoint};
use curve25519_dalek::scalar::Scalar;
use curve25519_dalek::traits::BasepointTable;
use sha2::{Digest, Sha512};

use crate::door::compute::{ComputeVerdict, EntryTrace};
use crate::door::verifier::Verifier;
use crate::leaf::CanonicalHash;
use crate::leaf::COMPUTE_SIGNATURE_PAYLOAD_LEN;
use crate::trust::config::{Config, SignerIndex};
use crate::trust::trial::KeyTrial;

/// Fixed-base tables of a configuration's keys, for
/// [`Verifier::verify_compute_precomputed`] (allocates ~30 KiB a key).
pub struct PrecomputedKeys {
    keys: Vec<[u8; 32]>,
    tables: Vec<Box<EdwardsBasepointTable>>,
}

impl PrecomputedKeys {
    /// Tables for every key of `config`'s signer set, in set order.
    pub fn new(config: &Config) -> Self {
        let keys: Vec<[u8; 32]> = config.signers().keys().to_vec();
        // Keys were validated when the set was loaded: each decompresses.
        let tables = keys
            .iter()
            .filter_map(|k| CompressedEdwardsY(*k).decompress())
            .map(|a| Box::new(EdwardsBasepointTable::create(&a)))
            .collect();
        PrecomputedKeys { keys, tables }
    }

    fn matches(&self, config: &Config) -> bool {
        self.keys.as_slice() == config.signers().keys() && self.tables.len() == self.keys.len()
    }
}

impl core::fmt::Debug for PrecomputedKeys {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("PrecomputedKeys")
            .field("keys", &self.keys.len())
            .finish_non_exhaustive()
    }
}

/// One entry's signature, prepared: `[s]B − R` and what `k` hashes.
struct TableTrial<'k> {
    keys: &'k PrecomputedKeys,
    r: [u8; 32],
    s_b_minus_r: EdwardsPoint,
    payload: [u8; COMPUTE_SIGNATURE_PAYLOAD_LEN],
}

impl KeyTrial for TableTrial<'_> {
    fn prepare(&mut self, signature: &[u8; 64], hash: &CanonicalHash) -> bool {
        let (r, s) = signature.split_at(32);
        let (Ok(r), Ok(s)) = (<[u8; 32]>::try_from(r), <[u8; 32]>::try_from(s)) else {
            return false;
        };
        let Some(s) = Option::<Scalar>::from(Scalar::from_canonical_bytes(s)) else {
            return false;
        };
        if !canonical_y(&r) {
            return false;
        }
        let Some(r_point) = CompressedEdwardsY(r).decompress() else {
            return false;
        };
        if r_point.is_small_order() {
            return false;
        }
        self.r = r;
        self.s_b_minus_r = EdwardsPoint::mul_base(&s) - r_point;
        self.payload = hash.compute_signature_payload();
        true
    }

    fn verifies(&mut self, index: SignerIndex, key: &[u8; 32]) -> bool {
        let Some(table) = self.keys.tables.get(usize::from(index)) else {
            return false;
        };
        let mut h = Sha512::new();
        h.update(self.r);
        h.update(key);
        h.update(self.payload);
        let k = Scalar::from_bytes_mod_order_wide(&h.finalize().into());
        (self.s_b_minus_r - table.as_ref() * &k).is_small_order()
    }
}

/// Whether the 255-bit `y` of a point encoding is below p = 2^255 − 19
/// (`ed25519-compact` refuses the 19 non-canonical values; dalek would
/// reduce them).
fn canonical_y(encoding: &[u8; 32]) -> bool {
    let mut y = *encoding;
    if let Some(top) = y.last_mut() {
        *top &= 0x7f;
    }
    // y ≥ p exactly when bytes 1..31 are all ones (the top byte 0x7f) and
    // the low byte is at least 0xed.
    let (low, high) = y.split_at(1);
    let all_ones = high
        .iter()
        .enumerate()
        .all(|(i, &b)| b == if i + 1 == high.len() { 0x7f } else { 0xff });
    !(all_ones && low.first().is_some_and(|&b| b >= 0xed))
}

impl Verifier {
    /// [`Verifier::verify_compute`] with one trial cheaper than a full
    /// verification (same verdict, same counts): `keys` must be built from
    /// this verifier's configuration, else the plain trial is used.
    pub fn verify_compute_precomputed<'a>(
        &'a self,
        keys: &PrecomputedKeys,
        body: &'a [u8],
    ) -> ComputeVerdict<'a> {
        self.verify_compute_precomputed_traced(keys, body, |_| {})
    }

    /// [`Verifier::verify_compute_precomputed`], reporting every entry.
    pub fn verify_compute_precomputed_traced<'a>(
        &'a self,
        keys: &PrecomputedKeys,
        body: &'a [u8],
        trace: impl FnMut(EntryTrace),
    ) -> ComputeVerdict<'a> {
        if !keys.matches(self.config()) {
            return self.verify_compute_traced(body, trace);
        }
        let mut trial = TableTrial {
            keys,
            r: [0; 32],
            s_b_minus_r: EdwardsPoint::default(),
            payload: [0; COMPUTE_SIGNATURE_PAYLOAD_LEN],
        };
        self.verify_compute_with(body, trace, &mut trial)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trust::config::SignerSet;
    use ed25519_compact::{KeyPair, PublicKey, Seed, Signature};

    #[test]
    fn canonical_y_refuses_exactly_the_19_values_at_or_above_p() {
        let mut p = [0xffu8; 32];
        p[31] = 0x7f;
        p[0] = 0xec; // p − 1
        assert!(canonical_y(&p));
        p[31] = 0xff; // the sign bit does not count
        assert!(canonical_y(&p));
        for low in 0xed..=0xff {
            p[0] = low;
            assert!(!canonical_y(&p), "{low:#x}");
        }
        assert!(canonical_y(&[0; 32]));
    }

    /// Every trial decides as ed25519-compact's full verification does,
    /// on valid signatures and on their mutations (bit flips in R and s,
    /// s ≥ L, small-order and non-canonical R).
    #[test]
    fn a_trial_decides_as_a_full_verification() {
        let pairs: Vec<KeyPair> = (1..=5u8)
            .map(|i| KeyPair::from_seed(Seed::new([i; 32])))
            .collect();
        let keys: Vec<[u8; 32]> = pairs.iter().map(|p| *p.pk).collect();
        let config = Config::new(SignerSet::new(&keys).unwrap(), 1).unwrap();
        let pre = PrecomputedKeys::new(&config);
        let hash = CanonicalHash::from_bytes([7; 32]);
        let payload = hash.compute_signature_payload();
        let mut signatures = Vec::new();
        for p in &pairs {
            let good = *p.sk.sign(payload, None);
            signatures.push(good);
            for bit in [0usize, 9, 200, 255, 256, 300, 511] {
                let mut bad = good;
                bad[bit / 8] ^= 1 << (bit % 8);
                signatures.push(bad);
            }
            let mut big_s = good;
            big_s[63] |= 0xf0;
            signatures.push(big_s);
        }
        // Small-order R (the identity), and a non-canonical R.
        let mut identity_r = signatures[0];
        identity_r[..32].copy_from_slice(&{
            let mut y = [0u8; 32];
            y[0] = 1;
            y
        });
        signatures.push(identity_r);
        let mut high_r = signatures[0];
        high_r[..32].fill(0xff);
        high_r[31] = 0x7f;
        signatures.push(high_r);

        let mut valid = 0;
        for sig in &signatures {
            let mut trial = TableTrial {
                keys: &pre,
                r: [0; 32],
                s_b_minus_r: EdwardsPoint::default(),
                payload: [0; COMPUTE_SIGNATURE_PAYLOAD_LEN],
            };
            let prepared = trial.prepare(sig, &hash);
            for (i, key) in config.signers().keys().iter().enumerate() {
                let full = PublicKey::new(*key)
                    .verify(payload, &Signature::new(*sig))
                    .is_ok();
                let fast = prepared && trial.verifies(i as SignerIndex, key);
                assert_eq!(fast, full, "key {i}, signature {}", hex::encode(sig));
                valid += usize::from(full);
            }
        }
        assert_eq!(valid, pairs.len());
    }
}
