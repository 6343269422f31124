#!/usr/bin/env python3
"""Cost of the binding itself: instructions in the glue and the core per call, and heap per frame.

Runs scripts/bench_binding_loop.py on the unstripped simulator MicroPython
(build/unix_sim_bench/micropython, `make micropython-bench`) under valgrind's callgrind, four
times: the project's media.vencoder API and a CanMV-shaped reference loop written in Python over
the raw kd_mpi_* calls (the simulator build's `_mpp` module), each with 1-pack P frames and with
2-pack IDR frames (HEADER + I). Each run is one steady-state loop of --frames iterations of
SendFrame, GetStream, ReleaseStream on one channel (synthetic codec backend, 128x128 H.264),
after --warmup iterations, with the garbage collector enabled as in any script.

The measured loop is cut out of the profile by callgrind itself: the loop program calls
_k230sim.fault_clear() right before and right after it, and callgrind runs with
--dump-before=k230sim_fault_clear, so it writes three parts and the second holds exactly the
measured iterations (plus the few hundred instructions of the two marker calls).

What is counted, all from that part (the callgrind.out text is parsed directly; every call
line carries the inclusive cost of the call):

  MPP      the inclusive cost of every call into a kd_mpi_* function from a function that is
           not itself a kd_mpi_* function: the simulator below the MPP boundary. It is
           subtracted from everything below.
  glue + core per call
           for each glue method (venc_encoder_get_stream, venc_encoder_release_stream,
           venc_encoder_send_frame in mpy_glue/modvencoder.c): the inclusive cost of all
           calls to it, minus the MPP cost beneath it, divided by its number of calls. "Beneath"
           is decided by callgrind's --separate-callers<depth>=kd_mpi_*: every kd_mpi_*
           function is profiled per chain of its callers, and a call belongs to the nearest
           glue method on that chain (for the reference: the nearest _mpp C function). A
           kd_mpi_* call in the measured part that reaches none within --depth callers is an
           error (raise --depth).
           A pair is one GetStream plus one ReleaseStream. The core's share is the same
           measure for the calls a glue method makes directly to the functions declared in
           mpy_glue/k230_venc.h; the rest is the glue's (argument parsing, StreamData lists,
           the wait loop).
  memory manager
           the inclusive cost of the calls into MicroPython's allocator and collector
           (gc_alloc, gc_realloc, gc_free, gc_collect) from outside them. It depends on the
           state of the heap (the allocator searches for free blocks from a remembered position
           that only single-block allocations move forward, so allocations of two or more blocks
           search longer as the heap fills; a collection runs when it is full), so it grows
           with --frames for a loop that allocates: it is reported apart, per frame, for this
           run.
  loop body per frame
           the whole part minus the MPP cost, divided by the frames: the interpreter running
           the loop plus the glue and core (project) or plus the _mpp binding and the Python
           Encoder methods (reference). Reported without the memory manager (it then does not
           depend on --frames; for the reference, which allocates, that is a lower bound of
           what an iteration costs) and with it (this run's figure). The project's loop
           allocates nothing, so both are the same for it.
  binding per call (reference)
           the same as glue + core for the C functions of the _mpp module.

Heap: after the measured part, the loop program runs --heap-frames more iterations with the
garbage collector disabled and reads gc.mem_alloc() before and after; bytes per frame =
difference / iterations.

Exit status: 0 when every run worked, whatever the numbers (this is not a test); 1 when a run
failed or its profile cannot be attributed (a glue function missing from the binary, a call
count that is not one per frame, a kd_mpi_* call outside the glue); 2 for bad usage or a
missing or stripped binary / valgrind.

Usage: bench_binding.py [--frames 2000] [--warmup 100] [--heap-frames 500] [--depth 24]
                        [--mpy build/unix_sim_bench/micropython] [--keep DIR]
"""
import argparse
import glob
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile

