//! Core tests over a fake MPP: state x operation table, argument boundaries,
//! error mapping, stream assembly and the get/release balance.

extern crate std;

use std::collections::{HashMap, VecDeque};
use std::ptr::NonNull;
use std::string::ToString;
use std::vec::Vec;

use crate::attr::{ChnAttr, PAYLOAD_H264, PAYLOAD_JPEG};
use crate::encoder::{ChnState, PackInfo, Venc, MAX_HELD, MAX_LINKS, PACK_CNT_MAX};
use crate::error::{k_err, Error, ErrorKind};
use crate::hal::{Code, Mpp, MppResult};
use crate::mpp::*;

/// A scripted MPP: per-channel queues of frames (each a list of pack types),
/// a memory buffer for mmap, and counters for the balance checks.
#[derive(Default)]
struct Fake {
    created: [bool; 4],
    started: [bool; 4],
    frames: [VecDeque<Vec<u32>>; 4],
    /// Packs of the head frame already delivered.
    delivered: [usize; 4],
    outstanding: HashMap<(u32, u64), usize>,
    mapped: i64,
    binds: Vec<(k_mpp_chn, k_mpp_chn)>,
    vb_inited: bool,
    vb_pools: Vec<(u64, u32)>,
    fail: HashMap<&'static str, i32>,
    sent: usize,
    last_attr: Option<k_venc_chn_attr>,
    mem: Vec<u8>,
    next_phys: u64,
    #[cfg(feature = "abi-2025")]
    pools: HashMap<u32, (u64, u32)>,
    #[cfg(feature = "abi-2025")]
    next_pool: u32,
    #[cfg(feature = "abi-2025")]
    attached: HashMap<u32, u32>,
}

impl Fake {
    fn new() -> Self {
        Fake {
            mem: std::vec![0u8; 1 << 16],
            next_phys: 0x1000,
            ..Default::default()
        }
    }
    fn check(&mut self, name: &'static str) -> MppResult {
        match self.fail.get(name) {
            Some(&c) => Err(Code(c)),
            None => Ok(()),
        }
    }
    fn push_frame(&mut self, chn: usize, types: &[u32]) {
        self.frames[chn].push_back(types.to_vec());
    }
}

const VENC_UNEXIST: i32 = k_err(9, 5);
const VENC_BUF_EMPTY: i32 = k_err(9, 14);

