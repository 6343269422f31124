//! Generates the MPP bindings (`$OUT_DIR/mpp_bindings.rs`) with bindgen.
//!
//! By default the input is the project's own declaration header
//! `include/k230_mpp.h`. When `K230_SDK_MPP_DIR` points at a K230 MPP tree
//! (the directory holding `include/`, `include/comm/` and `userapps/api/`), the
//! bindings are generated from the SDK's own headers instead (an umbrella
//! including `mpi_venc_api.h`, `mpi_sys_api.h` and `mpi_vb_api.h`).
//!
//! `K230_SDK_MPP_DIR` check. Before generating, the SDK headers and the own
//! header are both parsed by libclang for the build target (and with
//! `-DK230_MPP_ABI_2025` under `--features abi-2025`) and compared
//! (`build_support/sdk_abi.rs`): for every type in TYPES its kind, size and
//! alignment and, for structs/unions, every field's offset, type and size,
//! matched by position (a different field name is a note, never a failure); for every function in FUNCTIONS that the own header declares for the
//! selected ABI generation, that the SDK declares it (not `static`) with the
//! same result and parameter types. Typedefs are resolved, enums compare as
//! their integer type and `const` is ignored, so only ABI differences count.
//! Functions of the other generation are not required. Any difference fails
//! the build; cargo prints, under `--- stderr`, one line per difference, e.g.
//!
//! ```text
//! K230_SDK_MPP_DIR=/opt/mpp: the SDK's MPP headers do not match the declarations the core is written against (include/k230_mpp.h), 1 difference(s):
//!   - k_venc_pack.len: offset 8, u32 (4 bytes) in include/k230_mpp.h; offset 8, u64 (8 bytes) in the SDK
//! ```
//!
//! Enum values the core relies on are checked by the asserts in `src/mpp.rs`.
//! `scripts/check_sdk_layout_test.sh` (run by `make test`) proves the check
//! fails on a changed field and a changed function signature.

use std::env;
use std::path::{Path, PathBuf};

#[path = "build_support/sdk_abi.rs"]
mod sdk_abi;

/// The MPP functions: the project's one list of them (`src/mpp/functions.rs`).
#[path = "src/mpp/functions.rs"]
#[allow(dead_code)]
mod functions;

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

/// Arguments bindgen adds on its own, so that the SDK check parses exactly what bindgen does:
/// `BINDGEN_EXTRA_CLANG_ARGS[_<target>]` and the C include paths of a `clang` on the PATH.
fn bindgen_extra_args(target: &str, args: &[String]) -> Vec<String> {
    let var = "BINDGEN_EXTRA_CLANG_ARGS";
    let vars = [
        format!("{var}_{target}"),
        format!("{var}_{}", target.replace('-', "_")),
        var.to_string(),
    ];
    for v in &vars {
        println!("cargo:rerun-if-env-changed={v}");
    }
    let mut extra: Vec<String> = vars
        .iter()
        .find_map(|v| env::var(v).ok())
        .map(|s| s.split_whitespace().map(String::from).collect())
        .unwrap_or_default();
    let for_clang: Vec<String> = args
        .iter()
        .chain(&extra)
        .filter(|a| !a.starts_with("-I"))
        .cloned()
        .collect();
    if let Some(paths) =
        clang_sys::support::Clang::find(None, &for_clang).and_then(|c| c.c_search_paths)
    {
        for p in paths {
            extra.push("-isystem".into());
            extra.push(p.to_string_lossy().into_owned());
        }
    }
    extra
}

/// Writes `path` only when its content changes (keeps its mtime stable across runs).
fn write_if_changed(path: &Path, content: &str) {
    if std::fs::read_to_string(path).ok().as_deref() != Some(content) {
        std::fs::write(path, content).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
    }
}

