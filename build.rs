//! Generates the MPP bindings (`$OUT_DIR/mpp_bindings.rs`) with bindgen.
//!
//! By default the input is the project's own declaration header
//! `include/k230_mpp.h`. When `K230_SDK_MPP_DIR` points at a K230 MPP tree
//! (the directory holding `include/`, `include/comm/`, `include/ioctl/` and
//! `userapps/api/`: each one present is on the include path), the bindings are generated from the SDK's own headers instead (an umbrella
//! including `mpi_venc_api.h`, `mpi_sys_api.h` and `mpi_vb_api.h`).
//!
//! `K230_SDK_MPP_DIR` check. Before generating, the SDK headers and the own
//! header are both parsed by libclang for the build target (and with
//! `-DK230_MPP_ABI_2025` under `--features abi-2025`) and compared
//! (`build_support/sdk_abi.rs`): for every type in TYPES its kind, size and
//! alignment and, for structs/unions, every field's offset, type and size,
//! matched by position (a different field name is a note, never a failure); for
//! every function the core calls (src/mpp/functions.rs, of the selected ABI
//! generation), that the SDK declares it with the same result and parameter
//! types. Typedefs are resolved, enums compare as their integer type and `const`
//! is ignored, so only ABI differences count. Any difference fails the build;
//! cargo prints, under `--- stderr`, one line per difference, e.g.
//!
//! ```text
//! K230_SDK_MPP_DIR=/opt/mpp: the SDK's MPP headers do not match the declarations the core is written against (include/k230_mpp.h), 1 difference(s):
//!   - k_venc_pack.len: offset 8, u32 (4 bytes) in include/k230_mpp.h; offset 8, u64 (8 bytes) in the SDK
//! ```
//!
//! What the SDK may do differently, and how the build follows it (each printed as a cargo
//! warning `K230_SDK_MPP_DIR: note: ...`):
//! - a function defined `static` (inline) in the headers: the core calls it through a C
//!   wrapper with external linkage, generated here and compiled with the SDK's headers by the
//!   target's C compiler (`cc` crate: `CC_<target>`); bindgen names the wrapper as the
//!   function it wraps;
//! - `functions::ALTERNATIVES`: the 2025 `kd_mpi_venc_attach_vb_pool(chn, pool, n)`, or, in
//!   SDKs where that is a two-argument static inline wrapper, the exported
//!   `kd_mpi_venc_attach_vb_pool_ex(chn, pool, n)` (`cfg(k230_mpp_calls = "...")`);
//! - `functions::OPTIONAL` (the 2025 `kd_mpi_venc_request_chn` / `release_chn`): an SDK
//!   without them still builds; the core then picks implicit channels itself
//!   (`cfg(k230_mpp_request_chn)` is set when they are declared);
//! - pixel formats: their values come from the SDK's headers (NV12 is 30 in the 2023
//!   k230_sdk, 31 later), and one the headers lack (BGRA8888 in the 2023 k230_sdk) is not
//!   accepted (`cfg(k230_pixel_format_bgra_8888)`).
//!
//! `K230_SDK_CFLAGS`: more C flags for the SDK's headers (the 2025 generation includes a
//! build-generated `k_autoconf_comm.h` and libc headers): passed to the check, to bindgen
//! and to the wrappers' compiler.
//!
//! Enum values the core relies on are checked by the asserts in `src/mpp/mod.rs`.
//! `scripts/check_sdk_layout_test.sh` (run by `make test`) proves the check
//! fails on a changed field and a changed function signature, and builds both attach forms,
//! static inline functions and headers that need K230_SDK_CFLAGS;
//! `scripts/check_real_sdk.sh` builds the core against the real SDK trees at hand.

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
    "k_rotation",
    "k_venc_mirror",
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

/// Writes and compiles the wrappers of the functions the SDK headers define `static`
/// (`$OUT_DIR/k230_sdk_wrappers.{h,c}`, with the target's C compiler as the `cc` crate finds
/// it: `CC_<target>`, `CFLAGS_<target>`), and returns the header for bindgen, which declares
/// the wrappers after the SDK's headers.
fn compile_wrappers(
    out: &Path,
    umbrella: &Path,
    sdk_flags: &[String],
    wrappers: &[sdk_abi::Wrapper],
) -> PathBuf {
    let header = out.join("k230_sdk_wrappers.h");
    let source = out.join("k230_sdk_wrappers.c");
    let mut h = format!(
        "/* Generated by k230-venc's build.rs: wrappers of MPP functions the SDK defines static. */\n\
         #include \"{}\"\n",
        umbrella.display()
    );
    for w in wrappers {
        h.push_str(&format!("{};\n", w.prototype()));
    }
    let mut c = "#include \"k230_sdk_wrappers.h\"\n".to_string();
    for w in wrappers {
        c.push_str(&w.definition());
    }
    write_if_changed(&header, &h);
    write_if_changed(&source, &c);
    let mut cc = cc::Build::new();
    cc.file(&source).include(out).warnings(true);
    if env::var("TARGET").is_ok_and(|t| t.starts_with("riscv64gc-")) {
        // The K230 big core's ABI, as the Rust target has it (cc's default for the bare-metal
        // target is soft-float lp64, which would not link with the core).
        cc.flag("-march=rv64gc")
            .flag("-mabi=lp64d")
            .flag("-mcmodel=medany");
    }
    for f in sdk_flags {
        cc.flag(f);
    }
    cc.compile("k230_venc_sdk_wrappers");
    header
}

/// bindgen names each wrapper of [`compile_wrappers`] as the SDK function it wraps and links
/// it to the wrapper's symbol.
#[derive(Debug)]
struct WrapperNames(Vec<String>);