impl Mpp for Fake {
    fn venc_create_chn(&mut self, chn: u32, attr: &k_venc_chn_attr) -> MppResult {
        self.check("create")?;
        self.created[chn as usize] = true;
        self.last_attr = Some(*attr);
        Ok(())
    }
    fn venc_destroy_chn(&mut self, chn: u32) -> MppResult {
        self.check("destroy")?;
        assert!(!self.started[chn as usize], "destroy while started");
        self.created[chn as usize] = false;
        self.frames[chn as usize].clear();
        #[cfg(feature = "abi-2025")]
        self.attached.remove(&chn);
        Ok(())
    }
    fn venc_start_chn(&mut self, chn: u32) -> MppResult {
        self.check("start")?;
        self.started[chn as usize] = true;
        Ok(())
    }
    fn venc_stop_chn(&mut self, chn: u32) -> MppResult {
        self.check("stop")?;
        self.started[chn as usize] = false;
        Ok(())
    }
    fn venc_enable_idr(&mut self, _chn: u32, _enable: bool) -> MppResult {
        self.check("enable_idr")
    }
    fn venc_query_packs(&mut self, chn: u32) -> MppResult<u32> {
        self.check("query")?;
        let c = chn as usize;
        Ok(self.frames[c]
            .front()
            .map_or(0, |f| (f.len() - self.delivered[c]) as u32))
    }
    fn venc_get_stream(
        &mut self,
        chn: u32,
        packs: &mut [k_venc_pack],
        _t: i32,
    ) -> MppResult<usize> {
        self.check("get")?;
        let c = chn as usize;
        if !self.created[c] {
            return Err(Code(VENC_UNEXIST));
        }
        let Some(front) = self.frames[c].front().cloned() else {
            return Err(Code(VENC_BUF_EMPTY));
        };
        let n = packs.len().min(front.len() - self.delivered[c]);
        for (i, p) in packs.iter_mut().take(n).enumerate() {
            p.phys_addr = self.next_phys as _;
            p.len = 100;
            p.type_ = front[self.delivered[c] + i];
            p.pts = 33_333;
            self.next_phys += 4096;
        }
        self.delivered[c] += n;
        if self.delivered[c] == front.len() {
            self.frames[c].pop_front();
            self.delivered[c] = 0;
        }
        self.outstanding.insert((chn, packs[0].phys_addr), n);
        Ok(n)
    }
    fn venc_release_stream(&mut self, chn: u32, packs: &mut [k_venc_pack]) -> MppResult {
        self.check("release")?;
        match self.outstanding.remove(&(chn, packs[0].phys_addr)) {
            Some(n) if n == packs.len() => Ok(()),
            _ => Err(Code(k_err(9, 3))),
        }
    }
    fn venc_send_frame(&mut self, chn: u32, _f: &mut k_video_frame_info, _t: i32) -> MppResult {
        self.check("send")?;
        self.sent += 1;
        self.push_frame(chn as usize, &[K_VENC_P_FRAME]);
        Ok(())
    }
    fn sys_bind(&mut self, src: &k_mpp_chn, dst: &k_mpp_chn) -> MppResult {
        self.check("bind")?;
        self.binds.push((*src, *dst));
        Ok(())
    }
    fn sys_unbind(&mut self, src: &k_mpp_chn, dst: &k_mpp_chn) -> MppResult {
        self.check("unbind")?;
        let i = self.binds.iter().position(|(s, d)| {
            (s.mod_id, s.dev_id, s.chn_id, d.mod_id, d.chn_id)
                == (src.mod_id, src.dev_id, src.chn_id, dst.mod_id, dst.chn_id)
        });
        self.binds.remove(i.expect("unbind of a pair never bound"));
        Ok(())
    }
    fn sys_mmap(&mut self, _phys: u64, _len: u32) -> Option<NonNull<u8>> {
        if self.fail.contains_key("mmap") {
            return None;
        }
        self.mapped += 1;
        NonNull::new(self.mem.as_mut_ptr())
    }
    fn sys_munmap(&mut self, _virt: NonNull<u8>, _len: u32) -> MppResult {
        self.mapped -= 1;
        Ok(())
    }
    fn vb_set_config(&mut self, config: &k_vb_config) -> MppResult {
        self.check("vb_set_config")?;
        self.vb_pools = config
            .comm_pool
            .iter()
            .filter(|p| p.blk_cnt > 0)
            .map(|p| (p.blk_size, p.blk_cnt))
            .collect();
        Ok(())
    }
    fn vb_init(&mut self) -> MppResult {
        self.check("vb_init")?;
        self.vb_inited = true;
        Ok(())
    }
    fn vb_exit(&mut self) -> MppResult {
        self.vb_inited = false;
        Ok(())
    }
    #[cfg(feature = "abi-2025")]
    fn vb_create_pool(&mut self, config: &k_vb_pool_config) -> MppResult<u32> {
        self.check("create_pool")?;
        self.next_pool += 1;
        self.pools
            .insert(self.next_pool, (config.blk_size, config.blk_cnt));
        Ok(self.next_pool)
    }
    #[cfg(feature = "abi-2025")]
    fn vb_destroy_pool(&mut self, pool: u32) -> MppResult {
        assert!(
            !self.attached.values().any(|&p| p == pool),
            "destroying an attached pool"
        );
        self.pools
            .remove(&pool)
            .map(|_| ())
            .ok_or(Code(k_err(4, 5)))
    }
    #[cfg(feature = "abi-2025")]
    fn venc_attach_vb_pool(&mut self, chn: u32, pool: u32, buf_num: u32) -> MppResult {
        self.check("attach")?;
        assert_eq!(self.pools[&pool].1, buf_num);
        assert!(self.attached.insert(chn, pool).is_none(), "attached twice");
        Ok(())
    }
    #[cfg(feature = "abi-2025")]
    fn venc_detach_vb_pool(&mut self, chn: u32) -> MppResult {
        if self.started[chn as usize] {
            return Err(Code(k_err(9, 9)));
        }
        self.attached
            .remove(&chn)
            .map(|_| ())
            .ok_or(Code(k_err(9, 5)))
    }
}

