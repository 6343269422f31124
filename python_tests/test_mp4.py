"""MP4 on the simulator: the kd_mp4_* muxer (mpp.mp4_format) and media.mp4format's
Mp4Container, with the simulated microphone.

- The examples (examples/mp4_container.py with audio, mp4_container_video.py, mp4_muxer.py
  over kd_mp4_* directly) run as they are but for the output path, size and frame count, and
  their files decode with PyAV with the codec, size, frame count and duration expected; the
  audio track is G.711 at 8000 Hz, as long as the video within a chunk and a frame, and holds
  the microphone's 1 kHz tone.
- CanMV's own Process logic (mp4_vendor_process.py, re-implemented from the facts sheet)
  writes a correct file under the simulator's default header delivery: every sensor frame
  once, in order (matched against the Y4M source), the first sample an IDR with its parameter
  sets, the sample times the pts'; under the other delivery it loses a frame, and this
  build's Mp4Container does not.
- H.264 / H.265 x G.711 A-law / mu-law; a fragmented MP4 killed with SIGKILL mid-recording
  plays up to its last complete fragment; the WAV microphone source (resampled, mixed down)
  and refused WAV files; the demuxer calls read a file back; bad input: -1 with the reason
  on stderr, OSError from Mp4Container, nothing left behind (the live report and the handle
  counters).
"""

import math
import os
import re
import signal
import subprocess
import wave
from pathlib import Path

import av
import numpy as np
import pytest

from conftest import EXAMPLES, MPY, MPY_RUNNER, checked, run_mpy
from streamcheck.compare import psnr
from streamcheck.decode import planes
from streamcheck.run import libav, run_libav  # noqa: F401  (libav: fixture)
from streamcheck.scene import write_y4m

HERE = Path(__file__).resolve().parent
VENDOR = (HERE / "mp4_vendor_process.py").read_text()

# Mp4Container's sensor is Sensor()'s default, 60 fps (CanMV's default): pictures 1/60 s apart.
SENSOR_FPS = 60
FRAME_MS = 1000 / SENSOR_FPS


# ---- reading the files -----------------------------------------------------------------------

class Track:
    """What PyAV finds in one stream of an MP4 file."""

    def __init__(self, stream):
        self.codec = stream.codec_context.name
        self.kind = stream.type
        video = stream.type == "video"
        self.width = stream.codec_context.width if video else None
        self.height = stream.codec_context.height if video else None
        self.rate = stream.codec_context.sample_rate if stream.type == "audio" else None
        self.channels = stream.codec_context.layout.nb_channels if stream.type == "audio" else None
        self.tag = stream.codec_tag
        self.packets = []      # (pts in ms, is_keyframe, bytes)
        self.frames = []       # decoded video frames (Y, U, V), or audio sample arrays
        self.duration = float(stream.duration * stream.time_base) if stream.duration else 0.0

    def pts_ms(self):
        return [p[0] for p in self.packets]

    def audio(self):
        return np.concatenate(self.frames) if self.frames else np.zeros(0)


def read_mp4(path, keep_pictures=False, strict=True):
    """Every packet and decoded frame of every stream of `path` ({'video': Track, 'audio':
    Track}); decoding errors raise (err_detect=explode) and error log lines fail (strict=False:
    decoded as a player would, errors concealed)."""
    av.logging.set_level(av.logging.WARNING)
    tracks = {}
    with av.logging.Capture(local=False) as logs:
        with av.open(str(path)) as c:
            for s in c.streams:
                if strict:
                    s.codec_context.options = {"err_detect": "explode"}
                tracks[s.index] = Track(s)
            for pkt in c.demux():
                if pkt.size == 0:
                    continue
                t = tracks[pkt.stream.index]
                t.packets.append((round(float(pkt.pts * pkt.time_base) * 1000, 3), pkt.is_keyframe, bytes(pkt)))
                for frame in pkt.decode():
                    if t.kind == "video":
                        t.frames.append(planes(frame) if keep_pictures else None)
                    else:
                        t.frames.append(frame.to_ndarray().reshape(-1).astype(np.float64))
            for s in c.streams:
                t = tracks[s.index]
                for frame in s.codec_context.decode(None):
                    if t.kind == "video":
                        t.frames.append(planes(frame) if keep_pictures else None)
                    else:
                        t.frames.append(frame.to_ndarray().reshape(-1).astype(np.float64))
    errors = [f"[{n}] {m.strip()}" for lvl, n, m in logs if lvl <= av.logging.ERROR]
    assert not (strict and errors), errors
    by_kind = {}
    for t in tracks.values():
        by_kind.setdefault(t.kind, t)
    return by_kind


