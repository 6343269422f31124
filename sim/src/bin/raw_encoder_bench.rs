//! Raw encoder benchmark: the simulator's sensor test pattern fed straight into the libav
//! backend's encoder, with no MPP, no core, no MicroPython. It is the reference side of
//! `make bench` (`scripts/bench.py`, `BENCHMARKS.md`).
//!
//! What it does, in this order, all inside the measured time:
//! - builds the channel configuration the way the core builds it for
//!   `ChnAttrStr(PAYLOAD_TYPE_H264, H264_PROFILE_MAIN, w, h)` (the documented defaults:
//!   CBR 4000 kbit/s, GOP 30, 30 -> 30 fps) and opens the encoder through the same
//!   [`Backend`] trait the VENC simulation uses (so the x264 options are the same code);
//! - for each frame `i` in `0..frames`: renders sensor frame `i` of the test pattern
//!   ([`render_pattern`]) into one NV12 block with the K230 layout (stride = width, UV plane
//!   at `ALIGN_UP(w * h, 4096)`), exactly what VICAP renders into its ring block, and encodes
//!   it into one output buffer of the size the core asks for (`stream_buf_size`), with an IDR
//!   every GOP frames (what the VENC simulation requests).
//!
//! Prints the configuration, then one line `raw_encoder_bench: key=value ...` with
//! `frames`, `seconds` (program start to last frame), `fps`, `bytes` (all packs), and the
//! split `open_seconds` / `render_seconds` / `encode_seconds` / `encode_fps`.
//!
//! Usage: `raw_encoder_bench [--width 1920] [--height 1080] [--frames 200]
//! [--codec h264|h265] [--out FILE]`. `--out` writes the packs in delivery order (the same
//! bytes a CanMV script writes), after the measured loop, for checking the stream against
//! the whole-stack run.

use k230_venc::attr::{stream_buf_size, ChnAttr, PAYLOAD_H264, PAYLOAD_H265};
use k230_venc_sim::codec::libav::{codec_params, Libav};
use k230_venc_sim::codec::{Backend, Codec, FrameReq, PackSpan, Picture};
use k230_venc_sim::policy::VICAP_DEFAULT_FPS;
use k230_venc_sim::vicap::{frame_pts, nv12_layout, render_pattern};
use std::process::ExitCode;
use std::time::{Duration, Instant};

/// Command-line options.
struct Opts {
    width: u32,
    height: u32,
    frames: u64,
    codec: Codec,
    out: Option<String>,
}

fn parse_args() -> Result<Opts, String> {
    let mut o = Opts {
        width: 1920,
        height: 1080,
        frames: 200,
        codec: Codec::H264,
        out: None,
    };
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut value = || args.next().ok_or(format!("{a} needs a value"));
        let num = |v: String| v.parse::<u64>().map_err(|e| format!("{a} {v}: {e}"));
        match a.as_str() {
            "--width" => o.width = u32::try_from(num(value()?)?).map_err(|e| e.to_string())?,
            "--height" => o.height = u32::try_from(num(value()?)?).map_err(|e| e.to_string())?,
            "--frames" => o.frames = num(value()?)?,
            "--codec" => {
                o.codec = match value()?.as_str() {
                    "h264" => Codec::H264,
                    "h265" => Codec::H265,
                    other => return Err(format!("--codec {other}: h264 or h265")),
                }
            }
            "--out" => o.out = Some(value()?),
            "-h" | "--help" => {
                return Err("usage: raw_encoder_bench [--width 1920] [--height 1080] \
                            [--frames 200] [--codec h264|h265] [--out FILE]"
                    .into())
            }
            other => return Err(format!("unknown argument {other} (--help)")),
        }
    }
    Ok(o)
}

fn run(o: &Opts, start: Instant) -> Result<(), String> {
    // The configuration the core derives from ChnAttrStr(payload, main profile, w, h).
    let attr = match o.codec {
        Codec::H265 => ChnAttr::new(PAYLOAD_H265, 5, i64::from(o.width), i64::from(o.height)),
        _ => ChnAttr::new(PAYLOAD_H264, 2, i64::from(o.width), i64::from(o.height)),
    };
    let cfg = attr
        .validate()
        .map_err(|e| format!("channel attributes rejected: {e:?}"))?;
    let mut enc = Libav
        .open(&cfg)
        .ok_or("the libav backend cannot open this configuration")?;
    let opened = start.elapsed();
    println!(
        "config: {:?} profile={} {}x{} gop={} cbr={}kbit/s fps={}/{} params={}",
        cfg.codec,
        cfg.profile,
        cfg.width,
        cfg.height,
        cfg.gop,
        cfg.bit_rate,
        cfg.src_fps,
        cfg.dst_fps,
        codec_params(&cfg)
    );

    // One sensor block (K230 NV12 layout) and one output buffer.
    let (uv_off, block) = nv12_layout(o.width, o.height);
    let to_usize = |v: u64| usize::try_from(v).map_err(|e| e.to_string());
    let mut frame = vec![0u8; to_usize(block)?];
    let mut out = vec![0u8; stream_buf_size(o.width, o.height) as usize];
    let mut spans: Vec<PackSpan> = Vec::with_capacity(12);
    let mut stream = o.out.as_ref().map(|_| Vec::new());
    let stride = o.width as usize;
    let (mut render_t, mut encode_t) = (Duration::ZERO, Duration::ZERO);
    let mut bytes = 0u64;
    let gop = u64::from(cfg.gop.max(1));

    for i in 0..o.frames {
        let t0 = Instant::now();
        let (y, uv) = frame.split_at_mut(to_usize(uv_off)?);
        if !render_pattern(o.width, o.height, i, y, stride, uv, stride) {
            return Err(format!("cannot render a {}x{} frame", o.width, o.height));
        }
        let t1 = Instant::now();
        let (y, uv) = frame.split_at(to_usize(uv_off)?);
        let pic = Picture {
            width: o.width,
            height: o.height,
            y,
            y_stride: stride,
            uv,
            uv_stride: stride,
            pts: frame_pts(i, VICAP_DEFAULT_FPS),
        };
        spans.clear();
        let req = FrameReq {
            index: i,
            idr: i % gop == 0,
        };
        enc.encode(&pic, req, &mut out, &mut spans)
            .map_err(|e| format!("frame {i}: {e:?}"))?;
        let t2 = Instant::now();
        render_t += t1 - t0;
        encode_t += t2 - t1;
        for s in &spans {
            bytes += s.len as u64;
            if let Some(v) = stream.as_mut() {
                v.extend_from_slice(&out[s.offset..s.offset + s.len]);
            }
        }
    }
    let total = start.elapsed().as_secs_f64();
    if let (Some(path), Some(v)) = (&o.out, &stream) {
        std::fs::write(path, v).map_err(|e| format!("{path}: {e}"))?;
    }
    let frames = o.frames as f64;
    println!(
        "raw_encoder_bench: frames={} seconds={:.4} fps={:.2} bytes={} open_seconds={:.4} \
         render_seconds={:.4} encode_seconds={:.4} encode_fps={:.2}",
        o.frames,
        total,
        frames / total,
        bytes,
        opened.as_secs_f64(),
        render_t.as_secs_f64(),
        encode_t.as_secs_f64(),
        frames / encode_t.as_secs_f64().max(1e-9),
    );
    Ok(())
}

fn main() -> ExitCode {
    let start = Instant::now();
    let result = parse_args().and_then(|o| run(&o, start));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("raw_encoder_bench: {e}");
            ExitCode::FAILURE
        }
    }
}