fn main() {
    let manifest = PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap());
    let out = PathBuf::from(env::var("OUT_DIR").unwrap());
    let target = env::var("TARGET").unwrap();
    let own_header = manifest.join("include/k230_mpp.h");
    println!("cargo:rerun-if-env-changed=K230_SDK_MPP_DIR");
    println!("cargo:rerun-if-changed=include/k230_mpp.h");
    println!("cargo:rerun-if-changed=src/mpp/functions.rs");
    let abi_2025 = env::var_os("CARGO_FEATURE_ABI_2025").is_some();
    let all_functions: Vec<&str> = functions::COMMON
        .iter()
        .chain(functions::ABI_2025)
        .copied()
        .collect();

    let mut clang_args = vec![format!("--target={}", clang_target(&target))];
    if abi_2025 {
        clang_args.push("-DK230_MPP_ABI_2025".into());
    }
    let mut builder = bindgen::Builder::default()
        .use_core()
        .ctypes_prefix("cty")
        .prepend_enum_name(false)
        .derive_default(true)
        .derive_debug(false)
        .layout_tests(false)
        .clang_args(&clang_args);

    match env::var_os("K230_SDK_MPP_DIR") {
        Some(sdk) => {
            let sdk = PathBuf::from(sdk);
            let umbrella = out.join("k230_sdk_umbrella.h");
            write_if_changed(
                &umbrella,
                "#include \"mpi_venc_api.h\"\n#include \"mpi_sys_api.h\"\n#include \"mpi_vb_api.h\"\n",
            );
            let mut sdk_args = clang_args.clone();
            for dir in ["include", "include/comm", "userapps/api"] {
                sdk_args.push(format!("-I{}", sdk.join(dir).display()));
            }
            for a in &sdk_args[clang_args.len()..] {
                builder = builder.clang_arg(a);
            }
            let extra = bindgen_extra_args(&target, &sdk_args);
            let check = sdk_abi::Check {
                own_header: &own_header,
                own_args: clang_args.iter().chain(&extra).cloned().collect(),
                sdk_dir: &sdk,
                sdk_header: &umbrella,
                sdk_args: sdk_args.iter().chain(&extra).cloned().collect(),
                types: TYPES,
                functions: &all_functions,
            };
            match sdk_abi::check(&check) {
                Ok(checked) => {
                    for f in checked.files {
                        println!("cargo:rerun-if-changed={}", f.display());
                    }
                    for n in checked.notes {
                        println!("cargo:warning=K230_SDK_MPP_DIR: note: {n}");
                    }
                }
                Err(report) => {
                    eprintln!("error: {report}");
                    std::process::exit(1);
                }
            }
            builder = builder.header(umbrella.to_string_lossy());
            println!("cargo:rustc-cfg=k230_sdk_headers");
        }
        None => {
            builder = builder.header(own_header.to_string_lossy());
        }
    }
    println!("cargo::rustc-check-cfg=cfg(k230_sdk_headers)");

    for f in &all_functions {
        builder = builder.allowlist_function(f);
    }
    for t in TYPES {
        builder = builder.allowlist_type(t);
    }
    builder = builder
        .allowlist_var("K_.*")
        .allowlist_var("VENC_.*")
        .allowlist_var("VB_.*")
        .allowlist_var("PIXEL_FORMAT_.*")
        // The error codes have their one set in src/mpp/err.rs, whatever the headers define.
        .blocklist_item("K_ERR_.*")
        .blocklist_item("K_DEF_ERR");

    let bindings = builder
        .generate()
        .expect("bindgen failed on the MPP headers");
    let text = bindings.to_string();
    // Every listed function of the selected generation must be declared: the list and the
    // header cannot drift apart.
    let missing: Vec<&str> = all_functions
        .iter()
        .copied()
        .filter(|f| functions::is_used(f, abi_2025))
        .filter(|f| !text.contains(&format!("pub fn {f}(")))
        .collect();
    if !missing.is_empty() {
        eprintln!(
            "error: the MPP headers do not declare {} of src/mpp/functions.rs",
            missing.join(", ")
        );
        std::process::exit(1);
    }
    write_if_changed(&out.join("mpp_bindings.rs"), &text);
    println!("cargo:include={}", manifest.join("include").display());
}
