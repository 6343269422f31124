"""The typing stubs (stubs/): mypy accepts the repository's CanMV scripts and reports wrong
calls, and the stubs declare exactly what the simulator's modules have (the drift test).

mypy runs with MYPYPATH=stubs and, as its --custom-typeshed-dir, the typeshed that
scripts/micropython_typeshed.py writes (the installed mypy's, with MicroPython's additions to
os, sys and time: os.exitpoint, sys.print_exception, time.ticks_ms ...), and with
--check-untyped-defs, since the scripts' functions carry no annotations (mypy skips the bodies
of unannotated functions without it).
"""

import ast
import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from conftest import ROOT, checked, run_mpy

STUBS = ROOT / "stubs"
ADDITIONS = STUBS / "stdlib-additions"

# The scripts mypy must accept as they are.
SCRIPTS = sorted((ROOT / "examples").glob("*.py")) + [ROOT / "boards" / "k230_canmv" / "smoke_test.py"]


# ---- mypy -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def typeshed(tmp_path_factory):
    """The MicroPython typeshed (scripts/micropython_typeshed.py) and a mypy cache dir."""
    base = tmp_path_factory.mktemp("mypy")
    out = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "micropython_typeshed.py"), str(base / "typeshed")],
        capture_output=True, text=True, check=True,
    ).stdout.strip()
    return Path(out), base / "cache"


def mypy(typeshed, *paths):
    """Runs mypy on `paths` with the stubs; returns (exit status, output lines)."""
    ts, cache = typeshed
    env = dict(os.environ, MYPYPATH=str(STUBS))
    proc = subprocess.run(
        [sys.executable, "-m", "mypy", "--custom-typeshed-dir", str(ts), "--cache-dir", str(cache),
         "--check-untyped-defs", "--no-error-summary", "--show-error-codes", "--no-pretty",
         *map(str, paths)],
        capture_output=True, text=True, cwd=ROOT, env=env,
    )
    return proc.returncode, (proc.stdout + proc.stderr).splitlines()


def test_examples_and_smoke_test_type_check(typeshed):
    """The manual's examples, the implicit-channel example and the board smoke test, unchanged."""
    status, lines = mypy(typeshed, *SCRIPTS)
    assert status == 0 and not lines, "\n".join(lines)


def test_stubs_type_check(typeshed):
    """The stubs themselves (the stdlib additions are checked as part of the typeshed they are
    appended to, whenever a script uses them)."""
    stubs = [p for p in sorted(STUBS.rglob("*.pyi")) if ADDITIONS not in p.parents]
    status, lines = mypy(typeshed, *stubs)
    assert status == 0 and not lines, "\n".join(lines)


