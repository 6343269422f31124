//! The simulated sensor's camera: any video or still picture libavformat / libavcodec read
//! (MP4, MKV, Y4M, PNG, JPEG, ...), decoded on demand (never the whole file in memory: the
//! last [`CACHE`] pictures are kept) and scaled with libswscale to each sensor channel's
//! size as NV12 in video levels (full-range sources, such as JPEG and PNG, are brought to
//! video levels as a camera's ISP output is; see [`crate::policy::JPEG_STRETCH_TO_FULL_RANGE`]).
//! It loops: sensor frame `i` shows source picture [`source_index`]`(i)` modulo the number
//! of pictures (a still picture is every frame).
//!
//! Only with the `libav` feature; without it a camera file is refused
//! ([`CameraError::Unsupported`]) and the sensor shows its test pattern.

/// Why a camera file cannot be used.
#[derive(Debug)]
pub enum CameraError {
    /// The file cannot be opened or read.
    Io(String),
    /// libav opens it but finds no picture it can decode.
    Undecodable(String),
    /// This simulator was built without libav.
    Unsupported,
}

impl std::fmt::Display for CameraError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CameraError::Io(m) | CameraError::Undecodable(m) => f.write_str(m),
            CameraError::Unsupported => f.write_str(
                "this simulator was built without libav (cargo feature `libav`): the sensor can \
                 only show its test pattern",
            ),
        }
    }
}

/// Decoded pictures kept, so that channels reading a few frames apart (a bound encoder and
/// snapshots) do not make the file be read again from the start.
pub const CACHE: usize = 8;

/// The source picture sensor frame `index` shows, for a sensor at `sensor_fps` and a source
/// at `source_fps` (0 if unknown): see [`crate::policy::CAMERA_BY_FRAME`].
pub fn source_index(index: u64, sensor_fps: u32, source_fps: f64) -> u64 {
    if crate::policy::CAMERA_BY_FRAME || source_fps <= 0.0 || sensor_fps == 0 {
        index
    } else {
        (index as f64 * source_fps / f64::from(sensor_fps)).floor() as u64
    }
}

#[cfg(feature = "libav")]
pub use imp::Camera;

/// Without libav: a camera cannot be opened.
#[cfg(not(feature = "libav"))]
pub struct Camera;

#[cfg(not(feature = "libav"))]
impl Camera {
    /// Always [`CameraError::Unsupported`] (no libav in this build).
    pub fn open(_path: &std::path::Path) -> Result<Camera, CameraError> {
        Err(CameraError::Unsupported)
    }

    /// Not reached (no camera can be opened).
    pub fn frame_nv12(
        &mut self,
        _index: u64,
        _size: (u32, u32),
        _y: &mut [u8],
        _uv: &mut [u8],
    ) -> Result<(), CameraError> {
        Err(CameraError::Unsupported)
    }

    /// Not reached.
    pub fn fps(&self) -> f64 {
        0.0
    }
}

#[cfg(feature = "libav")]
mod imp {
    use super::{CameraError, CACHE};
    use ff::format::Pixel;
    use ff::software::scaling;
    use ffmpeg_next as ff;
    use std::collections::VecDeque;
    use std::path::{Path, PathBuf};

    /// A scaler's source format, width, height and output width, height.
    type ScalerKey = (Pixel, u32, u32, u32, u32);

    /// An open camera file.
    pub struct Camera {
        path: PathBuf,
        input: ff::format::context::Input,
        stream: usize,
        decoder: ff::decoder::Video,
        fps: f64,
        /// Index of the next picture the decoder gives.
        next: u64,
        eof_sent: bool,
        /// Pictures in the file, once its end was reached.
        count: Option<u64>,
        /// The last decoded pictures, by index.
        cache: VecDeque<(u64, ff::frame::Video)>,
        /// One scaler per (source format and size, output size).
        scalers: Vec<(ScalerKey, scaling::Context)>,
    }

    // SAFETY: the libav contexts are only used under the simulator's lock, one thread at a
    // time; nothing in them is tied to the thread that made them.
    unsafe impl Send for Camera {}

    fn undecodable(path: &Path, e: impl std::fmt::Display) -> CameraError {
        CameraError::Undecodable(format!(
            "{}: no picture can be decoded: {e}",
            path.display()
        ))
    }

    impl Camera {
        /// Opens `path` and decodes its first picture (so a bad file fails now, not later).
        pub fn open(path: &Path) -> Result<Camera, CameraError> {
            crate::codec::libav::init();
            if let Err(e) = std::fs::File::open(path) {
                return Err(CameraError::Io(format!("{}: {e}", path.display())));
            }
            let mut cam = Camera::start(path)?;
            cam.decode_next()
                .map_err(|e| undecodable(path, e))?
                .ok_or_else(|| undecodable(path, "the file holds no picture"))?;
            Ok(cam)
        }

