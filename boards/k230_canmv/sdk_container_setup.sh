#!/usr/bin/env bash
# Adds what building k230-venc into a CanMV-K230 firmware needs to the K230 SDK's build
# container (kendryte/k230_rtos_sdk tools/docker/Dockerfile: Ubuntu 22.04 with the SDK's
# toolchains, make, gcc, python3, git, curl, ca-certificates), or to any Debian/Ubuntu build host:
#
#   apt:    libclang-dev (libclang for bindgen in build.rs; the one package that image lacks),
#           curl and ca-certificates (in that image already; installed when missing, to fetch
#           rustup)
#   rustup: a stable Rust toolchain (minimal profile) when there is no rustup, or a newer one
#           when the toolchain is older than the crate's rust-version (1.80); the target
#           riscv64gc-unknown-linux-gnu (the K230 big core: rv64gc, lp64d)
#
# Run it inside the container, from anywhere, as root (as the SDK's container runs) or as a
# user with sudo for the apt step:
#
#   bash /path/to/k230-venc/boards/k230_canmv/sdk_container_setup.sh
#
# Non-interactive and idempotent: it checks each item, installs only what is missing, prints
# one line per thing it installs, and "nothing to install" when all is there. At the end it
# prints the versions it found and the line that puts cargo on the PATH of the shell that runs
# `make` (rustup also adds it to ~/.profile and ~/.bashrc for new shells).
#
# Environment: RUSTUP_INIT_URL (where rustup-init comes from; default rustup's installer),
# K230_VENC_RUST_TOOLCHAIN (default stable), CARGO_HOME / RUSTUP_HOME (rustup's own; default
# ~/.cargo and ~/.rustup).
set -euo pipefail

APT_PACKAGES=(libclang-dev curl ca-certificates)
RUST_TARGET=riscv64gc-unknown-linux-gnu
RUST_MIN=1.80
TOOLCHAIN=${K230_VENC_RUST_TOOLCHAIN:-stable}
RUSTUP_INIT_URL=${RUSTUP_INIT_URL:-https://sh.rustup.rs}
CARGO_BIN=${CARGO_HOME:-$HOME/.cargo}/bin

log() { echo "sdk_container_setup: $*"; }
die() { echo "sdk_container_setup: error: $*" >&2; exit 1; }
installed=0

# Runs a command as root: directly when root, through non-interactive sudo otherwise.
as_root() {
    if [ "$(id -u)" -eq 0 ]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo -n "$@"
    else
        die "need root (or sudo) to run: $*"
    fi
}

# ---- apt -------------------------------------------------------------------------------------
missing=()
for pkg in "${APT_PACKAGES[@]}"; do
    if [ "$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null || true)" != installed ]; then
        missing+=("$pkg")
    fi
done
if [ ${#missing[@]} -gt 0 ]; then
    command -v apt-get >/dev/null 2>&1 || die "apt-get not found; install by hand: ${missing[*]}"
    log "installing apt packages: ${missing[*]}"
    installed=1
    # The SDK's image deletes the package lists after its own install: fetch them again.
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q </dev/null
    as_root env DEBIAN_FRONTEND=noninteractive \
        apt-get install -y -q --no-install-recommends "${missing[@]}" </dev/null
fi

# ---- rustup and the toolchain ----------------------------------------------------------------
# rustup's own folder first, so that a rustup installed earlier (by this script or by hand) is
# found in a shell whose PATH does not have it yet.
export PATH="$CARGO_BIN:$PATH"
if ! command -v rustup >/dev/null 2>&1; then
    log "installing rustup and the $TOOLCHAIN Rust toolchain (minimal profile) into $CARGO_BIN"
    installed=1
    init=$(mktemp)
    trap 'rm -f "$init"' EXIT
    curl --proto '=https' --tlsv1.2 -sSf "$RUSTUP_INIT_URL" -o "$init" ||
        die "could not download rustup-init from $RUSTUP_INIT_URL (no network in the container? set RUSTUP_INIT_URL, or install rustup by hand)"
    sh "$init" -y --profile minimal --default-toolchain "$TOOLCHAIN" </dev/null
fi
if ! command -v cargo >/dev/null 2>&1 || ! command -v rustc >/dev/null 2>&1; then
    die "rustup is installed but cargo/rustc are not on the PATH ($CARGO_BIN); run: rustup default $TOOLCHAIN"
fi

# "1.80.1" -> 1080 (major * 1000 + minor).
version_number() { awk -F. '{ print $1 * 1000 + $2 }' <<<"$1"; }
rustc_version=$(rustc --version | awk '{ print $2 }')
if [ "$(version_number "${rustc_version%%-*}")" -lt "$(version_number "$RUST_MIN")" ]; then
    log "rustc $rustc_version is older than $RUST_MIN: installing the $TOOLCHAIN toolchain and making it the default"
    installed=1
    rustup toolchain install "$TOOLCHAIN" --profile minimal </dev/null
    rustup default "$TOOLCHAIN" </dev/null
    rustc_version=$(rustc --version | awk '{ print $2 }')
fi

if ! rustup target list --installed | grep -qx "$RUST_TARGET"; then
    log "adding the Rust target $RUST_TARGET"
    installed=1
    rustup target add "$RUST_TARGET" </dev/null
fi

# ---- what the build will find ----------------------------------------------------------------
libclang=
for f in /usr/lib/llvm-*/lib/libclang.so* /usr/lib/*/libclang*.so*; do
    if [ -e "$f" ]; then
        libclang=$f
        break
    fi
done
[ -n "$libclang" ] || die "libclang not found after installing libclang-dev"
if [ "$installed" -eq 0 ]; then
    log "nothing to install"
fi
log "rustc $rustc_version, $(cargo --version), target $RUST_TARGET, libclang $libclang"
log "in the shell that runs the SDK's make, put cargo on the PATH first:"
echo "    . \"${CARGO_HOME:-\$HOME/.cargo}/env\""