# A script with one mistake a marked line: `# E: <code>` names the mypy error code expected
# there. mypy must report each marked line with that code and nothing else.
WRONG_SCRIPT = """\
from media.vencoder import *
from media.sensor import *
from media.media import *
import os, time

enc = Encoder()
enc.SetOutBufs(0, 8)  # E: call-overload
enc.SetOutBufs(0, 8, "640", 480)  # E: call-overload
attr = ChnAttrStr(Encoder.PAYLOAD_TYPE_H264, Encoder.H264_PROFILE_MAIN, 640, 480, bitrate=2000)  # E: call-overload
attr = ChnAttrStr(Encoder.PAYLOAD_TYPE_H264, Encoder.H264_PROFILE_MAIN, "640", 480)  # E: call-overload
attr = ChnAttrStr(Encoder.PAYLOAD_TYPE_H264, Encoder.H264_PROFILE_MAIN)  # E: call-overload
attr = ChnAttrStr(96, 2, 640, 480, 4000, 30, 30, 30, 45, Encoder.RC_VBR)  # E: call-overload
attr = ChnAttrStr(96, 2, 640, 480, rc_mode=Encoder.RC_VBR, max_bit_rate=6000)
attr = ChnAttrStr(payload_type=96, profile=2, pic_width=640, pic_height=480, gop_len=60)
attr = ChnAttrStr(96, 2, 640, 480, bit_rate=2048, gopLen=60)
enc.Create(attr, 0)  # E: call-overload
enc.Start(0, 1)  # E: call-overload
enc.Start(chn=0)  # E: call-overload
sd = StreamData()
enc.GetStream(0, [0] * 12)  # E: call-overload
enc.GetStream(sd, "2000")  # E: call-overload
enc.SendFrame(0, "frame")  # E: call-overload
status = enc.QueryStatus(0)
status["qp"]  # E: typeddict-item
enc.chn = 3  # E: misc
Encoder.PAYLOAD_TYPE_H264 = 5  # E: misc
n: str = sd.pack_cnt  # E: assignment
sensor = Sensor(fpss=30)  # E: call-arg
sensor.set_framesize(width=640, height="480")  # E: arg-type
os.exitpoint("enable")  # E: arg-type
time.ticks_ms(1)  # E: call-arg


def untyped(chn):
    # Unannotated, as the examples are: checked too (--check-untyped-defs).
    enc = Encoder()
    sd = StreamData()
    enc.ReleaseStream()  # E: call-overload
    enc.GetStream(chn, sd, timeout=-1)
    enc.SendFrame(chn, k_video_frame_info(), 1000)
    enc.SendFrame(sensor.snapshot(dump_frame=True))
    enc.SendFrame(sensor.snapshot())  # E: call-overload
    MediaManager.link(sensor.bind_info()["src"], (VIDEO_ENCODE_MOD_ID, VENC_DEV_ID, enc.chn)).destroy()
    return ALIGN_UP(1000)  # E: call-arg
"""


def test_wrong_script_reports_each_wrong_call(typeshed, tmp_path):
    script = tmp_path / "wrong.py"
    script.write_text(WRONG_SCRIPT)
    expected = {}
    for number, line in enumerate(WRONG_SCRIPT.splitlines(), 1):
        m = re.search(r"# E: ([\w-]+)$", line)
        if m:
            expected[number] = m.group(1)
    status, lines = mypy(typeshed, script)
    assert status == 1, "\n".join(lines)
    reported = {}
    for line in lines:
        m = re.match(r".*wrong\.py:(\d+): error: (.*)  \[([\w-]+)\]$", line)
        if m:
            reported.setdefault(int(m.group(1)), set()).add(m.group(3))
    assert {n: {code} for n, code in expected.items()} == reported, "\n".join(lines)
    text = "\n".join(lines)
    # The messages a script's author reads, for the three kinds of mistake.
    # (mypy 2.4 adds a did-you-mean to the keyword messages: bit_rate, fps.)
    assert 'Unexpected keyword argument "bitrate" for overloaded function "ChnAttrStr"' in text
    assert 'No overload variant of "SetOutBufs" of "Encoder" matches argument types "int", "int"' in text
    assert 'No overload variant of "ChnAttrStr" matches argument types "int", "int", "str", "int"' in text
    assert 'Unexpected keyword argument "fpss" for "Sensor"' in text


# ---- the drift test ---------------------------------------------------------------------------
#
# What the stubs declare, read with `ast`, against what the simulator MicroPython has.

MAX_ARGS = 12  # positional counts probed: 0 .. MAX_ARGS - 1