fn venc() -> Venc<Fake> {
    Venc::new(Fake::new())
}

fn h264() -> ChnAttr {
    ChnAttr::new(PAYLOAD_H264, 2, 640, 480)
}

/// A channel brought to `state`.
fn at(state: ChnState) -> Venc<Fake> {
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
fn frame_640x480() -> k_video_frame_info {
    let mut f = k_video_frame_info::default();
    f.v_frame.width = 640;
    f.v_frame.height = 480;
    f.v_frame.pixel_format = PIXEL_FORMAT_YUV_SEMIPLANAR_420;
    f.v_frame.phys_addr = [0x1000_0000, 0x1004_b000, 0];
    f
}

fn get(v: &mut Venc<Fake>, held: u32) -> Result<(u32, usize, [PackInfo; PACK_CNT_MAX]), Error> {
    let mut out = [PackInfo::default(); PACK_CNT_MAX];
    v.get_stream(0, 0, held, &mut out).map(|(t, n)| (t, n, out))
}

#[test]
fn state_by_operation_table() {
    use ChnState::*;
    // (operation, allowed in Free, Created, Started)
    type Op = fn(&mut Venc<Fake>) -> Result<(), Error>;
    let ops: [(&str, Op, [bool; 3]); 6] = [
        ("Create", |v| v.create(1, 0, &h264()), [true, false, false]),
        ("Start", |v| v.start(0), [false, true, false]),
        ("Stop", |v| v.stop(0), [false, true, true]),
        ("Destroy", |v| v.destroy(0), [false, true, false]),
        (
            "SendFrame",
            |v| v.send_frame(0, &mut frame_640x480(), 0),
            [false, false, true],
        ),
        (
            "GetStream",
            |v| {
                v.mpp().push_frame(0, &[K_VENC_P_FRAME]);
                get(v, 0).map(|_| ())
            },
            [false, false, true],
        ),
    ];
    for (name, op, allowed) in ops {
        for (i, state) in [Free, Created, Started].into_iter().enumerate() {
            let mut v = at(state);
            let r = op(&mut v);
            assert_eq!(r.is_ok(), allowed[i], "{name} in {state:?}: {r:?}");
            if let Err(e) = r {
                assert!(
                    matches!(e, Error::State { .. }),
                    "{name} in {state:?}: {e:?}"
                );
                assert_eq!(e.kind(), ErrorKind::Runtime);
                assert!(e.to_string().contains(state.name()), "{e}");
                // A refused call changes nothing.
                assert_eq!(v.state(0), state);
            }
        }
    }
}

#[test]
fn channel_numbers_outside_0_to_3_are_value_errors() {
    for chn in [-1i64, 4, i64::MAX, i64::MIN] {
        let mut v = at(ChnState::Started);
        let e = v.start(chn).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Value);
        assert!(e.to_string().starts_with("chn must be in 0..3"), "{e}");
        assert!(v.create(1, chn, &h264()).is_err());
        assert!(v.set_out_bufs(chn, 4, 640, 480).is_err());
        assert!(v.destroy(chn).is_err());
        assert!(v.release_stream(chn, 1).is_err());
    }
}

