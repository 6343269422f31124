"""Typing stubs of k230-venc's `media.vencoder` (CanMV-K230's video encoder module).

Both call shapes are declared with `typing.overload`: the manual's, which names the channel
first (`Encoder.Start(chn)`), and the newest firmware's implicit channel, which leaves it out
and uses the channel `Create(chnAttr)` requested (`Encoder.chn`). Errors are exceptions (see
docs/api.md); `GetStream` and `SendFrame` return 0, or the K230 code when nothing came within
the timeout.

The names a script gets with `from media.vencoder import *`, exactly: the drift test
(python_tests/test_stubs.py) compares them with the module the simulator runs.
"""

from typing import Final, TypedDict, overload, type_check_only

import uctypes as uctypes
from _media import py_video_frame_info

# What SendFrame takes as the frame: the k_video_frame_info() struct, the frame of
# sensor.snapshot(dump_frame=True), or any object whose buffer holds the 224-byte
# k_video_frame_info (checked at run time).
_Frame = uctypes.struct | py_video_frame_info | bytes | bytearray | memoryview

@type_check_only
class ChnStatus(TypedDict):
    """What `Encoder.QueryStatus` returns (kd_mpi_venc_query_status), all ints."""

    cur_packs: int
    """Packs of the next stream waiting for GetStream (0: none)."""
    end_of_stream: int
    release_pic_pts: int
    """pts (microseconds) of the picture released last."""
    pic_bytes: int
    """Bytes of the last picture encoded."""
    pic_count: int
    """Pictures encoded since Create."""
    start_qp: int
    mean_qp: int

class Encoder:
    """A VENC user: up to 4 channels (0..3), each created, started, stopped and destroyed
    through it. Dropping it stops and destroys the channels it created."""

    PAYLOAD_TYPE_H264: Final = 96
    PAYLOAD_TYPE_H265: Final = 265
    PAYLOAD_TYPE_JPEG: Final = 26
    H264_PROFILE_BASELINE: Final = 1
    H264_PROFILE_MAIN: Final = 2
    H264_PROFILE_HIGH: Final = 3
    H265_PROFILE_MAIN: Final = 5
    STREAM_TYPE_HEADER: Final = 3
    STREAM_TYPE_I: Final = 2
    STREAM_TYPE_P: Final = 1
    # Beyond the manual: ChnAttrStr's rc_mode=, rotation= (degrees) and mirror= values.
    RC_CBR: Final = 1
    RC_VBR: Final = 2
    RC_FIXQP: Final = 3
    ROTATION_0: Final = 0
    ROTATION_90: Final = 90
    ROTATION_180: Final = 180
    ROTATION_270: Final = 270
    MIRROR_NONE: Final = 0
    MIRROR_HORIZONTAL: Final = 1
    MIRROR_VERTICAL: Final = 2

    def __init__(self) -> None: ...
    @property
    def chn(self) -> int:
        """The channel Create(chnAttr) requested; -1 before it and after Destroy (read-only)."""

    @overload
    def SetOutBufs(self, chn: int, buf_num: int, width: int, height: int, /) -> None:
        """Output buffers of channel chn (0..3): buf_num 1..256 buffers for width x height
        pictures (128..8192 x 64..8192). Before MediaManager.init() and Create."""

    @overload
    def SetOutBufs(self, buf_num: int, width: int, height: int, /) -> None:
        """Output buffers for the channel the next Create(chnAttr) requests."""

    @overload
    def Create(self, chn: int, chnAttr: ChnAttrStr, /) -> None:
        """Create channel chn (0..3) with chnAttr; needs SetOutBufs(chn, ...) first."""

    @overload
    def Create(self, chnAttr: ChnAttrStr, /) -> None:
        """Request a free channel (Encoder.chn) and create it with chnAttr; needs
        SetOutBufs(buf_num, width, height) first."""

    @overload
    def Start(self, chn: int, /) -> None:
        """Start encoding on a created channel."""

    @overload
    def Start(self, /) -> None: ...
    @overload
    def SendFrame(self, chn: int, frame_info: _Frame, timeout: int = 1000) -> int:
        """Send one frame to a started channel; 0, or 0xa009800f (K_ERR_VENC_BUF_FULL) when
        no output buffer became free within timeout ms (0 polls; at most 2147483647)."""

    @overload
    def SendFrame(self, frame_info: _Frame, /, timeout: int = 1000) -> int: ...
    @overload
    def GetStream(self, chn: int, streamData: StreamData, timeout: int = -1) -> int:
        """Fill streamData with the next stream of a started channel; 0, or 0xa009800e
        (K_ERR_VENC_BUF_EMPTY) when none came within timeout ms (-1 blocks, 0 polls)."""

    @overload
    def GetStream(self, streamData: StreamData, /, timeout: int = -1) -> int: ...
    @overload
    def ReleaseStream(self, chn: int, streamData: StreamData, /) -> None:
        """Give back the stream streamData holds (its output buffer)."""

    @overload
    def ReleaseStream(self, streamData: StreamData, /) -> None: ...
    @overload
    def Stop(self, chn: int, /) -> None:
        """Stop encoding (a stopped or created channel: nothing to do)."""

    @overload
    def Stop(self, /) -> None: ...
    @overload
    def Destroy(self, chn: int, /) -> None:
        """Destroy a stopped channel (releasing streams still held); the implicit shape also
        gives the requested channel back."""

    @overload
    def Destroy(self, /) -> None: ...
    @overload
    def RequestIDR(self, chn: int, /) -> None:
        """Beyond the manual: the next frame is an IDR with its parameter sets (a no-op for
        JPEG). The channel must be created."""

    @overload
    def RequestIDR(self, /) -> None: ...
    @overload
    def QueryStatus(self, chn: int, /) -> ChnStatus:
        """Beyond the manual: kd_mpi_venc_query_status of a created channel, as a dict."""

    @overload
    def QueryStatus(self, /) -> ChnStatus: ...

