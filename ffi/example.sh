#!/usr/bin/env bash
# Builds the static library, compiles examples/verify.c against
# include/relay_verifier.h and it, and runs the result. From anywhere.
set -euo pipefail
cd "$(dirname "$0")"
cargo build --release --quiet --lib
lib="${CARGO_TARGET_DIR:-target}/release/librelay_verifier_ffi.a"
out="${CARGO_TARGET_DIR:-target}/verify-example"
# The Rust standard library inside the archive needs these on Linux.
cc -std=c11 -Wall -Wextra -Werror -O2 -Iinclude examples/verify.c "$lib" \
    -lpthread -ldl -lm -o "$out"
"$out"
