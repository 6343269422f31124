//! Y4M (YUV4MPEG2) input for the VICAP sensor stand-in.
//!
//! Accepted: 8-bit 4:2:0, i.e. colour space tag `C420`, `C420jpeg`, `C420mpeg2`,
//! `C420paldv`, or no `C` tag (which means 4:2:0). Other header tags (`F`, `I`, `A`, `X`) and
//! frame parameters are read past and ignored: the sensor's own frame rate paces the pts.
//! Frames are planar Y, U, V; chroma planes have `ceil(w / 2) x ceil(h / 2)` samples. The
//! file is indexed once when opened (one small read per frame header); frames are then read
//! on demand with positioned reads, so the file may be large.

use std::fs::File;
use std::os::unix::fs::FileExt;
use std::path::Path;

/// Longest header line accepted.
const MAX_HEADER: usize = 4096;

/// Why a Y4M file cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Y4mError {
    /// The file cannot be opened or read.
    Io(String),
    /// Not a YUV4MPEG2 stream, a bad header, or no complete frame.
    Format(String),
    /// A valid stream in a format the sensor cannot produce (not 8-bit 4:2:0).
    Unsupported(String),
}

impl std::fmt::Display for Y4mError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Y4mError::Io(s) | Y4mError::Format(s) | Y4mError::Unsupported(s) => f.write_str(s),
        }
    }
}

/// An opened, indexed Y4M file.
#[derive(Debug)]
pub struct Y4m {
    file: File,
    width: u32,
    height: u32,
    /// Byte offset of each complete frame's Y plane.
    frames: Vec<u64>,
    /// Reused buffer for the U and V planes of one frame.
    chroma: Vec<u8>,
}

/// Reads up to `buf.len()` bytes at `off` (fewer only at the end of the file).
fn read_at_most(file: &File, buf: &mut [u8], off: u64) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match file.read_at(&mut buf[n..], off + n as u64) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

/// Parses the stream header line (without its newline): (width, height).
pub fn parse_header(line: &[u8]) -> Result<(u32, u32), Y4mError> {
    let text = std::str::from_utf8(line)
        .map_err(|_| Y4mError::Format("Y4M header is not ASCII".into()))?;
    let mut tokens = text.split(' ').filter(|t| !t.is_empty());
    if tokens.next() != Some("YUV4MPEG2") {
        return Err(Y4mError::Format(
            "not a Y4M file (no YUV4MPEG2 signature)".into(),
        ));
    }
    let (mut w, mut h) = (None, None);
    for t in tokens {
        let (tag, val) = t.split_at(1);
        match tag {
            "W" => w = val.parse::<u32>().ok(),
            "H" => h = val.parse::<u32>().ok(),
            "C" if !matches!(val, "420" | "420jpeg" | "420mpeg2" | "420paldv") => {
                return Err(Y4mError::Unsupported(format!(
                    "Y4M colour space C{val} is not supported (8-bit 4:2:0 only)"
                )));
            }
            _ => {}
        }
    }
    match (w, h) {
        (Some(w), Some(h)) if w > 0 && h > 0 => Ok((w, h)),
        _ => Err(Y4mError::Format(
            "Y4M header without a valid W and H".into(),
        )),
    }
}

