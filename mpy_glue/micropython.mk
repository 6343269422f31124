# MicroPython user C module: media.vencoder (C glue + the k230-venc Rust staticlib).
#
# Used through the port's USER_C_MODULES=<repo root>, which picks up every */micropython.mk.
#
#   default          links the core staticlib (cargo build --release -p k230-venc), built for
#                    the host, or for K230_VENC_RUST_TARGET=<triple> when cross-compiling
#   K230_VENC_SIM=1  links the host simulator staticlib instead (it contains the core) and adds
#                    the _k230sim module and os.exitpoint: see boards/unix_sim/sim.mk
#
# Variables: CARGO (default cargo), K230_VENC_CARGO_FLAGS (extra cargo arguments, e.g.
# --features abi-2025), K230_VENC_RUST_TARGET, K230_VENC_TARGET_DIR (default: $CARGO_TARGET_DIR
# or <repo>/target).

# The repository root, spelled with the same prefix as USER_C_MODULES so that object files
# land under $(BUILD)/mpy_glue/ and $(BUILD)/boards/.
K230_VENC_ROOT := $(patsubst %/mpy_glue,%,$(USERMOD_DIR))

# The glue: the vencoder types, the frame info, the media part, shared helpers.
K230_VENC_GLUE_SRC := modvencoder.c venc_frame.c modmedia.c venc_glue.c

CARGO ?= cargo
K230_VENC_CARGO_FLAGS ?=
K230_VENC_RUST_TARGET ?=
K230_VENC_TARGET_DIR ?= $(if $(CARGO_TARGET_DIR),$(CARGO_TARGET_DIR),$(K230_VENC_ROOT)/target)

SRC_USERMOD_C += $(addprefix $(USERMOD_DIR)/,$(K230_VENC_GLUE_SRC))
CFLAGS_USERMOD += -I$(USERMOD_DIR) -I$(K230_VENC_ROOT)/include

ifeq ($(K230_VENC_SIM),1)
include $(K230_VENC_ROOT)/boards/unix_sim/sim.mk
else

# The no_std core: needs nothing from the C library beyond abort()/memcpy & co.
K230_VENC_LIB := $(K230_VENC_TARGET_DIR)/$(if $(K230_VENC_RUST_TARGET),$(K230_VENC_RUST_TARGET)/)release/libk230_venc.a

LDFLAGS_USERMOD += $(K230_VENC_LIB)

# cargo decides what is stale: run it on every make, and let the .a's timestamp drive the rest.
$(K230_VENC_LIB): FORCE
	$(ECHO) "CARGO $(notdir $@)"
	$(Q)cd "$(K230_VENC_ROOT)" && $(CARGO) build --release -p k230-venc --target-dir "$(K230_VENC_TARGET_DIR)" \
		$(if $(K230_VENC_RUST_TARGET),--target $(K230_VENC_RUST_TARGET)) $(K230_VENC_CARGO_FLAGS)

endif

# The glue object depends on the staticlib (not the program: that would put the .a among the
# link objects and change the link order), so a rebuilt library relinks the program.
$(addprefix $(BUILD)/$(patsubst $(USER_C_MODULES)/%,%,$(USERMOD_DIR))/,$(K230_VENC_GLUE_SRC:.c=.o)): $(K230_VENC_LIB)