from benchlib import cpu_model

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LOOP = os.path.join(ROOT, "scripts", "bench_binding_loop.py")
# The core's C interface: its functions are where the glue ends and the core begins.
CORE_HEADER = os.path.join(ROOT, "mpy_glue", "k230_venc.h")

# The glue's Python-method C functions (mpy_glue/modvencoder.c): name -> Python method.
GLUE = {
    "venc_encoder_get_stream": "GetStream",
    "venc_encoder_release_stream": "ReleaseStream",
    "venc_encoder_send_frame": "SendFrame",
}
# The raw calls of the reference loop (boards/unix_sim/modk230mpp.c): C function -> Python name.
BINDING = {
    "mpp_venc_query_status": "kd_mpi_venc_query_status",
    "mpp_venc_get_stream": "kd_mpi_venc_get_stream",
    "mpp_venc_release_stream": "kd_mpi_venc_release_stream",
    "mpp_venc_send_frame": "kd_mpi_venc_send_frame",
    "mpp_sys_mmap": "kd_mpi_sys_mmap",
    "mpp_sys_munmap": "kd_mpi_sys_munmap",
}
MARKER = "k230sim_fault_clear"
MPP_PREFIX = "kd_mpi_"
# MicroPython's memory manager (py/gc.c, the port's gc_collect): allocation and collection.
MEMMGR = ("gc_alloc", "gc_realloc", "gc_free", "gc_collect")
# The MPP functions every loop calls at least once per frame.
MPP_CALLS = ("kd_mpi_venc_send_frame", "kd_mpi_venc_get_stream", "kd_mpi_venc_release_stream")
PACKS = {"p": 1, "idr": 2}
FRAMES_NAME = {"p": "P (1 pack)", "idr": "IDR (2 packs)"}
TARGET_PAIR = 2000
TARGET_HEAP = 0
# The simulator's environment knobs that would change what is measured.
SIM_ENV = ("K230_SIM_BACKEND", "K230_SIM_Y4M", "K230_SIM_AVLOG", "MICROPYPATH")


class BenchError(Exception):
    pass


def base(name):
    """Function name of a callgrind context name ("f'caller'caller..." -> "f")."""
    return name.split("'", 1)[0]


def is_mpp(name):
    return base(name).startswith(MPP_PREFIX)


class Profile:
    """One part of a callgrind.out file (--compress-strings=no --compress-pos=no, Ir only)."""

    def __init__(self, path):
        self.path = path
        self.part = None
        self.trigger = ""
        self.total = None
        self.edges = {}  # (caller, callee) -> [calls, inclusive Ir]
        fn = cfn = None
        call = None  # calls of the next cost line
        with open(path, errors="replace") as f:
            for line in f:
                line = line.rstrip("\n")
                if not line or line.startswith("#"):
                    continue
                c = line[0]
                if c.isdigit() or c in "+-*":
                    if call is not None:
                        cost = line.split()
                        e = self.edges.setdefault((fn, cfn), [0, 0])
                        e[0] += call
                        e[1] += int(cost[1]) if len(cost) > 1 else 0
                        call = None
                    continue
                key, _, value = line.partition("=")
                if key == "fn":
                    fn = value
                elif key == "cfn":
                    cfn = value
                elif key == "calls":
                    call = int(value.split()[0])
                elif line.startswith("summary:") or line.startswith("totals:"):
                    self.total = int(line.split(":", 1)[1].split()[0])
                elif line.startswith("part:"):
                    self.part = int(line.split(":", 1)[1])
                elif line.startswith("desc: Trigger:"):
                    self.trigger = line.split(":", 2)[2].strip()
                elif line.startswith("events:") and line.split()[1:2] != ["Ir"]:
                    raise BenchError("%s: expected Ir as the first event, got %r" % (path, line))
        if self.total is None:
            raise BenchError("%s: no summary/totals line" % path)

    def calls_to(self, func):
        """(calls, inclusive Ir) of all calls to the function named exactly `func`."""
        n = ir = 0
        for (caller, callee), (c, i) in self.edges.items():
            if callee == func and caller != func:
                n += c
                ir += i
        return n, ir

    def memmgr(self):
        """(calls, inclusive Ir) of the calls into the memory manager from outside it."""
        n = ir = 0
        for (caller, callee), (c, i) in self.edges.items():
            if callee in MEMMGR and caller not in MEMMGR and not is_mpp(caller):
                n += c
                ir += i
        return n, ir

    def mpp_calls(self):
        """[(callee context, calls, inclusive Ir)] of the calls that cross into the MPP."""
        return [(callee, c, i) for (caller, callee), (c, i) in self.edges.items()
                if is_mpp(callee) and not is_mpp(caller)]


