"""The documented API surface of media.vencoder, and both registration layouts."""

from conftest import checked, run_mpy

SURFACE = r"""
from media.vencoder import *

# Constants the doc examples take from `from media.vencoder import *`.
assert (VENC_CHN_ID_0, VENC_CHN_ID_1, VENC_CHN_ID_2, VENC_CHN_ID_3) == (0, 1, 2, 3)
assert VENC_CHN_ID_MAX == 4 and VENC_PACK_CNT_MAX == 12 and VENC_DEV_ID == 0
assert VIDEO_ENCODE_MOD_ID == 9
assert (K_PT_H264, K_PT_H265, K_PT_JPEG) == (96, 265, 26)
assert ALIGN_UP(800, 16) == 800 and ALIGN_UP(801, 16) == 816 and ALIGN_UP(800 * 480, 4096) == 385024
assert uctypes.bytearray_at
E = Encoder
assert (E.PAYLOAD_TYPE_H264, E.PAYLOAD_TYPE_H265, E.PAYLOAD_TYPE_JPEG) == (96, 265, 26)
assert (E.H264_PROFILE_BASELINE, E.H264_PROFILE_MAIN, E.H264_PROFILE_HIGH, E.H265_PROFILE_MAIN) == (1, 2, 3, 5)
assert (E.STREAM_TYPE_HEADER, E.STREAM_TYPE_I, E.STREAM_TYPE_P) == (3, 2, 1)
enc = Encoder()
assert enc.PAYLOAD_TYPE_H264 == 96 and enc.H264_PROFILE_MAIN == 2
for m in ("SetOutBufs", "Create", "Start", "SendFrame", "GetStream", "ReleaseStream", "Stop", "Destroy"):
    assert callable(getattr(enc, m)), m

# ChnAttrStr: documented defaults, positional order (bit_rate 5th, gopLen 6th), keywords.
a = ChnAttrStr(E.PAYLOAD_TYPE_H264, E.H264_PROFILE_MAIN, 1280, 720)
assert (a.payload_type, a.profile, a.pic_width, a.pic_height) == (96, 2, 1280, 720)
assert (a.bit_rate, a.gop_len, a.src_frame_rate, a.dst_frame_rate, a.mjpeg_quality_factor) == (4000, 30, 30, 30, 45)
b = ChnAttrStr(E.PAYLOAD_TYPE_H265, E.H265_PROFILE_MAIN, 640, 480, 2000, 60, 25, 15, 80)
assert (b.bit_rate, b.gop_len, b.src_frame_rate, b.dst_frame_rate, b.mjpeg_quality_factor) == (2000, 60, 25, 15, 80)
c = ChnAttrStr(payloadType=26, profile=0, picWidth=320, picHeight=240, mjpeg_quality_factor=90, gopLen=10)
assert (c.payload_type, c.pic_width, c.gop_len, c.mjpeg_quality_factor, c.bit_rate) == (26, 320, 10, 90, 4000)
for name in ("payload_type", "profile", "pic_width", "pic_height", "gop_len", "bit_rate", "src_frame_rate", "dst_frame_rate", "mjpeg_quality_factor"):
    setattr(a, name, 7)
    assert getattr(a, name) == 7, name
print(repr(b))

# StreamData: five lists of VENC_PACK_CNT_MAX plus pack_cnt.
sd = StreamData()
for name in ("data", "phy_addr", "data_size", "stream_type", "pts"):
    lst = getattr(sd, name)
    assert len(lst) == VENC_PACK_CNT_MAX and lst[0] == 0 and lst[11] == 0, name
assert sd.pack_cnt == 0
sd.pack_cnt = 3
assert sd.pack_cnt == 3

# k_video_frame_info(): the 224-byte MPP struct through uctypes.
f = k_video_frame_info()
assert uctypes.sizeof(f) == 224
f.v_frame.width = 800
f.v_frame.height = 480
f.v_frame.pixel_format = 31
f.v_frame.phys_addr[0] = 0x10000000
f.v_frame.phys_addr[1] = 0x10000000 + 800 * 480 + 1024
f.v_frame.stride[0] = 800
f.pool_id = 5
raw = uctypes.bytearray_at(uctypes.addressof(f), 224)
assert raw[0:4] == b"\x20\x03\x00\x00"          # width @0
assert raw[12:16] == b"\x1f\x00\x00\x00"        # pixel_format @12
assert raw[44:48] == b"\x20\x03\x00\x00"        # stride[0] @44
assert raw[104:112] == b"\x00\x00\x00\x10\x00\x00\x00\x00"  # phys_addr[0] @104
assert int.from_bytes(raw[112:120], "little") == 0x10000000 + 385024
assert raw[216:220] == b"\x05\x00\x00\x00"      # pool_id @216
import gc
gc.collect()
assert f.v_frame.width == 800, "frame_info memory survived a collection"
print("SURFACE OK")
"""


def test_surface(mpy, tmp_path):
    out = checked(run_mpy(SURFACE, tmp_path))
    assert "SURFACE OK" in out
    assert "ChnAttrStr(payload_type=265, profile=5, pic_width=640, pic_height=480, bit_rate=2000" in out


LAYOUT_NATIVE = r"""
import sys
sys.path.remove(".frozen")          # no Python `media` package anywhere
from media.vencoder import *
import media
assert media.__name__ == "media" and not hasattr(media, "__path__") and not hasattr(media, "__file__")
assert Encoder.PAYLOAD_TYPE_H264 == 96 and VENC_CHN_ID_0 == 0
try:
    import media.sensor
    print("unexpected media.sensor")
except ImportError:
    pass
print("NATIVE OK")
"""

LAYOUT_PACKAGE = r"""
from media.vencoder import *
from media.sensor import *
from media.media import *
import media, media.vencoder, umedia
assert hasattr(media, "__path__"), "the Python media package is in use"
assert media.vencoder.Encoder is umedia.vencoder.Encoder, "forwarder exports the native types"
assert Encoder is umedia.vencoder.Encoder and StreamData is umedia.vencoder.StreamData
assert MediaManager and Sensor and CAM_CHN_ID_0 == 0
print("PACKAGE OK")
"""


def test_registration_without_media_package(mpy, tmp_path):
    assert "NATIVE OK" in checked(run_mpy(LAYOUT_NATIVE, tmp_path))


def test_registration_with_media_package_forwarder(mpy, tmp_path):
    assert "PACKAGE OK" in checked(run_mpy(LAYOUT_PACKAGE, tmp_path))


def test_forwarder_is_one_line():
    from conftest import ROOT

    code = [
        line
        for line in (ROOT / "boards/unix_sim/python/media/vencoder.py").read_text().splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]
    assert code == ["from umedia.vencoder import *"]


def test_streamdata_repr_with_any_pack_cnt(mpy, tmp_path):
    # pack_cnt takes any int the script stores; printing the StreamData never raises.
    source = r"""
from media.vencoder import *
sd = StreamData()
for v in (2 ** 70, -(2 ** 70), 5):
    sd.pack_cnt = v
    print(repr(sd))
"""
    out = checked(run_mpy(source, tmp_path))
    assert f"StreamData(pack_cnt={2 ** 70})" in out
    assert f"StreamData(pack_cnt={-(2 ** 70)})" in out
    assert "StreamData(pack_cnt=5)" in out
