//! The ChnAttrStr keywords beyond the manual through Create: the rate-control modes reach
//! `k_venc_chn_attr` as the MPP defines them; rotation and mirror are set after the create
//! and before the start, only when asked for; a failing setting undoes the create (or, when
//! the destroy is refused too, leaves the channel pending for the next teardown).

use super::capi::{abi_2025, msg, new_err};
use super::script::{self, done, expect, Call, Expect};
use super::*;
use crate::attr::{
    MIRROR_HORIZONTAL, MIRROR_VERTICAL, PAYLOAD_H265, RC_FIXQP, RC_VBR, ROTATION_180, ROTATION_270,
    ROTATION_90,
};
use crate::capi::*;
use crate::mpp::err::{num, venc as venc_err};
use core::ptr::null_mut;

#[test]
fn rate_control_modes_reach_the_mpp_attributes() {
    let mut v = venc();
    v.set_out_bufs(0, 4, 640, 480).unwrap();
    let vbr = ChnAttr {
        rc_mode: RC_VBR,
        bit_rate: 1500,
        max_bit_rate: 6000,
        gop_len: 50,
        ..h264()
    };
    v.create(1, 0, &vbr).unwrap();
    let attr = v.mpp().st().last_attr.unwrap();
    assert_eq!(attr.rc_attr.rc_mode, K_VENC_RC_MODE_VBR);
    // SAFETY: the union member the VBR mode writes (test).
    let m = unsafe { attr.rc_attr.__bindgen_anon_1.vbr };
    assert_eq!(
        (m.gop, m.stats_time, m.max_bit_rate, m.bit_rate),
        (50, 1, 6000, 1500)
    );
    // No rotation or mirror call for the defaults.
    assert_eq!(v.mpp().st().orient[0], (None, None));
    v.destroy(0).unwrap();
    let fixqp = ChnAttr {
        rc_mode: RC_FIXQP,
        i_qp: 20,
        p_qp: 33,
        ..ChnAttr::new(PAYLOAD_H265, 5, 640, 480)
    };
    v.create(1, 0, &fixqp).unwrap();
    let attr = v.mpp().st().last_attr.unwrap();
    assert_eq!(attr.rc_attr.rc_mode, K_VENC_RC_MODE_FIXQP);
    // SAFETY: the union member the FIXQP mode writes (test).
    let m = unsafe { attr.rc_attr.__bindgen_anon_1.fixqp };
    assert_eq!((m.gop, m.i_qp, m.p_qp), (30, 20, 33));
    v.destroy(0).unwrap();
    // A bad keyword is refused before any MPP call.
    let bad = ChnAttr { p_qp: 52, ..fixqp };
    assert!(matches!(v.create(1, 0, &bad), Err(Error::Range { .. })));
    assert!(!v.mpp().st().created[0]);
}

#[test]
fn rotation_and_mirror_on_the_stateful_fake() {
    let mut v = venc();
    v.set_out_bufs(0, 4, 640, 480).unwrap();
    let a = ChnAttr {
        rotation: ROTATION_180,
        mirror: MIRROR_VERTICAL,
        ..h264()
    };
    v.create(1, 0, &a).unwrap();
    assert_eq!(
        v.mpp().st().orient[0],
        (Some(K_VPU_ROTATION_180), Some(K_VENC_MIRROR_VERT))
    );
    // The channel keeps the input size (SendFrame checks it), whatever the MPP codes.
    let attr = v.mpp().st().last_attr.unwrap();
    assert_eq!(
        (attr.venc_attr.pic_width, attr.venc_attr.pic_height),
        (640, 480)
    );
    v.start(0).unwrap();
    send(&mut v, &frame_640x480(), 0).unwrap();
    v.stop(0).unwrap();
    v.destroy(0).unwrap();
    // Each failing setting undoes the create.
    for name in ["set_rotation", "set_mirror"] {
        v.mpp().st().fail.insert(name, k_err(9, 9));
        let e = v.create(1, 0, &a).unwrap_err();
        assert_eq!(
            e.to_string(),
            std::format!("kd_mpi_venc_{name} failed: K_ERR_VENC_NOT_PERM (0xa0098009)")
        );
        assert!(!v.mpp().st().created[0]);
        assert_eq!(v.state(0), ChnState::Free);
        v.mpp().st().fail.clear();
    }
    v.create(1, 0, &a).unwrap();
}

/// Channel 0's SetOutBufs through the entry points (2025: its pool).
fn out_bufs() {
    expect(abi_2025([Call::CreatePool]));
    assert_eq!(venc_set_out_bufs(0, 4, 640, 480, &mut new_err()), 0);
}

