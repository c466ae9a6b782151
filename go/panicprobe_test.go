//go:build relay_verifier_panic_probe

package relayverifier

import (
	"errors"
	"testing"
)

// A Rust panic comes back as an error with reason "internal": it does not
// unwind into Go (which would crash this test binary), and the library
// goes on working afterwards, from this goroutine and others.
func TestARustPanicComesBackAsInternal(t *testing.T) {
	for i := 0; i < 3; i++ {
		err := probePanic()
		var ve *VerifyError
		if !errors.As(err, &ve) || ve.Reason != ReasonInternal {
			t.Fatalf("the probe's panic came back as %v, want reason %q", err, ReasonInternal)
		}
	}
	done := make(chan error)
	go func() { done <- probePanic() }()
	if err := <-done; !errors.Is(err, &VerifyError{Reason: ReasonInternal}) {
		t.Fatalf("from another goroutine: %v", err)
	}
	v, err := NewVerifier(testKeys, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	if _, err := v.VerifyCompute([]byte("[]")); reasonOf(t, err) == ReasonInternal {
		t.Fatalf("after a panic, a plain call fails as internal: %v", err)
	}
}
