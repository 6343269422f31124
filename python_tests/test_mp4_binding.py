"""The MP4 bindings of the simulator build, on every build (also the riscv64 one without libav
and the MicroPython 1.21 one): mpp.mp4_format / mpp.mp4_format_struct as CanMV shapes them
(struct sizes, size checks, handles as ints, int returns, the mpp package holding only the MP4
modules), the kd_mp4_* calls' answers for unknown handles, the calls of a simulator built
without libav (-1 and a line saying so), and the microphone and G.711 encoder of _k230audio."""

from conftest import checked, run_mpy

HAS_LIBAV = """
import _k230sim
try:
    _k230sim.backend('libav')
    LIBAV = True
except ValueError:
    LIBAV = False
_k230sim.backend('synthetic')
"""


def test_structs_and_size_checks(mpy, tmp_path):
    src = """
import uctypes
from mpp.mp4_format import *
from mpp.mp4_format_struct import *
from mpp.common_struct import k_u64_ptr as k64
print('sizes', uctypes.sizeof(k_mp4_config_s()), uctypes.sizeof(k_mp4_track_info_s()),
      uctypes.sizeof(k_mp4_frame_data_s()), uctypes.sizeof(k_mp4_file_info_s()),
      uctypes.sizeof(k_u64_ptr()), uctypes.sizeof(k_u32_ptr()), k64 is k_u64_ptr)
print('enums', K_MP4_CONFIG_MUXER, K_MP4_CONFIG_DEMUXER, K_MP4_STREAM_VIDEO, K_MP4_STREAM_AUDIO,
      K_MP4_CODEC_ID_H264, K_MP4_CODEC_ID_H265, K_MP4_CODEC_ID_G711A, K_MP4_CODEC_ID_G711U, K_MP4_CODEC_ID_BUTT)
f = k_mp4_frame_data_s()
f.eof = 1
f.data = 0x123456789
print('frame', bytes(uctypes.bytearray_at(uctypes.addressof(f), 32)).hex())
for call in (lambda: kd_mp4_create(k_u32_ptr(), k_mp4_config_s()),
             lambda: kd_mp4_create(k_u64_ptr(), bytearray(135)),
             lambda: kd_mp4_create_track(1, k_u64_ptr(), k_mp4_file_info_s()),
             lambda: kd_mp4_get_file_info(1, k_mp4_track_info_s()),
             lambda: kd_mp4_get_frame(1, 5),
             lambda: kd_mp4_destroy(None)):
    try:
        call()
    except TypeError as e:
        print('TypeError', e)
print('unknown', kd_mp4_destroy(7), kd_mp4_destroy_tracks(7), kd_mp4_write_frame(7, 8, k_mp4_frame_data_s()),
      kd_mp4_get_file_info(7, k_mp4_file_info_s()), kd_mp4_get_track_by_index(7, 0, k_mp4_track_info_s()),
      kd_mp4_get_frame(7, k_mp4_frame_data_s()))
try:
    import mpp.venc
except ImportError:
    print('no mpp.venc')
"""
    proc = run_mpy(src, tmp_path)
    out = checked(proc)
    assert "sizes 136 28 32 16 8 4 True" in out
    assert "enums 1 2 1 2 0 1 2 3 4" in out
    # eof is a UINT32 over the C byte and its padding; data a UINT64 at 16.
    assert "frame " + "00" * 16 + "8967452301000000" + "00" * 4 + "01000000" in out
    for msg in ("struct 0 expect size: 8, actual size: 4", "struct 1 expect size: 136, actual size: 135",
                "struct 2 expect size: 28, actual size: 16", "struct 1 expect size: 16, actual size: 28",
                "TypeError object with buffer protocol required", "TypeError can't convert NoneType to int"):
        assert msg in out, f"{msg!r} not in\n{out}"
    assert "unknown -1 -1 -1 -1 -1 -1" in out
    assert "no mpp.venc" in out


def test_create_and_destroy_or_without_libav(mpy, tmp_path):
    src = HAS_LIBAV + """
import _k230sim
from mpp.mp4_format import *
from mpp.mp4_format_struct import *
cfg = k_mp4_config_s()
cfg.config_type = K_MP4_CONFIG_MUXER
cfg.muxer_config.file_name[:] = b'b.mp4'
h = k_u64_ptr()
r = kd_mp4_create(h, cfg)
print('LIBAV', LIBAV, 'create', r, 'files', _k230sim.stats()['mp4_files'])
if r == 0:
    print('destroy', kd_mp4_destroy(h.value), 'files', _k230sim.stats()['mp4_files'])
"""
    proc = run_mpy(src, tmp_path)
    out = checked(proc)
    if "LIBAV True" in out:
        assert "create 0 files 1" in out and "destroy 0 files 0" in out
    else:
        assert "create -1 files 0" in out
        assert "kd_mp4_create: this simulator was built without libav" in proc.stderr


def test_microphone_and_g711(mpy, tmp_path):
    src = """
import _k230audio, _k230sim
from media.sensor import *
pcm = bytearray(640)
out = bytearray(320)
print('clock', _k230audio.mic_clock())
_k230audio.mic_open(8000)
print('before', _k230audio.mic_read(0, 8000, pcm))
s = Sensor(fps=25)
s.reset()
s.set_framesize(width=320, height=240)
s.set_pixformat(Sensor.YUV420SP)
s.run()
for i in range(2):
    s.snapshot()
# Frames 0 and 1 (pts 0 and 40000 us): the first 320 samples (0..40 ms) exist, the next not.
print('clock', _k230audio.mic_clock())
print('read', _k230audio.mic_read(0, 8000, pcm), _k230audio.mic_read(320, 8000, pcm))
_k230audio.mic_read(0, 8000, pcm)
print('law', _k230audio.g711_encode(0, pcm, out), out[0], _k230audio.g711_encode(1, pcm, out), out[0])
print('peak', max(abs(int.from_bytes(pcm[i:i + 2], 'little') - (65536 if pcm[i + 1] & 0x80 else 0)) for i in range(0, 640, 2)))
for bad in (lambda: _k230audio.g711_encode(2, pcm, out), lambda: _k230audio.g711_encode(0, pcm, bytearray(10)),
            lambda: _k230audio.mic_read(0, 7000, pcm), lambda: _k230audio.mic_read(-1, 8000, pcm),
            lambda: _k230audio.mic_read(0, 8000, bytearray(1))):
    try:
        bad()
    except ValueError as e:
        print('ValueError', e)
s.stop()
"""
    out = checked(run_mpy(src, tmp_path))
    assert "clock None" in out and "before 0" in out
    assert "clock 40000" in out and "read 320 0" in out
    # Sample 0 of the tone is 0: A-law 0xD5, mu-law 0xFF.
    assert "law 320 213 320 255" in out
    assert "peak 8000" in out
    for msg in ("law must be 0 (A-law) or 1 (mu-law)", "out must hold one byte for each 16-bit sample",
                "rate must be in 8000..48000 (got 7000)", "pos must be 0 or more",
                "buf must be an aligned buffer of 1..480000 16-bit samples"):
        assert msg in out, f"{msg!r} not in\n{out}"