impl Y4m {
    /// Opens and indexes `path`.
    pub fn open(path: &Path) -> Result<Y4m, Y4mError> {
        let shown = path.display();
        let file = File::open(path).map_err(|e| Y4mError::Io(format!("{shown}: {e}")))?;
        let io = |e: std::io::Error| Y4mError::Io(format!("{shown}: {e}"));
        let mut head = vec![0u8; MAX_HEADER];
        let n = read_at_most(&file, &mut head, 0).map_err(io)?;
        let eol = head[..n]
            .iter()
            .position(|&b| b == b'\n')
            .ok_or_else(|| Y4mError::Format(format!("{shown}: no Y4M header line")))?;
        let (width, height) =
            parse_header(&head[..eol]).map_err(|e| prefix(e, &shown.to_string()))?;
        let frame_bytes = frame_bytes(width, height);
        let len = file.metadata().map_err(io)?.len();
        let mut frames = Vec::new();
        let mut off = eol as u64 + 1;
        let mut fh = [0u8; 256];
        while off < len {
            let n = read_at_most(&file, &mut fh, off).map_err(io)?;
            if !fh[..n].starts_with(b"FRAME") {
                return Err(Y4mError::Format(format!(
                    "{shown}: expected FRAME at byte {off}"
                )));
            }
            let Some(eol) = fh[..n].iter().position(|&b| b == b'\n') else {
                break;
            };
            let data = off + eol as u64 + 1;
            if data + frame_bytes > len {
                break; // a truncated last frame is ignored
            }
            frames.push(data);
            off = data + frame_bytes;
        }
        if frames.is_empty() {
            return Err(Y4mError::Format(format!("{shown}: no complete frame")));
        }
        Ok(Y4m {
            file,
            width,
            height,
            frames,
            chroma: Vec::new(),
        })
    }

    /// Frame size.
    pub fn size(&self) -> (u32, u32) {
        (self.width, self.height)
    }

    /// Number of complete frames.
    pub fn frame_count(&self) -> usize {
        self.frames.len()
    }

    /// Reads frame `index % frame_count` as NV12: `height` lines of `width` luma bytes
    /// `y_stride` apart, `height / 2` lines of `width / 2` interleaved U, V pairs
    /// `uv_stride` apart.
    pub fn read_nv12(
        &mut self,
        index: u64,
        y: &mut [u8],
        y_stride: usize,
        uv: &mut [u8],
        uv_stride: usize,
    ) -> std::io::Result<()> {
        let (w, h) = (self.width as usize, self.height as usize);
        let (cw, ch) = (w.div_ceil(2), h.div_ceil(2));
        let short = || std::io::Error::from(std::io::ErrorKind::InvalidInput);
        let off = self.frames[(index % self.frames.len() as u64) as usize];
        if y_stride == w {
            self.file
                .read_exact_at(y.get_mut(..w * h).ok_or_else(short)?, off)?;
        } else {
            for r in 0..h {
                let row = y
                    .get_mut(r * y_stride..r * y_stride + w)
                    .ok_or_else(short)?;
                self.file.read_exact_at(row, off + (r * w) as u64)?;
            }
        }
        self.chroma.resize(2 * cw * ch, 0);
        self.file
            .read_exact_at(&mut self.chroma, off + (w * h) as u64)?;
        let (u, v) = self.chroma.split_at(cw * ch);
        let pairs = w / 2;
        for r in 0..h / 2 {
            let line = uv
                .get_mut(r * uv_stride..r * uv_stride + 2 * pairs)
                .ok_or_else(short)?;
            let (ur, vr) = (&u[r * cw..][..pairs], &v[r * cw..][..pairs]);
            for ((d, &a), &b) in line.chunks_exact_mut(2).zip(ur).zip(vr) {
                d[0] = a;
                d[1] = b;
            }
        }
        Ok(())
    }
}

fn prefix(e: Y4mError, what: &str) -> Y4mError {
    match e {
        Y4mError::Io(s) => Y4mError::Io(format!("{what}: {s}")),
        Y4mError::Format(s) => Y4mError::Format(format!("{what}: {s}")),
        Y4mError::Unsupported(s) => Y4mError::Unsupported(format!("{what}: {s}")),
    }
}

