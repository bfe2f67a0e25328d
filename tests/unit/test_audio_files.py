"""Audio files by their bytes (load/media.py ``check_audio``): every accepted format, a file that is not what
its name says, and the example's own chime. Audio on built pages: tests/build/test_media_audio.py."""

from __future__ import annotations

import wave

import pytest

from cobrand.load.media import check_audio
from support.example import ROOT

AUDIO = "media/audio/low-tide-chime.wav"


def test_example_audio_is_a_small_real_wav_file():
    with wave.open(str(ROOT / "content" / AUDIO)) as audio:
        seconds = audio.getnframes() / audio.getframerate()
        assert audio.getcomptype() == "NONE"  # plain PCM, which every browser plays
    assert 2 <= seconds <= 10
    assert (ROOT / "content" / AUDIO).stat().st_size < 100 * 1024


def _wav() -> bytes:
    return (ROOT / "content" / AUDIO).read_bytes()


HEADS = {
    "mp3": b"ID3\x04\x00\x00\x00\x00\x00\x00" + b"\xff\xfb\x90\x00" * 8,
    "aac": b"\xff\xf1\x50\x80\x02\x1f\xfc" + b"\x00" * 32,
    "m4a": b"\x00\x00\x00\x20ftypM4A \x00\x00\x02\x00" + b"\x00" * 32,
    "ogg": b"OggS\x00\x02" + b"\x00" * 40,
    "opus": b"OggS\x00\x02" + b"\x00" * 40,
    "oga": b"OggS\x00\x02" + b"\x00" * 40,
}


@pytest.mark.parametrize("extension", [*HEADS, "wav"])
def test_each_audio_format_is_accepted_by_its_bytes(tmp_path, extension):
    (tmp_path / "content").mkdir()
    data = _wav() if extension == "wav" else HEADS[extension]
    (tmp_path / "content" / f"episode.{extension}").write_bytes(data)
    assert check_audio(tmp_path, "content/media/x.md", f"episode.{extension}") == []


def test_an_ogg_file_named_mp3_is_refused(tmp_path):
    (tmp_path / "content").mkdir()
    (tmp_path / "content" / "episode.mp3").write_bytes(HEADS["ogg"])
    problems = check_audio(tmp_path, "content/media/x.md", "episode.mp3")
    assert [(p.file, p.field) for p in problems] == [("content/media/x.md", "embed.audio")]

