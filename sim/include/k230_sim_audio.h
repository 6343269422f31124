/*
 * k230_sim_audio.h - the host simulator's microphone and G.711 encoder (sim/src/audio.rs),
 * which media.mp4format's Mp4Container records its audio track with on the PC. Not part of
 * the K230 MPP API (on the board that is the AI / AENC modules behind CanMV's PyAudio and
 * g711.Encoder).
 *
 * The microphone plays a source: a 1 kHz test tone, or the 16-bit PCM WAV file named by the
 * environment variable K230_SIM_MIC_WAV (mixed down to mono and resampled to the rate asked
 * for; the file loops). Its clock is the sensors': sample k exists once a sensor has produced
 * a frame whose pts (microseconds) is at least k * 1e6 / rate, so audio and video stay in
 * step however fast the simulated sensor runs.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef K230_SIM_AUDIO_H
#define K230_SIM_AUDIO_H

#include <stddef.h>
#include <stdint.h>

/* Loads the microphone's source for `rate` Hz (8000..48000), mono: 0, or -1 when the WAV file
 * cannot be used (k230_sim_mic_error() says why). Repeat is fine (the file is read once). */
int32_t k230_sim_mic_open(uint32_t rate);

/* Non-blocking read of `frames` samples starting at sample `pos` (counted from the start of
 * the recording) at `rate` Hz, into out: returns `frames` once the sensor clock has passed
 * the end of that stretch, 0 when it has not yet, -1 on an error (k230_sim_mic_error()). */
int32_t k230_sim_mic_read(uint64_t pos, uint32_t rate, int16_t *out, uint32_t frames);

/* The sensor clock: the largest pts (microseconds) of a frame a running sensor produced since
 * it started, -1 before any. */
int64_t k230_sim_mic_clock_us(void);

/* Text of the last microphone error ("" if none); valid until the next k230_sim_mic_* call. */
const char *k230_sim_mic_error(void);

/* G.711 (ITU-T): encodes n 16-bit samples into n bytes, law 0 = A-law, 1 = mu-law. Returns n,
 * or -1 for another law or a NULL pointer. */
int32_t k230_sim_g711_encode(uint32_t law, const int16_t *pcm, size_t n, uint8_t *out);

#endif /* K230_SIM_AUDIO_H */
