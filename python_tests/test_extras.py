"""Beyond the manual (issue 12): Encoder.RequestIDR and Encoder.QueryStatus, in both call
shapes, with the real codecs: an IDR, with its parameter sets, exactly at the requested
picture, and the status the MPP reports."""

import re

import pytest

from conftest import SENSOR_320X240, checked, run_mpy
from streamcheck.decode import decode_file
from streamcheck.nal import is_idr, is_vcl, nal_types, slice_qps
from streamcheck.run import libav, run_libav  # noqa: F401  (libav: fixture)

REQUEST_AT = (7, 19)  # RequestIDR after this many pictures: the next one is an IDR
PICTURES = 40

IDR_SCRIPT = SENSOR_320X240 + r"""
import uctypes, _k230sim
print("BACKEND", _k230sim.backend())
CODEC = {codec!r}
pt, prof = (Encoder.PAYLOAD_TYPE_H264, Encoder.H264_PROFILE_MAIN) if CODEC == "h264" else (Encoder.PAYLOAD_TYPE_H265, Encoder.H265_PROFILE_MAIN)
IMPLICIT = {implicit}
attr = ChnAttrStr(pt, prof, 320, 240, gopLen=30)
if IMPLICIT:
    enc.SetOutBufs(4, 320, 240)
    enc.Create(attr)
    chn = enc.chn
    request = lambda: enc.RequestIDR()
else:
    chn = 1
    enc.SetOutBufs(chn, 4, 320, 240)
    enc.Create(chn, attr)
    request = lambda: enc.RequestIDR(chn)
# Before Start: applies to the first picture (an IDR anyway), no error.
request()
link = MediaManager.link(sensor.bind_info()['src'], (VIDEO_ENCODE_MOD_ID, VENC_DEV_ID, chn))
enc.Start(chn)
sensor.run()
sd = StreamData()
pictures = 0
with open({out!r}, "wb") as f:
    while pictures < {n}:
        if pictures in {at!r}:
            request()
        assert enc.GetStream(chn, sd, 2000) == 0
        for i in range(sd.pack_cnt):
            f.write(uctypes.bytearray_at(sd.data[i], sd.data_size[i]))
        if sd.stream_type[sd.pack_cnt - 1] != Encoder.STREAM_TYPE_HEADER:
            pictures += 1
        enc.ReleaseStream(chn, sd)
sensor.stop()
link.destroy()
enc.Stop(chn)
enc.Destroy(chn)
print("DONE")
"""


@pytest.mark.parametrize("codec", ["h264", "h265"])
@pytest.mark.parametrize("implicit", [False, True])
def test_request_idr_makes_the_next_picture_an_idr_with_its_parameter_sets(libav, tmp_path, codec, implicit):  # noqa: F811
    out = tmp_path / f"idr.{codec}"
    src = IDR_SCRIPT.format(codec=codec, implicit=implicit, out=str(out), n=PICTURES, at=REQUEST_AT)
    run_libav(src, tmp_path)
    data = out.read_bytes()
    types = nal_types(codec, data)
    idrs = [i for i, t in enumerate(t for t in types if is_vcl(codec, t)) if is_idr(codec, t)]
    # The first picture, and exactly the pictures after each request (the GOP restarts there:
    # the next periodic IDR would come 30 pictures after the last one, beyond PICTURES).
    assert idrs == [0, *REQUEST_AT], idrs
    # Each IDR has its parameter sets since the picture before it (SEI may come between).
    sps = 7 if codec == "h264" else 33
    last_vcl = -1
    for k, t in enumerate(types):
        if is_vcl(codec, t):
            if is_idr(codec, t):
                assert sps in types[last_vcl + 1:k], (k, types[last_vcl + 1:k + 1])
            last_vcl = k
    info = decode_file(out, codec)
    assert not info.errors and info.count == PICTURES
    assert [i for i, key in enumerate(info.key_frames) if key] == [0, *REQUEST_AT]


STATUS_SCRIPT = SENSOR_320X240 + r"""
enc.SetOutBufs(0, 4, 320, 240)
MediaManager.init()
try:
    enc.QueryStatus(0)
except RuntimeError as e:
    print("before create:", e)
try:
    enc.RequestIDR(5)
except ValueError as e:
    print("bad chn:", e)
enc.Create(0, ChnAttrStr(Encoder.PAYLOAD_TYPE_H264, Encoder.H264_PROFILE_MAIN, 320, 240))
s = enc.QueryStatus(0)
print("created", sorted(s.items()))
link = MediaManager.link(sensor.bind_info()['src'], (VIDEO_ENCODE_MOD_ID, VENC_DEV_ID, 0))
enc.Start(0)
sensor.run()
sd = StreamData()
last_pts = None
for i in range(5):
    assert enc.GetStream(0, sd, 2000) == 0
    last_pts = sd.pts[sd.pack_cnt - 1]
    enc.ReleaseStream(0, sd)
s = enc.QueryStatus(0)
print("after", s["pic_count"] >= 4, s["pic_bytes"] > 0, s["release_pic_pts"] == last_pts, s["end_of_stream"])
# A JPEG channel: RequestIDR is a no-op.
j = Encoder()
j.SetOutBufs(4, 320, 240)
j.Create(ChnAttrStr(Encoder.PAYLOAD_TYPE_JPEG, 0, 320, 240))
j.RequestIDR()
print("jpeg ok", j.QueryStatus()["cur_packs"])
j.Destroy()
sensor.stop()
del link
enc.Stop(0)
enc.Destroy(0)
MediaManager.deinit()
"""


