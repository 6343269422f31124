//! The one list of the MPP functions the project calls (facts sheet section 1).
//!
//! Everything else derives from it or is checked against it: `build.rs` allowlists these
//! names for bindgen, fails when the declaration header lacks one, and compares their
//! signatures with a real SDK's (`K230_SDK_MPP_DIR`); the core names them in its errors
//! through these constants; the simulator's fault injection accepts exactly these names, and
//! `scripts/check_core_archive.sh` checks that the simulator defines every one of them and
//! that the core archive calls nothing else. This file is plain Rust without dependencies
//! so that `build.rs` can include it too.
#![forbid(unsafe_code)]

macro_rules! mpp_functions {
    (
        common { $($c:ident = $cn:literal,)* }
        abi_2025 { $($n:ident = $nn:literal,)* }
    ) => {
        $(
            #[doc = concat!("`", $cn, "`")]
            pub const $c: &str = $cn;
        )*
        $(
            #[doc = concat!("`", $nn, "` (2025 ABI generation only)")]
            pub const $n: &str = $nn;
        )*
        /// The functions both ABI generations declare.
        pub const COMMON: &[&str] = &[$($c),*];
        /// The functions only the 2025 ABI generation declares (private VB pool per channel).
        pub const ABI_2025: &[&str] = &[$($n),*];
    };
}

mpp_functions! {
    common {
        VENC_CREATE_CHN = "kd_mpi_venc_create_chn",
        VENC_DESTROY_CHN = "kd_mpi_venc_destroy_chn",
        VENC_START_CHN = "kd_mpi_venc_start_chn",
        VENC_STOP_CHN = "kd_mpi_venc_stop_chn",
        VENC_QUERY_STATUS = "kd_mpi_venc_query_status",
        VENC_GET_STREAM = "kd_mpi_venc_get_stream",
        VENC_RELEASE_STREAM = "kd_mpi_venc_release_stream",
        VENC_SEND_FRAME = "kd_mpi_venc_send_frame",
        VENC_ENABLE_IDR = "kd_mpi_venc_enable_idr",
        // `Encoder.RequestIDR` (beyond the manual).
        VENC_REQUEST_IDR = "kd_mpi_venc_request_idr",
        // ChnAttrStr(rotation=, mirror=): after create, before start, only when not the default.
        VENC_SET_ROTATION = "kd_mpi_venc_set_rotation",
        VENC_SET_MIRROR = "kd_mpi_venc_set_mirror",
        SYS_BIND = "kd_mpi_sys_bind",
        SYS_UNBIND = "kd_mpi_sys_unbind",
        // A teardown whose destroy the MPP refused asks what is still bound to the channel
        // (a link the firmware made), unbinds it and destroys once more.
        SYS_GET_BIND_BY_DEST = "kd_mpi_sys_get_bind_by_dest",
        SYS_MMAP = "kd_mpi_sys_mmap",
        SYS_MUNMAP = "kd_mpi_sys_munmap",
        VB_SET_CONFIG = "kd_mpi_vb_set_config",
        VB_INIT = "kd_mpi_vb_init",
        VB_EXIT = "kd_mpi_vb_exit",
        // The core makes private pools with these in the 2025 generation only; both
        // generations declare them.
        VB_CREATE_POOL = "kd_mpi_vb_create_pool",
        VB_DESTROY_POOL = "kd_mpi_vb_destory_pool",
    }
    abi_2025 {
        VENC_ATTACH_VB_POOL = "kd_mpi_venc_attach_vb_pool",
        // Some 2025 SDKs export only this one and make kd_mpi_venc_attach_vb_pool a
        // two-argument static inline wrapper over it (facts sheet section 1); see ALTERNATIVES.
        VENC_ATTACH_VB_POOL_EX = "kd_mpi_venc_attach_vb_pool_ex",
        VENC_DETACH_VB_POOL = "kd_mpi_venc_detach_vb_pool",
        // The channel of an implicit-channel Create(chnAttr) (facts sheet section 1).
        VENC_REQUEST_CHN = "kd_mpi_venc_request_chn",
        VENC_RELEASE_CHN = "kd_mpi_venc_release_chn",
    }
}

/// Functions the core calls only when the headers declare them (a 2025 SDK without them still
/// builds): the MPP's channel allocation. Without them the core picks the channel of an
/// implicit-channel Create(chnAttr) itself; build.rs sets `cfg(k230_mpp_request_chn)` with.
pub const OPTIONAL: &[&str] = &[VENC_REQUEST_CHN, VENC_RELEASE_CHN];

/// Functions of which the core calls one: `(first, instead)`. Built against the project's
/// declarations it calls `first`; against an SDK (`K230_SDK_MPP_DIR`) it calls `first` when
/// the SDK declares it with the project's signature, otherwise `instead` (checked like any
/// other), and build.rs sets `cfg(k230_mpp_calls = "<instead>")`.
pub const ALTERNATIVES: &[(&str, &str)] = &[(VENC_ATTACH_VB_POOL, VENC_ATTACH_VB_POOL_EX)];

/// Whether `name` is one of the listed functions of the generation `abi_2025` selects.
pub fn is_used(name: &str, abi_2025: bool) -> bool {
    COMMON.contains(&name) || (abi_2025 && ABI_2025.contains(&name))
}
