# k230-venc smoke test for a CanMV-K230 firmware built with media.vencoder from k230-venc.
#
# Run it from CanMV IDE (or copy it to the SD card and run it from the REPL). It checks, in
# order: the imports (and that media.vencoder is the native k230-venc module), the documented
# constants, a few error messages, one short H.264 encode of the sensor bound to the encoder
# (FRAMES frames, written to OUT_DIR), and deinit_all(), the hook the firmware runs between
# scripts. It ends with "SMOKE OK"; any failure raises with a message saying what went wrong.
#
# The same file runs unchanged on the k230-venc simulator build (build/unix_sim/micropython)
# when /sdcard is mapped to a folder of the PC: K230_SIM_PATH_MAP="/sdcard=<folder>" (or
# scripts/k230sim run smoke_test.py, which maps it); python_tests/test_canmv_smoke.py does so.
import os
import time

OUT_DIR = "/sdcard"  # where the test stream is written (the SD card's FAT partition)
FRAMES = 30
WIDTH, HEIGHT = 640, 480


def check(cond, what):
    if not cond:
        raise AssertionError("smoke: " + what)


def expect(exc_type, fragment, fn, *args):
    """fn(*args) must raise exc_type with fragment in its message."""
    try:
        fn(*args)
    except exc_type as e:
        msg = str(e)
        check(fragment in msg, "%s message %r lacks %r" % (exc_type.__name__, msg, fragment))
        print("ok  %s: %s" % (exc_type.__name__, msg))
        return
    raise AssertionError("smoke: expected %s containing %r" % (exc_type.__name__, fragment))


# ---- 1. imports ---------------------------------------------------------------------------
from media.vencoder import *
from media.sensor import *
from media.media import *
import uctypes
import umedia

check(umedia.vencoder.Encoder is Encoder, "media.vencoder.Encoder is not the native umedia.vencoder one")
check(callable(deinit_all), "media.vencoder has no deinit_all (is the forwarder media/vencoder.py in place?)")
print("ok  imports: media.vencoder is the native k230-venc module")

# ---- 2. constants -------------------------------------------------------------------------
CONSTANTS = (
    ("Encoder.PAYLOAD_TYPE_H264", Encoder.PAYLOAD_TYPE_H264, 96),
    ("Encoder.PAYLOAD_TYPE_H265", Encoder.PAYLOAD_TYPE_H265, 265),
    ("Encoder.PAYLOAD_TYPE_JPEG", Encoder.PAYLOAD_TYPE_JPEG, 26),
    ("Encoder.H264_PROFILE_BASELINE", Encoder.H264_PROFILE_BASELINE, 1),
    ("Encoder.H264_PROFILE_MAIN", Encoder.H264_PROFILE_MAIN, 2),
    ("Encoder.H264_PROFILE_HIGH", Encoder.H264_PROFILE_HIGH, 3),
    ("Encoder.H265_PROFILE_MAIN", Encoder.H265_PROFILE_MAIN, 5),
    ("Encoder.STREAM_TYPE_HEADER", Encoder.STREAM_TYPE_HEADER, 3),
    ("Encoder.STREAM_TYPE_I", Encoder.STREAM_TYPE_I, 2),
    ("Encoder.STREAM_TYPE_P", Encoder.STREAM_TYPE_P, 1),
    ("VENC_CHN_ID_0", VENC_CHN_ID_0, 0),
    ("VENC_CHN_ID_3", VENC_CHN_ID_3, 3),
    ("VENC_CHN_ID_MAX", VENC_CHN_ID_MAX, 4),
    ("VENC_PACK_CNT_MAX", VENC_PACK_CNT_MAX, 12),
    ("VENC_DEV_ID", VENC_DEV_ID, 0),
    ("VIDEO_ENCODE_MOD_ID", VIDEO_ENCODE_MOD_ID, 9),
    ("K_PT_H264", K_PT_H264, 96),
    ("K_PT_H265", K_PT_H265, 265),
    ("K_PT_JPEG", K_PT_JPEG, 26),
    ("ALIGN_UP(1000, 4096)", ALIGN_UP(1000, 4096), 4096),
    ("uctypes.sizeof(k_video_frame_info())", uctypes.sizeof(k_video_frame_info()), 224),
)
for name, got, want in CONSTANTS:
    check(got == want, "%s is %r, expected %r" % (name, got, want))
attr = ChnAttrStr(Encoder.PAYLOAD_TYPE_H264, Encoder.H264_PROFILE_MAIN, WIDTH, HEIGHT)
check((attr.bit_rate, attr.gop_len, attr.src_frame_rate, attr.dst_frame_rate) == (4000, 30, 30, 30),
      "ChnAttrStr defaults are %r" % ((attr.bit_rate, attr.gop_len, attr.src_frame_rate, attr.dst_frame_rate),))
print("ok  constants: %d checked, ChnAttrStr defaults" % len(CONSTANTS))

# ---- 3. error messages (channel 3, left free; nothing here touches the hardware) -----------
enc = Encoder()
expect(ValueError, "chn must be in 0..3 (VENC_CHN_ID_0..VENC_CHN_ID_3) (got 4)", enc.SetOutBufs, 4, 4, WIDTH, HEIGHT)
expect(ValueError, "buf_num must be in 1..256 (got 0)", enc.SetOutBufs, 3, 0, WIDTH, HEIGHT)
expect(ValueError, "chnAttr.pic_width must be in 128..4096 for H.264/H.265 (got 100)", enc.Create, 3,
       ChnAttrStr(Encoder.PAYLOAD_TYPE_H264, Encoder.H264_PROFILE_MAIN, 100, HEIGHT))
