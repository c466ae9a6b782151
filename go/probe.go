package relayverifier

// #include <stdlib.h>
// #include <string.h>
// #include "relay_verifier.h"
import "C"

import "unsafe"

// abiProbe is one careless call straight into the C ABI and the status it
// must come back with. The probes live here, not in a _test.go file,
// because cgo is not allowed in tests; the linker drops them from
// programs that never call them.
type abiProbe struct {
	name string
	want int32
	call func() int32
}

// abiProbes builds misuse calls over C memory only (so cgo's pointer rules
// never come into it): null, misaligned, overlapping and oversized
// arguments, an unloaded verifier and an unknown method. Each must return
// a status, never crash or unwind. free releases the memory.
func abiProbes(keys []byte, f int) (probes []abiProbe, free func()) {
	mem := C.calloc(1, C.size_t(C.sizeof_RvVerifier*2+C.sizeof_RvOutcome*2+4096+len(keys)))
	loaded := (*C.RvVerifier)(mem)
	unloaded := (*C.RvVerifier)(unsafe.Add(mem, C.sizeof_RvVerifier))
	outAt := unsafe.Add(mem, 2*C.sizeof_RvVerifier)
	out := (*C.RvOutcome)(outAt)
	body := (*C.uint8_t)(unsafe.Add(outAt, 2*C.sizeof_RvOutcome))
	keyAt := (*C.uint8_t)(unsafe.Add(unsafe.Pointer(body), 4096))
	C.memcpy(unsafe.Pointer(keyAt), unsafe.Pointer(&keys[0]), C.size_t(len(keys)))
	params := []byte(`{"workflow_id":"wf","owner":"0x1234567890abcdef1234567890ABCDEF12345678","execution_id":"e","reference_id":"r","capability_id":"c@1","payload":"cGluZw=="}`)
	C.memcpy(unsafe.Pointer(body), unsafe.Pointer(&params[0]), C.size_t(len(params)))
	paramsAt, paramsLen := body, C.size_t(len(params))
	n := C.size_t(len(keys) / KeyLen)
	initStatus := int32(C.rv_verifier_init(loaded, keyAt, n, C.size_t(f), 0))
	const invalid, notInit, ok = C.RV_STATUS_INVALID_ARGUMENT, C.RV_STATUS_NOT_INITIALISED, C.RV_STATUS_OK
	huge := ^C.size_t(0)
	misaligned := (*C.RvOutcome)(unsafe.Pointer(uintptr(outAt) + 1))
	verify := func(v *C.RvVerifier, method uint32, body *C.uint8_t, n C.size_t, o *C.RvOutcome) func() int32 {
		return func() int32 {
			return int32(C.rv_verify(v, C.uint32_t(method), paramsAt, paramsLen, body, n, o))
		}
	}
	probes = []abiProbe{
		{"init loads the keys", ok, func() int32 { return initStatus }},
		{"init: null verifier", invalid, func() int32 { return int32(C.rv_verifier_init(nil, keyAt, n, 1, 0)) }},
		{"init: null keys with a count", invalid, func() int32 { return int32(C.rv_verifier_init(unloaded, nil, n, 1, 0)) }},
		{"init: a key count past the address space", invalid, func() int32 { return int32(C.rv_verifier_init(unloaded, keyAt, huge/32+1, 1, 0)) }},
		{"verify: null verifier", invalid, verify(nil, C.RV_METHOD_CAPABILITY_EXECUTE, body, 0, out)},
		{"verify: a verifier never loaded", notInit, verify(unloaded, C.RV_METHOD_CAPABILITY_EXECUTE, body, 0, out)},
		{"verify: unknown method", invalid, verify(loaded, 99, body, 16, out)},
		{"verify: null body with a length", invalid, verify(loaded, C.RV_METHOD_CAPABILITY_EXECUTE, nil, 16, out)},
		{"verify: a body past the address space", invalid, verify(loaded, C.RV_METHOD_CAPABILITY_EXECUTE, body, huge, out)},
		{"verify: null outcome", invalid, verify(loaded, C.RV_METHOD_CAPABILITY_EXECUTE, body, 16, nil)},
		{"verify: misaligned outcome", invalid, verify(loaded, C.RV_METHOD_CAPABILITY_EXECUTE, body, 16, misaligned)},
		{"verify: outcome overlapping the body", invalid, verify(loaded, C.RV_METHOD_CAPABILITY_EXECUTE, body, 16, (*C.RvOutcome)(unsafe.Pointer(body)))},
		{"verify: empty body is malformed", C.RV_STATUS_MALFORMED, verify(loaded, C.RV_METHOD_CAPABILITY_EXECUTE, nil, 0, out)},
		{"compute: null outcome", invalid, func() int32 { return int32(C.rv_verify_compute(loaded, body, 16, nil)) }},
		{"compute: never loaded", notInit, func() int32 { return int32(C.rv_verify_compute(unloaded, body, 16, out)) }},
		{"report: null work with a length", invalid, func() int32 {
			var rep C.RvReportOut
			return int32(C.rv_verify_report(loaded, paramsAt, paramsLen, body, 16, nil, 64, &rep, out))
		}},
		{"report: null report", invalid, func() int32 {
			return int32(C.rv_verify_report(loaded, paramsAt, paramsLen, body, 16, nil, 0, nil, out))
		}},
		{"signer: position past the keys", invalid, func() int32 {
			return int32(C.rv_verifier_signer(loaded, 64, (*C.uint8_t)(unsafe.Pointer(body))))
		}},
	}
	return probes, func() { C.free(mem) }
}
