"""Starting over in one interpreter (the REPL, or a script run twice without the soft reset
the IDE's Stop does): a run that fails half-way leaves its channel started, its link and
MediaManager.init() in place. The next run's errors must say how to get out, and following
them must work; and the documented start-over lines at the top of a script make it runnable
again after any failure."""

from conftest import checked, run_mpy
from streamcheck.nal import nal_types

# A doc-example-shaped recording script; CRASH makes it fail half-way through its loop, with
# the sensor stopped (a `finally`) but nothing else released. START_OVER puts the documented
# start-over lines at its top.
BODY = r'''
from media.vencoder import *
from media.sensor import *
from media.media import *
import media.vencoder
if START_OVER:
    Sensor.deinit()
    media.vencoder.deinit_all()
sensor = Sensor()
sensor.reset()
sensor.set_framesize(width=320, height=240)
sensor.set_pixformat(Sensor.YUV420SP)
encoder = Encoder()
encoder.SetOutBufs(0, 8, 320, 240)
link = MediaManager.link(sensor.bind_info()['src'], (VIDEO_ENCODE_MOD_ID, VENC_DEV_ID, 0))
MediaManager.init()
encoder.Create(0, ChnAttrStr(encoder.PAYLOAD_TYPE_H264, encoder.H264_PROFILE_MAIN, 320, 240))
encoder.Start(0)
sensor.run()
sd = StreamData()
try:
    with open(OUT, "wb") as fo:
        for i in range(10):
            encoder.GetStream(0, sd)
            for p in range(sd.pack_cnt):
                fo.write(uctypes.bytearray_at(sd.data[p], sd.data_size[p]))
            encoder.ReleaseStream(0, sd)
            if CRASH and i == 5:
                raise ValueError("a bug in the loop")
finally:
    sensor.stop()
del link
encoder.Stop(0)
encoder.Destroy(0)
MediaManager.deinit()
print("RUN OK")
'''

DRIVER = r'''
import media.vencoder
from media.media import MediaManager
BODY = %r

def run(crash, start_over, out):
    try:
        exec(BODY, {"CRASH": crash, "START_OVER": start_over, "OUT": out, "__name__": "__main__"})
        return None
    except Exception as e:
        print("ERR", type(e).__name__, e)
        return str(e)
'''


def test_following_the_errors_after_a_failed_run_gets_a_clean_second_run(mpy, tmp_path):
    out = tmp_path / "rerun.264"
    script = DRIVER % BODY + r'''
assert run(True, False, "crash.264") == "a bug in the loop"
# Run it again as it is: each error says what to do; do it (the start-over part when the
# message offers one), at most three times.
for attempt in range(5):
    msg = run(False, False, %r)
    if msg is None:
        print("SECOND RUN OK after", attempt, "steps")
        break
    if "media.vencoder.deinit_all()" in msg:
        media.vencoder.deinit_all()
    elif msg == "sensor(0) is already inited.":
        # What the simulator's line on stderr says frees it.
        from media.sensor import Sensor
        Sensor.deinit()
    elif "call MediaManager.deinit() first" in msg:
        MediaManager.deinit()
    else:
        raise AssertionError("no advice: " + msg)
''' % str(out)
    text = checked(run_mpy(script, tmp_path))
    # The first error of the second run is SetOutBufs after the first run's
    # MediaManager.init(); it offers the start-over (deinit_all).
    assert "ERR RuntimeError SetOutBufs: MediaManager.init() was called already" in text, text
    # Then the Sensor that failed run left behind (constructed before SetOutBufs failed).
    assert "ERR OSError sensor(0) is already inited." in text, text
    assert "SECOND RUN OK after 2 steps" in text, text
    assert "RUN OK" in text
    types = nal_types("h264", out.read_bytes())
    assert types[:2] == [7, 8] and 5 in types, types[:6]


def test_the_start_over_lines_make_a_script_rerunnable(mpy, tmp_path):
    outs = [tmp_path / f"run{i}.264" for i in range(3)]
    script = DRIVER % BODY + r'''
assert run(True, True, %r) == "a bug in the loop"
assert run(False, True, %r) is None
assert run(False, True, %r) is None
print("BOTH RERUNS OK")
''' % tuple(str(o) for o in outs)
    text = checked(run_mpy(script, tmp_path))
    assert "BOTH RERUNS OK" in text, text
    for o in outs[1:]:
        types = nal_types("h264", o.read_bytes())
        assert types[:2] == [7, 8] and 5 in types, types[:6]


def test_a_sensor_left_running_by_an_earlier_run_is_explained(mpy, tmp_path):
    # Without the `finally`, the earlier run's Sensor keeps the CSI bus: the board's error,
    # and on stderr what frees it.
    body = BODY.replace("finally:\n    sensor.stop()", "except KeyboardInterrupt:\n    sensor.stop()")
    script = DRIVER % body + r'''
assert run(True, False, "a.264") == "a bug in the loop"
msg = run(False, False, "b.264")
assert msg == "sensor(0) is already inited.", msg
from media.sensor import Sensor
Sensor.deinit()
media.vencoder.deinit_all()
assert run(False, False, "c.264") is None
print("RECOVERED")
'''
    proc = run_mpy(script, tmp_path)
    text = checked(proc)
    assert "RECOVERED" in text, text
    assert "Sensor.deinit() stops every sensor" in proc.stderr, proc.stderr