class ChnAttrStr:
    """Channel attributes. The manual's nine arguments keep their positions and defaults;
    rc_mode .. mirror are keyword-only (beyond the manual). Every argument may also be given
    by its attribute name (payload_type=, pic_width=, pic_height=, gop_len=); the two
    overloads are the two namings (the module also accepts a mix of them)."""

    payload_type: int
    profile: int
    pic_width: int
    pic_height: int
    bit_rate: int
    """kbit/s."""
    gop_len: int
    src_frame_rate: int
    dst_frame_rate: int
    mjpeg_quality_factor: int
    rc_mode: int
    max_bit_rate: int
    """kbit/s; 0: bit_rate."""
    i_qp: int
    p_qp: int
    rotation: int
    """Degrees: Encoder.ROTATION_0 / 90 / 180 / 270."""
    mirror: int

    @overload
    def __init__(
        self,
        payloadType: int,
        profile: int,
        picWidth: int,
        picHeight: int,
        bit_rate: int = 4000,
        gopLen: int = 30,
        src_frame_rate: int = 30,
        dst_frame_rate: int = 30,
        mjpeg_quality_factor: int = 45,
        *,
        rc_mode: int = 1,
        max_bit_rate: int = 0,
        i_qp: int = 25,
        p_qp: int = 30,
        rotation: int = 0,
        mirror: int = 0,
    ) -> None: ...
    @overload
    def __init__(
        self,
        payload_type: int,
        profile: int,
        pic_width: int,
        pic_height: int,
        bit_rate: int = 4000,
        gop_len: int = 30,
        src_frame_rate: int = 30,
        dst_frame_rate: int = 30,
        mjpeg_quality_factor: int = 45,
        *,
        rc_mode: int = 1,
        max_bit_rate: int = 0,
        i_qp: int = 25,
        p_qp: int = 30,
        rotation: int = 0,
        mirror: int = 0,
    ) -> None: ...

class StreamData:
    """One stream fetched by GetStream: lists of VENC_PACK_CNT_MAX (12) entries, the first
    pack_cnt of them filled. Holds the stream until ReleaseStream."""

    data: list[int]
    """Address of each pack's bytes (uctypes.bytearray_at(data[i], data_size[i]))."""
    phy_addr: list[int]
    data_size: list[int]
    """Bytes of each pack."""
    stream_type: list[int]
    """Encoder.STREAM_TYPE_HEADER / STREAM_TYPE_I / STREAM_TYPE_P."""
    pts: list[int]
    """Microseconds."""
    pack_cnt: int

    def __init__(self) -> None: ...

def k_video_frame_info() -> uctypes.struct:
    """A zeroed 224-byte k_video_frame_info as a uctypes struct (fields pool_id, mod_id,
    v_frame.width, .height, .pixel_format, .phys_addr[0..2], .pts, ...), for SendFrame."""

def ALIGN_UP(x: int, a: int, /) -> int:
    """x rounded up to a multiple of a (a power of two)."""

def deinit_all() -> None:
    """What a firmware runs between scripts: release held streams, stop and destroy every
    channel, unbind every link, exit VB (and retry releases that failed before)."""

VENC_CHN_ID_0: Final = 0
VENC_CHN_ID_1: Final = 1
VENC_CHN_ID_2: Final = 2
VENC_CHN_ID_3: Final = 3
VENC_CHN_ID_MAX: Final = 4
VENC_PACK_CNT_MAX: Final = 12
VENC_DEV_ID: Final = 0
VIDEO_ENCODE_MOD_ID: Final = 9
K_PT_H264: Final = 96
K_PT_H265: Final = 265
K_PT_JPEG: Final = 26
