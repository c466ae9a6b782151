package gorule

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/rand"
)

// Fixture is one benchmark input: a request, the bundle the gateway
// returns for it, and the relay DON's configuration. Everything is
// deterministic (keys from fixed seeds, orders from fixed PRNG seeds).
type Fixture struct {
	Name   string
	Method string
	Params []byte
	Body   []byte
	// Keys is the configured signer set, node i's key at i.
	Keys [][]byte
	F    int
	// Hash is the honest nodes' result's (group) hash: the verdict.
	Hash [32]byte
	// Index is the bundle index of the first honest response.
	Index int
	// Faulty are the nodes that sent junk.
	Faulty []int
}

// NodeKey is relay node i's key, from a fixed seed.
func NodeKey(i int) ed25519.PrivateKey {
	seed := sha256.Sum256([]byte(fmt.Sprintf("relay-verifier issue 21 bench node %d", i)))
	return ed25519.NewKeyFromSeed(seed[:])
}

// filler is n deterministic bytes.
func filler(label string, n int) []byte {
	out := make([]byte, 0, n+32)
	for i := 0; len(out) < n; i++ {
		h := sha256.Sum256([]byte(fmt.Sprintf("%s/%d", label, i)))
		out = append(out, h[:]...)
	}
	return out[:n]
}

func b64(label string, n int) string {
	return base64.StdEncoding.EncodeToString(filler(label, n))
}

func mustJSON(v any) []byte {
	out, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return out
}

// layout chooses F = (N-1)/3 faulty nodes and the gateway's order of the
// N responses, both from a PRNG seeded with N.
func layout(n int) (f int, faulty map[int]bool, order []int) {
	f = (n - 1) / 3
	rng := rand.New(rand.NewSource(int64(n)))
	faulty = map[int]bool{}
	for _, i := range rng.Perm(n)[:f] {
		faulty[i] = true
	}
	return f, faulty, rng.Perm(n)
}

// assemble signs each node's result and writes the bundle as the gateway
// does. honest(i) is node i's result and its signature hash; junk(i) is
// a faulty node's result: it carries that node's valid signature over the
// honest hash, so the signature is well formed, names a configured signer,
// and fails only at the last step of every verification.
func assemble[R any](fx *Fixture, n int, honest func(i int) (R, [32]byte), junk func(i int) R) {
	f, faulty, order := layout(n)
	fx.F = f
	var b Bundle[R]
	fx.Index = -1
	for pos, i := range order {
		key := NodeKey(i)
		fx.Keys = append(fx.Keys, nil)
		result, h := honest(i)
		if faulty[i] {
			result = junk(i)
			fx.Faulty = append(fx.Faulty, i)
		} else if fx.Index < 0 {
			fx.Index = pos
		}
		sig := Signature{Signer: key.Public().(ed25519.PublicKey), Signature: ed25519.Sign(key, SignaturePayload(h))}
		b.Responses = append(b.Responses, SignedResponse[R]{Result: result, Signatures: []Signature{sig}, Signature: sig})
	}
	for i := range fx.Keys {
		fx.Keys[i] = NodeKey(i).Public().(ed25519.PublicKey)
	}
	fx.Body = mustJSON(b)
}

const (
	benchOwner       = "0x1234567890abcdef1234567890ABCDEF12345678"
	benchExecutionID = "4f1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e"
)

// SecretsFixture is a confidential.secrets.get bundle from N nodes: three
// secrets, each a 192-byte ciphertext with four 96-byte shares; F faulty
// nodes answer with other ciphertexts.
func SecretsFixture(n int) Fixture {
	params := SecretsRequestParams{
		WorkflowID:       "wf-bench-0001",
		Owner:            benchOwner,
		ExecutionID:      benchExecutionID,
		OrgID:            "org-7",
		Secrets:          []SecretIdentifier{{"API_KEY", "main"}, {"DB_URL", "main"}, {"TOKEN", "ops"}},
		EnclavePublicKey: fmt.Sprintf("%x", filler("enclave key", 65)),
	}
	result := func(label string) SecretsResponseResult {
		var r SecretsResponseResult
		for _, id := range params.Secrets {
			e := SecretEntry{ID: id, Ciphertext: b64(label+id.Key, 192)}
			for s := 0; s < 4; s++ {
				e.EncryptedShares = append(e.EncryptedShares, b64(fmt.Sprintf("%s%s share %d", label, id.Key, s), 96))
			}
			r.Secrets = append(r.Secrets, e)
		}
		return r
	}
	honest := result("honest ")
	fx := Fixture{Name: fmt.Sprintf("secrets/N=%d", n), Method: MethodSecretsGet, Params: mustJSON(params)}
	fx.Hash = SecretsHash(&params, &honest)
	assemble(&fx, n,
		func(int) (SecretsResponseResult, [32]byte) { return honest, fx.Hash },
		func(i int) SecretsResponseResult { return result(fmt.Sprintf("junk %d ", i)) })
	return fx
}

