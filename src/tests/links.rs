//! Media links over the stateful fake.

use super::*;

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
    v.mpp().st().fail.insert("bind", k_err(5, 9));
    v.unlink(ts[0]).unwrap();
    let e = v.link([6, 0, 0], [9, 0, 0]).unwrap_err();
    assert!(e.to_string().contains("K_ERR_SYS_NOT_PERM"), "{e}");
    assert!(!v.is_linked(ts[0]));
}

/// A bind made behind the core's back (as the firmware's own MediaManager.link does on the
/// board): VI device 0 channel `vi` -> VENC channel `chn`.
fn foreign_bind(v: &mut Venc<Fake>, vi: i32, chn: i32) {
    let src = k_mpp_chn {
        mod_id: K_ID_VI,
        dev_id: 0,
        chn_id: vi,
    };
    let dst = k_mpp_chn {
        mod_id: K_ID_VENC,
        dev_id: 0,
        chn_id: chn,
    };
    v.mpp().st().binds.push((src, dst));
}

/// Channels 0 and 1 of owner 1 created and started, 0 bound by the core's link and 1 by a
/// foreign bind; the MPP refusing to destroy a bound channel as `refuse` says.
fn bound_channels(refuse: bool) -> (Venc<Fake>, u32) {
    let mut v = venc();
    v.mpp().st().refuse_destroy_bound = refuse;
    for chn in 0..2 {
        v.set_out_bufs(chn, 2, 640, 480).unwrap();
    }
    let l = v.link([6, 0, 0], [9, 0, 0]).unwrap();
    foreign_bind(&mut v, 1, 1);
    for chn in 0..2 {
        v.create(1, chn, &h264()).unwrap();
        v.start(chn).unwrap();
    }
    (v, l)
}

#[test]
fn deinit_all_frees_bound_channels_whether_the_mpp_destroys_them_or_not() {
    for refuse in [false, true] {
        let (mut v, l) = bound_channels(refuse);
        v.deinit_all().unwrap();
        assert!(v.mpp().st().created.iter().all(|c| !c), "refuse={refuse}");
        assert!(!v.is_linked(l), "the core's link goes first");
        // The foreign bind is unbound only where the MPP refused the destroy without it.
        let left = v.mpp().st().binds.len();
        assert_eq!(left, usize::from(!refuse), "refuse={refuse}");
        // The channels are free for the next script.
        v.set_out_bufs(1, 2, 640, 480).unwrap();
        v.create(2, 1, &h264())
            .unwrap_or_else(|e| panic!("refuse={refuse}: {e}"));
    }
}

#[test]
fn the_finaliser_unbinds_what_keeps_its_channel_from_being_destroyed() {
    let (mut v, l) = bound_channels(true);
    v.drop_owner(1).unwrap();
    assert_eq!((v.state(0), v.state(1)), (ChnState::Free, ChnState::Free));
    assert!(v.mpp().st().binds.is_empty());
    // The core's link was unbound with its channel: its object says so, and dropping it
    // later is no error.
    assert!(!v.is_linked(l));
    v.unlink(l).unwrap();
    // Where the MPP destroys bound channels, the finaliser leaves every bind alone.
    let (mut v, l) = bound_channels(false);
    v.drop_owner(1).unwrap();
    assert_eq!(v.mpp().st().binds.len(), 2);
    assert!(v.is_linked(l));
    v.deinit_all().unwrap();
    assert_eq!(
        v.mpp().st().binds.len(),
        1,
        "deinit_all unbinds only the core's own link"
    );
}

#[test]
fn a_refused_destroy_without_a_bind_is_reported_and_kept() {
    let mut v = at(ChnState::Created);
    v.mpp().st().fail.insert("destroy", k_err(9, 18));
    let e = v.deinit_all().unwrap_err();
    assert!(
        e.to_string()
            .contains("kd_mpi_venc_destroy_chn failed: K_ERR_VENC_BUSY"),
        "{e}"
    );
    assert_eq!(v.state(0), ChnState::Created);
    // A query that fails (nothing bound) is not an error of its own.
    v.mpp().st().fail.insert("get_bind", k_err(5, 5));
    assert!(v.deinit_all().is_err());
    v.mpp().st().fail.clear();
    v.deinit_all().unwrap();
    assert_eq!(v.state(0), ChnState::Free);
}

#[test]
fn a_failing_unbind_keeps_the_channel_for_the_next_teardown() {
    let (mut v, _) = bound_channels(true);
    v.mpp().st().fail.insert("unbind", k_err(5, 9));
    let e = v.deinit_all().unwrap_err();
    let m = e.to_string();
    assert!(m.contains("kd_mpi_sys_unbind failed"), "{m}");
    assert!(
        m.contains("kd_mpi_venc_destroy_chn failed: K_ERR_VENC_BUSY"),
        "{m}"
    );
    v.mpp().st().fail.clear();
    v.deinit_all().unwrap();
    assert!(v.mpp().st().created.iter().all(|c| !c));
    assert!(v.mpp().st().binds.is_empty());
}

#[test]
fn the_scripts_own_destroy_reports_a_refusal_and_unbinds_nothing() {
    let (mut v, l) = bound_channels(true);
    v.stop(0).unwrap();
    let e = v.destroy(0).unwrap_err();
    assert!(
        e.to_string()
            .contains("kd_mpi_venc_destroy_chn failed: K_ERR_VENC_BUSY"),
        "{e}"
    );
    assert_eq!(v.state(0), ChnState::Created);
    assert!(v.is_linked(l));
    v.unlink(l).unwrap();
    v.destroy(0).unwrap();
    v.deinit_all().unwrap();
}

#[test]
fn held_by_other_names_channels_of_other_encoders() {
    let mut v = venc();
    v.set_out_bufs(1, 2, 640, 480).unwrap();
    assert!(!v.held_by_other(7, 1) && !v.held_by_other(7, -1));
    v.create(3, 1, &h264()).unwrap();
    assert!(v.held_by_other(7, 1));
    assert!(v.held_by_other(7, -1), "the implicit shape: any channel");
    assert!(!v.held_by_other(3, 1) && !v.held_by_other(3, -1), "its own");
    assert!(!v.held_by_other(7, 0) && !v.held_by_other(7, 4) && !v.held_by_other(7, -5));
    v.drop_owner(3).unwrap();
    assert!(!v.held_by_other(7, 1) && !v.held_by_other(7, -1));
}