def test_query_status_and_request_idr_errors(tmp_path):
    out = checked(run_mpy(STATUS_SCRIPT, tmp_path, env={"K230_SIM_BACKEND": "synthetic"}))
    assert "before create: QueryStatus(0): channel 0 is not created; call Create(0, chnAttr) first" in out
    assert "bad chn: RequestIDR: chn must be in 0..3 (VENC_CHN_ID_0..VENC_CHN_ID_3) (got 5)" in out
    m = re.search(r"^created (.*)$", out, re.M)
    assert m and m.group(1) == ("[('cur_packs', 0), ('end_of_stream', 0), ('mean_qp', 30), ('pic_bytes', 0), "
                                "('pic_count', 0), ('release_pic_pts', 0), ('start_qp', 30)]"), out
    assert "after True True True 0" in out, out
    assert "jpeg ok 0" in out, out



QP_SCRIPT = SENSOR_320X240 + r"""
import uctypes
CODEC = {codec!r}
pt, prof = (Encoder.PAYLOAD_TYPE_H264, Encoder.H264_PROFILE_MAIN) if CODEC == "h264" else (Encoder.PAYLOAD_TYPE_H265, Encoder.H265_PROFILE_MAIN)
enc.SetOutBufs(0, 4, 320, 240)
link = MediaManager.link(sensor.bind_info()['src'], (VIDEO_ENCODE_MOD_ID, VENC_DEV_ID, 0))
MediaManager.init()
enc.Create(0, ChnAttrStr(pt, prof, 320, 240, gopLen=5, **{kw}))
enc.Start(0)
sensor.run()
sd = StreamData()
pictures = 0
with open({out!r}, "wb") as f:
    while pictures < {n}:
        assert enc.GetStream(0, sd, 2000) == 0
        for i in range(sd.pack_cnt):
            f.write(uctypes.bytearray_at(sd.data[i], sd.data_size[i]))
        if sd.stream_type[sd.pack_cnt - 1] != Encoder.STREAM_TYPE_HEADER:
            pictures += 1
        enc.ReleaseStream(0, sd)
        # The stream info is the last picture encoded: the one just fetched or a later one.
        s = enc.QueryStatus(0)
        print("QP", s["pic_count"], s["start_qp"], s["mean_qp"])
sensor.stop()
link.destroy()
enc.Stop(0)
enc.Destroy(0)
MediaManager.deinit()
"""
QP_PICTURES = 40


@pytest.mark.parametrize("codec", ["h264", "h265"])
@pytest.mark.parametrize("rc", ["fixqp", "cbr"])
def test_query_status_reports_the_qp_of_the_stream(libav, tmp_path, codec, rc):  # noqa: F811
    # Each status names its picture by pic_count; its QP is that picture's slice QP in the
    # stream written (FIXQP: 22 for IDRs, 35 for P; CBR: the rate control's own, which moves).
    kw = {"rc_mode": 3, "i_qp": 22, "p_qp": 35} if rc == "fixqp" else {"bit_rate": 300}
    path = tmp_path / f"qp.{codec}"
    out = run_libav(QP_SCRIPT.format(codec=codec, kw=kw, out=str(path), n=QP_PICTURES), tmp_path)
    status = [tuple(map(int, m)) for m in re.findall(r"^QP (\d+) (\d+) (\d+)$", out, re.M)]
    slices = slice_qps(codec, path.read_bytes())
    assert len(slices) == QP_PICTURES and len(status) >= QP_PICTURES, out
    if rc == "fixqp":
        assert slices == [("I", 22) if k % 5 == 0 else ("P", 35) for k in range(QP_PICTURES)]
    else:
        assert len({q for _, q in slices}) > 3, slices
    checked = [(n, start, mean) for n, start, mean in status if n <= QP_PICTURES]
    assert len(checked) >= QP_PICTURES - 1
    for n, start, mean in checked:
        assert start == mean == slices[n - 1][1], (n, start, mean, slices[n - 1])
