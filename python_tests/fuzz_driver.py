# The fuzzer's MicroPython side (python_tests/fuzz.py runs it, one seed per interpreter):
#   micropython fuzz_driver.py SEED STEPS
# Random media.vencoder / MediaManager / Sensor calls with random arguments (wrong types,
# huge and negative numbers, wrong objects), random injected MPP faults, random
# micropython.schedule re-entry (served inside GetStream/SendFrame waits), and garbage
# collection at random points. At the end: faults cleared, deinit_all, sensors stopped;
# nothing may be live, and a clean bound flow and a clean SendFrame flow must still work.
# The last line is "FUZZ-OK ..." or "FUZZ-FAIL ...".

import gc
import micropython
import random
import sys
import _k230sim
from media.vencoder import *
from media.sensor import *
from media.media import *

SEED = int(sys.argv[1])
STEPS = int(sys.argv[2])
random.seed(SEED)

FUNCS = [
    "kd_mpi_venc_create_chn", "kd_mpi_venc_destroy_chn", "kd_mpi_venc_start_chn",
    "kd_mpi_venc_stop_chn", "kd_mpi_venc_query_status", "kd_mpi_venc_get_stream",
    "kd_mpi_venc_release_stream", "kd_mpi_venc_send_frame", "kd_mpi_venc_enable_idr",
    "kd_mpi_venc_set_rotation", "kd_mpi_venc_set_mirror",
    "kd_mpi_sys_bind", "kd_mpi_sys_unbind", "kd_mpi_sys_mmap", "kd_mpi_sys_munmap",
    "kd_mpi_vb_set_config", "kd_mpi_vb_init", "kd_mpi_vb_exit", "kd_mpi_vb_create_pool",
    "kd_mpi_vb_destory_pool", "kd_mpi_venc_attach_vb_pool", "kd_mpi_venc_detach_vb_pool",
    "kd_mpi_venc_request_chn", "kd_mpi_venc_release_chn", "kd_mpi_venc_request_idr",
]
CODES = [0xA0098012, 0xA0098005, 0xA0048009, 0xA0058009, -1, 0xA009800E, 0xA009800F]
SIZES = [(320, 240), (320, 240), (640, 480), (128, 64), (800, 480)]

encoders = []
datas = []
links = []
frames = []
sensors = []
stats = {}
LAST = ""
PAYLOADS = [Encoder.PAYLOAD_TYPE_H264, Encoder.PAYLOAD_TYPE_H265, Encoder.PAYLOAD_TYPE_JPEG]


def pick(seq):
    return seq[random.randrange(len(seq))] if seq else None


def weird():
    return pick([None, "x", 1.5, [], (1, 2), b"ab", object(), -1, 2 ** 70, -(2 ** 70),
                 2 ** 31, -(2 ** 31) - 1, 0, 7])


def num(lo, hi):
    # Mostly in range, sometimes out of it, sometimes not a number.
    r = random.randrange(10)
    if r < 7:
        return random.randrange(lo, hi + 1)
    if r < 9:
        return pick([lo - 1, hi + 1, -(2 ** 40), 2 ** 40, 2 ** 64, -1])
    return weird()


def chn():
    # Mostly channels 0 and 1, so that calls meet each other's state.
    return random.randrange(2) if random.randrange(4) else num(0, 3)


def attr():
    r = random.randrange(8)
    if r == 0:
        return weird()
    w, h = pick(SIZES)
    pt = pick(PAYLOADS)
    profile = {Encoder.PAYLOAD_TYPE_H264: pick([1, 2, 3]), Encoder.PAYLOAD_TYPE_H265: 5,
               Encoder.PAYLOAD_TYPE_JPEG: 0}[pt]
    if r == 1:
        return ChnAttrStr(num(0, 300), num(0, 6), num(64, 5000), num(64, 5000))
    # Sometimes the keywords beyond the manual: turned / mirrored channels, other rate controls.
    kw = {}
    if r == 2:
        kw = {"rotation": pick([0, 90, 180, 270]), "mirror": num(0, 2)}
    elif r == 3:
        kw = {"rc_mode": num(1, 3), "max_bit_rate": num(0, 9000), "i_qp": num(0, 51), "p_qp": num(0, 51)}
    return ChnAttrStr(pt, profile, w, h, num(1, 8000), num(1, 60), 30, num(1, 30), num(1, 99), **kw)


def sd():
    return pick(datas) if random.randrange(8) else weird()


def holding():
    # A StreamData that holds a stream (its repr says so), if any.
    held = [d for d in datas if "holds" in repr(d)]
    return pick(held)


def frame():
    r = random.randrange(6)
    if r == 0 or not frames:
        return weird() if r == 0 else k_video_frame_info()
    f = pick(frames)
    if r == 1:
        # Corrupt a field.
        field = pick(["width", "height", "pixel_format"])
        setattr(f.v_frame, field, random.getrandbits(32))
    elif r == 2:
        f.v_frame.phys_addr[random.randrange(3)] = random.getrandbits(40)
    return f