def nal_types_lp(codec, sample):
    """NAL unit types of a length-prefixed (4-byte) MP4 sample."""
    out, at = [], 0
    while at + 4 <= len(sample):
        n = int.from_bytes(sample[at:at + 4], "big")
        nal = sample[at + 4:at + 4 + n]
        out.append(nal[0] & 0x1F if codec == "h264" else (nal[0] >> 1) & 0x3F)
        at += 4 + n
    return out


PARAM_SETS = {"h264": {7, 8}, "hevc": {32, 33, 34}}
KEY_TYPES = {"h264": {5}, "hevc": {16, 17, 18, 19, 20, 21}}


def check_video(v, codec, frames, size=(320, 240), fps=SENSOR_FPS):
    """Codec, size, frame count; the first sample a key frame with its parameter sets; sample
    times 1/fps apart (from the pts, to the ms); the duration frames / fps."""
    assert v.codec == codec
    assert (v.width, v.height) == size
    assert len(v.packets) == frames, f"{len(v.packets)} samples, expected {frames}"
    assert len([f for f in v.frames]) == frames, f"{len(v.frames)} pictures decoded, expected {frames}"
    first = nal_types_lp(codec, v.packets[0][2])
    assert v.packets[0][1], "the first sample is a key frame"
    assert PARAM_SETS[codec] <= set(first) and KEY_TYPES[codec] & set(first), first
    pts = v.pts_ms()
    assert pts[0] == 0
    gaps = [b - a for a, b in zip(pts, pts[1:])]
    assert all(abs(g - 1000 / fps) <= 1 for g in gaps), gaps
    assert abs(v.duration - frames / fps) <= 0.002 + 1 / fps, v.duration


def tone_share(x, rate, freq):
    """Share of the power of `x` at `freq` Hz."""
    x = x - x.mean()
    t = np.arange(len(x)) / rate
    c, s = np.dot(x, np.cos(2 * np.pi * freq * t)), np.dot(x, np.sin(2 * np.pi * freq * t))
    return 2 * (c * c + s * s) / (len(x) * np.dot(x, x))


def check_audio(a, codec, video_duration, tone_hz=1000):
    assert a.codec == codec and a.rate == 8000 and a.channels == 1, (a.codec, a.rate, a.channels)
    assert a.tag in ("alaw", "ulaw"), a.tag
    seconds = len(a.audio()) / 8000
    # The microphone is on the sensor clock: the audio ends within a chunk (40 ms) and a frame
    # of the video.
    assert video_duration - 0.040 - 1 / SENSOR_FPS - 0.002 <= seconds <= video_duration + 0.001, \
        (seconds, video_duration)
    assert abs(a.duration - seconds) < 0.002
    if tone_hz:
        share = tone_share(a.audio()[80:], 8000, tone_hz)
        assert share > 0.99, f"{tone_hz} Hz holds {share:.3f} of the audio"


# ---- running the examples --------------------------------------------------------------------

def example(name, call, new_call):
    """examples/<name> with its call line `call` replaced by `new_call` (output path, size,
    frame count)."""
    text = (EXAMPLES / name).read_text()
    assert text.count(call) == 1, f"{name} must end with {call}"
    return text.replace(call, new_call)


def test_example_mp4_container_with_audio(libav, tmp_path):  # noqa: F811
    out = tmp_path / "rec.mp4"
    src = example("mp4_container.py", 'mp4_muxer_test("mp4_container.mp4")',
                  f"mp4_muxer_test({str(out)!r}, 320, 240, frames=40)")
    stdout = run_libav(src, tmp_path)
    assert "mp4_muxer_test stop" in stdout
    t = read_mp4(out)
    # 40 Process calls: the first GetStream holds the first parameter sets alone.
    check_video(t["video"], "hevc", 39)
    check_audio(t["audio"], "pcm_mulaw", t["video"].duration)


