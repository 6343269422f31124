"""multimedia.rtsp_server on the simulator, with real RTSP clients over 127.0.0.1: ffprobe,
gst-launch-1.0 and PyAV read the streams a script serves and decode them (codec, size, frame
count); a client that joins late starts at an IDR; a slow or absent client never holds the
sender up; the port, the arguments, the teardown between scripts; the RtspServer stand-in and
examples/rtsp_server.py."""

import os
import shutil
import signal
import socket
import subprocess
import time

import av
import pytest

from conftest import EXAMPLES, MPY, MPY_RUNNER, check_live_line, checked, run_mpy

pytestmark = pytest.mark.skipif(bool(MPY_RUNNER), reason="RTSP needs the host build (GStreamer)")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# A script that serves the 320x240 sensor through an implicit-channel encoder: CODEC 264 / 265
# / jpg, GOP 15, until the file "stop" appears (at most 20 s); it prints the URL, then the
# frames it sent, its frame rate and its slowest send.
SERVE = r"""
import multimedia as mm, uctypes, time, os
from media.vencoder import *
from media.sensor import *
from media.media import *
W, H = {w}, {h}
sensor = Sensor(fps=30)
sensor.reset()
sensor.set_framesize(width=W, height=H)
sensor.set_pixformat(Sensor.YUV420SP)
enc = Encoder()
enc.SetOutBufs(8, W, H)
codec = "{codec}"
if codec == "jpg":
    enc.Create(ChnAttrStr(Encoder.PAYLOAD_TYPE_JPEG, 0, W, H))
    vt = mm.multi_media_type.media_mjpeg
elif codec == "265":
    enc.Create(ChnAttrStr(Encoder.PAYLOAD_TYPE_H265, Encoder.H265_PROFILE_MAIN, W, H, bit_rate={kbps}, gopLen={gop}))
    vt = mm.multi_media_type.media_h265
else:
    enc.Create(ChnAttrStr(Encoder.PAYLOAD_TYPE_H264, Encoder.H264_PROFILE_MAIN, W, H, bit_rate={kbps}, gopLen={gop}))
    vt = mm.multi_media_type.media_h264
link = MediaManager.link(sensor.bind_info()['src'], (VIDEO_ENCODE_MOD_ID, VENC_DEV_ID, enc.chn))
enc.Start()
sensor.run()
srv = mm.rtsp_server()
assert srv.rtspserver_init({port}) == 0
assert srv.rtspserver_createsession("cam", vt, {audio}) == 0
assert srv.rtspserver_start() == 0
print("URL", srv.rtspserver_getrtspurl("cam"))
sd = StreamData()
t0 = time.ticks_ms()
n = 0
worst = 0
def stop_asked():
    try:
        os.stat("stop")
        return True
    except OSError:
        return False
while not stop_asked() and time.ticks_diff(time.ticks_ms(), t0) < 20000:
    if enc.GetStream(sd, 1000) != 0:
        continue
    for i in range(sd.pack_cnt):
        a = time.ticks_us()
        if {byphys}:
            srv.rtspserver_sendvideodata_byphyaddr("cam", sd.phy_addr[i], sd.data_size[i], 1000)
        else:
            data = bytes(uctypes.bytearray_at(sd.data[i], sd.data_size[i]))
            srv.rtspserver_sendvideodata("cam", data, sd.data_size[i], 1000)
        worst = max(worst, time.ticks_diff(time.ticks_us(), a))
    if {audio}:
        srv.rtspserver_sendaudiodata("cam", b"\xff" * 267, 267, 1000)
    enc.ReleaseStream(sd)
    n += 1
secs = time.ticks_diff(time.ticks_ms(), t0) / 1000
print("SENT", n, "FPS", n / max(secs, 0.001), "WORST_US", worst)
srv.rtspserver_stop()
srv.rtspserver_deinit()
sensor.stop()
link.destroy()
enc.Stop()
enc.Destroy()
"""