# TypeError messages that mean "not this many positional arguments", from MicroPython
# (py/argcheck.c for built-in functions, py/bc.c for Python functions, mp_arg_parse_all for
# functions with keywords) and from the two constructors that count their own (ChnAttrStr).
ARITY_ERRORS = (
    r"takes \d+ positional arguments but \d+ were given",
    r"missing \d+ required positional arguments",
    r"expected at most \d+ arguments, got \d+",
    r"^'\w+' argument required",
    r"^extra positional arguments given",
    r"missing required keyword argument",
    r"^ChnAttrStr: missing argument ",
    r"^ChnAttrStr takes at most \d+ positional arguments",
)
# ... and "not these keywords".
KEYWORD_ERRORS = (
    r"unexpected keyword argument",
    r"^extra keyword arguments given",
    r"doesn't take keyword arguments",
    r"multiple values for argument",
    r"^ChnAttrStr: unknown keyword argument",
    r"^ChnAttrStr: \w+ given by position and by keyword",
    r"^ChnAttrStr: \w+ and \w+ are the same argument",
)


def call_error(result, patterns):
    """Whether a probe's result (None: returned, else [exception type, message]) is a
    TypeError matching one of `patterns`."""
    return result is not None and result[0] == "TypeError" and any(re.search(p, result[1]) for p in patterns)


@dataclass
class Sig:
    """One signature (an overload) as a call sees it: self / cls already dropped."""

    posonly: list
    poskw: list
    required_pos: int
    varargs: bool
    kwonly: list  # (name, required)

    def counts(self):
        """The positional argument counts (< MAX_ARGS) it accepts without keywords."""
        if any(required for _, required in self.kwonly):
            return set()
        top = MAX_ARGS - 1 if self.varargs else len(self.posonly) + len(self.poskw)
        return set(range(self.required_pos, min(top, MAX_ARGS - 1) + 1))

    def keyword_call(self):
        """A call using every keyword it declares: (positional count, keyword names)."""
        return len(self.posonly), self.poskw + [name for name, _ in self.kwonly]


def signature(fn, drop_first):
    a = fn.args
    positional = [p.arg for p in a.posonlyargs + a.args]
    n_posonly = len(a.posonlyargs)
    required = len(positional) - len(a.defaults)
    if drop_first:
        positional, n_posonly, required = positional[1:], max(n_posonly - 1, 0), required - 1
    return Sig(positional[:n_posonly], positional[n_posonly:], required, a.vararg is not None,
               [(p.arg, d is None) for p, d in zip(a.kwonlyargs, a.kw_defaults)])


def decorators(node):
    return {d.id if isinstance(d, ast.Name) else d.attr if isinstance(d, ast.Attribute) else "" for d in node.decorator_list}


@dataclass
class Entry:
    """A name a stub declares: kind "const" (value), "attr", "func" (sigs), "class" (body,
    sigs of its constructor), "module" (module name), or "alias" ((module, name) to resolve)."""

    kind: str
    value: object = None
    sigs: list = field(default_factory=list)
    body: dict = field(default_factory=dict)
    stub_only: bool = False  # @type_check_only: a name for type checkers, not at run time
    has_init: bool = False  # a class that declares __init__


def is_final(annotation):
    node = annotation.value if isinstance(annotation, ast.Subscript) else annotation
    return (isinstance(node, ast.Name) and node.id in ("Final", "_Final")) or (
        isinstance(node, ast.Attribute) and node.attr == "Final")


def parse_body(stmts, module, in_class):
    """The names a module or class body of a stub declares (imports that re-export included:
    `import x as x`, `from m import n as n`, `from m import *`)."""
    names = {}
    for node in stmts:
        if isinstance(node, ast.Import):
            for a in node.names:
                if a.asname == a.name:
                    names[a.name] = Entry("module", a.name)
        elif isinstance(node, ast.ImportFrom):
            source = node.module or ""
            if node.level:
                package = module.split(".")[: len(module.split(".")) - node.level + (1 if is_package(module) else 0)]
                source = ".".join(package + ([source] if source else []))
            for a in node.names:
                if a.name == "*":
                    for name, entry in stub_module(source).items():
                        if not name.startswith("_"):
                            names[name] = Entry("alias", (source, name))
                elif a.asname == a.name and stub_file(f"{source}.{a.name}").exists():
                    names[a.name] = Entry("module", f"{source}.{a.name}")  # a submodule
                elif a.asname == a.name:
                    names[a.name] = Entry("alias", (source, a.name))
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            if is_final(node.annotation) and node.value is not None:
                names[node.target.id] = Entry("const", ast.literal_eval(node.value))
            else:
                names[node.target.id] = Entry("attr")
        elif isinstance(node, ast.FunctionDef):
            decos = decorators(node)
            if "property" in decos:
                names[node.name] = Entry("attr")
                continue
            entry = names.setdefault(node.name, Entry("func"))
            entry.sigs.append(signature(node, in_class and "staticmethod" not in decos))
        elif isinstance(node, ast.ClassDef):
            body = parse_body(node.body, module, True)
            init = body.get("__init__")
            names[node.name] = Entry("class", body=body, sigs=init.sigs if init else [Sig([], [], 0, False, [])],
                                     stub_only="type_check_only" in decorators(node), has_init=init is not None)
    return names


