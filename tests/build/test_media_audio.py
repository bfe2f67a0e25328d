"""Audio files as media embeds: the page plays the project's own file, and bad paths are refused.

Real builds of the example project (its Low Tide chime is a real WAV file) and
of copies with broken audio entries, checked with ``cobrand check`` and
``cobrand build``; every error must name the media file and ``embed.audio``. The page in Chromium:
tests/browser/test_media_audio_in_chromium.py.
"""

from __future__ import annotations

import html
import posixpath
from html.parser import HTMLParser
from pathlib import Path

import pytest

import cobrand
from cobrand.check import check
from support.example import ENVIRON, ROOT, copy_example, nothing_but_the_report

EPISODE = "media/low-tide-season-two-sting"
EPISODE_FILE = f"content/{EPISODE}.md"
AUDIO = "media/audio/low-tide-chime.wav"
PARTNER = "northbeam-it"


class Elements(HTMLParser):
    """Every start tag with its attributes, in document order."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def elements(page: Path) -> list[tuple[str, dict[str, str | None]]]:
    parser = Elements()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser.tags


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("audio") / "build"
    report = cobrand.build(ROOT, out_dir=out, partners=(PARTNER,), pdfs=False, images=False, environ=ENVIRON)
    assert report.ok, report.failures
    return out / PARTNER


def test_audio_page_plays_the_partners_copy_of_the_file(site):
    page = site / f"{EPISODE}.html"
    tags = elements(page)
    players = [attrs for tag, attrs in tags if tag == "audio"]
    assert len(players) == 1
    player = players[0]
    assert "controls" in player and player["preload"] == "none"
    src = player["src"]
    assert src and not src.startswith(("/", "http:", "https:"))  # relative, so the folder works anywhere
    target = site / posixpath.normpath(posixpath.join(posixpath.dirname(f"{EPISODE}.html"), src))
    assert target.read_bytes() == (ROOT / "content" / AUDIO).read_bytes()
    downloads = [attrs for tag, attrs in tags if tag == "a" and "download" in attrs]
    assert [attrs["href"] for attrs in downloads] == [src]
    assert downloads[0]["type"] == "audio/wav"


def test_audio_page_keeps_the_transcript_and_loads_nothing_from_elsewhere(site):
    text = html.unescape((site / f"{EPISODE}.html").read_text(encoding="utf-8"))
    assert "The Low Tide chime: three rising notes" in text  # the transcript body
    assert "Northbeam IT" in text  # tokens in the body are filled
    tags = elements(site / f"{EPISODE}.html")
    assert not [attrs for tag, attrs in tags if tag in {"iframe", "video"} or "data-embed" in attrs]
    scripts = [attrs.get("src") or "" for tag, attrs in tags if tag == "script"]
    assert all(not src.startswith(("http:", "https:", "//")) for src in scripts), scripts


def test_video_pages_keep_their_click_to_play_player(site):
    tags = elements(site / "media/alert-to-clean-restore.html")
    assert any("data-embed" in attrs for _, attrs in tags)
    assert not [attrs for tag, attrs in tags if tag == "audio"]


# --- refused audio entries ---------------------------------------------------------------------


def set_embed(project: Path, embed: str) -> None:
    """Replace the episode's ``embed:`` block with ``embed`` (YAML lines, indented)."""
    path = project / EPISODE_FILE
    text = path.read_text(encoding="utf-8")
    old = f"embed:\n  audio: {AUDIO}\n"
    assert old in text
    path.write_text(text.replace(old, f"embed:\n{embed}\n"), encoding="utf-8")


def audio_errors(report) -> list:
    return [p for p in report.errors if p.file == EPISODE_FILE and p.field == "embed.audio"]


@pytest.mark.parametrize(("value", "reason"), [
    ("../cobrand.toml.mp3", "leaves its folder"),
    ("media/../../brand/x.mp3", "leaves its folder"),
    ("/etc/passwd.mp3", "absolute"),
    ("media/audio/missing-episode.mp3", "not found"),
    ("media/audio/low-tide-chime.exe", "not an audio file"),
    ("media/audio/low-tide-chime", "not an audio file"),
])
def test_bad_audio_paths_are_errors_naming_file_and_field(tmp_path, value, reason):
    project = copy_example(tmp_path)
    set_embed(project, f"  audio: {value}")
    report = check(project, environ=ENVIRON)
    found = audio_errors(report)
    assert found, report.summary()
    assert any(reason in problem.message for problem in found), [p.message for p in found]
    assert not report.ok


