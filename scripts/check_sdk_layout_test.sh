#!/usr/bin/env bash
# Proves that the K230_SDK_MPP_DIR check of build.rs bites. Builds fake K230 MPP trees (the
# include/, include/comm/ and userapps/api/ layout whose mpi_venc_api.h, mpi_sys_api.h and
# mpi_vb_api.h the build includes) from the project's own include/k230_mpp.h and runs
# `cargo build -p k230-venc` against each:
#   a. the unmodified tree builds (default and --features abi-2025);
#   b. k_venc_pack.len widened to k_u64, or k_venc_pack.pts moved before len: the build fails
#      and names the field;
#   c. kd_mpi_venc_get_stream's timeout parameter k_s32 -> k_s64: the build fails and names
#      the function;
#   d. a tree of the other ABI generation fails in both directions (k_venc_attr; the 2025
#      build's kd_mpi_venc_attach_vb_pool).
# Uses its own cargo target dir (target/sdk-check) so that only k230-venc is rebuilt per case.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CARGO=${CARGO:-cargo}
export CARGO_TARGET_DIR="$ROOT/target/sdk-check"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$ROOT"

# make_tree NAME: a fake MPP tree whose headers are include/k230_mpp.h.
make_tree() {
    local dir="$work/$1" h
    mkdir -p "$dir/include/comm" "$dir/userapps/api"
    cp include/k230_mpp.h "$dir/include/comm/k230_mpp.h"
    for h in mpi_venc_api mpi_sys_api mpi_vb_api; do
        printf '#include "k230_mpp.h"\n' >"$dir/userapps/api/$h.h"
    done
    echo "$dir"
}

# mutate DIR OLD NEW: replace the one occurrence of the text OLD in the tree's header.
mutate() {
    local file="$1/include/comm/k230_mpp.h" text
    text=$(<"$file")
    local rest=${text#*"$2"}
    if [ "$rest" = "$text" ] || [[ "$rest" == *"$2"* ]]; then
        echo "FAIL: test setup: include/k230_mpp.h does not contain exactly one:" >&2
        printf '%s\n' "$2" >&2
        exit 1
    fi
    printf '%s\n' "${text/"$2"/"$3"}" >"$file"
}

# build DIR [cargo args...]: the build's output in $work/log, its status as the return value.
build() {
    local dir=$1
    shift
    K230_SDK_MPP_DIR="$dir" "$CARGO" build -p k230-venc "$@" >"$work/log" 2>&1
}

expect_ok() {
    local what=$1
    shift
    if build "$@"; then
        echo "sdk layout check: $what: builds"
    else
        cat "$work/log" >&2
        echo "FAIL: $what: the build against an unmodified tree failed" >&2
        exit 1
    fi
}

# expect_fail WHAT 'NEEDLE|NEEDLE...' DIR [cargo args...]: the check fails naming every NEEDLE.
expect_fail() {
    local what=$1 needles=$2 needle
    shift 2
    if build "$@"; then
        echo "FAIL: $what: the build succeeded; the SDK check did not catch the difference" >&2
        exit 1
    fi
    if ! grep -q "the SDK's MPP headers do not match" "$work/log"; then
        cat "$work/log" >&2
        echo "FAIL: $what: the build failed, but not in the SDK check" >&2
        exit 1
    fi
    IFS='|' read -ra list <<<"$needles"
    for needle in "${list[@]}"; do
        if ! grep -qF -- "- $needle" "$work/log"; then
            cat "$work/log" >&2
            echo "FAIL: $what: the report does not name '$needle'" >&2
            exit 1
        fi
    done
    echo "sdk layout check: $what: fails as expected:"
    grep -E '^ +- ' "$work/log" | sed 's/^ */    /'
}

same=$(make_tree same)
expect_ok "a. unmodified tree" "$same"
expect_ok "a. unmodified tree, abi-2025" "$same" --features abi-2025

# A field renamed: the check matches fields by position, so it passes with a note (the core's
# own code then uses the SDK's name, which is why include/k230_mpp.h follows the SDK's names;
# this tree renames a field the core names, so the compile after the check fails).
renamed=$(make_tree renamed)
mutate "$renamed" '    k_u32 cur_packs; /* packs of the next frame to be fetched */' \
    '    k_u32 u32CurPacks; /* packs of the next frame to be fetched */'
build "$renamed" || true
if grep -q "the SDK's MPP headers do not match" "$work/log" ||
    ! grep -qF 'note: k_venc_chn_status: field 1 is `cur_packs` in include/k230_mpp.h, `u32CurPacks` in the SDK' "$work/log"; then
    cat "$work/log" >&2
    echo "FAIL: a renamed field must be a note of the check, not a difference" >&2
    exit 1
fi
echo "sdk layout check: a. a field renamed: noted, not failed:"
echo "    $(grep -o 'note: k_venc_chn_status: field 1.*' "$work/log" | head -n 1)"

len=$(make_tree len)
mutate "$len" $'    k_u32 len;\n    k_u64 pts;' $'    k_u64 len;\n    k_u64 pts;'
expect_fail "b. k_venc_pack.len is k_u64" "k_venc_pack.len:" "$len"

moved=$(make_tree moved)
mutate "$moved" $'    k_u32 len;\n    k_u64 pts; /* microseconds */' $'    k_u64 pts; /* microseconds */\n    k_u32 len;'
expect_fail "b. k_venc_pack.pts moved before len" "k_venc_pack.len:|k_venc_pack.pts:" "$moved"

timeout=$(make_tree timeout)
mutate "$timeout" 'kd_mpi_venc_get_stream(k_u32 chn_num, k_venc_stream *stream, k_s32 milli_sec)' \
    'kd_mpi_venc_get_stream(k_u32 chn_num, k_venc_stream *stream, k_s64 milli_sec)'
expect_fail "c. kd_mpi_venc_get_stream timeout is k_s64" "kd_mpi_venc_get_stream:" "$timeout"

gen2025=$(make_tree gen2025)
mutate "$gen2025" '#define K230_MPP_H' $'#define K230_MPP_H\n#define K230_MPP_ABI_2025'
expect_fail "d. default build, 2025 tree" "k_venc_attr:" "$gen2025"
gen2024=$(make_tree gen2024)
mutate "$gen2024" '#define K230_MPP_H' $'#define K230_MPP_H\n#undef K230_MPP_ABI_2025'
expect_fail "d. abi-2025 build, 2024 tree" "k_venc_attr:|kd_mpi_venc_attach_vb_pool:" "$gen2024" \
    --features abi-2025
echo "sdk layout check: ok"
