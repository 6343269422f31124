//! The `K230_SDK_MPP_DIR` check of `build.rs`: compares the ABI that the project's own
//! declarations (`include/k230_mpp.h`) describe with the one a K230 SDK's MPP headers
//! describe. Both are parsed by libclang (the library bindgen already loads) with the same
//! target and defines as the bindings, so sizes, alignments and offsets are the target's.
//!
//! What is compared (every entry is named in the report when it differs):
//! - every type of `build.rs`'s TYPES list that the own header declares: its kind (integer
//!   width and signedness, pointer, array, struct/union name), size and alignment; for structs
//!   and unions every field by position: offset, type and size (a different name is a note,
//!   printed as a cargo warning, never a failure), recursing into anonymous members
//!   and into nested records that are not themselves in TYPES;
//! - every function of FUNCTIONS that the own header declares (for the selected ABI
//!   generation): the SDK must declare it with the same result and parameter types. One it
//!   defines `static` (inline) is called through a wrapper (`Checked::wrappers`, build.rs);
//!   of a pair of ALTERNATIVES the core calls the one the SDK has (see `check`). Functions
//!   the own header does not declare (the other generation's) are ignored.
//!
//! Types are compared as the ABI sees them: typedefs are resolved, enums are their integer
//! type (a `k_u32` field where the SDK has an enum is fine), `const`/`volatile` are ignored
//! (the core casts its pointers), record types are named by their TYPES name.

// clang-sys spells libclang's enum constants as C does (`CXType_Record`).
#![allow(non_upper_case_globals)]

use std::collections::HashMap;
use std::ffi::{CStr, CString};
use std::os::raw::{c_int, c_uint};
use std::path::{Path, PathBuf};
use std::ptr;

use clang_sys::*;

/// Name of the project's declarations in messages.
const OWN: &str = "include/k230_mpp.h";

/// Loads libclang once for this process (bindgen then reuses it).
pub fn load_libclang() -> Result<(), String> {
    if clang_sys::is_loaded() {
        return Ok(());
    }
    clang_sys::load().map_err(|e| format!("cannot load libclang for the SDK check: {e}"))
}

fn text(s: CXString) -> String {
    // SAFETY: `s` is a string libclang just returned; it is disposed exactly once here.
    unsafe {
        let p = clang_getCString(s);
        let out = if p.is_null() {
            String::new()
        } else {
            CStr::from_ptr(p).to_string_lossy().into_owned()
        };
        clang_disposeString(s);
        out
    }
}

extern "C" fn collect_child(
    c: CXCursor,
    _parent: CXCursor,
    data: CXClientData,
) -> CXChildVisitResult {
    // SAFETY: `data` is the `&mut Vec<CXCursor>` passed to clang_visitChildren below.
    unsafe { (*(data as *mut Vec<CXCursor>)).push(c) };
    CXChildVisit_Continue
}

extern "C" fn collect_field(c: CXCursor, data: CXClientData) -> CXVisitorResult {
    // SAFETY: `data` is the `&mut Vec<CXCursor>` passed to clang_Type_visitFields below.
    unsafe { (*(data as *mut Vec<CXCursor>)).push(c) };
    CXVisit_Continue
}

extern "C" fn collect_inclusion(
    file: CXFile,
    _stack: *mut CXSourceLocation,
    _depth: c_uint,
    data: CXClientData,
) {
    // SAFETY: `data` is the `&mut Vec<PathBuf>` passed to clang_getInclusions below.
    let name = text(unsafe { clang_getFileName(file) });
    unsafe { (*(data as *mut Vec<PathBuf>)).push(PathBuf::from(name)) };
}

/// One field of a record, flattened: nested anonymous members and nested records that are not
/// compared on their own appear with their path (`a.b`).
struct Field {
    name: String,
    /// Offset in bits from the start of the outer record.
    offset_bits: i64,
    ty: String,
    size: i64,
}

impl Field {
    fn show(&self) -> String {
        let off = if self.offset_bits % 8 == 0 {
            format!("offset {}", self.offset_bits / 8)
        } else {
            format!("bit offset {}", self.offset_bits)
        };
        format!("{off}, {} ({} bytes)", self.ty, self.size)
    }
}

/// One parsed header set.
struct Unit {
    index: CXIndex,
    tu: CXTranslationUnit,
    typedefs: HashMap<String, CXCursor>,
    tags: HashMap<String, CXCursor>,
    functions: HashMap<String, CXCursor>,
    /// USR of a record declaration -> its name in TYPES.
    record_names: HashMap<String, String>,
}

