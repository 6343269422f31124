"""Every RuntimeError about a channel's state advises the calls that fix it: for every call in
every channel state, in both call shapes (the manual's `Start(0)` and the implicit channel's
`Start()`), the call is made; when it is refused, the message must name the call, the channel
and its state, and the calls it advises are made in order, after which the refused call must
succeed. One MicroPython process runs the whole table; each row is a pytest case."""

import pytest

from conftest import SNAP_FRAME_320X240, checked, run_mpy

CALLS = ("Create", "Start", "Stop", "Destroy", "GetStream", "SendFrame", "RequestIDR", "QueryStatus")
STATES = ("free", "created", "started")
SHAPES = ("explicit", "implicit")

SCRIPT = r"""
import re
from media.vencoder import *
from media.sensor import *
from media.media import *

sensor = Sensor(fps=30)
sensor.reset()
sensor.set_framesize(width=320, height=240)
sensor.set_pixformat(Sensor.YUV420SP)
sensor.run()
""" + SNAP_FRAME_320X240 + r"""
STATE_WORDS = {"free": "is not created", "created": "is created but not started", "started": "is started"}
sd = StreamData()

def attr():
    return ChnAttrStr(Encoder.PAYLOAD_TYPE_H264, Encoder.H264_PROFILE_MAIN, 320, 240)

def fresh(shape, state):
    deinit_all()
    enc = Encoder()
    if shape == "explicit":
        enc.SetOutBufs(0, 4, 320, 240)
        if state != "free":
            enc.Create(0, attr())
        if state == "started":
            enc.Start(0)
    else:
        # The implicit shape's channel exists from Create(chnAttr) on; "free" is an Encoder
        # whose channel was created and destroyed again (Encoder.chn is -1 then).
        enc.SetOutBufs(4, 320, 240)
        enc.Create(attr())
        if state == "free":
            enc.Destroy()
        if state == "started":
            enc.Start()
    return enc

def call(enc, shape, name):
    chn = () if shape == "implicit" else (0,)
    if name == "Create":
        enc.Create(*(chn + (attr(),)))
    elif name == "GetStream":
        if enc.GetStream(*(chn + (sd, 0))) == 0:
            enc.ReleaseStream(*(chn + (sd,)))
    elif name == "SendFrame":
        enc.SendFrame(*(chn + (snap_frame(),)))
    elif name == "SetOutBufs":
        enc.SetOutBufs(*(chn + (4, 320, 240)))
    elif name == "MediaManager.init":
        MediaManager.init()
    elif name == "MediaManager.deinit":
        MediaManager.deinit()
    else:
        getattr(enc, name)(*chn)

ADVICE = re.compile(r"; call (.*) first")

def row(shape, state, name):
    enc = fresh(shape, state)
    try:
        call(enc, shape, name)
        return "direct"
    except (RuntimeError, ValueError) as e:
        msg = str(e)
        refused = type(e)
    want = (name + "(0): channel 0 " if shape == "explicit" else name + "(): channel ")
    if refused is ValueError:
        # Only the implicit shape's Encoder without a channel: "call Create(chnAttr) first".
        want = name + ": no channel requested yet"
    elif STATE_WORDS[state] not in msg:
        return "FAIL state not named: " + msg
    if not msg.startswith(want):
        return "FAIL call/channel not named: " + msg
    m = ADVICE.search(msg)
    if not m:
        return "FAIL no advice: " + msg
    steps = m.group(1).split(", then ")
    for step in steps:
        step_name = step[:step.index("(")]
        try:
            call(enc, shape, step_name)
        except Exception as e2:
            return "FAIL advice %r: %s failed: %s" % (steps, step, e2)
    try:
        call(enc, shape, name)
    except Exception as e3:
        return "FAIL after advice %r: %s" % (steps, e3)
    return "advised " + " | ".join(steps)

for shape in SHAPES:
    for state in STATES:
        for name in CALLS:
            print("ROW", shape, state, name, "=", row(shape, state, name))

# Create of a channel without output buffers: before and after MediaManager.init().
for inited in (False, True):
    deinit_all()
    enc = Encoder()
    if inited:
        MediaManager.init()
    try:
        enc.Create(0, attr())
        print("ROW nobufs", inited, "= FAIL no error")
        continue
    except RuntimeError as e:
        msg = str(e)
    steps = ADVICE.search(msg).group(1).split(", then ")
    for step in steps:
        call(enc, "explicit", step[:step.index("(")])
    enc.Create(0, attr())
    print("ROW nobufs", inited, "=", "advised " + " | ".join(steps))
deinit_all()
MediaManager.deinit()
sensor.stop()
""".replace("SHAPES", repr(SHAPES)).replace("STATES", repr(STATES)).replace("CALLS", repr(CALLS))


