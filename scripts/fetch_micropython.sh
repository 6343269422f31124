#!/usr/bin/env bash
# Provide a MicroPython source tree for the host (unix port) build and print its path on the
# last line of stdout.
#
#   scripts/fetch_micropython.sh [1.25|1.21|canmv]     (default 1.25)
#
# 1.25 (the tree every build uses):
# - MICROPY_DIR=<tree>: use that tree as it is (a git checkout, a CanMV tree's micropython/).
# - Otherwise: build/micropython-1.25.0/, extracted from the orig tarball of the Debian source
#   package micropython 1.25.0+ds-1 (trixie), sha256-pinned. The tarball is fetched with
#   apt-get using a private sources list, state and cache (the system's apt configuration is
#   only read, to find the archive URI), and cached in build/ so re-runs don't download.
#
# 1.21 and canmv (the MicroPython of the CanMV-K230 firmware's generation, for tests):
# build/micropython-1.21.0/ and build/micropython-canmv-0295137/, extracted from the archives
# in <shared>/vendor/ (<shared>: K230_SHARED_DIR, default <repo>/../shared), sha256-pinned.
# MICROPY_DIR does not apply. The archive is checked on every call, also when the tree is
# already extracted. When it is absent the script prints one line saying what it skipped and
# exits with status 3 (callers turn that into a skip); a wrong sha256 is an error (status 1).
#
# Environment: MICROPY_DIR, K230_BUILD_DIR (default <repo>/build), K230_SHARED_DIR,
#              MICROPY_DEB_URI (archive URI to use instead of the one in the apt config).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD_DIR=${K230_BUILD_DIR:-$ROOT/build}
SHARED_DIR=${K230_SHARED_DIR:-$ROOT/../shared}
SHARED_DIR=$(cd "$SHARED_DIR" 2>/dev/null && pwd || echo "$SHARED_DIR")
# The exit status that means "the archive is absent: skipped" (documented above; the Makefile
# and scripts/check_glue_canmv.sh test for it).
SKIP_STATUS=3
STAMP=.k230-venc-extracted

log() { echo "fetch_micropython: $*" >&2; }
die() { echo "fetch_micropython: error: $*" >&2; exit 1; }

DEB_SOURCE=micropython
DEB_SUITE=trixie
[ $# -le 1 ] || die "usage: scripts/fetch_micropython.sh [1.25|1.21|canmv]"
SOURCE=${1:-1.25}
case $SOURCE in
    1.25)
        MP_VERSION=1.25.0
        TARBALL=micropython_${MP_VERSION}+ds.orig.tar.xz
        TARBALL_SHA256=7b25be99a502f070b2de81dafc08da7051d992325d6e67daa9045a918fffdbea
        DEST=$BUILD_DIR/micropython-$MP_VERSION
        ;;
    1.21)
        MP_VERSION=1.21.0
        TARBALL=micropython-1.21.0.tar.xz
        TARBALL_SHA256=6407d6f99dfc73a879884d86e757ec00bf365f3e3ccb78c8ea6a2b444ebd24ee
        DEST=$BUILD_DIR/micropython-1.21.0
        ;;
    canmv)
        MP_VERSION="1.21.0 (CanMV fork 0295137)"
        TARBALL=micropython-canmv-0295137.tar.xz
        TARBALL_SHA256=4689f44571f73a43965a77edaa221b5bfea597163c8a1ffbf6366254fa04b12b
        DEST=$BUILD_DIR/micropython-canmv-0295137
        ;;
    *)
        die "unknown source '$SOURCE' (one of: 1.25, 1.21, canmv)"
        ;;
esac

is_tree() {
    [ -f "$1/py/mpconfig.h" ] && [ -f "$1/ports/unix/Makefile" ] && [ -f "$1/mpy-cross/Makefile" ]
}

# Freezing a manifest checks that lib/micropython-lib is populated (by its README); the +ds
# tarball ships the directory empty. The project's manifests need nothing from it.
ensure_mpy_lib_readme() {
    local readme=$1/lib/micropython-lib/README.md
    if [ ! -e "$readme" ]; then
        mkdir -p "$(dirname "$readme")" && touch "$readme" ||
            log "warning: cannot create $readme (freezing a manifest will fail)"
    fi
}