impl Drop for Unit {
    fn drop(&mut self) {
        // SAFETY: both handles were created by `Unit::parse` and are disposed once.
        unsafe {
            if !self.tu.is_null() {
                clang_disposeTranslationUnit(self.tu);
            }
            clang_disposeIndex(self.index);
        }
    }
}

impl Unit {
    fn parse(header: &Path, args: &[String], types: &[&str]) -> Result<Unit, String> {
        let c_header = CString::new(header.to_string_lossy().into_owned()).expect("path with NUL");
        let c_args: Vec<CString> = args
            .iter()
            .map(|a| CString::new(a.as_str()).expect("clang argument with NUL"))
            .collect();
        let argv: Vec<_> = c_args.iter().map(|a| a.as_ptr()).collect();
        // SAFETY: plain libclang calls; every pointer passed outlives the call.
        let mut unit = unsafe {
            Unit {
                index: clang_createIndex(0, 0),
                tu: ptr::null_mut(),
                typedefs: HashMap::new(),
                tags: HashMap::new(),
                functions: HashMap::new(),
                record_names: HashMap::new(),
            }
        };
        // SAFETY: as above; `unit.tu` receives the translation unit.
        let err = unsafe {
            clang_parseTranslationUnit2(
                unit.index,
                c_header.as_ptr(),
                argv.as_ptr(),
                argv.len() as c_int,
                ptr::null_mut(),
                0,
                CXTranslationUnit_None,
                &mut unit.tu,
            )
        };
        if err != CXError_Success || unit.tu.is_null() {
            return Err(format!(
                "libclang could not parse {} (error {err}; arguments {args:?})",
                header.display()
            ));
        }
        let mut errors = Vec::new();
        // SAFETY: diagnostics of a live translation unit, each disposed once.
        unsafe {
            for i in 0..clang_getNumDiagnostics(unit.tu) {
                let d = clang_getDiagnostic(unit.tu, i);
                if clang_getDiagnosticSeverity(d) >= CXDiagnostic_Error {
                    errors.push(text(clang_formatDiagnostic(
                        d,
                        clang_defaultDiagnosticDisplayOptions(),
                    )));
                }
                clang_disposeDiagnostic(d);
            }
        }
        if !errors.is_empty() {
            return Err(format!(
                "{} does not compile (arguments {args:?}):\n  {}",
                header.display(),
                errors.join("\n  ")
            ));
        }

        let mut decls: Vec<CXCursor> = Vec::new();
        // SAFETY: `collect_child` only pushes into `decls`, which outlives the call.
        unsafe {
            clang_visitChildren(
                clang_getTranslationUnitCursor(unit.tu),
                collect_child,
                &mut decls as *mut Vec<CXCursor> as CXClientData,
            );
        }
        for c in decls {
            // SAFETY: cursors of the live translation unit.
            let (kind, name) =
                unsafe { (clang_getCursorKind(c), text(clang_getCursorSpelling(c))) };
            if name.is_empty() || name.starts_with('(') {
                continue; // an unnamed tag (spelled "(unnamed struct at ...)" by newer libclang)
            }
            let map = match kind {
                CXCursor_TypedefDecl => &mut unit.typedefs,
                CXCursor_StructDecl | CXCursor_UnionDecl | CXCursor_EnumDecl => &mut unit.tags,
                CXCursor_FunctionDecl => &mut unit.functions,
                _ => continue,
            };
            map.entry(name).or_insert(c);
        }
        for name in types {
            if let Some(ty) = unit.type_of(name) {
                // SAFETY: a type of the live translation unit.
                unsafe {
                    let canon = clang_getCanonicalType(ty);
                    if canon.kind == CXType_Record {
                        let usr = text(clang_getCursorUSR(clang_getTypeDeclaration(canon)));
                        unit.record_names
                            .entry(usr)
                            .or_insert_with(|| name.to_string());
                    }
                }
            }
        }
        Ok(unit)
    }

    /// The type a TYPES name denotes: a typedef, else a struct/union/enum tag.
    fn type_of(&self, name: &str) -> Option<CXType> {
        // SAFETY: cursors of the live translation unit.
        unsafe {
            if let Some(c) = self.typedefs.get(name) {
                return Some(clang_getCursorType(*c));
            }
            self.tags.get(name).map(|c| clang_getCursorType(*c))
        }
    }

