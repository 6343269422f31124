#!/usr/bin/env python3
"""Whole-stack vs raw-encoder throughput: doc example 1 at 1920x1080 H.264 Main.

Runs, alternately for --rounds rounds (default 3), the two sides of the comparison and reports
frames per second of each, per round and as medians, with the ratio stack / raw:

  stack  examples/doc_example1.py, its text unchanged except the output path (a temporary
         directory) and the size arguments of the final call (1920, 1080), run by the simulator
         MicroPython (build/unix_sim/micropython): sensor -> VI/VENC bind -> libx264 ->
         GetStream -> uctypes.bytearray_at -> file, 200 frames (the script's own count).
  raw    target/release/raw_encoder_bench: the same sensor test-pattern frames rendered into
         memory and fed straight into the same libav encoder configuration, 200 frames.

Both sides are timed the same way: wall clock around the whole process (start-up, encoder
open, rendering, encoding, and for the stack everything else it does, including writing the
file), fps = 200 / seconds, nothing subtracted. CPU seconds (user + sys) of each process are
reported too. Before the timed rounds each side runs once untimed (warm-up), and the two
streams are compared byte for byte (the stack must write exactly the raw encoder's bytes).
Rounds alternate the order (raw first, then stack first, ...) so that drift in the machine's
load does not favour one side.

Exit status: 0 when every run worked, whatever the numbers (this is not a test); 1 when a run
failed (non-zero exit, a traceback, a missing or short stream); 2 for bad usage / missing
binaries.

With --callgrind, each side also runs once under valgrind's callgrind (about 30 s each) and
the instruction counts are compared: a load-independent view of the same overhead.

Usage: bench.py [--rounds 3] [--callgrind] [--mpy build/unix_sim/micropython]
                [--raw target/release/raw_encoder_bench] [--target 0.90]
"""
import argparse
import os
import platform
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

from benchlib import cpu_model

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXAMPLE = os.path.join(ROOT, "examples", "doc_example1.py")
FRAMES = 200  # doc example 1 stops after 200 frames
WIDTH, HEIGHT = 1920, 1080
CALL = 'vi_bind_venc_test("doc_example1.264", 800, 480)'
# The simulator's environment knobs that would change what is measured.
SIM_ENV = ("K230_SIM_BACKEND", "K230_SIM_Y4M", "K230_SIM_AVLOG")


class RunError(Exception):
    pass


def child_cpu():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def timed(cmd, cwd, env, stdout):
    """Runs cmd; returns (wall seconds, cpu seconds)."""
    c0 = child_cpu()
    t0 = time.perf_counter()
    p = subprocess.run(cmd, cwd=cwd, env=env, stdout=stdout, stderr=subprocess.STDOUT)
    wall = time.perf_counter() - t0
    cpu = child_cpu() - c0
    if p.returncode != 0:
        raise RunError("%s exited with %d" % (" ".join(cmd), p.returncode))
    return wall, cpu


def machine():
    model = cpu_model()
    return "%s, %d cores (nproc), %s %s, Python %s" % (
        model, len(os.sched_getaffinity(0)), platform.system(), platform.release(),
        platform.python_version())


