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
#      build's kd_mpi_venc_attach_vb_pool);
#   e. the two forms of the 2025 attach: an exported three-argument kd_mpi_venc_attach_vb_pool
#      (the core calls it), or a two-argument static inline wrapper over an exported
#      kd_mpi_venc_attach_vb_pool_ex (the core calls _ex); and a 2025 tree without
#      kd_mpi_venc_request_chn / release_chn (the core picks channels itself); read off the
#      archive's symbols;
#   f. functions the SDK defines static inline (one with a pointer, one with a const
#      parameter) in headers that include a generated k_autoconf_comm.h, <stdio.h> and
#      <string.h>: without K230_SDK_CFLAGS the build stops naming the missing header and the
#      variable; with it the core builds, for the host and for riscv64gc-unknown-none-elf,
#      and calls the static functions through wrappers compiled with the SDK headers;
#   g. a tree whose headers include one from include/ioctl (the port compiles them with the
#      include list of the SDK's libs/mk/libmpp.mk): the make fragment
#      boards/k230_canmv/k230_venc.mk exports that list (include, include/comm, include/ioctl,
#      userapps/api) and then the builder's K230_VENC_SDK_CFLAGS as K230_SDK_CFLAGS, and the core
#      builds with what it exports; build.rs puts include/ioctl on the path by itself too.
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
        echo "FAIL: $what: the build failed" >&2
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
# symbols LIB: "U name" for each undefined, "D name" for each defined global symbol.
symbols() {
    readelf -sW "$1" 2>/dev/null | awk '$8 != "" && ($5 == "GLOBAL" || $5 == "WEAK") {
        print ($7 == "UND" ? "U " : "D ") $8 }' | sort -u
}

# expect_symbols WHAT LIB [U|D|-]NAME...: U/D: undefined/defined in LIB; -: neither.
expect_symbols() {
    local what=$1 lib=$2 want s
    shift 2
    s=$(symbols "$lib")
    for want in "$@"; do
        local kind=${want:0:1} name=${want:1}
        if [ "$kind" = - ]; then
            if grep -qE "^[UD] $name\$" <<<"$s"; then
                echo "FAIL: $what: $(basename "$lib") still refers to $name" >&2
                exit 1
            fi
        elif ! grep -qx "$kind $name" <<<"$s"; then
            echo "FAIL: $what: $(basename "$lib") has no $( [ "$kind" = U ] && echo call to || echo definition of) $name" >&2
            exit 1
        fi
    done
    echo "    symbols: $*"
}

host_lib=$CARGO_TARGET_DIR/debug/libk230_venc.a
attach3='k_s32 kd_mpi_venc_attach_vb_pool(k_u32 chn_num, k_u32 pool_id, k_u32 buff_num);'
attach_ex='k_s32 kd_mpi_venc_attach_vb_pool_ex(k_u32 chn_num, k_u32 pool_id, k_s32 buff_num);'

exported=$(make_tree attach-exported)
mutate "$exported" '#define K230_MPP_H' $'#define K230_MPP_H\n#define K230_MPP_ABI_2025'
mutate "$exported" "$attach_ex" ''
expect_ok "e. 2025 tree, exported kd_mpi_venc_attach_vb_pool(chn, pool, n)" "$exported" \
    --features abi-2025
expect_symbols "e. exported attach" "$host_lib" Ukd_mpi_venc_attach_vb_pool -kd_mpi_venc_attach_vb_pool_ex

inline=$(make_tree attach-inline)
mutate "$inline" '#define K230_MPP_H' $'#define K230_MPP_H\n#define K230_MPP_ABI_2025'
mutate "$inline" "$attach_ex" ''
mutate "$inline" "$attach3" "$attach_ex"$'\nstatic inline k_s32 kd_mpi_venc_attach_vb_pool(k_u32 chn, k_u32 pool) {\n    return kd_mpi_venc_attach_vb_pool_ex(chn, pool, 0);\n}'
expect_ok "e. 2025 tree, static inline kd_mpi_venc_attach_vb_pool(chn, pool) over _ex" "$inline" \
    --features abi-2025