def test_symbolic_link_out_of_content_is_refused(tmp_path):
    project = copy_example(tmp_path)
    outside = tmp_path / "private.wav"
    outside.write_bytes((ROOT / "content" / AUDIO).read_bytes())  # a real WAV, only its place is wrong
    (project / "content/media/audio/linked.wav").symlink_to(outside)
    set_embed(project, "  audio: media/audio/linked.wav")
    found = audio_errors(check(project, environ=ENVIRON))
    assert found and "leads outside content/" in found[0].message


def test_a_file_that_is_not_the_audio_it_claims_is_refused(tmp_path):
    project = copy_example(tmp_path)
    (project / "content/media/audio/setup.mp3").write_bytes(b"MZ\x90\x00" + b"\x00" * 200)  # a Windows program
    set_embed(project, "  audio: media/audio/setup.mp3")
    found = audio_errors(check(project, environ=ENVIRON))
    assert found and "not a .mp3 audio file" in found[0].message


def test_missing_audio_fails_the_build_too(tmp_path):
    project = copy_example(tmp_path)
    (project / "content" / AUDIO).unlink()
    with pytest.raises(cobrand.ProjectError) as caught:
        cobrand.build(project, out_dir=tmp_path / "out", pdfs=False, images=False, environ=ENVIRON,
                      all_or_nothing=True)
    found = [p for p in caught.value.problems if p.file == EPISODE_FILE and p.field == "embed.audio"]
    assert found and "not found" in found[0].message, str(caught.value)
    assert found[0].line is not None  # the line of embed:, to jump to
    assert nothing_but_the_report(tmp_path / "out")


@pytest.mark.parametrize("embed", [
    f"  audio: {AUDIO}\n  youtube: Hb4rL1ne9Qx",
    f"  audio: {AUDIO}\n  vimeo: \"902417385\"",
    "  {}",
])
def test_exactly_one_of_youtube_vimeo_or_audio(tmp_path, embed):
    project = copy_example(tmp_path)
    set_embed(project, embed)
    report = check(project, environ=ENVIRON)
    found = [p for p in report.errors if p.file == EPISODE_FILE and p.field == "embed"]
    assert found and "exactly one of youtube, vimeo or audio" in found[0].message, report.summary()


# --- formats, by their bytes -------------------------------------------------------------------


# --- the images of page bodies are confined the same way ------------------------------------------------


def test_body_image_linked_out_of_content_is_refused(tmp_path):
    project = copy_example(tmp_path)
    (project / "content/assets").mkdir(exist_ok=True)
    (project / "content/assets/hosts.png").symlink_to("/etc/hosts")
    post = project / "content/blog/ransomware-recovery-drill.md"
    post.write_text(post.read_text(encoding="utf-8") + "\n![Hosts](../assets/hosts.png)\n", encoding="utf-8")
    report = check(project, environ=ENVIRON)
    found = [p for p in report.errors if p.file == "content/blog/ransomware-recovery-drill.md"]
    assert found and "leads outside content/" in found[0].message, report.summary()


def test_body_image_inside_content_is_copied(tmp_path):
    project = copy_example(tmp_path)
    (project / "content/assets").mkdir(exist_ok=True)
    (project / "content/assets/diagram.png").write_bytes((ROOT / "content/assets/social/low-tide-swell.jpg")
                                                         .read_bytes())
    post = project / "content/blog/ransomware-recovery-drill.md"
    post.write_text(post.read_text(encoding="utf-8") + "\n![Diagram](../assets/diagram.png)\n", encoding="utf-8")
    out = tmp_path / "out"
    report = cobrand.build(project, out_dir=out, partners=(PARTNER,), pdfs=False, images=False, environ=ENVIRON)
    assert report.ok, report.failures
    assert (out / PARTNER / "assets/diagram.png").read_bytes() == (project / "content/assets/diagram.png").read_bytes()