impl bindgen::callbacks::ParseCallbacks for WrapperNames {
    fn generated_name_override(&self, item: bindgen::callbacks::ItemInfo<'_>) -> Option<String> {
        item.name
            .strip_prefix(sdk_abi::Wrapper::PREFIX)
            .map(String::from)
    }
    fn generated_link_name_override(
        &self,
        item: bindgen::callbacks::ItemInfo<'_>,
    ) -> Option<String> {
        self.0
            .iter()
            .any(|n| n == item.name)
            .then(|| format!("{}{}", sdk_abi::Wrapper::PREFIX, item.name))
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

    // The function names the core calls that the headers must declare.
    let mut calls: Vec<&str> = all_functions
        .iter()
        .copied()
        .filter(|f| functions::is_used(f, abi_2025))
        .filter(|f| {
            !functions::ALTERNATIVES
                .iter()
                .any(|(_, instead)| instead == f)
        })
        .collect();
    let alternatives = functions::ALTERNATIVES
        .iter()
        .map(|(_, i)| format!("\"{i}\""));
    println!(
        "cargo::rustc-check-cfg=cfg(k230_mpp_calls, values({}))",
        alternatives.collect::<Vec<_>>().join(", ")
    );

    match env::var_os("K230_SDK_MPP_DIR") {
        Some(sdk) => {
            let sdk = PathBuf::from(sdk);
            let umbrella = out.join("k230_sdk_umbrella.h");
            write_if_changed(
                &umbrella,
                "#include \"mpi_venc_api.h\"\n#include \"mpi_sys_api.h\"\n#include \"mpi_vb_api.h\"\n",
            );
            // The SDK's include directories (those the CanMV port compiles with, the RT-Smart
            // SDK's libs/mk/libmpp.mk: include, include/comm, include/ioctl, userapps/api; the
            // make fragment passes the same list), then the builder's flags (K230_SDK_CFLAGS: a
            // generated config header's directory, libc headers, defines).
            let mut sdk_flags: Vec<String> =
                ["include", "include/comm", "include/ioctl", "userapps/api"]
                    .iter()
                    .map(|d| sdk.join(d))
                    .filter(|d| d.is_dir())
                    .map(|d| format!("-I{}", d.display()))
                    .collect();
            println!("cargo:rerun-if-env-changed=K230_SDK_CFLAGS");
            if let Ok(flags) = env::var("K230_SDK_CFLAGS") {
                sdk_flags.extend(flags.split_whitespace().map(String::from));
            }
            let sdk_args: Vec<String> = clang_args.iter().chain(&sdk_flags).cloned().collect();
            let extra = bindgen_extra_args(&target, &sdk_args);
            let check = sdk_abi::Check {
                own_header: &own_header,
                own_args: clang_args.iter().chain(&extra).cloned().collect(),
                sdk_dir: &sdk,
                sdk_header: &umbrella,
                sdk_args: sdk_args.iter().chain(&extra).cloned().collect(),
                types: TYPES,
                functions: &all_functions,
                alternatives: functions::ALTERNATIVES,
                optional: functions::OPTIONAL,
            };
            let checked = match sdk_abi::check(&check) {
                Ok(checked) => checked,
                Err(report) => {
                    eprintln!("error: {report}");
                    std::process::exit(1);
                }
            };
            for f in &checked.files {
                println!("cargo:rerun-if-changed={}", f.display());
            }
            for n in &checked.notes {
                println!("cargo:warning=K230_SDK_MPP_DIR: note: {n}");
            }
            calls.retain(|c| !checked.missing_optional.iter().any(|m| m == c));
            for (first, instead) in functions::ALTERNATIVES {
                if checked.calls_instead.iter().any(|c| c == instead) {
                    println!("cargo:rustc-cfg=k230_mpp_calls=\"{instead}\"");
                    calls.retain(|c| c != first);
                    calls.push(instead);
                }
            }
            builder = builder.clang_args(&sdk_flags);
            builder = if checked.wrappers.is_empty() {
                builder.header(umbrella.to_string_lossy())
            } else {
                let header = compile_wrappers(&out, &umbrella, &sdk_flags, &checked.wrappers);
                builder
                    .header(header.to_string_lossy())
                    .allowlist_function(format!("{}.*", sdk_abi::Wrapper::PREFIX))
                    .parse_callbacks(Box::new(WrapperNames(
                        checked.wrappers.iter().map(|w| w.name.clone()).collect(),
                    )))
            };
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
    // Every function the core calls must be declared: the list and the headers cannot drift
    // apart.
    let missing: Vec<&str> = calls
        .iter()
        .copied()
        .filter(|f| !text.contains(&format!("pub fn {f}(")))
        .collect();
    if !missing.is_empty() {
        eprintln!(
            "error: the MPP headers do not declare {} of src/mpp/functions.rs",
            missing.join(", ")
        );
        std::process::exit(1);
    }
    // The MPP's channel allocation, where the headers have it (functions::OPTIONAL).
    println!("cargo::rustc-check-cfg=cfg(k230_mpp_request_chn)");
    if functions::OPTIONAL.iter().all(|f| calls.contains(f)) {
        println!("cargo:rustc-cfg=k230_mpp_request_chn");
    }
    // Pixel formats some SDK generations lack (the 2023 k230_sdk has no BGRA8888): the core
    // accepts them only when the headers define them (src/venc/send.rs).
    println!("cargo::rustc-check-cfg=cfg(k230_pixel_format_bgra_8888)");
    if text.contains("pub const PIXEL_FORMAT_BGRA_8888:") {
        println!("cargo:rustc-cfg=k230_pixel_format_bgra_8888");
    }
    write_if_changed(&out.join("mpp_bindings.rs"), &text);
    println!("cargo:include={}", manifest.join("include").display());
}
