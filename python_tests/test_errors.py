"""Bad input and wrong order: every case raises a clear exception naming the
argument and its allowed values, or the state, and leaves the module usable.

All cases run in one MicroPython process (state carried over on purpose: a
case that broke something would make the final `recovery` case fail)."""

import pytest

from conftest import checked, run_mpy

PRELUDE = r"""
from media.vencoder import *
from media.sensor import *
from media.media import *
import _k230sim

enc = Encoder()
H264, H265, JPEG = Encoder.PAYLOAD_TYPE_H264, Encoder.PAYLOAD_TYPE_H265, Encoder.PAYLOAD_TYPE_JPEG
MAIN = Encoder.H264_PROFILE_MAIN

def fresh(state="free", attr=None):
    deinit_all()
    _k230sim.fault_clear()
    enc.SetOutBufs(0, 4, 640, 480)
    if state in ("created", "started"):
        enc.Create(0, attr or ChnAttrStr(H264, MAIN, 640, 480))
    if state == "started":
        enc.Start(0)

def case(name, setup, stmt, exc, fragment):
    try:
        setup()
        stmt()
    except Exception as e:
        msg = str(e)
        if type(e).__name__ == exc and fragment in msg:
            print("CASE", name, "OK")
        else:
            print("CASE", name, "FAIL", type(e).__name__, repr(msg))
        return
    print("CASE", name, "FAIL no exception")

sd = StreamData()
"""

S = "lambda: fresh()"
C = "lambda: fresh('created')"
R = "lambda: fresh('started')"

