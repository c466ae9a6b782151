#!/usr/bin/env bash
# Builds the C ABI's static library (../ffi, release) and copies it to
# native/librelay_verifier_ffi.a, where the cgo flags in link.go look for it.
# Honours CARGO_TARGET_DIR. Run it again whenever ../ffi changes: cgo does not
# notice a changed archive on its own (go clean -cache, or go test -count=1
# after touching a .go file, if results look stale).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
cargo build --quiet --release --lib --manifest-path "$root/ffi/Cargo.toml"
target="${CARGO_TARGET_DIR:-$root/ffi/target}"
mkdir -p "$here/native"
cp "$target/release/librelay_verifier_ffi.a" "$here/native/librelay_verifier_ffi.a"
echo "go/native/librelay_verifier_ffi.a from $target/release"
