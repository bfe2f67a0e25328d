"""The last good files of a withheld content item, kept where a partner already had them (issue 20).

A content item whose file has errors is withheld: nothing new of it is published. The writer records,
in each partner's manifest, which files each item made (``items``) and when items expire
(``expires``); while an item is withheld, a partner whose folder has its files keeps them as they
are, byte for byte, and a partner whose folder does not have them never gets them, so gating fails
closed. Files that gather many items (listings, feeds, sitemaps, CSVs, the kit zip) are made again
without the item: they cannot be remade from a file that does not load.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from .jobs import Job


@dataclass(frozen=True)
class Withheld:
    """Content items left out of this build for their errors, and what the writer needs to keep their files.

    A partner whose folder has such an item (its manifest records which files each item made) keeps
    those files as they are, byte for byte, unless the item's recorded expiry is before ``today``;
    a partner whose folder does not have it never gets it (issue 20: nothing new of a broken item is
    published, and gating fails closed). ``expires`` holds the expiry of the items this build writes.
    """

    items: frozenset[str] = frozenset()
    today: str = ""  # ISO date of the build
    expires: dict[str, str] = field(default_factory=dict)  # item -> ISO date, for items that expire


def keep_withheld(manifest: dict[str, object], old_keys: dict[str, str], on_disk: set[str], by_path: dict[str, Job],
                  withheld: Withheld, folder: Path) -> tuple[list[Job], list[str]]:
    """Jobs that keep the recorded files of withheld items as they are, and the items kept.

    A kept file's job carries the key recorded for it, so the writer counts it unchanged and
    never rewrites it; a path this build's own outputs claim is theirs (another item's now).
    """
    items, expires = manifest.get("items"), manifest.get("expires")
    items = items if isinstance(items, dict) else {}
    expires = expires if isinstance(expires, dict) else {}
    keeping: dict[str, Job] = {}
    kept: list[str] = []
    for item in sorted(withheld.items):
        paths = items.get(item)
        until = expires.get(item)
        if not isinstance(paths, list) or (isinstance(until, str) and until < withheld.today):
            continue  # never published to this partner, or expired since: nothing to keep
        found = [path for path in paths if isinstance(path, str) and path in old_keys and path in on_disk
                 and path not in by_path]
        for path in found:
            previous = keeping.get(path)
            owners = (*previous.items, item) if previous is not None else (item,)
            keeping[path] = Job(path, old_keys[path], _read_back(folder / path), items=owners)
        if found:
            kept.append(item)
    return list(keeping.values()), kept


def _read_back(path: Path) -> Callable[[Callable[[str], bytes]], bytes]:
    return lambda _: path.read_bytes()


def item_record(jobs: list[Job], manifest: dict[str, object], kept: list[str], withheld: Withheld | None
                 ) -> dict[str, object]:
    """The manifest's record of which files each content item made, and when items expire."""
    items: dict[str, list[str]] = {}
    for job in jobs:
        for item in job.items:
            items.setdefault(item, []).append(job.path)
    if not items:
        return {}
    expires = dict(withheld.expires) if withheld is not None else {}
    previous = manifest.get("expires")
    if isinstance(previous, dict):  # a kept item keeps its last good expiry
        expires.update((item, until) for item, until in previous.items() if item in kept)
    return {"items": {item: sorted(paths) for item, paths in sorted(items.items())},
            "expires": {item: until for item, until in sorted(expires.items()) if item in items}}
