# k230-venc: build, run and test entry points.
#
#   make run    install what is missing, build the simulator MicroPython, run the manual's
#               Example 1 on it with scripts/k230sim run: a summary of the H.264 stream it
#               wrote, its contact sheet and bitrate plot (build/out/<example>/pictures/)
#   make test   install what is missing, cargo tests, riscv64 build of the core, simulator
#               MicroPython, pytest suite; the simulator MicroPython cross-built for riscv64
#               (synthetic backend) and the API/error/lifecycle/stream suites under qemu-riscv64;
#               the glue compiled with the CanMV-like configuration against the CanMV fork of
#               MicroPython and against MicroPython 1.21.0 (the CanMV firmware's generation), and
#               the simulator MicroPython built against 1.21.0 with the same four suites: from
#               the archives in ../shared/vendor/ (K230_SHARED_DIR), each skipped with a printed
#               line when its archive is absent (scripts/fetch_micropython.sh)
#   make bench  throughput of Example 1 at 1920x1080 H.264 Main through the whole stack against
#               the same encoder fed the same frames directly (scripts/bench.py, BENCHMARKS.md)
#   make header regenerate mpy_glue/k230_venc.h from the core (cbindgen; make test verifies it)
#   make docs   render docs/*.dot to the committed SVGs beside them (python_tests/test_docs.py
#               checks they are current)
#   make sanitize  the whole pytest suite on the simulator MicroPython built with ASan + UBSan
#               (make test runs the API, error, lifecycle and ledger suites on it)
#   make fuzz   the seeded fuzzer, long run (python_tests/fuzz.py; make test runs 100 seeds)
#   make proptest  the core's ledger property with many random cases (make test: 512, seeded)
#   make bench-binding
#               instructions (callgrind) per GetStream+ReleaseStream pair and per SendFrame in the
#               glue and the core, without the simulator below kd_mpi_*, and MicroPython heap
#               bytes per frame, against a CanMV-shaped loop in Python over the raw kd_mpi_*
#               calls (scripts/bench_binding.py, BENCHMARKS.md); builds micropython-bench
#   make setup | micropython | micropython-2025 | micropython-riscv64 | micropython-bench |
#        micropython-121 | clean | distclean
#
# Variables: MICROPY_DIR (use this MicroPython tree instead of fetching 1.25), K230_SHARED_DIR
# (the folder whose vendor/ holds the MicroPython 1.21.0 and CanMV archives; default ../shared
# beside the repo), CARGO, PYTHON,
# JOBS, RUN_EXAMPLE (examples/<name>.py for `make run`, default doc_example1), RUN_ARGS (more
# arguments of scripts/k230sim run for `make run`, e.g. --camera clip.mp4 --frames 60), BENCH_ARGS
# (arguments of scripts/bench.py for `make bench`, e.g. --rounds 5 --callgrind),
# BENCH_BINDING_ARGS (arguments of scripts/bench_binding.py, e.g. --frames 2000 --keep DIR),
# RISCV64_CROSS_COMPILE (default riscv64-linux-gnu-), RISCV64_RUNNER (default qemu-riscv64).

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c

ROOT := $(patsubst %/,%,$(dir $(abspath $(lastword $(MAKEFILE_LIST)))))
BUILD_DIR := $(ROOT)/build
UNIX_BUILD := $(BUILD_DIR)/unix_sim
MICROPYTHON := $(UNIX_BUILD)/micropython
OUT_DIR := $(BUILD_DIR)/out

CARGO ?= cargo
PYTHON ?= python3
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
RUN_EXAMPLE ?= doc_example1
RUN_ARGS ?=
BENCH_ARGS ?=
BENCH_BINDING_ARGS ?=
RUST_K230_TARGET := riscv64gc-unknown-linux-gnu

export CARGO

