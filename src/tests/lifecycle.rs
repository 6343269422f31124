//! The channel lifecycle over the stateful fake: the state x operation table, argument
//! boundaries, MPP failures, finalisers and deinit-all, the 2025 private pool.

use super::*;

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
            |v| send(v, &frame_640x480(), 0),
            [false, false, true],
        ),
        (
            "GetStream",
            |v| {
                v.mpp().st().push_frame(0, &[K_VENC_P_FRAME]);
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
    for chn in [-1i64, -2, 4, i64::MAX, i64::MIN] {
        let mut v = at(ChnState::Started);
        let e = v.start(chn).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Value);
        // -1 is Encoder.chn before Create(chnAttr): the message says so.
        let want = if chn == -1 {
            "Start: no channel requested yet (chn -1: Encoder.chn is -1 until Create(chnAttr)"
        } else {
            "chn must be in 0..3"
        };
        assert!(e.to_string().starts_with(want), "{e}");
        assert!(v.create(1, chn, &h264()).is_err());
        assert!(v.set_out_bufs(chn, 4, 640, 480).is_err());
        assert!(v.destroy(chn).is_err());
        assert!(rel(&mut v, chn, 1).is_err());
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
    assert_eq!(
        v.mpp().st().vb_pools,
        std::vec![(57 * 4096, 4), (169 * 4096, 8)]
    );
    #[cfg(feature = "abi-2025")]
    {
        assert!(v.mpp().st().vb_pools.is_empty());
        let mut pools: Vec<_> = v.mpp().st().pools.values().copied().collect();
        pools.sort();
        assert_eq!(pools, std::vec![(57 * 4096, 4), (169 * 4096, 8)]);
    }
    let e = v.set_out_bufs(0, 4, 640, 480).unwrap_err();
    assert!(e.to_string().contains("SetOutBufs comes before it"), "{e}");
    assert!(matches!(v.media_init(), Err(Error::Order { .. })));
    v.media_deinit().unwrap();
    assert!(!v.mpp().st().vb_inited);
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
    let attr = v.mpp().st().last_attr.unwrap();
    #[cfg(not(feature = "abi-2025"))]
    assert_eq!(attr.venc_attr.stream_buf_cnt, 6);
    assert_eq!(attr.venc_attr.pic_width, 640);
    let e = v.create(1, 0, &h264()).unwrap_err();
    assert_eq!(
        e.to_string(),
        "Create(0): channel 0 is created but not started; call Destroy(0) first, or use \
         another channel (media.vencoder.deinit_all() releases every channel, to start over)"
    );
}

#[test]
fn mpp_failures_carry_call_and_code_and_leave_state() {
    let mut v = venc();
    v.set_out_bufs(0, 4, 640, 480).unwrap();
    v.mpp().st().fail.insert("create", k_err(9, 4));
    let e = v.create(1, 0, &h264()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Os);
    assert_eq!(e.mpp_code() as u32, 0xa009_8004);
    assert_eq!(
        e.to_string(),
        "kd_mpi_venc_create_chn failed: K_ERR_VENC_EXIST (0xa0098004)"
    );
    assert_eq!(v.state(0), ChnState::Free);
    v.mpp().st().fail.clear();
    // enable_idr failing undoes the create.
    v.mpp().st().fail.insert("enable_idr", k_err(9, 9));
    assert!(v.create(1, 0, &h264()).is_err());
    assert!(!v.mpp().st().created[0]);
    v.mpp().st().fail.clear();
    // JPEG does not call enable_idr.
    v.mpp().st().fail.insert("enable_idr", k_err(9, 9));
    v.create(1, 0, &ChnAttr::new(PAYLOAD_JPEG, 0, 640, 480))
        .unwrap();
    v.mpp().st().fail.clear();
    v.mpp().st().fail.insert("start", k_err(9, 12));
    assert_eq!(v.start(0).unwrap_err().mpp_code(), k_err(9, 12).code());
    assert_eq!(v.state(0), ChnState::Created);
    v.mpp().st().fail.clear();
    v.start(0).unwrap();
    v.mpp().st().fail.insert("get", k_err(9, 17));
    let e = get(&mut v, 0).unwrap_err();
    assert!(e.to_string().contains("K_ERR_VENC_BADADDR"), "{e}");
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
    v.mpp().st().push_frame(0, &[K_VENC_P_FRAME]);
    get(&mut v, 0).unwrap();
    let l = v.link([6, 0, 0], [9, 0, 1]).unwrap();
    assert!(v.is_linked(l));
    v.drop_owner(a).unwrap();
    assert_eq!(v.state(0), ChnState::Free);
    assert_eq!(v.state(1), ChnState::Started);
    assert_eq!(v.mpp().st().mapped, 0);
    v.deinit_all().unwrap();
    assert!(v.mpp().st().created.iter().all(|c| !c));
    assert!(v.mpp().st().binds.is_empty());
    assert!(!v.mpp().st().vb_inited);
    assert!(!v.is_linked(l));
    v.unlink(l).unwrap();
    // Everything can be set up again.
    v.set_out_bufs(0, 2, 640, 480).unwrap();
    v.media_init().unwrap();
    v.create(a, 0, &h264()).unwrap();
}

#[cfg(feature = "abi-2025")]
#[test]
fn abi_2025_private_pool_follows_the_channel() {
    let mut v = venc();
    v.set_out_bufs(0, 5, 640, 480).unwrap();
    // SetOutBufs made the pool; MediaManager.init does not configure it as a common pool.
    assert_eq!(v.mpp().st().pools.len(), 1);
    v.media_init().unwrap();
    assert!(v.mpp().st().vb_pools.is_empty());
    v.create(1, 0, &h264()).unwrap();
    assert_eq!(v.mpp().st().attached.len(), 1);
    v.start(0).unwrap();
    v.stop(0).unwrap();
    assert!(v.mpp().st().attached.is_empty(), "Stop detaches");
    v.start(0).unwrap();
    assert_eq!(v.mpp().st().attached.len(), 1, "Start attaches again");
    v.stop(0).unwrap();
    v.destroy(0).unwrap();
    assert!(v.mpp().st().pools.is_empty(), "Destroy destroys the pool");
    // The next Create makes a pool again from the SetOutBufs configuration.
    v.create(1, 0, &h264()).unwrap();
    assert_eq!(v.mpp().st().pools.len(), 1);
    // A failing attach leaves the channel free.
    v.deinit_all().unwrap();
    assert!(v.mpp().st().pools.is_empty() && v.mpp().st().attached.is_empty());
    v.set_out_bufs(0, 5, 640, 480).unwrap();
    v.mpp().st().fail.insert("attach", k_err(9, 3));
    let e = v.create(1, 0, &h264()).unwrap_err();
    assert!(e.to_string().contains("kd_mpi_venc_attach_vb_pool"), "{e}");
    assert_eq!(v.state(0), ChnState::Free);
    v.mpp().st().fail.clear();
    v.mpp().st().fail.insert("create_pool", K_FAILED);
    let e = v.set_out_bufs(1, 5, 640, 480).unwrap_err();
    assert!(
        e.to_string()
            .contains("kd_mpi_vb_create_pool failed: K_FAILED"),
        "{e}"
    );
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
