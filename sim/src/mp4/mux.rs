//! The muxer side of `kd_mp4_*` over libavformat's `mov` muxer (see the module docs of
//! [`super`] for the behaviour and the reasons).

use super::nal::{self, VideoCodec};
use super::{Mp4Error, Mp4Result, TrackSpec, MAX_TRACKS};
use crate::policy;
use ff::ffi;
use ffmpeg_next as ff;
use std::ffi::CString;
use std::os::unix::ffi::OsStrExt;

/// One track of the file.
struct Track {
    spec: TrackSpec,
    /// The `avcC` / `hvcC` (video), from the first write.
    config: Option<Vec<u8>>,
    /// The stream index in the output, once the header is written with this track in it.
    stream: Option<usize>,
    /// The stored time (ms) of the track's first write ([`policy::MP4_TRACK_STARTS_AT_ZERO`]).
    origin_ms: Option<i64>,
    /// The stored time (ms, from the origin) of the last sample.
    last_ms: Option<i64>,
    /// Length-prefixed NAL units of writes without a picture, for the next sample
    /// ([`policy::MP4_MERGE_NON_PICTURE_WRITES`]).
    held: Vec<u8>,
    warned_ts: bool,
    warned_codec: bool,
}

/// A sample waiting for the file's header.
struct Pending {
    track: usize,
    data: Vec<u8>,
    ms: i64,
    duration_us: i64,
    key: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    /// The header is not written yet: tracks may still be added.
    Open,
    /// The header is written.
    Started,
    /// A libavformat call failed: only destroy is left.
    Failed,
}

/// A file being written.
pub struct Muxer {
    /// The file name, for messages.
    name: String,
    fragmented: bool,
    out: ff::format::context::Output,
    tracks: Vec<Track>,
    state: State,
    pending: Vec<Pending>,
    pending_bytes: usize,
}

fn av_err(code: i32) -> String {
    ff::Error::from(code).to_string()
}

impl Muxer {
    /// Creates (or truncates) the file `name` and opens libavformat's `mov` muxer on it.
    pub fn create(name: &[u8], fragmented: bool) -> Mp4Result<Muxer> {
        let path = std::path::Path::new(std::ffi::OsStr::from_bytes(name));
        let shown = path.display().to_string();
        // fopen(file, "wb+"), as the SDK: the error is the system's.
        std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(true)
            .open(path)
            .map_err(|e| Mp4Error::new(format!("output file {shown} open failed ({e})")))?;
        // "file:" so that a name with a colon is not taken for a protocol.
        let mut url = b"file:".to_vec();
        url.extend_from_slice(name);
        let url = CString::new(url).map_err(|_| Mp4Error::new("file name with a NUL byte"))?;
        let mut ctx: *mut ffi::AVFormatContext = std::ptr::null_mut();
        // SAFETY: `ctx` is written by the call; the strings are NUL-terminated.
        let r = unsafe {
            ffi::avformat_alloc_output_context2(
                &mut ctx,
                std::ptr::null(),
                c"mov".as_ptr(),
                url.as_ptr(),
            )
        };
        if r < 0 || ctx.is_null() {
            return Err(Mp4Error::new(format!(
                "libavformat mov muxer: {}",
                av_err(r)
            )));
        }
        // SAFETY: `ctx` is a live output context; its `pb` is written by avio_open.
        let r = unsafe { ffi::avio_open(&mut (*ctx).pb, url.as_ptr(), ffi::AVIO_FLAG_WRITE) };
        if r < 0 {
            // SAFETY: `ctx` came from avformat_alloc_output_context2 and has no open I/O.
            unsafe { ffi::avformat_free_context(ctx) };
            return Err(Mp4Error::new(format!(
                "output file {shown} open failed ({})",
                av_err(r)
            )));
        }
        // SAFETY: a live output context with its I/O open; Output closes and frees both.
        let out = unsafe { ff::format::context::Output::wrap(ctx) };
        Ok(Muxer {
            name: shown,
            fragmented,
            out,
            tracks: Vec::new(),
            state: State::Open,
            pending: Vec::new(),
            pending_bytes: 0,
        })
    }

