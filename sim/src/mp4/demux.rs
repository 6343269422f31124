//! The demuxer side of `kd_mp4_*` over libavformat (see the module docs of [`super`]).

use super::nal::{self, VideoCodec};
use super::{
    Mp4AudioInfo, Mp4Error, Mp4FileInfo, Mp4FrameData, Mp4Result, Mp4TrackInfo, Mp4TrackUnion,
    Mp4VideoInfo, K_MP4_CODEC_ID_G711A, K_MP4_CODEC_ID_G711U, K_MP4_CODEC_ID_H264,
    K_MP4_CODEC_ID_H265, K_MP4_STREAM_AUDIO, K_MP4_STREAM_VIDEO,
};
use crate::policy;
use ff::ffi;
use ffmpeg_next as ff;
use std::ffi::CString;
use std::os::unix::ffi::OsStrExt;

/// What a track of the file is.
enum Kind {
    Video {
        codec: VideoCodec,
        width: u32,
        height: u32,
        /// Bytes of the NAL unit lengths in the samples.
        length_size: usize,
        /// The parameter sets, Annex-B, for key frames that carry none.
        param_sets: Vec<u8>,
    },
    Audio {
        alaw: bool,
        channels: u32,
        rate: u32,
    },
    /// Not one the K230 API describes (or a video without a usable configuration): why.
    Other(String),
}

/// A file being read.
pub struct Demuxer {
    input: ff::format::context::Input,
    tracks: Vec<Kind>,
    /// The last frame returned (what `data` points to).
    buf: Vec<u8>,
    eof: bool,
}

fn av_err(code: i32) -> String {
    ff::Error::from(code).to_string()
}

impl Demuxer {
    /// Opens the file `name` for reading.
    pub fn open(name: &[u8]) -> Mp4Result<Demuxer> {
        let shown = std::path::Path::new(std::ffi::OsStr::from_bytes(name))
            .display()
            .to_string();
        let mut url = b"file:".to_vec();
        url.extend_from_slice(name);
        let url = CString::new(url).map_err(|_| Mp4Error::new("file name with a NUL byte"))?;
        let mut ctx: *mut ffi::AVFormatContext = std::ptr::null_mut();
        // SAFETY: `ctx` is written by the call (and freed by it on failure).
        let r = unsafe {
            ffi::avformat_open_input(
                &mut ctx,
                url.as_ptr(),
                std::ptr::null(),
                std::ptr::null_mut(),
            )
        };
        if r < 0 {
            return Err(Mp4Error::new(format!(
                "input file {shown} open failed ({})",
                av_err(r)
            )));
        }
        // SAFETY: `ctx` is an open input context.
        let r = unsafe { ffi::avformat_find_stream_info(ctx, std::ptr::null_mut()) };
        if r < 0 {
            // SAFETY: as above; closing frees it and nulls the pointer.
            unsafe { ffi::avformat_close_input(&mut ctx) };
            return Err(Mp4Error::new(format!(
                "input file {shown}: cannot read its tracks ({})",
                av_err(r)
            )));
        }
        // SAFETY: an open input context whose ownership moves into `Input`.
        let input = unsafe { ff::format::context::Input::wrap(ctx) };
        let tracks = input.streams().map(|s| kind(&s)).collect();
        Ok(Demuxer {
            input,
            tracks,
            buf: Vec::new(),
            eof: false,
        })
    }

    /// `kd_mp4_get_file_info`.
    pub fn file_info(&self) -> Mp4FileInfo {
        Mp4FileInfo {
            duration: u64::try_from(self.input.duration()).map_or(0, |us| us / 1000),
            track_num: self.tracks.len() as u32,
        }
    }

    /// `kd_mp4_get_track_by_index`.
    pub fn track_info(&self, index: u32) -> Mp4Result<Mp4TrackInfo> {
        let kind = self.tracks.get(index as usize).ok_or_else(|| {
            Mp4Error::new(format!(
                "track index {index} out of range (the file has {} tracks)",
                self.tracks.len()
            ))
        })?;
        let track_id = self
            .input
            .stream(index as usize)
            .map_or(index + 1, |s| s.id() as u32);
        Ok(match kind {
            Kind::Video {
                codec,
                width,
                height,
                ..
            } => Mp4TrackInfo {
                track_type: K_MP4_STREAM_VIDEO,
                time_scale: 1000,
                u: Mp4TrackUnion {
                    video_info: Mp4VideoInfo {
                        width: *width,
                        height: *height,
                        track_id,
                        codec_id: video_codec_id(*codec),
                    },
                },
            },
            Kind::Audio {
                alaw,
                channels,
                rate,
            } => Mp4TrackInfo {
                track_type: K_MP4_STREAM_AUDIO,
                time_scale: 1000,
                u: Mp4TrackUnion {
                    audio_info: Mp4AudioInfo {
                        channels: *channels,
                        sample_rate: *rate,
                        bit_per_sample: 16,
                        track_id,
                        codec_id: if *alaw {
                            K_MP4_CODEC_ID_G711A
                        } else {
                            K_MP4_CODEC_ID_G711U
                        },
                    },
                },
            },
            Kind::Other(why) => return Err(Mp4Error::new(format!("track {index}: {why}"))),
        })
    }

