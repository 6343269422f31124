"""Stand-in for CanMV-K230's media.mp4format on the k230-venc simulator: Mp4Container records
the sensor (and a microphone) into an MP4 file through the Encoder and the kd_mp4_* calls, and
Mp4CfgStr / MuxerCfgStr configure it (neighbours facts sheet 3.5).

    from media.mp4format import *
    mp4 = Mp4Container()
    cfg = Mp4CfgStr(mp4.MP4_CONFIG_TYPE_MUXER)
    cfg.SetMuxerCfg("test.mp4", mp4.MP4_CODEC_ID_H265, 1280, 720, mp4.MP4_CODEC_ID_G711U)
    mp4.Create(cfg)
    mp4.Start()
    for i in range(200):
        mp4.Process()
    mp4.Stop()
    mp4.Destroy()

The same calls, order and messages as CanMV's, written over this build's stand-ins:
media.sensor's Sensor, media.vencoder's Encoder (explicit channel 0, as CanMV's), media.media's
MediaManager.link, and mpp.mp4_format's kd_mp4_* (the simulator's MP4 muxer). Differences, on
purpose (each marked DIFFERENCE below):
- audio: the simulator's microphone (native _k230audio: a 1 kHz tone, or the WAV file named by
  K230_SIM_MIC_WAV, on the sensor's clock) and its G.711 encoder stand in for CanMV's PyAudio
  and g711.Encoder (8000 Hz mono, 320-sample chunks of 40 ms, one byte a sample). An audio
  payload type other than G711A / G711U records video only (CanMV's fails later with an
  AttributeError);
- Process writes every picture once, whatever way the MPP hands out the parameter sets
  (CanMV's is right only when the first ones come in a GetStream of their own; see Process);
- Create undoes what it did when it fails, and checks the file name fits the 128-byte field;
- Stop destroys the link (CanMV's `del self.link` leaves the unbind to the garbage collector or
  the end of the script).
"""
import uctypes
import _k230audio

# media.vencoder is the native module (as media/vencoder.py forwards it). Not imported by that
# name here: in a frozen module the string "media.vencoder" becomes the qstr the native module
# declares as MP_QSTR_media_dot_vencoder, whose text is "media_dot_vencoder" (MicroPython does
# not unescape _dot_ in source qstr names), and the import then fails.
from umedia.vencoder import *
from media.sensor import *
from media.media import *
from mpp.mp4_format import *
from mpp.mp4_format_struct import *

# The microphone as CanMV's Mp4Container opens it: 8000 Hz, mono, 16-bit, chunks of 320
# samples (8000 // 25: 40 ms); G.711 makes one byte of each sample.
_AUDIO_RATE = 8000
_AUDIO_CHUNK = _AUDIO_RATE // 25
# Audio time per chunk, in microseconds (the unit kd_mp4_write_frame takes).
_AUDIO_CHUNK_US = _AUDIO_CHUNK * 1000000 // _AUDIO_RATE
# The most chunks one Process writes (see Process).
_AUDIO_CHUNKS_PER_PROCESS = 8


class MuxerCfgStr:
    def __init__(self):
        self.file_name = 0
        self.video_payload_type = 0
        self.pic_width = 0
        self.pic_height = 0
        self.audio_payload_type = 0
        self.video_start_timestamp = 0
        self.fmp4_flag = 0


class Mp4CfgStr:
    def __init__(self, type):
        self.type = type
        self.muxerCfg = MuxerCfgStr()

    def SetMuxerCfg(self, fileName, videoPayloadType, picWidth, picHeight, audioPayloadType, fmp4Flag=0):
        """The file to write, the video codec (MP4_CODEC_ID_H264 / H265, not K_PT_*), the
        picture size, the audio codec (MP4_CODEC_ID_G711A / G711U) and fmp4Flag (non-zero:
        fragmented MP4)."""
        self.muxerCfg.file_name = fileName
        self.muxerCfg.video_payload_type = videoPayloadType
        self.muxerCfg.pic_width = picWidth
        self.muxerCfg.pic_height = picHeight
        self.muxerCfg.audio_payload_type = audioPayloadType
        self.muxerCfg.fmp4_flag = fmp4Flag

    def SetDemuxerCfg(self, fileName):
        # As CanMV's: nothing (Mp4Container only writes).
        pass


