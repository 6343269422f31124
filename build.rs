//! Generates the MPP bindings (`$OUT_DIR/mpp_bindings.rs`) with bindgen.
//!
//! By default the input is the project's own declaration header
//! `include/k230_mpp.h`. When `K230_SDK_MPP_DIR` points at a K230 MPP tree
//! (the directory holding `include/` and `userapps/api/`), the bindings are
//! generated from the SDK's own headers instead; the layout asserts in
//! `src/mpp.rs` then check that the SDK agrees with the facts we rely on.

use std::env;
use std::path::PathBuf;

/// Every MPP function the core calls.
const FUNCTIONS: &[&str] = &[
    "kd_mpi_venc_create_chn",
    "kd_mpi_venc_destroy_chn",
    "kd_mpi_venc_start_chn",
    "kd_mpi_venc_stop_chn",
    "kd_mpi_venc_query_status",
    "kd_mpi_venc_get_stream",
    "kd_mpi_venc_release_stream",
    "kd_mpi_venc_send_frame",
    "kd_mpi_venc_enable_idr",
    "kd_mpi_venc_request_idr",
    "kd_mpi_venc_attach_vb_pool",
    "kd_mpi_venc_detach_vb_pool",
    "kd_mpi_sys_bind",
    "kd_mpi_sys_unbind",
    "kd_mpi_sys_mmap",
    "kd_mpi_sys_munmap",
    "kd_mpi_vb_set_config",
    "kd_mpi_vb_init",
    "kd_mpi_vb_exit",
    "kd_mpi_vb_create_pool",
    "kd_mpi_vb_destory_pool",
];

/// Every type and constant family that crosses the ABI.
const TYPES: &[&str] = &[
    "k_u8",
    "k_u16",
    "k_u32",
    "k_u64",
    "k_s16",
    "k_s32",
    "k_s64",
    "k_bool",
    "k_mod_id",
    "k_payload_type",
    "k_venc_profile",
    "k_pixel_format",
    "k_venc_rc_mode",
    "k_venc_pack_type",
    "k_venc_attr",
    "k_venc_cbr",
    "k_venc_vbr",
    "k_venc_fixqp",
    "k_venc_mjpeg_fixqp",
    "k_venc_rc_attr",
    "k_venc_chn_attr",
    "k_venc_pack",
    "k_venc_stream",
    "k_venc_stream_info",
    "k_venc_chn_status",
    "k_video_supplement",
    "k_video_frame",
    "k_video_frame_info",
    "k_mpp_chn",
    "k_vb_remap_mode",
    "k_vb_pool_config",
    "k_vb_config",
];

fn clang_target(target: &str) -> String {
    // The K230 big core is rv64gc/lp64d; clang spells the arch without "gc".
    if let Some(rest) = target.strip_prefix("riscv64gc-") {
        if rest.contains("none") {
            return "riscv64-unknown-linux-gnu".into();
        }
        return format!("riscv64-{rest}");
    }
    target.to_string()
}

fn main() {
    let manifest = PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap());
    let out = PathBuf::from(env::var("OUT_DIR").unwrap());
    let target = env::var("TARGET").unwrap();
    println!("cargo:rerun-if-env-changed=K230_SDK_MPP_DIR");
    println!("cargo:rerun-if-changed=include/k230_mpp.h");

    let mut builder = bindgen::Builder::default()
        .use_core()
        .ctypes_prefix("cty")
        .prepend_enum_name(false)
        .derive_default(true)
        .derive_debug(false)
        .layout_tests(false)
        .clang_arg(format!("--target={}", clang_target(&target)));
    if env::var_os("CARGO_FEATURE_ABI_2025").is_some() {
        builder = builder.clang_arg("-DK230_MPP_ABI_2025");
    }

    match env::var_os("K230_SDK_MPP_DIR") {
        Some(sdk) => {
            let sdk = PathBuf::from(sdk);
            let umbrella = out.join("k230_sdk_umbrella.h");
            std::fs::write(
                &umbrella,
                "#include \"mpi_venc_api.h\"\n#include \"mpi_sys_api.h\"\n#include \"mpi_vb_api.h\"\n",
            )
            .expect("write umbrella header");
            for dir in ["include", "include/comm", "userapps/api"] {
                builder = builder.clang_arg(format!("-I{}", sdk.join(dir).display()));
            }
            builder = builder.header(umbrella.to_string_lossy());
            println!("cargo:rustc-cfg=k230_sdk_headers");
        }
        None => {
            builder = builder.header(manifest.join("include/k230_mpp.h").to_string_lossy());
        }
    }
    println!("cargo::rustc-check-cfg=cfg(k230_sdk_headers)");

    for f in FUNCTIONS {
        builder = builder.allowlist_function(f);
    }
    for t in TYPES {
        builder = builder.allowlist_type(t);
    }
    builder = builder
        .allowlist_var("K_.*")
        .allowlist_var("VENC_.*")
        .allowlist_var("VB_.*")
        .allowlist_var("PIXEL_FORMAT_.*");

    let bindings = builder
        .generate()
        .expect("bindgen failed on the MPP headers");
    bindings
        .write_to_file(out.join("mpp_bindings.rs"))
        .expect("write mpp_bindings.rs");
    println!("cargo:include={}", manifest.join("include").display());
}
