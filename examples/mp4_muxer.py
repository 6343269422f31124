# Writing the camera's H.264 stream into an MP4 file with the MPP's MP4 muxer calls
# (mpp.mp4_format, kd_mp4_*), as CanMV's mp4 muxer example drives them: sensor bound to the
# encoder, GetStream, one kd_mp4_write_frame per picture with the uctypes structs of
# mpp.mp4_format_struct, and kd_mp4_destroy to finish the file.
#
# The muxer wants the parameter sets and the IDR of a key frame in ONE write (the first write
# of the track must be such a key frame), while the encoder hands the parameter sets out as a
# HEADER pack of their own, in the same GetStream as the IDR or, for the first ones, in a
# GetStream before it. So HEADER packs are kept in save_idr and written together with the
# picture that follows them, whichever GetStream it comes in. time_stamp is the pack's pts, in
# microseconds (the muxer divides it by 1000).
#
# fmp4_flag=1 writes a fragmented MP4 (one fragment per key frame).
from media.vencoder import *
from media.sensor import *
from media.media import *
from mpp.mp4_format import *
from mpp.mp4_format_struct import *
import uctypes
import os


def mp4_muxer_init(file_name, fmp4_flag):
    mp4_cfg = k_mp4_config_s()
    mp4_cfg.config_type = K_MP4_CONFIG_MUXER
    mp4_cfg.muxer_config.file_name[:] = bytes(file_name, "utf-8")
    mp4_cfg.muxer_config.fmp4_flag = fmp4_flag
    handle = k_u64_ptr()
    if kd_mp4_create(handle, mp4_cfg):
        raise OSError("kd_mp4_create failed.")
    return handle.value


def mp4_muxer_create_video_track(mp4_handle, width, height, codec_id):
    video_track_info = k_mp4_track_info_s()
    video_track_info.track_type = K_MP4_STREAM_VIDEO
    video_track_info.time_scale = 1000
    video_track_info.video_info.width = width
    video_track_info.video_info.height = height
    video_track_info.video_info.codec_id = codec_id
    track_handle = k_u64_ptr()
    if kd_mp4_create_track(mp4_handle, track_handle, video_track_info):
        raise OSError("kd_mp4_create_track failed.")
    return track_handle.value


def vi_bind_venc_mp4_test(file_name, width=1280, height=720, fmp4_flag=0, frames=200):
    print("mp4 muxer test starts")
    venc_chn = VENC_CHN_ID_0
    width = ALIGN_UP(width, 16)

    mp4_handle = mp4_muxer_init(file_name, fmp4_flag)
    video_track = mp4_muxer_create_video_track(mp4_handle, width, height, K_MP4_CODEC_ID_H264)

    sensor = Sensor()
    sensor.reset()
    sensor.set_framesize(width=width, height=height, alignment=12)
    sensor.set_pixformat(Sensor.YUV420SP)

    encoder = Encoder()
    encoder.SetOutBufs(venc_chn, 8, width, height)
    link = MediaManager.link(sensor.bind_info()['src'], (VIDEO_ENCODE_MOD_ID, VENC_DEV_ID, venc_chn))
    MediaManager.init()
    chnAttr = ChnAttrStr(encoder.PAYLOAD_TYPE_H264, encoder.H264_PROFILE_MAIN, width, height)
    streamData = StreamData()
    encoder.Create(venc_chn, chnAttr)
    encoder.Start(venc_chn)
    sensor.run()

    frame_data = k_mp4_frame_data_s()
    save_idr = bytearray(width * height * 3 // 4)
    idr_len = 0
    frame_count = 0
    try:
        while frame_count < frames:
            os.exitpoint()
            encoder.GetStream(venc_chn, streamData)
            for pack_idx in range(0, streamData.pack_cnt):
                addr = streamData.data[pack_idx]
                size = streamData.data_size[pack_idx]
                if streamData.stream_type[pack_idx] == encoder.STREAM_TYPE_HEADER:
                    save_idr[idr_len:idr_len + size] = uctypes.bytearray_at(addr, size)
                    idr_len += size
                    continue
                if idr_len:
                    # Parameter sets + IDR: one write.
                    save_idr[idr_len:idr_len + size] = uctypes.bytearray_at(addr, size)
                    addr = uctypes.addressof(save_idr)
                    size += idr_len
                    idr_len = 0
                frame_data.codec_id = K_MP4_CODEC_ID_H264
                frame_data.data = addr
                frame_data.data_length = size
                frame_data.time_stamp = streamData.pts[pack_idx]
                if kd_mp4_write_frame(mp4_handle, video_track, frame_data):
                    raise OSError("kd_mp4_write_frame failed.")
                frame_count += 1
            encoder.ReleaseStream(venc_chn, streamData)
    except KeyboardInterrupt as e:
        print("User stop: ", e)
    except BaseException as e:
        import sys
        sys.print_exception(e)

    sensor.stop()
    del link
    encoder.Stop(venc_chn)
    encoder.Destroy(venc_chn)
    MediaManager.deinit()
    kd_mp4_destroy_tracks(mp4_handle)
    kd_mp4_destroy(mp4_handle)
    print("mp4 muxer test stops:", frame_count, "frames")


if __name__ == "__main__":
    os.exitpoint(os.EXITPOINT_ENABLE)
    vi_bind_venc_mp4_test("mp4_muxer.mp4")