def core_functions():
    """Names of the functions the core's C header declares (venc_*)."""
    with open(CORE_HEADER) as f:
        text = re.sub(r"//[^\n]*|/\*.*?\*/", "", f.read(), flags=re.S)
    return set(re.findall(r"\b(venc_[a-z0-9_]+)\s*\(", text))


def owner(context, funcs):
    """The nearest function of `funcs` on the caller chain of a separated context, or None."""
    for name in context.split("'")[1:]:
        if name in funcs:
            return name
    return None


def symbols(mpy):
    """Names of the functions defined in the binary (nm), or None when it has no symbol table."""
    nm = shutil.which("nm")
    if nm is None:
        raise BenchError("nm (binutils) not found")
    p = subprocess.run([nm, "--defined-only", mpy], capture_output=True, text=True)
    if p.returncode != 0 or "no symbols" in p.stderr:
        return None
    names = set()
    for line in p.stdout.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[1] in "tTwW":
            names.add(parts[2])
    return names


class Bench:
    def __init__(self, args, outdir):
        self.args = args
        self.outdir = outdir
        self.env = {k: v for k, v in os.environ.items() if k not in SIM_ENV}
        self.env["K230_SIM_BACKEND"] = "synthetic"

    def run(self, api, frames):
        """Runs one loop under callgrind; returns the measured Profile and heap bytes."""
        a = self.args
        tag = "%s-%s" % (api, frames)
        out = os.path.join(self.outdir, "callgrind.%s.out" % tag)
        for old in glob.glob(out + "*"):
            os.remove(old)
        cmd = ["valgrind", "--tool=callgrind", "--callgrind-out-file=" + out,
               "--dump-before=" + MARKER,
               "--separate-callers%d=%s*" % (a.depth, MPP_PREFIX),
               "--compress-strings=no", "--compress-pos=no", "--demangle=no",
               a.mpy, LOOP, api, frames, str(a.frames), str(a.warmup), str(a.heap_frames)]
        print("callgrind %s" % " ".join(cmd[-5:]), flush=True)
        p = subprocess.run(cmd, cwd=self.outdir, env=self.env, capture_output=True, text=True,
                           stdin=subprocess.DEVNULL)
        with open(os.path.join(self.outdir, "%s.log" % tag), "w") as f:
            f.write(p.stdout + p.stderr)
        if p.returncode != 0 or "OK" not in p.stdout.split():
            raise BenchError("%s failed (exit %d):\n%s\n%s" % (
                " ".join(cmd[-5:]), p.returncode, p.stdout[-2000:], p.stderr[-3000:]))
        heap = None
        for line in p.stdout.splitlines():
            if line.startswith("HEAP "):
                heap = int(line.split()[1]) / int(line.split()[2])
        if heap is None:
            raise BenchError("%s printed no HEAP line:\n%s" % (tag, p.stdout[-2000:]))
        parts = sorted((Profile(f) for f in glob.glob(out + "*")), key=lambda q: q.part or 0)
        if [q.part for q in parts] != [1, 2, 3]:
            raise BenchError("%s: expected 3 profile parts (two %s calls), got %s" % (
                tag, MARKER, [q.part for q in parts]))
        measured = parts[1]
        if MARKER not in measured.trigger:
            raise BenchError("%s: part 2 was not cut at %s (%s)" % (tag, MARKER, measured.trigger))
        return measured, heap

    def core_share(self, prof, mpp):
        """Per glue method: instructions per call in the core functions it calls directly
        (None when the glue calls none of the functions mpy_glue/k230_venc.h declares)."""
        core = core_functions()
        if not any(caller in GLUE and callee in core for caller, callee in prof.edges):
            return None
        share = {}
        for g in GLUE:
            calls = prof.calls_to(g)[0]
            incl = sum(i for (caller, callee), (_, i) in prof.edges.items()
                       if caller == g and callee in core)
            kd = sum(i for ctx, _, i in mpp
                     if owner(ctx, core) is not None and owner(ctx, GLUE) == g)
            share[g] = (incl - kd) / calls if calls else 0
        return share

    def analyse(self, api, frames, prof, heap):
        n = self.args.frames
        mpp = prof.mpp_calls()
        mpp_ir = sum(i for _, _, i in mpp)
        mpp_count = {}
        for ctx, c, _ in mpp:
            mpp_count[base(ctx)] = mpp_count.get(base(ctx), 0) + c
        for name in MPP_CALLS:
            if mpp_count.get(name, 0) < n:
                raise BenchError("%s %s: %s called %d times for %d frames" % (
                    api, frames, name, mpp_count.get(name, 0), n))
        funcs = GLUE if api == "project" else BINDING
        per_call = {}
        beneath = {f: 0 for f in funcs}
        for ctx, c, i in mpp:
            f = owner(ctx, funcs)
            if f is None:
                raise BenchError(
                    "%s %s: %d call(s) of %s reach none of %s within %d callers (raise --depth);"
                    " caller chain: %s" % (
                        api, frames, c, base(ctx), ", ".join(funcs), self.args.depth,
                        ctx.replace("'", " <- ")))
            beneath[f] += i
        for f in funcs:
            calls, incl = prof.calls_to(f)
            if calls == 0:
                raise BenchError("%s %s: no call of %s in the measured loop" % (api, frames, f))
            per_call[f] = {"calls": calls, "incl": incl, "net": (incl - beneath[f]) / calls}
        if api == "project":
            for f in GLUE:
                if per_call[f]["calls"] != n:
                    raise BenchError("%s %s: %s called %d times for %d frames" % (
                        api, frames, f, per_call[f]["calls"], n))
        core = None
        if api == "project":
            core = self.core_share(prof, mpp)
        mm_calls, mm_ir = prof.memmgr()
        return {
            "core": core,
            "total": prof.total,
            "mpp_ir": mpp_ir,
            "body": (prof.total - mpp_ir - mm_ir) / n,
            "memmgr": mm_ir / n,
            "allocs": mm_calls / n,
            "mpp_per_frame": {k: v / n for k, v in sorted(mpp_count.items())},
            "funcs": per_call,
            "heap_per_frame": heap,
        }