/// Bytes of one 8-bit 4:2:0 frame's planes.
pub fn frame_bytes(width: u32, height: u32) -> u64 {
    let (w, h) = (u64::from(width), u64::from(height));
    w * h + 2 * w.div_ceil(2) * h.div_ceil(2)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Writes a Y4M file whose frame `k` has luma `k*10 + row`, U `100 + k`, V `200 - k`.
    fn write(path: &Path, header: &str, w: usize, h: usize, frames: usize, extra: &[u8]) {
        let mut d = Vec::new();
        d.extend_from_slice(header.as_bytes());
        d.push(b'\n');
        for k in 0..frames {
            d.extend_from_slice(if k % 2 == 1 {
                b"FRAME Ixyz\n"
            } else {
                b"FRAME\n"
            });
            for r in 0..h {
                d.extend(std::iter::repeat_n((k * 10 + r) as u8, w));
            }
            let c = w.div_ceil(2) * h.div_ceil(2);
            d.extend(std::iter::repeat_n((100 + k) as u8, c));
            d.extend(std::iter::repeat_n((200 - k) as u8, c));
        }
        d.extend_from_slice(extra);
        std::fs::write(path, d).unwrap();
    }

    fn tmp(name: &str) -> std::path::PathBuf {
        std::env::temp_dir().join(format!("k230sim-y4m-{}-{name}", std::process::id()))
    }

    #[test]
    fn header_tags() {
        assert_eq!(
            parse_header(b"YUV4MPEG2 W64 H32 F30:1 Ip A1:1"),
            Ok((64, 32))
        );
        for c in ["C420", "C420jpeg", "C420mpeg2", "C420paldv"] {
            let line = format!("YUV4MPEG2 W64 H32 {c} XYSCSS=420JPEG");
            assert_eq!(parse_header(line.as_bytes()), Ok((64, 32)), "{c}");
        }
        assert!(matches!(
            parse_header(b"YUV4MPEG2 W64 H32 C444"),
            Err(Y4mError::Unsupported(_))
        ));
        assert!(matches!(
            parse_header(b"YUV4MPEG2 W64 H32 C420p10"),
            Err(Y4mError::Unsupported(_))
        ));
        assert!(matches!(
            parse_header(b"YUV4MPEG2 W64"),
            Err(Y4mError::Format(_))
        ));
        assert!(matches!(
            parse_header(b"RIFF W64 H2"),
            Err(Y4mError::Format(_))
        ));
    }

    #[test]
    fn frames_loop_and_convert_to_nv12() {
        let p = tmp("loop.y4m");
        // 3 complete frames and a truncated fourth.
        write(
            &p,
            "YUV4MPEG2 W6 H4 F30:1 C420jpeg",
            6,
            4,
            3,
            b"FRAME\n12345",
        );
        let mut f = Y4m::open(&p).unwrap();
        assert_eq!((f.size(), f.frame_count()), ((6, 4), 3));
        let mut y = vec![0u8; 8 * 4];
        let mut uv = vec![0u8; 8 * 2];
        for k in [0u64, 1, 2, 3, 7] {
            let m = (k % 3) as u8;
            f.read_nv12(k, &mut y, 8, &mut uv, 8).unwrap();
            for r in 0..4 {
                assert!(y[r * 8..r * 8 + 6].iter().all(|&b| b == m * 10 + r as u8));
            }
            for r in 0..2 {
                let line = &uv[r * 8..r * 8 + 6];
                assert_eq!(line, [100 + m, 200 - m].repeat(3), "frame {k}");
            }
        }
        // Odd size: ceil-sized chroma in the file, floor-sized NV12 chroma out.
        write(&p, "YUV4MPEG2 W5 H3", 5, 3, 2, b"");
        let mut f = Y4m::open(&p).unwrap();
        let mut y = vec![0u8; 15];
        let mut uv = vec![0u8; 5];
        f.read_nv12(1, &mut y, 5, &mut uv, 5).unwrap();
        assert_eq!(&uv[..4], [101, 199, 101, 199]);
        std::fs::remove_file(&p).unwrap();
    }

    #[test]
    fn bad_files() {
        let p = tmp("bad.y4m");
        assert!(matches!(Y4m::open(&p), Err(Y4mError::Io(_))));
        std::fs::write(&p, b"YUV4MPEG2 W6 H4\n").unwrap();
        assert!(matches!(Y4m::open(&p), Err(Y4mError::Format(_))));
        std::fs::write(&p, b"YUV4MPEG2 W6 H4\nFRAMX\n").unwrap();
        assert!(matches!(Y4m::open(&p), Err(Y4mError::Format(_))));
        write(&p, "YUV4MPEG2 W6 H4 C422", 6, 4, 1, b"");
        assert!(matches!(Y4m::open(&p), Err(Y4mError::Unsupported(_))));
        std::fs::remove_file(&p).unwrap();
    }
}
