"""Social posts as CSV for Hootsuite's Bulk Composer.

Hootsuite imports a CSV without a header row whose columns are: date and
time (``MM/DD/YYYY HH:mm``, 24-hour, minutes a multiple of five), the message,
and an optional link. One file per network, because each network's variant
differs. Posts are scheduled on the weekdays after the build date, at 10:00,
so the file is the same for the same inputs.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

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
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for post, when in zip(ordered, schedule_dates(start, len(ordered)), strict=True):
        url = post["urls"].get(network) or ""
        writer.writerow([when.strftime("%m/%d/%Y %H:%M"), post["messages"][network], url])
    return buffer.getvalue().encode("utf-8")
