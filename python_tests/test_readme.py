"""Every command the README shows runs, as shown: each line of its `sh` blocks is run with
bash in order, in a scratch folder that has the repository's `scripts`, `examples` and
`build` beside it (as a user at the repository root has them), and must succeed; its
`python` blocks run on the simulator MicroPython. `make test` is the one exception: it is
the command that runs this test. The contact sheet the README shows is the runner's."""

import re
import subprocess

import pytest

from conftest import MPY, ROOT

README = ROOT / "README.md"
NOT_RUN_HERE = {"make test": "it runs this test (CI runs it on every change)"}
pytestmark = pytest.mark.skipif(MPY != (ROOT / "build" / "unix_sim" / "micropython").resolve(),
                                reason="the README's commands use the default build")


def blocks(lang):
    text = README.read_text()
    return [m.group(1) for m in re.finditer(r"```%s\n(.*?)```" % lang, text, re.S)]


def commands():
    out = []
    for block in blocks("sh"):
        for line in block.splitlines():
            line = line.split("  #")[0].strip()
            if line:
                out.append(line)
    return out


def test_the_readme_shows_its_commands():
    cmds = commands()
    assert cmds[:2] == ["make run", "make test"], cmds[:2]
    assert any(c.startswith("scripts/k230sim run") and "--camera" in c for c in cmds), cmds


def test_every_command_of_the_readme_runs(tmp_path):
    for name in ("scripts", "examples", "build"):
        (tmp_path / name).symlink_to(ROOT / name)
    ran = []
    for cmd in commands():
        if cmd in NOT_RUN_HERE:
            continue
        # make runs in the repository (its Makefile is there).
        line = f"make -C {ROOT} --no-print-directory {cmd[5:]}" if cmd.startswith("make ") else cmd
        r = subprocess.run(["bash", "-c", line], cwd=tmp_path, capture_output=True, text=True, timeout=600,
                           stdin=subprocess.DEVNULL)
        assert r.returncode == 0, f"README command failed: {cmd}\nstdout:\n{r.stdout[-3000:]}\nstderr:\n{r.stderr[-3000:]}"
        ran.append(cmd)
    assert len(ran) >= 6, ran


def test_every_python_block_of_the_readme_runs(tmp_path):
    for i, block in enumerate(blocks("python")):
        script = tmp_path / f"block{i}.py"
        script.write_text(block)
        r = subprocess.run([str(MPY), str(script)], cwd=tmp_path, capture_output=True, text=True, timeout=60,
                           stdin=subprocess.DEVNULL)
        assert r.returncode == 0, f"README python block {i} failed:\n{block}\n{r.stderr}"


def test_the_contact_sheet_the_readme_shows_is_there():
    from PIL import Image
    assert "docs/images/contact_sheet.png" in README.read_text()
    with Image.open(ROOT / "docs" / "images" / "contact_sheet.png") as im:
        assert im.format == "PNG" and im.width > 500 and im.height > 300