    /// Adds a track; its index.
    pub fn add_track(&mut self, spec: TrackSpec) -> Mp4Result<usize> {
        if self.state != State::Open {
            return Err(Mp4Error::new(
                "tracks must all be created before the first video frame is written (libavformat \
                 writes the file's header then, with every track in it)",
            ));
        }
        if self.tracks.len() >= MAX_TRACKS {
            return Err(Mp4Error::new(format!(
                "the file has {MAX_TRACKS} tracks already, the most an mp4 handle takes"
            )));
        }
        self.tracks.push(Track {
            spec,
            config: None,
            stream: None,
            origin_ms: None,
            last_ms: None,
            held: Vec::new(),
            warned_ts: false,
            warned_codec: false,
        });
        Ok(self.tracks.len() - 1)
    }

    /// One sample of track `index`: `data` (Annex-B video or G.711), `time_stamp` in us.
    pub fn write(
        &mut self,
        index: usize,
        codec_id: u32,
        time_stamp: u64,
        data: &[u8],
    ) -> Mp4Result {
        if self.state == State::Failed {
            return Err(Mp4Error::new(format!(
                "{}: an earlier error ended this file; only kd_mp4_destroy is left",
                self.name
            )));
        }
        let has_video = self
            .tracks
            .iter()
            .any(|t| matches!(t.spec, TrackSpec::Video { .. }));
        let state = self.state;
        let t = &mut self.tracks[index];
        if codec_id != t.spec.codec_id() && !t.warned_codec {
            t.warned_codec = true;
            eprintln!(
                "kd_mp4_write_frame: note: frame codec_id {codec_id} differs from its track's ({}); \
                 the track's is used",
                t.spec.codec_id()
            );
        }
        let (payload, key, duration_us, video) = match t.spec {
            TrackSpec::Video { codec, .. } => {
                let Some((payload, key)) = Self::video_payload(t, codec, data)? else {
                    return Ok(()); // held for the next write
                };
                (payload, key, None, true)
            }
            TrackSpec::Audio { channels, rate, .. } => {
                let samples = (data.len() as u64 / u64::from(channels)) as i64;
                (
                    data.to_vec(),
                    true,
                    Some(samples * 1_000_000 / i64::from(rate)),
                    false,
                )
            }
        };
        // The SDK's time base: time_stamp / 1000 (ms).
        let mut ms = i64::try_from(time_stamp / 1000).unwrap_or(i64::MAX / 2);
        if policy::MP4_TRACK_STARTS_AT_ZERO {
            ms -= *t.origin_ms.get_or_insert(ms);
        }
        if let Some(last) = t.last_ms.filter(|&l| ms <= l) {
            if !policy::MP4_BUMP_NON_INCREASING_TS {
                return Err(Mp4Error::new(format!(
                    "time_stamp {time_stamp} us ({ms} ms in the file) is not after the track's \
                     previous sample ({last} ms)"
                )));
            }
            if !t.warned_ts {
                t.warned_ts = true;
                eprintln!(
                    "kd_mp4_write_frame: note: time_stamp {time_stamp} us ({ms} ms in the file) is \
                     not after the track's previous sample ({last} ms); written 1 ms after it \
                     (said once a track)"
                );
            }
            ms = last + 1;
        }
        // A video sample lasts as long as the gap before it (the next one's is not known yet);
        // libavformat uses the gaps between samples for all but a track's last.
        let duration_us = duration_us.unwrap_or_else(|| t.last_ms.map_or(0, |l| (ms - l) * 1000));
        t.last_ms = Some(ms);
        let sample = Pending {
            track: index,
            data: payload,
            ms,
            duration_us,
            key,
        };
        if state == State::Open {
            if video || !has_video {
                self.start()?;
            } else {
                // Audio before the first video key frame: kept until the header is written.
                if self.pending_bytes + sample.data.len() > policy::MP4_PENDING_MAX_BYTES {
                    return Err(Mp4Error::new(format!(
                        "{} bytes of audio wait for the first video key frame, which libavformat \
                         needs to write the file's header; write the video track first",
                        self.pending_bytes
                    )));
                }
                self.pending_bytes += sample.data.len();
                self.pending.push(sample);
                return Ok(());
            }
        }
        self.write_sample(&sample)
    }

