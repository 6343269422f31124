"""JPEG colour range: the simulator's pictures are video levels (luma 16..235), a JFIF JPEG
is full range; the JPEG encoder stretches the samples (policy JPEG_STRETCH_TO_FULL_RANGE), so
the same picture decodes to the same RGB from the JPEG channel as from the H.264 and H.265
channels (which carry no full-range flag, so decoders expand video levels themselves)."""

import av
import numpy as np

from conftest import SENSOR_320X240, SNAP_FRAME_320X240, checked, run_mpy
from streamcheck.decode import decode_jpeg

FRAMES = 3

SCRIPT = SENSOR_320X240 + SNAP_FRAME_320X240 + r"""
sensor.run()
chns = ((0, Encoder.PAYLOAD_TYPE_H264, Encoder.H264_PROFILE_HIGH, "out.264"),
        (1, Encoder.PAYLOAD_TYPE_H265, Encoder.H265_PROFILE_MAIN, "out.265"),
        (2, Encoder.PAYLOAD_TYPE_JPEG, 0, "out.mjpeg"))
for chn, pt, profile, _ in chns:
    enc.SetOutBufs(chn, 4, 320, 240)
MediaManager.init()
for chn, pt, profile, _ in chns:
    enc.Create(chn, ChnAttrStr(pt, profile, 320, 240, bit_rate=8000, mjpeg_quality_factor=95))
    enc.Start(chn)
sd = StreamData()
files = [open(name, "wb") for _, _, _, name in chns]
for i in range(FRAMES):
    f = snap_frame()
    for chn, _, _, _ in chns:
        enc.SendFrame(chn, f)
        while True:
            enc.GetStream(chn, sd)
            picture = False
            for p in range(sd.pack_cnt):
                files[chn].write(uctypes.bytearray_at(sd.data[p], sd.data_size[p]))
                picture = picture or sd.stream_type[p] != Encoder.STREAM_TYPE_HEADER
            enc.ReleaseStream(chn, sd)
            if picture:
                break
for fo in files:
    fo.close()
for chn, _, _, _ in chns:
    enc.Stop(chn)
    enc.Destroy(chn)
sensor.stop()
MediaManager.deinit()
print("DONE")
""".replace("FRAMES", str(FRAMES))


def rgb_frames(path, fmt):
    with av.open(str(path), format=fmt) as c:
        return [f.to_ndarray(format="rgb24").astype(np.int32) for f in c.decode(video=0)]


def test_jpeg_decodes_to_the_same_rgb_as_h264_and_h265(mpy, tmp_path):
    checked(run_mpy(SCRIPT, tmp_path, env={"K230_SIM_BACKEND": "libav"}))
    jpeg = rgb_frames(tmp_path / "out.mjpeg", "mjpeg")
    assert len(jpeg) == FRAMES
    assert decode_jpeg((tmp_path / "out.mjpeg").read_bytes().split(b"\xff\xd9")[0] + b"\xff\xd9").format.name == "yuvj420p"
    for name, fmt in (("out.264", "h264"), ("out.265", "hevc")):
        video = rgb_frames(tmp_path / name, fmt)
        assert len(video) == FRAMES, name
        for i, (j, v) in enumerate(zip(jpeg, video)):
            diff = np.abs(j - v)
            # Per-pixel coding noise differs; the levels must not: mean and the bars' means.
            assert diff.mean() < 3.0, (name, i, diff.mean())
            assert abs(j.mean() - v.mean()) < 1.5, (name, i, j.mean(), v.mean())
    # The test pattern's darkest and brightest bars: black and 75 % white, as the video
    # streams decode them (not (16, 16, 16) and 233 as a video-level JPEG would).
    first = jpeg[0]
    black = first[10:100, 290:310].reshape(-1, 3).mean(axis=0)
    white = first[10:100, 5:30].reshape(-1, 3).mean(axis=0)
    v = rgb_frames(tmp_path / "out.265", "hevc")[0]
    assert np.all(black < 4), black
    assert np.all(np.abs(white - v[10:100, 5:30].reshape(-1, 3).mean(axis=0)) < 3), white