class Served:
    """A MicroPython script running in the background, serving RTSP: its URL, then stop()
    (the script's stop file, or SIGINT) returns its output after checking it ended cleanly
    and left nothing live."""

    def __init__(self, source, cwd, env=None):
        self.cwd = cwd
        (cwd / "script_under_test.py").write_text(source)
        self.report = cwd / "live_report.txt"
        full_env = dict(os.environ, K230_SIM_LIVE_REPORT=str(self.report))
        full_env.pop("MICROPYPATH", None)
        full_env.update(env or {})
        self.proc = subprocess.Popen(
            [str(MPY), "script_under_test.py"], cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL, text=True, env=full_env)
        self.lines = []
        self.url = None
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            line = self.proc.stdout.readline()
            if not line:
                break
            self.lines.append(line)
            if "rtsp://" in line:
                self.url = line.split()[-1]
                break
        if self.url is None:
            self.stop()
            pytest.fail("the script printed no URL:\n" + "".join(self.lines))

    def stop(self, sigint=False):
        if sigint:
            self.proc.send_signal(signal.SIGINT)
        else:
            (self.cwd / "stop").write_text("")
        try:
            out, err = self.proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            out, err = self.proc.communicate()
            pytest.fail(f"the script did not end\n{out}\n{err}")
        out = "".join(self.lines) + out
        assert self.proc.returncode == 0, f"exit {self.proc.returncode}\n{out}\n{err}"
        lines = self.report.read_text().splitlines()
        assert len(lines) == 1, lines
        check_live_line(lines[0])
        return out


def serve(tmp_path, codec="264", w=320, h=240, gop=15, kbps=500, audio=False, byphys=False, port=0):
    return Served(SERVE.format(codec=codec, w=w, h=h, gop=gop, kbps=kbps, audio=audio, byphys=byphys,
                               port=port), tmp_path)


def sent_stats(out):
    fields = out.split("SENT", 1)[1].split()
    return int(fields[0]), float(fields[2]), int(fields[4])


def ffprobe(url, frames, transport="tcp", stream="v:0"):
    """Codec, size and decoded frame count of the first `frames` packets of the stream."""
    proc = subprocess.run(
        ["ffprobe", "-v", "error", "-rtsp_transport", transport, "-select_streams", stream, "-count_frames",
         "-read_intervals", f"%+#{frames}", "-show_entries",
         "stream=codec_name,width,height,sample_rate,channels,nb_read_frames", "-of", "default=nw=1", url],
        capture_output=True, text=True, timeout=30)
    assert proc.returncode == 0, proc.stderr
    return dict(line.split("=", 1) for line in proc.stdout.split())


def pyav_frames(url, count, transport="tcp"):
    """(codec name, first packet is a keyframe, decoded frames as (width, height, key)) of the
    first `count` decoded pictures; decoding errors raise."""
    container = av.open(url, options={"rtsp_transport": transport}, timeout=15)
    try:
        stream = container.streams.video[0]
        first_key = None
        frames = []
        for packet in container.demux(stream):
            if packet.size == 0:
                continue
            if first_key is None:
                first_key = packet.is_keyframe
            for f in packet.decode():
                frames.append((f.width, f.height, f.key_frame))
            if len(frames) >= count:
                break
        return stream.codec_context.name, first_key, frames
    finally:
        container.close()


@pytest.mark.parametrize("codec,name,depay,parse,dec", [
    ("264", "h264", "rtph264depay", "h264parse", "avdec_h264"),
    ("265", "hevc", "rtph265depay", "h265parse", "avdec_h265"),
])
def test_clients_decode_the_served_stream(mpy, tmp_path, codec, name, depay, parse, dec):
    s = serve(tmp_path, codec=codec)
    try:
        assert s.url.startswith("rtsp://127.0.0.1:")
        info = ffprobe(s.url, 30)
        assert (info["codec_name"], info["width"], info["height"], info["nb_read_frames"]) == (name, "320", "240", "30")
        info = ffprobe(s.url, 20, transport="udp")
        assert (info["codec_name"], info["nb_read_frames"]) == (name, "20")
        if shutil.which("gst-launch-1.0"):
            gst = subprocess.run(
                ["gst-launch-1.0", "-q", "rtspsrc", f"location={s.url}", "protocols=tcp", "!", depay, "!", parse,
                 "!", dec, "!", "video/x-raw,width=320,height=240", "!", "fakesink", "num-buffers=25"],
                capture_output=True, text=True, timeout=30)
            assert gst.returncode == 0, gst.stdout + gst.stderr
        codec_name, first_key, frames = pyav_frames(s.url, 20)
        assert codec_name == name and first_key
        assert len(frames) == 20 and all(f[:2] == (320, 240) for f in frames) and frames[0][2]
    finally:
        out = s.stop()
    n, fps, _ = sent_stats(out)
    # The sensor runs in real time while the server does: about 30 frames a second.
    assert 25 <= fps <= 33, out


