// Package relayverifier verifies, inside an enclave written in Go, what an
// untrusted gateway relays from a DON of N nodes of which at most F are
// faulty: relay responses to secrets and capability requests (PROTOCOL.md
// §2–§11) and Workflow-DON-signed compute batches (§12). A result is
// accepted only when F+1 distinct configured signers signed exactly the
// hash the enclave recomputes from its own request parameters; anything
// else is a *VerifyError saying why (and, for a malformed body, where).
//
// It also keeps the enclave's own state: a Rotation applies a new signer
// set once F+1 current signers voted for it (§13; then Verifier.LoadFrom
// swaps the verifier), and a ReplayGuard lets each verified compute request
// run at most once (§14: Begin, then Finish or Abandon).
//
// It wraps the relay-verifier C ABI (../ffi) with cgo and links its static
// library, which ./build-native.sh builds. The library never allocates,
// never keeps Go memory past a call and catches every panic at its
// boundary; the state of a Verifier, Rotation or ReplayGuard lives in C
// memory freed by Close.
package relayverifier