def frame_of(img):
    # The k_video_frame_info of a sensor picture, as the manual's Example 2 builds it.
    f = k_video_frame_info()
    f.v_frame.width = img.width()
    f.v_frame.height = img.height()
    f.v_frame.pixel_format = Sensor.YUV420SP
    f.v_frame.phys_addr[0] = img.phyaddr()
    f.v_frame.phys_addr[1] = img.phyaddr() + ALIGN_UP(img.width() * img.height(), 4096)
    return f


def sensor_op():
    if not sensors or random.randrange(10) == 0:
        try:
            s = Sensor(id=pick([0, 1, 2, 0, 0]))
            s.reset()
            w, h = pick(SIZES)
            s.set_framesize(width=w, height=h)
            s.set_pixformat(Sensor.YUV420SP)
            sensors.append(s)
        except Exception as e:
            note(e)
        return
    s = pick(sensors)
    op = random.randrange(6)
    if op == 0:
        s.run()
    elif op == 1:
        s.stop()
    elif op == 2:
        frames.append(frame_of(s.snapshot(chn=CAM_CHN_ID_0)))
        del frames[:-4]
    elif op == 3:
        links.append(MediaManager.link(s.bind_info()['src'], (VIDEO_ENCODE_MOD_ID, VENC_DEV_ID, chn())))
    elif op == 4:
        s.set_framesize(width=num(64, 1920), height=num(64, 1080))
    else:
        sensors.remove(s)


def encoder():
    if not encoders or random.randrange(12) == 0:
        encoders.append(Encoder())
    return pick(encoders)


def op_setoutbufs(e):
    w, h = pick(SIZES)
    if random.randrange(5):
        e.SetOutBufs(chn(), random.randrange(2, 6), w, h)
    else:
        e.SetOutBufs(chn(), num(1, 8), num(128, 1920), num(64, 1080))


def op_link(e):
    links.append(MediaManager.link((num(0, 30), num(0, 3), num(0, 3)), (num(0, 30), num(0, 3), num(0, 3))))


def op_unlink(e):
    if links:
        links.pop(random.randrange(len(links)))


def op_streamdata(e):
    datas.append(StreamData())
    del datas[:-6]


def op_sd_attr(e):
    d = pick(datas)
    if d is not None:
        setattr(d, pick(["pack_cnt", "data", "stream_type"]), weird())


def op_del_encoder(e):
    encoders.pop(random.randrange(len(encoders)))


def op_pipeline(e):
    # A valid set-up of one channel, each step on its own: brings the module into deep
    # states (started channels, streams to hold) that random calls alone rarely reach.
    c = random.randrange(2)
    w, h = 320, 240
    steps = [
        lambda: e.SetOutBufs(c, 4, w, h),
        lambda: MediaManager.init(),
        lambda: e.Create(c, ChnAttrStr(Encoder.PAYLOAD_TYPE_H264, Encoder.H264_PROFILE_MAIN, w, h)),
        lambda: e.Start(c),
    ]
    for step in steps:
        try:
            step()
        except Exception as ex:
            note(ex)


# (weight, name, operation on an Encoder)
OPS = [
    (6, "pipeline", op_pipeline),
    (8, "SetOutBufs", op_setoutbufs),
    (10, "Create", lambda e: e.Create(chn(), attr())),
    (10, "Start", lambda e: e.Start(chn())),
    (3, "Stop", lambda e: e.Stop(chn())),
    (3, "Destroy", lambda e: e.Destroy(chn())),
    (14, "GetStream", lambda e: e.GetStream(chn(), sd(), pick([0, 0, 1, 5, 20, 120, -2, -(2 ** 40), "x"]))),
    (10, "ReleaseStream", lambda e: e.ReleaseStream(chn(), holding() or sd())),
    (8, "SendFrame", lambda e: e.SendFrame(chn(), frame())),
    (2, "MediaManager.init", lambda e: MediaManager.init()),
    (2, "MediaManager.deinit", lambda e: MediaManager.deinit()),
    (3, "link", op_link),
    (2, "unlink", op_unlink),
    (3, "StreamData", op_streamdata),
    (1, "StreamData.attr", op_sd_attr),
    (1, "StreamData.lists", lambda e: d_list_shrink()),
    (1, "del Encoder", op_del_encoder),
    (1, "deinit_all", lambda e: deinit_all()),
    # Beyond the manual.
    (2, "RequestIDR", lambda e: e.RequestIDR(chn())),
    (2, "QueryStatus", lambda e: e.QueryStatus(chn())),
    (1, "RequestIDR()", lambda e: e.RequestIDR()),
    # The implicit-channel shape of the newest firmware, on the same module.
    (3, "SetOutBufs(n, w, h)", lambda e: e.SetOutBufs(num(1, 8), *pick(SIZES))),
    (5, "Create(attr)", lambda e: e.Create(attr())),
    (4, "Start()", lambda e: e.Start()),
    (2, "Stop()", lambda e: e.Stop()),
    (2, "Destroy()", lambda e: e.Destroy()),
    (5, "GetStream(sd)", lambda e: e.GetStream(sd(), pick([0, 0, 5, 120, -2]))),
    (4, "ReleaseStream(sd)", lambda e: e.ReleaseStream(holding() or sd())),
    (3, "SendFrame(f)", lambda e: e.SendFrame(frame(), timeout=pick([0, 10, 1000, -1]))),
    (2, "link(chn)", lambda e: links.append(MediaManager.link(
        (CAMERA_MOD_ID, 0, 0), (VIDEO_ENCODE_MOD_ID, VENC_DEV_ID, e.chn)))),
    (8, "sensor", lambda e: sensor_op()),
    (2, "ChnAttrStr", lambda e: ChnAttrStr(*[weird() for _ in range(random.randrange(7))])),
]
TOTAL = sum(w for w, _, _ in OPS)


