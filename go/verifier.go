package relayverifier

// #include <stdlib.h>
// #include <string.h>
// #include "relay_verifier.h"
import "C"

import (
	"fmt"
	"runtime"
	"sync"
	"unsafe"
)

// KeyLen is the length of an ed25519 public key.
const KeyLen = C.RV_KEY_LEN

// MaxSigners is the most keys a Verifier holds.
const MaxSigners = C.RV_MAX_SIGNERS

// Method is the request a relay body answers (PROTOCOL.md §2).
type Method uint32

// The two methods.
const (
	SecretsGet        Method = C.RV_METHOD_SECRETS_GET
	CapabilityExecute Method = C.RV_METHOD_CAPABILITY_EXECUTE
)

// ParseMethod reads a method's wire name ("confidential.secrets.get",
// "confidential.capability.execute").
func ParseMethod(name string) (Method, error) {
	switch name {
	case "confidential.secrets.get":
		return SecretsGet, nil
	case "confidential.capability.execute":
		return CapabilityExecute, nil
	}
	return 0, &VerifyError{Reason: ReasonInvalidArgument, Detail: "unknown method " + name}
}

func (m Method) String() string {
	switch m {
	case SecretsGet:
		return "confidential.secrets.get"
	case CapabilityExecute:
		return "confidential.capability.execute"
	}
	return fmt.Sprintf("Method(%d)", uint32(m))
}

// Verifier holds a relay (or Workflow) DON's signer set and fault bound F.
// It is safe for concurrent use. Its state lives in C memory, never moved
// by Go's collector and freed by Close (or a finalizer when forgotten);
// Go memory is lent to the library only for the length of a call.
type Verifier struct {
	// mu lets calls run together but never while Close frees the state.
	mu    sync.RWMutex
	state *C.RvVerifier
}

// NewVerifier loads keys (32-byte ed25519 public keys, any order) and F:
// a result is accepted when F+1 distinct keys signed it. An unusable
// configuration (F = 0, fewer than F+1 keys, repeated, weak or
// invalid keys, more than MaxSigners) is a *VerifyError with
// ReasonInvalidConfig.
func NewVerifier(keys [][]byte, f int) (*Verifier, error) {
	return NewVerifierThreshold(keys, f, 0)
}

// NewVerifierThreshold is NewVerifier with a stricter threshold (for
// example 2F+1); 0 means F+1.
func NewVerifierThreshold(keys [][]byte, f, threshold int) (*Verifier, error) {
	if f < 0 || threshold < 0 {
		return nil, &VerifyError{Reason: ReasonInvalidConfig, Detail: "negative F or threshold"}
	}
	if len(keys) > MaxSigners {
		return nil, &VerifyError{Reason: ReasonInvalidConfig,
			Detail: fmt.Sprintf("%d keys, at most %d", len(keys), MaxSigners)}
	}
	flat := make([]byte, 0, len(keys)*KeyLen)
	for i, k := range keys {
		if len(k) != KeyLen {
			return nil, &VerifyError{Reason: ReasonInvalidConfig,
				Detail: fmt.Sprintf("key %d is %d bytes, not %d", i, len(k), KeyLen)}
		}
		flat = append(flat, k...)
	}
	// calloc: the ABI wants zeroed storage before the first init.
	state := (*C.RvVerifier)(C.calloc(1, C.sizeof_RvVerifier))
	if state == nil {
		return nil, &VerifyError{Reason: ReasonInternal, Detail: "out of C memory"}
	}
	status := C.rv_verifier_init(state, bytesPtr(flat), C.size_t(len(keys)), C.size_t(f), C.size_t(threshold))
	if status != C.RV_STATUS_OK {
		C.free(unsafe.Pointer(state))
		return nil, statusError(int32(status), nil)
	}
	v := &Verifier{state: state}
	runtime.SetFinalizer(v, (*Verifier).Close)
	return v, nil
}

// Close frees the verifier's C memory. Calls after Close return a
// *VerifyError with ReasonNotInitialised. Closing twice is harmless.
func (v *Verifier) Close() error {
	if v == nil {
		return nil
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.state != nil {
		C.free(unsafe.Pointer(v.state))
		v.state = nil
		runtime.SetFinalizer(v, nil)
	}
	return nil
}

// Signers returns the loaded keys sorted bytewise: the order Result.Signers
// and the counted signer masks use. Nil once closed.
func (v *Verifier) Signers() [][KeyLen]byte {
	if v == nil {
		return nil
	}
	v.mu.RLock()
	defer v.mu.RUnlock()
	if v.state == nil {
		return nil
	}
	n := int(C.rv_verifier_signer_count(v.state))
	keys := make([][KeyLen]byte, n)
	for i := range keys {
		C.rv_verifier_signer(v.state, C.size_t(i), (*C.uint8_t)(unsafe.Pointer(&keys[i][0])))
	}
	return keys
}

// lock takes the read lock and returns the state, or an error once
// closed (or for a nil or zero Verifier, which was never loaded).
func (v *Verifier) lock() (*C.RvVerifier, error) {
	if v == nil {
		return nil, &VerifyError{Reason: ReasonNotInitialised, Status: C.RV_STATUS_NOT_INITIALISED,
			Detail: "nil verifier"}
	}
	v.mu.RLock()
	if v.state == nil {
		v.mu.RUnlock()
		return nil, &VerifyError{Reason: ReasonNotInitialised, Status: C.RV_STATUS_NOT_INITIALISED,
			Detail: "verifier closed or never loaded"}
	}
	return v.state, nil
}

// bytesPtr is the address of b's first byte, nil for an empty slice (the
// ABI reads a null pointer with length 0 as an empty buffer). The bytes
// hold no Go pointers, so cgo may lend them for one call.
func bytesPtr(b []byte) *C.uint8_t {
	if len(b) == 0 {
		return nil
	}
	return (*C.uint8_t)(unsafe.Pointer(&b[0]))
}

// StatusName is the C ABI's name for a status code (rv_status_name).
func StatusName(status int32) string {
	return C.GoString(C.rv_status_name(C.int32_t(status)))
}

// statusError turns a refusal into a *VerifyError, with the offset and
// statistics the outcome carries when there is one.
func statusError(status int32, o *C.RvOutcome) *VerifyError {
	e := &VerifyError{Reason: Reason(StatusName(status)), Status: status}
	if o != nil {
		e.HasOffset = bool(o.has_offset)
		e.Offset = uint64(o.offset)
		e.Stats = stats(&o.stats)
	}
	return e
}

func stats(s *C.RvStats) Stats {
	return Stats{
		Responses:     uint64(s.responses),
		Candidates:    uint64(s.candidates),
		Verifications: uint64(s.verifications),
		Counted:       uint64(s.counted),
		Skipped:       uint64(s.skipped),
	}
}

// signersOf lists the keys of a signer mask, bit i naming the i-th sorted
// key.
func signersOf(state *C.RvVerifier, mask uint64) [][KeyLen]byte {
	var keys [][KeyLen]byte
	for i := 0; i < 64; i++ {
		if mask&(1<<uint(i)) == 0 {
			continue
		}
		var k [KeyLen]byte
		if C.rv_verifier_signer(state, C.size_t(i), (*C.uint8_t)(unsafe.Pointer(&k[0]))) == C.RV_STATUS_OK {
			keys = append(keys, k)
		}
	}
	return keys
}
