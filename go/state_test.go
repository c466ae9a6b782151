package relayverifier_test

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	rv "github.com/relay-verifier/relay-verifier/go"
)

// TestStateVectors runs the enclave-state vector files through the Go API:
// every rotation case of config/rotation.json (§13) step by step, every
// config of its hash_cases loaded, and every case of replay/guard.json
// (§14).
func TestStateVectors(t *testing.T) {
	t.Run("config/rotation.json", func(t *testing.T) {
		doc := loadVectors(t, "config/rotation.json")
		runCases(t, "config/rotation.json", doc, "hash_cases", rotationHashCase)
		votes, applied = 0, 0
		runCases(t, "config/rotation.json", doc, "rotation_cases", rotationCase)
		fmt.Printf("config/rotation.json: %d votes taken, %d applied\n", votes, applied)
		if votes < 121 || applied < 29 {
			t.Errorf("only %d votes, %d applied", votes, applied)
		}
	})
	t.Run("replay/guard.json", func(t *testing.T) {
		doc := loadVectors(t, "replay/guard.json")
		signer := newComputeSigner(t)
		defer signer.v.Close()
		// As many slots as the capacity, then spare ones: the outcomes
		// must not depend on the layout.
		runCases(t, "replay/guard.json", doc, "cases", func(c object) error {
			return guardCase(signer, c, func(capacity int) int { return capacity })
		})
		runCases(t, "replay/guard.json (spare slots)", doc, "cases", func(c object) error {
			return guardCase(signer, c, func(capacity int) int { return 2*capacity + 1 })
		})
		if guardSteps < 2*87 {
			t.Errorf("only %d guard steps", guardSteps)
		}
	})
}

// Counts across the cases, so that a file that shrank is noticed.
var votes, applied, guardSteps int

func num(c object, key string) uint64 {
	f, _ := c[key].(float64)
	return uint64(f)
}

func b64Keys(keys [][rv.KeyLen]byte) []any {
	out := []any{}
	for _, k := range keys {
		out = append(out, base64.StdEncoding.EncodeToString(k[:]))
	}
	return out
}

// rotationHashCase: a config loads with the vector's hash and user data,
// its signers in the order given and its master key; or (F = 0, no
// signers) is refused as invalid_config.
func rotationHashCase(c object) error {
	configJSON := []byte(str(c, "config_json"))
	r, err := rv.NewRotation(configJSON, rv.DefaultVoteLifetime)
	if err != nil {
		var ve *rv.VerifyError
		if errors.As(err, &ve) && ve.Reason == rv.ReasonInvalidConfig {
			return nil
		}
		return fmt.Errorf("refused: %v", err)
	}
	defer r.Close()
	info, err := r.Current()
	if err != nil {
		return err
	}
	if h := hex.EncodeToString(info.Hash[:]); h != str(c, "hash") {
		return fmt.Errorf("hash %s != %v", h, c["hash"])
	}
	if u := hex.EncodeToString(info.UserData[:]); u != str(c, "user_data") {
		return fmt.Errorf("user data %s != %v", u, c["user_data"])
	}
	if info.VoteLifetime != rv.DefaultVoteLifetime || info.RetiredCount != 0 {
		return fmt.Errorf("lifetime %d, %d retired", info.VoteLifetime, info.RetiredCount)
	}
	var config struct {
		Signers         []any
		MasterPublicKey []byte
	}
	if err := json.Unmarshal(configJSON, &config); err != nil {
		return err
	}
	if got := b64Keys(info.Signers); !reflect.DeepEqual(got, config.Signers) {
		return fmt.Errorf("signers %v != %v", got, config.Signers)
	}
	if !bytes.Equal(info.MasterPublicKey, config.MasterPublicKey) {
		return fmt.Errorf("master key %x != %x", info.MasterPublicKey, config.MasterPublicKey)
	}
	return nil
}

// rotationCase runs a case's votes in order: each step's outcome, hash,
// counts, applied signers in order and reason; after an applied vote the
// verifier is swapped to the config now in force; then the final config.
func rotationCase(c object) error {
	r, err := rv.NewRotation([]byte(str(c, "current_config_json")), num(c, "vote_lifetime"))
	if err != nil {
		return fmt.Errorf("first config refused: %v", err)
	}
	defer r.Close()
	v, err := r.Verifier()
	if err != nil {
		return err
	}
	defer v.Close()
	for i, s := range c["steps"].([]any) {
		step := s.(object)
		body := []byte(str(step, "body_json"))
		got, err := r.TakeVote(body, num(step, "at"))
		votes++
		if err := voteMatches(got, err, body, step["expect"].(object)); err != nil {
			return fmt.Errorf("step %d: %v", i, err)
		}
		if got != nil && got.Vote == rv.VoteApplied {
			applied++
			if err := v.LoadFrom(r); err != nil {
				return fmt.Errorf("step %d: swap: %v", i, err)
			}
			info, err := r.Current()
			if err != nil {
				return err
			}
			if info.Hash != got.Hash || len(v.Signers()) != len(info.Signers) {
				return fmt.Errorf("step %d: in force %x with %d signers, verifier %d", i,
					info.Hash, len(info.Signers), len(v.Signers()))
			}
		}
	}
	info, err := r.Current()
	if err != nil {
		return err
	}
	if h := hex.EncodeToString(info.Hash[:]); h != str(c, "final_config_hash") {
		return fmt.Errorf("final config %s != %v", h, c["final_config_hash"])
	}
	return nil
}

