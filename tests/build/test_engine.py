"""The page engine (render/engine/): its switch, its verify mode, its Jinja2 canary, and what edits rewrite.

``verify`` renders every page with both renderers and fails on the first
difference: CI runs it over the example and over a generated project with
many partners, so the skeleton engine is checked on every page, not once
per skeleton.
"""

from __future__ import annotations

import hashlib
import inspect
import re
import tomllib
from pathlib import Path

import jinja2
import pytest
from jinja2.compiler import CodeGenerator

import cobrand
from cobrand.errors import UsageError
from cobrand.render.engine import slots
from cobrand.render.engine.renderers import PageRequest, RenderMismatchError, VerifyRenderer, render_mode
from cobrand.render.site import ThemeEnvironment
from support.example import ENVIRON, ROOT, copy_example, file_digests, generate_project

# --- Jinja2 canary ---------------------------------------------------------------------------------

# The source of each Jinja2 method the skeleton code generator copies or extends (render/engine/slots.py),
# as Jinja2 3.1.6 has it. A change means the copy must be read against the new method again.
COPIED = {
    "visit_AssignBlock": "4e79a2ab482b6f4275ed0df78f1c96c4bcc68b9d7994148a61d0f5e3d8b95043",
    "visit_Concat": "be4721533d19611d2e773a3642d56e8a9163dbf9217f56eb0d9c3c60aa87d34c",
    "macro_def": "69d86b06d17d402c3df0596bf40222dbb40345291dd92ea4c8e020fbb7e4ff1b",
}


def test_jinja2_is_a_version_the_skeleton_engine_was_tested_with() -> None:
    minor = ".".join(jinja2.__version__.split(".")[:2])
    assert minor in slots.TESTED_JINJA2, (
        f"UNTESTED JINJA2 {jinja2.__version__}: the skeleton engine copies Jinja2's code generator and imports a "
        f"private name; it is tested with {slots.TESTED_JINJA2}. Run COBRAND_RENDER=verify over real projects, "
        "read render/engine/slots.py against the new Jinja2, then add the version here and in pyproject.toml.")


def test_pyproject_pins_jinja2_to_the_tested_minor_versions() -> None:
    dependencies = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["dependencies"]
    pin = next(d for d in dependencies if re.match(r"jinja2\b", d, re.IGNORECASE))
    bounds = dict(re.findall(r"(>=|<)\s*([\d.]+)", pin))
    low, high = tuple(map(int, bounds[">="].split(".")[:2])), tuple(map(int, bounds["<"].split(".")[:2]))
    allowed = {f"{major}.{minor}" for major in range(low[0], high[0] + 1) for minor in range(0, 100)
               if low <= (major, minor) < high}
    assert allowed == set(slots.TESTED_JINJA2), pin


def test_the_private_jinja2_names_the_engine_uses_exist_as_copied() -> None:
    from jinja2.runtime import Context, missing
    from jinja2.utils import _PassArg

    assert _PassArg.from_obj(jinja2.pass_context(lambda context: None)) is _PassArg.context
    assert missing is not None and "resolve_or_missing" in vars(Context)
    for method in ("push_assign_tracking", "pop_assign_tracking", "enter_frame", "leave_frame", "buffer",
                   "blockvisit", "newline", "visit_Filter"):
        assert callable(getattr(CodeGenerator, method, None)), method
    changed = {name for name, digest in COPIED.items()
               if hashlib.sha256(inspect.getsource(getattr(CodeGenerator, name)).encode()).hexdigest() != digest}
    assert not changed, f"Jinja2 changed {sorted(changed)}: read render/engine/slots.py against the new code"


# --- the switch ------------------------------------------------------------------------------------


def test_the_render_mode_comes_from_the_option_then_the_environment() -> None:
    assert render_mode(None, {}) == "fast"
    assert render_mode(None, {"COBRAND_RENDER": "verify"}) == "verify"
    assert render_mode("full", {"COBRAND_RENDER": "verify"}) == "full"
    with pytest.raises(UsageError, match="COBRAND_RENDER='quick'"):
        render_mode(None, {"COBRAND_RENDER": "quick"})