#[test]
fn set_out_bufs_boundaries_and_order() {
    let mut v = venc();
    for (n, ok) in [(0, false), (1, true), (256, true), (257, false)] {
        assert_eq!(v.set_out_bufs(0, n, 640, 480).is_ok(), ok, "buf_num {n}");
    }
    assert!(v.set_out_bufs(0, 4, 127, 480).is_err());
    assert!(v.set_out_bufs(0, 4, 640, 63).is_err());
    v.set_out_bufs(0, 4, 640, 480).unwrap();
    v.set_out_bufs(1, 8, 1280, 720).unwrap();
    v.media_init().unwrap();
    // ALIGN_UP(w*h*3/4, 4096) per block, buf_num blocks, one pool per channel: common
    // pools in the 2024 ABI, private pools made by SetOutBufs in the 2025 ABI.
    #[cfg(not(feature = "abi-2025"))]
    assert_eq!(v.mpp().vb_pools, std::vec![(57 * 4096, 4), (169 * 4096, 8)]);
    #[cfg(feature = "abi-2025")]
    {
        assert!(v.mpp().vb_pools.is_empty());
        let mut pools: Vec<_> = v.mpp().pools.values().copied().collect();
        pools.sort();
        assert_eq!(pools, std::vec![(57 * 4096, 4), (169 * 4096, 8)]);
    }
    let e = v.set_out_bufs(0, 4, 640, 480).unwrap_err();
    assert!(e.to_string().contains("before MediaManager.init()"), "{e}");
    assert!(matches!(v.media_init(), Err(Error::Order { .. })));
    v.media_deinit().unwrap();
    assert!(!v.mpp().vb_inited);
    v.set_out_bufs(0, 4, 640, 480).unwrap();
}

#[test]
fn create_needs_out_bufs_and_valid_attributes() {
    let mut v = venc();
    let e = v.create(1, 0, &h264()).unwrap_err();
    assert!(e.to_string().contains("SetOutBufs"), "{e}");
    v.set_out_bufs(0, 6, 640, 480).unwrap();
    let e = v
        .create(
            1,
            0,
            &ChnAttr {
                profile: 5,
                ..h264()
            },
        )
        .unwrap_err();
    assert!(e.to_string().starts_with("chnAttr.profile must be"), "{e}");
    assert_eq!(v.state(0), ChnState::Free);
    v.create(1, 0, &h264()).unwrap();
    let attr = v.mpp().last_attr.unwrap();
    #[cfg(not(feature = "abi-2025"))]
    assert_eq!(attr.venc_attr.stream_buf_cnt, 6);
    assert_eq!(attr.venc_attr.pic_width, 640);
    let e = v.create(1, 0, &h264()).unwrap_err();
    assert!(e.to_string().contains("already created"), "{e}");
}

#[test]
fn mpp_failures_carry_call_and_code_and_leave_state() {
    let mut v = venc();
    v.set_out_bufs(0, 4, 640, 480).unwrap();
    v.mpp().fail.insert("create", k_err(9, 4));
    let e = v.create(1, 0, &h264()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Os);
    assert_eq!(e.mpp_code() as u32, 0xa009_8004);
    assert_eq!(
        e.to_string(),
        "kd_mpi_venc_create_chn failed: K_ERR_VENC_EXIST (0xa0098004)"
    );
    assert_eq!(v.state(0), ChnState::Free);
    v.mpp().fail.clear();
    // enable_idr failing undoes the create.
    v.mpp().fail.insert("enable_idr", k_err(9, 9));
    assert!(v.create(1, 0, &h264()).is_err());
    assert!(!v.mpp().created[0]);
    v.mpp().fail.clear();
    // JPEG does not call enable_idr.
    v.mpp().fail.insert("enable_idr", k_err(9, 9));
    v.create(1, 0, &ChnAttr::new(PAYLOAD_JPEG, 0, 640, 480))
        .unwrap();
    v.mpp().fail.clear();
    v.mpp().fail.insert("start", k_err(9, 12));
    assert_eq!(v.start(0).unwrap_err().mpp_code(), k_err(9, 12));
    assert_eq!(v.state(0), ChnState::Created);
    v.mpp().fail.clear();
    v.start(0).unwrap();
    v.mpp().fail.insert("get", k_err(9, 17));
    let e = get(&mut v, 0).unwrap_err();
    assert!(e.to_string().contains("K_ERR_VENC_BADADDR"), "{e}");
}

