# Serving the camera over RTSP: the sensor feeds an encoder channel, a thread takes each encoded
# frame and hands its packs to multimedia's RTSP server, and any RTSP client (ffplay, VLC,
# gst-launch-1.0) plays the URL the script prints. Stop it with Ctrl-C (or the IDE's stop).
#
# Written for CanMV-K230 firmware with the documented explicit encoder channel; runs on a board
# and on the k230-venc simulator, where the server listens on 127.0.0.1 unless
# K230_SIM_RTSP_ADDRESS says otherwise, and the sensor runs in real time while a server runs.
import os
import time
import _thread
import uctypes
import multimedia as mm
from media.vencoder import *
from media.sensor import *
from media.media import *


class CameraStreamer:
    def __init__(self, session_name="test", port=8554, video_type=mm.multi_media_type.media_h264,
                 width=1280, height=720):
        self.session_name = session_name
        self.port = port
        self.video_type = video_type
        self.width = ALIGN_UP(width, 16)
        self.height = height
        self.venc_chn = VENC_CHN_ID_0
        self.server = mm.rtsp_server()
        self.running = False
        self.finished = False

    def start(self):
        # Camera -> encoder channel 0.
        self.sensor = Sensor(fps=30)
        self.sensor.reset()
        self.sensor.set_framesize(width=self.width, height=self.height, alignment=12)
        self.sensor.set_pixformat(Sensor.YUV420SP)
        self.encoder = Encoder()
        self.encoder.SetOutBufs(self.venc_chn, 8, self.width, self.height)
        self.link = MediaManager.link(self.sensor.bind_info()['src'],
                                      (VIDEO_ENCODE_MOD_ID, VENC_DEV_ID, self.venc_chn))
        if self.video_type == mm.multi_media_type.media_h265:
            attr = ChnAttrStr(Encoder.PAYLOAD_TYPE_H265, Encoder.H265_PROFILE_MAIN, self.width, self.height)
        else:
            attr = ChnAttrStr(Encoder.PAYLOAD_TYPE_H264, Encoder.H264_PROFILE_MAIN, self.width, self.height)
        self.encoder.Create(self.venc_chn, attr)
        # The server, then the frames.
        if self.server.rtspserver_init(self.port) != 0:
            raise OSError("cannot serve RTSP on port %d" % self.port)
        self.server.rtspserver_createsession(self.session_name, self.video_type, False)
        self.server.rtspserver_start()
        self.encoder.Start(self.venc_chn)
        self.sensor.run()
        self.running = True
        _thread.start_new_thread(self._feed, ())

    def url(self):
        return self.server.rtspserver_getrtspurl(self.session_name)

    def _feed(self):
        stream_data = StreamData()
        try:
            while self.running:
                if self.encoder.GetStream(self.venc_chn, stream_data, 1000) != 0:
                    continue
                for i in range(stream_data.pack_cnt):
                    size = stream_data.data_size[i]
                    packet = bytes(uctypes.bytearray_at(stream_data.data[i], size))
                    # The timestamp is not used: the server stamps what it gets.
                    self.server.rtspserver_sendvideodata(self.session_name, packet, size, 1000)
                self.encoder.ReleaseStream(self.venc_chn, stream_data)
        except BaseException as e:
            print("streaming stopped:", e)
        finally:
            self._teardown()
            self.finished = True

    def _teardown(self):
        self.sensor.stop()
        del self.link
        self.encoder.Stop(self.venc_chn)
        self.encoder.Destroy(self.venc_chn)
        self.server.rtspserver_stop()
        self.server.rtspserver_deinit()

    def stop(self):
        self.running = False
        while not self.finished:
            time.sleep(0.1)


if __name__ == "__main__":
    os.exitpoint(os.EXITPOINT_ENABLE)
    streamer = CameraStreamer(session_name="test", port=8554, video_type=mm.multi_media_type.media_h264)
    streamer.start()
    print("rtsp server started:", streamer.url())
    try:
        while True:
            os.exitpoint()
            time.sleep(1)
    except KeyboardInterrupt:
        print("stopping")
    finally:
        streamer.stop()
    print("rtsp server stopped")
