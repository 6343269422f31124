//! The simulated microphone and a G.711 encoder: what `media.mp4format`'s `Mp4Container`
//! records its audio track with on the PC (on the K230 that is the AI and AENC modules behind
//! CanMV's `PyAudio` and `g711.Encoder`). C interface: `sim/include/k230_sim_audio.h`.
//!
//! # Why here
//! The microphone must follow the simulated sensor's clock, which only the simulator knows,
//! and reading a WAV file, resampling it and G.711-encoding 25 chunks a second are loops that
//! MicroPython would run a hundred times slower; in Rust they are unit-tested with the rest
//! of the simulator. The C binding (`boards/unix_sim/modk230audio.c`) writes into buffers the
//! caller owns, so a recording allocates nothing per chunk on either side.
//!
//! # The microphone
//! - Source: a [`TONE_HZ`] sine of amplitude [`TONE_AMPLITUDE`] by default, or the WAV file
//!   named by [`MIC_WAV_ENV`] (read when the microphone is opened): 16-bit PCM only (format tag
//!   1, or WAVE_FORMAT_EXTENSIBLE with the PCM sub-format), any channel count (mixed down to
//!   mono by averaging) and any rate (resampled by [`resample`]). Other files are refused with
//!   a message naming the file and what is wrong. The file loops.
//! - Clock: sample `k` at `rate` Hz exists once a running sensor has produced a frame whose
//!   pts is at least `k * 1e6 / rate` (the sensor clock, `crate::vicap::clock_us`). The sensor
//!   is virtual (a frame is made when someone asks for one, frame `i` has pts
//!   `i * 1e6 / fps`), so the microphone is too: a non-blocking read of the chunk `[pos, pos +
//!   n)` returns it once the clock has passed its end, and nothing before. Audio and video
//!   therefore stay in step however fast the simulation runs. With no sensor running the
//!   clock stands still.
//! - Stateless per reader: the caller keeps its position; the only state is the loaded
//!   source (one, for one rate), so nothing is left behind when a script dies.
//!
//! # G.711
//! [`alaw_encode`] and [`ulaw_encode`] are the ITU-T G.711 segment encoders (13-bit linear
//! for A-law with even bits inverted; 14-bit linear plus bias 33 for mu-law, all bits
//! inverted), written from the standard's tables.

use std::ffi::CString;
use std::ops::RangeInclusive;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Environment variable naming the WAV file the microphone plays (unset or empty: the tone).
pub const MIC_WAV_ENV: &str = "K230_SIM_MIC_WAV";
/// Frequency of the default test tone.
pub const TONE_HZ: u32 = 1000;
/// Peak amplitude of the test tone (about -12 dBFS).
pub const TONE_AMPLITUDE: f64 = 8000.0;
/// Sample rates the microphone delivers.
pub const MIC_RATES: RangeInclusive<u32> = 8000..=48000;
/// The longest read, in samples (10 s at 48 kHz).
pub const MIC_MAX_READ: u32 = 480_000;

/// A WAV file's samples as read: interleaved, 16-bit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Wav {
    /// Samples per second.
    pub rate: u32,
    /// Channels (interleaved in `samples`).
    pub channels: u16,
    /// The samples, `channels` per frame.
    pub samples: Vec<i16>,
}

fn le16(b: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([b[at], b[at + 1]])
}