    /// Files the translation unit read.
    fn inclusions(&self) -> Vec<PathBuf> {
        let mut files: Vec<PathBuf> = Vec::new();
        // SAFETY: `collect_inclusion` only pushes into `files`, which outlives the call.
        unsafe {
            clang_getInclusions(
                self.tu,
                collect_inclusion,
                &mut files as *mut Vec<PathBuf> as CXClientData,
            )
        };
        files
    }

    fn record_decl_name(&self, canon: CXType) -> Option<String> {
        // SAFETY: a type of the live translation unit.
        let usr = text(unsafe { clang_getCursorUSR(clang_getTypeDeclaration(canon)) });
        self.record_names.get(&usr).cloned()
    }

    /// The ABI view of a type: `u32`, `*k_venc_pack`, `[u8; 16]`, `fn(u32) -> i32`, ...
    fn describe(&self, ty: CXType) -> String {
        // SAFETY: types of the live translation unit.
        unsafe {
            let c = clang_getCanonicalType(ty);
            match c.kind {
                CXType_Void => "void".into(),
                CXType_Bool => "bool".into(),
                CXType_Float => "f32".into(),
                CXType_Double => "f64".into(),
                CXType_Char_U | CXType_UChar | CXType_Char16 | CXType_Char32 | CXType_UShort
                | CXType_UInt | CXType_ULong | CXType_ULongLong | CXType_UInt128 => {
                    format!("u{}", clang_Type_getSizeOf(c) * 8)
                }
                CXType_Char_S | CXType_SChar | CXType_WChar | CXType_Short | CXType_Int
                | CXType_Long | CXType_LongLong | CXType_Int128 => {
                    format!("i{}", clang_Type_getSizeOf(c) * 8)
                }
                CXType_Pointer => format!("*{}", self.describe(clang_getPointeeType(c))),
                CXType_ConstantArray => format!(
                    "[{}; {}]",
                    self.describe(clang_getArrayElementType(c)),
                    clang_getArraySize(c)
                ),
                CXType_IncompleteArray => {
                    format!("[{}]", self.describe(clang_getArrayElementType(c)))
                }
                CXType_Enum => {
                    self.describe(clang_getEnumDeclIntegerType(clang_getTypeDeclaration(c)))
                }
                CXType_Record => self.record_decl_name(c).unwrap_or_else(|| {
                    let decl = clang_getTypeDeclaration(c);
                    let kind = if clang_getCursorKind(decl) == CXCursor_UnionDecl {
                        "union"
                    } else {
                        "struct"
                    };
                    let name = text(clang_getCursorSpelling(decl));
                    if name.is_empty() || name.starts_with('(') {
                        format!("anonymous {kind}")
                    } else {
                        format!("{kind} {name}")
                    }
                }),
                CXType_FunctionProto | CXType_FunctionNoProto => self.signature(c),
                _ => text(clang_getTypeSpelling(c)),
            }
        }
    }

    fn param_types(&self, fn_ty: CXType) -> Vec<String> {
        // SAFETY: a function type of the live translation unit.
        unsafe {
            let n = clang_getNumArgTypes(fn_ty).max(0) as c_uint;
            let mut params: Vec<String> = (0..n)
                .map(|i| self.describe(clang_getArgType(fn_ty, i)))
                .collect();
            if clang_isFunctionTypeVariadic(fn_ty) != 0 {
                params.push("...".into());
            }
            params
        }
    }

    fn signature(&self, fn_ty: CXType) -> String {
        // SAFETY: a function type of the live translation unit.
        let ret = self.describe(unsafe { clang_getResultType(fn_ty) });
        format!("fn({}) -> {ret}", self.param_types(fn_ty).join(", "))
    }

    /// The ABI signature of function declaration `f`.
    fn fn_signature(&self, f: CXCursor) -> String {
        // SAFETY: a cursor of the live translation unit.
        self.signature(unsafe { clang_getCanonicalType(clang_getCursorType(f)) })
    }

    /// A wrapper for the static function `f`, with the types spelled as this unit spells them.
    fn wrapper(&self, name: &str, f: CXCursor) -> Result<Wrapper, String> {
        // SAFETY: a cursor of the live translation unit.
        unsafe {
            let ty = clang_getCursorType(f);
            if clang_isFunctionTypeVariadic(ty) != 0 {
                return Err("variadic (no wrapper can forward its arguments)".into());
            }
            let n = clang_getNumArgTypes(ty).max(0) as c_uint;
            Ok(Wrapper {
                name: name.to_string(),
                ret: text(clang_getTypeSpelling(clang_getResultType(ty))),
                params: (0..n)
                    .map(|i| text(clang_getTypeSpelling(clang_getArgType(ty, i))))
                    .collect(),
            })
        }
    }

