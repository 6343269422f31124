//! `k_video_frame_info` as scripts build it.
//!
//! `k_video_frame_info()` in Python is a `uctypes` struct over a 224-byte
//! buffer with the MPP layout (as on the CanMV firmware), so SendFrame gets
//! raw bytes; this module turns them into the MPP struct, and describes that
//! layout ([`FRAME_FIELDS`]) for the glue that builds the `uctypes` descriptor, so
//! that no offset is written twice.

use core::mem::{offset_of, size_of};

use crate::error::{Error, Result};
use crate::mpp::{k_video_frame, k_video_frame_info, k_video_supplement};

/// Size of `k_video_frame_info` in bytes.
pub const FRAME_INFO_SIZE: usize = size_of::<k_video_frame_info>();

/// Reads a `k_video_frame_info` from its 224 raw bytes (any alignment).
///
/// # Errors
/// [`Error::Type`] when `bytes` is not exactly [`FRAME_INFO_SIZE`] long.
pub fn frame_from_bytes(bytes: &[u8]) -> Result<k_video_frame_info> {
    if bytes.len() != FRAME_INFO_SIZE {
        return Err(Error::Type {
            arg: "frame_info",
            expected: "a k_video_frame_info() (224-byte k_video_frame_info struct)",
        });
    }
    // SAFETY: the length was checked; every bit pattern is a valid
    // k_video_frame_info (integers, and pointers that are only carried, never
    // dereferenced); read_unaligned copes with any alignment.
    Ok(unsafe { core::ptr::read_unaligned(bytes.as_ptr().cast::<k_video_frame_info>()) })
}

/// The C type of a field, as `uctypes` knows it.
#[repr(u8)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    /// `uctypes.UINT16`.
    U16 = 1,
    /// `uctypes.INT16`.
    S16 = 2,
    /// `uctypes.UINT32`.
    U32 = 3,
    /// `uctypes.UINT64`.
    U64 = 4,
    /// A nested struct: `child` names its layout.
    Struct = 5,
}

impl FieldKind {
    const fn size(self) -> usize {
        match self {
            FieldKind::U16 | FieldKind::S16 => 2,
            FieldKind::U32 => 4,
            FieldKind::U64 => 8,
            FieldKind::Struct => 0,
        }
    }
}

/// The struct a field belongs to: `k_video_frame_info`.
pub const LAYOUT_FRAME_INFO: u8 = 0;
/// The struct a field belongs to: `k_video_frame` (`frame_info.v_frame`).
pub const LAYOUT_VIDEO_FRAME: u8 = 1;
/// The struct a field belongs to: `k_video_supplement` (`v_frame.supplement`).
pub const LAYOUT_SUPPLEMENT: u8 = 2;

/// One field of the frame-info layout.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FrameField {
    /// The field name, NUL-terminated.
    pub name: [u8; 24],
    /// Byte offset within its struct.
    pub offset: u16,
    /// `LAYOUT_*` of the struct the field belongs to.
    pub layout: u8,
    /// Its type.
    pub kind: FieldKind,
    /// Elements of an array field, 0 for a scalar.
    pub count: u8,
    /// For [`FieldKind::Struct`]: the `LAYOUT_*` of the nested struct.
    pub child: u8,
}

const fn name(s: &str) -> [u8; 24] {
    let b = s.as_bytes();
    assert!(b.len() < 24, "field name too long");
    let mut out = [0u8; 24];
    let mut i = 0;
    while i < b.len() {
        out[i] = b[i];
        i += 1;
    }
    out
}

/// The size of the field a projection names (the projection is never called).
const fn field_size<T, F>(_: fn(&T) -> &F) -> usize {
    size_of::<F>()
}

