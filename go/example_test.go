package relayverifier_test

import (
	"encoding/hex"
	"errors"
	"fmt"

	rv "github.com/relay-verifier/relay-verifier/go"
)

// The relay DON's keys (the shared vectors' relay-node keys), and a
// gateway's bundle answering a capability request: two of the four nodes
// agree on an error result (vectors/verify.json, capability/agreed-error).
var (
	relayKeys = hexKeyList("97e4a26f944161a5f334b7c02ce12d1878d32fa6fa2f925fb02adc29ddb3beec", "1f8029656eca0fb32bcab22b5d9dc8da7c76f4c573bba6a46933cee7a0b82d74", "4a32fc102e53ce42554ea88f1dd07037be6b5603ef09e7740c783abc78ac0372", "e36bfa5e2ddee13e6fe6c830674e13c35d6d8c8c30ec5d48fed96e5bbc0d2b8b")
	params    = []byte(`{"workflow_id":"wf-0001","owner":"0x1234567890abcdef1234567890ABCDEF12345678","execution_id":"4f1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e","org_id":"org-7","reference_id":"step-3","capability_id":"http-actions@1.0.0","payload":"cmVxdWVzdCBib2R5"}`)
	bundle    = []byte(`{"responses":[{"result":{"error":"upstream timeout"},"signatures":[{"signer":"l+Sib5RBYaXzNLfALOEtGHjTL6b6L5JfsCrcKd2zvuw=","signature":"I+hQUcDLZegxn0Td+ypmNxpAe9LpX5lsWz97ajCOx6qpKiB9gYyJm43dVVJLYcx8tbsCpwNLBJdMcKTaONJPBQ=="}],"signature":{"signer":"l+Sib5RBYaXzNLfALOEtGHjTL6b6L5JfsCrcKd2zvuw=","signature":"I+hQUcDLZegxn0Td+ypmNxpAe9LpX5lsWz97ajCOx6qpKiB9gYyJm43dVVJLYcx8tbsCpwNLBJdMcKTaONJPBQ=="}},{"result":{"error":"upstream timeout"},"signatures":[{"signer":"H4ApZW7KD7MryrIrXZ3I2nx29MVzu6akaTPO56C4LXQ=","signature":"st7L10Bj8ERsSnv9v6+hNYMh/c8xBmzFRJHyhRyUYvIY+DNwlAHenObIlGJV9brdnfklsHIuDiZqxolFr0zeAg=="}],"signature":{"signer":"H4ApZW7KD7MryrIrXZ3I2nx29MVzu6akaTPO56C4LXQ=","signature":"st7L10Bj8ERsSnv9v6+hNYMh/c8xBmzFRJHyhRyUYvIY+DNwlAHenObIlGJV9brdnfklsHIuDiZqxolFr0zeAg=="}}]}`)
	batch     = []byte(`[{"requestID":[160,161,162,163,164,165,166,167,168,169,170,171,172,173,174,175,176,177,178,179,180,181,182,183,184,185,186,187,188,189,190,191],"applicationRequestID":"app-req-17","publicData":"CioweDEyMzQ1Njc4OTBhYmNkZWYxMjM0NTY3ODkwQUJDREVGMTIzNDU2NzgSB3dmLTAwMDE=","ciphertexts":["Y3QtYXBpLWtleQ==","Y3QtZGItdXJs"],"CiphertextNames":["API_KEY","DB_URL"],"encryptedDecryptionKeyShares":[["c2hhcmUtYTA=","c2hhcmUtYTE="],["c2hhcmUtYjA="]],"enclaveEphemeralPublicKey":"ZXBoZW1lcmFsLXB1YmxpYy1rZXktMzItYnl0ZXMuLi4=","masterPublicKey":"dGRoMi1tYXN0ZXItcHVibGljLWtleS1ieXRlcw==","appID":"confidential-workflows","version":"0.0.7","signature":"M1J5gu76Qog2nhqMFOmaMMCls44uCu5hwrHiunJjYnp931I3HzxrhoUngx4Pd4YfHlxtRdqhSyvqddO8uwgABA=="},{"requestID":[160,161,162,163,164,165,166,167,168,169,170,171,172,173,174,175,176,177,178,179,180,181,182,183,184,185,186,187,188,189,190,191],"applicationRequestID":"app-req-17","publicData":"CioweDEyMzQ1Njc4OTBhYmNkZWYxMjM0NTY3ODkwQUJDREVGMTIzNDU2NzgSB3dmLTAwMDE=","ciphertexts":["Y3QtYXBpLWtleQ==","Y3QtZGItdXJs"],"CiphertextNames":["API_KEY","DB_URL"],"encryptedDecryptionKeyShares":[["ZGlmZmVyZW50IHNoYXJl"]],"enclaveEphemeralPublicKey":"ZXBoZW1lcmFsLXB1YmxpYy1rZXktMzItYnl0ZXMuLi4=","masterPublicKey":"dGRoMi1tYXN0ZXItcHVibGljLWtleS1ieXRlcw==","appID":"confidential-workflows","version":"0.0.7","signature":"iyY5zhCYWF7VI0gKTlISRY7WICkgmBw2lXUTFiU6GOTaHXjGaAu5OOCfdylUNiqgsXlZ03Wbg8muga/Wc3zaCg=="}]`)
)

