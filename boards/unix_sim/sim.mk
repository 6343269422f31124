# unix_sim board fragment, included by mpy_glue/micropython.mk when K230_VENC_SIM=1.
#
# Adds the _k230sim module (sensor stand-in, fault injection, stats, os.exitpoint), the _mpp
# module (a few raw kd_mpi_* calls bound one to one as CanMV's mpp binding does, for the
# reference loop of `make bench-binding`; declarations from include/k230_mpp.h, on the include
# path through mpy_glue/micropython.mk) and the _media module (CanMV's py_video_frame_info /
# py_video_frame, which media.sensor's snapshot(dump_frame=True) returns), the multimedia module
# (CanMV's rtsp_server over the simulator's GStreamer RTSP server), and links the host
# simulator staticlib libk230_venc_sim.a, which already contains the k230-venc core: only ONE
# Rust staticlib may be linked into the program.
#
# The simulator is a std crate, so the link also needs the system libraries Rust's std (and any
# C library the simulator uses, e.g. libavcodec) depends on. rustc reports them itself
# ("native-static-libs"); they are captured into a response file that the link reads at link
# time (gcc @file), so nothing here has to guess them.

K230_SIM_DIR := $(K230_VENC_ROOT)/boards/unix_sim

# The unix port compiles every *.c of its VARIANT_DIR itself: add the modules only when this
# directory is not the variant being built (e.g. the standard variant with K230_VENC_SIM=1).
ifneq ($(realpath $(VARIANT_DIR)),$(realpath $(K230_SIM_DIR)))
SRC_USERMOD_C += $(K230_SIM_DIR)/modk230sim.c $(K230_SIM_DIR)/modk230mpp.c $(K230_SIM_DIR)/modvideoframe.c \
	$(K230_SIM_DIR)/modmultimedia.c
# The MP4 calls (_mpp.mp4_format_api) and the microphone / G.711 encoder (_k230audio).
SRC_USERMOD_C += $(K230_SIM_DIR)/modk230mp4.c $(K230_SIM_DIR)/modk230audio.c
endif
CFLAGS_USERMOD += -I$(K230_VENC_ROOT)/sim/include

K230_VENC_LIB := $(K230_VENC_TARGET_DIR)/$(if $(K230_VENC_RUST_TARGET),$(K230_VENC_RUST_TARGET)/)release/libk230_venc_sim.a
K230_SIM_NATIVE_LIBS := $(BUILD)/k230_sim_native_libs.rsp
K230_SIM_CARGO_LOG := $(BUILD)/k230_sim_cargo.log
# Used when rustc's report cannot be found in cargo's output.
K230_SIM_DEFAULT_LIBS := -lpthread -ldl -lm

LDFLAGS_USERMOD += $(K230_VENC_LIB) @$(K230_SIM_NATIVE_LIBS)

# `cargo rustc` is `cargo build` for one crate plus extra rustc flags; cargo replays the note
# from its cache when nothing needs rebuilding, so the response file is always current.
$(K230_VENC_LIB): FORCE
	$(ECHO) "CARGO $(notdir $@)"
	$(Q)mkdir -p "$(BUILD)"
	$(Q)cd "$(K230_VENC_ROOT)" && $(CARGO) rustc --release -p k230-venc-sim --lib --target-dir "$(K230_VENC_TARGET_DIR)" \
		$(if $(K230_VENC_RUST_TARGET),--target $(K230_VENC_RUST_TARGET)) $(K230_VENC_CARGO_FLAGS) \
		-- --print native-static-libs >"$(K230_SIM_CARGO_LOG)" 2>&1; \
		rc=$$?; cat "$(K230_SIM_CARGO_LOG)" >&2; \
		if [ $$rc -ne 0 ]; then exit $$rc; fi; \
		libs=$$(sed -n 's/^note: native-static-libs: //p' "$(K230_SIM_CARGO_LOG)" | tail -n 1); \
		echo "$${libs:-$(K230_SIM_DEFAULT_LIBS)}" >"$(K230_SIM_NATIVE_LIBS).tmp"; \
		if cmp -s "$(K230_SIM_NATIVE_LIBS).tmp" "$(K230_SIM_NATIVE_LIBS)"; then \
			rm -f "$(K230_SIM_NATIVE_LIBS).tmp"; \
		else \
			mv "$(K230_SIM_NATIVE_LIBS).tmp" "$(K230_SIM_NATIVE_LIBS)"; \
		fi

