# The user C modules the port had before ../../k230_venc.mk took over USER_C_MODULES
# (CanMV: 3rd-party/ulab, i.e. 3rd-party/ulab/code/micropython.mk), included the way
# py/py.mk includes them. Their sources keep their port-relative paths, so their objects land
# under $(BUILD)/3rd-party/... and make finds the sources through the "." vpath entry.

$(foreach module, $(wildcard $(addsuffix /*/micropython.mk,$(K230_VENC_PORT_USER_C_MODULES))), \
    $(eval USERMOD_DIR = $(patsubst %/,%,$(dir $(module))))\
    $(info Including User C Module from $(USERMOD_DIR))\
    $(eval include $(module))\
)
