package relayverifier

// #include <stdlib.h>
// #include "relay_verifier.h"
import "C"

import (
	"unsafe"
)

// Result is a relay body that F+1 distinct configured signers signed for
// the enclave's own request parameters.
type Result struct {
	// Hash is the winning canonical hash (for a consensus report, the
	// group hash of PROTOCOL.md §11).
	Hash [32]byte
	// Signers are the keys counted for it, sorted bytewise.
	Signers [][KeyLen]byte
	// Index is, for a bundle, the index of the first response of the
	// winning result that carried a counted signature; -1 for a single
	// response.
	Index int
	// Stats is what happened to every candidate signature.
	Stats Stats
	// Report is the §11 hand-out when the verified capability result
	// carries a consensus report (nil otherwise): forward its Payload,
	// never one node's bytes.
	Report *Report
}

// Report is what PROTOCOL.md §11 hands out for a verified consensus
// report: the payload rebuilt from the report the quorum attested with
// every counted response's OCR signatures merged, and the report's fields.
type Report struct {
	// Payload is the base64 text to forward in place of the result's
	// payload.
	Payload string
	// Merged are the merged OCR signatures, most carried first.
	Merged []MergedSignature
	// Counted is the number of counted responses whose signatures were
	// merged.
	Counted int
	SeqNr   uint64
	// ConfigDigest, ReportContext and RawReport are the report's fields.
	ConfigDigest  []byte
	ReportContext []byte
	RawReport     []byte
	// Error is the result's error text the signers attested (usually
	// empty).
	Error string
}

// MergedSignature is one (signer_id, signature) OCR pair of a handed-out
// report and how many counted responses carry it: F+1 or more means an
// honest node carried it. The chain, not this package, verifies it.
type MergedSignature struct {
	SignerID  uint32
	Carriers  uint32
	Signature []byte
}

// ComputeResult is a §12 batch whose winning compute request F+1 distinct
// configured signers signed.
type ComputeResult struct {
	// Hash is the winning request hash.
	Hash [32]byte
	// Signers are the keys counted for it, sorted bytewise.
	Signers [][KeyLen]byte
	// Index is the batch entry whose request to execute.
	Index int
	// Stats counts entries (Responses) and candidate signatures.
	Stats Stats
}

// Verify checks the gateway's body against the enclave's own request
// parameters (paramsJSON, the JSON text the enclave sent) for method. A
// refusal is a *VerifyError. Neither slice is kept after the call.
func (v *Verifier) Verify(method Method, paramsJSON, body []byte) (*Result, error) {
	state, err := v.lock()
	if err != nil {
		return nil, err
	}
	defer v.mu.RUnlock()
	if method == CapabilityExecute {
		return verifyCapability(state, paramsJSON, body)
	}
	var o C.RvOutcome
	status := C.rv_verify(state, C.uint32_t(method), bytesPtr(paramsJSON), C.size_t(len(paramsJSON)),
		bytesPtr(body), C.size_t(len(body)), &o)
	if status != C.RV_STATUS_OK {
		return nil, statusError(int32(status), &o)
	}
	return accepted(state, &o), nil
}

// Buffers the report door writes into, in C memory because RvReportOut
// carries pointers to them (cgo lets C see Go memory only when it holds no
// Go pointers). Big enough for the reports seen; grown on demand.
const (
	defaultWork    = 16 << 10
	defaultPayload = 8 << 10
	defaultMerged  = 64
)