def test_example_mp4_container_video_only(libav, tmp_path):  # noqa: F811
    out = tmp_path / "video.mp4"
    src = example("mp4_container_video.py", 'mp4_video_test("mp4_container_video.mp4")',
                  f"mp4_video_test({str(out)!r}, 320, 240, frames=30)")
    stdout = run_libav(src, tmp_path)
    assert "mp4_video_test stop: 30 frames" in stdout
    t = read_mp4(out)
    assert set(t) == {"video"}
    check_video(t["video"], "h264", 29)


def test_example_mp4_muxer_kd_calls(libav, tmp_path):  # noqa: F811
    out = tmp_path / "kd.mp4"
    src = example("mp4_muxer.py", 'vi_bind_venc_mp4_test("mp4_muxer.mp4")',
                  f"vi_bind_venc_mp4_test({str(out)!r}, 320, 240, frames=45)")
    stdout = run_libav(src, tmp_path)
    assert "mp4 muxer test stops: 45 frames" in stdout
    v = read_mp4(out)["video"]
    check_video(v, "h264", 45)
    # An IDR every 30 pictures (the default GOP), each with its parameter sets.
    assert [i for i, p in enumerate(v.packets) if p[1]] == [0, 30]
    assert PARAM_SETS["h264"] <= set(nal_types_lp("h264", v.packets[30][2]))


def test_example_mp4_muxer_fragmented_under_both_header_policies(libav, tmp_path):  # noqa: F811
    for policy in ("first-separate", "with-idr"):
        out = tmp_path / f"frag_{policy}.mp4"
        src = example("mp4_muxer.py", 'vi_bind_venc_mp4_test("mp4_muxer.mp4")',
                      f"vi_bind_venc_mp4_test({str(out)!r}, 320, 240, fmp4_flag=1, frames=35)")
        run_libav(src, tmp_path, env={"K230_SIM_HEADER": policy})
        data = out.read_bytes()
        assert data[4:12] == b"ftypisom" and b"moof" in data and b"mvex" in data
        check_video(read_mp4(out)["video"], "h264", 35)


# ---- CanMV's own Process logic ------------------------------------------------------------------

SOURCE_FRAMES = 40


@pytest.fixture(scope="module")
def y4m(tmp_path_factory):
    """A 320x240 Y4M whose frames all differ (moving shapes), as the sensor's source."""
    d = tmp_path_factory.mktemp("y4m")
    return write_y4m(d / "src.y4m", 320, 240, SOURCE_FRAMES)


def vendor_script(out, calls, video="K_MP4_CODEC_ID_H264", audio="None"):
    return VENDOR + f"""
m = VendorMp4Container()
m.Create({str(out)!r}, {video}, 320, 240, {audio})
m.Start()
for i in range({calls}):
    m.Process()
m.Stop()
m.Destroy()
print('DONE')
"""


def container_script(out, calls, video="MP4_CODEC_ID_H264", audio="-1", fmp4=0):
    return f"""
from media.mp4format import *
m = Mp4Container()
cfg = Mp4CfgStr(m.MP4_CONFIG_TYPE_MUXER)
cfg.SetMuxerCfg({str(out)!r}, Mp4Container.{video}, 320, 240, {audio if audio == "-1" else "Mp4Container." + audio}, {fmp4})
m.Create(cfg)
m.Start()
for i in range({calls}):
    m.Process()
m.Stop()
m.Destroy()
print('DONE')
"""


def source_matches(video, src):
    """For each decoded picture j: its PSNR (Y) against source frame j, and whether that is
    the best match among frames j-1, j, j+1 (each sensor frame once, in order)."""
    res = []
    for j, (y, _, _) in enumerate(video.frames):
        scores = {k: psnr(y, src.frame(k)[0]) for k in (j - 1, j, j + 1) if 0 <= k < SOURCE_FRAMES}
        res.append((scores[j], max(scores, key=scores.get) == j))
    return res


def test_vendor_process_is_correct_under_the_default_header_policy(libav, tmp_path, y4m):  # noqa: F811
    out = tmp_path / "vendor.mp4"
    # K230_SIM_HEADER unset: the simulator's default, first-separate.
    env = {"K230_SIM_Y4M": str(y4m.path)}
    assert "K230_SIM_HEADER" not in os.environ
    run_libav(vendor_script(out, SOURCE_FRAMES), tmp_path, env=env)
    v = read_mp4(out, keep_pictures=True)["video"]
    # SOURCE_FRAMES GetStreams: the header alone, then one picture each.
    check_video(v, "h264", SOURCE_FRAMES - 1)
    m = source_matches(v, y4m)
    assert all(best and p > 30 for p, best in m), m


