"""Check files that content front matter names: a media item's audio, a social post's image.

Both are paths relative to ``content/``. They must stay inside it (no
``..``, no absolute path, no link that resolves outside), exist, and be what
their name says, because the audio is copied into partner sites as is and
the image is painted into every partner's social images.
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, UnidentifiedImageError

from ..errors import Problem
from ..schemas import AUDIO_TYPES, audio_extension

MAX_AUDIO_BYTES = 500 * 1024 * 1024  # every partner site gets a copy; a longer episode belongs on a podcast host
MAX_IMAGE_BYTES = 20 * 1024 * 1024
MAX_IMAGE_PIXELS = 40_000_000
IMAGE_FORMATS = ("PNG", "JPEG", "WEBP")


def _sniff_audio(head: bytes) -> str | None:
    """The audio family the first bytes of a file belong to, or None."""
    if head.startswith(b"ID3") or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0):
        return "mpeg"  # an ID3 tag or an MPEG/ADTS frame header: MP3 and raw AAC both start this way
    if head[4:8] == b"ftyp":
        return "mp4"
    if head.startswith(b"OggS"):
        return "ogg"
    if head.startswith(b"RIFF") and head[8:12] == b"WAVE":
        return "wav"
    return None


_FAMILY = {"mp3": "mpeg", "aac": "mpeg", "m4a": "mp4", "ogg": "ogg", "oga": "ogg", "opus": "ogg", "wav": "wav"}
assert set(_FAMILY) == set(AUDIO_TYPES)


class _Unusable(ValueError):
    """The named file cannot be used; the message says why."""


class _Outside(_Unusable):
    """The named path resolves to a file outside ``content/``."""


def _content_file(root: Path, relative: str) -> Path:
    """``relative`` resolved inside ``content/``, following links only while they stay inside it."""
    base = (root / "content").resolve()
    try:
        target = (base / relative).resolve()
        if not target.is_relative_to(base):
            raise _Outside(f"{relative[:80]!r} leads outside content/ (through a symbolic link)")
        if not target.is_file():
            raise _Unusable(f"content/{relative[:80]} not found")
    except _Unusable:
        raise
    except (OSError, ValueError) as error:  # a name too long, a loop of links, a NUL byte...
        raise _Unusable(f"{relative[:80]!r} cannot be opened ({getattr(error, 'strerror', None) or error})") from None
    return target


def check_audio(root: Path, file: str, relative: str, line: int | None = None) -> list[Problem]:
    """Problems with the audio file ``relative`` named by ``file``'s ``embed.audio``."""
    try:
        path = _content_file(root, relative)
        size = path.stat().st_size
        with path.open("rb") as handle:
            head = handle.read(12)
    except _Unusable as error:
        return [Problem(file, f"audio {error}", field="embed.audio", line=line)]
    except OSError as error:
        return [Problem(file, f"audio {relative[:80]!r} cannot be read ({error.strerror or error})",
                        field="embed.audio", line=line)]
    if size > MAX_AUDIO_BYTES:
        return [Problem(file, f"audio content/{relative} is {size // 1024 // 1024} MiB; at most "
                        f"{MAX_AUDIO_BYTES // 1024 // 1024} MiB (link a podcast host's episode page instead)",
                        field="embed.audio", line=line)]
    extension = audio_extension(relative)
    if _sniff_audio(head) != _FAMILY[extension]:
        return [Problem(file, f"content/{relative} is not a .{extension} audio file (its bytes do not start "
                        "like one)", field="embed.audio", line=line)]
    return []


def check_body_image(root: Path, file: str, relative: str) -> list[Problem]:
    """Problems with an image of a page's Markdown body: it must be a file under ``content/assets/``.

    The renderer copies it into partner sites, so a link inside ``content/`` to a file elsewhere
    (``/etc/passwd``, another project) is refused like a ``..`` path.
    """
    if relative.startswith("assets/"):
        try:
            _content_file(root, relative)
            return []
        except _Outside as error:
            return [Problem(file, f"image {error}")]
        except _Unusable:
            pass  # missing: the message below says where images belong
    return [Problem(file, f"image {relative[:80]!r} not found in content/assets")]


def check_image(root: Path, file: str, relative: str, line: int | None = None) -> list[Problem]:
    """Problems with the picture ``relative`` named by a social post's ``image``."""
    try:
        path = _content_file(root, relative)
        size = path.stat().st_size
    except _Unusable as error:
        return [Problem(file, f"image {error}", field="image", line=line)]
    except OSError as error:
        return [Problem(file, f"image {relative[:80]!r} cannot be read ({error.strerror or error})",
                        field="image", line=line)]
    if size > MAX_IMAGE_BYTES:
        return [Problem(file, f"image content/{relative} is {size // 1024 // 1024} MiB; at most "
                        f"{MAX_IMAGE_BYTES // 1024 // 1024} MiB", field="image", line=line)]
    try:
        # Opening reads only the header: cheap on every build; the pixels are decoded when painted.
        with Image.open(path) as image:
            kind, (width, height) = image.format, image.size
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        return [Problem(file, f"content/{relative} is not an image (PNG, JPEG or WebP)", field="image", line=line)]
    if kind not in IMAGE_FORMATS:
        return [Problem(file, f"content/{relative} is a {kind} image; use PNG, JPEG or WebP", field="image",
                        line=line)]
    if width * height > MAX_IMAGE_PIXELS:
        return [Problem(file, f"content/{relative} is {width}x{height} pixels; at most "
                        f"{MAX_IMAGE_PIXELS // 1_000_000} million", field="image", line=line)]
    return []