def test_a_late_client_starts_at_an_idr(mpy, tmp_path):
    # GOP 30 at 30 fps: joining 1.4 s in lands mid-GOP; the first picture it gets is an IDR.
    s = serve(tmp_path, gop=30)
    try:
        time.sleep(1.4)
        t = time.monotonic()
        _, first_key, frames = pyav_frames(s.url, 45)
        waited = time.monotonic() - t
        assert first_key and frames[0][2]
        assert len(frames) == 45 and [f[2] for f in frames].count(True) >= 1
    finally:
        out = s.stop()
    assert waited < 6, waited
    assert "SENT" in out


def test_the_sender_never_waits_for_clients(mpy, tmp_path):
    """No client, then a client that stops reading (its TCP window fills): the sender keeps
    the sensor's rate and no send takes long; a normal client can still join."""
    s = serve(tmp_path, w=640, h=480, kbps=4000, gop=15)
    stalled = None
    try:
        time.sleep(1.5)  # no client at all
        stalled = stalled_client(s.url)
        time.sleep(3)    # the stalled client's window is long full
        info = ffprobe(s.url, 15)
        assert (info["codec_name"], info["nb_read_frames"]) == ("h264", "15")
    finally:
        if stalled is not None:
            stalled.close()
        out = s.stop()
    n, fps, worst_us = sent_stats(out)
    assert fps >= 26, out
    assert worst_us < 50_000, out


def stalled_client(url):
    """An RTSP client that sets the stream up interleaved over TCP, asks for PLAY and then
    never reads: returns its socket."""
    host, rest = url[len("rtsp://"):].split(":", 1)
    port = int(rest.split("/", 1)[0])
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect((host, port))
    sock.settimeout(10)

    def request(method, target, headers=""):
        request.cseq += 1
        sock.sendall(f"{method} {target} RTSP/1.0\r\nCSeq: {request.cseq}\r\n{headers}\r\n".encode())
        data = b""
        while b"\r\n\r\n" not in data:
            data += sock.recv(1)
        head = data.decode()
        length = 0
        for line in head.split("\r\n"):
            if line.lower().startswith("content-length:"):
                length = int(line.split(":", 1)[1])
        body = b""
        while len(body) < length:
            body += sock.recv(length - len(body))
        assert head.startswith("RTSP/1.0 200"), head
        return head, body.decode()
    request.cseq = 0

    _, sdp = request("DESCRIBE", url, "Accept: application/sdp\r\n")
    control = [line.split(":", 1)[1].strip() for line in sdp.splitlines() if line.startswith("a=control:")][-1]
    target = control if control.startswith("rtsp://") else f"{url}/{control}"
    head, _ = request("SETUP", target, "Transport: RTP/AVP/TCP;unicast;interleaved=0-1\r\n")
    session = [line.split(":", 1)[1].split(";")[0].strip() for line in head.split("\r\n")
               if line.lower().startswith("session:")][0]
    request("PLAY", url, f"Session: {session}\r\nRange: npt=0-\r\n")
    return sock


def test_mjpeg_audio_and_byphyaddr(mpy, tmp_path):
    d = tmp_path / "jpg"
    d.mkdir()
    s = serve(d, codec="jpg")
    try:
        info = ffprobe(s.url, 10)
        assert (info["codec_name"], info["width"], info["height"], info["nb_read_frames"]) == ("mjpeg", "320", "240", "10")
    finally:
        s.stop()
    d = tmp_path / "audio"
    d.mkdir()
    s = serve(d, audio=True, byphys=True)
    try:
        info = ffprobe(s.url, 40, stream="a:0")
        assert (info["codec_name"], info["sample_rate"], info["channels"]) == ("pcm_mulaw", "8000", "1")
        _, first_key, frames = pyav_frames(s.url, 15)
        assert first_key and len(frames) == 15
    finally:
        s.stop()