class Bench:
    def __init__(self, args, tmp):
        self.mpy = args.mpy
        self.raw = args.raw
        self.tmp = tmp
        self.env = {k: v for k, v in os.environ.items() if k not in SIM_ENV}
        # Every IDR's parameter sets in its GetStream: the example's 200 GetStreams are then
        # the raw encoder's 200 frames, byte for byte.
        self.env["K230_SIM_HEADER"] = "with-idr"
        self.stream = os.path.join(tmp, "doc_example1.264")
        self.script = os.path.join(tmp, "doc_example1_1080p.py")
        with open(EXAMPLE) as f:
            text = f.read()
        if text.count(CALL) != 1:
            raise RunError("%s: expected the call %s exactly once" % (EXAMPLE, CALL))
        text = text.replace(CALL, 'vi_bind_venc_test(%r, %d, %d)' % (self.stream, WIDTH, HEIGHT))
        with open(self.script, "w") as f:
            f.write(text)

    def run_stack(self):
        if os.path.exists(self.stream):
            os.remove(self.stream)
        log = os.path.join(self.tmp, "stack.log")
        with open(log, "wb") as out:
            wall, cpu = timed([self.mpy, self.script], self.tmp, self.env, out)
        with open(log, errors="replace") as f:
            text = f.read()
        if "Traceback" in text or "VENC test stops" not in text:
            raise RunError("doc example 1 failed:\n" + text[-3000:])
        types = re.findall(r"^Stream size:\s+\d+ Stream type:\s+(\d+)", text, re.M)
        pictures = sum(1 for t in types if t in ("1", "2"))
        if pictures != FRAMES:
            raise RunError("doc example 1 wrote %d pictures, expected %d" % (pictures, FRAMES))
        size = os.path.getsize(self.stream) if os.path.exists(self.stream) else 0
        if size == 0:
            raise RunError("doc example 1 wrote no stream")
        os.remove(self.stream)
        return {"wall": wall, "cpu": cpu, "fps": FRAMES / wall, "bytes": size}

    def run_raw(self, out_file=None):
        cmd = [self.raw, "--width", str(WIDTH), "--height", str(HEIGHT), "--frames", str(FRAMES)]
        if out_file:
            cmd += ["--out", out_file]
        log = os.path.join(self.tmp, "raw.log")
        with open(log, "wb") as out:
            wall, cpu = timed(cmd, self.tmp, self.env, out)
        with open(log, errors="replace") as f:
            text = f.read()
        m = re.search(r"^raw_encoder_bench: (.*)$", text, re.M)
        if not m:
            raise RunError("raw_encoder_bench printed no result:\n" + text[-3000:])
        kv = dict(item.split("=", 1) for item in m.group(1).split())
        if int(kv["frames"]) != FRAMES:
            raise RunError("raw_encoder_bench encoded %s frames" % kv["frames"])
        return {"wall": wall, "cpu": cpu, "fps": FRAMES / wall, "bytes": int(kv["bytes"]),
                "loop_fps": float(kv["fps"]), "encode_fps": float(kv["encode_fps"]),
                "config": text.splitlines()[0]}

    def instructions(self, cmd):
        """Instructions executed by cmd under callgrind (None if valgrind is missing)."""
        vg = shutil.which("valgrind")
        if vg is None:
            return None
        out = os.path.join(self.tmp, "callgrind.out")
        p = subprocess.run([vg, "--tool=callgrind", "--callgrind-out-file=" + out] + cmd,
                           cwd=self.tmp, env=self.env, stdout=subprocess.DEVNULL,
                           stderr=subprocess.PIPE, errors="replace")
        m = re.search(r"Collected : (\d+)", p.stderr)
        if p.returncode != 0 or not m:
            raise RunError("callgrind run of %s failed:\n%s" % (cmd[0], p.stderr[-3000:]))
        os.remove(out)
        if os.path.exists(self.stream):
            os.remove(self.stream)
        return int(m.group(1))

    def callgrind(self):
        raw = self.instructions([self.raw, "--width", str(WIDTH), "--height", str(HEIGHT),
                                 "--frames", str(FRAMES)])
        if raw is None:
            return None
        return raw, self.instructions([self.mpy, self.script])

    def check_streams(self):
        """Warm-up of both sides; returns whether the two streams are byte-identical."""
        raw_file = os.path.join(self.tmp, "raw.264")
        raw = self.run_raw(raw_file)
        if os.path.exists(self.stream):
            os.remove(self.stream)
        # Run the stack by hand here to keep its stream for the comparison.
        log = os.path.join(self.tmp, "stack.log")
        with open(log, "wb") as out:
            timed([self.mpy, self.script], self.tmp, self.env, out)
        with open(raw_file, "rb") as a:
            want = a.read()
        got = b""
        if os.path.exists(self.stream):
            with open(self.stream, "rb") as b:
                got = b.read()
            os.remove(self.stream)
        os.remove(raw_file)
        return raw["config"], got == want and len(want) > 0


