//go:build relay_verifier_panic_probe

package relayverifier

// Only with -tags relay_verifier_panic_probe, against a library that
// build-native.sh built with RV_FFI_FEATURES=panic-probe: the probe door is
// not in the header, so it is declared here. cgo is not allowed in tests,
// hence this file.

// #include "relay_verifier.h"
// RvStatus rv_probe_panic(void);
import "C"

// probePanic calls the door that panics inside Rust and returns what came
// back, as the package turns any status into an error.
func probePanic() error {
	if status := C.rv_probe_panic(); status != C.RV_STATUS_OK {
		return statusError(int32(status), nil)
	}
	return nil
}