@pytest.fixture(scope="module")
def rows(mpy, tmp_path_factory):
    out = checked(run_mpy(SCRIPT, tmp_path_factory.mktemp("advice")))
    got = {}
    for line in out.splitlines():
        if line.startswith("ROW "):
            key, _, result = line[4:].partition(" = ")
            got[key] = result
    return got, out


# What each call in each state must do: run ("direct"), or be refused with exactly this
# advice (the steps as the message names them), per shape.
EXPECTED = {
    ("free", "Create"): "direct",
    ("free", "Start"): ("Create(0, chnAttr)", None),
    ("free", "Stop"): ("Create(0, chnAttr)", None),
    ("free", "Destroy"): ("Create(0, chnAttr)", None),
    ("free", "GetStream"): ("Create(0, chnAttr) | Start(0)", None),
    ("free", "SendFrame"): ("Create(0, chnAttr) | Start(0)", None),
    ("free", "RequestIDR"): ("Create(0, chnAttr)", None),
    ("free", "QueryStatus"): ("Create(0, chnAttr)", None),
    ("created", "Create"): ("Destroy(0)", "Destroy()"),
    ("created", "Start"): "direct",
    ("created", "Stop"): "direct",
    ("created", "Destroy"): "direct",
    ("created", "GetStream"): ("Start(0)", "Start()"),
    ("created", "SendFrame"): ("Start(0)", "Start()"),
    ("created", "RequestIDR"): "direct",
    ("created", "QueryStatus"): "direct",
    ("started", "Create"): ("Stop(0) | Destroy(0)", "Stop() | Destroy()"),
    ("started", "Start"): ("Stop(0)", "Stop()"),
    ("started", "Stop"): "direct",
    ("started", "Destroy"): ("Stop(0)", "Stop()"),
    ("started", "GetStream"): "direct",
    ("started", "SendFrame"): "direct",
    ("started", "RequestIDR"): "direct",
    ("started", "QueryStatus"): "direct",
}


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("name", CALLS)
def test_advice_makes_the_call_succeed(rows, shape, state, name):
    got, out = rows
    key = f"{shape} {state} {name}"
    assert key in got, f"row {key} did not run:\n{out}"
    result = got[key]
    assert not result.startswith("FAIL"), result
    want = EXPECTED[(state, name)]
    if want == "direct":
        assert result == "direct", result
        return
    if shape == "implicit" and state == "free":
        # An Encoder whose channel was destroyed has none: every call but Create(chnAttr)
        # is told to request one (ValueError), and that advice works too.
        want_steps = {"Create": "direct", "GetStream": "Create(chnAttr) | Start()",
                      "SendFrame": "Create(chnAttr) | Start()"}.get(name, "Create(chnAttr)")
        assert result in (want_steps, "advised " + want_steps), result
        return
    explicit, implicit = want
    assert result == "advised " + (explicit if shape == "explicit" else implicit), result


@pytest.mark.parametrize("inited", [False, True])
def test_create_without_out_bufs_advice_works(rows, inited):
    got, _ = rows
    result = got[f"nobufs {inited}"]
    if inited:
        assert result == "advised MediaManager.deinit() | SetOutBufs(0, buf_num, width, height) | MediaManager.init()", result
    else:
        assert result == "advised SetOutBufs(0, buf_num, width, height)", result
