//! ABI 2025 tests: output buffers come from a VB pool attached to the channel.

use super::fixtures::*;
use crate::err::{self, num};
use crate::ffi::{kd_mpi_venc_attach_vb_pool, kd_mpi_venc_detach_vb_pool};
use crate::K230SimStats;

fn attach(chn: u32, pool: u32, n: u32) -> i32 {
    // SAFETY: no pointers.
    unsafe { kd_mpi_venc_attach_vb_pool(chn, pool, n) }
}
fn detach(chn: u32) -> i32 {
    // SAFETY: no pointers.
    unsafe { kd_mpi_venc_detach_vb_pool(chn) }
}

#[test]
fn attach_create_encode_detach() {
    let _g = setup();
    let a = h264_cbr(320, 240, 5, 30, 30, 300);
    let out = create_pool(65536, 2);
    let pool = out as u32;
    // The input frame, in a pool of its own.
    let (f, inp) = user_frame(320, 240, 320, 0, 0);
    assert_eq!(attach(0, 99, 0), err::venc(num::ILLEGAL_PARAM));
    assert_eq!(attach(0, pool, 3), err::venc(num::ILLEGAL_PARAM));
    assert_eq!(attach(0, pool, 0), 0);
    assert_eq!(attach(0, pool, 0), err::venc(num::EXIST));
    assert_eq!(destroy_pool(pool), err::vb(num::BUSY));
    started_channel(0, &a);
    assert_eq!(detach(0), err::venc(num::NOT_PERM));
    assert_eq!(send(0, &f, 0), 0);
    let packs = get(0, 12, 0).unwrap();
    assert_eq!(packs.len(), 2);
    assert_eq!(packs[0].phys_addr, pool_phys(out));
    assert_eq!(stop(0), 0);
    assert_eq!(detach(0), err::venc(num::BUSY));
    assert_eq!(release(0, &packs), 0);
    assert_eq!(detach(0), 0);
    assert_eq!(detach(0), 0);
    assert_eq!(destroy(0), 0);
    assert_eq!(destroy_pool(pool), 0);
    assert_eq!(destroy_pool(inp as u32), 0);
    assert_eq!(stats(), K230SimStats::default());
}