class Mp4Container:
    MP4_CONFIG_TYPE_MUXER = K_MP4_CONFIG_MUXER
    MP4_CONFIG_TYPE_DEMUXER = K_MP4_CONFIG_DEMUXER
    MP4_STREAM_TYPE_VIDEO = K_MP4_STREAM_VIDEO
    MP4_STREAM_TYPE_AUDIO = K_MP4_STREAM_AUDIO
    MP4_CODEC_ID_H264 = K_MP4_CODEC_ID_H264
    MP4_CODEC_ID_H265 = K_MP4_CODEC_ID_H265
    MP4_CODEC_ID_G711A = K_MP4_CODEC_ID_G711A
    MP4_CODEC_ID_G711U = K_MP4_CODEC_ID_G711U

    def __init__(self, sensor_csi_id=-1):
        if isinstance(sensor_csi_id, int) and 0 <= sensor_csi_id <= 2:
            self.sensor = Sensor(id=sensor_csi_id)
        else:
            self.sensor = Sensor()
        self.sensor.reset()
        self.venc = Encoder()
        self.streamData = StreamData()
        self.mp4_handle = None
        self.video_track = None
        self.audio_track = None
        self.link = None
        self.audio = False

    def Create(self, mp4Cfg):
        """Configures the sensor (channel 0, YUV420SP), encoder channel 0 and the link between
        them, the microphone, and creates the MP4 file with its tracks. A demuxer config does
        nothing, as on CanMV. OSError("Mp4Container, kd_mp4_create failed.") /
        ("... kd_mp4_create_track failed.") as CanMV's (the reason is on stderr)."""
        if mp4Cfg.type != Mp4Container.MP4_CONFIG_TYPE_MUXER:
            return
        cfg = mp4Cfg.muxerCfg
        self.cfg = cfg
        name = bytes(cfg.file_name, "utf-8") if isinstance(cfg.file_name, str) else bytes(cfg.file_name)
        # DIFFERENCE: a name that does not fit the 128-byte field with its NUL is refused here
        # (CanMV's writes past the field).
        if not 0 < len(name) <= 127:
            raise ValueError("file_name must be 1..127 bytes (got %d)" % len(name))
        w, h = cfg.pic_width, cfg.pic_height
        self.audio = cfg.audio_payload_type in (K_MP4_CODEC_ID_G711A, K_MP4_CODEC_ID_G711U)
        if not self.audio:
            # DIFFERENCE: CanMV's needs G711A / G711U (another value fails later).
            print("Mp4Container: audio payload type %r is not MP4_CODEC_ID_G711A / G711U: video only"
                  % (cfg.audio_payload_type,))

        if self.audio:
            # The microphone (PyAudio on CanMV): 8000 Hz mono 16-bit, 320-sample chunks. An
            # unusable K230_SIM_MIC_WAV is an OSError saying why (before anything is set up).
            _k230audio.mic_open(_AUDIO_RATE)
            self.pcm = bytearray(2 * _AUDIO_CHUNK)
            self.g711 = bytearray(_AUDIO_CHUNK)
            self.law = 0 if cfg.audio_payload_type == K_MP4_CODEC_ID_G711A else 1
        self.sensor.set_framesize(width=w, height=h, alignment=12)
        self.sensor.set_pixformat(Sensor.YUV420SP)
        self.venc.SetOutBufs(VENC_CHN_ID_0, 15, w, h)
        self.link = MediaManager.link(self.sensor.bind_info()["src"], (VIDEO_ENCODE_MOD_ID, VENC_DEV_ID, VENC_CHN_ID_0))
        try:
            if cfg.video_payload_type == K_MP4_CODEC_ID_H264:
                attr = ChnAttrStr(self.venc.PAYLOAD_TYPE_H264, self.venc.H264_PROFILE_MAIN, ALIGN_UP(w, 16), h)
            else:
                attr = ChnAttrStr(self.venc.PAYLOAD_TYPE_H265, self.venc.H265_PROFILE_MAIN, ALIGN_UP(w, 16), h)
            self.save_idr = bytearray(w * h * 3 // 4)
            self.venc.Create(VENC_CHN_ID_0, attr)
            try:
                self._create_file(name, cfg, w, h)
            except BaseException:
                self.venc.Destroy(VENC_CHN_ID_0)
                raise
        except BaseException:
            # DIFFERENCE: undone (CanMV's leaves the link and the channel to the script's end).
            self.link.destroy()
            self.link = None
            raise
        self.video_start_timestamp = 0
        self.audio_timestamp = 0
        self.mic_pos = 0
        self.first_len = 0
        self.first_done = False

    def _create_file(self, name, cfg, w, h):
        mp4_cfg = k_mp4_config_s()
        mp4_cfg.config_type = K_MP4_CONFIG_MUXER
        mp4_cfg.muxer_config.file_name[:] = name
        mp4_cfg.muxer_config.fmp4_flag = cfg.fmp4_flag
        handle = k_u64_ptr()
        if kd_mp4_create(handle, mp4_cfg):
            raise OSError("Mp4Container, kd_mp4_create failed.")
        self.mp4_handle = handle.value
        try:
            info = k_mp4_track_info_s()
            info.track_type = K_MP4_STREAM_VIDEO
            info.time_scale = 1000
            info.video_info.width = w
            info.video_info.height = h
            info.video_info.codec_id = cfg.video_payload_type
            track = k_u64_ptr()
            if kd_mp4_create_track(self.mp4_handle, track, info):
                raise OSError("Mp4Container, kd_mp4_create_track failed.")
            self.video_track = track.value
            if self.audio:
                info = k_mp4_track_info_s()
                info.track_type = K_MP4_STREAM_AUDIO
                info.time_scale = 1000
                info.audio_info.channels = 1
                info.audio_info.codec_id = cfg.audio_payload_type
                info.audio_info.sample_rate = _AUDIO_RATE
                info.audio_info.bit_per_sample = 16
                track = k_u64_ptr()
                if kd_mp4_create_track(self.mp4_handle, track, info):
                    raise OSError("Mp4Container, kd_mp4_create_track failed.")
                self.audio_track = track.value
        except BaseException:
            kd_mp4_destroy_tracks(self.mp4_handle)
            kd_mp4_destroy(self.mp4_handle)
            self.mp4_handle = None
            raise
        self.frame_data = k_mp4_frame_data_s()
        self.audio_frame = k_mp4_frame_data_s()

    def Start(self):
        self.venc.Start(VENC_CHN_ID_0)
        self.sensor.run()

    def _write_video(self, addr, size, pts):
        f = self.frame_data
        f.codec_id = self.cfg.video_payload_type
        f.data = addr
        f.data_length = size
        f.time_stamp = pts - self.video_start_timestamp
        if kd_mp4_write_frame(self.mp4_handle, self.video_track, f):
            raise OSError("Mp4Container, kd_mp4_write_frame failed.")

    def _append(self, at, sd, i):
        size = sd.data_size[i]
        self.save_idr[at:at + size] = uctypes.bytearray_at(sd.data[i], size)
        return at + size

    def Process(self):
        """One blocking GetStream of channel 0 written as one video sample, then the audio the
        microphone has by then.

        The shape of CanMV's Process, which is right under the MPP's header delivery as the
        evidence has it (the simulator's default, K230_SIM_HEADER=first-separate: the first
        parameter sets alone in the first GetStream, later ones in the GetStream of their IDR):
        it concatenates the first two GetStream results into the first sample (the header and
        the IDR), and then writes only the last pack of each GetStream. Under another delivery
        that loses data: with the first header in the same GetStream as its IDR
        (K230_SIM_HEADER=with-idr), its first sample holds the IDR and the next P frame, two
        pictures one sample (a player shows one: a frame is lost, and the times shift); and a
        later IDR's parameter sets are always dropped (harmless only while they do not change).
        This one collects GetStream results until the first picture (I or P pack) and writes
        them as the first sample, then writes every GetStream whole (its packs concatenated when
        there are several): every picture once, with its parameter sets, under either delivery.

        CanMV's reads the microphone once a call; this one writes every chunk the microphone
        has (at most _AUDIO_CHUNKS_PER_PROCESS), so that the audio keeps up below 25 fps too."""
        sd = self.streamData
        self.venc.GetStream(VENC_CHN_ID_0, sd)
        try:
            n = sd.pack_cnt
            last = n - 1
            if not self.first_done:
                picture = False
                for i in range(n):
                    self.first_len = self._append(self.first_len, sd, i)
                    picture = picture or sd.stream_type[i] != Encoder.STREAM_TYPE_HEADER
                if picture:
                    self.video_start_timestamp = sd.pts[last]
                    self._write_video(uctypes.addressof(self.save_idr), self.first_len, sd.pts[last])
                    self.first_done = True
            elif n == 1:
                self._write_video(sd.data[0], sd.data_size[0], sd.pts[0])
            else:
                size = 0
                for i in range(n):
                    size = self._append(size, sd, i)
                self._write_video(uctypes.addressof(self.save_idr), size, sd.pts[last])
        finally:
            self.venc.ReleaseStream(VENC_CHN_ID_0, sd)
        if self.audio and self.first_done:
            self._process_audio()

    def _process_audio(self):
        f = self.audio_frame
        for _ in range(_AUDIO_CHUNKS_PER_PROCESS):
            if not _k230audio.mic_read(self.mic_pos, _AUDIO_RATE, self.pcm):
                return
            self.mic_pos += _AUDIO_CHUNK
            _k230audio.g711_encode(self.law, self.pcm, self.g711)
            f.codec_id = self.cfg.audio_payload_type
            f.data = uctypes.addressof(self.g711)
            f.data_length = _AUDIO_CHUNK
            f.time_stamp = self.audio_timestamp
            if kd_mp4_write_frame(self.mp4_handle, self.audio_track, f):
                raise OSError("Mp4Container, write audio stream failed.")
            self.audio_timestamp += _AUDIO_CHUNK_US

    def Stop(self):
        self.sensor.stop()
        if self.link is not None:
            self.link.destroy()
            self.link = None
        self.venc.Stop(VENC_CHN_ID_0)

    def Destroy(self):
        if self.mp4_handle is not None:
            kd_mp4_destroy_tracks(self.mp4_handle)
            ret = kd_mp4_destroy(self.mp4_handle)
            self.mp4_handle = None
            if ret:
                self.venc.Destroy(VENC_CHN_ID_0)
                raise OSError("Mp4Container, kd_mp4_destroy failed.")
        self.venc.Destroy(VENC_CHN_ID_0)
