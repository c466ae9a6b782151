#!/usr/bin/env bash
# Release code size of relay-verifier's default no_std build on
# thumbv7em-none-eabihf, linked into the tiny binary of size/src/main.rs.
#
#   size/measure.sh            # opt-levels s, z, 3
#   size/measure.sh s 2        # any opt-levels, first one gets the symbol lists
#   TOP=30 size/measure.sh     # longer symbol lists
#
# For every opt-level (CARGO_PROFILE_RELEASE_OPT_LEVEL; lto = true,
# codegen-units = 1, panic = "abort" from size/Cargo.toml) it builds:
#   baseline    --no-default-features: same _start and panic handler, empty loop
#   verifier    the default: relay-verifier with `small-ed25519`, full path
#   inlined     the same without `small-ed25519` (ed25519-compact inlined)
#   display     verifier + Display of the rejection via core::fmt
# and prints the allocated ELF sections. flash = .text + .rodata + .ARM.exidx
# + .data (its load image); RAM = .data + .bss (statics only: the stack is
# not counted). "net" = flash - baseline flash - the test inputs (the INPUT_*
# statics: reference vectors that are data, not verifier code). The goal is
# flash net <= 64 KiB.
#
# Needs: rustup target thumbv7em-none-eabihf, binutils readelf and nm (they
# read ARM ELF). Artifacts: size/target/measure/.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"

target=thumbv7em-none-eabihf
bin=relay-verifier-size
out="$here/target/measure"
top="${TOP:-15}"
goal=$((64 * 1024))
mkdir -p "$out"

if [ "$#" -gt 0 ]; then levels=("$@"); else levels=(s z 3); fi

variants=(baseline verifier inlined display)
features_of() {
    case "$1" in
        baseline) echo "--no-default-features" ;;
        verifier) echo "" ;;
        inlined) echo "--no-default-features --features verifier" ;;
        display) echo "--features display" ;;
    esac
}

# Portable awk (mawk has no strtonum): hex string to number.
hex_awk='
function hex(h,   i, n) {
    n = 0; h = tolower(h)
    for (i = 1; i <= length(h); i++) n = n * 16 + index("0123456789abcdef", substr(h, i, 1)) - 1
    return n
}'

# Sizes of the allocated sections, from `readelf -S --wide`:
# prints "text rodata exidx data bss" in bytes (other alloc sections go to
# text if executable, else rodata; writable PROGBITS to data, NOBITS to bss).
sections() {
    readelf -S --wide "$1" | sed -n 's/^ *\[ *[0-9]*\] *//p' | awk "$hex_awk"'
        { name = $1; type = $2; size = hex($5); flags = $7 }
        flags !~ /A/ { next }
        name == ".text" || flags ~ /X/ { text += size; next }
        name == ".ARM.exidx" { exidx += size; next }
        type == "NOBITS" { bss += size; next }
        flags ~ /W/ { data += size; next }
        { rodata += size }
        END { printf "%d %d %d %d %d\n", text, rodata, exidx, data, bss }'
}

# Bytes of the test-input statics (INPUT_*) in the binary.
inputs() {
    nm -S "$1" | awk "$hex_awk"'$4 ~ /INPUT_/ { s += hex($2) } END { print s + 0 }'
}