def stub_file(module):
    base = STUBS.joinpath(*module.split("."))
    return base / "__init__.pyi" if (base / "__init__.pyi").exists() else base.with_suffix(".pyi")


def is_package(module):
    return (STUBS.joinpath(*module.split(".")) / "__init__.pyi").exists()


_MODULES = {}


def stub_module(module, path=None):
    """The names of a stub module (or of the file `path`)."""
    key = path or module
    if key not in _MODULES:
        _MODULES[key] = {}  # a module that star-imports itself sees nothing
        source = Path(path) if path else stub_file(module)
        assert source.exists(), f"no stub for module {module}"
        _MODULES[key] = parse_body(ast.parse(source.read_text()).body, module, False)
    return _MODULES[key]


def resolve(entry):
    """An alias followed to what it names."""
    while entry.kind == "alias":
        module, name = entry.value
        names = stub_module(module)
        assert name in names, f"the stub of {module} has no {name}"
        entry = names[name]
    return entry


# The namespaces compared: label, the stub module and class (None: the module itself), the
# expression the simulator evaluates for the object and one for an instance (for instance
# attributes and bound methods), and how: "both" (every public name on each side), "additions"
# (the stub's names must exist at run time: what the typeshed additions add to CPython's
# module), "names" (names and constants only: uctypes' functions take raw addresses, which no
# dummy argument may stand in for).
NAMESPACES = (
    ("media.vencoder", "media.vencoder", None, "media.vencoder", None, "both"),
    ("Encoder", "media.vencoder", "Encoder", "Encoder", "Encoder()", "both"),
    ("ChnAttrStr", "media.vencoder", "ChnAttrStr", "ChnAttrStr", "ChnAttrStr(96, 2, 320, 240)", "both"),
    ("StreamData", "media.vencoder", "StreamData", "StreamData", "StreamData()", "both"),
    ("media.media", "media.media", None, "media.media", None, "both"),
    ("MediaManager", "media.media", "MediaManager", "MediaManager", None, "both"),
    ("media link", "media.media", "MediaLink", None, "MediaManager.link((6, 0, 0), (9, 0, 0))", "both"),
    ("media.sensor", "media.sensor", None, "media.sensor", None, "both"),
    ("Sensor", "media.sensor", "Sensor", "Sensor", "Sensor(id=1)", "both"),
    ("sensor image", "media.sensor", "_Image", "media.sensor._Image",
     "media.sensor._Image(_media.py_video_frame_info(bytes(224)), 31)", "both"),
    ("_k230sim", "_k230sim", None, "_k230sim", None, "both"),
    ("_media", "_media", None, "_media", None, "both"),
    ("py_video_frame_info", "_media", "py_video_frame_info", "_media.py_video_frame_info",
     "_media.py_video_frame_info(bytes(224))", "both"),
    ("py_video_frame", "_media", "py_video_frame", "_media.py_video_frame",
     "_media.py_video_frame_info(bytes(224)).v_frame", "both"),
    ("umedia", "umedia", None, "umedia", None, "both"),
    ("uctypes", "uctypes", None, "uctypes", None, "names"),
    ("os (additions)", ADDITIONS / "os.pyi", None, "os", None, "additions"),
    ("sys (additions)", ADDITIONS / "sys.pyi", None, "sys", None, "additions"),
    ("time (additions)", ADDITIONS / "time.pyi", None, "time", None, "additions"),
)


