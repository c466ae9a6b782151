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

// DefaultVoteLifetime is §13's vote lifetime in seconds.
const DefaultVoteLifetime = C.RV_DEFAULT_VOTE_LIFETIME

// Reasons a vote is refused (PROTOCOL.md §13), besides ReasonMalformed and
// ReasonInvalidConfig.
const (
	ReasonUnknownSigner Reason = "unknown_signer"
	ReasonRetiredConfig Reason = "retired_config"
)

// Vote is what a vote taken did.
type Vote int32

// The three outcomes of a vote taken; a refused vote is a *VoteError.
const (
	// VoteApplied: F+1 current signers' live votes applied the proposed
	// config; it is in force now (swap the verifier: Verifier.LoadFrom).
	VoteApplied Vote = C.RV_VOTE_APPLIED
	// VoteCollected: recorded; Collected of Required live votes.
	VoteCollected Vote = C.RV_VOTE_COLLECTED
	// VoteAlreadyCurrent: the proposal is the config in force; nothing
	// recorded.
	VoteAlreadyCurrent Vote = C.RV_VOTE_ALREADY_CURRENT
)

// String is the name the vectors use ("applied", "collected",
// "already_current").
func (v Vote) String() string {
	return C.GoString(C.rv_vote_name(C.int32_t(v)))
}

// VoteOutcome is a vote taken.
type VoteOutcome struct {
	Vote Vote
	// Hash is the proposed config's §13 hash (for VoteAlreadyCurrent, the
	// config in force's).
	Hash [32]byte
	// UserData is, once applied, the attestation user data of the config
	// now in force.
	UserData [32]byte
	// Collected and Required: current signers with a live vote for it,
	// and F+1 of the config that was in force (applied, collected).
	Collected, Required int
	// Signers are, once applied, the keys whose live votes applied it, in
	// the replaced config's order.
	Signers [][KeyLen]byte
}

// VoteError is a refused vote. It is also a *VerifyError for errors.As
// and errors.Is (Reason, Status, HasOffset, Offset).
type VoteError struct {
	VerifyError
	// OffsetInConfig says that Offset is in the decoded proposed config,
	// not in the vote body.
	OffsetInConfig bool
	// HasHash says whether Hash is set: the proposed config's hash, for
	// ReasonRetiredConfig and ReasonInvalidConfig.
	HasHash bool
	Hash    [32]byte
}

func (e *VoteError) Error() string {
	msg := e.VerifyError.Error()
	if e.OffsetInConfig {
		msg += " (in the proposed config)"
	}
	return msg
}

// As lets errors.As find the *VerifyError inside.
func (e *VoteError) As(target any) bool {
	if t, ok := target.(**VerifyError); ok {
		*t = &e.VerifyError
		return true
	}
	return false
}

// RotationInfo is the config in force.
type RotationInfo struct {
	// Hash is its §13 hash; UserData its attestation user data.
	Hash     [32]byte
	UserData [32]byte
	// Signers in the order the config gives them (the order §13 hashes).
	Signers [][KeyLen]byte
	F, T    int
	// MasterPublicKey is opaque, as the config carries it.
	MasterPublicKey []byte
	// RetiredCount is how many retired config hashes are remembered
	// (at most 16); VoteLifetime the seconds a vote stays live.
	RetiredCount int
	VoteLifetime uint64
}

// Rotation is an enclave's §13 state: the config in force, one vote slot
// per signer and the recently retired configs. Its state lives in C memory
// (some 23 KiB with the vote's work room), freed by Close or a
// finalizer. It is safe for concurrent use; votes are taken one at a time.
type Rotation struct {
	mu sync.RWMutex
	// One C block: the rotation, the work room, the outcome.
	rot  *C.RvRotation
	work *C.RvVoteWork
	out  *C.RvVoteOutcome
}