    /// The fields of record type `ty`, flattened (see [`Field`]).
    fn fields(&self, ty: CXType, base_bits: i64, prefix: &str, out: &mut Vec<Field>) {
        let mut cursors: Vec<CXCursor> = Vec::new();
        // SAFETY: `collect_field` only pushes into `cursors`, which outlives the call.
        unsafe {
            clang_Type_visitFields(
                clang_getCanonicalType(ty),
                collect_field,
                &mut cursors as *mut Vec<CXCursor> as CXClientData,
            );
        }
        let mut anon = 0;
        for f in cursors {
            // SAFETY: field cursors of the live translation unit.
            unsafe {
                let fty = clang_getCursorType(f);
                let canon = clang_getCanonicalType(fty);
                let offset_bits = base_bits + clang_Cursor_getOffsetOfField(f);
                let size = clang_Type_getSizeOf(canon);
                let mut name = text(clang_getCursorSpelling(f));
                let is_record = canon.kind == CXType_Record;
                let anonymous = is_record
                    && clang_Cursor_isAnonymousRecordDecl(clang_getTypeDeclaration(canon)) != 0;
                if anonymous || name.is_empty() || name.starts_with('(') {
                    anon += 1;
                    name = format!("({} #{anon})", self.describe(canon));
                }
                let mut desc = self.describe(fty);
                if clang_Cursor_isBitField(f) != 0 {
                    desc = format!("{desc}:{}", clang_getFieldDeclBitWidth(f));
                }
                out.push(Field {
                    name: format!("{prefix}{name}"),
                    offset_bits,
                    ty: desc,
                    size,
                });
                if anonymous {
                    // C flattens anonymous members into the outer record.
                    self.fields(canon, offset_bits, prefix, out);
                } else if is_record && self.record_decl_name(canon).is_none() {
                    // A nested record not compared on its own: compare its fields here.
                    self.fields(canon, offset_bits, &format!("{prefix}{name}."), out);
                }
            }
        }
    }
}

/// What to compare and with which compiler arguments.
pub struct Check<'a> {
    pub own_header: &'a Path,
    pub own_args: Vec<String>,
    pub sdk_dir: &'a Path,
    pub sdk_header: &'a Path,
    pub sdk_args: Vec<String>,
    pub types: &'a [&'a str],
    pub functions: &'a [&'a str],
    /// `(first, instead)`: the core calls one of the two (see `check`).
    pub alternatives: &'a [(&'a str, &'a str)],
    /// Functions the core does without when the SDK lacks them (a note, not a difference).
    pub optional: &'a [&'a str],
}

/// A passed check.
pub struct Checked {
    /// The SDK header files it read (for cargo's rerun-if-changed).
    pub files: Vec<PathBuf>,
    /// What differs without mattering to the ABI: field names, an alternative taken, a
    /// function called through a wrapper.
    pub notes: Vec<String>,
    /// The second functions of `Check::alternatives` that the core calls instead of the first.
    pub calls_instead: Vec<String>,
    /// The functions of `Check::optional` the SDK does not declare.
    pub missing_optional: Vec<String>,
    /// The functions the SDK defines `static` (inline): the core calls them through these
    /// wrappers, compiled with the SDK headers (build.rs).
    pub wrappers: Vec<Wrapper>,
}

/// A C wrapper with external linkage around a function the SDK headers define `static`.
pub struct Wrapper {
    /// The SDK's function.
    pub name: String,
    /// Its result type, spelled as in the SDK headers.
    pub ret: String,
    /// Its parameter types, spelled as in the SDK headers.
    pub params: Vec<String>,
}

impl Wrapper {
    /// The prefix of the wrappers' symbols.
    pub const PREFIX: &'static str = "k230_venc_shim__";

    /// The wrapper's symbol.
    pub fn symbol(&self) -> String {
        format!("{}{}", Self::PREFIX, self.name)
    }

    /// `ret symbol(params)`: the wrapper's C prototype.
    pub fn prototype(&self) -> String {
        let params: Vec<String> = self
            .params
            .iter()
            .enumerate()
            .map(|(i, t)| format!("{t} a{i}"))
            .collect();
        let params = if params.is_empty() {
            "void".to_string()
        } else {
            params.join(", ")
        };
        format!("{} {}({params})", self.ret, self.symbol())
    }