func capabilityParams() CapabilityRequestParams {
	return CapabilityRequestParams{
		WorkflowID:   "wf-bench-0001",
		Owner:        benchOwner,
		ExecutionID:  benchExecutionID,
		OrgID:        "org-7",
		ReferenceID:  "step-3",
		CapabilityID: "http-actions@1.0.0",
		Payload:      b64("capability request", 256),
	}
}

// anyPayload is base64 of CapabilityResponse{payload: Any{typeURL, value}}.
func anyPayload(typeURL string, value []byte) string {
	any := appendBytesField(nil, 0x0a, []byte(typeURL))
	any = appendBytesField(any, 0x12, value)
	return base64.StdEncoding.EncodeToString(appendBytesField(nil, 0x0a, any))
}

// CapabilityFixture is a confidential.capability.execute bundle from N
// nodes whose result is a plain capability response (a 512-byte value in an
// Any that is not a report, so §11 leaves it as it is); F faulty nodes
// answer with another value.
func CapabilityFixture(n int) Fixture {
	params := capabilityParams()
	result := func(label string) CapabilityResponseResult {
		return CapabilityResponseResult{Payload: anyPayload("type.googleapis.com/values.v1.Value", filler(label, 512))}
	}
	honest := result("honest value")
	fx := Fixture{Name: fmt.Sprintf("capability/N=%d", n), Method: MethodCapabilityExecute, Params: mustJSON(params)}
	fx.Hash, _ = CapabilityHashes(&params, &honest)
	assemble(&fx, n,
		func(int) (CapabilityResponseResult, [32]byte) { return honest, fx.Hash },
		func(i int) CapabilityResponseResult { return result(fmt.Sprintf("junk value %d", i)) })
	return fx
}

// reportPayload is a consensus report (PROTOCOL.md §11) carrying the OCR
// signatures of the given oracles, in that order.
func reportPayload(label string, oracles []int) string {
	var r []byte
	r = appendBytesField(r, 0x0a, filler(label+" digest", 32))
	r = append(r, 0x10)
	r = appendVarint(r, 4242)
	r = appendBytesField(r, 0x1a, filler(label+" context", 96))
	r = appendBytesField(r, 0x22, filler(label+" raw report", 384))
	for _, o := range oracles {
		var s []byte
		s = appendBytesField(s, 0x0a, filler(fmt.Sprintf("ocr signature %d", o), 65))
		s = append(s, 0x10)
		s = appendVarint(s, uint64(o))
		r = appendBytesField(r, 0x2a, s)
	}
	return anyPayload(reportTypeURL, r)
}

// ReportFixture is a capability bundle from N nodes whose result is a
// consensus report: each honest node carries its own subset (F+1 of the N
// OCR signatures, in its own order), so every honest response has its own
// signature hash and all share one group hash; F faulty nodes answer with
// another report.
func ReportFixture(n int) Fixture {
	params := capabilityParams()
	f := (n - 1) / 3
	rng := rand.New(rand.NewSource(int64(1000 + n)))
	subsets := make([][]int, n)
	for i := range subsets {
		subsets[i] = rng.Perm(n)[:f+1]
	}
	fx := Fixture{Name: fmt.Sprintf("report/N=%d", n), Method: MethodCapabilityExecute, Params: mustJSON(params)}
	bare := CapabilityResponseResult{Payload: reportPayload("honest", nil)}
	_, fx.Hash = CapabilityHashes(&params, &bare)
	assemble(&fx, n,
		func(i int) (CapabilityResponseResult, [32]byte) {
			r := CapabilityResponseResult{Payload: reportPayload("honest", subsets[i])}
			h, _ := CapabilityHashes(&params, &r)
			return r, h
		},
		func(i int) CapabilityResponseResult {
			return CapabilityResponseResult{Payload: reportPayload(fmt.Sprintf("junk %d", i), subsets[i])}
		})
	return fx
}

// BenchNs are the DON sizes of the issue-21 benchmark.
var BenchNs = []int{4, 7, 16, 31, 64}

// Fixtures are every benchmark input, secrets, capability and report for
// each of BenchNs.
func Fixtures() []Fixture {
	var out []Fixture
	for _, build := range []func(int) Fixture{SecretsFixture, CapabilityFixture, ReportFixture} {
		for _, n := range BenchNs {
			out = append(out, build(n))
		}
	}
	return out
}
