//! The implicit-channel shape: `Create(chnAttr)` takes a channel (`kd_mpi_venc_request_chn`
//! in the 2025 ABI, the lowest free one otherwise), `Encoder.chn` names it, and destroying it
//! gives it back, whatever goes wrong on the way.

use super::*;
use crate::venc::{OutBufs, CHN_COUNT, NO_CHN};

const BUFS: Option<OutBufs> = Some(OutBufs {
    count: 4,
    width: 640,
    height: 480,
});

/// Nothing of channel `c` is left in the fake: not created, not requested, no pool attached;
/// and (2025 ABI) `pools` pools in all.
fn given_back(v: &mut Venc<Fake>, c: usize, pools: usize) {
    let st = v.mpp().st();
    assert!(!st.created[c], "channel {c} still created");
    #[cfg(feature = "abi-2025")]
    {
        assert!(!st.requested[c], "channel {c} still requested");
        assert!(
            !st.attached.contains_key(&(c as u32)),
            "channel {c}: pool attached"
        );
        assert_eq!(st.pools.len(), pools, "pools: {:?}", st.pools);
    }
    #[cfg(not(feature = "abi-2025"))]
    let _ = pools;
}

#[test]
fn create_takes_the_lowest_free_channel_and_destroy_gives_it_back() {
    let mut v = at(ChnState::Created); // channel 0, created by number by owner 1
    assert_eq!(
        v.owner_chn(1),
        NO_CHN,
        "a channel created by number is not Encoder.chn"
    );
    let c = v.create_requested(2, BUFS, &h264()).unwrap();
    assert_eq!(c, 1);
    assert_eq!(v.owner_chn(2), 1);
    assert_eq!(v.state(1), ChnState::Created);
    v.start(1).unwrap();
    v.stop(1).unwrap();
    v.destroy(1).unwrap();
    assert_eq!(v.owner_chn(2), NO_CHN, "Destroy gives the channel back");
    given_back(&mut v, 1, 1); // channel 0's pool stays with it
                              // The channel is free for anyone again, by number too.
    v.set_out_bufs(1, 4, 640, 480).unwrap();
    v.create(3, 1, &h264()).unwrap();
}

#[test]
fn create_without_set_out_bufs_or_with_bad_attributes_takes_no_channel() {
    let mut v = venc();
    let e = v.create_requested(1, None, &h264()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Runtime);
    assert_eq!(
        e.to_string(),
        "Create(chnAttr): call SetOutBufs(buf_num, width, height) on this Encoder first"
    );
    let bad = ChnAttr {
        pic_width: 100,
        ..h264()
    };
    let e = v.create_requested(1, BUFS, &bad).unwrap_err();
    assert!(
        e.to_string().starts_with("chnAttr.pic_width must be"),
        "{e}"
    );
    assert_eq!(v.owner_chn(1), NO_CHN);
    for c in 0..CHN_COUNT {
        assert_eq!(v.state(c), ChnState::Free);
        given_back(&mut v, c, 0);
    }
}

#[test]
fn with_every_channel_in_use_create_says_so() {
    let mut v = venc();
    for owner in 1..=4 {
        v.create_requested(owner, BUFS, &h264()).unwrap();
    }
    let e = v.create_requested(5, BUFS, &h264()).unwrap_err();
    #[cfg(not(k230_mpp_request_chn))]
    assert_eq!(
        e.to_string(),
        "Create(chnAttr): no VENC channel is free (at most 4)"
    );
    // The 2025 MPP's request says it has none.
    #[cfg(k230_mpp_request_chn)]
    assert_eq!(
        e.to_string(),
        "kd_mpi_venc_request_chn failed: K_ERR_VENC_NOBUF (0xa009800d)"
    );
    v.deinit_all().unwrap();
    for c in 0..CHN_COUNT {
        given_back(&mut v, c, 0);
    }
}

#[test]
fn a_channel_the_ide_preview_holds_is_passed_over() {
    let mut v = venc();
    v.mpp().st().taken[0] = true;
    let c = v.create_requested(1, BUFS, &h264()).unwrap();
    assert_eq!(c, 1, "channel 0 is the preview's");
    // By number, the script gets the MPP's own answer.
    v.set_out_bufs(0, 4, 640, 480).unwrap();
    let e = v.create(2, 0, &h264()).unwrap_err();
    assert_eq!(
        e.to_string(),
        "kd_mpi_venc_create_chn failed: K_ERR_VENC_EXIST (0xa0098004)"
    );
    v.destroy(1).unwrap();
    given_back(&mut v, 1, 1); // the pool SetOutBufs(0, ...) made stays
}

#[test]
fn a_failed_create_gives_the_channel_back() {
    let mut v = venc();
    v.mpp().st().fail.insert("create", k_err(9, 12));
    let e = v.create_requested(1, BUFS, &h264()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Os);
    assert_eq!(v.owner_chn(1), NO_CHN);
    v.mpp().st().fail.clear();
    given_back(&mut v, 0, 0);
    assert_eq!(v.create_requested(1, BUFS, &h264()).unwrap(), 0);
    v.destroy(0).unwrap();
}

