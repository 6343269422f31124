"""Nothing outlives a script: finalisers, the deinit-all hook, and zero heap
allocation in the steady-state GetStream/ReleaseStream loop."""

from conftest import SENSOR_320X240, checked, doc_example, run_mpy, start_channel, stop_channel

LEAK_CHECK = r"""
def assert_clean():
    st = _k230sim.stats()
    for k in ("venc_channels_created", "venc_channels_started", "venc_streams_held", "mappings", "binds", "vb_inited"):
        assert st[k] == 0, (k, st[k], st)
"""


def test_crash_mid_loop_then_deinit_all_then_doc_example_again(mpy, tmp_path):
    release = "                encoder.ReleaseStream(venc_chn, streamData)"
    crashed = doc_example("doc_example1.py", tmp_path / "first.264").replace(
        release,
        "                if frame_count == 17:\n                    raise SystemExit('boom')\n" + release,
        1,
    )
    assert "boom" in crashed
    # The doc example catches BaseException and goes on with its cleanup; make the
    # crash skip the cleanup entirely, as a script killed from the IDE would.
    crashed = crashed.replace("        except BaseException as e:", "        except ImportError as e:", 1)
    again = doc_example("doc_example1.py", tmp_path / "second.264")
    source = f"""
import _k230sim
{LEAK_CHECK}
try:
    exec({crashed!r})
except SystemExit as e:
    print("crashed:", e)
st = _k230sim.stats()
assert st["venc_channels_started"] == 1 and st["binds"] == 1 and st["venc_streams_held"] == 1, st
import media.vencoder
media.vencoder.deinit_all()      # the hook a firmware runs between scripts
assert_clean()
for dev in range(3):             # and its other step: the sensors stop (and free their devices)
    _k230sim.vicap_stop(dev)
exec({again!r})
assert_clean()
print("AGAIN OK")
"""
    out = checked(run_mpy(source, tmp_path))
    assert "crashed: boom" in out and "AGAIN OK" in out
    assert (tmp_path / "second.264").stat().st_size > 0


def test_dropped_encoder_is_finalised(mpy, tmp_path):
    source = r"""
from media.vencoder import *
from media.media import *
import gc, _k230sim
""" + LEAK_CHECK + r"""
def make_and_forget():
    enc = Encoder()
    enc.SetOutBufs(1, 4, 640, 480)
    enc.Create(1, ChnAttrStr(Encoder.PAYLOAD_TYPE_H264, Encoder.H264_PROFILE_MAIN, 640, 480))
    enc.Start(1)
    # no Stop / Destroy: the object is simply dropped

make_and_forget()
for _ in range(3):
    gc.collect()
assert_clean()
enc = Encoder()
enc.SetOutBufs(1, 4, 640, 480)
enc.Create(1, ChnAttrStr(Encoder.PAYLOAD_TYPE_H264, Encoder.H264_PROFILE_MAIN, 640, 480))
enc.Start(1)
enc.Stop(1)
enc.Destroy(1)
assert_clean()
print("FINALISED OK")
"""
    assert "FINALISED OK" in checked(run_mpy(source, tmp_path))


def test_dropped_link_unbinds(mpy, tmp_path):
    source = r"""
from media.vencoder import *
from media.sensor import *
from media.media import *
import gc, _k230sim

def bind():
    s = Sensor()
    s.reset()
    s.set_framesize(width=640, height=480)
    s.set_pixformat(Sensor.YUV420SP)
    return MediaManager.link(s.bind_info()['src'], (VIDEO_ENCODE_MOD_ID, VENC_DEV_ID, 2))

link = bind()
assert _k230sim.stats()["binds"] == 1
del link
for _ in range(3):
    gc.collect()
assert _k230sim.stats()["binds"] == 0
print("UNBOUND OK")
"""
    assert "UNBOUND OK" in checked(run_mpy(source, tmp_path))


def test_get_release_loop_allocates_nothing(mpy, tmp_path):
    source = SENSOR_320X240 + r"""
import gc
""" + start_channel(0, 4, linked=True) + r"""
sd = StreamData()
chn = VENC_CHN_ID_0

def loop(n):
    packs = 0
    for _ in range(n):
        enc.GetStream(chn, sd)
        packs += sd.pack_cnt
        enc.ReleaseStream(chn, sd)
    return packs

loop(10)                     # warm up
gc.collect()
gc.disable()
before = gc.mem_alloc()
packs = loop(1000)
after = gc.mem_alloc()
gc.enable()
print("PACKS", packs)
print("ALLOCATED", after - before)
""" + stop_channel(0, linked=True)
    out = checked(run_mpy(source, tmp_path))
    assert "PACKS 1033" in out  # frames 10..1009: 33 IDRs (header + I) at multiples of 30
    assert "ALLOCATED 0\n" in out, out
