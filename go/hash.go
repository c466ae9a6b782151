package relayverifier

// #include "relay_verifier.h"
import "C"

import "unsafe"

// The hashes the protocol signs, read by the same code the verifier uses:
// what a relay or Workflow node written in Go signs, and what an enclave
// attests for a config.

// Signed is a hash and the bytes a signer signs for it.
type Signed struct {
	Hash [32]byte
	// Payload is the exact byte string an ed25519 signature covers.
	Payload []byte
}

// CanonicalHash is a logical result's canonical hash for request
// parameters (PROTOCOL.md §4–§5) and the payload a relay node signs.
// ReasonInvalidParams or ReasonMalformed for text the verifier refuses.
func CanonicalHash(method Method, paramsJSON, resultJSON []byte) (*Signed, error) {
	s := &Signed{Payload: make([]byte, C.RV_SIGNATURE_PAYLOAD_LEN)}
	status := C.rv_canonical_hash(C.uint32_t(method), bytesPtr(paramsJSON), C.size_t(len(paramsJSON)),
		bytesPtr(resultJSON), C.size_t(len(resultJSON)), hashPtr(&s.Hash), bytesPtr(s.Payload))
	if status != C.RV_STATUS_OK {
		return nil, statusError(int32(status), nil)
	}
	return s, nil
}

// ComputeRequestHash is a compute request's hash (§12; one ComputeRequest
// as JSON) and the payload a Workflow node signs.
func ComputeRequestHash(requestJSON []byte) (*Signed, error) {
	s := &Signed{Payload: make([]byte, C.RV_COMPUTE_SIGNATURE_PAYLOAD_LEN)}
	status := C.rv_compute_request_hash(bytesPtr(requestJSON), C.size_t(len(requestJSON)),
		hashPtr(&s.Hash), bytesPtr(s.Payload))
	if status != C.RV_STATUS_OK {
		return nil, statusError(int32(status), nil)
	}
	return s, nil
}

// ConfigHash is an enclave config's §13 hash (an EnclaveConfig as Go
// writes it), the payload a vote for it signs, and the attestation user
// data once it is applied.
func ConfigHash(configJSON []byte) (s *Signed, userData [32]byte, err error) {
	s = &Signed{Payload: make([]byte, C.RV_CONFIG_SIGNATURE_PAYLOAD_LEN)}
	status := C.rv_config_hash(bytesPtr(configJSON), C.size_t(len(configJSON)),
		hashPtr(&s.Hash), bytesPtr(s.Payload), hashPtr(&userData))
	if status != C.RV_STATUS_OK {
		return nil, userData, statusError(int32(status), nil)
	}
	return s, userData, nil
}

func hashPtr(h *[32]byte) *C.uint8_t {
	return (*C.uint8_t)(unsafe.Pointer(&h[0]))
}