def test_vendor_process_loses_a_frame_when_the_header_comes_with_its_idr(libav, tmp_path, y4m):  # noqa: F811
    env = {"K230_SIM_Y4M": str(y4m.path), "K230_SIM_HEADER": "with-idr"}
    vendor, ours = tmp_path / "vendor.mp4", tmp_path / "ours.mp4"
    run_libav(vendor_script(vendor, 20), tmp_path, env=env)
    run_libav(container_script(ours, 20), tmp_path, env=env)
    # CanMV's: the first sample holds the IDR and the next picture, which is not one access
    # unit (a strict decoder refuses it): 19 samples for 20 pictures. A player shows 19: the
    # picture after the IDR is lost, and the next ones, decoded against the wrong reference,
    # are damaged (sample 1 holds source frame 2).
    with pytest.raises(av.error.InvalidDataError):
        read_mp4(vendor)
    v = read_mp4(vendor, keep_pictures=True, strict=False)["video"]
    assert len(v.packets) == 19 and len(v.frames) == 19
    assert psnr(v.frames[1][0], y4m.frame(2)[0]) < 30
    # This build's: every picture once.
    o = read_mp4(ours, keep_pictures=True)["video"]
    check_video(o, "h264", 20)
    assert all(best for _, best in source_matches(o, y4m))


def test_our_mp4container_keeps_every_frame_under_the_default_policy(libav, tmp_path, y4m):  # noqa: F811
    out = tmp_path / "ours.mp4"
    run_libav(container_script(out, SOURCE_FRAMES), tmp_path, env={"K230_SIM_Y4M": str(y4m.path)})
    v = read_mp4(out, keep_pictures=True)["video"]
    check_video(v, "h264", SOURCE_FRAMES - 1)
    assert all(best and p > 30 for p, best in source_matches(v, y4m))


# ---- codecs --------------------------------------------------------------------------------

@pytest.mark.parametrize("video,audio", [
    ("MP4_CODEC_ID_H264", "MP4_CODEC_ID_G711A"),
    ("MP4_CODEC_ID_H264", "MP4_CODEC_ID_G711U"),
    ("MP4_CODEC_ID_H265", "MP4_CODEC_ID_G711A"),
    ("MP4_CODEC_ID_H265", "MP4_CODEC_ID_G711U"),
])
def test_codecs(libav, tmp_path, video, audio):  # noqa: F811
    out = tmp_path / "c.mp4"
    run_libav(container_script(out, 25, video, audio), tmp_path)
    t = read_mp4(out)
    codec = "h264" if video.endswith("H264") else "hevc"
    check_video(t["video"], codec, 24)
    assert t["video"].tag == ("avc1" if codec == "h264" else "hev1")
    check_audio(t["audio"], "pcm_alaw" if audio.endswith("G711A") else "pcm_mulaw", t["video"].duration)


def test_vendor_process_with_audio(libav, tmp_path):  # noqa: F811
    out = tmp_path / "va.mp4"
    run_libav(vendor_script(out, 30, "K_MP4_CODEC_ID_H265", "K_MP4_CODEC_ID_G711A"), tmp_path)
    t = read_mp4(out)
    check_video(t["video"], "hevc", 29)
    check_audio(t["audio"], "pcm_alaw", t["video"].duration)


# ---- fragmented MP4 killed mid-recording ------------------------------------------------------

KILL_SCRIPT = """
from media.mp4format import *
import time
m = Mp4Container()
cfg = Mp4CfgStr(m.MP4_CONFIG_TYPE_MUXER)
cfg.SetMuxerCfg({out!r}, Mp4Container.MP4_CODEC_ID_H264, 320, 240, Mp4Container.MP4_CODEC_ID_G711A, 1)
m.Create(cfg)
m.Start()
n = 0
while True:
    m.Process()
    n += 1
    print('frames', n)
    if n > 100:
        time.sleep_ms(5)
"""


