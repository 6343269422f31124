# MicroPython user C module for CMake-based ports: media.vencoder (C glue + the k230-venc Rust
# staticlib). Mirrors micropython.mk (without the simulator variant, which only exists for the
# make-based unix port). Not built in this repository's own flows.
#
# Cache variables: CARGO, K230_VENC_CARGO_FLAGS, K230_VENC_RUST_TARGET, K230_VENC_TARGET_DIR.

get_filename_component(K230_VENC_ROOT ${CMAKE_CURRENT_LIST_DIR}/.. ABSOLUTE)

set(CARGO "cargo" CACHE STRING "cargo executable")
set(K230_VENC_CARGO_FLAGS "" CACHE STRING "extra cargo arguments (e.g. --features abi-2025)")
set(K230_VENC_RUST_TARGET "" CACHE STRING "Rust target triple (empty: the host)")
set(K230_VENC_TARGET_DIR "${K230_VENC_ROOT}/target" CACHE PATH "cargo target directory")

if(K230_VENC_RUST_TARGET)
    set(_k230_venc_target_args --target ${K230_VENC_RUST_TARGET})
    set(K230_VENC_LIB ${K230_VENC_TARGET_DIR}/${K230_VENC_RUST_TARGET}/release/libk230_venc.a)
else()
    set(_k230_venc_target_args)
    set(K230_VENC_LIB ${K230_VENC_TARGET_DIR}/release/libk230_venc.a)
endif()
separate_arguments(_k230_venc_cargo_flags UNIX_COMMAND "${K230_VENC_CARGO_FLAGS}")

# cargo decides what is stale, so it runs on every build.
add_custom_target(k230_venc_cargo
    COMMAND ${CARGO} build --release -p k230-venc --target-dir ${K230_VENC_TARGET_DIR} ${_k230_venc_target_args} ${_k230_venc_cargo_flags}
    WORKING_DIRECTORY ${K230_VENC_ROOT}
    BYPRODUCTS ${K230_VENC_LIB}
    COMMENT "cargo build k230-venc"
    VERBATIM
)

add_library(usermod_k230_venc INTERFACE)
target_sources(usermod_k230_venc INTERFACE
    ${CMAKE_CURRENT_LIST_DIR}/modvencoder.c
    ${CMAKE_CURRENT_LIST_DIR}/venc_frame.c
    ${CMAKE_CURRENT_LIST_DIR}/modmedia.c
    ${CMAKE_CURRENT_LIST_DIR}/venc_glue.c
)
target_include_directories(usermod_k230_venc INTERFACE
    ${CMAKE_CURRENT_LIST_DIR}
    ${K230_VENC_ROOT}/include
)
target_link_libraries(usermod_k230_venc INTERFACE ${K230_VENC_LIB})
add_dependencies(usermod_k230_venc k230_venc_cargo)

target_link_libraries(usermod INTERFACE usermod_k230_venc)