func hexKeyList(hexes ...string) [][]byte {
	var keys [][]byte
	for _, h := range hexes {
		k, err := hex.DecodeString(h)
		if err != nil {
			panic(err)
		}
		keys = append(keys, k)
	}
	return keys
}

// Verify a relay bundle: the keys and F once, then the enclave's own
// request parameters and the gateway's body per request.
func Example() {
	v, err := rv.NewVerifier(relayKeys, 1) // N = 4, F = 1: two signers suffice
	if err != nil {
		panic(err)
	}
	defer v.Close()

	res, err := v.Verify(rv.CapabilityExecute, params, bundle)
	if err != nil {
		panic(err)
	}
	fmt.Printf("accepted: %d signers, response %d, hash %x\n", len(res.Signers), res.Index, res.Hash[:4])
	fmt.Printf("the capability answered: error %q\n", res.Capability.Error)

	// The same body for other parameters is someone else's answer.
	_, err = v.Verify(rv.CapabilityExecute, []byte(`{"workflow_id":"wf-0002"}`), bundle)
	var ve *rv.VerifyError
	if errors.As(err, &ve) {
		fmt.Println("refused:", ve.Reason)
	}
	// Output:
	// accepted: 2 signers, response 0, hash f5b8b4f1
	// the capability answered: error "upstream timeout"
	// refused: invalid_params
}

// Verify a Workflow-DON batch of signed compute requests (PROTOCOL.md
// §12): Index is the entry whose request to execute.
func ExampleVerifier_VerifyCompute() {
	v, err := rv.NewVerifier(relayKeys, 1)
	if err != nil {
		panic(err)
	}
	defer v.Close()

	res, err := v.VerifyCompute(batch)
	if err != nil {
		panic(err)
	}
	fmt.Printf("execute entry %d, signed by %d, request hash %x\n", res.Index, len(res.Signers), res.Hash[:4])
	// Output:
	// execute entry 0, signed by 2, request hash 867cbc7f
}