# The unix port with the unix_sim variant, the media.vencoder glue and the simulator.
# (PROG is a file name inside BUILD: the port links $(BUILD)/$(PROG).)
MPY_UNIX_ARGS = \
	VARIANT_DIR=$(ROOT)/boards/unix_sim \
	BUILD=$(UNIX_BUILD) \
	PROG=micropython \
	USER_C_MODULES=$(ROOT) \
	K230_VENC_SIM=1 \
	MICROPY_PY_SSL=0 MICROPY_SSL_MBEDTLS=0 MICROPY_PY_BTREE=0 MICROPY_PY_FFI=0 \
	CARGO="$(CARGO)"

# The same build against the 2025 MPP ABI generation (16-byte k_venc_attr, private VB pool per
# channel), with its own cargo target dir so that the two configurations do not rebuild each other.
UNIX_BUILD_2025 := $(BUILD_DIR)/unix_sim_2025
MICROPYTHON_2025 := $(UNIX_BUILD_2025)/micropython
MPY_UNIX_ARGS_2025 = $(MPY_UNIX_ARGS) BUILD=$(UNIX_BUILD_2025) \
	K230_VENC_CARGO_FLAGS="--features abi-2025" K230_VENC_TARGET_DIR=$(ROOT)/target/abi-2025
# The suites that run against both ABI generations.
ABI_SUITES := python_tests/test_api.py python_tests/test_errors.py python_tests/test_lifecycle.py \
	python_tests/test_streams.py python_tests/test_fault_matrix.py python_tests/test_fuzz.py \
	python_tests/test_ledger.py python_tests/test_generations.py python_tests/test_extras.py \
	python_tests/test_orientation.py python_tests/test_rc_modes.py
ABI_SUITES += python_tests/test_mp4.py python_tests/test_mp4_binding.py
ABI_SUITES += python_tests/test_back_to_back.py

# The same build cross-compiled for riscv64 (the K230 big core's ISA), statically linked, run
# under qemu-riscv64: the simulator without its libav backend (cargo --no-default-features:
# synthetic streams only, no FFmpeg for the target), with its own build and cargo target dirs.
# The Rust staticlib is built with crt-static so that rustc asks for libgcc_eh (static) instead
# of libgcc_s (shared only) in the native libraries sim.mk passes to the static link.
UNIX_BUILD_RISCV64 := $(BUILD_DIR)/unix_sim_riscv64
MICROPYTHON_RISCV64 := $(UNIX_BUILD_RISCV64)/micropython
RISCV64_CROSS_COMPILE ?= riscv64-linux-gnu-
RISCV64_RUNNER ?= qemu-riscv64
MPY_UNIX_ARGS_RISCV64 = $(MPY_UNIX_ARGS) BUILD=$(UNIX_BUILD_RISCV64) \
	CROSS_COMPILE=$(RISCV64_CROSS_COMPILE) LDFLAGS_EXTRA=-static \
	K230_VENC_RUST_TARGET=$(RUST_K230_TARGET) K230_VENC_CARGO_FLAGS="--no-default-features" \
	K230_VENC_TARGET_DIR=$(ROOT)/target/riscv64-sim
# The simulator MicroPython once more, not stripped (the unix port strips its program unless
# STRIP is empty), in its own build dir, for callgrind (`make bench-binding`): the same sources
# and flags as $(MICROPYTHON), and the same cargo target dir.
UNIX_BUILD_BENCH := $(BUILD_DIR)/unix_sim_bench
MICROPYTHON_BENCH := $(UNIX_BUILD_BENCH)/micropython
MPY_UNIX_ARGS_BENCH = $(MPY_UNIX_ARGS) BUILD=$(UNIX_BUILD_BENCH) STRIP=

# The same build with AddressSanitizer (leaks included) and UndefinedBehaviorSanitizer on the C
# side (MicroPython, the glue, the board modules); the Rust core and simulator are not
# instrumented (that needs a nightly toolchain), their allocations are still checked by ASan's
# allocator. Findings end the run (conftest.py fails a test on any report).
UNIX_BUILD_ASAN := $(BUILD_DIR)/unix_sim_asan
MICROPYTHON_ASAN := $(UNIX_BUILD_ASAN)/micropython
SANITIZE_FLAGS := -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
MPY_UNIX_ARGS_ASAN = $(MPY_UNIX_ARGS) BUILD=$(UNIX_BUILD_ASAN) STRIP= \
	CFLAGS_EXTRA="$(SANITIZE_FLAGS) --param asan-use-after-return=0" LDFLAGS_EXTRA="$(SANITIZE_FLAGS)"
