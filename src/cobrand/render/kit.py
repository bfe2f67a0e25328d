"""The partner's downloadable kit: social copy as text, and one zip of everything."""

from __future__ import annotations

import io
import zipfile
from typing import Any

from ..networks import NETWORKS

ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)
# The last time a zip's DOS timestamp holds (its seconds are stored halved).
ZIP_END = (2107, 12, 31, 23, 59, 58)


def social_copy(social_views: list[dict[str, Any]]) -> bytes:
    """A plain-text file with every social post, ready to paste, network by network.

    Posts come in the partner's language where translated; an untranslated one is marked with its
    language after its title (``# Title [en]``), as pages mark it with a lang attribute.
    """
    blocks = []
    for view in social_views:
        fallback = view.get("foreign_lang")
        lines = [f"# {view['title']}" + (f" [{fallback}]" if fallback else ""), ""]
        for network in NETWORKS:
            lines += [f"## {network.label}", "", view["variants"][network.name], ""]
        blocks.append("\n".join(lines))
    return ("\n".join(blocks) or "No social posts yet.\n").encode("utf-8")


def kit_zip(files: dict[str, bytes], folder: str, date_time: tuple[int, int, int, int, int, int] = ZIP_EPOCH
            ) -> bytes:
    """A zip of ``files`` (name -> bytes) under ``folder/``, byte-identical for the same input.

    ``date_time`` outside what a zip can hold (1980 to 2107) is clamped to the nearest end: content
    dates are refused outside those years at load, this keeps any other caller deterministic too.
    """
    date_time = min(max(date_time, ZIP_EPOCH), ZIP_END)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(files):
            info = zipfile.ZipInfo(f"{folder}/{name}", date_time=date_time)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            info.create_system = 3
            archive.writestr(info, files[name])
    return buffer.getvalue()
