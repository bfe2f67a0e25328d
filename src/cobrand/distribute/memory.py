"""Where a Dask worker process's C allocator puts large buffers while it renders.

Dask's nanny starts each worker with ``MALLOC_TRIM_THRESHOLD_=65536`` (its ``pre-spawn-environ``
default, so that workers hand freed memory back to the system). Setting any of glibc's malloc
variables also fixes the threshold above which glibc serves an allocation with its own ``mmap``
at 128 KiB, where it would otherwise rise to the largest buffer freed. Rendering allocates and
frees buffers of a few hundred kilobytes to a few megabytes all the time (image pixels, PNG and
WebP encoders, WeasyPrint's layout), so each of them is mapped afresh and faulted in page by
page, and unmapped again. For the build, :func:`keep_freed_memory` sets both thresholds to
what glibc's own adjustment would reach; :func:`restore_freed_memory` sets them back.

Only glibc has ``mallopt``: elsewhere both do nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
from collections.abc import Callable, Mapping

M_TRIM_THRESHOLD = -1  # from <malloc.h>
M_MMAP_THRESHOLD = -3
# glibc's ceiling for its own adjusting mmap threshold on 64-bit systems (DEFAULT_MMAP_THRESHOLD_MAX),
# and the trim threshold it keeps beside it (twice the mmap threshold).
MMAP_THRESHOLD = 32 * 1024 * 1024
TRIM_THRESHOLD = 2 * MMAP_THRESHOLD
GLIBC_DEFAULT = 128 * 1024  # both thresholds, when set by a variable rather than adjusted
FIXING_VARIABLES = ("MALLOC_TRIM_THRESHOLD_", "MALLOC_MMAP_THRESHOLD_", "MALLOC_TOP_PAD_", "MALLOC_MMAP_MAX_")


def _mallopt() -> Callable[[int, int], int] | None:
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        return libc.mallopt
    except (OSError, AttributeError):
        return None


def thresholds_fixed(environ: Mapping[str, str] = os.environ) -> bool:
    """True when a malloc variable in ``environ`` has fixed glibc's mmap threshold at its start value."""
    return any(name in environ for name in FIXING_VARIABLES)


def keep_freed_memory() -> bool:
    """Let this process reuse freed buffers of up to 32 MiB instead of mapping each anew; True if changed.

    Does nothing when no malloc variable fixed the thresholds (glibc then adjusts them itself).
    """
    mallopt = _mallopt()
    if mallopt is None or not thresholds_fixed():
        return False
    return bool(mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and bool(mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD))


def restore_freed_memory() -> None:
    """Set the thresholds back to what the process's malloc variables (or glibc's defaults) gave."""
    mallopt = _mallopt()
    if mallopt is None or not thresholds_fixed():
        return
    mallopt(M_MMAP_THRESHOLD, _variable("MALLOC_MMAP_THRESHOLD_"))
    mallopt(M_TRIM_THRESHOLD, _variable("MALLOC_TRIM_THRESHOLD_"))


def _variable(name: str) -> int:
    value = os.environ.get(name, "")
    return int(value) if value.isdigit() else GLIBC_DEFAULT