SANITIZE_ENV := ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
	LSAN_OPTIONS=suppressions=$(ROOT)/python_tests/lsan.supp:print_suppressions=0
# The suites make test runs on it (make sanitize runs them all).
ASAN_SUITES := python_tests/test_api.py python_tests/test_errors.py python_tests/test_lifecycle.py \
	python_tests/test_ledger.py
ASAN_SUITES += python_tests/test_mp4_binding.py

# The same build against MicroPython 1.21.0 (the generation CanMV-K230 firmware is built from),
# from the archive in ../shared/vendor/ (scripts/fetch_micropython.sh 1.21); the same
# cargo target dir as $(MICROPYTHON).
UNIX_BUILD_121 := $(BUILD_DIR)/unix_sim_121
MICROPYTHON_121 := $(UNIX_BUILD_121)/micropython
MPY_UNIX_ARGS_121 = $(MPY_UNIX_ARGS) BUILD=$(UNIX_BUILD_121)

# The suites that run on the riscv64 and the 1.21 builds (they need no real encoder).
API_SUITES := python_tests/test_api.py python_tests/test_errors.py \
	python_tests/test_lifecycle.py python_tests/test_streams.py python_tests/test_rtsp_build.py
API_SUITES += python_tests/test_mp4_binding.py

# $(call build_mpy,FETCH_ARGS,UNIX_MAKE_ARGS[,ENV]): mpy-cross, then the unix port with
# UNIX_MAKE_ARGS (ENV in front of its make), in the MicroPython tree that
# `scripts/fetch_micropython.sh FETCH_ARGS` provides (none: 1.25, or MICROPY_DIR; 1.21: the
# vendored 1.21.0). mpy-cross is built natively on its own first, so that nothing meant for the
# port (such as a CROSS_COMPILE) reaches it.
build_mpy = mpy_dir=$$($(ROOT)/scripts/fetch_micropython.sh $(1)); \
	echo "MicroPython tree: $$mpy_dir"; \
	$(MAKE) -C "$$mpy_dir/mpy-cross" -j$(JOBS) USER_C_MODULES= ; \
	$(3) $(MAKE) -C "$$mpy_dir/ports/unix" -j$(JOBS) $(2)

# $(call if_vendored,SOURCE,WHAT,COMMANDS): COMMANDS when scripts/fetch_micropython.sh SOURCE
# provides its tree; when it reports its archive absent (status 3, after a line naming the
# file), one line saying that WHAT is skipped; any other failure of it (a sha256 mismatch, a
# damaged archive) fails.
VENDOR_SKIP_STATUS := 3
, := ,
if_vendored = rc=0; $(ROOT)/scripts/fetch_micropython.sh $(1) >/dev/null || rc=$$?; \
	if [ $$rc -eq $(VENDOR_SKIP_STATUS) ]; then echo "make test: SKIPPED $(2) (no archive, see above)"; \
	elif [ $$rc -ne 0 ]; then exit $$rc; \
	else $(3); fi

.PHONY: all setup header docs micropython micropython-2025 micropython-riscv64 micropython-bench \
	micropython-asan micropython-121 run test bench bench-binding fuzz proptest sanitize clean distclean

all: micropython

setup:
	$(ROOT)/scripts/setup.sh

# mpy_glue/k230_venc.h from the core's C entry points (make test checks it is up to date).
header:
	cd $(ROOT) && $(CARGO) run -q -p venc-header

docs:
	$(PYTHON) $(ROOT)/scripts/render_docs.py