grep -o 'note: kd_mpi_venc_attach_vb_pool is static.*' "$work/log" | head -n 1 | sed 's/^/    /'
grep -q 'the core calls kd_mpi_venc_attach_vb_pool_ex instead' "$work/log" ||
    { cat "$work/log" >&2; echo "FAIL: e. no note on the attach the core calls" >&2; exit 1; }
expect_symbols "e. static inline attach" "$host_lib" Ukd_mpi_venc_attach_vb_pool_ex -kd_mpi_venc_attach_vb_pool

# e. A 2025 MPP without the channel allocation (request/release_chn): the core does without it.
norequest=$(make_tree no-request)
mutate "$norequest" '#define K230_MPP_H' $'#define K230_MPP_H\n#define K230_MPP_ABI_2025'
mutate "$norequest" 'k_s32 kd_mpi_venc_request_chn(k_u32 *chn_num);' ''
mutate "$norequest" 'k_s32 kd_mpi_venc_release_chn(k_u32 chn_num);' ''
expect_ok "e. 2025 tree without kd_mpi_venc_request_chn / release_chn" "$norequest" --features abi-2025
grep -q 'note: kd_mpi_venc_request_chn is not declared by the SDK: the core does without it' "$work/log" ||
    { cat "$work/log" >&2; echo "FAIL: e. no note on the missing request_chn" >&2; exit 1; }
expect_symbols "e. no request_chn" "$host_lib" -kd_mpi_venc_request_chn -kd_mpi_venc_release_chn \
    Ukd_mpi_venc_create_chn

# f. static inline functions, a generated config header and libc headers.
wrapped=$(make_tree wrapped)
mkdir -p "$work/generated"
echo '#define CONFIG_K230_MPP_TEST 1' >"$work/generated/k_autoconf_comm.h"
mutate "$wrapped" '#define K230_MPP_H' $'#define K230_MPP_H\n#include "k_autoconf_comm.h"\n#include <stdio.h>\n#include <string.h>'
mutate "$wrapped" 'k_s32 kd_mpi_venc_query_status(k_u32 chn_num, k_venc_chn_status *status);' \
    $'k_s32 kd_mpi_venc_query_status_impl(k_u32 chn_num, k_venc_chn_status *status);\nstatic inline k_s32 kd_mpi_venc_query_status(k_u32 chn_num, k_venc_chn_status *status) {\n    return kd_mpi_venc_query_status_impl(chn_num, status);\n}'
mutate "$wrapped" 'k_s32 kd_mpi_venc_enable_idr(k_u32 chn_num, const k_bool idr_enable);' \
    $'k_s32 kd_mpi_venc_set_idr(k_u32 chn_num, k_bool idr_enable);\nstatic inline k_s32 kd_mpi_venc_enable_idr(k_u32 chn_num, const k_bool idr_enable) {\n    return kd_mpi_venc_set_idr(chn_num, idr_enable);\n}'
if build "$wrapped" || ! grep -q "'k_autoconf_comm.h' file not found" "$work/log" ||
    ! grep -q 'K230_SDK_CFLAGS' "$work/log"; then
    cat "$work/log" >&2
    echo "FAIL: f. without K230_SDK_CFLAGS the build must stop naming the missing header and the variable" >&2
    exit 1
fi
echo "sdk layout check: f. generated config header missing: stops with"
grep -o "fatal error: 'k_autoconf_comm.h' file not found" "$work/log" | head -n 1 | sed 's/^/    /'
export K230_SDK_CFLAGS="-I$work/generated"
expect_ok "f. static inline functions, K230_SDK_CFLAGS=-I<generated>" "$wrapped"
expect_symbols "f. wrappers" "$host_lib" Dk230_venc_shim__kd_mpi_venc_query_status \
    Dk230_venc_shim__kd_mpi_venc_enable_idr Uk230_venc_shim__kd_mpi_venc_query_status \
    Uk230_venc_shim__kd_mpi_venc_enable_idr Ukd_mpi_venc_query_status_impl Ukd_mpi_venc_set_idr \
    -kd_mpi_venc_query_status -kd_mpi_venc_enable_idr