API = r"""
import multimedia as mm, gc, _k230sim
import media.vencoder
def raises(exc, f, *a):
    try:
        f(*a)
    except exc as e:
        return str(e)
    raise AssertionError("no " + exc.__name__)
print(sorted(n for n in dir(mm) if not n.startswith("_")))
print(mm.multi_media_type.media_h264, mm.multi_media_type.media_h265, mm.multi_media_type.media_mjpeg)
s = mm.rtsp_server()
print("before", raises(RuntimeError, s.rtspserver_createsession, "x", 0, False))
print("before", raises(RuntimeError, s.rtspserver_sendvideodata, "x", b"a", 1, 0))
print(s.rtspserver_stop(), s.rtspserver_deinit())
print("port", raises(ValueError, s.rtspserver_init, 70000), raises(TypeError, s.rtspserver_init, "8554"))
print("busy", s.rtspserver_init({busy_port}))
print("init", s.rtspserver_init({port}))
print("again", s.rtspserver_init({port}))
other = mm.rtsp_server()
print("same port", other.rtspserver_init({port}))
print("type", s.rtspserver_createsession("v", 5, False))
print("name", raises(ValueError, s.rtspserver_createsession, "a b", 0, False), raises(TypeError, s.rtspserver_createsession, 1, 0, False))
print("create", s.rtspserver_createsession("v", 0, False), s.rtspserver_createsession("v", 1, True))
print("url", s.rtspserver_getrtspurl("v"))
print("nourl", raises(ValueError, s.rtspserver_getrtspurl, "w"))
print("size", raises(ValueError, s.rtspserver_sendvideodata, "v", b"abc", 4, 1000), raises(ValueError, s.rtspserver_sendvideodata, "v", b"abc", -1, 1000))
print("data", raises(TypeError, s.rtspserver_sendvideodata, "v", 123, 1, 1000), raises(TypeError, s.rtspserver_sendvideodata, "v", b"a", 1, "ts"))
print("send", s.rtspserver_sendvideodata("v", bytearray(b"\0\0\1\x41xyz"), 4, 0), s.rtspserver_sendvideodata("w", b"a", 1, 0))
print("audio", s.rtspserver_sendaudiodata("v", b"\xff" * 8, 8, 0))
print("phys", raises(ValueError, s.rtspserver_sendvideodata_byphyaddr, "v", 0x1234, 16, 0))
print("start", s.rtspserver_start(), _k230sim.policy("clock"))
print("destroy", s.rtspserver_destroysession("v"), s.rtspserver_destroysession("v"))
print("stop", s.rtspserver_stop(), _k230sim.policy("clock"))
print("deinit", s.rtspserver_deinit(), s.rtspserver_init({port}), s.rtspserver_deinit())
# A dropped server object is closed by its finaliser.
def forget():
    t = mm.rtsp_server()
    t.rtspserver_init({port})
    t.rtspserver_start()
forget()
gc.collect()
print("after gc", other.rtspserver_init({port}))
print("deinit_all", mm.deinit_all(), other.rtspserver_init({port}))
"""


def test_api_states_and_bad_arguments(mpy, tmp_path):
    port = free_port()
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        busy_port = busy.getsockname()[1]
        out = checked(run_mpy(API.format(port=port, busy_port=busy_port), tmp_path, timeout=60))
    lines = out.splitlines()
    assert lines[0] == "['deinit_all', 'multi_media_type', 'rtsp_server']"
    assert lines[1] == "0 1 2"
    assert lines[2].startswith("before rtspserver_createsession: the server is not initialised")
    expect = {
        "busy": "-1", "init": "0", "again": "-1", "same port": "-1", "type": "-1",
        "create": "0 0", "url": f"rtsp://127.0.0.1:{port}/v", "send": "0 -1", "audio": "-1",
        "start": "0 realtime", "destroy": "0 -1", "stop": "0 virtual", "deinit": "0 0 0",
        "after gc": "0", "deinit_all": "None 0",
    }
    got = {}
    for line in lines:
        for key in expect:
            if line.startswith(key + " ") and key not in got:
                got[key] = line[len(key) + 1:]
    assert got == expect, out
    assert "cannot listen on 127.0.0.1 port" in out
    assert "unknown video type 5" in out
    assert "size 4 is larger than the data (3 bytes)" in out and "size must not be negative" in out
    assert "no session \"w\"" in out and "has no audio" in out and "not MMZ memory" in out
    assert "port 70000 out of range" in out