def test_fragmented_mp4_survives_sigkill(libav, tmp_path):  # noqa: F811
    out = tmp_path / "killed.mp4"
    script = tmp_path / "kill_me.py"
    script.write_text(KILL_SCRIPT.format(out=str(out)))
    env = dict(os.environ, K230_SIM_BACKEND="libav")
    env.pop("K230_SIM_LIVE_REPORT", None)
    proc = subprocess.Popen([*MPY_RUNNER, str(MPY), str(script)], cwd=tmp_path, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env)
    try:
        n = 0
        for line in proc.stdout:
            m = re.match(r"frames (\d+)", line)
            if m:
                n = int(m.group(1))
            if n >= 110:
                break
        assert n >= 110, proc.stderr.read()
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.kill()
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    t = read_mp4(out)
    v = t["video"]
    # Fragments end at key frames (GOP 30): at least the three complete ones before picture
    # 90 are on disk, whole GOPs, every picture decodable.
    assert len(v.packets) >= 90 and len(v.packets) % 30 == 0, len(v.packets)
    assert len(v.frames) == len(v.packets)
    assert [i for i, p in enumerate(v.packets) if p[1]] == list(range(0, len(v.packets), 30))
    assert t["audio"].codec == "pcm_alaw" and len(t["audio"].audio()) > 0


# ---- the microphone ------------------------------------------------------------------------------

