"""Stand-in for CanMV-K230's media.sensor on the k230-venc simulator.

Sensor drives the simulator's VICAP stand-in (native module _k230sim): a synthetic moving test
pattern (or frames from a file, as the simulator is configured), NV12 with the UV plane at
ALIGN_UP(width * height, 4096), as VICAP hands frames out on the board. Binding the sensor to
an encoder (MediaManager.link) makes frames flow into it once run() is called.

Checks and messages follow CanMV's Sensor: AssertionError for calls in the wrong order or with
a channel out of range; platform errors are OSError(code, "<function>: 0x........").
"""
import _k230sim

from media.media import *

# Output size limits of the VICAP channels.
CAM_OUT_WIDTH_MIN = 64
CAM_OUT_HEIGHT_MIN = 64

# K230 MPP pixel formats (k_pixel_format, CanMV MPP numbering).
PIXEL_FORMAT_RGB_565 = 2
PIXEL_FORMAT_RGB_888 = 3
PIXEL_FORMAT_RGB_888_PLANAR = 45
PIXEL_FORMAT_YUV_SEMIPLANAR_420 = 31

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


class _Image:
    """The part of CanMV's image.Image that a VICAP snapshot is used for: the frame's
    addresses and geometry. The frame stays valid until the next snapshot of the channel."""

    def __init__(self, frame):
        (self._phys_y, self._phys_uv, self._virt_y, self._virt_uv, self._width, self._height,
         self._stride, self._format, self._pool_id, self._index, self._pts) = frame

    def width(self):
        return self._width

    def height(self):
        return self._height

    def format(self):
        """The K230 pixel format (31 = YUV420 semi-planar, NV12)."""
        return self._format

    def phyaddr(self, plane=0):
        """Physical address of plane 0 (Y) or 1 (UV)."""
        return self._phys_uv if plane else self._phys_y

    def virtaddr(self, plane=0):
        """Host address of plane 0 (Y) or 1 (UV), usable with uctypes.bytearray_at."""
        return self._virt_uv if plane else self._virt_y

    def poolid(self):
        return self._pool_id

    def size(self):
        return self._stride * self._height * 3 // 2

    def __repr__(self):
        return "<Image %dx%d format %d phyaddr 0x%x pool %d frame %d>" % (
            self._width, self._height, self._format, self._phys_y, self._pool_id, self._index)


class Sensor:
    RGB565 = PIXEL_FORMAT_RGB_565
    RGB888 = PIXEL_FORMAT_RGB_888
    RGBP888 = PIXEL_FORMAT_RGB_888_PLANAR
    YUV420SP = PIXEL_FORMAT_YUV_SEMIPLANAR_420

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

    def __init__(self, id=CAM_DEV_ID_0, fps=30, width=1920, height=1080, force=False, **kwargs):
        # Further CanMV keyword arguments (type=...) select a physical sensor model on the
        # board; the simulated sensor has one model, so they are accepted and not used.
        # CanMV refuses a second Sensor for a device (unless force=True) until the firmware's
        # soft reset between scripts; the simulator may run several scripts in one process
        # (exec), so a new Sensor simply takes the device over and `force` has no effect.
        if not 0 <= id < CAM_DEV_ID_MAX:
            raise AssertionError("invalid sensor id %d, should be 0 - %d" % (id, CAM_DEV_ID_MAX - 1))
        self._dev_id = id
        self._fps = fps
        # The sensor's own resolution (the acquisition window): channel output is at most this.
        self._max_width = width
        self._max_height = height
        self._is_reset = False
        self._is_started = False
        self._chn_width = [0] * CAM_CHN_ID_MAX
        self._chn_height = [0] * CAM_CHN_ID_MAX
        self._chn_format = [0] * CAM_CHN_ID_MAX
        self._chn_alignment = [0] * CAM_CHN_ID_MAX
        self._framesize = [Sensor.FRAME_SIZE_INVAILD] * CAM_CHN_ID_MAX
        self._snapshot_failing = False

    def _check(self, chn=None):
        if not self._is_reset:
            raise AssertionError("should call reset() first")
        if chn is not None and not 0 <= chn < CAM_CHN_ID_MAX:
            raise AssertionError("invalid chn id %d, should be 0 - %d" % (chn, CAM_CHN_ID_MAX - 1))

    def reset(self):
        _k230sim.vicap_reset(self._dev_id)
        _k230sim.vicap_set_fps(self._dev_id, self._fps)
        self._is_reset = True

    def set_framesize(self, framesize=None, chn=CAM_CHN_ID_0, alignment=0, width=None, height=None,
                      w=None, h=None):
        self._check(chn)
        if w is not None and h is not None:
            width, height = w, h
        if width is None or height is None:
            if framesize is not None and 0 <= framesize < len(_FRAME_SIZES):
                width, height = _FRAME_SIZES[framesize]
            else:
                width, height = 0, 0
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
        _k230sim.vicap_set_framesize(self._dev_id, chn, width, height)
        self._framesize[chn] = Sensor.FRAME_SIZE_INVAILD if framesize is None else framesize
        self._chn_width[chn] = width
        self._chn_height[chn] = height
        # Buffer alignment exponent (12: 4 KiB) on the board; the simulator always aligns 4 KiB.
        self._chn_alignment[chn] = alignment

    def get_framesize(self, chn=CAM_CHN_ID_0):
        self._check(chn)
        return self._framesize[chn]

    def set_pixformat(self, pix_format, chn=CAM_CHN_ID_0):
        self._check(chn)
        _k230sim.vicap_set_pixformat(self._dev_id, chn, pix_format)
        self._chn_format[chn] = pix_format

    def get_pixformat(self, chn=CAM_CHN_ID_0):
        self._check(chn)
        return self._chn_format[chn]

    def width(self, chn=CAM_CHN_ID_0):
        self._check(chn)
        return self._chn_width[chn]

    def height(self, chn=CAM_CHN_ID_0):
        self._check(chn)
        return self._chn_height[chn]

    def get_type(self):
        return 0

    def bind_info(self, x=0, y=0, chn=CAM_CHN_ID_0):
        """Where this sensor channel's frames come from, for MediaManager.link()."""
        self._check(chn)
        return {
            "src": (CAMERA_MOD_ID, self._dev_id, chn),
            "rect": (x, y, self._chn_width[chn], self._chn_height[chn]),
            "pix_format": self._chn_format[chn],
        }

    def run(self):
        self._check()
        if self._is_started:
            return
        _k230sim.vicap_start(self._dev_id)
        self._is_started = True

    def stop(self):
        self._check()
        if not self._is_started:
            raise AssertionError("should call run() first")
        _k230sim.vicap_stop(self._dev_id)
        self._is_started = False
        self._is_reset = False

    def snapshot(self, chn=CAM_CHN_ID_0):
        """The channel's current frame as an image, or -1 if the platform could not deliver
        one (as CanMV scripts test: `if img == -1: continue`)."""
        self._check(chn)
        try:
            img = _Image(_k230sim.vicap_snapshot(self._dev_id, chn))
        except OSError as e:
            # Report the first failure of a run of failures, not every retry of the loop.
            if not self._snapshot_failing:
                print("sensor(%d) snapshot chn(%d) failed: %s" % (self._dev_id, chn, e))
            self._snapshot_failing = True
            return -1
        self._snapshot_failing = False
        return img
