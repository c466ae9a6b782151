#!/usr/bin/env bash
# CI for the Go package: installs Go from apt when absent, builds the C
# ABI's static library, then go vet, gofmt, the tests (every shared vector
# file, the examples, the ABI misuse probes; again under the race detector
# and cgo's strict pointer checks), a one-iteration benchmark smoke and
# a Rust panic on purpose (the library rebuilt with its probe, then without).
# Fails on any failure. Runs from anywhere; needs ../shared/vectors beside
# the repository, like the Rust tests.
set -euo pipefail
cd "$(dirname "$0")"

if ! command -v go >/dev/null 2>&1; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq golang-go >/dev/null
fi
go version

./build-native.sh

unformatted="$(gofmt -l .)"
if [ -n "$unformatted" ]; then
    echo "gofmt: not formatted: $unformatted" >&2
    exit 1
fi
go vet ./...
# -v so the per-file "N passed, M failed" lines show; the RUN/PASS chatter
# of passing tests is dropped.
go test -count=1 -v ./... | grep -v -E '^(=== (RUN|PAUSE|CONT)|    --- PASS|--- PASS)'
# cgocheck=2: every pointer handed to C is checked for Go pointers inside.
GODEBUG=cgocheck=2 go test -count=1 -race ./...
go test -count=1 -run '^$' -bench . -benchtime=1x ./...
# A Rust panic must come back as an error, never unwind into Go: the library
# built with its panic probe, the probe's test (plain and under -race), then
# the plain library again, so that nothing else ever links the probe.
RV_FFI_FEATURES=panic-probe ./build-native.sh
go vet -tags relay_verifier_panic_probe ./...
go test -count=1 -tags relay_verifier_panic_probe -run 'Panic' .
go test -count=1 -race -tags relay_verifier_panic_probe -run 'Panic' .
./build-native.sh
