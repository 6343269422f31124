"""The API reference (docs/api.md) and its state diagram (docs/channel_states.dot / .svg) say
what the module does: every example call of the reference gives exactly the documented
exception and message (or return value), every refused call of the diagram gives the advice
it shows, and the committed picture is its source's."""

import importlib.util
import json
import re

from conftest import ROOT, checked, run_mpy

API = ROOT / "docs" / "api.md"
DOT = ROOT / "docs" / "channel_states.dot"


def code_spans(cell):
    return re.findall(r"`([^`]+)`", cell)


def table_rows(lines, start):
    """The rows (lists of cells) of the Markdown table starting at line `start` (its header)."""
    rows = []
    for line in lines[start + 2:]:
        if not line.startswith("|"):
            break
        rows.append([c.strip() for c in line.strip().strip("|").split("|")])
    return rows


def reference():
    """(prelude lines, {given: lines}, [(result, given, call, message)]) of docs/api.md."""
    text = API.read_text()
    lines = text.splitlines()
    prelude = re.search(r"<!-- examples prelude -->\n```python\n(.*?)```", text, re.S).group(1).splitlines()
    start = lines.index("<!-- examples given -->") + 1
    given = {code_spans(row[0])[0]: code_spans(row[1]) for row in table_rows(lines, start)}
    examples = []
    for i, line in enumerate(lines):
        if line.replace(" ", "") == "|result|given|call|message|":
            for row in table_rows(lines, i):
                assert len(row) == 4, row
                examples.append((row[0], code_spans(row[1])[0], code_spans(row[2])[0], code_spans(row[3])[0]))
    return prelude, given, examples


def indented(statements, depth=1):
    """Script lines for `statements`; one ending in "# raises OSError" must raise it."""
    pad = "    " * depth
    out = []
    for s in statements:
        if s.endswith("# raises OSError"):
            call = s.split("#")[0].strip()
            out += [f"{pad}try:", f"{pad}    {call}", f"{pad}    raise AssertionError('{call} did not raise')",
                    f"{pad}except OSError:", f"{pad}    pass"]
        else:
            out.append(pad + s)
    return out


# Between two examples, what the firmware does between two scripts: each example starts as a
# new script would.
RESET = """
def _reset():
    _k230sim.fault_clear()
    _k230sim.ide_preview(False)
    deinit_all()
    Sensor.deinit()


def _out(i, stage, value):
    if stage == "returns":
        print("ROW", i, json.dumps(["returns", repr(value)]))
    elif isinstance(value, OSError):
        print("ROW", i, json.dumps([stage, "OSError", "0x%08x" % value.args[0], value.args[1]]))
    else:
        print("ROW", i, json.dumps([stage, type(value).__name__, str(value)]))
"""


def run_calls(cases, tmp_path):
    """Runs each (given lines, call) on the simulator, each as a new script would (the
    prelude, the given lines, the call, then the firmware's between-scripts teardown), all
    in one process; returns what each call did: ["returns", repr] or [stage, exception
    type, (code,) message], stage "given" when a given line failed instead."""
    prelude, _, _ = reference()
    imports = [l for l in prelude if l.startswith(("from ", "import "))]
    body = [l for l in prelude if not l.startswith(("from ", "import "))]
    script = imports + ["import json", RESET]
    for i, (given_lines, call) in enumerate(cases):
        script += [f"# ---- {i}: {call}", "_stage = 'given'", "try:"]
        script += indented(body + given_lines)
        script += ["    _stage = 'call'", f"    _out({i}, 'returns', {call})",
                   "except Exception as _e:", f"    _out({i}, _stage, _e)", "_reset()"]
    out = checked(run_mpy("\n".join(script) + "\n", tmp_path))
    got = {}
    for line in out.splitlines():
        if line.startswith("ROW "):
            _, i, payload = line.split(" ", 2)
            got[int(i)] = json.loads(payload)
    assert sorted(got) == list(range(len(cases))), out
    return [got[i] for i in range(len(cases))]


