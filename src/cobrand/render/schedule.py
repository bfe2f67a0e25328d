"""Social posts as CSV for Hootsuite's Bulk Composer.

Hootsuite imports a CSV without a header row whose columns are: date and
time (``MM/DD/YYYY HH:mm``, 24-hour, minutes a multiple of five), the message,
and an optional link. One file per network, because each network's variant
differs. Posts are scheduled on the weekdays after the build date, at 10:00,
so the file is the same for the same inputs. A message that starts like a
formula gets an apostrophe before it (see :mod:`cobrand.spreadsheet`).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from ..spreadsheet import csv_text

POST_TIME = dt.time(10, 0)


def schedule_dates(start: dt.date, count: int) -> list[dt.datetime]:
    """``count`` weekday slots after ``start``."""
    slots: list[dt.datetime] = []
    day = start
    while len(slots) < count:
        day += dt.timedelta(days=1)
        if day.weekday() < 5:
            slots.append(dt.datetime.combine(day, POST_TIME))
    return slots


def hootsuite_csv(posts: list[dict[str, Any]], network: str, start: dt.date) -> bytes:
    """The Bulk Composer CSV of one network's variants, oldest post first."""
    ordered = sorted(posts, key=lambda post: (post["date"], post["slug"]))
    rows = [[when.strftime("%m/%d/%Y %H:%M"), post["messages"][network], post["urls"].get(network) or ""]
            for post, when in zip(ordered, schedule_dates(start, len(ordered)), strict=True)]
    return csv_text(rows).encode("utf-8")