def stub_namespace(module, cls):
    names = stub_module(str(module), module) if isinstance(module, Path) else stub_module(module)
    if cls is None:
        return names
    entry = resolve(names[cls])
    assert entry.kind == "class", f"{module}.{cls} is not a class in the stub"
    return entry.body


def public(names):
    return {n for n in names if not n.startswith("_")}


# Run by the simulator MicroPython: every public name of each namespace with its kind (and
# value, for constants), and for callables the outcome of calls with 0 .. MAX_ARGS - 1
# positional arguments and of the keyword calls the stubs declare, each made with three
# kinds of dummy argument (a plain object, a StreamData, a 224-byte bytearray: the calls
# that tell the two call shapes apart by the kind of their first argument take each shape
# with one of them). Output: lines "DRIFT " and JSON, [label] when a namespace starts, then
# [label, name, what] for each name.
PROBE = r"""
import json, sys, os, time, uctypes
import media, media.vencoder, media.media, media.sensor, _k230sim, _media, umedia
from media.vencoder import *
from media.media import *
from media.sensor import *

SPEC = json.loads(SPEC_JSON)


class _Dummy:
    pass


def _dummies():
    return (_Dummy(), StreamData(), bytearray(224), 0)


def _call(f, n, kws):
    out = []
    for d in _dummies():
        kw = {}
        for k in kws:
            kw[k] = d
        try:
            f(*([d] * n), **kw)
            out.append(None)
        except Exception as e:
            out.append([type(e).__name__, str(e)])
    return out


def _kind(v):
    t = type(v).__name__
    if t == "module":
        return "module"
    if isinstance(v, (bool, int, str)):
        return "const"
    if callable(v):
        return "callable"
    return "other"


for label, expr, inst_expr, how, kw_probes in SPEC:
    obj = eval(expr) if expr else None
    inst = eval(inst_expr) if inst_expr else None
    where = {}
    for n in (dir(obj) if obj is not None else []):
        where[n] = "type"
    for n in (dir(inst) if inst is not None else []):
        if n not in where:
            where[n] = "inst"
    print("DRIFT " + json.dumps([label]))
    for n in where:
        # Of a standard module, only what the stubs add (never os.system, sys.exit ...).
        if n.startswith("_") or (how == "additions" and n not in kw_probes):
            continue
        holder = inst if inst is not None else obj
        v = getattr(holder, n)
        k = _kind(v)
        e = {"where": where[n], "kind": k}
        if k == "const":
            e["value"] = v
        elif k == "module":
            e["module"] = v.__name__
        elif k == "callable" and how != "names":
            e["counts"] = [_call(v, i, ()) for i in range(MAX_ARGS)]
            e["keywords"] = [_call(v, p[0], p[1]) for p in kw_probes.get(n, ())]
        # One line a name: the whole report at once would not fit MicroPython's heap.
        print("DRIFT " + json.dumps([label, n, e]))
"""


def runtime_report(mpy, tmp_path, spec):
    source = f"SPEC_JSON = {json.dumps(json.dumps(spec))}\nMAX_ARGS = {MAX_ARGS}\n" + PROBE
    out = checked(run_mpy(source, tmp_path))
    report = {}
    for line in out.splitlines():
        if line.startswith("DRIFT "):
            item = json.loads(line[len("DRIFT "):])
            names = report.setdefault(item[0], {})
            if len(item) == 3:
                names[item[1]] = item[2]
    assert set(report) == {s[0] for s in spec}, out
    return report


