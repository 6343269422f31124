#!/usr/bin/env bash
# Install what building and testing k230-venc needs on a Debian 12 machine that already has
# rustup/cargo, gcc and python3 with pip. Idempotent and non-interactive: it only installs
# what is missing, prints what it installs, and returns quickly when nothing is missing.
#
#   apt:    libclang-dev (bindgen in build.rs), the riscv64 cross gcc + libc (K230 big core),
#           qemu-user (runs riscv64 binaries on the PC), valgrind (callgrind: make bench-binding,
#           make bench --callgrind), graphviz (dot: the channel state diagram of docs/)
#   rustup: riscv64gc-unknown-linux-gnu, riscv64gc-unknown-none-elf; components clippy, rustfmt
#   pip:    python_tests/requirements.txt (pytest, PyAV, numpy, Pillow, matplotlib, mypy)
#   apt, only when sim/Cargo.toml uses FFmpeg (the libav codec backend and camera files):
#           libavcodec-dev, libavformat-dev, libavutil-dev, libswscale-dev, pkg-config
#   apt, only when sim/rtsp uses GStreamer (multimedia.rtsp_server): libgstreamer1.0-dev,
#           libgstreamer-plugins-base1.0-dev, libgstrtspserver-1.0-dev, gstreamer1.0-plugins-
#           {base,good,bad}, gstreamer1.0-libav, gstreamer1.0-tools, ffmpeg (ffprobe)
#
# Environment: CARGO is not used here; RUSTUP (default rustup), PYTHON (default python3).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

APT_PACKAGES=(libclang-dev gcc-riscv64-linux-gnu libc6-dev-riscv64-cross qemu-user valgrind graphviz)
# pip for the Python test packages, when the machine's python3 has none (Debian's own).
if ! "${PYTHON:-python3}" -m pip --version >/dev/null 2>&1; then
    APT_PACKAGES+=(python3-pip)
fi
# The simulator's libav codec backend (x264/x265/mjpeg through FFmpeg), when the sim crate
# uses it: the FFmpeg development files and pkg-config.
if grep -qs 'ffmpeg' "$ROOT/sim/Cargo.toml"; then
    APT_PACKAGES+=(libavcodec-dev libavformat-dev libavutil-dev libswscale-dev pkg-config)
fi
# The simulator's RTSP server (multimedia.rtsp_server, sim/rtsp: gst-rtsp-server with the
# H.264 / H.265 / JPEG parsers and payloaders and PCMU), and the RTSP clients of its tests
# (gst-launch-1.0 with libav's decoders; ffprobe comes with the Debian ffmpeg package).
if grep -qs 'gstreamer' "$ROOT/sim/rtsp/Cargo.toml"; then
    APT_PACKAGES+=(libgstreamer1.0-dev libgstreamer-plugins-base1.0-dev libgstrtspserver-1.0-dev
        gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-bad
        gstreamer1.0-libav gstreamer1.0-tools ffmpeg pkg-config)
fi
RUST_TARGETS=(riscv64gc-unknown-linux-gnu riscv64gc-unknown-none-elf)
RUSTUP=${RUSTUP:-rustup}
PYTHON=${PYTHON:-python3}

log() { echo "setup: $*"; }
die() { echo "setup: error: $*" >&2; exit 1; }

# Run a command as root: directly when we are root, through sudo (non-interactive) otherwise.
as_root() {
    if [ "$(id -u)" -eq 0 ]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo -n "$@"
    else
        die "need root (or sudo) to run: $*"
    fi
}

# --- apt packages -----------------------------------------------------------------------
installed_something=0
missing_apt=()
for pkg in "${APT_PACKAGES[@]}"; do
    status=$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null || true)
    if [ "$status" != "installed" ]; then
        missing_apt+=("$pkg")
    fi
done
if [ ${#missing_apt[@]} -gt 0 ]; then
    command -v apt-get >/dev/null 2>&1 || die "apt-get not found; install by hand: ${missing_apt[*]}"
    log "installing apt packages: ${missing_apt[*]}"
    installed_something=1
    export DEBIAN_FRONTEND=noninteractive
    as_root apt-get update -q </dev/null
    as_root env DEBIAN_FRONTEND=noninteractive \
        apt-get install -y -q --no-install-recommends "${missing_apt[@]}" </dev/null
fi

# --- rustup targets ---------------------------------------------------------------------
command -v "$RUSTUP" >/dev/null 2>&1 || die "rustup not found (install Rust with rustup first)"
installed_targets=$("$RUSTUP" target list --installed)
for target in "${RUST_TARGETS[@]}"; do
    if ! grep -qx "$target" <<<"$installed_targets"; then
        log "adding rust target: $target"
        installed_something=1
        "$RUSTUP" target add "$target" </dev/null
    fi
done

installed_components=$("$RUSTUP" component list --installed)
for component in clippy rustfmt; do
    if ! grep -q "^$component" <<<"$installed_components"; then
        log "adding rust component: $component"
        installed_something=1
        "$RUSTUP" component add "$component" </dev/null
    fi
done

# --- python packages --------------------------------------------------------------------
command -v "$PYTHON" >/dev/null 2>&1 || die "$PYTHON not found"
# pytest runs the suite; PyAV (which bundles FFmpeg's decoders) and numpy check the streams;
# Pillow and matplotlib draw the runner's contact sheets and bitrate plots; mypy checks the
# examples against the typing stubs (stubs/).
if ! "$PYTHON" -c 'import pytest, av, numpy, PIL, matplotlib, mypy' >/dev/null 2>&1; then
    log "installing python packages: python_tests/requirements.txt"
    installed_something=1
    # Debian's system python refuses pip installs outside a venv (PEP 668); a user-level
    # python (pyenv, venv) does not. Fall back to --break-system-packages only if needed.
    if ! "$PYTHON" -m pip install -q -r "$ROOT/python_tests/requirements.txt" </dev/null; then
        "$PYTHON" -m pip install -q --break-system-packages -r "$ROOT/python_tests/requirements.txt" </dev/null
    fi
fi

if [ "$installed_something" -eq 0 ]; then
    log "all dependencies present"
fi
