package gorule

import (
	"bytes"
	"crypto/ed25519"
	"testing"
)

// TestFixturesAccepted checks every benchmark bundle against the rule: the
// honest hash wins with the N-F honest signers, at the first honest
// response, after exactly the trial verifications the Go rule makes (node
// i's signature verifies at the i-th key; a junk one fails under all N).
func TestFixturesAccepted(t *testing.T) {
	for _, fx := range Fixtures() {
		r, err := New(fx.Keys, fx.F)
		if err != nil {
			t.Fatal(err)
		}
		v, err := r.Verify(fx.Method, fx.Params, fx.Body)
		if err != nil {
			t.Fatalf("%s: %v", fx.Name, err)
		}
		n := len(fx.Keys)
		if !v.Accept || v.Hash != fx.Hash || v.Index != fx.Index || len(v.Signers) != n-len(fx.Faulty) {
			t.Fatalf("%s: %+v, want hash %x at %d", fx.Name, v, fx.Hash, fx.Index)
		}
		faulty := map[int]bool{}
		for _, i := range fx.Faulty {
			faulty[i] = true
		}
		want := 0
		for i := 0; i < n; i++ {
			if faulty[i] {
				want += n
			} else {
				want += i + 1
				if !containsKey(v.Signers, fx.Keys[i]) {
					t.Fatalf("%s: honest node %d not counted", fx.Name, i)
				}
			}
		}
		if r.Verifications != want {
			t.Fatalf("%s: %d verifications, want %d", fx.Name, r.Verifications, want)
		}
		if len(fx.Faulty) != (n-1)/3 {
			t.Fatalf("%s: %d faulty", fx.Name, len(fx.Faulty))
		}
	}
}

func containsKey(keys [][]byte, k ed25519.PublicKey) bool {
	for _, x := range keys {
		if bytes.Equal(x, k) {
			return true
		}
	}
	return false
}
