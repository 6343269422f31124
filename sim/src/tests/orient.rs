//! Rotation and mirror (`kd_mpi_venc_set_rotation` / `kd_mpi_venc_set_mirror`): the rules of
//! the calls, the coded size and the exact turned picture the encoder gets (synthetic
//! backend: its payload names the size and hashes the planes).

use super::fixtures::*;
use crate::codec::synthetic::fnv1a32_plane;
use crate::ffi::{kd_mpi_venc_set_mirror, kd_mpi_venc_set_rotation};
use crate::vicap;
use k230_venc::mpp::*;

fn rotate(chn: u32, r: k_rotation) -> i32 {
    // SAFETY: no pointers.
    unsafe { kd_mpi_venc_set_rotation(chn, r) }
}

fn mirror(chn: u32, m: k_venc_mirror) -> i32 {
    // SAFETY: no pointers.
    unsafe { kd_mpi_venc_set_mirror(chn, m) }
}

#[test]
fn rotation_and_mirror_rules() {
    let _g = setup();
    assert_eq!(rotate(4, K_VPU_ROTATION_90), VENC_CHNID);
    assert_eq!(mirror(4, K_VENC_MIRROR_HORI), VENC_CHNID);
    assert_eq!(rotate(0, K_VPU_ROTATION_90), VENC_UNEXIST);
    assert_eq!(mirror(0, K_VENC_MIRROR_HORI), VENC_UNEXIST);
    assert_eq!(create(0, &small_attr()), 0);
    assert_eq!(rotate(0, 4), VENC_PARAM);
    // k_venc_mirror has no "none": only HORI (1) and VERT (2).
    assert_eq!(mirror(0, 0), VENC_PARAM);
    assert_eq!(mirror(0, 3), VENC_PARAM);
    assert_eq!(rotate(0, K_VPU_ROTATION_270), 0);
    assert_eq!(mirror(0, K_VENC_MIRROR_VERT), 0);
    assert_eq!(start(0), 0);
    assert_eq!(rotate(0, K_VPU_ROTATION_0), VENC_PERM);
    assert_eq!(mirror(0, K_VENC_MIRROR_HORI), VENC_PERM);
    assert_eq!(stop(0), 0);
    assert_eq!(rotate(0, K_VPU_ROTATION_0), 0);
    assert_eq!(destroy(0), 0);
}

#[test]
fn a_quarter_turn_to_a_width_below_128_is_refused() {
    let _g = setup();
    assert_eq!(create(0, &h264_attr(320, 100, 5, 30, 30, 300, 4, 65536)), 0);
    assert_eq!(rotate(0, K_VPU_ROTATION_90), VENC_PARAM);
    assert_eq!(rotate(0, K_VPU_ROTATION_270), VENC_PARAM);
    // The channel is as it was: a half turn, which keeps the size, still applies.
    assert_eq!(rotate(0, K_VPU_ROTATION_180), 0);
    assert_eq!(destroy(0), 0);
}

/// The `size=` field of a synthetic payload.
fn payload_size(bytes: &[u8]) -> String {
    let at = bytes.windows(5).position(|w| w == b"size=").expect("size");
    bytes[at + 5..]
        .iter()
        .take_while(|b| b.is_ascii_alphanumeric())
        .map(|&b| b as char)
        .collect()
}

/// Sensor pattern `index` at 320x240 turned a quarter clockwise (written out here, apart
/// from the simulator's own transform): its Y and UV hashes.
fn quarter_turned_hashes(index: u64) -> (u32, u32) {
    let (w, h) = (320usize, 240usize);
    let (y, uv) = vicap::render_nv12(w as u32, h as u32, index);
    // Clockwise: row r of the result is column r of the source, read bottom-up.
    let ty: Vec<u8> = (0..w)
        .flat_map(|r| (0..h).map(move |c| (r, c)))
        .map(|(r, c)| y[(h - 1 - c) * w + r])
        .collect();
    let (pw, ph) = (w / 2, h / 2);
    let tuv: Vec<u8> = (0..pw)
        .flat_map(|r| (0..ph).map(move |c| (r, c)))
        .flat_map(|(r, c)| {
            let s = (ph - 1 - c) * w + 2 * r;
            [uv[s], uv[s + 1]]
        })
        .collect();
    (
        fnv1a32_plane(&ty, h, w, h).unwrap(),
        fnv1a32_plane(&tuv, h, w / 2, h).unwrap(),
    )
}

#[test]
fn a_turned_channel_codes_the_turned_picture_at_the_swapped_size() {
    let _g = setup();
    assert_eq!(create(0, &small_attr()), 0);
    assert_eq!(rotate(0, K_VPU_ROTATION_90), 0);
    assert_eq!(start(0), 0);
    // Frames still come at the channel's 320x240; the stream is 240x320.
    let (f, _) = user_frame(320, 240, 320, 7, 11);
    assert_eq!(send(0, &f, 0), 0);
    let packs = get(0, 12, 0).unwrap();
    assert_eq!(packs[0].type_, K_VENC_HEADER);
    let bytes = pack_bytes(packs.last().unwrap());
    assert_eq!(payload_size(&bytes), "240x320");
    let (_, y, uv, pts) = payload(&bytes);
    assert_eq!(((y, uv), pts), (quarter_turned_hashes(7), 11));
    assert_eq!(release(0, &packs), 0);
    // A frame of the coded size is refused: the channel takes pic_width x pic_height.
    let (g, _) = user_frame(240, 320, 240, 0, 0);
    assert_eq!(send(0, &g, 0), VENC_PARAM);
    // Turned back on a stopped channel: the next frame is an IDR at 320x240 again.
    assert_eq!(stop(0), 0);
    assert_eq!(rotate(0, K_VPU_ROTATION_0), 0);
    assert_eq!(start(0), 0);
    assert_eq!(send(0, &f, 0), 0);
    let packs = get(0, 12, 0).unwrap();
    assert_eq!(packs[0].type_, K_VENC_HEADER);
    let bytes = pack_bytes(packs.last().unwrap());
    assert_eq!(payload_size(&bytes), "320x240");
    assert_eq!(
        (payload(&bytes).1, payload(&bytes).2),
        expected_hashes(320, 240, 7)
    );
    assert_eq!(release(0, &packs), 0);
}
