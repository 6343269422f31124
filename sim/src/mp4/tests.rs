//! Tests of the `kd_mp4_*` C functions: argument checks in every build; with the `libav`
//! feature, files written from real x264 / x265 streams and G.711 audio, read back through
//! the demuxer calls and through libavformat, and every error path.

use super::*;

fn config(kind: u32, name: &[u8], fmp4: u8) -> Mp4Config {
    let mut file_name = [0 as c_char; 128];
    for (d, &s) in file_name.iter_mut().zip(name) {
        *d = s as c_char;
    }
    Mp4Config {
        config_type: kind,
        u: Mp4ConfigUnion {
            muxer_config: Mp4ConfigMuxer {
                file_name,
                fmp4_flag: fmp4,
            },
        },
    }
}

fn video_info(codec_id: u32, width: u32, height: u32) -> Mp4TrackInfo {
    Mp4TrackInfo {
        track_type: K_MP4_STREAM_VIDEO,
        time_scale: 1000,
        u: Mp4TrackUnion {
            video_info: Mp4VideoInfo {
                width,
                height,
                track_id: 0,
                codec_id,
            },
        },
    }
}

fn audio_info(codec_id: u32) -> Mp4TrackInfo {
    Mp4TrackInfo {
        track_type: K_MP4_STREAM_AUDIO,
        time_scale: 1000,
        u: Mp4TrackUnion {
            audio_info: Mp4AudioInfo {
                channels: 1,
                sample_rate: 8000,
                bit_per_sample: 16,
                track_id: 0,
                codec_id,
            },
        },
    }
}

#[test]
fn file_names_need_their_nul() {
    let c = config(K_MP4_CONFIG_MUXER, &[b'a'; 127], 0);
    // SAFETY: the union holds the muxer config just written.
    let m = unsafe { c.u.muxer_config };
    assert_eq!(file_name(&m.file_name).unwrap().len(), 127);
    let full = [b'a' as c_char; 128];
    let e = file_name(&full).unwrap_err();
    assert!(e.msg.contains("no NUL"), "{}", e.msg);
}

#[test]
fn track_info_checks() {
    assert!(matches!(
        TrackSpec::from_info(&video_info(K_MP4_CODEC_ID_H265, 320, 240)),
        Ok(TrackSpec::Video {
            codec: nal::VideoCodec::H265,
            width: 320,
            height: 240
        })
    ));
    assert!(TrackSpec::from_info(&video_info(K_MP4_CODEC_ID_G711A, 320, 240)).is_err());
    assert!(TrackSpec::from_info(&video_info(K_MP4_CODEC_ID_H264, 0, 240)).is_err());
    assert!(matches!(
        TrackSpec::from_info(&audio_info(K_MP4_CODEC_ID_G711U)),
        Ok(TrackSpec::Audio {
            alaw: false,
            channels: 1,
            rate: 8000
        })
    ));
    assert!(TrackSpec::from_info(&audio_info(K_MP4_CODEC_ID_H264)).is_err());
    let mut bad = audio_info(K_MP4_CODEC_ID_G711A);
    bad.track_type = K_MP4_STREAM_BUTT_FOR_TESTS;
    let e = TrackSpec::from_info(&bad).unwrap_err();
    assert!(e.msg.contains("track_type 3"), "{}", e.msg);
}

const K_MP4_STREAM_BUTT_FOR_TESTS: u32 = 3;

#[cfg(not(feature = "libav"))]
#[test]
fn without_libav_everything_fails_cleanly() {
    let mut h: KdHandle = std::ptr::null_mut();
    let mut c = config(K_MP4_CONFIG_MUXER, b"/tmp/x.mp4", 0);
    // SAFETY: valid pointers.
    unsafe {
        assert_eq!(kd_mp4_create(&mut h, &mut c), -1);
        assert_eq!(kd_mp4_destroy(h), -1);
        assert_eq!(kd_mp4_get_frame(h, std::ptr::null_mut()), -1);
    }
    assert!(h.is_null());
    assert_eq!(live_counts(), (0, 0));
}

