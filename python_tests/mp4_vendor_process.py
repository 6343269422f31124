# MicroPython source, not a pytest module: test_mp4.py puts it in front of its scripts.
#
# CanMV's own Mp4Container client logic, re-implemented from the neighbours facts sheet (3.5)
# alone, over this build's media.vencoder / media.sensor / media.media and mpp.mp4_format:
# VendorMp4Container records video exactly the way CanMV's Process does, so that the tests can
# check what that logic writes on the simulator (and where it loses data). Its audio is one
# non-blocking microphone read per Process, G.711-encoded and written with a clock that starts
# at 0 and advances 40000 us a chunk, as the facts say; the simulated microphone stands in for
# PyAudio.
#
# What the facts say Process does:
# - one blocking GetStream(0, sd);
# - the first two GetStream results are concatenated into save_idr and written as ONE sample,
#   with the pts of the last pack, which becomes video_start_timestamp;
# - afterwards each call writes ONLY THE LAST PACK of the GetStream result (the loop over the
#   packs overwrites frame_data each time), time_stamp = pts - video_start_timestamp (us);
#   a failed write is OSError("Mp4Container, kd_mp4_write_frame failed.");
# - ReleaseStream; then one non-blocking audio read.
import uctypes
import _k230audio
from umedia.vencoder import *
from media.sensor import *
from media.media import *
from mpp.mp4_format import *
from mpp.mp4_format_struct import *


class VendorMp4Container:
    def __init__(self):
        self.sensor = Sensor()
        self.sensor.reset()
        self.venc = Encoder()
        self.streamData = StreamData()

    def Create(self, file_name, video_type, w, h, audio_type=None, fmp4=0):
        self.video_type = video_type
        self.audio_type = audio_type
        self.sensor.set_framesize(width=w, height=h, alignment=12)
        self.sensor.set_pixformat(Sensor.YUV420SP)
        self.venc.SetOutBufs(VENC_CHN_ID_0, 15, w, h)
        if audio_type is not None:
            _k230audio.mic_open(8000)
            self.pcm = bytearray(640)
            self.g711 = bytearray(320)
        self.link = MediaManager.link(self.sensor.bind_info()["src"], (VIDEO_ENCODE_MOD_ID, VENC_DEV_ID, VENC_CHN_ID_0))
        if video_type == K_MP4_CODEC_ID_H264:
            attr = ChnAttrStr(Encoder.PAYLOAD_TYPE_H264, Encoder.H264_PROFILE_MAIN, ALIGN_UP(w, 16), h)
        else:
            attr = ChnAttrStr(Encoder.PAYLOAD_TYPE_H265, Encoder.H265_PROFILE_MAIN, ALIGN_UP(w, 16), h)
        self.save_idr = bytearray(w * h * 3 // 4)
        self.idr_index = 0
        self.get_count = 0
        self.video_start_timestamp = 0
        self.audio_timestamp = 0
        self.mic_pos = 0
        self.venc.Create(VENC_CHN_ID_0, attr)
        cfg = k_mp4_config_s()
        cfg.config_type = K_MP4_CONFIG_MUXER
        cfg.muxer_config.file_name[:] = bytes(file_name, "utf-8")
        cfg.muxer_config.fmp4_flag = fmp4
        handle = k_u64_ptr()
        if kd_mp4_create(handle, cfg):
            raise OSError("Mp4Container, kd_mp4_create failed.")
        self.handle = handle.value
        info = k_mp4_track_info_s()
        info.track_type = K_MP4_STREAM_VIDEO
        info.time_scale = 1000
        info.video_info.width = w
        info.video_info.height = h
        info.video_info.codec_id = video_type
        t = k_u64_ptr()
        if kd_mp4_create_track(self.handle, t, info):
            raise OSError("Mp4Container, kd_mp4_create_track failed.")
        self.video_track = t.value
        if audio_type is not None:
            info = k_mp4_track_info_s()
            info.track_type = K_MP4_STREAM_AUDIO
            info.time_scale = 1000
            info.audio_info.channels = 1
            info.audio_info.codec_id = audio_type
            info.audio_info.sample_rate = 8000
            info.audio_info.bit_per_sample = 16
            t = k_u64_ptr()
            if kd_mp4_create_track(self.handle, t, info):
                raise OSError("Mp4Container, kd_mp4_create_track failed.")
            self.audio_track = t.value
        self.frame_data = k_mp4_frame_data_s()

    def Start(self):
        self.venc.Start(VENC_CHN_ID_0)
        self.sensor.run()

    def Process(self):
        sd = self.streamData
        f = self.frame_data
        self.venc.GetStream(VENC_CHN_ID_0, sd)
        if self.get_count < 2:
            # The first two GetStream results, concatenated into one sample.
            for i in range(sd.pack_cnt):
                size = sd.data_size[i]
                self.save_idr[self.idr_index:self.idr_index + size] = uctypes.bytearray_at(sd.data[i], size)
                self.idr_index += size
            self.get_count += 1
            if self.get_count == 2:
                last = sd.pack_cnt - 1
                f.codec_id = self.video_type
                f.data = uctypes.addressof(self.save_idr)
                f.data_length = self.idr_index
                f.time_stamp = sd.pts[last]
                self.video_start_timestamp = sd.pts[last]
                if kd_mp4_write_frame(self.handle, self.video_track, f):
                    raise OSError("Mp4Container, kd_mp4_write_frame failed.")
        else:
            # The loop leaves frame_data describing the last pack; that one is written.
            for i in range(sd.pack_cnt):
                f.codec_id = self.video_type
                f.data = sd.data[i]
                f.data_length = sd.data_size[i]
                f.time_stamp = sd.pts[i] - self.video_start_timestamp
            if kd_mp4_write_frame(self.handle, self.video_track, f):
                raise OSError("Mp4Container, kd_mp4_write_frame failed.")
        self.venc.ReleaseStream(VENC_CHN_ID_0, sd)
        if self.audio_type is not None and _k230audio.mic_read(self.mic_pos, 8000, self.pcm):
            self.mic_pos += 320
            _k230audio.g711_encode(0 if self.audio_type == K_MP4_CODEC_ID_G711A else 1, self.pcm, self.g711)
            f.codec_id = self.audio_type
            f.data = uctypes.addressof(self.g711)
            f.data_length = 320
            f.time_stamp = self.audio_timestamp
            if kd_mp4_write_frame(self.handle, self.audio_track, f):
                raise OSError("Mp4Container, write audio stream failed.")
            self.audio_timestamp += 40000

    def Stop(self):
        self.sensor.stop()
        # CanMV's does `del self.link` (the unbind then waits for the end of the script);
        # destroyed here so that each test run ends with nothing bound.
        self.link.destroy()
        self.venc.Stop(VENC_CHN_ID_0)

    def Destroy(self):
        kd_mp4_destroy_tracks(self.handle)
        if kd_mp4_destroy(self.handle):
            raise OSError("Mp4Container, kd_mp4_destroy failed.")
        self.venc.Destroy(VENC_CHN_ID_0)
