"""Stream delivery as the K230 does it: output-buffer limits from SetOutBufs,
GetStream timeouts (-1 / 0 / >0 ms), pack layout of IDR and P frames, pts in
microseconds, and frames flowing from a bound sensor without SendFrame."""

import pytest

from conftest import SENSOR_320X240, SNAP_FRAME_320X240, checked, run_mpy, start_channel, stop_channel

# One picture a GetStream: the layout under the "with-idr" header policy (conftest).
pytestmark = pytest.mark.usefixtures("header_with_idr")

SETUP = SENSOR_320X240 + r"""
import time, _k230sim

BUF_EMPTY = 0xa009800e
""" + SNAP_FRAME_320X240


def test_unreleased_streams_hold_output_buffers(mpy, tmp_path):
    source = SETUP + start_channel(0, 2, linked=True) + r"""
a, b, c = StreamData(), StreamData(), StreamData()
assert enc.GetStream(0, a) == 0 and enc.GetStream(0, b) == 0
assert _k230sim.stats()["venc_streams_held"] == 2
# Both output buffers are held: nothing more can be encoded.
t0 = time.ticks_ms()
assert enc.GetStream(0, c, 0) == BUF_EMPTY
assert enc.GetStream(0, c, 120) == BUF_EMPTY
waited = time.ticks_diff(time.ticks_ms(), t0)
assert 110 <= waited < 2000, waited
enc.ReleaseStream(0, a)
assert enc.GetStream(0, c, 0) == 0
print("frames", a.stream_type[0], b.stream_type[0], c.stream_type[0])
enc.ReleaseStream(0, b)
enc.ReleaseStream(0, c)
""" + stop_channel(0, linked=True) + 'print("HOLD OK")\n'
    out = checked(run_mpy(source, tmp_path))
    assert "frames 3 1 1" in out and "HOLD OK" in out


def test_pack_layout_pts_and_gop(mpy, tmp_path):
    h265 = "ChnAttrStr(Encoder.PAYLOAD_TYPE_H265, Encoder.H265_PROFILE_MAIN, 320, 240, gopLen=10)"
    source = SETUP + start_channel(1, 4, h265, linked=True) + r"""
sd = StreamData()
rows = []
for i in range(25):
    assert enc.GetStream(1, sd) == 0
    types = [sd.stream_type[k] for k in range(sd.pack_cnt)]
    pts = [sd.pts[k] for k in range(sd.pack_cnt)]
    assert len(set(pts)) == 1
    head = uctypes.bytearray_at(sd.data[0], 6)
    assert bytes(head[:4]) == b"\x00\x00\x00\x01", bytes(head)
    rows.append((types, pts[0], (head[4] >> 1) & 0x3F))
    enc.ReleaseStream(1, sd)
for i, (types, pts, nal) in enumerate(rows):
    if i % 10 == 0:
        assert types == [Encoder.STREAM_TYPE_HEADER, Encoder.STREAM_TYPE_I], (i, types)
        assert nal == 32, (i, nal)        # VPS first in the header pack
    else:
        assert types == [Encoder.STREAM_TYPE_P], (i, types)
        assert nal == 1, (i, nal)         # TRAIL_R
    assert pts == i * 1000000 // 30, (i, pts)
""" + stop_channel(1, linked=True) + 'print("LAYOUT OK")\n'
    assert "LAYOUT OK" in checked(run_mpy(source, tmp_path))


def test_get_stream_without_a_source_times_out_and_blocking_waits_for_another_thread(mpy, tmp_path):
    jpeg = "ChnAttrStr(Encoder.PAYLOAD_TYPE_JPEG, 0, 320, 240)"
    source = SETUP + "import _thread\n" + start_channel(2, 3, jpeg) + r"""
sd = StreamData()
assert enc.GetStream(2, sd, 0) == BUF_EMPTY
f = snap_frame()
f.v_frame.pts = 1234567

def sender():
    time.sleep_ms(150)
    enc.SendFrame(2, f)

_thread.start_new_thread(sender, ())
t0 = time.ticks_ms()
assert enc.GetStream(2, sd) == 0          # blocks (-1) until the other thread's frame is encoded
waited = time.ticks_diff(time.ticks_ms(), t0)
assert waited >= 100, waited
assert sd.pack_cnt == 1 and sd.pts[0] == 1234567
jpeg = bytes(uctypes.bytearray_at(sd.data[0], sd.data_size[0]))
assert jpeg[:2] == b"\xff\xd8" and jpeg[-2:] == b"\xff\xd9"
enc.ReleaseStream(2, sd)
""" + stop_channel(2) + 'print("WAIT OK", waited)\n'
    assert "WAIT OK" in checked(run_mpy(source, tmp_path))