micropython:
	$(call build_mpy,,$(MPY_UNIX_ARGS))
	@echo "built $(MICROPYTHON)"

micropython-2025:
	$(call build_mpy,,$(MPY_UNIX_ARGS_2025))
	@echo "built $(MICROPYTHON_2025)"

micropython-riscv64:
	$(call build_mpy,,$(MPY_UNIX_ARGS_RISCV64),\
		CARGO_TARGET_RISCV64GC_UNKNOWN_LINUX_GNU_RUSTFLAGS="-C target-feature=+crt-static")
	@echo "built $(MICROPYTHON_RISCV64) (run it with $(RISCV64_RUNNER))"

micropython-asan:
	$(call build_mpy,,$(MPY_UNIX_ARGS_ASAN))
	@echo "built $(MICROPYTHON_ASAN) (ASan + UBSan)"

# Needs the 1.21.0 archive (scripts/fetch_micropython.sh 1.21 says which file is missing).
micropython-121:
	$(call build_mpy,1.21,$(MPY_UNIX_ARGS_121))
	@echo "built $(MICROPYTHON_121) (MicroPython 1.21.0)"

# The whole pytest suite (with the fault matrix and the fuzzer's short run) on the sanitizer build.
sanitize:
	$(MAKE) --no-print-directory setup
	$(MAKE) --no-print-directory micropython-asan
	cd $(ROOT) && $(SANITIZE_ENV) K230_VENC_MPY=$(MICROPYTHON_ASAN) $(PYTHON) -m pytest -q python_tests

micropython-bench:
	$(call build_mpy,,$(MPY_UNIX_ARGS_BENCH))
	@echo "built $(MICROPYTHON_BENCH) (not stripped)"

run:
	$(MAKE) --no-print-directory setup
	$(MAKE) --no-print-directory micropython
	mkdir -p $(OUT_DIR)
	$(PYTHON) $(ROOT)/scripts/k230sim run $(ROOT)/examples/$(RUN_EXAMPLE).py --out $(OUT_DIR)/$(RUN_EXAMPLE) \
		--log $(OUT_DIR)/$(RUN_EXAMPLE).log $(RUN_ARGS)

test:
	$(MAKE) --no-print-directory setup
	cd $(ROOT) && $(CARGO) fmt --all --check
	cd $(ROOT) && $(CARGO) run -q -p venc-header -- --verify
	cd $(ROOT) && $(CARGO) clippy --workspace --all-targets -- -D warnings
	cd $(ROOT) && $(CARGO) test --workspace
	cd $(ROOT) && $(CARGO) test -p k230-venc --features abi-2025
	cd $(ROOT) && $(CARGO) test -p k230-venc-sim --features abi-2025
	K230_CORE_TARGET=$(RUST_K230_TARGET) $(ROOT)/scripts/check_core_archive.sh
	$(ROOT)/scripts/check_sdk_layout_test.sh
	CARGO="$(CARGO)" $(ROOT)/scripts/check_real_sdk.sh
	bash -n $(ROOT)/boards/k230_canmv/sdk_container_setup.sh
	if command -v shellcheck >/dev/null; then shellcheck $(ROOT)/boards/k230_canmv/sdk_container_setup.sh; \
	else echo "make test: shellcheck not found: sdk_container_setup.sh checked with bash -n only"; fi
	$(ROOT)/scripts/fetch_micropython_test.sh
	cd $(ROOT) && $(CARGO) build --release -q -p k230-venc --target riscv64gc-unknown-none-elf
	$(MAKE) --no-print-directory micropython
	JOBS=$(JOBS) CARGO="$(CARGO)" $(ROOT)/scripts/check_glue_canmv.sh
	$(call if_vendored,canmv,the glue check against the CanMV fork,\
		JOBS=$(JOBS) CARGO="$(CARGO)" $(ROOT)/scripts/check_glue_canmv.sh canmv)
	$(MAKE) --no-print-directory micropython-2025
	cd $(ROOT) && K230_VENC_MPY=$(MICROPYTHON) $(PYTHON) -m pytest -q python_tests
	cd $(ROOT) && K230_VENC_MPY=$(MICROPYTHON_2025) $(PYTHON) -m pytest -q $(ABI_SUITES)
	$(call if_vendored,1.21,the MicroPython 1.21.0 glue check$(,) build and suites,\
		JOBS=$(JOBS) CARGO="$(CARGO)" $(ROOT)/scripts/check_glue_canmv.sh 1.21 && \
		$(MAKE) --no-print-directory micropython-121 && \
		cd $(ROOT) && K230_VENC_MPY=$(MICROPYTHON_121) $(PYTHON) -m pytest -q $(API_SUITES))
	cd $(ROOT) && $(CARGO) clippy -p k230-venc-sim --no-default-features --all-targets -- -D warnings
	cd $(ROOT) && $(CARGO) test -p k230-venc-sim --no-default-features
	$(MAKE) --no-print-directory micropython-asan
	cd $(ROOT) && $(SANITIZE_ENV) K230_VENC_MPY=$(MICROPYTHON_ASAN) $(PYTHON) -m pytest -q $(ASAN_SUITES)
	$(MAKE) --no-print-directory micropython-riscv64
	cd $(ROOT) && K230_VENC_MPY=$(MICROPYTHON_RISCV64) K230_VENC_MPY_RUNNER="$(RISCV64_RUNNER)" \
		$(PYTHON) -m pytest -q $(API_SUITES)

