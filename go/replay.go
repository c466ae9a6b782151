package relayverifier

// #include <stdlib.h>
// #include "relay_verifier.h"
import "C"

import (
	"runtime"
	"sync"
	"unsafe"
)

// DefaultReplayLifetime is §14's entry lifetime in seconds (24 hours).
const DefaultReplayLifetime = C.RV_DEFAULT_REPLAY_LIFETIME

// ReplaySlotSize is the C memory one slot takes.
const ReplaySlotSize = C.RV_REPLAY_SLOT_SIZE

// Reasons the replay guard refuses (PROTOCOL.md §14).
const (
	// ReasonInProgress: Begin while a copy of the request is running.
	ReasonInProgress Reason = "in_progress"
	// ReasonExecuted: Begin of a request that ran within the lifetime (a
	// replay).
	ReasonExecuted Reason = "executed"
	// ReasonFull: Begin while the guard holds its capacity of live
	// entries.
	ReasonFull Reason = "full"
	// ReasonNotStarted: Finish or Abandon of a hash with no live
	// in-progress entry.
	ReasonNotStarted Reason = "not_started"
)

// ReplayGuard is §14's guard against running one verified compute request
// twice. Its slots live in C memory, because the C guard keeps a pointer
// to them between calls; Close (or a finalizer) frees them. It is safe for
// concurrent use; calls run one at a time.
type ReplayGuard struct {
	mu    sync.Mutex
	guard *C.RvReplayGuard // followed by the slots, in one C block
}

// NewReplayGuard makes a guard of slots slots holding at most capacity
// live entries (at most slots; twice as many slots as the capacity keeps
// each call O(1)), each live for lifetime seconds (DefaultReplayLifetime
// as §14 says). A live entry is never evicted: size the capacity for the
// peak executions per lifetime.
func NewReplayGuard(slots, capacity int, lifetime uint64) (*ReplayGuard, error) {
	if slots < 0 || capacity < 0 || slots > (1<<40)/ReplaySlotSize {
		return nil, &VerifyError{Reason: ReasonInvalidArgument, Status: C.RV_STATUS_INVALID_ARGUMENT,
			Detail: "negative or huge slot count or capacity"}
	}
	// The header holds u64s and a pointer: the slots (alignment 1) after it.
	mem := C.calloc(1, C.size_t(C.sizeof_RvReplayGuard+slots*ReplaySlotSize))
	if mem == nil {
		return nil, &VerifyError{Reason: ReasonInternal, Detail: "out of C memory"}
	}
	guard := (*C.RvReplayGuard)(mem)
	slotsAt := (*C.RvReplaySlot)(unsafe.Add(mem, C.sizeof_RvReplayGuard))
	status := C.rv_replay_init(guard, slotsAt, C.size_t(slots), C.size_t(capacity), C.uint64_t(lifetime))
	if status != C.RV_STATUS_OK {
		C.free(mem)
		return nil, statusError(int32(status), nil)
	}
	g := &ReplayGuard{guard: guard}
	runtime.SetFinalizer(g, (*ReplayGuard).Close)
	return g, nil
}

// Close frees the guard's C memory (and forgets every entry: an enclave
// that closes its guard should stop using its ephemeral key). Calls after
// Close return ReasonNotInitialised. Closing twice is harmless.
func (g *ReplayGuard) Close() error {
	if g == nil {
		return nil
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.guard != nil {
		C.free(unsafe.Pointer(g.guard))
		g.guard = nil
		runtime.SetFinalizer(g, nil)
	}
	return nil
}

// lock takes the guard's lock and returns its state, or an error (and no
// lock) once closed.
func (g *ReplayGuard) lock() (*C.RvReplayGuard, error) {
	if g == nil {
		return nil, &VerifyError{Reason: ReasonNotInitialised, Status: C.RV_STATUS_NOT_INITIALISED,
			Detail: "nil replay guard"}
	}
	g.mu.Lock()
	if g.guard == nil {
		g.mu.Unlock()
		return nil, &VerifyError{Reason: ReasonNotInitialised, Status: C.RV_STATUS_NOT_INITIALISED,
			Detail: "replay guard closed or never made"}
	}
	return g.guard, nil
}

// Begin verifies computeBatch with v as VerifyCompute does and begins the
// winning request at now: run the request at result.Index, then call
// Finish (it ran) or Abandon (it failed, may be retried) with result.Hash.
// A verified request that may not run now is ReasonExecuted (a replay),
// ReasonInProgress or ReasonFull, returned with the *ComputeResult of
// what was refused; a batch that fails verification is VerifyCompute's
// error and a nil result, and nothing is begun.
func (g *ReplayGuard) Begin(v *Verifier, computeBatch []byte, now uint64) (*ComputeResult, error) {
	state, err := v.lock()
	if err != nil {
		return nil, err
	}
	defer v.mu.RUnlock()
	guard, err := g.lock()
	if err != nil {
		return nil, err
	}
	defer g.mu.Unlock()
	var o C.RvOutcome
	status := C.rv_replay_begin(guard, state, bytesPtr(computeBatch), C.size_t(len(computeBatch)),
		C.uint64_t(now), &o)
	if !o.accepted {
		return nil, statusError(int32(status), &o)
	}
	r := accepted(state, &o)
	res := &ComputeResult{Hash: r.Hash, Signers: r.Signers, Index: r.Index, Stats: r.Stats}
	if status != C.RV_STATUS_OK {
		return res, statusError(int32(status), &o)
	}
	return res, nil
}

// Finish records that the request begun with hash ran (at now): a replay
// is refused for a lifetime from now. ReasonNotStarted when hash has no
// live in-progress entry (never begun, or expired).
func (g *ReplayGuard) Finish(hash [32]byte, now uint64) error {
	return g.byHash(hash, now, true)
}

// Abandon releases the request begun with hash after it failed, so it may
// be retried. Only the code that began it may call it. ReasonNotStarted
// as for Finish.
func (g *ReplayGuard) Abandon(hash [32]byte, now uint64) error {
	return g.byHash(hash, now, false)
}

func (g *ReplayGuard) byHash(hash [32]byte, now uint64, finish bool) error {
	guard, err := g.lock()
	if err != nil {
		return err
	}
	defer g.mu.Unlock()
	var status C.RvStatus
	if finish {
		status = C.rv_replay_finish(guard, hashPtr(&hash), C.uint64_t(now))
	} else {
		status = C.rv_replay_abandon(guard, hashPtr(&hash), C.uint64_t(now))
	}
	if status != C.RV_STATUS_OK {
		return statusError(int32(status), nil)
	}
	return nil
}