# The crate that owns a demangled symbol: the first path segment of the
# name, or of the Self type of `<T as Trait>::f` / `<T>::f`. Generic core
# code instantiated for a relay_verifier type or closure is reported as
# "core<relay_verifier>": it is the verifier's code in all but name. LTO
# inlines most of the verifier into _start, reported as its own line.
owner_awk='
function owner(name,   n, c) {
    if (name ~ /::INPUT_/) return "(test inputs: INPUT_*)"
    if (name == "_start") return "_start (probe + inlined verifier)"
    if (name ~ /^OUTLINED_FUNCTION_/) return "(machine outliner, shared)"
    if (name ~ /^\.L/) return "(anonymous constants)"
    n = name
    sub(/^<+/, "", n)
    if (n !~ /::/) {
        if (n ~ /^(mem|__aeabi|__)/) return "compiler_builtins"
        return n
    }
    # <[T]>::f, <&T>::f, <u8 as Ord>::cmp ...: methods of primitive types.
    if (n ~ /^[[&*(]/ || n ~ /^(u8|u16|u32|u64|u128|usize|i8|i16|i32|i64|i128|isize|bool|char|str) /) c = "core"
    else { c = n; sub(/::.*/, "", c) }
    if ((c == "core" || c == "alloc") && name ~ /relay_verifier::/) return c "<relay_verifier>"
    return c
}'

# "size crate name" for every symbol in an allocated section, largest first.
symbols() {
    nm -C -S --size-sort -r "$1" | awk "$hex_awk$owner_awk"'
        NF >= 4 && $3 ~ /^[tTrRdDbB]$/ {
            size = hex($2); name = $4
            for (i = 5; i <= NF; i++) name = name " " $i
            printf "%d\t%s\t%s\n", size, owner(name), name
        }'
}

kib() { awk -v b="$1" 'BEGIN { printf "%.1f", b / 1024 }'; }

declare -A flash_of
results=()
for lvl in "${levels[@]}"; do
    for v in "${variants[@]}"; do
        # One target dir per opt-level keeps the dependency builds cached.
        # shellcheck disable=SC2046
        CARGO_PROFILE_RELEASE_OPT_LEVEL="$lvl" CARGO_TARGET_DIR="$out/opt-$lvl" \
            cargo build --release --quiet --target "$target" $(features_of "$v")
        elf="$out/$bin-opt$lvl-$v.elf"
        cp "$out/opt-$lvl/$target/release/$bin" "$elf"
        read -r text rodata exidx data bss < <(sections "$elf")
        flash=$((text + rodata + exidx + data))
        flash_of["$lvl/$v"]=$flash
        results+=("$lvl $v $text $rodata $exidx $data $bss $flash $(inputs "$elf")")
    done
done

echo
echo "relay-verifier on $target — $(rustc --version)"
echo "profile: lto = true, codegen-units = 1, panic = \"abort\"; flash = .text + .rodata + .ARM.exidx + .data"
echo
printf '%-4s %-11s %8s %8s %6s %6s %6s %9s %9s %7s %10s %9s  %s\n' \
    opt variant .text .rodata exidx .data .bss flash "flash KiB" inputs "net bytes" "net KiB" "<= 64 KiB"
for r in "${results[@]}"; do
    read -r lvl v text rodata exidx data bss flash inp <<<"$r"
    if [ "$v" = baseline ]; then
        net=""; netk=""; ok=""
    else
        net=$((flash - flash_of["$lvl/baseline"] - inp))
        netk=$(kib "$net")
        if [ "$net" -le "$goal" ]; then ok=yes; else ok=NO; fi
    fi
    printf '%-4s %-11s %8d %8d %6d %6d %6d %9d %9s %7d %10s %9s  %s\n' \
        "$lvl" "$v" "$text" "$rodata" "$exidx" "$data" "$bss" "$flash" "$(kib "$flash")" "$inp" "$net" "$netk" "$ok"
done

for v in verifier inlined; do
    for lvl in "${levels[@]}"; do
        elf="$out/$bin-opt$lvl-$v.elf"
        echo
        echo "== opt-level $lvl, $v: allocated bytes by crate (all symbols) =="
        symbols "$elf" | awk -F'\t' '{ s[$2] += $1; t += $1 }
            END { for (c in s) printf "%8d  %5.1f%%  %s\n", s[c], 100 * s[c] / t, c; }' | sort -rn
    done
    lvl="${levels[0]}"
    echo
    echo "== opt-level $lvl, $v: the $top largest symbols =="
    # awk, not head: head would close the pipe early and trip pipefail.
    symbols "$out/$bin-opt$lvl-$v.elf" |
        awk -F'\t' -v top="$top" 'NR > top { next } { n = $3; if (length(n) > 110) n = substr(n, 1, 107) "...";
                      printf "%7d  %-34s %s\n", $1, $2, n }'
done
echo
echo "ELF files: $out/$bin-opt<level>-<variant>.elf"