# name, setup, statement, exception, message fragment
CASES = [
    ("chn_negative", R, "lambda: enc.Start(-2)", "ValueError", "chn must be in 0..3 (VENC_CHN_ID_0..VENC_CHN_ID_3) (got -2)"),
    # -1 is Encoder.chn before Create(chnAttr): the message says what to do.
    ("chn_minus_one", R, "lambda: enc.Start(-1)", "ValueError", "Start: no channel requested yet (chn -1: Encoder.chn is -1 until Create(chnAttr) requests one); call Create(chnAttr) first, or name a channel 0..3"),
    ("chn_4", S, "lambda: enc.Create(4, ChnAttrStr(H264, MAIN, 640, 480))", "ValueError", "chn must be in 0..3"),
    ("chn_huge", S, "lambda: enc.SetOutBufs(2**70, 4, 640, 480)", "ValueError", "chn must be in 0..3"),
    ("chn_huge_negative", S, "lambda: enc.Stop(-2**70)", "ValueError", "chn must be in 0..3"),
    ("chn_wrong_type", S, "lambda: enc.Start('0')", "TypeError", "chn must be an int, not str"),
    ("chn_float", S, "lambda: enc.Destroy(0.0)", "TypeError", "chn must be an int, not float"),
    ("attr_wrong_kind", S, "lambda: enc.Create(0, (H264, MAIN, 640, 480))", "TypeError", "chnAttr must be a ChnAttrStr"),
    ("attr_field_type", S, "lambda: ChnAttrStr(H264, MAIN, 640, 480, bit_rate='4000')", "TypeError", "ChnAttrStr: bit_rate must be an int, not str; allowed: kbit/s, 1..4294967295"),
    ("attr_store_type", S, "lambda: setattr(ChnAttrStr(H264, MAIN, 640, 480), 'gop_len', None)", "TypeError", "gop_len must be an int"),
    ("width_below_128", S, "lambda: enc.Create(0, ChnAttrStr(H264, MAIN, 127, 480))", "ValueError", "chnAttr.pic_width must be in 128..4096 for H.264/H.265 (got 127)"),
    ("width_above_4096", S, "lambda: enc.Create(0, ChnAttrStr(H265, 5, 4097, 480))", "ValueError", "chnAttr.pic_width must be in 128..4096"),
    ("height_below_64", S, "lambda: enc.Create(0, ChnAttrStr(H264, MAIN, 640, 63))", "ValueError", "chnAttr.pic_height must be in 64..4096"),
    ("height_above_4096", S, "lambda: enc.Create(0, ChnAttrStr(H264, MAIN, 640, 4097))", "ValueError", "chnAttr.pic_height must be in 64..4096"),
    ("jpeg_width_above_8192", S, "lambda: enc.Create(0, ChnAttrStr(JPEG, 0, 8193, 480))", "ValueError", "chnAttr.pic_width must be in 128..8192 for JPEG (got 8193)"),
    ("jpeg_height_above_8192", S, "lambda: enc.Create(0, ChnAttrStr(JPEG, 0, 640, 8193))", "ValueError", "chnAttr.pic_height must be in 64..8192 for JPEG"),
    ("profile_h265_for_h264", S, "lambda: enc.Create(0, ChnAttrStr(H264, Encoder.H265_PROFILE_MAIN, 640, 480))", "ValueError", "chnAttr.profile must be H264_PROFILE_BASELINE (1), H264_PROFILE_MAIN (2) or H264_PROFILE_HIGH (3) for H.264 (got 5)"),
    ("profile_h264_for_h265", S, "lambda: enc.Create(0, ChnAttrStr(H265, MAIN, 640, 480))", "ValueError", "chnAttr.profile must be H265_PROFILE_MAIN (5) for H.265 (got 2)"),
    # JPEG ignores the profile (as the board does): any value the profile constants take passes.
    ("profile_for_jpeg", S, "lambda: enc.Create(0, ChnAttrStr(JPEG, 4, 640, 480))", "ValueError", "chnAttr.profile must be 0 or a profile constant (H264_PROFILE_BASELINE (1), H264_PROFILE_MAIN (2), H264_PROFILE_HIGH (3), H265_PROFILE_MAIN (5)) for JPEG, which ignores it (got 4)"),
    ("payload_unknown", S, "lambda: enc.Create(0, ChnAttrStr(1002, 0, 640, 480))", "ValueError", "chnAttr.payload_type must be PAYLOAD_TYPE_H264 (96), PAYLOAD_TYPE_H265 (265) or PAYLOAD_TYPE_JPEG (26)"),
    ("bit_rate_zero", S, "lambda: enc.Create(0, ChnAttrStr(H264, MAIN, 640, 480, bit_rate=0))", "ValueError", "chnAttr.bit_rate must be in 1..4294967295 kbit/s (got 0)"),
    ("bit_rate_negative", S, "lambda: enc.Create(0, ChnAttrStr(H264, MAIN, 640, 480, -5))", "ValueError", "chnAttr.bit_rate"),
    ("gop_zero", S, "lambda: enc.Create(0, ChnAttrStr(H264, MAIN, 640, 480, gopLen=0))", "ValueError", "chnAttr.gop_len must be in 1..4294967295 (got 0)"),
    ("src_fps_zero", S, "lambda: enc.Create(0, ChnAttrStr(H264, MAIN, 640, 480, src_frame_rate=0))", "ValueError", "chnAttr.src_frame_rate"),
    ("dst_fps_zero", S, "lambda: enc.Create(0, ChnAttrStr(H264, MAIN, 640, 480, dst_frame_rate=0))", "ValueError", "chnAttr.dst_frame_rate"),
    ("dst_above_src", S, "lambda: enc.Create(0, ChnAttrStr(H264, MAIN, 640, 480, src_frame_rate=25, dst_frame_rate=30))", "ValueError", "chnAttr.dst_frame_rate must be in 1..src_frame_rate (got 30)"),
    ("jpeg_quality_zero", S, "lambda: enc.Create(0, ChnAttrStr(JPEG, 0, 640, 480, mjpeg_quality_factor=0))", "ValueError", "chnAttr.mjpeg_quality_factor must be in 1..99 (got 0)"),
    ("jpeg_quality_100", S, "lambda: enc.Create(0, ChnAttrStr(JPEG, 0, 640, 480, mjpeg_quality_factor=100))", "ValueError", "chnAttr.mjpeg_quality_factor"),
    # The ChnAttrStr keywords beyond the manual.
    ("rc_mode_unknown", S, "lambda: enc.Create(0, ChnAttrStr(H264, MAIN, 640, 480, rc_mode=0))", "ValueError", "chnAttr.rc_mode must be RC_CBR (1), RC_VBR (2) or RC_FIXQP (3) (got 0)"),
    ("rc_mode_mjpeg_fixqp", S, "lambda: enc.Create(0, ChnAttrStr(H265, 5, 640, 480, rc_mode=4))", "ValueError", "chnAttr.rc_mode must be RC_CBR (1), RC_VBR (2) or RC_FIXQP (3) (got 4)"),
    ("rc_mode_type", S, "lambda: ChnAttrStr(H264, MAIN, 640, 480, rc_mode='vbr')", "TypeError", "rc_mode must be an int, not str"),
    ("rc_mode_positional", S, "lambda: ChnAttrStr(H264, MAIN, 640, 480, 4000, 30, 30, 30, 45, 2)", "TypeError", "ChnAttrStr takes at most 9 positional arguments (payloadType .. mjpeg_quality_factor), got 10; rc_mode, max_bit_rate, i_qp, p_qp, rotation and mirror are keyword-only"),
    ("jpeg_vbr", S, "lambda: enc.Create(0, ChnAttrStr(JPEG, 0, 640, 480, rc_mode=Encoder.RC_VBR))", "ValueError", "chnAttr.rc_mode must be RC_CBR (1, the default: JPEG is always fixed quality, set by mjpeg_quality_factor) (got 2)"),
    ("vbr_max_below_average", S, "lambda: enc.Create(0, ChnAttrStr(H264, MAIN, 640, 480, 4000, rc_mode=Encoder.RC_VBR, max_bit_rate=2000))", "ValueError", "chnAttr.max_bit_rate must be 0 (the default: bit_rate) or at least bit_rate for RC_VBR (got 2000)"),
    ("max_bit_rate_negative", S, "lambda: enc.Create(0, ChnAttrStr(H264, MAIN, 640, 480, max_bit_rate=-1))", "ValueError", "chnAttr.max_bit_rate must be 0 (the default: bit_rate) or in 1..4294967295 kbit/s (got -1)"),
    ("i_qp_60", S, "lambda: enc.Create(0, ChnAttrStr(H264, MAIN, 640, 480, rc_mode=Encoder.RC_FIXQP, i_qp=60))", "ValueError", "chnAttr.i_qp must be in 0..51 (got 60)"),
    ("p_qp_negative", S, "lambda: enc.Create(0, ChnAttrStr(H265, 5, 640, 480, rc_mode=Encoder.RC_FIXQP, p_qp=-1))", "ValueError", "chnAttr.p_qp must be in 0..51 (got -1)"),
    ("rotation_45", S, "lambda: enc.Create(0, ChnAttrStr(H264, MAIN, 640, 480, rotation=45))", "ValueError", "chnAttr.rotation must be ROTATION_0 (0), ROTATION_90 (90), ROTATION_180 (180) or ROTATION_270 (270) (got 45)"),
    # The MPP's k_rotation value of 90 degrees is 1: the constants are degrees.
    ("rotation_mpp_value", S, "lambda: enc.Create(0, ChnAttrStr(JPEG, 0, 640, 480, rotation=1))", "ValueError", "chnAttr.rotation must be ROTATION_0 (0), ROTATION_90 (90)"),
    ("mirror_both", S, "lambda: enc.Create(0, ChnAttrStr(H264, MAIN, 640, 480, mirror=3))", "ValueError", "chnAttr.mirror must be MIRROR_NONE (0), MIRROR_HORIZONTAL (1) or MIRROR_VERTICAL (2) (got 3)"),
    ("mpp_set_mirror", "lambda: (fresh(), _k230sim.fault('kd_mpi_venc_set_mirror', -1609990131))", "lambda: enc.Create(0, ChnAttrStr(H264, MAIN, 640, 480, mirror=Encoder.MIRROR_HORIZONTAL))", "OSError", "kd_mpi_venc_set_mirror failed: K_ERR_VENC_NOBUF (0xa009800d)"),
    ("buf_num_zero", S, "lambda: enc.SetOutBufs(1, 0, 640, 480)", "ValueError", "buf_num must be in 1..256 (got 0)"),
    ("out_bufs_width", S, "lambda: enc.SetOutBufs(1, 4, 64, 480)", "ValueError", "width must be in 128..8192"),
    ("out_bufs_after_init", "lambda: (fresh(), MediaManager.init())", "lambda: enc.SetOutBufs(1, 4, 640, 480)", "RuntimeError", "SetOutBufs: MediaManager.init() was called already (SetOutBufs comes before it); call MediaManager.deinit() first, or, to start over after an earlier run, media.vencoder.deinit_all()"),
    ("init_twice", "lambda: (fresh(), MediaManager.init())", "lambda: MediaManager.init()", "RuntimeError", "already called"),
    ("create_without_out_bufs", "lambda: deinit_all()", "lambda: enc.Create(1, ChnAttrStr(H264, MAIN, 640, 480))", "RuntimeError", "Create(1): channel 1 has no output buffers; call SetOutBufs(1, buf_num, width, height) first (before MediaManager.init())"),
    ("start_before_create", S, "lambda: enc.Start(0)", "RuntimeError", "Start(0): channel 0 is not created; call Create(0, chnAttr) first"),
    ("start_twice", R, "lambda: enc.Start(0)", "RuntimeError", "Start(0): channel 0 is started (already: nothing to do); call Stop(0) first to start it again"),
    ("get_stream_before_start", C, "lambda: enc.GetStream(0, sd)", "RuntimeError", "GetStream(0): channel 0 is created but not started"),
    ("get_stream_before_create", S, "lambda: enc.GetStream(0, sd)", "RuntimeError", "channel 0 is not created"),
    ("send_frame_before_start", C, "lambda: enc.SendFrame(0, k_video_frame_info())", "RuntimeError", "SendFrame(0): channel 0 is created but not started"),
    ("release_without_stream", R, "lambda: enc.ReleaseStream(0, StreamData())", "RuntimeError", "streamData holds no stream; call GetStream(chn, streamData) first"),
    ("create_twice", C, "lambda: enc.Create(0, ChnAttrStr(H264, MAIN, 640, 480))", "RuntimeError", "Create(0): channel 0 is created but not started; call Destroy(0) first, or use another channel"),
    ("destroy_twice", "lambda: (fresh('created'), enc.Destroy(0))", "lambda: enc.Destroy(0)", "RuntimeError", "Destroy(0): channel 0 is not created"),
    ("destroy_while_started", R, "lambda: enc.Destroy(0)", "RuntimeError", "Destroy(0): channel 0 is started; call Stop(0) first"),
    ("stop_before_create", S, "lambda: enc.Stop(0)", "RuntimeError", "Stop(0): channel 0 is not created"),
    ("timeout_below_minus_one", R, "lambda: enc.GetStream(0, sd, -2)", "ValueError", "timeout must be -1 (block), 0 (non-blocking) or a positive number of milliseconds (got -2)"),
    ("timeout_wrong_type", R, "lambda: enc.GetStream(0, sd, timeout='1')", "TypeError", "timeout must be an int"),
    ("stream_data_wrong_kind", R, "lambda: enc.GetStream(0, [0] * 12)", "TypeError", "streamData must be a StreamData, not list"),
    ("release_wrong_kind", R, "lambda: enc.ReleaseStream(0, None)", "TypeError", "streamData must be a StreamData, not NoneType"),
    ("frame_info_wrong_size", R, "lambda: enc.SendFrame(0, small_struct())", "TypeError", "frame_info must be a k_video_frame_info() (224-byte k_video_frame_info struct)"),
    ("frame_info_wrong_kind", R, "lambda: enc.SendFrame(0, 42)", "TypeError", "SendFrame: frame_info must be a k_video_frame_info() struct or the frame of sensor.snapshot(dump_frame=True), not int"),
    ("frame_info_text", R, "lambda: enc.SendFrame(0, 'x' * 224)", "TypeError", "frame_info must be a k_video_frame_info() struct or the frame of sensor.snapshot(dump_frame=True), not str"),
    # Any 224-byte buffer is a frame, as on the board (its binding takes any buffer of that size).
    ("frame_info_raw_bytes", R, "lambda: enc.SendFrame(0, bytes(224))", "ValueError", "frame_info.v_frame.width must be 640 (the channel's pic_width) (got 0)"),
    ("frame_info_empty", R, "lambda: enc.SendFrame(0, k_video_frame_info())", "ValueError", "frame_info.v_frame.width must be 640 (the channel's pic_width) (got 0)"),
    ("frame_info_pixel_format", R, "lambda: enc.SendFrame(0, snap_frame(pixel_format=2))", "ValueError", "frame_info.v_frame.pixel_format must be Sensor.YUV420SP (31, NV12), ARGB8888 (11) or BGRA8888 (17) (got 2)"),
    ("frame_info_no_uv", R, "lambda: enc.SendFrame(0, snap_frame(uv=0))", "ValueError", "frame_info.v_frame.phys_addr[1]: is 0"),
    ("frame_info_bad_address", R, "lambda: enc.SendFrame(0, snap_frame(uv=16))", "OSError", "kd_mpi_venc_send_frame failed: K_ERR_VENC_BADADDR"),
    ("odd_width", S, "lambda: enc.Create(0, ChnAttrStr(H264, MAIN, 641, 480))", "ValueError", "chnAttr.pic_width must be even (4:2:0 pictures) (got 641)"),
    ("chn_beyond_64_bits", S, "lambda: enc.Start(2**64)", "ValueError", "chn must be in 0..3 (VENC_CHN_ID_0..VENC_CHN_ID_3) (got a number beyond 64 bits)"),
    ("create_on_started", R, "lambda: enc.Create(0, ChnAttrStr(H264, MAIN, 640, 480))", "RuntimeError", "Create(0): channel 0 is started; call Stop(0), then Destroy(0) first, or use another channel (media.vencoder.deinit_all() releases every channel, to start over)"),
    ("mpp_exist", "lambda: (fresh(), _k230sim.fault('kd_mpi_venc_create_chn', -1609990140))", "lambda: enc.Create(0, ChnAttrStr(H264, MAIN, 640, 480))", "OSError", "kd_mpi_venc_create_chn failed: K_ERR_VENC_EXIST (0xa0098004)"),
    ("mpp_vb_init", "lambda: (fresh(), _k230sim.fault('kd_mpi_vb_init', -1610317812))", "lambda: MediaManager.init()", "OSError", "kd_mpi_vb_init failed: K_ERR_VB_NOMEM (0xa004800c)"),
    ("link_bad_tuple", S, "lambda: MediaManager.link((6, 0), (VIDEO_ENCODE_MOD_ID, VENC_DEV_ID, 0))", "TypeError", "src must be a (module id, device id, channel id) tuple"),
    ("link_bad_module", S, "lambda: MediaManager.link((99, 0, 0), (VIDEO_ENCODE_MOD_ID, VENC_DEV_ID, 0))", "ValueError", "src[0] (module id) must be a module id in 0..24 (got 99)"),
    ("link_unsupported", S, "lambda: MediaManager.link((VIDEO_ENCODE_MOD_ID, 0, 0), (VIDEO_ENCODE_MOD_ID, VENC_DEV_ID, 1))", "OSError", "kd_mpi_sys_bind failed: K_ERR_SYS_"),
    ("get_while_holding", "lambda: (fresh('started'), enc.SendFrame(0, snap_frame()), enc.GetStream(0, sd))", "lambda: enc.GetStream(0, sd)", "RuntimeError", "streamData still holds an unreleased stream"),
    ("release_other_channel", "lambda: (fresh('started'), enc.SendFrame(0, snap_frame()), enc.GetStream(0, sd), enc.SetOutBufs(1, 2, 640, 480), enc.Create(1, ChnAttrStr(H264, MAIN, 640, 480)))", "lambda: enc.ReleaseStream(1, sd)", "ValueError", "streamData holds a stream of another channel"),
]