def write_wav(path, rate, channels, freq, seconds, width=2):
    n = int(rate * seconds)
    t = np.arange(n) / rate
    x = (12000 * np.sin(2 * np.pi * freq * t)).astype(np.int16)
    data = np.repeat(x, channels) if channels > 1 else x
    with wave.open(str(path), "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(width)
        w.setframerate(rate)
        if width == 2:
            w.writeframes(data.tobytes())
        else:
            w.writeframes(((data.astype(np.int32) >> 8) + 128).astype(np.uint8).tobytes())


def test_microphone_plays_a_wav_file(libav, tmp_path):  # noqa: F811
    wav = tmp_path / "tone600.wav"
    write_wav(wav, 44100, 2, 600, 1.5)
    out = tmp_path / "wav.mp4"
    run_libav(container_script(out, 40, audio="MP4_CODEC_ID_G711U"), tmp_path, env={"K230_SIM_MIC_WAV": str(wav)})
    t = read_mp4(out)
    check_audio(t["audio"], "pcm_mulaw", t["video"].duration, tone_hz=600)


@pytest.mark.parametrize("kind", ["8-bit", "missing", "not-wav"])
def test_microphone_refuses_what_it_cannot_play(mpy, tmp_path, kind):
    wav = tmp_path / "bad.wav"
    if kind == "8-bit":
        write_wav(wav, 8000, 1, 600, 0.2, width=1)
        want = "only 16-bit PCM WAV files are supported; this one has 8-bit samples"
    elif kind == "not-wav":
        wav.write_bytes(b"hello")
        want = "not a RIFF WAVE file"
    else:
        want = "cannot read it"
    out = tmp_path / "never.mp4"
    src = container_script(out, 3, audio="MP4_CODEC_ID_G711A").replace(
        "m.Create(cfg)", "try:\n    m.Create(cfg)\nexcept OSError as e:\n    print('OSError', e)\n    raise SystemExit")
    stdout = checked(run_mpy(src, tmp_path, env={"K230_SIM_MIC_WAV": str(wav)}))
    assert "OSError microphone: K230_SIM_MIC_WAV=" in stdout and want in stdout, stdout
    assert not out.exists(), "nothing set up before the microphone"


# ---- the demuxer calls -----------------------------------------------------------------------------

def test_demuxer_reads_back_what_was_written(libav, tmp_path):  # noqa: F811
    out = tmp_path / "rd.mp4"
    run_libav(container_script(out, 21, "MP4_CODEC_ID_H265", "MP4_CODEC_ID_G711A"), tmp_path)
    src = f"""
from mpp.mp4_format import *
from mpp.mp4_format_struct import *
import uctypes, _k230sim
cfg = k_mp4_config_s()
cfg.config_type = K_MP4_CONFIG_DEMUXER
cfg.muxer_config.file_name[:] = bytes({str(out)!r}, 'utf-8')
h = k_u64_ptr()
print('create', kd_mp4_create(h, cfg))
info = k_mp4_file_info_s()
print('info', kd_mp4_get_file_info(h.value, info), info.track_num, info.duration)
t = k_mp4_track_info_s()
for i in range(info.track_num):
    kd_mp4_get_track_by_index(h.value, i, t)
    if t.track_type == K_MP4_STREAM_VIDEO:
        print('video', t.video_info.codec_id, t.video_info.width, t.video_info.height)
    else:
        print('audio', t.audio_info.codec_id, t.audio_info.sample_rate, t.audio_info.channels)
print('track 5', kd_mp4_get_track_by_index(h.value, 5, t))
f = k_mp4_frame_data_s()
counts = {{}}
first = None
while True:
    assert kd_mp4_get_frame(h.value, f) == 0
    if f.eof:
        break
    counts[f.codec_id] = counts.get(f.codec_id, 0) + 1
    if first is None:
        first = bytes(uctypes.bytearray_at(f.data, 4)), f.time_stamp
print('counts', sorted(counts.items()), first)
print('write on a demuxer', kd_mp4_destroy_tracks(h.value))
print('destroy', kd_mp4_destroy(h.value), _k230sim.stats()['mp4_files'])
"""
    proc = run_mpy(src, tmp_path)
    out_ = checked(proc)
    assert "create 0" in out_
    m = re.search(r"info 0 2 (\d+)", out_)
    assert m and abs(int(m.group(1)) - 20 * FRAME_MS) <= 20, out_
    assert "video 1 320 240" in out_ and "audio 2 8000 1" in out_
    assert "track 5 -1" in out_ and "track index 5 out of range" in proc.stderr
    m = re.search(r"counts \[\(1, (\d+)\), \(2, (\d+)\)\] \(b'\\x00\\x00\\x00\\x01', 0\)", out_)
    assert m and int(m.group(1)) == 20 and int(m.group(2)) >= 7, out_
    assert "write on a demuxer -1" in out_ and "destroy 0 0" in out_


# ---- bad input -----------------------------------------------------------------------------------

BAD_INPUT = r"""
from mpp.mp4_format import *
from mpp.mp4_format_struct import *
from media.vencoder import *
import uctypes, _k230sim

def create(name, fmp4=0):
    cfg = k_mp4_config_s()
    cfg.config_type = K_MP4_CONFIG_MUXER
    cfg.muxer_config.file_name[:] = name
    cfg.muxer_config.fmp4_flag = fmp4
    h = k_u64_ptr()
    r = kd_mp4_create(h, cfg)
    return r, h.value

def track(h, kind, codec):
    info = k_mp4_track_info_s()
    info.track_type = kind
    info.time_scale = 1000
    if kind == K_MP4_STREAM_VIDEO:
        info.video_info.width, info.video_info.height, info.video_info.codec_id = 320, 240, codec
    else:
        info.audio_info.channels, info.audio_info.sample_rate, info.audio_info.codec_id = 1, 8000, codec
    t = k_u64_ptr()
    return kd_mp4_create_track(h, t, info), t.value

frame = k_mp4_frame_data_s()
buf = bytearray(b'\x00\x00\x00\x01\x41\x9a\x00\x11')   # a P slice, no parameter sets
frame.codec_id = K_MP4_CODEC_ID_H264
frame.data = uctypes.addressof(buf)
frame.data_length = len(buf)
frame.time_stamp = 0

print('write before create', kd_mp4_write_frame(0, 0, frame))
print('destroy unknown', kd_mp4_destroy(0x1234), kd_mp4_destroy_tracks(-5))
print('fopen', create(b'/nonexistent-dir/x.mp4')[0])
r, h2 = create(b'x' * 127 + b'\0')
print('long name', r, kd_mp4_destroy(h2))
r, h = create(b'ok.mp4')
print('create', r, h != 0)
rv, v = track(h, K_MP4_STREAM_VIDEO, K_MP4_CODEC_ID_H264)
print('tracks', rv, track(h, K_MP4_STREAM_AUDIO, K_MP4_CODEC_ID_G711A)[0], track(h, K_MP4_STREAM_AUDIO, K_MP4_CODEC_ID_G711U)[0])
print('4th track', track(h, K_MP4_STREAM_AUDIO, K_MP4_CODEC_ID_G711U)[0])
print('bad type', track(h, 7, 0)[0])
print('first write without key frame', kd_mp4_write_frame(h, v, frame))
print('file info on a muxer', kd_mp4_get_file_info(h, k_mp4_file_info_s()))
print('get frame on a muxer', kd_mp4_get_frame(h, k_mp4_frame_data_s()))
try:
    kd_mp4_create(k_u32_ptr(), k_mp4_config_s())
except TypeError as e:
    print('TypeError', e)
try:
    kd_mp4_write_frame(h, v, bytearray(31))
except TypeError as e:
    print('TypeError', e)
try:
    kd_mp4_create_track(h, k_u64_ptr(), bytearray(27))
except TypeError as e:
    print('TypeError', e)
try:
    kd_mp4_destroy('h')
except TypeError as e:
    print('TypeError str handle')
print('live', _k230sim.stats()['mp4_files'], _k230sim.stats()['mp4_tracks'])
print('destroy', kd_mp4_destroy_tracks(h), kd_mp4_destroy(h), kd_mp4_destroy(h))
print('live', _k230sim.stats()['mp4_files'], _k230sim.stats()['mp4_tracks'])
"""


def test_bad_input_is_minus_one_with_the_reason(libav, tmp_path):  # noqa: F811
    proc = run_mpy(BAD_INPUT, tmp_path)
    out, err = checked(proc), proc.stderr
    for line in ("write before create -1", "destroy unknown -1 -1", "fopen -1",
                 "long name 0 0", "create 0 True", "tracks 0 0 0", "4th track -1", "bad type -1",
                 "first write without key frame -1", "file info on a muxer -1", "get frame on a muxer -1",
                 "TypeError struct 0 expect size: 8, actual size: 4",
                 "TypeError struct 2 expect size: 32, actual size: 31",
                 "TypeError struct 2 expect size: 28, actual size: 27",
                 "TypeError str handle", "live 1 3", "destroy 0 0 -1", "live 0 0"):
        assert line in out, f"{line!r} not in:\n{out}\n{err}"
    for msg in ("kd_mp4_write_frame: unknown mp4 handle 0x0",
                "kd_mp4_destroy: unknown mp4 handle 0x1234",
                "kd_mp4_create: output file /nonexistent-dir/x.mp4 open failed (No such file or directory",
                "kd_mp4_create_track: the file has 3 tracks already",
                "kd_mp4_create_track: track_type 7 is not K_MP4_STREAM_VIDEO (1) or K_MP4_STREAM_AUDIO (2)",
                "kd_mp4_write_frame: mp4 muxer write should start with key frame (header + idr)",
                "kd_mp4_get_file_info: mp4 handle"):
        assert msg in err, f"{msg!r} not in:\n{err}"
    # The empty muxer's file exists and is empty (nothing was written).
    assert (tmp_path / "ok.mp4").stat().st_size == 0


def test_file_name_without_its_nul(mpy, tmp_path):
    src = """
from mpp.mp4_format import *
from mpp.mp4_format_struct import *
cfg = k_mp4_config_s()
cfg.config_type = K_MP4_CONFIG_MUXER
for i in range(128):
    cfg.muxer_config.file_name[i] = 0x61
h = k_u64_ptr()
print('r', kd_mp4_create(h, cfg), h.value)
"""
    proc = run_mpy(src, tmp_path)
    assert "r -1 0" in checked(proc)
    assert "file_name has no NUL within its 128 bytes" in proc.stderr


def test_mp4container_failures_leave_nothing(libav, tmp_path):  # noqa: F811
    src = """
from media.mp4format import *
import _k230sim
m = Mp4Container()
cfg = Mp4CfgStr(m.MP4_CONFIG_TYPE_MUXER)
cfg.SetMuxerCfg('/nonexistent-dir/x.mp4', Mp4Container.MP4_CODEC_ID_H264, 320, 240, Mp4Container.MP4_CODEC_ID_G711A)
try:
    m.Create(cfg)
except OSError as e:
    print('OSError', e)
cfg.SetMuxerCfg('x' * 128, Mp4Container.MP4_CODEC_ID_H264, 320, 240, Mp4Container.MP4_CODEC_ID_G711A)
try:
    m.Create(cfg)
except ValueError as e:
    print('ValueError', e)
s = _k230sim.stats()
print('live', s['mp4_files'], s['binds'], s['venc_channels_created'])
"""
    proc = run_mpy(src, tmp_path, env={"K230_SIM_BACKEND": "libav"})
    out = checked(proc)
    assert "OSError Mp4Container, kd_mp4_create failed." in out
    assert "ValueError file_name must be 1..127 bytes (got 128)" in out
    assert "live 0 0 0" in out
    assert "output file /nonexistent-dir/x.mp4 open failed" in proc.stderr
