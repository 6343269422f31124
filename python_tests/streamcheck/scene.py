"""The source the quality tests encode: a camera-like scene, as Y4M.

`scene` renders a deterministic, camera-like YUV 4:2:0 picture sequence (smooth moving
gradients, coloured shapes, mild texture); `write_y4m` / `Y4M` write and read it as the Y4M
file the simulated sensor plays (`K230_SIM_Y4M`).
"""

from functools import lru_cache
from pathlib import Path

import numpy as np


@lru_cache(maxsize=8)
def _grids(w, h, sub):
    """Sample positions in luma pixel units (sub=2: the 4:2:0 chroma sample centres)."""
    off = 0.5 if sub == 2 else 0.0
    ys = np.arange(h // sub, dtype=np.float32)[:, None] * sub + off
    xs = np.arange(w // sub, dtype=np.float32)[None, :] * sub + off
    return xs, ys


@lru_cache(maxsize=4)
def _texture(w, h):
    """A fixed, smooth (box-blurred) noise field, unit standard deviation."""
    rng = np.random.default_rng(230)
    n = rng.standard_normal((h + 8, w + 8)).astype(np.float32)
    c = np.cumsum(np.cumsum(n, axis=0), axis=1)
    c = np.pad(c, ((1, 0), (1, 0)))
    k = 3
    b = c[k:, k:] - c[:-k, k:] - c[k:, :-k] + c[:-k, :-k]
    b = b[:h, :w]
    return b / b.std()


def _disc(xs, ys, cx, cy, r):
    """Anti-aliased disc coverage (0..1)."""
    d = np.sqrt((xs - cx) ** 2 + (ys - cy) ** 2)
    return np.clip(r - d + 0.5, 0.0, 1.0)


def _box(xs, ys, x0, y0, x1, y1):
    """Anti-aliased rectangle coverage (0..1)."""
    ax = np.clip(np.minimum(xs - x0, x1 - xs) + 0.5, 0.0, 1.0)
    ay = np.clip(np.minimum(ys - y0, y1 - ys) + 0.5, 0.0, 1.0)
    return ax * ay


def _shapes(k, w, h):
    """Positions of the moving shapes in frame k (luma pixel units)."""
    t = k / 30.0
    r = min(w, h) * 0.14
    disc = (w * (0.30 + 0.18 * np.sin(2 * np.pi * t / 4.0)), h * (0.50 + 0.22 * np.cos(2 * np.pi * t / 3.0)), r)
    bw, bh = w * 0.16, h * 0.22
    bx = (w * 0.55 + 5.0 * k) % (w - bw)
    by = h * 0.15 + h * 0.1 * np.sin(2 * np.pi * t / 2.5)
    box = (bx, by, bx + bw, by + bh)
    return disc, box


def scene(k, w, h):
    """Frame k of the test scene as (Y, U, V) uint8 planes (4:2:0, Y4M / video range).

    Smooth luma waves drifting across a horizontal ramp, a fine static-camera texture
    drifting 1-2 px per frame, a bright orange disc moving on an ellipse and a blue box
    sliding right; chroma: slow colour waves (period ~400 px horizontally) under the shapes'
    own colours. Deterministic: a pure function of (k, w, h)."""
    t = k / 30.0
    (dcx, dcy, dr), (bx0, by0, bx1, by1) = _shapes(k, w, h)
    xs, ys = _grids(w, h, 1)
    y = (100.0 + 30.0 * xs / w
         + 40.0 * np.sin(2 * np.pi * (xs / w * 1.3 + 0.15 * t)) * np.cos(2 * np.pi * (ys / h * 0.9 - 0.1 * t)))
    tex = _texture(w, h)
    y = y + 7.0 * np.roll(tex, (k % h, (2 * k) % w), axis=(0, 1))
    a = _disc(xs, ys, dcx, dcy, dr)
    y = y * (1 - a) + 190.0 * a
    b = _box(xs, ys, bx0, by0, bx1, by1)
    y = y * (1 - b) + 60.0 * b
    xs, ys = _grids(w, h, 2)
    u = 128.0 + 36.0 * np.sin(2 * np.pi * (xs / 400.0 + 0.2 * t)) + 10.0 * np.cos(2 * np.pi * ys / h)
    v = 128.0 + 30.0 * np.cos(2 * np.pi * (ys / 300.0 - 0.15 * t + xs / 500.0))
    a = _disc(xs, ys, dcx, dcy, dr)
    u = u * (1 - a) + 70.0 * a
    v = v * (1 - a) + 190.0 * a
    b = _box(xs, ys, bx0, by0, bx1, by1)
    u = u * (1 - b) + 200.0 * b
    v = v * (1 - b) + 110.0 * b
    q = lambda p: np.clip(np.rint(p), 16, 240).astype(np.uint8)  # noqa: E731
    return q(y), q(u), q(v)


def still_then_busy(n):
    """A frame function for `write_y4m` of an n-frame clip whose first half is one still
    picture (frame 0 of `scene`) and whose second half moves four times as fast with fresh
    luma noise (+-6) in every frame: cheap to code, then expensive (the VBR test's clip)."""
    def frame(k, w, h):
        if k < n // 2:
            return scene(0, w, h)
        y, u, v = scene(4 * k, w, h)
        noise = np.random.default_rng(1000 + k).integers(-6, 7, y.shape)
        return np.clip(y.astype(np.int16) + noise, 16, 235).astype(np.uint8), u, v
    return frame


def write_y4m(path, w, h, n, fps=30, colorspace="C420jpeg", frame=scene):
    """Writes n frames of `frame(k, w, h)` (default `scene`) as an 8-bit 4:2:0 Y4M file;
    returns a `Y4M` reader."""
    cs = f" {colorspace}" if colorspace else ""
    with open(path, "wb") as f:
        f.write(f"YUV4MPEG2 W{w} H{h} F{fps}:1 Ip A1:1{cs}\n".encode())
        for k in range(n):
            f.write(b"FRAME\n")
            for p in frame(k, w, h):
                f.write(p.tobytes())
    return Y4M(path)


class Y4M:
    """Random access to the frames of an 8-bit 4:2:0 Y4M file (memory-mapped)."""

    def __init__(self, path):
        self.path = Path(path)
        with open(path, "rb") as f:
            header = f.readline()
        assert header.startswith(b"YUV4MPEG2 "), header
        tags = {t[:1]: t[1:] for t in header.split()[1:]}
        self.width, self.height = int(tags[b"W"]), int(tags[b"H"])
        self.header_len = len(header)
        self.frame_len = self.width * self.height * 3 // 2
        size = self.path.stat().st_size
        self.count = (size - self.header_len) // (6 + self.frame_len)
        assert self.header_len + self.count * (6 + self.frame_len) == size, "frames without FRAME headers"
        self._map = np.memmap(self.path, dtype=np.uint8, mode="r")

    def frame(self, k):
        """(Y, U, V) of frame k mod count (views into the file)."""
        w, h = self.width, self.height
        start = self.header_len + (k % self.count) * (6 + self.frame_len) + 6
        y = self._map[start:start + w * h].reshape(h, w)
        u = self._map[start + w * h:start + w * h * 5 // 4].reshape(h // 2, w // 2)
        v = self._map[start + w * h * 5 // 4:start + self.frame_len].reshape(h // 2, w // 2)
        return y, u, v
