"""An audio embed in Chromium: the page fetches the partner's copy of the file only when asked, and it plays
(the example's Low Tide chime, four seconds of WAV); axe-core finds nothing serious on the page."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from support.example import ROOT, ExampleBuild
from support.http_server import local_http_server

EPISODE = "media/low-tide-season-two-sting"
AUDIO = "media/audio/low-tide-chime.wav"
PARTNER = "northbeam-it"
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"


@pytest.fixture
def served(example_build: ExampleBuild) -> Iterator[str]:
    """The partner's folder of the session's example build over HTTP on 127.0.0.1, as a host would serve it."""
    with local_http_server(example_build.out / PARTNER) as server:
        yield server.url


def test_browser_fetches_the_audio_only_when_asked_and_can_play_it(served: str, chromium: Any) -> None:
    page = chromium.new_page()
    try:
        requests: list[str] = []
        page.on("request", lambda request: requests.append(request.url))
        page.goto(f"{served}/{EPISODE}.html", wait_until="networkidle")
        assert requests and not [url for url in requests if url.endswith(".wav")]  # preload="none" holds
        assert all(url.startswith(served) or url.startswith("data:") for url in requests), requests
        # What pressing play starts: the browser fetches the file and decodes it (four seconds of WAV).
        duration = page.evaluate("""() => new Promise((resolve, reject) => {
            const audio = document.querySelector('audio');
            audio.addEventListener('loadedmetadata', () => resolve(audio.duration));
            audio.addEventListener('error', () => reject(new Error('audio error ' + audio.error.code)));
            audio.preload = 'metadata';
            audio.load();
        })""")
        assert abs(duration - 4.0) < 0.05
        assert f"{served}/{AUDIO}" in requests
        assert AXE.is_file(), f"{AXE} is missing: run bash scripts/setup"
        page.add_script_tag(path=str(AXE))
        violations = page.evaluate("""async () => (await axe.run(document, {resultTypes: ['violations']}))
            .violations.filter(v => v.impact === 'serious' || v.impact === 'critical').map(v => v.id)""")
        assert violations == []
    finally:
        page.close()

