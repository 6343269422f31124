#!/usr/bin/env bash
# Checks the no_std core as the K230 firmware links it (riscv64, rv64gc/lp64d):
#  1. the release staticlib needs nothing from outside but the K230 MPP (kd_mpi_*) and a
#     short list of C library functions (below);
#  2. the code the core adds to a program (measured by linking every venc_* entry point into
#     a static riscv64 program with --gc-sections, against the same program with empty
#     stand-ins) fits the budget of 64 KiB of text.
# Symbols are read with readelf: binutils nm's LLVM plugin cannot read the bitcode that
# Rust's prebuilt libcore embeds and then wrongly reports "no symbols".
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TARGET=${K230_CORE_TARGET:-riscv64gc-unknown-linux-gnu}
CROSS=${CROSS_COMPILE:-riscv64-linux-gnu-}
BUDGET=${K230_CORE_TEXT_BUDGET:-65536}
# What the core may take from the C library (the CanMV firmware links musl).
ALLOWED_LIBC="abort bcmp memcmp memcpy memmove memset"

cd "$ROOT"
${CARGO:-cargo} build --release -q -p k230-venc --target "$TARGET"
lib="$ROOT/target/$TARGET/release/libk230_venc.a"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

"${CROSS}readelf" -sW "$lib" 2>/dev/null | awk '$7 == "UND" && $8 != "" {print $8}' | sort -u >"$work/undef"
"${CROSS}readelf" -sW "$lib" 2>/dev/null |
    awk '$7 != "UND" && ($5 == "GLOBAL" || $5 == "WEAK") && $8 != "" {print $8}' | sort -u >"$work/def"
comm -23 "$work/undef" "$work/def" >"$work/external"
bad=$(grep -v '^kd_mpi_' "$work/external" | grep -vxF -f <(tr ' ' '\n' <<<"$ALLOWED_LIBC") || true)
echo "core archive: needs $(grep -c '^kd_mpi_' "$work/external") kd_mpi_* functions and:" \
    $(grep -v '^kd_mpi_' "$work/external" | tr '\n' ' ')
if [ -n "$bad" ]; then
    echo "FAIL: the core archive needs symbols outside the MPP and the allowed C functions ($ALLOWED_LIBC):" >&2
    echo "$bad" >&2
    exit 1
fi

# Every kd_mpi_* the archive calls is in the project's one list of MPP functions.
grep -o '"kd_mpi_[a-z_0-9]*"' "$ROOT/src/mpp/functions.rs" | tr -d '"' | sort -u >"$work/listed"
unlisted=$(grep '^kd_mpi_' "$work/external" | comm -23 - "$work/listed")
if [ -n "$unlisted" ]; then
    echo "FAIL: the core calls MPP functions missing from src/mpp/functions.rs: $unlisted" >&2
    exit 1
fi

# Stubs for the probe program: one per kd_mpi_* the archive calls.
grep '^kd_mpi_' "$work/external" | while read -r f; do
    if [ "$f" = kd_mpi_sys_mmap ]; then
        echo "void *$f(unsigned long phys, unsigned int size) { (void)phys; (void)size; return 0; }"
    else
        echo "int $f(void) { return -1; }"
    fi
done >"$work/mpp_stubs.h"

cflags=(-Os -static -ffunction-sections -fdata-sections -Wl,--gc-sections -I"$ROOT/mpy_glue" -I"$work")
"${CROSS}gcc" "${cflags[@]}" -o "$work/with_core" "$ROOT/scripts/probe/core_probe.c" "$lib"
"${CROSS}gcc" "${cflags[@]}" -DPROBE_BASELINE -o "$work/baseline" "$ROOT/scripts/probe/core_probe.c"
text() { "${CROSS}size" -A "$1" | awk '$1 ~ /^\.(text|rodata)/ {s += $2} END {print s}'; }
with=$(text "$work/with_core")
base=$(text "$work/baseline")
size=$((with - base))
echo "core code size: $size bytes of text+rodata (budget $BUDGET)"
if [ "$size" -gt "$BUDGET" ]; then
    echo "FAIL: the core adds more than $BUDGET bytes of code" >&2
    exit 1
fi