def test_send_frame_accepts_a_canmv_style_uctypes_struct(mpy, tmp_path):
    # CanMV builds k_video_frame_info in Python with uctypes over a 224-byte buffer;
    # SendFrame takes any such struct of the MPP layout.
    baseline = "ChnAttrStr(Encoder.PAYLOAD_TYPE_H264, Encoder.H264_PROFILE_BASELINE, 320, 240)"
    source = SETUP + r"""
desc = {
    "v_frame": (0, {
        "width": 0 | uctypes.UINT32,
        "height": 4 | uctypes.UINT32,
        "pixel_format": 12 | uctypes.UINT32,
        "stride": (44 | uctypes.ARRAY, 3 | uctypes.UINT32),
        "phys_addr": (104 | uctypes.ARRAY, 3 | uctypes.UINT64),
        "pts": 168 | uctypes.UINT64,
    }),
    "pool_id": 216 | uctypes.UINT32,
    "mod_id": 220 | uctypes.UINT32,
}
buf = bytearray(224)
frame = uctypes.struct(uctypes.addressof(buf), desc, uctypes.LITTLE_ENDIAN)
""" + start_channel(0, 2, baseline) + r"""
img = sensor.snapshot(chn=CAM_CHN_ID_0)
frame.v_frame.width = 320
frame.v_frame.height = 240
frame.v_frame.pixel_format = Sensor.YUV420SP
frame.v_frame.stride[0] = 320
frame.v_frame.stride[1] = 320
frame.v_frame.phys_addr[0] = img.phyaddr()
frame.v_frame.phys_addr[1] = img.phyaddr(1)
frame.v_frame.pts = 777
frame.pool_id = img.poolid()
assert enc.SendFrame(0, frame) == 0
sd = StreamData()
assert enc.GetStream(0, sd, 1000) == 0
assert sd.pack_cnt == 2 and sd.pts[1] == 777
sps = bytes(uctypes.bytearray_at(sd.data[0], 8))
assert sps[4] & 0x1F == 7 and sps[5] == 66, sps     # SPS, profile_idc 66 = Baseline
enc.ReleaseStream(0, sd)
""" + stop_channel(0) + 'print("STRUCT OK")\n'
    assert "STRUCT OK" in checked(run_mpy(source, tmp_path))


def test_send_frame_waits_for_a_free_buffer_then_returns_buf_full(mpy, tmp_path):
    source = SETUP + r"""
BUF_FULL = 0xa009800f
""" + start_channel(3, 2) + r"""
f = snap_frame()
held = [StreamData(), StreamData()]
for sd in held:
    assert enc.SendFrame(3, f) == 0
    assert enc.GetStream(3, sd, 0) == 0
# Both output buffers are held by the script: SendFrame waits its 1000 ms, then says so.
t0 = time.ticks_ms()
assert enc.SendFrame(3, f) == BUF_FULL
waited = time.ticks_diff(time.ticks_ms(), t0)
assert 900 <= waited < 5000, waited
enc.ReleaseStream(3, held[0])
assert enc.SendFrame(3, f) == 0
enc.ReleaseStream(3, held[1])
""" + stop_channel(3) + 'print("FULL OK", waited)\n'
    assert "FULL OK" in checked(run_mpy(source, tmp_path))


def test_stream_data_lists_survive_a_script_that_shrinks_them(mpy, tmp_path):
    # The lists belong to the script too; a shortened one is replaced, never overrun.
    source = SETUP + start_channel(0, 2, linked=True) + r"""
sd = StreamData()
sd.data.clear()
sd.pts.pop()
assert enc.GetStream(chn=0, streamData=sd, timeout=1000) == 0
assert len(sd.data) == VENC_PACK_CNT_MAX and len(sd.pts) == VENC_PACK_CNT_MAX
assert sd.pack_cnt == 2 and sd.data[0] != 0
enc.ReleaseStream(0, sd)
""" + stop_channel(0, linked=True) + 'print("LISTS OK")\n'
    assert "LISTS OK" in checked(run_mpy(source, tmp_path))


def test_ctrl_c_interrupts_a_blocking_get_stream(mpy, tmp_path):
    # GetStream(-1) with nothing to encode blocks, as on the board; Ctrl-C (SIGINT) still
    # ends it with KeyboardInterrupt, and the module is usable afterwards.
    import signal
    import subprocess
    import time

    from conftest import MPY, MPY_RUNNER

    script = tmp_path / "block.py"
    script.write_text(SETUP + r"""
enc.SetOutBufs(0, 2, 320, 240)
enc.Create(0, ChnAttrStr(Encoder.PAYLOAD_TYPE_H264, Encoder.H264_PROFILE_MAIN, 320, 240))
enc.Start(0)
sd = StreamData()
print("BLOCKING")
try:
    enc.GetStream(0, sd)
    print("RETURNED")
except KeyboardInterrupt:
    print("INTERRUPTED")
enc.Stop(0)
enc.Destroy(0)
assert _k230sim.stats()["venc_channels_created"] == 0
print("CLEAN")
""")
    proc = subprocess.Popen([*MPY_RUNNER, str(MPY), str(script)], cwd=tmp_path, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, stdin=subprocess.DEVNULL)
    try:
        assert proc.stdout.readline().strip() == "BLOCKING"
        time.sleep(0.3)
        assert proc.poll() is None, "GetStream(-1) returned although nothing was encoded"
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    assert out.split() == ["INTERRUPTED", "CLEAN"], (out, err)