// NewRotation loads the first config (JSON as Go writes an EnclaveConfig:
// {"signers":[base64…],"masterPublicKey":base64,"t":2,"f":1}) with votes
// live for voteLifetime seconds (DefaultVoteLifetime as §13 says).
// ReasonMalformed or ReasonInvalidConfig for a config §13 refuses.
func NewRotation(configJSON []byte, voteLifetime uint64) (*Rotation, error) {
	// All three sizes are multiples of 8 (each struct holds a u64), so
	// each part stays aligned.
	size := C.sizeof_RvRotation + C.sizeof_RvVoteWork + C.sizeof_RvVoteOutcome
	mem := C.calloc(1, C.size_t(size))
	if mem == nil {
		return nil, &VerifyError{Reason: ReasonInternal, Detail: "out of C memory"}
	}
	r := &Rotation{
		rot:  (*C.RvRotation)(mem),
		work: (*C.RvVoteWork)(unsafe.Add(mem, C.sizeof_RvRotation)),
		out:  (*C.RvVoteOutcome)(unsafe.Add(mem, C.sizeof_RvRotation+C.sizeof_RvVoteWork)),
	}
	status := C.rv_rotation_init(r.rot, bytesPtr(configJSON), C.size_t(len(configJSON)), C.uint64_t(voteLifetime))
	if status != C.RV_STATUS_OK {
		C.free(mem)
		return nil, statusError(int32(status), nil)
	}
	runtime.SetFinalizer(r, (*Rotation).Close)
	return r, nil
}

