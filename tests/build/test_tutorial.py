"""docs/tutorial.md works as written: its commands are run in order and print what it shows.

The console blocks are read from the tutorial itself, so the test follows the document: each ``$ cobrand``
command runs the installed CLI in a real folder, and every output line the tutorial shows must be printed
(lines with a duration, and ``...``, are left out: they vary). ``ls`` lines must name files that exist.
The two edits the tutorial describes in prose are applied here: the partner's name and tier (its TOML
block), and deleting the post's ``draft: true``.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

from support.example import ENVIRON, ROOT

TUTORIAL = ROOT / "docs" / "tutorial.md"
COBRAND = Path(sys.executable).parent / "cobrand"
VARYING = re.compile(r"\d+(\.\d+)?s\b|^\.\.\.$")


def console_steps(text: str) -> list[tuple[str, list[str]]]:
    """Each ``$ command`` of the tutorial's console blocks, with the output lines shown under it."""
    steps: list[tuple[str, list[str]]] = []
    for block in re.findall(r"```console\n(.*?)```", text, re.DOTALL):
        for line in block.splitlines():
            if line.startswith("$ "):
                steps.append((line[2:], []))
            elif steps and line.strip():
                steps[-1][1].append(line.rstrip())
    return steps


def test_the_tutorial_runs_as_written(tmp_path: Path) -> None:
    text = TUTORIAL.read_text(encoding="utf-8")
    partner_edit = dict(re.findall(r'(?m)^(name|tier) = (".*")$', text.split("## 2.", 1)[1].split("## 3.", 1)[0]))
    assert set(partner_edit) == {"name", "tier"}
    steps = console_steps(text)
    assert [command.split()[:2] for command, _ in steps if command.startswith("cobrand")][:3] == [
        ["cobrand", "init"], ["cobrand", "new"], ["cobrand", "new"]]
    cwd = tmp_path
    environment = os.environ | ENVIRON
    for command, shown in steps:
        words = shlex.split(command)
        if words[0] == "cd":
            cwd = cwd / words[1]
            continue
        if words[0] == "ls":
            names = [name for line in shown for name in line.split() if not name.endswith(":")]
            missing = [name for name in names if not any((cwd / folder / name).exists() for folder in words[1:])]
            assert not missing, f"{command}: the tutorial lists {missing}, which the build did not make"
            continue
        if words[0] == "echo":
            subprocess.run(["bash", "-c", command], cwd=cwd, check=True)
            continue
        assert words[0] == "cobrand", f"the test does not know how to run {command!r}"
        run = subprocess.run([str(COBRAND), *words[1:]], cwd=cwd, env=environment, capture_output=True,
                             text=True, timeout=600)
        assert run.returncode == 0, f"{command} exited {run.returncode}:\n{run.stdout}\n{run.stderr}"
        printed = {line.rstrip() for line in (run.stdout + run.stderr).splitlines()}
        missing = [line for line in shown if not VARYING.search(line.strip()) and line not in printed]
        assert not missing, f"{command}: the tutorial shows lines it did not print: {missing}\n{run.stdout}{run.stderr}"
        if words[1:3] == ["new", "partner"]:
            toml = cwd / "partners" / words[3] / "partner.toml"
            lines = [f"{line.split(' = ')[0]} = {partner_edit[line.split(' = ')[0]]}"
                     if line.split(" = ")[0] in partner_edit else line
                     for line in toml.read_text(encoding="utf-8").splitlines()]
            toml.write_text("\n".join(lines) + "\n", encoding="utf-8")
        if words[1:3] == ["new", "post"]:
            post = next((cwd / "content" / "blog").glob("five-signs-*.md"))
            post.write_text(post.read_text(encoding="utf-8").replace("draft: true\n", ""), encoding="utf-8")
    assert (cwd / "build" / "acme-it" / "blog" / "five-signs-your-backups-will-fail-you.html").is_file()
