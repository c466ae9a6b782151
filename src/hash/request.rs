//! The canonical hash of one compute request (PROTOCOL.md §12): what the
//! Workflow DON's nodes sign, over the fields as they stand in the body.

use crate::leaf::CanonicalHash;
use crate::message::params::ByteString;
use crate::message::request::ComputeRequest;

use super::Writer;

const TAG: &[u8] = b"\nComputeRequest\n";
/// The version whose requests hash `version` instead of `applicationRequestID`.
const LEGACY_VERSION: &str = "0.0.6";

impl ComputeRequest<'_> {
    /// The canonical hash of PROTOCOL.md §12 (what the nodes sign).
    pub fn hash(&self) -> CanonicalHash {
        let mut w = Writer::new(TAG);
        w.raw(self.request_id());
        w.byte_string(&ByteString::Base64(self.public_data()));
        let (ciphertexts, names) = self.counts();
        w.len(names);
        for name in self.ciphertext_names() {
            w.str(&name);
        }
        w.len(ciphertexts);
        for ciphertext in self.ciphertexts() {
            w.byte_string(&ByteString::Base64(ciphertext));
        }
        w.byte_string(&ByteString::Base64(self.enclave_ephemeral_public_key()));
        w.byte_string(&ByteString::Base64(self.master_public_key()));
        w.str(&self.app_id());
        let version = self.version();
        if version == LEGACY_VERSION {
            w.str(&version);
        } else {
            w.str(&self.application_request_id());
        }
        w.finish()
    }
}