/// Create of channel 0 with `attr` through the entry point: the status and the message
/// (empty on success).
fn create(attr: &ChnAttr) -> (i32, std::string::String) {
    let mut err = new_err();
    // SAFETY: valid pointers.
    let r = unsafe { venc_create(1, 0, attr, &mut err) };
    (r, if r == 0 { "".into() } else { msg(&err) })
}

/// The teardown of channel 0, created (and stopped), through deinit_all; checks the script.
fn finish_created() {
    expect([Expect::new(Call::DestroyChn(0))]);
    expect(abi_2025([Call::DestroyPool(1)]));
    assert_eq!(venc_deinit_all(null_mut()), 0);
    done();
}

#[test]
fn settings_come_after_create_and_before_start_in_order() {
    let _g = script::lock();
    out_bufs();
    expect(abi_2025([Call::Attach(0)]));
    expect([
        Expect::new(Call::CreateChn(0)),
        Expect::new(Call::EnableIdr(0)),
        Expect::new(Call::SetRotation(0, K_VPU_ROTATION_90)),
        Expect::new(Call::SetMirror(0, K_VENC_MIRROR_HORI)),
        Expect::new(Call::StartChn(0)),
    ]);
    let a = ChnAttr {
        rotation: ROTATION_90,
        mirror: MIRROR_HORIZONTAL,
        ..h264()
    };
    assert_eq!(create(&a).0, 0);
    assert_eq!(venc_start(0, null_mut()), 0);
    expect([Expect::new(Call::StopChn(0))]);
    finish_created();
}

#[test]
fn jpeg_gets_the_rotation_without_the_idr_setting() {
    let _g = script::lock();
    out_bufs();
    expect(abi_2025([Call::Attach(0)]));
    expect([
        Expect::new(Call::CreateChn(0)),
        Expect::new(Call::SetRotation(0, K_VPU_ROTATION_270)),
    ]);
    let j = ChnAttr {
        rotation: ROTATION_270,
        ..ChnAttr::new(PAYLOAD_JPEG, 0, 640, 480)
    };
    assert_eq!(create(&j).0, 0);
    finish_created();
}

#[test]
fn a_refused_setting_undoes_the_create_and_a_refused_destroy_stays_pending() {
    let _g = script::lock();
    let a = ChnAttr {
        mirror: MIRROR_VERTICAL,
        ..h264()
    };
    out_bufs();
    expect(abi_2025([Call::Attach(0)]));
    expect([
        Expect::new(Call::CreateChn(0)),
        Expect::new(Call::EnableIdr(0)),
        Expect::new(Call::SetMirror(0, K_VENC_MIRROR_VERT)).with_error(venc_err(num::NOT_SUPPORT)),
        Expect::new(Call::DestroyChn(0)),
    ]);
    expect(abi_2025([Call::DestroyPool(1)]));
    let (r, m) = create(&a);
    assert_eq!(r, VENC_ERR_OS);
    assert_eq!(
        m,
        "kd_mpi_venc_set_mirror failed: K_ERR_VENC_NOT_SUPPORT (0xa0098008)"
    );
    // The rotation fails and so does the destroy that undoes the create: both reported,
    // the channel kept (created, pending) until the next teardown releases it.
    let b = ChnAttr {
        rotation: ROTATION_90,
        ..h264()
    };
    expect(abi_2025([Call::CreatePool, Call::Attach(0)]));
    expect([
        Expect::new(Call::CreateChn(0)),
        Expect::new(Call::EnableIdr(0)),
        Expect::new(Call::SetRotation(0, K_VPU_ROTATION_90)).with_error(venc_err(num::NOT_PERM)),
        Expect::new(Call::DestroyChn(0)).with_error(venc_err(num::BUSY)),
    ]);
    let (r, m) = create(&b);
    assert_eq!(r, VENC_ERR_OS);
    assert!(
        m.starts_with(
            "kd_mpi_venc_set_rotation failed: K_ERR_VENC_NOT_PERM (0xa0098009); \
             kd_mpi_venc_destroy_chn failed: K_ERR_VENC_BUSY (0xa0098012)"
        ),
        "{m}"
    );
    let (r, m) = create(&b);
    assert_eq!(r, VENC_ERR_RUNTIME);
    assert!(
        m.starts_with("Create(0): an earlier release of channel 0 failed"),
        "{m}"
    );
    expect([Expect::new(Call::DestroyChn(0))]);
    expect(abi_2025([Call::DestroyPool(1)]));
    assert_eq!(venc_deinit_all(null_mut()), 0);
    done();
}
