"""Typing stubs of `media.media` as the k230-venc simulator has it
(boards/unix_sim/python/media/media.py): CanMV's module ids, device and channel numbers, and
MediaManager, whose buffer pools and links the k230-venc core manages."""

import time as time
from typing import Final, type_check_only

import uctypes as uctypes
from media.vencoder import (
    ALIGN_UP as ALIGN_UP,
    VENC_CHN_ID_0 as VENC_CHN_ID_0,
    VENC_CHN_ID_1 as VENC_CHN_ID_1,
    VENC_CHN_ID_2 as VENC_CHN_ID_2,
    VENC_CHN_ID_3 as VENC_CHN_ID_3,
    VENC_CHN_ID_MAX as VENC_CHN_ID_MAX,
    VENC_DEV_ID as VENC_DEV_ID,
    VENC_PACK_CNT_MAX as VENC_PACK_CNT_MAX,
)

# K230 MPP module ids (k_mod_id).
AUDIO_IN_MOD_ID: Final = 12
AUDIO_OUT_MOD_ID: Final = 16
AUDIO_ENCODE_MOD_ID: Final = 14
AUDIO_DECODE_MOD_ID: Final = 15
CAMERA_MOD_ID: Final = 6
DISPLAY_MOD_ID: Final = 11
DMA_MOD_ID: Final = 20
DPU_MOD_ID: Final = 17
VIDEO_ENCODE_MOD_ID: Final = 9
VIDEO_DECODE_MOD_ID: Final = 10

MAX_MEDIA_BUFFER_POOLS: Final = 16
MAX_MEDIA_LINK_COUNT: Final = 8

CAM_DEV_ID_0: Final = 0
CAM_DEV_ID_1: Final = 1
CAM_DEV_ID_2: Final = 2
CAM_DEV_ID_MAX: Final = 3
CAM_CHN_ID_0: Final = 0
CAM_CHN_ID_1: Final = 1
CAM_CHN_ID_2: Final = 2
CAM_CHN_ID_MAX: Final = 3

VDEC_DEV_ID: Final = 0
VDEC_CHN_ID_0: Final = 0
VDEC_CHN_ID_1: Final = 1
VDEC_CHN_ID_2: Final = 2
VDEC_CHN_ID_3: Final = 3
VDEC_CHN_ID_MAX: Final = 4

VB_INVALID_POOLID: Final = 0xFFFFFFFF
VB_INVALID_HANDLE: Final = 0xFFFFFFFF

@type_check_only
class MediaLink:
    """What MediaManager.link returns (the type is named `media_link` at run time). Unbinds
    when collected, at MediaManager.deinit() or at deinit_all()."""

    @property
    def src(self) -> tuple[int, int, int]:
        """(mod_id, dev_id, chn_id) of the source."""

    @property
    def dst(self) -> tuple[int, int, int]: ...
    def destroy(self) -> bool:
        """Unbind (again: nothing to do); True. A failing unbind raises OSError."""

    def unlink(self) -> None:
        """Unbind (again: nothing to do)."""

class MediaManager:
    @staticmethod
    def init(for_comress: bool = True) -> None:
        """Set up the video buffers (VB) for the output buffers SetOutBufs asked for."""

    @staticmethod
    def deinit(force: bool = False) -> None:
        """Unbind the links, free the buffers of channels not in use, exit VB."""

    @staticmethod
    def link(src: tuple[int, int, int] | list[int], dst: tuple[int, int, int] | list[int]) -> MediaLink:
        """Bind src to dst, each (mod_id, dev_id, chn_id), e.g. sensor.bind_info()['src'] to
        (VIDEO_ENCODE_MOD_ID, VENC_DEV_ID, chn)."""
