"""Stand-in for CanMV-K230's media.sensor on the k230-venc simulator.

Sensor is the 2025-2026 firmware's Sensor (neighbours facts sheet, section 2) over the
simulator's VICAP stand-in (native module _k230sim): a synthetic moving test pattern (or the
frames of a Y4M file, as the simulator is configured), in each channel's own size and pixel
format, mirrored / flipped as set_hmirror / set_vflip said when run() started it. NV12 frames
have their UV plane at ALIGN_UP(width * height, 4096), as VICAP hands them out on the board.
Binding a channel to an encoder (MediaManager.link) makes frames flow into it once run() is
called; snapshot() returns an image of the channel's next frame or, with dump_frame=True, the
frame itself as a _media.py_video_frame_info, which Encoder.SendFrame takes as it is.

Checks and messages follow CanMV's Sensor: AssertionError for calls before reset(), a
channel out of range, a size out of range; OSError("sensor(N) is already inited.") for a
second Sensor on a device; RuntimeError from run() and snapshot(). Where CanMV does not check
(argument types, values it passes on to the hardware), a wrong argument is a TypeError or
ValueError naming it and its allowed values. Choices where the facts are silent or uncertain
are marked CHOICE below.
"""
import sys
import uctypes
import _k230sim
from _media import py_video_frame_info

from media.media import *

# Output size limits of the VICAP channels.
CAM_OUT_WIDTH_MIN = 64
CAM_OUT_HEIGHT_MIN = 64
# Largest sensor (acquisition) size and frame rate the simulated sensor can run at.
CAM_IN_SIZE_MAX = 4096
CAM_FPS_MAX = 120

# K230 MPP pixel formats (k_pixel_format, CanMV MPP numbering; RGB_888_PLANAR is 46 in the
# 2025-2026 firmware and the MPP headers, 45 in the 2024 Python layer) and CanMV's GRAYSCALE.
PIXEL_FORMAT_RGB_565 = 2
PIXEL_FORMAT_RGB_888 = 3
PIXEL_FORMAT_RGB_888_PLANAR = 46
PIXEL_FORMAT_YUV_SEMIPLANAR_420 = 31
PIXEL_FORMAT_GRAYSCALE = 303

# CHOICE: the frame rate of Sensor() without fps=. CanMV's code defaults to 60 (its manual says
# 30), and users measured a default sensor running its 60 fps mode (facts sheet 8), so 60.
SENSOR_DEFAULT_FPS = 60
# The type get_type() reports when Sensor() was not given one (the board's probe finds it).
SENSOR_TYPE = 0

# VICAP EXIST: the device's CSI bus belongs to another Sensor (_k230sim.vicap_claim).
_VICAP_EXIST = 0xA0158004

# Frame sizes of Sensor.set_framesize(framesize=...), indexed by the Sensor constants.
_FRAME_SIZES = (
    (88, 72),  # QQCIF
    (176, 144),  # QCIF
    (352, 288),  # CIF
    (176, 120),  # QSIF
    (352, 240),  # SIF
    (160, 120),  # QQVGA
    (320, 240),  # QVGA
    (640, 480),  # VGA
    (120, 80),  # HQQVGA
    (240, 160),  # HQVGA
    (480, 320),  # HVGA
    (64, 64),  # B64X64
    (128, 64),  # B128X64
    (128, 128),  # B128X128
    (160, 160),  # B160X160
    (320, 320),  # B320X320
    (128, 160),  # QQVGA2
    (720, 480),  # WVGA
    (752, 480),  # WVGA2
    (800, 600),  # SVGA
    (1024, 768),  # XGA
    (1280, 768),  # WXGA
    (1280, 1024),  # SXGA
    (1280, 960),  # SXGAM
    (1600, 1200),  # UXGA
    (1280, 720),  # HD
    (1920, 1080),  # FHD
    (2560, 1440),  # QHD
    (2048, 1536),  # QXGA
    (2560, 1600),  # WQXGA
    (2592, 1944),  # WQXGA2
)

