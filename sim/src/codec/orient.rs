//! Rotation and mirror of NV12 pictures, as a VENC channel applies them before coding
//! (`kd_mpi_venc_set_rotation` / `kd_mpi_venc_set_mirror`): whatever the backend, the encoder
//! gets the turned / mirrored picture, at the coded size ([`Orientation::coded_size`]:
//! `height` x `width` for 90 and 270 degrees).
//!
//! Which way 90 turns and which of mirror and turn comes first are simulator choices
//! ([`policy::ROTATION_CLOCKWISE`], [`policy::MIRROR_BEFORE_ROTATION`]). Chroma sample pairs
//! (U, V) move together: the UV plane is turned and mirrored as a `width / 2` x `height / 2`
//! picture of pairs.

use super::{EncodeError, Picture};
use crate::policy;
use k230_venc::attr::{Mirror, Orientation, Rotation};

/// Where sample `(x, y)` of a `w` x `h` picture turned by `r` comes from in that picture.
fn unrotate(r: Rotation, w: usize, h: usize, x: usize, y: usize) -> (usize, usize) {
    match r {
        Rotation::R0 => (x, y),
        Rotation::R90 => (y, h - 1 - x),
        Rotation::R180 => (w - 1 - x, h - 1 - y),
        Rotation::R270 => (w - 1 - y, x),
    }
}

/// Where sample `(x, y)` of a `w` x `h` picture mirrored by `m` comes from.
fn unmirror(m: Mirror, w: usize, h: usize, x: usize, y: usize) -> (usize, usize) {
    match m {
        Mirror::None => (x, y),
        Mirror::Horizontal => (w - 1 - x, y),
        Mirror::Vertical => (x, h - 1 - y),
    }
}

/// Where sample `(x, y)` of the coded picture comes from in the `w` x `h` input plane.
pub fn source(o: Orientation, w: usize, h: usize, x: usize, y: usize) -> (usize, usize) {
    let r = match (policy::ROTATION_CLOCKWISE, o.rotation) {
        (false, Rotation::R90) => Rotation::R270,
        (false, Rotation::R270) => Rotation::R90,
        (_, r) => r,
    };
    if policy::MIRROR_BEFORE_ROTATION {
        let (mx, my) = unrotate(r, w, h, x, y);
        unmirror(o.mirror, w, h, mx, my)
    } else {
        let (cw, ch) = o.coded_size(w as u32, h as u32);
        let (rx, ry) = unmirror(o.mirror, cw as usize, ch as usize, x, y);
        unrotate(r, w, h, rx, ry)
    }
}

/// The planes of the turned / mirrored picture, reused from frame to frame.
#[derive(Default)]
pub struct Oriented {
    y: Vec<u8>,
    uv: Vec<u8>,
}