tree_version() {
    local h=$1/py/mpconfig.h
    printf '%s.%s.%s' \
        "$(sed -n 's/^#define MICROPY_VERSION_MAJOR (\{0,1\}\([0-9]*\).*/\1/p' "$h")" \
        "$(sed -n 's/^#define MICROPY_VERSION_MINOR (\{0,1\}\([0-9]*\).*/\1/p' "$h")" \
        "$(sed -n 's/^#define MICROPY_VERSION_MICRO (\{0,1\}\([0-9]*\).*/\1/p' "$h")"
}

sha256_of() { sha256sum "$1" | cut -d' ' -f1; }
sha256_ok() { [ -f "$1" ] && [ "$(sha256_of "$1")" = "$TARBALL_SHA256" ]; }
# require_sha256 FILE: stop with an error unless FILE has the pinned sha256.
require_sha256() {
    sha256_ok "$1" ||
        die "sha256 mismatch for $1: got $(sha256_of "$1"), expected $TARBALL_SHA256; refusing to use it"
}

# ---- 1. an existing tree given by the user (1.25 only) -----------------------------------
if [ -n "${MICROPY_DIR:-}" ] && [ "$SOURCE" != 1.25 ]; then
    log "MICROPY_DIR applies to 1.25 only; MicroPython $MP_VERSION comes from $TARBALL"
elif [ -n "${MICROPY_DIR:-}" ]; then
    dir=$(cd "$MICROPY_DIR" 2>/dev/null && pwd) || die "MICROPY_DIR=$MICROPY_DIR does not exist"
    is_tree "$dir" || die "MICROPY_DIR=$dir is not a MicroPython source tree (no py/, ports/unix/, mpy-cross/)"
    log "using MICROPY_DIR (MicroPython $(tree_version "$dir"))"
    ensure_mpy_lib_readme "$dir"
    echo "$dir"
    exit 0
fi

# ---- 2. a vendored archive: present and intact (checked on every call), else skip / refuse --
if [ "$SOURCE" = 1.25 ]; then
    ARCHIVE=$BUILD_DIR/$TARBALL
else
    ARCHIVE=$SHARED_DIR/vendor/$TARBALL
    if [ ! -f "$ARCHIVE" ]; then
        echo "fetch_micropython: skipped MicroPython $MP_VERSION: $ARCHIVE not found" \
            "(set K230_SHARED_DIR to the folder whose vendor/ holds it)" >&2
        exit "$SKIP_STATUS"
    fi
    require_sha256 "$ARCHIVE"
fi

# ---- 3. already extracted --------------------------------------------------------------
if [ -f "$DEST/$STAMP" ] && is_tree "$DEST"; then
    ensure_mpy_lib_readme "$DEST"
    echo "$DEST"
    exit 0
fi

mkdir -p "$BUILD_DIR"