def machine():
    model = cpu_model()
    vg = subprocess.run(["valgrind", "--version"], capture_output=True, text=True).stdout.strip()
    return "%s, %s %s, %s" % (model, platform.system(), platform.release(), vg)


def fmt(x):
    return "{:,.0f}".format(x)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--frames", type=int, default=2000, help="measured loop iterations")
    ap.add_argument("--warmup", type=int, default=100, help="iterations before the measured loop")
    ap.add_argument("--heap-frames", type=int, default=500,
                    help="iterations of the heap measurement (collector disabled)")
    ap.add_argument("--depth", type=int, default=24,
                    help="callers kept per kd_mpi_* context (--separate-callers)")
    ap.add_argument("--mpy", default=os.path.join(ROOT, "build", "unix_sim_bench", "micropython"),
                    help="unstripped simulator MicroPython (make micropython-bench)")
    ap.add_argument("--keep", metavar="DIR",
                    help="write the callgrind parts and logs to DIR and keep them")
    args = ap.parse_args()
    if min(args.frames, args.warmup, args.heap_frames) < 1 or args.depth < 2:
        ap.error("--frames, --warmup and --heap-frames must be at least 1, --depth at least 2")
    args.mpy = os.path.abspath(args.mpy)
    if not os.access(args.mpy, os.X_OK):
        print("bench_binding.py: %s not found (build it: make micropython-bench)" % args.mpy,
              file=sys.stderr)
        return 2
    if shutil.which("valgrind") is None:
        print("bench_binding.py: valgrind not found (scripts/setup.sh installs it)", file=sys.stderr)
        return 2
    try:
        names = symbols(args.mpy)
    except BenchError as e:
        print("bench_binding.py: %s" % e, file=sys.stderr)
        return 2
    if names is None:
        print("bench_binding.py: %s has no symbol table (stripped); build it with "
              "make micropython-bench (STRIP=)" % args.mpy, file=sys.stderr)
        return 2
    missing = [f for f in list(GLUE) + list(BINDING) + [MARKER, "gc_alloc"] if f not in names]
    if missing:
        print("bench_binding.py: %s lacks the function(s) %s: the glue or the _mpp module was "
              "renamed; update GLUE / BINDING / MARKER in this script"
              % (args.mpy, ", ".join(missing)), file=sys.stderr)
        return 1

    print("machine   %s" % machine())
    print("program   %s (not stripped)" % os.path.relpath(args.mpy, ROOT))
    print("workload  channel 0, 128x128 H.264 Main, synthetic backend, one sensor frame sent "
          "again each time; %d measured frames after %d warm-up frames; heap over %d more" % (
              args.frames, args.warmup, args.heap_frames))
    res = {}
    with tempfile.TemporaryDirectory(prefix="k230-bench-binding-") as tmp:
        outdir = tmp
        if args.keep:
            outdir = os.path.abspath(args.keep)
            os.makedirs(outdir, exist_ok=True)
        b = Bench(args, outdir)
        try:
            for frames in ("p", "idr"):
                for api in ("project", "reference"):
                    prof, heap = b.run(api, frames)
                    res[api, frames] = b.analyse(api, frames, prof, heap)
        except BenchError as e:
            print("bench_binding.py: %s" % e, file=sys.stderr)
            return 1

    print()
    print("Glue + core, instructions per call (simulator below kd_mpi_* excluded):")
    print()
    print("| frames | GetStream | ReleaseStream | **pair** | SendFrame | pair < %s |"
          % fmt(TARGET_PAIR))
    print("|---|---:|---:|---:|---:|:---|")
    share = []
    worst = 0
    for frames in ("p", "idr"):
        f = res["project", frames]["funcs"]
        get = f["venc_encoder_get_stream"]["net"]
        rel = f["venc_encoder_release_stream"]["net"]
        pair = get + rel
        worst = max(worst, pair)
        print("| %s | %s | %s | **%s** | %s | %s |" % (
            FRAMES_NAME[frames], fmt(get), fmt(rel), fmt(pair),
            fmt(f["venc_encoder_send_frame"]["net"]), "met" if pair < TARGET_PAIR else "NOT met"))
        c = res["project", frames]["core"]
        if c is None:
            share.append("| %s | n/a (the glue calls no function of mpy_glue/k230_venc.h) "
                         "| | | |" % FRAMES_NAME[frames])
            continue
        share.append("| %s | %s | %s | %s | %s |" % (
            FRAMES_NAME[frames],
            " / ".join(fmt(c[g]) for g in ("venc_encoder_get_stream",
                                           "venc_encoder_release_stream")),
            fmt(c["venc_encoder_get_stream"] + c["venc_encoder_release_stream"]),
            fmt(get + rel - c["venc_encoder_get_stream"] - c["venc_encoder_release_stream"]),
            " / ".join(fmt(x) for x in (c["venc_encoder_send_frame"],
                                        f["venc_encoder_send_frame"]["net"]
                                        - c["venc_encoder_send_frame"]))))
    print()
    print("Of which in the core (the functions of mpy_glue/k230_venc.h the glue calls) and in "
          "the glue:")
    print()
    print("| frames | core: GetStream / ReleaseStream | core: pair | glue: pair | "
          "SendFrame: core / glue |")
    print("|---|---:|---:|---:|---:|")
    for line in share:
        print(line)
    print()
    print("Loop body per frame (SendFrame + GetStream + ReleaseStream), instructions without "
          "kd_mpi_*; without the memory manager, and with it (%d frames, collector on):"
          % args.frames)
    print()
    print("| frames | project: interpreter + glue + core | reference: interpreter + binding | "
          "**reference / project** | with memory manager: project | reference | "
          "reference / project |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for frames in ("p", "idr"):
        pr, rf = res["project", frames], res["reference", frames]
        pw, rw = pr["body"] + pr["memmgr"], rf["body"] + rf["memmgr"]
        print("| %s | %s | %s | **%.1f x** | %s | %s | %.1f x |" % (
            FRAMES_NAME[frames], fmt(pr["body"]), fmt(rf["body"]), rf["body"] / pr["body"],
            fmt(pw), fmt(rw), rw / pw))
    print()
    print("MicroPython heap per frame (collector off, %d frames), and the memory manager in the "
          "measured part (%d frames, collector on):" % (args.heap_frames, args.frames))
    print()
    print("| frames | heap bytes: project | heap bytes: reference | memory manager calls: "
          "project | reference | memory manager Ir: project | reference |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for frames in ("p", "idr"):
        pr, rf = res["project", frames], res["reference", frames]
        print("| %s | %g | %g | %g | %g | %s | %s |" % (
            FRAMES_NAME[frames], pr["heap_per_frame"], rf["heap_per_frame"], pr["allocs"],
            rf["allocs"], fmt(pr["memmgr"]), fmt(rf["memmgr"])))
    print()
    print("Reference: the _mpp binding's C functions, instructions per call without kd_mpi_*:")
    print()
    print("| frames | " + " | ".join(BINDING.values()) + " |")
    print("|---|" + "---:|" * len(BINDING))
    for frames in ("p", "idr"):
        f = res["reference", frames]["funcs"]
        print("| %s | %s |" % (FRAMES_NAME[frames],
                               " | ".join(fmt(f[c]["net"]) for c in BINDING)))
    print()
    for frames in ("p", "idr"):
        for api in ("project", "reference"):
            r = res[api, frames]
            print("%-9s %-13s MPP calls per frame: %s; measured part %s Ir, of which kd_mpi_* %s"
                  ", memory manager %s"
                  % (api, FRAMES_NAME[frames],
                     ", ".join("%s %g" % (k[len(MPP_PREFIX):], v)
                               for k, v in r["mpp_per_frame"].items()),
                     fmt(r["total"]), fmt(r["mpp_ir"]), fmt(r["memmgr"] * args.frames)))
    heap = max(res["project", fr]["heap_per_frame"] for fr in ("p", "idr"))
    print()
    print("target: glue + core under %s instructions per GetStream+ReleaseStream pair: %s "
          "(worst %s); %d heap bytes per frame: %s (project %g)" % (
              fmt(TARGET_PAIR), "met" if worst < TARGET_PAIR else "NOT met", fmt(worst),
              TARGET_HEAP, "met" if heap <= TARGET_HEAP else "NOT met", heap))
    if args.keep:
        print("callgrind parts kept in %s (callgrind_annotate --inclusive=yes <file>.2)"
              % args.keep)
    return 0


if __name__ == "__main__":
    sys.exit(main())