impl Oriented {
    /// `pic` turned and mirrored by `o`: a picture at the coded size in these planes.
    ///
    /// # Errors
    /// [`EncodeError::BadInput`] when the planes of `pic` do not hold its visible area.
    pub fn apply<'a>(
        &'a mut self,
        pic: &Picture<'_>,
        o: Orientation,
    ) -> Result<Picture<'a>, EncodeError> {
        let (w, h) = (pic.width as usize, pic.height as usize);
        let (cw, ch) = o.coded_size(pic.width, pic.height);
        let (cwu, chu) = (cw as usize, ch as usize);
        let fits = |len: usize, stride: usize, rows: usize, row: usize| {
            rows == 0 || (rows - 1) * stride + row <= len
        };
        if w == 0
            || h == 0
            || w % 2 != 0
            || h % 2 != 0
            || pic.y_stride < w
            || pic.uv_stride < w
            || !fits(pic.y.len(), pic.y_stride, h, w)
            || !fits(pic.uv.len(), pic.uv_stride, h / 2, w)
        {
            return Err(EncodeError::BadInput);
        }
        self.y.resize(cwu * chu, 0);
        self.uv.resize(cwu * chu / 2, 0);
        for (yo, row) in self.y.chunks_exact_mut(cwu).enumerate() {
            for (xo, d) in row.iter_mut().enumerate() {
                let (x, y) = source(o, w, h, xo, yo);
                *d = pic.y[y * pic.y_stride + x];
            }
        }
        let (pw, ph) = (w / 2, h / 2);
        for (yo, row) in self.uv.chunks_exact_mut(cwu).enumerate() {
            for (xo, d) in row.chunks_exact_mut(2).enumerate() {
                let (x, y) = source(o, pw, ph, xo, yo);
                let s = y * pic.uv_stride + 2 * x;
                d.copy_from_slice(&pic.uv[s..s + 2]);
            }
        }
        Ok(Picture {
            width: cw,
            height: ch,
            y: &self.y,
            y_stride: cwu,
            uv: &self.uv,
            uv_stride: cwu,
            pts: pic.pts,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn o(rotation: Rotation, mirror: Mirror) -> Orientation {
        Orientation { rotation, mirror }
    }

    /// A 4 x 2 picture whose luma names its position (10 y + x) and whose chroma pairs are
    /// (U, V) = (100 + x, 200 + y) over its 2 x 1 pairs; in a larger stride.
    fn sample() -> (Vec<u8>, Vec<u8>) {
        let mut y = vec![0xee; 6 * 2];
        for r in 0..2 {
            for c in 0..4 {
                y[r * 6 + c] = (10 * r + c) as u8;
            }
        }
        let uv = vec![100, 200, 101, 200, 0xee, 0xee];
        (y, uv)
    }

    fn run(or: Orientation) -> (u32, u32, Vec<u8>, Vec<u8>) {
        let (y, uv) = sample();
        let pic = Picture {
            width: 4,
            height: 2,
            y: &y,
            y_stride: 6,
            uv: &uv,
            uv_stride: 6,
            pts: 9,
        };
        let mut t = Oriented::default();
        let p = t.apply(&pic, or).unwrap();
        assert_eq!(p.pts, 9);
        (p.width, p.height, p.y.to_vec(), p.uv.to_vec())
    }

    #[test]
    fn turns_clockwise_and_mirrors_first() {
        use Mirror as M;
        use Rotation as R;
        // The picture:   0  1  2  3
        //               10 11 12 13
        assert_eq!(run(o(R::R0, M::None)).2, [0, 1, 2, 3, 10, 11, 12, 13]);
        let (w, h, y, uv) = run(o(R::R90, M::None));
        assert_eq!((w, h), (2, 4));
        // Clockwise: the left column becomes the top row, read bottom-up.
        assert_eq!(y, [10, 0, 11, 1, 12, 2, 13, 3]);
        // The chroma pairs (2 x 1) turn into a 1 x 2 column, each pair kept whole.
        assert_eq!(uv, [100, 200, 101, 200]);
        assert_eq!(run(o(R::R180, M::None)).2, [13, 12, 11, 10, 3, 2, 1, 0]);
        assert_eq!(run(o(R::R180, M::None)).3, [101, 200, 100, 200]);
        assert_eq!(run(o(R::R270, M::None)).2, [3, 13, 2, 12, 1, 11, 0, 10]);
        assert_eq!(run(o(R::R0, M::Horizontal)).2, [3, 2, 1, 0, 13, 12, 11, 10]);
        assert_eq!(run(o(R::R0, M::Horizontal)).3, [101, 200, 100, 200]);
        assert_eq!(run(o(R::R0, M::Vertical)).2, [10, 11, 12, 13, 0, 1, 2, 3]);
        // Mirrored first, then turned: vertical, then 90, is the transpose.
        assert_eq!(
            run(o(R::R90, M::Horizontal)).2,
            [13, 3, 12, 2, 11, 1, 10, 0]
        );
        assert_eq!(run(o(R::R90, M::Vertical)).2, [0, 10, 1, 11, 2, 12, 3, 13]);
    }

    #[test]
    fn short_planes_are_bad_input() {
        let (y, uv) = sample();
        let pic = Picture {
            width: 4,
            height: 2,
            y: &y[..9],
            y_stride: 6,
            uv: &uv,
            uv_stride: 6,
            pts: 0,
        };
        let mut t = Oriented::default();
        let r = t.apply(&pic, o(Rotation::R90, Mirror::None));
        assert!(matches!(r, Err(EncodeError::BadInput)));
    }
}