        fn start(path: &Path) -> Result<Camera, CameraError> {
            let input = ff::format::input(&path).map_err(|e| undecodable(path, e))?;
            let st = input
                .streams()
                .best(ff::media::Type::Video)
                .ok_or_else(|| undecodable(path, "no video stream or picture"))?;
            let stream = st.index();
            let rate = st.avg_frame_rate();
            let fps = if rate.denominator() != 0 {
                f64::from(rate.numerator()) / f64::from(rate.denominator())
            } else {
                0.0
            };
            let ctx = ff::codec::context::Context::from_parameters(st.parameters())
                .map_err(|e| undecodable(path, e))?;
            let decoder = ctx.decoder().video().map_err(|e| undecodable(path, e))?;
            Ok(Camera {
                path: path.to_path_buf(),
                input,
                stream,
                decoder,
                fps,
                next: 0,
                eof_sent: false,
                count: None,
                cache: VecDeque::new(),
                scalers: Vec::new(),
            })
        }

        /// The source's frame rate (0 when it has none, e.g. a still picture).
        pub fn fps(&self) -> f64 {
            self.fps
        }

        /// Decodes the next picture into the cache; `None` at the end of the file.
        fn decode_next(&mut self) -> Result<Option<u64>, ff::Error> {
            loop {
                let mut f = ff::frame::Video::empty();
                if self.decoder.receive_frame(&mut f).is_ok() {
                    let i = self.next;
                    self.next += 1;
                    if self.cache.len() == CACHE {
                        self.cache.pop_front();
                    }
                    self.cache.push_back((i, f));
                    return Ok(Some(i));
                }
                if self.eof_sent {
                    return Ok(None);
                }
                let mut p = ff::Packet::empty();
                match p.read(&mut self.input) {
                    Ok(()) if p.stream() == self.stream => {
                        // A damaged packet is skipped, as a player does.
                        let _ = self.decoder.send_packet(&p);
                    }
                    Ok(()) => {}
                    Err(ff::Error::Eof) => {
                        self.decoder.send_eof()?;
                        self.eof_sent = true;
                    }
                    Err(e) => return Err(e),
                }
            }
        }

        /// Makes picture `index` (of the looping source) the cache's, reading the file again
        /// from its start when it lies behind.
        fn seek_to(&mut self, index: u64) -> Result<usize, CameraError> {
            let mut target = self.count.map_or(index, |n| index % n);
            loop {
                if let Some(k) = self.cache.iter().position(|(i, _)| *i == target) {
                    return Ok(k);
                }
                if self.cache.front().is_some_and(|(i, _)| *i > target) {
                    // Behind the cache: start over (keeping what was learnt of the file).
                    let (count, path) = (self.count, self.path.clone());
                    *self = Camera::start(&path)?;
                    self.count = count;
                    continue;
                }
                match self.decode_next().map_err(|e| undecodable(&self.path, e))? {
                    Some(_) => {}
                    None => {
                        let n = self.next;
                        if n == 0 {
                            return Err(undecodable(&self.path, "the file holds no picture"));
                        }
                        self.count = Some(n);
                        target %= n;
                    }
                }
            }
        }

        /// Writes source picture `index` (looping), scaled to `w` x `h`, as NV12 planes of
        /// stride `w` into `y` and `uv`.
        pub fn frame_nv12(
            &mut self,
            index: u64,
            (w, h): (u32, u32),
            y: &mut [u8],
            uv: &mut [u8],
        ) -> Result<(), CameraError> {
            let k = self.seek_to(index)?;
            let src = &self.cache[k].1;
            let key = (src.format(), src.width(), src.height(), w, h);
            let s = match self.scalers.iter().position(|(k2, _)| *k2 == key) {
                Some(s) => s,
                None => {
                    let ctx = scaling::Context::get(
                        key.0,
                        key.1,
                        key.2,
                        Pixel::NV12,
                        w,
                        h,
                        scaling::Flags::BILINEAR,
                    )
                    .map_err(|e| undecodable(&self.path, e))?;
                    self.scalers.push((key, ctx));
                    self.scalers.len() - 1
                }
            };
            let mut out = ff::frame::Video::empty();
            self.scalers[s]
                .1
                .run(src, &mut out)
                .map_err(|e| undecodable(&self.path, e))?;
            let (wu, hu) = (w as usize, h as usize);
            for (plane, dst, rows) in [(0, &mut *y, hu), (1, &mut *uv, hu / 2)] {
                let stride = out.stride(plane);
                let data = out.data(plane);
                for r in 0..rows {
                    dst[r * wu..][..wu].copy_from_slice(&data[r * stride..][..wu]);
                }
            }
            Ok(())
        }
    }
}