    /// `kd_mp4_get_frame`: the next sample of a track the API describes.
    pub fn next_frame(&mut self, frame: &mut Mp4FrameData) -> Mp4Result {
        loop {
            if self.eof {
                frame.data = self.buf.as_mut_ptr();
                frame.data_length = 0;
                frame.eof = 1;
                return Ok(());
            }
            let mut pkt = ff::Packet::empty();
            match pkt.read(&mut self.input) {
                Ok(()) => {}
                Err(ff::Error::Eof) => {
                    self.eof = true;
                    self.buf.clear();
                    continue;
                }
                Err(e) => {
                    return Err(Mp4Error::new(format!(
                        "libavformat cannot read a sample: {e}"
                    )))
                }
            }
            let index = pkt.stream();
            let Some(kind) = self.tracks.get(index) else {
                continue;
            };
            let data = pkt.data().unwrap_or_default();
            self.buf.clear();
            let codec_id = match kind {
                Kind::Other(_) => continue,
                Kind::Audio { alaw, .. } => {
                    self.buf.extend_from_slice(data);
                    if *alaw {
                        K_MP4_CODEC_ID_G711A
                    } else {
                        K_MP4_CODEC_ID_G711U
                    }
                }
                Kind::Video {
                    codec,
                    length_size,
                    param_sets,
                    ..
                } => {
                    nal::length_prefixed_to_annexb(data, *length_size, &mut self.buf)
                        .map_err(|e| Mp4Error::new(format!("a sample of track {index}: {e}")))?;
                    if pkt.is_key() && !has_sps(*codec, &self.buf) {
                        self.buf.splice(0..0, param_sets.iter().copied());
                    }
                    video_codec_id(*codec)
                }
            };
            if self.buf.len() > policy::MP4_MAX_FRAME_BYTES {
                return Err(Mp4Error::new(format!(
                    "a sample of track {index} is {} bytes, more than the {} byte buffer",
                    self.buf.len(),
                    policy::MP4_MAX_FRAME_BYTES
                )));
            }
            let tb = self
                .input
                .stream(index)
                .map_or(ffi::AVRational { num: 1, den: 1000 }, |s| {
                    s.time_base().into()
                });
            let ts = pkt.pts().or(pkt.dts()).unwrap_or(0);
            // SAFETY: plain arithmetic.
            let ms = unsafe { ffi::av_rescale_q(ts, tb, ffi::AVRational { num: 1, den: 1000 }) };
            frame.codec_id = codec_id;
            frame.time_stamp = u64::try_from(ms).unwrap_or(0);
            frame.data = self.buf.as_mut_ptr();
            frame.data_length = self.buf.len() as u32;
            frame.eof = 0;
            return Ok(());
        }
    }
}

fn video_codec_id(codec: VideoCodec) -> u32 {
    match codec {
        VideoCodec::H264 => K_MP4_CODEC_ID_H264,
        VideoCodec::H265 => K_MP4_CODEC_ID_H265,
    }
}

/// Whether the Annex-B `au` holds an SPS.
fn has_sps(codec: VideoCodec, au: &[u8]) -> bool {
    let sps = match codec {
        VideoCodec::H264 => 7,
        VideoCodec::H265 => 33,
    };
    nal::split_annexb(au).is_ok_and(|nals| nals.iter().any(|n| codec.nal_type(n) == sps))
}

/// What a stream of the input is.
fn kind(s: &ff::format::stream::Stream) -> Kind {
    let par = s.parameters();
    // SAFETY: the parameters belong to the live stream.
    let p = unsafe { &*par.as_ptr() };
    let name = format!("{:?}", par.id()).to_lowercase();
    match p.codec_id {
        ffi::AVCodecID::AV_CODEC_ID_H264 | ffi::AVCodecID::AV_CODEC_ID_HEVC => {
            let codec = if p.codec_id == ffi::AVCodecID::AV_CODEC_ID_H264 {
                VideoCodec::H264
            } else {
                VideoCodec::H265
            };
            let extradata = if p.extradata.is_null() || p.extradata_size <= 0 {
                &[][..]
            } else {
                // SAFETY: libavformat's extradata of `extradata_size` bytes.
                unsafe { std::slice::from_raw_parts(p.extradata, p.extradata_size as usize) }
            };
            match nal::parse_config_record(codec, extradata) {
                Ok((length_size, sets)) => {
                    let mut param_sets = Vec::new();
                    for n in sets {
                        param_sets.extend_from_slice(&[0, 0, 0, 1]);
                        param_sets.extend_from_slice(&n);
                    }
                    Kind::Video {
                        codec,
                        width: p.width.max(0) as u32,
                        height: p.height.max(0) as u32,
                        length_size,
                        param_sets,
                    }
                }
                Err(e) => Kind::Other(format!(
                    "{} track without a usable decoder configuration: {e}",
                    codec.name()
                )),
            }
        }
        ffi::AVCodecID::AV_CODEC_ID_PCM_ALAW | ffi::AVCodecID::AV_CODEC_ID_PCM_MULAW => {
            Kind::Audio {
                alaw: p.codec_id == ffi::AVCodecID::AV_CODEC_ID_PCM_ALAW,
                channels: p.ch_layout.nb_channels.max(0) as u32,
                rate: p.sample_rate.max(0) as u32,
            }
        }
        _ => Kind::Other(format!(
            "codec {name}, which the K230 MP4 API does not describe (H.264, H.265, G.711 only)"
        )),
    }
}
