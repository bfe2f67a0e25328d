"""The W3C Nu HTML Checker (vnu.jar from npm's ``vnu-jar``, pinned in package.json), run on files from one JVM:
starting it costs seconds, checking a page milliseconds. ``scripts/setup`` installs it and Debian's java."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from support.example import ROOT

VNU = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"


def nu_check(files: list[Path]) -> list[dict[str, object]]:
    """The Nu checker's messages (errors only) for ``files``, from one JVM."""
    if not VNU.is_file():
        pytest.skip(f"{VNU} is missing: run bash scripts/setup (npm install)")
    if shutil.which("java") is None:
        pytest.skip("java is missing: run bash scripts/setup (Debian's default-jre-headless)")
    run = subprocess.run(["java", "-jar", str(VNU), "--format", "json", "--errors-only",
                          *(str(file) for file in files)],
                         capture_output=True, text=True, timeout=600, check=False)
    # vnu writes its JSON report to stderr and exits 1 when it found an error.
    report = json.loads(run.stderr)
    return list(report["messages"])