# set_pixformat: what the hardware outputs for each format (RGB565 is converted from RGB888 in
# software at snapshot; GRAYSCALE is the Y plane of NV12), and the names for messages.
_HW_FORMAT = {
    PIXEL_FORMAT_RGB_565: PIXEL_FORMAT_RGB_888,
    PIXEL_FORMAT_RGB_888: PIXEL_FORMAT_RGB_888,
    PIXEL_FORMAT_RGB_888_PLANAR: PIXEL_FORMAT_RGB_888_PLANAR,
    PIXEL_FORMAT_YUV_SEMIPLANAR_420: PIXEL_FORMAT_YUV_SEMIPLANAR_420,
    PIXEL_FORMAT_GRAYSCALE: PIXEL_FORMAT_YUV_SEMIPLANAR_420,
}
_FORMAT_CHOICES = ("Sensor.RGB565 (2), Sensor.RGB888 (3), Sensor.RGBP888 (46), "
                   "Sensor.YUV420SP (31) or Sensor.GRAYSCALE (303)")


def _int(name, value):
    if not isinstance(value, int):
        raise TypeError("%s must be an int, not %s" % (name, type(value).__name__))
    return value


def _int_in(name, value, lo, hi):
    if not lo <= _int(name, value) <= hi:
        raise ValueError("%s must be in %d..%d (got %d)" % (name, lo, hi, value))
    return value


def _warn_unknown(call, kwargs):
    # CanMV reads the keyword arguments it knows and ignores the rest; say so.
    for k in kwargs:
        print("warning: %s ignores the unknown argument %s" % (call, k))


class _Image:
    """The part of CanMV's image.Image that a VICAP snapshot is used for: the frame's
    geometry and addresses. The frame stays valid until the channel's ring of 4 frames comes
    round to it again or the sensor stops (an RGB565 image owns its converted pixels)."""

    def __init__(self, info, pix_format):
        f = info.v_frame
        self._width = f.width
        self._height = f.height
        self._format = pix_format
        self._pool_id = info.pool_id
        self._phys = f.phys_addr
        self._virt = f.virt_addr
        if pix_format == PIXEL_FORMAT_GRAYSCALE:
            self._phys[1] = self._virt[1] = 0
        elif pix_format == PIXEL_FORMAT_RGB_565:
            # Converted in software from the hardware's RGB888, into memory of the image's
            # own (not MMZ: phyaddr() is 0).
            n = self._width * self._height
            self._data = bytearray(2 * n)
            _k230sim.rgb888_to_rgb565(uctypes.bytearray_at(self._virt[0], 3 * n), self._data)
            self._phys = [0, 0, 0]
            self._virt = [uctypes.addressof(self._data), 0, 0]

    def width(self):
        return self._width

    def height(self):
        return self._height

    def format(self):
        """The K230 pixel format of the picture (Sensor.YUV420SP, RGB888, RGBP888, RGB565,
        GRAYSCALE)."""
        return self._format

    def _plane(self, plane):
        if _int("plane", plane) not in (0, 1, 2):
            raise ValueError("plane must be 0, 1 or 2 (got %d)" % plane)
        return plane

    def phyaddr(self, plane=0):
        """Physical address of plane 0 (Y, RGB or R), 1 (UV or G) or 2 (B); 0 if none."""
        return self._phys[self._plane(plane)]

    def virtaddr(self, plane=0):
        """Host address of that plane, usable with uctypes.bytearray_at; 0 if none."""
        return self._virt[self._plane(plane)]

    def poolid(self):
        return self._pool_id

    def size(self):
        """Bytes of the picture's samples."""
        per_4_pixels = {PIXEL_FORMAT_YUV_SEMIPLANAR_420: 6, PIXEL_FORMAT_GRAYSCALE: 4,
                        PIXEL_FORMAT_RGB_565: 8}.get(self._format, 12)
        return self._width * self._height * per_4_pixels // 4

    def __repr__(self):
        return "<Image %dx%d format %d phyaddr 0x%x pool %d>" % (
            self._width, self._height, self._format, self._phys[0], self._pool_id)