#[test]
fn the_finaliser_gives_requested_channels_back() {
    let mut v = venc();
    let c = v.create_requested(7, BUFS, &h264()).unwrap();
    v.start(c as i64).unwrap();
    v.drop_owner(7).unwrap();
    assert_eq!(v.state(c), ChnState::Free);
    given_back(&mut v, c, 0);
}

#[cfg(k230_mpp_request_chn)]
#[test]
fn a_refused_release_is_kept_and_retried() {
    // By Destroy() again, by the finaliser, by MediaManager.deinit(), by deinit_all.
    type Retry = fn(&mut Venc<Fake>, usize) -> Result<(), Error>;
    let retries: [(&str, Retry); 4] = [
        ("Destroy", |v, c| v.destroy(c as i64)),
        ("finaliser", |v, _| v.drop_owner(1)),
        ("MediaManager.deinit", |v, _| v.media_deinit()),
        ("deinit_all", |v, _| v.deinit_all()),
    ];
    for (how, retry) in retries {
        let mut v = venc();
        let c = v.create_requested(1, BUFS, &h264()).unwrap();
        let busy = crate::mpp::err::venc(crate::mpp::err::num::BUSY);
        v.mpp().st().fail.insert("release_chn", busy);
        let e = v.destroy(c as i64).unwrap_err();
        assert_eq!(
            e.to_string(),
            "kd_mpi_venc_release_chn failed: K_ERR_VENC_BUSY (0xa0098012)"
        );
        assert!(v.mpp().st().requested[c], "the MPP still has it");
        assert_eq!(
            v.owner_chn(1),
            c as i64,
            "{how}: still the Encoder's channel"
        );
        // Nobody else gets it meanwhile, by number either.
        let other = v.create_requested(2, BUFS, &h264()).unwrap();
        assert_ne!(other, c);
        v.set_out_bufs(c as i64, 4, 640, 480).ok();
        assert!(matches!(
            v.create(3, c as i64, &h264()),
            Err(Error::Pending { .. })
        ));
        // Refused again: still kept.
        assert!(retry(&mut v, c).is_err(), "{how}");
        assert!(v.mpp().st().requested[c]);
        v.mpp().st().fail.clear();
        retry(&mut v, c).unwrap();
        assert_eq!(v.owner_chn(1), NO_CHN, "{how}");
        assert!(!v.mpp().st().requested[c], "{how}");
        v.deinit_all().unwrap();
        for c in 0..CHN_COUNT {
            given_back(&mut v, c, 0);
        }
    }
}

#[cfg(k230_mpp_request_chn)]
#[test]
fn channels_the_mpp_hands_out_but_the_core_uses_are_given_back() {
    // An MPP whose request does not know the channels created by number.
    let mut v = venc();
    v.mpp().st().request_ignores_created = true;
    for c in 0..2 {
        v.set_out_bufs(c, 4, 640, 480).unwrap();
        v.create(1, c, &h264()).unwrap();
    }
    assert_eq!(v.create_requested(2, BUFS, &h264()).unwrap(), 2);
    assert_eq!(v.mpp().st().requested, [false, false, true, false]);
    // Channel 3 held by the IDE preview: nothing is left, and nothing stays requested.
    {
        let mut st = v.mpp().st();
        st.requested[3] = true;
        st.taken[3] = true;
    }
    let e = v.create_requested(3, BUFS, &h264()).unwrap_err();
    assert!(
        e.to_string()
            .starts_with("kd_mpi_venc_request_chn failed: K_ERR_VENC_NOBUF"),
        "{e}"
    );
    assert_eq!(v.mpp().st().requested, [false, false, true, true]);
    v.mpp().st().requested[3] = false;
    v.deinit_all().unwrap();
    assert_eq!(v.mpp().st().requested, [false; 4]);
}

#[cfg(k230_mpp_request_chn)]
#[test]
fn a_failed_request_names_the_call() {
    let mut v = venc();
    v.mpp().st().fail.insert("request", k_err(9, 18));
    let e = v.create_requested(1, BUFS, &h264()).unwrap_err();
    assert!(
        e.to_string()
            .starts_with("kd_mpi_venc_request_chn failed: K_ERR_VENC_BUSY"),
        "{e}"
    );
    assert!(v.mpp().st().pools.is_empty());
}

#[test]
fn an_encoder_has_one_implicit_channel() {
    let mut v = venc();
    let c = v.create_requested(1, BUFS, &h264()).unwrap();
    let e = v.create_requested(1, BUFS, &h264()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Runtime);
    assert_eq!(
        e.to_string(),
        "Create(): channel 0 (Encoder.chn) is created but not started; call Destroy() \
         first, or use another Encoder"
    );
    v.destroy(c as i64).unwrap();
    assert_eq!(v.create_requested(1, BUFS, &h264()).unwrap(), c);
    v.deinit_all().unwrap();
}

#[test]
fn a_channel_set_up_by_number_is_not_taken() {
    let mut v = venc();
    v.set_out_bufs(0, 4, 640, 480).unwrap();
    assert_eq!(v.create_requested(1, BUFS, &h264()).unwrap(), 1);
    v.create(2, 0, &h264()).unwrap();
    v.deinit_all().unwrap();
}
