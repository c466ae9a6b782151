package gorule

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"hash"
	"sort"
)

// SecretEntry is one entry of a secrets result (PROTOCOL.md §3).
type SecretEntry struct {
	ID              SecretIdentifier `json:"id"`
	Ciphertext      string           `json:"ciphertext"`
	EncryptedShares []string         `json:"encrypted_shares"`
}

// SecretsResponseResult is the logical result of confidential.secrets.get.
type SecretsResponseResult struct {
	Secrets []SecretEntry `json:"secrets"`
}

// CapabilityResponseResult is the logical result of
// confidential.capability.execute.
type CapabilityResponseResult struct {
	Payload string `json:"payload,omitempty"`
	Error   string `json:"error,omitempty"`
}

// Signature is one node's signature as the envelope carries it; Go's
// encoding/json decodes both fields from padded base64.
type Signature struct {
	Signer    []byte `json:"signer"`
	Signature []byte `json:"signature"`
}

// SignedResponse is one relay node's response (PROTOCOL.md §6).
type SignedResponse[R any] struct {
	Result     R           `json:"result"`
	Signatures []Signature `json:"signatures"`
	Signature  Signature   `json:"signature"`
}

// Bundle is what today's gateway returns.
type Bundle[R any] struct {
	Responses []SignedResponse[R] `json:"responses"`
}

const domainPrefix = "CONFIDENTIAL_COMPUTE_PAYLOAD"

type hasher struct {
	h   hash.Hash
	buf [8]byte
}

func newHasher(tag string) *hasher {
	w := &hasher{h: sha256.New()}
	w.h.Write([]byte(domainPrefix))
	w.h.Write([]byte(tag))
	return w
}

func (w *hasher) len(n int) {
	binary.BigEndian.PutUint64(w.buf[:], uint64(n))
	w.h.Write(w.buf[:])
}

func (w *hasher) str(s string) {
	w.len(len(s))
	w.h.Write([]byte(s))
}

func (w *hasher) bytes(b []byte) {
	w.len(len(b))
	w.h.Write(b)
}

func (w *hasher) u32(x uint32) {
	binary.BigEndian.PutUint32(w.buf[:4], x)
	w.h.Write(w.buf[:4])
}

func (w *hasher) cfg(c *EnclaveConfig) {
	if c == nil {
		return
	}
	signers := make([][]byte, len(c.Signers))
	copy(signers, c.Signers)
	sort.Slice(signers, func(i, j int) bool { return bytes.Compare(signers[i], signers[j]) < 0 })
	w.len(len(signers))
	for _, s := range signers {
		w.bytes(s)
	}
	w.bytes(c.MasterPublicKey)
	w.u32(c.T)
	w.u32(c.F)
}

func (w *hasher) sum() (out [32]byte) {
	w.h.Sum(out[:0])
	return out
}

// SecretsHash is the canonical hash of PROTOCOL.md §4 for a secrets result.
// The parameters must have passed Validate.
func SecretsHash(p *SecretsRequestParams, r *SecretsResponseResult) [32]byte {
	w := newHasher("\nSecretsResponseResult\n")
	w.str(p.WorkflowID)
	w.str(p.Owner)
	w.str(p.ExecutionID)
	w.str(p.OrgID)

	ids := make([]SecretIdentifier, len(p.Secrets))
	copy(ids, p.Secrets)
	// Go's sort.Slice, as the deployed code sorts: stable below 12 items.
	sort.Slice(ids, func(i, j int) bool {
		if ids[i].Namespace != ids[j].Namespace {
			return ids[i].Namespace < ids[j].Namespace
		}
		return ids[i].Key < ids[j].Key
	})
	w.len(len(ids))
	for _, id := range ids {
		w.str(id.Key)
		w.str(id.Namespace)
	}
	w.str(p.EnclavePublicKey)
	w.cfg(p.EnclaveConfig)

	entries := make([]SecretEntry, len(r.Secrets))
	copy(entries, r.Secrets)
	sort.Slice(entries, func(i, j int) bool {
		a, b := &entries[i], &entries[j]
		if a.ID.Namespace != b.ID.Namespace {
			return a.ID.Namespace < b.ID.Namespace
		}
		if a.ID.Key != b.ID.Key {
			return a.ID.Key < b.ID.Key
		}
		return a.Ciphertext < b.Ciphertext
	})
	w.len(len(entries))
	for _, e := range entries {
		w.str(e.ID.Key)
		w.str(e.ID.Namespace)
		w.str(e.Ciphertext)
		shares := make([]string, len(e.EncryptedShares))
		copy(shares, e.EncryptedShares)
		sort.Strings(shares)
		w.len(len(shares))
		for _, s := range shares {
			w.str(s)
		}
	}
	return w.sum()
}

// CapabilityHash is the canonical hash of PROTOCOL.md §4 for a capability
// result. The parameters must have passed Validate.
func CapabilityHash(p *CapabilityRequestParams, r *CapabilityResponseResult) [32]byte {
	w := newHasher("\nCapabilityResponseResult\n")
	w.str(p.WorkflowID)
	w.str(p.Owner)
	w.str(p.ExecutionID)
	w.str(p.OrgID)
	w.str(p.ReferenceID)
	w.str(p.CapabilityID)
	w.str(p.Payload)
	w.cfg(p.EnclaveConfig)
	w.str(r.Payload)
	w.str(r.Error)
	return w.sum()
}

// SignaturePayload is the 174-byte message a relay node signs for a hash
// (PROTOCOL.md §5).
func SignaturePayload(h [32]byte) []byte {
	const domain = "CONFIDENTIAL_RELAY_PAYLOAD_"
	out := make([]byte, 0, 174)
	for i := 0; i < 64; i++ {
		out = append(out, 0x20)
	}
	out = append(out, "ragep2p arbitrary message signing"...)
	out = append(out, 0)
	out = binary.BigEndian.AppendUint64(out, uint64(len(domain)))
	out = append(out, domain...)
	out = append(out, 0)
	out = binary.BigEndian.AppendUint64(out, 32)
	out = append(out, h[:]...)
	return out
}
