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
	// Capability is a capability request's verified result, exactly as
	// the counted signers signed it; nil for secrets and for a consensus
	// report, which comes as Report instead.
	Capability *Capability
	// Report is the §11 hand-out when the verified capability result
	// carries a consensus report (nil otherwise): forward its Payload,
	// never one node's bytes.
	Report *Report
	// Secrets are a secrets request's requested secrets in request order
	// (each distinct identifier once), after PROTOCOL.md §9's check;
	// a requested secret the result lacks has Present false.
	Secrets []Secret
}

// Capability is a verified capability result.
type Capability struct {
	// Payload is the capability's answer (base64 text, as signed).
	Payload string
	// Error is the capability's error text.
	Error string
}

// Secret is one requested secret and, when present, its verified entry.
type Secret struct {
	Key       string
	Namespace string
	Present   bool
	// Ciphertext is base64 text, as signed.
	Ciphertext string
	// EncryptedShares are sorted bytewise (the order the hash covers).
	EncryptedShares []string
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
// parameters (paramsJSON, the JSON text the enclave sent) for method and
// returns the verified result with its content. A refusal is a
// *VerifyError and a nil *Result — except when the quorum signed secrets
// that fail §9's check (ReasonUnexpectedSecret, ReasonDuplicateSecret):
// then the *Result says who signed what, with no Secrets, and must not be
// used. Neither slice is kept after the call.
func (v *Verifier) Verify(method Method, paramsJSON, body []byte) (*Result, error) {
	state, err := v.lock()
	if err != nil {
		return nil, err
	}
	defer v.mu.RUnlock()
	if method == CapabilityExecute {
		// One verification whether or not the result is a report.
		return verifyCapability(state, paramsJSON, body)
	}
	r, _, err := verifyContent(state, method, paramsJSON, body)
	return r, err
}

// Reasons beyond the verifier's four: §9's check of verified secrets.
const (
	ReasonUnexpectedSecret Reason = "unexpected_secret"
	ReasonDuplicateSecret  Reason = "duplicate_secret"
)

// Sizes of the content door's first try; it says what it needs when
// they are short, and the call is repeated once with that.
const (
	defaultText    = 16 << 10
	defaultSecrets = 16
	defaultShares  = 128
)

// verifyContent runs the content door: the verdict and the verified
// result's payload or secrets, decoded into C buffers and copied out.
func verifyContent(state *C.RvVerifier, method Method, params, body []byte) (*Result, C.uint32_t, error) {
	// Decoded text is never longer than the text it comes from (the body,
	// and the parameters for the identifiers), so no retry for text.
	text, secrets, shares := max(defaultText, len(body)+len(params)), defaultSecrets, defaultShares
	for round := 0; ; round++ {
		secretBytes := secrets * int(C.sizeof_RvSecret)
		shareBytes := shares * int(C.sizeof_RvSpan)
		buf := C.malloc(C.size_t(secretBytes + shareBytes + text))
		if buf == nil {
			return nil, 0, &VerifyError{Reason: ReasonInternal, Detail: "out of C memory"}
		}
		// The arrays of word-aligned structs first, the text last.
		content := C.RvContentOut{
			secrets:     (*C.RvSecret)(buf),
			secrets_cap: C.size_t(secrets),
			shares:      (*C.RvSpan)(unsafe.Add(buf, secretBytes)),
			shares_cap:  C.size_t(shares),
			text:        (*C.uint8_t)(unsafe.Add(buf, secretBytes+shareBytes)),
			text_cap:    C.size_t(text),
		}
		var o C.RvOutcome
		status := C.rv_verify_content(state, C.uint32_t(method), bytesPtr(params), C.size_t(len(params)),
			bytesPtr(body), C.size_t(len(body)), &content, &o)
		switch {
		case status == C.RV_STATUS_OK:
			r := accepted(state, &o)
			copyContent(r, &content)
			C.free(buf)
			return r, content.kind, nil
		case status == C.RV_STATUS_BUFFER_TOO_SMALL && round < 2:
			C.free(buf)
			text = max(text, int(content.text_len))
			secrets = max(secrets, int(content.secret_count))
			shares = max(shares, int(content.share_count))
		case bool(o.accepted):
			// §9 refused what the quorum signed: who signed it, and why not.
			C.free(buf)
			return accepted(state, &o), content.kind, statusError(int32(status), &o)
		default:
			C.free(buf)
			return nil, 0, statusError(int32(status), &o)
		}
	}
}

// copyContent copies the handed-out content out of C memory.
func copyContent(r *Result, c *C.RvContentOut) {
	all := cBytes(c.text, c.text_len)
	text := func(s C.RvSpan) string {
		end := uint64(s.offset) + uint64(s.len)
		if end > uint64(len(all)) {
			return ""
		}
		return string(all[s.offset:end])
	}
	switch c.kind {
	case C.RV_CONTENT_CAPABILITY:
		r.Capability = &Capability{Payload: text(c.payload), Error: text(c.error)}
	case C.RV_CONTENT_SECRETS:
		shares := unsafe.Slice(c.shares, int(c.share_count))
		r.Secrets = []Secret{}
		for _, s := range unsafe.Slice(c.secrets, int(c.secret_count)) {
			secret := Secret{
				Key:        text(s.key),
				Namespace:  text(s.namespace_),
				Present:    bool(s.present),
				Ciphertext: text(s.ciphertext),
			}
			for _, sh := range shares[s.first_share : s.first_share+s.share_count] {
				secret.EncryptedShares = append(secret.EncryptedShares, text(sh))
			}
			r.Secrets = append(r.Secrets, secret)
		}
	}
}

// verifyCapability runs the capability door: one verification, then the
// plain result's payload and error or the §11 hand-out of a report. The
// buffers are C memory, because the structs that name them hold pointers.
// Sized from the body, they needed no retry for any reference vector;
// a short one is told its size and the call repeated (at most twice more,
// since the report's payload size is known only once work fits).
func verifyCapability(state *C.RvVerifier, params, body []byte) (*Result, error) {
	n := max(len(body), 1024)
	text, work, payload, merged := n, n, n, n/64+1
	for round := 0; ; round++ {
		mergedBytes := merged * int(C.sizeof_RvMergedSignature)
		buf := C.malloc(C.size_t(mergedBytes + payload + work + text))
		if buf == nil {
			return nil, &VerifyError{Reason: ReasonInternal, Detail: "out of C memory"}
		}
		// merged first: it is the one that needs pointer alignment.
		payloadAt := unsafe.Add(buf, mergedBytes)
		workAt := unsafe.Add(payloadAt, payload)
		textAt := unsafe.Add(workAt, work)
		content := C.RvContentOut{text: (*C.uint8_t)(textAt), text_cap: C.size_t(text)}
		rep := C.RvReportOut{
			payload:     (*C.uint8_t)(payloadAt),
			payload_cap: C.size_t(payload),
			merged:      (*C.RvMergedSignature)(buf),
			merged_cap:  C.size_t(merged),
		}
		var o C.RvOutcome
		status := C.rv_verify_capability(state, bytesPtr(params), C.size_t(len(params)),
			bytesPtr(body), C.size_t(len(body)), &content, (*C.uint8_t)(workAt), C.size_t(work), &rep, &o)
		switch {
		case status == C.RV_STATUS_OK:
			r := accepted(state, &o)
			if rep.is_report {
				r.Report = copyReport(&rep)
			} else {
				copyContent(r, &content)
			}
			C.free(buf)
			return r, nil
		case status == C.RV_STATUS_BUFFER_TOO_SMALL && round < 2:
			C.free(buf)
			text = max(text, int(content.text_len))
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