// The relay DON's config in force (four signers, F = 1) and two of its
// signers' votes for a seven-node config (vectors/config/rotation.json,
// rotate/f-plus-one-votes).
var (
	firstConfig    = []byte(`{"signers":["l+Sib5RBYaXzNLfALOEtGHjTL6b6L5JfsCrcKd2zvuw=","H4ApZW7KD7MryrIrXZ3I2nx29MVzu6akaTPO56C4LXQ=","SjL8EC5TzkJVTqiPHdBwN75rVgPvCed0DHg6vHisA3I=","42v6Xi3e4T5v5sgwZ04Tw11tjIww7F1I/tluW7wNK4s="],"masterPublicKey":"dGRoMi1tYXN0ZXItcHVibGljLWtleS1ieXRlcw==","t":2,"f":1}`)
	proposedConfig = "eyJzaWduZXJzIjpbImwrU2liNVJCWWFYek5MZkFMT0V0R0hqVEw2YjZMNUpmc0NyY0tkMnp2dXc9IiwiSDRBcFpXN0tEN01yeXJJclhaM0kybngyOU1WenU2YWthVFBPNTZDNExYUT0iLCJTakw4RUM1VHprSlZUcWlQSGRCd043NXJWZ1B2Q2VkMERIZzZ2SGlzQTNJPSIsIjQydjZYaTNlNFQ1djVzZ3daMDRUdzExdGpJd3c3RjFJL3RsdVc3d05LNHM9IiwiRGpkcDJMTC8xZW5ESVpMczhwZysvR25XRkVPZDdVbTdweGtUTkFFN3hRYz0iLCJ3THREUEtJMGZGV2psSmRQN0wwVXJCejhWVms1RHdHd2lpekxTWVoxdGpnPSIsIlU2d2ovcWtKY3FwL3htektVdUJNcVBqZVpGNzNJeHFSK3ZIcENCV0NzaVk9Il0sIm1hc3RlclB1YmxpY0tleSI6ImRHUm9NaTF0WVhOMFpYSXRjSFZpYkdsakxXdGxlUzFpZVhSbGN3PT0iLCJ0IjozLCJmIjoyfQ=="
	voteBodies     = [][]byte{
		[]byte(`{"config":"` + proposedConfig + `","signature":"3kNMX02yZ/W2Th0/JLPyTwjuvs7G+mcIQjsuwXzyiQpxn+OkkAIYYN9ImVftkcqfKN3r1I0dNMOqRfaIMgcBDg=="}`),
		[]byte(`{"config":"` + proposedConfig + `","signature":"w8sYJrffsljfnhNd/ae83mv/KL2POom5fQMGA7UcJ5MUFJTpLv5n6Y2iBLL4l51KprmkiUlkkKPCJ60alYNHDQ=="}`),
	}
)

// Rotate the signer set by votes of the current one (PROTOCOL.md §13):
// F+1 live votes apply a config, and the enclave swaps its verifier.
func ExampleRotation() {
	r, err := rv.NewRotation(firstConfig, rv.DefaultVoteLifetime)
	if err != nil {
		panic(err)
	}
	defer r.Close()
	v, err := r.Verifier()
	if err != nil {
		panic(err)
	}
	defer v.Close()

	for i, body := range voteBodies {
		out, err := r.TakeVote(body, uint64(10*i)) // now, from a trusted clock
		if err != nil {
			panic(err) // a *VoteError: Reason, Offset
		}
		fmt.Printf("%s: %d of %d, config %x\n", out.Vote, out.Collected, out.Required, out.Hash[:4])
		if out.Vote == rv.VoteApplied {
			if err := v.LoadFrom(r); err != nil {
				panic(err)
			}
		}
	}
	now, _ := r.Current()
	fmt.Printf("in force: %d signers, F = %d; the verifier has %d\n", len(now.Signers), now.F, len(v.Signers()))

	// The same vote again: that config is the one in force.
	out, _ := r.TakeVote(voteBodies[0], 20)
	fmt.Println(out.Vote)
	// A broken vote is refused, and says where.
	_, err = r.TakeVote([]byte(`{"config":1}`), 30)
	var ve *rv.VoteError
	if errors.As(err, &ve) {
		fmt.Println("refused:", ve.Reason, "at byte", ve.Offset)
	}
	// Output:
	// collected: 1 of 2, config 2300dcad
	// applied: 2 of 2, config 2300dcad
	// in force: 7 signers, F = 2; the verifier has 7
	// already_current
	// refused: malformed at byte 10
}

// Run each verified compute request at most once (PROTOCOL.md §14).
func ExampleReplayGuard() {
	v, err := rv.NewVerifier(relayKeys, 1)
	if err != nil {
		panic(err)
	}
	defer v.Close()
	g, err := rv.NewReplayGuard(2048, 1024, rv.DefaultReplayLifetime)
	if err != nil {
		panic(err)
	}
	defer g.Close()

	res, err := g.Begin(v, batch, 100)
	if err != nil {
		panic(err)
	}
	fmt.Printf("execute entry %d of request %x\n", res.Index, res.Hash[:4])
	// ... it ran: record it (Abandon instead lets a failed run be retried).
	if err := g.Finish(res.Hash, 105); err != nil {
		panic(err)
	}

	_, err = g.Begin(v, batch, 200)
	fmt.Println("again:", err)
	// Output:
	// execute entry 0 of request 867cbc7f
	// again: relayverifier: executed
}
