"""Stand-in for CanMV-K230's media/rtspserver.py on the k230-venc simulator: RtspServer, which
serves the sensor's picture over RTSP (multimedia.rtsp_server) from an encoder.

The newest firmware generation's shape (implicit encoder channel): RtspServer(session_name,
port, video_type, enable_audio, width, height, bit_rate, gop_len) with H.265 by default;
start() sets the sensor, encoder and server up and feeds the server from a _thread loop
(GetStream, each pack copied to bytes and sent, ReleaseStream); stop() ends the loop and
tears everything down; get_rtsp_url() names the stream.

Simulator choices: the sensor is asked for 30 fps (the encoder's source rate; the simulated
Sensor, like the board's, defaults to 60); a failure in the feeding loop is printed and ends
the loop, and stop() still tears down.
"""
import sys
import time
import _thread
import uctypes
import multimedia as mm
# media.vencoder's names from the native module, as media.media takes them (inside the media
# package the forwarder module cannot be imported by its dotted name).
from umedia.vencoder import *
from media.sensor import *
from media.media import *


class RtspServer:
    def __init__(self, session_name="test", port=8554, video_type=mm.multi_media_type.media_h265,
                 enable_audio=False, width=1280, height=720, bit_rate=512, gop_len=30):
        if video_type not in (mm.multi_media_type.media_h264, mm.multi_media_type.media_h265):
            raise ValueError("video_type must be multi_media_type.media_h264 or media_h265")
        if bit_rate < 100 or bit_rate > 20000:
            raise ValueError("bit_rate must be between 100 and 20000 kbit/s")
        self.session_name = session_name
        self.port = port
        self.video_type = video_type
        self.enable_audio = enable_audio
        self.width = ALIGN_UP(width, 16)
        self.height = height
        self.bit_rate = bit_rate
        self.gop_len = gop_len
        self.rtspserver = mm.rtsp_server()
        self.sensor = None
        self.encoder = None
        self.link = None
        self.start_stream = False
        self.runthread_over = False

    def start(self):
        self._init_stream()
        self.rtspserver.rtspserver_init(self.port)
        self.rtspserver.rtspserver_createsession(self.session_name, self.video_type, self.enable_audio)
        self.rtspserver.rtspserver_start()
        self._start_stream()
        self.start_stream = True
        _thread.start_new_thread(self._do_rtsp_stream, ())

    def stop(self):
        if not self.start_stream:
            return
        self.start_stream = False
        while not self.runthread_over:
            time.sleep(0.1)
        self.runthread_over = False
        self.sensor.stop()
        self.link.destroy()
        self.encoder.Stop()
        self.encoder.Destroy()
        self.rtspserver.rtspserver_stop()
        self.rtspserver.rtspserver_deinit()

    def get_rtsp_url(self):
        return self.rtspserver.rtspserver_getrtspurl(self.session_name)

    def _init_stream(self):
        self.sensor = Sensor(fps=30)
        self.sensor.reset()
        self.sensor.set_framesize(width=self.width, height=self.height, alignment=12)
        self.sensor.set_pixformat(Sensor.YUV420SP)
        self.encoder = Encoder()
        self.encoder.SetOutBufs(15, self.width, self.height)
        if self.video_type == mm.multi_media_type.media_h265:
            payload, profile = Encoder.PAYLOAD_TYPE_H265, Encoder.H265_PROFILE_MAIN
        else:
            payload, profile = Encoder.PAYLOAD_TYPE_H264, Encoder.H264_PROFILE_MAIN
        attr = ChnAttrStr(payload, profile, self.width, self.height, bit_rate=self.bit_rate, gopLen=self.gop_len)
        self.encoder.Create(attr)
        self.link = MediaManager.link(self.sensor.bind_info()['src'], (VIDEO_ENCODE_MOD_ID, VENC_DEV_ID, self.encoder.chn))

    def _start_stream(self):
        self.encoder.Start()
        self.sensor.run()

    def _do_rtsp_stream(self):
        try:
            stream_data = StreamData()
            while self.start_stream:
                if self.encoder.GetStream(stream_data, 1000) != 0:
                    continue
                for i in range(stream_data.pack_cnt):
                    size = stream_data.data_size[i]
                    data = bytes(uctypes.bytearray_at(stream_data.data[i], size))
                    self.rtspserver.rtspserver_sendvideodata(self.session_name, data, size, 1000)
                self.encoder.ReleaseStream(stream_data)
        except BaseException as e:
            sys.print_exception(e)
        finally:
            self.runthread_over = True