#[test]
fn header_and_i_come_in_one_get_stream_even_when_delivered_apart() {
    let mut v = at(ChnState::Started);
    // Nothing queued at query time: the core asks for one pack, gets the
    // header, then fetches the I pack that belongs to it.
    v.mpp().push_frame(0, &[K_VENC_HEADER, K_VENC_I_FRAME]);
    v.mpp().push_frame(0, &[K_VENC_P_FRAME]);
    let (t, n, packs) = get(&mut v, 0).unwrap();
    assert_eq!(n, 2);
    assert_eq!(
        (packs[0].type_, packs[1].type_),
        (K_VENC_HEADER, K_VENC_I_FRAME)
    );
    assert_eq!(packs[0].pts, 33_333);
    assert_ne!(packs[0].virt, 0);
    assert_eq!(v.mpp().mapped, 2);
    v.release_stream(0, t).unwrap();
    assert_eq!(v.mpp().mapped, 0);
    assert!(v.mpp().outstanding.is_empty());
    // The P frame is not merged into anything.
    let (t, n, packs) = get(&mut v, t).unwrap();
    assert_eq!((n, packs[0].type_), (1, K_VENC_P_FRAME));
    v.release_stream(0, t).unwrap();
}

#[test]
fn empty_queue_is_a_timeout_with_the_buf_empty_code() {
    let mut v = at(ChnState::Started);
    let e = get(&mut v, 0).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Timeout);
    assert_eq!(e.mpp_code(), VENC_BUF_EMPTY);
    let mut out = [PackInfo::default(); PACK_CNT_MAX];
    let e = v.get_stream(0, -2, 0, &mut out).unwrap_err();
    assert!(
        e.to_string().starts_with("timeout must be -1 (block)"),
        "{e}"
    );
    let e = v.send_frame(0, &mut Default::default(), -1).unwrap_err();
    assert!(
        e.to_string()
            .starts_with("timeout must be 0 (non-blocking)"),
        "{e}"
    );
}

#[test]
fn held_streams_are_tracked_and_never_leak() {
    let mut v = at(ChnState::Started);
    let mut tokens = Vec::new();
    for _ in 0..MAX_HELD {
        v.mpp().push_frame(0, &[K_VENC_P_FRAME]);
        tokens.push(get(&mut v, 0).unwrap().0);
    }
    v.mpp().push_frame(0, &[K_VENC_P_FRAME]);
    assert!(matches!(get(&mut v, 0), Err(Error::Capacity { .. })));
    // A StreamData that still holds a stream cannot take another.
    let e = get(&mut v, tokens[0]).unwrap_err();
    assert!(e.to_string().contains("call ReleaseStream"), "{e}");
    // Release with the wrong channel / nothing / twice.
    v.set_out_bufs(1, 2, 640, 480).unwrap();
    assert!(matches!(
        v.release_stream(1, tokens[0]),
        Err(Error::Invalid { arg: "chn", .. })
    ));
    assert!(v
        .release_stream(0, 0)
        .unwrap_err()
        .to_string()
        .contains("holds no stream"));
    v.release_stream(0, tokens[0]).unwrap();
    assert!(v
        .release_stream(0, tokens[0])
        .unwrap_err()
        .to_string()
        .contains("already released"));
    // Stop + Destroy releases the rest.
    v.stop(0).unwrap();
    v.destroy(0).unwrap();
    assert_eq!(v.mpp().mapped, 0);
    assert!(v.mpp().outstanding.is_empty());
    assert!(v.release_stream(0, tokens[1]).is_err());
}

#[test]
fn mmap_failure_releases_what_was_taken() {
    let mut v = at(ChnState::Started);
    v.mpp().push_frame(0, &[K_VENC_HEADER, K_VENC_I_FRAME]);
    v.mpp().fail.insert("mmap", 0);
    let e = get(&mut v, 0).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Os);
    assert!(v.mpp().outstanding.is_empty());
    assert_eq!(v.mpp().mapped, 0);
}

