package gorule

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// vectorsDir finds the shared vectors: $RELAY_VECTORS, else ../shared/vectors
// beside the repository (where CI puts them).
func vectorsDir(t *testing.T) string {
	if d := os.Getenv("RELAY_VECTORS"); d != "" {
		return d
	}
	d, err := filepath.Abs("../../../../shared/vectors")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(d); err != nil {
		t.Skipf("no vectors at %s (set RELAY_VECTORS)", d)
	}
	return d
}

func load(t *testing.T, name string, v any) {
	raw, err := os.ReadFile(filepath.Join(vectorsDir(t), name))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, v); err != nil {
		t.Fatal(err)
	}
}

func unhex(t *testing.T, s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

type hashCase struct {
	Name               string `json:"name"`
	Method             string `json:"method"`
	ParamsJSON         string `json:"params_json"`
	ResultJSON         string `json:"result_json"`
	Hash               string `json:"hash"`
	Error              string `json:"error"`
	SignaturePayload   string `json:"signature_payload"`
	NodeSeed           string `json:"node_seed"`
	SignedResponseJSON string `json:"signed_response_json"`
}

// remarshal decodes a signed response and writes it back as Go does: the
// generator's bodies are written the same way, so they are what a Go node
// sends.
func remarshal[R any](t *testing.T, raw string) (SignedResponse[R], []byte) {
	var resp SignedResponse[R]
	if err := json.Unmarshal([]byte(raw), &resp); err != nil {
		t.Fatal(err)
	}
	out, err := json.Marshal(resp)
	if err != nil {
		t.Fatal(err)
	}
	return resp, out
}

// hashOne decodes a hash case's parameters as P and result as R, hashes them,
// and decodes and rewrites the signed response as a Go node does. done is
// true when the case expects its parameters refused and they were.
func hashOne[P, R any](t *testing.T, c hashCase, validate func(*P) error, hash func(*P, *R) [32]byte) (got [32]byte, signed []byte, sig Signature, done bool) {
	var p P
	err := json.Unmarshal([]byte(c.ParamsJSON), &p)
	if err == nil {
		err = validate(&p)
	}
	if c.Error != "" {
		if !errors.Is(err, ErrInvalidParams) {
			t.Fatalf("want %q, got %v", c.Error, err)
		}
		return got, nil, sig, true
	}
	if err != nil {
		t.Fatal(err)
	}
	var r R
	if err := json.Unmarshal([]byte(c.ResultJSON), &r); err != nil {
		t.Fatal(err)
	}
	got = hash(&p, &r)
	resp, out := remarshal[R](t, c.SignedResponseJSON)
	if hash(&p, &resp.Result) != got {
		t.Error("signed response's result hashes differently")
	}
	return got, out, resp.Signature, false
}

// TestHashVectors checks the canonical hash, the signed payload and the JSON
// a node writes against hash.json, so the benchmark hashes what Go hashes.
func TestHashVectors(t *testing.T) {
	var file struct {
		HashCases []hashCase `json:"hash_cases"`
	}
	load(t, "hash.json", &file)
	passed, failed := 0, 0
	for _, c := range file.HashCases {
		c := c
		ok := t.Run(c.Name, func(t *testing.T) {
			var got [32]byte
			var signed []byte
			var sig Signature
			var done bool
			switch c.Method {
			case MethodSecretsGet:
				got, signed, sig, done = hashOne(t, c, (*SecretsRequestParams).Validate, SecretsHash)
			case MethodCapabilityExecute:
				got, signed, sig, done = hashOne(t, c, (*CapabilityRequestParams).Validate, CapabilityHash)
			default:
				t.Fatalf("method %q", c.Method)
			}
			if done {
				return
			}
			if hex.EncodeToString(got[:]) != c.Hash {
				t.Fatalf("hash %x, want %s", got, c.Hash)
			}
			payload := SignaturePayload(got)
			if hex.EncodeToString(payload) != c.SignaturePayload {
				t.Fatalf("payload %x, want %s", payload, c.SignaturePayload)
			}
			if !bytes.Equal(signed, []byte(c.SignedResponseJSON)) {
				t.Fatalf("Go writes\n%s\nnot\n%s", signed, c.SignedResponseJSON)
			}
			key := ed25519.NewKeyFromSeed(unhex(t, c.NodeSeed))
			if !ed25519.Verify(key.Public().(ed25519.PublicKey), payload, sig.Signature) {
				t.Fatal("the node's signature does not verify")
			}
			if !bytes.Equal(sig.Signature, ed25519.Sign(key, payload)) {
				t.Fatal("the node's signature is not what ed25519.Sign writes")
			}
		})
		if ok {
			passed++
		} else {
			failed++
		}
	}
	t.Logf("hash.json: %d passed, %d failed", passed, failed)
}

type verifyCase struct {
	Name       string   `json:"name"`
	Method     string   `json:"method"`
	Signers    []string `json:"signers"`
	F          int      `json:"f"`
	ParamsJSON string   `json:"params_json"`
	BodyJSON   *string  `json:"body_json"`
	BodyBase64 *string  `json:"body_base64"`
	Go         struct {
		Accept bool `json:"accept"`
		Index  *int `json:"index"`
	} `json:"go_reference"`
	Groups []struct {
		SigHash   string `json:"sig_hash"`
		GroupHash string `json:"group_hash"`
		Rewritten bool   `json:"rewritten"`
	} `json:"groups"`
}

func (c *verifyCase) body(t *testing.T) []byte {
	if c.BodyJSON == nil && c.BodyBase64 == nil {
		return nil // no body at all
	}
	if c.BodyJSON != nil {
		return []byte(*c.BodyJSON)
	}
	b, err := base64.StdEncoding.DecodeString(*c.BodyBase64)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestGoReference runs the rule on every bundle case and compares its
// verdict with what the deployed Go enclave decided (`go_reference`): the
// re-implementation behaves as the code it stands for in the benchmark.
func TestGoReference(t *testing.T) {
	for _, name := range []string{"verify.json", "strict/verify.json", "report/verify.json"} {
		var file struct {
			Cases []verifyCase `json:"verify_cases"`
		}
		load(t, name, &file)
		passed, failed := 0, 0
		for _, c := range file.Cases {
			c := c
			ok := t.Run(name+"/"+c.Name, func(t *testing.T) {
				keys := make([][]byte, len(c.Signers))
				for i, s := range c.Signers {
					keys[i] = unhex(t, s)
				}
				r, err := New(keys, c.F)
				if err != nil {
					t.Fatal(err)
				}
				v, err := r.Verify(c.Method, []byte(c.ParamsJSON), c.body(t))
				if err != nil && c.Go.Accept {
					t.Fatalf("refused (%v); Go accepts", err)
				}
				if v.Accept != c.Go.Accept {
					t.Fatalf("accept %v, Go %v", v.Accept, c.Go.Accept)
				}
				if c.Go.Index != nil && v.Index != *c.Go.Index {
					t.Fatalf("index %d, Go %d", v.Index, *c.Go.Index)
				}
				if len(c.Groups) > 0 {
					checkGroups(t, &c)
				}
			})
			if ok {
				passed++
			} else {
				failed++
			}
		}
		t.Logf("%s: %d passed, %d failed", name, passed, failed)
	}
}

// checkGroups compares each response's signature hash and group hash with
// report/verify.json's `groups` (PROTOCOL.md §11).
func checkGroups(t *testing.T, c *verifyCase) {
	var p CapabilityRequestParams
	if err := json.Unmarshal([]byte(c.ParamsJSON), &p); err != nil {
		t.Fatal(err)
	}
	var b Bundle[CapabilityResponseResult]
	if err := json.Unmarshal(c.body(t), &b); err != nil {
		t.Fatal(err)
	}
	if len(b.Responses) != len(c.Groups) {
		t.Fatalf("%d responses, %d groups", len(b.Responses), len(c.Groups))
	}
	for i, g := range c.Groups {
		sigHash, groupHash := CapabilityHashes(&p, &b.Responses[i].Result)
		_, rewritten := CanonicalReportPayload(b.Responses[i].Result.Payload)
		if hex.EncodeToString(sigHash[:]) != g.SigHash {
			t.Errorf("response %d: sig hash %x, want %s", i, sigHash, g.SigHash)
		}
		if hex.EncodeToString(groupHash[:]) != g.GroupHash || rewritten != g.Rewritten {
			t.Errorf("response %d: group hash %x (rewritten %v), want %s (%v)", i, groupHash, rewritten, g.GroupHash, g.Rewritten)
		}
	}
}
