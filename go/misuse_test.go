package relayverifier

import (
	"bytes"
	"encoding/hex"
	"errors"
	"strings"
	"sync"
	"testing"
)

// Four keys of the shared vectors' relay nodes (verify.json's signers).
var testKeys = func() [][]byte {
	var keys [][]byte
	for _, h := range []string{
		"1f8029656eca0fb32bcab22b5d9dc8da7c76f4c573bba6a46933cee7a0b82d74",
		"4a32fc102e53ce42554ea88f1dd07037be6b5603ef09e7740c783abc78ac0372",
		"97e4a26f944161a5f334b7c02ce12d1878d32fa6fa2f925fb02adc29ddb3beec",
		"e36bfa5e2ddee13e6fe6c830674e13c35d6d8c8c30ec5d48fed96e5bbc0d2b8b",
	} {
		k, _ := hex.DecodeString(h)
		keys = append(keys, k)
	}
	return keys
}()

func TestABIMisuseIsAStatus(t *testing.T) {
	probes, free := abiProbes(bytes.Join(testKeys, nil), 1)
	defer free()
	for _, p := range probes {
		if got := p.call(); got != p.want {
			t.Errorf("%s: %s (%d), want %s", p.name, StatusName(got), got, StatusName(p.want))
		}
	}
	if StatusName(12345) != "unknown" {
		t.Error("an unknown status has a name")
	}
}

// reasonOf is err's *VerifyError reason, failing the test when err is not
// one.
func reasonOf(t *testing.T, err error) Reason {
	t.Helper()
	var ve *VerifyError
	if !errors.As(err, &ve) {
		t.Fatalf("%v (%T) is not a *VerifyError", err, err)
	}
	return ve.Reason
}

func TestBadConfigsAreTypedErrors(t *testing.T) {
	cases := map[string]struct {
		keys [][]byte
		f    int
	}{
		"no keys":           {nil, 1},
		"f = 0":             {testKeys, 0},
		"negative f":        {testKeys, -1},
		"f+1 above n":       {testKeys[:1], 1},
		"short key":         {[][]byte{testKeys[0][:31], testKeys[1]}, 1},
		"repeated key":      {[][]byte{testKeys[0], testKeys[0]}, 1},
		"all-zero key":      {[][]byte{make([]byte, 32), testKeys[0]}, 1},
		"more than 64 keys": {make([][]byte, 65), 1},
	}
	for name, c := range cases {
		v, err := NewVerifier(c.keys, c.f)
		if v != nil || reasonOf(t, err) != ReasonInvalidConfig {
			t.Errorf("%s: %v, %v", name, v, err)
		}
	}
}

func TestClosedZeroAndNilVerifiersRefuse(t *testing.T) {
	v, err := NewVerifier(testKeys, 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(v.Signers()) != 4 {
		t.Fatal("four signers")
	}
	v.Close()
	v.Close()
	var zero Verifier
	var none *Verifier
	for name, v := range map[string]*Verifier{"closed": v, "zero": &zero, "nil": none} {
		if _, err := v.Verify(SecretsGet, nil, nil); reasonOf(t, err) != ReasonNotInitialised {
			t.Errorf("%s: %v", name, err)
		}
		if _, err := v.VerifyCompute(nil); reasonOf(t, err) != ReasonNotInitialised {
			t.Errorf("%s: %v", name, err)
		}
		if v.Signers() != nil {
			t.Errorf("%s: signers", name)
		}
	}
}

const capabilityParams = `{"workflow_id":"wf","owner":"0x1234567890abcdef1234567890ABCDEF12345678","execution_id":"e1","reference_id":"r1","capability_id":"c@1","payload":"cGluZw=="}`

func TestHostileBodiesAreTypedErrors(t *testing.T) {
	v, err := NewVerifier(testKeys, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	bodies := map[string][]byte{
		"nil":          nil,
		"empty":        {},
		"not json":     []byte("\x00\xff\xfe garbage"),
		"deep arrays":  []byte(strings.Repeat("[", 1<<16)),
		"deep objects": []byte(strings.Repeat(`{"responses":`, 1<<14)),
		"huge string":  append(append([]byte(`{"result":"`), bytes.Repeat([]byte("A"), 1<<20)...), '"', '}'),
		"truncated":    []byte(`{"responses":[{"result":{"payload":"cG9uZw=="},"signatures":[{"signer":"`),
		"junk sigs":    []byte(`{"responses":[{"result":{"payload":"cG9uZw=="},"signatures":[{"signer":"AAAA","signature":"AAAA"}]}]}`),
	}
	for name, body := range bodies {
		for _, m := range []Method{SecretsGet, CapabilityExecute, Method(0), Method(99)} {
			if res, err := v.Verify(m, []byte(capabilityParams), body); res != nil || err == nil {
				t.Errorf("%s, %v: accepted", name, m)
			} else {
				reasonOf(t, err)
			}
		}
		if res, err := v.VerifyCompute(body); res != nil || err == nil {
			t.Errorf("%s: compute accepted", name)
		} else {
			reasonOf(t, err)
		}
	}
	// A body that breaks says where.
	_, err = v.Verify(CapabilityExecute, []byte(capabilityParams), bodies["truncated"])
	var ve *VerifyError
	if !errors.As(err, &ve) || ve.Reason != ReasonMalformed || !ve.HasOffset {
		t.Errorf("truncated: %#v", err)
	}
	if !errors.Is(err, &VerifyError{Reason: ReasonMalformed}) {
		t.Error("errors.Is by reason")
	}
	// Unreadable parameters are the caller's: invalid_params.
	if _, err := v.Verify(CapabilityExecute, []byte("{"), bodies["junk sigs"]); reasonOf(t, err) != ReasonInvalidParams {
		t.Errorf("bad params: %v", err)
	}
}

// Calls racing a Close either finish or refuse: the state is never freed
// under a call (run with -race and GODEBUG=cgocheck=2 in CI).
func TestConcurrentCallsAndClose(t *testing.T) {
	v, err := NewVerifier(testKeys, 1)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 200; j++ {
				_, err := v.Verify(CapabilityExecute, []byte(capabilityParams), []byte(`{"result":null}`))
				if r := reasonOf(t, err); r != ReasonNoQuorum && r != ReasonMalformed && r != ReasonNotInitialised {
					t.Errorf("reason %s", r)
				}
			}
		}()
	}
	v.Close()
	wg.Wait()
}
