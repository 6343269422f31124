#!/usr/bin/env bash
# Proves that scripts/fetch_micropython.sh guards the vendored MicroPython archives (1.21, canmv)
# instead of skipping or using whatever it finds. Runs it against a temporary shared folder and
# build dir (K230_SHARED_DIR, K230_BUILD_DIR), never the real ones:
#   a. no archive: status 3, one line on stderr naming the skipped version and the missing
#      file, nothing on stdout (the Makefile turns this into a printed skip);
#   b. an archive with the right name and layout but another sha256: status 1, "sha256
#      mismatch" naming the file, nothing extracted;
#   c. the same with a tree already extracted and stamped in the build dir: still refused (the
#      archive is checked on every call, not only before extracting);
#   d. an unknown source: status 1 and a message naming it.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
FETCH=$ROOT/scripts/fetch_micropython.sh
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/shared/vendor" "$work/build"

fail() {
    echo "FAIL: $*" >&2
    echo "--- stderr:" >&2
    cat "$work/err" >&2
    exit 1
}

# run SOURCE: the script's status in $status, its stdout and stderr in $work/out and $work/err.
run() {
    status=0
    env -u MICROPY_DIR K230_SHARED_DIR="$work/shared" K230_BUILD_DIR="$work/build" \
        "$FETCH" "$1" >"$work/out" 2>"$work/err" || status=$?
}

# expect STATUS PATTERN WHAT: the last run ended with STATUS, stderr matches PATTERN (grep -E),
# stdout is empty.
expect() {
    [ "$status" -eq "$1" ] || fail "$3: status $status, expected $1"
    grep -Eq "$2" "$work/err" || fail "$3: stderr does not match: $2"
    [ ! -s "$work/out" ] || fail "$3: printed a tree: $(cat "$work/out")"
    echo "fetch_micropython test: $3: status $status, $(grep -Eo "$2" "$work/err" | head -n 1)"
}

# fake_tree DIR: the files fetch_micropython.sh takes for a MicroPython tree.
fake_tree() {
    mkdir -p "$1/py" "$1/ports/unix" "$1/mpy-cross"
    touch "$1/py/mpconfig.h" "$1/ports/unix/Makefile" "$1/mpy-cross/Makefile"
}

# a. absent
for source in 1.21 canmv; do
    run "$source"
    expect 3 "skipped MicroPython 1\.21\.0[^:]*: $work/shared/vendor/micropython-[a-z0-9.-]*\.tar\.xz not found" \
        "$source, no archive"
done

# b. an archive that would extract to a valid-looking tree, with another sha256
fake_tree "$work/src/micropython-1.21.0"
tar -cJf "$work/shared/vendor/micropython-1.21.0.tar.xz" -C "$work/src" micropython-1.21.0
run 1.21
expect 1 "sha256 mismatch for $work/shared/vendor/micropython-1\.21\.0\.tar\.xz" "1.21, wrong sha256"
[ ! -e "$work/build/micropython-1.21.0" ] || fail "1.21, wrong sha256: a tree was extracted"

# c. the same with a tree already extracted
fake_tree "$work/build/micropython-1.21.0"
touch "$work/build/micropython-1.21.0/.k230-venc-extracted"
run 1.21
expect 1 "sha256 mismatch" "1.21, wrong sha256, tree already extracted"

# d. unknown source
run 1.19
expect 1 "unknown source '1\.19'" "unknown source"
echo "fetch_micropython test: ok"
