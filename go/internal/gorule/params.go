// Package gorule re-implements, from PROTOCOL.md's description alone, the
// rule the deployed Go enclave applies to a relay-DON bundle: Go's
// encoding/json decoding of the whole body, the §4 canonical hash of every
// response (with the §11 report grouping for capability results), and
// trial verification of each response's `signature` against every
// configured key in set order with crypto/ed25519 until one verifies.
//
// It exists to be measured against the relay-verifier package in the same
// benchmark (issue 21), and to generate the signed bundles both are fed.
// It is not a verifier to deploy: it keeps every behaviour PROTOCOL.md marks
// as a DIVERGENCE of the Go enclave (only `signature` is read, signer labels
// are ignored, one non-base64 signature fails the whole body, F = 0 and
// repeated keys are accepted, no equivocation rule).
package gorule

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
)

// Method names (PROTOCOL.md §2).
const (
	MethodSecretsGet        = "confidential.secrets.get"
	MethodCapabilityExecute = "confidential.capability.execute"
)

// SecretIdentifier names one secret.
type SecretIdentifier struct {
	Key       string `json:"key"`
	Namespace string `json:"namespace"`
}

// EnclaveConfig is the optional `enclave_config` of a request.
type EnclaveConfig struct {
	Signers         [][]byte `json:"signers"`
	MasterPublicKey []byte   `json:"master_public_key"`
	T               uint32   `json:"t"`
	F               uint32   `json:"f"`
}

// SecretsRequestParams are the parameters of confidential.secrets.get.
type SecretsRequestParams struct {
	WorkflowID            string                       `json:"workflow_id"`
	Owner                 string                       `json:"owner"`
	ExecutionID           string                       `json:"execution_id"`
	OrgID                 string                       `json:"org_id,omitempty"`
	Secrets               []SecretIdentifier           `json:"secrets"`
	EnclavePublicKey      string                       `json:"enclave_public_key"`
	EnclaveConfig         *EnclaveConfig               `json:"enclave_config,omitempty"`
	Attestation           string                       `json:"attestation,omitempty"`
	SignedComputeRequests []map[string]json.RawMessage `json:"signed_compute_requests,omitempty"`
}

// CapabilityRequestParams are the parameters of
// confidential.capability.execute.
type CapabilityRequestParams struct {
	WorkflowID    string         `json:"workflow_id"`
	Owner         string         `json:"owner"`
	ExecutionID   string         `json:"execution_id"`
	OrgID         string         `json:"org_id,omitempty"`
	ReferenceID   string         `json:"reference_id"`
	CapabilityID  string         `json:"capability_id"`
	Payload       string         `json:"payload"`
	EnclaveConfig *EnclaveConfig `json:"enclave_config,omitempty"`
	Attestation   string         `json:"attestation,omitempty"`
}

// ErrInvalidParams wraps every parameter rule of PROTOCOL.md §2.
var ErrInvalidParams = errors.New("invalid request params")

func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalidParams, fmt.Sprintf(format, args...))
}

func validOwner(owner string) bool {
	if len(owner) != 42 || owner[0] != '0' || owner[1] != 'x' {
		return false
	}
	_, err := hex.DecodeString(owner[2:])
	return err == nil
}

func validateConfig(c *EnclaveConfig) error {
	if c == nil {
		return nil
	}
	if len(c.Signers) == 0 {
		return invalid("enclave_config.signers must be non-empty")
	}
	for i, s := range c.Signers {
		if len(s) == 0 {
			return invalid("enclave_config.signers[%d] is empty", i)
		}
	}
	if c.F == 0 {
		return invalid("enclave_config.f must be > 0")
	}
	if len(c.MasterPublicKey) == 0 {
		return invalid("enclave_config.master_public_key must be non-empty")
	}
	return nil
}

func validateCommon(workflowID, owner, executionID string) error {
	if workflowID == "" {
		return invalid("workflow_id is required")
	}
	if owner == "" {
		return invalid("owner is required")
	}
	if !validOwner(owner) {
		return invalid("owner must be a 0x-prefixed 20-byte hex address")
	}
	if executionID == "" {
		return invalid("execution_id is required")
	}
	return nil
}

// Validate applies PROTOCOL.md §2 to secrets parameters.
func (p *SecretsRequestParams) Validate() error {
	if err := validateCommon(p.WorkflowID, p.Owner, p.ExecutionID); err != nil {
		return err
	}
	if len(p.Secrets) == 0 {
		return invalid("secrets must be non-empty")
	}
	for i, s := range p.Secrets {
		if s.Key == "" {
			return invalid("secrets[%d].key is required", i)
		}
		if s.Namespace == "" {
			return invalid("secrets[%d].namespace is required", i)
		}
	}
	if p.EnclavePublicKey == "" {
		return invalid("enclave_public_key is required")
	}
	if _, err := hex.DecodeString(p.EnclavePublicKey); err != nil {
		return invalid("enclave_public_key must be hex-encoded")
	}
	return validateConfig(p.EnclaveConfig)
}

// Validate applies PROTOCOL.md §2 to capability parameters.
func (p *CapabilityRequestParams) Validate() error {
	if err := validateCommon(p.WorkflowID, p.Owner, p.ExecutionID); err != nil {
		return err
	}
	if p.ReferenceID == "" {
		return invalid("reference_id is required")
	}
	if p.CapabilityID == "" {
		return invalid("capability_id is required")
	}
	if p.Payload == "" {
		return invalid("payload is required")
	}
	return validateConfig(p.EnclaveConfig)
}