// verifyCapability runs the report door, which verifies exactly as
// rv_verify does and also hands out a report when the result is one.
func verifyCapability(state *C.RvVerifier, params, body []byte) (*Result, error) {
	work, payload, merged := defaultWork, defaultPayload, defaultMerged
	// At most three rounds: the first may learn the work size, the second
	// the payload and merged sizes.
	for round := 0; ; round++ {
		mergedBytes := merged * int(C.sizeof_RvMergedSignature)
		buf := C.malloc(C.size_t(work + payload + mergedBytes))
		if buf == nil {
			return nil, &VerifyError{Reason: ReasonInternal, Detail: "out of C memory"}
		}
		// merged first: it is the one that needs pointer alignment.
		mergedAt := buf
		payloadAt := unsafe.Add(buf, mergedBytes)
		workAt := unsafe.Add(payloadAt, payload)
		rep := C.RvReportOut{
			payload:     (*C.uint8_t)(payloadAt),
			payload_cap: C.size_t(payload),
			merged:      (*C.RvMergedSignature)(mergedAt),
			merged_cap:  C.size_t(merged),
		}
		var o C.RvOutcome
		status := C.rv_verify_report(state, bytesPtr(params), C.size_t(len(params)),
			bytesPtr(body), C.size_t(len(body)), (*C.uint8_t)(workAt), C.size_t(work), &rep, &o)
		switch {
		case status == C.RV_STATUS_OK:
			r := accepted(state, &o)
			if rep.is_report {
				r.Report = copyReport(&rep)
			}
			C.free(buf)
			return r, nil
		case status == C.RV_STATUS_BUFFER_TOO_SMALL && round < 3:
			C.free(buf)
			work = max(work, int(rep.work_needed))
			payload = max(payload, int(rep.payload_len))
			merged = max(merged, int(rep.merged_count))
		default:
			C.free(buf)
			return nil, statusError(int32(status), &o)
		}
	}
}

func max(a, b int) int {
	if a > b {
		return a
	}
	return b
}

// copyReport copies a hand-out out of C memory before it is freed.
func copyReport(rep *C.RvReportOut) *Report {
	r := &Report{
		Payload:       string(C.GoBytes(unsafe.Pointer(rep.payload), C.int(rep.payload_len))),
		Counted:       int(rep.counted_count),
		SeqNr:         uint64(rep.seq_nr),
		ConfigDigest:  cBytes(rep.config_digest, rep.config_digest_len),
		ReportContext: cBytes(rep.report_context, rep.report_context_len),
		RawReport:     cBytes(rep.raw_report, rep.raw_report_len),
		Error:         string(cBytes(rep.error, rep.error_len)),
	}
	merged := unsafe.Slice(rep.merged, int(rep.merged_count))
	for _, m := range merged {
		r.Merged = append(r.Merged, MergedSignature{
			SignerID:  uint32(m.signer_id),
			Carriers:  uint32(m.carriers),
			Signature: cBytes(m.signature, m.signature_len),
		})
	}
	return r
}

// cBytes copies n bytes of C memory (a non-nil, empty slice for none).
func cBytes(p *C.uint8_t, n C.size_t) []byte {
	if p == nil || n == 0 {
		return []byte{}
	}
	return C.GoBytes(unsafe.Pointer(p), C.int(n))
}

func accepted(state *C.RvVerifier, o *C.RvOutcome) *Result {
	r := &Result{
		Signers: signersOf(state, uint64(o.signer_mask)),
		Index:   int(o.index),
		Stats:   stats(&o.stats),
	}
	for i := range r.Hash {
		r.Hash[i] = byte(o.hash[i])
	}
	return r
}

// VerifyCompute checks a §12 batch of Workflow-DON-signed compute requests
// (the JSON array the host posts) against the verifier's signer set.
// ReasonInvalidRequest: the request that reached quorum fails §12's
// request checks. The body is not kept after the call.
func (v *Verifier) VerifyCompute(body []byte) (*ComputeResult, error) {
	state, err := v.lock()
	if err != nil {
		return nil, err
	}
	defer v.mu.RUnlock()
	var o C.RvOutcome
	status := C.rv_verify_compute(state, bytesPtr(body), C.size_t(len(body)), &o)
	if status != C.RV_STATUS_OK {
		return nil, statusError(int32(status), &o)
	}
	r := accepted(state, &o)
	return &ComputeResult{Hash: r.Hash, Signers: r.Signers, Index: r.Index, Stats: r.Stats}, nil
}
