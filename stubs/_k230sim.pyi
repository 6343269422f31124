"""Typing stubs of `_k230sim`, the simulator's controls (boards/unix_sim/modk230sim.c): the
VICAP sensor stand-in that media.sensor drives, fault injection, statistics, run-time
policies, the IDE preview and the codec backend. Only in the simulator build.

Device and channel numbers out of the 32-bit range, and negative sizes, raise ValueError; a
call the simulator refuses raises OSError(code, "<function>: 0x<code>")."""

from typing import Literal, TypedDict, type_check_only

from _typeshed import ReadableBuffer, WriteableBuffer

@type_check_only
class Dropped(TypedDict):
    """Pictures one VENC channel dropped, and why."""

    frame_rate: int
    """By the "drop" frame-rate policy."""
    too_large: int
    """Larger than an output buffer."""
    buffers_full: int
    """Sensor frames due under the realtime clock while every output buffer was full."""

@type_check_only
class SimStats(TypedDict):
    """What stats() returns: live resources of the simulated MPP."""

    venc_channels_created: int
    venc_channels_started: int
    venc_streams_held: int
    venc_frames_queued: int
    mmz_blocks: int
    mmz_bytes: int
    mappings: int
    binds: int
    vb_inited: int
    vicap_running: int
    venc_channels_requested: int
    mp4_files: int
    mp4_tracks: int
    venc_dropped: tuple[Dropped | None, Dropped | None, Dropped | None, Dropped | None]
    """Per VENC channel 0..3: None when not created."""

def vicap_reset(dev: int, /) -> None: ...
def vicap_set_framesize(dev: int, chn: int, width: int, height: int, /) -> None: ...
def vicap_set_pixformat(dev: int, chn: int, pixel_format: int, /) -> None: ...
def vicap_set_fps(dev: int, fps: int, /) -> None: ...
def vicap_start(dev: int, /) -> None: ...
def vicap_stop(dev: int, /) -> None: ...
def vicap_set_mirror(dev: int, mask: int, /) -> None:
    """mask: 1 mirrors left to right, 2 flips upside down (from the next start)."""

def vicap_dump_frame(dev: int, chn: int, /) -> bytes:
    """The channel's next frame as the 224 bytes of a k_video_frame_info."""

def vicap_claim(dev: int, force: bool, /) -> int:
    """A token for the device's CSI bus (OSError 0xa0158004 if claimed and not force)."""

def vicap_owner(dev: int, /) -> int:
    """The token of the device's claim, 0 if free."""

def rgb888_to_rgb565(src: ReadableBuffer, dst: WriteableBuffer, /) -> None:
    """Packed R, G, B bytes of src into little-endian RGB565 pixels of dst."""

def sensor_source(path: str | None = None, /) -> None:
    """Sensor frames from the Y4M file path from now on; None or "": the test pattern."""

def ide_preview(on: bool = ..., /) -> int | None:
    """The VENC channel the simulated IDE preview holds, or None; on=True takes one, on=False
    gives it back, no argument just tells."""

def policy(name: Literal["frame_rate", "header", "clock", "destroy_bound"], value: str | None = None, /) -> str:
    """The policy's value for channels created from now on, after setting it to value:
    frame_rate "keep" | "drop", header "with-idr" | "first-separate", clock "virtual" |
    "realtime" (for running sensors at once), destroy_bound "allow" | "refuse" (for every
    destroy from now on)."""

def fault(func: str, code: int, /, skip: int = 0, count: int = 1) -> None:
    """Make the MPP function func (e.g. "kd_mpi_venc_create_chn") fail with code after skip
    successful calls, count times."""

def fault_clear() -> None: ...
def fault_fired() -> int:
    """Injected failures that fired since the last fault_clear()."""

def stats() -> SimStats: ...
def backend(name: Literal["libav", "synthetic"] | None = None, /) -> str | None:
    """The codec backend of channels created from now on, after selecting name."""

def stop_requested() -> bool:
    """Whether the run was stopped after K230_SIM_STOP_AFTER sensor frames (scripts/k230sim
    run --frames): the KeyboardInterrupt is that stop."""

def frames_taken() -> int:
    """Sensor frames delivered so far (the newest frame number of any sensor channel)."""
