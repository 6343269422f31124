//! `cargo run -p venc-header [-- --verify]`: writes `mpy_glue/k230_venc.h`, the C header
//! of the core's entry points (`src/capi.rs`) and of the types and constants they use,
//! with cbindgen and the repository's `cbindgen.toml`. With `--verify` it writes nothing
//! and fails when the committed header differs from what it would write (`make test`
//! runs that), so that the glue can never compile against a stale declaration.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// The core's files that declare what crosses into C.
const SOURCES: &[&str] = &[
    "src/capi.rs",
    "src/attr.rs",
    "src/frame.rs",
    "src/venc/stream.rs",
];

const HEADER: &str = "mpy_glue/k230_venc.h";

fn generate(root: &Path) -> Result<String, String> {
    let config = cbindgen::Config::from_file(root.join("cbindgen.toml"))
        .map_err(|e| format!("cbindgen.toml: {e}"))?;
    let mut builder = cbindgen::Builder::new().with_config(config);
    for src in SOURCES {
        builder = builder.with_src(root.join(src));
    }
    let bindings = builder.generate().map_err(|e| format!("cbindgen: {e}"))?;
    let mut out = Vec::new();
    bindings.write(&mut out);
    String::from_utf8(out).map_err(|e| e.to_string())
}

fn main() -> ExitCode {
    // The checkout `cargo run` was started in (read at run time: a binary built by another
    // checkout that shares the target directory must not write into that one).
    let manifest = std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")));
    let root = manifest.join("../..");
    let verify = std::env::args().any(|a| a == "--verify");
    let text = match generate(&root) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("venc-header: {e}");
            return ExitCode::FAILURE;
        }
    };
    let path = root.join(HEADER);
    let current = std::fs::read_to_string(&path).unwrap_or_default();
    if verify {
        if current == text {
            println!("{HEADER} is up to date");
            return ExitCode::SUCCESS;
        }
        eprintln!(
            "venc-header: {HEADER} differs from what src/capi.rs generates; run `cargo run -p venc-header` and commit it"
        );
        return ExitCode::FAILURE;
    }
    if current != text {
        if let Err(e) = std::fs::write(&path, &text) {
            eprintln!("venc-header: write {HEADER}: {e}");
            return ExitCode::FAILURE;
        }
        println!("wrote {HEADER}");
    }
    ExitCode::SUCCESS
}