# ---- 4. (1.25) the archive URI from the machine's apt configuration -----------------------
# Prints "URI<TAB>KEYRING" (keyring may be empty) of the first non-security Debian entry.
find_archive() {
    local f
    for f in /etc/apt/sources.list.d/debian.sources; do
        [ -r "$f" ] || continue
        # deb822: blank-line separated stanzas of "Field: value" lines; '#' lines are comments.
        awk '
            function flush() {
                if (!done && uris != "" && types ~ /deb/ && suites !~ /security/) {
                    n = split(uris, u, /[ \t]+/)
                    for (i = 1; i <= n; i++)
                        if (u[i] != "" && u[i] !~ /security|^cdrom:/) { printf "%s\t%s\n", u[i], key; done = 1; exit 0 }
                }
                types = uris = suites = key = ""
            }
            /^[ \t]*#/ { next }
            /^[ \t]*$/ { flush(); next }
            { line = $0; field = tolower(line); sub(/:.*/, "", field); sub(/^[^:]*:[ \t]*/, "", line) }
            field == "types"     { types = line }
            field == "uris"      { uris = line }
            field == "suites"    { suites = line }
            field == "signed-by" { key = line }
            END { flush() }
        ' "$f"
    done
    for f in /etc/apt/sources.list; do
        [ -r "$f" ] || continue
        # one-line format: deb [options] URI suite components...
        awk '
            /^[ \t]*(deb|deb-src)[ \t]/ {
                i = 2; key = ""
                if ($2 ~ /^\[/) {
                    for (; i <= NF; i++) {
                        if ($i ~ /^\[?signed-by=/) { key = $i; sub(/^\[?signed-by=/, "", key); sub(/\]$/, "", key) }
                        if ($i ~ /\]$/) { i++; break }
                    }
                }
                uri = $i; suite = $(i + 1)
                if (uri !~ /security|^cdrom:/ && suite !~ /security/) { printf "%s\t%s\n", uri, key; exit 0 }
            }
        ' "$f"
    done
}

download_tarball() {
    command -v apt-get >/dev/null 2>&1 ||
        die "apt-get not found: set MICROPY_DIR to a MicroPython $MP_VERSION source tree"

    local uri key entry
    if [ -n "${MICROPY_DEB_URI:-}" ]; then
        uri=$MICROPY_DEB_URI; key=""
    else
        entry=$(find_archive | head -n1)
        [ -n "$entry" ] || die "no Debian archive URI in /etc/apt/sources.list.d/debian.sources or /etc/apt/sources.list
  (set MICROPY_DEB_URI=<debian archive URI>, or MICROPY_DIR=<micropython tree>)"
        uri=${entry%%$'\t'*}
        key=${entry#*$'\t'}
    fi
    # A Signed-By field may hold an inline key block instead of a path: use paths only.
    if [ -z "$key" ] || [ ! -f "$key" ]; then
        key=/usr/share/keyrings/debian-archive-keyring.gpg
        [ -f "$key" ] || key=""
    fi

    local work=$BUILD_DIR/apt-src
    rm -rf "$work"
    mkdir -p "$work/lists/partial" "$work/cache/archives/partial" "$work/download"
    if [ -n "$key" ]; then
        echo "deb-src [signed-by=$key] $uri $DEB_SUITE main" >"$work/sources.list"
    else
        echo "deb-src $uri $DEB_SUITE main" >"$work/sources.list"
    fi

    local opts=(
        -o "Dir::Etc::sourcelist=$work/sources.list"
        -o Dir::Etc::sourceparts=/dev/null
        -o "Dir::State::Lists=$work/lists"
        -o "Dir::Cache=$work/cache"
        -o APT::Default-Release=
        -o Acquire::Languages=none
        -q
    )
    # apt drops to the _apt user for downloads, which cannot write into a private directory.
    if [ "$(id -u)" -eq 0 ]; then
        opts+=(-o APT::Sandbox::User=root)
    fi

    log "downloading $TARBALL (Debian source package $DEB_SOURCE, $DEB_SUITE) from $uri"
    apt-get "${opts[@]}" update </dev/null >&2 ||
        die "apt-get update with the private source list failed"
    (cd "$work/download" && apt-get "${opts[@]}" source --download-only "$DEB_SOURCE" </dev/null >&2) ||
        die "apt-get source --download-only $DEB_SOURCE failed"
    [ -f "$work/download/$TARBALL" ] ||
        die "the $DEB_SUITE source package $DEB_SOURCE has no $TARBALL (got: $(ls "$work/download" | tr '\n' ' '))"
    require_sha256 "$work/download/$TARBALL"
    mv "$work/download/$TARBALL" "$ARCHIVE"
    rm -rf "$work"
}

# ---- 5. (1.25) the tarball (cached in build/) ---------------------------------------------
if [ "$SOURCE" = 1.25 ]; then
    if [ -f "$ARCHIVE" ] && ! sha256_ok "$ARCHIVE"; then
        log "cached $TARBALL has the wrong sha256; fetching it again"
        rm -f "$ARCHIVE"
    fi
    if [ ! -f "$ARCHIVE" ]; then
        download_tarball
    fi
fi

# ---- 6. extract --------------------------------------------------------------------------
log "extracting $TARBALL"
tmp=$BUILD_DIR/.extract-$(basename "$DEST")
rm -rf "$tmp" "$DEST"
mkdir -p "$tmp"
tar -xJf "$ARCHIVE" -C "$tmp" || die "cannot extract $ARCHIVE"
top=$(find "$tmp" -mindepth 1 -maxdepth 1 -type d)
[ "$(printf '%s\n' "$top" | wc -l)" -eq 1 ] && is_tree "$top" ||
    die "unexpected layout in $TARBALL"
mv "$top" "$DEST"
rm -rf "$tmp"
ensure_mpy_lib_readme "$DEST"
touch "$DEST/$STAMP"
echo "$DEST"