class Sensor:
    RGB565 = PIXEL_FORMAT_RGB_565
    RGB888 = PIXEL_FORMAT_RGB_888
    RGBP888 = PIXEL_FORMAT_RGB_888_PLANAR
    YUV420SP = PIXEL_FORMAT_YUV_SEMIPLANAR_420
    GRAYSCALE = PIXEL_FORMAT_GRAYSCALE

    QQCIF = 0
    QCIF = 1
    CIF = 2
    QSIF = 3
    SIF = 4
    QQVGA = 5
    QVGA = 6
    VGA = 7
    HQQVGA = 8
    HQVGA = 9
    HVGA = 10
    B64X64 = 11
    B128X64 = 12
    B128X128 = 13
    B160X160 = 14
    B320X320 = 15
    QQVGA2 = 16
    WVGA = 17
    WVGA2 = 18
    SVGA = 19
    XGA = 20
    WXGA = 21
    SXGA = 22
    SXGAM = 23
    UXGA = 24
    HD = 25
    FHD = 26
    QHD = 27
    QXGA = 28
    WQXGA = 29
    WQXGA2 = 30
    FRAME_SIZE_INVAILD = 31  # (sic) CanMV's name

    # CHOICE: the facts name these two and not their values; the simulated sensor has no
    # tuning database, so they are only checked.
    DATABASE_PARSE_XML_JSON = 0
    DATABASE_PARSE_BIN = 1
    SNAPSHOT_FAILURE_LIMIT = 3
    SNAPSHOT_FAILURE_WINDOW_MS = 10000

    # The Sensor objects that hold their device's CSI bus, for run() and deinit().
    _live = []

    def __init__(self, **kwargs):
        args = {"id": CAM_DEV_ID_0, "type": None, "force": False, "width": 1920,
                "height": 1080, "fps": SENSOR_DEFAULT_FPS,
                "database_parse_mode": Sensor.DATABASE_PARSE_XML_JSON}
        _warn_unknown("Sensor()", [k for k in kwargs if k not in args])
        for k in args:
            args[k] = kwargs.get(k, args[k])
        dev = _int("id", args["id"])
        if not 0 <= dev < CAM_DEV_ID_MAX:
            raise AssertionError("invalid sensor id %d, should be 0 - %d" % (dev, CAM_DEV_ID_MAX - 1))
        if args["type"] is not None:
            _int("type", args["type"])
        if args["database_parse_mode"] not in (Sensor.DATABASE_PARSE_XML_JSON, Sensor.DATABASE_PARSE_BIN):
            raise ValueError("database_parse_mode must be Sensor.DATABASE_PARSE_XML_JSON (0) or "
                             "Sensor.DATABASE_PARSE_BIN (1) (got %r)" % (args["database_parse_mode"],))
        self._dev_id = dev
        self._type = SENSOR_TYPE if args["type"] is None else args["type"]
        self._force = bool(args["force"])
        # The sensor's own resolution (the acquisition window): channel output is at most this.
        self._max_width = _int_in("width", args["width"], CAM_OUT_WIDTH_MIN, CAM_IN_SIZE_MAX)
        self._max_height = _int_in("height", args["height"], CAM_OUT_HEIGHT_MIN, CAM_IN_SIZE_MAX)
        self._fps = _int_in("fps", args["fps"], 1, CAM_FPS_MAX)
        self._token = 0
        self._is_reset = False
        self._is_started = False
        self._claim()

    # ---- the CSI bus ---------------------------------------------------------------------

    def _claim(self):
        # CHOICE: the claim lives in the simulator (not in this class), so that the teardown
        # between two scripts, which stops every device, frees it as the firmware's soft
        # reset does, also when both scripts run in one interpreter.
        try:
            self._token = _k230sim.vicap_claim(self._dev_id, self._force)
        except OSError as e:
            if e.args[0] == _VICAP_EXIST:
                # The board's message; the simulator adds what frees the device on stderr.
                sys.stderr.write("k230 sim: sensor(%d) belongs to another Sensor object (an earlier "
                                 "run's?): Sensor.deinit() stops every sensor, Sensor(id=%d, "
                                 "force=True) takes it over\n" % (self._dev_id, self._dev_id))
                raise OSError("sensor(%d) is already inited." % self._dev_id)
            raise
        Sensor._live.append(self)

    def _holds(self):
        """Whether this object still holds its device (not stopped, not taken over with
        force=True, not stopped by the teardown between scripts)."""
        return self._token != 0 and _k230sim.vicap_owner(self._dev_id) == self._token

    @staticmethod
    def _prune():
        Sensor._live = [s for s in Sensor._live if s._holds()]

    def _release(self):
        if self._holds():
            _k230sim.vicap_stop(self._dev_id)
        self._token = 0
        self._is_started = False
        self._is_reset = False
        Sensor._prune()

    # ---- checks ------------------------------------------------------------------------------

    def _check(self, chn=None):
        if not self._is_reset:
            raise AssertionError("should call reset() first")
        if chn is not None and not 0 <= _int("chn", chn) < CAM_CHN_ID_MAX:
            raise AssertionError("invalid chn id %d, should be 0 - %d" % (chn, CAM_CHN_ID_MAX - 1))

    def _not_running(self, chn, call):
        # CHOICE: CanMV applies the channel settings at run(); here changing them while the
        # sensor runs is an error that says so, not a setting that silently waits.
        if self._is_started:
            raise RuntimeError("sensor(%d) chn(%d) %s: the sensor is running; call it before run()"
                               % (self._dev_id, chn, call))

    # ---- configuration -----------------------------------------------------------------------

    def reset(self):
        if not self._token:
            self._claim()  # stopped since: take the device again
        _k230sim.vicap_reset(self._dev_id)
        _k230sim.vicap_set_fps(self._dev_id, self._fps)
        self._chn_width = [0] * CAM_CHN_ID_MAX
        self._chn_height = [0] * CAM_CHN_ID_MAX
        self._chn_format = [0] * CAM_CHN_ID_MAX  # what the hardware outputs
        self._chn_pixformat = [0] * CAM_CHN_ID_MAX  # what set_pixformat asked for
        self._chn_enabled = [False] * CAM_CHN_ID_MAX
        self._chn_alignment = [0] * CAM_CHN_ID_MAX
        self._chn_crop = [None] * CAM_CHN_ID_MAX
        self._hmirror = False
        self._vflip = False
        self._is_reset = True
        self._is_started = False

    def set_framesize(self, framesize=FRAME_SIZE_INVAILD, chn=CAM_CHN_ID_0, alignment=0, crop=None,
                      **kwargs):
        self._check(chn)
        self._not_running(chn, "set_framesize")
        _warn_unknown("set_framesize()", [k for k in kwargs if k not in ("width", "height", "w", "h")])
        width = kwargs.get("width", kwargs.get("w"))
        height = kwargs.get("height", kwargs.get("h"))
        if width is None and height is None:
            fs = _int("framesize", framesize)
            width, height = _FRAME_SIZES[fs] if 0 <= fs < len(_FRAME_SIZES) else (0, 0)
        elif width is None or height is None:
            raise ValueError("set_framesize needs both width and height (or w and h), or framesize")
        _int("width", width)
        _int("height", height)
        if width % 16:
            width = ALIGN_UP(width, 16)
            print("Warning: sensor(%d) chn(%d) set_framesize: width aligned up to %d"
                  % (self._dev_id, chn, width))
        if not CAM_OUT_WIDTH_MIN <= width <= self._max_width:
            raise AssertionError("sensor(%d) chn(%d) set_framesize: invalid width %d, should be %d - %d"
                                 % (self._dev_id, chn, width, CAM_OUT_WIDTH_MIN, self._max_width))
        if not CAM_OUT_HEIGHT_MIN <= height <= self._max_height:
            raise AssertionError("sensor(%d) chn(%d) set_framesize: invalid height %d, should be %d - %d"
                                 % (self._dev_id, chn, height, CAM_OUT_HEIGHT_MIN, self._max_height))
        if _int("alignment", alignment) < 0:
            raise ValueError("alignment must be 0 or more (got %d)" % alignment)
        window = self._crop_window(crop, chn, width, height)
        _k230sim.vicap_set_framesize(self._dev_id, chn, width, height)
        self._chn_width[chn] = width
        self._chn_height[chn] = height
        # Plane alignment exponent (12: 4 KiB) on the board; the simulator always aligns 4 KiB.
        self._chn_alignment[chn] = alignment
        self._chn_crop[chn] = window
        self._chn_enabled[chn] = True

    def _crop_window(self, crop, chn, width, height):
        """The sensor window a channel's picture is taken from: None (the whole sensor),
        True (the largest integer multiple of the output size, centred) or (x, y, w, h).
        CHOICE: checked and kept, but the simulated picture is rendered at the output size
        without cropping."""
        if crop is None or crop is False:
            return None
        mw, mh = self._max_width, self._max_height
        if crop is True:
            k = min(mw // width, mh // height)
            return ((mw - k * width) // 2, (mh - k * height) // 2, k * width, k * height)
        if not isinstance(crop, (tuple, list)) or len(crop) != 4:
            raise TypeError("crop must be None, True or a tuple (x, y, w, h), not %r" % (crop,))
        x, y, w, h = [_int("crop[%d]" % i, v) for i, v in enumerate(crop)]
        if not (x >= 0 and y >= 0 and w >= width and h >= height and x + w <= mw and y + h <= mh):
            raise AssertionError("sensor(%d) chn(%d) set_framesize: crop %r must hold the %dx%d output "
                                 "and lie inside the %dx%d sensor" % (self._dev_id, chn, tuple(crop),
                                                                      width, height, mw, mh))
        return (x, y, w, h)

    def set_pixformat(self, pix_format, chn=CAM_CHN_ID_0):
        self._check(chn)
        self._not_running(chn, "set_pixformat")
        if _int("pix_format", pix_format) not in _HW_FORMAT:
            raise ValueError("pix_format must be %s (got %d)" % (_FORMAT_CHOICES, pix_format))
        hw = _HW_FORMAT[pix_format]
        _k230sim.vicap_set_pixformat(self._dev_id, chn, hw)
        self._chn_format[chn] = hw
        self._chn_pixformat[chn] = pix_format
        self._chn_enabled[chn] = True

    def get_pixformat(self, chn=CAM_CHN_ID_0):
        """The format the hardware outputs (RGB888 for RGB565, YUV420SP for GRAYSCALE)."""
        self._check(chn)
        return self._chn_format[chn]

    def _set_mirror(self):
        _k230sim.vicap_set_mirror(self._dev_id, (1 if self._hmirror else 0) | (2 if self._vflip else 0))

    def set_hmirror(self, enable):
        """Mirror the picture left to right, from the next run()."""
        self._check()
        self._hmirror = bool(enable)
        self._set_mirror()

    def set_vflip(self, enable):
        """Flip the picture upside down, from the next run()."""
        self._check()
        self._vflip = bool(enable)
        self._set_mirror()

    def get_hmirror(self):
        self._check()
        return self._hmirror

    def get_vflip(self):
        self._check()
        return self._vflip

    def width(self, chn=CAM_CHN_ID_0):
        """The channel's output width; chn=None: the sensor's own."""
        if chn is None:
            return self._max_width
        self._check(chn)
        return self._chn_width[chn]

    def height(self, chn=CAM_CHN_ID_0):
        """The channel's output height; chn=None: the sensor's own."""
        if chn is None:
            return self._max_height
        self._check(chn)
        return self._chn_height[chn]

    def get_framesize(self, chn=CAM_CHN_ID_0):
        self._check(chn)
        print("please use width() and height()")
        return (self._chn_width[chn], self._chn_height[chn])

    def get_type(self):
        self._check()
        return self._type

    def bind_info(self, x=0, y=0, chn=CAM_CHN_ID_0):
        """Where this sensor channel's frames come from, for MediaManager.link()."""
        self._check(chn)
        return {
            "src": (CAMERA_MOD_ID, self._dev_id, chn),
            "rect": (x, y, self._chn_width[chn], self._chn_height[chn]),
            "pix_format": self._chn_format[chn],
        }

    # ---- running -----------------------------------------------------------------------------

    def _check_channels(self):
        if not any(self._chn_enabled):
            raise RuntimeError("sensor(%d) run error, no channel enabled: call set_framesize and "
                               "set_pixformat first" % self._dev_id)
        for chn in range(CAM_CHN_ID_MAX):
            if not self._chn_enabled[chn]:
                continue
            if not self._chn_format[chn]:
                raise RuntimeError("sensor(%d) chn(%d) pixel format not set before run" % (self._dev_id, chn))
            if not self._chn_width[chn]:
                raise RuntimeError("sensor(%d) chn(%d) frame size not set before run" % (self._dev_id, chn))

    def run(self):
        """Start this sensor and every other configured one not running yet, as CanMV's one
        run() starts all its sensors (CHOICE: a later run() of a sensor configured after
        that still starts it). A second run() does nothing."""
        self._check()
        if self._is_started:
            return
        Sensor._prune()
        group = [self] + [s for s in Sensor._live if s is not self and s._is_reset
                          and not s._is_started and any(s._chn_enabled)]
        for s in group:
            s._check_channels()
        for s in group:
            # An OSError here is the simulator's own (a Y4M source that does not fit).
            _k230sim.vicap_start(s._dev_id)
            s._is_started = True

    def stop(self, is_del=False):
        """Stop the sensor and free its device; reset() takes it again."""
        self._check()
        if not self._is_started:
            print("warning: sensor not call run()")
        self._release()

    @classmethod
    def deinit(cls):
        """Stop every sensor."""
        for s in list(cls._live):
            s._release()

    def snapshot(self, chn=CAM_CHN_ID_0, timeout=1000, dump_frame=False):
        """The channel's next frame: an image, or with dump_frame=True the frame itself (a
        _media.py_video_frame_info). RuntimeError if the sensor cannot deliver one (not
        running, channel not configured). The simulated sensor never waits, so `timeout`
        (milliseconds) is only checked."""
        self._check(chn)
        _int("timeout", timeout)
        try:
            frame = py_video_frame_info(_k230sim.vicap_dump_frame(self._dev_id, chn))
        except OSError as e:
            # CHOICE: the code in hex, as K230 codes are written.
            raise RuntimeError("sensor(%d) snapshot chn(%d) failed(0x%08x)" % (self._dev_id, chn, e.args[0]))
        if dump_frame:
            return frame
        return _Image(frame, self._chn_pixformat[chn])

    # ---- OpenMV names CanMV does not support -------------------------------------------------

    def _not_supported(self, name):
        print("not support %s now..." % name)
        raise NotImplementedError(name)

    def skip_frames(self, *args, **kwargs):
        self._not_supported("skip_frames")

    def set_framerate(self, *args, **kwargs):
        self._not_supported("set_framerate")

    def set_windowing(self, *args, **kwargs):
        self._not_supported("set_windowing")

    def set_auto_gain(self, *args, **kwargs):
        self._not_supported("set_auto_gain")
