package relayverifier

import "fmt"

// Reason names why a call refused, spelled as the reference vectors and
// the C ABI's rv_status_name spell it.
type Reason string

// The verifier's reasons (PROTOCOL.md): the input was judged and refused.
const (
	ReasonInvalidConfig  Reason = "invalid_config"
	ReasonInvalidParams  Reason = "invalid_params"
	ReasonMalformed      Reason = "malformed"
	ReasonNoQuorum       Reason = "no_quorum"
	ReasonInvalidRequest Reason = "invalid_request"
)

// The caller's mistakes and the boundary's own failures: the input was not
// judged.
const (
	ReasonInvalidArgument Reason = "invalid_argument"
	ReasonNotInitialised  Reason = "not_initialised"
	ReasonInternal        Reason = "internal"
	ReasonBufferTooSmall  Reason = "buffer_too_small"
)

// VerifyError is every error this package returns: why the input was
// refused, where a malformed input broke, and what happened to the
// candidate signatures. Use errors.As to read it.
type VerifyError struct {
	// Reason is why.
	Reason Reason
	// Status is the C ABI's status code behind Reason (0 when the
	// refusal came from this package before any call).
	Status int32
	// HasOffset says whether Offset is set: for a malformed body (or
	// unreadable parameters), the byte offset of the problem.
	HasOffset bool
	Offset    uint64
	// Stats counts the candidate signatures for a body that reached no
	// quorum (zero otherwise).
	Stats Stats
	// Detail is a note from this package (empty for the library's
	// refusals).
	Detail string
}

func (e *VerifyError) Error() string {
	msg := "relayverifier: " + string(e.Reason)
	if e.HasOffset {
		msg += fmt.Sprintf(" at byte %d", e.Offset)
	}
	if e.Reason == ReasonNoQuorum {
		msg += fmt.Sprintf(" (%d candidates, %d verified, %d counted, %d skipped)",
			e.Stats.Candidates, e.Stats.Verifications, e.Stats.Counted, e.Stats.Skipped)
	}
	if e.Detail != "" {
		msg += ": " + e.Detail
	}
	return msg
}

// Is matches another *VerifyError with the same Reason, so that
// errors.Is(err, &VerifyError{Reason: ReasonNoQuorum}) works.
func (e *VerifyError) Is(target error) bool {
	t, ok := target.(*VerifyError)
	return ok && t.Reason == e.Reason
}

// Stats is what happened to the candidate signatures of one body.
type Stats struct {
	// Responses read (entries, for a compute batch).
	Responses uint64
	// Candidate signatures seen.
	Candidates uint64
	// Ed25519 verifications performed.
	Verifications uint64
	// Candidates counted towards a result.
	Counted uint64
	// Candidates skipped (missing, undecodable, unknown signer, repeated,
	// equivocating, invalid, over capacity).
	Skipped uint64
}
