# unix_sim variant: frozen stand-ins for CanMV's media package (see manifest.py).
# Build it with USER_C_MODULES=<repo root> K230_VENC_SIM=1 (see the top-level Makefile).

FROZEN_MANIFEST = $(VARIANT_DIR)/manifest.py
