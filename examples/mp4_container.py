# Recording camera and microphone into an MP4 file with Mp4Container (media.mp4format), the
# way CanMV's MP4 muxer example does: configure, Create, Start, Process once a frame, Stop,
# Destroy.
#
# H.265 video and G.711 mu-law audio, as that example records them; with audio=False the
# file gets video only (an audio payload type other than G711A / G711U: this works with the
# k230-venc simulator's Mp4Container; CanMV's needs an audio type). The file plays once
# Destroy has run (fmp4=1 writes a fragmented MP4 that plays up to its last complete
# fragment even if the script is killed).
#
# On the k230-venc simulator the microphone plays a 1 kHz tone, or the WAV file named by
# K230_SIM_MIC_WAV (16-bit PCM), in step with the camera; open the result with ffplay, VLC,
# or `ffprobe -show_streams mp4_container.mp4`.
from media.mp4format import *
import os


def mp4_muxer_test(file_name, width=1280, height=720, audio=True, fmp4=0, frames=200):
    print("mp4_muxer_test start")
    mp4_muxer = Mp4Container()
    mp4_cfg = Mp4CfgStr(mp4_muxer.MP4_CONFIG_TYPE_MUXER)
    if mp4_cfg.type == mp4_muxer.MP4_CONFIG_TYPE_MUXER:
        audio_type = mp4_muxer.MP4_CODEC_ID_G711U if audio else -1
        mp4_cfg.SetMuxerCfg(file_name, mp4_muxer.MP4_CODEC_ID_H265, width, height, audio_type, fmp4)
    # Sensor, encoder, microphone and the file with its tracks.
    mp4_muxer.Create(mp4_cfg)
    mp4_muxer.Start()

    frame_count = 0
    try:
        while True:
            os.exitpoint()
            # One encoded frame (and the audio recorded meanwhile) into the file.
            mp4_muxer.Process()
            frame_count += 1
            print("frame_count = ", frame_count)
            if frame_count >= frames:
                break
    except BaseException as e:
        import sys
        sys.print_exception(e)

    mp4_muxer.Stop()
    # Writes the file's index: the MP4 is complete now.
    mp4_muxer.Destroy()
    print("mp4_muxer_test stop")


if __name__ == "__main__":
    os.exitpoint(os.EXITPOINT_ENABLE)
    mp4_muxer_test("mp4_container.mp4")
