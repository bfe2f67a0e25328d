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
from collections.abc import Sequence
from typing import Any

from ..spreadsheet import csv_text

POST_TIME = dt.time(10, 0)


def schedule_dates(start: dt.date, count: int, not_before: list[dt.date] | None = None) -> list[dt.datetime]:
    """``count`` weekday slots after ``start``, one a day; slot ``i`` is on or after ``not_before[i]``.

    A post scheduled to publish later (``publish``, or a future ``date``, shown by ``--future``) and a post
    promoting such an item are not put in the scheduler before that day.
    """
    slots: list[dt.datetime] = []
    day = start
    while len(slots) < count:
        day += dt.timedelta(days=1)
        if not_before is not None and day < not_before[len(slots)]:
            day = not_before[len(slots)]
        while day.weekday() >= 5:
            day += dt.timedelta(days=1)
        slots.append(dt.datetime.combine(day, POST_TIME))
    return slots


def hootsuite_csv(posts: Sequence[dict[str, Any]], network: str, start: dt.date) -> bytes:
    """The Bulk Composer CSV of one network's variants, in the order of the days they may first go out."""
    ordered = sorted(posts, key=lambda post: (post.get("publish_date", post["date"]), post["date"], post["slug"]))
    days = schedule_dates(start, len(ordered), [post.get("publish_date", post["date"]) for post in ordered])
    rows = [[when.strftime("%m/%d/%Y %H:%M"), post["messages"][network], post["urls"].get(network) or ""]
            for post, when in zip(ordered, days, strict=True)]
    return csv_text(rows).encode("utf-8")
