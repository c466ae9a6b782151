package relayverifier_test

import (
	"errors"
	"testing"

	rv "github.com/relay-verifier/relay-verifier/go"
)

// The cost of one call through cgo on the example's bodies (two ed25519
// verifications each); ci.sh runs it once as a smoke test.
func BenchmarkVerifyBundle(b *testing.B) {
	v, err := rv.NewVerifier(relayKeys, 1)
	if err != nil {
		b.Fatal(err)
	}
	defer v.Close()
	b.SetBytes(int64(len(bundle)))
	for i := 0; i < b.N; i++ {
		if _, err := v.Verify(rv.CapabilityExecute, params, bundle); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerifyComputeBatch(b *testing.B) {
	v, err := rv.NewVerifier(relayKeys, 1)
	if err != nil {
		b.Fatal(err)
	}
	defer v.Close()
	b.SetBytes(int64(len(batch)))
	for i := 0; i < b.N; i++ {
		if _, err := v.VerifyCompute(batch); err != nil {
			b.Fatal(err)
		}
	}
}

// Whatever the body, a *VerifyError or a result: go test runs the seeds,
// go test -fuzz FuzzVerify explores from them.
func FuzzVerify(f *testing.F) {
	f.Add(uint8(rv.CapabilityExecute), params, bundle)
	f.Add(uint8(rv.SecretsGet), params, batch)
	f.Add(uint8(0), []byte(nil), []byte(nil))
	v, err := rv.NewVerifier(relayKeys, 1)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, method uint8, p, body []byte) {
		res, err := v.Verify(rv.Method(method), p, body)
		var ve *rv.VerifyError
		if (res == nil) == (err == nil) || (err != nil && !errors.As(err, &ve)) {
			t.Fatalf("%v, %v", res, err)
		}
		cres, err := v.VerifyCompute(body)
		if (cres == nil) == (err == nil) || (err != nil && !errors.As(err, &ve)) {
			t.Fatalf("%v, %v", cres, err)
		}
	})
}
