"""scripts/k230sim run: an unmodified CanMV script on the simulator, board paths mapped into
the output folder, a camera file, the IDE-like stop after N frames, the summary, contact
sheets and bitrate plots; script errors show their traceback and a non-zero exit; a missing
or undecodable camera file is one line."""

import os
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from conftest import EXAMPLES, MPY, ROOT

RUNNER = ROOT / "scripts" / "k230sim"
pytestmark = pytest.mark.skipif(MPY != (ROOT / "build" / "unix_sim" / "micropython").resolve(),
                                reason="the runner runs the default build (build/unix_sim/micropython)")


def k230sim(*args, cwd, timeout=300):
    env = dict(os.environ)
    env.pop("K230_SIM_LIVE_REPORT", None)
    return subprocess.run([sys.executable, str(RUNNER), "run", *map(str, args)], cwd=cwd, capture_output=True,
                          text=True, timeout=timeout, env=env, stdin=subprocess.DEVNULL)


def camera_video(path, frames=10):
    import av
    with av.open(str(path), "w") as c:
        st = c.add_stream("libx264", rate=25)
        st.width, st.height, st.pix_fmt = 640, 360, "yuv420p"
        for k in range(frames):
            img = np.zeros((360, 640, 3), dtype=np.uint8)
            img[:, :, 0] = 200
            img[:, (k * 40) % 600:(k * 40) % 600 + 40, 1] = 255
            for p in st.encode(av.VideoFrame.from_ndarray(img, format="rgb24")):
                c.mux(p)
        for p in st.encode():
            c.mux(p)


def test_the_manual_example_with_a_video_camera_stopped_after_n_frames(tmp_path):
    cam = tmp_path / "camera.mp4"
    camera_video(cam)
    out = tmp_path / "out"
    r = k230sim(EXAMPLES / "doc_example1.py", "--camera", cam, "--frames", 45, "--out", out, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    # The script's own KeyboardInterrupt path ran (the manual's example prints "User stop"),
    # then the cleanup; the runner says why it stopped.
    assert "User stop" in r.stdout and "VENC test stops" in r.stdout, r.stdout
    assert "stopped after 45 sensor frames, as the IDE's Stop does" in r.stderr, r.stderr
    stream = out / "doc_example1.264"
    assert stream.exists()
    text = r.stdout
    for line in ("codec     h264 Main", "size      800x480", "GOP       30", "errors    none"):
        assert line in text, text
    frames = int(text.split("frames    ", 1)[1].split()[0])
    assert 40 <= frames <= 45, text
    sheet = out / "pictures" / "doc_example1.264.contact.png"
    plot = out / "pictures" / "doc_example1.264.bitrate.png"
    assert str(sheet) in text and str(plot) in text
    with Image.open(sheet) as im:
        assert im.width > 500 and im.height > 100
        # The camera's red shows in the thumbnails (the test pattern has no flat red field).
        px = np.asarray(im.convert("RGB"), dtype=np.int32)
        assert (px[:, :, 0] > 150).mean() > 0.3, "the contact sheet does not show the camera's picture"
    with Image.open(plot) as im:
        assert im.width > 300


def test_board_paths_map_into_the_output_folder(tmp_path):
    script = tmp_path / "writes_sdcard.py"
    # /sdcard/examples exists, as on CanMV images.
    script.write_text("""
import os
with open("/sdcard/examples/note.txt", "w") as f:
    f.write("on the sdcard")
os.mkdir("/data/sub")
print(os.listdir("/sdcard/examples"))
""")
    out = tmp_path / "o"
    r = k230sim(script, "--out", out, "--no-pictures", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert (out / "sdcard" / "examples" / "note.txt").read_text() == "on the sdcard"
    assert (out / "data" / "sub").is_dir()
    assert "wrote no stream file" in r.stdout


def test_a_script_error_shows_its_traceback_and_fails(tmp_path):
    script = tmp_path / "broken.py"
    script.write_text("from media.vencoder import *\nenc = Encoder()\nenc.Start(7)\n")
    r = k230sim(script, "--out", tmp_path / "o", cwd=tmp_path)
    assert r.returncode != 0
    assert f'File "{script}", line 3' in r.stderr, r.stderr
    assert "ValueError: Start: chn must be in 0..3" in r.stderr, r.stderr
    assert "the script FAILED" in r.stderr


@pytest.mark.parametrize("bad", ["missing.mp4", "garbage.mp4"])
def test_a_bad_camera_file_is_one_clear_line(tmp_path, bad):
    (tmp_path / "garbage.mp4").write_bytes(b"\x00 not a video " * 50)
    r = k230sim(EXAMPLES / "doc_example1.py", "--camera", tmp_path / bad, cwd=tmp_path)
    assert r.returncode == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("k230sim: camera: "), r.stderr
    assert ("no such file" in lines[0]) if bad == "missing.mp4" else ("cannot be decoded" in lines[0] or "no video" in lines[0])


def test_the_2025_firmware(tmp_path):
    if not (ROOT / "build" / "unix_sim_2025" / "micropython").exists():
        pytest.skip("build/unix_sim_2025/micropython is not built (make micropython-2025; make test builds it first)")
    r = k230sim(EXAMPLES / "implicit_channel.py", "--firmware", "2025", "--frames", 20, "--out", tmp_path / "o",
                "--no-pictures", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "firmware 2025" in r.stderr and "errors    none" in r.stdout, r.stdout + r.stderr


def test_an_mp4_recording_to_the_sdcard_lands_in_the_output_folder(tmp_path):
    # CanMV's MP4 example writes /sdcard/examples/test.mp4: the muxer (a file the simulator
    # opens itself) follows the same board-path map as the script's own files.
    script = tmp_path / "mp4_to_sdcard.py"
    script.write_text((EXAMPLES / "mp4_container.py").read_text().replace('"mp4_container.mp4"', '"/sdcard/examples/test.mp4"'))
    out = tmp_path / "o"
    r = k230sim(script, "--frames", 40, "--out", out, "--no-pictures", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    mp4 = out / "sdcard" / "examples" / "test.mp4"
    assert mp4.exists(), r.stdout + r.stderr
    assert str(mp4) in r.stdout and "codec     hevc Main" in r.stdout, r.stdout
    assert "audio     pcm_mulaw, 8000 Hz" in r.stdout and "errors    none" in r.stdout, r.stdout


def test_a_long_run_shows_progress_lines(tmp_path):
    # 150 frames at the sensor's 30 fps in real time: about 5 s, so progress lines appear
    # (after 3 s, then every 2 s) with frames, fps and the time.
    script = tmp_path / "slow.py"
    script.write_text((EXAMPLES / "doc_example1.py").read_text().replace("Sensor()", "Sensor(fps=30)"))
    r = k230sim(script, "--realtime", "--frames", 150, "--out", tmp_path / "o", "--no-pictures", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    lines = [l for l in r.stderr.splitlines() if l.startswith("k230sim: ") and " fps, " in l]
    assert lines, r.stderr
    frames, fps = int(lines[0].split()[1]), float(lines[0].split()[3])
    assert frames > 0 and 20 <= fps <= 40, lines