rv=riscv64gc-unknown-none-elf
rv_cc=${CROSS_COMPILE:-riscv64-linux-gnu-}gcc
if command -v "$rv_cc" >/dev/null; then
    export CC_riscv64gc_unknown_none_elf=$rv_cc
    expect_ok "f. the same for $rv (CC_${rv//-/_}=$rv_cc)" "$wrapped" --target "$rv"
    expect_symbols "f. wrappers, $rv" "$CARGO_TARGET_DIR/$rv/debug/libk230_venc.a" \
        Dk230_venc_shim__kd_mpi_venc_query_status Ukd_mpi_venc_query_status_impl
else
    echo "sdk layout check: f. $rv skipped: $rv_cc not found (scripts/setup.sh installs it)"
fi
unset K230_SDK_CFLAGS

# A static function whose signature differs is a difference, not a wrapper.
static_diff=$(make_tree static-diff)
mutate "$static_diff" 'k_s32 kd_mpi_venc_stop_chn(k_u32 chn_num);' \
    'static inline k_s32 kd_mpi_venc_stop_chn(k_u64 chn_num) { (void)chn_num; return 0; }'
expect_fail "f. static kd_mpi_venc_stop_chn(k_u64)" "kd_mpi_venc_stop_chn:" "$static_diff"
# g. include/ioctl, and the make fragment's include list.
ioctl=$(make_tree ioctl)
mkdir -p "$ioctl/include/ioctl"
echo '#define K230_VENC_IOCTL_TEST_CMD 1' >"$ioctl/include/ioctl/k_venc_ioctl_test.h"
mutate "$ioctl" '#define K230_MPP_H' $'#define K230_MPP_H\n#include "k_venc_ioctl_test.h"'
printf '%s\n' "include $ROOT/boards/k230_canmv/k230_venc.mk" '.PHONY: print' 'print:' \
    $'\t@echo "probe K230_SDK_MPP_DIR=$$K230_SDK_MPP_DIR"' \
    $'\t@echo "probe K230_SDK_CFLAGS=$$K230_SDK_CFLAGS"' >"$work/probe.mk"
probe=$(make -s -f "$work/probe.mk" K230_VENC_SDK_MPP_DIR="$ioctl" K230_VENC_SDK_CFLAGS="-DK230_VENC_PROBE=1" print)
fragment_dir=$(sed -n 's/^probe K230_SDK_MPP_DIR=//p' <<<"$probe")
fragment_cflags=$(sed -n 's/^probe K230_SDK_CFLAGS=//p' <<<"$probe")
want_cflags="-I$ioctl/include -I$ioctl/include/comm -I$ioctl/include/ioctl -I$ioctl/userapps/api -DK230_VENC_PROBE=1"
if [ "$fragment_dir" != "$ioctl" ] || [ "$fragment_cflags" != "$want_cflags" ]; then
    echo "$probe" >&2
    echo "FAIL: g. the make fragment exports K230_SDK_MPP_DIR=$fragment_dir K230_SDK_CFLAGS=$fragment_cflags" >&2
    echo "      expected K230_SDK_MPP_DIR=$ioctl K230_SDK_CFLAGS=$want_cflags" >&2
    exit 1
fi
echo "sdk layout check: g. the make fragment exports K230_SDK_CFLAGS=<the port's MPP include list> <K230_VENC_SDK_CFLAGS>:"
echo "    ${fragment_cflags//$ioctl/<tree>}"
K230_SDK_CFLAGS="$fragment_cflags" expect_ok "g. a header from include/ioctl, the fragment's flags" "$ioctl"
expect_ok "g. a header from include/ioctl, build.rs alone" "$ioctl"
# Without a tree the fragment exports only the builder's flags, as before.
probe=$(make -s -f "$work/probe.mk" K230_VENC_SDK_MPP_DIR= K230_VENC_SDK_CFLAGS="-DX=1" print)
grep -qx 'probe K230_SDK_CFLAGS=-DX=1' <<<"$probe" || {
    echo "$probe" >&2
    echo "FAIL: g. without an SDK tree the fragment must export only K230_VENC_SDK_CFLAGS" >&2
    exit 1
}
echo "sdk layout check: ok"