#[test]
fn owner_drop_and_deinit_all_tear_everything_down() {
    let mut v = venc();
    let a = v.new_owner();
    let b = v.new_owner();
    assert_ne!(a, b);
    for chn in 0..3 {
        v.set_out_bufs(chn, 2, 640, 480).unwrap();
    }
    v.media_init().unwrap();
    v.create(a, 0, &h264()).unwrap();
    v.create(b, 1, &h264()).unwrap();
    v.start(0).unwrap();
    v.start(1).unwrap();
    v.mpp().push_frame(0, &[K_VENC_P_FRAME]);
    get(&mut v, 0).unwrap();
    let l = v.link([6, 0, 0], [9, 0, 1]).unwrap();
    assert!(v.is_linked(l));
    v.drop_owner(a).unwrap();
    assert_eq!(v.state(0), ChnState::Free);
    assert_eq!(v.state(1), ChnState::Started);
    assert_eq!(v.mpp().mapped, 0);
    v.deinit_all().unwrap();
    assert!(v.mpp().created.iter().all(|c| !c));
    assert!(v.mpp().binds.is_empty());
    assert!(!v.mpp().vb_inited);
    assert!(!v.is_linked(l));
    v.unlink(l).unwrap();
    // Everything can be set up again.
    v.set_out_bufs(0, 2, 640, 480).unwrap();
    v.media_init().unwrap();
    v.create(a, 0, &h264()).unwrap();
}

#[test]
fn links_validate_and_are_bounded() {
    let mut v = venc();
    let e = v.link([99, 0, 0], [9, 0, 0]).unwrap_err();
    assert!(
        e.to_string().starts_with("src[0] (module id) must be"),
        "{e}"
    );
    let e = v.link([6, -1, 0], [9, 0, 0]).unwrap_err();
    assert!(e.to_string().starts_with("src[1] (device id)"), "{e}");
    let mut ts = Vec::new();
    for i in 0..MAX_LINKS as i64 {
        ts.push(v.link([6, 0, i], [9, 0, i]).unwrap());
    }
    assert!(matches!(
        v.link([6, 0, 0], [9, 0, 0]),
        Err(Error::Capacity { .. })
    ));
    v.mpp().fail.insert("bind", k_err(5, 9));
    v.unlink(ts[0]).unwrap();
    let e = v.link([6, 0, 0], [9, 0, 0]).unwrap_err();
    assert!(e.to_string().contains("K_ERR_SYS_NOT_PERM"), "{e}");
    assert!(!v.is_linked(ts[0]));
}

#[cfg(feature = "abi-2025")]
#[test]
fn abi_2025_private_pool_follows_the_channel() {
    let mut v = venc();
    v.set_out_bufs(0, 5, 640, 480).unwrap();
    // SetOutBufs made the pool; MediaManager.init does not configure it as a common pool.
    assert_eq!(v.mpp().pools.len(), 1);
    v.media_init().unwrap();
    assert!(v.mpp().vb_pools.is_empty());
    v.create(1, 0, &h264()).unwrap();
    assert_eq!(v.mpp().attached.len(), 1);
    v.start(0).unwrap();
    v.stop(0).unwrap();
    assert!(v.mpp().attached.is_empty(), "Stop detaches");
    v.start(0).unwrap();
    assert_eq!(v.mpp().attached.len(), 1, "Start attaches again");
    v.stop(0).unwrap();
    v.destroy(0).unwrap();
    assert!(v.mpp().pools.is_empty(), "Destroy destroys the pool");
    // The next Create makes a pool again from the SetOutBufs configuration.
    v.create(1, 0, &h264()).unwrap();
    assert_eq!(v.mpp().pools.len(), 1);
    // A failing attach leaves the channel free.
    v.deinit_all().unwrap();
    assert!(v.mpp().pools.is_empty() && v.mpp().attached.is_empty());
    v.set_out_bufs(0, 5, 640, 480).unwrap();
    v.mpp().fail.insert("attach", k_err(9, 3));
    let e = v.create(1, 0, &h264()).unwrap_err();
    assert!(e.to_string().contains("kd_mpi_venc_attach_vb_pool"), "{e}");
    assert_eq!(v.state(0), ChnState::Free);
    v.mpp().fail.clear();
    v.mpp().fail.insert("create_pool", -1);
    let e = v.set_out_bufs(1, 5, 640, 480).unwrap_err();
    assert!(
        e.to_string()
            .contains("kd_mpi_vb_create_pool failed: K_FAILED"),
        "{e}"
    );
}

