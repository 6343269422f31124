//! Core tests. Two fakes of the MPP: a stateful one ([`fake`]) for the channel logic, and a
//! scripted one ([`script`]) that the C entry points drive under `cargo test` ([`capi`]).
//! Both run the production paths: GetStream and SendFrame go through [`crate::wait`].

extern crate std;

mod capi;
pub mod fake;
mod implicit;
mod ledger;
mod lifecycle;
mod links;
mod orient;
pub mod script;
mod streams;

pub(crate) use std::string::ToString;
pub(crate) use std::vec::Vec;

pub(crate) use crate::attr::{ChnAttr, PAYLOAD_H264, PAYLOAD_JPEG};
pub(crate) use crate::error::{Error, ErrorKind};
pub(crate) use crate::mpp::err::{k_err, K_FAILED};
pub(crate) use crate::mpp::*;
pub(crate) use crate::state::ChnState;
pub(crate) use crate::venc::{PackInfo, Venc, MAX_HELD, MAX_LINKS, PACK_CNT_MAX};
pub(crate) use crate::wait::{self, Poll};
pub(crate) use fake::Fake;

/// `K_ERR_VENC_BUF_EMPTY` as a raw code.
pub(crate) const VENC_BUF_EMPTY: i32 =
    crate::mpp::err::venc(crate::mpp::err::num::BUF_EMPTY).code();

pub(crate) fn venc() -> Venc<Fake> {
    Venc::new(Fake::new())
}

pub(crate) fn h264() -> ChnAttr {
    ChnAttr::new(PAYLOAD_H264, 2, 640, 480)
}

/// A channel brought to `state`.
pub(crate) fn at(state: ChnState) -> Venc<Fake> {
    let mut v = venc();
    v.set_out_bufs(0, 4, 640, 480).unwrap();
    if state != ChnState::Free {
        v.create(1, 0, &h264()).unwrap();
    }
    if state == ChnState::Started {
        v.start(0).unwrap();
    }
    v
}

/// A frame that fits the 640x480 channels of these tests.
pub(crate) fn frame_640x480() -> k_video_frame_info {
    let mut f = k_video_frame_info::default();
    f.v_frame.width = 640;
    f.v_frame.height = 480;
    f.v_frame.pixel_format = PIXEL_FORMAT_YUV_SEMIPLANAR_420;
    f.v_frame.phys_addr = [0x1000_0000, 0x1004_b000, 0];
    f
}

/// The raw bytes of a frame, as a script's `k_video_frame_info()` struct holds them.
pub(crate) fn frame_bytes(f: &k_video_frame_info) -> &[u8] {
    // SAFETY: `f` is a live, initialised plain-data struct; the slice covers exactly it.
    unsafe {
        core::slice::from_raw_parts(
            (f as *const k_video_frame_info).cast::<u8>(),
            core::mem::size_of::<k_video_frame_info>(),
        )
    }
}

/// Runs `op` on `v` behind a module lock, as the C entry points do.
pub(crate) fn locked<T>(v: &mut Venc<Fake>, op: impl FnOnce(&spin::Mutex<Venc<Fake>>) -> T) -> T {
    let placeholder = Venc::new(v.mpp().clone());
    let m = spin::Mutex::new(core::mem::replace(v, placeholder));
    let r = op(&m);
    *v = m.into_inner();
    r
}

/// GetStream on channel 0 through the production wait, with `timeout` ms.
pub(crate) fn get_timeout(
    v: &mut Venc<Fake>,
    held: u32,
    timeout: i64,
) -> Result<(u32, usize, [PackInfo; PACK_CNT_MAX]), Error> {
    let mut out = [PackInfo::default(); PACK_CNT_MAX];
    let mut token = held;
    let r = locked(v, |m| {
        wait::get_stream(m, 0, timeout, &mut token, &mut out, &mut || Poll::Continue)
    });
    r.map(|n| (token, n, out))
}

/// Non-blocking GetStream on channel 0 through the production wait.
pub(crate) fn get(
    v: &mut Venc<Fake>,
    held: u32,
) -> Result<(u32, usize, [PackInfo; PACK_CNT_MAX]), Error> {
    get_timeout(v, held, 0)
}

/// SendFrame on channel 0 through the production wait.
pub(crate) fn send(v: &mut Venc<Fake>, f: &k_video_frame_info, timeout: i64) -> Result<(), Error> {
    locked(v, |m| {
        wait::send_frame(m, 0, frame_bytes(f), timeout, &mut || Poll::Continue)
    })
}

/// ReleaseStream of the stream `token` names.
pub(crate) fn rel(v: &mut Venc<Fake>, chn: i64, token: u32) -> Result<(), Error> {
    let mut t = token;
    v.release_stream(chn, &mut t)
}