def test_an_unknown_mode_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    with pytest.raises(UsageError):
        cobrand.build(copy_example(tmp_path), out_dir=tmp_path / "out", environ={**ENVIRON, "COBRAND_RENDER": "x"})
    out = tmp_path / "out"
    # Only the run's record (report.json, the vendor overview of a refused run) and the lock.
    assert not [path for path in out.rglob("*") if path.name not in {"report.json", "overview.html", ".cobrand.lock"}]


def test_verify_names_the_partner_the_page_and_the_first_differing_line() -> None:
    env = ThemeEnvironment(loader=jinja2.DictLoader({"page.html": "<h1>{{ partner.name }}</h1>"}))
    renderer = VerifyRenderer(env)
    calls = []

    def drifting() -> str:  # a full render that differs the second time it runs
        calls.append(1)
        return "<html>\n<h1>Acme</h1>\n</html>" if len(calls) == 1 else "<html>\n<h1>Acme Ltd</h1>\n</html>"

    request = PageRequest("page.html", {"folder": ""}, {"partner": {"name": "Acme"}}, {"path": "kit.html"},
                          ("acme", "kit.html"), drifting)
    with pytest.raises(RenderMismatchError) as caught:
        renderer.render(request)
    message = str(caught.value)
    assert "partner acme" in message and "page kit.html" in message and "line 2" in message
    assert "<h1>Acme Ltd</h1>" in message and "<h1>Acme</h1>" in message


# --- verify over real projects (CI) ----------------------------------------------------------------


def test_verify_over_the_example_equals_a_full_build(tmp_path: Path) -> None:
    project = copy_example(tmp_path)
    verified, full = tmp_path / "verify", tmp_path / "full"
    report = cobrand.build(project, out_dir=verified, jobs=1, environ=ENVIRON, pdfs=False, render="verify")
    assert report.ok, report.summary()
    assert cobrand.build(project, out_dir=full, jobs=1, environ={**ENVIRON, "COBRAND_RENDER": "full"},
                         pdfs=False).ok
    assert published(verified) == published(full)


def test_verify_over_a_generated_project_with_many_partners(tmp_path: Path) -> None:
    """Forty partners of varied tiers, locales and logos: enough for every page shape to get skeletons
    that are filled for other partners, each page compared with its full render."""
    project = generate_project(tmp_path / "generated", partners=40, items=12)
    report = cobrand.build(project, out_dir=tmp_path / "out", jobs=2, environ=ENVIRON, pdfs=False, images=False,
                           render="verify")
    assert report.ok, report.summary()
    assert len(report.built) == 40


def published(out: Path) -> dict[str, str]:
    """Digests of the public sites' files and the hubs' beside them ("hub:" first), run state left out."""
    hubs = out.with_name(out.name + "-hub")
    return {prefix + name: digest for root, prefix in ((out, ""), (hubs, "hub:"))
            for name, digest in file_digests(root).items()
            if name not in {"report.json", "overview.html"} and not name.startswith(".cobrand")}  # run state


# --- the first edit after a clean build --------------------------------------------------------------


def test_the_first_edit_after_a_clean_build_rewrites_only_what_changed(tmp_path: Path) -> None:
    """Keys of a clean build (cold saved state, skeletons made as pages go) equal those of a warm rebuild: the first
    edit after it writes exactly the files whose bytes change, as many as the same edit made again."""
    project = generate_project(tmp_path / "generated", partners=12, items=10, mix=(1.0, 0.0, 0.0))
    out = tmp_path / "out"
    options = {"out_dir": out, "jobs": 2, "environ": ENVIRON, "pdfs": False, "images": False}
    assert cobrand.build(project, **options).ok
    post = sorted((project / "content/blog").glob("*.md"))[0]
    written = []
    for sentence in ("One more sentence about restore tests.", "And another one, about retention."):
        before = published(out)
        post.write_text(post.read_text(encoding="utf-8") + f"\n{sentence}\n", encoding="utf-8")
        report = cobrand.build(project, **options)
        assert report.ok, report.summary()
        after = published(out)
        changed = {name for name in after if before.get(name) != after[name]}
        assert report.built, "the edit reached partners"
        assert sum(result.written for result in report.partners) == len(changed), sorted(changed)
        written.append(len(changed))
    assert written[0] == written[1]
    # The post, and the listings when its card changed; in the hub, the post's e-mail (HTML and text).
    assert written[0] <= 5 * len(report.built)
