#!/usr/bin/env bash
# Builds the static library, compiles examples/verify.c against
# include/relay_verifier.h and it, and runs the result. From anywhere.
# PROFILE=release for an optimised library (default: dev, which `cargo test`
# has already built in CI).
set -euo pipefail
cd "$(dirname "$0")"
profile="${PROFILE:-dev}"
cargo build --quiet --lib --profile "$profile"
dir="${CARGO_TARGET_DIR:-target}/$([ "$profile" = dev ] && echo debug || echo "$profile")"
# The Rust standard library inside the archive needs these on Linux.
cc -std=c11 -Wall -Wextra -Werror -O2 -Iinclude examples/verify.c \
    "$dir/librelay_verifier_ffi.a" -lpthread -ldl -lm -o "$dir/verify-example"
"$dir/verify-example"