func voteMatches(got *rv.VoteOutcome, err error, body []byte, want object) error {
	outcome := str(want, "outcome")
	if outcome == "rejected" {
		var ve *rv.VoteError
		if !errors.As(err, &ve) {
			return fmt.Errorf("got %v %v, want rejected %v", got, err, want["reason"])
		}
		if string(ve.Reason) != str(want, "reason") {
			return fmt.Errorf("reason %s (%v), want %v", ve.Reason, err, want["reason"])
		}
		if ve.HasOffset != (ve.Reason == rv.ReasonMalformed) {
			return fmt.Errorf("offset %v for %s", ve.HasOffset, ve.Reason)
		}
		return nil
	}
	if err != nil {
		return fmt.Errorf("refused (%v), want %s", err, outcome)
	}
	if got.Vote.String() != outcome {
		return fmt.Errorf("%s, want %s", got.Vote, outcome)
	}
	hash := hex.EncodeToString(got.Hash[:])
	switch got.Vote {
	case rv.VoteApplied:
		if hash != str(want, "hash") {
			return fmt.Errorf("applied %s, want %v", hash, want["hash"])
		}
		if s := b64Keys(got.Signers); !reflect.DeepEqual(s, want["signers"]) {
			return fmt.Errorf("applied by %v, want %v", s, want["signers"])
		}
		// The user data is the applied config's, as ConfigHash reads it.
		var vote struct{ Config []byte }
		if err := json.Unmarshal(body, &vote); err != nil {
			return err
		}
		signed, userData, err := rv.ConfigHash(vote.Config)
		if err != nil || signed.Hash != got.Hash || userData != got.UserData {
			return fmt.Errorf("user data %x, ConfigHash says %x (%v)", got.UserData, userData, err)
		}
	case rv.VoteCollected:
		if hash != str(want, "hash") || uint64(got.Collected) != num(want, "collected") ||
			uint64(got.Required) != num(want, "required") {
			return fmt.Errorf("collected %s %d of %d, want %v", hash, got.Collected, got.Required, want)
		}
	}
	return nil
}

// computeSigner is four seeded Workflow-DON nodes (seeds [i]*32, i = 1…4)
// with F = 1, loaded as a verifier, as ffi/tests/state.rs has them.
type computeSigner struct {
	nodes []ed25519.PrivateKey
	v     *rv.Verifier
}

func newComputeSigner(t *testing.T) *computeSigner {
	s := &computeSigner{}
	var keys [][]byte
	for i := byte(1); i <= 4; i++ {
		k := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{i}, 32))
		s.nodes = append(s.nodes, k)
		keys = append(keys, k.Public().(ed25519.PublicKey))
	}
	v, err := rv.NewVerifier(keys, 1)
	if err != nil {
		t.Fatal(err)
	}
	s.v = v
	return s
}

// batch is a §12 batch of one compute request (application request ID
// a-id) signed by nodes 2 and 3, and the request's hash.
func (s *computeSigner) batch(id int) ([]byte, [32]byte, error) {
	ids := make([]string, 32)
	for i := range ids {
		ids[i] = fmt.Sprint(i)
	}
	entry := fmt.Sprintf(`{"requestID":[%s],"applicationRequestID":"a-%d","publicData":null,"ciphertexts":["Y3Q="],"CiphertextNames":["API_KEY"],"encryptedDecryptionKeyShares":null,"enclaveEphemeralPublicKey":null,"masterPublicKey":null,"appID":"app","version":"0.0.7"`,
		strings.Join(ids, ","), id)
	signed, err := rv.ComputeRequestHash([]byte(entry + "}"))
	if err != nil {
		return nil, [32]byte{}, err
	}
	var entries []string
	for _, node := range s.nodes[1:3] {
		sig := base64.StdEncoding.EncodeToString(ed25519.Sign(node, signed.Payload))
		entries = append(entries, fmt.Sprintf(`%s,"signature":"%s"}`, entry, sig))
	}
	return []byte("[" + strings.Join(entries, ",") + "]"), signed.Hash, nil
}

// guardCase runs a guard case's steps. The C door verifies before it
// begins, so each distinct vector hash stands for one real signed request
// (§14's outcomes depend on which hashes are equal, not on their bytes).
func guardCase(s *computeSigner, c object, slots func(int) int) error {
	capacity := int(num(c, "capacity"))
	g, err := rv.NewReplayGuard(slots(capacity), capacity, num(c, "lifetime"))
	if err != nil {
		return err
	}
	defer g.Close()
	type standIn struct {
		batch []byte
		hash  [32]byte
	}
	standIns := map[string]standIn{}
	for i, st := range c["steps"].([]any) {
		step := st.(object)
		key := str(step, "hash")
		in, ok := standIns[key]
		if !ok {
			b, h, err := s.batch(len(standIns))
			if err != nil {
				return err
			}
			in = standIn{b, h}
			standIns[key] = in
		}
		at := num(step, "at")
		guardSteps++
		var got string
		switch op := str(step, "op"); op {
		case "begin":
			res, err := g.Begin(s.v, in.batch, at)
			if res == nil || res.Hash != in.hash || res.Index != 0 {
				return fmt.Errorf("step %d: begin did not verify the stand-in: %v, %v", i, res, err)
			}
			got = outcomeName(err, "started")
		case "finish":
			got = outcomeName(g.Finish(in.hash, at), "recorded")
		case "abandon":
			got = outcomeName(g.Abandon(in.hash, at), "released")
		default:
			return fmt.Errorf("step %d: unknown op %s", i, op)
		}
		if want := str(step, "expect"); got != want {
			return fmt.Errorf("step %d (%v at %d): %s, want %s", i, step["op"], at, got, want)
		}
	}
	return nil
}

// outcomeName is ok for no error, else the error's reason.
func outcomeName(err error, ok string) string {
	var ve *rv.VerifyError
	switch {
	case err == nil:
		return ok
	case errors.As(err, &ve):
		return string(ve.Reason)
	}
	return err.Error()
}
