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

const testConfig = `{"signers":["l+Sib5RBYaXzNLfALOEtGHjTL6b6L5JfsCrcKd2zvuw=","H4ApZW7KD7MryrIrXZ3I2nx29MVzu6akaTPO56C4LXQ=","SjL8EC5TzkJVTqiPHdBwN75rVgPvCed0DHg6vHisA3I=","42v6Xi3e4T5v5sgwZ04Tw11tjIww7F1I/tluW7wNK4s="],"masterPublicKey":"dGRoMi1tYXN0ZXItcHVibGljLWtleS1ieXRlcw==","t":2,"f":1}`

func TestBadRotationsAndGuardsAreTypedErrors(t *testing.T) {
	for body, want := range map[string]Reason{
		"":                           ReasonMalformed,
		"{":                          ReasonMalformed,
		`{"signers":[],"t":0,"f":0}`: ReasonInvalidConfig,
	} {
		if r, err := NewRotation([]byte(body), DefaultVoteLifetime); r != nil || reasonOf(t, err) != want {
			t.Errorf("%q: %v, %v", body, r, err)
		}
	}
	r, err := NewRotation([]byte(testConfig), DefaultVoteLifetime)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	// A broken vote says where, and that it was the body, not the config.
	_, err = r.TakeVote([]byte(`{"config":"eyJ`), 0)
	var vote *VoteError
	if !errors.As(err, &vote) || vote.Reason != ReasonMalformed || !vote.HasOffset || vote.OffsetInConfig {
		t.Errorf("truncated vote: %#v", err)
	}
	var ve *VerifyError
	if !errors.As(err, &ve) || !errors.Is(err, &VerifyError{Reason: ReasonMalformed}) {
		t.Errorf("a VoteError is a VerifyError too: %v", err)
	}
	for _, c := range [][2]int{{-1, 1}, {1, -1}} {
		if g, err := NewReplayGuard(c[0], c[1], DefaultReplayLifetime); g != nil || reasonOf(t, err) != ReasonInvalidArgument {
			t.Errorf("guard %v: %v", c, err)
		}
	}
	g, err := NewReplayGuard(0, 0, DefaultReplayLifetime)
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	if err := g.Finish([32]byte{1}, 0); reasonOf(t, err) != ReasonNotStarted {
		t.Errorf("finish of nothing: %v", err)
	}
	v, err := NewVerifier(testKeys, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	// A batch that fails verification begins nothing.
	if res, err := g.Begin(v, []byte("[{"), 0); res != nil || reasonOf(t, err) != ReasonMalformed {
		t.Errorf("empty batch: %v, %v", res, err)
	}
}

func TestClosedZeroAndNilStateRefuses(t *testing.T) {
	r, err := NewRotation([]byte(testConfig), DefaultVoteLifetime)
	if err != nil {
		t.Fatal(err)
	}
	v, err := r.Verifier()
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	r.Close()
	r.Close()
	var zero Rotation
	var none *Rotation
	for name, r := range map[string]*Rotation{"closed": r, "zero": &zero, "nil": none} {
		if _, err := r.TakeVote([]byte("{}"), 0); reasonOf(t, err) != ReasonNotInitialised {
			t.Errorf("%s: vote %v", name, err)
		}
		if _, err := r.Current(); reasonOf(t, err) != ReasonNotInitialised {
			t.Errorf("%s: current %v", name, err)
		}
		if _, err := r.Verifier(); reasonOf(t, err) != ReasonNotInitialised {
			t.Errorf("%s: verifier %v", name, err)
		}
		// A failed swap leaves the verifier as it was.
		if err := v.LoadFrom(r); reasonOf(t, err) != ReasonNotInitialised || len(v.Signers()) != 4 {
			t.Errorf("%s: load %v", name, err)
		}
	}
	var noVerifier *Verifier
	live, err := NewRotation([]byte(testConfig), DefaultVoteLifetime)
	if err != nil {
		t.Fatal(err)
	}
	defer live.Close()
	if err := noVerifier.LoadFrom(live); reasonOf(t, err) != ReasonNotInitialised {
		t.Errorf("nil verifier: %v", err)
	}

	g, err := NewReplayGuard(4, 2, DefaultReplayLifetime)
	if err != nil {
		t.Fatal(err)
	}
	g.Close()
	g.Close()
	var zeroGuard ReplayGuard
	var noGuard *ReplayGuard
	for name, g := range map[string]*ReplayGuard{"closed": g, "zero": &zeroGuard, "nil": noGuard} {
		if _, err := g.Begin(v, []byte("[]"), 0); reasonOf(t, err) != ReasonNotInitialised {
			t.Errorf("%s: begin %v", name, err)
		}
		if err := g.Finish([32]byte{}, 0); reasonOf(t, err) != ReasonNotInitialised {
			t.Errorf("%s: finish %v", name, err)
		}
		if err := g.Abandon([32]byte{}, 0); reasonOf(t, err) != ReasonNotInitialised {
			t.Errorf("%s: abandon %v", name, err)
		}
	}
	// A live guard with a closed or nil verifier.
	g, err = NewReplayGuard(4, 2, DefaultReplayLifetime)
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	closed, _ := NewVerifier(testKeys, 1)
	closed.Close()
	for name, v := range map[string]*Verifier{"closed": closed, "nil": nil} {
		if _, err := g.Begin(v, []byte("[]"), 0); reasonOf(t, err) != ReasonNotInitialised {
			t.Errorf("%s verifier: %v", name, err)
		}
	}
}

// Votes, begins, swaps and reads racing Close either finish or refuse.
func TestConcurrentStateCallsAndClose(t *testing.T) {
	r, err := NewRotation([]byte(testConfig), DefaultVoteLifetime)
	if err != nil {
		t.Fatal(err)
	}
	g, err := NewReplayGuard(16, 8, DefaultReplayLifetime)
	if err != nil {
		t.Fatal(err)
	}
	v, err := NewVerifier(testKeys, 1)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := 0; i < 6; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			for j := 0; j < 200; j++ {
				var err error
				switch (i + j) % 4 {
				case 0:
					_, err = r.TakeVote([]byte(`{"config":"","signature":""}`), uint64(j))
				case 1:
					_, err = r.Current()
				case 2:
					err = v.LoadFrom(r)
				case 3:
					_, err = g.Begin(v, []byte("[]"), uint64(j))
				}
				if err != nil {
					reasonOf(t, err)
				}
			}
		}(i)
	}
	r.Close()
	g.Close()
	v.Close()
	wg.Wait()
}
