#!/usr/bin/env bash
# Builds the core against every real K230 MPP header tree that is at hand, as a firmware builder
# does with K230_SDK_MPP_DIR (the check of build.rs, then the bindings from the SDK's headers):
#   - for the host and for riscv64gc-unknown-none-elf (the K230 big core, bare metal);
#   - the core's tests on the host with the SDK's bindings (the pixel format values, for one,
#     come from the SDK: NV12 is 30 in the 2023 k230_sdk, 31 in the CanMV MPP);
#   - the other ABI generation's build must stop in the check with its report, never build.
# A tree's generation is read off its mpi_venc_api.h as the make fragment does: 2025 when it
# declares kd_mpi_venc_attach_vb_pool (such a tree may need K230_SDK_CFLAGS, see README).
# The trees are the unmodified public headers in ../shared/sdk/ beside the repository (test
# fixtures, not part of the project); without that folder the check says so and passes.
#
# Environment: K230_SDK_TREES (default $K230_SHARED_DIR/sdk, K230_SHARED_DIR defaulting to
# <repo>/../shared), CARGO.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CARGO=${CARGO:-cargo}
TREES=${K230_SDK_TREES:-${K230_SHARED_DIR:-$ROOT/../shared}/sdk}
export CARGO_TARGET_DIR="$ROOT/target/sdk-real"
RISCV=riscv64gc-unknown-none-elf

found=0
if [ -d "$TREES" ]; then
    for tree in "$TREES"/*/; do
        [ -d "$tree/include" ] && [ -d "$tree/userapps/api" ] && found=$((found + 1))
    done
fi
if [ "$found" = 0 ]; then
    echo "real SDK check: skipped: no K230 MPP header trees in $TREES (set K230_SDK_TREES to a folder of them)"
    exit 0
fi

cd "$ROOT"
log=$(mktemp)
trap 'rm -f "$log"' EXIT

# run WHAT CMD...: runs CMD with its output in $log; on failure prints it and stops.
run() {
    local what=$1
    shift
    if ! "$@" >"$log" 2>&1; then
        cat "$log" >&2
        echo "FAIL: real SDK check: $what" >&2
        exit 1
    fi
}

notes() { grep -o 'K230_SDK_MPP_DIR: note: .*' "$log" | sort -u | sed 's/^K230_SDK_MPP_DIR: /      /' || true; }

for tree in "$TREES"/*/; do
    tree=${tree%/}
    [ -d "$tree/include" ] && [ -d "$tree/userapps/api" ] || continue
    name=$(basename "$tree")
    export K230_SDK_MPP_DIR=$tree
    if grep -q kd_mpi_venc_attach_vb_pool "$tree/userapps/api/mpi_venc_api.h"; then
        gen=2025 own=(--features abi-2025) other=()
    else
        gen=2024 own=() other=(--features abi-2025)
    fi
    run "$name: the core does not build for the host" "$CARGO" build -p k230-venc "${own[@]}"
    echo "real SDK check: $name ($gen generation): the core builds for the host"
    notes
    run "$name: the core does not build for $RISCV" "$CARGO" build --release -p k230-venc --target "$RISCV" "${own[@]}"
    echo "real SDK check: $name: the core builds for $RISCV"
    run "$name: the core's tests fail with the SDK's bindings" "$CARGO" test -q -p k230-venc "${own[@]}"
    passed=$(grep -o '[0-9]* passed' "$log" | awk '{n += $1} END {print n + 0}')
    echo "real SDK check: $name: core tests with the SDK's bindings: $passed passed"
    if "$CARGO" build -p k230-venc "${other[@]}" >"$log" 2>&1; then
        echo "FAIL: real SDK check: $name: the build of the other ABI generation succeeded against a $gen tree" >&2
        exit 1
    fi
    if ! grep -q "the SDK's MPP headers do not match" "$log"; then
        cat "$log" >&2
        echo "FAIL: real SDK check: $name: the build of the other ABI generation failed, but not in the SDK check" >&2
        exit 1
    fi
    echo "real SDK check: $name: the build of the other ABI generation stops in the check, e.g.:"
    grep -E '^ +- ' "$log" | head -n 2 | sed 's/^ */      /'
done
echo "real SDK check: ok ($found trees)"