def test_every_documented_call_does_what_the_reference_says(mpy, tmp_path):
    _, given, examples = reference()
    assert len(examples) >= 70, "the reference's example tables were not found"
    results = run_calls([(given[g], call) for _, g, call, _ in examples], tmp_path)
    wrong = []
    for (result, g, call, message), got in zip(examples, results):
        kind = code_spans(result)[0]
        if kind == "returns":
            want = ["returns", message]
        elif kind == "OSError":
            want = ["call", "OSError", result.split()[-1], message]
        else:
            want = ["call", kind, message]
        if got != want:
            wrong.append(f"given {g}: {call}\n  documented: {want}\n  module:     {got}")
    assert not wrong, "docs/api.md differs from the module:\n" + "\n".join(wrong)


def test_every_given_is_documented_and_used():
    _, given, examples = reference()
    assert set(given) == {g for _, g, _, _ in examples}


# ---- the state diagram ------------------------------------------------------------------------

# The diagram's states, the given of docs/api.md that puts channel 0 in each, and the state's
# name in the module's messages.
STATES = {
    "free": ("buffers", "not created"),
    "created": ("created", "created but not started"),
    "started": ("started", "started"),
}
# Every call on channel 0 in the documented shape, as the diagram writes it.
CALLS = ("Create(0, chnAttr)", "Start(0)", "Stop(0)", "Destroy(0)", "GetStream(0, sd)",
         "SendFrame(0, frame)", "ReleaseStream(0, sd)", "RequestIDR(0)", "QueryStatus(0)")


def refused_tables():
    """{state: {call: advice}} from the diagram's "refused" tables."""
    text = DOT.read_text()
    tables = {}
    for state in STATES:
        body = re.search(rf"{state}_refused \[.*?</TABLE>", text, re.S).group(0)
        rows = re.findall(r'<TR><TD ALIGN="LEFT">([^<]+)</TD><TD ALIGN="LEFT">([^<]+)</TD></TR>', body)
        tables[state] = dict(rows)
    return tables


def test_the_diagram_shows_every_refused_call_with_the_modules_advice(mpy, tmp_path):
    """Each call in each state: a call refused for the channel's state (RuntimeError naming
    the state) is in that state's table with the advice the module gives, and every call in a
    table is refused so."""
    _, given, _ = reference()
    tables = refused_tables()
    cases = [(state, call) for state in STATES for call in CALLS]
    # (GetStream with timeout 0: in the started state nothing is linked to the channel.)
    results = run_calls([(given[STATES[s][0]], "enc." + c.replace("chnAttr", "attr").replace("GetStream(0, sd)", "GetStream(0, sd, 0)"))
                         for s, c in cases], tmp_path)
    wrong = []
    for (state, call), got in zip(cases, results):
        advice = tables[state].get(call)
        refused = got[:2] == ["call", "RuntimeError"] and f"channel 0 is {STATES[state][1]}" in got[2]
        if refused and advice is None:
            wrong.append(f"{state}: {call} is refused ({got[2]}) but not in the diagram")
        elif advice is not None and not (refused and f"; {advice}" in got[2]):
            wrong.append(f"{state}: the diagram says {call} is refused with '{advice}'; the module: {got}")
    assert not wrong, "\n".join(wrong)
    assert sum(len(t) for t in tables.values()) == 13


def render_docs():
    spec = importlib.util.spec_from_file_location("render_docs", ROOT / "scripts" / "render_docs.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_committed_diagram_is_its_sources():
    """The SVG records the sha256 of the .dot it was rendered from; with the Graphviz version
    that rendered it (scripts/setup.sh installs Debian's), it is also rendered again and must
    be the same bytes."""
    docs = render_docs()
    assert docs.check(DOT) == []
    assert "channel_states.svg" in API.read_text()