expect(ValueError, "chnAttr.profile must be H265_PROFILE_MAIN (5) for H.265 (got 2)", enc.Create, 3,
       ChnAttrStr(Encoder.PAYLOAD_TYPE_H265, Encoder.H264_PROFILE_MAIN, WIDTH, HEIGHT))
expect(TypeError, "chn must be an int, not str", enc.Start, "0")
expect(TypeError, "streamData must be a StreamData, not list", enc.GetStream, 3, [0] * 12)
expect(RuntimeError, "Start(3): channel 3 is not created; call Create(3, chnAttr) first", enc.Start, 3)
expect(RuntimeError, "channel 3 is not created", enc.GetStream, 3, StreamData(), 0)
del enc

# ---- 4. a short encode: sensor -> encoder (bound), FRAMES frames to OUT_DIR -----------------
path = OUT_DIR + "/k230_venc_smoke.264"
chn = VENC_CHN_ID_0
sensor = Sensor()
sensor.reset()
sensor.set_framesize(width=WIDTH, height=HEIGHT, alignment=12)
sensor.set_pixformat(Sensor.YUV420SP)
encoder = Encoder()
encoder.SetOutBufs(chn, 8, WIDTH, HEIGHT)
link = MediaManager.link(sensor.bind_info()["src"], (VIDEO_ENCODE_MOD_ID, VENC_DEV_ID, chn))
MediaManager.init()
encoder.Create(chn, ChnAttrStr(encoder.PAYLOAD_TYPE_H264, encoder.H264_PROFILE_MAIN, WIDTH, HEIGHT))
encoder.Start(chn)
sensor.run()
stream = StreamData()
types = []
written = 0
t0 = time.ticks_ms()
try:
    with open(path, "wb") as fo:
        for frame in range(FRAMES):
            os.exitpoint()
            ret = encoder.GetStream(chn, stream, 2000)
            check(ret == 0, "GetStream returned 0x%08x at frame %d (no stream within 2 s)" % (ret, frame))
            check(1 <= stream.pack_cnt <= VENC_PACK_CNT_MAX, "pack_cnt %d" % stream.pack_cnt)
            for i in range(stream.pack_cnt):
                fo.write(uctypes.bytearray_at(stream.data[i], stream.data_size[i]))
                written += stream.data_size[i]
                types.append(stream.stream_type[i])
            if frame == 0:
                header_alone = stream.pack_cnt == 1 and stream.stream_type[0] == Encoder.STREAM_TYPE_HEADER
            encoder.ReleaseStream(chn, stream)
finally:
    sensor.stop()
    del link
    encoder.Stop(chn)
    encoder.Destroy(chn)
    MediaManager.deinit()
ms = time.ticks_diff(time.ticks_ms(), t0)

pictures = types.count(Encoder.STREAM_TYPE_I) + types.count(Encoder.STREAM_TYPE_P)
# One GetStream is what the MPP delivers at once: the first parameter sets may come alone.
alone = 1 if header_alone else 0
check(pictures == FRAMES - alone, "%d pictures in %d GetStream calls" % (pictures, FRAMES))
check(types[0] == Encoder.STREAM_TYPE_HEADER and types[1] == Encoder.STREAM_TYPE_I,
      "the stream starts with pack types %r, expected HEADER, I" % (types[:2],))
check(os.stat(path)[6] == written > 0, "%s has %d bytes, %d were written" % (path, os.stat(path)[6], written))
with open(path, "rb") as f:
    head = f.read(4)
check(head == b"\x00\x00\x00\x01", "%s does not start with an Annex-B start code (%r)" % (path, head))
print("ok  encode: %d frames, %d bytes (%d I, %d P, %d header packs) in %d ms -> %s"
      % (FRAMES, written, types.count(Encoder.STREAM_TYPE_I), types.count(Encoder.STREAM_TYPE_P),
         types.count(Encoder.STREAM_TYPE_HEADER), ms, path))

# ---- 5. deinit_all(): what the firmware runs between scripts ------------------------------
enc = Encoder()
enc.SetOutBufs(VENC_CHN_ID_1, 2, WIDTH, HEIGHT)
enc.Create(VENC_CHN_ID_1, ChnAttrStr(Encoder.PAYLOAD_TYPE_H264, Encoder.H264_PROFILE_BASELINE, WIDTH, HEIGHT))
enc.Start(VENC_CHN_ID_1)
deinit_all()  # stops and destroys channel 1, as a soft reset would
expect(RuntimeError, "Stop(1): channel 1 is not created", enc.Stop, VENC_CHN_ID_1)
# The channel is free again: it can be set up and torn down as usual.
enc.SetOutBufs(VENC_CHN_ID_1, 2, WIDTH, HEIGHT)
enc.Create(VENC_CHN_ID_1, ChnAttrStr(Encoder.PAYLOAD_TYPE_H264, Encoder.H264_PROFILE_BASELINE, WIDTH, HEIGHT))
enc.Destroy(VENC_CHN_ID_1)
deinit_all()
print("ok  deinit_all: a started channel is gone, and the channel is usable again")

print("SMOKE OK")
