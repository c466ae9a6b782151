package gorule

import (
	"bytes"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
)

// Rule is the Go enclave's check of a relay bundle, as PROTOCOL.md
// describes it (§7, "Deliberate differences from the Go enclave").
type Rule struct {
	keys []ed25519.PublicKey
	f    int

	// Verifications counts ed25519.Verify calls since the Rule was made.
	Verifications int
}

// Verdict is what the rule decided.
type Verdict struct {
	Accept bool
	// Hash is the winning (group) hash.
	Hash [32]byte
	// Index is the first response of the winning group with a signature
	// that verified; -1 on rejection.
	Index int
	// Signers are the keys counted for Hash, sorted bytewise.
	Signers [][]byte
}

// New configures the rule. Like the Go enclave it takes any F (0 included)
// and repeated keys; a key that is not 32 bytes is refused (crypto/ed25519
// would panic on it).
func New(keys [][]byte, f int) (*Rule, error) {
	if f < 0 {
		return nil, errors.New("negative F")
	}
	r := &Rule{f: f}
	for i, k := range keys {
		if len(k) != ed25519.PublicKeySize {
			return nil, fmt.Errorf("key %d is %d bytes", i, len(k))
		}
		r.keys = append(r.keys, ed25519.PublicKey(k))
	}
	return r, nil
}

// tally groups verified signatures by hash.
type tally struct {
	groups map[[32]byte]*group
}

type group struct {
	first   int
	signers map[int]bool
}

// try verifies one response's signature: every configured key in set
// order, until one verifies (the label is ignored); a key counts once per
// group hash.
func (r *Rule) try(t *tally, index int, sigHash, groupHash [32]byte, sig []byte) {
	payload := SignaturePayload(sigHash)
	for k, key := range r.keys {
		r.Verifications++
		if !ed25519.Verify(key, payload, sig) {
			continue
		}
		g := t.groups[groupHash]
		if g == nil {
			g = &group{first: index, signers: map[int]bool{}}
			t.groups[groupHash] = g
		}
		g.signers[k] = true
		return
	}
}

func (r *Rule) decide(t *tally) Verdict {
	v := Verdict{Index: -1}
	best := 0
	for h, g := range t.groups {
		n := len(g.signers)
		if n < r.f+1 {
			continue
		}
		if n > best || (n == best && bytes.Compare(h[:], v.Hash[:]) < 0) {
			best = n
			v = Verdict{Accept: true, Hash: h, Index: g.first}
			v.Signers = v.Signers[:0]
			for k := range g.signers {
				v.Signers = append(v.Signers, r.keys[k])
			}
		}
	}
	sort.Slice(v.Signers, func(i, j int) bool { return bytes.Compare(v.Signers[i], v.Signers[j]) < 0 })
	return v
}

// Verify decodes the parameters and the bundle with encoding/json, hashes
// every response and counts its `signature`. An error is a body or
// parameters the Go enclave refuses outright; no quorum is a Verdict with
// Accept false.
func (r *Rule) Verify(method string, params, body []byte) (Verdict, error) {
	switch method {
	case MethodSecretsGet:
		return r.VerifySecrets(params, body)
	case MethodCapabilityExecute:
		return r.VerifyCapability(params, body)
	}
	return Verdict{Index: -1}, fmt.Errorf("unknown method %q", method)
}

// VerifySecrets is Verify for confidential.secrets.get.
func (r *Rule) VerifySecrets(params, body []byte) (Verdict, error) {
	var p SecretsRequestParams
	if err := json.Unmarshal(params, &p); err != nil {
		return Verdict{Index: -1}, fmt.Errorf("%w: %v", ErrInvalidParams, err)
	}
	if err := p.Validate(); err != nil {
		return Verdict{Index: -1}, err
	}
	var b Bundle[SecretsResponseResult]
	if err := json.Unmarshal(body, &b); err != nil {
		return Verdict{Index: -1}, fmt.Errorf("unmarshal: %w", err)
	}
	t := tally{groups: map[[32]byte]*group{}}
	for i := range b.Responses {
		resp := &b.Responses[i]
		h := SecretsHash(&p, &resp.Result)
		r.try(&t, i, h, h, resp.Signature.Signature)
	}
	return r.decide(&t), nil
}

// VerifyCapability is Verify for confidential.capability.execute, with the
// §11 grouping of consensus reports.
func (r *Rule) VerifyCapability(params, body []byte) (Verdict, error) {
	var p CapabilityRequestParams
	if err := json.Unmarshal(params, &p); err != nil {
		return Verdict{Index: -1}, fmt.Errorf("%w: %v", ErrInvalidParams, err)
	}
	if err := p.Validate(); err != nil {
		return Verdict{Index: -1}, err
	}
	var b Bundle[CapabilityResponseResult]
	if err := json.Unmarshal(body, &b); err != nil {
		return Verdict{Index: -1}, fmt.Errorf("unmarshal: %w", err)
	}
	t := tally{groups: map[[32]byte]*group{}}
	for i := range b.Responses {
		resp := &b.Responses[i]
		sigHash, groupHash := CapabilityHashes(&p, &resp.Result)
		r.try(&t, i, sigHash, groupHash, resp.Signature.Signature)
	}
	return r.decide(&t), nil
}

// CapabilityHashes are a capability result's signature hash and group hash
// (PROTOCOL.md §11).
func CapabilityHashes(p *CapabilityRequestParams, res *CapabilityResponseResult) (sigHash, groupHash [32]byte) {
	sigHash = CapabilityHash(p, res)
	groupHash = sigHash
	if canon, ok := CanonicalReportPayload(res.Payload); ok {
		rewritten := *res
		rewritten.Payload = canon
		groupHash = CapabilityHash(p, &rewritten)
	}
	return sigHash, groupHash
}