# Run-time __name__s that are not the module's import name: the glue names the native
# vencoder module (umedia.vencoder) with MP_QSTR_media_dot_vencoder, and MicroPython takes a
# qstr's text from the identifier as it is (no unescaping of _dot_).
MODULE_NAMES = {"media_dot_vencoder": "umedia.vencoder"}


def sigs_of(entry):
    entry = resolve(entry)
    return entry.sigs if entry.kind in ("func", "class") else []


def compare(label, how, stub, runtime):
    """The differences between a stub namespace and what the simulator has, in words."""
    problems = []
    stub_names = {n for n in public(stub) if not resolve(stub[n]).stub_only}
    if how != "additions":
        problems += [f"{label}.{n}: at run time, not in the stubs" for n in sorted(set(runtime) - stub_names)]
    problems += [f"{label}.{n}: in the stubs, not at run time" for n in sorted(stub_names - set(runtime))]
    for name in sorted(stub_names & set(runtime)):
        rt, entry = runtime[name], resolve(stub[name])
        where = f"{label}.{name}"
        if rt["kind"] == "const" and rt["where"] != "inst":
            if entry.kind != "const":
                problems.append(f"{where}: a constant ({rt['value']!r}) at run time, a {entry.kind} in the stubs")
            elif entry.value != rt["value"] or type(entry.value) is not type(rt["value"]):
                problems.append(f"{where}: {rt['value']!r} at run time, {entry.value!r} in the stubs")
        elif rt["kind"] == "module":
            if entry.kind != "module" or entry.value != MODULE_NAMES.get(rt["module"], rt["module"]):
                problems.append(f"{where}: module {rt['module']} at run time, {entry.kind} {entry.value} in the stubs")
        elif rt["kind"] == "callable":
            if entry.kind not in ("func", "class"):
                problems.append(f"{where}: callable at run time, a {entry.kind} in the stubs")
            elif "counts" in rt:
                problems += compare_calls(where, entry, rt)
        elif entry.kind not in ("attr", "const"):
            problems.append(f"{where}: an attribute at run time, a {entry.kind} in the stubs")
    return problems


def compare_calls(where, entry, rt):
    counts = rt["counts"]
    if all(r is not None and "can't create '" in r[1] for results in counts for r in results):
        return []  # a type scripts cannot instantiate (py_video_frame): no constructor to compare
    if entry.kind == "class" and not entry.has_init and all(r is None for results in counts for r in results):
        # MicroPython ignores the arguments of a Python class without __init__ (MediaManager);
        # the stub declares none, as CPython would take.
        return []
    declared = set().union(*(s.counts() for s in entry.sigs))
    # A count the stubs declare must get past the argument check with some kind of dummy; one
    # they do not must be refused as a count with some kind (the type of the first argument
    # picks the call shape of GetStream and SendFrame, and mp_arg_parse_all converts an int
    # argument before it counts the positional ones, so one kind alone proves neither).
    passes = {n for n, results in enumerate(counts) if not all(call_error(r, ARITY_ERRORS) for r in results)}
    refused = {n for n, results in enumerate(counts) if any(call_error(r, ARITY_ERRORS) for r in results)}
    problems = []
    if declared - passes or set(range(MAX_ARGS)) - declared - refused:
        problems.append(f"{where}: takes {sorted(set(range(MAX_ARGS)) - refused | passes & declared)} positional "
                        f"arguments at run time, {sorted(declared)} in the stubs")
    for sig, results in zip(entry.sigs, rt["keywords"]):
        if all(call_error(r, ARITY_ERRORS + KEYWORD_ERRORS) for r in results):
            n, kws = sig.keyword_call()
            problems.append(f"{where}: refuses the stubs' call with {n} positional argument(s) and "
                            f"keywords {kws}: {results[0][1]}")
    return problems