#[test]
fn send_frame_names_the_frame_field_that_is_wrong() {
    let mut v = at(ChnState::Started);
    type Spoil = fn(&mut k_video_frame_info);
    let cases: [(Spoil, &str); 5] = [
        (
            |f| f.v_frame.width = 800,
            "frame_info.v_frame.width must be 640 (the channel's pic_width) (got 800)",
        ),
        (
            |f| f.v_frame.height = 0,
            "frame_info.v_frame.height must be 480 (the channel's pic_height) (got 0)",
        ),
        (
            |f| f.v_frame.pixel_format = 0,
            "frame_info.v_frame.pixel_format must be Sensor.YUV420SP (31, NV12)",
        ),
        (
            |f| f.v_frame.phys_addr[0] = 0,
            "frame_info.v_frame.phys_addr[0]: is 0",
        ),
        (
            |f| f.v_frame.phys_addr[1] = 0,
            "frame_info.v_frame.phys_addr[1]: is 0",
        ),
    ];
    for (spoil, msg) in cases {
        let mut f = frame_640x480();
        spoil(&mut f);
        let e = v.send_frame(0, &mut f, 0).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Value);
        assert!(e.to_string().starts_with(msg), "{e}");
    }
    assert_eq!(v.mpp().sent, 0, "nothing reached the MPP");
    // ARGB input has one plane.
    let mut f = frame_640x480();
    f.v_frame.pixel_format = PIXEL_FORMAT_ARGB_8888;
    f.v_frame.phys_addr[1] = 0;
    v.send_frame(0, &mut f, 0).unwrap();
}

#[test]
fn a_get_stream_outlived_by_its_channel_gives_the_stream_back() {
    let mut v = at(ChnState::Started);
    v.mpp().push_frame(0, &[K_VENC_HEADER, K_VENC_I_FRAME]);
    // Thread A begins a GetStream and waits without the lock ...
    let ticket = v.get_stream_begin(0, -1, 0).unwrap();
    let got = crate::encoder::get_stream_wait(v.mpp(), &ticket);
    assert!(got.is_ok());
    // ... meanwhile thread B tears the channel down (the finaliser, or deinit_all).
    v.deinit_all().unwrap();
    let mut out = [PackInfo::default(); PACK_CNT_MAX];
    let e = v.get_stream_finish(ticket, got, &mut out).unwrap_err();
    assert!(
        e.to_string().contains("destroyed while GetStream waited"),
        "{e}"
    );
    assert_eq!(v.mpp().mapped, 0);
    // The fake's channel is gone, so its release fails; nothing stays outstanding here.
    assert!(v.release_stream(0, 1).is_err());
}

#[test]
fn reserved_slots_count_against_the_held_limit_and_clear_on_failure() {
    let mut v = at(ChnState::Started);
    let ticket = v.get_stream_begin(0, 0, 0).unwrap();
    let got = crate::encoder::get_stream_wait(v.mpp(), &ticket);
    let mut out = [PackInfo::default(); PACK_CNT_MAX];
    assert_eq!(
        v.get_stream_finish(ticket, got, &mut out)
            .unwrap_err()
            .kind(),
        ErrorKind::Timeout
    );
    // The reservation was given up: all MAX_HELD slots are usable again.
    for _ in 0..MAX_HELD {
        v.mpp().push_frame(0, &[K_VENC_P_FRAME]);
        get(&mut v, 0).unwrap();
    }
}

#[test]
fn values_beyond_64_bits_are_described_not_quoted() {
    let mut v = venc();
    let e = v.start(i64::MAX).unwrap_err();
    assert!(
        e.to_string().ends_with("(got a number beyond 64 bits)"),
        "{e}"
    );
    let e = v.start(i64::MIN).unwrap_err();
    assert!(
        e.to_string()
            .ends_with("(got a negative number beyond 64 bits)"),
        "{e}"
    );
}
