"""The manual's two examples, unchanged but for the output path, run to the
end on the simulator and write 200 frames to the file."""

import re

import pytest

from conftest import checked, doc_example, run_mpy
from streamcheck.nal import nal_types, split_nals

MARK = re.compile(rb"frame=(\d+) y=([0-9a-f]+) uv=([0-9a-f]+)")
# These checks read the synthetic backend's payload text (frame number and plane hashes);
# the real (libav) streams of the examples are checked in test_codecs.py.
SYNTHETIC = {"K230_SIM_BACKEND": "synthetic"}


def frames_of(data):
    """(nal types, [(frame, y, uv)] of the picture NAL units) of a synthetic H.264 stream."""
    types = nal_types("h264", data)
    marks = [MARK.search(n).groups() for n in split_nals(data) if n and (n[0] & 0x1F) in (1, 5)]
    return types, marks


@pytest.fixture(scope="module")
def streams(mpy, tmp_path_factory):
    out = {}
    for name in ("doc_example1.py", "doc_example2.py"):
        d = tmp_path_factory.mktemp(name.replace(".py", ""))
        path = d / "out.264"
        stdout = checked(run_mpy(doc_example(name, path), d, env=SYNTHETIC))
        out[name] = (stdout, path.read_bytes())
    return out


@pytest.mark.parametrize("name", ["doc_example1.py", "doc_example2.py"])
def test_example_runs_to_the_end_and_writes_200_frames(streams, header_alone, name):
    stdout, data = streams[name]
    assert "VENC test stops" in stdout or "venc_test stop" in stdout
    assert "Traceback" not in stdout
    types, marks = frames_of(data)
    # 200 GetStream results: 200 pictures, or 199 when the first parameter sets came alone
    # (the simulator's default header policy, as the board is understood to deliver them).
    n = 200 - header_alone
    assert types.count(5) + types.count(1) == n
    # IDR with SPS/PPS every 30 frames (default gopLen), P otherwise.
    assert types.count(7) == types.count(8) == types.count(5) == 7
    pics = [t for t in types if t in (1, 5)]
    assert [i for i, t in enumerate(pics) if t == 5] == list(range(0, n, 30))
    assert [int(m[0]) for m in marks] == list(range(n))
    # Printed sizes and types match what was written.
    sizes = [int(s) for s in re.findall(r"[Ss]tream size:\s+(\d+)", stdout)]
    assert sum(sizes) == len(data)
    assert len(sizes) == n + 7  # the pictures and 7 header packs


def test_example2_encodes_the_snapshots_with_the_right_chroma(streams):
    # Example 1 (sensor bound to the encoder) and example 2 (snapshots sent with a
    # hand-computed UV address) see the same sensor frames: same luma and chroma
    # checksums frame by frame prove that phys_addr[1] = Y + 800*480 + 1024 is the
    # UV plane the simulator's sensor lays out at ALIGN_UP(w*h, 4096).
    _, d1 = streams["doc_example1.py"]
    _, d2 = streams["doc_example2.py"]
    m1 = frames_of(d1)[1]
    m2 = frames_of(d2)[1]
    assert m1 == m2
    assert len({m[2] for m in m1}) > 1, "the test pattern's chroma moves"