#[cfg(feature = "libav")]
mod with_libav {
    use super::*;
    use crate::codec::libav::Libav;
    use crate::codec::{Backend, Codec, EncConfig, FrameReq, PackKind, Picture, RateControl};
    use crate::policy;
    use crate::vicap::render_nv12;
    use ffmpeg_next as ff;
    use std::path::{Path, PathBuf};
    use std::sync::MutexGuard;

    /// The registry is global, and the simulator tests compare whole `k230_sim_get_stats`
    /// results (which count it): these tests take the simulator tests' lock.
    fn serial() -> MutexGuard<'static, ()> {
        crate::tests::fixtures::setup()
    }

    fn tmp(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("k230_mp4_tests_{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        dir.join(name)
    }

    /// `n` frames of the sensor pattern encoded by the simulator's libav backend (GOP `gop`),
    /// each as (packs by kind, pts in us).
    fn encode(codec: Codec, n: usize, gop: u32) -> Vec<Vec<(PackKind, Vec<u8>)>> {
        let c = EncConfig {
            codec,
            profile: if codec == Codec::H264 { 2 } else { 5 },
            width: 320,
            height: 240,
            gop,
            src_fps: 30,
            dst_fps: 30,
            bit_rate: 500,
            q_factor: 0,
            rc: RateControl::Cbr,
            orient: crate::codec::Orientation::NONE,
        };
        let mut e = Libav.open(&c).expect("open the encoder");
        let mut buf = vec![0u8; 1 << 20];
        (0..n)
            .map(|i| {
                let (y, uv) = render_nv12(320, 240, i as u64);
                let pic = Picture {
                    width: 320,
                    height: 240,
                    y: &y,
                    y_stride: 320,
                    uv: &uv,
                    uv_stride: 320,
                    pts: i as u64 * 33_333,
                };
                let mut spans = Vec::new();
                let req = FrameReq {
                    index: i as u64,
                    idr: (i as u32).is_multiple_of(gop),
                };
                e.encode(&pic, req, &mut buf, &mut spans).expect("encode");
                spans
                    .iter()
                    .map(|s| (s.kind, buf[s.offset..s.offset + s.len].to_vec()))
                    .collect()
            })
            .collect()
    }

    fn joined(packs: &[(PackKind, Vec<u8>)]) -> Vec<u8> {
        packs.iter().flat_map(|p| p.1.iter().copied()).collect()
    }

    struct Mux(KdHandle);

    fn create(path: &Path, fmp4: u8) -> Result<Mux, c_int> {
        let mut h: KdHandle = std::ptr::null_mut();
        let mut c = config(K_MP4_CONFIG_MUXER, path.to_str().unwrap().as_bytes(), fmp4);
        // SAFETY: valid pointers.
        match unsafe { kd_mp4_create(&mut h, &mut c) } {
            0 => Ok(Mux(h)),
            e => Err(e),
        }
    }

    impl Mux {
        fn track(&self, mut info: Mp4TrackInfo) -> Result<KdHandle, c_int> {
            let mut t: KdHandle = std::ptr::null_mut();
            // SAFETY: valid pointers.
            match unsafe { kd_mp4_create_track(self.0, &mut t, &mut info) } {
                0 => Ok(t),
                e => Err(e),
            }
        }

        fn write(&self, track: KdHandle, codec_id: u32, ts_us: u64, data: &[u8]) -> c_int {
            let mut f = Mp4FrameData {
                codec_id,
                time_stamp: ts_us,
                data: data.as_ptr() as *mut u8,
                data_length: data.len() as u32,
                eof: 0,
            };
            // SAFETY: `f` points to `data`, alive for the call.
            unsafe { kd_mp4_write_frame(self.0, track, &mut f) }
        }

        fn close(self) -> c_int {
            // SAFETY: handles are only looked up.
            unsafe {
                let a = kd_mp4_destroy_tracks(self.0);
                let b = kd_mp4_destroy(self.0);
                if a != 0 {
                    a
                } else {
                    b
                }
            }
        }
    }

    /// (codec name, frames, key frames, pts in ms, duration in s) of each stream of a file.
    fn probe(path: &Path) -> Vec<(String, usize, usize, Vec<i64>, f64)> {
        let mut input = ff::format::input(path).expect("open the written file");
        let mut streams: Vec<_> = input
            .streams()
            .map(|s| {
                let name = format!("{:?}", s.parameters().id()).to_lowercase();
                (
                    name,
                    0,
                    0,
                    Vec::new(),
                    s.duration() as f64 * f64::from(s.time_base()),
                )
            })
            .collect();
        let tbs: Vec<_> = input.streams().map(|s| s.time_base()).collect();
        for (s, p) in input.packets() {
            let e = &mut streams[s.index()];
            e.1 += 1;
            e.2 += usize::from(p.is_key());
            let tb = tbs[s.index()];
            e.3.push(
                p.pts().unwrap() * 1000 * i64::from(tb.numerator()) / i64::from(tb.denominator()),
            );
        }
        streams
    }

    fn write_video(codec: Codec, fmp4: u8, name: &str) -> PathBuf {
        let path = tmp(name);
        let m = create(&path, fmp4).unwrap();
        let id = if codec == Codec::H264 {
            K_MP4_CODEC_ID_H264
        } else {
            K_MP4_CODEC_ID_H265
        };
        let t = m.track(video_info(id, 320, 240)).unwrap();
        for (i, f) in encode(codec, 20, 10).iter().enumerate() {
            assert_eq!(
                m.write(t, id, 5_000_000 + i as u64 * 33_333, &joined(f)),
                0,
                "frame {i}"
            );
        }
        assert_eq!(m.close(), 0);
        path
    }

    #[test]
    fn h264_and_h265_plain_and_fragmented() {
        let _g = serial();
        for (codec, name) in [(Codec::H264, "h264"), (Codec::H265, "hevc")] {
            for fmp4 in [0, 1] {
                let path = write_video(codec, fmp4, &format!("{name}_{fmp4}.mp4"));
                let streams = probe(&path);
                assert_eq!(streams.len(), 1);
                let (n, frames, keys, pts, dur) = &streams[0];
                assert_eq!(n, name);
                assert_eq!((*frames, *keys), (20, 2), "{name} fmp4 {fmp4}");
                // The first sample at 0 (the track's origin), 33 or 34 ms apart (pts / 1000).
                assert_eq!(pts[0], 0);
                assert!(
                    pts.windows(2).all(|w| (33..=34).contains(&(w[1] - w[0]))),
                    "{pts:?}"
                );
                if fmp4 == 0 {
                    assert!((dur - 0.666).abs() < 0.01, "duration {dur}");
                }
                // The moov in front of a plain file (faststart), the brand isom.
                let head = std::fs::read(&path).unwrap();
                assert_eq!(&head[4..12], b"ftypisom");
                assert_eq!(&head[24..28], b"moov", "{name} fmp4 {fmp4}");
            }
        }
        assert_eq!(live_counts(), (0, 0));
    }

    #[test]
    fn demuxer_reads_back_annexb_and_g711() {
        let _g = serial();
        let path = tmp("av.mp4");
        let m = create(&path, 0).unwrap();
        let v = m.track(video_info(K_MP4_CODEC_ID_H264, 320, 240)).unwrap();
        let a = m.track(audio_info(K_MP4_CODEC_ID_G711A)).unwrap();
        let frames = encode(Codec::H264, 10, 5);
        let chunk: Vec<u8> = (0..320).map(|i| (i % 251) as u8).collect();
        // Audio first: it waits for the first video key frame.
        assert_eq!(m.write(a, K_MP4_CODEC_ID_G711A, 0, &chunk), 0);
        for (i, f) in frames.iter().enumerate() {
            assert_eq!(
                m.write(v, K_MP4_CODEC_ID_H264, i as u64 * 40_000, &joined(f)),
                0
            );
            if i > 0 {
                assert_eq!(
                    m.write(a, K_MP4_CODEC_ID_G711A, i as u64 * 40_000, &chunk),
                    0
                );
            }
        }
        assert_eq!(live_counts(), (1, 2));
        assert_eq!(m.close(), 0);
        assert_eq!(live_counts(), (0, 0));

        let mut h: KdHandle = std::ptr::null_mut();
        let mut c = config(K_MP4_CONFIG_DEMUXER, path.to_str().unwrap().as_bytes(), 0);
        // SAFETY: valid pointers throughout; `data` is read before the next call.
        unsafe {
            assert_eq!(kd_mp4_create(&mut h, &mut c), 0);
            let mut fi = Mp4FileInfo::default();
            assert_eq!(kd_mp4_get_file_info(h, &mut fi), 0);
            assert_eq!(fi.track_num, 2);
            assert!((395..=405).contains(&fi.duration), "{}", fi.duration);
            let mut ti = video_info(0, 0, 0);
            assert_eq!(kd_mp4_get_track_by_index(h, 0, &mut ti), 0);
            assert_eq!(ti.track_type, K_MP4_STREAM_VIDEO);
            assert_eq!((ti.u.video_info.width, ti.u.video_info.height), (320, 240));
            assert_eq!(kd_mp4_get_track_by_index(h, 1, &mut ti), 0);
            assert_eq!(ti.track_type, K_MP4_STREAM_AUDIO);
            assert_eq!(ti.u.audio_info.codec_id, K_MP4_CODEC_ID_G711A);
            assert_eq!(
                (ti.u.audio_info.sample_rate, ti.u.audio_info.channels),
                (8000, 1)
            );
            assert_eq!(kd_mp4_get_track_by_index(h, 2, &mut ti), -1);
            let (mut video, mut audio) = (Vec::new(), 0);
            let mut fd = Mp4FrameData {
                codec_id: 9,
                time_stamp: 0,
                data: std::ptr::null_mut(),
                data_length: 0,
                eof: 0,
            };
            loop {
                assert_eq!(kd_mp4_get_frame(h, &mut fd), 0);
                if fd.eof == 1 {
                    break;
                }
                let d = std::slice::from_raw_parts(fd.data, fd.data_length as usize);
                match fd.codec_id {
                    K_MP4_CODEC_ID_H264 => video.push((fd.time_stamp, d.to_vec())),
                    K_MP4_CODEC_ID_G711A => {
                        assert_eq!(d, &chunk[..]);
                        audio += 1;
                    }
                    c => panic!("codec {c}"),
                }
            }
            assert_eq!(kd_mp4_get_frame(h, &mut fd), 0);
            assert_eq!(fd.eof, 1, "eof again");
            assert_eq!(audio, 10);
            // Annex-B, exactly what was written, at the times written (ms).
            assert_eq!(video.len(), 10);
            for (i, (ts, d)) in video.iter().enumerate() {
                assert_eq!(*ts, i as u64 * 40);
                let written = joined(&frames[i]);
                let want = nal::split_annexb(&written).unwrap();
                assert_eq!(nal::split_annexb(d).unwrap(), want, "frame {i}");
            }
            // A demuxer is not a muxer, and back.
            let mut t: KdHandle = std::ptr::null_mut();
            let mut info = video_info(K_MP4_CODEC_ID_H264, 320, 240);
            assert_eq!(kd_mp4_create_track(h, &mut t, &mut info), -1);
            assert_eq!(kd_mp4_destroy_tracks(h), -1);
            assert_eq!(kd_mp4_destroy(h), 0);
        }
        assert_eq!(live_counts(), (0, 0));
    }

    #[test]
    fn error_paths() {
        let _g = serial();
        let path = tmp("errors.mp4");
        let m = create(&path, 0).unwrap();
        let v = m.track(video_info(K_MP4_CODEC_ID_H265, 320, 240)).unwrap();
        let frames = encode(Codec::H265, 3, 10);
        // The first write without the parameter sets, or without the IDR.
        let idr_only: Vec<u8> = frames[0]
            .iter()
            .filter(|p| p.0 == PackKind::I)
            .flat_map(|p| p.1.clone())
            .collect();
        let header_only: Vec<u8> = frames[0]
            .iter()
            .filter(|p| p.0 == PackKind::Header)
            .flat_map(|p| p.1.clone())
            .collect();
        assert_eq!(m.write(v, K_MP4_CODEC_ID_H265, 0, &idr_only), -1);
        assert_eq!(m.write(v, K_MP4_CODEC_ID_H265, 0, &header_only), -1);
        assert_eq!(m.write(v, K_MP4_CODEC_ID_H265, 0, b"not annex-b"), -1);
        // A truncated SPS: -2.
        let mut broken = Vec::new();
        for n in nal::split_annexb(&joined(&frames[0])).unwrap() {
            broken.extend_from_slice(&[0, 0, 0, 1]);
            let t = nal::VideoCodec::H265.nal_type(n);
            broken.extend_from_slice(if t == 33 { &n[..4] } else { n });
        }
        assert_eq!(
            m.write(v, K_MP4_CODEC_ID_H265, 0, &broken),
            policy::MP4_UNPARSABLE_PARAM_SETS
        );
        // No data, too much data.
        assert_eq!(m.write(v, K_MP4_CODEC_ID_H265, 0, &[]), -1);
        let big = vec![0u8; policy::MP4_MAX_FRAME_BYTES + 1];
        assert_eq!(m.write(v, K_MP4_CODEC_ID_H265, 0, &big), -1);
        // Then a good start; a 4th track, and tracks after the header, are refused.
        let a = m.track(audio_info(K_MP4_CODEC_ID_G711U)).unwrap();
        let _a2 = m.track(audio_info(K_MP4_CODEC_ID_G711U)).unwrap();
        assert_eq!(m.track(audio_info(K_MP4_CODEC_ID_G711U)), Err(-1));
        assert_eq!(m.write(v, K_MP4_CODEC_ID_H265, 0, &joined(&frames[0])), 0);
        assert_eq!(m.write(a, K_MP4_CODEC_ID_G711U, 0, &[0xFF; 320]), 0);
        // Going back in time is bumped, not refused (policy).
        assert_eq!(m.write(v, K_MP4_CODEC_ID_H265, 0, &joined(&frames[1])), 0);
        // Unknown handles: -1, no crash.
        let bogus = 0x1234 as KdHandle;
        assert_eq!(
            m.write(bogus, K_MP4_CODEC_ID_H265, 0, &joined(&frames[2])),
            -1
        );
        let other = Mux(m.0);
        assert_eq!(Mux(bogus).write(v, 0, 0, &joined(&frames[2])), -1);
        // SAFETY: NULL and bogus pointers are only checked / looked up.
        unsafe {
            assert_eq!(kd_mp4_write_frame(m.0, v, std::ptr::null_mut()), -1);
            assert_eq!(kd_mp4_destroy(bogus), -1);
            assert_eq!(kd_mp4_destroy_tracks(bogus), -1);
            assert_eq!(kd_mp4_get_file_info(m.0, &mut Mp4FileInfo::default()), -1);
            assert_eq!(
                kd_mp4_create(std::ptr::null_mut(), std::ptr::null_mut()),
                -1
            );
        }
        assert_eq!(
            other.write(v, K_MP4_CODEC_ID_H265, 70_000, &joined(&frames[2])),
            0
        );
        // SAFETY: a live handle.
        assert_eq!(unsafe { kd_mp4_destroy_tracks(m.0) }, 0);
        // The track handles are gone with destroy_tracks.
        assert_eq!(
            m.write(v, K_MP4_CODEC_ID_H265, 100_000, &joined(&frames[2])),
            -1
        );
        assert_eq!(live_counts(), (1, 0));
        // SAFETY: a live handle, destroyed once; the second is unknown.
        unsafe {
            assert_eq!(kd_mp4_destroy(m.0), 0);
            assert_eq!(kd_mp4_destroy(m.0), -1);
        }
        assert_eq!(live_counts(), (0, 0));
        let s = probe(&path);
        assert_eq!((s[0].1, s[1].0.as_str(), s[1].1), (3, "pcm_mulaw", 1));
        // The third track, never written, is not in a plain file (libavformat leaves out
        // empty tracks when it writes the index).
        assert_eq!(s.len(), 2);
        // fopen failure.
        assert_eq!(
            create(Path::new("/nonexistent-dir/x.mp4"), 0).err(),
            Some(-1)
        );
        // Config type, file name without NUL.
        let mut h: KdHandle = std::ptr::null_mut();
        let mut c = config(7, b"x.mp4", 0);
        // SAFETY: valid pointers.
        assert_eq!(unsafe { kd_mp4_create(&mut h, &mut c) }, -1);
        let mut c = config(K_MP4_CONFIG_MUXER, &[b'x'; 128], 0);
        // SAFETY: valid pointers.
        assert_eq!(unsafe { kd_mp4_create(&mut h, &mut c) }, -1);
        let mut c = config(K_MP4_CONFIG_DEMUXER, b"/nonexistent-dir/x.mp4", 0);
        // SAFETY: valid pointers.
        assert_eq!(unsafe { kd_mp4_create(&mut h, &mut c) }, -1);
        assert!(h.is_null());
        assert_eq!(live_counts(), (0, 0));
    }

    #[test]
    fn header_alone_is_merged_into_the_next_sample() {
        let _g = serial();
        let path = tmp("merged.mp4");
        let m = create(&path, 0).unwrap();
        let v = m.track(video_info(K_MP4_CODEC_ID_H264, 320, 240)).unwrap();
        let frames = encode(Codec::H264, 6, 3);
        for (i, f) in frames.iter().enumerate() {
            let ts = i as u64 * 33_333;
            if i > 0 && f[0].0 == PackKind::Header {
                // Later IDRs written as two writes, header first, at the same time stamp.
                assert_eq!(m.write(v, K_MP4_CODEC_ID_H264, ts, &f[0].1), 0);
                assert_eq!(m.write(v, K_MP4_CODEC_ID_H264, ts, &f[1].1), 0);
            } else {
                assert_eq!(m.write(v, K_MP4_CODEC_ID_H264, ts, &joined(f)), 0);
            }
        }
        assert_eq!(m.close(), 0);
        let s = probe(&path);
        assert_eq!((s[0].1, s[0].2), (6, 2), "6 samples, 2 of them key frames");
    }

    #[test]
    fn audio_only_file() {
        let _g = serial();
        let path = tmp("audio.mp4");
        let m = create(&path, 1).unwrap();
        let a = m.track(audio_info(K_MP4_CODEC_ID_G711U)).unwrap();
        for i in 0..25u64 {
            assert_eq!(
                m.write(a, K_MP4_CODEC_ID_G711U, i * 40_000, &[0x7F; 320]),
                0
            );
        }
        // The header is written: no more tracks.
        assert_eq!(m.track(video_info(K_MP4_CODEC_ID_H264, 320, 240)), Err(-1));
        assert_eq!(m.close(), 0);
        let s = probe(&path);
        assert_eq!(s.len(), 1);
        assert_eq!((s[0].0.as_str(), s[0].1 > 0), ("pcm_mulaw", true));
        // An empty muxer leaves an empty file and no handle.
        let empty = tmp("empty.mp4");
        assert_eq!(create(&empty, 0).unwrap().close(), 0);
        assert_eq!(std::fs::metadata(&empty).unwrap().len(), 0);
        assert_eq!(live_counts(), (0, 0));
    }
}