// Close frees the rotation's C memory. Calls after Close return
// ReasonNotInitialised. Closing twice is harmless.
func (r *Rotation) Close() error {
	if r == nil {
		return nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.rot != nil {
		C.free(unsafe.Pointer(r.rot))
		r.rot, r.work, r.out = nil, nil, nil
		runtime.SetFinalizer(r, nil)
	}
	return nil
}

func closedRotation(r *Rotation) error {
	detail := "rotation closed or never loaded"
	if r == nil {
		detail = "nil rotation"
	}
	return &VerifyError{Reason: ReasonNotInitialised, Status: C.RV_STATUS_NOT_INITIALISED, Detail: detail}
}

// TakeVote takes one vote body ({"config": base64, "signature": base64})
// at now (seconds, from a clock the enclave trusts): §13's steps. A
// refused vote is a *VoteError (ReasonMalformed with the offset,
// ReasonUnknownSigner, ReasonRetiredConfig, ReasonInvalidConfig) and
// records nothing. The body is not kept after the call.
func (r *Rotation) TakeVote(body []byte, now uint64) (*VoteOutcome, error) {
	if r == nil {
		return nil, closedRotation(r)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.rot == nil {
		return nil, closedRotation(r)
	}
	status := C.rv_rotation_vote(r.rot, r.work, bytesPtr(body), C.size_t(len(body)), C.uint64_t(now), r.out)
	o := r.out
	if status != C.RV_STATUS_OK {
		e := &VoteError{
			VerifyError:    *statusError(int32(status), nil),
			OffsetInConfig: bool(o.offset_in_config),
			HasHash:        bool(o.has_hash),
		}
		e.HasOffset, e.Offset = bool(o.has_offset), uint64(o.offset)
		copyHash(&e.Hash, &o.hash)
		return nil, e
	}
	v := &VoteOutcome{
		Vote:      Vote(o.vote),
		Collected: int(o.collected),
		Required:  int(o.required),
	}
	copyHash(&v.Hash, &o.hash)
	if v.Vote == VoteApplied {
		copyHash(&v.UserData, &o.user_data)
		for i := 0; i < int(o.signer_count) && i < len(o.signers); i++ {
			var k [KeyLen]byte
			for j := range k {
				k[j] = byte(o.signers[i][j])
			}
			v.Signers = append(v.Signers, k)
		}
	}
	return v, nil
}

func copyHash(dst *[32]byte, src *[32]C.uint8_t) {
	for i := range dst {
		dst[i] = byte(src[i])
	}
}

// Current reads the config in force.
func (r *Rotation) Current() (*RotationInfo, error) {
	if r == nil {
		return nil, closedRotation(r)
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	if r.rot == nil {
		return nil, closedRotation(r)
	}
	var in C.RvRotationInfo
	if status := C.rv_rotation_info(r.rot, &in); status != C.RV_STATUS_OK {
		return nil, statusError(int32(status), nil)
	}
	info := &RotationInfo{
		F:               int(in.f),
		T:               int(in.t),
		RetiredCount:    int(in.retired_count),
		VoteLifetime:    uint64(in.vote_lifetime),
		Signers:         make([][KeyLen]byte, int(in.signer_count)),
		MasterPublicKey: make([]byte, int(in.master_public_key_len)),
	}
	copyHash(&info.Hash, &in.hash)
	copyHash(&info.UserData, &in.user_data)
	for i := range info.Signers {
		status := C.rv_rotation_signer(r.rot, C.size_t(i), (*C.uint8_t)(unsafe.Pointer(&info.Signers[i][0])))
		if status != C.RV_STATUS_OK {
			return nil, statusError(int32(status), nil)
		}
	}
	var n C.size_t
	status := C.rv_rotation_master_public_key(r.rot, bytesPtr(info.MasterPublicKey),
		C.size_t(len(info.MasterPublicKey)), &n)
	if status != C.RV_STATUS_OK || int(n) != len(info.MasterPublicKey) {
		return nil, &VerifyError{Reason: ReasonInternal, Status: int32(status),
			Detail: fmt.Sprintf("master public key of %d bytes, read %d", len(info.MasterPublicKey), n)}
	}
	return info, nil
}

// Verifier is a new Verifier for the config in force (its signers, F+1):
// what an enclave starts with. After an applied vote, LoadFrom swaps an
// existing one in place.
func (r *Rotation) Verifier() (*Verifier, error) {
	state := (*C.RvVerifier)(C.calloc(1, C.sizeof_RvVerifier))
	if state == nil {
		return nil, &VerifyError{Reason: ReasonInternal, Detail: "out of C memory"}
	}
	if err := r.loadInto(state); err != nil {
		C.free(unsafe.Pointer(state))
		return nil, err
	}
	v := &Verifier{state: state}
	runtime.SetFinalizer(v, (*Verifier).Close)
	return v, nil
}

// loadInto runs rv_verifier_from_rotation under the rotation's read lock.
func (r *Rotation) loadInto(state *C.RvVerifier) error {
	if r == nil {
		return closedRotation(r)
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	if r.rot == nil {
		return closedRotation(r)
	}
	if status := C.rv_verifier_from_rotation(state, r.rot, 0); status != C.RV_STATUS_OK {
		return statusError(int32(status), nil)
	}
	return nil
}

// LoadFrom replaces v's signers and F with the rotation's config in force
// (after a VoteApplied). Calls in flight finish with the old set; on an
// error v keeps it.
func (v *Verifier) LoadFrom(r *Rotation) error {
	// Loaded aside first, so a failure leaves v as it was; a bytewise
	// copy of a loaded verifier is a loaded verifier (the ABI says so).
	fresh := (*C.RvVerifier)(C.calloc(1, C.sizeof_RvVerifier))
	if fresh == nil {
		return &VerifyError{Reason: ReasonInternal, Detail: "out of C memory"}
	}
	defer C.free(unsafe.Pointer(fresh))
	if err := r.loadInto(fresh); err != nil {
		return err
	}
	if v == nil {
		return &VerifyError{Reason: ReasonNotInitialised, Status: C.RV_STATUS_NOT_INITIALISED, Detail: "nil verifier"}
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.state == nil {
		return &VerifyError{Reason: ReasonNotInitialised, Status: C.RV_STATUS_NOT_INITIALISED,
			Detail: "verifier closed"}
	}
	C.memcpy(unsafe.Pointer(v.state), unsafe.Pointer(fresh), C.sizeof_RvVerifier)
	return nil
}