/// A field of `$t`, checked at compile time: its size must be `kind` times `count`.
macro_rules! field {
    ($layout:expr, $t:ty, $f:ident, $kind:expr, $count:expr) => {
        field!($layout, $t, $f, $kind, $count, 0)
    };
    ($layout:expr, $t:ty, $f:ident, $kind:expr, $count:expr, $child:expr) => {{
        const SIZE: usize = field_size(|s: &$t| &s.$f);
        assert!(
            $kind as u8 == FieldKind::Struct as u8
                || SIZE == FieldKind::size($kind) * if $count == 0 { 1 } else { $count },
            concat!("type of ", stringify!($t), ".", stringify!($f))
        );
        FrameField {
            name: name(stringify!($f)),
            offset: offset_of!($t, $f) as u16,
            layout: $layout,
            kind: $kind,
            count: $count,
            child: $child,
        }
    }};
}

/// Fields in [`FRAME_FIELDS`].
pub const FRAME_FIELD_COUNT: usize = 29;

/// Every field of `k_video_frame_info` and its nested structs, with the MPP offsets
/// (facts sheet 2.4), in the order the CanMV firmware's descriptor lists them.
pub const FRAME_FIELDS: [FrameField; FRAME_FIELD_COUNT] = {
    use FieldKind::*;
    const I: u8 = LAYOUT_FRAME_INFO;
    const V: u8 = LAYOUT_VIDEO_FRAME;
    const S: u8 = LAYOUT_SUPPLEMENT;
    type Fi = k_video_frame_info;
    type Vf = k_video_frame;
    type Su = k_video_supplement;
    [
        field!(I, Fi, v_frame, Struct, 0, V),
        field!(I, Fi, pool_id, U32, 0),
        field!(I, Fi, mod_id, U32, 0),
        field!(V, Vf, width, U32, 0),
        field!(V, Vf, height, U32, 0),
        field!(V, Vf, field, U32, 0),
        field!(V, Vf, pixel_format, U32, 0),
        field!(V, Vf, video_format, U32, 0),
        field!(V, Vf, dynamic_range, U32, 0),
        field!(V, Vf, compress_mode, U32, 0),
        field!(V, Vf, color_gamut, U32, 0),
        field!(V, Vf, header_stride, U32, 3),
        field!(V, Vf, stride, U32, 3),
        field!(V, Vf, header_phys_addr, U64, 3),
        field!(V, Vf, header_virt_addr, U64, 3),
        field!(V, Vf, phys_addr, U64, 3),
        field!(V, Vf, virt_addr, U64, 3),
        field!(V, Vf, offset_top, S16, 0),
        field!(V, Vf, offset_bottom, S16, 0),
        field!(V, Vf, offset_left, S16, 0),
        field!(V, Vf, offset_right, S16, 0),
        field!(V, Vf, time_ref, U32, 0),
        field!(V, Vf, pts, U64, 0),
        field!(V, Vf, priv_data, U64, 0),
        field!(V, Vf, supplement, Struct, 0, S),
        field!(S, Su, jpeg_dcf_phy_addr, U64, 0),
        field!(S, Su, isp_info_phy_addr, U64, 0),
        field!(S, Su, jpeg_dcf_kvirt_addr, U64, 0),
        field!(S, Su, isp_info_kvirt_addr, U64, 0),
    ]
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_canmv_layout() {
        let mut b = [0u8; 225];
        let raw = &mut b[1..]; // deliberately misaligned
        raw[0..4].copy_from_slice(&800u32.to_le_bytes());
        raw[4..8].copy_from_slice(&480u32.to_le_bytes());
        raw[12..16].copy_from_slice(&31u32.to_le_bytes());
        raw[104..112].copy_from_slice(&0x1000_0000u64.to_le_bytes());
        raw[112..120].copy_from_slice(&0x1005_e000u64.to_le_bytes());
        raw[216..220].copy_from_slice(&7u32.to_le_bytes());
        let f = frame_from_bytes(raw).unwrap();
        assert_eq!(
            (f.v_frame.width, f.v_frame.height, f.v_frame.pixel_format),
            (800, 480, 31)
        );
        assert_eq!(f.v_frame.phys_addr[0], 0x1000_0000);
        assert_eq!(f.v_frame.phys_addr[1], 0x1005_e000);
        assert_eq!(f.pool_id, 7);
        assert!(matches!(
            frame_from_bytes(&b[..100]),
            Err(Error::Type {
                arg: "frame_info",
                ..
            })
        ));
    }
}
