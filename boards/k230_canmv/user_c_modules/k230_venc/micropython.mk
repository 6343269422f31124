# media.vencoder as a user C module of a CanMV firmware: the glue and its cargo rule are
# mpy_glue/micropython.mk; this wrapper only points USERMOD_DIR at it. USER_C_MODULES is set to
# this wrapper's parent directory by ../../k230_venc.mk, which also sets K230_VENC_ROOT and the
# Rust target and flags.

USERMOD_DIR := $(K230_VENC_ROOT)/mpy_glue
include $(USERMOD_DIR)/micropython.mk