def test_a_crashed_script_leaves_no_server_behind(mpy, tmp_path):
    """A script dies with its server running; the firmware's teardown between scripts
    (media.vencoder.deinit_all, the sensors stopped, multimedia.deinit_all) closes it, so the
    next script in the same interpreter gets the port."""
    port = free_port()
    crashed = SERVE.format(codec="264", w=320, h=240, gop=15, kbps=500, audio=False, byphys=False, port=port)
    crashed = crashed.replace("    n += 1\n", "    n += 1\n    if n == 10:\n        raise SystemExit('boom')\n", 1)
    again = SERVE.format(codec="264", w=320, h=240, gop=15, kbps=500, audio=False, byphys=False, port=port)
    source = f"""
import _k230sim, multimedia, media.vencoder
try:
    exec({crashed!r})
except SystemExit as e:
    print("crashed:", e)
media.vencoder.deinit_all()
for dev in range(3):
    _k230sim.vicap_stop(dev)
multimedia.deinit_all()
open("stop", "w").close()
exec({again!r})
print("AGAIN OK")
"""
    out = checked(run_mpy(source, tmp_path, timeout=60))
    assert "crashed: boom" in out and "AGAIN OK" in out and f":{port}/cam" in out


def test_the_rtspserver_helper_serves_h265_by_default(mpy, tmp_path):
    port = free_port()
    source = f"""
import os, time
from media.rtspserver import RtspServer
import multimedia as mm
for bad in (dict(bit_rate=50), dict(video_type=mm.multi_media_type.media_mjpeg)):
    try:
        RtspServer(**bad)
        raise AssertionError(bad)
    except ValueError as e:
        print("ValueError", e)
server = RtspServer(session_name="live", port={port}, width=320, height=240, bit_rate=600, gop_len=15)
server.start()
print("url", server.get_rtsp_url())
while True:
    try:
        os.stat("stop")
        break
    except OSError:
        time.sleep(0.1)
server.stop()
print("stopped")
"""
    s = Served(source, tmp_path)
    try:
        assert s.url == f"rtsp://127.0.0.1:{port}/live"
        info = ffprobe(s.url, 30)
        assert (info["codec_name"], info["width"], info["height"], info["nb_read_frames"]) == ("hevc", "320", "240", "30")
    finally:
        out = s.stop()
    assert out.count("ValueError") == 2 and "stopped" in out


def test_the_example_runs_unchanged_but_for_its_port(mpy, tmp_path):
    port = free_port()
    text = (EXAMPLES / "rtsp_server.py").read_text()
    old = "port=8554, video_type=mm.multi_media_type.media_h264)"
    assert text.count(old) == 1
    s = Served(text.replace(old, f"port={port}, video_type=mm.multi_media_type.media_h264)"), tmp_path)
    try:
        assert s.url == f"rtsp://127.0.0.1:{port}/test"
        info = ffprobe(s.url, 30)
        assert (info["codec_name"], info["width"], info["height"], info["nb_read_frames"]) == ("h264", "1280", "720", "30")
    finally:
        out = s.stop(sigint=True)
    assert "stopping" in out and "rtsp server stopped" in out


def test_the_address_variable(mpy, tmp_path):
    source = """
import multimedia as mm
s = mm.rtsp_server()
print(s.rtspserver_init(0))
"""
    out = checked(run_mpy(source, tmp_path, env={"K230_SIM_RTSP_ADDRESS": "not-an-address"}))
    assert "K230_SIM_RTSP_ADDRESS=\"not-an-address\" is not an IP address" in out and out.strip().endswith("-1")
    source = """
import multimedia as mm
s = mm.rtsp_server()
assert s.rtspserver_init(554) in (0, -1)
s.rtspserver_deinit()
print(s.rtspserver_init(0), s.rtspserver_createsession("a", 0, False), s.rtspserver_getrtspurl("a"))
"""
    out = checked(run_mpy(source, tmp_path, env={"K230_SIM_RTSP_ADDRESS": "::1"}))
    assert "0 0 rtsp://[::1]:" in out
