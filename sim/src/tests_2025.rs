//! ABI 2025 tests: output buffers come from a VB pool attached to the channel.

use crate::err::{self, num};
use crate::ffi::{
    k230_sim_get_stats, kd_mpi_vb_create_pool, kd_mpi_vb_destory_pool, kd_mpi_venc_attach_vb_pool,
    kd_mpi_venc_create_chn, kd_mpi_venc_destroy_chn, kd_mpi_venc_detach_vb_pool,
    kd_mpi_venc_get_stream, kd_mpi_venc_release_stream, kd_mpi_venc_send_frame,
    kd_mpi_venc_start_chn, kd_mpi_venc_stop_chn,
};
use crate::{reset_for_tests, vicap, K230SimStats};
use k230_venc::mpp::*;
use std::sync::Mutex;

static SERIAL: Mutex<()> = Mutex::new(());

#[test]
fn attach_create_encode_detach() {
    let _g = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    reset_for_tests();
    crate::state::lock().backend = &crate::codec::synthetic::Synthetic;
    let mut a = k_venc_chn_attr::default();
    a.venc_attr.type_ = K_PT_H264;
    a.venc_attr.profile = VENC_PROFILE_H264_MAIN;
    a.venc_attr.pic_width = 320;
    a.venc_attr.pic_height = 240;
    a.rc_attr.rc_mode = K_VENC_RC_MODE_CBR;
    a.rc_attr.__bindgen_anon_1.cbr = k_venc_cbr {
        gop: 5,
        stats_time: 0,
        src_frame_rate: 30,
        dst_frame_rate: 30,
        bit_rate: 300,
    };
    let mut out_cfg = k_vb_pool_config {
        blk_size: 65536,
        blk_cnt: 2,
        ..Default::default()
    };
    let (uv_off, block) = vicap::nv12_layout(320, 240);
    let mut in_cfg = k_vb_pool_config {
        blk_size: block,
        blk_cnt: 1,
        ..Default::default()
    };
    // SAFETY: valid references only; pointers from mmap are used within their length.
    unsafe {
        let pool = kd_mpi_vb_create_pool(&mut out_cfg) as u32;
        let inp = kd_mpi_vb_create_pool(&mut in_cfg) as u32;
        assert_eq!(
            kd_mpi_venc_attach_vb_pool(0, 99, 0),
            err::venc(num::ILLEGAL_PARAM)
        );
        assert_eq!(
            kd_mpi_venc_attach_vb_pool(0, pool, 3),
            err::venc(num::ILLEGAL_PARAM)
        );
        assert_eq!(kd_mpi_venc_attach_vb_pool(0, pool, 0), 0);
        assert_eq!(
            kd_mpi_venc_attach_vb_pool(0, pool, 0),
            err::venc(num::EXIST)
        );
        assert_eq!(kd_mpi_vb_destory_pool(pool), err::vb(num::BUSY));
        assert_eq!(kd_mpi_venc_create_chn(0, &a), 0);
        assert_eq!(kd_mpi_venc_start_chn(0), 0);
        assert_eq!(kd_mpi_venc_detach_vb_pool(0), err::venc(num::NOT_PERM));
        let base = crate::state::lock().vb.pools[&inp].phys;
        let mut f = k_video_frame_info::default();
        f.v_frame.width = 320;
        f.v_frame.height = 240;
        f.v_frame.pixel_format = PIXEL_FORMAT_YUV_SEMIPLANAR_420;
        f.v_frame.phys_addr = [base, base + uv_off, 0];
        assert_eq!(kd_mpi_venc_send_frame(0, &mut f, 0), 0);
        let mut packs = [k_venc_pack::default(); 12];
        let mut s = k_venc_stream {
            pack: packs.as_mut_ptr(),
            pack_cnt: 12,
        };
        assert_eq!(kd_mpi_venc_get_stream(0, &mut s, 0), 0);
        assert_eq!(s.pack_cnt, 2);
        let out_base = crate::state::lock().vb.pools[&pool].phys;
        assert_eq!(packs[0].phys_addr, out_base);
        assert_eq!(kd_mpi_venc_stop_chn(0), 0);
        assert_eq!(kd_mpi_venc_detach_vb_pool(0), err::venc(num::BUSY));
        assert_eq!(kd_mpi_venc_release_stream(0, &mut s), 0);
        assert_eq!(kd_mpi_venc_detach_vb_pool(0), 0);
        assert_eq!(kd_mpi_venc_detach_vb_pool(0), 0);
        assert_eq!(kd_mpi_venc_destroy_chn(0), 0);
        assert_eq!(kd_mpi_vb_destory_pool(pool), 0);
        assert_eq!(kd_mpi_vb_destory_pool(inp), 0);
        let mut st = K230SimStats::default();
        k230_sim_get_stats(&mut st);
        assert_eq!(st, K230SimStats::default());
    }
}
