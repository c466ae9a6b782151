package relayverifier_test

import (
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	rv "github.com/relay-verifier/relay-verifier/go"
)

// vectorsDir is ../shared/vectors beside the repository, as for the Rust
// tests; RV_VECTORS overrides it.
func vectorsDir(t testing.TB) string {
	if d := os.Getenv("RV_VECTORS"); d != "" {
		return d
	}
	d, err := filepath.Abs(filepath.Join("..", "..", "shared", "vectors"))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

type object = map[string]any

func loadVectors(t testing.TB, file string) object {
	raw, err := os.ReadFile(filepath.Join(vectorsDir(t), file))
	if err != nil {
		t.Fatalf("the shared vectors must sit beside the repository: %v", err)
	}
	var doc object
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	return doc
}

// runCases runs check over doc[key] and reports per file as the CLI runner
// does: a FAIL line per failing case, then "N passed, M failed".
func runCases(t *testing.T, file string, doc object, key string, check func(object) error) {
	cases, ok := doc[key].([]any)
	if !ok {
		t.Fatalf("%s: %s is not an array", file, key)
	}
	passed, failed := 0, 0
	for i, c := range cases {
		c := c.(object)
		name, _ := c["name"].(string)
		if name == "" {
			name = fmt.Sprintf("%s#%s[%d]", file, key, i)
		}
		if err := check(c); err != nil {
			failed++
			t.Errorf("FAIL %s: %v", name, err)
		} else {
			passed++
		}
	}
	fmt.Printf("%s %s: %d passed, %d failed\n", file, key, passed, failed)
}

// TestVectors runs every shared vector file through the Go API with the
// CLI runner's checks, except those of the signing side, which the C ABI
// does not carry (a node's signed response and attestation user data, byte
// for byte; the signing side's rewrite of a compute request or batch; the
// per-response hashes of a report case's groups), and of each counted
// response's OCR signatures in a hand-out, of which the ABI gives the
// count.
func TestVectors(t *testing.T) {
	for _, file := range []string{"hash.json", "verify.json", "strict/verify.json", "report/verify.json"} {
		t.Run(file, func(t *testing.T) {
			doc := loadVectors(t, file)
			if _, ok := doc["hash_cases"]; ok {
				runCases(t, file, doc, "hash_cases", hashCase)
			}
			if _, ok := doc["verify_cases"]; ok {
				runCases(t, file, doc, "verify_cases", verifyCase)
			}
		})
	}
	t.Run("compute/compute.json", func(t *testing.T) {
		doc := loadVectors(t, "compute/compute.json")
		runCases(t, "compute/compute.json", doc, "hash_cases", computeHashCase)
		runCases(t, "compute/compute.json", doc, "verify_cases", computeCase)
	})
}

// hashCase: invalid parameters refused, or the exact hash and payload.
func hashCase(c object) error {
	method, err := rv.ParseMethod(str(c, "method"))
	if err != nil {
		return err
	}
	s, err := rv.CanonicalHash(method, []byte(str(c, "params_json")), []byte(str(c, "result_json")))
	wantErr := c["error"] != nil
	switch {
	case wantErr && err != nil:
		var ve *rv.VerifyError
		if !errors.As(err, &ve) || ve.Reason != rv.ReasonInvalidParams {
			return fmt.Errorf("refused as %v, expected invalid_params", err)
		}
		return nil
	case wantErr:
		return fmt.Errorf("accepted invalid params (expected %v)", c["error"])
	case err != nil:
		return fmt.Errorf("refused valid params: %v", err)
	}
	return checkSigned(c, s)
}

func checkSigned(c object, s *rv.Signed) error {
	if h := hex.EncodeToString(s.Hash[:]); h != str(c, "hash") {
		return fmt.Errorf("hash %s != %v", h, c["hash"])
	}
	if p := hex.EncodeToString(s.Payload); p != str(c, "signature_payload") {
		return fmt.Errorf("signature payload %s != %v", p, c["signature_payload"])
	}
	return nil
}

func computeHashCase(c object) error {
	s, err := rv.ComputeRequestHash([]byte(str(c, "request_json")))
	if err != nil {
		return fmt.Errorf("refused: %v", err)
	}
	return checkSigned(c, s)
}

func str(c object, key string) string {
	s, _ := c[key].(string)
	return s
}

// caseBody is body_json, else body_base64, else empty.
func caseBody(c object) ([]byte, error) {
	if s, ok := c["body_json"].(string); ok {
		return []byte(s), nil
	}
	if s, ok := c["body_base64"].(string); ok {
		return base64.StdEncoding.DecodeString(s)
	}
	return nil, nil
}

// caseVerifier loads a case's signers and f (and threshold, if any).
func caseVerifier(c object) (*rv.Verifier, error) {
	var keys [][]byte
	for _, k := range c["signers"].([]any) {
		b, err := hex.DecodeString(k.(string))
		if err != nil {
			return nil, fmt.Errorf("signer %v: %v", k, err)
		}
		keys = append(keys, b)
	}
	f, _ := c["f"].(float64)
	threshold, _ := c["threshold"].(float64)
	return rv.NewVerifierThreshold(keys, int(f), int(threshold))
}

func hexKeys(keys [][rv.KeyLen]byte) []any {
	out := []any{}
	for _, k := range keys {
		out = append(out, hex.EncodeToString(k[:]))
	}
	return out
}

// indexValue is the vectors' index: null for none.
func indexValue(i int) any {
	if i < 0 {
		return nil
	}
	return float64(i)
}

// asRefusal checks a refusal against expect: expected, same reason, no
// index.
func asRefusal(expect object, err error) error {
	var ve *rv.VerifyError
	if !errors.As(err, &ve) {
		return fmt.Errorf("not a *VerifyError: %v", err)
	}
	if expect["accept"] != false {
		return fmt.Errorf("rejected (%v), expected accept", err)
	}
	if string(ve.Reason) != str(expect, "reason") {
		return fmt.Errorf("reason %s (%v) != %v", ve.Reason, err, expect["reason"])
	}
	if expect["index"] != nil {
		return errors.New("a rejection has no index")
	}
	return nil
}

// maxVerifications checks expect.max_verifications where present.
func maxVerifications(expect object, done uint64) error {
	max, ok := expect["max_verifications"].(float64)
	if ok && done > uint64(max) {
		return fmt.Errorf("%d verifications, at most %v allowed", done, max)
	}
	return nil
}

func verifyCase(c object) error {
	expect := c["expect"].(object)
	body, err := caseBody(c)
	if err != nil {
		return err
	}
	method, err := rv.ParseMethod(str(c, "method"))
	if err != nil {
		return err
	}
	v, err := caseVerifier(c)
	if err != nil {
		return asRefusal(expect, err)
	}
	defer v.Close()
	res, err := v.Verify(method, []byte(str(c, "params_json")), body)
	if err != nil && res != nil {
		// Accepted by the quorum, refused by §9: judged as accepted.
		return checkAccepted(expect, res, err)
	}
	if err != nil {
		var ve *rv.VerifyError
		if errors.As(err, &ve) {
			if e := maxVerifications(expect, ve.Stats.Verifications); e != nil {
				return e
			}
		}
		return asRefusal(expect, err)
	}
	if e := maxVerifications(expect, res.Stats.Verifications); e != nil {
		return e
	}
	return checkAccepted(expect, res, nil)
}

// checkAccepted checks an accepted body: hash, signers, index, the §11
// hand-out and the §9 post-check (postErr: its refusal, if any).
func checkAccepted(expect object, res *rv.Result, postErr error) error {
	if expect["accept"] != true {
		return fmt.Errorf("accepted, expected %v", expect["reason"])
	}
	if h := hex.EncodeToString(res.Hash[:]); h != str(expect, "hash") {
		return fmt.Errorf("hash %s != %v", h, expect["hash"])
	}
	if got := hexKeys(res.Signers); !reflect.DeepEqual(got, expect["signers"]) {
		return fmt.Errorf("signers %v != %v", got, expect["signers"])
	}
	if got := indexValue(res.Index); got != expect["index"] {
		return fmt.Errorf("index %v != %v", got, expect["index"])
	}
	if err := checkHandOut(res.Report, expect["handed_out"]); err != nil {
		return err
	}
	post, ok := expect["post_check"].(object)
	if !ok {
		if postErr != nil {
			return fmt.Errorf("post-check failed: %v", postErr)
		}
		return nil
	}
	if res.Secrets == nil && postErr == nil {
		return errors.New("post_check on a capability case")
	}
	var ve *rv.VerifyError
	switch want, wantErr := post["error"]; {
	case postErr != nil && errors.As(postErr, &ve) && wantErr && string(ve.Reason) == want:
		return nil
	case postErr != nil:
		return fmt.Errorf("post-check failed: %v, expected %v", postErr, post)
	case wantErr:
		return fmt.Errorf("post-check passed, expected %v", want)
	}
	order := []any{}
	for _, s := range res.Secrets {
		order = append(order, object{"key": s.Key, "namespace": s.Namespace, "present": s.Present})
	}
	if !reflect.DeepEqual(order, post["order"]) {
		return fmt.Errorf("order %v != %v", order, post["order"])
	}
	return nil
}

// checkHandOut compares the §11 hand-out with expect.handed_out: payload,
// merged pairs, and the number of counted responses (the C ABI gives their
// count, not each one's signatures).
func checkHandOut(got *rv.Report, want any) error {
	switch {
	case got == nil && want == nil:
		return nil
	case got == nil:
		return errors.New("handed out no report, expected handed_out")
	case want == nil:
		return errors.New("handed out a report the case does not expect")
	}
	w := want.(object)
	if got.Payload != str(w, "payload") {
		return fmt.Errorf("handed_out.payload %s != %v", got.Payload, w["payload"])
	}
	merged := []any{}
	for _, m := range got.Merged {
		merged = append(merged, object{
			"signer_id": float64(m.SignerID),
			"signature": base64.StdEncoding.EncodeToString(m.Signature),
			"carriers":  float64(m.Carriers),
		})
	}
	if !reflect.DeepEqual(merged, w["merged"]) {
		return fmt.Errorf("handed_out.merged %v != %v", merged, w["merged"])
	}
	if counted, _ := w["counted"].([]any); len(counted) != got.Counted {
		return fmt.Errorf("handed_out: %d counted, expected %d", got.Counted, len(counted))
	}
	return nil
}

// computeCase is a §12 batch: verdict, hash, signers, index, reason and the
// cost (at most max_verifications; none on a malformed body).
func computeCase(c object) error {
	expect := c["expect"].(object)
	body, err := caseBody(c)
	if err != nil {
		return err
	}
	v, err := caseVerifier(c)
	if err != nil {
		return asRefusal(expect, err)
	}
	defer v.Close()
	res, err := v.VerifyCompute(body)
	var done uint64
	if err != nil {
		var ve *rv.VerifyError
		if errors.As(err, &ve) {
			done = ve.Stats.Verifications
		}
	} else {
		done = res.Stats.Verifications
	}
	if str(expect, "reason") == "malformed" && done != 0 {
		return fmt.Errorf("%d verifications on a malformed body, expected none", done)
	}
	if e := maxVerifications(expect, done); e != nil {
		return e
	}
	if err != nil {
		return asRefusal(expect, err)
	}
	if expect["accept"] != true {
		return fmt.Errorf("accepted, expected %v", expect["reason"])
	}
	if h := hex.EncodeToString(res.Hash[:]); h != str(expect, "hash") {
		return fmt.Errorf("hash %s != %v", h, expect["hash"])
	}
	if got := hexKeys(res.Signers); !reflect.DeepEqual(got, expect["signers"]) {
		return fmt.Errorf("signers %v != %v", got, expect["signers"])
	}
	if got := indexValue(res.Index); got != expect["index"] {
		return fmt.Errorf("index %v != %v", got, expect["index"])
	}
	return nil
}