SNAP = r"""
sensor = Sensor()
sensor.reset()
sensor.set_framesize(width=640, height=480)
sensor.set_pixformat(Sensor.YUV420SP)
sensor.run()

def snap_frame(pixel_format=Sensor.YUV420SP, uv=None):
    img = sensor.snapshot(chn=CAM_CHN_ID_0)
    f = k_video_frame_info()
    f.v_frame.width = img.width()
    f.v_frame.height = img.height()
    f.v_frame.pixel_format = pixel_format
    f.pool_id = img.poolid()
    f.v_frame.phys_addr[0] = img.phyaddr()
    f.v_frame.phys_addr[1] = img.phyaddr() + ALIGN_UP(640 * 480, 4096) if uv is None else uv
    return f

def small_struct():
    # A uctypes struct, but of 100 bytes.
    return uctypes.struct(uctypes.addressof(_small), {"width": 0 | uctypes.UINT32, "tail": 96 | uctypes.UINT32})

_small = bytearray(100)
"""

RECOVERY = r"""
# After all of the above, every channel still works end to end, and nothing is left over.
ok = True
try:
    deinit_all()
    _k230sim.fault_clear()
    for chn in (0, 1, 2, 3):
        enc.SetOutBufs(chn, 3, 640, 480)
    MediaManager.init()
    for chn in (0, 1, 2, 3):
        enc.Create(chn, ChnAttrStr(H264, MAIN, 640, 480))
        enc.Start(chn)
        assert enc.SendFrame(chn, snap_frame()) == 0
        assert enc.GetStream(chn, sd, 1000) == 0, "no stream"
        assert sd.stream_type[0] == Encoder.STREAM_TYPE_HEADER
        enc.ReleaseStream(chn, sd)
        if sd.pack_cnt == 1:
            # The first parameter sets came alone (the MPP's choice): the IDR follows.
            assert enc.GetStream(chn, sd, 1000) == 0, "no IDR"
            assert sd.stream_type[0] == Encoder.STREAM_TYPE_I
            enc.ReleaseStream(chn, sd)
        enc.Stop(chn)
        enc.Destroy(chn)
    MediaManager.deinit()
    sensor.stop()
    st = _k230sim.stats()
    for k in ("venc_channels_created", "venc_streams_held", "mappings", "binds", "vb_inited", "vicap_running"):
        assert st[k] == 0, (k, st[k])
except Exception as e:
    ok = False
    print("CASE recovery FAIL", type(e).__name__, e)
if ok:
    print("CASE recovery OK")
"""


@pytest.fixture(scope="module")
def results(mpy, tmp_path_factory):
    lines = [PRELUDE, SNAP]
    for name, setup, stmt, exc, frag in CASES:
        lines.append(f"case({name!r}, {setup}, {stmt}, {exc!r}, {frag!r})")
    lines.append(RECOVERY)
    out = checked(run_mpy("\n".join(lines), tmp_path_factory.mktemp("errors")))
    got = {}
    for line in out.splitlines():
        if line.startswith("CASE "):
            parts = line.split(" ", 3)
            got[parts[1]] = line
    return got, out


@pytest.mark.parametrize("name", [c[0] for c in CASES] + ["recovery"])
def test_case(results, name):
    got, out = results
    assert name in got, f"case {name} did not run; output:\n{out}"
    assert got[name].endswith(" OK"), got[name]