    /// The length-prefixed sample of a video write and whether it is a key frame, or `None`
    /// when the write holds no picture and is kept for the next one.
    fn video_payload(
        t: &mut Track,
        codec: VideoCodec,
        data: &[u8],
    ) -> Mp4Result<Option<(Vec<u8>, bool)>> {
        let au = nal::access_unit(codec, data).map_err(|e| Mp4Error::new(e.to_string()))?;
        if t.config.is_none() {
            let ps = nal::ParamSets::collect(codec, &au.nals);
            if !au.key || !ps.complete(codec) {
                let types: Vec<u8> = au.nals.iter().map(|n| codec.nal_type(n)).collect();
                return Err(Mp4Error::new(format!(
                    "mp4 muxer write should start with key frame (header + idr): the first write \
                     of an {} track must hold its {} and {} in one Annex-B buffer; this one holds \
                     NAL unit types {types:?}",
                    codec.name(),
                    codec.param_set_names(),
                    codec.key_name()
                )));
            }
            let config = ps.config_record(codec).map_err(|e| Mp4Error {
                code: policy::MP4_UNPARSABLE_PARAM_SETS,
                msg: format!("the parameter sets of the first key frame cannot be parsed: {e}"),
            })?;
            t.config = Some(config);
        }
        let size = nal::length_prefixed_size(&au.nals);
        if !au.picture && policy::MP4_MERGE_NON_PICTURE_WRITES {
            let at = t.held.len();
            t.held.resize(at + size, 0);
            nal::write_length_prefixed(&au.nals, &mut t.held[at..]);
            return Ok(None);
        }
        let mut payload = std::mem::take(&mut t.held);
        let at = payload.len();
        payload.resize(at + size, 0);
        nal::write_length_prefixed(&au.nals, &mut payload[at..]);
        Ok(Some((payload, au.key)))
    }

    /// Writes the file's header with every track that can be in it (audio, and video with a
    /// configuration), then the samples that waited for it.
    fn start(&mut self) -> Mp4Result {
        let ctx = self.ctx();
        let mut n = 0;
        for t in &mut self.tracks {
            if matches!(t.spec, TrackSpec::Video { .. }) && t.config.is_none() {
                continue;
            }
            // SAFETY: `ctx` is the live output context; the new stream belongs to it.
            let st = unsafe { ffi::avformat_new_stream(ctx, std::ptr::null()) };
            if st.is_null() {
                self.state = State::Failed;
                return Err(Mp4Error::new("libavformat: cannot add a stream"));
            }
            // SAFETY: `st` is a fresh stream of `ctx` with allocated, zeroed codec parameters.
            unsafe { describe(&mut *st, t) }?;
            // SAFETY: as above.
            t.stream = Some(unsafe { (*st).index } as usize);
            n += 1;
        }
        if n == 0 {
            return Ok(());
        }
        let mut opts = ff::Dictionary::new();
        if self.fragmented {
            // A fragment per video key frame, each on disk before the next one starts.
            opts.set("movflags", "frag_keyframe+empty_moov+default_base_moof");
            opts.set("flush_packets", "1");
        } else {
            opts.set("movflags", "faststart");
        }
        opts.set("brand", "isom");
        opts.set("video_track_timescale", "1000");
        if let Err(e) = self.out.write_header_with(opts) {
            self.state = State::Failed;
            return Err(Mp4Error::new(format!(
                "{}: libavformat cannot write the header: {e}",
                self.name
            )));
        }
        self.state = State::Started;
        for p in std::mem::take(&mut self.pending) {
            self.write_sample(&p)?;
        }
        self.pending_bytes = 0;
        Ok(())
    }

    fn ctx(&mut self) -> *mut ffi::AVFormatContext {
        // SAFETY: only the pointer is taken; `out` keeps the context alive.
        unsafe { self.out.as_mut_ptr() }
    }

    fn write_sample(&mut self, p: &Pending) -> Mp4Result {
        let Some(stream) = self.tracks[p.track].stream else {
            return Err(Mp4Error::new(format!(
                "track {} is not in the file: it had no key frame yet when the file's header was \
                 written (at the first video write)",
                p.track
            )));
        };
        let ctx = self.ctx();
        // SAFETY: `stream` is an index of a stream of the live context.
        let tb = unsafe { (**(*ctx).streams.add(stream)).time_base };
        let us = ffi::AVRational {
            num: 1,
            den: 1_000_000,
        };
        // SAFETY: plain arithmetic.
        let (pts, duration) = unsafe {
            (
                ffi::av_rescale_q(p.ms * 1000, us, tb),
                ffi::av_rescale_q(p.duration_us, us, tb),
            )
        };
        let mut pkt = ff::Packet::copy(&p.data);
        pkt.set_stream(stream);
        pkt.set_pts(Some(pts));
        pkt.set_dts(Some(pts));
        pkt.set_duration(duration);
        if p.key {
            pkt.set_flags(ff::packet::Flags::KEY);
        }
        pkt.write(&mut self.out).map_err(|e| {
            self.state = State::Failed;
            Mp4Error::new(format!(
                "{}: libavformat cannot write a sample: {e}",
                self.name
            ))
        })?;
        Ok(())
    }

