//go:build !relay_verifier_external

package relayverifier

// The static library build-native.sh puts in native/; the Rust standard
// library inside it needs libm, libdl and libpthread on Linux. Build with
// -tags relay_verifier_external to link a library of your own through
// CGO_LDFLAGS instead.

// #cgo LDFLAGS: ${SRCDIR}/native/librelay_verifier_ffi.a -lm -ldl -lpthread
import "C"
