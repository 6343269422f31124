# Recording with the newest CanMV encoder generation: the implicit channel.
#
# The Encoder asks for its channel itself: Create(chnAttr) takes a free one (encoder.chn, -1
# before), and every other call uses it, without a channel argument. Links name the channel
# as encoder.chn, so they are made after Create. No MediaManager.init()/deinit(): the
# firmware of this generation sets the media buffers up itself. Runs unchanged on a board
# with that firmware, on k230-venc firmware and on the k230-venc simulator (which also runs
# the documented explicit-channel calls; see examples/doc_example1.py).
#
# use_link=True: the sensor is bound to the encoder and frames flow by themselves.
# use_link=False: each frame is taken with sensor.snapshot(dump_frame=True) and sent with
# SendFrame, as the 2025-2026 firmware's scripts do.
from media.vencoder import *
from media.sensor import *
from media.media import *
import uctypes


def venc_implicit_test(file_name, width=1280, height=720, use_link=True, frames=200):
    print("venc implicit test starts")
    width = ALIGN_UP(width, 16)
    suffix = file_name.split('.')[-1]
    if suffix == '264':
        payload, profile = Encoder.PAYLOAD_TYPE_H264, Encoder.H264_PROFILE_MAIN
    elif suffix == '265':
        payload, profile = Encoder.PAYLOAD_TYPE_H265, Encoder.H265_PROFILE_MAIN
    else:
        print("Unknown file extension")
        return

    sensor = Sensor()
    sensor.reset()
    sensor.set_framesize(width=width, height=height, alignment=12)
    sensor.set_pixformat(Sensor.YUV420SP)

    encoder = Encoder()
    encoder.SetOutBufs(8, width, height)
    encoder.Create(ChnAttrStr(payload, profile, width, height, bit_rate=2048, gopLen=30))
    print("encoder channel:", encoder.chn)

    link = None
    if use_link:
        link = MediaManager.link(sensor.bind_info()['src'], (VIDEO_ENCODE_MOD_ID, VENC_DEV_ID, encoder.chn))
    encoder.Start()
    sensor.run()

    stream_data = StreamData()
    written = 0
    try:
        with open(file_name, "wb") as f:
            while written < frames:
                if not use_link:
                    encoder.SendFrame(sensor.snapshot(chn=CAM_CHN_ID_0, dump_frame=True))
                if encoder.GetStream(stream_data, 2000) != 0:
                    continue
                for i in range(stream_data.pack_cnt):
                    f.write(uctypes.bytearray_at(stream_data.data[i], stream_data.data_size[i]))
                    print("stream size:", stream_data.data_size[i], "stream type:", stream_data.stream_type[i])
                encoder.ReleaseStream(stream_data)
                written += 1
    finally:
        sensor.stop()
        if link is not None:
            link.destroy()
        encoder.Stop()
        encoder.Destroy()
    print("venc implicit test stops")


if __name__ == "__main__":
    venc_implicit_test("implicit_channel.264")
