#!/usr/bin/env bash
# Builds the C ABI's static library (../ffi, release) and copies it to
# native/librelay_verifier_ffi.a, where the cgo flags in link.go look for it,
# and its header to relay_verifier.h. Both are build products (gitignored).
# Honours CARGO_TARGET_DIR. Run it again whenever ../ffi changes; the go
# command then rebuilds and relinks by itself (it hashes both files).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
# RV_FFI_FEATURES: cargo features of ../ffi (ci.sh's panic test builds
# `panic-probe`, then builds the plain library again).
cargo build --quiet --release --lib --manifest-path "$root/ffi/Cargo.toml" \
    ${RV_FFI_FEATURES:+--features "$RV_FFI_FEATURES"}
target="${CARGO_TARGET_DIR:-$root/ffi/target}"
mkdir -p "$here/native"
cp "$target/release/librelay_verifier_ffi.a" "$here/native/librelay_verifier_ffi.a"
# The header beside the Go files, where the go command hashes it (it does
# not notice a changed header in another directory) and so rebuilds.
cp "$root/ffi/include/relay_verifier.h" "$here/relay_verifier.h"
echo "go/native/librelay_verifier_ffi.a from $target/release${RV_FFI_FEATURES:+ (features: $RV_FFI_FEATURES)}, go/relay_verifier.h from ffi/include"
