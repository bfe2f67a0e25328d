"""What a command loads at start-up: each command pays only for what it runs."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from support.example import ENVIRON, copy_example


def test_the_command_line_imports_what_one_command_uses_only_for_that_command() -> None:
    """`cobrand build` (and every command but `serve`) starts without the dev server's HTTP stack, nor what
    only `init`, `new`, `check`, `audit` and `partners` use, nor ctypes (only worker processes need it)."""
    names = ("('cobrand.serve', 'http.server', 'http.client', 'ssl', 'cobrand.scaffold', 'cobrand.audit', "
             "'cobrand.check', 'cobrand.partners_table', 'ctypes')")
    code = (f"import sys, cobrand.cli; cobrand.cli.main(['--version'], standalone_mode=False); "
            f"print(sorted(m for m in {names} if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    assert result.stdout.strip().splitlines()[-1] == "[]"


# What a rebuild whose saved state knows every file and finds every partner current does not need: the
# parsers of content, logos and e-mails, and what only rendering a partner uses (benchmarks/README.md, issue 22).
NOT_FOR_A_NO_OP = ("lxml", "nh3", "tinycss2", "PIL.ImageCms", "markdown_it", "mdit_py_plugins", "yaml",
                   "babel.messages", "cobrand.load.svg_allowlist", "cobrand.load.markdown", "cobrand.load.media",
                   "cobrand.render.newsletter", "cobrand.render.plaintext", "cobrand.render.providers.emails",
                   "cobrand.render.engine.skeleton", "cobrand.program", "cobrand.render.hub_feed", "cobrand.render.kit",
                   "cobrand.render.schedule", "cobrand.scaffold", "PIL.ImageDraw", "PIL.ImageFont", "PIL.features",
                   "PIL.ImageOps", "PIL.ImageChops", "fontTools", "multiprocessing", "concurrent.futures",
                   "tomllib", "importlib.metadata", "pydantic.plugin._loader")
NO_OP_BUILD = """
import json, sys
import cobrand
report = cobrand.build(sys.argv[1], out_dir=sys.argv[2], jobs=1, pdfs=False, images=False,
                       environ=json.loads(sys.argv[3]))
print(json.dumps({"counts": report.to_dict()["counts"],
                  "loaded": sorted(name for name in json.loads(sys.argv[4]) if name in sys.modules)}))
"""


def _build_in_a_fresh_process(project: Path, out: Path) -> dict[str, Any]:
    result = subprocess.run([sys.executable, "-c", NO_OP_BUILD, str(project), str(out), json.dumps(ENVIRON),
                             json.dumps(NOT_FOR_A_NO_OP)], check=True, capture_output=True, text=True)
    found: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return found


def test_a_rebuild_with_nothing_to_do_imports_no_parser_and_no_renderer_of_a_partner(tmp_path: Path) -> None:
    """The same command in fresh processes: the first build (nothing saved) needs them (LittleCMS aside: no
    logo of the example has a colour profile; nor Pillow's drawing and fonts: it paints no card without
    images; nor fontTools: no logo of the example has a placeholder's title, so none is drawn to compare;
    nor a process pool, with one job), the rebuild after it none."""
    project = copy_example(tmp_path / "project")
    first = _build_in_a_fresh_process(project, tmp_path / "out")
    assert first["counts"]["files_written"] > 0
    assert first["loaded"] == sorted(set(NOT_FOR_A_NO_OP) - {"PIL.ImageCms", "PIL.ImageDraw", "PIL.ImageFont",
                                                             "PIL.features", "fontTools", "multiprocessing",
                                                             "concurrent.futures"})
    again = _build_in_a_fresh_process(project, tmp_path / "out")
    assert again["counts"]["files_written"] == 0 and again["counts"]["partners_built"] == 0
    assert again["loaded"] == []