def pct(x):
    return "%.1f %%" % (100.0 * x)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--mpy", default=os.path.join(ROOT, "build", "unix_sim", "micropython"))
    ap.add_argument("--raw", default=os.path.join(ROOT, "target", "release", "raw_encoder_bench"))
    ap.add_argument("--callgrind", action="store_true",
                    help="also count instructions of one run of each side under callgrind")
    ap.add_argument("--target", type=float, default=0.90,
                    help="stack / raw ratio the project aims for (reported, never enforced)")
    args = ap.parse_args()
    if args.rounds < 1:
        ap.error("--rounds must be at least 1")
    for exe, how in ((args.mpy, "make micropython"),
                     (args.raw, "cargo build --release -p k230-venc-sim --bin raw_encoder_bench")):
        if not os.access(exe, os.X_OK):
            print("bench.py: %s not found (build it: %s, or run make bench)" % (exe, how),
                  file=sys.stderr)
            return 2

    print("machine   %s" % machine())
    print("load avg  %.2f %.2f %.2f (before)" % os.getloadavg())
    print("workload  doc example 1, %dx%d H.264 Main, CBR 4000 kbit/s, GOP 30, %d frames"
          % (WIDTH, HEIGHT, FRAMES))
    with tempfile.TemporaryDirectory(prefix="k230-bench-") as tmp:
        try:
            b = Bench(args, tmp)
            config, identical = b.check_streams()
            print("encoder   %s" % config)
            print("stream    stack output %s the raw encoder's (warm-up run)"
                  % ("is byte-identical to" if identical else "DIFFERS from"))
            rows = []
            for r in range(args.rounds):
                order = ("raw", "stack") if r % 2 == 0 else ("stack", "raw")
                res = {}
                for side in order:
                    res[side] = b.run_raw() if side == "raw" else b.run_stack()
                rows.append(res)
            counts = b.callgrind() if args.callgrind else None
        except RunError as e:
            print("bench.py: %s" % e, file=sys.stderr)
            return 1

    print()
    print("| round | order | raw fps | stack fps | stack / raw | raw CPU s | stack CPU s |")
    print("|------:|:------|--------:|----------:|------------:|----------:|------------:|")
    for i, res in enumerate(rows, 1):
        raw, stack = res["raw"], res["stack"]
        print("| %d | %s | %.1f | %.1f | %s | %.3f | %.3f |" % (
            i, " then ".join(res), raw["fps"], stack["fps"], pct(stack["fps"] / raw["fps"]),
            raw["cpu"], stack["cpu"]))
    raw_med = statistics.median(r["raw"]["fps"] for r in rows)
    stack_med = statistics.median(r["stack"]["fps"] for r in rows)
    raw_cpu = statistics.median(r["raw"]["cpu"] for r in rows)
    stack_cpu = statistics.median(r["stack"]["cpu"] for r in rows)
    ratio = stack_med / raw_med
    print("| median | | %.1f | %.1f | %s | %.3f | %.3f |" % (
        raw_med, stack_med, pct(ratio), raw_cpu, stack_cpu))
    print()
    print("raw encoder inside its process (median): %.1f fps render + encode loop, "
          "%.1f fps encode calls only" % (
              statistics.median(r["raw"]["loop_fps"] for r in rows),
              statistics.median(r["raw"]["encode_fps"] for r in rows)))
    print("CPU-time ratio raw / stack (median CPU seconds): %s" % pct(raw_cpu / stack_cpu))
    print("stack / raw throughput (ratio of medians): %s; target >= %s: %s" % (
        pct(ratio), pct(args.target), "met" if ratio >= args.target else "NOT met"))
    if args.callgrind:
        if counts is None:
            print("callgrind: valgrind not found, skipped")
        else:
            raw_i, stack_i = counts
            print("callgrind instructions: raw %d, stack %d (+%s), raw / stack %s"
                  % (raw_i, stack_i, pct(stack_i / raw_i - 1), pct(raw_i / stack_i)))
    print("load avg  %.2f %.2f %.2f (after)" % os.getloadavg())
    return 0


if __name__ == "__main__":
    sys.exit(main())
