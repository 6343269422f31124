# Recording the camera alone into an MP4 file with Mp4Container (media.mp4format): H.264, no
# audio track. The same calls as examples/mp4_container.py; the audio payload type -1 (not
# G711A / G711U) leaves the microphone out. That is the k230-venc simulator's Mp4Container:
# CanMV's records audio always.
from media.mp4format import *
import os


def mp4_video_test(file_name, width=1280, height=720, frames=200):
    print("mp4_video_test start")
    mp4_muxer = Mp4Container()
    mp4_cfg = Mp4CfgStr(mp4_muxer.MP4_CONFIG_TYPE_MUXER)
    if mp4_cfg.type == mp4_muxer.MP4_CONFIG_TYPE_MUXER:
        mp4_cfg.SetMuxerCfg(file_name, mp4_muxer.MP4_CODEC_ID_H264, width, height, -1)
    mp4_muxer.Create(mp4_cfg)
    mp4_muxer.Start()

    frame_count = 0
    try:
        while True:
            os.exitpoint()
            mp4_muxer.Process()
            frame_count += 1
            if frame_count >= frames:
                break
    except BaseException as e:
        import sys
        sys.print_exception(e)

    mp4_muxer.Stop()
    mp4_muxer.Destroy()
    print("mp4_video_test stop:", frame_count, "frames")


if __name__ == "__main__":
    os.exitpoint(os.EXITPOINT_ENABLE)
    mp4_video_test("mp4_container_video.mp4")
