# k230-venc in a CanMV-K230 firmware: make fragment for the canmv_k230 port Makefile.
#
# Include it from src/canmv/port/Makefile right AFTER the line that sets USER_C_MODULES and
# BEFORE `include $(TOP)/py/py.mk`:
#
#     USER_C_MODULES = 3rd-party/ulab
#     include /path/to/k230-venc/boards/k230_canmv/k230_venc.mk
#
# What it does (see README.md in this directory):
#  - keeps the port's own user C modules (CanMV: 3rd-party/ulab) and adds media.vencoder:
#    USER_C_MODULES becomes boards/k230_canmv/user_c_modules/, whose two wrappers include the
#    port's modules and mpy_glue/micropython.mk (the glue and the cargo rule live there only);
#  - builds the no_std core for the K230 big core with the CanMV code-generation flags:
#    -march=rv64imafdc(v) -mabi=lp64d -> Rust target riscv64gc-unknown-linux-gnu (rv64gc, lp64d),
#    -mcmodel=medany -> -C code-model=medium; the staticlib needs only kd_mpi_* (the SDK's MPP
#    libraries, already on the CanMV link line) and abort/memcpy/memmove/memset/memcmp/bcmp
#    (musl), see scripts/check_core_archive.sh;
#  - generates the MPP bindings from the SDK's own headers when they are found, with the port's
#    MPP include folders, so the layout asserts of src/mpp/mod.rs check the SDK, and picks the
#    MPP ABI generation from them.
#
# Variables (set on the make command line or before the include):
#   K230_VENC_RUST_TARGET   Rust target (default riscv64gc-unknown-linux-gnu)
#   K230_VENC_RUSTFLAGS     rustc flags for that target (default -C code-model=medium; add
#                           -C target-feature=+v for RVV code generation, see README.md)
#   K230_VENC_TARGET_DIR    cargo target directory (default <repo>/target/canmv)
#   K230_VENC_SDK_MPP_DIR   the SDK's MPP tree (default $(SDK_RTSMART_SRC_DIR)/mpp if it has
#                           userapps/api/mpi_venc_api.h; empty: the project's include/k230_mpp.h)
#   K230_VENC_SDK_CFLAGS    extra C flags for reading the SDK's headers (exported as
#                           K230_SDK_CFLAGS, after the MPP include folders the port uses:
#                           include, include/comm, include/ioctl, userapps/api): the 2025 SDK's
#                           headers include a generated k_autoconf_comm.h and libc headers, e.g.
#                           -I<dir of k_autoconf_comm.h> -isystem <toolchain sysroot>/usr/include
#   K230_VENC_ABI           auto (default), 2024 or 2025: the MPP ABI generation; auto is 2025
#                           when the SDK's mpi_venc_api.h declares kd_mpi_venc_attach_vb_pool
#   K230_VENC_CARGO_FLAGS   extra cargo arguments (mpy_glue/micropython.mk)
#   CARGO                   cargo executable

K230_VENC_CANMV_DIR := $(patsubst %/,%,$(dir $(abspath $(lastword $(MAKEFILE_LIST)))))
K230_VENC_ROOT := $(patsubst %/boards/k230_canmv,%,$(K230_VENC_CANMV_DIR))

# The port's own user C modules stay: user_c_modules/port_modules/micropython.mk includes them.
K230_VENC_PORT_USER_C_MODULES := $(USER_C_MODULES)
USER_C_MODULES := $(K230_VENC_CANMV_DIR)/user_c_modules

K230_VENC_RUST_TARGET ?= riscv64gc-unknown-linux-gnu
K230_VENC_RUSTFLAGS ?= -C code-model=medium
K230_VENC_TARGET_DIR ?= $(K230_VENC_ROOT)/target/canmv

# cargo reads CARGO_TARGET_<TRIPLE>_RUSTFLAGS for the target artifacts only (not build scripts).
K230_VENC_TRIPLE_VAR := $(shell echo '$(K230_VENC_RUST_TARGET)' | tr 'a-z.-' 'A-Z__')
export CARGO_TARGET_$(K230_VENC_TRIPLE_VAR)_RUSTFLAGS := $(K230_VENC_RUSTFLAGS)

K230_VENC_SDK_MPP_DIR ?= $(if $(SDK_RTSMART_SRC_DIR),$(patsubst %/userapps/api/mpi_venc_api.h,%,$(wildcard $(SDK_RTSMART_SRC_DIR)/mpp/userapps/api/mpi_venc_api.h)))
ifneq ($(K230_VENC_SDK_MPP_DIR),)
export K230_SDK_MPP_DIR := $(abspath $(K230_VENC_SDK_MPP_DIR))
# The MPP include folders the port compiles its C with (the RT-Smart SDK's libs/mk/libmpp.mk
# adds these four to LIB_CFLAGS), so that bindgen, the SDK check and the wrappers of build.rs
# read the MPP headers as the port does (a header may include one from include/ioctl).
K230_VENC_SDK_MPP_INC := $(addprefix -I$(K230_SDK_MPP_DIR)/,include include/comm include/ioctl userapps/api)
endif

K230_VENC_SDK_ALL_CFLAGS := $(strip $(K230_VENC_SDK_MPP_INC) $(K230_VENC_SDK_CFLAGS))
ifneq ($(K230_VENC_SDK_ALL_CFLAGS),)
export K230_SDK_CFLAGS := $(K230_VENC_SDK_ALL_CFLAGS)
endif
# MPP functions an SDK defines static inline are called through C wrappers compiled with its
# headers (build.rs), by the port's compiler unless CC_<target> is set already.
K230_VENC_CC_VAR := CC_$(subst -,_,$(K230_VENC_RUST_TARGET))
ifneq ($(CROSS_COMPILE),)
ifeq ($(origin $(K230_VENC_CC_VAR)),undefined)
export $(K230_VENC_CC_VAR) := $(CROSS_COMPILE)gcc
endif
endif

K230_VENC_ABI ?= auto
ifeq ($(K230_VENC_ABI),auto)
K230_VENC_ABI := $(if $(K230_VENC_SDK_MPP_DIR),$(if $(shell grep -l kd_mpi_venc_attach_vb_pool $(K230_VENC_SDK_MPP_DIR)/userapps/api/mpi_venc_api.h 2>/dev/null),2025,2024),2024)
endif
ifeq ($(K230_VENC_ABI),2025)
K230_VENC_CARGO_FLAGS += --features abi-2025
else ifneq ($(K230_VENC_ABI),2024)
$(error K230_VENC_ABI must be auto, 2024 or 2025 (got $(K230_VENC_ABI)))
endif

$(info k230-venc: $(K230_VENC_RUST_TARGET) [$(K230_VENC_RUSTFLAGS)], MPP ABI $(K230_VENC_ABI), MPP headers: $(if $(K230_SDK_MPP_DIR),$(K230_SDK_MPP_DIR),$(K230_VENC_ROOT)/include/k230_mpp.h))
