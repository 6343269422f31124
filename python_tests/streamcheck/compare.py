"""Picture comparison: decoded pictures against their source, per-plane MSE and PSNR.

`compare_with_source` adds a decoded frame against a `Y4M` source frame to a `PsnrAcc`, which
keeps the per-frame MSE of each plane and reports the sequence's mean and worst PSNR.
"""

import numpy as np

from streamcheck.decode import planes


def chroma_420(plane, w, h):
    """A decoded chroma plane brought to 4:2:0 size (JPEG may be 4:2:2 / 4:4:4)."""
    ph, pw = plane.shape
    p = plane.astype(np.float32)
    if ph == h:
        p = (p[0::2] + p[1::2]) / 2
    if pw == w:
        p = (p[:, 0::2] + p[:, 1::2]) / 2
    return p


def mse(a, b):
    d = a.astype(np.float32) - b.astype(np.float32)
    return float(np.mean(d * d))


def psnr_of_mse(m):
    return 99.0 if m <= 1e-10 else 10 * np.log10(255.0 ** 2 / m)


def psnr(a, b):
    return psnr_of_mse(mse(a, b))


class PsnrAcc:
    """Per-plane PSNR of a sequence: per frame, and overall (from the mean MSE)."""

    def __init__(self):
        self.mse = {"Y": [], "U": [], "V": []}

    def add(self, dec, ref):
        for name, d, r in zip("YUV", dec, ref):
            self.mse[name].append(mse(d, r))

    def mean(self, plane):
        return psnr_of_mse(float(np.mean(self.mse[plane])))

    def worst(self, plane):
        return psnr_of_mse(max(self.mse[plane]))

    def summary(self):
        return ", ".join(f"{p} {self.mean(p):.2f} dB (worst frame {self.worst(p):.2f})" for p in "YUV")


def full_range(plane, chroma):
    """Video-level samples (luma 16..235, chroma 16..240) stretched to 0..255, rounded, as the
    simulator's JPEG encoder stretches them (its JPEG_STRETCH_TO_FULL_RANGE policy)."""
    span = 224 if chroma else 219
    return np.clip(np.floor(((plane.astype(np.int32) - 16) * 510 + span) / (2 * span)), 0, 255).astype(np.uint8)


def compare_with_source(src, frame, k, acc):
    """Adds decoded `frame` against source frame k of `src` (a Y4M) to `acc`; a full-range
    frame (a JPEG: yuvj*) is compared with the source stretched to full range."""
    y, u, v = planes(frame)
    ry, ru, rv = src.frame(k)
    if frame.format.name.startswith("yuvj"):
        ry, ru, rv = full_range(ry, False), full_range(ru, True), full_range(rv, True)
    assert y.shape == ry.shape, (y.shape, ry.shape)
    if u.shape != ru.shape:
        u, v = chroma_420(u, src.width, src.height), chroma_420(v, src.width, src.height)
    acc.add((y, u, v), (ry, ru, rv))