# Not a test: it reports the numbers and fails only when a run fails, never on a slow result.
bench:
	$(MAKE) --no-print-directory setup
	$(MAKE) --no-print-directory micropython
	cd $(ROOT) && $(CARGO) build --release -p k230-venc-sim --bin raw_encoder_bench
	$(PYTHON) $(ROOT)/scripts/bench.py $(BENCH_ARGS)

# Not a test either: reports instruction counts and heap bytes against their targets, fails only
# when a run fails or the profile cannot be attributed.
bench-binding:
	$(MAKE) --no-print-directory setup
	$(MAKE) --no-print-directory micropython-bench
	$(PYTHON) $(ROOT)/scripts/bench_binding.py --mpy $(MICROPYTHON_BENCH) $(BENCH_BINDING_ARGS)

# Long runs of what `make test` runs briefly. FUZZ_ARGS: arguments of python_tests/fuzz.py
# (default 2,000 seeds of 600 steps); PROPTEST_CASES: cases of the core's ledger property.
FUZZ_ARGS ?= --seeds 2000 --steps 600
PROPTEST_CASES ?= 20000
fuzz:
	$(MAKE) --no-print-directory setup
	$(MAKE) --no-print-directory micropython
	$(MAKE) --no-print-directory micropython-2025
	$(PYTHON) $(ROOT)/python_tests/fuzz.py --mpy $(MICROPYTHON) $(FUZZ_ARGS)
	$(PYTHON) $(ROOT)/python_tests/fuzz.py --mpy $(MICROPYTHON_2025) $(FUZZ_ARGS)

proptest:
	cd $(ROOT) && PROPTEST_CASES=$(PROPTEST_CASES) PROPTEST_RNG_SEED=random \
		$(CARGO) test -p k230-venc ledger
	cd $(ROOT) && PROPTEST_CASES=$(PROPTEST_CASES) PROPTEST_RNG_SEED=random \
		$(CARGO) test -p k230-venc --features abi-2025 ledger

# Build products; the fetched and extracted MicroPython trees and the tarball stay (distclean
# removes them).
clean:
	rm -rf $(UNIX_BUILD) $(UNIX_BUILD_2025) $(UNIX_BUILD_RISCV64) $(UNIX_BUILD_BENCH) $(UNIX_BUILD_ASAN) \
		$(UNIX_BUILD_121) $(BUILD_DIR)/canmv_check \
		$(OUT_DIR)
	cd $(ROOT) && $(CARGO) clean

distclean: clean
	rm -rf $(BUILD_DIR)
