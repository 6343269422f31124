"""Stand-in for CanMV-K230's media.media on the k230-venc simulator.

Module ids and device/channel numbers as CanMV defines them, and MediaManager. The buffer
pools and the links between modules are managed by the k230-venc core, so MediaManager only
forwards to it (the native umedia._mm_* functions).
"""
import time
import uctypes  # CanMV scripts use uctypes.bytearray_at after the media star imports

import umedia as _umedia

# K230 MPP module ids (k_mod_id) under CanMV's names.
AUDIO_IN_MOD_ID = 12  # K_ID_AI
AUDIO_OUT_MOD_ID = 16  # K_ID_AO
AUDIO_ENCODE_MOD_ID = 14  # K_ID_AENC
AUDIO_DECODE_MOD_ID = 15  # K_ID_ADEC
CAMERA_MOD_ID = 6  # K_ID_VI
DISPLAY_MOD_ID = 11  # K_ID_VO
DMA_MOD_ID = 20  # K_ID_DMA
DPU_MOD_ID = 17  # K_ID_DPU
VIDEO_ENCODE_MOD_ID = 9  # K_ID_VENC
VIDEO_DECODE_MOD_ID = 10  # K_ID_VDEC

MAX_MEDIA_BUFFER_POOLS = 16
MAX_MEDIA_LINK_COUNT = 8

# Camera (VICAP) devices and channels.
CAM_DEV_ID_0 = 0
CAM_DEV_ID_1 = 1
CAM_DEV_ID_2 = 2
CAM_DEV_ID_MAX = 3
CAM_CHN_ID_0 = 0
CAM_CHN_ID_1 = 1
CAM_CHN_ID_2 = 2
CAM_CHN_ID_MAX = 3

# Video encoder constants and ALIGN_UP come from the native module, so that the star
# imports of media.vencoder and media.media agree; decoder numbers as CanMV defines them.
from umedia.vencoder import (
    ALIGN_UP,
    VENC_CHN_ID_0,
    VENC_CHN_ID_1,
    VENC_CHN_ID_2,
    VENC_CHN_ID_3,
    VENC_CHN_ID_MAX,
    VENC_DEV_ID,
    VENC_PACK_CNT_MAX,
)

VDEC_DEV_ID = 0
VDEC_CHN_ID_0 = 0
VDEC_CHN_ID_1 = 1
VDEC_CHN_ID_2 = 2
VDEC_CHN_ID_3 = 3
VDEC_CHN_ID_MAX = 4

VB_INVALID_POOLID = 0xFFFFFFFF
VB_INVALID_HANDLE = 0xFFFFFFFF


class MediaManager:
    """The media buffer pools and module links (state kept by the k230-venc core)."""

    @staticmethod
    def init(for_comress=True):
        # for_comress (sic, CanMV's spelling) reserves the image-compress pool on the board;
        # there is no hardware JPEG path to reserve it for on the simulator.
        return _umedia._mm_init()

    @staticmethod
    def deinit(force=False):
        return _umedia._mm_deinit()

    @staticmethod
    def link(src, dst):
        """Bind src to dst, each a (mod_id, dev_id, chn_id) tuple; returns the link object
        (dropping it with `del` unbinds)."""
        return _umedia._mm_link(src, dst)