def test_stubs_match_the_modules(mpy, tmp_path):
    """Every public name of the simulator's media.vencoder (Encoder, ChnAttrStr, StreamData),
    media.media (MediaManager, link objects), media.sensor (Sensor, the snapshot image),
    _k230sim, _media and umedia is in the stubs and the other way round (names the stubs mark
    @type_check_only, such as the TypedDicts, exist for type checkers only); uctypes' names and
    constants too; what stubs/stdlib-additions/ adds to os, sys and time exists.

    Method. The names: MicroPython's dir() of the module, the class and an instance (dir() of
    an object asks it for every interned name, so it also lists what a type's attribute
    handler answers: Encoder.chn, the ChnAttrStr and StreamData fields). Constants: equal
    values and types. Callables (MicroPython has no inspect.signature for built-ins): each is
    called with 0 .. MAX_ARGS - 1 positional dummy arguments; a count is accepted unless every
    dummy kind gets a TypeError saying the count is wrong (ARITY_ERRORS: MicroPython's own
    messages and ChnAttrStr's). Any other outcome (a return, a TypeError about the argument's
    type, a RuntimeError about the channel's state) means the count got past the argument
    check. Methods are called bound to an instance, so self is not counted. The set must
    equal the union of the counts the stub's overloads accept. Then each overload's keywords
    are used in one call (positional-only parameters given by position) and must not be
    refused as unknown or as keywords at all (KEYWORD_ERRORS). The dummies are three objects
    no call can use (a plain object, a StreamData, a 224-byte bytearray), so no call gets
    further than its argument checks, and the simulator's between-scripts teardown at exit
    undoes what a call with no arguments did (MediaManager.init(), the IDE preview).
    """
    spec, stubs = [], {}
    for label, module, cls, expr, inst_expr, how in NAMESPACES:
        stub = stub_namespace(module, cls)
        stubs[label] = stub
        kw_probes = {n: [list(s.keyword_call()) for s in sigs_of(e)] for n, e in stub.items() if not n.startswith("_")}
        spec.append([label, expr, inst_expr, how, kw_probes])
    report = runtime_report(mpy, tmp_path, spec)
    problems = []
    for label, _module, _cls, _expr, _inst, how in NAMESPACES:
        problems += compare(label, how, stubs[label], report[label])
    assert not problems, "the stubs and the modules differ:\n" + "\n".join(problems)
    # The probe saw what it must see for the comparison to mean anything.
    enc = report["Encoder"]
    assert enc["chn"]["where"] == "inst" and enc["PAYLOAD_TYPE_H264"]["value"] == 96
    assert len(report["ChnAttrStr"]) == 15 and report["StreamData"]["pack_cnt"]["where"] == "inst"
    assert len(report["media.vencoder"]) >= 18 and len(report["_k230sim"]) >= 19


def test_chnattrstr_keywords_are_all_declared(mpy, tmp_path):
    """Every keyword ChnAttrStr accepts (its unknown-keyword message lists them) is a keyword
    of one of the stub's overloads, and every attribute is a keyword of the second."""
    out = checked(run_mpy(
        "from media.vencoder import ChnAttrStr\n"
        "try:\n    ChnAttrStr(zzz=1)\nexcept TypeError as e:\n    print(e)\n", tmp_path))
    assert "the arguments are" in out, out
    listed = set(re.findall(r"\b(?=\w*[A-Z_])[a-z]\w*\b|\b(?:profile|rotation|mirror)\b", out.split("the arguments are", 1)[1]))
    sigs = resolve(stub_namespace("media.vencoder", "ChnAttrStr")["__init__"]).sigs
    declared = set().union(*(set(s.keyword_call()[1]) for s in sigs))
    assert len(listed) == 19 and listed == declared, (sorted(listed), sorted(declared))
    attributes = {n for n, e in stub_namespace("media.vencoder", "ChnAttrStr").items() if e.kind == "attr"}
    assert attributes == set(sigs[1].keyword_call()[1])