def api_op():
    global LAST
    r = random.randrange(TOTAL)
    for w, name, f in OPS:
        if r < w:
            break
        r -= w
    LAST = name
    f(encoder())


def d_list_shrink():
    d = pick(datas)
    if d is None:
        return False
    lst = getattr(d, pick(["data", "data_size", "pts"]))
    del lst[random.randrange(len(lst) + 1):]
    return True


def note(e):
    name = type(e).__name__
    stats[name] = stats.get(name, 0) + 1


# What the encoder module (and its MediaManager helpers) may raise; the sensor stand-in is
# not judged. Reading a StreamData list attribute is fine, assigning one is an AttributeError.
CLEAN = (ValueError, TypeError, RuntimeError, OSError)
SENSOR_OPS = ("sensor", "")
unclean = []


def check_clean(op, e):
    if op in SENSOR_OPS or (op == "StreamData.attr" and isinstance(e, AttributeError)):
        return
    if not isinstance(e, CLEAN):
        unclean.append((op, repr(e)))
    elif isinstance(e, OSError):
        msg = e.args[1] if len(e.args) > 1 else ""
        if not isinstance(e.args[0], int) or not (" failed: K_" in msg or "returned NULL" in msg
                                                  or "k230_sim_" in msg):
            unclean.append((op, repr(e)))


def reentry(_):
    try:
        api_op()
    except Exception as e:
        note(e)


for step in range(STEPS):
    r = random.randrange(100)
    try:
        if r < 8:
            _k230sim.fault(pick(FUNCS), pick(CODES), random.randrange(4), random.randrange(1, 4))
        elif r < 10:
            _k230sim.fault_clear()
        elif r < 14:
            gc.collect()
        elif r < 18:
            try:
                micropython.schedule(reentry, None)
            except RuntimeError:
                pass
        elif r < 28:
            sensor_op()
        else:
            LAST = ""
            try:
                api_op()
            except Exception as e:
                check_clean(LAST, e)
                raise
            stats["ok " + LAST] = stats.get("ok " + LAST, 0) + 1
    except ValueError as e:
        # fault() of a function this build does not have, and bad arguments
        note(e)
    except Exception as e:
        note(e)

if unclean:
    print("FUZZ-FAIL exceptions of the encoder module that are not clean:", unclean[:5])
    raise SystemExit(1)

# The firmware's between-scripts teardown, faults gone.
_k230sim.fault_clear()
encoders.clear()
datas.clear()
links.clear()
frames.clear()
gc.collect()
try:
    deinit_all()
except Exception as e:
    print("FUZZ-FAIL deinit_all raised with the faults cleared:", repr(e))
    raise SystemExit(1)
for dev in range(3):
    try:
        _k230sim.vicap_stop(dev)
    except OSError:
        pass
sensors.clear()


def nothing_live(when):
    live = _k230sim.stats()
    if any(live[k] for k in live if k != "venc_dropped"):  # drops are counts, not live
        print("FUZZ-FAIL live after %s:" % when, live)
        raise SystemExit(1)


nothing_live("the teardown")

# A clean bound flow and a clean SendFrame flow still work.
sensor = Sensor()
sensor.reset()
sensor.set_framesize(width=320, height=240)
sensor.set_pixformat(Sensor.YUV420SP)
enc = Encoder()
enc.SetOutBufs(0, 4, 320, 240)
enc.SetOutBufs(1, 4, 320, 240)
link = MediaManager.link(sensor.bind_info()['src'], (VIDEO_ENCODE_MOD_ID, VENC_DEV_ID, 0))
MediaManager.init()
a = ChnAttrStr(Encoder.PAYLOAD_TYPE_H264, Encoder.H264_PROFILE_MAIN, 320, 240)
enc.Create(0, a)
enc.Create(1, a)
enc.Start(0)
enc.Start(1)
sensor.run()
s = StreamData()
for i in range(3):
    assert enc.GetStream(0, s, 1000) == 0 and s.pack_cnt >= 1
    enc.ReleaseStream(0, s)
assert enc.SendFrame(1, frame_of(sensor.snapshot(chn=CAM_CHN_ID_0))) == 0
assert enc.GetStream(1, s, 1000) == 0 and s.pack_cnt >= 1
enc.ReleaseStream(1, s)
sensor.stop()
del link
for c in (0, 1):
    enc.Stop(c)
    enc.Destroy(c)
MediaManager.deinit()
nothing_live("the clean flows")
print("FUZZ-OK seed=%d steps=%d exceptions=%s" % (SEED, STEPS, sorted(stats.items())))