fn le32(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

/// Reads a RIFF WAVE file held in `bytes`: 16-bit PCM only. The error says what is wrong.
pub fn parse_wav(bytes: &[u8]) -> Result<Wav, String> {
    if bytes.len() < 12 || &bytes[0..4] != b"RIFF" || &bytes[8..12] != b"WAVE" {
        return Err("not a RIFF WAVE file".into());
    }
    let mut at = 12;
    let mut fmt: Option<(u16, u16, u32, u16)> = None;
    while at + 8 <= bytes.len() {
        let id = &bytes[at..at + 4];
        let declared = le32(bytes, at + 4) as usize;
        let body = at + 8;
        // A streamed WAV may declare more (or 0xffffffff) for its data: take what is there.
        let size = declared.min(bytes.len() - body);
        match id {
            b"fmt " => {
                if size < 16 {
                    return Err("its fmt chunk is too short".into());
                }
                let mut tag = le16(bytes, body);
                let channels = le16(bytes, body + 2);
                let rate = le32(bytes, body + 4);
                let bits = le16(bytes, body + 14);
                // WAVE_FORMAT_EXTENSIBLE: the real format is the sub-format GUID's first word.
                if tag == 0xFFFE && size >= 26 {
                    tag = le16(bytes, body + 24);
                }
                fmt = Some((tag, channels, rate, bits));
            }
            b"data" => {
                let Some((tag, channels, rate, bits)) = fmt else {
                    return Err("its data chunk comes before a fmt chunk".into());
                };
                if tag != 1 {
                    let what = match tag {
                        3 => " (IEEE float)",
                        6 => " (A-law)",
                        7 => " (mu-law)",
                        _ => "",
                    };
                    return Err(format!(
                        "only 16-bit PCM WAV files are supported; this one has format tag \
                         {tag}{what}"
                    ));
                }
                if bits != 16 {
                    return Err(format!(
                        "only 16-bit PCM WAV files are supported; this one has {bits}-bit \
                         samples"
                    ));
                }
                if channels == 0 || rate == 0 {
                    return Err(format!(
                        "its fmt chunk says {channels} channels at {rate} Hz"
                    ));
                }
                let frame = 2 * usize::from(channels);
                let n = size / frame * frame;
                let samples: Vec<i16> = bytes[body..body + n]
                    .chunks_exact(2)
                    .map(|s| i16::from_le_bytes([s[0], s[1]]))
                    .collect();
                if samples.is_empty() {
                    return Err("it holds no samples".into());
                }
                return Ok(Wav {
                    rate,
                    channels,
                    samples,
                });
            }
            _ => {}
        }
        at = body + size + (size & 1);
    }
    Err(if fmt.is_none() {
        "it has no fmt chunk".into()
    } else {
        "it has no data chunk".into()
    })
}

/// Mixes interleaved `channels`-channel samples down to mono (the average of each frame).
pub fn downmix(samples: &[i16], channels: u16) -> Vec<i16> {
    let ch = usize::from(channels.max(1));
    samples
        .chunks_exact(ch)
        .map(|f| (f.iter().map(|&s| i32::from(s)).sum::<i32>() / ch as i32) as i16)
        .collect()
}

/// Resamples mono `input` from `from` Hz to `to` Hz with a windowed-sinc (Blackman) low-pass
/// interpolator: cut-off at 95 % of the lower Nyquist frequency, 16 zero crossings each side,
/// so a downsampled file does not alias. The kernel is tabulated once per phase (exactly,
/// `to / gcd(from, to)` phases, when there are at most [`RESAMPLE_PHASES`]; else rounded to
/// that many). Samples outside the input count as silence.
pub fn resample(input: &[i16], from: u32, to: u32) -> Vec<i16> {
    if from == to || input.is_empty() || from == 0 || to == 0 {
        return input.to_vec();
    }
    let (from, to) = (u64::from(from), u64::from(to));
    let g = gcd(from, to);
    let exact_phases = to / g;
    let phases = exact_phases.min(RESAMPLE_PHASES);
    // Cut-off relative to the input's Nyquist frequency.
    let cutoff = 0.95 * (to as f64 / from as f64).min(1.0);
    let half = (16.0 / cutoff).ceil() as usize;
    let taps = 2 * half;
    let pi = std::f64::consts::PI;
    let mut table = vec![0.0f64; phases as usize * taps];
    for (p, row) in table.chunks_exact_mut(taps).enumerate() {
        let frac = p as f64 / phases as f64;
        for (j, h) in row.iter_mut().enumerate() {
            // Distance from the output instant to input sample `centre - half + 1 + j`.
            let d = frac + half as f64 - 1.0 - j as f64;
            let x = d / half as f64;
            if x.abs() >= 1.0 {
                continue;
            }
            let arg = pi * cutoff * d;
            let sinc = if arg.abs() < 1e-12 {
                1.0
            } else {
                arg.sin() / arg
            };
            let w = 0.42 + 0.5 * (pi * x).cos() + 0.08 * (2.0 * pi * x).cos();
            *h = cutoff * sinc * w;
        }
    }
    let out_len = (input.len() as u64 * to / from) as usize;
    let mut out = Vec::with_capacity(out_len);
    for n in 0..out_len as u64 {
        let num = n * from;
        let (mut centre, rem) = (num / to, num % to);
        let mut p = if phases == exact_phases {
            rem / g
        } else {
            (rem * phases + to / 2) / to
        };
        if p == phases {
            (centre, p) = (centre + 1, 0);
        }
        let row = &table[p as usize * taps..][..taps];
        let first = centre as i64 - half as i64 + 1;
        let mut acc = 0.0;
        for (j, h) in row.iter().enumerate() {
            let k = first + j as i64;
            if let Some(&v) = usize::try_from(k).ok().and_then(|k| input.get(k)) {
                acc += f64::from(v) * h;
            }
        }
        out.push(acc.round().clamp(-32768.0, 32767.0) as i16);
    }
    out
}

/// The most kernel phases [`resample`] tabulates.
pub const RESAMPLE_PHASES: u64 = 4096;

fn gcd(mut a: u64, mut b: u64) -> u64 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

/// Sample `k` of the test tone at `rate` Hz.
pub fn tone_sample(k: u64, rate: u32) -> i16 {
    let phase = (k % u64::from(rate.max(1))) as f64 * f64::from(TONE_HZ) / f64::from(rate.max(1));
    (TONE_AMPLITUDE * (2.0 * std::f64::consts::PI * phase).sin()).round() as i16
}

/// What the microphone plays, loaded for one rate.
#[derive(Debug)]
enum Source {
    Tone,
    /// A WAV file, mono at the rate asked for.
    Wav(PathBuf, Vec<i16>),
}

#[derive(Debug, Default)]
struct Mic {
    /// The source and the rate it was loaded for.
    loaded: Option<(Source, u32)>,
    /// The last error, for `k230_sim_mic_error`.
    error: Option<CString>,
}

static MIC: Mutex<Mic> = Mutex::new(Mic {
    loaded: None,
    error: None,
});

/// Loads the WAV file at `path` for the microphone: mono, at `rate` Hz.
pub fn load_wav(path: &Path, rate: u32) -> Result<Vec<i16>, String> {
    let name = path.display();
    let bytes =
        std::fs::read(path).map_err(|e| format!("{MIC_WAV_ENV}={name}: cannot read it: {e}"))?;
    let wav = parse_wav(&bytes).map_err(|e| format!("{MIC_WAV_ENV}={name}: {e}"))?;
    let mono = downmix(&wav.samples, wav.channels);
    Ok(resample(&mono, wav.rate, rate))
}

fn source_path() -> Option<PathBuf> {
    std::env::var_os(MIC_WAV_ENV)
        .filter(|p| !p.is_empty())
        .map(PathBuf::from)
}

impl Mic {
    fn fail<T>(&mut self, msg: String) -> Result<T, ()> {
        self.error = CString::new(msg.replace('\0', " ")).ok();
        Err(())
    }

    /// Loads the source for `rate` (again only when the rate or the file changed).
    fn open(&mut self, rate: u32) -> Result<(), ()> {
        self.error = None;
        if !MIC_RATES.contains(&rate) {
            return self.fail(format!(
                "rate {rate} Hz is not one the microphone delivers ({}..{})",
                MIC_RATES.start(),
                MIC_RATES.end()
            ));
        }
        let path = source_path();
        let current = match &self.loaded {
            Some((Source::Tone, r)) => *r == rate && path.is_none(),
            Some((Source::Wav(p, _), r)) => *r == rate && path.as_deref() == Some(p),
            None => false,
        };
        if current {
            return Ok(());
        }
        self.loaded = None;
        let source = match path {
            None => Source::Tone,
            Some(p) => match load_wav(&p, rate) {
                Ok(s) if s.is_empty() => {
                    return self.fail(format!(
                        "{MIC_WAV_ENV}={}: too short to give one sample at {rate} Hz",
                        p.display()
                    ))
                }
                Ok(s) => Source::Wav(p, s),
                Err(e) => return self.fail(e),
            },
        };
        self.loaded = Some((source, rate));
        Ok(())
    }

    fn fill(&self, pos: u64, out: &mut [i16]) {
        match &self.loaded {
            Some((Source::Wav(_, s), _)) => {
                let start = (pos % s.len() as u64) as usize;
                for (i, o) in out.iter_mut().enumerate() {
                    *o = s[(start + i) % s.len()];
                }
            }
            Some((Source::Tone, rate)) => {
                for (i, o) in out.iter_mut().enumerate() {
                    *o = tone_sample(pos + i as u64, *rate);
                }
            }
            None => out.fill(0),
        }
    }
}

/// The sensor clock in microseconds (`crate::vicap::clock_us`), `None` before any frame.
pub fn clock_us() -> Option<u64> {
    crate::vicap::clock_us(&crate::state::lock().vicap)
}

/// Microseconds at which sample `k` at `rate` Hz begins (rounded up).
pub fn sample_time_us(k: u64, rate: u32) -> u64 {
    let rate = u64::from(rate.max(1));
    (u128::from(k) * 1_000_000).div_ceil(u128::from(rate)) as u64
}

/// `k230_sim_mic_open`.
pub fn mic_open(rate: u32) -> i32 {
    let mut mic = MIC.lock().unwrap_or_else(|e| e.into_inner());
    match mic.open(rate) {
        Ok(()) => 0,
        Err(()) => -1,
    }
}

/// `k230_sim_mic_read`: `out.len()` samples from `pos` once the clock has passed their end.
pub fn mic_read(pos: u64, rate: u32, out: &mut [i16]) -> i32 {
    let end = pos.saturating_add(out.len() as u64);
    // The clock first (the simulator's lock, then the microphone's: never both at once).
    let ready = clock_us().is_some_and(|c| c >= sample_time_us(end, rate));
    let mut mic = MIC.lock().unwrap_or_else(|e| e.into_inner());
    if out.is_empty() || out.len() > MIC_MAX_READ as usize {
        let _ = mic.fail::<()>(format!(
            "a read is 1..{MIC_MAX_READ} samples (asked for {})",
            out.len()
        ));
        return -1;
    }
    if mic.open(rate).is_err() {
        return -1;
    }
    if !ready {
        return 0;
    }
    mic.fill(pos, out);
    out.len() as i32
}

/// `k230_sim_mic_error`: the last error's text ("" if none). The pointer stays valid until the
/// next microphone call replaces the text.
pub fn mic_error() -> *const std::ffi::c_char {
    let mic = MIC.lock().unwrap_or_else(|e| e.into_inner());
    // The CString lives in the static, replaced only by later microphone calls.
    mic.error.as_deref().unwrap_or(c"").as_ptr()
}

/// ITU-T G.711 A-law of one 16-bit sample (its 13 most significant bits are coded).
pub fn alaw_encode(pcm: i16) -> u8 {
    // Segment ends of the 13-bit magnitude (12 bits plus sign).
    const SEG_END: [i32; 8] = [0x1F, 0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF];
    let mut v = i32::from(pcm) >> 3;
    let mask: u8 = if v >= 0 {
        0xD5 // sign bit set for positive values, even bits inverted
    } else {
        v = -v - 1;
        0x55
    };
    let Some(seg) = SEG_END.iter().position(|&e| v <= e) else {
        return 0x7F ^ mask;
    };
    let mantissa = if seg < 2 { v >> 1 } else { v >> seg } & 0x0F;
    ((seg as u8) << 4 | mantissa as u8) ^ mask
}

/// ITU-T G.711 mu-law of one 16-bit sample (its 14 most significant bits are coded).
pub fn ulaw_encode(pcm: i16) -> u8 {
    const BIAS: i32 = 0x84 >> 2; // 33 in 14-bit units
    const CLIP: i32 = 8159;
    const SEG_END: [i32; 8] = [0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF, 0x1FFF];
    let mut v = i32::from(pcm) >> 2;
    let mask: u8 = if v < 0 {
        v = -v;
        0x7F
    } else {
        0xFF
    };
    let v = v.min(CLIP) + BIAS;
    let Some(seg) = SEG_END.iter().position(|&e| v <= e) else {
        return 0x7F ^ mask;
    };
    ((seg as u8) << 4 | ((v >> (seg + 1)) & 0x0F) as u8) ^ mask
}

/// Encodes `pcm` into `out` (the same length) with A-law (`law` 0) or mu-law (1); false for
/// another law.
pub fn g711_encode(law: u32, pcm: &[i16], out: &mut [u8]) -> bool {
    let f: fn(i16) -> u8 = match law {
        0 => alaw_encode,
        1 => ulaw_encode,
        _ => return false,
    };
    for (o, &s) in out.iter_mut().zip(pcm) {
        *o = f(s);
    }
    true
}

// ---- C interface (sim/include/k230_sim_audio.h) -------------------------------------------

/// Loads the microphone's source for `rate` Hz: 0, or -1 (`k230_sim_mic_error` says why).
///
/// # Safety
/// None: takes no pointers.
#[no_mangle]
pub unsafe extern "C" fn k230_sim_mic_open(rate: u32) -> i32 {
    mic_open(rate)
}

/// Reads `frames` samples from `pos` at `rate` Hz into `out` once the sensor clock has passed
/// their end: `frames`, 0 (not yet) or -1.
///
/// # Safety
/// `out` is NULL or points to `frames` writable `int16_t`.
#[no_mangle]
pub unsafe extern "C" fn k230_sim_mic_read(pos: u64, rate: u32, out: *mut i16, frames: u32) -> i32 {
    if out.is_null() {
        let mut mic = MIC.lock().unwrap_or_else(|e| e.into_inner());
        let _ = mic.fail::<()>("the sample buffer is NULL".into());
        return -1;
    }
    let n = frames.min(MIC_MAX_READ + 1) as usize;
    // SAFETY: non-NULL and `frames` (>= n) writable samples, per the function contract.
    let out = unsafe { std::slice::from_raw_parts_mut(out, n) };
    mic_read(pos, rate, out)
}

/// The sensor clock in microseconds, -1 before any frame.
///
/// # Safety
/// None: takes no pointers.
#[no_mangle]
pub unsafe extern "C" fn k230_sim_mic_clock_us() -> i64 {
    clock_us().map_or(-1, |c| i64::try_from(c).unwrap_or(i64::MAX))
}

/// Text of the last microphone error ("" if none).
///
/// # Safety
/// None: takes no pointers. The result must not be freed.
#[no_mangle]
pub unsafe extern "C" fn k230_sim_mic_error() -> *const std::ffi::c_char {
    mic_error()
}

/// G.711-encodes `n` samples: `n`, or -1 for an unknown `law` or a NULL pointer.
///
/// # Safety
/// `pcm` is NULL or points to `n` readable samples; `out` is NULL or points to `n` writable
/// bytes.
#[no_mangle]
pub unsafe extern "C" fn k230_sim_g711_encode(
    law: u32,
    pcm: *const i16,
    n: usize,
    out: *mut u8,
) -> i32 {
    if pcm.is_null() || out.is_null() || law > 1 || n > i32::MAX as usize {
        return -1;
    }
    // SAFETY: non-NULL with `n` elements each, per the function contract.
    let (pcm, out) = unsafe {
        (
            std::slice::from_raw_parts(pcm, n),
            std::slice::from_raw_parts_mut(out, n),
        )
    };
    if g711_encode(law, pcm, out) {
        n as i32
    } else {
        -1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// G.711 decoders, from the standard, to check the encoders against.
    fn alaw_decode(a: u8) -> i32 {
        let a = a ^ 0x55;
        let seg = i32::from((a >> 4) & 7);
        let mut t = i32::from(a & 0x0F) << 4;
        t = match seg {
            0 => t + 8,
            1 => t + 0x108,
            _ => (t + 0x108) << (seg - 1),
        };
        if a & 0x80 != 0 {
            t
        } else {
            -t
        }
    }

    fn ulaw_decode(u: u8) -> i32 {
        let u = !u;
        let mut t = ((i32::from(u) & 0x0F) << 3) + 0x84;
        t <<= (u >> 4) & 7;
        if u & 0x80 != 0 {
            0x84 - t
        } else {
            t - 0x84
        }
    }

    #[test]
    fn g711_known_codes() {
        // Silence: A-law 0xD5 (and 0x55 for -1), mu-law 0xFF (and 0x7F for -1).
        assert_eq!(alaw_encode(0), 0xD5);
        assert_eq!(alaw_encode(-1), 0x55);
        assert_eq!(ulaw_encode(0), 0xFF);
        assert_eq!(ulaw_encode(-1), 0x7E);
        // Full scale.
        assert_eq!(alaw_encode(i16::MAX), 0xAA);
        assert_eq!(alaw_encode(i16::MIN), 0x2A);
        assert_eq!(ulaw_encode(i16::MAX), 0x80);
        assert_eq!(ulaw_encode(i16::MIN), 0x00);
    }

    #[test]
    fn g711_round_trip_within_one_step() {
        for s in (i16::MIN..=i16::MAX).step_by(7) {
            let x = i32::from(s);
            // The quantisation step grows with the segment: 1/16 of the magnitude's segment.
            let a = alaw_decode(alaw_encode(s));
            assert!(
                (a - x).abs() <= (x.abs() / 16).max(16) + 8,
                "A-law {s} -> {a}"
            );
            let u = ulaw_decode(ulaw_encode(s));
            assert!(
                (u - x).abs() <= (x.abs() / 16).max(8) + 132,
                "mu-law {s} -> {u}"
            );
        }
    }

    #[test]
    fn g711_is_monotonic() {
        let mut prev_a = i32::MIN;
        let mut prev_u = i32::MIN;
        for s in i16::MIN..=i16::MAX {
            let a = alaw_decode(alaw_encode(s));
            let u = ulaw_decode(ulaw_encode(s));
            assert!(a >= prev_a && u >= prev_u, "at {s}");
            (prev_a, prev_u) = (a, u);
        }
    }

    #[test]
    fn g711_encode_rejects_unknown_law() {
        let mut out = [0u8; 2];
        assert!(!g711_encode(2, &[0, 0], &mut out));
        assert!(g711_encode(1, &[0, -1], &mut out));
        assert_eq!(out, [0xFF, 0x7E]);
    }

    fn wav_bytes(tag: u16, channels: u16, rate: u32, bits: u16, data: &[u8]) -> Vec<u8> {
        let mut v = b"RIFF\0\0\0\0WAVE".to_vec();
        v.extend_from_slice(b"fmt ");
        v.extend_from_slice(&16u32.to_le_bytes());
        v.extend_from_slice(&tag.to_le_bytes());
        v.extend_from_slice(&channels.to_le_bytes());
        v.extend_from_slice(&rate.to_le_bytes());
        let align = channels * bits / 8;
        v.extend_from_slice(&(rate * u32::from(align)).to_le_bytes());
        v.extend_from_slice(&align.to_le_bytes());
        v.extend_from_slice(&bits.to_le_bytes());
        v.extend_from_slice(b"LIST");
        v.extend_from_slice(&3u32.to_le_bytes());
        v.extend_from_slice(b"abc\0"); // odd size: padded
        v.extend_from_slice(b"data");
        v.extend_from_slice(&(data.len() as u32).to_le_bytes());
        v.extend_from_slice(data);
        v
    }

    #[test]
    fn wav_parsing() {
        let data: Vec<u8> = [1i16, -2, 3, -4]
            .iter()
            .flat_map(|s| s.to_le_bytes())
            .collect();
        let w = parse_wav(&wav_bytes(1, 2, 16000, 16, &data)).unwrap();
        assert_eq!((w.rate, w.channels), (16000, 2));
        assert_eq!(w.samples, vec![1, -2, 3, -4]);
        assert_eq!(downmix(&w.samples, 2), vec![0, 0]);
        let e = parse_wav(&wav_bytes(1, 1, 8000, 24, &data)).unwrap_err();
        assert!(e.contains("24-bit"), "{e}");
        let e = parse_wav(&wav_bytes(3, 1, 8000, 32, &data)).unwrap_err();
        assert!(e.contains("IEEE float"), "{e}");
        assert!(parse_wav(b"RIFX....WAVE").is_err());
        let e = parse_wav(&wav_bytes(1, 1, 8000, 16, &[])).unwrap_err();
        assert!(e.contains("no samples"), "{e}");
    }

    /// Power of `x` at `freq` Hz relative to its total power (0..1), by correlation.
    fn share_at(x: &[i16], rate: u32, freq: f64) -> f64 {
        let (mut c, mut s, mut total) = (0.0, 0.0, 0.0);
        for (i, &v) in x.iter().enumerate() {
            let v = f64::from(v);
            let ph = 2.0 * std::f64::consts::PI * freq * i as f64 / f64::from(rate);
            c += v * ph.cos();
            s += v * ph.sin();
            total += v * v;
        }
        2.0 * (c * c + s * s) / (x.len() as f64 * total)
    }

    #[test]
    fn resample_keeps_a_tone_and_removes_what_cannot_be_kept() {
        let rate = 48000;
        let sine = |f: f64, n: usize, rate: u32| -> Vec<i16> {
            (0..n)
                .map(|i| {
                    (10000.0 * (2.0 * std::f64::consts::PI * f * i as f64 / f64::from(rate)).sin())
                        as i16
                })
                .collect()
        };
        let low = resample(&sine(600.0, 48000, rate), rate, 8000);
        assert_eq!(low.len(), 8000);
        assert!(share_at(&low[100..7900], 8000, 600.0) > 0.99);
        // 6 kHz cannot exist at 8 kHz: filtered, not folded to 2 kHz.
        let high = resample(&sine(6000.0, 48000, rate), rate, 8000);
        let rms = (high[100..7900]
            .iter()
            .map(|&v| f64::from(v).powi(2))
            .sum::<f64>()
            / 7800.0)
            .sqrt();
        assert!(rms < 100.0, "alias rms {rms}");
        // Upsampling keeps it too.
        let up = resample(&sine(600.0, 4800, 4800), 4800, 8000);
        assert!(share_at(&up[100..7900], 8000, 600.0) > 0.99);
        // 44.1 kHz (80 exact phases) and a rate with more phases than tabulated.
        let cd = resample(&sine(600.0, 44100, 44100), 44100, 8000);
        assert_eq!(cd.len(), 8000);
        assert!(share_at(&cd[100..7900], 8000, 600.0) > 0.99);
        let odd = resample(&sine(600.0, 7919, 7919), 7919, 8000);
        assert_eq!(odd.len(), 8000);
        assert!(share_at(&odd[100..7900], 8000, 600.0) > 0.99);
    }

    #[test]
    fn tone_is_the_tone() {
        let x: Vec<i16> = (0..8000).map(|k| tone_sample(k, 8000)).collect();
        assert!(share_at(&x, 8000, f64::from(TONE_HZ)) > 0.999);
        assert_eq!(sample_time_us(320, 8000), 40_000);
        assert_eq!(sample_time_us(1, 48000), 21);
    }
}