    /// The wrapper's C definition: it calls the SDK's function.
    pub fn definition(&self) -> String {
        let args: Vec<String> = (0..self.params.len()).map(|i| format!("a{i}")).collect();
        let ret = if self.ret == "void" { "" } else { "return " };
        format!(
            "{} {{\n    {ret}{}({});\n}}\n",
            self.prototype(),
            self.name,
            args.join(", ")
        )
    }
}

fn is_static(f: CXCursor) -> bool {
    // SAFETY: a cursor of a live translation unit.
    unsafe { clang_Cursor_getStorageClass(f) == CX_SC_Static }
}

pub fn check(c: &Check) -> Result<Checked, String> {
    load_libclang()?;
    let own = Unit::parse(c.own_header, &c.own_args, c.types)?;
    let sdk = Unit::parse(c.sdk_header, &c.sdk_args, c.types).map_err(|e| {
        let hint = if e.contains("file not found") {
            "\nA header the SDK includes is not in its MPP tree (the 2025 generation includes a \
             generated k_autoconf_comm.h, and <stdio.h>/<string.h>): pass the directories that \
             hold them in K230_SDK_CFLAGS, e.g. K230_SDK_CFLAGS=\"-I<sdk>/.../generated \
             -isystem <toolchain sysroot>/usr/include\" (README, Custom firmware)."
        } else {
            ""
        };
        format!(
            "K230_SDK_MPP_DIR={}: cannot read the SDK's MPP headers: {e}{hint}",
            c.sdk_dir.display()
        )
    })?;
    let mut diffs = Vec::new();
    let mut notes = Vec::new();

    for &name in c.types {
        let Some(own_ty) = own.type_of(name) else {
            continue;
        };
        let Some(sdk_ty) = sdk.type_of(name) else {
            diffs.push(format!(
                "{name}: declared in {OWN}, not declared by the SDK headers"
            ));
            continue;
        };
        let (od, sd) = (own.describe(own_ty), sdk.describe(sdk_ty));
        if od != sd {
            diffs.push(format!("{name}: {od} in {OWN}, {sd} in the SDK"));
            continue;
        }
        // SAFETY: types of the live translation units.
        let (os, oa, ss, sa) = unsafe {
            (
                clang_Type_getSizeOf(own_ty),
                clang_Type_getAlignOf(own_ty),
                clang_Type_getSizeOf(sdk_ty),
                clang_Type_getAlignOf(sdk_ty),
            )
        };
        if (os, oa) != (ss, sa) {
            diffs.push(format!(
                "{name}: size {os}, align {oa} in {OWN}; size {ss}, align {sa} in the SDK"
            ));
        }
        // SAFETY: as above.
        if unsafe { clang_getCanonicalType(own_ty).kind } != CXType_Record {
            continue;
        }
        let (mut of, mut sf) = (Vec::new(), Vec::new());
        own.fields(own_ty, 0, "", &mut of);
        sdk.fields(sdk_ty, 0, "", &mut sf);
        // Fields match by position, as the ABI does; a different name is only a note.
        for (i, o) in of.iter().enumerate() {
            match sf.get(i) {
                None => diffs.push(format!(
                    "{name}.{}: {} in {OWN}, no such field in the SDK",
                    o.name,
                    o.show()
                )),
                Some(s) if (s.offset_bits, &s.ty, s.size) != (o.offset_bits, &o.ty, o.size) => {
                    let there = if s.name == o.name {
                        String::new()
                    } else {
                        format!(" (field {} there: `{}`)", i + 1, s.name)
                    };
                    diffs.push(format!(
                        "{name}.{}: {} in {OWN}; {} in the SDK{there}",
                        o.name,
                        o.show(),
                        s.show()
                    ))
                }
                Some(s) if s.name != o.name => notes.push(format!(
                    "{name}: field {} is `{}` in {OWN}, `{}` in the SDK (same offset, type \
                     and size)",
                    i + 1,
                    o.name,
                    s.name
                )),
                Some(_) => {}
            }
        }
        for s in sf.iter().skip(of.len()) {
            diffs.push(format!("{name}.{}: only in the SDK ({})", s.name, s.show()));
        }
    }

    // Which of each pair of alternatives the core calls (functions::ALTERNATIVES): the first
    // when the SDK declares it, not static, with the project's signature; else the other one
    // when the SDK declares it; else the first (whose difference is then reported).
    let mut calls_instead = Vec::new();
    let mut skip: Vec<&str> = Vec::new();
    for &(first, instead) in c.alternatives {
        if !own.functions.contains_key(first) || !own.functions.contains_key(instead) {
            continue; // not of the selected generation
        }
        let first_ok = sdk.functions.get(first).is_some_and(|&f| {
            !is_static(f) && own.fn_signature(own.functions[first]) == sdk.fn_signature(f)
        });
        if !first_ok && sdk.functions.contains_key(instead) {
            notes.push(match sdk.functions.get(first) {
                Some(&f) => format!(
                    "{first} is {}`{}` in the SDK, `{}` in {OWN}: the core calls {instead} instead",
                    if is_static(f) { "static " } else { "" },
                    sdk.fn_signature(f),
                    own.fn_signature(own.functions[first])
                ),
                None => format!("{first} is not declared by the SDK: the core calls {instead}"),
            });
            calls_instead.push(instead.to_string());
            skip.push(first);
        } else {
            skip.push(instead);
        }
    }

    // Optional functions the SDK does not declare: the core does without them.
    let mut missing_optional = Vec::new();
    for &name in c.optional {
        if own.functions.contains_key(name) && !sdk.functions.contains_key(name) {
            notes.push(format!(
                "{name} is not declared by the SDK: the core does without it"
            ));
            missing_optional.push(name.to_string());
            skip.push(name);
        }
    }

    let mut wrappers = Vec::new();
    for &name in c.functions {
        if skip.contains(&name) {
            continue;
        }
        let Some(&own_fn) = own.functions.get(name) else {
            continue; // not part of the selected ABI generation
        };
        let Some(&sdk_fn) = sdk.functions.get(name) else {
            diffs.push(format!(
                "{name}: declared in {OWN} (the core calls it), not declared by the SDK headers"
            ));
            continue;
        };
        let (os, ss) = (own.fn_signature(own_fn), sdk.fn_signature(sdk_fn));
        if os == ss {
            if is_static(sdk_fn) {
                match sdk.wrapper(name, sdk_fn) {
                    Ok(w) => {
                        notes.push(format!(
                            "{name} is static in the SDK headers: the core calls it through \
                             {}, compiled with them",
                            w.symbol()
                        ));
                        wrappers.push(w);
                    }
                    Err(why) => diffs.push(format!("{name}: static in the SDK headers, {why}")),
                }
            }
            continue;
        }
        // SAFETY: cursors of the live translation units.
        let (own_ty, sdk_ty) = unsafe {
            (
                clang_getCanonicalType(clang_getCursorType(own_fn)),
                clang_getCanonicalType(clang_getCursorType(sdk_fn)),
            )
        };
        let (op, sp) = (own.param_types(own_ty), sdk.param_types(sdk_ty));
        let mut detail = String::new();
        if op.len() != sp.len() {
            detail = format!(
                " ({} parameters in {OWN}, {} in the SDK)",
                op.len(),
                sp.len()
            );
        } else if let Some(i) = (0..op.len()).find(|&i| op[i] != sp[i]) {
            // SAFETY: `i` is a parameter index of the own declaration.
            let pname = text(unsafe {
                clang_getCursorSpelling(clang_Cursor_getArgument(own_fn, i as c_uint))
            });
            detail = format!(" (parameter {} `{pname}`: {} vs {})", i + 1, op[i], sp[i]);
        }
        let stat = if is_static(sdk_fn) { "static " } else { "" };
        diffs.push(format!(
            "{name}: `{os}` in {OWN}, {stat}`{ss}` in the SDK{detail}"
        ));
    }

    if diffs.is_empty() {
        let sdk_dir = c
            .sdk_dir
            .canonicalize()
            .unwrap_or_else(|_| c.sdk_dir.to_path_buf());
        let mut files: Vec<PathBuf> = sdk
            .inclusions()
            .into_iter()
            .filter(|f| f.canonicalize().is_ok_and(|f| f.starts_with(&sdk_dir)))
            .collect();
        files.sort();
        files.dedup();
        return Ok(Checked {
            files,
            notes,
            calls_instead,
            missing_optional,
            wrappers,
        });
    }
    Err(format!(
        "K230_SDK_MPP_DIR={}: the SDK's MPP headers do not match the declarations the core is \
         written against ({OWN}), {} difference(s):\n  - {}\n\
         Fix {OWN} (and the asserts in src/mpp/mod.rs) to match this SDK, or point \
         K230_SDK_MPP_DIR at an MPP tree of the ABI generation being built \
         (default: 2024; --features abi-2025: 2025).",
        c.sdk_dir.display(),
        diffs.len(),
        diffs.join("\n  - ")
    ))
}