    /// Finishes the file: the header if nothing forced it yet, the index (`moov`, moved to the
    /// front; or the last fragment), then closes it.
    pub fn finish(mut self) -> Mp4Result {
        if self.tracks.iter().any(|t| !t.held.is_empty()) {
            eprintln!(
                "kd_mp4_destroy: note: {}: a write without a picture (e.g. parameter sets alone) \
                 was waiting for the next frame and is dropped",
                self.name
            );
        }
        match self.state {
            State::Failed => Err(Mp4Error::new(format!(
                "{} is incomplete: an earlier error ended it",
                self.name
            ))),
            State::Open => {
                if !self.pending.is_empty() {
                    // Audio waited for a video key frame that never came: a file of the audio.
                    self.start()?;
                    return self.finish_started();
                }
                eprintln!(
                    "kd_mp4_destroy: note: nothing was written; {} is empty",
                    self.name
                );
                Ok(())
            }
            State::Started => self.finish_started(),
        }
    }

    fn finish_started(mut self) -> Mp4Result {
        self.out.write_trailer().map_err(|e| {
            Mp4Error::new(format!(
                "{}: libavformat cannot finish the file: {e}",
                self.name
            ))
        })
    }
}

/// Fills a new stream's codec parameters and time base for track `t`.
///
/// # Safety
/// `st` is a stream just created by `avformat_new_stream` (its `codecpar` allocated).
unsafe fn describe(st: &mut ffi::AVStream, t: &Track) -> Mp4Result {
    // SAFETY: per the function contract.
    let par = unsafe { &mut *st.codecpar };
    st.time_base = ffi::AVRational { num: 1, den: 1000 };
    match t.spec {
        TrackSpec::Video {
            codec,
            width,
            height,
        } => {
            par.codec_type = ffi::AVMediaType::AVMEDIA_TYPE_VIDEO;
            (par.codec_id, par.codec_tag) = match codec {
                VideoCodec::H264 => (
                    ffi::AVCodecID::AV_CODEC_ID_H264,
                    u32::from_le_bytes(*b"avc1"),
                ),
                VideoCodec::H265 => (
                    ffi::AVCodecID::AV_CODEC_ID_HEVC,
                    u32::from_le_bytes(*b"hev1"),
                ),
            };
            par.width = width as i32;
            par.height = height as i32;
            let config = t.config.as_deref().unwrap_or_default();
            let pad = ffi::AV_INPUT_BUFFER_PADDING_SIZE as usize;
            // SAFETY: a fresh zeroed allocation of the size asked; libavformat frees it with
            // the codec parameters.
            let p = unsafe { ffi::av_mallocz(config.len() + pad) } as *mut u8;
            if p.is_null() {
                return Err(Mp4Error::new("out of memory"));
            }
            // SAFETY: `p` holds at least `config.len()` bytes.
            unsafe { std::ptr::copy_nonoverlapping(config.as_ptr(), p, config.len()) };
            par.extradata = p;
            par.extradata_size = config.len() as i32;
        }
        TrackSpec::Audio {
            alaw,
            channels,
            rate,
        } => {
            par.codec_type = ffi::AVMediaType::AVMEDIA_TYPE_AUDIO;
            par.codec_id = if alaw {
                ffi::AVCodecID::AV_CODEC_ID_PCM_ALAW
            } else {
                ffi::AVCodecID::AV_CODEC_ID_PCM_MULAW
            };
            par.sample_rate = rate as i32;
            // SAFETY: `ch_layout` is the parameters' own (zeroed, unallocated) layout.
            unsafe { ffi::av_channel_layout_default(&mut par.ch_layout, channels as i32) };
            par.bits_per_coded_sample = 8;
            par.block_align = channels as i32;
        }
    }
    Ok(())
}
