//! `k_video_frame_info` as scripts build it.
//!
//! `k_video_frame_info()` in Python is a `uctypes` struct over a 224-byte
//! buffer with the MPP layout (as on the CanMV firmware), so SendFrame gets
//! raw bytes; this module turns them into the MPP struct.

use crate::error::{Error, Result};
use crate::mpp::k_video_frame_info;

/// Size of `k_video_frame_info` in bytes.
pub const FRAME_INFO_SIZE: usize = core::mem::size_of::<k_video_frame_info>();

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
